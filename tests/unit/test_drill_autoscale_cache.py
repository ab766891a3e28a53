"""The autoscaler's loop is kept as the curves are (``warroom.drill.autoscale``): a new action keeps
what the loop found before it, and the cache file carries it to the next stand-in, so a stand-in
in a day-old drill does not replay a day of 5 s samples. None of that may change an answer: every
loop taken up here is compared with the loop run from the start (decisions, counts, the cluster
it left). How much work a stand-in does is counted through the loop's own step, never timed.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import pytest

from tests.unit.standins_corpus import run_one
from warroom.drill import autoscale
from warroom.drill.actions import Action
from warroom.drill.autoscale import MARK, Capacity
from warroom.drill.directory import create_drill, open_drill
from warroom.drill.model import Signals
from warroom.drill.scenarios import get_scenario

END = 20000.0
ACTIONS = [Action("scale_to", 1000.0, detail={"deployment": "flowengine", "replicas": 2}),
           Action("patch", 3000.0, detail={"kind": "hpa", "name": "flowengine",
                                            "patch": {"spec": {"minReplicas": 8}}}),
           Action("node_cordon", 5000.0, detail={"node": "node-1"}),
           Action("node_drain", 5001.0, detail={"node": "node-1"}),
           Action("scale_to", 9000.0, detail={"deployment": "audit-shipper", "replicas": 0}),
           Action("patch", 12000.0, detail={"kind": "hpa", "name": "flowengine",
                                             "patch": {"spec": {"minReplicas": 3}}})]


def loop(n: int) -> Capacity:
    """The loop over the first ``n`` actions, run from the start to ``END``."""
    capacity = Signals(get_scenario("timeout"), ACTIONS[:n]).capacity
    capacity.ready(END)
    return capacity


def everything(c: Capacity) -> tuple[Any, ...]:
    """All a loop found and left: its decisions, every count, the estate."""
    cl = c.cluster
    return ([(a.t, a.detail) for a in c.decisions], c._ready,  # noqa: SLF001
            cl.deployments, cl.hpa, cl.nodes, [(a.action, a.t, a.detail) for a in cl.log])


@functools.cache
def run_from_the_start(n: int) -> tuple[str, tuple[Any, ...]]:
    """``loop(n)``'s dump (as the JSON text the cache file holds) and ``everything`` it left: the reference each case
    compares with, and the dump the read cases take up. Made once per ``n`` (the cases ran the same loop again for
    each: 62 loops, now 28); a string, and a tuple only ever compared with ``==`` (the loop it was read from is
    handed to no case), so no case can change what another reads. A loop a case takes up (``adopt``, which may
    share its lists) is still run afresh for that case."""
    c = loop(n)
    return json.dumps(c.dump()), everything(c)


def test_the_reference_loop_decides_things_worth_comparing() -> None:
    """The actions make the loop scale up on CPU, take a manual scale back and scale up again."""
    replicas = [a.detail["replicas"] for a in loop(len(ACTIONS)).decisions]
    assert len(replicas) >= 3 and len(set(replicas)) >= 2, replicas


@pytest.mark.parametrize("n", range(1, len(ACTIONS) + 1))
def test_a_loop_taken_up_after_a_new_action_is_the_loop_run_from_the_start(n: int) -> None:
    reference = run_from_the_start(n)[1]
    for m in range(n):
        taken = Signals(get_scenario("timeout"), ACTIONS[:n]).capacity
        taken.adopt(loop(m), ACTIONS[m].t)
        assert 0 < taken.samples and autoscale.START + (taken.samples - 1) * autoscale.SAMPLE < ACTIONS[m].t
        taken.ready(END)
        assert everything(taken) == reference, (n, m)


@pytest.mark.parametrize("n", range(len(ACTIONS) + 1))
def test_a_loop_read_from_its_dump_is_the_loop_run_from_the_start(n: int) -> None:
    reference = run_from_the_start(n)[1]
    for m in range(n + 1):
        taken = Signals(get_scenario("timeout"), ACTIONS[:n]).capacity
        taken.load(json.loads(run_from_the_start(m)[0]), ACTIONS[m].t if m < n else None)
        assert taken.samples > 0
        taken.ready(END)
        assert everything(taken) == reference, (n, m)


@pytest.mark.parametrize("damage", [None, [], {"state": {}}, {"state": {"k": 3}, "marks": [], "ready": {},
                                                                  "down": [], "decisions": []}])
def test_a_dump_that_does_not_add_up_is_ignored(damage: object) -> None:
    taken = Signals(get_scenario("timeout"), ACTIONS).capacity
    taken.load(damage, None)
    assert taken.samples == 0
    taken.ready(END)
    assert everything(taken) == everything(loop(len(ACTIONS)))


def count_steps(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    steps: list[int] = []
    step = Capacity._step  # noqa: SLF001

    def counted(self: Capacity, k: int) -> None:
        steps.append(k)
        step(self, k)
    monkeypatch.setattr(Capacity, "_step", counted)
    return steps


def test_a_stand_in_in_a_day_old_drill_takes_the_loop_up_from_the_cache_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A day into the drill, the first stand-in runs the loop from two hours before the start (the
    series' history) and leaves it in the cache file; the next ones, each a fresh process on the
    drill, run at most an hour of samples past the newest mark, and answer exactly as the first."""
    day = 86400.0
    drill = create_drill(tmp_path, "timeout", speed=60.0, start=1_790_000_000.0, name="day")
    drill.record("scale_to", at=drill.wall_time(day - 4000.0), detail={"deployment": "flowengine", "replicas": 3})
    steps = count_steps(monkeypatch)
    command = "kubectl get pods -n production -o wide --no-headers".split()
    first = run_one(drill, command, day)
    assert len(steps) > (day - autoscale.START) / autoscale.SAMPLE
    drill.simulator.save_cache()           # what ``standins.base.main`` does after every answer
    for later in (day, day + 30.0, day + 400.0):
        steps.clear()
        again = run_one(open_drill(drill.path, wrappers=False), command, later)
        assert len(steps) <= MARK + (later - day) / autoscale.SAMPLE + 1, later
        if later == day:
            assert again == first
    # an action recorded since the file was written: the loop is taken up from before it
    drill.record("scale_to", at=drill.wall_time(day - 100.0), detail={"deployment": "flowengine", "replicas": 9})
    steps.clear()
    reopened = open_drill(drill.path, wrappers=False)
    answer = run_one(reopened, command, day)
    assert len(steps) <= MARK + 100.0 / autoscale.SAMPLE + 1
    monkeypatch.undo()
    fresh = Signals(drill.scenario, drill.actions()).capacity
    fresh.ready(day)
    assert reopened.simulator.signals.capacity.decided(day) == fresh.decided(day)
    assert reopened.simulator.signals.capacity._ready == fresh._ready  # noqa: SLF001
    assert answer[0] == 0


