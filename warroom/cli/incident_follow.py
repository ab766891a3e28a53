"""``warroom incident follow ID``: the incident's timeline as it happens, in a plain terminal.

For a shared incident it listens like a dashboard (NOTIFY wake-up, then a read by seq, a
catch-up read regardless), so every responder's event is printed within a second, and it says
when the store goes down and comes back; for a local incident it reads the journal file as it
grows. One line per event (UTC time, seq, who, what); ``--count N`` stops after N new events,
``--for SECONDS`` after that long (scripts, tests). Ctrl-C stops.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from typing import Any

from warroom.cli.common import out

POLL_LOCAL = 0.25   # seconds between reads of a local journal file


def register(add: Any) -> None:
    sp = add("follow", "print the incident's timeline as it happens (every responder's events; Ctrl-C"
                       " stops)", cmd_follow)
    sp.add_argument("id")
    sp.add_argument("--count", type=int, default=0, metavar="N", help="stop after N new timeline lines")
    sp.add_argument("--for", dest="duration", type=float, default=0.0, metavar="SECONDS",
                    help="stop after this many seconds")


def cmd_follow(args: argparse.Namespace) -> int:
    from warroom.cli.incident_args import _open
    from warroom.incident.live import LiveIncident

    inc = _open(args)
    state = inc.refresh()
    seen = state.last_seq
    where = f"the shared store {inc.journal.where}" if inc.shared else str(inc.journal.path)
    out(f"following {inc.id} ({state.title}) in {where} from #{seen}; Ctrl-C stops")
    sys.stdout.flush()
    wake = threading.Event()
    said: list[str] = []

    def on_change(reason: str) -> None:
        if reason in ("down", "up"):
            said.append(reason)
        wake.set()

    live = LiveIncident(inc)
    listening = live.watch(on_change)
    printed = 0
    end = time.monotonic() + args.duration if args.duration > 0 else None
    try:
        while True:
            timeout = 1.0 if listening else POLL_LOCAL   # a shared incident is woken by NOTIFY
            if end is not None:
                timeout = min(timeout, max(0.0, end - time.monotonic()))
            wake.wait(timeout)
            wake.clear()
            while said:
                what = said.pop(0)
                if what == "down":
                    status = live.store_status()
                    out(f"-- {status.down if status is not None and status.down else 'shared store down'}"
                        " (showing the last state; reconnecting)")
                else:
                    out("-- shared store back")
            state = inc.refresh()
            for entry in sorted((t for t in state.timeline if t.seq > seen), key=lambda t: t.seq):
                out(f"{entry.at.strftime('%H:%M:%S')}  #{entry.seq:<4} {entry.actor}  {entry.text}")
                printed += 1
            seen = max(seen, state.last_seq)
            sys.stdout.flush()
            if (args.count and printed >= args.count) or (end is not None and time.monotonic() >= end):
                return 0
    except KeyboardInterrupt:
        return 0
    finally:
        live.close()
