"""An incident open in this process: :class:`LiveIncident`, the one service the CLI
(``warroom incident …``) and the dashboard both call.

:class:`~warroom.incident.session.Incident` is the journal-facing API (one append per action).
What happens *around* a step lives here, once, so the two front ends cannot drift apart:

* the metric source the incident is judged by (a drill's simulator, never a real Prometheus, or
  the configured Prometheus), opened in one place;
* running a step: the SLO values just before it (``evidence.recorded`` when=before), then the
  supervised runner (or, for ``promql`` / ``k8s`` steps, an in-process run on a thread), always
  answered with a :class:`~warroom.execute.handle.StepHandle` that follows and cancels it;
* the step's verify gate (watched, resumed, or settled from the metric history) and the "after"
  evidence owed by ``execute.evidence_after``;
* immutable snapshots (:class:`IncidentSnapshot`) for readers, so nobody holds the incident's
  lock while drawing.

Every journal write goes through ``Incident.append`` (the incident's one append path: damaged
journals refused, the state folded in). The step supervisor is a separate process and journals
a step's start and end itself; nothing else writes the journal.

Steps are named by :data:`~warroom.incident.records.StepKey` — (runbook id, step id) — never by
their number. Everything here blocks: call it from a worker thread, never an event loop.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from warroom import scenario_time as stime
from warroom.config import Config
from warroom.errors import NotFoundError, WarroomError
from warroom.incident import closing, observer_seat
from warroom.incident.prepared import DryRun, ParamPrompt, PreparedStep
from warroom.incident.records import StepKey, StepState
from warroom.incident.session import Incident
from warroom.incident.state import IncidentState
from warroom.incident.step_preparing import StepPreparing

if TYPE_CHECKING:
    from warroom.execute.handle import StepHandle
    from warroom.runbook.model import Runbook, Step
    from warroom.sources.model import MetricSource
    from warroom.sources.verify import OpenGate, VerifyCheck, VerifyGate

NATIVE_START_TIMEOUT = 30.0   # seconds a native step may take to journal its start


@dataclass(frozen=True)
class IncidentSnapshot:
    """What a reader may look at without the incident's lock: a private copy of the state and
    the runbooks, taken at journal event ``seq``. It never changes after it is handed out."""

    state: IncidentState
    runbook: Runbook | None
    seq: int
    runbooks: tuple[Runbook, ...] = ()      # every runbook attached so far, oldest first
    store: Any = None                       # a shared incident: ``warroom.shared.listen.StoreStatus``

    def step_state(self, key: StepKey) -> StepState | None:
        return self.state.steps.get(key)

    def runbook_by_id(self, runbook_id: str) -> Runbook | None:
        return next((rb for rb in reversed(self.runbooks) if rb.id == runbook_id), None)

    @property
    def beside(self) -> tuple[Runbook, ...]:
        """The runbooks open beside the current one (a GO opened them), oldest first: worked
        next to it, each step against its own runbook. The journal decides which they are."""
        books = (self.runbook_by_id(str(ref.get("id") or "")) for ref in self.state.beside)
        return tuple(rb for rb in books if rb is not None)

    @property
    def running(self) -> list[StepKey]:
        """Every step running now, by key (several can run at once)."""
        return [(st.runbook_id, st.step_id) for st in self.state.running_steps()]


@dataclass(frozen=True)
class Followed:
    """How following a step ended: its status, and which run of it was followed (the run's
    output file, relative to the incident directory: one per run), so a reader can tell this
    run's end from a later run of the same step. ``run`` is None when no run was found."""

    status: str
    run: str | None = None
    word: str | None = None
    """The run's word as the checklist and ``incident run`` say it (``marks.run_word``: "ran", not
    "ok", when the output missed what the runbook expected); None when its end was not read."""

    @property
    def ended(self) -> bool:
        """The run's end was read (not "following stopped" / still running / unknown)."""
        return self.run is not None and self.status not in ("running", "following stopped", "unknown")


@dataclass
class GateWatch:
    """A verify gate being watched by this process (its stop flag)."""

    key: StepKey
    number: int | None
    text: str
    stop: threading.Event = field(default_factory=threading.Event)


