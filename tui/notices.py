"""Notices: what the app says for a few seconds, drawn where it hides nothing.

Textual draws a notification as a toast on the screen on top, in its own layer, bottom right: over
a dialog it covered the buttons (at 80x24 the Go/No-Go overdue reminder and "Judging the Go/No-Go
criteria…" sat on Cancel / NO-GO / GO for their ten seconds; the reminder hid the buttons it asks
for). So every notice passes through one board (``WarroomApp.notify``), which lives its time
whatever screen is on top, and the screen on top decides how it is drawn:

- the dashboard: a Textual toast, as before (over panes, never over a control the IC must press);
- a dialog (every modal screen of ours, ``CarriesNotices``): no toast at all; the dialog's screen
  draws the live notices in its ``NoticeBand``, docked at the bottom of the terminal above the
  paused note. A docked band takes its rows from the space the dialog is laid out in, so the
  dialog (centred in what is left, its buttons docked in it) is never under a notice: by
  construction, whatever the size of the terminal, the dialog or the message. A dialog may carry
  a notice about itself in its own words instead (the Go/No-Go dialog its own overdue reminder).

A dialog that closes hands the notices still live back to the dashboard as toasts for the time
they have left. A notice about something that ended is withdrawn (``about``): "Judging…" once the
judgement is on screen, a decision's reminder once its verdict is recorded.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from textual.containers import Vertical
from textual.notifications import SeverityLevel
from textual.widgets import Static

from panes.safe import SafeText as Text

#: What marks a notice's severity without colour (the band's left edge is coloured as a toast's)
SEVERITY_MARKS = {"information": "·", "warning": "⚠", "error": "✖"}


@dataclass
class Notice:
    """One notification, already sanitised (``WarroomApp.notify``), with its life."""

    message: str
    title: str = ""
    severity: SeverityLevel = "information"
    timeout: float = 5.0
    about: str | None = None                     # what it is about, to withdraw it when that ends
    raised: float = field(default_factory=time.monotonic)
    toasted: bool = False                        # drawn as a Textual toast now (on the dashboard)

    def left(self, now: float) -> float:
        return self.raised + self.timeout - now

    def text(self) -> Text:
        """``⚠ Reminder  Go/No-Go overdue: …``: the mark, the title in bold, the words."""
        t = Text(f"{SEVERITY_MARKS.get(self.severity, '·')} ", "bold")
        if self.title:
            t.append(self.title, "bold")
            t.append("  ")
        t.append(self.message)
        return t


class NoticeBoard:
    """Every notice still live, in the order raised: the one record the screens draw from."""

    def __init__(self) -> None:
        self._notices: list[Notice] = []

    def add(self, notice: Notice) -> None:
        self._notices.append(notice)

    def live(self, now: float | None = None) -> list[Notice]:
        at = time.monotonic() if now is None else now
        self._notices = [n for n in self._notices if n.left(at) > 0]
        return list(self._notices)

    def withdraw(self, about: str) -> list[Notice]:
        """End every notice about ``about`` now; returns them."""
        gone = [n for n in self._notices if n.about == about]
        self._notices = [n for n in self._notices if n.about != about]
        return gone


class NoticeBand(Vertical):
    """The live notices on a dialog's screen, one block each, newest last (nearest the paused
    note), each cut to ``max-height`` rows (2), the newest ``SHOWN`` only, after a line that
    counts the others: at most 7 rows whatever comes. Empty (no rows) when there is none. It
    redraws itself when the next one expires.

    It never gives a row back while its dialog is open: a notice that ends (its seconds ran out,
    or it was withdrawn) leaves its rows blank until the dialog closes. The band's rows are taken
    from the dialog's, so a band that shrank moved the whole dialog down, its buttons with it,
    on a timer and under a pointer on its way to GO: the click landed on the row the button had
    left (a Go/No-Go answered on a busy machine, seconds after "GO recorded" was said). A new
    notice still takes the rows it needs: it is something the commander has to see."""

    SHOWN = 3

    def __init__(self) -> None:
        super().__init__(id="notices")
        self._shown: list[Notice] = []
        self._expiry: Any = None
        self.held = 0                  # rows kept since the dialog opened (the most it has had)

    def show(self, notices: list[Notice]) -> None:
        now = time.monotonic()
        live = [n for n in notices if n.left(now) > 0]
        if self._expiry is not None:
            self._expiry.stop()
            self._expiry = None
        if [id(n) for n in live] != [id(n) for n in self._shown]:
            if self.display:            # the rows it has now, laid out: kept whatever goes
                self.held = max(self.held, self.outer_size.height)
                self.styles.min_height = self.held or None
            self._shown = live
            self.remove_children()
            more = len(live) - self.SHOWN
            if more > 0:
                self.mount(Static(Text(f"+{more} earlier notice{'s' if more > 1 else ''}", "dim"),
                                  classes="notice -more"))
            self.mount_all(Static(n.text(), classes=f"notice -{n.severity}") for n in live[-self.SHOWN:])
        self.display = bool(live) or self.held > 0
        if live:
            self._expiry = self.set_timer(max(0.05, min(n.left(now) for n in live)),
                                          lambda: self.show(self._shown))

    def on_resize(self) -> None:
        """The band grew or shrank, so the dialog above it was laid out again in more or fewer
        rows: what the commander is answering (the focused field) is scrolled back into view."""
        self.call_after_refresh(self.keep_focus_in_view)

    def keep_focus_in_view(self) -> None:
        focused = self.screen.focused if self.is_attached else None
        if focused is not None:
            focused.scroll_visible(animate=False)


class CarriesNotices:
    """Mixed into every modal screen of ours: it draws the board's live notices itself (its
    ``NoticeBand``) instead of letting toasts cover it. ``carry`` may be overridden to take a
    notice about the dialog into the dialog's own words; the rest go to the band."""

    def carry(self, notices: list[Notice]) -> None:
        screen: Any = self
        for band in screen.query(NoticeBand):
            band.show(notices)

    def on_screen_resume(self) -> None:
        """On top (opened, or back from a confirmation over it): the app's notices are drawn here."""
        app: Any = getattr(self, "app")
        show = getattr(app, "show_notices", None)
        if show is not None:
            show()
