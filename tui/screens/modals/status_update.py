"""Stakeholder update: a template filled with the current facts, editable, then copied (OSC 52)
and/or posted to the configured webhook. Either way it is journaled by the dashboard.

The draft states facts of a moment (the impact so far, the panes breached, the next update's
time). While the commander leaves it as drafted it is drafted again each second and once more as
it is sent, so what goes out is the journal at the send, not at the dialog's opening: at x60 an
update left open 30 s said "Impact … 10m02s" at 37m36s and left out a breach journaled meanwhile
(redteam38 F1). An edited update is sent as typed, and the dialog says the moment its facts are of.

A copy is offered only where it can arrive (``tui.clipboard``); elsewhere the dialog says why,
and the update is saved to a file in the incident directory (the text here stays selectable)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from panes.fmt import format_time
from panes.safe import safe_text, ui_text
from panes.slo import set_text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Static, TextArea

from tui.clipboard import ClipboardRoute
from tui.screens.modals.base import Dialog


@dataclass
class UpdateAnswer:
    text: str
    copy: bool
    post: bool


class StatusUpdateScreen(Dialog[UpdateAnswer]):
    def __init__(self, text: str, *, webhook: str | None = None, clipboard: ClipboardRoute | None = None,
                 redraft: Callable[[], str] | None = None, clock: Callable[[], float] | None = None) -> None:
        """``redraft`` drafts the update again from the journal (None: ``text`` is fixed);
        ``clock`` is the app's, for the moment a draft's facts are of."""
        super().__init__()
        self.text = text
        self.webhook = webhook
        self.clipboard = clipboard or ClipboardRoute(True, "to your terminal's clipboard (OSC 52)")
        self.redraft = redraft
        self.clock = clock
        self.drafted_at = clock() if clock is not None else None

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="update-dialog"):
            yield Static("Stakeholder update", classes="dialog-title")
            yield TextArea(safe_text(self.text), id="update-text", soft_wrap=True)
            if self.redraft is not None:
                yield Static(ui_text(self.draft_note(edited=False)), classes="hint", id="draft-note")
            where = (f"posts to webhook: {self.webhook}" if self.webhook
                     else "no webhook configured (set url_env under [webhook] in the config)")
            yield Static(ui_text(where), classes="hint")
            copy = "Copy" if self.clipboard.works else "Save to file"
            if self.clipboard.works:
                yield Static(ui_text(f"copy goes {self.clipboard.why}"), classes="hint")
            else:
                yield Static(ui_text(f"no clipboard copy from here: {self.clipboard.why}. The update is saved to"
                                     " a file in the incident directory instead; select the text above"
                                     " with the mouse (shift+drag) to paste it yourself."), classes="hint",
                             id="no-clipboard")
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button(ui_text(copy if self.webhook else f"{copy} + journal (ctrl+s)"), id="copy",
                             variant="default" if self.webhook else "primary")
                if self.webhook:
                    yield Button(ui_text(f"{copy} + post (ctrl+s)"), id="post", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#update-text", TextArea).focus()
        if self.redraft is not None:
            self.set_interval(1.0, self.keep_current)

    def draft_note(self, *, edited: bool) -> str:
        when = f"{format_time(self.drafted_at)} UTC" if self.drafted_at is not None else "the dialog's opening"
        if edited:
            return f"edited: sent as you typed it; its facts are as of {when}"
        return f"facts as of {when}; drafted again as it is sent, until you edit it"

    def untouched(self) -> bool:
        return self.query_one("#update-text", TextArea).text == safe_text(self.text)

    def keep_current(self) -> None:
        """The draft again from the journal while the commander has not edited it."""
        if self.redraft is None or not self.is_mounted:
            return
        note = self.query_one("#draft-note", Static)
        if not self.untouched():
            set_text(note, ui_text(self.draft_note(edited=True)), layout=True)    # every second: drawn when it changes
            return
        fresh = self.redraft()
        self.drafted_at = self.clock() if self.clock is not None else None
        if fresh != self.text:
            self.text = fresh
            self.query_one("#update-text", TextArea).load_text(safe_text(fresh))
        set_text(note, ui_text(self.draft_note(edited=False)), layout=True)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "cancel":
            self.dismiss(None)
        elif event.button.id == "copy":
            self._finish(post=False)
        else:
            self._finish(post=True)

    def action_submit(self) -> None:
        self._finish(post=bool(self.webhook))

    def _finish(self, *, post: bool) -> None:
        if self.redraft is not None and self.untouched():
            self.text = self.redraft()          # as drafted: the journal at the send
            self.query_one("#update-text", TextArea).load_text(safe_text(self.text))
        text = self.query_one("#update-text", TextArea).text.strip()
        if text:
            self.dismiss(UpdateAnswer(text=text, copy=self.clipboard.works, post=post))
