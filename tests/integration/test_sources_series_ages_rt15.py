"""Several series under one selector with different ages (rt15), against a REAL Prometheus fed by
promtool backfill: the series the pane shows stopped two minutes before the evaluation time while
its sibling is current. Backfilled blocks carry no staleness markers, like a federated or
remote-written series that froze: Prometheus still answers the old sample for five minutes.
The pane must not call that value fresh (the stalest series counts), so it is STALE, not OK/CRIT.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.integration.sources_servers import PromServer, backfill
from warroom.config import PrometheusConfig, SloConfig
from warroom.sources.evaluate import evaluate
from warroom.sources.prometheus import PrometheusSource

pytestmark = pytest.mark.integration


def test_a_frozen_series_beside_a_fresh_one_makes_the_pane_stale(tmp_path: Path) -> None:
    now = int(time.time())
    at = now - 1800 - now % 60            # evaluation time, inside the backfilled range
    lines = ["# TYPE quota_used gauge"]
    for t in range(at - 1200, at + 1, 15):
        lines.append(f'quota_used{{instance="fresh"}} 0.2 {t}')
    for t in range(at - 1200, at - 120 + 1, 15):   # stopped 120 s before `at`, higher value
        lines.append(f'quota_used{{instance="frozen"}} 0.95 {t}')
    text = "\n".join(sorted(lines[1:], key=lambda l: (l.split("{")[1], int(l.rsplit(" ", 1)[1]))))
    # openmetrics wants samples grouped by series and the family declared once
    om = "# TYPE quota_used gauge\n" + text + "\n# EOF\n"
    server = PromServer(tmp_path / "prom")
    backfill(om, server.tsdb, tmp_path)
    slo = SloConfig(id="quota", title="Quota", query="100 * max(quota_used)", unit="percent",
                    warn=70.0, crit=80.0, direction="above")
    with server:
        src = PrometheusSource(PrometheusConfig(url=server.url, timeout=10.0, window=0.0, stale_after=60.0))
        try:
            [sample] = src.fetch([slo], at=float(at))
        finally:
            src.close()
    assert sample.error is None, sample
    assert sample.value == pytest.approx(95.0)          # the frozen series' value is what is shown
    [reading] = evaluate([slo], [sample], stale_after=60.0, now=float(at))
    assert reading.age is not None and reading.age >= 100, reading
    assert reading.state == "stale", reading
