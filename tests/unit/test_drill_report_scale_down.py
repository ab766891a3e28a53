"""Scaling FlowEngine down is an action the drill report names, with what it changed (issue 13 item 9).

Scaling up meant "scale", to zero "flowengine_stop"; scaling down to some pods meant nothing, so no
row said it, while it moves curves: `kubectl patch hpa flowengine -p
'{"spec":{"minReplicas":1,"maxReplicas":1}}'` in the rate-limit drill took the flow failure rate from
4.5% to 25% and P95 from 77 s to 178 s twenty minutes on, and the report's "What was done" was empty
(redteam35; RB-LAUNCH-002's own "Pin the autoscaler to the pilot's three replicas" step too).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from tests.unit.standins_corpus import START, run_one, warm_drill
from warroom.incident.drill_report import drill_report

PIN = ["kubectl", "patch", "hpa", "flowengine", "-n", "production", "-p",
       '{"spec":{"minReplicas":1,"maxReplicas":1}}']
SCALE = ["kubectl", "scale", "deployment/flowengine", "-n", "production", "--replicas=1"]


@pytest.mark.parametrize("argv", [PIN, SCALE], ids=["hpa-pin", "scale"])
def test_scaling_flowengine_down_has_a_row_with_what_it_changed(argv: list[str]) -> None:
    d = warm_drill(Path(tempfile.mkdtemp()), "rate-limit", speed=10.0, start=START, name="s")
    assert run_one(d, argv, 300.0)[0] == 0
    rows = drill_report(d, None, at=d.wall_time(1500.0)).actions
    assert [r.action for r in rows] == ["scale_down"]
    said = "patch hpa/flowengine" if argv is PIN else "scaled to 1 replica on flowengine"     # what it did (F8)
    # no incident resolved: named by what its command did, the scenario's name once the drill is over (``description``)
    assert rows[0].description == said and rows[0].command.startswith(argv[0])
    assert rows[0].meaning == f"FlowEngine replicas removed ({said})"
    if argv is PIN:        # one pod at 180% CPU for twenty minutes: the panes say so, with the world without it
        assert rows[0].change.startswith("Flow failure rate") and "without it" in rows[0].change, rows[0].change


def test_the_autoscaler_keeping_replicas_means_nothing() -> None:
    """A patch that leaves the replica count where it is (the bounds hold it) is no scaling at all: listed as the
    patch it was (every recorded operation is, redteam39 F8), moving no pane."""
    d = warm_drill(Path(tempfile.mkdtemp()), "rate-limit", speed=10.0, start=START, name="k")
    assert run_one(d, [*PIN[:-1], '{"spec":{"minReplicas":2,"maxReplicas":30}}'], 300.0)[0] == 0
    rows = drill_report(d, None, at=d.wall_time(900.0)).actions
    assert [(r.action, r.description, r.effective, r.mitigation, r.change) for r in rows] == [
        ("patch", "patch hpa/flowengine", False, False, "")]


def test_a_scale_under_the_autoscalers_minimum_is_answered_as_the_curves_run_it() -> None:
    """The autoscaler (min 5) puts FlowEngine back to five pods at the moment it is scaled to one, and the
    curves run on those; `kubectl get` replayed its decision before the scale at that same second and
    answered 1/1 (and `get hpa` REPLICAS 1 at 180% CPU) for the rest of the drill (redteam35)."""
    d = warm_drill(Path(tempfile.mkdtemp()), "rate-limit", speed=10.0, start=START, name="m")
    assert run_one(d, SCALE, 300.0)[0] == 0
    capacity = d.simulator.signals.capacity
    for t in (330.0, 400.0, 900.0):
        row = run_one(d, ["kubectl", "get", "deployment", "flowengine", "-n", "production", "--no-headers"], t)[1]
        assert row.split()[1] == f"{capacity.ready(t)}/5", (t, row)
