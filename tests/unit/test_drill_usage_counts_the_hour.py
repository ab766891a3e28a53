"""A provider's usage endpoint counts the calls it refused in the last hour from FlowEngine's 429 counter (item 5).

Before: ``rate_limited_requests_last_hour`` was the 429 rate of the moment times 3600: in rate-limit at 700 s it said
2,194 while the hour held 325 refused calls (``increase(...{code="429"}[1h])`` 320), and four minutes after the
circuit breaker went on it said 9 for an hour that had refused 340. One count: the counter the panes read.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.unit.standins_corpus import SPEED, START, run_one
from warroom.drill.directory import create_drill

USAGE = ["curl", "-s", "-H", "Authorization: Bearer sk-test-0123", "https://api.anthropic.com/v1/usage"]
HOUR = 'sum(increase(flowengine_model_api_requests_total{code="429",provider="anthropic"}[1h]))'
BREAKER = "kubectl set env deployment/flowengine ENABLE_CIRCUIT_BREAKER=true -n production"


def test_the_refused_calls_of_the_hour_are_the_counters_before_and_after_the_breaker(tmp_path: Path) -> None:
    drill = create_drill(tmp_path, "rate-limit", speed=SPEED, start=START, name="usage")
    for t in (700.0, 1500.0):
        if t == 1500.0:
            assert run_one(drill, BREAKER.split(), 1200.0)[0] == 0
        code, out, _ = run_one(drill, USAGE, t)
        said = json.loads(out)["rate_limited_requests_last_hour"]
        series = drill.simulator.refresh()
        counted = series.counter(("req", "anthropic", "429"), t) - series.counter(("req", "anthropic", "429"), t - 3600)
        [prom] = drill.simulator.evaluate(HOUR, t)          # type: ignore[misc]
        assert code == 0 and said == round(counted), (t, said, counted)
        assert abs(said - prom.value) <= 0.03 * prom.value, (t, said, prom.value)     # PromQL extrapolates its window
