"""The drill's caches of its own answers never answer for another world, another drill or another moment.

``Activity.flows`` keeps its last lists per series (one world: one scenario and one action record), psql's TaskDB its
timestamps, a pod template its hash, a series the rates of its newest rows: each keyed by everything its answer
depends on. An action recorded between two reads is a new world; the clock moving is a new key; two drills never
share a series. Each test here reads before and after and against a from-scratch answer.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.standins_corpus import run_one, warm_drill
from warroom.drill.activity import Activity
from warroom.drill.actions import Action
from warroom.drill.cluster import Revision, short_hash
from warroom.drill.model import Signals
from warroom.drill.scenarios import get_scenario
from warroom.drill.series import GRID, Series
from warroom.drill.standins.base import NO_DELAY_ENV, Context

T = 600.0
ROW = "SELECT status || ' ' || attempts FROM tasks WHERE task_id = '{}'"


def test_an_action_recorded_between_two_reads_is_read(tmp_path: Path) -> None:
    """psql at one moment, a retry recorded, psql at the same moment again: the retry is there (a new world, not the
    last list of the old one), and the first answer still holds for the world before it."""
    drill = warm_drill(tmp_path, "rate-limit")
    task = next(f.task_id for f in reversed(Activity(drill.simulator.refresh()).kept(T)) if f.status == "failed")
    before = run_one(drill, ["psql", "-At", "-c", ROW.format(task)], T)
    assert before == (0, "failed 1\n", "")
    code, _, err = run_one(drill, ["blocks", "flow", "retry", task], T)
    assert code in (0, 1), err
    after = run_one(drill, ["psql", "-At", "-c", ROW.format(task)], T)
    assert after[0] == 0 and after[1].split()[1] == "2", after       # its second run, whichever way it went


def test_two_worlds_at_one_moment_share_no_list() -> None:
    """Two series of one scenario, one with FlowEngine stopped: the same question at the same moment gets each
    world's own flows, each as a fresh walk of that world gives them."""
    sc = get_scenario("rate-limit")
    calm, stopped = (Series(Signals(sc, acts), t0=-600.0) for acts in ((), (Action("flowengine_stop", 100.0),)))
    t = 400.0
    lists = [Activity(s).flows(t - 300.0, t, t) for s in (calm, stopped)]
    assert lists[0] != lists[1]
    again = [Activity(s).flows(t - 300.0, t, t) for s in (calm, stopped)]
    fresh = [Activity(s)._listed(t - 300.0, t, t, 7200.0) for s in (calm, stopped)]       # noqa: SLF001
    assert again == lists == fresh
    assert Activity(calm).flows(t - 300.0, t + 30.0, t + 30.0) != lists[0]        # another moment: its own list


def test_integrating_on_row_by_row_across_an_action_is_the_plain_integration() -> None:
    """A series read one row further each time (a poll, a stand-in) and then given an action integrates on from the
    kept rates of its newest row: every value equals, bit for bit, a series that integrated it all at once."""
    sc = get_scenario("rate-limit")
    acts = (Action("throttle", 120.0),)
    step = Series(Signals(sc), t0=-300.0)
    for k in range(30):
        step.value(("count",), k * GRID)
    world = Series(Signals(sc, acts), t0=-300.0)
    world.adopt(step, 120.0)
    times = [k * GRID + 2.5 for k in range(60)]
    walked = [repr(world.value(("req", "anthropic", "429"), t)) for t in times]
    plain = Series(Signals(sc, acts), t0=-300.0)
    plain.value(("count",), times[-1] + GRID)
    assert walked == [repr(plain.value(("req", "anthropic", "429"), t)) for t in times]


