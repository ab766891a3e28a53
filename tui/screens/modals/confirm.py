"""A yes/no question with the consequences spelled out."""

from __future__ import annotations

from panes.safe import SafeText as Text, ui_text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Static

from tui.screens.modals.base import Dialog


class ConfirmScreen(Dialog[bool]):
    def __init__(self, title: str, body: str, *, confirm_label: str = "Confirm",
                 danger: bool = True) -> None:
        super().__init__()
        self.title_text = title
        self.body = body
        self.confirm_label = confirm_label
        self.danger = danger

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            # Plain text: the body is usually the exact command about to run, and a command like
            # sed 's/[a-z]//' must be shown as it is, not read as markup.
            yield Static(Text(self.title_text), classes="dialog-title")
            yield Static(Text(self.body), id="confirm-body")
            with Horizontal(classes="buttons"):
                yield Button("Back", id="no")
                yield Button(ui_text(self.confirm_label), id="yes",
                             variant="error" if self.danger else "primary")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_submit(self) -> None:
        self.dismiss(True)
