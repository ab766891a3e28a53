"""Between the dashboard and the incident service: every call into the core runs here, in a
thread worker started on the App, and every answer goes back as a message.

The dashboard never holds incident state of its own and never calls the core on the event
loop: it asks the presenter, and draws what the presenter posts (``tui.messages``): snapshots
(``ViewReady``), a step's output batches (``OutputReady``), gate progress, outcomes in words.
A worker that fails on something unexpected is heard by the App's one handler
(``WarroomApp.on_worker_state_changed``), which puts the failure on screen.

The service is :class:`warroom.incident.live.LiveIncident`, the same one ``warroom incident run``
uses, so a step run here and from the shell writes the same events.
"""

from __future__ import annotations

import os
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from warroom import scenario_time as stime
from tui.messages import (
    ActionDone,
    ActionFailed,
    DecisionsReady,
    DrillReportReady,
    GateProgress,
    IncidentChanged,
    OutputReady,
    PeopleReady,
    PirReady,
    Reminded,
    ResumeOffer,
    RunDialogReady,
    StepEnded,
    StepStarted,
    ViewReady,
    decision_subject,
)
from warroom.errors import WarroomError
from warroom.paths import command
from warroom.units import format_reading

if TYPE_CHECKING:
    from textual.message import Message

    from tui.host import WarroomHost
    from tui.context import AppContext, DrillInfo
    from warroom.incident.live import LiveIncident
    from warroom.incident.records import StepKey
    from warroom.sources.verify import OpenGate, VerifyCheck

OUTPUT_BATCH = 400      # newest lines drawn per drain of a flooding step (one render, a few ms)
EVIDENCE_EVERY = 15.0   # seconds between looks for owed "after" evidence
LOOK_NOW_EVERY = 2.0    # seconds between looks pulled forward by look_now (a deadline or tier due)
VERIFY_EVERY = 2.0      # seconds between probes of an open gate


def pane_title(slo: Any, value: float) -> str:
    """The title a declaration from a breached pane is pre-filled with: the pane and its value, as
    the pane writes it."""
    return f"{slo.title} at {format_reading(value, slo)}"


@dataclass
class OpenSummary:
    id: str
    title: str
    severity: str
    status: str
    declared_at: float | None
    drill: str | None = None          # "rate-limit ×10" for a drill incident
    elsewhere: str | None = None      # the state dir to reopen it from, when not in this dashboard's world
    clock_start: float | None = None  # when its clock started (detection), as the header counts
    time_scale: float = 1.0           # a drill's speed: its clock runs on scenario time
    relapse: str = ""                 # "RELAPSED since 20:24:21": the mitigation did not hold (``status_said``)


@dataclass
class OutputBuffer:
    """One step's newest output lines waiting for the next drain, and how many it printed.
    Filled by that step's follow worker, drained by the event loop, under ``lock``."""

    lines: deque[str]
    seen: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def drain(self) -> tuple[list[str], int]:
        with self.lock:
            out = list(self.lines)
            self.lines.clear()
            return out, self.seen


def describe(exc: BaseException) -> str:
    """A failure in words for the screen."""
    if isinstance(exc, OSError):
        return f"{exc.filename or ''}: {exc.strerror or exc}".strip(": ")
    text = str(exc)
    return text if isinstance(exc, WarroomError) else f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def open_incidents(ctx: AppContext) -> list[OpenSummary]:
    """The incidents this dashboard may resume, oldest first: a drill only its own; the real
    dashboard its state dir's and the drills' open incidents (a drill incident, chosen, reopens
    in its own drill: ``OpenSummary.elsewhere``)."""
    sim = ctx.drill.extra.get("drill") if ctx.drill is not None else None
    from warroom.shared.dsn import resolve

    base = Path(ctx.state_dir)
    out = _open_under(ctx, base, sim)
    if resolve(ctx.config) is None:     # a shared store holds them all: listed once
        # the real dashboard: the drills' incidents too; a drill: its own declared elsewhere
        # (``incident new --drill`` declares among the real ones), reopened from there
        for root in (ctx.drill.also if ctx.drill is not None else (base / "drills",)):
            out += _open_under(ctx, root, sim)
    return sorted(out, key=lambda o: o.declared_at or 0.0)


def _open_under(ctx: AppContext, state_dir: Path, sim: Any) -> list[OpenSummary]:
    from warroom.incident.status_said import status_said
    from warroom.incident.store import IncidentStore

    from warroom.shared.dsn import resolve

    root = state_dir / "incidents"
    if resolve(ctx.config) is None and (not root.is_dir() or next(root.iterdir(), None) is None):
        # Nothing to resume: the engine (and its imports, ~3 MB resident) loads only when
        # an incident is declared or opened.
        return []
    own = state_dir == Path(ctx.state_dir)
    out = []
    for st in IncidentStore(state_dir, ctx.config).open_incidents():
        drill = st.drill or {}
        if ctx.drill is not None and not in_world(ctx.drill, drill):
            # A drill resumes only its own incidents: another scenario's (or an earlier run's)
            # incident would be worked against a world that never had it.
            continue
        label = None
        if drill:
            label = f"{drill.get('scenario', '?')} ×{float(drill.get('speed') or 1):g}"
        # A drill incident outside its drill's dashboard is opened in its own world, by the
        # same path as `warroom resume ID`; so is anything not under this dashboard's state dir.
        # A rehearsal of another run of this replay is one too: its own clock comes back.
        mine = own and (not drill or ctx.drill is not None) and not (drill.get("replay") and ctx.drill
                                                                     and not same_replay(ctx.drill, drill))
        elsewhere = None if mine else str(state_dir)
        # the relapse as the header says it, from the journal (redteam51 R8: offered as "MITIGATED")
        said = status_said(st, stime.utcnow_of(st))
        out.append(OpenSummary(id=st.id, title=st.title, severity=st.severity, status=st.status,
                               declared_at=st.declared_at.timestamp() if st.declared_at else None,
                               drill=label, elsewhere=elsewhere, time_scale=st.time_scale,
                               clock_start=st.clock_start.timestamp() if st.clock_start else None,
                               relapse=said.relapse))
    return out


