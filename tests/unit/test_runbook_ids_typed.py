"""Runbook ids as people type them (``warroom.runbook.ids``): wherever a user names a runbook
(``new --runbook``, ``attach``, ``close-runbook``, ``--runbook`` on run / tick / untick / skip,
``runbooks show``) a unique case-insensitive match is taken and the canonical id is what the
journal records; ids that differ only in case are refused, listed."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.test_runbook_beside import _go, _mass_failure
from tui.cli import main
from warroom.config import Config
from warroom.journal import events as ev
from warroom.runbook.ids import AmbiguousRunbookId, match_id
from warroom.runbook.library import RunbookLibrary


def test_match_id_exact_then_unique_case_insensitive_else_listed() -> None:
    ids = ["RB-CORE-003", "RB-LAUNCH-002"]
    assert match_id("RB-CORE-003", ids) == "RB-CORE-003"
    assert match_id("rb-core-003", ids) == "RB-CORE-003"
    assert match_id(" Rb-Launch-002 ", ids) == "RB-LAUNCH-002"
    assert match_id("RB-CORE-004", ids) is None
    assert match_id("rb-x", ["RB-X", "rb-x"]) == "rb-x"                 # an exact match wins
    with pytest.raises(AmbiguousRunbookId, match=r"'Rb-X' matches 2 runbooks .*: RB-X, rb-X; type the one"):
        match_id("Rb-X", ["RB-X", "rb-X"])


def _runbook(path: Path, rb_id: str) -> None:
    path.write_text(f'+++\nid = "{rb_id}"\ntitle = "{rb_id} title"\nseverity = "P3"\n+++\n# {rb_id}\n\n'
                    "## Triage\n\n1. Look at the dashboard\n")


def test_library_refuses_an_id_that_two_runbooks_share_ignoring_case(tmp_path: Path) -> None:
    _runbook(tmp_path / "a.md", "RB-TEAM-001")
    _runbook(tmp_path / "b.md", "rb-team-001")
    cfg = Config()
    cfg.runbooks.dirs = [str(tmp_path)]
    library = RunbookLibrary.from_config(cfg)
    assert library.get("RB-TEAM-001").path == tmp_path / "a.md"          # exact
    with pytest.raises(AmbiguousRunbookId, match="RB-TEAM-001, rb-team-001"):
        library.get("Rb-Team-001")
    assert library.get("rb-core-003").id == "RB-CORE-003"                 # a shipped one, typed lower-case


def test_typed_ids_record_the_canonical_id(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    inc, _ = _mass_failure(tmp_path)
    base = ["--state-dir", str(tmp_path)]
    assert main(["incident", "attach", inc.id, "rb-launch-005", *base]) == 0    # the same runbook again
    assert inc.refresh().runbook["id"] == "RB-LAUNCH-005"
    _go(inc)                                                                # RB-LAUNCH-002 opens beside
    assert main(["incident", "tick", inc.id, "1", "--runbook", "rb-launch-002", *base]) == 0
    assert main(["incident", "skip", inc.id, "2", "--runbook", "Rb-Launch-002", "--reason", "n/a", *base]) == 0
    assert main(["incident", "untick", inc.id, "1", "--runbook", "rb-LAUNCH-002", *base]) == 0
    assert main(["incident", "run", inc.id, "1", "--runbook", "rb-launch-002", "--dry-run", *base]) in (0, 1)
    assert main(["incident", "close-runbook", inc.id, "rb-launch-002", "--reason", "GO reversed", *base]) == 0
    capsys.readouterr()
    events = inc.read().events
    rb_of = {e.type: e.data.get("runbook_id") for e in events
             if e.type in (ev.STEP_TICKED, ev.STEP_SKIPPED, ev.STEP_UNTICKED, ev.STEP_DRY_RUN)}
    assert rb_of == {ev.STEP_TICKED: "RB-LAUNCH-002", ev.STEP_SKIPPED: "RB-LAUNCH-002",
                     ev.STEP_UNTICKED: "RB-LAUNCH-002", ev.STEP_DRY_RUN: "RB-LAUNCH-002"}
    (closed,) = [e for e in events if e.type == ev.RUNBOOK_CLOSED]
    assert closed.data["id"] == "RB-LAUNCH-002"
    st = inc.refresh()
    assert st.open_runbook_ids() == ["RB-LAUNCH-005"]
    # a closed runbook typed in another case is still refused as closed, by its canonical id
    assert main(["incident", "tick", inc.id, "3", "--runbook", "rb-launch-002", *base]) == 5
    assert "RB-LAUNCH-002" in capsys.readouterr().err


def test_new_with_a_lower_case_runbook_id(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = ["--state-dir", str(tmp_path)]
    assert main(["incident", "new", "--title", "quota", "--severity", "P3", "--runbook", "rb-core-003", *base]) == 0
    inc_id = capsys.readouterr().out.strip()
    from warroom.incident.store import IncidentStore

    assert IncidentStore(tmp_path, Config()).open(inc_id).state.runbook["id"] == "RB-CORE-003"
