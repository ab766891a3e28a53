"""The incident service layer: the one API that both the headless CLI and the TUI call.

An :class:`Incident` wraps one incident directory. Every method that changes the incident is
exactly one journal append (validated first, so a refused call writes nothing, except where the
refusal itself is worth recording: a step refused in a read-only session or without confirmation
is journaled as ``step.refused``). Reading is ``incident.state`` (rebuilt from the journal,
incrementally, so calling it after every action is cheap) and ``incident.runbook()`` (the
snapshot taken when the runbook was attached, so a resumed incident sees exactly the steps it
started with even if the library changed since).

Typical use (CLI and TUI alike)::

    store = IncidentStore.from_config(cfg)
    inc = store.create(title="Quota at 92%", severity="P3", runbook="RB-CORE-003")
    prepared = inc.prepare_step("3", {"namespace": "prod"})   # ParamError if missing/invalid
    if prepared.mutating: ...ask the user...
    handle = inc.run_step(prepared, confirm=True)             # StepRefused / DryRun / a runner handle
    inc.note("root-cause", "retry storm after deploy")
    inc.resolve("quota back under 60%", resolution="circuit breaker enabled")
    result = inc.export("pir")

Threads: methods may be called from worker threads; state refreshes are serialised by a lock.
The journal itself is safe across processes.

Preparing and running steps is :class:`~warroom.incident.step_running.StepRunning` (mixed in
here; it mixes in :mod:`~warroom.incident.step_preparing` and :mod:`~warroom.incident.native_steps`); the types
it hands back are in :mod:`warroom.incident.prepared`.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from warroom import scenario_time as stime
from warroom.config import Config
from warroom.errors import WarroomError
from warroom.execute.safety import StepRefused as StepRefused  # one refusal class for the runner and for us
from warroom.journal import events as ev
from warroom.incident import after_resolve, closing, observer_seat
from warroom.journal.log import (
    Event,
    Journal,
    JournalFollower,
    JournalRead,
    JournalTampered,
    format_ts,
)
# Re-exported: the CLI and the TUI import these from the session.
from warroom.incident.prepared import (
    DryRun as DryRun,
    ParamError as ParamError,
    ParamPrompt as ParamPrompt,
    PreparedStep as PreparedStep,
)
from warroom.incident.fold import apply
from warroom.incident.state import IncidentState
from warroom.incident.step_running import StepRunning
from warroom.incident.files import JOURNAL_NAME, make_private_dir
from warroom.incident.target import detect_target as detect_target
from warroom.incident.approval_desk import ApprovalDesk
from warroom.incident.identity import Person, whoami
from warroom.incident import tampering
from warroom.incident.runbook_shelf import RunbookShelf, runbook_id_of
from warroom.runbook.criterion_query import pane_queries
from warroom.incident.metric_watch import MetricWatch, SyncResult, summary_stale
from warroom.incident import record_lines as lines
from warroom.incident.roles import check_person, default_commander
from warroom.incident.vocabulary import validate_severity
from warroom.paths import command, store_option

if TYPE_CHECKING:
    from warroom.incident.concern_reading import ConcernReading
    from warroom.journal.proof import Proof
    from warroom.incident.journal_repair import RepairReport
    from warroom.incident.pir import ExportResult
    from warroom.runbook.model import Runbook, Step


class JournalDamaged(WarroomError):
    """The journal has a damaged line: the incident is read-only until someone looks at it."""

    exit_code = 6


class PinnedClock(WarroomError):
    """A write refused because ``$WARROOM_DRILL_AT`` pins a drill that runs on the wall clock (``pinned_on_wall``)."""


@dataclass
class _Cache:
    follower: JournalFollower
    state: IncidentState = field(default_factory=IncidentState)


class Incident(StepRunning):
    """One incident: its directory, its journal and the operations on it."""

    def __init__(self, inc_id: str, path: Path, config: Config | None = None,
                 clock: Callable[[], datetime] | None = None, actor: str | None = None,
                 person: Person | None = None, *, journal: Any = None,
                 state_root: Path | None = None) -> None:
        """``journal``: where the events live — None for the local file journal in ``path``, or
        a shared store's journal (``warroom.shared.journal.SharedJournal``); the rest of the
        incident (append, state, verify, steps) is the same code on either."""
        self.id = inc_id
        self.dir = Path(path)
        self.config = config or Config()
        self.clock = clock or self.own_clock
        self._drill_tie: bool | None = None       # declared here with (or without) a drill: see own_clock
        self._drill_began: tuple[float, str] | None = None   # its drill's start and name, once read
        self.journal = journal if journal is not None else Journal(
            self.dir / JOURNAL_NAME, actor=actor or self.config.incident.commander)
        self.state_root = Path(state_root) if state_root is not None else self.dir.parent.parent
        self._lock = threading.RLock()
        self._cache = _Cache(self.journal.follower())
        # The runbook copies it works from (current and beside), parsed once.
        self.shelf = RunbookShelf(self.id, self.dir, self.journal, self.redact, self._lock,
                                  panes=pane_queries(self.config.slo))
        self._redactor: Any = None
        self._checkpoints = tampering.CheckpointCheck(self.dir)
        self._person = person
        # Breaches and recoveries from the metric history, and the PIR's numbers.
        self._on_wall: bool | None = None      # its drill runs on the wall clock (read once: ``pinned_on_wall``)
        self.metrics = MetricWatch(self.dir, self.config, self._lock, refresh=self.refresh,
                                   readable=lambda: not self.read().issues, append=self._append,
                                   tries=self.ONCE_TRIES, writes=lambda: not observer_seat.observer(self.config))

    @property
    def is_drill(self) -> bool:
        """Whether this incident is a drill's (its declaration carries a drill tie: a scenario or a
        rehearsal); an incident not yet declared counts as real."""
        if self._drill_tie is not None:
            return self._drill_tie
        st = self._cache.state if self._cache.state.declared_at is not None else self.refresh()
        return st.drill is not None

    def own_clock(self) -> datetime:
        """The incident's own "now" (its journal stamps, approvals, briefs): a real incident's is
        the wall clock whatever the process (``$WARROOM_DRILL_AT`` never reaches it); a drill
        incident's is the process's clock, which a drill may pin (``warroom.scenario_time``), never
        at a moment before its drill began (``stime.drill_now`` refuses it, naming the start), nor, in a drill
        that runs on the wall clock, after the wall's now (``stime.ahead_of_wall``: its stand-ins refuse that
        moment, so its looks — show, brief, decide, the report — judge nothing there either)."""
        if self.is_drill and (began := self._drill_start()) is not None and stime.held_of(True) is not None:
            stime.drill_now(*began)
        if (held := self.pinned_on_wall()) is not None and (
                ahead := stime.ahead_of_wall(held.timestamp(), "the clock")) is not None:
            raise WarroomError(f"{self.id}: {ahead}; pin a moment at or before now, or unset ${stime.AT_ENV}")
        return stime.utcnow_of(self.is_drill)

    def _drill_start(self) -> tuple[float, str] | None:
        """(start, name) of the drill this incident was declared on (read once from its
        ``drill.json``); None for a rehearsal or a drill directory that is gone or unreadable (the
        commands that need its world say so themselves: ``open_drill``)."""
        if self._drill_began is None:
            where = (self._cache.state.drill or {}).get("dir")
            if not where:
                return None
            from warroom.drill.directory import open_drill

            try:
                drill = open_drill(Path(where), wrappers=False)
            except WarroomError:
                return None
            self._drill_began = (drill.start, f"drill {drill.name}")
        return self._drill_began

    def clock_held(self) -> datetime | None:
        """Where the incident's clock stands when it does not run with the wall — a drill pinned by
        ``$WARROOM_DRILL_AT``, or a clock the caller handed in (tests, a facilitator's tool), read
        now — else None. Handed to the step supervisor (``RunSpec.clock_held``), another process
        that cannot call :attr:`clock`: a run's start and end lines carry the clock every other
        line of the incident does (``tests/unit/test_one_clock.py``)."""
        if self.clock == self.own_clock:
            return stime.held_of(self.is_drill)
        return self.clock()

    def worked(self) -> Incident:
        """Say that this process works this incident (``IncidentStore.open`` does): a drill
        incident lets the process's clock be pinned, a real one turns the pin off for good."""
        stime.work_on(self.id, drill=self.is_drill)
        return self

    def person(self) -> Person:
        """Who acts through this object: the OS account of the process (``identity.whoami``),
        unless the caller built it for someone else (tests; a server acting for a logged-in
        user). Approvals and handoff acknowledgements record and compare this, not the actor."""
        return self._person or whoami(self.journal.actor)

    @property
    def approvals(self) -> ApprovalDesk:
        """Two-person approval of this incident's steps (``approval_desk.ApprovalDesk``)."""
        return ApprovalDesk(self)

    def __repr__(self) -> str:
        return f"Incident({self.id!r})"

    def redact(self, text: str) -> str:
        """Text typed by people (notes, summaries, reasons) goes through the same redaction as
        command output: a token pasted into a note never reaches the journal or the PIR."""
        if self._redactor is None:
            from warroom.execute.redact import RedactionSettings, Redactor

            env = dict(os.environ)
            env.update(self.config.execute.env)
            self._redactor = Redactor.from_env(env, RedactionSettings.for_config(self.config),
                                               self.store_secrets())
        return str(self._redactor.redact_text(text))

    @property
    def outputs_dir(self) -> Path:
        return self.dir / "outputs"

    # ------------------------------------------------------------------ reading

    def refresh(self) -> IncidentState:
        """Read whatever was appended since the last call (by anyone) and fold it in."""
        with self._lock:
            cache = self._cache
            new = cache.follower.poll()
            for e in new:
                apply(cache.state, e)
            if not cache.state.id:
                cache.state.id = self.id
            if cache.state.hands is None and (cache.state.drill or {}).get("dir"):
                cache.state.hands = self._hands(Path(cache.state.drill["dir"]))
            issues = cache.follower.snapshot().describe()
            if not cache.follower.issues:
                # A chain that reads clean can still have been rewritten: every view says so too.
                tamper = self._checkpoint_problem() or self._records_problem()
                if tamper:
                    issues.append(tamper)
            cache.state.journal_issues = issues
            return cache.state

    def _catch_up(self) -> list[Event]:
        """Fold in what was appended since the follower last read (lock-free: the tamper checks
        read again before calling a record ahead of them a cut); every valid event so far."""
        for e in self._cache.follower.poll():
            apply(self._cache.state, e)
        return self._cache.follower.events

    def _records_problem(self) -> str | None:
        """``journal.head`` or the witness outside the incident dir disagreeing with the journal
        (``tampering.records_problem``); None for a shared journal, whose rows the database guards
        (``SharedJournal.verify``)."""
        if self.shared:
            return None
        return tampering.records_problem(self.journal, lambda: self._cache.follower.events, self._catch_up)

    def _checkpoint_problem(self) -> str | None:
        """The first signed checkpoint the journal no longer matches (``tampering.CheckpointCheck``)."""
        if self.shared:
            return None
        return self._checkpoints.problem(self._cache.follower.events, self._catch_up)

    @property
    def shared(self) -> bool:
        """Whether the events live in the shared store (PostgreSQL) rather than the local file."""
        return bool(getattr(self.journal, "shared", False))

    @property
    def shared_where(self) -> str | None:
        """Where a shared incident lives ("the shared store host:5432/warroom"), which its drill records
        (``Drill.incident_store``); None for one in this machine's state dir."""
        return f"the shared store {self.journal.where}" if self.shared else None

    def store_secrets(self) -> dict[str, str]:
        """The shared store's password(s): known secrets, redacted from whatever people type."""
        if not self.shared:
            return {}
        return {f"SHARED_STORE_SECRET_{n}": s for n, s in enumerate(self.journal.store.dsn.secrets) if s}

    def store_problem(self) -> str | None:
        """Why the shared store cannot be reached right now (None: reachable, or local)."""
        return getattr(self.journal, "down", None) if self.shared else None

    @property
    def state(self) -> IncidentState:
        """The current state (refreshed from the journal). Treat it as read-only."""
        return self.refresh()

    def read(self) -> JournalRead:
        """The valid events so far and any problem that stopped the reader."""
        with self._lock:
            self.refresh()
            return self._cache.follower.snapshot()

    def verify(self) -> Proof:
        """Check every line, the chain, the head, the witness, the signed checkpoints and the
        heads recorded in exports: issues name line and seq; ``proved``/``unproved`` say how far
        the journal can be trusted."""
        from warroom.incident.pir import incident_log_path

        return self.journal.verify(incident_log=incident_log_path(self.config, self.state_root,
                                                                  drill=self.is_drill))

    def repair(self) -> RepairReport:
        """Set the journal's damage aside without losing an acknowledged event (see journal_repair)."""
        from warroom.incident.journal_repair import repair_journal

        observer_seat.require_writer(self.config, self.id, "repair its journal")   # it rewrites the file
        if self.shared:
            raise WarroomError(f"{self.id} lives in the shared store, whose rows cannot be rewritten:"
                               " repair works on a local journal only")
        with self._lock:
            report = repair_journal(self.journal)
            self._cache = _Cache(self.journal.follower())
            self._checkpoints = tampering.CheckpointCheck(self.dir)
            self.refresh()
            return report

    def state_copy(self, unless_seq: int | None = None) -> tuple[IncidentState, Runbook | None] | None:
        """The state now as a private copy, with the runbook it follows; None when the journal
        has not moved past ``unless_seq``.

        The refresh and the copy are taken under the incident's lock, together: the state
        object is shared, and any thread's ``refresh`` (a step follower's, an action's append)
        folds new events into it. A copy taken outside the lock could hold the state of seq N
        while ``last_seq`` already read N+1; a reader caching by seq then kept that torn copy (a
        step still "running" after its end) for as long as the journal stayed still. The
        runbook is the one the copy names (read after the lock: it may be fetched from a store)."""
        with self._lock:
            state = self.refresh()
            if unless_seq is not None and state.last_seq == unless_seq:
                return None
            copy = state.copy()
        return copy, self._runbook_of(copy.runbook)

    def runbook(self, runbook_id: str | None = None) -> Runbook | None:
        """The current runbook (parsed once and cached); with ``runbook_id`` (as typed), that open
        runbook — the current one or one a GO opened beside it; one not open is refused
        (``RunbookShelf.open``)."""
        return self.shelf.open(self.state, runbook_id)

    def runbook_id_of(self, typed: str, state: IncidentState | None = None) -> str:
        """The canonical id of the incident's runbook a person typed (``runbook_shelf.runbook_id_of``:
        exact, else the only one equal ignoring case)."""
        return runbook_id_of(state if state is not None else self.state, typed)

    def open_runbooks(self) -> list[Runbook]:
        """The runbooks being worked: the current one, then each a GO opened beside it
        (``RunbookShelf.all_open``)."""
        return self.shelf.all_open(self.state)

    def _beside_of(self, ref: dict[str, Any]) -> Runbook:
        """A runbook open beside the current one, from its copy (``RunbookShelf.beside``)."""
        return self.shelf.beside(ref)

    def typed_by_hand(self, now: datetime | None = None, state: IncidentState | None = None
                      ) -> dict[tuple[str, str], Any]:
        """The steps typed by hand in this drill incident's drill shell by ``now`` (``by_hand.drill_typed``), by
        (runbook id, step id), of its runbook and then every one a GO opened (the drill report's order: one call,
        one step): what every view counting a runbook's steps is given (``progress.of_runbook``'s ``typed``), so
        ``incident show``, the brief, a GO's count and the report's path count one step alike (attack47 Y4, Y9).
        {} for an incident that is no drill or whose drill shell holds nothing typed."""
        from warroom.incident.by_hand import drill_typed

        state = self.state if state is None else state
        if not (state.drill or {}).get("dir"):
            return {}
        return drill_typed(state, self.open_drill, self._typed_books(state), now or self.clock())

    def _hands(self, drill_dir: Path) -> Any:
        """``IncidentState.hands``: the steps done by hand in this drill incident's drill shell (``by_hand.steps_done``
        by :meth:`typed_by_hand`'s rule and runbooks, every typing so far: a look at a moment keeps those by it)."""
        from functools import partial

        from warroom.drill.actions import CALLS_FILE
        from warroom.incident.by_hand import HandsDone, drill_typed, steps_done
        from warroom.incident.decisions.reversals import typed_until

        def steps(state: IncidentState) -> dict[tuple[str, str], Any]:
            end = datetime.max.replace(tzinfo=UTC)
            return drill_typed(state, self.open_drill, self._typed_books(state), end,
                               read=partial(steps_done, until=typed_until(state, end)))
        return HandsDone(steps, drill_dir / CALLS_FILE, back=self._world_back)

    def _world_back(self, lift: datetime) -> datetime | None:
        """``HandsDone.back``: when this drill's FlowEngine admitted flows again at or after ``lift`` (its own
        schedule: ``Signals.admits``, the first pod ready after a restore), None when it has not by the drill's end of
        record or the drill cannot be read (a second responder: the lift's own moment is kept, ``relapse``)."""
        from warroom.drill.model import Signals

        try:
            drill = self.open_drill()
            sig = Signals(drill.scenario, drill.actions(), ids=drill.ids)
        except (OSError, WarroomError):
            return None
        t = drill.scenario_time(lift.timestamp())
        w = t if sig.admits(t) else next((e for e in sig.admission_edges if e > t and sig.admits(e)), None)
        return None if w is None else datetime.fromtimestamp(drill.wall_time(w), UTC)

    def drill_shell_read(self) -> tuple[tuple[Any, ...], dict[tuple[str, str], Any]]:
        """What a handoff's brief reads of the drill shell, read once: the rows the PIR's timeline merges
        (``pir.drill_shell(self).typed``) and the steps credited there (:meth:`typed_by_hand`), the latter off the
        same drill report's paths when its runbooks took the calls in the order :meth:`typed_by_hand` gives them
        (CLOSING-stop47 "Work done twice": a handoff read the drill shell twice, ~1 s for the report, then the
        credits again); else counted as :meth:`typed_by_hand` counts them."""
        from warroom.incident.pir import drill_shell

        shell = drill_shell(self)
        if shell.credits is not None and (shell.books is None or shell.books == tuple(
                b.id for b in self._typed_books(self.state) if b is not None)):
            return shell.typed, dict(shell.credits)
        return shell.typed, self.typed_by_hand()

    def _typed_books(self, state: IncidentState) -> list[Runbook | None]:
        """The runbooks whose steps take the drill shell's calls, in that order: the incident's, then each a GO
        opened (the drill report's order: one call, one step)."""
        try:
            main = self.runbook()
        except WarroomError:
            main = None         # its copy cannot be read: the runbooks a GO opened still count theirs
        opened: list[Any] = []
        seen = {main.id} if main is not None else set()
        for ref in reversed(state.runbooks):
            rb_id = str(ref.get("id") or "")
            if isinstance(ref.get("opened_by"), dict) and rb_id not in seen:
                seen.add(rb_id)
                try:
                    opened.append(self._beside_of(ref))
                except (WarroomError, OSError):
                    continue
        return [main, *reversed(opened)]

    def _runbook_of(self, ref: dict[str, Any] | None) -> Runbook | None:
        """The runbook copy a journal reference names, parsed once (``RunbookShelf.of``)."""
        return self.shelf.of(ref)

    def local_file(self, name: str) -> Path:
        """A file of the incident dir by name, fetched from a shared store first
        (``RunbookShelf.local_file``)."""
        return self.shelf.local_file(name)

    def step(self, ref: str | int, runbook_id: str | None = None) -> Step:
        """A runbook step by number, id or label — of the current runbook, or of the open
        runbook ``runbook_id`` names; unknown refs name the closest ones."""
        return self.shelf.step(self.runbook(runbook_id), ref)

    # ------------------------------------------------------------------ writing

    def append(self, type_: str, data: dict[str, Any] | None = None) -> Event:
        """Record one event through the single write path (evidence and verify gates use it:
        ``warroom.sources.evidence.Appender``)."""
        return self._append(type_, dict(data or {}))

    def _append(self, type_: str, data: dict[str, Any], *, allow_damaged: bool = False,
                after: int | None = None, unless_also: frozenset[str] = frozenset(),
                judge: Callable[[IncidentState, datetime], None] | None = None,
                stamp: datetime | None = None) -> Event:
        """The single write path: refuse on a damaged journal, append, fold the event in.
        ``after``: only if the journal still ends at that seq (see :meth:`append_once`).
        ``judge(state, at)``: what else must hold for this line, on the state it is appended to and
        at the time it is stamped with (raise to refuse); ``unless_also``: line types that may
        change that judgement, so the line is judged again if one came since (a run's start that
        spends an approval: ``approvals.USE_CHANGERS``).

        What a resolved incident accepts is judged on the state the append is conditional on: the
        line is written only if no resolution was journaled since (by another process, under the
        journal's lock); if one was, it is judged again on the new state (``after_resolve``).
        ``stamp``: the line's time when it is not now (a declaration made at a drill's start: ``declare``).

        A read-only seat writes only its step runs' lines (``observer_seat``): every other line is refused here, and
        each of its lines carries the seat's mark, so no view takes its run for the response's."""
        from warroom.journal.encoding import HeadMoved

        observer_seat.check_line(self.config, self.id, type_)
        data = {**data, **observer_seat.mark(self.config)}
        with self._lock:
            if not self.is_drill:
                stime.work_on(self.id, drill=False)   # writing to a real incident: no pinned clock from now on
            elif (held := self.pinned_on_wall()) is not None:
                raise PinnedClock(
                    f"{self.id}: ${stime.AT_ENV} pins this command at {stime.utc_said(held.timestamp())}, not the"
                    f" drill's now ({stime.utc_said(stime.wall())}): a pinned clock replays a moment's answers but"
                    f" writes nothing in the journal, whose lines are stamped when they are written; unset"
                    f" {stime.AT_ENV} to write now (nothing was written)")
            for _ in range(self.ONCE_TRIES):
                if not allow_damaged:
                    state = self.require_intact(check_tail=False)  # the append itself checks the tail, under its lock
                else:
                    state = self.refresh()
                # What a resolved incident accepts: one rule for every writer (``after_resolve``).
                after_resolve.check_line(state, self.id, type_, data)
                at = self.clock() if stamp is None else stamp
                if judge is not None:
                    judge(state, at)
                # a damaged journal's fold may end before its tail (repairing it is looking after the
                # journal, accepted whatever the incident's state): not conditional on the fold's head
                since = (state.last_seq, after_resolve.ENDS | unless_also) if not allow_damaged else (None, None)
                try:
                    if after is None:
                        event = self.journal.append(type_, data, ts=at, after=since[0], unless=since[1])
                    else:
                        event = self.journal.append(type_, data, ts=at, after=after)
                except HeadMoved:
                    if after is not None:
                        raise
                    continue        # resolved by another process since it was judged: judge again
                self.refresh()
                return event
            raise WarroomError(f"{self.id}: resolved and reopened {self.ONCE_TRIES} times while this was being"
                               " recorded; nothing was recorded (try again)")

    ONCE_TRIES = 20

    def pinned_on_wall(self) -> datetime | None:
        """Where ``$WARROOM_DRILL_AT`` pins this drill incident's clock when its drill runs on the wall clock
        (``Drill.on_wall``), else None. There a pin replays a moment's answers and writes nothing, as the drill's
        stand-ins change nothing under it (redteam43 R18: a root-cause note written 2h30m of drill time after
        detection, pinned, was stamped +2m02s and bought "Time to root cause … met"; the journal's stamps ran
        backwards). A drill made under a pin or with a start given (tests, replays) keeps its pinned clock."""
        held = stime.held_of(True) if self.is_drill else None
        if held is None:
            return None
        if self._on_wall is None:
            drill = self.state.drill or {}
            where = drill.get("dir")
            on = False
            if where and not drill.get("replay") and Path(str(where)).is_dir():
                from warroom.drill.directory import open_drill

                try:
                    on = open_drill(Path(str(where)), wrappers=False).on_wall
                except WarroomError:
                    on = False        # an unreadable drill: whoever opens its world says why
            self._on_wall = on
        return held if self._on_wall else None

    def append_once(self, due: Callable[[IncidentState], tuple[str, dict[str, Any]] | None]) -> Event | None:
        """Journal what ``due(state)`` says is due now — an event that must appear once however
        many watchers notice it (a handoff reminder, an overdue update, an expiry) — or nothing.

        The judgement and the append are tied to one journal head: the append is conditional on
        the journal still ending where the state was folded (``append(after=seq)``, checked under
        the journal's own lock: the file lock, or the incident's lock in PostgreSQL). If another
        process or host appended in between, nothing is written and ``due`` judges again on the
        new state, which then holds the other watcher's event. Bounded: after ``ONCE_TRIES``
        lost races (a journal busy with other writers) it gives up quietly; the next look
        journals it.
        """
        from warroom.journal.encoding import HeadMoved

        for _ in range(self.ONCE_TRIES):
            with self._lock:
                st = self.refresh()
                if self.read().issues:
                    return None
                todo = due(st)
                if todo is None or observer_seat.line_refusal(self.config, self.id, todo[0]) is not None:
                    return None     # nothing due, or a watcher in a read-only seat: a pure reader
                if after_resolve.line_refusal(st, self.id, todo[0], todo[1]) is not None:
                    return None     # never due on a resolved incident (an action asks require_open first)
                events = self._cache.follower.events
                head = events[-1].seq if events else 0
                try:
                    return self._append(todo[0], todo[1], after=head)
                except HeadMoved:
                    continue
        return None

    def require_intact(self, *, check_tail: bool = True) -> IncidentState:
        """Refuse to act on a journal that is damaged or no longer matches its signed checkpoints.

        Nothing is recorded and nothing is run on such a journal: a step run now would be
        journaled where no view shows it. ``verify`` says what is wrong; ``repair`` sets the
        damage aside (kept in a file, the repair itself journaled) so work can go on.
        """
        with self._lock:
            state = self.refresh()
            problem: str | None = None
            down = self.store_problem()
            if down is not None:
                from warroom.shared.db import SharedStoreDown

                raise SharedStoreDown(f"{self.id}: {down}; new actions are refused until it is back"
                                      " (warroom reconnects by itself; what you see is the last state read)")
            if state.moved_to is not None and not self.shared:
                raise WarroomError(
                    f"{self.id} was moved to the shared store {state.moved_to.get('to') or ''}: work on it"
                    " there (--shared DSN, $WARROOM_DSN or [shared] dsn); this local copy is read-only")
            if self._cache.follower.issues:
                problem = f"journal {self._cache.follower.issues[0]}"
            else:
                problem = self._checkpoint_problem()
            if problem is None and check_tail:
                try:
                    self.journal.check()
                except JournalTampered as exc:
                    problem = str(exc).split("; nothing more is recorded")[0]
            if problem is not None:
                # export signs the head it cites unless lines are damaged (``pir.export_pir``
                # then cites the last valid one): after a checkpoint or witness problem it is refused too
                still = (f"show and export still work on the {state.event_count} valid events"
                         if self._cache.follower.issues else
                         f"show still works on the {state.event_count} events read; export once repaired")
                raise JournalDamaged(
                    f"{self.id}: {problem}; nothing more can be recorded or run until it is looked at"
                    f" (`{command('incident', 'verify', self.id, *store_option(self.dir))}`, then"
                    f" `{command('incident', 'repair', self.id, *store_option(self.dir))}`; {still})"
                )
            return state

    def require_declared(self) -> IncidentState:
        """The state, refused when the journal's declaration itself cannot be read (its first line
        damaged): with no event read every view drew a hollow incident — "INVESTIGATING", elapsed 0s,
        no runbook, and for a drill's no drill at all, so the dashboard opened it on the real sources as
        a fresh real incident and the drill report said it was "not a drill incident" (redteam41 X4).
        Damage after the declaration leaves the valid events to show (``require_intact`` refuses
        writes); this is for nothing read at all."""
        state = self.refresh()
        issues = self._cache.follower.issues
        if state.declared_at is None and issues:
            raise JournalDamaged(
                f"{self.id}: journal {issues[0]}: the declaration cannot be read, so nothing of this incident"
                f" can be shown or worked (`{command('incident', 'verify', self.id, *store_option(self.dir))}`"
                " says what the records still prove)")
        return state

    def require_open(self, action: str) -> IncidentState:
        """``require_intact``, and refuse ``action`` (``tick a step``) on a resolved incident
        (``after_resolve.IncidentResolved``, naming when and the command that reopens it). For
        the actions that do work before their line is written, or that would be refused for
        another reason first: the refusal that matters is that it is over. A read-only seat is refused
        first, before anything is read (``observer_seat``)."""
        observer_seat.require_writer(self.config, self.id, action)
        state = self.require_intact()
        after_resolve.require_open(state, self.id, action)
        return state

    def _acting(self, action: str) -> None:
        """Said before anything about ``action`` (``tick a step``): a read-only seat's refusal
        (``observer_seat``), then a resolved incident's (``after_resolve``). The line's own append
        judges both again (``_append``)."""
        observer_seat.require_writer(self.config, self.id, action)
        after_resolve.require_open(self.state, self.id, action)

    def declare(self, *, title: str, severity: str, runbook: str | Path | None = None,
                source: dict[str, Any] | None = None, drill: dict[str, Any] | None = None,
                commander: str | None = None, at: datetime | None = None) -> Event:
        """Journal the declaration (the first event). The store calls this from ``create``. ``at``:
        when it was declared if not now, for a declaration that is one act with starting a drill
        (``incident new --drill``: the drill's scenario second 0, so detection and declaration are
        one instant, and the header's elapsed plus "update in" is the cadence)."""
        severity = validate_severity(severity)
        if self.journal.has_lines():
            raise WarroomError(f"{self.id} is already declared")
        make_private_dir(self.dir)
        make_private_dir(self.outputs_dir)
        self._drill_tie = drill is not None
        stime.work_on(self.id, drill=self._drill_tie)
        rb = self._snapshot_runbook(runbook) if runbook else None
        data = {"id": self.id, "title": self.redact(title), "severity": severity, "runbook": rb,
                "source": dict(source or {"kind": "manual"}), "drill": drill,
                "commander": self.redact(check_person(commander) if (commander or "").strip()
                                         else default_commander(self.config))}
        from warroom.incident.approvals import approval_policy

        policy = approval_policy(self.config)
        if policy:
            # The incident's own two-person rule, hash-chained with its declaration: a responder
            # who runs with another HOME or --config can add to it, never drop it.
            data["approval"] = policy
        return self._append(ev.DECLARED, data, stamp=at)

    def _snapshot_runbook(self, ref: str | Path) -> dict[str, Any]:
        """Copy the runbook into the incident dir, redacted, and describe it for its journal line
        (``RunbookShelf.take``): a bearer token or key written into a runbook never lands in the
        incident directory."""
        return self.shelf.take(ref, self.config)

    def attach_runbook(self, ref: str | Path) -> Event:
        """Attach (or replace) the runbook; step states of the old one stay in the journal."""
        self.require_open("attach a runbook")     # before its snapshot is copied in
        return self._append(ev.RUNBOOK_ATTACHED, self._snapshot_runbook(ref))

    def attach_runbook_once(self, ref: str | Path, *, opened_by: dict[str, Any] | None = None) -> Event | None:
        """Open the runbook beside the current one, which stays current (``opened_by``: the verdict
        that opened it), unless it is open now — judged on the journal as it is at the append
        (``append_once``): two responders taking GO at once open the follow-up runbook once. None
        when it was open already."""
        self.require_open("open a runbook")     # before its snapshot is copied in
        data = self._snapshot_runbook(ref)
        data["beside"] = str((self.state.runbook or {}).get("id") or "") or True
        if opened_by:
            data["opened_by"] = dict(opened_by)

        def due(state: IncidentState) -> tuple[str, dict[str, Any]] | None:
            if state.open_ref(data["id"]) is not None:
                return None      # open now (current or beside): nothing to open
            return ev.RUNBOOK_ATTACHED, data

        return self.append_once(due)

    def close_runbook(self, runbook_id: str | None, reason: str) -> Event:
        """Close a runbook open beside the current one (None: the only one open beside), with the
        commander's reason (``warroom.incident.closing``: what closing means). Its progress now is
        recorded in the line (frozen from then on); its steps stay in the journal and can no longer
        be acted on; its open approval requests are withdrawn. Judged on the journal as it is at the
        append: two responders closing it at once close it once (the second is told it is closed)."""
        reason = reason.strip()
        if not reason:
            raise WarroomError("closing a runbook needs a reason (--reason): the PIR says why it was closed")
        state = self.require_open("close a runbook")
        runbook_id = self.runbook_id_of(runbook_id, state) if runbook_id else closing.only_beside(state, self.id)
        closing.check_closable(state, runbook_id, self.id)
        from warroom.incident.go_opened import go_opened

        def due(state: IncidentState) -> tuple[str, dict[str, Any]] | None:
            after_resolve.require_open(state, self.id, "close a runbook")   # resolved since: said so
            ref = closing.check_closable(state, runbook_id, self.id)
            # the count as the journal has it at this very append: what every view shows from now on
            opened = next((o for o in go_opened(state, self._beside_of, self.clock(), self.config,
                                                typed=self.typed_by_hand(state=state))
                           if o.runbook_id == runbook_id), None)
            progress: dict[str, Any] = {"done": 0, "failed": 0, "total": None}
            if opened is not None:      # of its steps, those of a branch that did not apply are not owed
                progress = {"done": opened.done, "failed": opened.failed, "total": opened.total} | (
                    {"not_needed": opened.not_needed} if opened.not_needed else {})
            return ev.RUNBOOK_CLOSED, {
                "id": runbook_id, "title": str(ref.get("title") or ""), "reason": self.redact(reason),
                "beside": str((state.runbook or {}).get("id") or ""), "attached_seq": ref.get("attached_seq"),
                "progress": progress}

        event = self.append_once(due)
        if event is None:       # the journal kept moving under us (or went bad): say so, never guess
            raise WarroomError(f"{self.id}: the journal changed while closing {runbook_id}; nothing was"
                               " recorded (try again)")
        return event

    def _checklist_ref(self, step_ref: str | int, runbook_id: str | None = None,
                       action: str = "tick a step") -> dict[str, Any]:
        self._acting(action)   # said before anything about the step
        step = self.step(step_ref, runbook_id)
        book = self.runbook(runbook_id)
        return {"step": step.number, "step_id": step.id, "label": step.label,
                "runbook_id": book.id if book is not None else ""}

    def tick(self, step_ref: str | int, runbook_id: str | None = None) -> Event:
        """Mark a step done by hand (checklist items, or a command run elsewhere); a step of
        the current runbook, or of the open runbook ``runbook_id``."""
        ref = self._checklist_ref(step_ref, runbook_id)
        cur = self.state.steps.get((ref["runbook_id"], ref["step_id"]))
        if cur is not None and cur.status == "ticked":
            raise WarroomError(f"step {ref['step']} ({ref['label']}) is already ticked")
        return self._append(ev.STEP_TICKED, ref)

    def untick(self, step_ref: str | int, runbook_id: str | None = None) -> Event:
        ref = self._checklist_ref(step_ref, runbook_id, "untick a step")
        cur = self.state.steps.get((ref["runbook_id"], ref["step_id"]))
        if cur is None or cur.status != "ticked":
            raise WarroomError(f"step {ref['step']} ({ref['label']}) is not ticked")
        return self._append(ev.STEP_UNTICKED, ref)

    def skip(self, step_ref: str | int, reason: str, runbook_id: str | None = None) -> Event:
        """Skip a step; the reason is required because the PIR lists it."""
        reason = reason.strip()
        if not reason:
            raise WarroomError("skipping a step needs a reason (--reason)")
        ref = self._checklist_ref(step_ref, runbook_id, "skip a step")
        return self._append(ev.STEP_SKIPPED, {**ref, "reason": self.redact(reason)})

    # ---- people ---------------------------------------------------------------------------

    def note(self, tag: str, text: str, *, owner: str | None = None, due: str | None = None) -> Event:
        """A tagged note; root-cause / went-well / went-wrong / action / lesson feed the PIR
        (``record_lines.note``: a due date must be a real calendar date)."""
        return self._append(*lines.note(tag, text, owner=owner, due=due, now=self.clock(), redact=self.redact))

    def set_severity(self, severity: str, reason: str = "") -> Event:
        self._acting("change its severity")
        severity = validate_severity(severity)
        old = self.state.severity
        if old == severity:
            raise WarroomError(f"{self.id} is already {severity}")
        return self._append(ev.SEVERITY_CHANGED, {"from": old, "to": severity, "reason": self.redact(reason)})

    def set_status(self, status: str, reason: str = "") -> Event:
        """The commander's word on where the response stands; ``mitigated`` (or past it) is the Time-to-mitigate
        milestone when no verify gate confirmed it earlier. ``reason`` (what they saw) goes on the timeline."""
        self._acting("change its status")
        if status not in ev.STATUSES or status == "resolved":
            allowed = ", ".join(s for s in ev.STATUSES if s != "resolved")
            raise WarroomError(f"status must be one of {allowed} (resolve with `incident resolve`), got {status!r}")
        if self.state.explicit_status == status:     # said already: nothing to change, as a severity set twice
            raise WarroomError(f"{self.id} is already {status}")
        data = {"from": self.state.status, "to": status} | ({"reason": self.redact(reason)} if reason.strip() else {})
        return self._append(ev.STATUS_CHANGED, data)

    def mark_phase(self, phase: str, at: datetime | None = None, reason: str = "") -> Event:
        """Set a response-time milestone explicitly (possibly back-dated, never in the future)."""
        return self._append(*lines.milestone(phase, at, reason, now=self.clock(), redact=self.redact))

    def add_timeline(self, text: str, at: datetime | None = None) -> Event:
        """A hand-written timeline entry, possibly back-dated."""
        return self._append(*lines.timeline_entry(text, at, now=self.clock(), redact=self.redact))

    def correct_timeline(self, seq: int, text: str) -> Event:
        """Replace the shown text of an earlier entry or note; the original line stays."""
        return self._append(*lines.correction(self.state, self.id, seq, text, redact=self.redact))

    def record_decision(self, data: dict[str, Any]) -> Event:
        """A Go/No-Go verdict with who, why and the criteria as evaluated (``incident.decisions``).
        Every string is redacted, nested ones too: a criterion's evidence can quote a query
        error that carries a URL with credentials, or a step's output.

        Refused on a resolved incident: a GO would open its follow-up runbook (a rollback)
        beside an incident that has ended, and the PIR would read it as part of the response.
        Checked here, the one place every verdict goes through (CLI ``decide``, dashboard ``G``)."""
        self._acting("record a Go/No-Go verdict")
        return self._append(ev.DECISION_RECORDED, lines.redacted(data, self.redact))

    def record_decision_overdue(self, data: dict[str, Any]) -> Event:
        return self._append(ev.DECISION_OVERDUE, data)

    def record_status_update(self, text: str, channels: list[str] | None = None,
                             webhook: dict[str, Any] | None = None, head: dict[str, Any] | None = None,
                             delivery: str | None = None) -> Event:
        """Journal a stakeholder update exactly as written (line breaks kept), with the signed
        journal head it was made at (``head`` when the caller already sealed it to send along, else
        sealed now). ``delivery`` says what happened to it; when not given it follows from the
        webhook's answer: ``posted`` only when the webhook said ok, else ``drafted`` (``recorded``
        for a manual channel; ``record_lines.status_update``)."""
        data = lines.status_update(text, channels, webhook, delivery, redact=self.redact)
        with self._lock:
            data["journal_head"] = head or self.seal()
            return self._append(ev.STATUS_UPDATE, data)

    def seal(self) -> dict[str, Any]:
        """Sign the journal's head now and return it (``{seq, h, key}``) for an export or an update
        to carry: a copy of the head outside the journal that a later rewrite cannot match."""
        with self._lock:
            self.require_intact()
            record = self.journal.checkpoint()
            if record is not None:
                return {"seq": record["seq"], "h": record["h"], "key": record["key"]}
            seq, h = self.journal.head()
            return {"seq": seq, "h": h, "key": None}

    def assign_role(self, role: str, person: str, reason: str = "",
                    readings: Callable[[], Sequence[Any] | None] | None = None) -> Event:
        """Give a role (incident commander, ops lead, comms lead, scribe) to a person. A new
        commander is a handoff: the event carries the catch-up brief computed from the journal
        now, which the incoming commander acknowledges (``acknowledge_handoff``); ``readings``
        gives the panes now for its "Current state" (called only for a handoff)."""
        from warroom.incident.handoff import catch_up_brief
        from warroom.incident.roles import assignment_line

        self._acting("assign a role")
        st = self.state

        def brief() -> dict[str, Any]:
            typed, by_hand = self.drill_shell_read()        # the drill shell read once
            return catch_up_brief(st, self.clock(), update_every=self.update_every_of, config=self.config,
                                  runbooks=self.open_runbooks(), readings=readings() if readings is not None else None,
                                  typed=typed, by_hand=by_hand).to_json()
        return self._append(*assignment_line(st, role, person, reason, redact=self.redact, brief=brief))

    def acknowledge_handoff(self) -> Event:
        """The incoming commander says they have read the brief and have the incident. Only the
        person the role went to (their login, see ``identity.names_person``) can."""
        from warroom.incident.handoff import pending_handoff
        from warroom.incident.identity import names_person

        self._acting("acknowledge a handoff")
        pend = pending_handoff(self.state)
        if pend is None:
            raise WarroomError(f"{self.id}: no commander handoff is waiting for acknowledgement")
        me = self.person()
        if not names_person(me, str(pend["person"])):
            raise WarroomError(f"the handoff went to {pend['person']}; you are {me.shown}: only the incoming"
                               " commander can acknowledge it (assign the role by login name)")
        return self._append(ev.HANDOFF_ACKNOWLEDGED, {"handoff_seq": pend["seq"], "person": me.to_json()})

    def check_handoff_reminder(self, now: datetime | None = None) -> Event | None:
        """Journal ``handoff.reminder`` once per period the commander has held the role."""
        from warroom.incident.handoff import reminder_line

        now = now or self.clock()
        return self.append_once(lambda st: reminder_line(st, float(self.config.roles.handoff_reminder), now))

    def update_every(self) -> float:
        """Seconds between stakeholder updates for the current severity (the cadence table, in a drill never
        sooner than people can write one: ``cadence.update_every``)."""
        return self.update_every_of(self.state.severity)

    def update_every_of(self, severity: str) -> float:
        """Seconds between stakeholder updates for ``severity``: what the due time reads for each stretch of
        the incident's severities (``IncidentState.first_update_owed``)."""
        from warroom.incident.cadence import update_every

        return update_every(self.config, severity, self.state)

    def check_update_overdue(self, now: datetime | None = None) -> Event | None:
        """Journal ``status_update.overdue`` once for a due time that has passed unsent."""
        from warroom.incident.cadence import overdue_line

        now = now or self.clock()
        return self.append_once(lambda st: overdue_line(st, self.update_every_of, now))

    def check_escalation(self, now: datetime | None = None) -> list[Event]:
        """Journal ``escalation.tier`` for every tier the incident clock has reached and the
        journal does not have yet, lowest first, each once however many watchers look
        (``append_once``; ``warroom.incident.escalation``)."""
        from warroom.incident import escalation

        now = now or self.clock()
        out: list[Event] = []
        for _ in escalation.ESCALATION_TIERS:          # bounded: at most one line per tier
            event = self.append_once(lambda st: escalation.due(st, now))
            if event is None:
                break
            out.append(event)
        return out

    def check_decisions_overdue(self, source: Any = None, now: datetime | None = None) -> list[Any]:
        """Journal ``decision.overdue`` once for each Go/No-Go of the open runbooks whose deadline
        passed with no verdict, and return their views (``decisions.remind_overdue``).

        Every watcher calls this, as it calls ``check_escalation``: the dashboard's look (which
        also says so on screen), each CLI command that brings the journal up to date
        (``warroom.cli.incident_metrics.sync``), and ``resolve`` (a deadline missed by an incident
        worked headless, or resolved before the dashboard's next look, was never on the record
        otherwise, so its PIR said nothing of it).
        Only deadlines and ``applies_when`` conditions are judged (``source``: their metric queries;
        None judges a condition unknown, which never makes a decision overdue unless the journal
        says it arose), never the GO / NO-GO criteria."""
        from warroom.incident import decisions as dec

        try:
            books = self.open_runbooks()
        except WarroomError:      # the current runbook's snapshot cannot be read: its deadlines cannot be
            return []             # judged (whoever reads the runbook is told why); never a reason to refuse
        if not dec.decisions_of(books):
            return []
        now = now or self.clock()
        return dec.remind_overdue(self, dec.evaluate_all(self, self.state, books, source, now, criteria=False))

    def check_branches(self, source: Any = None, now: datetime | None = None) -> list[Event]:
        """Judge every runbook branch's condition of the open runbooks and journal ``branch.judged`` once per change
        of its state (``warroom.incident.branches``: what the checklist, the drill report and the PIR call the steps
        of a branch that did not apply). Every watcher that calls ``check_decisions_overdue`` calls this with the
        same ``source`` (None: metric conditions are not judged)."""
        from warroom.incident import branches

        try:
            books = self.open_runbooks()
        except WarroomError:      # the runbook's copy cannot be read: nothing to judge (whoever reads it is told)
            return []
        if not any(getattr(b, "branches", None) for b in books):
            return []
        if self.state.resolved:
            return []
        now = now or self.clock()
        return branches.note_judged(self, branches.judge_now(self, self.state, books, source, now), now)

    # ---- the metric history ------------------------------------------------------------------

    def sync_metrics(self, source: Any, slos: list[Any] | None = None, *, speed: float = 1.0,
                     now: float | None = None, summary: bool = False) -> SyncResult:
        """Journal breaches/recoveries from the metric history (and, with ``summary``, the PIR's
        numbers as ``metrics.summarised``): ``MetricWatch.sync`` (a read-only seat's reads, journals nothing)."""
        return self.metrics.sync(source, slos, speed=speed, now=now, summary=summary)

    def keep_up(self, source: Any, *, speed: float = 1.0, now: float | None = None) -> list[Event]:
        """What a watcher (the dashboard's poll, the CLI before each command) does to keep the
        journal in step with the world: breaches and recoveries from the metric history, an
        overdue stakeholder update, a handoff reminder and approvals past their time (each once).
        Returns what it journaled; nothing under a pin on a drill on the wall clock (``pinned_on_wall``)."""
        if self.pinned_on_wall() is not None:
            return []
        out = list(self.sync_metrics(source, speed=speed, now=now).events) if source is not None else []
        out.extend(self.check_escalation(None if now is None else datetime.fromtimestamp(now, UTC)))
        overdue = self.check_update_overdue()
        if overdue is not None:
            out.append(overdue)
        reminder = self.check_handoff_reminder()
        if reminder is not None:
            out.append(reminder)
        out.extend(self.approvals.expire_due())
        return out

    def summary_stale(self) -> bool:
        """The PIR's numbers need reading (again) (``metric_watch.summary_stale``)."""
        return summary_stale(self.state)

    def resolve_concerns(self, histories: dict[str, Any] | None = None) -> list[str]:
        """Panes still warn/crit or worsening, failed expectations and gates, gates that held
        before their step with nothing else mitigating, steps running."""
        from warroom.incident.metric_sync import resolve_concerns

        return resolve_concerns(self.state, histories or {})

    def read_concerns(self, source: Any, at: datetime, *, speed: float = 1.0) -> ConcernReading:
        """What resolving leaves open, read at ``at`` in the words the commander is shown and the
        resolution journals (``concern_reading.read_concerns``; blocking: metric queries)."""
        from warroom.incident.concern_reading import read_concerns

        return read_concerns(self, source, at, speed=speed)

    def record_alert(self, alert: dict[str, Any]) -> Event | None:
        """An alert seen firing while the incident is open (the sources engine calls this); a watcher's line, so
        None from a read-only seat (``observer_seat``): the responders' seats journal it when they see it."""
        if observer_seat.line_refusal(self.config, self.id, ev.ALERT_SEEN) is not None:
            return None
        return self._append(ev.ALERT_SEEN, dict(alert))

    def record_evidence(self, values: dict[str, Any], *, step: int | None = None, step_id: str | None = None,
                        when: str = "sample", offset: float | None = None) -> Event:
        """SLO values as evidence: ``values`` is {slo_id: {value, unit, state}}."""
        data: dict[str, Any] = {"when": when, "values": values}
        if step is not None:
            data["step"] = step
            data["step_id"] = step_id
        if offset is not None:
            data["offset"] = offset
        return self._append(ev.EVIDENCE, data)

    def go_opened(self, *, live: bool = True) -> list[Any]:
        """The runbooks a GO opened beside the current one, with how far each got
        (``warroom.incident.go_opened``): what resolving asks about. ``live``: its moments as the
        commander is shown them (a drill's on its clock, the wall beside: ``closing.live_at``);
        False: on the wall, as the resolution journals them for the PIR, whose moments are all wall."""
        from warroom.incident.closing import live_at, wall_at
        from warroom.incident.go_opened import go_opened

        state = self.state
        return go_opened(state, self._beside_of, self.clock(), self.config, when=live_at(state) if live else wall_at,
                         typed=self.typed_by_hand(state=state))

    def resolve(self, summary: str, resolution: str | None = None, rollback: bool | None = None, *,
                type: str | None = None, affected_repos: str | None = None,
                concerns: list[str] | None = None, at: datetime | None = None,
                confirmed: ConcernReading | None = None, fresh: ConcernReading | None = None) -> Event:
        """Close the incident; a second resolve is an error (reopen first). ``confirmed``: the
        reading of the concerns the commander was shown and confirmed (``read_concerns``): its words
        are journaled as acknowledged, with the moment they were read when it is not ``at``;
        ``fresh``: the concerns read again at ``at``, whose concerns the commander was not shown are
        journaled beside them (``concerns_unseen``), never as acknowledged (``concern_reading``).
        ``concerns``: the words alone (a caller with no reading).

        ``rollback``: whether a rollback was part of the fix — the commander's word; not given, it
        is not said (None), never a "no" (redteam39 F5). ``None`` is refused when a GO opened a
        runbook: the GO proves a verdict, not that the rollback happened, and "no" must not be
        written by default either. What the GO opened
        and how far it got is journaled with the resolution (``go_opened``).

        ``at``: the resolution's moment when the caller read the panes at it (``concerns``): the
        resolution is stamped with it, so its "resolved although … (437s)" and the PIR's "At
        resolution", read at the stamp, are one moment's (not the moment of the append, a drill
        second or more later at x60)."""
        observer_seat.require_writer(self.config, self.id, "resolve it")
        summary = summary.strip()
        if not summary:
            raise WarroomError("resolving needs a summary (--summary)")
        st = self.state
        if st.resolved:
            raise WarroomError(f"{self.id} is already resolved (at {format_ts(st.resolved_at)})"
                               if st.resolved_at else f"{self.id} is already resolved")
        opened = self.go_opened()
        if rollback is None and opened:
            raise WarroomError(f"{self.id}: {opened[0].text()}; say whether a rollback was part of the fix"
                               " (--rollback or --no-rollback)")
        data: dict[str, Any] = {"summary": self.redact(summary),
                                # what fixed it, as the commander said it; not said: "", never the summary again
                                # (redteam43 R6: the PIR's Resolution repeated it; a field left empty asks a human)
                                "resolution": self.redact((resolution or "").strip()),
                                "rollback": None if rollback is None else bool(rollback)}   # None: not said
        if opened:        # the same runbooks and counts, the sentence's moments on the PIR's wall clock
            data["go_opened"] = [o.to_json() for o in self.go_opened(live=False)]
        if type:
            data["type"] = self.redact(type)
        if affected_repos:
            data["affected_repos"] = self.redact(affected_repos)
        if confirmed is not None:
            concerns = list(confirmed.concerns)
            if concerns and (at is None or confirmed.at != at):
                data["concerns_read_at"] = format_ts(confirmed.at)
        if concerns:
            data["concerns"] = [self.redact(c) for c in concerns]
            data["concerns_acknowledged"] = True
        if confirmed is not None and fresh is not None:
            from warroom.incident.concern_reading import unseen

            late = unseen(confirmed, fresh)
            if late:
                data["concerns_unseen"] = [self.redact(c) for c in late]
        with self._lock:
            self.check_escalation(at)       # every tier it reached is on the record before it ends
            self.check_decisions_overdue(now=at)    # and every Go/No-Go deadline it let pass with no verdict
            return self._append(ev.RESOLVED, data, stamp=at)

    def reopen(self, reason: str) -> Event:
        observer_seat.require_writer(self.config, self.id, "reopen it")
        if not self.state.resolved:
            raise WarroomError(f"{self.id} is not resolved")
        return self._append(ev.REOPENED, {"reason": self.redact(reason.strip())})

    # ---- exports ---------------------------------------------------------------------------

    def render(self, template: str = "pir", now: datetime | None = None) -> str:
        """The PIR draft as markdown (what the PIR pane shows), without writing anything: the draft the
        export writes, the runbook's steps never touched listed "not done" too (``runbook_steps``)."""
        from warroom.incident.pir import drill_shell, render_pir, runbook_steps

        return render_pir(self.state, template, self.config, now=now or self.clock(), runbook_steps=runbook_steps(self),
                          typed=drill_shell(self).typed)

    def export(self, template: str = "pir", out_dir: str | Path | None = None,
               now: datetime | None = None, log: bool = True) -> ExportResult:
        """Render, write ``<template>.md`` (never over hand edits), log a CSV row, journal it; not from a
        read-only seat, before any file is written (``observer_seat``)."""
        from warroom.incident.pir import export_pir

        observer_seat.require_writer(self.config, self.id, "export the PIR")

        return export_pir(self, template, out_dir=out_dir, now=now or self.clock(), log=log)
