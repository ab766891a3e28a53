"""TCP ports for the servers tests start, handed out so that two tests can never be given the same one.

The old way (bind port 0, close the socket, hand the number on) raced: between the close and the
server's own bind, any other process on the box (the other xdist worker, another checkout's test
run) could be given the same number by the kernel, and then either our server failed to start or
our readiness poll was answered by THEIR server. Three mechanisms replace it:

* A Python server binds port 0 itself and reports the port it got (``FakeHTTP``, the drill exporter).
* A test that needs a port where nothing listens holds :func:`refused_port`: a socket bound to the
  port and never listening. Connections to it are refused (RST), and nobody else can bind it while
  the test holds it.
* A real binary that must be told its port (Prometheus, Alertmanager, VictoriaMetrics, PostgreSQL,
  sshd) gets a :class:`PortLease`: a port from OUTSIDE the kernel's ephemeral range (so no bind(0)
  and no outgoing connection anywhere on the box is ever given it) whose lock file every test
  process takes with ``flock`` before using it (so no two leases, in any process, share a port while
  held; the lock dies with the process, even on SIGKILL). The lease is held for the server's whole
  life, across a stop and restart on the same port. As a last line against a process that binds
  ports without leasing, :func:`start_leased` retries on a fresh lease when the binary exits saying
  "address already in use", and :func:`listens` lets a readiness poll check the answer came from the
  process we started, not from whoever holds the port.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import random
import socket
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import psutil

LOCK_DIR = Path(tempfile.gettempdir()) / "warroom-test-ports"
ADDRESS_IN_USE = "address already in use"     # Go's, OpenSSH's and PostgreSQL's words for EADDRINUSE

T = TypeVar("T")


class PortTaken(RuntimeError):
    """The server exited because its port was bound by someone else: start again on a new lease."""


def ephemeral_range() -> tuple[int, int]:
    """The kernel's range for bind(0) and outgoing connections (Linux; the usual default elsewhere)."""
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return int(low), int(high)
    except (OSError, ValueError):
        return 32768, 60999


def lease_candidates() -> list[int]:
    """Ports the kernel never hands out by itself: below and above the ephemeral range, unprivileged."""
    low, high = ephemeral_range()
    return [p for p in (*range(max(1024, low - 8192), low), *range(high + 1, 65536)) if 1024 <= p < 65536]


def _bindable(port: int) -> bool:
    """Nothing on this box holds ``port`` on 127.0.0.1 right now (checked under the lease's lock)."""
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


class PortLease:
    """A port held for one server's life: ``flock`` on ``LOCK_DIR/PORT.lock`` until :meth:`release`."""

    def __init__(self, port: int, fd: int) -> None:
        self.port = port
        self._fd: int | None = fd

    @classmethod
    def take(cls, candidates: list[int] | None = None) -> PortLease:
        """The first free candidate (from a random point, so processes seldom contend for one lock)."""
        ports = candidates if candidates is not None else lease_candidates()
        LOCK_DIR.mkdir(mode=0o777, parents=True, exist_ok=True)
        start = random.randrange(len(ports))
        for port in ports[start:] + ports[:start]:
            fd = os.open(LOCK_DIR / f"{port}.lock", os.O_RDWR | os.O_CREAT, 0o666)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)            # another test process holds it
                continue
            if _bindable(port):
                return cls(port, fd)
            os.close(fd)                # a server that does not lease holds it: not ours to use
        raise RuntimeError(f"no free port among {len(ports)} candidates under {LOCK_DIR}")

    @property
    def held(self) -> bool:
        return self._fd is not None

    def release(self, _close: Callable[[int], None] = os.close) -> None:
        """Give the port back (the server on it is stopped). Idempotent. (``_close`` is bound at
        definition: a lease dropped while the interpreter shuts down may no longer find ``os``.)"""
        if self._fd is not None:
            fd, self._fd = self._fd, None
            _close(fd)                  # closing the only descriptor drops the flock

    def __del__(self) -> None:
        self.release()              # a server object dropped without close(): its port goes back

    def __enter__(self) -> PortLease:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


@contextlib.contextmanager
def refused_port() -> Iterator[int]:
    """A 127.0.0.1 port where a connection is refused for as long as the block runs: bound, never listening."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        yield int(s.getsockname()[1])


def listens(pid: int, port: int) -> bool:
    """``pid`` (or one of its children) holds a listening socket on 127.0.0.1:``port`` (or the wildcard)."""
    try:
        proc = psutil.Process(pid)
        procs = [proc, *proc.children(recursive=True)]
    except psutil.NoSuchProcess:
        return False
    for p in procs:
        try:
            conns = p.net_connections(kind="tcp")
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        for c in conns:
            if c.status == psutil.CONN_LISTEN and c.laddr and c.laddr.port == port \
                    and c.laddr.ip in ("127.0.0.1", "0.0.0.0", "::", "::ffff:127.0.0.1"):
                return True
    return False


def said_address_in_use(log: Path, offset: int = 0) -> bool:
    """The server's log (from ``offset``: this attempt's part) says its bind failed on a taken port."""
    try:
        with open(log, "rb") as fh:
            fh.seek(offset)
            return ADDRESS_IN_USE in fh.read().decode("utf-8", "replace").lower()
    except OSError:
        return False


def start_leased(start: Callable[[], T], relet: Callable[[], None], attempts: int = 5) -> T:
    """``start()`` the server; while it raises :class:`PortTaken`, ``relet()`` (a new lease) and try again."""
    for _ in range(attempts - 1):
        try:
            return start()
        except PortTaken:
            relet()
    return start()
