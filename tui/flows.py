"""The incident flows of the dashboard: declare, notes, updates, severity, resolve, PIR, drill
report. Mixed into ``DashboardScreen``; running steps and following their output is in
``tui.step_flows``.

Pattern everywhere: a key opens a dialog; its answer goes to ``run_io`` (a thread worker that
calls the engine through ``IncidentController`` and never touches widgets); the worker posts
``IncidentChanged``; the screen asks for a fresh view rebuilt from the journal.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from textual import work

from panes.fmt import escalation_tier, format_clock
from warroom.units import format_value
from tui.controller import IncidentController
from tui.messages import (
    ActionDone,
    ActionFailed,
    DrillReportReady,
    IncidentChanged,
    PirReady,
    ResumeOffer,
    ViewReady,
)
from warroom.errors import WarroomError

if TYPE_CHECKING:
    # The dialogs are imported where they open (TextArea, Select, ... are not needed for the
    # first frame; importing them all up front cost ~40 ms of startup).
    from tui.screens.dashboard import DashboardScreen
    from tui.screens.modals.forms import (
        DeclareAnswer,
        NoteAnswer,
        ResolveAnswer,
        SeverityAnswer,
    )
    from tui.screens.modals.status_update import UpdateAnswer
    from tui.screens.modals.pir import PirScreen  # imports markdown-it: loaded on first preview


class IncidentFlows:
    """Actions and message handlers; ``self`` is the ``DashboardScreen``."""

    controller: IncidentController

    def init_flows(self: DashboardScreen) -> None:
        self.controller = IncidentController(self.app.ctx)
        self.init_steps()
        self._pir_screen: PirScreen | None = None
        self._journal_size = -1
        ctx = self.app.ctx
        if ctx.resume_id:
            self.run_io(self.controller.open, ctx.resume_id)
        elif ctx.offer_resume:
            self.look_for_open_incidents()

    # ------------------------------------------------------------------ plumbing

    @work(thread=True, group="io", exit_on_error=False)
    def run_io(self: DashboardScreen, fn: Callable[..., Any], *args: Any,
               done: str = "", **kwargs: Any) -> None:
        """Run one engine call off the event loop; report failure in words, then refresh."""
        try:
            result = fn(*args, **kwargs)
        except WarroomError as exc:
            self.post_message(ActionFailed(str(exc)))
        except OSError as exc:
            self.post_message(ActionFailed(f"{exc.filename or ''}: {exc.strerror or exc}".strip(": ")))
        else:
            message = done or (result if isinstance(result, str) and " " in result else "")
            if message:
                self.post_message(ActionDone(message))
        self.post_message(IncidentChanged(self.controller.incident.id if self.controller.incident else None))

    def watch_journal(self: DashboardScreen) -> None:
        """Notice appends made elsewhere (another IC's ``warroom incident note``, a supervisor
        ending a step after a resume) with one ``stat`` per tick, and rebuild the view then."""
        inc = self.controller.incident
        if inc is None:
            return
        try:
            size = (inc.dir / "journal.jsonl").stat().st_size
        except OSError:
            return
        if size != self._journal_size:
            self._journal_size = size
            self.load_view()

    def on_incident_changed(self: DashboardScreen, message: IncidentChanged) -> None:
        if self.controller.incident is not None:
            self.load_view()

    @work(thread=True, exclusive=True, group="view", exit_on_error=False)
    def load_view(self: DashboardScreen) -> None:
        try:
            view, runbook = self.controller.view()
        except WarroomError as exc:
            self.post_message(ActionFailed(str(exc)))
            return
        self.post_message(ViewReady(view, runbook))
        if self._pir_screen is not None:
            self.post_message(PirReady(self.controller.render_pir()))

    def on_view_ready(self: DashboardScreen, message: ViewReady) -> None:
        self.show_view(message.view, message.runbook)
        self.resume_gates()
        running = message.view.running_step
        if running is not None and running not in self._following:
            # A step started here, or one still running under its supervisor after a resume.
            self.start_following(running, self.step_label(running))

    def on_action_failed(self: DashboardScreen, message: ActionFailed) -> None:
        self.notify(message.message, severity="error", timeout=8, markup=False)

    def on_action_done(self: DashboardScreen, message: ActionDone) -> None:
        self.notify(message.message, timeout=4, markup=False)

    def source_label(self: DashboardScreen) -> str:
        ctx = self.app.ctx
        if ctx.drill is not None:
            return "the drill simulator"
        return ctx.config.prometheus.url or "the configured Prometheus"

    def step_label(self: DashboardScreen, number: int) -> str:
        step = self.runbook.step(number) if self.runbook is not None else None
        return f"{number}. {step.label}" if step is not None else f"step {number}"

    def need_incident(self: DashboardScreen) -> bool:
        if self.controller.incident is None:
            self.notify("No incident is open: press d to declare one.", severity="warning")
            return False
        return True

    # ------------------------------------------------------------------ resume

    @work(thread=True, group="io", exit_on_error=False)
    def look_for_open_incidents(self: DashboardScreen) -> None:
        try:
            found = self.controller.open_incidents()
        except WarroomError as exc:
            self.post_message(ActionFailed(str(exc)))
            return
        if found:
            self.post_message(ResumeOffer(found))

    def on_resume_offer(self: DashboardScreen, message: ResumeOffer) -> None:
        from tui.screens.modals.pickers import OpenIncident, ResumeScreen

        now = self.app.ctx.clock.now()
        items = [OpenIncident(id=i.id, title=i.title, severity=i.severity, status=i.status,
                              elapsed=format_clock(now - i.declared_at) if i.declared_at else "?",
                              drill=i.drill)
                 for i in reversed(message.incidents)]

        def chosen(inc_id: str | None) -> None:
            if inc_id:
                self.run_io(self.controller.open, inc_id, done=f"resumed {inc_id}")

        self.app.push_screen(ResumeScreen(items), chosen)

    # ------------------------------------------------------------------ declare / runbook

    def with_runbooks(self: DashboardScreen, then: Callable[[], None]) -> None:
        """Run ``then`` on the event loop once the runbook library is loaded. It loads after the
        first frame; a key pressed before that waits in a worker, not on the event loop."""
        ctx = self.app.ctx
        if ctx.runbook_loader is None:
            then()
            return

        def load() -> None:
            ctx.ensure_runbooks()
            self.app.call_from_thread(then)

        self.app.run_worker(load, thread=True, group="library-wait", exit_on_error=False)

    def action_declare(self: DashboardScreen) -> None:
        if self.controller.incident is not None and self.view.header.status != "resolved":
            self.notify(f"{self.controller.incident.id} is already open; resolve it first.", severity="warning")
            return
        self.with_runbooks(self.open_declare)

    def open_declare(self: DashboardScreen) -> None:
        ctx = self.app.ctx
        title, severity, runbook, origin = "", "P3", None, ""
        source: dict[str, Any] = {"kind": "manual"}
        sim = ctx.drill.extra.get("drill") if ctx.drill is not None else None
        scenario = sim.scenario if sim is not None else None
        breached = self.first_breached()
        if breached is not None:
            slo = breached.slo
            value = format_value(breached.value, slo.unit)
            title = f"{slo.title} at {value}"
            severity = slo.severity or "P3"
            runbook = slo.runbook
            source = {"kind": "pane", "ref": slo.id, "value": breached.value, "unit": slo.unit}
            origin = f"From the breached pane: {slo.title} {value} (threshold {format_value(slo.crit, slo.unit)})."
            if scenario is not None:
                # The drill knows which incident this is: its runbook and severity, not the
                # generic ones of whichever pane happened to break first.
                severity, runbook = scenario.severity, scenario.runbook
                origin += f" Runbook and severity from the drill scenario {scenario.name}."
        elif (alert := self.firing_alert()) is not None:
            title = alert.title
            severity = alert.priority or "P3"
            runbook = alert.runbook
            source = {"kind": "alert", "ref": alert.name, "labels": dict(alert.labels)}
            if alert.since:
                from warroom.sources.evidence import iso

                source["started_at"] = iso(alert.since)
            origin = f"From the firing alert {alert.name}" + (f" (runbook {alert.runbook})." if alert.runbook else ".")
        elif scenario is not None:
            title = scenario.symptom          # the symptom, never the cause the drill is about
            severity = scenario.severity
            runbook = scenario.runbook
            origin = f"Drill {scenario.name}: pre-filled from the scenario's runbook."
        elif self.runbook is not None:
            title = self.runbook.title
            severity = self.runbook.severity or "P3"
            runbook = self.runbook.id
            origin = f"From the open runbook {self.runbook.id}."
        from tui.screens.modals.forms import DeclareScreen

        choices = [(f"{rb.id}  {rb.title}", rb.id) for rb in sorted(ctx.ensure_runbooks(), key=lambda r: r.id)]

        def answered(answer: DeclareAnswer | None) -> None:
            if answer is not None:
                self.run_io(self.controller.declare, title=answer.title, severity=answer.severity,
                            runbook=answer.runbook, source=answer.source, done="incident declared")

        sevs = {rb.id: rb.severity or "" for rb in ctx.ensure_runbooks()}
        self.app.push_screen(DeclareScreen(title=title, severity=severity, runbook=runbook,
                                           runbooks=choices, source=source, origin=origin,
                                           runbook_severity=sevs), answered)

    def firing_alert(self: DashboardScreen) -> Any | None:
        """The most severe firing alert (the source sorts by severity, then longest firing);
        among equally severe ones, the first that names a runbook."""
        alerts = list(getattr(self.extra.get("alerts"), "alerts", ()) or ())
        if not alerts:
            return None
        from warroom.sources.severity import rank

        top = [a for a in alerts if rank(a.priority) == rank(alerts[0].priority)]
        return next((a for a in top if a.runbook), top[0])

    def action_open_runbook(self: DashboardScreen) -> None:
        self.with_runbooks(self.open_runbook_picker)

    def open_runbook_picker(self: DashboardScreen) -> None:
        ctx = self.app.ctx
        suggested = [r.slo.runbook for r in self.readings if r.breached and r.slo.runbook]
        suggested += [a.runbook for a in getattr(self.extra.get("alerts"), "alerts", ()) if a.runbook]
        if ctx.drill is not None and ctx.drill.extra.get("drill") is not None:
            suggested.append(ctx.drill.extra["drill"].scenario.runbook)

        from tui.screens.modals.pickers import RunbookPicker

        def chosen(rb_id: str | None) -> None:
            if rb_id:
                self.open_runbook_by_id(rb_id)

        self.app.push_screen(RunbookPicker(ctx.ensure_runbooks(), ctx.runbook_findings, suggested), chosen)

    # ------------------------------------------------------------------ people

    def action_note(self: DashboardScreen, tag: str = "info") -> None:
        if not self.need_incident():
            return

        def answered(a: NoteAnswer | None) -> None:
            if a is not None:
                self.run_io(self.controller.note, a.tag, a.text, a.owner, a.due, done=f"{a.tag} note added")

        from tui.screens.modals.forms import NoteScreen

        self.app.push_screen(NoteScreen(tag), answered)

    def action_severity(self: DashboardScreen) -> None:
        if not self.need_incident():
            return

        def answered(a: SeverityAnswer | None) -> None:
            if a is not None:
                self.run_io(self.controller.severity, a.severity, a.reason, done=f"severity now {a.severity}")

        from tui.screens.modals.forms import SeverityScreen

        self.app.push_screen(SeverityScreen(self.view.header.severity), answered)

    def status_update_text(self: DashboardScreen) -> str:
        h = self.view.header
        now = self.app.ctx.clock.now()
        elapsed = (now - h.declared_at) * h.time_scale if h.declared_at else 0.0
        lines = [f"[{h.incident_id}] {h.title} — {h.severity} — {h.status.upper()}"]
        if self.app.ctx.drill is not None:
            lines[0] = "DRILL " + lines[0]
        breached = [r for r in self.readings if r.state in ("crit", "warn")]
        if breached:
            lines.append("Impact: " + "; ".join(
                f"{r.slo.title} {format_value(r.value, r.slo.unit)} ({r.word})" for r in breached))
        else:
            lines.append("Impact: all SLOs currently within thresholds.")
        lines.append(f"Elapsed: {format_clock(elapsed)} (escalation {escalation_tier(elapsed)}).")
        if self.runbook is not None:
            done = [s for s in self.runbook.steps
                    if self.view.steps.get(s.number) and self.view.steps[s.number].state in ("ok", "ticked")]
            pending = [s for s in self.runbook.steps if s.number not in self.view.steps]
            if done:
                lines.append("Done: " + "; ".join(s.label for s in done[-3:]))
            if pending:
                lines.append(f"Next: {pending[0].label}")
        every = self.app.ctx.config.incident.status_update_every
        lines.append(f"Next update in {int(every // 60)} min.")
        return "\n".join(lines)

    def action_status_update(self: DashboardScreen) -> None:
        if not self.need_incident():
            return
        from warroom.sources.webhooks import webhook_enabled, webhook_url

        cfg = self.app.ctx.config.webhook
        where = None
        if webhook_enabled(cfg):
            url = webhook_url(cfg)
            where = f"{cfg.kind} {url.split('//')[-1].split('/')[0]}" if url else f"{cfg.kind} (url unset)"

        def answered(a: UpdateAnswer | None) -> None:
            if a is None:
                return
            if a.copy:
                self.app.copy_to_clipboard(a.text)
            self.run_io(self.controller.status_update, a.text, copied=a.copy, post=a.post)

        from tui.screens.modals.status_update import StatusUpdateScreen

        self.app.push_screen(StatusUpdateScreen(self.status_update_text(), webhook=where), answered)

    def action_resolve(self: DashboardScreen) -> None:
        if not self.need_incident():
            return
        if self.view.header.status == "resolved":
            self.notify("Already resolved: e exports the PIR.")
            return
        open_steps = 0
        if self.runbook is not None:
            open_steps = sum(1 for s in self.runbook.steps if s.number not in self.view.steps)

        def answered(a: ResolveAnswer | None) -> None:
            if a is not None:
                self.resolve_and_report(a)

        from tui.screens.modals.forms import ResolveScreen

        self.app.push_screen(ResolveScreen(self.view.header.title, open_steps), answered)

    # ------------------------------------------------------------------ timeline, drill report

    def action_add_timeline(self: DashboardScreen) -> None:
        if not self.need_incident():
            return
        from tui.screens.modals.timeline_entry import TimelineAnswer, TimelineEntryScreen

        def answered(a: TimelineAnswer | None) -> None:
            if a is not None:
                self.run_io(self.controller.add_timeline, a.text, a.at, done="timeline entry added")

        self.app.push_screen(TimelineEntryScreen(), answered)

    def action_correct_timeline(self: DashboardScreen) -> None:
        if not self.need_incident():
            return
        from panes.fmt import format_time
        from panes.timeline import TimelinePane
        from tui.screens.modals.timeline_entry import TimelineAnswer, TimelineEntryScreen

        item = self.query_one(TimelinePane).selected_item()
        if item is None or item.seq is None:
            self.notify("Highlight a timeline entry first (tab to the timeline, j/k), then x.")
            return

        def answered(a: TimelineAnswer | None) -> None:
            if a is not None and a.seq is not None:
                self.run_io(self.controller.correct_timeline, a.seq, a.text, done="timeline entry corrected")

        self.app.push_screen(TimelineEntryScreen(seq=item.seq, text=item.text, when=format_time(item.at)),
                             answered)

    def action_drill_report(self: DashboardScreen) -> None:
        if self.app.ctx.drill is None:
            self.notify("The drill report is for drills (warroom demo).")
            return
        self.fetch_drill_report()

    @work(thread=True, group="io", exit_on_error=False)
    def fetch_drill_report(self: DashboardScreen) -> None:
        self.post_drill_report()

    def post_drill_report(self: DashboardScreen) -> None:
        """Blocking (worker): build the report from the drill and the journal, post it."""
        try:
            self.post_message(DrillReportReady(self.controller.drill_report()))
        except WarroomError as exc:
            self.post_message(ActionFailed(f"drill report: {exc}"))

    def on_drill_report_ready(self: DashboardScreen, message: DrillReportReady) -> None:
        from tui.screens.drill_report import DrillReportScreen

        self.app.push_screen(DrillReportScreen(message.report))

    @work(thread=True, group="io", exit_on_error=False)
    def resolve_and_report(self: DashboardScreen, a: ResolveAnswer) -> None:
        """Resolve; in a drill, then show the end-of-drill report (response times vs targets)."""
        try:
            self.controller.resolve(a.summary, a.resolution, a.rollback)
        except WarroomError as exc:
            self.post_message(ActionFailed(str(exc)))
            return
        finally:
            self.post_message(IncidentChanged(self.controller.incident.id if self.controller.incident else None))
        self.post_message(ActionDone("incident resolved: p previews the PIR, e exports it"))
        if self.app.ctx.drill is not None and self.app.ctx.drill.extra.get("drill") is not None:
            self.post_drill_report()

    # ------------------------------------------------------------------ PIR

    def action_pir_preview(self: DashboardScreen) -> None:
        if not self.need_incident():
            return
        self.fetch_pir(open_preview=True)

    @work(thread=True, group="pir", exclusive=True, exit_on_error=False)
    def fetch_pir(self: DashboardScreen, open_preview: bool = False) -> None:
        try:
            md = self.controller.render_pir()
        except WarroomError as exc:
            self.post_message(ActionFailed(str(exc)))
            return
        self.post_message(PirReady(md, open_preview))

    def on_pir_ready(self: DashboardScreen, message: PirReady) -> None:
        if self._pir_screen is not None:
            self._pir_screen.show(message.markdown)
            return
        if not message.open_preview:
            return
        from tui.screens.modals.pir import PirScreen

        screen = PirScreen(message.markdown)
        self._pir_screen = screen

        def closed(result: str | None) -> None:
            self._pir_screen = None
            if result == "export":
                self.action_export_pir()

        self.app.push_screen(screen, closed)

    def action_export_pir(self: DashboardScreen) -> None:
        if not self.need_incident():
            return
        self.run_io(self.export_and_describe)

    def export_and_describe(self: DashboardScreen) -> str:
        result = self.controller.export()
        path = getattr(result, "path", result)
        note = getattr(result, "message", "") or ""
        return f"PIR exported: {path} {note}".strip()
