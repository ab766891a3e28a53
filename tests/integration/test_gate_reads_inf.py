"""CLOCK-4 against a REAL Prometheus: a verify gate reads a +Inf series as +Inf, as its pane does.

A gate judges its instants from one range query. Prometheus writes a division by zero as "+Inf"
in a range answer too, and the range parser kept finite points only: a "< 10" gate on a +Inf
series had no reading at those instants and waited ("no value"), and a "> 10" gate could never
pass there, while the pane beside it read CRIT +Inf. Fixed by 9a49df8 (range answers keep ±Inf);
this holds it for the gate itself, end to end."""

from __future__ import annotations

import math
import time
from pathlib import Path

import pytest

from tests.integration.sources_servers import PromServer, backfill
from warroom.config import PrometheusConfig
from warroom.sources.prometheus import PrometheusSource
from warroom.sources.verify import VerifyRun, parse_verify

pytestmark = pytest.mark.integration

RATIO = "100 * failed_flows / started_flows"


def test_a_gate_on_a_plus_inf_series_reads_plus_inf(tmp_path: Path) -> None:
    base = math.floor((time.time() - 1800) / 15) * 15          # in the past: nothing waits on the clock
    times = range(base - 3600, base + 601, 15)
    om = "\n".join(["# TYPE failed_flows gauge", *(f"failed_flows 1 {t}" for t in times),
                    "# TYPE started_flows gauge",
                    *(f"started_flows {0 if base + 300 <= t < base + 450 else 200} {t}" for t in times),
                    "# EOF"]) + "\n"
    server = PromServer(tmp_path / "prom")
    backfill(om, server.tsdb, tmp_path)
    with server:
        prom = PrometheusSource(PrometheusConfig(url=server.url, timeout=10.0, window=0.0))
        try:
            below = VerifyRun(parse_verify(f"{RATIO} < 10 within 2m"), prom, started_at=base + 300.0)
            check = below.check(now=below.deadline)
            assert check.status == "failed" and check.value == math.inf, check
            assert check.reason == "window of 2m00s ran out: still +Inf (a division by zero?) (wanted < 10)", check
            above = VerifyRun(parse_verify(f"{RATIO} > 10 within 2m"), prom, started_at=base + 300.0)
            passed = above.check(now=above.deadline)
            assert passed.status == "passed" and passed.value == math.inf, passed
        finally:
            prom.close()