class LiveIncident:
    """One open incident and everything this process does to it (see the module docstring).

    ``source``: the metric source evidence and gates use (None: none configured; steps still
    run, no evidence is taken). ``speed``: a drill's scenario clock runs this many times faster
    than the wall clock (windows, holds and evidence offsets are in scenario time). ``now``:
    the wall clock in epoch seconds, injectable so tests decide when evidence falls due.
    """

    def __init__(self, incident: Incident, source: MetricSource | None = None, *, speed: float = 1.0,
                 env: dict[str, str] | None = None, kube: Any = None, read_only: bool | None = None,
                 now: Callable[[], float] = stime.now, owns_source: bool = False) -> None:
        self.incident = incident
        self.source = source
        self.speed = speed if speed > 0 else 1.0
        self.env = dict(env or {})
        self.kube = kube
        self.read_only = incident.config.read_only if read_only is None else bool(read_only)
        self.now = now
        self._owns_source = owns_source
        self._handles: dict[StepKey, StepHandle] = {}
        self._gates: dict[StepKey, GateWatch] = {}
        self._lock = threading.Lock()
        self._snapshot: IncidentSnapshot | None = None
        self._runbooks: dict[str, Runbook] = {}
        self._listener: Any = None

    # ------------------------------------------------------------------ opening / closing

    @classmethod
    def open(cls, incident: Incident, **kw: Any) -> LiveIncident:
        """The incident with the metric source it is judged by, chosen as the CLI does: a drill
        incident's simulator (nothing of a drill may reach a real Prometheus), else the
        configured Prometheus (or none)."""
        source, speed = metric_source_for(incident)
        return cls(incident, source, speed=speed, owns_source=True, **kw)

    def close(self) -> None:
        """Stop watching gates (they stay open in the journal for the next watcher) and close a
        source this object opened."""
        for watch in list(self._gates.values()):
            watch.stop.set()
        if self._listener is not None:
            self._listener.stop()
            self._listener = None
        if self._owns_source:
            close = getattr(self.source, "close", None)
            if callable(close):
                close()

    def __enter__(self) -> LiveIncident:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def id(self) -> str:
        return self.incident.id

    @property
    def dir(self) -> Path:
        return self.incident.dir

    @property
    def journal_path(self) -> Path:
        return self.incident.journal.path

    # ------------------------------------------------------------------ live (shared store)

    def watch(self, on_change: Callable[[str], object]) -> bool:
        """A shared incident: start listening (NOTIFY wake-ups, catch-up reads, presence, the
        store's health); ``on_change(reason)`` is called on the listener's thread and must only
        hand the news on. False (and nothing started) for a local incident."""
        if not self.incident.shared or self._listener is not None:
            return False
        from warroom.shared.listen import Listener

        cfg = self.incident.config.shared
        self._listener = Listener(self.incident.journal, on_change, catch_up=cfg.catch_up,
                                  presence_every=cfg.presence_every)
        self._listener.start()
        return True

    def set_step(self, step: str | None) -> None:
        """The step this person is looking at, for the others' presence line."""
        if self._listener is not None:
            self._listener.set_step(step)

    def store_status(self) -> Any:
        """A shared incident's store: reachable or why not, who else has it open (None: local)."""
        if not self.incident.shared:
            return None
        if self._listener is not None:
            return self._listener.status()
        from warroom.shared.listen import StoreStatus

        journal = self.incident.journal
        return StoreStatus(where=journal.where, down=journal.down, pending=journal.pending())

    # ------------------------------------------------------------------ reading

    def snapshot(self) -> IncidentSnapshot:
        """The state now, as a private copy (copied again only when the journal moved on)."""
        with self._lock:
            cached = self._snapshot
            store = self.store_status()
            taken = self.incident.state_copy(unless_seq=cached.seq if cached is not None else None)
            if taken is None:
                assert cached is not None
                if cached.store != store:
                    from dataclasses import replace

                    self._snapshot = cached = replace(cached, store=store)
                return cached
            # ``seq`` is the copy's own: the shared state may already be further on (see
            # ``Incident.state_copy``), and a snapshot labelled newer than it is would be kept.
            copy, runbook = taken
            if runbook is not None:
                self._runbooks[runbook.id] = runbook
            attached = [self._attached_runbook(ref) for ref in copy.runbooks]
            snap = IncidentSnapshot(state=copy, runbook=runbook, seq=copy.last_seq,
                                    runbooks=tuple(rb for rb in attached if rb is not None), store=store)
            self._snapshot = snap
            return snap

    def _attached_runbook(self, ref: dict[str, Any]) -> Runbook | None:
        """A runbook attached earlier, from its snapshot in the incident directory."""
        rb_id = str(ref.get("id") or "")
        if rb_id in self._runbooks:
            return self._runbooks[rb_id]
        snap = self.incident.local_file(str(ref.get("snapshot") or "runbook.md"))
        if not snap.is_file():
            return None
        try:
            book = self.incident.shelf.load(snap)
        except WarroomError:
            return None
        if rb_id:
            book.id = rb_id
        self._runbooks[rb_id] = book
        return book

    def preparer(self) -> StepPreparer:
        """Something that prepares steps without touching the journal (see ``StepPreparer``)."""
        return StepPreparer(self.snapshot(), self.incident.config, self.incident.carried_vars(), self.dir)

    def render_pir(self) -> str:
        return str(self.incident.render("pir"))

    def holding(self, readings: list[Any] | None, at: float, *, read: bool = True) -> Any:
        """Whether the mitigation holds at ``at`` (unix; a ``relapse.Holding``, None while nothing is
        mitigated or once resolved): the panes' ``readings`` of that poll and each counted gate's
        measure read from the same source then (blocking: one query per passed gate). ``read`` False
        (a poll that failed): no query, each gate's measure is not known to hold."""
        from datetime import UTC

        from warroom.incident.gate_reading import read_gates
        from warroom.incident.relapse import holding

        state = self.snapshot().state
        if state.resolved or state.phases.get("mitigated") is None:
            return None
        when = datetime.fromtimestamp(at, UTC)
        gates = read_gates(state, self.source, self.incident.config.slo, when) if read else None
        return holding(state, when, readings, gates)

    # ------------------------------------------------------------------ steps

    def _step(self, key: StepKey) -> Step:
        """The step a key names, in an open runbook — the current one or one a GO opened beside
        it. A step of a runbook no longer open (replaced by another) is refused: its command
        belongs to the other runbook's situation."""
        runbook_id, step_id = key
        book = self.incident.runbook()
        if book is None:
            raise WarroomError(f"{self.id} has no runbook attached")
        if runbook_id and book.id != runbook_id:
            if self.incident.state.open_ref(runbook_id) is None:
                closing.refuse_closed(self.incident.state, runbook_id, self.id)
                raise WarroomError(f"step {step_id} belongs to runbook {runbook_id}; the incident now follows"
                                   f" {book.id} (attach {runbook_id} again to run it)")
            return self.incident.step(step_id, runbook_id)
        return self.incident.step(step_id)

    def key_of(self, ref: str | int, runbook_id: str | None = None) -> StepKey:
        """The key of a step named by number, id or label in the current runbook, or in the
        open runbook ``runbook_id``."""
        step = self.incident.step(ref, runbook_id)
        book = self.incident.runbook(runbook_id)
        return (book.id if book is not None else "", step.id)

    def prompts(self, key: StepKey) -> list[ParamPrompt]:
        return list(self.incident.param_prompts(self._step(key).id, runbook_id=key[0] or None))

    def prepare(self, key: StepKey, params: dict[str, str] | None = None) -> PreparedStep:
        return self.incident.prepare_step(self._step(key).id, params, runbook_id=key[0] or None)

    def run(self, prepared: PreparedStep, *, confirmed: bool, dry_run: bool = False,
            stream: TextIO | None = None, expect_last_started_seq: int | None = None) -> StepHandle | DryRun:
        """Run a prepared step the one way: SLO values before it, then the step, answered with
        its handle (or ``DryRun``). Raises ``StepRefused`` (journaled) when the rules say no.
        ``expect_last_started_seq``: the step's last start when the run was asked for and confirmed
        (``started_since``): a start since raises ``StartedSince``, nothing run or journaled."""
        from warroom.incident.started_since import refuse_started_since

        key: StepKey = (prepared.runbook_id, prepared.step_id)
        inc = self.incident
        closing.refuse_closed(inc.state, prepared.runbook_id, inc.id)   # prepared before a closure: refused
        if dry_run:
            return inc.run_step(prepared, confirm=confirmed, dry_run=True, read_only=self.read_only)
        # before the "before" evidence: a run refused for it leaves nothing in the journal (the run
        # judges it again, under the journal's lock)
        refuse_started_since(inc.refresh(), key, expect_last_started_seq, number=prepared.number,
                             me=inc.journal.actor)
        existing = inc.state.steps.get(key)
        if existing is not None and existing.status == "running":
            raise WarroomError(f"step {prepared.number} ({prepared.label}) is already running")
        self._precheck(prepared, confirmed)
        self.record_before(prepared)
        if prepared.kind in inc.NATIVE_KINDS:
            handle = self._run_native(prepared, confirmed, expect_last_started_seq)
        else:
            options: dict[str, Any] = {"env": dict(self.env)} if self.env else {}
            if stream is not None:
                options["stream"] = stream
            handle = inc.run_step(prepared, confirm=confirmed, read_only=self.read_only,
                                  expect_last_started_seq=expect_last_started_seq, **options)
        self._handles[key] = handle
        if stream is not None and prepared.kind in inc.NATIVE_KINDS:
            handle.stream_to(stream)
        return handle

    def _precheck(self, prepared: PreparedStep, confirmed: bool) -> None:
        """The runner's refusal rules before anything is recorded: a refused step has no
        "before" evidence (it never ran). Refusals are journaled by the run itself."""
        from warroom.execute import safety

        decision = safety.decide(self.incident._run_spec(prepared, confirmed, self.read_only))
        if decision.action != "run":
            self.incident.append("step.refused", decision.event_data())
            raise safety.StepRefused(f"{decision.reason or 'refused'} (recorded in the journal)")
        self.incident.approvals.require(prepared)   # a second person's approval, where one is needed

    def _run_native(self, prepared: PreparedStep, confirmed: bool, seen: int | None = None) -> StepHandle:
        """A ``promql`` / ``k8s`` step, in-process on a thread; answered with the same handle as
        a supervised step once its start is journaled."""
        from warroom.execute.handle import StepHandle

        started: dict[str, Any] = {}
        ready = threading.Event()
        failure: list[BaseException] = []
        source = self.source if prepared.kind == "promql" else None

        def work() -> None:
            try:
                self.incident.run_native_step(prepared, confirm=confirmed, read_only=self.read_only,
                                              metric_source=source, kube=self.kube,
                                              on_started=lambda d: (started.update(d), ready.set()),
                                              expect_last_started_seq=seen)
            except BaseException as exc:  # handed to the caller below, or journaled as interrupted
                failure.append(exc)
            finally:
                ready.set()

        thread = threading.Thread(target=work, name=f"native {prepared.step_id}", daemon=True)
        thread.start()
        ready.wait(NATIVE_START_TIMEOUT)
        if failure and not started:
            raise failure[0]
        if not started:
            raise WarroomError(f"step {prepared.number} ({prepared.label}) did not start within"
                               f" {NATIVE_START_TIMEOUT:g}s")
        return StepHandle(self.dir, started, alive=thread.is_alive,
                          memory_lines=self.incident.config.execute.memory_lines)

    def handle(self, key: StepKey) -> StepHandle | None:
        """The handle of a running step: the one this process started, else one reattached to
        a step started elsewhere (another process, before a resume). None when it is not running
        (a handle kept for a run the journal shows ended is dropped: nothing follows a run twice)."""
        st = self.incident.state.steps.get(key)
        run = st.last_run if st is not None else None
        handle = self._handles.get(key)
        if handle is not None:
            mine = st.run_of(handle.output_rel) if st is not None else None     # a read-only seat's run too
            if mine is not None and mine.status != "running":
                self._handles.pop(key, None)
                return None
            return handle
        if st is None or st.status != "running" or run is None or not run.output:
            return None
        from warroom.execute.runner import attach

        from warroom.journal.log import format_ts

        started = {"output": run.output, "supervisor_pid": run.supervisor_pid, "pid": run.pid,
                   "pgid": run.pid, "step": st.step, "step_id": st.step_id,
                   "started_at": format_ts(run.started_at)}
        if st.runbook_id:
            started["runbook_id"] = st.runbook_id
        handle = attach(self.dir, started, memory_lines=self.incident.config.execute.memory_lines)
        if handle is not None:
            self._handles[key] = handle
        return handle

    def wait_handle(self, key: StepKey, settle: float = 5.0) -> StepHandle | None:
        """``handle``, waiting up to ``settle`` seconds for a step that is just starting."""
        deadline = time.monotonic() + settle
        while True:
            handle = self.handle(key)
            st = self.incident.state.steps.get(key)
            if handle is not None or time.monotonic() >= deadline or (st is not None and st.status != "running"):
                return handle
            time.sleep(0.1)

    def cancel(self, key: StepKey) -> str:
        """Ask a running step to stop (its supervisor journals ``cancelled``); not from a read-only seat,
        whose stop would change the response's run (``observer_seat``)."""
        from warroom.incident.observer_seat import require_writer

        require_writer(self.incident.config, self.incident.id, "cancel a step")
        elsewhere = self.runs_elsewhere(key)
        if elsewhere is not None:
            raise WarroomError(f"step {key[1]} runs on another host ({elsewhere}): only there can it be"
                               " cancelled")
        handle = self.wait_handle(key)
        if handle is None or not handle.cancel():
            raise WarroomError(f"step {key[1]} is not running" if handle is None
                               else f"step {key[1]} cannot be cancelled (an in-process query or"
                                    " API call ends by its own timeout)")
        return "cancel requested"

    def runs_elsewhere(self, key: StepKey) -> str | None:
        """Who runs this step on another host (a shared incident whose run's output file is not
        here); None when it runs here, is not running, or the incident is local."""
        if not self.incident.shared:
            return None
        st = self.incident.state.steps.get(key)
        run = st.last_run if st is not None else None
        if st is None or st.status != "running" or run is None or not run.output:
            return None
        return None if (self.dir / run.output).exists() else str(run.actor or "another host")

    def forget(self, key: StepKey) -> None:
        self._handles.pop(key, None)

    def follow(self, key: StepKey, stop: threading.Event,
               batch: Callable[[list[Any]], object]) -> Followed:
        """Blocking: hand each new batch of the step's output lines to ``batch`` until it ends
        (its status) or ``stop`` is set ("following stopped"); says which run was followed."""
        handle = self.wait_handle(key)
        if handle is None:
            # The step ended before anyone followed it (a quick command on a busy machine): its
            # stored output is what the view shows, never an empty "0 lines".
            st = self.incident.refresh().steps.get(key)
            stored = self._stored_tail(st)
            if stored:
                batch(stored)
            run = st.last_run if st is not None else None
            return Followed(st.status if st is not None else "unknown", run.output if run is not None else None,
                            _word(st.status, run) if st is not None else None)
        result = handle.follow(batch, stop_event=stop)
        if result is None:
            return Followed("following stopped", handle.output_rel)
        if self._handles.get(key) is handle:
            self._handles.pop(key, None)
        st = self.incident.refresh().steps.get(key)
        ran = st.run_of(handle.output_rel) if st is not None else None    # this run's record (an observer's too)
        return Followed(str(result.status), handle.output_rel,
                        _word(str(result.status), ran) if ran is not None else None)

    def _stored_tail(self, st: Any) -> list[Any]:
        """The newest ``execute.memory_lines`` lines of a finished step's stored output."""
        from collections import deque

        from warroom.execute.capture import parse_line

        run = st.last_run if st is not None else None
        if run is None or not run.output:
            return []
        keep: deque[Any] = deque(maxlen=max(1, self.incident.config.execute.memory_lines))
        try:
            with open(self.dir / run.output, "rb") as fh:
                for n, raw in enumerate(fh, 1):
                    keep.append(parse_line(n, raw.rstrip(b"\n")))
        except OSError:
            return []
        return list(keep)

    # ------------------------------------------------------------------ evidence

    def record_before(self, prepared: PreparedStep) -> None:
        """The SLO values just before a step runs (nothing without a metric source)."""
        if self.source is None:
            return
        from warroom.sources.evidence import record_before

        record_before(self.incident, prepared.number, prepared.step_id, self.source,
                      self.incident.config.slo, at=self.now(), runbook_id=prepared.runbook_id or None,
                      stale_after=self.incident.config.prometheus.stale_after)

    def record_due_evidence(self) -> list[dict[str, Any]]:
        """Journal every "after" value that has fallen due (``execute.evidence_after``, in the
        drill's scenario time), each queried as of its due time."""
        if self.source is None:
            # no metrics to record, but an overdue update, a handoff reminder, an expired approval
            return [e.data for e in self.incident.keep_up(None, speed=self.speed, now=self.now())]
        from warroom.sources.evidence import offsets_from, record_due

        cfg = self.incident.config
        offsets = [stime.wall_seconds(o, self.speed) for o in offsets_from(cfg.execute.evidence_after)]
        written = record_due(self.incident, self._evidence_events(self.incident.read().events), self.source,
                             cfg.slo, offsets,
                             now=self.now(), stale_after=cfg.prometheus.stale_after)
        # breaches / recoveries from the metric history, and an overdue stakeholder update
        kept = self.incident.keep_up(self.source, speed=self.speed, now=self.now())
        return written + [e.data for e in kept]

    # ------------------------------------------------------------------ verify gates

    def gate_text(self, key: StepKey) -> str | None:
        step = self._step(key)
        return getattr(step, "verify", None) or None

    def open_gates(self) -> list[OpenGate]:
        from warroom.sources.verify import open_gates

        return open_gates(self._gate_events(self.incident.read().events))

    def _gate_events(self, events: list[Any]) -> list[Any]:
        """A shared incident: a step's gate is watched and settled by the host that ran the step
        (its output is there), so two responders never both journal its outcome."""
        if not self.incident.shared:
            return events
        last_output: dict[str, str] = {}
        for e in events:
            if e.type == "step.started" and e.data.get("output"):
                last_output[str(e.data.get("step_id"))] = str(e.data["output"])
        theirs = {sid for sid, out in last_output.items() if not (self.dir / out).exists()}
        if not theirs:
            return events
        return [e for e in events if not (e.type == "verify.started" and str(e.data.get("step_id")) in theirs)]

    def _evidence_events(self, events: list[Any]) -> list[Any]:
        """A shared incident: the "after" values of a step are owed by the host that ran it (so
        two dashboards never both record them); other hosts' step ends are left out here. A read-only seat owes
        only its own runs' (``observer_seat.RECORDS``): a responder's step's are the responders' seats' to record,
        never backfilled under the observer's login (redteam48 F13)."""
        if observer_seat.observer(self.incident.config):
            events = [e for e in events if e.type != "step.finished" or observer_seat.marked(e.data)]
        if not self.incident.shared:
            return events
        return [e for e in events if not (e.type == "step.finished" and e.data.get("output")
                                          and not (self.dir / str(e.data["output"])).exists())]

    def settle_gates(self) -> list[tuple[OpenGate, VerifyCheck | None]]:
        """Gates whose window ended while nobody watched are settled from the metric history;
        those still inside it come back with ``None`` for the caller to go on watching."""
        if self.source is None:
            return []
        from warroom.incident.gate_journal import GateJournal
        from warroom.sources.verify import open_gates, settle_open

        events = self._gate_events(self.incident.read().events)
        if not open_gates(events):
            return []
        return settle_open(GateJournal(self.incident), events, self.source, self.incident.config.slo,
                           now=self.now(), speed=self.speed)

    def catch_up(self) -> None:
        """Before recording anything new: settle gates nobody watched, journal evidence owed."""
        self.settle_gates()
        self.record_due_evidence()

    def watching(self) -> list[GateWatch]:
        return list(self._gates.values())

    def gate(self, key: StepKey, text: str) -> VerifyGate:
        """Step ``key``'s gate ``text`` resolved as its runbook reads it: a query that runbook
        names (``[queries.NAME]``), else a pane of the configuration, else PromQL. Raises
        ``VerifyError`` for a gate that cannot be parsed."""
        from warroom.sources.verify import parse_verify

        try:
            book = self.incident.runbook(key[0] or None)
        except WarroomError:
            book = None          # a runbook no longer open: its gate still reads as panes or PromQL
        gate = parse_verify(text, self.incident.config.slo, book.queries if book is not None else None)
        step = book.step(key[1]) if book is not None else None
        # journaled with the gate (``VerifyGate.words``): which steps end what it confirms on purpose (``relapse``),
        # and whether its pass is the mitigation (``mitigates``)
        return replace(gate, lifted_by=step.lifted_by, mitigates=step.mitigates) if step is not None else gate

    def open_gate(self, key: StepKey, number: int | None, text: str) -> None:
        """Journal ``verify.started`` without watching it (``incident run --no-wait``); none from a read-only seat,
        whose run is not the step's (``observer_seat``)."""
        from warroom.incident.gate_journal import GateJournal
        from warroom.sources.verify import VerifyRun, journal_started

        if observer_seat.observer(self.incident.config):
            return

        if self.source is None:
            raise WarroomError("no metric source: the gate cannot be checked")
        gate = self.gate(key, text)
        self._settle_held(key)
        journal_started(GateJournal(self.incident), number, key[1], VerifyRun(gate, self.source, speed=self.speed),
                        key[0], self._run_started(key))

    def _settle_held(self, key: StepKey) -> None:
        """Before the step's re-run opens its gate: an older gate of the step the metrics already passed is journaled
        passed, so it is not superseded unsettled (``sources.verify.settle_held``, attack43 A6)."""
        from warroom.incident.gate_journal import GateJournal
        from warroom.sources.verify import settle_held

        if self.source is not None:
            settle_held(GateJournal(self.incident), self._gate_events(self.incident.read().events), self.source,
                        self.incident.config.slo, key, now=self.now(), speed=self.speed)

    def _run_started(self, key: StepKey) -> float | None:
        """When the step's latest run started (unix), or its action was first typed by hand before it
        (``gate_evidence.before_at``): the gate's measure then is what it held before the step did anything."""
        from warroom.incident.gate_evidence import before_at

        state = self.incident.state
        st = state.steps.get(key)
        run = st.last_run if st is not None else None
        return before_at(state, key, run.started_at.timestamp()) if run is not None else None

    def watch_gate(self, key: StepKey, number: int | None, text: str, *,
                   on_check: Callable[[VerifyCheck], None] | None = None, every: float = 2.0,
                   resume: OpenGate | None = None, leave_open: bool = True) -> VerifyCheck | None:
        """Blocking: journal ``verify.started`` (unless ``resume``), probe until the metrics
        confirm the fix or the window runs out, journal the outcome. Stopped (``close``,
        ``stop_gate``) with ``leave_open``: no outcome, None, the gate stays open for the next
        watcher. A gate its step's re-run superseded (``verify.superseded``) is watched no more: a
        ``superseded`` check, no outcome. Raises ``VerifyError`` for a gate that cannot be parsed. A read-only
        seat opens none (None): its run is not the step's; a gate the journal holds open it watches, writing nothing
        (``observer_seat``: a watcher's lines are journaled by the responders' seats)."""
        from warroom.incident.gate_journal import GateJournal
        from warroom.incident.verify_events import superseded_words
        from warroom.sources.verify import VerifyCheck, run_verify

        if resume is None and observer_seat.observer(self.incident.config):
            return None

        if self.source is None:
            raise WarroomError("no metric source: the gate cannot be checked")
        gate = self.gate(key, text)               # refuses a gate that does not parse before anything
        journal = GateJournal(self.incident, key)  # one gate per run, one outcome per gate
        if resume is None:
            found = journal.recorded(key)
            if isinstance(found, VerifyCheck):
                return found                      # another watcher settled this run's gate
            resume = found                        # another watcher's open gate: watch that one
            if resume is None:
                self._settle_held(key)            # an older gate of the step the metrics already passed
        if resume is not None and resume.started:
            gate = resume.gate(self.incident.config.slo)    # what it was opened on, as journaled
        if resume is not None:
            journal.gate_seq = resume.seq
        with self._lock:
            if key in self._gates:
                raise WarroomError(f"the gate of step {key[1]} is already being watched")
            watch = self._gates[key] = GateWatch(key, number, gate.text)

        def looked(check: VerifyCheck) -> None:
            if on_check is not None:
                on_check(check)
            if journal.superseded() is not None:
                watch.stop.set()        # the step's re-run opened its own gate: this one is closed, never settled

        try:
            mine = run_verify(journal, number, key[1], gate, self.source, every=every, cancel=watch.stop,
                              on_check=looked, speed=self.speed, resume=resume, leave_open=leave_open,
                              runbook_id=key[0], before_at=self._run_started(key))
            if (gone := journal.superseded()) is not None:
                return VerifyCheck("superseded", None, 0.0, f"{superseded_words(gone)}, whose gate judges the step")
            return journal.outcome(key, mine)
        finally:
            with self._lock:
                self._gates.pop(key, None)

    def stop_gate(self, key: StepKey) -> None:
        watch = self._gates.get(key)
        if watch is not None:
            watch.stop.set()

    # ------------------------------------------------------------------ runbooks

    def attach(self, ref: str | Path) -> None:
        """Attach another runbook: its steps start blank (step identity includes the runbook);
        the previous runbook's progress stays in the journal and in ``snapshot().runbooks``."""
        self.incident.attach_runbook(ref)

    def running_keys(self) -> Iterator[StepKey]:
        for st in self.incident.state.running_steps():
            yield (st.runbook_id, st.step_id)


