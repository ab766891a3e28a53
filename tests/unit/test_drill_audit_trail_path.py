"""The audit events a world holds do not depend on which moments were asked about before (found with redteam44 T1's
world: the PromQL differential test's deriv of the last-audit-event gauge read 0.99387 after a range query where
Prometheus, and the drill asked fresh, read 0.99465). A trail walked on from a moment listed the flows from the start
of the oldest one still running then, and a window that begins at a flow's own start can miss it: its end event was
lost.

The trail reads each flow's run alone (``Activity._run``), never what it ran on: a world whose gap gauge alone was read
draws no flow whole, and the runs it read are the whole flows' to the bit (one draw of the run, ``_timed``; one
``_as_of``)."""

from __future__ import annotations

import math
from dataclasses import fields

from warroom.drill import activity
from warroom.drill.actions import Action
from warroom.drill.activity import Activity
from warroom.drill.scenarios import get_scenario
from warroom.drill.simulator import Simulator


def test_a_trail_walked_in_steps_holds_the_events_of_one_walked_at_once() -> None:
    series = Simulator(get_scenario("timeout"), lambda: [Action("context_pruning", 1000.0)]).refresh()
    world = Activity(series)
    for t in [i * 150.0 for i in range(12)]:      # a pane's range query: 0 .. 1650 s, every 150 s
        world.audit_last(t)
    stepped = world.audit_events(1185.0, 1785.0)
    activity._TRAILS.pop(series.signals)         # the same world, asked fresh  # noqa: SLF001
    assert Activity(series).audit_events(1185.0, 1785.0) == stepped
    assert not activity._DRAWN.get(series.signals), "the trail drew a flow whole"    # noqa: SLF001
    flows = world.flows(series.t0, 1785.0, 1785.0, window=math.inf)
    runs = {r.task_id: r for r in world._runs(series.t0, 1785.0, 1785.0)}          # noqa: SLF001
    assert flows and len(runs) == len(flows)
    same = [f.name for f in fields(activity.Run) if f.name != "cause"]
    assert all([getattr(f, n) for n in same] == [getattr(runs[f.task_id], n) for n in same] for f in flows)