def same_drill(recorded: dict[str, Any] | None, sim: Any) -> bool:
    """Whether an incident's recorded drill (``state.drill``) is the drill ``sim`` is."""
    where = (recorded or {}).get("dir")
    if not where:
        return False
    try:
        return Path(str(where)).resolve() == Path(sim.path).resolve()
    except OSError:
        return False


def in_world(info: DrillInfo, recorded: dict[str, Any] | None) -> bool:
    """Whether an incident's recorded drill (``state.drill``) belongs to this drill dashboard's world:
    the same drill directory, or the same recorded incident replayed."""
    sim, replay = info.extra.get("drill"), info.extra.get("replay")
    if sim is not None:
        return same_drill(recorded, sim)
    # a drill with no world of its own (the fake source, for tests) has nothing to tell apart
    return (recorded or {}).get("replay") == replay if replay else True


def same_replay(info: DrillInfo, recorded: dict[str, Any]) -> bool:
    """Whether a rehearsal was declared in this very run of its replay (its start and speed): one
    from another run is at another point of the recording, so it reopens in its own."""
    return (recorded.get("replay_start"), float(recorded.get("speed") or 0.0)) == (
        info.extra.get("replay_start"), info.speed)


def world_mismatch(ctx: AppContext, incident_id: str, recorded: dict[str, Any] | None) -> str | None:
    """Why this dashboard must not adopt the incident (None: it may): a drill incident is judged
    only by its own drill's simulator (a replay's by its own recording), a real one never by a
    drill. The dashboard's metric source, speed and stand-ins are its world's; adopting across
    worlds would show one world's curves beside the other's incident."""
    if ctx.drill is None:
        return None if not recorded else (
            f"{incident_id} is a drill incident ({recorded.get('scenario', '?')}): it opens in its own drill"
            f" — `{command('resume', incident_id)}`")
    if in_world(ctx.drill, recorded):
        if not recorded or not recorded.get("replay") or same_replay(ctx.drill, recorded):
            return None
        return (f"{incident_id} rehearses {recorded['replay']} in another run of its replay"
                f" (×{float(recorded.get('speed') or 1):g}): `{command('resume', incident_id)}` continues it")
    if not recorded:
        return (f"{incident_id} is a real incident and this is the {ctx.drill.scenario} drill:"
                f" open it with `{command('resume', incident_id)}`")
    return (f"{incident_id} belongs to another drill ({recorded.get('scenario', '?')},"
            f" {recorded.get('dir') or recorded.get('replay') or 'no directory recorded'}), not this"
            f" {ctx.drill.scenario} one: open it with `{command('resume', incident_id)}`")


