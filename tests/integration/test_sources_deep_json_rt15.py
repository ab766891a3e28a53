"""A server answering JSON nested deeper than Python's parser goes (``[[[[…``, 200 000 deep)
is a garbage answer like any other (rt15): before, RecursionError escaped every source's
"never raises" promise, `warroom status --json` printed no JSON and exited 2 (the CRIT code),
and an alert poll reported the server as "slow". Now each source says it did not answer its API,
kind error, and status exits 3 with its JSON."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.conftest import subprocess_env, warroom_cmd
from tests.integration.sources_http import FakeHTTP, Reply
from warroom.config import AlertsConfig, PrometheusConfig, SloConfig
from warroom.sources.alerts import AlertSource
from warroom.sources.prometheus import PrometheusSource

pytestmark = pytest.mark.integration

DEEP = b"[" * 200_000
DEEP_IN_API = b'{"status":"success","data":{"resultType":"vector","result":' + DEEP


def _deep(req):  # type: ignore[no-untyped-def]
    return Reply(200, DEEP_IN_API if "query" in req.path else DEEP,
                 headers={"Content-Type": "application/json"})


def test_prometheus_and_alert_sources_report_deep_json_as_an_error() -> None:
    slo = SloConfig(id="q", title="q", query="max(up)", unit="count", warn=1, crit=2)
    with FakeHTTP(_deep) as fake:
        src = PrometheusSource(PrometheusConfig(url=fake.url, timeout=5.0, window=60.0))
        try:
            [sample] = src.fetch([slo])
            single = src.instant("max(up)")
        finally:
            src.close()
        alerts = AlertSource(AlertsConfig(alertmanager_url=fake.url, timeout=5.0),
                             PrometheusConfig(url=fake.url, timeout=5.0))
        try:
            result = alerts.fetch()
        finally:
            alerts.close()
    assert sample.error and sample.error_kind == "error", sample
    assert single.error and single.error_kind == "error", single
    assert set(result.errors) == {"alertmanager", "prometheus"}, result
    assert set(result.kinds.values()) == {"error"}, result.kinds     # it answered: not "slow"
    assert not result.all_clear


def test_status_prints_json_and_exits_3_on_deep_json(tmp_path: Path) -> None:
    with FakeHTTP(_deep) as fake:
        cfg = tmp_path / "c.toml"
        cfg.write_text(f'[prometheus]\nurl = "{fake.url}"\ntimeout = "5s"\n[kubernetes]\nenabled = false\n',
                       encoding="utf-8")
        res = subprocess.run([*warroom_cmd(), "--config", str(cfg), "status", "--json"],
                             capture_output=True, text=True, env=subprocess_env(), timeout=60)
    assert res.returncode == 3, (res.returncode, res.stdout, res.stderr)
    doc = json.loads(res.stdout)
    assert doc["exit_code"] == 3 and {p["state"] for p in doc["panes"]} == {"error"}


WEIRD = [
    b'{"status":"success","data":{"resultType":"vector","result":[{"metric":[1],"value":[1,"1"]}]}}',
    b'{"status":"success","data":{"resultType":"vector","result":[{"metric":"x","value":[1,"1"]}]}}',
    b'{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":7}]}}',
    b'{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":{"a":1}}]}}',
    b'{"status":"success","data":{"alerts":[{"labels":{"alertname":"A"},"annotations":[1],"state":"firing"}]}}',
    b'{"status":"success","data":{"alerts":[{"labels":[["alertname","A"]],"state":"firing"}]}}',
]


@pytest.mark.parametrize("body", WEIRD)
def test_valid_json_of_the_wrong_shape_is_an_answer_error_never_an_exception(body: bytes) -> None:
    slo = SloConfig(id="q", title="q", query="max(up)", unit="count", warn=1, crit=2)
    with FakeHTTP(lambda req: Reply(200, body, headers={"Content-Type": "application/json"})) as fake:
        src = PrometheusSource(PrometheusConfig(url=fake.url, timeout=5.0, window=60.0))
        try:
            [sample] = src.fetch([slo])
        finally:
            src.close()
        alerts = AlertSource(AlertsConfig(alertmanager_url=None, timeout=5.0),
                             PrometheusConfig(url=fake.url, timeout=5.0))
        try:
            result = alerts.fetch()
        finally:
            alerts.close()
    # the pane either read a value or says the answer was wrong; never OK from nothing
    assert sample.error is not None or sample.value is not None or sample.note, sample
    assert result.errors or result.notes or result.alerts, result
    assert result.kinds.get("prometheus") in (None, "error"), result.kinds


def test_https_url_to_a_plain_http_port_says_so() -> None:
    """A TLS client meeting a plain-HTTP server: the server is up (not "down"), the URL is wrong."""
    slo = SloConfig(id="q", title="q", query="max(up)", unit="count", warn=1, crit=2)
    with FakeHTTP(lambda req: Reply(200, b"{}")) as fake:
        src = PrometheusSource(PrometheusConfig(url=fake.url.replace("http://", "https://"), timeout=5.0,
                                                window=0.0))
        try:
            [sample] = src.fetch([slo])
        finally:
            src.close()
    assert sample.error_kind == "error", sample
    assert "TLS" in sample.error and "http://" in sample.error, sample.error
