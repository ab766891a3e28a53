"""Connections to the shared store, and its failures in words that never carry the password.

psycopg is imported here, lazily, on the first connection: a warroom without a DSN never pays
for it (startup time is measured). Every psycopg error is turned into :class:`SharedStoreDown`
(the server cannot be reached or went away: retrying later helps) or :class:`SharedStoreError`
(it answered "no": schema missing, permission denied, TLS refused), each with the DSN's secrets
masked, so no message, log line or journal event ever holds them.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from warroom.errors import WarroomError
from warroom.journal.encoding import JournalError
from warroom.shared.dsn import Dsn
from warroom.paths import command

RETRY_EVERY = 1.0
"""Seconds between reconnection attempts once the store is down (callers get the last error
at once in between: a dashboard refreshing every tick never stalls on a dead server)."""


class SharedStoreDown(JournalError):
    """The shared store cannot be reached now; nothing was recorded. Reconnection is automatic."""

    exit_code = 7


class SharedStoreError(WarroomError):
    """The shared store answered, and refused (no schema, no permission, TLS required, ...)."""

    exit_code = 7


class SharedStoreBusy(SharedStoreError):
    """The store answers, but the incident's lock stayed held by another session past
    ``lock_timeout`` (a client stuck in a transaction, or a session holding the advisory lock):
    nothing was recorded, the store is not down, trying again later may work."""



def _psycopg() -> Any:
    try:
        import psycopg
    except ImportError:
        raise SharedStoreError("the shared store needs psycopg 3 (pip install 'psycopg[binary]')") from None
    return psycopg


class SharedDB:
    """One PostgreSQL database and how to reach it; hands out connections, says failures safely."""

    def __init__(self, dsn: Dsn, connect_timeout: float = 3.0) -> None:
        self.dsn = dsn
        self.connect_timeout = max(1.0, float(connect_timeout))
        self._down: tuple[float, str] | None = None
        self._lock = threading.Lock()

    @property
    def where(self) -> str:
        return self.dsn.where()

    @property
    def lock_timeout_ms(self) -> int:
        """How long a statement waits for a lock: ``connect_timeout`` + 2 s (an append holds the
        incident's lock for milliseconds), always inside the store's answer deadline
        (``SharedStore.answer_within``, 2 x ``connect_timeout`` + 4 s), so a held lock is said as
        such, not as a store that went down."""
        return int((self.connect_timeout + 2.0) * 1000)

    def down_message(self, why: str) -> str:
        return self.dsn.redact(f"shared store down ({self.where}): {why}")

    def connect(self, *, autocommit: bool = False, retry_now: bool = False) -> Any:
        """A new connection (the caller closes it). Raises ``SharedStoreDown`` (unreachable) or
        ``SharedStoreError`` (refused), messages redacted."""
        psycopg = _psycopg()
        with self._lock:
            down = self._down
        if down is not None and not retry_now and time.monotonic() - down[0] < RETRY_EVERY:
            raise SharedStoreDown(down[1])
        kwargs: dict[str, Any] = {"autocommit": autocommit, "connect_timeout": int(self.connect_timeout),
                                  "application_name": "warroom"}
        given = self.dsn.parts()
        # A server that vanished without closing the connection (a network partition, a host
        # gone) is noticed in seconds, not after TCP's quarter of an hour; the DSN's own wins.
        for key, value in (("keepalives", "1"), ("keepalives_idle", "5"), ("keepalives_interval", "2"),
                           ("keepalives_count", "2"),
                           ("tcp_user_timeout", str(int(self.connect_timeout * 2000)))):
            if key not in given:
                kwargs[key] = value
        if self.dsn.password is not None:
            kwargs["password"] = self.dsn.password
        try:
            conn = psycopg.connect(self.dsn.text, **kwargs)
            # Never wait forever behind a lock: any role may hold the incident's advisory lock
            # (a psql left open, a client stuck in a transaction) and the server keeps
            # answering, so no TCP timeout would end the wait (the DSN's own options win).
            if "lock_timeout" not in given.get("options", ""):
                conn.execute("SELECT set_config('lock_timeout', %s, false)", (f"{self.lock_timeout_ms}ms",))
                if not autocommit:
                    conn.commit()
        except psycopg.OperationalError as exc:
            raise self.failure(exc) from None
        except psycopg.ProgrammingError as exc:   # a malformed DSN: libpq's words, redacted
            raise SharedStoreError(self.dsn.redact(f"shared store DSN {self.dsn.safe}: {_first_line(exc)}")) from None
        with self._lock:
            self._down = None
        return conn

    def failure(self, exc: BaseException) -> WarroomError:
        """A psycopg error as ours: down (retry later) or refused (say what to fix)."""
        psycopg = _psycopg()
        text = _first_line(exc)
        if isinstance(exc, psycopg.errors.LockNotAvailable):
            return SharedStoreBusy(self.dsn.redact(
                f"shared store {self.where}: the incident's lock was held by another session for more than"
                f" {self.lock_timeout_ms / 1000:g}s (a client stuck in a transaction, or a session holding"
                " pg_advisory_lock: see pg_locks); nothing was recorded: try again"))
        if isinstance(exc, psycopg.errors.UndefinedTable):
            return SharedStoreError(self.dsn.redact(
                f"shared store {self.where} has no warroom tables: run `{command('shared', 'init')}` once"
                f" (as a role allowed to create them); {text}"))
        # Only a connection that failed or broke is "down" (retry later); a server that answered
        # no (authentication, TLS, privilege, a trigger, a constraint) refused, and says why.
        said_no = any(s in text for s in ("password authentication failed", "does not exist", "SSL",
                                          "no pg_hba.conf", "permission denied", "certificate", "invalid",
                                          "root certificate"))
        connection = isinstance(exc, (psycopg.OperationalError, psycopg.InterfaceError))
        if not connection or (said_no and not isinstance(exc, psycopg.errors.QueryCanceled)):
            return SharedStoreError(self.dsn.redact(f"shared store {self.where} refused: {text}"))
        message = self.down_message(text)
        with self._lock:
            self._down = (time.monotonic(), message)
        return SharedStoreDown(message)

    def is_connection_error(self, exc: BaseException) -> bool:
        psycopg = _psycopg()
        return isinstance(exc, (psycopg.OperationalError, psycopg.InterfaceError))

    @contextmanager
    def session(self) -> Iterator[Any]:
        """A short-lived autocommit connection for one command (init, share, status)."""
        conn = self.connect(autocommit=True, retry_now=True)
        try:
            yield conn
        except _psycopg().Error as exc:
            raise self.failure(exc) from None
        finally:
            conn.close()


def abort_connection(conn: Any) -> None:
    """Break a connection whose server stopped answering (hung, or stopped with SIGSTOP: the
    kernel keeps TCP alive, so no timeout of libpq's fires): shutting its socket down makes the
    call blocked on it fail at once. Safe from another thread; the connection is useless after."""
    import socket

    try:
        fd = conn.pgconn.socket
        s = socket.socket(fileno=os.dup(fd))
    except Exception:  # noqa: BLE001 - already closed or broken: nothing left to break
        return
    try:
        s.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # not connected any more
    finally:
        s.close()


def _first_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:500]
