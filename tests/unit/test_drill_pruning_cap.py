"""Context pruning prunes to the size the knob says, in every answer (issue 13 item 5).

Before: with pruning on, every task's bundle was cut to 176-180 KB whatever ``CONTEXT_MAX_SIZE_KB`` said, while the
curves read the knob (``cluster.dose``): at 400 KB the P95 stayed half-bent and psql listed 178 KB bundles, and
``blocks flow retry --enable-pruning`` printed "-> 176KB" for any size. One cap now: ``Signals.context_cap``.
"""

from __future__ import annotations

from pathlib import Path

from tests.unit.standins_corpus import SPEED, START, run_one
from warroom.drill.activity import Activity
from warroom.drill.cluster import build_cluster
from warroom.drill.directory import create_drill

ON = 1000.0        # after a flow with a big bundle failed (an onboarded repo's, 790 s, 866KB): a retry of a failed task


def test_bundles_and_a_retry_are_pruned_to_the_knobs_size_not_a_fixed_one(tmp_path: Path) -> None:
    drill = create_drill(tmp_path, "timeout", speed=SPEED, start=START, name="cap")
    env = "kubectl set env deployment/flowengine CONTEXT_PRUNING_ENABLED=true CONTEXT_MAX_SIZE_KB=400 -n production"
    assert run_one(drill, env.split(), ON)[0] == 0
    flows = Activity(drill.simulator.refresh(), build_cluster(drill.scenario, drill.actions(), 1500.0)).flows(
        ON - 600.0, 1500.0, 1500.0)
    before = [f.context_kb for f in flows if f.start < ON]
    after = [f.context_kb for f in flows if f.start > ON + 120.0]
    assert max(before) > 400.0                                  # whole before pruning went on
    assert after and 396.0 < max(after) <= 400.0, max(after)    # the big bundles land just under the knob's size
    big = next(f for f in flows if f.start < ON and f.status == "failed" and f.context_kb > 420.0)   # retried: failed
    code, out, err = run_one(drill, ["blocks", "flow", "retry", big.task_id, "--enable-pruning", "--dry-run"], 1500.0)
    said = next(line for line in out.splitlines() if "context pruning:" in line)
    assert code == 0 and said.startswith(f"  context pruning: {big.context_kb:.0f}KB -> "), said
    assert 396 <= int(said.split("-> ")[1].split("KB")[0]) <= 400, said        # just under the knob's size


def test_a_retry_is_recorded_as_pruned_only_when_it_was(tmp_path: Path) -> None:
    """Pruning on with a size FlowEngine cannot read prunes nothing (``context_cap`` is None): the retry prints no
    pruning line, and is recorded as a plain retry, so the drill report never credits a pruning that did not happen."""
    drill = create_drill(tmp_path, "timeout", speed=SPEED, start=START, name="nocap")
    env = "kubectl set env deployment/flowengine CONTEXT_PRUNING_ENABLED=true CONTEXT_MAX_SIZE_KB=lots -n production"
    assert run_one(drill, env.split(), ON)[0] == 0
    flows = Activity(drill.simulator.refresh(), build_cluster(drill.scenario, drill.actions(), 1500.0)).flows(
        ON - 600.0, 1500.0, 1500.0)
    done = next(f for f in flows if f.start < ON and f.status == "failed")     # one that succeeded is not retried
    code, out, err = run_one(drill, ["blocks", "flow", "retry", done.task_id], 1500.0)
    assert "context pruning:" not in out, out
    kinds = [a.action for a in drill.actions() if a.detail.get("task_id") == done.task_id]
    assert kinds == ["retry"], kinds
