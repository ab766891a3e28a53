"""Running a runbook step from the dashboard and following its output; tick, skip, cancel.
Mixed into ``DashboardScreen`` (``self`` is the screen).

The run dialog is filled in a worker (the engine's prompts read the journal); the step starts in a
worker; its output is followed from the supervisor's output file by another worker that hands the
newest lines over under a lock and posts ``OutputReady``, so a flood costs one render per drain.
"""

from __future__ import annotations

import threading
from collections import deque
from typing import TYPE_CHECKING, Any

from textual import work
from textual.worker import get_current_worker

from panes.output import OutputPane
from tui.messages import (
    ActionDone,
    ActionFailed,
    IncidentChanged,
    OutputReady,
    RunDialogReady,
    StepEnded,
    StepStarted,
)
from warroom.errors import WarroomError

if TYPE_CHECKING:
    from tui.screens.dashboard import DashboardScreen
    from tui.screens.modals.run_step import RunAnswer

OUTPUT_BATCH = 400  # newest lines drawn per drain of a flooding step (one render, a few ms)


class StepFlows:
    def init_steps(self: DashboardScreen) -> None:
        self._out_lock = threading.Lock()
        # Lines waiting for the next drain: only the newest OUTPUT_BATCH are kept (a flood is
        # summarised by count); ``_out_seen`` counts every line the step printed.
        self._out_buf: deque[str] = deque(maxlen=min(OUTPUT_BATCH, max(1, self.app.ctx.config.execute.memory_lines)))
        self._out_seen = 0
        self._following: set[int] = set()

    def action_run_step(self: DashboardScreen) -> None:
        step = self.selected_step()
        if step is None or not self.need_incident():
            return
        if not step.runnable:
            self.notify("This is a checklist item: tick it with space, or skip it with s.")
            return
        if self.view.steps.get(step.number) and self.view.steps[step.number].state == "running":
            self.notify(f"Step {step.number} is already running (c cancels it).", severity="warning")
            return
        self.fetch_run_dialog(step)

    @work(thread=True, group="io", exit_on_error=False)
    def fetch_run_dialog(self: DashboardScreen, step: Any) -> None:
        try:
            prompts = self.controller.prompts(step.number)
        except WarroomError as exc:
            self.post_message(ActionFailed(str(exc)))
            return
        self.post_message(RunDialogReady(step, prompts))

    def on_run_dialog_ready(self: DashboardScreen, message: RunDialogReady) -> None:
        from tui.screens.modals.run_step import Preview, RunStepScreen, fields_from_prompts

        step = message.step

        def preview(params: dict[str, str]) -> Preview:
            try:
                p = self.controller.prepare(step.number, params)
            except WarroomError as exc:
                return Preview(command=step.command, mutating=step.mutating, error=str(exc),
                               confirm=bool(step.confirm), kind=step.kind)
            return Preview(command=p.shown, target=dict(p.target), mutating=p.mutating,
                           timeout=p.timeout, expect=p.expect, confirm=bool(step.confirm),
                           kind=step.kind, source=self.source_label())

        def answered(answer: RunAnswer | None) -> None:
            if answer is not None:
                self.start_step(step.number, answer)

        self.app.push_screen(RunStepScreen(number=step.number, label=step.label, section=step.section,
                                           fields=fields_from_prompts(message.prompts), preview=preview,
                                           read_only=self.app.ctx.read_only), answered)

    @work(thread=True, group="io", exit_on_error=False)
    def start_step(self: DashboardScreen, number: int, answer: RunAnswer) -> None:
        try:
            step = self.runbook.step(number) if self.runbook is not None else None
            if step is not None and not answer.dry_run:
                self.record_before(number, step.id)
            self.controller.run(number, answer.params, confirmed=answer.confirmed, dry_run=answer.dry_run)
        except WarroomError as exc:
            self.post_message(ActionFailed(str(exc)))
        else:
            if answer.dry_run:
                self.post_message(ActionDone(f"step {number}: dry run recorded"))
            else:
                self.post_message(StepStarted(number, self.step_label(number)))
        self.post_message(IncidentChanged(self.controller.incident.id if self.controller.incident else None))

    def on_step_started(self: DashboardScreen, message: StepStarted) -> None:
        self.start_following(message.step_number, message.label)

    def start_following(self: DashboardScreen, number: int, label: str) -> None:
        if number in self._following:
            return
        self._following.add(number)
        out = self.query_one(OutputPane)
        out.start(number, label)
        out.border_subtitle = "running — c cancels"
        with self._out_lock:
            self._out_buf.clear()
            self._out_seen = 0
        self.follow_output(number)

    @work(thread=True, group="follow", exit_on_error=False)
    def follow_output(self: DashboardScreen, number: int) -> None:
        worker = get_current_worker()
        status = "unknown"
        try:
            for item in self.controller.follow(number, lambda: worker.is_cancelled, tail=OUTPUT_BATCH):
                if isinstance(item, str):
                    status = item
                    break
                count, lines = item
                with self._out_lock:
                    self._out_buf.extend(lines)
                    self._out_seen += count
                self.post_message(OutputReady(number))
        except WarroomError as exc:
            self.post_message(ActionFailed(str(exc)))
        self.post_message(OutputReady(number))
        self.post_message(StepEnded(number, status))

    def on_output_ready(self: DashboardScreen, message: OutputReady | None = None) -> None:
        if not self.painting():
            self._behind = True  # the bounded buffer keeps the newest lines; drawn on resume
            return
        with self._out_lock:
            lines = list(self._out_buf)
            self._out_buf.clear()
            seen = self._out_seen
        self.query_one(OutputPane).add_lines(lines, total=seen)

    def on_step_ended(self: DashboardScreen, message: StepEnded) -> None:
        self._following.discard(message.step_number)
        if message.status == "ok":
            self.open_gate(message.step_number)
        out = self.query_one(OutputPane)
        out.finish(f"{message.status.replace('_', ' ')} · {out.line_count} lines")
        self.post_message(IncidentChanged(self.controller.incident.id if self.controller.incident else None))

    def action_tick_step(self: DashboardScreen) -> None:
        step = self.selected_step()
        if step is None or not self.need_incident():
            return
        self.run_io(self.controller.tick, step.number)

    def action_skip_step(self: DashboardScreen) -> None:
        step = self.selected_step()
        if step is None or not self.need_incident():
            return

        def answered(reason: str | None) -> None:
            if reason:
                self.run_io(self.controller.skip, step.number, reason)

        from tui.screens.modals.forms import SkipScreen

        self.app.push_screen(SkipScreen(f"{step.number}. {step.label}"), answered)

    def action_cancel_step(self: DashboardScreen) -> None:
        running = self.view.running_step
        if running is None:
            self.notify("No command is running.")
            return
        self.run_io(self.controller.cancel, running)
