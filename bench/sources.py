"""Live-sources benchmark: one refresh of five SLO panes vs one query, and dead-server detection.

    python -m bench.sources            # medians of 15 repeats (about 20 s)
    python -m bench.sources --quick    # 5 repeats, no library-default baseline
    python -m bench.sources --json     # raw measurements

Set-up: a real Prometheus (``/usr/bin/prometheus``) holding the drill's rate-limit scenario
(backfilled with ``promtool tsdb create-blocks-from openmetrics``), reached through a small HTTP
proxy that adds 50 ms to every request, as a remote server across a WAN would.

Figures (each the median of the repeats, with the range):

* refresh of the five default panes (an instant query and a range query each: ten requests)
  beside one instant query; the target is a ratio of at most 1.5, which only concurrent queries
  can meet (ten sequential 50 ms requests would be about 10x);
* the same five panes refreshed one after another, to show what the concurrency buys;
* time for a refresh to report a dead server (connection refused), beside
  ``prometheus-api-client`` with its default retry policy (measured once; skipped by --quick).
"""

from __future__ import annotations

import argparse
import http.client
import io
import json
import math
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from warroom.config import PrometheusConfig, default_slos
from warroom.sources.prometheus import PrometheusSource

DELAY = 0.050
TARGET_RATIO = 1.5


class DelayProxy:
    """HTTP/1.1 keep-alive proxy on 127.0.0.1 that waits ``delay`` before forwarding a request."""

    def __init__(self, upstream_port: int, delay: float = DELAY) -> None:
        local = threading.local()

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # else headers and body wait on delayed ACKs (~40 ms)

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                time.sleep(delay)
                conn = getattr(local, "conn", None)
                if conn is None:
                    conn = local.conn = http.client.HTTPConnection("127.0.0.1", upstream_port, timeout=30)
                try:
                    conn.request("GET", self.path, headers={"Accept": "application/json"})
                    resp = conn.getresponse()
                    body = resp.read()
                    status, ctype = resp.status, resp.getheader("Content-Type", "application/json")
                except (OSError, http.client.HTTPException) as exc:
                    local.conn = None
                    status, ctype, body = 502, "text/plain", f"proxy: upstream failed: {exc}".encode()
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)

    def __enter__(self) -> DelayProxy:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


class ProxyProcess:
    """The DelayProxy in its own process, so its threads never compete with the client's for the GIL."""

    def __init__(self, upstream_port: int, delay: float = DELAY) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bench.sources", "--serve-proxy", str(upstream_port), str(delay)],
            stdout=subprocess.PIPE, stdin=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().strip()
        if not line.startswith("http://"):
            self.close()
            raise SystemExit(f"proxy did not start: {line!r}")
        self.url = line

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()  # the proxy exits when its stdin closes
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)


def serve_proxy(upstream_port: int, delay: float) -> int:
    with DelayProxy(upstream_port, delay) as proxy:
        print(proxy.url, flush=True)
        sys.stdin.read()  # until the parent closes our stdin
    return 0


