"""fresh-3 against a REAL Prometheus: the metric history obeys the one data-age rule.

An exporter froze (its samples stop without a staleness marker, as promtool's backfilled blocks
and a federated or remote-written series do). Prometheus keeps answering it for its 5-minute
look-back, and a windowed pane on it (``avg_over_time(x[5m])``) keeps MOVING while it is frozen:
the older, lower samples leave the window, so the average climbs past crit on data minutes old.
The pane says STALE there. Before, the history (range queries) judged those points as current:
it journaled a breach at a stale instant, the PIR's worst was the frozen window's 0.9 and its
time in breach counted minutes of frozen data. Now stale points are kept apart: no breach, no
worst, no time in breach from them, and the PIR says how long the pane was stale.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from tests.integration.sources_servers import PromServer, backfill
from warroom.config import Config, PrometheusConfig, SloConfig
from warroom.incident.metric_sync import Window, read_histories
from warroom.incident.pir_templates import render_pir
from warroom.incident.store import IncidentStore
from warroom.sources.evaluate import evaluate
from warroom.sources.prometheus import PrometheusSource

pytestmark = pytest.mark.integration

QUERY = "avg_over_time(frozen_used[5m])"
SLO = SloConfig(id="quota", title="Frozen quota", query=QUERY, unit="ratio", warn=0.5, crit=0.8)


def _iso(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).isoformat()


@pytest.fixture(scope="module")
def prom(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """``frozen_used`` at 0.2 every 15 s, 0.9 over its last two minutes, last sample at
    ``at - 600``: fresh (newest sample under 60 s old) until ``at - 540``, answered by
    Prometheus (stale) until ``at - 300``, gone after."""
    work = tmp_path_factory.mktemp("stale_history")
    now = int(time.time())
    at = now - 1800 - now % 60
    rows = [f"frozen_used {0.9 if t >= at - 720 else 0.2} {t}" for t in range(at - 3600, at - 600 + 1, 15)]
    server = PromServer(work / "prom")
    backfill("# TYPE frozen_used gauge\n" + "\n".join(rows) + "\n# EOF\n", server.tsdb, work)
    with server:
        src = PrometheusSource(PrometheusConfig(url=server.url, timeout=10.0, window=0.0, stale_after=60.0))
        try:
            yield src, float(at), work
        finally:
            src.close()


def test_the_pane_is_stale_where_the_frozen_window_is_past_crit(prom) -> None:  # type: ignore[no-untyped-def]
    """The premise: at ``at - 420`` the frozen window reads past crit, and the pane says STALE."""
    src, at, _ = prom
    [reading] = evaluate([SLO], src.fetch([SLO], at=at - 420), stale_after=60.0, now=at - 420)
    assert reading.state == "stale", reading
    assert reading.value is not None and reading.value > 0.8, reading


def test_the_history_judges_no_breach_and_no_worst_on_stale_points(prom) -> None:  # type: ignore[no-untyped-def]
    src, at, _ = prom
    histories, errors = read_histories(src, [SLO], Window(at - 1500, at, 15.0))
    assert errors == []
    hist = histories["quota"]
    assert hist.stale, "the frozen stretch is read, and kept apart"
    assert all(at - 600 + 60 < t < at - 300 + 15 and age > 60 for t, _v, age in hist.stale), hist.stale
    assert all(t <= at - 540 for t, _ in hist.points), "no point of the frozen stretch is a reading"
    assert hist.transitions() == [], "a frozen window crossing crit is no breach"
    worst = hist.worst()
    assert worst is not None and worst.value < 0.8 and worst.at <= at - 540, worst
    assert hist.breach_seconds(at - 1500, at) == 0.0
    assert 180.0 <= hist.stale_seconds(at - 1500, at) <= 300.0


def test_the_journal_and_the_pir_say_stale_not_crit(prom) -> None:  # type: ignore[no-untyped-def]
    src, at, work = prom
    cfg = Config()
    cfg.incident.state_dir = str(work / "state")
    cfg.slo = [SLO]
    inc = IncidentStore(work / "state", cfg).create(
        title="quota", severity="P2", runbook=None,
        source={"detected_at": _iso(at - 1200), "started_at": _iso(at - 1260)})
    result = inc.sync_metrics(src, [SLO], now=at, summary=True)
    assert result.events == [], [e.data for e in result.events]
    st = inc.refresh()
    assert st.breaches == []
    entry = st.metric_summary["slos"]["quota"]
    assert entry["breached"] is False and entry["breach_seconds"] == 0.0, entry
    assert entry["worst"]["value"] < 0.8, entry
    assert entry["stale_seconds"] >= 180.0 and entry["stale_age"] > 180.0, entry
    pir = render_pir(st, "pir", cfg, datetime.fromtimestamp(at, UTC))
    assert "stale for " in pir, pir
    assert "0.900" not in pir, "the frozen window's value is never quoted as a worst"
