"""The Go/No-Go's step-output criterion says a step typed in the drill shell was typed there (redteam48 F11).

RB-LAUNCH-005's "The triage count says 5 or more repositories are affected" read "step count-failing-repos has not
run" while the checklist, ``incident show`` and the drill report credited the same step "done by hand". The verdict
stays unknown (the shell's output is not kept, so the count is not read) but never "has not run" beside a credit:
the one judge (``criteria.judge``) feeds the dialog, ``incident decide``, ``decision.recorded`` and the PIR.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.incident_fixtures import DrillClock
from tests.unit.standins_corpus import START, run_one
from warroom.config import Config
from warroom.drill.actions import CALLS_FILE, Action, append_actions
from warroom.drill.directory import create_drill
from warroom.incident.decisions import evaluate_all
from warroom.incident.store import IncidentStore

RUNBOOK = Path(__file__).resolve().parents[2] / "runbooks" / "RB-LAUNCH-005-mass-failure.md"
COUNT = ["blocks", "metrics", "query", "--metric", "flow_failures_total", "--last", "1h", "--group-by", "repo",
         "--sort", "desc"]                                                      # step 6, word for word


@pytest.fixture(autouse=True)
def _unpinned(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WARROOM_DRILL_AT", "0")        # recorded, so the pin a DrillClock sets is undone after
    monkeypatch.delenv("WARROOM_DRILL_AT")


def test_the_step_criterion_says_a_step_typed_in_the_drill_shell_was_typed_there_never_has_not_run(
        tmp_path: Path) -> None:
    d = create_drill(tmp_path / "drills", "mass-failure", speed=10.0, start=START)
    clock = DrillClock(d.wall_time(100.0))
    inc = IncidentStore(tmp_path / "incidents", Config(), clock=clock).create(
        title="Flows failing", severity="P1", runbook=str(RUNBOOK),
        drill={"scenario": "mass-failure", "speed": d.speed, "dir": str(d.path)}, commander="Dana Lee")
    assert run_one(d, COUNT, 199.0)[0] == 0
    append_actions(d.path, [Action("call", 199.0, d.wall_time(199.0), "blocks", tuple(COUNT[1:]), {"code": 0})],
                   CALLS_FILE)
    clock.t = d.wall_time(220.0)
    [view] = evaluate_all(inc, inc.state, [inc.runbook()], None, clock())
    [count] = [c for c in view.criteria if c.kind == "step" and c.side == "go"]
    assert count.state == "unknown"
    assert "has not run" not in count.evidence, count.evidence
    assert count.evidence.startswith("step count-failing-repos was typed by hand at +"), count.evidence
    assert count.evidence.endswith("(drill shell): its output is not kept, so its number is not read; run step"
                                   " count-failing-repos in warroom to judge it"), count.evidence
