"""Stakeholder update: a template filled with the current facts, editable, then copied (OSC 52)
and/or posted to the configured webhook. Either way it is journaled by the dashboard.

A copy is offered only where it can arrive (``tui.clipboard``); elsewhere the dialog says why,
and the update is saved to a file in the incident directory (the text here stays selectable)."""

from __future__ import annotations

from dataclasses import dataclass

from panes.safe import safe_text, ui_text
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
    def __init__(self, text: str, *, webhook: str | None = None, clipboard: ClipboardRoute | None = None) -> None:
        super().__init__()
        self.text = text
        self.webhook = webhook
        self.clipboard = clipboard or ClipboardRoute(True, "to your terminal's clipboard (OSC 52)")

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="update-dialog"):
            yield Static("Stakeholder update", classes="dialog-title")
            yield TextArea(safe_text(self.text), id="update-text", soft_wrap=True)
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
        text = self.query_one("#update-text", TextArea).text.strip()
        if text:
            self.dismiss(UpdateAnswer(text=text, copy=self.clipboard.works, post=post))
