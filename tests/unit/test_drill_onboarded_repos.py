"""The timeout drill's world holds its own root cause (redteam44 T1): the repos onboarded this week ship the big
bundles, the estate's stay small, and a flow runs the longer the larger its own bundle, so a triage by repo or by
bundle size finds the cause. Every repo was bloated alike, none was new, and a 340 KB flow ran as long as a 900 KB one.
"""

from __future__ import annotations

import statistics
from pathlib import Path

from tests.unit.standins_corpus import START, run_one
from warroom.drill import fleet
from warroom.drill.activity import Activity
from warroom.drill.directory import create_drill
from warroom.drill.scenarios import get_scenario
from warroom.drill.simulator import Simulator


def test_the_onboarded_repos_ship_the_big_bundles_and_their_flows_are_the_slow_ones() -> None:
    scenario = get_scenario("timeout")
    new = {o.name: o.since for o in scenario.onboarded}
    assert new and all(since == min(f.onset for f in scenario.faults) for since in new.values())
    activity = Activity(Simulator(scenario).refresh())
    assert {f.repo for f in activity.flows(-1500.0, min(new.values()), 0.0)} == {r.name for r in fleet.REPOS}
    ended = [f for f in activity.flows(300.0, 900.0, 900.0) if f.status in ("succeeded", "failed")]
    theirs, ours = [f for f in ended if f.repo in new], [f for f in ended if f.repo not in new]
    assert {f.repo for f in theirs} == set(new) and len(ours) > len(theirs) > 10
    assert min(f.context_kb for f in theirs) > 300 > max(f.context_kb for f in ours), "bundles by repo"
    assert statistics.mean(f.context_kb for f in theirs) > 500
    assert all(f.error is None or "timeout" not in f.error for f in ours), "the estate's flows do not time out"
    ok = sorted((f.context_kb, f.duration) for f in theirs if f.status == "succeeded")
    half = len(ok) // 2
    small, large = (statistics.mean(d for _, d in part) for part in (ok[:half], ok[half:]))
    assert large > 1.3 * small, (small, large)        # a flow's time grows with its own bundle
    assert statistics.mean(f.duration for f in theirs) > 2 * statistics.mean(f.duration for f in ours)


def test_a_big_bundle_retried_without_pruning_times_out_again(tmp_path: Path) -> None:
    """redteam44 T1: ``blocks flow retry`` of a 790 KB flow killed at 180 s, pruning off, "succeeded in 90.9s": a
    retry ran at the fleet's median, not at its own repo's (the onboarded repos' flows are the slow ones)."""
    drill = create_drill(tmp_path, "timeout", speed=10.0, start=START, name="retry")
    flows = Activity(drill.simulator.refresh()).flows(600.0, 1200.0, 1200.0)
    big = [f for f in flows if f.status == "failed" and f.context_kb > 500]
    assert big
    for f in big:
        code, out, err = run_one(drill, ["blocks", "flow", "retry", f.task_id], 1200.0)
        assert "timeout exceeded" in out + err and "succeeded" not in out, (f.task_id, out, err)