def test_a_template_hash_follows_the_template_it_hashes() -> None:
    """Kept per template, not per revision: the estate's formula, and a changed env (or labels) a new hash."""
    rev = Revision(1, "flowengine:v1", {"B": "2", "A": "1"}, "<none>", 0.0, {"x": "y"})
    assert rev.template_hash == short_hash("flowengine:v1", [("A", "1"), ("B", "2")], [("x", "y")])
    rev.env["A"] = "3"
    assert rev.template_hash == short_hash("flowengine:v1", [("A", "3"), ("B", "2")], [("x", "y")])
    rev.labels = {"app": "canary", "tier": ["a"]}          # a manifest's odd label: hashed, never kept
    assert rev.template_hash == short_hash("flowengine:v1", [("A", "3"), ("B", "2")], [("x", "y")],
                                           [("app", "canary"), ("tier", ["a"])])


def test_a_command_run_inside_a_pod_keeps_the_callers_pace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``kubectl exec ... -- curl`` in-process: a caller that said no delay (not through the environment) means the
    pod's command too; each in-pod curl slept 25 ms of wall time."""
    monkeypatch.delenv(NO_DELAY_ENV, raising=False)
    drill = warm_drill(tmp_path, "rate-limit")
    ctx = Context("kubectl", ["exec"], drill, at=drill.wall_time(T))
    ctx.no_delay = True
    assert ctx.sub("curl", ["-s", "http://localhost:8080/health"]).no_delay


def test_one_counter_read_alone_is_its_column() -> None:
    """``Series.value`` reads one counter off the rows itself (a walk of the flows reads one a flow): to the bit what
    ``columns`` reads, on the grid and between, before and after a cap makes the slots count the flows."""
    capped = (Action("set_env", 60.0, detail={"deployment": "flowengine", "set": {"MAX_CONCURRENT_FLOWS": "5"}}),)
    series = Series(Signals(get_scenario("rate-limit"), capped), t0=-300.0)
    keys = [("exec", "risk-engine"), ("fail", "risk-engine"), ("arr", "risk-engine"), ("count",),
            ("req", "anthropic", "429")]
    times = [-400.0, -300.0, -2.5, 0.0, 59.0, 61.25, 75.0, 130.0, 177.7]
    one = [repr(series.value(k, t)) for k in keys for t in times]
    assert one == [repr(series.columns([series.index[k]], [t])[0][0]) for k in keys for t in times]
    assert series.schedule is not None and series.schedule.t0 < times[-1]       # the slots' part was read too


def test_a_deployment_kept_as_it_was_is_the_dataclass_copy() -> None:
    """``_kept``: every field as ``dataclasses.replace`` gives it, its history a list of its own."""
    from dataclasses import replace

    from warroom.drill.cluster import _kept, initial_cluster

    dep = initial_cluster(get_scenario("rate-limit")).flowengine
    kept = _kept(dep)
    assert kept == replace(dep, history=list(dep.history)) and kept.history is not dep.history
    dep.scale(7, 100.0)
    assert kept.replicas != dep.replicas


def test_a_walk_resumed_from_an_earlier_one_lists_what_a_fresh_walk_lists() -> None:
    """``Activity._starts`` resumes a walk from the same start where the last one stopped: flows asked for after an
    earlier ``now``, begun after it (a cap queues them) or still waiting are never taken from a later walk's steps.
    Read late, early, then in between, each against a world that never walked."""
    capped = (Action("set_env", 60.0, detail={"deployment": "flowengine", "set": {"MAX_CONCURRENT_FLOWS": "2"}}),)

    def world(actions: tuple[Action, ...] = capped) -> Series:
        return Series(Signals(get_scenario("rate-limit"), actions), t0=-300.0)

    series, free = world(), world(())
    for now in (240.0, 90.0, 150.0, 240.0, 400.0):
        assert Activity(series).kept(now) == Activity(world()).kept(now), now
        assert Activity(free).kept(now - 200.0) == Activity(world(())).kept(now - 200.0), now
    assert {f.status for f in Activity(series).kept(150.0)} >= {"queued", "running", "succeeded"}