class IncidentPresenter:
    """The dashboard's one door into the core. Methods named ``*_async`` (and ``call``) start
    a worker and return at once; the rest are cheap reads of what the workers left."""

    def __init__(self, app: WarroomHost, post: Callable[[Message], object]) -> None:
        self.app = app
        self.ctx: AppContext = app.ctx
        self.post = post                       # to the dashboard screen (thread-safe)
        self.live: LiveIncident | None = None
        self.outputs: dict[StepKey, OutputBuffer] = {}
        self._following: set[StepKey] = set()
        # each follower's stop: set on close, so a dashboard that goes away is not held until the
        # commands it followed end (they keep running under their supervisors)
        self._follow_stops: dict[StepKey, threading.Event] = {}
        self._ended: set[tuple[str, StepKey, str]] = set()  # (incident, step, run) a follower saw end
        self._gates_taken: set[tuple[str, int]] = set()   # (incident, verify.started seq) taken up here
        self._evidence_next = 0.0
        self._looked_now = -1e9          # when look_now last pulled the evidence look forward
        self._journal_size = -1
        self.pir_open = False
        # the drill shell's credits the last view was built with (set on the UI thread by the dashboard's
        # ``on_view_ready``): ``go_opened`` counts with them, reading no file where a key asks it
        self.typed_seen: dict[tuple[str, str], Any] = {}

    # ------------------------------------------------------------------ plumbing

    @property
    def incident(self) -> Any | None:
        """The open ``Incident`` (for tests and tools; the dashboard reads snapshots)."""
        return self.live.incident if self.live is not None else None

    @property
    def incident_id(self) -> str | None:
        return self.live.id if self.live is not None else None

    def worker(self, fn: Callable[[], object], *, group: str, name: str, exclusive: bool = False) -> None:
        """Run ``fn`` in a thread worker on the App: its failure reaches the App's handler."""
        self.app.run_worker(fn, thread=True, group=group, name=name, exclusive=exclusive,
                            exit_on_error=False)

    def call(self, fn: Callable[..., Any], *args: Any, done: str = "", what: str = "",
             **kwargs: Any) -> None:
        """One core call off the event loop: refusals and known errors are said in words
        (``ActionFailed``), success in ``done``; then the view is rebuilt."""

        def work() -> None:
            try:
                result = fn(*args, **kwargs)
            except (WarroomError, OSError) as exc:
                self.post(ActionFailed(f"{what}: {describe(exc)}" if what else describe(exc)))
            else:
                message = done or (result if isinstance(result, str) and " " in result else "")
                if message:
                    self.post(ActionDone(message))
            finally:
                self.post(IncidentChanged(self.incident_id))

        self.worker(work, group="io", name=what or getattr(fn, "__name__", "action"))

    def require(self) -> LiveIncident:
        if self.live is None:
            raise WarroomError("no incident is open: press d to declare one")
        return self.live

    # ------------------------------------------------------------------ opening

    def _store(self) -> Any:
        from warroom.incident.store import IncidentStore

        return IncidentStore(self.ctx.state_dir, self.ctx.config)

    def _adopt(self, incident: Any) -> str:
        from warroom.incident.live import LiveIncident

        refused = world_mismatch(self.ctx, incident.id, incident.state.drill)
        if refused is not None:
            raise WarroomError(refused)
        drill = self.ctx.drill
        old = self.live
        self.live = LiveIncident(incident, self.ctx.source,
                                 speed=drill.speed if drill is not None and drill.speed > 0 else 1.0,
                                 env=self.ctx.extra_env, kube=self.ctx.kube, read_only=self.ctx.read_only,
                                 now=self.ctx.clock.now)
        if old is not None:
            old.close()
        self._journal_size = -1
        live = self.live
        # A shared incident: the listener's thread only posts; the view is rebuilt by a worker
        # that reads by seq (a missed notification loses nothing), the header says "down".
        live.watch(lambda reason: self.post(IncidentChanged(live.id, reason, {"store": live.store_status()})))
        return str(incident.id)

    def open_incidents(self) -> list[OpenSummary]:
        return open_incidents(self.ctx)

    def open(self, inc_id: str) -> str:
        if inc_id == "latest":
            found = [o for o in self.open_incidents() if o.elsewhere is None]
            if not found:
                raise WarroomError(f"no open incident under {self.ctx.state_dir}")
            inc_id = found[-1].id
        return self._adopt(self._store().open(inc_id))

    def look_for_open_incidents_async(self) -> None:
        def work() -> None:
            try:
                found = self.open_incidents()
            except WarroomError as exc:   # the shared store down or refusing: said, not a crash
                self.post(ActionFailed(f"open incidents: {describe(exc)}"))
                return
            if found:
                self.post(ResumeOffer(found))

        self.worker(work, group="io", name="look for open incidents")

    def declare(self, *, title: str, severity: str, runbook: str | None, source: dict[str, Any],
                retitle: bool = False) -> str:
        """Declare the incident. From a breached pane (``source`` kind ``pane``), the pane is read
        again now, as the incident is declared: its value then is the one journaled (and the title
        the dialog pre-filled from it, kept as it was: ``retitle``), not the one the dialog opened on
        (``declared_reading``), read at the very instant the declaration is stamped with."""
        ref: str | None = runbook
        rb = self.ctx.runbook(runbook)
        if rb is not None and rb.path is not None:
            ref = str(rb.path)
        drill = None
        sim = self.ctx.drill.extra.get("drill") if self.ctx.drill is not None else None
        if self.ctx.drill is not None:
            drill = {"scenario": self.ctx.drill.scenario, "speed": self.ctx.drill.speed}
            # a rehearsal of a recorded incident (no command runs) and where that recording is
            extra = self.ctx.drill.extra
            drill.update((k, v) for k, v in extra.items() if k in ("replay", "recording", "replay_start"))
            if sim is not None:
                # Recorded so a headless `incident run` on this incident reaches the stand-ins too.
                drill["dir"] = str(sim.path)
        if (why := self.drill_over()) is not None:
            raise WarroomError(why)          # a drill is over once its incident is resolved (launch.drill_ended)
        at = None
        if source.get("kind") == "pane":
            # the incident's own clock (Incident.own_clock): a drill's may be pinned, never before its start
            at = (datetime.fromtimestamp(stime.drill_now(sim.start, f"drill {sim.name}"), UTC) if sim is not None
                  else stime.utcnow_of(self.ctx.drill is not None))
            source, title = self.declared_reading(source, title, retitle, at.timestamp())
        if sim is not None:
            from warroom.incident.drill_report import declared_source

            source = declared_source(sim, source, self.ctx.config.slo, at=at.timestamp() if at is not None else None)
        incident = self._store().create(title=title, severity=severity, runbook=ref, source=source, drill=drill,
                                        at=at)
        if sim is not None and callable(getattr(sim, "attach_incident", None)):
            sim.attach_incident(incident.id, incident.shared_where)
        return self._adopt(incident)

    def drill_over(self) -> str | None:
        """Why no incident may be declared on this dashboard's drill any more (its incident was
        resolved, here or elsewhere: ``launch.drill_ended`` reads the drill from disk), else None.
        Asked at ``d`` too, so the refusal comes before the commander fills in the form
        (redteam38 F15), and again as the declaration is written."""
        sim = self.ctx.drill.extra.get("drill") if self.ctx.drill is not None else None
        ended = self.ctx.drill.extra.get("ended") if self.ctx.drill is not None else None
        return ended(sim) if sim is not None and callable(ended) else None

    def declared_reading(self, source: dict[str, Any], title: str, retitle: bool,
                         at: float) -> tuple[dict[str, Any], str]:
        """The breached pane's value at ``at``, the moment the incident is declared, and the title
        naming it when ``retitle``. The dialog's value was read when it opened, and the dashboard is paused
        while a dialog is open: at ×60 the "6.51%" a declaration journaled was four drill minutes
        old, beside "At detection 9.15%" in the same PIR (redteam37 F7). A source that does not
        answer now leaves no value rather than one of another moment."""
        from warroom.sources.evidence import capture

        slo = next((s for s in self.ctx.config.slo if s.id == source.get("ref")), None)
        if slo is None:
            return source, title
        read = capture(self.ctx.source, [slo], at=at, stale_after=self.ctx.config.prometheus.stale_after)
        value = read[slo.id]["value"]
        if value is None:
            return {k: v for k, v in source.items() if k != "value"}, title
        return {**source, "value": value}, pane_title(slo, value) if retitle else title

    def attach(self, runbook_id: str) -> None:
        rb = self.ctx.runbook(runbook_id)
        self.require().attach(str(rb.path) if rb is not None and rb.path else runbook_id)

    def close(self) -> None:
        """The dashboard goes away: gate watchers and output followers stop (gates stay open in
        the journal for the next dashboard; steps keep running under their supervisors)."""
        for stop in list(self._follow_stops.values()):
            stop.set()
        if self.live is not None:
            self.live.close()

    # ------------------------------------------------------------------ reading

    def load_view_async(self) -> None:
        """Rebuild the view from a snapshot in a worker (one at a time, the newest wins)."""

        def work() -> None:
            from tui.view import incident_view

            live = self.live
            if live is None:
                return
            snap = live.snapshot()
            from warroom.incident.cadence import update_every

            # the countdown follows each severity's cadence (P1 10m ... P4 60m) in force as it ran
            now = self.ctx.clock.now()
            # the drill shell's credits (read when something was typed there): the heading counts as the report
            typed = live.incident.typed_by_hand(datetime.fromtimestamp(now, UTC), snap.state)
            view = incident_view(snap, lambda sev: update_every(self.ctx.config, sev, snap.state),
                                 now=now, config=self.ctx.config, typed=typed)
            if self.live is not live:
                return  # another incident was opened meanwhile: this view is of the old one
            self.post(ViewReady(view, snap.runbook, snap, seq=snap.seq, incident_id=live.id, typed=typed))
            if self.pir_open:
                self.post(PirReady(live.render_pir()))

        self.worker(work, group="view", name="load view", exclusive=True)

    def journal_moved(self) -> bool:
        """Whether the journal grew since the last look (one ``stat``: appends made elsewhere,
        another IC's ``warroom incident note``, a supervisor ending a step)."""
        live = self.live
        if live is None:
            return False
        try:
            size = live.journal_path.stat().st_size
        except OSError:
            return False
        if size == self._journal_size:
            return False
        self._journal_size = size
        return True

    def set_step(self, label: str | None) -> None:
        """The step this person is on, for the others' presence line (no I/O here)."""
        if self.live is not None:
            self.live.set_step(label[:60] if label else None)

    def runs_elsewhere(self, key: StepKey, snapshot: Any) -> str | None:
        """Who runs this step on another host (a shared incident), from the snapshot: its output
        is on their machine, so there is nothing here to follow, cancel or gate."""
        live = self.live
        if live is None or not live.incident.shared or snapshot is None:
            return None
        st = snapshot.state.steps.get(key)
        run = st.last_run if st is not None else None
        if run is None or not run.output or (live.dir / run.output).exists():
            return None
        return str(run.actor or "another host")

    def pir_async(self, open_preview: bool) -> None:
        def work() -> None:
            try:
                md = self.require().render_pir()
            except WarroomError as exc:
                self.post(ActionFailed(describe(exc)))
                return
            self.post(PirReady(md, open_preview))

        self.worker(work, group="pir", name="PIR", exclusive=True)

    def drill_report(self) -> Any:
        sim = self.ctx.drill.extra.get("drill") if self.ctx.drill is not None else None
        if sim is None:
            replay = self.ctx.drill.extra.get("replay") if self.ctx.drill is not None else None
            raise WarroomError(f"a replay of {replay} has no simulator to say what an action changed (nothing"
                               " reacts to a recording): the PIR (e) tells this rehearsal" if replay else
                               f"the drill report is for drills (`{command('demo')}` / `{command('drill')}`)")
        from warroom.incident.drill_report import drill_report

        snap = self.live.snapshot() if self.live is not None else None
        state = snap.state if snap is not None else None
        # the path is compared with the scenario's own runbook when it was attached
        book = (snap.runbook_by_id(sim.scenario.runbook) or snap.runbook) if snap is not None else None
        return drill_report(sim, state, slos=self.ctx.config.slo, at=self.ctx.clock.now(), runbook=book,
                            runbook_of=snap.runbook_by_id if snap is not None else None,   # what a GO opened
                            config=self.ctx.config)

    def read_concerns(self) -> Any:
        """What resolving leaves open, read now in the words the Resolve dialog shows and the
        resolution journals (``concern_reading.read_within``: blocking, at most its deadline, so a
        worker calls it; a source that errs or is slow is said as a concern)."""
        from warroom.incident.concern_reading import read_within

        live = self.require()
        now = datetime.fromtimestamp(round(live.incident.clock().timestamp(), 3), UTC)
        return read_within(live.incident, live.source, now, speed=live.speed)

    def go_opened(self) -> list[Any]:
        """What each GO opened and how far it got, from the snapshot in memory (and, in a drill where something was
        typed in its shell, the credits the last view's worker read: ``typed_seen``): the resolve dialog shows it and
        asks whether a rollback was part of the fix. Called from a key: it reads no file."""
        from warroom.incident.closing import live_at
        from warroom.incident.go_opened import go_opened

        live = self.require()
        snap = live.snapshot()
        now = datetime.fromtimestamp(self.ctx.clock.now(), UTC)
        # counted with the drill shell credits the last view read (``typed_seen``), as the resolution journals them
        return go_opened(snap.state, lambda ref: snap.runbook_by_id(str(ref.get("id") or "")), now, self.ctx.config,
                         when=live_at(snap.state), typed=self.typed_seen)

    def rollback_steps(self) -> list[str]:
        """The steps that rolled a release back and ran ok, from the snapshot in memory: the
        resolve dialog names them above its question whether a rollback was part of the fix."""
        from warroom.incident.go_opened import rollback_steps

        return rollback_steps(self.require().snapshot().state)

    def holding_now(self, readings: list[Any], at: float, *, read: bool = True) -> Any:
        """Blocking (the poll's worker): whether the open incident's mitigation holds at ``at``, with the
        poll's ``readings`` and each passed gate's measure read from the same source
        (``LiveIncident.holding``); None with no incident, nothing mitigated, or resolved. ``read``
        False (the poll failed): nothing is queried and no gate is said to hold."""
        live = self.live
        return live.holding(readings, at, read=read) if live is not None else None

    def draft_update(self, readings: list[Any], gates: Any = None) -> str:
        """A stakeholder update drafted from the journal (Conditions / Actions / Needs), the
        core's composer (``warroom.incident.cadence``), on the snapshot already in memory, each
        pane given by ``readings``, the values on screen (never a figure the panes do not show)."""
        from datetime import UTC, datetime

        from warroom.incident.cadence import draft_update, drill_marked, update_every
        from warroom.incident.marks import step_sections

        live = self.require()
        snap = live.snapshot()
        state = snap.state
        return drill_marked(state, draft_update(state, datetime.fromtimestamp(self.ctx.clock.now(), UTC),
                                                update_every(self.ctx.config, state.severity, state), readings, gates,
                                                step_sections(snap.runbooks)))

    def drill_marked(self, text: str) -> str:
        """``text`` as this incident's update goes out (``warroom.incident.cadence.drill_marked``)."""
        from warroom.incident.cadence import drill_marked

        return drill_marked(self.require().snapshot().state, text)

    def drill_report_async(self) -> None:
        def work() -> None:
            try:
                self.post(DrillReportReady(self.drill_report()))
            except WarroomError as exc:
                self.post(ActionFailed(f"drill report: {describe(exc)}"))

        self.worker(work, group="io", name="drill report")

    # ------------------------------------------------------------------ steps

    def run_dialog_async(self, key: StepKey, step: Any) -> None:
        """The run dialog's fields and a preparer that works on a snapshot: the dialog's preview
        (every keystroke) never reads the journal or takes the incident's lock. With them the step's
        last start as the journal has it now (``seen``): the dialog's confirmation is given on it.
        Always answered (``RunDialogReady``, its ``prompts`` None when it could not be prepared): the
        dashboard holds one dialog per step from the key until that answer and the dialog's end."""

        def work() -> None:
            from warroom.incident.started_since import last_started_seq

            ready = RunDialogReady(step, None, key=key)
            try:
                live = self.require()
                seen = last_started_seq(live.snapshot().state, key)    # before the preparer's snapshot
                ready = RunDialogReady(step, live.prompts(key), preparer=live.preparer(), key=key, seen=seen)
            except WarroomError as exc:
                self.post(ActionFailed(describe(exc)))
            finally:
                self.post(ready)

        self.worker(work, group="io", name="run dialog")

    def start_step_async(self, key: StepKey, label: str, params: dict[str, str], *,
                         confirmed: bool, dry_run: bool, seen: int | None = None) -> None:
        """Run the step as its dialog answered; ``seen``: the step's last start when the dialog was
        prepared (``RunDialogReady.seen``): a start since runs nothing and says so."""
        from warroom.incident.started_since import StartedSince

        def work() -> None:
            try:
                live = self.require()
                prepared = live.prepare(key, params)
                started = live.run(prepared, confirmed=confirmed, dry_run=dry_run, expect_last_started_seq=seen)
            except StartedSince as exc:
                self.post(ActionFailed(exc.words(since="this dialog opened", again=" from the checklist")))
            except WarroomError as exc:
                self.post(ActionFailed(describe(exc)))
            else:
                if dry_run:
                    self.post(ActionDone(f"{label}: dry run recorded"))
                else:
                    self.post(StepStarted(key, label, run=getattr(started, "output_rel", None)))
            finally:
                self.post(IncidentChanged(self.incident_id))

        self.worker(work, group="io", name=f"run {key[1]}")

    def cancel_async(self, key: StepKey) -> None:
        self.call(self.require().cancel, key, what=f"cancel {key[1]}")

    def following(self, key: StepKey) -> bool:
        return key in self._following

    def ended(self, key: StepKey, run: str | None) -> bool:
        """Whether a follower here has read the end of this run of the step. A view built
        before that end, or a late ``StepStarted``, may still name the run as running: following
        it again would clear its pane and start over on a run that is over."""
        return run is not None and (self.incident_id, key, run) in self._ended

    def should_follow(self, key: StepKey, run: str | None) -> bool:
        return not self.following(key) and not self.ended(key, run)

    def follow_async(self, key: StepKey) -> OutputBuffer:
        """Follow one step's output into its own buffer (two running steps never share one)."""
        buf = self.outputs.get(key)
        if buf is None or key not in self._following:
            size = min(OUTPUT_BATCH, max(1, self.ctx.config.execute.memory_lines))
            buf = self.outputs[key] = OutputBuffer(deque(maxlen=size))
        if key in self._following:
            return buf
        self._following.add(key)
        stop = self._follow_stops[key] = threading.Event()

        def batch(lines: list[Any]) -> None:
            with buf.lock:
                buf.lines.extend(ln.text for ln in lines)
                buf.seen = max(buf.seen, lines[-1].n) if lines else buf.seen
            self.post(OutputReady(key))

        def work() -> None:
            status, run, word = "unknown", None, None
            try:
                live = self.require()
                followed = live.follow(key, stop, batch)
                status, run, word = followed.status, followed.run, followed.word
                if followed.ended and run is not None:
                    # Known before the key stops counting as followed: no moment where a stale
                    # view could start this run over.
                    self._ended.add((live.id, key, run))
            finally:
                self._following.discard(key)
                if self._follow_stops.get(key) is stop:
                    del self._follow_stops[key]
                self.post(OutputReady(key))
                self.post(StepEnded(key, status, run=run, word=word))

        self.worker(work, group=f"follow-{key[0]}-{key[1]}", name=f"follow {key[1]}")
        return buf

    # ------------------------------------------------------------------ evidence and gates

    def decision_views(self) -> Any:
        """Every Go/No-Go of the attached runbooks judged now, with every block of theirs that
        could not be read (``decisions.Judged``; blocking: metric queries); a deadline passed
        without a verdict is journaled as overdue, once."""
        from warroom.incident import decisions as dec

        live = self.require()
        judged = dec.judge_incident(live.incident, live.snapshot(), self.ctx.source,
                                    datetime.fromtimestamp(self.ctx.clock.now(), UTC))
        if dec.remind_overdue(live.incident, judged.views):
            self.post(IncidentChanged(self.incident_id))
        return judged

    def judge_again(self, view: Any) -> Any:
        """One decision judged again now, from a fresh snapshot (the Go/No-Go dialog's live look;
        blocking: metric queries, so a worker thread calls it). Nothing is journaled here: the
        overdue reminder is the dashboard's look (``evidence_due_async``)."""
        from warroom.incident import decisions as dec

        live = self.require()
        snap = live.snapshot()
        book = snap.runbook_by_id(view.runbook_id)
        if book is None:
            raise WarroomError(f"runbook {view.runbook_id} is no longer attached")
        now = datetime.fromtimestamp(self.ctx.clock.now(), UTC)
        for fresh in dec.evaluate_all(live.incident, snap.state, [book], self.ctx.source, now):
            if fresh.decision.id == view.decision.id:
                return fresh
        raise WarroomError(f"{view.runbook_id} no longer states the decision {view.decision.id!r}")

    def decisions_async(self) -> None:
        """Judge the decisions off the event loop and hand them to the dialog."""
        def work() -> None:
            try:
                judged = self.decision_views()
            except (WarroomError, OSError) as exc:
                self.post(ActionFailed(f"Go/No-Go: {describe(exc)}"))
                return
            self.post(DecisionsReady(judged.views, judged.broken))

        self.worker(work, group="decisions", name="decisions", exclusive=True)

    def people_async(self, kind: str) -> None:
        """The roles or approvals dialog's view, read off the event loop (``people_view``)."""
        from warroom.incident.people import people_view

        def work() -> None:
            try:
                live = self.require()
                live.incident.approvals.expire_due()
                state = live.snapshot().state
                view = people_view(state, live.incident.clock(), live.incident.person())   # the rules' clock
            except (WarroomError, OSError) as exc:
                self.post(ActionFailed(f"{kind}: {describe(exc)}"))
                return
            self.post(PeopleReady(kind, view))

        self.worker(work, group="people", name=kind, exclusive=True)

    def decide(self, view: Any, verdict: str, *, by: str, why: str) -> str:
        from warroom.incident import decisions as dec

        return dec.record(self.require().incident, view, verdict, by=by, why=why).said(verdict)

    def look_now(self) -> None:
        """Make the next evidence look run at once (a Go/No-Go deadline or a tier passed): at
        most one pulled-forward look every ``LOOK_NOW_EVERY`` s, and a prod that comes sooner is
        deferred to then, never dropped. The dashboard prods once per thing due: a dropped prod
        left the second thing (tier 2 a moment after tier 1's look) to the regular look, up to
        ``EVIDENCE_EVERY`` s later — fifteen drill minutes at x60."""
        now = time.monotonic()
        if self._evidence_next <= max(now, self._looked_now):
            return        # a look is due now, or pulled forward and still to come: it sees this too
        at = max(now, self._looked_now + LOOK_NOW_EVERY)
        if at < self._evidence_next:      # else the regular look comes first and sees it
            self._looked_now = self._evidence_next = at

    def evidence_due_async(self) -> None:
        """Every ``EVIDENCE_EVERY`` seconds: journal the "after" values owed (with no metric
        source: the overdue update, handoff reminder and approval expiry all the same)."""
        now = time.monotonic()
        if self.live is None or now < self._evidence_next:
            return
        self._evidence_next = now + EVIDENCE_EVERY

        def work() -> None:
            try:
                written = self.require().record_due_evidence()
                overdue = self._overdue_decisions()
                # the runbook branches' conditions, judged by the same look (``warroom.incident.branches``)
                written = self.require().incident.check_branches(
                    self.ctx.source, datetime.fromtimestamp(self.ctx.clock.now(), UTC)) or written
            except (WarroomError, OSError) as exc:
                self.post(ActionFailed(f"evidence: {describe(exc)}"))
                return
            for view in overdue:
                said = f"{words}; " if (words := view.open_words()) else ""
                self.post(Reminded(f"Go/No-Go overdue: {view.decision.question} ({said}G decides)",
                                   decision_subject(view.runbook_id, view.decision.id)))
            if written or overdue:
                self.post(IncidentChanged(self.incident_id))

        self.worker(work, group="evidence", name="evidence", exclusive=True)

    def _overdue_decisions(self) -> list[Any]:
        """Journal (once) and return the decisions whose deadline passed without a verdict; only
        the deadlines and ``applies_when`` conditions are judged here (one query per conditional
        decision at most), never the GO / NO-GO criteria."""
        from warroom.incident import decisions as dec

        live = self.require()
        snap = live.snapshot()
        books = dec.books_of(snap)
        found = dec.decisions_of(books)
        if not found:
            return []
        now = datetime.fromtimestamp(self.ctx.clock.now(), UTC)
        views = dec.evaluate_all(live.incident, snap.state, books, self.ctx.source, now, criteria=False)
        return dec.remind_overdue(live.incident, views)

    def watch_gate_async(self, key: StepKey, number: int | None, text: str,
                         resume: OpenGate | None = None) -> None:
        """Watch a step's gate: a new one after the step ended ok, or (``resume``) one the
        journal shows open. Stopping (the app quits) is not an outcome: the gate stays open."""
        live = self.live
        if live is None or self.ctx.source is None or any(w.key == key for w in live.watching()):
            return

        def work() -> None:
            from warroom.sources.verify import VerifyError

            first = [resume is None]
            try:        # what it watches, as the watcher resolves it (the journaled query on a resume)
                measure = (resume.gate(live.incident.config.slo) if resume is not None and resume.started
                           else live.gate(key, text)).measure
            except (VerifyError, WarroomError):
                measure = None          # watch_gate says why, below

            def progress(check: VerifyCheck) -> None:
                if first[0]:            # verify.started was journaled: show it
                    first[0] = False
                    self.post(IncidentChanged(live.id))
                self.app.post_message(GateProgress(key, number, text, check.status, check.value,
                                                   check.remaining, check.reason, check.held, check.hold, measure))

            try:
                check = live.watch_gate(key, number, text, on_check=progress, every=VERIFY_EVERY,
                                        resume=resume, leave_open=True)
            except (VerifyError, WarroomError, OSError) as exc:
                self.post(ActionFailed(f"step {number}: verify: {describe(exc)}"))
                return
            if check is None:
                return  # left open on purpose
            if check.status == "superseded":      # the re-run's gate, taken while this one was watched: take it up
                self._gates_taken = {g for g in self._gates_taken if g[0] != live.id}
            self.post(IncidentChanged(live.id))
            left = check.remaining if check.status == "pending" else 0.0    # pending: not judged, still open
            self.app.post_message(GateProgress(key, number, text, check.status, check.value, left, check.reason,
                                               check.held, check.hold, measure))

        self.worker(work, group=f"gate-{key[0]}-{key[1]}", name=f"verify {key[1]}")

    def adopt_gates_async(self, snapshot: Any) -> None:
        """On every view: each gate the journal holds open that this dashboard has not taken up yet
        (opened by a step run here, left open by an earlier dashboard, or opened by another process:
        a teammate's ``incident run --no-wait``) is settled from the metric history when its window
        ended, else watched, counted down and settled here. The core judges (``settle_gates``,
        ``watch_gate``); this only starts the look. A gate is taken up once per dashboard: one left
        pending (a pinned drill clock) is not watched again on every view."""
        from warroom.incident.handoff import open_gates

        live = self.live
        state = getattr(snapshot, "state", None)
        if live is None or self.ctx.source is None or state is None or state.id != live.id:
            return
        new = {(live.id, int(v["seq"])) for v in open_gates(state)} - self._gates_taken
        if not new:
            return
        self._gates_taken |= new

        def work() -> None:
            try:
                results = live.settle_gates()
            except (WarroomError, OSError) as exc:
                self.post(ActionFailed(f"verify: {describe(exc)}"))
                return
            runbook = live.snapshot().runbook
            # one watcher per step: of two gates of one run still open (a re-run's supersedes the first: the core
            # journals it, ``GateJournal``), the newest is watched; the other is left to a later view
            newest: dict[StepKey, int] = {}
            for gate, check in results:
                if check is None and gate.step is not None:
                    key = (gate_runbook(live, gate, runbook), gate.step_id)
                    newest[key] = max(newest.get(key, -1), gate.seq or 0)
            for gate, check in results:
                if gate.step is None:
                    continue
                key = (gate_runbook(live, gate, runbook), gate.step_id)
                if check is None and (gate.seq or 0) < newest[key]:
                    self._gates_taken.discard((live.id, gate.seq or 0))
                elif check is None:
                    self.app.call_from_thread(self.watch_gate_async, key, int(gate.step), gate.text, gate)
                else:
                    self.app.post_message(GateProgress(key, int(gate.step), gate.text, check.status,
                                                       check.value, 0.0, check.reason, measure=_measure(gate)))
            if any(check is not None for _g, check in results):
                self.post(IncidentChanged(live.id))

        self.worker(work, group="gates-adopt", name="adopt open gates")


