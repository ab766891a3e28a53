"""Firing alerts from a real Alertmanager and from Prometheus's alerts API, mapped to runbooks."""

from __future__ import annotations

import json
import time
import tomllib
import urllib.request
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.integration.sources_http import FakeHTTP, Reply, Request
from tests.integration.sources_servers import AlertmanagerServer
from warroom.config import AlertsConfig, PrometheusConfig
from warroom.sources.alerts import AlertSource, RunbookIndex, alert_event_data

pytestmark = pytest.mark.integration


def shipped_index() -> RunbookIndex:
    """The shipped library's ids, files and triggers, read straight from the front matter."""
    entries = []
    for path in sorted((REPO / "runbooks").glob("*.md")):
        text = path.read_text(encoding="utf-8")
        if not text.startswith("+++"):
            continue
        meta = tomllib.loads(text.split("+++")[1])
        entries.append((meta["id"], path, meta.get("triggers", [])))
    assert entries, "the shipped runbook library is missing"
    return RunbookIndex(entries)


def _post_alerts(url: str, alerts: list[dict]) -> None:
    req = urllib.request.Request(f"{url}/api/v2/alerts", data=json.dumps(alerts).encode(),
                                 headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(req, timeout=10) as resp:
        assert resp.status == 200


def test_real_alertmanager_alerts_map_to_runbooks(tmp_path: Path) -> None:
    start = (datetime.now(timezone.utc) - timedelta(minutes=7)).replace(microsecond=0)
    ends = (datetime.now(timezone.utc) + timedelta(hours=1)).isoformat()
    posted = [
        # runbook label holding an id, lower case
        {"labels": {"alertname": "FlowFailureRateHigh", "severity": "critical", "runbook": "rb-core-001"},
         "annotations": {"summary": "failures above 1%"}},
        # runbook_url annotation: the URL tail is the file name of a shipped runbook
        {"labels": {"alertname": "ModelQuotaHigh", "severity": "warning"},
         "annotations": {"runbook_url": "https://git.example.com/sre/runbooks/blob/main/"
                                        "RB-CORE-003-rate-limit-exhaustion.md#triage"}},
        # runbook annotation holding just an id inside a wiki URL fragment
        {"labels": {"alertname": "ProviderErrors", "severity": "critical"},
         "annotations": {"runbook": "https://wiki.example.com/runbooks#RB-CORE-004"}},
        # nothing on the alert: [alerts].runbook_map
        {"labels": {"alertname": "MassConcurrentFailures", "severity": "critical"}, "annotations": {}},
        # nothing at all, but a shipped runbook lists the alert name in its triggers
        {"labels": {"alertname": "CircuitBreakerActivated", "severity": "warning"}, "annotations": {}},
        # unknown everywhere: no runbook, still shown
        {"labels": {"alertname": "DiskAlmostFull", "severity": "info"},
         "annotations": {"runbook_url": "https://wiki.example.com/disk-full"}},
    ]
    for a in posted:
        a["startsAt"] = start.isoformat()
        a["endsAt"] = ends
    with AlertmanagerServer(tmp_path / "am") as am:
        _post_alerts(am.url, posted)
        cfg = AlertsConfig(alertmanager_url=am.url + "/", prometheus_alerts=False, timeout=5.0,
                           runbook_map={"MassConcurrentFailures": "RB-LAUNCH-005"})
        source = AlertSource(cfg, None, shipped_index())
        try:
            deadline = time.monotonic() + 30
            result = source.fetch()
            while len(result.alerts) < len(posted) and time.monotonic() < deadline:
                time.sleep(0.1)
                result = source.fetch()
        finally:
            source.close()
    assert result.ok, result.errors
    by_name = {a.name: a for a in result.alerts}
    assert {n: a.runbook for n, a in by_name.items()} == {
        "FlowFailureRateHigh": "RB-CORE-001",
        "ModelQuotaHigh": "RB-CORE-003",
        "ProviderErrors": "RB-CORE-004",
        "MassConcurrentFailures": "RB-LAUNCH-005",
        "CircuitBreakerActivated": "RB-CORE-003",
        "DiskAlmostFull": None,
    }
    quota = by_name["ModelQuotaHigh"]
    assert quota.severity == "warning" and quota.source == "alertmanager"
    assert quota.since == pytest.approx(start.timestamp())
    event = alert_event_data(quota)
    assert event["runbook"] == "RB-CORE-003" and event["since"].startswith(start.isoformat()[:19])
    assert json.dumps(event)  # journal-ready


@pytest.mark.parametrize(("reply", "error"), [
    (Reply(200, "<html>this is grafana</html>"),
     "Alertmanager at {host} answered with something that is not JSON ('<html>this is grafana</html>')"),
    (Reply(200, {"status": "success", "data": []}),
     "Alertmanager at {host} did not answer like the Alertmanager API v2 (expected a list of alerts;"
     " is alerts.alertmanager_url right?)"),
    (Reply(500, "internal error\n"), "HTTP 500 from Alertmanager at {host}: internal error"),
    (Reply(401, ""), "unauthorized (HTTP 401 from Alertmanager at {host}; check its credentials)"),
    (Reply(200, b"\xff\xfe\x00garbage"), None),
])
def test_garbage_from_alertmanager_is_an_error_not_a_crash(reply: Reply, error: str | None) -> None:
    with FakeHTTP(lambda req: reply) as fake:
        source = AlertSource(AlertsConfig(alertmanager_url=fake.url, timeout=5.0))
        try:
            result = source.fetch()
        finally:
            source.close()
    assert result.alerts == ()
    if error is None:
        assert "not JSON" in result.errors["alertmanager"]
    else:
        assert result.errors == {"alertmanager": error.format(host=f"127.0.0.1:{fake.port}")}


def test_malformed_items_are_skipped_and_counted() -> None:
    items = [{"labels": {"alertname": "Good"}, "annotations": {}, "startsAt": "2026-01-01T00:00:00.123456789Z"},
             "not an alert", {"labels": "nope"}, {"labels": {"no": "name"}},
             {"labels": {"alertname": "Silenced"}, "status": {"state": "suppressed"}}]
    with FakeHTTP(lambda req: Reply(200, items)) as fake:
        source = AlertSource(AlertsConfig(alertmanager_url=fake.url, timeout=5.0))
        try:
            result = source.fetch()
        finally:
            source.close()
    # an alert without an alertname is still an alert (rt15): counted, named by its labels
    assert [a.name for a in result.alerts] == ["Good", "(no alertname) no=name"]
    assert result.alerts[0].since == datetime(2026, 1, 1, 0, 0, 0, 123456, tzinfo=timezone.utc).timestamp()
    assert result.notes == {"alertmanager": "2 malformed alert(s) ignored"}
    # silenced/inhibited are asked for too: they keep Prometheus' copy of a silenced alert off the screen
    assert fake.requests[0].query == {"active": ["true"], "silenced": ["true"], "inhibited": ["true"]}


def test_prometheus_alerts_api_and_dead_alertmanager(monkeypatch: pytest.MonkeyPatch, dead_port: int) -> None:
    monkeypatch.setenv("PROM_TOKEN", "tok")
    doc = {"status": "success", "data": {"alerts": [
        {"labels": {"alertname": "AuditLogGap", "severity": "critical"},
         "annotations": {"runbook": "RB-CORE-005"}, "state": "firing",
         "activeAt": "2026-11-22T10:00:00Z", "value": "4.2e+02"},
        {"labels": {"alertname": "Pending"}, "annotations": {}, "state": "pending",
         "activeAt": "2026-11-22T10:00:00Z"},
    ]}}

    def handler(req: Request) -> Reply:
        return Reply(200, doc) if req.path == "/api/v1/alerts" else Reply(404, "not found")

    dead = dead_port
    with FakeHTTP(handler) as fake:
        source = AlertSource(
            AlertsConfig(alertmanager_url=f"http://127.0.0.1:{dead}", timeout=2.0),
            PrometheusConfig(url=fake.url, bearer_token_env="PROM_TOKEN"), shipped_index())
        try:
            result = source.fetch()
        finally:
            source.close()
    assert [(a.name, a.runbook, a.source) for a in result.alerts] == [("AuditLogGap", "RB-CORE-005", "prometheus")]
    assert result.errors == {"alertmanager": f"cannot connect to Alertmanager at 127.0.0.1:{dead}: connection refused"}
    assert fake.requests[0].headers["authorization"] == "Bearer tok"
