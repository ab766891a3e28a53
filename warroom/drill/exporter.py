"""A live ``/metrics`` endpoint serving a drill scenario, for tests with a real Prometheus.

``MetricsExporter`` runs the standard library's HTTP server in a background thread on
127.0.0.1 (port 0 picks a free one) and answers each scrape with the simulator's counters and
gauges at that moment: OpenMetrics when the scraper asks for it (Prometheus does), the classic
text format otherwise. It follows either a drill on disk (its clock and the actions stand-ins
record) or a scenario run in memory, where ``record()`` plays the responder.

At ``speed`` > 1 the counters grow that much faster per wall second; ratios (failure rate, 5xx
share, quantiles) are unaffected, but windows in a real Prometheus are wall windows, so they
span ``speed`` times more drill time than the simulator's own panes. For exact value comparisons
use the OpenMetrics backfill (``warroom.drill.openmetrics``) instead.
"""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from warroom.drill.actions import Action
from warroom.drill.openmetrics import CONTENT_TYPE, TEXT_CONTENT_TYPE, exposition
from warroom.drill.promql import Catalog
from warroom.drill.scenarios import Scenario, get_scenario
from warroom.drill.directory import Drill
from warroom.drill.simulator import Simulator


class MetricsExporter:
    """Serve a scenario's metrics on ``http://127.0.0.1:PORT/metrics``; ``start()``/``stop()``."""

    def __init__(self, scenario: Scenario | str | None = None, *, drill: Drill | None = None,
                 speed: float = 1.0, start: float | None = None, host: str = "127.0.0.1", port: int = 0) -> None:
        if (scenario is None) == (drill is None):
            raise ValueError("give either a scenario or a drill")
        self.drill = drill
        self.host = host
        self.port = port
        self._actions: list[Action] = []
        self._lock = threading.Lock()
        if drill is not None:
            self.scenario = drill.scenario
            self.speed = drill.speed
            self.start_time = drill.start
            self.simulator = drill.simulator
        else:
            self.scenario = get_scenario(scenario) if isinstance(scenario, str) else scenario  # type: ignore[arg-type]
            if not speed > 0:
                raise ValueError("speed must be positive")
            self.speed = float(speed)
            self.start_time = time.time() if start is None else float(start)
            self.simulator = Simulator(self.scenario, self._snapshot, self.wall_time)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.scrapes = 0

    # ------------------------------------------------------------------ clock and actions

    def scenario_time(self, at: float | None = None) -> float:
        at = time.time() if at is None else at
        return (at - self.start_time) * self.speed

    def wall_time(self, t: float) -> float:
        return self.start_time + t / self.speed

    def _snapshot(self) -> list[Action]:
        with self._lock:
            return list(self._actions)

    def record(self, action: str, at: float | None = None) -> Action:
        """Take a canonical action now (in-memory scenarios; a drill records through its stand-ins)."""
        at = time.time() if at is None else at
        a = Action(action, self.scenario_time(at), at, "exporter")
        if self.drill is not None:
            return self.drill.record(action, tool="exporter", at=at)
        with self._lock:
            self._actions.append(a)
        return a

    def body(self, at: float | None = None, *, openmetrics: bool = True) -> str:
        sim = self.simulator
        with sim._lock:  # noqa: SLF001 - scrapes come on several threads; a Series is not thread-safe
            series = sim.refresh()
            return exposition(Catalog(series, self.wall_time), self.scenario_time(at), openmetrics=openmetrics)

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

    def __enter__(self) -> MetricsExporter:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> int:
    """``python -m warroom.drill.exporter SCENARIO --port 9102``: serve until interrupted."""
    import argparse

    from warroom.drill.scenarios import SCENARIOS

    p = argparse.ArgumentParser(prog="python -m warroom.drill.exporter",
                                description="Serve a drill scenario's FlowEngine metrics on /metrics.")
    p.add_argument("scenario", choices=sorted(SCENARIOS))
    p.add_argument("--port", type=int, default=9102)
    p.add_argument("--speed", type=float, default=1.0)
    args = p.parse_args(argv)
    exp = MetricsExporter(args.scenario, speed=args.speed, port=args.port)
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