class StepPreparer(StepPreparing):
    """Prepares steps from a snapshot, with no lock and no journal read: the run dialog's
    preview runs on every keystroke, on the event loop. Same rules as ``Incident.prepare_step``
    (it is the same code), over the state and runbook the snapshot holds."""

    def __init__(self, snapshot: IncidentSnapshot, config: Config, carried: dict[str, str],
                 directory: Path) -> None:
        self.snapshot = snapshot
        self.config = config
        self.id = snapshot.state.id
        self.dir = directory
        self._carried = dict(carried)

    def carried_vars(self) -> dict[str, str]:
        """The shell variables earlier steps set, as read when the snapshot was taken."""
        return dict(self._carried)

    @property
    def state(self) -> IncidentState:
        return self.snapshot.state

    def runbook(self, runbook_id: str | None = None) -> Runbook | None:
        """The snapshot's current runbook, or the open runbook ``runbook_id`` (as ``Incident``)."""
        book = self.snapshot.runbook
        if not runbook_id or (book is not None and book.id == runbook_id):
            return book
        if self.snapshot.state.open_ref(runbook_id) is None:
            closing.refuse_closed(self.snapshot.state, runbook_id, self.id)
            raise NotFoundError(f"{self.id}: runbook {runbook_id} is not open")
        return self.snapshot.runbook_by_id(runbook_id)

    def approval_verdict(self, prepared: PreparedStep, now: datetime) -> Any:
        """What the two-person rule says about running ``prepared`` now, from the snapshot
        (``approvals.verdict_for``; None: no approval needed)."""
        from warroom.incident.approval_target import resolved_target
        from warroom.incident.approvals import verdict_for

        target = resolved_target(dict(prepared.target), self.config, drill=self.snapshot.state.drill is not None)
        return verdict_for(self.snapshot.state, self.config, prepared, self.id, now, target)

    def step(self, ref: str | int, runbook_id: str | None = None) -> Step:
        book = self.runbook(runbook_id)
        found = book.step(ref) if book is not None else None
        if found is None:
            raise NotFoundError(f"{self.id}: no step {str(ref)!r}"
                                f"{' in ' + book.id if book is not None else ' (no runbook attached)'}")
        return found


def metric_source_for(incident: Incident) -> tuple[MetricSource | None, float]:
    """The source a drill incident or a real one is judged by, and the speed its clock runs at:
    a drill's simulator (never whatever Prometheus is configured), else the configured
    Prometheus (or None) at 1x; a rehearsal, the recording it replays."""
    if (incident.state.drill or {}).get("replay"):
        from warroom.incident.replay import rehearsal_source

        return rehearsal_source(incident.state.drill, incident.config.prometheus.window)
    if incident.state.drill is not None:
        drill = incident.open_drill()
        return drill.source(incident.config.slo, window=incident.config.prometheus.window), drill.speed
    from warroom.sources.factory import open_metric_source

    return open_metric_source(incident.config), 1.0


def _word(status: str, run: Any) -> str:
    """``marks.run_word`` for a journaled run: the word its end is shown with."""
    from warroom.incident.marks import run_verdict, run_word

    return run_word(status, run_verdict(run))
