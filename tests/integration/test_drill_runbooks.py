"""The shipped runbooks, worked top to bottom against the drill stand-ins.

For each drill scenario, every shell step of the runbook it drills is run as a real process in
the drill's environment, one simulated minute and a half apart, the way an IC would work through
it: no step may crash a stand-in or be missing one, and every literal expectation the library
declares (``expect="env updated"``, ``"successfully rolled out"``, ``"HALF_OPEN"``...) must show up
in the output. This is what keeps the stand-ins and the library in step as both change.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.unit.standins_corpus import warmed
from tests.unit.test_drill_standins import make, sh
from warroom.drill.activity import Activity
from warroom.drill.cluster import build_cluster
from warroom.paths import shipped_runbooks_dir

if TYPE_CHECKING:
    from warroom.runbook.library import RunbookLibrary

DRILLED = {
    "rate-limit": "RB-CORE-003", "provider-outage": "RB-CORE-004", "timeout": "RB-CORE-002",
    "mass-failure": "RB-LAUNCH-005", "audit-gap": "RB-CORE-005",
}


@functools.cache
def _library() -> RunbookLibrary:
    """The shipped runbooks, parsed once for the module (each scenario parsed all nineteen again), read only."""
    from warroom.runbook.library import RunbookLibrary

    return RunbookLibrary([shipped_runbooks_dir()])


@pytest.mark.parametrize("scenario", sorted(DRILLED))
def test_every_shell_step_of_the_drilled_runbook_runs_against_the_standins(state_dir: Path, scenario: str) -> None:
    """An IC working the runbook top to bottom: every step runs, literal expectations are met."""
    from warroom.runbook.params import resolve_values, substitute

    rb = _library().get(DRILLED[scenario])
    assert rb is not None
    d = warmed(make(state_dir, scenario))
    series = d.simulator.refresh()
    flows = Activity(series, build_cluster(d.scenario, [], 0.0)).flows(-3000.0, 0.0, 0.0)
    task = next((f.task_id for f in reversed(flows) if f.status == "failed"), flows[-1].task_id)
    values = {"task_id": task, "revision": "7", "good_revision": "6"}
    t = 60.0
    ran = 0
    # conditional expectations: the runbook says they hold only in some situations
    conditional = {("provider-outage", "Using fallback model")}
    for step in rb.steps:
        if step.kind != "shell" or not step.command:
            continue
        t += 90.0
        command = substitute(step.command, resolve_values(rb.params, step.params, values), declared=list(rb.params))
        done = sh(d, command, t)
        ran += 1
        assert done.returncode not in (126, 127), (command, done.stderr)
        literal = step.attrs.get("expect")
        if literal and (scenario, literal) not in conditional:
            assert literal.lower() in (done.stdout + done.stderr).lower(), (step.number, command, done.stdout)
    assert ran >= 8
