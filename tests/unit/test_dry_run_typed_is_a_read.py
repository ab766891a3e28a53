"""A ``--dry-run`` of what changes things only reads: no ⚠, and typed verbatim it is credited as a read (redteam49 F2).

RB-CORE-005's "Dry-run a flow whose input contains PII" (``blocks test-flow --input test_with_pii.md --dry-run``) was
classed as changing things (``blocks test-flow``), so the checklist marked it ⚠ and the crediting waited for an
action a dry run never records: typed verbatim it was "not done (runbook step with no journal event)". The classifier
now reads a ``--dry-run`` as a read, and the one typed-credit rule (``by_hand``) credits it as one: a read whose
outcome is its exit code (the dry run fails when PII is left in the bundle) is "done by hand".
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.incident_fixtures import typed_drill_incident
from tests.unit.standins_corpus import typed_in_shell
from warroom.execute.classify import classify
from warroom.incident.by_hand import drill_typed

RUNBOOK = Path(__file__).resolve().parents[2] / "runbooks" / "RB-CORE-005-security-incident.md"
REDACT = ["kubectl", "set", "env", "deployment/flowengine", "PII_REDACTION_ENABLED=true", "-n", "production"]
HALT = ["kubectl", "scale", "deployment/flowengine", "--replicas=0", "-n", "production"]
RESTORE = ["kubectl", "scale", "deployment/flowengine", "--replicas=3", "-n", "production"]
DRY = ["blocks", "test-flow", "--input", "test_with_pii.md", "--dry-run"]


@pytest.fixture(autouse=True)
def _unpinned(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WARROOM_DRILL_AT", "0")        # recorded, so the pin a DrillClock sets is undone after
    monkeypatch.delenv("WARROOM_DRILL_AT")


@pytest.mark.parametrize(("command", "mutating"), [
    ("blocks test-flow --input test_with_pii.md --dry-run", False),
    ("blocks flow retry tsk_1 --dry-run", False),
    ("blocks test-flow --input test_with_pii.md", True),
    ("blocks flow retry tsk_1", True),
    ("blocks test-flow --dry-run=false", True),
    ("blocks test-flow --input x --dry-run; rm -f y", True),
])
def test_a_dry_run_only_reads(command: str, mutating: bool) -> None:
    assert classify(command, "shell").mutating is mutating


def test_the_pii_dry_run_typed_verbatim_is_credited_as_a_read(tmp_path: Path) -> None:
    d, clock, inc = typed_drill_incident(tmp_path, "audit-gap", RUNBOOK, title="Audit log quiet")
    book = inc.runbook()
    [step] = [s for s in book.steps if s.command and "--dry-run" in s.command]
    assert not step.mutating                          # no ⚠ on the checklist, no confirmation in the run dialog
    assert typed_in_shell(d, HALT, 110.0) == 0        # the restore restores a halt (redteam49 F11: no scale-down)
    assert typed_in_shell(d, REDACT, 120.0) == 0
    assert typed_in_shell(d, RESTORE, 150.0) == 0
    assert typed_in_shell(d, DRY, 200.0) == 0
    clock.t = d.wall_time(250.0)
    credits = drill_typed(inc.state, inc.open_drill, [book], clock())
    said = credits[book.id, step.id].state
    # its outcome is its exit code (the dry run exits 1 when the bundle holds PII unredacted): done by hand
    assert said.startswith("done by hand at +") and said.endswith("(drill shell)"), said
