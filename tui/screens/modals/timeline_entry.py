"""Add a timeline entry by hand (possibly back-dated), or correct an earlier one.

The journal is append-only: a correction is a ``timeline.corrected`` event naming the entry's
``seq``; the original line stays in the journal and the timeline shows the corrected text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from panes.safe import one_line, ui_text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Static

from tui.screens.modals.forms import FormDialog, buttons


@dataclass
class TimelineAnswer:
    text: str
    at: datetime | None = None        # None: now
    seq: int | None = None            # set: a correction of that entry


def parse_at(value: str, now: datetime, scale: float = 1.0) -> datetime | None:
    """The CLI's syntax (``warroom.timeparse``): ``15m ago``, ``-15m`` (drill time in a drill:
    ``scale``), ``HH:MM`` (UTC), ISO; empty is now; a future time is refused."""
    if not value.strip():
        return None
    from warroom.errors import WarroomError
    from warroom.timeparse import parse_past

    try:
        return parse_past(value, now, what="time", scale=scale)
    except WarroomError as exc:
        raise ValueError(str(exc)) from None


class TimelineEntryScreen(FormDialog):
    def __init__(self, *, seq: int | None = None, text: str = "", when: str = "", scale: float = 1.0) -> None:
        super().__init__()
        self.scale = scale                # the incident's time scale: "15m ago" is drill time in a drill
        self.seq = seq
        self.initial = text
        self.when = when

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="timeline-dialog"):
            title = (f"Correct timeline entry {self.when}" if self.seq is not None
                     else "Add a timeline entry")
            yield Static(ui_text(title), classes="dialog-title")
            if self.seq is not None:
                yield Static("The original stays in the journal; the timeline and PIR show this text.",
                             classes="hint")
            yield Input(one_line(self.initial), placeholder="what happened", id="text")
            if self.seq is None:
                yield Input(placeholder="when (UTC HH:MM, 15m ago or -15m; empty: now)", id="at")
            yield Static("", id="form-error")
            yield buttons("Correct" if self.seq is not None else "Add")

    def on_mount(self) -> None:
        self.query_one("#text", Input).focus()

    def action_submit(self) -> None:
        text = self.query_one("#text", Input).value.strip()
        if not text:
            self.error("The entry is empty.")
            return
        at = None
        if self.seq is None:
            try:
                at = parse_at(self.query_one("#at", Input).value,
                              datetime.fromtimestamp(self.app.ctx.clock.now(), UTC), self.scale)  # type: ignore[attr-defined]
            except ValueError as exc:
                self.error(str(exc))
                return
        self.dismiss(TimelineAnswer(text=text, at=at, seq=self.seq))
