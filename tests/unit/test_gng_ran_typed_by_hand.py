"""The Go/No-Go's `ran` criterion says a step typed in the drill shell was typed there (redteam42 R1).

RB-LAUNCH-005's "A mitigation step of this runbook ran ok" read "none of its steps has run yet" while the drill report
of the same incident credited its "Restart FlowEngine to load the fixed schema" as done by hand. The verdict stays
unknown (a hand-typed step is no run through warroom: nothing of it was checked), but the words say what the report
says, by its rule (``by_hand.typed_steps``). The stand-in runs in-process and its call is recorded as
``standins.base.main`` records it; every clock is pinned.
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
RESTART = ["kubectl", "rollout", "restart", "deployment/flowengine", "-n", "production"]     # step 33, word for word


@pytest.fixture(autouse=True)
def _unpinned(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WARROOM_DRILL_AT", "0")        # recorded, so the pin a DrillClock sets is undone after
    monkeypatch.delenv("WARROOM_DRILL_AT")


def test_the_ran_criterion_says_a_step_typed_in_the_drill_shell_was_typed_there_and_not_counted(
        tmp_path: Path) -> None:
    d = create_drill(tmp_path / "drills", "mass-failure", speed=10.0, start=START)
    clock = DrillClock(d.wall_time(100.0))
    inc = IncidentStore(tmp_path / "incidents", Config(), clock=clock).create(
        title="Flows failing", severity="P1", runbook=str(RUNBOOK),
        drill={"scenario": "mass-failure", "speed": d.speed, "dir": str(d.path)}, commander="Dana Lee")
    assert run_one(d, RESTART, 578.0)[0] == 0          # +7m58s after the declaration, typed in the drill shell
    append_actions(d.path, [Action("call", 578.0, d.wall_time(578.0), "kubectl", tuple(RESTART[1:]), {"code": 0})],
                   CALLS_FILE)
    clock.t = d.wall_time(600.0)
    [view] = evaluate_all(inc, inc.state, [inc.runbook()], None, clock())
    [ran] = [c for c in view.criteria if c.kind == "ran"]
    assert ran.state == "unknown"                      # a hand-typed step is not a journaled run: not counted
    assert ran.evidence == ("step hotfix-restart was typed in the drill shell at +7m58s (not run through warroom:"
                            " not counted): the commander's judgement"), ran.evidence
