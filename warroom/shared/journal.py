"""An incident's journal in the shared store: the same lines, the same hash chain, in PostgreSQL.

Each row holds one journal line exactly as the file journal would write it
(:func:`warroom.journal.encoding.encode_line`), so an event's hash is the same whichever store
holds it, ``verify`` walks the rows with the file journal's own check
(:func:`warroom.journal.reader.walk_lines`) and ``incident share`` copies a chain byte for byte.

**Appends.** One transaction each: take the incident's advisory lock, read the last row (seq,
h), encode the next line on it, insert. The database checks the line's hash and its link to
the row before (a trigger), and the primary key (incident, seq) makes a fork impossible: two
responders appending at the same moment are serialised, never lost or reordered.

**The spool.** The step supervisor is a separate process (standard library only) that keeps
running when warroom quits or the store is down. For a shared incident it journals a step's
start and end into the local ``journal.jsonl`` of the incident's local dir, as it always does;
that file is this host's spool. Every read and append here first forwards the spooled events
not yet in the store, in order, each keyed by (spool, spool seq) — a unique key, so two
processes forwarding the same spool, or a crash mid-forward, never duplicate one. While the
store is down nothing is lost: the spool keeps the step's end and it is appended on reconnect.

**Down.** Any failure to reach the store sets :attr:`SharedJournal.down` (the message, with the
password masked) until a later call succeeds; readers keep the events they have; appends raise
:class:`~warroom.shared.db.SharedStoreDown` — new actions are refused, never kept aside, so two
sides can never each write their own history (no split brain).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from warroom.journal.encoding import GENESIS, Event, HeadMoved, JournalRead, _check_line, encode_line
from warroom.journal.reader import JournalFollower, read_journal, walk_lines
from warroom.shared.db import SharedStoreBusy, SharedStoreDown
from warroom.shared.schema import SCHEMA

if TYPE_CHECKING:
    from warroom.journal.proof import Proof

SPOOL_NAME = "journal.jsonl"

_INSERT = (f"INSERT INTO {SCHEMA}.events (incident, seq, prev, h, line, ts, actor, type, origin, origin_seq)"
           " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)")


class SharedJournal:
    """The journal of one shared incident, duck-typed like :class:`~warroom.journal.log.Journal`
    (``append``, ``follower``, ``head``, ``checkpoint``, ``check``, ``verify``, ``actor``)."""

    shared = True

    def __init__(self, store: Any, incident: str, local_dir: Path, actor: str) -> None:
        """``store``: the process's ``warroom.shared.store.SharedStore`` (its connection)."""
        self.store = store
        self.incident = incident
        self.dir = Path(local_dir)
        self.actor = actor
        self.down: str | None = None
        self._spool_sent: tuple[int, int] | None = None   # (size, mtime_ns) of the spool last forwarded
        self.read_to = 0   # the highest seq a reader of this journal has been handed

    @property
    def path(self) -> Path:
        """The local spool (where this host's step supervisors journal)."""
        return self.dir / SPOOL_NAME

    @property
    def where(self) -> str:
        return self.store.db.where

    # ------------------------------------------------------------------ the connection

    def _run(self, fn: Any) -> Any:
        """``fn(conn)`` on the store's connection; sets or clears :attr:`down`."""
        try:
            with self.store.conn() as conn:
                result = fn(conn)
        except SharedStoreDown as exc:
            self.down = str(exc)
            raise
        self.down = None
        return result

    # ------------------------------------------------------------------ writing

    def append(self, type_: str, data: dict[str, Any] | None = None, *, ts: datetime | None = None,
               after: int | None = None, unless: frozenset[str] | None = None) -> Event:
        """Append one event (after anything spooled here); returns it once committed.
        ``after``: only if the last seq is exactly that, else :class:`HeadMoved` (as the file
        journal: compare-and-append under the incident's lock); ``unless``: moved past ``after``
        only by lines of other types is fine (as the file journal's ``append``)."""
        data = dict(data or {})
        when = ts or datetime.now(UTC)

        committing = [False]

        def work(conn: Any) -> Event:
            self._forward(conn)
            with conn.transaction():
                event = self._insert(conn, when, self.actor, type_, data, None, None, after=after, unless=unless)
                committing[0] = True
            return event

        try:
            return self._run(work)
        except SharedStoreDown as exc:
            if committing[0]:
                # The connection broke while committing: the server may or may not have it.
                raise SharedStoreDown(f"{exc}; the store went away while recording this: it shows in the"
                                      " timeline once the store is back if it was recorded, else do it"
                                      " again then (warroom reconnects by itself)") from None
            raise SharedStoreDown(f"{exc}; nothing was recorded: new actions are refused until the store"
                                  " is back (warroom reconnects by itself)") from None

    def _insert(self, conn: Any, ts: datetime, actor: str, type_: str, data: dict[str, Any],
                origin: str | None, origin_seq: int | None, *, after: int | None = None,
                unless: frozenset[str] | None = None) -> Event:
        conn.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 7))", (self.incident,))
        row = conn.execute(f"SELECT seq, h FROM {SCHEMA}.events WHERE incident = %s ORDER BY seq DESC LIMIT 1",
                           (self.incident,)).fetchone()
        seq, prev = (int(row[0]), str(row[1])) if row else (0, GENESIS)
        if after is not None and seq != after and (unless is None or seq < after or conn.execute(
                f"SELECT 1 FROM {SCHEMA}.events WHERE incident = %s AND seq > %s AND type = ANY(%s) LIMIT 1",
                (self.incident, after, sorted(unless))).fetchone() is not None):
            raise HeadMoved(f"{self.incident}: the shared journal moved to seq {seq} since seq {after};"
                            " nothing recorded")
        line = encode_line(seq + 1, ts, actor, type_, data, prev)
        event, problem = _check_line(line[:-1], seq + 1)
        assert event is not None and problem is None
        obj_ts = line.split(b'"ts":"', 1)[1].split(b'"', 1)[0].decode()
        conn.execute(_INSERT, (self.incident, event.seq, prev, event.h, line[:-1].decode("utf-8"), obj_ts,
                               event.actor, event.type, origin, origin_seq))
        return event

    def forward(self) -> int:
        """Append what this host spooled and the store does not have yet; returns how many."""
        return int(self._run(self._forward))

    def _forward(self, conn: Any) -> int:
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return 0
        mark = (st.st_size, st.st_mtime_ns)
        if mark == self._spool_sent or st.st_size == 0:
            return 0
        spooled = read_journal(self.path)
        events = spooled.events
        if not events:
            return 0
        origin = f"spool:{events[0].h[:32]}"
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 7))", (self.incident,))
            row = conn.execute(f"SELECT max(origin_seq) FROM {SCHEMA}.events WHERE incident = %s AND origin = %s",
                               (self.incident, origin)).fetchone()
            done = int(row[0]) if row and row[0] is not None else 0
            todo = [e for e in events if e.seq > done]
            for e in todo:
                self._insert(conn, e.ts, e.actor, e.type, e.data, origin, e.seq)
        self._spool_sent = mark
        return len(todo)

    def spawn_forwarder(self, output: Path) -> int:
        """Start :mod:`warroom.shared.forwarder` for a step whose end will land in the spool:
        it forwards the end when the step is over, even if no warroom is left on this host.
        Returns its pid."""
        import subprocess
        import sys

        import warroom
        from warroom.shared.dsn import DSN_ENV, PASSWORD_ENV

        env = dict(os.environ)
        env[DSN_ENV] = self.store.dsn.text
        env.pop(PASSWORD_ENV, None)
        if self.store.dsn.password is not None:
            env["WARROOM_DSN_PASSWORD"] = self.store.dsn.password
            env[PASSWORD_ENV] = "WARROOM_DSN_PASSWORD"
        root = str(Path(warroom.__file__).resolve().parent.parent)
        env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        log = self.dir / "outputs" / "forwarder.log"
        fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            proc = subprocess.Popen(
                [sys.executable, "-m", "warroom.shared.forwarder", str(self.dir), self.incident, str(output)],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=fd, env=env, cwd=str(self.dir),
                start_new_session=True, close_fds=True)
        finally:
            os.close(fd)
        return proc.pid

    def pending(self) -> int:
        """Spooled events not forwarded yet as far as this process knows (0 when in step)."""
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return 0
        return 0 if (st.st_size, st.st_mtime_ns) == self._spool_sent or st.st_size == 0 else 1

    def put_file(self, name: str, data: bytes) -> None:
        self._run(lambda _c: self.store.put_file(self.incident, name, data))

    def fetch_file(self, name: str, dest: Path) -> bool:
        """Copy a file of the incident (a runbook snapshot) from the store; False if it has none."""
        data = self._run(lambda _c: self.store.get_file(self.incident, name))
        if data is None:
            return False
        return _write(dest, data)

    def checkpoint(self) -> dict[str, Any] | None:
        """No signing key speaks for a shared journal (its rows are guarded by the database)."""
        return None

    def check(self) -> None:
        """The database refuses edits and cuts (triggers, primary key): nothing to compare here."""
        return None

    def head(self) -> tuple[int, str]:
        def work(conn: Any) -> tuple[int, str]:
            self._forward(conn)
            row = conn.execute(f"SELECT seq, h FROM {SCHEMA}.events WHERE incident = %s ORDER BY seq DESC LIMIT 1",
                               (self.incident,)).fetchone()
            return (int(row[0]), str(row[1])) if row else (0, GENESIS)

        return tuple(self._run(work))  # type: ignore[return-value]

    def has_lines(self) -> bool:
        def work(conn: Any) -> bool:
            return conn.execute(f"SELECT 1 FROM {SCHEMA}.events WHERE incident = %s AND seq = 1",
                                (self.incident,)).fetchone() is not None

        return bool(self._run(work))

    def db_users(self, seqs: list[int]) -> dict[int, str]:
        """The database role that inserted each of these lines (set by the insert trigger from
        ``current_user``: what PostgreSQL authenticated, not what the client says)."""
        def work(conn: Any) -> dict[int, str]:
            rows = conn.execute(f"SELECT seq, db_user FROM {SCHEMA}.events WHERE incident = %s AND seq = ANY(%s)",
                                (self.incident, list(seqs))).fetchall()
            return {int(r[0]): str(r[1]) for r in rows}

        return dict(self._run(work))

    def clock_skew(self, clock: Any) -> float:
        """Seconds this host's ``clock()`` is ahead (+) or behind (-) the database server's clock,
        measured around one round trip (the server's time is taken half way)."""
        def work(conn: Any) -> float:
            before = clock()
            server = conn.execute("SELECT clock_timestamp()").fetchone()[0]
            after = clock()
            mine = before + (after - before) / 2
            return float((mine - server).total_seconds())

        return float(self._run(work))

    def db_user(self) -> str:
        """The database role this process is connected as."""
        return str(self._run(lambda conn: conn.execute("SELECT current_user").fetchone()[0]))

    # ------------------------------------------------------------------ reading

    def lines_after(self, seq: int) -> list[bytes]:
        """The raw lines after ``seq``, in order (after forwarding the spool). Forwarding takes
        the incident's lock; a lock held elsewhere past ``lock_timeout`` delays the forward (the
        spool keeps its events for the next read), never the reading."""
        try:
            self.forward()
        except SharedStoreBusy:
            pass

        def work(conn: Any) -> list[bytes]:
            rows = conn.execute(f"SELECT line FROM {SCHEMA}.events WHERE incident = %s AND seq > %s ORDER BY seq",
                                (self.incident, seq)).fetchall()
            self.read_to = max(self.read_to, seq + len(rows))
            return [r[0].encode("utf-8") for r in rows]

        return list(self._run(work))

    def follower(self) -> SharedFollower:
        return SharedFollower(self)

    def read(self) -> JournalRead:
        f = self.follower()
        f.poll()
        return f.snapshot()

    def verify(self, incident_log: Path | None = None) -> Proof:
        """The chain, link by link, with the file journal's own walk; the guards the database
        keeps (append-only triggers) checked to be in place."""
        from warroom.journal.proof import Proof

        rows, guards, writers = self._run(self._verify_rows)
        base = walk_lines(rows)
        out = Proof(events=base.events, issues=list(base.issues), torn_line=None)
        last = base.events[-1].seq if base.events else 0
        if last:
            out.proved.append(f"hash chain intact from #1 to #{last} ({len(base.events)} events) in the"
                              f" shared store {self.where}")
        missing = {"events_check", "events_origin_check", "events_append_only", "events_no_truncate"} - guards
        if missing:
            out.unproved.append("the shared store's guards are not all in place (" + ", ".join(sorted(missing))
                                + " missing or disabled): its owner could have rewritten rows")
        else:
            out.proved.append("the shared store refuses UPDATE, DELETE and TRUNCATE of events and checks every"
                              " inserted line's hash and link (triggers in place)")
        heads = 0
        hashes = {e.seq: e.h for e in base.events}
        for e in base.events:
            jh = e.data.get("journal_head") if isinstance(e.data, dict) else None
            if isinstance(jh, dict) and "seq" in jh and "h" in jh:
                try:
                    seq, h = int(jh["seq"]), str(jh["h"])
                except (TypeError, ValueError):
                    continue
                if hashes.get(seq) == h:
                    heads += 1
                else:
                    from warroom.journal.encoding import JournalIssue

                    out.issues.append(JournalIssue(line=e.seq, seq=seq, message=(
                        f"{e.type} #{e.seq} records #{seq} with another hash: rewritten at or before #{seq}")))
                    out.tamper += 1
        if heads:
            out.proved.append(f"{heads} head(s) recorded in exports and status updates match the chain")
        if writers:
            who = ", ".join(f"{role} ({n})" for role, n in writers)
            out.unproved.append(f"who wrote each row, as PostgreSQL knows it: {who}; the actor in a line"
                                " (person@host) is what that warroom said")
        out.unproved.append("no signed checkpoint: a shared journal is guarded by the database, not by a key")
        return out

    def _verify_rows(self, conn: Any) -> tuple[list[bytes], set[str], list[tuple[str, int]]]:
        self._forward(conn)
        rows = conn.execute(f"SELECT line FROM {SCHEMA}.events WHERE incident = %s ORDER BY seq",
                            (self.incident,)).fetchall()
        guards = conn.execute(
            "SELECT t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n"
            " ON n.oid = c.relnamespace WHERE n.nspname = %s AND c.relname = 'events' AND t.tgenabled <> 'D'",
            (SCHEMA,)).fetchall()
        writers = conn.execute(f"SELECT db_user, count(*) FROM {SCHEMA}.events WHERE incident = %s"
                               " GROUP BY db_user ORDER BY min(seq)", (self.incident,)).fetchall()
        return ([r[0].encode("utf-8") for r in rows], {g[0] for g in guards},
                [(str(w[0]), int(w[1])) for w in writers])


def _write(dest: Path, data: bytes) -> bool:
    """Write a file fetched from the store into the incident's local dir (0600, atomically)."""
    dest.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, dest)
    return True


class SharedFollower(JournalFollower):
    """Reads a shared journal incrementally (rows after the last seq seen), with the file
    follower's own per-line checks. The store being down is not damage: the poll returns
    nothing new and the reader keeps what it has."""

    def __init__(self, journal: SharedJournal) -> None:
        super().__init__(journal.path)
        self.journal = journal

    def poll(self) -> list[Event]:
        if self.issues:
            return []
        try:
            lines = self.journal.lines_after(self._seq)
        except SharedStoreDown:
            return []
        new: list[Event] = []
        self._parse_lines(lines, new)
        self.torn_line = None
        self.events.extend(new)
        return new

