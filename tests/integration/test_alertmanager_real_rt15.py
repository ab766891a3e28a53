"""A REAL Alertmanager holding awkward alerts (rt15): one silenced, one inhibited by a firing
critical, one with no severity label, one with severity " Critical " in odd case/spacing, one
starting in the future. Silenced/inhibited are not counted as firing (someone decided they need
no action now) but the line says how many and the full view names them; nothing is lost."""

from __future__ import annotations

import io
import json
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from rich.console import Console

from panes.sources import alerts_line, alerts_table
from tests.integration.sources_servers import AlertmanagerServer
from warroom.config import AlertsConfig
from warroom.sources.alerts import AlertSource

pytestmark = pytest.mark.integration


def _post(url: str, doc: object) -> None:
    req = urllib.request.Request(url, data=json.dumps(doc).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        assert resp.status == 200


def test_silenced_inhibited_and_odd_severities_on_a_real_alertmanager(tmp_path: Path) -> None:
    am = AlertmanagerServer(tmp_path / "am")
    am.config.write_text(
        "route:\n  receiver: blackhole\n  group_wait: 0s\nreceivers:\n  - name: blackhole\n"
        "inhibit_rules:\n  - source_matchers: ['alertname=\"ClusterDown\"']\n"
        "    target_matchers: ['alertname=\"PodsPending\"']\n", encoding="utf-8")
    now = datetime.now(UTC)
    iso = lambda d: d.isoformat().replace("+00:00", "Z")  # noqa: E731
    alerts = [
        {"labels": {"alertname": "ClusterDown", "severity": " Critical "}, "startsAt": iso(now - timedelta(minutes=5))},
        {"labels": {"alertname": "PodsPending", "severity": "warning"}, "startsAt": iso(now - timedelta(minutes=4))},
        {"labels": {"alertname": "Noisy", "severity": "critical"}, "startsAt": iso(now - timedelta(minutes=3))},
        {"labels": {"alertname": "NoSeverity"}, "startsAt": iso(now - timedelta(minutes=2))},
        {"labels": {"alertname": "FromTheFuture", "severity": "info"}, "startsAt": iso(now + timedelta(hours=1)),
         "endsAt": iso(now + timedelta(hours=3))},
    ]
    with am:
        _post(f"{am.url}/api/v2/alerts", alerts)
        _post(f"{am.url}/api/v2/silences", {
            "matchers": [{"name": "alertname", "value": "Noisy", "isRegex": False, "isEqual": True}],
            "startsAt": iso(now - timedelta(minutes=1)), "endsAt": iso(now + timedelta(hours=1)),
            "createdBy": "rt15", "comment": "known noise"})
        src = AlertSource(AlertsConfig(alertmanager_url=am.url, prometheus_alerts=False, timeout=5.0))
        try:
            result = None
            for _ in range(100):                        # bounded: AM applies silence/inhibition
                result = src.fetch()
                if len(result.silenced) == 2:
                    break
                time.sleep(0.1)
        finally:
            src.close()
    assert result is not None and not result.errors, result
    firing = {a.name: a for a in result.alerts}
    quiet = {a.name: a for a in result.silenced}
    assert set(quiet) == {"Noisy", "PodsPending"}, (firing, quiet)
    assert quiet["Noisy"].state == "silenced" and quiet["PodsPending"].state == "inhibited"
    assert "Noisy" not in firing and "PodsPending" not in firing
    assert firing["ClusterDown"].priority == "P1"          # " Critical " maps
    assert firing["NoSeverity"].priority is None            # unknown, shown as "?" and last
    line = alerts_line(result).plain
    n = len(result.alerts)
    assert f"{n} firing" in line and "2 silenced/inhibited" in line, line
    assert line.index("ClusterDown") < line.index("NoSeverity")
    if "FromTheFuture" in firing:                            # AM may keep a future start as given
        assert "in the future" in line or firing["FromTheFuture"].since <= time.time() + 60, line
    out = Console(file=io.StringIO(), width=220, no_color=True)
    out.print(alerts_table(result))
    table = out.file.getvalue()
    assert "silenced in Alertmanager" in table and "inhibited in Alertmanager" in table, table
