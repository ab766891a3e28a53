"""The flow-duration histogram observes the flows the tasks table ends, each as it ends (redteam47 F3).

The histogram was the law of durations integrated at the flows' starts: fractional, and blind to manual review's
release. While review held every new flow it still observed 0.064 flows per bucket, so the P95 pane read a healthier
37.8 s when no flow completed; when review was lifted ~370 held flows completed at once in the tasks table (47-75
minutes each) and the histogram never observed them (P95 73 s, OK). Now each flow is one observation, whole, when its
run ends (``series.seen``), with its wait and run, as the tasks table has it: a plan held for review once released, with
all the time it was held. So a window in which no flow ends has no P95 (``histogram_quantile`` of nothing: NaN, the
pane's no data) and the release puts the held flows past the top bucket.
"""

from __future__ import annotations

import shlex
import tempfile
from pathlib import Path

import pytest

from tests.unit.standins_corpus import START, run_one, warm_drill
from warroom.drill.activity import HELD, Activity
from warroom.drill.directory import Drill
from warroom.drill.series import BOUNDS, BUCKET_LABELS

SET = "kubectl set env deployment/flowengine -n production "
PLANS = {   # scenario: commands and when; every way a flow ends or waits is in one of them
    "provider-outage": [(SET + "MANUAL_REVIEW_MODE=true", 400.0), (SET + "MANUAL_REVIEW_MODE-", 700.0)],
    "mass-failure": [("kubectl scale deployment/flowengine -n production --replicas=0", 500.0),
                     ("kubectl scale deployment/flowengine -n production --replicas=5", 800.0)],
    "timeout": [(SET + "MAX_CONCURRENT_FLOWS=2", 400.0)],
    "rate-limit": [(SET + "MANUAL_REVIEW_MODE=true", 300.0), (SET + "MAX_CONCURRENT_FLOWS=3", 500.0),
                   (SET + "MANUAL_REVIEW_MODE-", 900.0)],
    "audit-gap": [],
}


def drill(scenario: str, plan: list[tuple[str, float]]) -> Drill:
    d = warm_drill(Path(tempfile.mkdtemp()), scenario, speed=10.0, start=START)
    for command, t in plan:
        assert run_one(d, shlex.split(command), t)[0] == 0, command
    return d


@pytest.mark.parametrize("scenario", sorted(PLANS))
def test_each_flow_the_tasks_table_ends_is_one_observation_as_it_ends(scenario: str) -> None:
    """Over windows before, across and after each action: the histogram's increase (each bucket, count, sum) is the
    flows whose run ended in the window as psql's rows say (a retried one's first run, each retry's own), exactly."""
    series = drill(scenario, PLANS[scenario]).simulator.refresh()
    sig, act = series.signals, Activity(series, series.signals.cluster)
    cols = [series.index[("bucket", label)] for label in BUCKET_LABELS] + [series.index[k] for k in (("count",),
                                                                                                       ("sum",))]
    flows = act.kept(1500.0)
    ends = [(f.end, f.duration) for f in flows if f.status not in ("running", "queued", HELD) or f.attempts > 1]
    ends += [(r.t + r.seconds, r.seconds) for r in sig.retries]
    for t1 in (0.0, 300.0, 450.0, 600.0, 750.0, 900.0, 1200.0):
        t2 = t1 + 300.0
        mine = [seconds for end, seconds in ends if t1 < end <= t2]
        want = [float(sum(s <= b for s in mine)) for b in BOUNDS] + [float(len(mine))]
        got = [b - a + sig.retried(series.keys[c], t2) - sig.retried(series.keys[c], t1)
               for c, (a, b) in zip(cols, series.columns(cols, [t1, t2]), strict=True)]
        assert got[:-1] == want, (scenario, t1, got, want)
        assert got[-1] == pytest.approx(sum(mine), rel=1e-9), (scenario, t1)


def test_while_review_holds_every_flow_no_p95_and_at_release_the_held_flows_top_it() -> None:
    """The healthy estate under manual review from 300 s to 1200 s: the P95 pane has no data once no flow ended in
    its five minutes, then reads the top bucket (300 s: CRIT) while the held flows, released as the revision without
    review rolls out (1230 s), are in its window, then the flows' own again."""
    sim = drill("audit-gap", [(SET + "MANUAL_REVIEW_MODE=true", 300.0), (SET + "MANUAL_REVIEW_MODE-", 1200.0)]).simulator
    times = [900.0, 1020.0, 1200.0, 1260.0, 1500.0, 1560.0]
    p95 = sim.panes("p95_latency", times)
    assert p95[:3] == [None, None, None], p95
    assert p95[3:5] == [300.0, 300.0] and p95[5] is not None and p95[5] < 90.0, p95
    top = 'sum(increase(flowengine_flow_duration_seconds_bucket{le="+Inf"}[5m])) - ' \
          'sum(increase(flowengine_flow_duration_seconds_bucket{le="300.0"}[5m]))'
    # the plans held from 330 s to 930 s, released at 1230 s: 5 to 15 minutes each, past the top bucket (~300 flows
    # an hour: ~50)
    assert sim.evaluate(top, 1500.0)[0].value > 40
