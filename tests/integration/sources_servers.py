"""Real servers for the live-sources tests: Prometheus (with promtool backfill) and Alertmanager.

Every server is started on a leased 127.0.0.1 port (tests/ports.py: no other test can be given
it) with its own data dir under the test's tmp dir, waited for by polling its readiness endpoint
until the process we started answers there (bounded), and stopped by the test that started it.
"""

from __future__ import annotations

import shutil
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.ports import PortLease, PortTaken, listens, said_address_in_use, start_leased

PROMETHEUS = shutil.which("prometheus") or "/usr/bin/prometheus"
PROMTOOL = shutil.which("promtool") or "/usr/bin/promtool"
ALERTMANAGER = shutil.which("prometheus-alertmanager") or "/usr/bin/prometheus-alertmanager"


def need(binary: str, package: str) -> None:
    if not Path(binary).exists():
        pytest.skip(f"{binary} not installed (Debian package {package}; .ci/run installs it)")


def wait_http(url: str, proc: subprocess.Popen[bytes], log: Path, timeout: float = 30.0, *,
              port: int | None = None, log_offset: int = 0) -> None:
    """Poll ``url`` until it answers 200; fail with the server's log if it dies or never does.

    With ``port``, the answer counts only once ``proc`` itself listens there: a 200 from whoever else
    holds the port is not our server being ready. If ``proc`` exits saying its address was in use,
    :class:`PortTaken` tells the caller to start again on a new lease.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            if port is not None and said_address_in_use(log, log_offset):
                raise PortTaken(f"port {port} was taken:\n{log.read_text()[-3000:]}")
            raise AssertionError(f"server exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=1) as resp:
                if resp.status == 200 and (port is None or listens(proc.pid, port)):
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.05)
    raise AssertionError(f"{url} not ready after {timeout}s:\n{log.read_text()[-3000:]}")


class LeasedServer:
    """A real server binary on a leased 127.0.0.1 port (tests/ports.py), started and stopped by a test.

    The lease is taken at construction (``port`` and ``url`` are known before the start, for configs
    that name them) and held until :meth:`close` (``with`` does it): a :meth:`kill` or :meth:`stop`
    then :meth:`start` comes back on the same port, and while it is down the port refuses connections
    rather than being handed to another test. Only a first start whose port turned out taken moves to
    a new lease.
    """

    ready_path = "/-/ready"
    log_name = "server.log"

    def __init__(self, workdir: Path) -> None:
        self.dir = workdir
        self.dir.mkdir(parents=True, exist_ok=True)
        self.lease = PortLease.take()
        self.log = self.dir / self.log_name
        self.proc: subprocess.Popen[bytes] | None = None
        self._started = False

    @property
    def port(self) -> int:
        return self.lease.port

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def argv(self) -> list[str]:
        raise NotImplementedError

    def port_changed(self) -> None:
        """Rewrite whatever names the port (a self-scrape target) after a new lease."""

    def _relet(self) -> None:
        self.lease.release()
        self.lease = PortLease.take()
        self.port_changed()

    def _launch(self) -> None:
        offset = self.log.stat().st_size if self.log.exists() else 0
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(self.argv(), stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        try:
            wait_http(f"{self.url}{self.ready_path}", self.proc, self.log, port=self.port, log_offset=offset)
        except BaseException:
            self.stop()
            raise

    def start(self) -> LeasedServer:
        if not self.lease.held:
            raise RuntimeError("this server was closed; make a new one")
        if self._started:
            self._launch()          # a restart: the lease kept the port for us
        else:
            start_leased(self._launch, self._relet)
        self._started = True
        return self

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.proc = None

    def kill(self) -> None:
        """Die like a crashed server: SIGKILL, no goodbye."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self.proc = None

    def close(self) -> None:
        """Stop and give the port back."""
        try:
            self.stop()
        finally:
            self.lease.release()

    def __enter__(self):  # type: ignore[no-untyped-def]
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()


