"""A Validation step run or typed before the response changed anything validates nothing (redteam48 F3).

RB-CORE-002's "Read the latency percentiles for the last 15 minutes", typed in the drill shell during triage, seven
drill minutes before the fix, read the breach and was "done by hand" validation on the checklist, in the report's
"N of M steps done" and in the PIR. One rule (``warroom.incident.validation``): credited only from a typing after the
first change, else said "before any fix: validates nothing" and not counted; a run from the dashboard likewise
(``progress.EARLY``), on the checklist and in the PIR's steps that did not finish cleanly. One timeout drill,
stand-ins in-process, every clock pinned.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.incident_fixtures import DrillClock
from tests.unit.standins_corpus import START, run_one, warmed
from warroom.cli.incident_show import _checklist
from warroom.config import Config
from warroom.drill.actions import CALLS_FILE, Action, append_actions
from warroom.drill.directory import create_drill
from warroom.incident import events as ev, progress
from warroom.incident.pir_context import _shown_steps
from warroom.incident.store import IncidentStore

RUNBOOK = Path(__file__).resolve().parents[2] / "runbooks" / "RB-CORE-002-timeout-recovery.md"
CHECK = ["blocks", "metrics", "latency", "--last-15min"]                         # step 13, Validation
PRUNE = ["kubectl", "set", "env", "deployment/flowengine", "CONTEXT_PRUNING_ENABLED=true", "CONTEXT_MAX_SIZE_KB=180",
         "-n", "production"]                                                      # step 7, the fix


@pytest.fixture(autouse=True)
def _unpinned(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WARROOM_DRILL_AT", "0")        # recorded, so the pin a DrillClock sets is undone after
    monkeypatch.delenv("WARROOM_DRILL_AT")


def _typed(d, argv: list[str], t: float) -> None:  # type: ignore[no-untyped-def]
    assert run_one(d, argv, t)[0] == 0
    append_actions(d.path, [Action("call", t, d.wall_time(t), argv[0], tuple(argv[1:]), {"code": 0})], CALLS_FILE)


def test_a_validation_step_before_any_fix_validates_nothing_typed_or_run_and_one_after_the_fix_counts(
        tmp_path: Path) -> None:
    d = warmed(create_drill(tmp_path / "drills", "timeout", speed=10.0, start=START))
    clock = DrillClock(d.wall_time(100.0))
    inc = IncidentStore(tmp_path / "incidents", Config(), clock=clock).create(
        title="Flows slow", severity="P1", runbook=str(RUNBOOK),
        drill={"scenario": "timeout", "speed": d.speed, "dir": str(d.path)}, commander="Dana Lee")
    _typed(d, CHECK, 300.0)                               # during triage: nothing changed yet
    clock.t = d.wall_time(320.0)
    st = inc.refresh()
    rows = {r["step"]: r for r in _checklist(inc, st, clock(), inc.typed_by_hand(), None)}
    assert rows[13]["state"] == "pending", rows[13]
    assert rows[13]["by_hand"].startswith("typed by hand at ") and rows[13]["by_hand"].endswith(
        ", before any fix: validates nothing"), rows[13]["by_hand"]

    _typed(d, PRUNE, 400.0)                               # the fix, typed by hand
    _typed(d, CHECK, 500.0)                               # the validation after it: credited
    clock.t = d.wall_time(520.0)
    st = inc.refresh()
    rows = {r["step"]: r for r in _checklist(inc, st, clock(), inc.typed_by_hand(), None)}
    assert rows[13]["state"] == "done_by_hand" and rows[13]["by_hand"].startswith("done by hand at "), rows[13]


def test_a_validation_step_run_from_the_dashboard_before_any_change_is_early_on_the_checklist_and_the_pir(
        tmp_path: Path) -> None:
    d = create_drill(tmp_path / "drills", "timeout", speed=10.0, start=START)
    clock = DrillClock(d.wall_time(100.0))
    inc = IncidentStore(tmp_path / "incidents", Config(), clock=clock).create(
        title="Flows slow", severity="P1", runbook=str(RUNBOOK),
        drill={"scenario": "timeout", "speed": d.speed, "dir": str(d.path)}, commander="Dana Lee")
    book = inc.runbook()

    def ran(number: int, mutating: bool, phase: str) -> None:
        step = inc.step(number)
        ref = {"step": step.number, "step_id": step.id, "label": step.label, "runbook_id": book.id}
        inc._append(ev.STEP_STARTED, {**ref, "command": step.command, "mutating": mutating, "phase": phase})
        inc._append(ev.STEP_FINISHED, {**ref, "status": "ok", "exit_code": 0, "duration": 0.1})

    ran(13, False, "verify")
    st = inc.refresh()
    step = book.steps[12]
    shown = progress.of_runbook(st, book, inc.config, clock(), typed={})[step.id]
    assert shown.state == progress.EARLY and shown.early.endswith("before any fix: validates nothing"), shown
    assert not progress.is_done(shown.state)
    assert [s for s, state, _ in _shown_steps(st, list(st.steps.values()), clock()) if state == progress.EARLY]

    clock.t = d.wall_time(130.0)
    ran(7, True, "mitigate")                              # the fix, then the validation again: it counts
    clock.t = d.wall_time(160.0)
    ran(13, False, "verify")
    st = inc.refresh()
    assert progress.of_runbook(st, book, inc.config, clock(), typed={})[step.id].state != progress.EARLY
    assert not [s for s, state, _ in _shown_steps(st, list(st.steps.values()), clock()) if state == progress.EARLY]
