"""What the dashboard shows for each way a source fails, and how long it takes to show it.

    python -m bench.source_failures [--timeout 2] [--json]

For each failure kind (down, refused, slow, trickle, 401, garbage) one local server on 127.0.0.1
plays it, both as Prometheus (the SLO panes, the header) and as Alertmanager (the alerts line).
The real dashboard runs headless (Textual's Pilot, 160x40) from cold; the figure is the time from
the app's start until the first pane, the header and the alerts line all show the failure.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.integration.sources_http import FakeHTTP, Reply
from tests.integration.sources_trickle import TrickleProxy


@contextmanager
def _down() -> Iterator[str]:
    """A host that never answers the connection: a listening socket whose backlog is full."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(0)
    port = srv.getsockname()[1]
    fill = []
    for _ in range(4):
        c = socket.socket()
        c.setblocking(False)
        try:
            c.connect(("127.0.0.1", port))
        except BlockingIOError:
            pass
        fill.append(c)
    time.sleep(0.2)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        for c in fill:
            c.close()
        srv.close()


@contextmanager
def _refused() -> Iterator[str]:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    yield f"http://127.0.0.1:{port}"


@contextmanager
def _fake(reply: Reply) -> Iterator[str]:
    with FakeHTTP(lambda req: reply) as fake:
        yield fake.url


@contextmanager
def _trickle() -> Iterator[str]:
    with TrickleProxy(None, interval=0.5, duration=60.0) as proxy:
        yield proxy.url


KINDS: dict[str, Callable[[], Any]] = {
    "down": _down,
    "refused": _refused,
    "slow": lambda: _fake(Reply(200, {"status": "success", "data": {"result": []}}, delay=60.0)),
    "trickle": _trickle,
    "401": lambda: _fake(Reply(401, "Unauthorized\n")),
    "garbage": lambda: _fake(Reply(200, "<html><body>Please log in</body></html>")),
}


async def _measure(url: str, timeout: float, state_dir: Path) -> dict[str, Any]:
    from panes.header import IncidentHeader
    from panes.slo import SloPane
    from panes.sources import SourcesPane
    from tui.app import WarroomApp
    from tui.launch import dashboard_context
    from warroom.config import Config

    cfg = Config()
    cfg.incident.state_dir = str(state_dir)
    cfg.prometheus.url = url
    cfg.prometheus.timeout = timeout
    cfg.alerts.alertmanager_url = url
    cfg.alerts.timeout = timeout
    cfg.kubernetes.enabled = False
    cfg.providers = []
    ctx = dashboard_context(cfg)
    ctx.offer_resume = False
    app = WarroomApp(ctx)
    t0 = time.monotonic()
    out: dict[str, Any] = {}
    async with app.run_test(size=(160, 40)) as pilot:
        first = cfg.slo[0].id
        while time.monotonic() - t0 < 60:
            await pilot.pause(0.05)
            try:
                pane = app.dashboard.query_one(f"#slo-{first}", SloPane)
                header = app.dashboard.query_one(IncidentHeader)
                sources = app.dashboard.query_one(SourcesPane)
            except Exception:  # noqa: BLE001 - not mounted yet
                continue
            value = str(pane.part(".slo-value").render())
            detail = " ".join(str(pane.part(s).render()) for s in (".slo-limits", ".slo-spark"))
            clocks = str(header.query_one(".hdr-clocks").render())
            alerts = str(sources.render())
            if "pane" not in out and "waiting" not in value and value.strip() not in ("—", ""):
                out["pane"] = (time.monotonic() - t0, f"{value} | {detail}")
            if "header" not in out and "waiting" not in clocks and "ok" not in clocks.split("alerts")[0]:
                out["header"] = (time.monotonic() - t0, clocks)
            if "alerts" not in out and "waiting" not in alerts:
                out["alerts"] = (time.monotonic() - t0, alerts)
            if len(out) == 3:
                break
    return out


def _status_exit(url: str, timeout: float, tmp: Path) -> tuple[float, int, str]:
    """``warroom status --json`` against the server: seconds until the process has EXITED."""
    import subprocess

    cfg = tmp / "status.toml"
    cfg.write_text(f'[prometheus]\nurl = "{url}"\ntimeout = "{timeout:g}s"\n', encoding="utf-8")
    t0 = time.monotonic()
    res = subprocess.run([sys.executable, "-m", "tui", "--config", str(cfg), "status", "--json"],
                         capture_output=True, text=True, timeout=300)
    took = time.monotonic() - t0
    try:
        first = json.loads(res.stdout)["panes"][0]
        shown = f"{first['state']} ({first['error_kind']}): {first['error']}"
    except (ValueError, KeyError, IndexError):
        shown = (res.stdout + res.stderr)[-200:]
    return took, res.returncode, shown


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.source_failures")
    p.add_argument("--timeout", type=float, default=2.0)
    p.add_argument("--json", action="store_true")
    p.add_argument("--only", default="")
    args = p.parse_args(argv)
    rows: dict[str, Any] = {}
    for kind, make in KINDS.items():
        if args.only and kind not in args.only.split(","):
            continue
        with make() as url, tempfile.TemporaryDirectory() as tmp:
            got = asyncio.run(_measure(url, args.timeout, Path(tmp)))
            took, code, shown = _status_exit(url, args.timeout, Path(tmp))
        got["status"] = (took, f"exit {code}; {shown}")
        rows[kind] = {k: {"seconds": round(v[0], 2), "shows": v[1].strip()} for k, v in got.items()}
        if not args.json:
            print(f"== {kind} (timeout {args.timeout:g}s)")
            for where, v in rows[kind].items():
                print(f"  {where:7} after {v['seconds']:5.2f}s: {v['shows'][:150]}")
        sys.stdout.flush()
    if args.json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
    print(f"threads still alive: {threading.active_count()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
