"""A real Prometheus scraping the drill exporter sees the scenario the simulator is playing."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from tests.integration.sources_servers import PromServer
from tests.drill_exporter import MetricsExporter

pytestmark = pytest.mark.integration


def query(url: str, expr: str) -> list[dict[str, object]]:
    body = httpx.get(f"{url}/api/v1/query", params={"query": expr}, timeout=10).json()
    assert body["status"] == "success", body
    return body["data"]["result"]  # type: ignore[no-any-return]


def test_prometheus_scrapes_the_audit_gap_and_quota(tmp_path: Path) -> None:
    start = time.time() - 120
    with MetricsExporter("audit-gap", speed=1.0, start=start) as exp:
        prom = PromServer(tmp_path / "prom")
        prom.config.write_text(
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n"
            f"  - job_name: drill\n    static_configs:\n      - targets: ['127.0.0.1:{exp.port}']\n")
        with prom:
            deadline = time.monotonic() + 60
            gap: list[dict[str, object]] = []
            while time.monotonic() < deadline:
                gap = query(prom.url, "time() - max(flowengine_audit_log_last_event_timestamp_seconds)")
                if gap:
                    break
                time.sleep(0.2)
            assert gap, "prometheus never scraped the exporter"
            at, value = gap[0]["value"]  # type: ignore[index, misc]
            want = exp.simulator.pane("audit_gap", exp.scenario_time(float(at)))
            # the sample can be up to one scrape interval older than the query time
            assert float(value) == pytest.approx(want, abs=2.5)
            assert float(value) > 300                         # breached: the audit log is silent
            up = query(prom.url, 'up{job="drill"}')
            assert up and up[0]["value"][1] == "1"  # type: ignore[index]
            quota = query(prom.url, "100 * max(flowengine_model_quota_used_ratio)")
            at, value = quota[0]["value"]  # type: ignore[index, misc]
            assert float(value) == pytest.approx(exp.simulator.pane("quota", exp.scenario_time(float(at))), abs=0.5)
            assert exp.scrapes >= 1
