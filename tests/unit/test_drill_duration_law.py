"""The flow-duration histogram counts the flows the world runs (redteam29-5, issue 13 item 5).

With every provider disabled each flow fails fast ("no enabled model provider"), yet the P95 pane and
`blocks metrics latency` kept the untouched baseline: the histogram drew every flow from the healthy
log-normal whatever happened to it. Now ``Activity`` draws each flow's duration by ``model.flow_seconds``
and the histogram counts by its law (``series.durations``), so over any window the share of the flows
the tasks table lists that ran ``b`` s or less is the histogram's ``le="b"`` share, whatever ends them:
failing fast, killed at the timeout, succeeding slowly. Checked on worlds that end flows each way; the
flows are fixed by their hashes, so the tolerance (about five standard errors of a share) is not luck.
"""

from __future__ import annotations

import math
import random
import shlex
import tempfile
from pathlib import Path

import pytest

from tests.unit.standins_corpus import START, run_one, warmed
from warroom.drill import fleet
from warroom.drill.activity import Activity
from warroom.drill.cluster import build_cluster
from warroom.drill.directory import create_drill
from warroom.drill.model import durations, flow_seconds
from warroom.drill.series import BOUNDS, BUCKET_LABELS

DISABLE_ALL = "kubectl set env deployment/flowengine -n production DISABLE_PROVIDERS=anthropic,openai,google"
CASES = [  # scenario, command at 600 s (or none), window of flow starts: every way a flow ends is in one of them
    ("provider-outage", DISABLE_ALL, (1200.0, 4800.0)),       # every flow fails fast: no provider answers
    ("provider-outage", None, (300.0, 3900.0)),               # 7 % fail fast, the rest slower
    ("timeout", None, (1200.0, 4800.0)),                      # slow flows, a share killed at 180 s
    ("mass-failure", None, (600.0, 4200.0)),                  # a third fail fast
]


@pytest.mark.parametrize(("scenario", "command", "window"), CASES, ids=[f"{c[0]}-{bool(c[1])}" for c in CASES])
def test_the_histogram_holds_the_flows_the_tasks_table_lists(scenario: str, command: str | None,
                                                           window: tuple[float, float]) -> None:
    drill = warmed(create_drill(Path(tempfile.mkdtemp()), scenario, speed=10.0, start=START, name="law"))
    if command:
        run_one(drill, shlex.split(command), 600.0)
    t1, t2 = window
    series = drill.simulator.refresh()
    flows = [f for f in Activity(series, build_cluster(drill.scenario, drill.actions(), t2)).flows(
        t1, t2, t2 + 2 * fleet.HARD_TIMEOUT) if f.status in ("succeeded", "failed")]
    assert len(flows) > 250
    count = series.value(("count",), t2) - series.value(("count",), t1)
    assert math.isclose(count, len(flows), rel_tol=0.05)
    worst = 0.0
    for label, bound in zip(BUCKET_LABELS, BOUNDS, strict=True):
        counted = (series.value(("bucket", label), t2) - series.value(("bucket", label), t1)) / count
        listed = sum(f.duration <= bound for f in flows) / len(flows)
        worst = max(worst, abs(counted - listed))
    assert worst < 0.07, worst
    mean = (series.value(("sum",), t2) - series.value(("sum",), t1)) / count
    assert math.isclose(mean, sum(f.duration for f in flows) / len(flows), rel_tol=0.06)
    assert all(f.duration <= fleet.HARD_TIMEOUT for f in flows)     # a flow past the timeout was killed there


@pytest.mark.parametrize("median", [5.0, 38.0, 110.0, 400.0])
@pytest.mark.parametrize("outcome", ["ok", "fast", "killed"])
def test_the_law_in_closed_form_is_the_draw(median: float, outcome: str) -> None:
    """``durations`` (closed forms) against ``flow_seconds`` drawn 40,000 times, for each way a flow ends."""
    rng = random.Random(13)
    xs = [flow_seconds(median, rng.random(), outcome) for _ in range(40_000)]
    bounds = (*BOUNDS, 1.0, 2.0, 179.9)
    *shares, count, total = durations(median, bounds, *(float(o == outcome) for o in ("ok", "fast", "killed")))
    assert count == 1.0
    for b, share in zip(bounds, shares, strict=True):
        assert abs(sum(x <= b for x in xs) / len(xs) - share) < 0.01, b
    assert math.isclose(sum(xs) / len(xs), total, rel_tol=0.01)
