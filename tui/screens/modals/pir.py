"""PIR preview: the draft rendered as markdown, re-rendered whenever the journal moves, and every
few seconds while it is open (the draft's "ongoing ... to now" and its response times move with
the clock, not only with the journal)."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from panes.safe import safe_text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown, Static

from tui.bindings import PIR_BINDINGS
from tui.screens.modals.base import PausesDashboard, ScrollsView


class PirScreen(ScrollsView, PausesDashboard, ModalScreen[str]):
    """Dismisses with "export" when the user asks to export from here. The draft scrolls with
    the drill report's keys (down/up or j/k, page down/up, home/end): at 80x24 it shows a dozen rows."""

    BINDINGS: ClassVar[list[Binding]] = PIR_BINDINGS
    SCROLLED = "#pir-scroll"

    REFRESH_EVERY = 5.0   # seconds; the render runs in a worker and only a changed draft repaints

    def __init__(self, markdown: str, refresh: Callable[[], object] | None = None) -> None:
        super().__init__()
        self.markdown = markdown
        self.refresh_draft = refresh

    def on_mount(self) -> None:
        if self.refresh_draft is not None:
            self.set_interval(self.REFRESH_EVERY, self.refresh_draft)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog pir-dialog"):
            yield Static("PIR draft — live; e export, esc close", classes="dialog-title")
            with VerticalScroll(id="pir-scroll"):
                yield Markdown(safe_text(self.markdown), id="pir-md")

    def show(self, markdown: str) -> None:
        if markdown != self.markdown:
            self.markdown = markdown
            self.query_one("#pir-md", Markdown).update(safe_text(markdown))

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_export(self) -> None:
        self.dismiss("export")
