"""Add a timeline entry by hand (possibly back-dated), or correct an earlier one.

The journal is append-only: a correction is a ``timeline.corrected`` event naming the entry's
``seq``; the original line stays in the journal and the timeline shows the corrected text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

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


def parse_at(value: str, now: datetime) -> datetime | None:
    """``HH:MM`` / ``HH:MM:SS`` (UTC, today; yesterday if that is in the future) or ``-15m``."""
    value = value.strip()
    if not value:
        return None
    if value.startswith("-"):
        from warroom.durations import parse_duration

        return now - timedelta(seconds=parse_duration(value[1:]))
    parts = value.split(":")
    if not 2 <= len(parts) <= 3 or not all(p.isdigit() for p in parts):
        raise ValueError(f"time {value!r}: use HH:MM (UTC) or -15m")
    h, m, s = (int(p) for p in (parts + ["0"])[:3])
    at = now.replace(hour=h, minute=m, second=s, microsecond=0)
    return at - timedelta(days=1) if at > now else at


class TimelineEntryScreen(FormDialog):
    def __init__(self, *, seq: int | None = None, text: str = "", when: str = "") -> None:
        super().__init__()
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
                yield Input(placeholder="when (UTC HH:MM, or -15m; empty: now)", id="at")
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
                at = parse_at(self.query_one("#at", Input).value, datetime.now(UTC))
            except ValueError as exc:
                self.error(str(exc))
                return
        self.dismiss(TimelineAnswer(text=text, at=at, seq=self.seq))
