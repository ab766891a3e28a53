"""The dashboard: header, SLO panes (or the compact strip), checklist, step detail, output, timeline.

This screen lays out and draws. What the keys do is ``tui.screens.actions`` (dialogs → answers); every
call into the incident is ``tui.presenter`` (workers → messages). The handlers here turn those
messages into what the panes show.
"""

from __future__ import annotations

import time
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.widgets import Static

from panes.header import IncidentHeader
from panes.keybar import KeyBar
from panes.output import OutputStack
from panes.runbook import ChecklistPane, progress_text
from panes.safe import SafeText as Text
from panes.slo import SloLine, SloPane
from panes.sources import SourcesPane
from panes.step_detail import StepDetailPane
from panes.timeline import TimelinePane
from panes.view import GateView, HeaderInfo, IncidentView
from tui.screens.actions import DashboardActions, DashboardData
from tui.bindings import DASHBOARD_BINDINGS
from tui.messages import (
    REMINDER,
    ActionDone,
    ActionFailed,
    DecisionsReady,
    DrillReportReady,
    GateProgress,
    IncidentChanged,
    MetricsFailed,
    MetricsFetched,
    OutputReady,
    PeopleReady,
    PirReady,
    Reminded,
    ResumeOffer,
    RunDialogReady,
    SourceFetched,
    StepEnded,
    StepStarted,
    ViewReady,
    WorkerFailed,
)
from tui.metrics import fetch_readings, make_tracker
from tui.presenter import IncidentCalls, IncidentPresenter
from warroom.errors import WarroomError
from warroom.incident import observer_seat
from warroom.incident.marks import run_verdict, run_word
from warroom.runbook.model import Runbook, Step
from warroom.sources.model import SloReading

if TYPE_CHECKING:
    from tui.host import WarroomHost
    from tui.screens.modals.pir import PirScreen  # imports markdown-it: loaded on first preview


RAN_BEFORE = "Ran before this screen opened: its output is in the incident's outputs/ directory."


def run_of(snapshot: object, key: tuple[str, str]) -> str | None:
    """The run of a step a snapshot knows last (its output file: one per run), or None."""
    step_state = getattr(snapshot, "step_state", None)
    st = step_state(key) if callable(step_state) else None
    run = st.last_run if st is not None else None
    return run.output if run is not None else None


PANE_LOOKS = 20     # beats a pane crossing the journal lacks pulls the look forward (tui.view.breaches_unjournaled)

