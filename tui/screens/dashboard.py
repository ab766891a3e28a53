"""The dashboard: header, SLO panes (or the compact strip), checklist, step detail, output, timeline.

This screen owns rendering and the metric poll; the incident flows (declare, run, note, ...) live
in ``tui.flows`` and are mixed in, so no single module has to hold every action.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.widgets import Footer, Static

from panes.header import IncidentHeader
from panes.output import OutputPane
from panes.runbook import ChecklistPane
from panes.slo import SloLine, SloPane
from panes.sources import SourcesPane
from panes.step_detail import StepDetailPane
from panes.timeline import TimelinePane
from panes.view import HeaderInfo, IncidentView
from tui.bindings import DASHBOARD_BINDINGS
from tui.flows import IncidentFlows
from tui.step_flows import StepFlows
from tui.gates import EvidenceAndGates
from tui.messages import MetricsFetched, SourceFetched
from tui.metrics import fetch_readings, make_tracker
from warroom.runbook.model import Runbook, Step
from warroom.sources.model import SloReading

if TYPE_CHECKING:
    from tui.app import WarroomApp


class DashboardScreen(IncidentFlows, StepFlows, EvidenceAndGates, Screen[None]):
    BINDINGS: ClassVar[list[Binding]] = DASHBOARD_BINDINGS
    # Width / height classes the stylesheet keys the layout on (compact strip, too-small notice).
    HORIZONTAL_BREAKPOINTS = [(0, "-w-tiny"), (60, "-w-narrow"), (110, "-w-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-h-tiny"), (16, "-h-short"), (32, "-h-tall")]

    app: WarroomApp

    def __init__(self) -> None:
        super().__init__(id="dashboard")
        self.readings: list[SloReading] = []
        self.view = IncidentView()
        self.runbook: Runbook | None = None
        self._tracker = None
        self._source_health = "waiting"
        self._extra_health: dict[str, str] = {}   # alerts / k8s: unauthorized, slow, refused, down…
        self._behind = False                       # data arrived while a dialog was on top
        self.extra: dict[str, object] = {}         # latest cluster / providers / alerts poll
        self._alerts_seen: set[tuple[str, tuple[tuple[str, str], ...]]] = set()
        self._last_readings: tuple[list[SloReading], float, str] | None = None
        self._library_started = False
        self._strip_mounted = False
        self._slo_cache: list[SloPane | SloLine] | None = None
        self._poll_in_flight = False
        self._poll_started: float | None = None   # monotonic time the last poll started
        self._clock_owed = False                  # the clocks repaint with the poll's readings
        self._readings_at = 0.0

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
            yield ChecklistPane()
            with Vertical(id="right"):
                yield StepDetailPane(ctx.config.slo)
                yield OutputPane(max_lines=ctx.config.execute.memory_lines)
        yield TimelinePane()
        yield Footer()
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
        self._tracker = make_tracker(ctx.config.slo, ctx.config.prometheus.stale_after)
        self.init_gates()
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
        self.init_flows()

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
        """Fetch in a thread, post the result; the handler renders it. The next poll starts on
        the first beat after ``poll_interval`` (or, without a beat, on a timer set by the
        handler): polls never overlap."""
        self._poll_in_flight = True
        self._poll_started = time.monotonic()
        self.app.run_worker(self._fetch_metrics, thread=True, exclusive=True, group="metrics",
                            exit_on_error=False)

    def _fetch_metrics(self) -> None:
        ctx = self.app.ctx
        assert ctx.source is not None
        now = ctx.clock.now()
        readings, health = fetch_readings(ctx.source, self._tracker, ctx.config.slo, now)
        self.app.post_message(MetricsFetched(readings=readings, at=now, source_health=health))

    def on_metrics_fetched(self, message: MetricsFetched) -> None:
        """Called by the App (see ``WarroomApp.on_metrics_fetched``)."""
        self._poll_in_flight = False
        if not self.alive():
            return
        try:
            self.show_readings(message.readings, message.at, message.source_health)
        except NoMatches:
            return  # shutting down
        if self._clock_owed:
            self._clock_owed = False
            self.tick()
        interval = self.app.ctx.poll_interval()
        if interval > 0 and not self._beat_polls():
            self.app.set_timer(interval, self.poll_metrics)
        if not self._library_started:
            self.call_after_refresh(self.load_library)

    def load_library(self) -> None:
        """Parse the runbook library in a thread once the first frame with data is drawn: the
        first frame shows no runbook, so it need not wait for the parse (see
        ``AppContext.runbook_loader``). Whatever needs a runbook first just waits for it."""
        if self.app.ctx.runbook_loader is not None and not self._library_started:
            self._library_started = True
            self.app.run_worker(self.app.ctx.ensure_runbooks, thread=True, group="library",
                                exit_on_error=False)

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
        pane = self.query_one(SourcesPane)
        if self.painting():
            pane.show(message.kind, message.data)
        else:
            pane.data[message.kind] = message.data
            self._behind = True

    def action_alerts_view(self) -> None:
        """Every firing alert (and every failing alert server) in a full view."""
        from tui.screens.alerts import AlertsScreen

        if "alerts" not in self.app.ctx.sources:
            self.notify("No alert source is configured ([alerts] alertmanager_url, or Prometheus).")
            return
        self.app.push_screen(AlertsScreen(self.extra.get("alerts"), self.app.ctx.clock.now()))

    def note_alerts(self, result: object) -> None:
        """Journal each newly firing alert once while an incident is open (``alert.seen``)."""
        alerts = getattr(result, "alerts", ())
        if self.controller.incident is None or not alerts:
            return
        fresh = [a for a in alerts if (a.name, tuple(sorted(a.labels.items()))) not in self._alerts_seen]
        if not fresh:
            return
        self._alerts_seen.update((a.name, tuple(sorted(a.labels.items()))) for a in fresh)
        self.run_io(self.controller.record_alerts, fresh)

    def on_unmount(self) -> None:
        self.close_gates()  # the watchers stop; their gates stay open for the next dashboard

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
        if self._behind:
            self._behind = False
            if self._last_readings is not None:
                self.show_readings(*self._last_readings)
            self.show_view(self.view, self.runbook)
            self.query_one(SourcesPane).redraw()
            self.on_output_ready()
            self.tick()

    def _slo_widgets(self) -> list[SloPane | SloLine]:
        """The SLO boxes and strip lines, found once (a CSS query on every poll and every beat
        was a few percent of the dashboard's steady-state CPU); ``mount_strip`` adds the lines."""
        if self._slo_cache is None:
            self._slo_cache = [*self.query(SloPane), *self.query(SloLine)]
        return self._slo_cache

    def show_readings(self, readings: list[SloReading], at: float, health: str = "ok") -> None:
        self.readings = readings
        self._readings_at = at
        if not self.painting():
            self._last_readings = (readings, at, health)
            self._behind = True
            return
        by_id = {r.slo.id: r for r in readings}
        for pane in self._slo_widgets():
            if (r := by_id.get(pane.slo.id)) is not None:
                pane.show(r, at)
        if health != self._source_health:
            self._source_health = health
            self.render_header()

    def first_breached(self) -> SloReading | None:
        """The breached pane that went past crit first (the tracker dates it, from the sparkline
        history when it was already past at the first poll): usually the cause, the panes that
        follow it are its consequences."""
        breached = [(r.breach_since if r.breach_since is not None else float("inf"), i, r)
                    for i, r in enumerate(self.readings) if r.breached]
        return min(breached, key=lambda x: (x[0], x[1]))[2] if breached else None

    def show_no_source(self, why: str) -> None:
        from warroom.sources.model import SloReading as R

        now = self.app.ctx.clock.now()
        self._source_health = "off"
        self.show_readings([R(slo=s, state="error", value=None, error=why) for s in self.app.ctx.config.slo],
                           now, "off")
        self.render_header()
        self.call_after_refresh(self.load_library)

    def tick(self) -> None:
        try:
            self._tick()
        except NoMatches:
            return  # the App's interval outlives this screen's widgets while the app shuts down

    def _tick(self) -> None:
        if not self.alive():
            return
        self.watch_journal()
        self.maybe_record_due()
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
            gate=self.gate_text,
        )

    def render_header(self) -> None:
        try:
            header = self.query_one(IncidentHeader)
        except NoMatches:
            return  # the App forwards worker messages (a gate's last probe) while it shuts down
        header.show(self.header_info(), self.app.ctx.clock.now())

    def show_view(self, view: IncidentView, runbook: Runbook | None) -> None:
        """Render a view rebuilt from the journal."""
        self.view = view
        self.runbook = runbook
        if not self.painting():
            self._behind = True
            return
        self.render_header()
        checklist = self.query_one(ChecklistPane)
        checklist.show_runbook(runbook, view.steps)
        self.query_one(TimelinePane).show(view.timeline)
        self.show_step_detail(checklist.selected_step())

    def show_step_detail(self, step: Step | None) -> None:
        view = self.view.steps.get(step.number) if step is not None else None
        self.query_one(StepDetailPane).show(step, view, self.known_params())

    def known_params(self) -> dict[str, tuple[str, str]]:
        """Parameter values known before the run dialog asks: the config's ``[params]`` win
        over the runbook's defaults, as in the dialog."""
        known: dict[str, tuple[str, str]] = {}
        if self.runbook is not None:
            for key, param in self.runbook.params.items():
                if param.default not in (None, ""):
                    known[key] = (str(param.default), "runbook")
        from warroom.runbook.model import param_key

        for name, value in self.app.ctx.config.params.items():
            known[param_key(name)] = (value, "config")
        return known

    @on(ChecklistPane.StepHighlighted)
    def _step_highlighted(self, event: ChecklistPane.StepHighlighted) -> None:
        self.show_step_detail(event.step)

    # ------------------------------------------------------------------ moving around

    def action_focus_next_pane(self) -> None:
        self.focus_next()

    def action_focus_previous_pane(self) -> None:
        self.focus_previous()

    def selected_step(self) -> Step | None:
        return self.query_one(ChecklistPane).selected_step()

    def running_step(self) -> int | None:
        return self.view.running_step

    def open_runbook_by_id(self, runbook_id: str) -> None:
        """Show a runbook; during an incident, attach it (journaled) rather than just show it.

        Enter runs the selected step of the incident's own runbook, so the checklist on screen
        must never be a different runbook than the one the incident has attached.
        """
        incident = self.controller.incident
        if incident is not None:
            current = (incident.state.runbook or {}).get("id")
            if current != runbook_id:
                self.run_io(self.controller.attach, runbook_id, done=f"runbook {runbook_id} attached")
            return
        rb = self.app.ctx.runbook(runbook_id)
        if rb is not None:
            self.show_view(self.view, rb)

