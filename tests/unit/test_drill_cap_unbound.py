"""A MAX_CONCURRENT_FLOWS that never binds moves no pane, and the drill report says so.

Once a cap acted, the duration histogram counted each flow's one drawn run where, without a cap, it follows the law
those runs are drawn from: setting the cap to 49 (which never binds: ~4 flows run at once) took the rate-limit
drill's P95 from 77.5 s to 69.4 s, and the report credited the runbooks' cap of 5 with "Flow failure rate 2.64%
(2.54% without it)", its own world counting flow by flow beside a smooth one. Now each flow adds the law of runs
after its own wait, a repo's first flow under the cap adds only the part of it not yet counted, and the report's
world without an action counts as the drill's does."""

from __future__ import annotations

import tempfile
from pathlib import Path

from tests.unit.incident_fixtures import over
from tests.unit.standins_corpus import START, run_one, warm_drill
from warroom.drill.directory import Drill
from warroom.incident.drill_report import drill_report

SET = ["kubectl", "set", "env", "deployment/flowengine", "-n", "production"]
P95 = "histogram_quantile(0.95, sum by (le) (rate(flowengine_flow_duration_seconds_bucket[10m])))"
FAILED = "100 * sum(rate(flowengine_flow_failures_total[10m])) / sum(rate(flowengine_flow_executions_total[10m]))"
MOMENTS = (600.0, 900.0, 1200.0, 1500.0)


def drill(scenario: str, *settings: str) -> Drill:
    d = warm_drill(Path(tempfile.mkdtemp()), scenario, speed=10.0, start=START)
    for s in settings:
        assert run_one(d, [*SET, s], 300.0)[0] == 0
    return d


def panes(d: Drill) -> list[tuple[float, float]]:
    return [(d.simulator.evaluate(P95, t)[0].value, d.simulator.evaluate(FAILED, t)[0].value) for t in MOMENTS]


def test_a_cap_that_never_binds_moves_no_pane() -> None:
    for scenario in ("rate-limit", "timeout"):
        free, capped = panes(drill(scenario)), panes(drill(scenario, "MAX_CONCURRENT_FLOWS=49"))
        for (p95, failed), (p95_cap, failed_cap) in zip(free, capped, strict=True):
            # (within 1.5 s: the timeout drill's tail is a few onboarded repos' flows, ~9 in five minutes, counted one
            # by one under a cap: 1.39 s at 600 s)
            assert abs(p95_cap - p95) < 1.5, (scenario, free, capped)
            # flow by flow, a repo's failure counter rises by a flow's share as it begins: at most one share behind
            assert abs(failed_cap - failed) < 1.0, (scenario, free, capped)


def test_the_report_credits_an_unbinding_cap_with_no_change_and_a_binding_one_with_its_own() -> None:
    rows = {}
    for cap in ("5", "1"):
        d = drill("rate-limit", f"MAX_CONCURRENT_FLOWS={cap}")
        at = d.wall_time(1500.0)        # over: when the quota runs out, hours on, is told
        rows[cap] = {a.action: a.change for a in drill_report(d, over(d, at), at=at).actions}
    assert rows["5"] == {"throttle": ""}, rows
    assert "Anthropic (Claude) quota is used up 4h37m45s drill time later (used up 1h21m30s later without it)" \
        in rows["1"]["throttle"], rows      # the flows queued make the batch's calls wait too (world40)
