"""Where incidents live on disk, and how new ones get their ids.

Layout (``<state_dir>/incidents/INC-YYYYMMDD-N/``, directories 0700, files 0600)::

    journal.jsonl     the append-only event log (see journal.py): the incident *is* this file
    journal.head      last seq written (tamper hint)
    journal.sig       signed checkpoints of the journal's head (see journal_seal.py)
    runbook.md        snapshot of the runbook as it was attached (runbook-2.md, ... if re-attached)
    outputs/          full, redacted output of every step run
    pir.md, ...       exports

Ids are allocated with ``mkdir``, which is atomic: two processes declaring at the same moment get
``-1`` and ``-2``, never the same directory. A state dir and its drills' store (``<state>/drills``)
number one sequence, under a lock on the state dir: an id names one incident in either. The date is the UTC date,
like every time we store.
A directory without a declaration (a crash between ``mkdir`` and the first append, or a failed
declaration that could not clean up) is not an incident and is skipped by ``list()``.
"""

from __future__ import annotations

import difflib
import fcntl
import os
import re
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from warroom import scenario_time as stime
from warroom.errors import NotFoundError, WarroomError
from warroom.journal import events as ev
from warroom.journal.log import JournalError
from warroom.journal.seal import Witness
from warroom.paths import command, id_neighbour, is_drills_store, store_option

if TYPE_CHECKING:
    from warroom.config import Config
    from warroom.incident.session import Incident
    from warroom.incident.state import IncidentState

ID_RE = re.compile(r"^INC-(\d{8})-(\d+)$")
# The incident directory's file helpers moved to ``warroom.incident.files`` (the session uses
# them, and the store makes sessions); re-exported for code that imports them from here.
from warroom.incident.files import (  # noqa: E402
    DIR_MODE as DIR_MODE,
    FILE_MODE as FILE_MODE,
    JOURNAL_NAME as JOURNAL_NAME,
    create_exclusive as create_exclusive,
    make_private_dir as make_private_dir,
    read_nofollow as read_nofollow,
    write_private_file as write_private_file,
)


def _open_shared(config: Config | None) -> Any:
    """The shared store the config names, or None (the local file journal: psycopg never loads)."""
    if config is None:
        return None
    from warroom.shared.dsn import resolve

    if resolve(config) is None:
        return None
    from warroom.shared.store import open_shared

    store = open_shared(config)
    if store is not None:
        _redact_store_secrets(config, store.dsn)
    return store


def _redact_store_secrets(config: Config, dsn: Any) -> None:
    """The shared store's password is a secret of every redactor built from this config (step
    output, notes, exports): its value as a known secret, and ``$WARROOM_DSN`` (which a
    step inherits) as a secret variable, whatever form the DSN has."""
    from warroom.shared.dsn import DSN_ENV

    red = config.redaction
    if DSN_ENV not in red.env_names:
        red.env_names = [*red.env_names, DSN_ENV]
    for n, secret in enumerate(dsn.secrets):
        red.known_secrets.setdefault(f"SHARED_STORE_SECRET_{n}", secret)


