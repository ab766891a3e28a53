"""Real servers for the live-sources tests: Prometheus (with promtool backfill) and Alertmanager.

Every server is started on a free 127.0.0.1 port with its own data dir under the test's tmp dir,
waited for by polling its readiness endpoint (bounded), and stopped by the test that started it.
"""

from __future__ import annotations

import shutil
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import free_port

PROMETHEUS = shutil.which("prometheus") or "/usr/bin/prometheus"
PROMTOOL = shutil.which("promtool") or "/usr/bin/promtool"
ALERTMANAGER = shutil.which("prometheus-alertmanager") or "/usr/bin/prometheus-alertmanager"


def need(binary: str, package: str) -> None:
    if not Path(binary).exists():
        pytest.skip(f"{binary} not installed (Debian package {package}; .ci/run installs it)")


def wait_http(url: str, proc: subprocess.Popen[bytes], log: Path, timeout: float = 30.0) -> None:
    """Poll ``url`` until it answers 200; fail with the server's log if it dies or never does."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"server exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=1) as resp:
                if resp.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.05)
    raise AssertionError(f"{url} not ready after {timeout}s:\n{log.read_text()[-3000:]}")


def backfill(openmetrics: str, tsdb: Path, work: Path) -> None:
    """Write series into ``tsdb`` as blocks with ``promtool tsdb create-blocks-from openmetrics``."""
    need(PROMTOOL, "prometheus")
    src = work / "backfill.om"
    src.write_text(openmetrics, encoding="utf-8")
    tsdb.mkdir(parents=True, exist_ok=True)
    res = subprocess.run([PROMTOOL, "tsdb", "create-blocks-from", "openmetrics", str(src), str(tsdb)],
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, f"promtool failed:\n{res.stdout}\n{res.stderr}"


class PromServer:
    """A real Prometheus on 127.0.0.1; ``self_scrape`` makes it scrape itself every second."""

    def __init__(self, workdir: Path, *, self_scrape: bool = False, port: int | None = None,
                 args: list[str] | None = None) -> None:
        need(PROMETHEUS, "prometheus")
        self.args = list(args or [])
        self.dir = workdir
        self.dir.mkdir(parents=True, exist_ok=True)
        self.tsdb = self.dir / "tsdb"
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = self.dir / "prometheus.log"
        cfg = "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
        if self_scrape:
            cfg += ("scrape_configs:\n  - job_name: self\n    static_configs:\n"
                    f"      - targets: ['127.0.0.1:{self.port}']\n")
        self.config = self.dir / "prometheus.yml"
        self.config.write_text(cfg, encoding="utf-8")
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> PromServer:
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                [PROMETHEUS, f"--config.file={self.config}", f"--storage.tsdb.path={self.tsdb}",
                 f"--web.listen-address=127.0.0.1:{self.port}", "--storage.tsdb.retention.time=30d",
                 "--log.level=warn", *self.args],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            )
        wait_http(f"{self.url}/-/ready", self.proc, self.log)
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

    def __enter__(self) -> PromServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class AlertmanagerServer:
    """A real Alertmanager (no clustering) on 127.0.0.1."""

    def __init__(self, workdir: Path) -> None:
        need(ALERTMANAGER, "prometheus-alertmanager")
        self.dir = workdir
        self.dir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = self.dir / "alertmanager.log"
        self.config = self.dir / "alertmanager.yml"
        self.config.write_text(
            "route:\n  receiver: blackhole\n  group_wait: 0s\nreceivers:\n  - name: blackhole\n",
            encoding="utf-8")
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> AlertmanagerServer:
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                [ALERTMANAGER, f"--config.file={self.config}", f"--storage.path={self.dir / 'data'}",
                 f"--web.listen-address=127.0.0.1:{self.port}", "--cluster.listen-address=",
                 "--log.level=warn"],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            )
        wait_http(f"{self.url}/-/ready", self.proc, self.log)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


VICTORIA = shutil.which("victoria-metrics") or "/usr/bin/victoria-metrics"


class VictoriaMetricsServer:
    """A real single-node VictoriaMetrics on 127.0.0.1 (a second backend speaking the Prometheus
    query API, with its own PromQL dialect and a 30 s latency offset by default)."""

    def __init__(self, workdir: Path) -> None:
        need(VICTORIA, "victoria-metrics")
        self.dir = workdir
        self.dir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = self.dir / "victoria-metrics.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> VictoriaMetricsServer:
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                [VICTORIA, f"-storageDataPath={self.dir / 'data'}", f"-httpListenAddr=127.0.0.1:{self.port}",
                 "-retentionPeriod=100y", "-search.disableCache", "-loggerLevel=ERROR"],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            )
        wait_http(f"{self.url}/health", self.proc, self.log)
        return self

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

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
