"""What every dialog shares: escape cancels, ctrl+s submits, the box is styled by ``.dialog``."""

from __future__ import annotations

from typing import ClassVar, TypeVar

from textual.binding import Binding
from textual.screen import ModalScreen

from tui.bindings import MODAL_BINDINGS

T = TypeVar("T")


class Dialog(ModalScreen[T]):
    BINDINGS: ClassVar[list[Binding]] = MODAL_BINDINGS

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_submit(self) -> None:
        """Override: validate and ``dismiss(answer)``."""
        self.dismiss(None)
