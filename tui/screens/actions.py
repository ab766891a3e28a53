"""What the dashboard's keys do: open a dialog, hand its answer to the presenter.

Nothing here does I/O or draws: each action reads what the dashboard shows (``DashboardData``,
a plain record the screen keeps up to date), opens a dialog, and passes the answer to
``IncidentPresenter`` (which calls the core in a worker). The screen's ``action_*`` methods are
one line each into this object.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from functools import partial
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from warroom import scenario_time as stime
from warroom.errors import WarroomError
from warroom.journal import events as ev
from warroom.units import format_reading, format_value
from warroom.paths import command
from panes.fmt import format_time
from tui.messages import EXPORTING, JUDGING, READING, decision_subject
from tui.presenter import describe, pane_title
from tui.resume_offer import ResumeOfferGate

if TYPE_CHECKING:
    from textual.screen import Screen
    from panes.view import IncidentView, TimelineItem
    from tui.host import WarroomHost
    from tui.presenter import IncidentCalls, IncidentPresenter
    from tui.screens.modals.forms import DeclareAnswer, NoteAnswer, ResolveAnswer, SeverityAnswer, StatusAnswer
    from tui.screens.modals.run_step import RunAnswer
    from tui.screens.modals.status_update import UpdateAnswer
    from warroom.runbook.model import Runbook, Step
    from warroom.sources.model import SloReading


@dataclass
class DashboardData:
    """What the dashboard shows now; the screen writes it, the actions read it."""

    view: IncidentView
    runbook: Runbook | None = None
    readings: list[SloReading] = field(default_factory=list)
    readings_at: float = 0.0             # when they were read (the dashboard's clock)
    holding: Any = None                  # whether the mitigation holds, read with them (``relapse.Holding``)
    extra: dict[str, object] = field(default_factory=dict)    # cluster / providers / alerts
    beside: tuple[Runbook, ...] = ()     # runbooks open beside the current one (the snapshot's word)
    active: str | None = None            # the runbook whose checklist the keys act on (None: the current)
    state: Any = None                    # the journal state the view was built from (the snapshot's)

    def active_runbook(self) -> Runbook | None:
        """The runbook of the checklist the commander works in now: the current one, or one
        open beside it. Enter / space / s act on its steps, against it."""
        if self.active and (self.runbook is None or self.active != self.runbook.id):
            found = next((rb for rb in self.beside if rb.id == self.active), None)
            if found is not None:
                return found
        return self.runbook

    def book_of(self, runbook_id: str) -> Runbook | None:
        """An open runbook by id (the current one or one beside it)."""
        if self.runbook is not None and self.runbook.id == runbook_id:
            return self.runbook
        return next((rb for rb in self.beside if rb.id == runbook_id), None)

    def first_breached(self) -> SloReading | None:
        """The breached pane that went past crit first (the tracker dates it, from the sparkline
        history when it was already past at the first poll): usually the cause, the panes that
        follow it are its consequences."""
        breached = [(r.breach_since if r.breach_since is not None else float("inf"), i, r)
                    for i, r in enumerate(self.readings) if r.breached]
        return min(breached, key=lambda x: (x[0], x[1]))[2] if breached else None

    def firing_alert(self) -> Any | None:
        """The most severe firing alert (the source sorts by severity, then longest firing);
        among equally severe ones, the first that names a runbook."""
        alerts = list(getattr(self.extra.get("alerts"), "alerts", ()) or ())
        if not alerts:
            return None
        from warroom.sources.severity import rank

        top = [a for a in alerts if rank(a.priority) == rank(alerts[0].priority)]
        return next((a for a in top if a.runbook), top[0])

    def step_state(self, step: Step) -> str:
        """A step of the active runbook, as the journal has it."""
        book = self.active_runbook()
        sv = self.view.steps_of(book.id if book is not None else None).get(step.id)
        return sv.state if sv is not None else "pending"


class DashboardActions:
    def __init__(self, app: WarroomHost, presenter: IncidentPresenter, calls: IncidentCalls,
                 data: DashboardData, selected: Callable[[], Step | None],
                 selected_entry: Callable[[], TimelineItem | None],
                 show_runbook: Callable[[Runbook], None]) -> None:
        self.app = app
        self.ctx = app.ctx
        self.presenter = presenter
        self.calls = calls
        self.data = data
        self._prefer: str | None = None     # the Go/No-Go row enter was pressed on
        # The steps whose Run dialog is being prepared (None) or is open (the dialog): one per step, so a
        # double Enter never stacks two confirmations of one run (redteam41 X8)
        self.run_dialogs: dict[tuple[str, str], Screen[Any] | None] = {}
        # A resolve being saved (its worker: the journal line, the metric history, the summary), and
        # whether e asked for the PIR meanwhile: exported once it is saved, never a draft of before
        self.resolving = False
        self.export_after_resolve = False
        self.selected = selected
        self.selected_entry = selected_entry
        self.show_runbook = show_runbook      # no incident open: the checklist just shows it
        self.resume = ResumeOfferGate()       # the start's resume offer: shown only while still a choice

    # ------------------------------------------------------------------ helpers

    def notify(self, text: str, severity: str = "information") -> None:
        self.app.notify(text, severity=severity, markup=False)  # type: ignore[arg-type]

    def need_incident(self) -> bool:
        if self.presenter.live is None:
            self.notify("No incident is open: press d to declare one.", severity="warning")
            return False
        return True

    def refused_now(self, event_type: str) -> bool:
        """Whether the core refuses the line this key would write, by the state the screen shows
        (``warroom.incident.after_resolve``: a resolved incident takes notes, timeline entries,
        updates and exports, not steps, severity or runbooks). Asked before a dialog opens, so the
        commander is told at the key — with the core's own words: when it was resolved and the
        command that reopens it — rather than after filling in a dialog whose Run the core refuses."""
        why = self.refusal(event_type)
        if why is not None:
            self.notify(why, severity="warning")
        return why is not None

    def refusal(self, event_type: str) -> str | None:
        """The core's words refusing the line this key would write now, or None (``refused_now``): a
        read-only seat's (``warroom.incident.observer_seat``), then a resolved incident's."""
        from warroom.incident.after_resolve import line_refusal

        live, state = self.presenter.live, self.data.state
        if live is None:
            return None         # no incident: a runbook picked is only shown
        seat = self.seat_refusal(event_type)
        if seat is not None:
            return seat
        if state is None or getattr(state, "id", None) != live.id:
            return None
        return line_refusal(state, live.id, event_type, {})

    def seat_refusal(self, event_type: str, action: str | None = None) -> str | None:
        """The core's words refusing a read-only seat the line of ``event_type`` (or, with ``action``,
        an act that writes none: cancelling a step), or None: not a read-only seat, or a line it writes."""
        from warroom.incident import observer_seat

        live = self.presenter.live
        inc_id = live.id if live is not None else None
        if action is not None:
            return observer_seat.refusal(inc_id, action) if observer_seat.observer(self.ctx.config) else None
        return observer_seat.line_refusal(self.ctx.config, inc_id, event_type)

    def seat_refused(self, event_type: str, action: str | None = None) -> bool:
        """``refused_now`` for a read-only seat only: what a resolved incident still lets a seat do."""
        why = self.seat_refusal(event_type, action)
        if why is not None:
            self.notify(why, severity="warning")
        return why is not None

    def key_of(self, step: Step) -> tuple[str, str]:
        """A step of the checklist the keys act on is a step of *its* runbook."""
        runbook = self.data.active_runbook()
        return (runbook.id if runbook is not None else "", step.id)

    def source_label(self) -> str:
        if self.ctx.drill is not None:
            return getattr(self.ctx.source, "label", None) or "the drill simulator"
        return self.ctx.config.prometheus.url or "the configured Prometheus"

    def with_runbooks(self, then: Callable[[], None]) -> None:
        """Run ``then`` on the event loop once the runbook library is loaded. It loads after the
        first frame; a key pressed before that waits in a worker, not on the event loop."""
        ctx = self.ctx
        if ctx.runbook_loader is None:
            then()
            return

        def load() -> None:
            ctx.ensure_runbooks()
            self.app.call_from_thread(then)

        self.presenter.worker(load, group="library-wait", name="runbook library")

    # ------------------------------------------------------------------ resume / declare / runbook

    def offer_resume_if_due(self) -> None:
        """Show the resume offer that arrived, if nothing was chosen since and the dashboard is on
        top (``tui.resume_offer``: a late offer never comes over a dialog or a new incident)."""
        if self.presenter.live is not None:
            self.resume.choose()          # an incident is open here already (however it was opened)
        incidents = self.resume.due(on_top=self.app.screen is self.app.dashboard)
        if incidents:
            self.offer_resume(incidents)

    def offer_resume(self, incidents: list[Any]) -> None:
        from tui.screens.modals.pickers import OpenIncident, ResumeScreen

        by_key = {}
        items = []
        for i in reversed(incidents):
            key = i.id if i.elsewhere is None else f"{i.elsewhere}:{i.id}"
            by_key[key] = i
            # its clock's start and pace: the dialog reads the figure from the clock as it draws
            items.append(OpenIncident(id=i.id, title=i.title, severity=i.severity, status=i.status,
                                      started=i.clock_start if i.clock_start is not None else i.declared_at,
                                      scale=stime.scale_of(i), drill=i.drill, key=key, relapse=i.relapse))

        def chosen(key: str | None) -> None:
            picked = by_key.get(key) if key else None
            if picked is None:
                return
            self.resume.choose()
            if picked.elsewhere is not None:
                # Another world (a drill incident from the real dashboard): this dashboard closes
                # and the one `warroom resume` builds for it opens (its simulator, speed, clock).
                from pathlib import Path

                from tui.context import Reopen
                from tui.launch import resume_invocation

                root = Path(picked.elsewhere)
                self.app.exit(Reopen(picked.id, root, resume_invocation(picked.id, root, self.ctx.options)))
                return
            self.presenter.call(self.presenter.open, picked.id, done=f"resumed {picked.id}")

        self.app.push_screen(ResumeScreen(items, self.ctx.clock.now), chosen)

    def declare(self) -> None:
        if self.seat_refused(ev.DECLARED):
            return
        live = self.presenter.live
        if live is not None and self.data.view.header.status != "resolved":
            self.notify(f"{live.id} is already open; resolve it first.", severity="warning")
            return
        if self.ctx.drill is None:
            self.with_runbooks(self.open_declare)
            return

        def check() -> None:
            """Whether the drill is over is read from disk (``presenter.drill_over``): in a worker, then
            the refusal or the dialog on the event loop."""
            try:
                why = self.presenter.drill_over()
            except (WarroomError, OSError) as exc:
                why = describe(exc)
            if why is not None:
                self.app.call_from_thread(self.notify, f"Not declared: {why}", "warning")
            else:
                self.app.call_from_thread(self.with_runbooks, self.open_declare)

        self.presenter.worker(check, group="declare", name="drill over?", exclusive=True)

    def open_declare(self) -> None:
        ctx = self.ctx
        title, severity, runbook, origin, title_note = "", "", None, "", ""
        source: dict[str, Any] = {"kind": "manual"}
        drill = ctx.drill if ctx.drill is not None and ctx.drill.runbook else None  # a scenario's or a replay's
        breached = self.data.first_breached()
        if breached is not None:
            slo = breached.slo
            value = format_reading(breached.value, slo)   # as its pane says it, told from its threshold
            title = pane_title(slo, breached.value)
            severity = slo.severity or ""
            runbook = slo.runbook
            source = {"kind": "pane", "ref": slo.id, "value": breached.value, "unit": slo.unit}
            # read again when declared (the presenter's declared_reading): the value journaled is the
            # one of that moment, and so is the title's, left as it is pre-filled
            read = self.data.readings_at - (breached.age or 0.0)
            origin = (f"From the breached pane: {slo.title} {value} at {format_time(read)} UTC"
                      f" (threshold {format_value(slo.crit, slo.unit)}).")
            title_note = "Declaring reads the pane again; an unedited title takes its value."
            if drill is not None:
                # The drill knows which incident this is: every pane of its world names the drill's
                # runbook and severity (Config.as_drill), as the pane itself shows them.
                origin += f" Runbook and severity from the drill ({drill.scenario})."
        elif (alert := self.data.firing_alert()) is not None:
            title = alert.title
            severity = alert.priority or ""
            runbook = alert.runbook
            source = {"kind": "alert", "ref": alert.name, "labels": dict(alert.labels)}
            if alert.since:
                from warroom.sources.evidence import iso

                source["started_at"] = iso(alert.since)
            origin = f"From the firing alert {alert.name}" + (f" (runbook {alert.runbook})." if alert.runbook else ".")
        elif drill is not None:
            title = drill.symptom             # the symptom, never the cause the drill is about
            severity = drill.severity or ""
            runbook = drill.runbook
            origin = f"Drill ({drill.scenario}): pre-filled from its runbook."
        elif self.data.runbook is not None:
            title = self.data.runbook.title
            severity = self.data.runbook.severity or ""
            runbook = self.data.runbook.id
            origin = f"From the open runbook {self.data.runbook.id}."
        from tui.screens.modals.forms import DeclareScreen

        sevs = {rb.id: rb.severity or "" for rb in ctx.ensure_runbooks()}
        # a source that names a runbook but no severity (a pane, an alert): the runbook's is offered
        severity = severity or sevs.get(runbook or "") or "P3"
        choices = [(f"{rb.id}  {rb.title}", rb.id) for rb in sorted(ctx.ensure_runbooks(), key=lambda r: r.id)]

        def answered(answer: DeclareAnswer | None) -> None:
            if answer is None:
                self.resume.release()
                self.offer_resume_if_due()
                return
            self.resume.choose()         # on the event loop, before the worker writes the incident
            self.presenter.call(self.presenter.declare, title=answer.title, severity=answer.severity,
                                runbook=answer.runbook, source=answer.source, retitle=answer.title_kept,
                                done="incident declared")

        self.resume.hold()
        self.app.push_screen(DeclareScreen(title=title, severity=severity, runbook=runbook,
                                           runbooks=choices, source=source, origin=origin,
                                           runbook_severity=sevs, title_note=title_note), answered)

    def open_runbook(self) -> None:
        if self.refused_now(ev.RUNBOOK_ATTACHED):     # picking one during an incident attaches it
            return
        self.with_runbooks(self.open_runbook_picker)

    def open_runbook_picker(self) -> None:
        ctx = self.ctx
        suggested = [r.slo.runbook for r in self.data.readings if r.breached and r.slo.runbook]
        suggested += [a.runbook for a in getattr(self.data.extra.get("alerts"), "alerts", ()) if a.runbook]
        if ctx.drill is not None and ctx.drill.runbook:
            suggested.append(ctx.drill.runbook)

        from tui.screens.modals.pickers import RunbookPicker

        def chosen(rb_id: str | None) -> None:
            if rb_id:
                self.open_runbook_by_id(rb_id)

        self.app.push_screen(RunbookPicker(ctx.ensure_runbooks(), ctx.runbook_findings, suggested), chosen)

    def open_runbook_by_id(self, runbook_id: str, show: Callable[[Runbook], None] | None = None) -> None:
        """Show a runbook; during an incident, attach it (journaled, after asking) rather than
        just show it: Enter runs the selected step of the incident's own runbook, so the
        checklist on screen is never a different runbook than the one attached."""
        if self.presenter.live is not None:
            current = self.data.runbook.id if self.data.runbook is not None else None
            if current == runbook_id or self.refused_now(ev.RUNBOOK_ATTACHED):   # the palette's way in, too
                return
            self.ask_attach(runbook_id, current)
            return
        rb = self.ctx.runbook(runbook_id)
        if rb is not None:
            (show or self.show_runbook)(rb)

    def ask_attach(self, runbook_id: str, current: str | None) -> None:
        from tui.screens.modals.confirm import ConfirmScreen

        rb = self.ctx.runbook(runbook_id)
        name = f"{runbook_id} {rb.title}" if rb is not None else runbook_id
        if current:
            done = [s for s in self.data.runbook.steps if self.data.step_state(s) != "pending"] \
                if self.data.runbook is not None else []
            body = (f"The checklist switches to {name}; its steps start blank.\n"
                    f"{current} stays attached in the journal and its progress "
                    f"({len(done)} step(s) done or tried) stays listed below the checklist.")
        else:
            body = f"The checklist shows {name}; its steps start blank."
        severity = self.data.view.header.severity
        if rb is not None and rb.severity and severity and rb.severity.upper() != severity:
            # picking a runbook offers its severity; the incident's is the commander's to change
            body += f"\n{runbook_id} is written for {rb.severity.upper()} incidents; this one is {severity}: v changes it."

        def answered(ok: bool | None) -> None:
            if ok:
                self.presenter.call(self.presenter.attach, runbook_id, done=f"runbook {runbook_id} attached")

        self.app.push_screen(ConfirmScreen(f"Attach runbook {runbook_id}?", body,
                                           confirm_label="Attach", danger=False), answered)

    # ------------------------------------------------------------------ steps

    def step_at_cursor(self, verb: str) -> Step | None:
        """The step enter / space / s act on. With none under the cursor (no runbook attached, or
        the cursor on no step row) the key says why: a commander's key never does nothing."""
        step = self.selected()
        if step is None:
            if self.data.active_runbook() is None:
                self.notify(f"No runbook attached: press o to pick one, then {verb} its steps.",
                            severity="warning")
            else:
                self.notify(f"No step under the cursor: move to one with j/k to {verb} it.", severity="warning")
        return step

    def run_step(self) -> None:
        if not self.need_incident():
            return
        step = self.step_at_cursor("run")
        if step is None or self.refused_now(ev.STEP_STARTED):
            return
        key = self.key_of(step)
        if self.data.step_state(step) == "running":
            self.notify(f"{self.data.view.step_name(key[0], step.number, start=True)} is already running"
                        " (c cancels it).", severity="warning")
            return
        if key in self.run_dialogs:
            held = self.run_dialogs[key]
            if held is None or held in self.app.screen_stack:
                # a second Enter (a double tap, a key repeat) before the first dialog is answered: said,
                # not a second dialog whose confirmation would run the step again after the first ran it
                self.notify(f"The Run dialog of {self.data.view.step_name(key[0], step.number)} is already"
                            f" {'opening' if held is None else 'open'}: this key opened no second one.",
                            severity="warning")
                return
            # a dialog gone from the screens without its answer: it holds the step no longer
        self.run_dialogs[key] = None
        self.presenter.run_dialog_async(key, step)

    def run_dialog_ready(self, step: Step, prompts: list[Any] | None, preparer: Any, key: tuple[str, str],
                         seen: int | None) -> None:
        """The prepared dialog (``RunDialogReady``) on screen, or the step's hold ended when it could
        not be prepared (the failure is said by its own notice)."""
        if prompts is None:
            self.run_dialogs.pop(key, None)
            return
        self.run_dialogs[key] = self.open_run_dialog(step, prompts, preparer, key, seen)

    def view_step(self, text_of: Callable[[Step], Callable[..., Any]]) -> None:
        """i, and enter on a checklist item: the step under the cursor whole (``text_of``: the Step
        pane's text of a step), in a dialog that scrolls, in any state — the pane's "▼ N more rows"
        names this key. From there, what the keys would do on it now: its answer is handed to
        the same actions, on the same step (the cursor checked first)."""
        step = self.step_at_cursor("read")
        if step is None:
            return
        key = self.key_of(step)
        acts, why_not = self.step_acts(step)

        def answered(act: str | None) -> None:
            if act is None:
                return
            now = self.selected()
            if now is None or self.key_of(now) != key:
                self.notify("The checklist's cursor moved while the step was open: nothing done.",
                            severity="warning")
                return
            {"run": self.run_step, "tick": self.tick_step, "skip": self.skip_step}[act]()

        from tui.screens.modals.step_view import StepViewScreen

        name = self.data.view.step_name(key[0], step.number, start=True)
        # its title names the keys it takes: the text's own "space tick  s skip" line is left off
        self.app.push_screen(StepViewScreen(name, partial(text_of(step), keys=False), acts, why_not), answered)

    def step_acts(self, step: Step) -> tuple[tuple[str, ...], str | None]:
        """What may be done on ``step`` now ("run", "tick", "skip"), else why nothing may: no
        incident, the core's refusal (a resolved incident), a run under way."""
        if self.presenter.live is None:
            return (), "No incident is open: d declares one, then its steps are run or ticked."
        state = self.data.step_state(step)
        if step.runnable and state == "running":
            return (), "Running now: c (on the dashboard) cancels it."
        if step.runnable:
            acts: tuple[str, ...] = ("run", "skip") if state == "pending" else ("run",)
        else:
            acts = ("tick", "skip") if state == "pending" else ()
        why = self.refusal(ev.STEP_STARTED if step.runnable else ev.STEP_TICKED) if acts else None
        if why is None and self.seat_refusal(ev.STEP_SKIPPED) is not None:
            acts = tuple(a for a in acts if a == "run")     # a read-only seat runs (the step rule), never skips
        return ((), why) if why is not None else (acts, None)

    def open_run_dialog(self, step: Step, prompts: list[Any], preparer: Any, key: tuple[str, str],
                        seen: int | None = None) -> Screen[Any]:
        from tui.screens.modals.run_step import Preview, RunStepScreen, fields_from_prompts, step_facts
        from warroom.errors import WarroomError

        source = self.source_label()
        drill = self.ctx.drill.scenario if self.ctx.drill is not None else ""     # its steps reach its stand-ins
        book = self.data.book_of(key[0])
        facts = step_facts(step, self.ctx.config.slo,   # the expectation and verify gate, in its runbook's words
                           book.queries if book is not None else None)

        def preview(params: dict[str, str]) -> Preview:
            # On the event loop, on every keystroke: a snapshot's preparer, no journal read.
            try:
                p = preparer.prepare_step(step.id, params, runbook_id=key[0] or None)
            except WarroomError as exc:     # a parameter as the dialog takes it: in its field (``ParamError.dialog``)
                return Preview(command=step.command, mutating=step.mutating, error=getattr(exc, "dialog", str(exc)),
                               confirm=bool(step.confirm), kind=step.kind, source=source, drill=drill, **facts)
            judge = getattr(preparer, "approval_verdict", None)
            verdict = judge(p, datetime.fromtimestamp(self.ctx.clock.now(), UTC)) if judge is not None else None
            return Preview(command=p.shown, target=dict(p.target), mutating=p.mutating,
                           timeout=p.timeout, confirm=bool(step.confirm),
                           kind=step.kind, source=source, drill=drill, notes=tuple(p.notes),
                           approval=verdict.message if verdict is not None else None,
                           approval_ok=bool(verdict is not None and verdict.ok), **facts)

        name = self.data.view.step_name(key[0], step.number)     # as every screen names it
        label = self.data.view.output_title(key[0], step.number, step.label)

        def answered(answer: RunAnswer | None) -> None:
            self.run_dialogs.pop(key, None)
            if answer is not None and answer.request_approval:
                self.presenter.call(self.calls.request_approval, key, answer.params, what="ask approval")
            elif answer is not None:
                # confirmed on the journal as it was when the dialog was prepared: a start since runs nothing
                self.presenter.start_step_async(key, label, answer.params, confirmed=answer.confirmed,
                                                dry_run=answer.dry_run, seen=seen)

        dialog = RunStepScreen(number=step.number, label=step.label, section=step.section, name=name,
                               fields=fields_from_prompts(prompts), preview=preview, read_only=self.ctx.read_only)
        self.app.push_screen(dialog, answered)
        return dialog

    def tick_step(self) -> None:
        if not self.need_incident():
            return
        step = self.step_at_cursor("tick")
        if step is None or self.refused_now(ev.STEP_TICKED):
            return
        self.presenter.call(self.calls.tick, self.key_of(step))

    def skip_step(self) -> None:
        if not self.need_incident():
            return
        step = self.step_at_cursor("skip")
        if step is None or self.refused_now(ev.STEP_SKIPPED):
            return
        key = self.key_of(step)

        def answered(reason: str | None) -> None:
            if reason:
                self.presenter.call(self.calls.skip, key, reason)

        from tui.screens.modals.forms import SkipScreen

        self.app.push_screen(SkipScreen(f"{step.number}. {step.label}"), answered)

    def close_runbook(self) -> None:
        """C: close the runbook open beside the current one — the one whose checklist the keys
        act on, else the only one open beside; with several beside and the current one active,
        say to move to the one to close first. The dialog asks why; the core decides the rest."""
        if not self.need_incident() or self.refused_now(ev.RUNBOOK_CLOSED):
            return
        beside = [rb.id for rb in self.data.beside]
        active = self.data.active_runbook()
        if active is not None and active.id in beside:
            target = active.id
        elif len(beside) == 1:
            target = beside[0]
        elif not beside:
            self.notify("No runbook is open beside this one (a GO opens one beside it): nothing to close.")
            return
        else:
            self.notify(f"{len(beside)} runbooks are open beside this one: press w to move to the one to close,"
                        " then C.", severity="warning")
            return
        book = self.data.book_of(target)
        opened = next((o.text() for o in self.presenter.go_opened() if o.runbook_id == target), "")

        def answered(reason: str | None) -> None:
            if reason:
                self.presenter.call(self.calls.close_runbook, target, reason, what=f"close {target}")

        from tui.screens.modals.forms import CloseRunbookScreen

        title = f"{target} {book.title}".rstrip() if book is not None else target
        self.app.push_screen(CloseRunbookScreen(title, opened), answered)

    def cancel_step(self) -> None:
        """Cancel the selected step if it runs, else the one running step; with several
        running and none selected, say which to pick. Not from a read-only seat (``LiveIncident.cancel``)."""
        if self.seat_refused(ev.STEP_FINISHED, action="cancel a step"):
            return
        running = list(self.data.view.running)
        if not running:
            self.notify("No command is running.")
            return
        step = self.selected()
        key = self.key_of(step) if step is not None else None
        if key not in running:
            if len(running) > 1:
                self.notify(f"{len(running)} commands are running: highlight the one to cancel, then c.",
                            severity="warning")
                return
            key = running[0]
        self.presenter.cancel_async(key)

    # ------------------------------------------------------------------ people

    def note(self, tag: str = "info") -> None:
        if not self.need_incident() or self.refused_now(ev.NOTE):
            return

        def answered(a: NoteAnswer | None) -> None:
            if a is not None:
                self.presenter.call(self.calls.note, a.tag, a.text, a.owner, a.due, done=f"{a.tag} note added")

        from tui.screens.modals.forms import NoteScreen

        self.app.push_screen(NoteScreen(tag), answered)

    def severity(self) -> None:
        if not self.need_incident() or self.refused_now(ev.SEVERITY_CHANGED):
            return

        def answered(a: SeverityAnswer | None) -> None:
            if a is not None:
                self.presenter.call(self.calls.severity, a.severity, a.reason, done=f"severity now {a.severity}")

        from tui.screens.modals.forms import SeverityScreen

        self.app.push_screen(SeverityScreen(self.data.view.header.severity), answered)

    def status(self) -> None:
        """The commander says where the response stands (``mitigated``: the milestone, when no gate confirmed it
        first): the dashboard's way to what ``incident status`` does, so a team working in the console is not graded
        on a pane that lags the fix by an hour (redteam42 R5)."""
        if not self.need_incident() or self.refused_now(ev.STATUS_CHANGED):
            return

        def answered(a: StatusAnswer | None) -> None:
            if a is not None:
                self.presenter.call(self.calls.status, a.status, a.reason, done=f"status now {a.status}")

        from tui.screens.modals.forms import StatusScreen

        self.app.push_screen(StatusScreen(self.data.view.header.status), answered)

    def _gates_now(self) -> Any:
        """The passed gates' measures read with the readings on screen (None: not read yet)."""
        return self.data.holding.gates if self.data.holding is not None else None

    def status_update_text(self) -> str:
        """The update drafted from the journal by the core (Conditions / Actions / Needs), with the
        panes' values as they are on screen at this moment (drafted again at the send)."""
        return self.presenter.draft_update(list(self.data.readings), self._gates_now())

    def status_update(self) -> None:
        if not self.need_incident() or self.refused_now(ev.STATUS_UPDATE):
            return
        from warroom.sources.webhooks import webhook_enabled, webhook_url

        cfg = self.ctx.config.webhook
        where = None
        if webhook_enabled(cfg):
            url = webhook_url(cfg)
            where = f"{cfg.kind} {url.split('//')[-1].split('/')[0]}" if url else f"{cfg.kind} (url unset)"

        def answered(a: UpdateAnswer | None) -> None:
            if a is None:
                return
            text = self.presenter.drill_marked(a.text)    # an edit cannot take a drill's mark off
            if a.copy:
                self.app.copy_to_clipboard(text)
            self.presenter.call(self.calls.status_update, text, copied=a.copy, post=a.post,
                                why=None if a.copy else route.why)

        from tui.clipboard import clipboard_route
        from tui.screens.modals.status_update import StatusUpdateScreen

        route = self.ctx.clipboard or clipboard_route()   # asked once: tmux's option does not change
        self.ctx.clipboard = route
        self.app.push_screen(StatusUpdateScreen(self.status_update_text(), webhook=where, clipboard=route,
                                                redraft=self.status_update_text, clock=self.ctx.clock.now),
                             answered)

    def resolve(self) -> None:
        """r: read what resolving leaves open off the event loop ("Reading…" meanwhile; at most the
        reading's deadline, after which the panes are said not read, never all clear), then open the
        Resolve dialog on that reading."""
        if not self.need_incident() or self.refused_now(ev.RESOLVED):
            return
        if self.data.view.header.status == "resolved":
            self.notify("Already resolved: e exports the PIR.")
            return

        def work() -> None:
            reading = self.presenter.read_concerns()
            self.app.call_from_thread(self.open_resolve, reading)

        self.app.notify("Reading what resolving leaves open (the panes now, their last five minutes, the steps)…",
                        markup=False, about=READING)
        self.app.run_worker(work, thread=True, group="resolve-read", name="resolve read", exit_on_error=False,
                            exclusive=True)

    def open_resolve(self, reading: Any) -> None:
        """The Resolve dialog on ``reading``, read again while it is open at the panes' pace."""
        from tui.screens.modals.forms import ResolveScreen

        self.app.withdraw(READING)
        view = self.data.view
        if view.header.status == "resolved" or self.presenter.live is None:
            return              # resolved or left while it was read: nothing to ask
        if self.app.screen is not self.app.dashboard:     # another dialog (or this one) came first
            if not isinstance(self.app.screen, ResolveScreen):
                self.notify("Read what resolving leaves open while another dialog was open: r asks again.")
            return
        def steps_now() -> tuple[int, str]:
            """Every open runbook's steps not done (the current one and those a GO opened beside it), as
            the dashboard's latest view has them: asked again with each reading (attack40 A9: three steps
            run while the dialog was open, and it still said 24)."""
            from warroom.incident import progress

            now = self.data.view
            books = [b for b in (self.data.runbook, *self.data.beside) if b is not None]
            # not done by the one count (``progress.not_done``, the checklist heading's): never begun, failed, unmet or
            # still running; one not needed is not owed; ticked, skipped and done by the journal are done
            counts = [(b.id, progress.not_done(getattr(now.steps_of(b.id).get(s.id), "state", "pending")
                                               for s in b.steps)) for b in books]
            return sum(n for _, n in counts), ", ".join(f"{rb} {n}" for rb, n in counts) if len(counts) > 1 else ""

        open_steps, open_where = steps_now()

        def answered(a: ResolveAnswer | None) -> None:
            if a is not None:
                self.resolve_and_report(a)

        opened = tuple(o.text() for o in self.presenter.go_opened())
        self.app.push_screen(ResolveScreen(view.header.title, open_steps, None, opened, open_where,
                                           tuple(self.presenter.rollback_steps()), reading=reading,
                                           read=self.presenter.read_concerns, every=max(self.ctx.poll_interval(), 0.5),
                                           steps=steps_now),
                             answered)

    def resolve_and_report(self, a: ResolveAnswer) -> None:
        """Resolve on the reading the dialog showed (its words journaled as acknowledged); in a
        drill, then show the end-of-drill report (response times vs targets)."""
        drill = self.ctx.drill is not None and self.ctx.drill.extra.get("drill") is not None

        def resolve() -> str:
            try:
                return resolved()
            finally:
                self.app.call_from_thread(self.resolve_saved)

        def resolved() -> str:
            late = self.calls.resolve(a.summary, a.resolution, a.rollback, a.reading)
            if late:      # read again at the resolution: journaled beside what was acknowledged, and said
                self.app.call_from_thread(self.notify, "Read again at the resolution, not shown in the dialog"
                                          " (journaled beside what you confirmed): " + "; ".join(late), "warning")
            if drill:
                self.app.call_from_thread(self.presenter.drill_report_async)
                # resolving finishes the drill (its world stays on screen): say how to run it again
                again = self.ctx.drill.relaunch or ""  # type: ignore[union-attr]
                if not again or shlex.split(again)[1:2] == ["resume"]:     # a resume line comes back to this incident
                    fresh = self.ctx.drill.extra.get("start_over")         # type: ignore[union-attr]
                    sim = self.ctx.drill.extra.get("drill")                # type: ignore[union-attr]
                    again = fresh(sim) if callable(fresh) and sim is not None else ""
                return ("incident resolved, the drill is over: p previews the PIR, e exports it"
                        + (f"; `{again}` starts it over" if again else ""))
            return "incident resolved: p previews the PIR, e exports it"

        self.resolving = True
        self.presenter.call(resolve, what="resolve")

    def resolve_saved(self) -> None:
        """The resolve's worker ended (saved, or refused and said): an export asked for meanwhile runs now."""
        self.resolving = False
        if self.export_after_resolve:
            self.export_after_resolve = False
            self.export_pir()

    # ------------------------------------------------------------------ timeline, drill report, PIR

    def add_timeline(self) -> None:
        if not self.need_incident() or self.refused_now(ev.TIMELINE_ENTRY):
            return
        from tui.screens.modals.timeline_entry import TimelineAnswer, TimelineEntryScreen

        def answered(a: TimelineAnswer | None) -> None:
            if a is not None:
                self.presenter.call(self.calls.add_timeline, a.text, a.at, done="timeline entry added")

        live = self.presenter.live
        scale = live.snapshot().state.time_scale if live is not None else 1.0
        self.app.push_screen(TimelineEntryScreen(scale=scale), answered)

    def correct_timeline(self) -> None:
        if not self.need_incident() or self.refused_now(ev.CORRECTION):
            return
        from panes.fmt import format_time
        from tui.screens.modals.timeline_entry import TimelineAnswer, TimelineEntryScreen

        item = self.selected_entry()
        if item is None or item.seq is None:
            self.notify("Highlight a timeline entry first (tab to the timeline, j/k), then x.")
            return

        def answered(a: TimelineAnswer | None) -> None:
            if a is not None and a.seq is not None:
                self.presenter.call(self.calls.correct_timeline, a.seq, a.text, done="timeline entry corrected")

        self.app.push_screen(TimelineEntryScreen(seq=item.seq, text=item.text, when=format_time(item.at)),
                             answered)

    def decide(self, prefer: str | None = None) -> None:
        """G (or enter on a Go/No-Go row): the runbooks' Go/No-Go, judged in a worker, then shown
        as a decision; ``prefer``: the decision id the cursor is on."""
        if not self.need_incident() or self.refused_now(ev.DECISION_RECORDED):
            return
        self._prefer = prefer
        self.app.notify("Judging the Go/No-Go criteria (metrics, steps, notes, time)…", markup=False,
                        about=JUDGING)
        self.presenter.decisions_async()

    def open_decision(self, views: list[Any], broken: list[str]) -> None:
        """Show the decisions the core judged; ``broken``: the core's words for each decision
        block it could not read (every attached runbook's, each naming its runbook)."""
        self.app.withdraw(JUDGING)      # judged: "Judging…" would only cover what it judged
        if broken:
            self.notify("\n".join(broken), severity="error" if not views else "warning")
        if not views:
            if not broken:
                self.notify("The attached runbooks have no Go/No-Go decision (a ```decision block).")
            return
        prefer, self._prefer = self._prefer, None
        current = str(getattr(self.data.active_runbook(), "id", "") or "")
        view = (next((v for v in views if v.decision.id == prefer and v.runbook_id == current), None)
                or next((v for v in views if v.recorded is None and v.runbook_id == current), None)
                or next((v for v in views if v.recorded is None), views[0]))
        from tui.screens.modals.decision import DecisionAnswer, DecisionScreen

        def answered(a: DecisionAnswer | None) -> None:
            if a is not None:      # recorded with the criteria as last judged on the dialog
                self.app.withdraw(decision_subject(view.runbook_id, view.decision.id))   # its reminder: answered
                self.presenter.call(self.presenter.decide, a.view or view, a.verdict, by=a.by, why=a.why,
                                    what="decision")

        import getpass

        by = self.ctx.config.incident.commander or getpass.getuser()
        # the criteria are judged again while the dialog is open, at the panes' refresh pace
        self.app.push_screen(DecisionScreen(view, by=by, rejudge=self.presenter.judge_again,
                                            every=max(self.ctx.poll_interval(), 0.5)), answered)

    # ------------------------------------------------------------------ roles and approvals

    def people(self, kind: str) -> None:
        """R / y: read the roles or approvals view in a worker; ``open_people`` shows it. On a
        resolved incident R (assigning, handing over) is refused at the key; y still lists the
        requests and where each stands (answering one is the core's to refuse). A read-only seat is
        refused both at the key: each is a dialog to act in (`incident brief` and `incident approvals`
        read them)."""
        if not self.need_incident() or (kind == "roles" and self.refused_now(ev.ROLE_ASSIGNED)) \
                or (kind == "approvals" and self.seat_refused(ev.APPROVAL_GRANTED)):
            return
        self.presenter.people_async(kind)

    def open_people(self, kind: str, view: Any) -> None:
        from tui.screens.modals.people import ApprovalAnswer, ApprovalsScreen, RolesAnswer, RolesScreen

        if kind == "roles":
            def roles_answered(a: RolesAnswer | None) -> None:
                if a is None:
                    return
                if a.kind == "ack":
                    self.presenter.call(self.calls.acknowledge_handoff, what="acknowledge handoff")
                else:
                    self.presenter.call(self.calls.assign_role, a.role, a.person, a.reason,
                                        list(self.data.readings), what="role")

            self.app.push_screen(RolesScreen(view), roles_answered)
            return

        def approvals_answered(a: ApprovalAnswer | None) -> None:
            if a is None:
                return
            if a.approve:
                self.presenter.call(self.calls.approve, a.request, what=f"approve {a.request}")
            else:
                self.presenter.call(self.calls.refuse, a.request, a.why, what=f"refuse {a.request}")

        self.app.push_screen(ApprovalsScreen(view), approvals_answered)

    def drill_report(self) -> None:
        if self.ctx.drill is None:
            self.notify(f"The drill report is for drills (`{command('demo')}` / `{command('drill')}`).")
            return
        self.presenter.drill_report_async()

    def pir_preview(self) -> None:
        if not self.need_incident():
            return
        self.presenter.pir_async(open_preview=True)

    def export_pir(self) -> None:
        """e: the PIR written out, said at once ("Exporting…", then how it went: the export reads the
        metric history and renders the whole review, seconds on a busy box — redteam41 G3 saw nothing
        for 7 s); while a resolve is being saved, exported once it is, and said so."""
        if not self.need_incident() or self.seat_refused(ev.PIR_EXPORTED):
            return
        if self.resolving:
            if not self.export_after_resolve:
                self.export_after_resolve = True
                self.app.notify("Exporting the PIR once the resolution is saved…", markup=False, about=EXPORTING,
                                timeout=30)
            return

        def export() -> str:
            try:
                return self.calls.export()
            finally:
                self.app.call_from_thread(self.app.withdraw, EXPORTING)

        self.app.withdraw(EXPORTING)
        self.app.notify("Exporting the PIR (the metric history, then the review)…", markup=False, about=EXPORTING,
                        timeout=30)
        self.presenter.call(export, what="export")