@contextmanager
def _locked_dir(path: Path) -> Iterator[None]:
    """An exclusive ``flock`` on the directory ``path`` (it exists: the store's root was just made
    under it) for the duration of the block."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    except OSError as exc:
        raise JournalError(f"{path}: cannot open the state dir to allocate an id: {exc.strerror or exc}") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)      # closing releases the flock


def _dirs(root: Path) -> list[Path]:
    """The directories under ``root`` (none when it cannot be read: a neighbour's ids only number past)."""
    try:
        return [p for p in root.iterdir() if p.is_dir()]
    except OSError:
        return []


class IncidentStore:
    """All incidents under one state dir. Cheap to create; holds no open files."""

    def __init__(self, state_dir: str | os.PathLike[str], config: Config | None = None,
                 clock: Callable[[], datetime] | None = None, *, local: bool = False) -> None:
        """``local``: the local incidents even when a shared store is configured (``share``)."""
        self.state_dir = Path(state_dir)
        self.config = config
        self.clock = clock          # None: each incident's own clock (a real incident's is never pinned)
        # With a DSN the events live in the shared store and this dir keeps only each incident's
        # local files (runbook copies, step outputs, the spool), apart from local incidents.
        self.shared = None if local else _open_shared(config)
        self.root = (self.shared.local_root(self.state_dir) if self.shared is not None
                     else self.state_dir / "incidents")

    def incident(self, inc_id: str) -> Incident:
        """The ``Incident`` object for an id (no check that it exists: see ``open``)."""
        from warroom.incident.session import Incident

        path = self.root / inc_id
        if self.shared is None:
            return Incident(inc_id, path, config=self.config, clock=self.clock)
        from warroom.shared.journal import SharedJournal
        from warroom.shared.store import person_at_host

        commander = self.config.incident.commander if self.config is not None else None
        journal = SharedJournal(self.shared, inc_id, path, person_at_host(commander))
        return Incident(inc_id, path, config=self.config, clock=self.clock, journal=journal,
                        state_root=self.state_dir)

    def _now(self) -> datetime:
        """The store's own "now" (the day in a new id): the process's clock, pinned only in a drill."""
        return self.clock() if self.clock is not None else stime.utcnow()

    @property
    def where(self) -> str:
        """Where incidents live, for messages."""
        return f"the shared store {self.shared.db.where}" if self.shared is not None else str(self.root)

    @classmethod
    def from_config(cls, config: Config) -> IncidentStore:
        return cls(config.state_dir(), config)

    # ------------------------------------------------------------------ creating

    def allocate(self, now: datetime | None = None) -> tuple[str, Path]:
        """Reserve the next free ``INC-YYYYMMDD-N`` by creating its directory (0700); in the
        shared store, by inserting its row (unique across every host)."""
        make_private_dir(self.root)
        day = (now or self._now()).astimezone(UTC).strftime("%Y%m%d")
        if self.shared is not None:
            inc_id = self.shared.allocate(day)
            path = self.root / inc_id
            if path.exists():
                # Local files of an incident this host once had under the same id (another
                # database with the same address): set aside, never mixed in.
                path.rename(path.with_name(f"{inc_id}.old-{os.getpid()}-{int(self._now().timestamp())}"))
            make_private_dir(path)
            return inc_id, path
        # One sequence for a state dir and its drills' store (``id_neighbour``): the dashboard's drill
        # and `incident new` each made an INC-<date>-1, told apart by --state-dir only (redteam37 F10).
        # Both allocate under a lock on the pair's state dir, so two processes, one in each, never
        # take the same number either.
        with _locked_dir(self.state_dir.parent if is_drills_store(self.state_dir) else self.state_dir):
            return self._allocate_local(day)

    def _allocate_local(self, day: str) -> tuple[str, Path]:
        beside = _dirs(id_neighbour(self.state_dir) / "incidents")
        taken = [int(m.group(2)) for p in [*self._entries(), *beside]
                 if (m := ID_RE.match(p.name)) and m.group(1) == day]
        n = max(taken, default=0) + 1
        for _ in range(10_000):
            inc_id = f"INC-{day}-{n}"
            path = self.root / inc_id
            try:
                os.mkdir(path, DIR_MODE)
            except FileExistsError:
                n += 1
                continue
            except OSError as exc:
                raise JournalError(f"{self.root}: cannot create incident directory: {exc.strerror or exc}") from None
            os.chmod(path, DIR_MODE)
            return inc_id, path
        raise WarroomError(f"{self.root}: could not allocate an incident id for {day}")

    def create(self, *, title: str, severity: str, runbook: str | os.PathLike[str] | None = None,
               source: dict[str, Any] | None = None, drill: dict[str, Any] | None = None,
               commander: str | None = None, at: datetime | None = None) -> Incident:
        """Declare a new incident: allocate its id, snapshot the runbook, journal the declaration
        (at ``at`` when given: ``Incident.declare``).

        Either the whole incident exists afterwards, or (disk full, bad runbook ref, ...) its
        directory is removed again and the error says why.
        """
        from warroom.incident.observer_seat import require_writer
        from warroom.incident.vocabulary import validate_severity

        require_writer(self.config, None, "declare an incident")   # before an id is allocated
        title = title.strip()
        if not title:
            raise WarroomError("an incident needs a title (--title)")
        severity = validate_severity(severity)
        inc_id, path = self.allocate(at)
        Witness(path / JOURNAL_NAME).clear()  # a new dir where an old incident once was
        try:
            inc = self.incident(inc_id)
            inc.declare(title=title, severity=severity, runbook=runbook, source=source,
                        drill=drill, commander=commander, at=at)
        except BaseException:  # cleanup, then re-raise: never leave a half-declared incident behind
            shutil.rmtree(path, ignore_errors=True)
            raise
        return inc

    # ------------------------------------------------------------------ finding

    def _entries(self) -> list[Path]:
        try:
            return [p for p in self.root.iterdir() if p.is_dir()]
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise WarroomError(f"{self.root}: cannot read incidents: {exc.strerror or exc}") from None

    def ids(self) -> list[str]:
        """Ids of every declared incident, oldest first."""
        if self.shared is not None:
            return self.shared.ids()
        found = []
        for p in self._entries():
            m = ID_RE.match(p.name)
            if m and (p / JOURNAL_NAME).is_file() and (p / JOURNAL_NAME).stat().st_size > 0:
                found.append((m.group(1), int(m.group(2)), p.name))
        return [name for _, _, name in sorted(found)]

    def path(self, inc_id: str) -> Path:
        return self.root / inc_id

    def open(self, inc_id: str, *, work: bool = True) -> Incident:
        """Open an existing incident; an unknown id names the closest ones that do exist.

        ``work``: this process works the incident (``Incident.worked``: a drill incident's clock may
        be pinned, a real one's never); False for a look-up that only reads it (which of several
        state dirs holds an id, the recording a replay plays)."""
        inc_id = inc_id.strip()
        ids = self.ids()
        if inc_id not in ids:
            # Let people type the short form of today's or a unique id: "3" or "20261122-3".
            matches = [i for i in ids if i.endswith(f"-{inc_id}") or i == f"INC-{inc_id}"]
            if len(matches) == 1 and inc_id:
                inc_id = matches[0]
            else:
                close = difflib.get_close_matches(inc_id, ids, n=3, cutoff=0.6)
                hint = f"; did you mean {', '.join(close)}?" if close else ""
                where = f" in {self.where}" if not ids else ""
                raise NotFoundError(f"no incident {inc_id!r}{where}{hint} (`{command('incident', 'list')}` shows them)")
        inc = self.incident(inc_id)
        return inc.worked() if work else inc

    def list(self) -> list[IncidentState]:
        """The state of every incident, oldest first (each rebuilt from its journal, with what
        its records say about it: a chain that reads clean can still have been rewritten)."""
        states = []
        for inc_id in self.ids():
            inc = self.incident(inc_id)
            state = inc.state
            read = inc._cache.follower
            if not read.events and not read.issues:
                continue  # a declaration still being written, or one that never finished
            state.id = state.id or inc_id
            if read.events and read.events[0].type != ev.DECLARED:
                continue  # not an incident journal
            if not state.title:
                state.title = ("(journal damaged before the declaration:"
                               f" `{command('incident', 'verify', inc_id, *store_option(inc.dir))}`)")
            states.append(state)
        return states

    def open_incidents(self) -> list[IncidentState]:
        """Incidents not resolved: the ones the dashboard offers to resume (not one moved to the
        shared store: it is resumed from there)."""
        return [s for s in self.list() if s.status != "resolved" and s.moved_to is None]

    def share(self, inc_id: str, into: IncidentStore) -> Any:
        """Move a local incident into the shared store ``into`` with its chain intact (see
        ``warroom.shared.share``); this local copy is read-only afterwards."""
        from warroom.incident.observer_seat import require_writer
        from warroom.shared import share as sh

        require_writer(self.config, inc_id, "move it to the shared store")
        if self.shared is not None or into.shared is None:
            raise WarroomError("share moves a local incident into a shared store: give a DSN (--shared,"
                               " $WARROOM_DSN or [shared] dsn)")
        src = self.open(inc_id)
        st = src.state
        if st.moved_to is not None:
            raise WarroomError(f"{src.id} was already moved to the shared store {st.moved_to.get('to') or ''}")
        proof = src.verify()
        if not proof.ok or not proof.events:
            why = proof.issues[0] if proof.issues else "it is empty"
            raise WarroomError(f"{src.id}: the local journal does not verify ({why}): nothing was shared"
                               f" (`{command('incident', 'verify', src.id, *store_option(src.dir))}`)")
        last = proof.events[-1]
        lines = sh.local_lines(src.journal.path, last.seq)
        store = into.shared
        names = sh.snapshot_names(proof.events)
        files = {name: (src.dir / name).read_bytes() for name in names if (src.dir / name).is_file()}
        copied, already = sh.copy_lines(store, src.id, lines, files)
        sh.copy_local_files(src.dir, into.root / src.id)
        head = {"seq": last.seq, "h": last.h}
        target = into.incident(src.id)
        if not any(e.type == ev.INCIDENT_SHARED for e in target.read().events):
            target.append(ev.INCIDENT_SHARED, {"from_host": sh.from_host(), "from_dir": str(src.dir), "head": head})
        src.append(ev.INCIDENT_MOVED, {"to": store.db.where, "head": head})
        return sh.ShareResult(src.id, copied, already, names, (last.seq, last.h))
