"""Characterisation of the drill stand-ins: every runbook command answers as recorded.

``tests/fixtures/drill/standins-golden.json`` holds, for every stand-in command the shipped and
seed runbooks write (see ``standins_corpus``), the exit code and a digest of the output at two
moments of each scenario. The stand-ins were made smaller against it; any change to what a
runbook command prints shows up here. When an answer changes on purpose (a fixed
inconsistency, a new simulator curve), regenerate with ``python -m tests.unit.standins_corpus``
and say why in the commit.
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest

from tests.unit.standins_corpus import GOLDEN, SCENARIOS, SEEDS, corpus, record


def test_the_golden_holds_every_scenario_the_corpus_runs() -> None:
    """So the per-scenario test below leaves none of the recorded answers unchecked."""
    assert list(json.loads(GOLDEN.read_text(encoding="utf-8"))["answers"]) == list(SCENARIOS)


def test_the_golden_runs_the_commands_the_runbooks_write_today() -> None:
    """A runbook command changed without a regenerated golden is pinned nowhere: RB-CORE-002's pool step went from 50
    to 300 in stop 41 and the golden went on checking the old command. Without the seeds (a clone without
    ``../shared``) the corpus is the runbooks' part of it only."""
    pinned = json.loads(GOLDEN.read_text(encoding="utf-8"))["commands"]
    today = [shlex.join(c) for c in corpus()]
    if SEEDS.is_dir():
        assert pinned == today, "regenerate: python -m tests.unit.standins_corpus"
    else:
        assert not set(today) - set(pinned), "regenerate: python -m tests.unit.standins_corpus"


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_every_runbook_command_answers_as_recorded(tmp_path: Path, scenario: str) -> None:
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    commands = [shlex.split(c) for c in golden["commands"]]
    now = record(tmp_path, commands, scenarios=(scenario,), warm=True)
    changed = []
    moments = golden["answers"][scenario]
    assert list(now["answers"][scenario]) == list(moments)
    for t, digests in moments.items():
        for command, want, got in zip(golden["commands"], digests, now["answers"][scenario][t], strict=True):
            if want != got:
                changed.append(f"{scenario} t={t} {want} -> {got}: {command}")
    assert not changed, f"{len(changed)} answers changed:\n" + "\n".join(changed[:40])