def _measure(gate: OpenGate) -> Any:
    """The named query an open gate watches, from its journaled words (None: a pane or PromQL)."""
    from warroom.sources.verify import VerifyError

    try:
        return gate.gate().measure
    except VerifyError:
        return None


def gate_runbook(live: LiveIncident, gate: OpenGate, runbook: Any) -> str:
    """The runbook an open gate's step belongs to: the one its events name; for a gate journaled
    before they did, the one whose step ran last with that id."""
    if gate.runbook_id:
        return gate.runbook_id
    st = live.snapshot().state.steps
    owners = [k for k in st if k[1] == gate.step_id]
    if runbook is not None and (runbook.id, gate.step_id) in owners:
        return str(runbook.id)
    return owners[-1][0] if owners else (runbook.id if runbook is not None else "")


class IncidentCalls:
    """The one-append actions, called through ``IncidentPresenter.call`` (in a worker)."""

    def __init__(self, presenter: IncidentPresenter) -> None:
        self.p = presenter

    def _inc(self) -> Any:
        return self.p.require().incident

    def tick(self, key: StepKey) -> None:
        self.p.require()._step(key)  # refuses a step of a runbook no longer open
        self._inc().tick(key[1], key[0] or None)   # against its own runbook (one open beside, too)

    def skip(self, key: StepKey, reason: str) -> None:
        self.p.require()._step(key)
        self._inc().skip(key[1], reason, key[0] or None)

    def close_runbook(self, runbook_id: str, reason: str) -> str:
        """Close a runbook open beside the current one (``Incident.close_runbook``); the view
        drops its checklist from the journal's word, as it added it."""
        from warroom.incident.closing import closure_of

        inc = self._inc()
        inc.close_runbook(runbook_id, reason)
        shut = closure_of(inc.state, runbook_id)
        return f"Runbook {shut.line() if shut is not None else runbook_id + ' closed'}"

    def note(self, tag: str, text: str, owner: str | None, due: str | None) -> None:
        self._inc().note(tag, text, owner=owner, due=due)

    def record_alerts(self, alerts: list[Any]) -> None:
        from warroom.sources.alerts import alert_event_data

        inc = self._inc()
        for a in alerts:
            inc.record_alert(alert_event_data(a))

    def add_timeline(self, text: str, at: Any | None) -> None:
        self._inc().add_timeline(text, at=at)

    def correct_timeline(self, seq: int, text: str) -> None:
        self._inc().correct_timeline(seq, text)

    def severity(self, severity: str, reason: str) -> None:
        self._inc().set_severity(severity, reason)

    def status(self, status: str, reason: str) -> None:
        self._inc().set_status(status, reason)

    # ---- roles and two-person approval (journal events like the rest; the rules are the core's)

    def assign_role(self, role: str, person: str, reason: str, readings: list[Any] | None = None) -> str:
        """``readings``: the panes on screen, the handoff brief's "Current state" (as the draft update's)."""
        from warroom.incident.roles import ROLES

        e = self._inc().assign_role(role, person, reason, readings=lambda: readings)
        handoff = " — handoff: they acknowledge it in Roles (R)" if e.data.get("brief") else ""
        return f"{ROLES.get(e.data['role'], e.data['role'])}: {e.data['person']}{handoff}"

    def acknowledge_handoff(self) -> str:
        self._inc().acknowledge_handoff()
        return "handoff acknowledged: you are incident commander"

    def request_approval(self, key: StepKey, params: dict[str, str]) -> str:
        from warroom.incident.approvals import good_until

        live = self.p.require()
        done = live.incident.approvals.request(live.prepare(key, params))
        return (f"approval {done.request.id} requested, good until {good_until(done.request)}:"
                " another person approves it (y)")

    def approve(self, request: str) -> str:
        from warroom.incident.approvals import good_until

        inc = self._inc()
        e = inc.approvals.approve(request)
        return f"approved {e.data['request']} (good until {good_until(inc.state.approvals[e.data['request']])})"

    def refuse(self, request: str, why: str) -> str:
        e = self._inc().approvals.refuse(request, why)
        return f"refused {e.data['request']}: {e.data['reason']}"

    def resolve(self, summary: str, resolution: str, rollback: bool | None, shown: Any = None) -> list[str]:
        """Resolve with ``shown``, the reading the Resolve dialog showed when the commander
        confirmed (``concern_reading.ConcernReading``): its words are journaled as acknowledged. The
        resolution is stamped now, with the panes read again at that moment (the PIR's "At
        resolution" is of it); a concern of that read the dialog did not show is journaled beside,
        not as acknowledged, and returned for the caller to say."""
        from warroom.incident.concern_reading import unseen

        inc = self._inc()
        fresh = self.p.read_concerns()
        try:      # the resolve is the last moment "while open": the branches judged at it, as the CLI's sync does
            inc.check_branches(self.p.ctx.source, fresh.at)          # (attack46 X11)
        except (WarroomError, OSError) as exc:     # the resolve stands; what could not be judged is said
            self.p.post(ActionFailed(f"branches at the resolve: {describe(exc)}"))
        inc.resolve(summary, resolution=resolution, rollback=rollback, confirmed=shown, fresh=fresh, at=fresh.at)
        self.save_history(inc)
        self.summarise_metrics(inc)
        return unseen(shown, fresh) if shown is not None else []

    def summarise_metrics(self, inc: Any) -> None:
        """The PIR's SLO numbers read back from the metric history over the incident window
        (``metrics.summarised``); a source that cannot answer is said, and the PIR says so too."""
        live = self.p.require()
        if live.source is None or not inc.summary_stale():
            return
        result = inc.sync_metrics(live.source, speed=live.speed, summary=True)
        if result.errors:
            self.p.post(ActionFailed("metric history: " + "; ".join(result.errors)))

    def save_history(self, inc: Any) -> None:
        """Keep the panes' curves over the incident window in its directory (replay, review);
        a source that cannot answer is said, and the resolve stands."""
        from warroom.incident.history import record_history, runbooks_of
        from warroom.sources.prom_results import QueryError

        source = self.p.ctx.source
        if source is None:
            return
        try:
            record_history(inc.dir, inc.state, self.p.ctx.config.slo, source, runbooks=runbooks_of(inc))
        except (WarroomError, QueryError, ValueError, OSError) as exc:
            self.p.post(ActionFailed(f"the incident's metrics were not saved: {describe(exc)}"))

    def export(self) -> str:
        from warroom.incident.history import behind

        inc = self._inc()
        if inc.state.resolved and behind(inc.dir, inc.state):
            self.save_history(inc)        # not saved at (the last) resolve (the source did not answer then)
        self.summarise_metrics(inc)
        result = self._inc().export("pir")
        # ExportResult.message(): where pir.md and incident_log.csv were written, and any
        # hand-edit notice (an edited pir.md is kept, the new draft written beside it).
        return "PIR exported\n" + result.message()

    def status_update(self, text: str, *, copied: bool, post: bool, why: str | None = None) -> str:
        """Journal the update; ``copied``: an OSC 52 copy was sent where it can arrive. Where it
        cannot (``why``), the text is saved to a file in the incident directory instead."""
        channels = ["clipboard"] if copied else []
        saved = None
        if not copied:
            saved = self._save_update(text)
            channels.append("file")
        webhook = None
        head = None
        if post:
            from warroom.sources.webhooks import post_status_update

            # The signed journal head goes out with the update: a copy a later rewrite cannot match.
            head = self._inc().seal()
            result = post_status_update(self.p.ctx.config.webhook, text,
                                        {"journal_head": {"seq": head["seq"], "h": head["h"]}})
            webhook = result.journal()
            channels.append("webhook")
        self._inc().record_status_update(text, channels=channels, webhook=webhook, head=head)
        kept = f"saved to {saved}" + (f" (no clipboard: {why})" if why else "") if saved else "copied"
        if webhook is None:
            return f"status update drafted: {kept}; not sent by warroom"
        return (f"status update posted to the webhook; {kept}" if webhook.get("ok")
                else f"webhook failed: {webhook.get('error')}; the update is {kept}")

    def _save_update(self, text: str) -> Path:
        """The update's text in ``status-updates/`` of the incident directory (0600 in a 0700 dir)."""
        from datetime import UTC, datetime

        from warroom.incident.store import make_private_dir

        folder = Path(self._inc().dir) / "status-updates"
        make_private_dir(folder)
        stamp = stime.utcnow().strftime("%Y%m%dT%H%M%SZ")
        path = folder / f"update-{stamp}.txt"
        n = 1
        while path.exists():
            n += 1
            path = folder / f"update-{stamp}-{n}.txt"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            redact = getattr(self._inc(), "redact", None)   # as the journal keeps it: no secrets
            f.write((redact(text) if callable(redact) else text).rstrip("\n") + "\n")
        return path
