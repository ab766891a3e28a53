"""Total deadlines: a server that trickles its answer (a byte every 0.5 s for 60 s) in front of a
REAL Prometheus / Alertmanager cannot hold a poll or ``warroom status``; the panes say slow.

No assertion depends on how fast this machine is: a call is checked to have ended while the proxy
was still dripping (``TrickleProxy.completed == 0``: it would take the proxy 60 s of 0.5 s drips to
finish, against a 1 s deadline), never by timing it.
"""

from __future__ import annotations

import subprocess
import threading
import time
from pathlib import Path

import pytest

from panes.sources import alerts_line
from tests.conftest import subprocess_env, warroom_cmd
from tests.integration.sources_servers import AlertmanagerServer, PromServer
from tests.integration.sources_trickle import TrickleProxy
from warroom.config import AlertsConfig, PrometheusConfig, SloConfig
from warroom.sources.alerts import AlertSource
from warroom.sources.evaluate import SloTracker
from warroom.sources.model import source_health
from warroom.sources.prometheus import PrometheusSource

pytestmark = pytest.mark.integration

UP = SloConfig(id="up", title="Prometheus up", query='sum(up{job="self"})', unit="count",
               warn=0.5, crit=0.5, direction="below")
TIMEOUT = 1.0
HELD = 120.0                # a process bounded by nothing but per-read timeouts: the proxy's 60 s, twice


def _threads_settle(baseline: int, limit: float = 20.0) -> int:
    """Live threads once the aborted requests have ended (bounded wait)."""
    deadline = time.monotonic() + limit
    while threading.active_count() > baseline and time.monotonic() < deadline:
        time.sleep(0.05)
    return threading.active_count()


def test_trickling_prometheus_says_slow_and_leaves_nothing_running(tmp_path: Path) -> None:
    with PromServer(tmp_path / "prom", self_scrape=True) as server, TrickleProxy(server.url) as proxy:
        src = PrometheusSource(PrometheusConfig(url=proxy.url, timeout=TIMEOUT, window=60.0))
        tracker = SloTracker([UP])
        baseline = threading.active_count()
        try:
            for _ in range(3):     # polls in a row: none overlaps, none piles up
                [sample] = src.fetch([UP])
                assert proxy.completed == 0
                assert sample.error_kind == "slow", sample
                assert "too slow" in sample.error or "no answer" in sample.error
                [reading] = tracker.update([sample])
                assert reading.state == "error" and reading.error_kind == "slow"
                assert source_health([sample.error_kind]) == "slow"
        finally:
            src.close()
        assert _threads_settle(baseline) <= baseline   # every aborted request ended
        assert proxy.connections >= 3


def test_a_body_dripping_after_prompt_headers_is_cut_at_the_deadline(tmp_path: Path) -> None:
    with PromServer(tmp_path / "prom", self_scrape=True) as server, \
            TrickleProxy(server.url, headers_at_once=True) as proxy:
        src = PrometheusSource(PrometheusConfig(url=proxy.url, timeout=TIMEOUT, window=0.0))
        try:
            [sample] = src.fetch([UP])
            assert proxy.completed == 0
        finally:
            src.close()
    assert sample.error_kind == "slow"
    assert "still incomplete after 1s" in sample.error and "bytes so far): too slow" in sample.error


def test_trickling_alert_servers_never_show_none_firing(tmp_path: Path) -> None:
    with AlertmanagerServer(tmp_path / "am") as am, TrickleProxy(am.url) as proxy:
        src = AlertSource(AlertsConfig(alertmanager_url=proxy.url, prometheus_alerts=False, timeout=TIMEOUT))
        try:
            result = src.fetch()
            assert proxy.completed == 0
        finally:
            src.close()
    assert result.kinds == {"alertmanager": "slow"} and not result.all_clear
    line = alerts_line(result).plain
    assert "none firing" not in line and "SLOW" in line and "no good answer yet" in line


def test_status_exits_within_its_timeout_against_a_trickling_server(tmp_path: Path) -> None:
    with PromServer(tmp_path / "prom", self_scrape=True) as server, TrickleProxy(server.url) as proxy:
        cfg = tmp_path / "c.toml"
        cfg.write_text(f'[prometheus]\nurl = "{proxy.url}"\ntimeout = "{TIMEOUT:g}s"\n', encoding="utf-8")
        try:
            res = subprocess.run([*warroom_cmd(), "--config", str(cfg), "status", "--json"],
                                 capture_output=True, text=True, env=subprocess_env(), timeout=HELD)
        except subprocess.TimeoutExpired:
            pytest.fail("warroom status did not exit: a trickling server held it")
        assert proxy.completed == 0      # it hung up on every pane's query while the proxy still dripped
    import json

    doc = json.loads(res.stdout)
    assert res.returncode == 3 and doc["exit_code"] == 3, res.stderr
    assert {p["state"] for p in doc["panes"]} == {"error"}
    assert all("slow" in p["error"] or "no answer" in p["error"] for p in doc["panes"])


def test_a_host_that_never_accepts_is_down_not_slow() -> None:
    """A listening socket with a full backlog drops new connections' SYNs: like a dead host."""
    import socket

    from warroom.sources.deadline import DeadlineHTTP
    from warroom.sources.httpjson import SourceError

    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(0)
    port = srv.getsockname()[1]
    fill = []
    try:
        for _ in range(4):
            c = socket.socket()
            c.setblocking(False)
            try:
                c.connect(("127.0.0.1", port))
            except BlockingIOError:
                pass
            fill.append(c)
        http = DeadlineHTTP(TIMEOUT, f"127.0.0.1:{port}")
        try:
            with pytest.raises(SourceError) as err:
                http.get(f"http://127.0.0.1:{port}/api/v1/query")
        finally:
            http.close()
    finally:
        for c in fill:
            c.close()
        srv.close()
    assert err.value.kind == "down" and "cannot connect to" in str(err.value)


def test_trickling_kubernetes_api_is_slow_not_stuck(tmp_path: Path) -> None:
    """The cluster pane and a native k8s step against an API server that drips its answers."""
    from datetime import datetime, timezone

    from panes.sources import cluster_line
    from tests.integration.sources_kubeapi import NS, FakeKubeAPI
    from warroom.config import KubernetesConfig
    from warroom.sources.kubernetes import KubeSource
    from warroom.sources.native import run_k8s_step

    with FakeKubeAPI(datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")) as api, \
            TrickleProxy(api.http.url, headers_at_once=True) as proxy:
        kc = api.kubeconfig(tmp_path / "kubeconfig")
        kc.write_text(kc.read_text().replace(api.http.url, proxy.url), encoding="utf-8")
        cfg = KubernetesConfig(kubeconfig=str(kc), namespace=NS, timeout=TIMEOUT)
        src = KubeSource(cfg)
        try:
            snap = src.snapshot()
            assert proxy.completed == 0
        finally:
            src.close()
        assert snap.error_kind == "slow" and "too slow" in (snap.error or ""), snap
        assert "SLOW" in cluster_line(snap).plain
        res = run_k8s_step("scale deployment/flowengine replicas=4", cfg)
        assert proxy.completed == 0
        assert res.status == "failed" and "too slow" in (res.error or ""), res
        assert api.patches == []      # it failed reading the current scale: nothing was sent
