"""How the dashboard ends on SIGTERM or SIGHUP: like a quit, so the terminal is given back.

Left to Python's defaults, SIGTERM (``kill``, a service manager, a container stop) ends the
process on the spot and leaves the user's terminal in the alternate screen with mouse reporting
on, and SIGHUP (what a dropped SSH connection or a closed tmux pane sends) does the same without
Textual's shutdown. Here both ask the app to exit exactly as ``q`` would, minus the "a command is
running" question — nobody is there to answer it.

Nothing needs saving on the way out: every action was journaled and fsynced when it happened, and
a running step belongs to its supervisor (its own session, detached from this terminal), which
finishes it and journals its end; the next ``warroom`` reattaches to it. SIGINT needs nothing
here: Textual already turns it into a clean exit.

If the exit does not complete within ``grace`` seconds (say, stuck writing to a terminal that has
hung up), or a second signal arrives, the process ends at once with ``128 + signum``.
"""

from __future__ import annotations

import asyncio
import os
import signal
import threading
from typing import Any

HANDLED = (signal.SIGTERM, signal.SIGHUP)


def install(app: Any, grace: float = 3.0) -> None:
    """Route SIGTERM and SIGHUP to ``app.exit(128 + signum)``; call from inside the app's loop."""
    loop = asyncio.get_running_loop()
    seen: list[int] = []

    def on_signal(signum: int) -> None:
        code = 128 + signum
        if seen:
            os._exit(code)
        seen.append(signum)
        # Backstop: a daemon timer, so a clean exit that finishes first is never held up by it.
        timer = threading.Timer(grace, os._exit, args=(code,))
        timer.daemon = True
        timer.start()
        app.exit(code)

    for sig in HANDLED:
        loop.add_signal_handler(sig, on_signal, int(sig))