class Prometheus:
    """A real Prometheus backfilled with the drill's rate-limit scenario (ending ~10 min ago)."""

    def __init__(self, work: Path) -> None:
        prom = shutil.which("prometheus") or "/usr/bin/prometheus"
        promtool = shutil.which("promtool") or "/usr/bin/promtool"
        if not (Path(prom).exists() and Path(promtool).exists()):
            raise SystemExit("bench.sources needs prometheus and promtool (Debian package prometheus)")
        from tests.drill_backfill import write_openmetrics
        from tests.ports import PortLease

        self.base = math.floor((time.time() - 1800 - 600) / 15) * 15
        self.at = self.base + 1500.0
        buf = io.StringIO()
        write_openmetrics(buf, "rate-limit", base=self.base, start=-3900, end=1800, step=15)
        om = work / "series.om"
        om.write_text(buf.getvalue(), encoding="utf-8")
        tsdb = work / "tsdb"
        done = subprocess.run([promtool, "tsdb", "create-blocks-from", "openmetrics", str(om), str(tsdb)],
                              capture_output=True, text=True, timeout=300)
        if done.returncode != 0:
            raise SystemExit(f"promtool failed: {done.stderr.strip()}")
        cfg = work / "prometheus.yml"
        cfg.write_text("global:\n  scrape_interval: 15s\n", encoding="utf-8")
        self.lease = PortLease.take()     # tests/ports.py: no test running beside the bench is given it
        self.port = self.lease.port
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = open(work / "prometheus.log", "wb")
        self.proc = subprocess.Popen(
            [prom, f"--config.file={cfg}", f"--storage.tsdb.path={tsdb}",
             f"--web.listen-address=127.0.0.1:{self.port}", "--storage.tsdb.retention.time=30d",
             "--log.level=warn"],
            stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit("prometheus exited during start-up")
            try:
                with urllib.request.urlopen(f"{self.url}/-/ready", timeout=1) as r:
                    if r.status == 200 and self._ours():
                        return
            except OSError:
                pass
            time.sleep(0.05)
        raise SystemExit("prometheus not ready after 60 s")

    def _ours(self) -> bool:
        """The answer came from the Prometheus we started, not from whoever else holds the port."""
        from tests.ports import listens

        return listens(self.proc.pid, self.port)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.log.close()
        self.lease.release()


def _timed(fn: Any) -> tuple[float, Any]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def measure(quick: bool = False) -> dict[str, Any]:
    repeat = 5 if quick else 15
    slos = default_slos()
    m: dict[str, Any] = {"repeat": repeat, "delay_ms": DELAY * 1000, "panes": len(slos),
                         "one_query_s": [], "five_panes_s": [], "five_values_s": [], "sequential_s": [], "dead_s": []}
    with tempfile.TemporaryDirectory(prefix="warroom-bench-sources-") as tmp:
        prom = Prometheus(Path(tmp))
        try:
            proxy = ProxyProcess(prom.port)
            try:
                src = PrometheusSource(PrometheusConfig(url=proxy.url, timeout=5.0, window=1800.0))
                # The same five instant queries a refresh sends while the sparklines are current
                # (measured with `at`, which always re-queries sparklines, so window=0 here).
                values_only = PrometheusSource(PrometheusConfig(url=proxy.url, timeout=5.0, window=0.0))
                try:
                    values_only.fetch(slos, at=prom.at)
                    at = prom.at
                    warm = src.fetch(slos, at=at)  # connections up, TSDB blocks paged in
                    errors = [s.error for s in warm if s.error]
                    if errors:
                        raise SystemExit(f"refresh failed: {errors[0]}")
                    m["values"] = {s.slo_id: s.value for s in warm}
                    for _ in range(repeat):
                        dt, one = _timed(lambda: src.instant(slos[0].query, at=at))
                        assert one.error is None, one.error
                        m["one_query_s"].append(dt)
                        # A full refresh: values and sparklines (every `step`, and the first one).
                        dt, five = _timed(lambda: src.fetch(slos, at=at))
                        assert all(s.error is None for s in five)
                        m["five_panes_s"].append(dt)
                        # The refreshes in between: sparklines still current, values only.
                        dt, live = _timed(lambda: values_only.fetch(slos, at=at))
                        assert all(s.error is None for s in live)
                        m["five_values_s"].append(dt)
                        dt, _ = _timed(lambda: [src.fetch([s], at=at) for s in slos])
                        m["sequential_s"].append(dt)
                finally:
                    src.close()
                    values_only.close()
            finally:
                proxy.close()
        finally:
            prom.stop()
        # The server is gone now: its port refuses connections, like a crashed Prometheus.
        dead = PrometheusSource(PrometheusConfig(url=prom.url, timeout=2.0))
        try:
            for _ in range(repeat):
                dt, samples = _timed(lambda: dead.fetch(slos))
                assert all(s.error for s in samples)
                m["dead_s"].append(dt)
            m["dead_error"] = samples[0].error
        finally:
            dead.close()
        if not quick:
            from prometheus_api_client.prometheus_connect import PrometheusConnect

            client = PrometheusConnect(url=prom.url)  # the library's defaults: 3 retries, back-off 1
            t0 = time.perf_counter()
            try:
                client.custom_query(slos[0].query)
            except Exception as exc:  # noqa: BLE001 - we only time how long failing takes
                m["library_default_error"] = type(exc).__name__
            m["library_default_dead_s"] = [time.perf_counter() - t0]
            client.close()
    return m


def _med(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def figures(quick: bool = False) -> list[dict[str, Any]]:
    """Rows for ``python -m bench``'s table."""
    m = measure(quick)
    note = f"{m['panes']} panes = {2 * m['panes']} requests, +{m['delay_ms']:.0f} ms each, x{m['repeat']}"
    return [
        {"name": "sources: refresh 5 panes", "unit": "s", "value": _med(m["five_panes_s"]),
         "baseline": _med(m["one_query_s"]), "baseline_name": "one instant query",
         "target": f"<= {TARGET_RATIO}", "note": note},
        {"name": "sources: refresh 5 panes (values)", "unit": "s", "value": _med(m["five_values_s"]),
         "baseline": _med(m["one_query_s"]), "baseline_name": "one instant query",
         "target": f"<= {TARGET_RATIO}", "note": "refreshes between sparkline steps: 5 requests"},
        {"name": "sources: 5 panes one by one", "unit": "s", "value": _med(m["sequential_s"]),
         "baseline": _med(m["one_query_s"]), "baseline_name": "one instant query",
         "note": "what the concurrency saves"},
        {"name": "sources: detect dead server", "unit": "s", "value": _med(m["dead_s"]),
         "baseline": _med(m.get("library_default_dead_s", [])),
         "baseline_name": "library default retries" if not quick else "",
         "note": m.get("dead_error", "")},
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.sources", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="5 repeats, no library-default baseline")
    parser.add_argument("--json", action="store_true", help="print the raw measurements as JSON")
    parser.add_argument("--serve-proxy", nargs=2, metavar=("UPSTREAM_PORT", "DELAY"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_proxy:
        return serve_proxy(int(args.serve_proxy[0]), float(args.serve_proxy[1]))
    m = measure(args.quick)
    if args.json:
        print(json.dumps(m, indent=2))
        return 0

    def rng(values: list[float]) -> str:
        return f"median {_med(values) * 1000:.1f} ms (range {min(values) * 1000:.1f}-{max(values) * 1000:.1f})"

    one, five = _med(m["one_query_s"]), _med(m["five_panes_s"])
    ratio = five / one if one else math.inf
    print(f"Prometheus behind a proxy adding {m['delay_ms']:.0f} ms per request; {m['repeat']} repeats")
    print(f"  one instant query            {rng(m['one_query_s'])}")
    print(f"  refresh, {m['panes']} panes concurrently {rng(m['five_panes_s'])}")
    print(f"  refresh, values only (sparklines current) {rng(m['five_values_s'])}")
    print(f"  refresh, panes one by one    {rng(m['sequential_s'])}")
    verdict = "met" if ratio <= TARGET_RATIO else "MISSED"
    print(f"  ratio 5 panes / one query    {ratio:.2f}x (target <= {TARGET_RATIO}x: {verdict})")
    print(f"  detect dead server           {rng(m['dead_s'])}  [{m.get('dead_error')}]")
    if "library_default_dead_s" in m:
        print(f"  same, library default retries {m['library_default_dead_s'][0]:.2f} s"
              f" ({m.get('library_default_error', 'no error?')})")
    return 0 if ratio <= TARGET_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())
