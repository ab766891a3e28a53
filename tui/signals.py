"""How the dashboard ends when its terminal goes away, or on SIGTERM: like a quit.

Left to Python's defaults, SIGTERM (``kill``, a service manager, a container stop) ends the
process on the spot and leaves the user's terminal in the alternate screen with mouse reporting
on, and SIGHUP (what a dropped SSH connection or a closed tmux pane sends) does the same without
Textual's shutdown. Here both ask the app to exit exactly as ``q`` would, minus the "a command is
running" question — nobody is there to answer it.

A terminal can also go without a SIGHUP reaching us: the kernel sends it to the terminal's
session leader only, and a process that is not that leader, or whose terminal is not its
controlling one (``setsid``, a supervisor), or whose output is a pipe whose reader died, is
told nothing. Textual's input thread then reads end-of-file from the hung-up terminal in a
loop that never waits (one core busy for ever) and its output thread dies on the first
``EIO``/``EPIPE``, after which the app's writes fill its queue and block. So a watcher thread
sits in ``poll()`` on the terminal's descriptors asking for no event at all: the kernel wakes it
only for a hang-up or an error (``POLLHUP``/``POLLERR``/``POLLNVAL``), so it costs nothing while
the terminal lives, and when it wakes the dashboard ends as on SIGHUP, with the same status.

Nothing needs saving on the way out: every action was journaled and fsynced when it happened, and
a running step belongs to its supervisor (its own session, detached from this terminal), which
finishes it and journals its end; the next ``warroom`` reattaches to it. SIGINT needs nothing
here: Textual already turns it into a clean exit.

A dashboard that stops answering (no key acts, the clocks stand still) can say where it is stuck
without being stopped: ``kill -USR1 PID`` appends every thread's Python stack to
``stacks/PID.txt`` in the user's state directory (``~/.local/state/warroom``, a drill's too).
``faulthandler`` writes it from the signal handler in C, so it answers even when the event loop is
blocked (on a lock, or on a terminal that takes no more output). The process goes on as before;
nothing is written until the signal comes, and a file the signal never wrote to is removed at the exit.

If the exit does not complete within ``grace`` seconds (say, stuck writing to a terminal that has
hung up), or a second signal arrives, the process ends at once with ``128 + signum``. The
backstop is armed by whoever sees the end first — the loop for a signal, the watcher thread for
a dead terminal — so a loop that is stuck in a write cannot keep it from firing.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import select
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Any

HANDLED = (signal.SIGTERM, signal.SIGHUP)
#: The signal that asks for every thread's stack (``stacks_file``); the process goes on.
STACKS = signal.SIGUSR1

#: What ``poll()`` reports for a descriptor whatever it was asked: the terminal is gone.
GONE = select.POLLHUP | select.POLLERR | select.POLLNVAL


def terminal_fds() -> list[int]:
    """The descriptors the dashboard lives on: Textual reads keys from ``sys.__stdin__`` and
    draws on ``sys.__stderr__`` (stdout is left free, so ``warroom … | head`` does not matter)."""
    fds = []
    for stream in (sys.__stdin__, sys.__stderr__):
        if stream is not None:
            fds.append(stream.fileno())
    return fds


class Ending:
    """The one way the dashboard ends from outside: a signal or its terminal gone, whichever
    comes first, with a backstop; ``close()`` stops the watcher when the app has ended."""

    def __init__(self, app: Any, loop: asyncio.AbstractEventLoop, grace: float,
                 die: Callable[[int], object] = os._exit) -> None:
        self.app = app
        self.loop = loop
        self.grace = grace
        self.die = die                  # how the backstop and a second signal end the process
        self._lock = threading.Lock()
        self._code: int | None = None
        self._signals = 0
        self._watcher: threading.Thread | None = None
        self._wake: tuple[int, int] | None = None   # close() wakes the watcher through this pipe
        self._stacks: IO[str] | None = None          # where ``STACKS`` writes (open while registered)

    def dump_stacks_to(self, path: Path) -> None:
        """``kill -USR1 PID`` appends every thread's stack to ``path`` (created now, written only
        when the signal comes; removed at ``close`` if it never came). Where ``path`` cannot be
        made, the temporary directory takes it; where neither can, the signal is ignored: it
        must never end a dashboard (its default action is to terminate the process)."""
        import faulthandler
        import tempfile

        for place in (path, Path(tempfile.gettempdir()) / f"warroom-stacks-{os.getpid()}.txt"):
            try:
                place.parent.mkdir(parents=True, exist_ok=True)
                self._stacks = open(place, "a", encoding="utf-8")  # noqa: SIM115 - open while registered
            except OSError:
                continue
            faulthandler.register(STACKS, file=self._stacks, all_threads=True, chain=False)
            return
        signal.signal(STACKS, signal.SIG_IGN)

    def begin(self, code: int) -> bool:
        """Arm the backstop and ask the app to exit with ``code``; False if already ending.
        Callable from any thread."""
        with self._lock:
            if self._code is not None:
                return False
            self._code = code
        # A daemon timer, so a clean exit that finishes first is never held up by it; never
        # cancelled: it also ends a process that something keeps alive after the app is gone.
        timer = threading.Timer(self.grace, self.die, args=(code,))
        timer.daemon = True
        timer.start()
        try:
            self.loop.call_soon_threadsafe(self.app.exit, code)
        except RuntimeError:
            pass    # the loop has closed: the app is already gone, the backstop ends the process
        return True

    def on_signal(self, signum: int) -> None:
        """In the loop: the first signal ends like a quit (if the watcher has not begun it:
        a hang-up brings both), a second signal at once."""
        self._signals += 1
        if self._signals > 1:
            self.die(128 + signum)
            return
        self.begin(128 + signum)

    def watch(self, fds: Sequence[int]) -> None:
        """Start the thread that waits for ``fds`` to hang up or fail (none: no thread)."""
        if not fds:
            return
        self._wake = os.pipe()
        self._watcher = threading.Thread(target=self._watch, args=(list(fds), self._wake[0]),
                                         name="warroom-terminal-watch", daemon=True)
        self._watcher.start()

    def _watch(self, fds: list[int], wake: int) -> None:
        poller = select.poll()
        for fd in fds:
            poller.register(fd, 0)      # no event asked: only GONE wakes us
        poller.register(wake, select.POLLIN)
        ready = poller.poll()           # no timeout: it returns only with something ready
        if any(fd == wake for fd, _ in ready):
            return                      # close(): the app ended by itself
        if any(mask & GONE for _, mask in ready):
            self.begin(128 + signal.SIGHUP)

    def close(self) -> None:
        """The app has ended: stop the watcher (a dashboard reopened after it gets its own) and the
        stack dump (its file is closed only once the signal no longer writes to it)."""
        if self._stacks is not None:
            import faulthandler

            faulthandler.unregister(STACKS)
            self._stacks.close()
            stacks, self._stacks = Path(self._stacks.name), None
            with contextlib.suppress(OSError):     # gone already (removed by hand): nothing to tidy
                if stacks.stat().st_size == 0:
                    stacks.unlink()               # never asked for: no empty file per dashboard run
                    stacks.parent.rmdir()         # nor an empty directory (another's file keeps it)
        if self._watcher is None or self._wake is None:
            return
        os.write(self._wake[1], b"x")
        self._watcher.join()
        for fd in self._wake:
            os.close(fd)
        self._watcher = self._wake = None


def stacks_file(state_dir: Path, pid: int | None = None) -> Path:
    """Where ``kill -USR1 PID`` writes the dashboard's thread stacks."""
    return state_dir / "stacks" / f"{os.getpid() if pid is None else pid}.txt"


def install(app: Any, grace: float = 3.0, fds: Sequence[int] | None = None,
            stacks: Path | None = None) -> Ending:
    """Route SIGTERM and SIGHUP, and the terminal going away, to ``app.exit(128 + signum)``
    (129 for a dead terminal, as for SIGHUP); ``stacks``: where SIGUSR1 writes every thread's
    stack (None: left alone). Call from inside the app's loop."""
    loop = asyncio.get_running_loop()
    ending = Ending(app, loop, grace)
    for sig in HANDLED:
        loop.add_signal_handler(sig, ending.on_signal, int(sig))
    ending.watch(terminal_fds() if fds is None else fds)
    if stacks is not None:
        ending.dump_stacks_to(stacks)
    return ending
