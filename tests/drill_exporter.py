"""A live ``/metrics`` endpoint serving a drill scenario, for tests with a real Prometheus.

Test infrastructure, kept with the tests (nothing in warroom serves it): a real Prometheus
scraping a live target is how the staleness and scrape tests see what production would.

``MetricsExporter`` runs the standard library's HTTP server in a background thread on
127.0.0.1 (port 0 picks a free one) and answers each scrape with the simulator's counters and
gauges at that moment: OpenMetrics when the scraper asks for it (Prometheus does), the classic
text format otherwise. It follows a drill on disk (its clock and the actions stand-ins record),
or runs a scenario in a drill of its own, where ``record()`` plays the responder.

At ``speed`` > 1 the counters grow that much faster per wall second; ratios (failure rate, 5xx
share, quantiles) are unaffected, but windows in a real Prometheus are wall windows, so they
span ``speed`` times more drill time than the simulator's own panes. For exact value comparisons
use the OpenMetrics backfill (``tests/drill_openmetrics.py``) instead.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from warroom.drill.actions import Action
from warroom.drill.directory import Drill, create_drill
from tests.drill_openmetrics import CONTENT_TYPE, TEXT_CONTENT_TYPE, exposition
from warroom.drill.promql import Catalog


class MetricsExporter:
    """Serve a drill's metrics on ``http://127.0.0.1:PORT/metrics``; ``start()``/``stop()``.

    Give a ``drill`` to follow one on disk, or a ``scenario`` name: it is then run in a drill
    directory of its own (removed at ``stop``), so there is one clock and one action record.
    """

    def __init__(self, scenario: str | None = None, *, drill: Drill | None = None, speed: float = 1.0,
                 start: float | None = None, host: str = "127.0.0.1", port: int = 0) -> None:
        if (scenario is None) == (drill is None):
            raise ValueError("give either a scenario or a drill")
        self._own: Path | None = None
        if drill is None:
            self._own = Path(tempfile.mkdtemp(prefix="warroom-exporter-"))
            drill = create_drill(self._own, str(scenario), speed, start=start)
        self.drill = drill
        self.scenario, self.speed, self.simulator = drill.scenario, drill.speed, drill.simulator
        self.scenario_time, self.wall_time = drill.scenario_time, drill.wall_time
        self.host, self.port = host, port
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.scrapes = 0

    def record(self, action: str, at: float | None = None) -> Action:
        """Take a canonical action at unix time ``at`` (default: now), as a stand-in would."""
        return self.drill.record(action, tool="exporter", at=at)

    def body(self, at: float | None = None, *, openmetrics: bool = True) -> str:
        sim = self.simulator
        with sim._lock:  # noqa: SLF001 - scrapes come on several threads; a Series is not thread-safe
            return exposition(Catalog(sim.refresh(), self.wall_time), self.scenario_time(at), openmetrics=openmetrics)

    # ------------------------------------------------------------------ server

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> str:
        """Bind and serve in a daemon thread; returns the base URL."""
        if self._server is not None:
            return self.url
        exporter = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server naming)
                path = self.path.split("?", 1)[0]
                if path == "/metrics":
                    om = "application/openmetrics-text" in (self.headers.get("Accept") or "")
                    body = exporter.body(openmetrics=om).encode()
                    exporter.scrapes += 1
                    self._reply(200, CONTENT_TYPE if om else TEXT_CONTENT_TYPE, body)
                elif path in ("/-/healthy", "/-/ready"):
                    self._reply(200, "text/plain; charset=utf-8", b"OK\n")
                elif path == "/":
                    page = (f"<html><body><h1>warroom drill exporter</h1><p>scenario {exporter.scenario.name}, "
                            f"speed {exporter.speed:g}</p><a href='/metrics'>/metrics</a></body></html>\n")
                    self._reply(200, "text/html; charset=utf-8", page.encode())
                else:
                    self._reply(404, "text/plain; charset=utf-8", b"404 page not found\n")

            def _reply(self, status: int, ctype: str, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (http.server API)
                return None

        server = ThreadingHTTPServer((self.host, self.port), Handler)
        server.daemon_threads = True
        self._server = server
        self.port = int(server.server_address[1])
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2},
                                        name=f"drill-exporter-{self.port}", daemon=True)
        self._thread.start()
        return self.url

    def stop(self) -> None:
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join(timeout=10)
        if self._own is not None:
            shutil.rmtree(self._own, ignore_errors=True)
            self._own = None

    def __enter__(self) -> MetricsExporter:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> int:
    """``python -m tests.drill_exporter SCENARIO --port 9102``: serve until interrupted."""
    import argparse

    from warroom.drill.scenarios import list_scenarios

    p = argparse.ArgumentParser(prog="python -m tests.drill_exporter",
                                description="Serve a drill scenario's FlowEngine metrics on /metrics.")
    p.add_argument("scenario", choices=[s.name for s in list_scenarios()])
    p.add_argument("--port", type=int, default=9102)
    p.add_argument("--speed", type=float, default=1.0)
    args = p.parse_args(argv)
    exp = MetricsExporter(args.scenario, speed=args.speed, port=args.port)
    exp.body()      # the world integrated before the port is said: a first scrape answers inside its 1 s timeout
    print(f"serving {args.scenario} at {exp.start()}/metrics (speed {args.speed:g}); Ctrl-C stops", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        return 0
    finally:
        exp.stop()


if __name__ == "__main__":
    raise SystemExit(main())
