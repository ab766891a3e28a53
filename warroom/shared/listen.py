"""Being live on a shared incident: wake-ups, catch-up reads, presence, and the store's health.

A :class:`Listener` is one thread with its own connection. It LISTENs on the events and
presence channels and calls ``on_change(reason)`` when something concerns its incident:

* ``"events"``: a NOTIFY for this incident. The caller then *reads by seq* (everything after
  the last seq it has), so a notification is only ever a wake-up: a missed, merged or dropped
  one loses nothing;
* ``"catch_up"``: every ``catch_up`` seconds whatever happened — the safety net under NOTIFY
  (and the moment this host's spool is forwarded when nothing else is going on);
* ``"presence"``: who has the incident open, or on which step, changed;
* ``"down"`` / ``"up"``: the store stopped or started answering (at once: the connection breaks
  or a heartbeat fails). While down it retries every :data:`RETRY_EVERY` seconds by itself.

Presence is a row per open session (who, which step, heartbeat), kept fresh every
``presence_every`` seconds and deleted on :meth:`Listener.stop`; rows not refreshed for three
periods are not shown (a crashed dashboard drops out by itself).

``on_change`` runs on the listener's thread: it must only hand the news on (the dashboard's
presenter posts a message), never touch widgets or block.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from warroom.shared.schema import EVENTS_CHANNEL, PRESENCE_CHANNEL, SCHEMA

RETRY_EVERY = 0.5
NOTIFY_WAIT = 0.25   # seconds one wait for notifications lasts (how fast stop() is heard)


@dataclass(frozen=True)
class Present:
    """Someone with the incident open: who (person@host), on which step (None: none picked)."""

    who: str
    step: str | None
    age: float = field(compare=False)
    me: bool = False


@dataclass(frozen=True)
class StoreStatus:
    """What the header shows about the shared store."""

    where: str
    down: str | None = None          # why it cannot be reached (password masked); None: reachable
    present: tuple[Present, ...] = ()
    pending: int = 0                 # this host's spooled events not yet in the store


class Listener:
    def __init__(self, journal: Any, on_change: Callable[[str], object], *, catch_up: float = 5.0,
                 presence_every: float = 5.0) -> None:
        self.journal = journal
        self.on_change = on_change
        self.catch_up = max(0.2, float(catch_up))
        self.presence_every = max(0.2, float(presence_every))
        self.session = uuid.uuid4().hex
        self.down: str | None = None
        self.present: tuple[Present, ...] = ()
        self._step: str | None = None
        self._step_dirty = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._conn: Any = None
        self.failure: BaseException | None = None   # an unexpected error that ended the thread
        self.catch_ups = 0                           # catch-up checks made (tests wait on it)

    # ------------------------------------------------------------------ control

    def start(self) -> None:
        self._thread = threading.Thread(target=self._main, name=f"shared listener {self.journal.incident}",
                                        daemon=True)
        self._thread.start()

    def stop(self, wait: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(wait)

    def set_step(self, step: str | None) -> None:
        """The step this session is on (shown to the others), sent at the next wake-up."""
        if step != self._step:
            self._step = step
            self._step_dirty.set()

    def status(self) -> StoreStatus:
        down = self.down or self.journal.down
        return StoreStatus(where=self.journal.where, down=down, present=self.present,
                           pending=self.journal.pending())

    # ------------------------------------------------------------------ the thread

    def _main(self) -> None:
        try:
            while not self._stop.is_set():
                try:
                    self._session()
                except Exception as exc:  # noqa: BLE001 - every failure of the connection is "down"
                    self._close()
                    if not self._is_db_error(exc):
                        raise
                    from warroom.errors import WarroomError

                    message = exc if isinstance(exc, WarroomError) else self.journal.store.db.failure(exc)
                    self._set_down(self.journal.store.db.dsn.redact(str(message)))
                self._stop.wait(RETRY_EVERY)
        except BaseException as exc:  # kept for whoever watches the listener; the view says down
            self.failure = exc
            self._set_down(f"shared store listener stopped: {type(exc).__name__}: {exc}")
            raise
        finally:
            self._goodbye()

    def _is_db_error(self, exc: BaseException) -> bool:
        from warroom.shared.db import SharedStoreDown, SharedStoreError, _psycopg

        return isinstance(exc, (_psycopg().Error, SharedStoreDown, SharedStoreError, OSError))

    def _session(self) -> None:
        db = self.journal.store.db
        conn = self._conn = db.connect(autocommit=True, retry_now=True)
        conn.execute(f"LISTEN {EVENTS_CHANNEL}")
        conn.execute(f"LISTEN {PRESENCE_CHANNEL}")
        self._heartbeat(conn)
        was_down = self.down is not None
        self.down = None
        # Whatever happened while we were not listening is read now (by seq), and the spool of
        # this host goes out: "up" makes the caller refresh.
        self.on_change("up" if was_down else "events")
        next_catch_up = time.monotonic() + self.catch_up
        next_beat = time.monotonic() + self.presence_every
        me = f"{self.journal.incident} "
        while not self._stop.is_set():
            woke = moved = False
            # Only collect here: the generator holds the connection, so queries wait until it ends
            # (at the first notification: the news goes on at once).
            for n in conn.notifies(timeout=NOTIFY_WAIT, stop_after=1):
                if n.channel == EVENTS_CHANNEL and n.payload.startswith(me):
                    woke = True
                elif n.channel == PRESENCE_CHANNEL and n.payload == self.journal.incident:
                    moved = True
                if self._stop.is_set():
                    break
            if woke:
                self.on_change("events")
            if moved:
                self._read_presence(conn, notify=False)
            now = time.monotonic()
            if self._step_dirty.is_set() or now >= next_beat:
                self._heartbeat(conn)
                next_beat = now + self.presence_every
            if now >= next_catch_up:
                next_catch_up = now + self.catch_up
                # The safety net under NOTIFY: a reader is woken only when the store holds more
                # than it was handed, or this host's spool waits (no repaint for nothing).
                row = conn.execute(f"SELECT coalesce(max(seq), 0) FROM {SCHEMA}.events WHERE incident = %s",
                                   (self.journal.incident,)).fetchone()
                if int(row[0]) > self.journal.read_to or self.journal.pending():
                    self.on_change("catch_up")
                self.catch_ups += 1

    def _heartbeat(self, conn: Any) -> None:
        """Keep our presence row fresh and read everyone's; a server that does not answer within
        the connect timeout (hung, or stopped with SIGSTOP: TCP still alive) is said to be down
        by a timer while this call waits, and up again when it answers."""
        self._step_dirty.clear()
        from warroom.shared.db import abort_connection

        limit = self.journal.store.db.connect_timeout

        def too_late() -> None:
            self._set_down(self.journal.store.db.down_message(f"no answer within {limit:g}s"))
            abort_connection(conn)   # the thread stops waiting, reconnects (and says up) by itself

        late = threading.Timer(limit, too_late)
        late.daemon = True
        late.start()
        try:
            self._beat(conn)
        finally:
            late.cancel()
        if self.down is not None:
            self.down = None
            self.journal.down = None
            self.on_change("up")

    def _beat(self, conn: Any) -> None:
        conn.execute(
            f"INSERT INTO {SCHEMA}.presence (incident, who, session, step) VALUES (%s, %s, %s, %s)"
            " ON CONFLICT (incident, session) DO UPDATE SET step = EXCLUDED.step, seen_at = now()",
            (self.journal.incident, self.journal.actor, self.session, self._step))
        self._read_presence(conn, notify=False)

    def _read_presence(self, conn: Any, *, notify: bool) -> None:
        rows = conn.execute(
            f"SELECT who, step, extract(epoch FROM now() - seen_at), session FROM {SCHEMA}.presence"
            " WHERE incident = %s AND seen_at > now() - make_interval(secs => %s) ORDER BY opened_at, who",
            (self.journal.incident, 3 * self.presence_every)).fetchall()
        present = tuple(Present(r[0], r[1], float(r[2]), r[3] == self.session) for r in rows)
        changed = [(p.who, p.step) for p in present] != [(p.who, p.step) for p in self.present]
        self.present = present
        if changed or notify:
            self.on_change("presence")

    def _set_down(self, message: str) -> None:
        first = self.down is None
        self.down = message
        self.journal.down = message
        if first:
            self.on_change("down")

    def _close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.close()
            except Exception:  # noqa: BLE001 - closing a broken connection: nothing to report
                pass

    def _goodbye(self) -> None:
        """Leave the presence list (best effort: a row not refreshed drops out by itself)."""
        conn = self._conn
        if conn is not None and not conn.closed:
            try:
                conn.execute(f"DELETE FROM {SCHEMA}.presence WHERE incident = %s AND session = %s",
                             (self.journal.incident, self.session))
            except Exception:  # noqa: BLE001 - the row expires on its own
                pass
        self._close()
