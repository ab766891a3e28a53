"""One shared store as this process sees it: a connection, incident ids, files, presence.

Held once per DSN per process (:func:`open_shared`), so every incident opened here shares one
connection (serialised by a lock: psycopg connections are not for concurrent transactions).
A connection that breaks is dropped; the next call reconnects (at most every
:data:`~warroom.shared.db.RETRY_EVERY` seconds), so reconnection is automatic everywhere.
"""

from __future__ import annotations

import getpass
import hashlib
import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from warroom.shared.db import SharedDB, SharedStoreDown, SharedStoreError
from warroom.shared.dsn import Dsn, resolve
from warroom.shared.schema import LATEST, SCHEMA
from warroom.paths import command

if TYPE_CHECKING:
    from warroom.config import Config

_STORES: dict[tuple[str, str | None], SharedStore] = {}
_STORES_LOCK = threading.Lock()


def open_shared(config: Config) -> SharedStore | None:
    """The shared store the config names (``--shared``, ``$WARROOM_DSN``, ``[shared] dsn``), or
    None for the local file journal. Nothing connects until something is read or written."""
    dsn = resolve(config)
    if dsn is None:
        return None
    key = (dsn.text, dsn.password)
    with _STORES_LOCK:
        store = _STORES.get(key)
        if store is None:
            store = _STORES[key] = SharedStore(dsn, connect_timeout=config.shared.connect_timeout)
        return store


def person_at_host(person: str | None) -> str:
    """``person@host``: who an event in the shared store is from (several hosts write it)."""
    name = (person or "").strip()
    if not name:
        try:
            name = getpass.getuser()
        except (KeyError, OSError):
            name = str(os.getuid())
    return name if "@" in name else f"{name}@{socket.gethostname()}"


