"""A REAL Prometheus answers a division by zero with +Inf: the pane is CRIT "+Inf", and so are the
journaled breach, the PIR's worst and the saved metrics.json (``warroom.journal.numbers``). Before,
its range answers were read finite points only and the history folded finite values only: the PIR
said the pane never breached and quoted its worst as the last finite value."""

from __future__ import annotations

import json
import math
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.integration.sources_servers import PromServer, backfill
from warroom.config import Config, PrometheusConfig, SloConfig

pytestmark = pytest.mark.integration

RATIO = SloConfig(id="ratio", title="Failed share", query="100 * failed_flows / started_flows", unit="percent",
                  warn=2.0, crit=5.0, direction="above")


def _openmetrics(base: int, zero: tuple[int, int]) -> str:
    """Two gauges every 15 s from an hour before ``base`` to 10 minutes after it: 1 failed of 200
    started (0.5%), and no flow started at all from ``zero[0]`` to ``zero[1]`` (1/0: +Inf)."""
    times = range(base - 3600, base + 601, 15)
    lines = ["# TYPE failed_flows gauge", *(f"failed_flows 1 {t}" for t in times),
             "# TYPE started_flows gauge",
             *(f"started_flows {0 if base + zero[0] <= t < base + zero[1] else 200} {t}" for t in times), "# EOF"]
    return "\n".join(lines) + "\n"


def test_a_division_by_zero_in_prometheus_is_plus_inf_in_the_journal_pir_and_recording(tmp_path: Path) -> None:
    from warroom.incident.history import load_history, record_history
    from warroom.incident.pir import render_pir
    from warroom.incident.store import IncidentStore
    from warroom.sources.evaluate import judge
    from warroom.sources.prometheus import PrometheusSource

    base = math.floor((time.time() - 1800) / 15) * 15          # placed in the past; nothing waits on the clock
    zero = (300, 450)
    server = PromServer(tmp_path / "prom")
    backfill(_openmetrics(base, zero), server.tsdb, tmp_path)
    cfg = Config()
    clock = [float(base)]
    store = IncidentStore(tmp_path / "state", cfg, clock=lambda: datetime.fromtimestamp(clock[0], UTC))
    inc = store.create(title="flows failing", severity="P2", runbook=None, source={})
    clock[0] = base + 600.0
    inc.resolve("workers back")
    with server:
        prom = PrometheusSource(PrometheusConfig(url=server.url, timeout=10.0))
        try:
            [live] = prom.fetch([RATIO], at=base + zero[0] + 60.0)
            assert live.value == math.inf and judge(RATIO, live.value) == "crit"     # the pane
            inc.sync_metrics(prom, [RATIO], summary=True, now=base + 600.0)
            path = record_history(inc.dir, inc.state, [RATIO], prom, now=base + 600.0)
        finally:
            prom.close()
    breached = [b for b in inc.state.breaches if b["kind"] == "breached"]
    assert [b["value"] for b in breached] == [math.inf]
    assert base + zero[0] <= breached[0]["at"].timestamp() < base + zero[0] + 15
    summary = inc.state.metric_summary["slos"]["ratio"]
    assert summary["worst"]["value"] == math.inf and summary["breached"]
    pir = render_pir(inc.state, "pir", cfg, now=datetime.fromtimestamp(base + 600.0, UTC))
    assert "SLO breached: Failed share +Inf (a division by zero?) past its critical threshold 5%" in pir
    doc = json.loads(path.read_text(encoding="utf-8"), parse_constant=lambda w: pytest.fail(f"bare {w}"))
    assert any(v == "+Inf" for _t, v in doc["panes"][0]["points"])
    pane = load_history(inc.dir).pane("ratio")
    assert pane is not None and pane.breach_runs() and pane.worst().value == math.inf