class DashboardScreen(Screen[None]):
    BINDINGS: ClassVar[list[Binding]] = DASHBOARD_BINDINGS
    # Width / height classes the stylesheet keys the layout on (compact strip, too-small notice).
    HORIZONTAL_BREAKPOINTS = [(0, "-w-tiny"), (60, "-w-narrow"), (110, "-w-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-h-tiny"), (16, "-h-short"), (32, "-h-tall")]

    app: WarroomHost

    def __init__(self) -> None:
        super().__init__(id="dashboard")
        self.data = DashboardData(view=IncidentView())
        self.presenter: IncidentPresenter | None = None
        self.actions: DashboardActions | None = None
        self.gate_views: dict[tuple[str, str], GateView] = {}   # the header's gate line, per step
        self._tracker = None
        self._source_health = "waiting"
        self._extra_health: dict[str, str] = {}   # alerts / k8s: unauthorized, slow, refused, down…
        # The shared store as its listener last said (incident id, SharedView): drawn at once,
        # even while a view rebuild waits on a store that stopped answering.
        self._store_said: tuple[str, Any] | None = None
        self._behind = False                       # data arrived while a dialog was on top
        self._prodded: set[str] = set()            # what was due at the last beat (one look each)
        self._crossed: dict[str, int] = {}         # pane crossings the journal lacks: beats each has been prodded
        self._alerts_seen: set[tuple[str, tuple[tuple[str, str], ...]]] = set()
        self._last_readings: tuple[list[SloReading], float, str, Any] | None = None
        self._library_started = False
        self._first_frame_done = False
        self._strip_mounted = False
        self._slo_cache: list[SloPane | SloLine] | None = None
        self._poll_in_flight = False
        self._poll_started: float | None = None   # monotonic time the last poll started
        self._clock_owed = False                  # the clocks repaint with the poll's readings
        self._readings_at = 0.0
        self._pir_screen: PirScreen | None = None
        self._view_from: tuple[str | None, int] = (None, -1)   # incident and seq of the view shown
        self._report_due: Any = None               # an ended drill's report, until the header drew the resolve
        self._stored: set[tuple[str, str]] = set()   # steps whose stored output is being read (``read_stored``)
        self._read_back: set[tuple[tuple[str, str], str]] = set()   # (step, run) ended ok, read back from its file

    # The data the panes show (read by tests and the screenshot tool).
    @property
    def view(self) -> IncidentView:
        return self.data.view

    @property
    def runbook(self) -> Runbook | None:
        return self.data.runbook

    @property
    def readings(self) -> list[SloReading]:
        return self.data.readings

    @property
    def extra(self) -> dict[str, object]:
        return self.data.extra

    # ------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        ctx = self.app.ctx
        yield IncidentHeader()
        with Horizontal(id="slo-panes"):
            for slo in ctx.config.slo:
                yield SloPane(slo, ascii_only=ctx.ascii_only)
        # The compact strip is filled the first time the terminal is small enough to show it
        # (``mount_strip``): at 120x40 its 30 widgets were never seen, yet styled and laid out.
        yield Vertical(id="slo-strip")
        yield SourcesPane(list(ctx.sources))
        with Horizontal(id="main"):
            # the current runbook's checklist; a runbook a GO opens appears below it
            # (``sync_beside``), each worked against its own runbook
            with Vertical(id="runbooks"):
                yield ChecklistPane()
            with Vertical(id="right"):
                yield StepDetailPane(ctx.config.slo)
                yield OutputStack(max_lines=ctx.config.execute.memory_lines)
        yield TimelinePane()
        yield KeyBar()
        yield Static(
            "Terminal too small for warroom.\nMake it at least 60×16 (80×24 recommended).\n"
            "Nothing is lost: the incident keeps running.",
            id="too-small",
        )

    async def on_resize(self) -> None:
        # Runs after Textual's own resize handler has set the breakpoint classes.
        await self.mount_strip()

    async def mount_strip(self) -> None:
        """Mount the compact strip's lines once a breakpoint shows it, drawing the latest data."""
        if self._strip_mounted or not (self.has_class("-w-narrow") or self.has_class("-h-short")):
            return
        self._strip_mounted = True
        ctx = self.app.ctx
        lines = [SloLine(slo, ascii_only=ctx.ascii_only) for slo in ctx.config.slo]
        await self.query_one("#slo-strip", Vertical).mount_all(lines)
        self._slo_cache = None
        by_id = {r.slo.id: r for r in self.readings}
        for line in lines:
            if (r := by_id.get(line.slo.id)) is not None:
                line.show(r, self._readings_at)

    def on_mount(self) -> None:
        ctx = self.app.ctx
        self.presenter = IncidentPresenter(self.app, self.post_message)
        self.actions = DashboardActions(self.app, self.presenter, IncidentCalls(self.presenter), self.data,
                                        self.selected_step, self.query_one(TimelinePane).selected_item,
                                        lambda rb: self.show_view(self.view, rb))
        # the Step pane's cut names the key that shows the rest, as the user's keymap has it
        view_key = next(b for b in DASHBOARD_BINDINGS if b.id == "step.view")
        self.query_one(StepDetailPane).view_key = self.app.key_for(view_key).split(",")[0]
        self._tracker = make_tracker(ctx.config.slo, ctx.config.prometheus.stale_after,
                                     ctx.drill.speed if ctx.drill is not None else 1.0)
        self.render_header()
        self.query_one(ChecklistPane).show_runbook(self.runbook, self.view.steps)
        self.query_one(ChecklistPane).focus()
        if ctx.source is None:
            self.show_no_source(ctx.source_error or "no metric source configured (prometheus.url)")
        else:
            self.poll_metrics()
        from tui.sources import poll

        for kind in ctx.sources:
            poll(self.app, kind)
        if ctx.tick > 0:
            self.app.set_interval(ctx.tick, self.beat)
        if ctx.resume_id:
            self.presenter.call(self.presenter.open, ctx.resume_id)
        # The offer to resume an open incident waits for the first frame (``after_first_frame``):
        # looking reads every incident's journal, which the first frame does not need.

    @property
    def controller(self) -> IncidentPresenter:
        """The presenter (older name kept for tests and tools that reach the open incident)."""
        assert self.presenter is not None
        return self.presenter

    # ------------------------------------------------------------------ metrics (dolphie pattern)

    # The poll and the clock tick run on the App, not on this screen: any message this screen
    # handles while a dialog is on top makes Textual repaint the whole dimmed background (and
    # so the whole terminal). App-level timers and workers keep a dialog's frames small.

    def beat(self) -> None:
        """The dashboard's one clock (every ``ctx.tick`` s): starts the metric poll when one is
        due, and repaints the clocks.

        When a poll starts, the clocks are repainted with its readings (``on_metrics_fetched``)
        rather than now: the terminal then gets one update a second instead of two (the clocks',
        then the readings' a few ms later). Each screen update has a fixed cost in Textual;
        merging them cut the drill's steady-state CPU by about a tenth (1.73% → 1.57% of a core,
        medians of three 30 s windows). A poll still running at the next beat does not hold the
        clocks back any longer.
        """
        if self._poll_due():
            self._clock_owed = True
            self.poll_metrics()
            return
        self._clock_owed = False
        self.tick()

    def _beat_polls(self) -> bool:
        """Whether the beat starts the polls (a refresh no faster than the beat); else a timer
        set after each poll does."""
        ctx = self.app.ctx
        return ctx.tick > 0 and ctx.poll_interval() >= ctx.tick * 0.9

    def _poll_due(self) -> bool:
        if not self._beat_polls() or self._poll_started is None or self._poll_in_flight:
            return False
        # A beat may come a few ms early: a 1 s poll is due on every 1 s beat.
        return time.monotonic() - self._poll_started >= self.app.ctx.poll_interval() - 0.1

    def poll_metrics(self) -> None:
        """Fetch in a thread, post the result; the handler renders it and (in a ``finally``)
        schedules the next poll: polls never overlap, and a failed one never ends the loop."""
        self._poll_in_flight = True
        self._poll_started = time.monotonic()
        self.app.run_worker(self._fetch_metrics, thread=True, exclusive=True, group="metrics",
                            name="metric poll", exit_on_error=False)

    def _fetch_metrics(self) -> None:
        ctx = self.app.ctx
        assert ctx.source is not None
        warmup, ctx.source_warmup = ctx.source_warmup, None
        if warmup is not None:
            warmup()
        now = ctx.clock.now()
        try:
            readings, health = fetch_readings(ctx.source, self._tracker, ctx.config.slo, now)
        except BaseException as exc:
            # Not swallowed: the failure is drawn (``on_metrics_failed``) and the loop goes on.
            from tui.presenter import describe

            self.app.post_message(MetricsFailed(describe(exc)))
            raise
        holding = None
        if self.presenter is not None:
            try:      # whether the mitigation holds: the core reads each passed gate's measure with the panes
                holding = self.presenter.holding_now(readings, now)
            except (WarroomError, OSError) as exc:
                self.app.post_message(MetricsFailed(f"passed verify gates not read: {exc}"))
        self.app.post_message(MetricsFetched(readings=readings, at=now, source_health=health, holding=holding))

    def on_metrics_fetched(self, message: MetricsFetched) -> None:
        """Called by the App (see ``WarroomApp.on_metrics_fetched``)."""
        try:
            if not self.alive():
                return
            try:
                self.show_readings(message.readings, message.at, message.source_health, message.holding)
            except NoMatches:
                return  # shutting down
            if self._clock_owed:
                self._clock_owed = False
                self.tick()
            if not self._first_frame_done:
                self.call_after_refresh(self.after_first_frame)
        finally:
            self.poll_done()

    def on_metrics_failed(self, message: MetricsFailed) -> None:
        """Called by the App: the poll's fetch raised. Say so; the next poll still comes."""
        try:
            if not self.alive():
                return
            self._source_health = "poll failed"
            self.render_header()
            self.notify(f"metric poll failed: {message.error} (polling goes on)", severity="error",
                        timeout=10, markup=False)
            self._fail_panes(message.error)
        finally:
            self.poll_done()

    def _fail_panes(self, error: str) -> None:
        """Every pane takes the failed poll like a failed fetch: STALE with its last good value
        and that value's age, or ERROR with none. Never the previous poll's OK left standing."""
        if self._tracker is None:
            return
        from warroom.sources.model import SloSample

        now = self.app.ctx.clock.now()
        samples = [SloSample(s.id, None, fetched_at=now, error=f"metric poll failed: {error}",
                             error_kind="error") for s in self.app.ctx.config.slo]
        try:
            readings = self._tracker.update(samples, now)
            # whether the mitigation holds is not known either: never the last poll's "now 0.1%" left standing
            holding = self.presenter.holding_now(readings, now, read=False) if self.presenter is not None else None
            self.show_readings(readings, now, "poll failed", holding)
        except NoMatches:
            return  # shutting down

    def poll_done(self) -> None:
        """The end of one poll, however it ended: the next one is scheduled."""
        self._poll_in_flight = False
        if not self.alive():
            return
        interval = self.app.ctx.poll_interval()
        if interval > 0 and not self._beat_polls():
            self.app.set_timer(interval, self.poll_metrics)

    def after_first_frame(self) -> None:
        """What the first frame with data does not wait for, started once it is drawn: parsing the
        runbook library (in a child process) and looking for open incidents to offer."""
        if self._first_frame_done:
            return
        self._first_frame_done = True
        self.load_library()
        ctx = self.app.ctx
        if ctx.drill is not None and ctx.drill.show_runbook and ctx.drill.runbook and not ctx.resume_id:
            # a replay opens with the runbook the incident was worked with
            self.actions.with_runbooks(partial(self.actions.open_runbook_by_id, ctx.drill.runbook))
        if ctx.offer_resume and not ctx.resume_id and self.presenter is not None:
            self.presenter.look_for_open_incidents_async()

    def load_library(self) -> None:
        """Parse the runbook library in a thread once the first frame with data is drawn: the
        first frame shows no runbook, so it need not wait for the parse (see
        ``AppContext.runbook_loader``). Whatever needs a runbook first just waits for it."""
        if self.app.ctx.runbook_loader is not None and not self._library_started:
            self._library_started = True
            self.app.run_worker(self.app.ctx.ensure_runbooks, thread=True, group="library",
                                name="runbook library", exit_on_error=False)

    def on_source_fetched(self, message: SourceFetched) -> None:
        """Called by the App with one poll of an extra source (cluster / providers / alerts)."""
        if not self.alive():
            return
        self.extra[message.kind] = message.data
        if message.kind == "alerts":
            self.note_alerts(message.data)
        from warroom.sources.model import poll_health

        word = poll_health(message.data)
        name = {"alerts": "alerts", "cluster": "k8s"}.get(message.kind)
        if word is not None and name is not None and self._extra_health.get(name) != word:
            self._extra_health[name] = word
            self.render_header()
        try:
            pane = self.query_one(SourcesPane)
        except NoMatches:
            return  # the App forwards a poll's answer while it shuts down (the panes are gone)
        if self.painting():
            pane.show(message.kind, message.data)
        else:
            pane.data[message.kind] = message.data
            self._behind = True

    def action_alerts_view(self) -> None:
        """Every firing alert (and every failing alert server) in a full view."""
        from tui.screens.alerts import AlertsScreen

        if "alerts" not in self.app.ctx.sources:
            # a drill needs nothing installed: it has no alert server to configure (redteam48 F12)
            self.notify("A drill runs no alert server: its panes read what the alerts would." if self.app.ctx.drill
                        else "No alert source is configured ([alerts] alertmanager_url, or Prometheus).")
            return
        self.app.push_screen(AlertsScreen(self.extra.get("alerts"), self.app.ctx.clock.now()))

    def note_alerts(self, result: object) -> None:
        """Journal each newly firing alert once while an incident is open (``alert.seen``)."""
        alerts = getattr(result, "alerts", ())
        if self.presenter is None or self.presenter.live is None or not alerts:
            return
        fresh = [a for a in alerts if (a.name, tuple(sorted(a.labels.items()))) not in self._alerts_seen]
        if not fresh:
            return
        self._alerts_seen.update((a.name, tuple(sorted(a.labels.items()))) for a in fresh)
        assert self.actions is not None
        self.presenter.call(self.actions.calls.record_alerts, fresh, what="alerts")

    def on_worker_failed(self, message: WorkerFailed) -> None:
        """Called by the App for any worker that ended on an exception: shown, never silent."""
        if not self.alive():
            return
        self.notify(f"{message.name} failed: {message.error}", severity="error", timeout=10, markup=False)

    def on_unmount(self) -> None:
        if self.presenter is not None:
            self.presenter.close()  # the watchers stop; their gates stay open for the next dashboard

    def alive(self) -> bool:
        """App-level timers and workers outlive this screen at shutdown: they check this first."""
        return self.is_attached and self.is_mounted

    def painting(self) -> bool:
        """Whether this screen is the one on top. Under a dialog the dashboard is drawn dimmed
        through Textual's background-screen tint, which re-renders the whole terminal for every
        change behind it; so while a dialog is open the data is kept but not drawn, and
        ``on_screen_resume`` draws the latest of it once."""
        return self.app.screen is self

    def on_screen_resume(self) -> None:
        self.app.show_notices()     # a dialog that closed hands its live notices back as toasts
        if self.actions is not None:
            self.actions.offer_resume_if_due()    # an offer that came while a dialog was open
        if self._behind:
            self._behind = False
            if self._last_readings is not None:
                self.show_readings(*self._last_readings)
            self.show_view(self.view, self.runbook)
            self.query_one(SourcesPane).redraw()
            if self.presenter is not None:
                for key in list(self.presenter.outputs):
                    self.drain_output(key)
            self.tick()

    def _slo_widgets(self) -> list[SloPane | SloLine]:
        """The SLO boxes and strip lines, found once (a CSS query on every poll and every beat
        was a few percent of the dashboard's steady-state CPU); ``mount_strip`` adds the lines."""
        if self._slo_cache is None:
            self._slo_cache = [*self.query(SloPane), *self.query(SloLine)]
        return self._slo_cache

    def show_readings(self, readings: list[SloReading], at: float, health: str = "ok", holding: Any = None) -> None:
        """``holding``: whether the mitigation holds, read with ``readings`` (``relapse.Holding``)."""
        self.data.readings = readings
        self.data.readings_at = self._readings_at = at
        was, self.data.holding = self.data.holding, holding
        if not self.painting():
            self._last_readings = (readings, at, health, holding)
            self._behind = True
            return
        by_id = {r.slo.id: r for r in readings}
        scale = self.time_scale(self.view.header)
        for pane in self._slo_widgets():
            pane.time_scale = scale
            if (r := by_id.get(pane.slo.id)) is not None:
                pane.show(r, at)
        if health != self._source_health or _said(was) != _said(holding):
            self._source_health = health
            self.render_header()

    def first_breached(self) -> SloReading | None:
        return self.data.first_breached()

    def show_no_source(self, why: str) -> None:
        from warroom.sources.model import SloReading as R

        now = self.app.ctx.clock.now()
        self._source_health = "off"
        self.show_readings([R(slo=s, state="error", value=None, error=why) for s in self.app.ctx.config.slo],
                           now, "off")
        self.render_header()
        self.call_after_refresh(self.after_first_frame)

    def tick(self) -> None:
        try:
            self._tick()
        except NoMatches:
            return  # the App's interval outlives this screen's widgets while the app shuts down

    def _tick(self) -> None:
        if not self.alive():
            return
        if self.presenter is not None:
            if self.presenter.journal_moved():
                self.presenter.load_view_async()
            from tui.view import breaches_unjournaled, deadline_passed, tier_unjournaled

            now = self.app.ctx.clock.now()
            rows = self.view.decisions + tuple(d for b in self.view.beside for d in b.decisions)  # both runbooks'
            due = {*deadline_passed(rows, now), *(f"tier {t}" for t in tier_unjournaled(self.view.header, now))}
            crossed = breaches_unjournaled(self.view.header, {r.slo.id: r.state for r in self.data.readings or ()})
            # a pane crossing is looked at again while the journal has not got it (its history can trail the pane's
            # reading by a look: at x60 the header said MITIGATED beside a CRIT pane for 15 s, attack41 A12), for
            # PANE_LOOKS beats at most: a look every LOOK_NOW_EVERY s, never for as long as the dashboard is open
            self._crossed = {k: self._crossed.get(k, 0) + 1 for k in crossed}
            if due - self._prodded or any(n <= PANE_LOOKS for n in self._crossed.values()):
                # a Go/No-Go deadline or a tier just passed: journal it now, once per thing due (a look that
                # journals nothing — resolved, a condition cleared — must not repeat every beat; one thing of two
                # journaled leaves nothing new to look for)
                self.presenter.look_now()
            self._prodded = due
            self.presenter.evidence_due_async()
        if not self.painting():
            self._behind = True
            return
        now = self.app.ctx.clock.now()
        self.query_one(IncidentHeader).tick(now)
        for pane in self._slo_widgets():
            pane.tick(now)

    # ------------------------------------------------------------------ incident view

    def source_name(self) -> str:
        ctx = self.app.ctx
        if ctx.drill is not None:
            return "drill"
        return getattr(ctx.source, "name", None) or "metrics"

    def header_info(self) -> HeaderInfo:
        ctx = self.app.ctx
        base = self.view.header
        return HeaderInfo(
            incident_id=base.incident_id, title=base.title, status=base.status,
            severity=base.severity, declared_at=base.declared_at, resolved_at=base.resolved_at,
            next_update_at=base.next_update_at,
            drill=ctx.drill.scenario if ctx.drill else base.drill,
            read_only=ctx.read_only,
            sources=((self.source_name(), self._source_health), *self._extra_health.items())
            + tuple(base.sources),
            gate=self.shown_gate(), time_scale=self.time_scale(base), shared=self.shared_view(base), roles=base.roles,
            people=base.people, recording=getattr(ctx.source, "recording_clock", None),
            tiers=base.tiers, escalated=base.escalated,
            # the poll's reading (the gates' measures read with the panes), else the view's, from the journal
            holding=held.qualifier(base.status) if (held := self.data.holding) is not None else base.holding,
            relapsed=held.relapsed if held is not None else base.relapsed,
        )

    def time_scale(self, base: HeaderInfo) -> float:
        """The header's speed: the incident's own once one is shown, else the drill's (its
        simulator's pace, kept when the drill is continued): before a declaration too."""
        ctx = self.app.ctx
        if base.incident_id is None and ctx.drill is not None:
            return ctx.drill.speed
        return base.time_scale

    def shared_view(self, base: Any) -> Any:
        """The shared store's line: what its listener said last for this incident, else the view's."""
        said = self._store_said
        if said is not None and said[0] == base.incident_id:
            return said[1]
        return base.shared

    def render_header(self) -> None:
        try:
            header = self.query_one(IncidentHeader)
            header.show(self.header_info(), self.app.ctx.clock.now())
        except NoMatches:
            # the App forwards worker messages (a gate's last probe) while it shuts down: the header, or its
            # lines (removed before it), may be gone (test_gates_resume died on '.hdr-identity' at its exit)
            return

    def show_view(self, view: IncidentView, runbook: Runbook | None) -> None:
        """Render a view rebuilt from the journal."""
        self.data.view = view
        self.data.runbook = runbook
        if not self.painting():
            self._behind = True
            return
        self.render_header()
        checklist = self.main_checklist()
        books = {rb.id: rb for rb in self.data.beside}
        two = runbook is not None and bool(view.beside)
        # a runbook open beside that became the current one (attached, here or by the CLI): the
        # cursor, and the keys, go with it to the current runbook's checklist
        came = self.beside_pane(runbook.id) if runbook is not None and (
            checklist.runbook is None or checklist.runbook.id != runbook.id) else None
        cursor = came.highlighted_option if came is not None else None
        worked_in = came is not None and came.has_focus
        checklist.show_runbook(runbook, view.steps, view.earlier, view.decisions,
                               heading=f"{runbook.id} {progress_text(runbook, view.steps)} · {runbook.title}"
                               if two and runbook is not None else None,
                               cursor=cursor.id if cursor is not None else None)
        self.sync_beside(view, books if runbook is not None else {})
        if worked_in:              # its pane is gone: the keys act on the current runbook's checklist
            self.set_focus(checklist)
            self.work_in(checklist)
        self.query_one(TimelinePane).show(view.timeline)
        self.show_selection(self.active_checklist().selected_step())
        self.refresh_outputs()
        if self._report_due is not None and not self._report_waits(self._report_due):
            self._open_report(self._report_due)

    # ------------------------------------------------------------------ the runbooks open at once

    def main_checklist(self) -> ChecklistPane:
        """The current runbook's checklist: it stays where it is whatever opens beside it."""
        return self.query_one("#checklist", ChecklistPane)

    def checklists(self) -> list[ChecklistPane]:
        """Every checklist on screen, the current runbook's first."""
        return list(self.query_one("#runbooks", Vertical).query_children(ChecklistPane))

    def beside_pane(self, runbook_id: str) -> ChecklistPane | None:
        """The checklist open beside the current one that shows ``runbook_id``, if any."""
        return next((pane for pane in self.checklists()
                     if pane.beside and pane.runbook is not None and pane.runbook.id == runbook_id), None)

    def active_checklist(self) -> ChecklistPane:
        """The checklist the keys act on: the one focused last (the current runbook's until
        another is focused; it returns there when the runbook it showed is no longer open)."""
        active = self.data.active
        if active:
            for pane in self.checklists():
                if pane.beside and pane.runbook is not None and pane.runbook.id == active:
                    return pane
        return self.main_checklist()

    def sync_beside(self, view: IncidentView, books: dict[str, Runbook]) -> None:
        """One checklist per runbook the journal has open beside the current one, in the order
        they opened, each drawn from its own runbook and step states; panes of runbooks no
        longer beside are removed. The dashboard decides nothing here: the view says which."""
        panes = {pane.runbook_key: pane for pane in self.checklists() if pane.beside}
        wanted = [b for b in view.beside if b.runbook_id in books]
        for rb_id, pane in panes.items():
            if rb_id not in {b.runbook_id for b in wanted}:
                pane.remove()
        holder = self.query_one("#runbooks", Vertical)
        for i, open_rb in enumerate(wanted):
            book = books[open_rb.runbook_id]
            heading = (f"{book.id} {progress_text(book, open_rb.steps)} · beside"
                       + (f", {open_rb.opened_by}" if open_rb.opened_by else "") + f" · {book.title}")
            pane = panes.get(open_rb.runbook_id)
            if pane is None:
                pane = ChecklistPane(None, beside=True)     # found by runbook_key, never by id
                pane.runbook_key = open_rb.runbook_id
                holder.mount(pane)
            pane.show_runbook(book, open_rb.steps, (), open_rb.decisions, heading=heading)
        if self.data.active and self.data.active not in {b.runbook_id for b in wanted}:
            self.data.active = None        # its runbook is no longer beside: back to the current one
        self.mark_active()

    def mark_active(self) -> None:
        """With two runbooks open, the one not worked is drawn smaller at 80x24 (its title and
        progress stay on screen); the stylesheet keys on ``-inactive``."""
        active = self.active_checklist()
        panes = self.checklists()
        for pane in panes:
            pane.set_class(len(panes) > 1 and pane is not active, "-inactive")

    def on_descendant_focus(self, event: Any) -> None:
        """Focusing a checklist makes it the one the keys act on; the detail pane follows it."""
        widget = getattr(event, "widget", None)
        if isinstance(widget, ChecklistPane):
            self.work_in(widget)

    def work_in(self, pane: ChecklistPane) -> None:
        """Make ``pane`` the checklist the keys act on, at once: the runbook it shows, its
        marks, the detail pane following its cursor."""
        wanted = pane.runbook.id if pane.beside and pane.runbook is not None else None
        if wanted != self.data.active:
            self.data.active = wanted
            self.mark_active()
            self.follow_cursor(pane.selected_step())

    def action_switch_runbook(self) -> None:
        """w: work in the other open runbook (the current one ↔ the one a GO opened beside)."""
        panes = self.checklists()
        if len(panes) < 2:
            self.notify("Only one runbook is open (a GO that opens a runbook puts it beside this one).")
            return
        at = panes.index(self.active_checklist())
        pane = panes[(at + 1) % len(panes)]
        # Now, not at the next idle: ``Widget.focus()`` waits for the app's queue, so keys typed
        # ahead ("w j space" over a slow SSH link) would act on the runbook just left.
        self.set_focus(pane)
        self.work_in(pane)

    def show_selection(self, step: Step | None) -> None:
        """The detail pane for the active checklist's cursor: a Go/No-Go row shows its decision,
        a step the step (a rebuilt view kept the cursor on a decision row but drew "select a step")."""
        pane = self.active_checklist()
        chosen = pane.selected_decision() if step is None else None
        book = pane.runbook.id if pane.runbook is not None else None
        row = next((d for d in self.view.decisions_of(book) if d.decision_id == chosen), None)
        if row is not None:
            self.query_one(StepDetailPane).show_decision(row)
        else:
            self.show_step_detail(step)

    def show_step_detail(self, step: Step | None) -> None:
        self.query_one(StepDetailPane).show(self.step_text(step))

    def step_text(self, step: Step | None) -> Any:
        """The Step pane's text of ``step`` of the active runbook, as a function of the width."""
        book = self.data.active_runbook()
        view = self.view.steps_of(book.id if book is not None else None).get(step.id) if step is not None else None
        return self.query_one(StepDetailPane).text_of(step, view, self.known_params(),
                                                      book.queries if book is not None else None)

    def known_params(self) -> dict[str, tuple[str, str]]:
        """Parameter values known before the run dialog asks: the config's ``[params]`` win
        over the runbook's defaults, as in the dialog."""
        known: dict[str, tuple[str, str]] = {}
        runbook = self.data.active_runbook()
        if runbook is not None:
            for key, param in runbook.params.items():
                if param.default not in (None, ""):
                    known[key] = (str(param.default), "runbook")
        from warroom.runbook.model import param_key

        for name, value in self.app.ctx.config.params.items():
            known[param_key(name)] = (value, "config")
        return known

    def no_output_note(self, step: Step) -> str:
        """Why a highlighted step has no output view on this screen, from what the journal says
        of it (a step that ran before a resume has its output on disk, not here)."""
        book = self.data.active_runbook()
        view = self.view.steps_of(book.id if book is not None else None).get(step.id)
        state = view.state if view is not None else "pending"
        if not step.runnable and state == "pending":   # not "Not run yet": it never runs, its text is all there is
            key = self.query_one(StepDetailPane).view_key
            return f"A checklist item: nothing runs, no output ({key} shows its text)."
        notes = {
            "pending": "Not run yet: no output.",
            "manual": "A step done by hand: no command, no output.",
            "ticked": "A step done by hand: no command, no output.",
            "skipped": "Skipped: no output.",
            "refused": "Refused before it ran: no output.",
            "dry_run": "Dry run only: nothing ran, no output.",
            "running": "Running: its output shows here once it is followed.",
            # states of a step never begun (attack46 X10: "Ran before this screen opened" of a step nobody ran)
            "not_needed": "Not needed (its branch did not apply): nothing ran, no output.",
            "fulfilled": "Done by what the journal holds (a note, an update…): nothing ran, no output.",
        }
        if not step.runnable:          # a checklist item never has output, whatever its state
            return notes.get(state, "A checklist item: nothing runs, no output.")
        if state == "pending" and view is not None and (view.reason or "").startswith(f"ran {observer_seat.BY}"):
            return f"Not run by the response yet: {view.reason}."      # never "Not run yet" of a run the journal has
        return notes.get(state, RAN_BEFORE)

    @on(ChecklistPane.StepHighlighted)
    def _step_highlighted(self, event: ChecklistPane.StepHighlighted) -> None:
        if event.pane is not None and event.pane is not self.active_checklist():
            return   # the other open runbook's cursor moved (a rebuild): the detail stays with the active one
        self.follow_cursor(event.step)

    def follow_cursor(self, step: Step | None) -> None:
        """The detail pane, the output pane and this person's presence follow the cursor of
        the active checklist (a step of the current runbook, or of one open beside it)."""
        self.show_selection(step)
        book = self.data.active_runbook()
        where = f"{book.id} " if book is not None and book is not self.runbook else ""
        if self.presenter is not None:
            self.presenter.set_step(f"{where}{step.number}. {step.label}" if step is not None else None)
        if step is not None:
            self.show_output(step)

    def show_output(self, step: Step) -> None:
        """The Output pane for ``step`` of the active runbook: its own view, else its stored output read back
        (it ran before this screen opened, or in another process), else a note of why there is none."""
        book = self.data.active_runbook()
        if book is None:
            return
        where = f"{book.id} " if book is not self.runbook else ""
        key, title, note = (book.id, step.id), f"{where}{step.number}. {step.label}", self.no_output_note(step)
        stack = self.query_one(OutputStack)
        if note == RAN_BEFORE and key not in stack.panes:
            self.read_stored(key, title)
        stack.show(key, title, note)

    def refresh_outputs(self) -> None:
        """The Output panes say what the journal's view holds, whoever ran the step (here, `incident run`, a
        second dashboard), as every other pane does: an empty view standing for the cursor's step ("Not run
        yet") is said again from the view, and a step's view showing a run older than the journal's last (one
        that ran and ended elsewhere between two views) is read again from its stored output. Until this, they
        changed only as the cursor moved (attack41 A15: "look at its output first" beside "Not run yet").
        Which view is shown stays the cursor's or the step just started's."""
        stack = self.query_one(OutputStack)
        for key, pane in stack.panes.items():
            step = self.view.steps_of(key[0]).get(key[1])
            if (pane.run is not None and step is not None and step.output_path not in (None, pane.run)
                    and step.state != "running"             # a run under way is followed (``on_view_ready``)
                    and self.presenter is not None and self.presenter.should_follow(key, step.output_path)):
                pane.start(key, pane.title)
                self.read_stored(key, pane.title)
        shown, step = stack.shown(), self.active_checklist().selected_step()
        if shown is not None and shown.key is None and step is not None:
            self.show_output(step)

    def read_stored(self, key: tuple[str, str], title: str) -> bool:
        """A step that ran before this screen opened (a resume, a restart) or elsewhere shows its stored
        output in its own view, placed as a run seen here is (on the line its expectation judged): the
        note that its output "is in the incident's outputs/ directory" left a resumed commander
        without the count step 2 had found (redteam38 F2). The presenter's follower reads the
        stored tail of a run that has ended; False when there is nothing to follow it with."""
        presenter = self.presenter
        if presenter is None or presenter.live is None or not presenter.should_follow(key, None):
            return False
        pane = self.query_one(OutputStack).pane_for(key, title)
        pane.border_subtitle = "reading its stored output"
        self._stored.add(key)
        presenter.follow_async(key)
        return True

    # ------------------------------------------------------------------ presenter messages

    def on_incident_changed(self, message: IncidentChanged) -> None:
        store = (message.extra or {}).get("store")
        if store is not None and message.incident_id is not None:
            from tui.view import shared_view

            self._store_said = (message.incident_id, shared_view(store))
            self.render_header()
        if self.presenter is not None and self.presenter.live is not None:
            self.presenter.load_view_async()

    def on_view_ready(self, message: ViewReady) -> None:
        assert self.presenter is not None
        if message.incident_id is not None:
            if message.incident_id != self.presenter.incident_id:
                return  # built for an incident no longer open here
            shown_id, shown_seq = self._view_from
            if message.incident_id == shown_id and message.seq < shown_seq:
                # Built from an older snapshot than the view on screen (view workers finish in
                # any order): applying it would take a step's end back off the screen.
                return
            self._view_from = (message.incident_id, message.seq)
        self.data.beside = tuple(getattr(message.snapshot, "beside", ()) or ())
        self.data.state = getattr(message.snapshot, "state", None)
        self.presenter.typed_seen = message.typed or {}
        self.show_view(message.view, message.runbook)
        self.presenter.adopt_gates_async(message.snapshot)
        snapshot = message.snapshot
        for key in message.view.running:
            # A step started here, or one still running under its supervisor after a resume
            # (one running on another responder's host shows in the checklist, not here);
            # never a run whose end a follower here already read (a view built before it).
            run = run_of(snapshot, key)
            if self.presenter.should_follow(key, run) and self.presenter.runs_elsewhere(key, snapshot) is None:
                self.start_following(key, self.step_label(key, snapshot), run)
        self.settle_outputs(snapshot)

    def settle_outputs(self, snapshot: object) -> None:
        """A step's end reaches its pane from the journal too: a pane still showing a run as
        running that nobody here follows any more, while the journal has that run ended, is
        finished with the journal's status (the follower's own ``StepEnded`` says the same). An
        ended pane gets the journal's verdict, so it rests on the line the expectation judged."""
        if snapshot is None or self.presenter is None:
            return
        for key, pane in self.query_one(OutputStack).panes.items():
            if self.presenter.following(key):
                continue
            st = snapshot.step_state(key)  # type: ignore[attr-defined]
            if st is None or st.status == "running" or st.last_run is None:
                continue
            if pane.ended:
                pane.judge(st.last_run.expect_reason)
                continue
            self.drain_output(key)
            lines = st.last_run.lines if st.last_run.lines is not None else pane.line_count
            pane.finish(_ended(run_word(st.status, run_verdict(st.last_run)), lines), st.last_run.expect_reason)

    def step_label(self, key: tuple[str, str], snapshot: object = None) -> str:
        runbook = self.data.book_of(key[0])
        if runbook is None and snapshot is not None:
            runbook = snapshot.runbook_by_id(key[0])  # type: ignore[attr-defined]
        step = runbook.step(key[1]) if runbook is not None else None
        if step is None:
            return f"{key[0]} {key[1]}" if key[0] in self.view.named else key[1]
        return self.view.output_title(key[0], step.number, step.label)   # named as the core names it

    def on_action_failed(self, message: ActionFailed) -> None:
        self.notify(message.message, severity="error", timeout=8, markup=False)

    def on_action_done(self, message: ActionDone) -> None:
        self.notify(message.message, timeout=4, markup=False)

    def on_reminded(self, message: Reminded) -> None:
        # ``about`` the decision: its own dialog, open, says it in its words (``DecisionScreen.carry``)
        self.app.notify(message.message, title=REMINDER, severity="warning", timeout=10, markup=False,
                        about=message.about)

    def on_resume_offer(self, message: ResumeOffer) -> None:
        assert self.actions is not None
        self.actions.resume.arrived(message.incidents)
        self.actions.offer_resume_if_due()

    def on_run_dialog_ready(self, message: RunDialogReady) -> None:
        assert self.actions is not None
        self.actions.run_dialog_ready(message.step, message.prompts, message.preparer, message.key, message.seen)

    def on_step_started(self, message: StepStarted) -> None:
        """A run this screen started. A view of its end may have come first (a quick step, a busy machine) and its
        Output pane read that end back from its file as another's (``refresh_outputs``): it is this screen's run,
        so its end opens its verify gate, as one followed from its start does."""
        self._stored.discard(message.key)
        if (message.key, message.run) in self._read_back:
            self._read_back.discard((message.key, message.run))
            self.open_gate(message.key)
        self.start_following(message.key, message.label, message.run)

    def start_following(self, key: tuple[str, str], label: str, run: str | None = None) -> None:
        """Show the step's pane; follow its output unless it is followed already or this run
        (``run``: its output file) was already seen to end here."""
        assert self.presenter is not None
        stack = self.query_one(OutputStack)
        pane = stack.pane_for(key, label)
        if self.presenter.should_follow(key, run):
            pane.start(key, label)
            pane.border_subtitle = "running — c cancels"
            self.presenter.follow_async(key)
        stack.show(key)

    def on_output_ready(self, message: OutputReady) -> None:
        if not self.painting():
            self._behind = True  # the bounded buffer keeps the newest lines; drawn on resume
            return
        self.drain_output(message.key)

    def drain_output(self, key: tuple[str, str]) -> None:
        assert self.presenter is not None
        buf = self.presenter.outputs.get(key)
        pane = self.query_one(OutputStack).panes.get(key)
        if buf is None or pane is None:
            return
        lines, seen = buf.drain()
        pane.add_lines(lines, total=seen)

    def on_step_ended(self, message: StepEnded) -> None:
        assert self.presenter is not None
        stored = message.key in self._stored        # a run read back from its file, not one seen to end
        self._stored.discard(message.key)
        self.drain_output(message.key)
        pane = self.query_one(OutputStack).panes.get(message.key)
        if pane is not None:
            pane.run = message.run or pane.run          # the run it shows: ``refresh_outputs`` tells a newer one
            if stored and not pane.line_count:
                pane.write(Text(RAN_BEFORE, style="dim italic"), scroll_end=False)
            pane.finish(_ended(message.word or message.status.replace("_", " "), pane.line_count))
        if message.status == "ok" and not stored:     # its gate is the journal's, taken up (adopt_gates_async)
            self.open_gate(message.key)
        elif message.status == "ok" and message.run:  # unless this screen started it after all (``on_step_started``)
            self._read_back.add((message.key, message.run))
        self.presenter.load_view_async()

    def open_gate(self, key: tuple[str, str]) -> None:
        """The step ended ok: watch its verify gate, if it has one."""
        assert self.presenter is not None
        runbook = self.data.book_of(key[0])        # the current runbook or one open beside it
        step = runbook.step(key[1]) if runbook is not None else None
        if step is not None and step.verify:
            self.presenter.watch_gate_async(key, step.number, step.verify)

    def on_gate_progress(self, message: GateProgress) -> None:
        """Called by the App: the header's countdown for the open gate."""
        if not self.alive():
            return
        from tui.view import gate_view

        if message.status != "pending":
            # an outcome is the journal's to say (``tui.view.settled_gates``: a pass on a measure that
            # held since before the step reads "held before", never "passed"); the watcher posted
            # IncidentChanged first, so the view that holds it is on its way
            self.gate_views.pop(message.key, None)
            self.render_header()
            return
        drill = self.app.ctx.drill
        speed = drill.speed if drill is not None and drill.speed > 0 else 1.0
        book = self.data.book_of(message.key[0])      # its runbook's named queries give its words
        queries = ({message.measure.name: message.measure} if message.measure is not None   # as its watcher read it
                   else book.queries if book is not None else None)
        self.gate_views[message.key] = gate_view(
            message.step_number or 0, message.expr, message.status, message.value, message.remaining,
            message.reason, held=message.held, hold=message.hold, slos=self.app.ctx.config.slo,
            speed=speed, now=self.app.ctx.clock.now(), queries=queries)
        self.render_header()

    def shown_gate(self) -> GateView | None:
        """The gate the header shows (``tui.view.header_gate``)."""
        from tui.view import header_gate, holding_gates

        # the journal's outcomes first, then what this process watched (fresher for its keys)
        gates = {**dict(self.view.gates), **self.gate_views}
        return header_gate(holding_gates(gates, self.data.holding), self.view.named, self.app.ctx.clock.now(),
                           dict(self.view.gate_runs))

    def on_decisions_ready(self, message: DecisionsReady) -> None:
        assert self.actions is not None
        self.actions.open_decision(message.views, message.broken)

    def on_people_ready(self, message: PeopleReady) -> None:
        assert self.actions is not None
        self.actions.open_people(message.kind, message.view)

    def on_drill_report_ready(self, message: DrillReportReady) -> None:
        if self._report_waits(message.report):
            self._report_due = message.report    # opened by show_view once the header drew the resolve
            return
        self._open_report(message.report)

    def _report_waits(self, report: Any) -> bool:
        """Whether the end-of-drill report must wait before it opens: it says its incident ended
        (resolved) while the header drawn under it does not say so yet. The report is built right
        after the resolve, often before the view rebuilt from the journal reaches this screen, and
        a dialog pauses the dashboard's drawing: opened then, it sat over a dimmed header reading
        INVESTIGATING (lead-1). So it opens only once the header has drawn RESOLVED (``_behind``:
        a view kept but not drawn while a dialog was on top; ``on_screen_resume`` draws it)."""
        header = self.view.header
        return (bool(getattr(report, "ended", False)) and getattr(report, "incident", None) == header.incident_id
                and (header.status != "resolved" or self._behind))

    def _open_report(self, report: Any) -> None:
        from tui.screens.drill_report import DrillReportScreen

        self._report_due = None
        self.app.push_screen(DrillReportScreen(report))

    def on_pir_ready(self, message: PirReady) -> None:
        if self._pir_screen is not None:
            self._pir_screen.show(message.markdown)
            return
        if not message.open_preview:
            return
        from tui.screens.modals.pir import PirScreen

        screen = PirScreen(message.markdown, refresh=lambda: self.presenter and self.presenter.pir_async(False))
        self._pir_screen = screen
        assert self.presenter is not None
        self.presenter.pir_open = True

        def closed(result: str | None) -> None:
            self._pir_screen = None
            if self.presenter is not None:
                self.presenter.pir_open = False
            if result == "export":
                self.action_export_pir()

        self.app.push_screen(screen, closed)

    # ------------------------------------------------------------------ keys (see tui.screens.actions)

    def action_focus_next_pane(self) -> None:
        self.focus_next()

    def action_focus_previous_pane(self) -> None:
        self.focus_previous()

    def selected_step(self) -> Step | None:
        """The step under the cursor of the checklist the keys act on."""
        return self.active_checklist().selected_step()

    def running_step(self) -> tuple[str, str] | None:
        """A running step (any runbook), or None: quitting asks first while one runs."""
        return self.view.running[0] if self.view.running else None

    def open_runbook_by_id(self, runbook_id: str) -> None:
        assert self.actions is not None
        self.actions.open_runbook_by_id(runbook_id)

    def action_declare(self) -> None:
        assert self.actions is not None
        self.actions.declare()

    def action_open_runbook(self) -> None:
        assert self.actions is not None
        self.actions.open_runbook()

    def action_run_step(self) -> None:
        assert self.actions is not None
        chosen = self.active_checklist().selected_decision()
        if chosen is not None:      # enter on a Go/No-Go row decides it
            self.actions.decide(prefer=chosen)
            return
        step = self.selected_step()
        if step is not None and not step.runnable:     # a checklist item: its whole text, tick and skip there
            self.action_view_step()
            return
        self.actions.run_step()

    def action_view_step(self) -> None:
        """i: the step under the cursor, whole (what the Step pane cut); on a Go/No-Go row, the decision."""
        assert self.actions is not None
        chosen = self.active_checklist().selected_decision()
        if chosen is not None:
            self.actions.decide(prefer=chosen)
            return
        self.actions.view_step(self.step_text)

    def action_tick_step(self) -> None:
        assert self.actions is not None
        self.actions.tick_step()

    def action_skip_step(self) -> None:
        assert self.actions is not None
        self.actions.skip_step()

    def action_close_runbook(self) -> None:
        assert self.actions is not None
        self.actions.close_runbook()

    def action_cancel_step(self) -> None:
        assert self.actions is not None
        self.actions.cancel_step()

    def action_note(self, tag: str = "info") -> None:
        assert self.actions is not None
        self.actions.note(tag)

    def action_severity(self) -> None:
        assert self.actions is not None
        self.actions.severity()

    def action_set_status(self) -> None:
        assert self.actions is not None
        self.actions.status()

    def action_status_update(self) -> None:
        assert self.actions is not None
        self.actions.status_update()

    def action_resolve(self) -> None:
        assert self.actions is not None
        self.actions.resolve()

    def action_add_timeline(self) -> None:
        assert self.actions is not None
        self.actions.add_timeline()

    def action_correct_timeline(self) -> None:
        assert self.actions is not None
        self.actions.correct_timeline()

    def action_decide(self) -> None:
        assert self.actions is not None
        self.actions.decide()

    def action_roles(self) -> None:
        assert self.actions is not None
        self.actions.people("roles")

    def action_approvals(self) -> None:
        assert self.actions is not None
        self.actions.people("approvals")

    def action_drill_report(self) -> None:
        assert self.actions is not None
        self.actions.drill_report()

    def action_pir_preview(self) -> None:
        assert self.actions is not None
        self.actions.pir_preview()

    def action_export_pir(self) -> None:
        assert self.actions is not None
        self.actions.export_pir()

    async def on_key(self, event: events.Key) -> None:
        """A key is acted on as it passes the dashboard, or said. Textual hands a key to the focused pane first and
        looks its binding up only as the key reaches the App, on the screen on top by then: a dialog a worker opened
        in between (the end-of-drill report, a moment after a resolve) lacks it, and the key did nothing, unsaid
        (redteam41 G3: ``e``, the key the resolve notice names). So while the dashboard is on top its binding (its
        own, its focused pane's, the App's) is looked up and run here, in the order the keys were typed (a priority
        binding, run as the key arrived, is left alone; one that refuses goes on to the App, as before). A key of
        the dashboard that reaches it after a dialog opened over it is not acted on — neither here, behind the
        dialog, nor on a dialog not yet seen — and it is said, so a lost key is told from a refused one."""
        if self.app.screen is not self:
            host: Any = self.app
            if event.key in {k.strip() for b in DASHBOARD_BINDINGS for k in host.key_for(b).split(",")}:
                event.stop()
                self.app.notify(f"{event.key} reached the dashboard as a dialog opened over it: not acted on;"
                                " press it again", severity="warning", markup=False)
            return
        active = self.active_bindings.get(event.key)
        if active is not None and not active.binding.priority and await self.app.run_action(
                active.binding.action, active.node):
            event.stop()


def _ended(word: str, lines: int) -> str:
    """An output pane's closing border: the run's word as the checklist says it ("ran" for one
    whose output missed what the runbook expected, never "ok") and how many lines it printed."""
    return f"{word} · {lines} line{'' if lines == 1 else 's'}"


def _said(holding: Any) -> tuple[str, ...] | None:
    """What the header says of a ``relapse.Holding``: it is drawn again only when that changes."""
    return None if holding is None else (holding.words(), *(g.now_words() for g in holding.gates))
