"""The Textual application: wires the context, keymap, palette and the dashboard together.

Kept small on purpose: panes are in ``panes/``, the dashboard and dialogs in ``tui/screens/``,
keys in ``tui.bindings``, styles in ``tui/styles/*.tcss``.
"""

from __future__ import annotations

import os
import time
from typing import TYPE_CHECKING, ClassVar

from typing import Any

from textual.app import App
from textual.binding import Binding
from textual.app import ScreenStackError
from textual.notifications import Notify, SeverityLevel

from panes.safe import safe_text

from tui.bindings import APP_BINDINGS, binding_ids
from tui.context import AppContext
from textual.worker import Worker, WorkerState

from tui.messages import GateProgress, MetricsFailed, MetricsFetched, SourceFetched, WorkerFailed
from tui.notices import CarriesNotices, Notice, NoticeBoard
from tui.palette import WarroomCommands
from tui.screens.dashboard import DashboardScreen

if TYPE_CHECKING:
    from tui.signals import Ending


class WarroomApp(App[int]):
    TITLE = "warroom"
    CSS_PATH: ClassVar[list[str]] = ["styles/dashboard.tcss", "styles/modals.tcss"]
    BINDINGS: ClassVar[list[Binding]] = APP_BINDINGS
    COMMANDS = App.COMMANDS | {WarroomCommands}
    ENABLE_COMMAND_PALETTE = True

    def __init__(self, ctx: AppContext) -> None:
        # NO_COLOR: with native ANSI colours Textual drops every colour (its NoColor filter)
        # instead of mapping them to greys; state words, icons, bold and reverse remain.
        super().__init__(ansi_color=bool(os.environ.get("NO_COLOR")))
        self.ctx = ctx
        self.keymap_errors: list[str] = []
        self.user_keymap: dict[str, str] = {}
        self.dashboard = DashboardScreen()
        self.notify_log = ctx.config.notify_log   # where every toast is recorded (None: nowhere)
        self.notices = NoticeBoard()              # every notice still live (tui.notices)
        self.ending: Ending | None = None         # signals and the terminal's end (tui.signals)

    # ------------------------------------------------------------------ the terminal guard

    def get_driver_class(self) -> type[Any]:
        """Textual's driver for this platform, with every write behind ``tui.terminal_guard``:
        no text on any pane can retitle the terminal, write the clipboard or reach tmux."""
        from tui.terminal_guard import guarded_driver

        return guarded_driver(super().get_driver_class())

    def copy_to_clipboard(self, text: str) -> None:
        """The one clipboard write the guard lets through: the one the IC asked for."""
        from tui.terminal_guard import allow_clipboard

        allow_clipboard(text)
        super().copy_to_clipboard(text)

    def notify(self, message: str, *, title: str = "", severity: SeverityLevel = "information",
               timeout: float | None = None, markup: bool = True, about: str | None = None) -> None:
        """Every toast (``Widget.notify`` and ``Screen.notify`` land here too) is sanitised text,
        never markup: a toast repeats error messages and names that people and servers wrote.
        With ``$WARROOM_NOTIFY_LOG`` set it is also appended there first (``tui.notify_log``): the
        one place every toast passes, so none is missing from the record. Then it goes on the
        notice board and is drawn where it hides nothing (``tui.notices``): a toast on the
        dashboard, the dialog's own band while a dialog is open. ``about``: what it is about,
        for ``withdraw`` once that has ended."""
        text, heading = safe_text(message), safe_text(title, newlines=False)
        if self.notify_log is not None:
            from tui import notify_log

            try:
                notify_log.append(self.notify_log, severity=severity, title=heading, message=text)
            except OSError as exc:
                self.notify_log = None   # said once, on screen; the dashboard goes on without the record
                self.notify(f"notifications are no longer recorded: {exc}", title="$WARROOM_NOTIFY_LOG",
                            severity="error", timeout=10, markup=False)
        self.notices.add(Notice(text, heading, severity,
                                self.NOTIFICATION_TIMEOUT if timeout is None else timeout, about))
        self.show_notices()

    def show_notices(self) -> None:
        """Draw the live notices on the screen on top: a dialog (``CarriesNotices``) draws them
        itself and no toast is left over it; any other screen gets the ones it does not show yet
        as toasts, for the time they have left (a dialog that just closed hands them back)."""
        try:
            screen = self.screen
        except ScreenStackError:
            return       # before the first screen: drawn by the first one's resume
        live = self.notices.live()
        if isinstance(screen, CarriesNotices):
            self.clear_notifications()       # Textual's toasts: none stays over the dialog
            for n in live:
                n.toasted = False
            screen.carry(live)
            return
        now = time.monotonic()
        for n in live:
            if not n.toasted:
                n.toasted = True
                super().notify(n.message, title=n.title, severity=n.severity, timeout=n.left(now), markup=False)

    def push_screen(self, screen: Any, *args: Any, **kwargs: Any) -> Any:
        """A dialog (``CarriesNotices``) opening over the dashboard: the dashboard's toasts are taken
        down first, while it is still the screen on top (``clear_notifications`` redraws only that
        screen's toasts); the dialog draws the live notices in its band (redteam41 X3: a toast shown
        a moment before the dialog opened stayed over its buttons for its whole life)."""
        if isinstance(screen, CarriesNotices) and not self._dialog_on_top():
            self.clear_notifications()
            for n in self.notices.live():
                n.toasted = False
        return super().push_screen(screen, *args, **kwargs)

    def on_notify(self, event: Notify) -> None:
        """Textual's toast for a notice arrives as a message, after the notice was put on the board: a
        dialog opened in between would have it drawn over itself (X3, the reminder re-toasted as
        "Judging…" was withdrawn just before the Go/No-Go dialog opened). With a dialog on top it is not
        drawn; the dialog says the notice in its band."""
        if self._dialog_on_top():
            event.prevent_default()         # App's own handler would add the toast to the dialog's screen
            self.show_notices()

    def _dialog_on_top(self) -> bool:
        try:
            return isinstance(self.screen, CarriesNotices)
        except ScreenStackError:
            return False

    def withdraw(self, about: str) -> None:
        """End the notices about ``about`` (its subject has ended), wherever they are drawn. A
        toast cannot be taken back alone: the toasts are cleared and the others drawn again."""
        gone = self.notices.withdraw(about)
        if any(n.toasted for n in gone):
            self.clear_notifications()
            for n in self.notices.live():
                n.toasted = False
        if gone:
            self.show_notices()

    def on_mount(self) -> None:
        from tui import signals

        # SIGTERM/SIGHUP, or the terminal hanging up, exit like a quit (step left to its supervisor);
        # a headless app (tests, screenshots) has no terminal of its own to watch, nor anyone to ask
        # for its stacks (kill -USR1: a dashboard that stops answering says where it is stuck)
        from warroom.paths import default_state_dir

        self.ending = signals.install(self, fds=[] if self.is_headless else None,
                                      stacks=None if self.is_headless else signals.stacks_file(default_state_dir()))
        self.apply_keymap(self.ctx.config.keys)
        self.push_screen(self.dashboard)
        for problem in self.keymap_errors:
            self.notify(problem, title="config [keys]", severity="warning", timeout=10, markup=False)
        if self.ctx.drill is not None and self.ctx.drill.notice:
            self.notify(self.ctx.drill.notice, title="drill", timeout=10, markup=False)
        # where a drill's tools are by hand (``drill.by_hand``) is in ``?``, not a start toast: a second
        # notice of three rows at the start squeezed a declare dialog opened in its 20 s to nothing at
        # 80x24 (its runbook list could not open: ci38b, test_terminals)
        if self.ctx.notice:
            self.notify(self.ctx.notice, title="resume", timeout=10, markup=False)

    def apply_keymap(self, keys: dict[str, str]) -> None:
        """``[keys]`` from the config: binding id → comma-separated keys. Unknown ids are reported."""
        known = binding_ids()
        good = {}
        for bid, key in keys.items():
            if bid not in known:
                self.keymap_errors.append(f"unknown binding id {bid!r} (see ? for the ids)")
                continue
            good[bid] = key
        self.user_keymap = good
        if good:
            self.set_keymap(good)

    def key_for(self, binding: Binding) -> str:
        """The key a binding is on now (after the user's keymap), for the help screen."""
        if binding.id and binding.id in self.user_keymap:
            return self.user_keymap[binding.id]
        return binding.key_display or binding.key

    def on_metrics_fetched(self, message: MetricsFetched) -> None:
        # Posted to the App by the dashboard's poll worker (see DashboardScreen.poll_metrics).
        self.dashboard.on_metrics_fetched(message)

    def on_metrics_failed(self, message: MetricsFailed) -> None:
        self.dashboard.on_metrics_failed(message)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The one handler for failed workers (every worker is started on the App): the failure
        is put on screen; a failed poll of an extra source is scheduled again, so no loop ends
        silently (the metric poll reschedules itself: ``DashboardScreen.poll_done``)."""
        worker = event.worker
        if event.state != WorkerState.ERROR:
            return
        from tui.presenter import describe

        error = describe(worker.error) if worker.error is not None else "unknown error"
        if worker.group.startswith("source-"):
            from tui.sources import failed

            failed(self, worker.group.removeprefix("source-"), error)
        if worker.group == "metrics":
            return  # already said by on_metrics_failed
        self.dashboard.on_worker_failed(WorkerFailed(worker.name or worker.group, worker.group, error))

    def on_source_fetched(self, message: SourceFetched) -> None:
        from tui.sources import fetched

        fetched(self, message)

    def on_gate_progress(self, message: GateProgress) -> None:
        self.dashboard.on_gate_progress(message)

    # ------------------------------------------------------------------ app-wide actions

    def action_help(self) -> None:
        from tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def resume_command(self) -> str:
        """The exact command that brings the commander back here: ``warroom resume ID`` for the
        open incident (a drill incident reopens in its own drill: ``tui.launch.resume_context``),
        with the state dir when it is not the default (a dashboard drill's incidents live apart,
        and an id can exist there and among real incidents) and the global options typed; with
        no incident, a drill's own command line."""
        from warroom.paths import command

        inc = self.dashboard.controller.incident
        if inc is None and self.ctx.drill is not None:
            return self.ctx.drill.relaunch or command("drill", self.ctx.drill.scenario)
        words = ["resume"] + ([inc.id] if inc is not None else [])
        if self.ctx.config.incident.state_dir:
            words += ["--state-dir", str(self.ctx.state_dir)]
        return command(*words, *self.ctx.options)

    def farewell(self) -> str | None:
        """What to print once the dashboard is gone while its incident is still open: how to come
        back (the quit dialog only asks when a command is running; a plain ``q`` says it here)."""
        from warroom.errors import WarroomError

        presenter = self.dashboard.presenter
        inc = presenter.incident if presenter is not None else None
        if inc is None:
            return None
        try:
            if inc.state.resolved:
                return None
        except (WarroomError, OSError):
            return None
        return f"{inc.id} is still open: `{self.resume_command()}` resumes it"

    async def action_quit(self) -> None:
        """Textual's own quit (the command palette's "Quit the application", ctrl+q) asks the
        same question as ``q``: a running command is never left behind silently."""
        self.action_quit_app()

    def action_quit_app(self) -> None:
        if self.dashboard.running_step() is not None:
            from tui.screens.modals.confirm import ConfirmScreen

            def answered(ok: bool | None) -> None:
                if ok:
                    self.exit(0)

            self.push_screen(ConfirmScreen(
                "Quit while a command is running?",
                "The command keeps running under its supervisor and its end is journaled.\n"
                f"The incident stays open: `{self.resume_command()}` resumes it.",
                confirm_label="Quit", danger=False), answered)
            return
        self.exit(0)
