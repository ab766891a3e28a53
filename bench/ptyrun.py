"""Run a program in a pseudo-terminal we own, and record every byte it writes, with when.

Why a raw pty rather than tmux for measuring: the bytes a program writes to its pty are exactly
the bytes ``ssh`` carries to the user when warroom runs directly in the SSH session (the common
case on a bastion). tmux would re-render the screen and send its own diff to its client, which
measures tmux's renderer as much as ours, and adds tmux's own latency and CPU to every figure.
Reading the pty continuously also means the program never blocks on a full pty buffer, so what we
measure is what it *wants* to write.

A ``pyte`` screen can follow the stream to tell when a frame is complete (startup) or when a key
press became visible (latency). Chunks are timestamped by the reader thread the moment ``read``
returns, so the emulator's own cost never inflates a measured time.
"""

from __future__ import annotations

import fcntl
import os
import pty
import select
import signal
import struct
import termios
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import psutil
import pyte


@dataclass
class Chunk:
    t: float  # time.perf_counter() when read returned
    data: bytes


@dataclass
class PtyRun:
    """One program in a pty of ``cols`` x ``rows``; ``start()`` forks, a thread drains the pty."""

    argv: Sequence[str]
    env: Mapping[str, str]
    cols: int = 120
    rows: int = 40
    cwd: str | None = None
    chunks: list[Chunk] = field(default_factory=list)
    pid: int = 0
    fd: int = -1
    t_spawn: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _cond: threading.Condition = field(init=False)
    _thread: threading.Thread | None = None
    _eof: bool = False

    def __post_init__(self) -> None:
        self._cond = threading.Condition(self._lock)

    def start(self) -> None:
        argv = list(self.argv)
        env = dict(self.env)
        winsize = struct.pack("HHHH", self.rows, self.cols, 0, 0)
        self.t_spawn = time.perf_counter()
        pid, fd = pty.fork()
        if pid == 0:  # child: stdin/out/err are the pty slave, which is our controlling tty
            try:
                fcntl.ioctl(0, termios.TIOCSWINSZ, winsize)
                if self.cwd:
                    os.chdir(self.cwd)
                os.execvpe(argv[0], argv, env)
            finally:
                os._exit(127)
        self.pid, self.fd = pid, fd
        fcntl.ioctl(fd, termios.TIOCSWINSZ, winsize)
        self._thread = threading.Thread(target=self._drain, name=f"pty-{pid}", daemon=True)
        self._thread.start()

    def _drain(self) -> None:
        while True:
            try:
                ready, _, _ = select.select([self.fd], [], [], 0.5)
            except (OSError, ValueError):
                break
            if not ready:
                if self._exited():
                    break
                continue
            try:
                data = os.read(self.fd, 1 << 16)
            except OSError:  # EIO: the slave side closed (program exited)
                break
            if not data:
                break
            t = time.perf_counter()
            with self._cond:
                self.chunks.append(Chunk(t, data))
                self._cond.notify_all()
        with self._cond:
            self._eof = True
            self._cond.notify_all()

    def _exited(self) -> bool:
        try:
            pid, _ = os.waitpid(self.pid, os.WNOHANG)
        except ChildProcessError:
            return True
        return pid != 0

    # -- reading the stream --------------------------------------------------------------------
    def wait_chunks(self, after: int, timeout: float) -> tuple[list[Chunk], bool]:
        """Chunks from index ``after`` on (waiting up to ``timeout`` for at least one), and EOF."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(self.chunks) <= after and not self._eof:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._cond.wait(remaining)
            return self.chunks[after:], self._eof

    def bytes_between(self, t0: float, t1: float) -> int:
        with self._lock:
            return sum(len(c.data) for c in self.chunks if t0 <= c.t < t1)

    def total_bytes(self) -> int:
        with self._lock:
            return sum(len(c.data) for c in self.chunks)

    def write(self, data: bytes) -> float:
        """Type ``data`` into the terminal; returns the perf_counter time it was written."""
        t = time.perf_counter()
        os.write(self.fd, data)
        return t

    # -- process figures -----------------------------------------------------------------------
    def process(self) -> psutil.Process:
        return psutil.Process(self.pid)

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM the program's process group, SIGKILL if it lingers; close the pty."""
        if self.pid:
            for sig in (signal.SIGTERM, signal.SIGKILL):
                try:
                    os.killpg(self.pid, sig)
                except ProcessLookupError:
                    break
                deadline = time.monotonic() + timeout
                while time.monotonic() < deadline and not self._exited():
                    time.sleep(0.02)
                if self._exited():
                    break
            try:
                os.waitpid(self.pid, 0)
            except ChildProcessError:
                pass
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


class ScreenFollower:
    """Feeds a run's chunks, in order, into a pyte screen, and finds when a condition first held."""

    def __init__(self, run: PtyRun) -> None:
        self.run = run
        self.screen = pyte.Screen(run.cols, run.rows)
        self.stream = pyte.ByteStream(self.screen)
        self.index = 0

    def text(self) -> str:
        return "\n".join(self.screen.display)

    def feed(self, chunk: Chunk) -> None:
        self.stream.feed(chunk.data)
        self.index += 1

    def until(self, condition: Callable[[str], bool], timeout: float) -> float | None:
        """Follow the stream until ``condition(screen text)`` holds; the time of that chunk.

        Returns None if the condition never held within ``timeout`` (or the program exited).
        """
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            chunks, eof = self.run.wait_chunks(self.index, min(0.5, max(0.0, deadline - time.monotonic())))
            for chunk in chunks:
                self.feed(chunk)
                if condition(self.text()):
                    return chunk.t
            if eof and not chunks:
                return None
        return None


def cpu_seconds(proc: psutil.Process) -> float:
    """User + system CPU of a process and its live descendants."""
    total = 0.0
    procs = [proc]
    try:
        procs += proc.children(recursive=True)
    except psutil.Error:
        pass
    for p in procs:
        try:
            t = p.cpu_times()
        except psutil.Error:
            continue
        total += t.user + t.system
    return total


def rss_bytes(proc: psutil.Process) -> int:
    """Resident set of the program itself (not the commands it runs)."""
    return int(proc.memory_info().rss)
