"""``A``: every firing alert, most severe first, with since-when, runbook and labels; and every
alert server that failed, how, and the age of its last good answer. The one-line alerts view on
the dashboard shows counts per severity and as many alerts as fit; this shows them all."""

from __future__ import annotations

from typing import Any, ClassVar

from panes.safe import SafeText as Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from panes.sources import alerts_line, alerts_table
from tui.bindings import ALERTS_BINDINGS
from tui.screens.modals.base import PausesDashboard


class AlertsScreen(PausesDashboard, ModalScreen[None]):
    BINDINGS: ClassVar[list[Binding]] = ALERTS_BINDINGS

    def __init__(self, result: Any, now: float) -> None:
        super().__init__()
        self.result = result
        self.now = now

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog", id="alerts-body"):
            yield Static(alerts_line(self.result, self.now), classes="dialog-title")
            yield Static(alerts_table(self.result, self.now), id="alerts-table")
            yield Static(Text("Most severe first, then longest firing. Esc closes this."), classes="hint")

    def action_cancel(self) -> None:
        self.dismiss(None)
