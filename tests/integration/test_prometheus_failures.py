"""Prometheus sources failing the ways real ones do: dead, slow, dying mid-session, 401, garbage."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

from tests.integration.sources_http import FakeHTTP, Reply, Request
from tests.integration.sources_servers import PromServer
from warroom.config import PrometheusConfig, SloConfig
from warroom.sources.evaluate import SloTracker
from warroom.sources.prometheus import PrometheusSource

pytestmark = pytest.mark.integration

UP = SloConfig(id="up", title="Prometheus up", query='sum(up{job="self"})', unit="count",
               warn=0.5, crit=0.5, direction="below")
VECTOR_OK = {"status": "success", "data": {"resultType": "vector",
                                           "result": [{"metric": {}, "value": [1700000000, "3"]}]}}
MATRIX_OK = {"status": "success", "data": {"resultType": "matrix", "result": [
    {"metric": {}, "values": [[1700000000 - 60, "2"], [1700000000, "3"]]}]}}


def _ok(req: Request) -> Reply:
    return Reply(200, MATRIX_OK if req.path.endswith("query_range") else VECTOR_OK)


def test_dead_server_is_an_error_not_a_hang(monkeypatch: pytest.MonkeyPatch, dead_port: int) -> None:
    port = dead_port  # nothing listens here
    attempts: list[object] = []
    connect = socket.create_connection

    def counted(address: object, *args: object, **kwargs: object) -> socket.socket:
        attempts.append(address)
        return connect(address, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "create_connection", counted)
    src = PrometheusSource(PrometheusConfig(url=f"http://127.0.0.1:{port}", timeout=2.0))
    try:
        [sample] = src.fetch([UP])
    finally:
        src.close()
    assert sample.value is None
    assert sample.error == f"cannot connect to 127.0.0.1:{port}: connection refused"
    # one try per request the poll makes (the pane's value, its sparkline, its samples' age) and no
    # retries (a client library's default retries made a dead endpoint take ~6 s): counted, not
    # timed, so a busy machine cannot fail it
    assert len(attempts) == 3, attempts


def test_slow_server_fails_within_the_timeout() -> None:
    with FakeHTTP(lambda req: Reply(200, VECTOR_OK, delay=30.0)) as fake:
        src = PrometheusSource(PrometheusConfig(url=fake.url, timeout=0.5))
        try:
            [sample] = src.fetch([UP])
            outwaited = fake.outwaited
        finally:
            src.close()
    assert sample.error == f"no answer from 127.0.0.1:{fake.port} within 0.5s"
    assert outwaited == 0  # the client's timeout ended it, not the server's 30 s


def test_401_names_the_token_variable_and_auth_is_sent(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROM_TOKEN", "s3cret-token")
    with FakeHTTP(lambda req: Reply(401, "Unauthorized\n")) as fake:
        cfg = PrometheusConfig(url=fake.url + "/", timeout=5.0, bearer_token_env="PROM_TOKEN",
                               headers={"X-Scope-OrgID": "flowengine"})
        src = PrometheusSource(cfg)
        try:
            [sample] = src.fetch([UP])
        finally:
            src.close()
    assert sample.error == "unauthorized (HTTP 401; check bearer_token_env PROM_TOKEN)"
    req = fake.requests[0]
    assert req.path in ("/api/v1/query", "/api/v1/query_range")
    assert req.headers["authorization"] == "Bearer s3cret-token"
    assert req.headers["x-scope-orgid"] == "flowengine"


def test_missing_token_variable_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PROM_TOKEN", raising=False)
    src = PrometheusSource(PrometheusConfig(url="http://127.0.0.1:9", bearer_token_env="PROM_TOKEN"))
    try:
        [sample] = src.fetch([UP])
    finally:
        src.close()
    assert sample.error == "prometheus.bearer_token_env names PROM_TOKEN, which is not set"


def test_basic_auth(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROM_PASSWORD", "hunter2")
    with FakeHTTP(_ok) as fake:
        src = PrometheusSource(PrometheusConfig(url=fake.url, username="warroom",
                                                password_env="PROM_PASSWORD"))
        try:
            [sample] = src.fetch([UP])
        finally:
            src.close()
    assert sample.value == 3.0 and sample.series == ((1699999940.0, 2.0), (1700000000.0, 3.0))
    # "warroom:hunter2" in base64
    assert {r.headers["authorization"] for r in fake.requests} == {"Basic d2Fycm9vbTpodW50ZXIy"}


@pytest.mark.parametrize(("reply", "expected"), [
    (Reply(422, {"status": "error", "errorType": "execution",
                 "error": "query processing would load too many samples"}),
     "execution: query processing would load too many samples"),
    (Reply(503, "upstream connect error\nmore"), "HTTP 503 from {host}: upstream connect error"),
    (Reply(200, "<html>login</html>"), "{url} did not answer like the Prometheus API (check prometheus.url)"),
    (Reply(200, {"status": "success"}), "{url} did not answer like the Prometheus API (check prometheus.url)"),
    (Reply(403, {"status": "error", "error": "tenant not allowed"}), "forbidden (HTTP 403): tenant not allowed"),
])
def test_server_errors_are_worded(reply: Reply, expected: str) -> None:
    with FakeHTTP(lambda req: reply) as fake:
        src = PrometheusSource(PrometheusConfig(url=fake.url, timeout=5.0))
        try:
            [sample] = src.fetch([UP])
        finally:
            src.close()
    assert sample.error == expected.format(host=f"127.0.0.1:{fake.port}", url=fake.url)


def test_sparkline_failure_keeps_the_value() -> None:
    def handler(req: Request) -> Reply:
        if req.path.endswith("query_range"):
            return Reply(400, {"status": "error", "errorType": "bad_data",
                               "error": "exceeded maximum resolution of 11,000 points per timeseries"})
        return Reply(200, VECTOR_OK)

    with FakeHTTP(handler) as fake:
        src = PrometheusSource(PrometheusConfig(url=fake.url, timeout=5.0))
        try:
            [sample] = src.fetch([UP])
        finally:
            src.close()
    assert sample.value == 3.0 and sample.error is None and sample.series == ()
    assert sample.note == "sparkline: bad_data: exceeded maximum resolution of 11,000 points per timeseries"


def _fetch_until(src: PrometheusSource, tracker: SloTracker, want: str, limit: float = 60.0):
    deadline = time.monotonic() + limit
    while True:
        [reading] = tracker.update(src.fetch([UP]))
        if reading.state == want or time.monotonic() > deadline:
            return reading
        time.sleep(0.2)


def test_prometheus_dying_mid_session_goes_stale_then_recovers(tmp_path: Path) -> None:
    server = PromServer(tmp_path / "prom", self_scrape=True).start()
    src = PrometheusSource(PrometheusConfig(url=server.url, timeout=2.0, window=60.0))
    tracker = SloTracker([UP], stale_after=3600.0)
    try:
        first = _fetch_until(src, tracker, "ok")  # the first self-scrape lands within a second or so
        assert first.state == "ok" and first.value == 1.0 and first.error is None

        server.kill()
        stale = tracker.update(src.fetch([UP]))[0]
        assert stale.state == "stale" and stale.word == "STALE"
        assert stale.value == 1.0                      # the last good value stays on screen
        assert stale.age is not None and stale.age >= 0
        assert stale.error == f"cannot connect to 127.0.0.1:{server.port}: connection refused"
        time.sleep(0.3)
        later = tracker.update(src.fetch([UP]))[0]
        assert later.state == "stale" and later.age > stale.age  # the age keeps counting

        server.start()  # same port, same TSDB
        back = _fetch_until(src, tracker, "ok")
        assert back.state == "ok" and back.error is None and back.value == 1.0
    finally:
        src.close()
        server.stop()


def test_sparkline_is_requeried_once_per_step_not_every_refresh() -> None:
    with FakeHTTP(_ok) as fake:
        src = PrometheusSource(PrometheusConfig(url=fake.url, timeout=5.0, window=3600.0, step=3600.0))
        try:
            first = src.fetch([UP])
            second = src.fetch([UP])
            ranged = [r for r in fake.requests if r.path.endswith("query_range")]
            values = [r for r in fake.requests if r.path.endswith("/query")
                      and r.query["query"] == [UP.query]]
            assert len(ranged) == 1 and len(values) == 2  # 2 instant + 1 range (+ the age queries)
            assert second[0].series == first[0].series != ()
            src.fetch([UP], at=1700000000)   # evidence/back-fill: always fresh
            src.invalidate_sparklines()
            src.fetch([UP])
            assert len([r for r in fake.requests if r.path.endswith("query_range")]) == 3
        finally:
            src.close()


def test_status_watch_prints_one_json_line_per_round_and_exits_3(tmp_path: Path, dead_port: int,
                                                                 capsys: pytest.CaptureFixture[str],
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """``warroom status`` in-process (the CLI's own ``main``): what is tested is what it says of a source that is
    down or not set and its exit code, not the process boundary (each call was an interpreter of its own)."""
    import json

    from tui.cli import main

    def status(*argv: str) -> tuple[int, str]:
        capsys.readouterr()
        code = main(list(argv))
        out, err = capsys.readouterr()
        assert "Traceback" not in out + err
        return code, out

    port = dead_port
    cfg = tmp_path / "c.toml"
    cfg.write_text(f'[prometheus]\nurl = "http://127.0.0.1:{port}"\ntimeout = "1s"\n', encoding="utf-8")
    code, out = status("--config", str(cfg), "status", "--json", "--watch", "0.2", "--count", "2")
    rounds = [json.loads(line) for line in out.splitlines()]
    assert len(rounds) == 2 and code == 3, out
    for doc in rounds:
        assert doc["exit_code"] == 3 and {p["state"] for p in doc["panes"]} == {"error"}
        assert doc["panes"][0]["error"] == f"cannot connect to 127.0.0.1:{port}: connection refused"
    # Without a Prometheus configured every pane says so, and the exit code says "source error".
    bare = tmp_path / "bare.toml"
    bare.write_text("read_only = true\n", encoding="utf-8")
    monkeypatch.setenv("COLUMNS", "200")
    code, out = status("--config", str(bare), "status")
    assert code == 3 and "no source: prometheus.url is not set" in out
