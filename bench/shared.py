"""Shared store benchmark on a real PostgreSQL (started here like the tests do: initdb + pg_ctl,
a free 127.0.0.1 port, an unprivileged user when root).

    python -m bench.shared            # 60 fan-out events, 300 appends per store
    python -m bench.shared --quick    # fewer

Figures:

* **fan-out latency to 10 subscribed clients**: one writer appends a note; each of 10 clients
  (its own connection, its own LISTEN connection: a ``Listener`` as a dashboard has) is woken by
  NOTIFY and reads by seq; latency = from just before the writer's append to the moment the
  client holds the event. p50 / p95 over every (event, client) pair. Target p95 <= 250 ms;
* **append throughput**: ``SharedJournal.append`` (one transaction each: lock, last row, insert,
  trigger checks) beside ``Journal.append`` (the file journal: flock, write, fsync) in the same
  run, same process;
* **time to show "down"**: from ``pg_ctl stop -m fast`` being issued to every listener having
  said "down" (what turns the header to SHARED STORE DOWN), and how long pg_ctl itself took;
* **time to recover**: from ``pg_ctl start`` returning (the server accepts connections) until
  every listener is back and a refresh reads the store again, with no restart of anything.

The server runs with fsync off (a test server): the append figure is the protocol and trigger
cost, not the disk's. The file journal's appends fsync (its promise).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

CLIENTS = 10
TARGET_P95 = 0.250


def _pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    k = max(0, min(len(s) - 1, int(round(p / 100 * (len(s) - 1)))))
    return s[k]


def measure(quick: bool = False) -> dict[str, Any]:
    from tests.pgserver import PgServer, pg_bindir
    from warroom.config import Config
    from warroom.incident.store import IncidentStore
    from warroom.journal.log import Journal
    from warroom.shared.db import SharedDB
    from warroom.shared.dsn import make_dsn
    from warroom.shared.journal import SharedJournal
    from warroom.shared.listen import Listener
    from warroom.shared.schema import migrate
    from warroom.shared.store import SharedStore

    if pg_bindir() is None:
        return {"skipped": "PostgreSQL binaries not found (apt-get install postgresql)"}
    events = 20 if quick else 60
    appends = 100 if quick else 300
    srv = PgServer()
    tmp = Path(tempfile.mkdtemp(prefix="warroom-bench-shared-"))
    out: dict[str, Any] = {"clients": CLIENTS, "events": events, "appends": appends}
    listeners: list[Any] = []
    try:
        srv.init()
        srv.start()
        dsn_text = srv.dsn(srv.new_database())
        with SharedDB(make_dsn(dsn_text)).session() as conn:
            migrate(conn)
        cfg = Config()
        cfg.incident.state_dir = str(tmp / "writer")
        cfg.shared.override = dsn_text
        writer = IncidentStore.from_config(cfg).create(title="Fan-out bench", severity="P3")
        inc_id = writer.id

        # ---- fan-out ---------------------------------------------------------------------------
        sent: dict[str, float] = {}
        seen: list[float] = []
        lock = threading.Lock()
        clients = []
        for n in range(CLIENTS):
            store = SharedStore(make_dsn(dsn_text))
            journal = SharedJournal(store, inc_id, tmp / f"client-{n}" / inc_id, f"client{n}@bench")
            follower = journal.follower()
            follower.poll()
            gate = threading.Lock()

            def on_change(reason: str, follower: Any = follower, gate: Any = gate) -> None:
                if reason not in ("events", "up", "catch_up"):
                    return
                with gate:
                    new = follower.poll()
                now = time.perf_counter()
                with lock:
                    for e in new:
                        mark = e.data.get("text", "")
                        if mark in sent:
                            seen.append(now - sent[mark])

            listener = Listener(journal, on_change, catch_up=30.0, presence_every=30.0)
            listener.start()
            listeners.append(listener)
            clients.append((journal, follower))
        deadline = time.monotonic() + 30
        while any(lst.present == () for lst in listeners) and time.monotonic() < deadline:
            time.sleep(0.05)
        for i in range(events):
            mark = f"fanout-{i}"
            with lock:
                sent[mark] = time.perf_counter()
            writer.append("note.added", {"tag": "info", "text": mark})
            time.sleep(0.05)
        deadline = time.monotonic() + 30
        while len(seen) < events * CLIENTS and time.monotonic() < deadline:
            time.sleep(0.05)
        out["fanout_received"] = len(seen)
        out["fanout_expected"] = events * CLIENTS
        out["fanout_p50_s"] = _pct(seen, 50)
        out["fanout_p95_s"] = _pct(seen, 95)
        out["fanout_max_s"] = max(seen) if seen else float("nan")

        # ---- append throughput -------------------------------------------------------------------
        j = writer.journal
        t0 = time.perf_counter()
        for i in range(appends):
            j.append("note.added", {"tag": "info", "text": f"bench {i}"})
        shared_s = time.perf_counter() - t0
        fj = Journal(tmp / "file" / "journal.jsonl", actor="bench@host")
        fj.path.parent.mkdir(parents=True)
        t0 = time.perf_counter()
        for i in range(appends):
            fj.append("note.added", {"tag": "info", "text": f"bench {i}"})
        file_s = time.perf_counter() - t0
        out["shared_appends_per_s"] = appends / shared_s
        out["file_appends_per_s"] = appends / file_s

        # ---- down and back -------------------------------------------------------------------------
        down_at: dict[int, float] = {}
        up_at: dict[int, float] = {}
        watchers = []
        for n in range(3):
            def on_change(reason: str, n: int = n) -> None:
                now = time.perf_counter()
                if reason == "down":
                    down_at.setdefault(n, now)
                elif reason == "up":
                    up_at.setdefault(n, now)
            journal = SharedJournal(SharedStore(make_dsn(dsn_text)), inc_id, tmp / f"w{n}" / inc_id, f"w{n}@bench")
            w = Listener(journal, on_change, catch_up=30.0, presence_every=30.0)
            w.start()
            watchers.append(w)
        deadline = time.monotonic() + 30
        while any(w.present == () for w in watchers) and time.monotonic() < deadline:
            time.sleep(0.05)
        t_stop = time.perf_counter()
        srv.stop("fast")
        stop_took = time.perf_counter() - t_stop
        deadline = time.monotonic() + 30
        while len(down_at) < len(watchers) and time.monotonic() < deadline:
            time.sleep(0.01)
        out["pg_ctl_stop_s"] = stop_took
        out["down_shown_s"] = max(down_at.values()) - t_stop if len(down_at) == len(watchers) else None
        srv.start()
        t_up = time.perf_counter()
        deadline = time.monotonic() + 60
        while len(up_at) < len(watchers) and time.monotonic() < deadline:
            time.sleep(0.01)
        while time.monotonic() < deadline:
            writer.refresh()
            if writer.store_problem() is None:
                break
            time.sleep(0.05)
        out["recovered_s"] = time.perf_counter() - t_up if len(up_at) == len(watchers) else None
        out["recovered_listeners_s"] = max(up_at.values()) - t_up if len(up_at) == len(watchers) else None
        listeners.extend(watchers)
    finally:
        for lst in listeners:
            lst.stop(2.0)
        srv.cleanup()
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)
    return out


def figures(quick: bool = False) -> list[dict[str, Any]]:
    """Rows for ``python -m bench``'s table."""
    m = measure(quick)
    if "skipped" in m:
        return [{"name": "shared store", "unit": "", "value": None, "baseline": None, "note": m["skipped"]}]
    met = "met" if m["fanout_p95_s"] <= TARGET_P95 else "MISSED"
    return [
        {"name": f"shared fan-out p50 ({m['clients']} clients)", "unit": "ms", "value": m["fanout_p50_s"] * 1e3,
         "baseline": None, "note": f"{m['fanout_received']}/{m['fanout_expected']} deliveries"},
        {"name": f"shared fan-out p95 ({m['clients']} clients)", "unit": "ms", "value": m["fanout_p95_s"] * 1e3,
         "baseline": None, "target": "<= 250", "note": f"target p95 <= 250 ms: {met}"},
        {"name": "shared appends/s", "unit": "/s", "value": m["shared_appends_per_s"],
         "baseline": m["file_appends_per_s"], "baseline_name": "file journal (fsync)",
         "note": f"{m['appends']} appends each"},
        {"name": "shared store: down shown after stop", "unit": "s", "value": m["down_shown_s"], "baseline": None,
         "note": f"pg_ctl stop itself took {m['pg_ctl_stop_s']:.2f} s"},
        {"name": "shared store: recovered after start", "unit": "s", "value": m["recovered_s"], "baseline": None,
         "note": "listeners back and a refresh reads the store"},
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.shared", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    m = measure(args.quick)
    if args.json or "skipped" in m:
        print(json.dumps(m, indent=2))
        return 0
    print(f"shared store benchmark: {m['clients']} clients, {m['events']} events, {m['appends']} appends,"
          f" Python {sys.version.split()[0]}")
    print(f"  fan-out latency p50 / p95 / max:   {m['fanout_p50_s'] * 1e3:.1f} / {m['fanout_p95_s'] * 1e3:.1f}"
          f" / {m['fanout_max_s'] * 1e3:.1f} ms  ({m['fanout_received']}/{m['fanout_expected']} deliveries)"
          f"  -> target p95 <= 250 ms: {'met' if m['fanout_p95_s'] <= TARGET_P95 else 'MISSED'}")
    print(f"  appends/s shared store:            {m['shared_appends_per_s']:.0f}")
    print(f"  appends/s file journal (fsync):    {m['file_appends_per_s']:.0f}  (same run)")
    down = m["down_shown_s"]
    print(f"  'down' shown after pg_ctl stop:    {down:.3f} s" if down is not None else "  'down' not shown!")
    print(f"  (pg_ctl stop -m fast itself took   {m['pg_ctl_stop_s']:.3f} s)")
    rec = m["recovered_s"]
    print(f"  recovered after pg_ctl start:      {rec:.3f} s (listeners: {m['recovered_listeners_s']:.3f} s)"
          if rec is not None else "  did not recover!")
    return 0 if m["fanout_p95_s"] <= TARGET_P95 and down is not None and rec is not None else 1


if __name__ == "__main__":
    sys.exit(main())
