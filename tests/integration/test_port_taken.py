"""A real server whose leased port was bound meanwhile by a process that does not lease (tests/ports.py)
starts on another port, and its readiness is never answered by the squatter.

The squatter answers 200 to every request, as another test's Prometheus would: the old readiness poll
(any 200 on the URL) took it for our server, whose own bind had failed.
"""

from __future__ import annotations

import os
import threading
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.ports import PortLease


class _Squatter(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (http.server naming)
        body = b"squatter\n"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        return


@pytest.fixture
def squatted(monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    """A port an HTTP server holds without a lease, handed out as the NEXT lease (as if it bound the
    port between the lease's check and the server's start); later leases are real."""
    probe = PortLease.take()
    port = probe.port
    probe.release()
    server = ThreadingHTTPServer(("127.0.0.1", port), _Squatter)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    real = PortLease.take
    given: list[int] = []

    def take(candidates: list[int] | None = None) -> PortLease:
        if not given:
            given.append(port)
            return PortLease(port, os.open(os.devnull, os.O_RDONLY))
        return real(candidates)

    monkeypatch.setattr(PortLease, "take", staticmethod(take))
    try:
        yield port
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def test_prometheus_on_a_squatted_port_starts_elsewhere_and_is_itself(tmp_path: Path, squatted: int) -> None:
    from tests.integration.sources_servers import PromServer

    with PromServer(tmp_path / "prom", self_scrape=True) as server:
        assert server.port != squatted
        with urllib.request.urlopen(f"{server.url}/api/v1/status/flags", timeout=10) as resp:
            flags = resp.read().decode()
        assert str(server.tsdb) in flags                    # our Prometheus answers, with our data dir
        assert f"127.0.0.1:{server.port}" in server.config.read_text()    # and scrapes itself, not the squatter


def test_sshd_on_a_squatted_port_starts_elsewhere(tmp_path: Path, squatted: int) -> None:
    import subprocess

    from tests.e2e.sshd import sshd_or_skip

    server = sshd_or_skip(tmp_path / "sshd")
    try:
        assert server.port != squatted
        res = subprocess.run(server.ssh_argv(["echo", "it is me"], tty=False), capture_output=True, text=True,
                             timeout=60, stdin=subprocess.DEVNULL)
        assert res.stdout.strip() == "it is me", res.stderr
    finally:
        server.stop()


def test_postgres_on_a_squatted_port_starts_elsewhere(squatted: int) -> None:
    from tests.pgserver import PgServer, pg_bindir

    if pg_bindir() is None:
        pytest.skip("PostgreSQL is not installed (.ci/run installs it)")
    server = PgServer()
    try:
        server.init()
        server.start()
        assert server.port != squatted
        with server.admin() as conn:  # type: ignore[attr-defined]
            assert conn.execute("select 1").fetchone() == (1,)
    finally:
        server.cleanup()