NOW = 6000.0        # the dashboard's poll, scenario seconds: an action 1000 s before it


def test_the_dashboard_keeps_the_loop_before_a_new_action(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An action recorded while the dashboard polls rebuilds the curves from that action on only, and
    the autoscaler's loop with them: the next poll runs the loop from the last mark before it.

    Polled at 6,000 s (was 30,000 s: 7,440 rows and samples integrated twice, ~4.5 s CPU): a loop run again from its
    start would take ``(NOW - autoscale.START) / SAMPLE`` = 2,640 steps, ten times the bound, so the bound still
    tells a loop taken up from its last mark from one replayed from the start."""
    drill = create_drill(tmp_path, "timeout", speed=1.0, start=1_790_000_000.0, name="poll")
    sim = drill.simulator
    sim.pane("p95_latency", NOW)
    steps = count_steps(monkeypatch)
    drill.record("scale_to", at=drill.wall_time(NOW - 1000.0), detail={"deployment": "flowengine", "replicas": 7})
    sim.pane("p95_latency", NOW)
    assert (NOW - autoscale.START) / autoscale.SAMPLE > 10 * (MARK + 1000.0 / autoscale.SAMPLE + 1)   # it tells
    assert 0 < len(steps) <= MARK + 1000.0 / autoscale.SAMPLE + 1
    monkeypatch.undo()
    fresh = Signals(drill.scenario, drill.actions()).capacity
    fresh.ready(NOW)
    assert sim.signals.capacity.decided(NOW) == fresh.decided(NOW)
    assert sim.signals.capacity._ready == fresh._ready  # noqa: SLF001
