"""The gap pane's last audit event is the same whether a process walked the world's whole life or only back from the
moment asked (``Activity.audit_last``). A fresh process (every CLI command) once walked every flow since the world's
first moment to read the pane, so a command's work grew with the incident's age (``test_history_memo``); it now looks
back ten minutes, then four times further each time none shipped, and must land on the very event a full walk finds:
in a stall of hours, after FlowEngine was stopped, across the restart, and while shipping."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from tests.unit.standins_corpus import run_one, warm_drill
from warroom.drill import activity

NS = "-n production"


@pytest.mark.parametrize(("scenario", "actions"), [
    ("audit-gap", ()),                                                      # the stall never ends: hours of gap
    ("audit-gap", ((600.0, f"kubectl scale deployment/flowengine --replicas=0 {NS}"),
                   (660.0, f"kubectl rollout restart deployment/audit-shipper {NS}"),
                   (900.0, f"kubectl scale deployment/flowengine --replicas=3 {NS}"))),
    ("timeout", ()),
])
def test_the_last_event_read_back_from_a_moment_is_the_whole_walks(tmp_path: Path, scenario: str,
                                                                    actions: tuple[tuple[float, str], ...]) -> None:
    drill = warm_drill(tmp_path, scenario)
    for t, command in actions:
        assert run_one(drill, shlex.split(command), t)[0] == 0, command
    times = [300.0, 610.0, 640.0, 700.0, 899.0, 905.0, 1200.0, 3600.0, 4 * 3600.0]
    fresh = []
    for t in times:
        activity._TRAILS.clear()        # a process that asked nothing before
        fresh.append(drill.simulator.pane("audit_gap", t))
        if t >= 3600.0 and scenario == "timeout":       # shipping: the look stayed near the moment asked
            [trail] = activity._TRAILS.values()
            assert trail.begin >= t - 4 * activity.AUDIT_LOOK, (t, trail.begin)
    activity._TRAILS.clear()
    sim = drill.simulator
    sim.pane("audit_gap", times[0])
    assert sim._catalog is not None
    sim._catalog.activity.audit_events(float("-inf"), max(times))     # the world's whole life, walked once
    whole = [drill.simulator.pane("audit_gap", t) for t in times]
    assert fresh == whole
    assert all(v is not None for v in whole)
    if not actions and scenario == "audit-gap":
        assert whole[-1] > 3600.0       # the look went back past its first ten minutes, many times over