class SharedStore:
    def __init__(self, dsn: Dsn, connect_timeout: float = 3.0) -> None:
        self.db = SharedDB(dsn, connect_timeout)
        self._conn: Any = None
        self._lock = threading.RLock()
        self._checked = False

    @property
    def dsn(self) -> Dsn:
        return self.db.dsn

    def local_root(self, state_dir: Path) -> Path:
        """Where this store's incidents keep their local files (runbook copies, step outputs,
        the spool): apart from local incidents, one dir per database."""
        return Path(state_dir) / "shared" / self.dsn.store_key() / "incidents"

    # ------------------------------------------------------------------ the connection

    def answer_within(self) -> float:
        """How long one use of the connection may wait for the server before it is called down:
        a hung server (TCP alive, nothing answering) must not hang a CLI command or a worker."""
        return 2 * self.db.connect_timeout + 4.0

    @contextmanager
    def conn(self, deadline: float | None = -1.0) -> Iterator[Any]:
        """The process's connection, under the store's lock. A failure drops it and is raised
        as ``SharedStoreDown`` / ``SharedStoreError`` with the password masked. ``deadline``:
        seconds the server has to answer (default :meth:`answer_within`; None: no limit, for
        long copies); past it the connection is broken off and the store is down."""
        from warroom.shared.db import _psycopg, abort_connection

        psycopg = _psycopg()
        limit = self.answer_within() if deadline == -1.0 else deadline
        with self._lock:
            if self._conn is None or self._conn.closed:
                self._conn = self.db.connect(autocommit=True)
                if not self._checked:
                    self._check_schema(self._conn)
            conn = self._conn
            late: list[bool] = []
            timer = None
            if limit is not None:
                timer = threading.Timer(limit, lambda: (late.append(True), abort_connection(conn)))
                timer.daemon = True
                timer.start()
            try:
                yield conn
            except psycopg.Error as exc:
                if self.db.is_connection_error(exc) or conn.broken or late:
                    self.close()
                if late:
                    raise SharedStoreDown(self.db.down_message(f"no answer within {limit:g}s")) from None
                raise self.db.failure(exc) from None
            finally:
                if timer is not None:
                    timer.cancel()

    def _check_schema(self, conn: Any) -> None:
        from warroom.shared.schema import current_version

        try:
            version = current_version(conn)
        except Exception as exc:  # noqa: BLE001 - re-raised as ours, redacted
            conn.close()
            self._conn = None
            raise self.db.failure(exc) from None
        if version is None or version < LATEST:
            conn.close()
            self._conn = None
            have = "no warroom tables" if version is None else f"schema version {version}, this warroom needs {LATEST}"
            raise SharedStoreError(f"shared store {self.db.where} has {have}: run `{command('shared', 'init')}`"
                                   " (as a role allowed to create tables)")
        if version > LATEST:
            conn.close()
            self._conn = None
            raise SharedStoreError(f"shared store {self.db.where} has schema version {version}, newer than"
                                   f" this warroom knows ({LATEST}): upgrade warroom")
        self._checked = True

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                try:
                    self._conn.close()
                except Exception:  # noqa: BLE001 - closing a broken connection: nothing to report
                    pass
                self._conn = None

    def ping(self) -> None:
        """Raise ``SharedStoreDown`` unless the store answers now."""
        with self.conn() as c:
            c.execute("SELECT 1")

    # ------------------------------------------------------------------ incidents

    def allocate(self, day: str) -> str:
        """Reserve the next free ``INC-<day>-N`` in the store (unique across every host)."""
        with self.conn() as c:
            row = c.execute(
                f"SELECT coalesce(max(split_part(id, '-', 3)::int), 0) FROM {SCHEMA}.incidents"
                " WHERE id LIKE %s", (f"INC-{day}-%",)).fetchone()
            n = int(row[0]) + 1 if row else 1
            for _ in range(1000):
                inc_id = f"INC-{day}-{n}"
                got = c.execute(f"INSERT INTO {SCHEMA}.incidents (id) VALUES (%s) ON CONFLICT DO NOTHING"
                                " RETURNING id", (inc_id,)).fetchone()
                if got is not None:
                    return inc_id
                n += 1
        raise SharedStoreError(f"shared store {self.db.where}: could not allocate an incident id for {day}")

    def claim(self, inc_id: str) -> bool:
        """Register ``inc_id`` (``incident share``); False if the store already has it."""
        with self.conn() as c:
            got = c.execute(f"INSERT INTO {SCHEMA}.incidents (id) VALUES (%s) ON CONFLICT DO NOTHING"
                            " RETURNING id", (inc_id,)).fetchone()
            return got is not None

    def ids(self) -> list[str]:
        """Every declared incident (one with at least its first line), oldest first."""
        with self.conn() as c:
            rows = c.execute(
                f"SELECT i.id FROM {SCHEMA}.incidents i WHERE EXISTS (SELECT 1 FROM {SCHEMA}.events e"
                " WHERE e.incident = i.id AND e.seq = 1)"
                " ORDER BY split_part(i.id, '-', 2), split_part(i.id, '-', 3)::int").fetchall()
        return [r[0] for r in rows]

    # ------------------------------------------------------------------ files

    def put_file(self, inc_id: str, name: str, data: bytes) -> None:
        """Keep a file of the incident (a runbook snapshot) for every host; never replaced."""
        digest = hashlib.sha256(data).hexdigest()
        with self.conn() as c:
            row = c.execute(f"SELECT sha256 FROM {SCHEMA}.files WHERE incident = %s AND name = %s",
                            (inc_id, name)).fetchone()
            if row is not None:
                if row[0] != digest:
                    raise SharedStoreError(f"{inc_id}: the shared store already holds another {name}")
                return
            c.execute(f"INSERT INTO {SCHEMA}.files (incident, name, sha256, content) VALUES (%s, %s, %s, %s)"
                      " ON CONFLICT DO NOTHING", (inc_id, name, digest, data))

    def get_file(self, inc_id: str, name: str) -> bytes | None:
        with self.conn() as c:
            row = c.execute(f"SELECT content, sha256 FROM {SCHEMA}.files WHERE incident = %s AND name = %s",
                            (inc_id, name)).fetchone()
        if row is None:
            return None
        data = bytes(row[0])
        if hashlib.sha256(data).hexdigest() != row[1]:
            raise SharedStoreError(f"{inc_id}: {name} in the shared store does not match its sha256")
        return data

    # ------------------------------------------------------------------ presence

    def presence(self, inc_id: str, within: float) -> list[tuple[str, str | None, float]]:
        """``(who, step, seconds since seen)`` of everyone with the incident open (seen within
        ``within`` seconds), longest open first."""
        with self.conn() as c:
            rows = c.execute(
                f"SELECT who, step, extract(epoch FROM now() - seen_at) FROM {SCHEMA}.presence"
                " WHERE incident = %s AND seen_at > now() - make_interval(secs => %s)"
                " ORDER BY opened_at", (inc_id, float(within))).fetchall()
        return [(r[0], r[1], float(r[2])) for r in rows]

