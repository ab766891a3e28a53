"""FlowEngine's counters count the flows the tasks table holds, at every instant (issue 13 item 5, redteam46 R3/R5).

The counters were integrated rates and a flow failed when its repo's fractional failure counter passed a whole number
since the flow before: the execution counter read 69.636 beside 69 rows (R3), and the first flow of a repo after a
halt carried the share of the minutes before it, so after RB-CORE-005's bucket deny and the restore psql listed flows
that succeeded on Claude while every flow failed in Prometheus and no model call was made (R5). One rule now: a flow
fails when its repo's failure count, raised by the flow's own failing share at its start, passes a whole number; the
exported failure counter is that count (its whole part the failed tasks'), the execution counter the flows begun.
These hold the tasks to the counters at random moments of worlds worked with random actions: each total failure
cause, partial ones, halts, caps, retries.
"""

from __future__ import annotations

import math
import random
from pathlib import Path

import pytest

from tests.unit.standins_corpus import SCENARIOS, run_one, warm_drill
from tests.unit.test_aws_iam_deny import DENY, POLICY
from warroom.drill import fleet
from warroom.drill.activity import Activity
from warroom.drill.directory import Drill

SCALE = "kubectl scale deployment/flowengine -n production --replicas="
ENV = "kubectl set env deployment/flowengine -n production "
COMMANDS = [SCALE + "0", SCALE + "3", SCALE + "6", ENV + "DISABLE_PROVIDERS=anthropic,openai,google",
            ENV + "DISABLE_PROVIDERS-", ENV + "MANUAL_REVIEW_MODE=true", ENV + "MANUAL_REVIEW_MODE=false",
            ENV + "ENABLE_CIRCUIT_BREAKER=true", ENV + "MAX_CONCURRENT_FLOWS=2", ENV + "MAX_CONCURRENT_FLOWS=50",
            ENV + "FALLBACK_MODEL=gpt-4-turbo", "put", "delete", "retry"]


def _act(drill: Drill, command: str, t: float) -> None:
    argv = {"put": ["aws", "iam", "put-user-policy", *POLICY, "--policy-document", DENY],
            "delete": ["aws", "iam", "delete-user-policy", *POLICY]}.get(command) or command.split()
    if command == "retry":      # the last failed flow, run again
        failed = [f for f in Activity(drill.simulator.refresh()).flows(t - 600.0, t, t) if f.status == "failed"]
        if not failed:
            return
        argv = ["blocks", "flow", "retry", failed[-1].task_id]
    run_one(drill, argv, t)


def _counted(drill: Drill, t1: float, t2: float) -> None:
    """Between ``t1`` and ``t2`` each repo's execution counter (whole numbers) and the whole part of its failure counter
    rose by the flows whose run began then and the failed ones among them (plus the retries run); a flow that did not
    fail began
    while a model answered calls (its own calls are counted). A failed flow is counted as its run begins (its row
    says running until it ends): the walk's flags, which the rows that ended show."""
    series = drill.simulator.refresh()
    s, act = series.signals, Activity(series)
    for repo in s.repos:
        began = [(k, start, b, failed) for k, start, b, failed in act._starts(repo, series.t0 + 1.0, t2, t2)
                 if b is not None and t1 < b <= t2]
        retried = [r for r in s.retries if r.repo == repo.name and t1 < r.t <= t2]
        a, b = (series.counter(("exec", repo.name), t) for t in (t1, t2))
        assert a == int(a) and b == int(b) and b - a == len(began) + len(retried), (repo.name, t1, t2, a, b)
        a, b = (math.floor(series.counter(("fail", repo.name), t)) for t in (t1, t2))
        assert b - a == sum(failed for *_, failed in began) + sum(not r.ok for r in retried), (repo.name, t1, t2, a, b)
        for k, start, b, failed in began:
            flow = act._flow(repo, k, start, b, t2, failed=failed)      # drawn as psql lists it
            assert (flow.error is not None) == failed or flow.status == "running", flow
            if not failed and flow.stopped is None:
                assert sum(s.request_rate(p, b) for p in fleet.PROVIDERS) > 0.0, (flow, s.strands(b))


def test_after_the_deny_and_the_restore_every_flow_fails_and_is_counted(tmp_path: Path) -> None:
    """R5 as the red team worked it: halt, deny the bundles' bucket, restore: no flow succeeds until the delete."""
    drill = warm_drill(tmp_path, "audit-gap", name="r5")
    for command, t in ((SCALE + "0", 300.0), ("put", 400.0), (SCALE + "3", 600.0), ("delete", 1100.0)):
        _act(drill, command, t)
    flows = Activity(drill.simulator.refresh()).flows(600.0, 1100.0, 1300.0)
    assert flows and all(f.status == "failed" for f in flows if f.began < 1100.0), [
        (f.repo, f.status, f.began) for f in flows if f.status != "failed"]
    _counted(drill, 590.0, 1300.0)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_at_random_moments_the_counters_count_the_tasks(tmp_path: Path, scenario: str) -> None:
    rng = random.Random(f"counted:{scenario}")
    drill = warm_drill(tmp_path, scenario, name="c")
    t = 120.0
    for _ in range(6):
        t += rng.uniform(30.0, 240.0)
        _act(drill, rng.choice(COMMANDS), t)
    for _ in range(3):
        t1 = rng.uniform(0.0, t)
        _counted(drill, t1, t1 + rng.uniform(15.0, 900.0))
