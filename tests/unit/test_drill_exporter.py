"""The live /metrics endpoint: parseable, consistent with the simulator, started and stopped cleanly."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.unit.test_drill_openmetrics import parse
from tests.drill_exporter import MetricsExporter
from warroom.drill.directory import create_drill
from warroom.drill.scenarios import get_scenario
from warroom.drill.simulator import Simulator


def test_serves_text_and_openmetrics_and_stops() -> None:
    start = time.time() - 600
    exp = MetricsExporter("timeout", speed=1.0, start=start)
    url = exp.start()
    try:
        assert url.startswith("http://127.0.0.1:") and exp.port > 0
        text = httpx.get(f"{url}/metrics", timeout=60)
        assert text.status_code == 200 and text.headers["content-type"].startswith("text/plain; version=0.0.4")
        assert "# EOF" not in text.text and "flowengine_flow_executions_total{" in text.text
        om = httpx.get(f"{url}/metrics", headers={"Accept": "application/openmetrics-text; version=1.0.0"},
                       timeout=60)
        assert om.headers["content-type"].startswith("application/openmetrics-text")
        assert om.text.endswith("# EOF\n")
        first = parse(text.text)
        later = parse(httpx.get(f"{url}/metrics", timeout=60).text)
        for key, ((_, a),) in first.items():
            if "_total" in key or "_bucket" in key or key.endswith(("_count", "_sum")):
                assert later[key][0][1] >= a, key
        p95 = exp.simulator.pane("p95_latency", exp.scenario_time())
        assert p95 > 90                                   # the timeout scenario is well under way
        assert httpx.get(f"{url}/nope", timeout=60).status_code == 404
        assert httpx.get(f"{url}/-/healthy", timeout=60).text == "OK\n"
        assert exp.scrapes == 3
        if shutil.which("promtool"):
            done = subprocess.run(["promtool", "check", "metrics"], input=text.text, capture_output=True,
                                  text=True, timeout=60)
            assert done.returncode == 0, done.stdout + done.stderr
    finally:
        exp.stop()
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{url}/metrics", timeout=2)


def test_in_memory_actions_bend_the_served_curve() -> None:
    start = time.time() - 300
    with MetricsExporter("rate-limit", speed=1.0, start=start) as exp:
        exp.record("circuit_breaker", at=start + 150)
        # the breaker trips once its rollout is done and the quota is past its threshold: less quota spent than
        # untouched from then on (~4 points at any later time). A fixed scenario second, not the wall clock's.
        t = 1200.0
        assert exp.simulator.pane("quota", t) < Simulator(get_scenario("rate-limit")).pane("quota", t) - 3
        body = exp.body(at=start + 1050)
        quota = max(float(line.split()[1]) for line in body.splitlines()
                    if line.startswith("flowengine_model_quota_used_ratio{"))
        assert quota == pytest.approx(exp.simulator.pane("quota", 1050.0) / 100)


def test_follows_a_drill_on_disk(state_dir: Path) -> None:
    d = create_drill(state_dir, "audit-gap", speed=5.0, start=time.time() - 100)
    with MetricsExporter(drill=d) as exp:
        assert exp.speed == 5.0 and exp.scenario == d.scenario
        body = httpx.get(f"{exp.url}/metrics", timeout=60).text
        (stamp,) = [float(line.split()[1]) for line in body.splitlines()
                    if line.startswith("flowengine_audit_log_last_event_timestamp_seconds ")]
        # the last event's wall time: the log stopped 240 drill seconds before the start
        assert d.scenario_time(stamp) <= -240
    with pytest.raises(ValueError):
        MetricsExporter()