def backfill(openmetrics: str, tsdb: Path, work: Path) -> None:
    """Write series into ``tsdb`` as blocks with ``promtool tsdb create-blocks-from openmetrics``."""
    need(PROMTOOL, "prometheus")
    src = work / "backfill.om"
    src.write_text(openmetrics, encoding="utf-8")
    tsdb.mkdir(parents=True, exist_ok=True)
    res = subprocess.run([PROMTOOL, "tsdb", "create-blocks-from", "openmetrics", str(src), str(tsdb)],
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, f"promtool failed:\n{res.stdout}\n{res.stderr}"


class PromServer(LeasedServer):
    """A real Prometheus on 127.0.0.1; ``self_scrape`` makes it scrape itself every second."""

    log_name = "prometheus.log"

    def __init__(self, workdir: Path, *, self_scrape: bool = False, args: list[str] | None = None) -> None:
        need(PROMETHEUS, "prometheus")
        super().__init__(workdir)
        self.args = list(args or [])
        self.tsdb = self.dir / "tsdb"
        self.self_scrape = self_scrape
        self.config = self.dir / "prometheus.yml"
        self.port_changed()

    def port_changed(self) -> None:
        cfg = "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
        if self.self_scrape:
            cfg += ("scrape_configs:\n  - job_name: self\n    static_configs:\n"
                    f"      - targets: ['127.0.0.1:{self.port}']\n")
        if not self.config.exists() or self.self_scrape:   # a test's own config names no port of ours
            self.config.write_text(cfg, encoding="utf-8")

    def argv(self) -> list[str]:
        return [PROMETHEUS, f"--config.file={self.config}", f"--storage.tsdb.path={self.tsdb}",
                f"--web.listen-address=127.0.0.1:{self.port}", "--storage.tsdb.retention.time=30d",
                "--log.level=warn", *self.args]


class AlertmanagerServer(LeasedServer):
    """A real Alertmanager (no clustering) on 127.0.0.1."""

    log_name = "alertmanager.log"

    def __init__(self, workdir: Path) -> None:
        need(ALERTMANAGER, "prometheus-alertmanager")
        super().__init__(workdir)
        self.config = self.dir / "alertmanager.yml"
        self.config.write_text(
            "route:\n  receiver: blackhole\n  group_wait: 0s\nreceivers:\n  - name: blackhole\n",
            encoding="utf-8")

    def argv(self) -> list[str]:
        return [ALERTMANAGER, f"--config.file={self.config}", f"--storage.path={self.dir / 'data'}",
                f"--web.listen-address=127.0.0.1:{self.port}", "--cluster.listen-address=",
                "--log.level=warn"]


VICTORIA = shutil.which("victoria-metrics") or "/usr/bin/victoria-metrics"


class VictoriaMetricsServer(LeasedServer):
    """A real single-node VictoriaMetrics on 127.0.0.1 (a second backend speaking the Prometheus
    query API, with its own PromQL dialect and a 30 s latency offset by default)."""

    ready_path = "/health"
    log_name = "victoria-metrics.log"

    def __init__(self, workdir: Path) -> None:
        need(VICTORIA, "victoria-metrics")
        super().__init__(workdir)

    def argv(self) -> list[str]:
        return [VICTORIA, f"-storageDataPath={self.dir / 'data'}", f"-httpListenAddr=127.0.0.1:{self.port}",
                "-retentionPeriod=100y", "-search.disableCache", "-loggerLevel=ERROR"]

    def import_openmetrics(self, text: str) -> None:
        """Load OpenMetrics text (timestamps in seconds) through the Prometheus-text import API."""
        lines = []
        for line in text.splitlines():
            if not line or line.startswith("#"):
                continue
            head, ts = line.rsplit(" ", 1)
            lines.append(f"{head} {int(float(ts) * 1000)}")
        req = urllib.request.Request(f"{self.url}/api/v1/import/prometheus", data="\n".join(lines).encode(),
                                     method="POST")
        with urllib.request.urlopen(req, timeout=60) as resp:
            assert resp.status in (200, 204)
        with urllib.request.urlopen(f"{self.url}/internal/force_flush", timeout=60):
            pass
