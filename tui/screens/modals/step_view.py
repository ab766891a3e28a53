"""The whole step: what the Step pane cut ("▼ 3 more rows · i shows it all"), every row, scrolling.

At 80x24 the Step pane has four rows: a checklist item's instruction — the whole of what the
commander is to do — was cut after its first row, and no key showed the rest (attack39 S2; ⏎ said
"tick it with space"). This dialog shows the step as the pane writes it, at the dialog's width, in
any state (a running step, a resolved incident, no incident yet: reading is never refused), and
offers what the dashboard's keys would do on it now (tick and skip a checklist item, run a
command): the answer goes back to the dashboard, whose actions ask the core as the keys do.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from panes.safe import SafeText as Text, ui_text
from panes.step_detail import WholeStep
from tui.bindings import STEP_VIEW_BINDINGS
from tui.screens.modals.base import PausesDashboard, ScrollsView

ACT_WORDS = {"run": "⏎ run", "tick": "space tick", "skip": "s skip"}


class StepViewScreen(ScrollsView, PausesDashboard, ModalScreen[str]):
    """Dismisses with one of ``acts`` ("run", "tick", "skip") when its key is pressed, else None.
    ``acts``: what may be done on the step now; ``why_not``: said instead when nothing may (the
    core's refusal after a resolve, no incident open, a run under way)."""

    BINDINGS: ClassVar[list[Binding]] = STEP_VIEW_BINDINGS
    SCROLLED = "#step-view"

    def __init__(self, name: str, build: Callable[..., Text], acts: tuple[str, ...] = (),
                 why_not: str | None = None) -> None:
        super().__init__()
        self.step_name = name
        self.build = build
        self.acts = acts
        self.why_not = why_not

    def _said(self, action: str, word: str, default: str) -> str:
        """``default`` ("⏎ run") while the binding is on its own keys, else the first key the user's
        ``[keys]`` put it on and ``word`` ("f5 run"): the title never names a key that does nothing."""
        binding = next(b for b in STEP_VIEW_BINDINGS if b.action == action)
        key_for = getattr(self.app, "key_for", None)
        key = key_for(binding) if callable(key_for) else binding.key
        return default if key == binding.key else f"{key.split(',')[0]} {word}"

    def compose(self) -> ComposeResult:
        keys = " · ".join([*(self._said(f"act('{a}')", a, ACT_WORDS[a]) for a in self.acts),
                           self._said("cancel", "close", "esc close")])
        # the box grows with the step up to the dialogs' 90% and scrolls beyond it (``.dialog``)
        with Vertical(classes="dialog", id="step-view"):
            yield Static(ui_text(f"{self.step_name} — {keys}"), classes="dialog-title")
            if self.why_not:
                yield Static(ui_text(self.why_not), classes="hint", id="step-view-why-not")
            yield WholeStep(self.build, id="step-view-body")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """A key for an act not offered now does nothing here (its word is not in the title)."""
        if action == "act":
            return bool(parameters) and parameters[0] in self.acts
        return True

    def action_act(self, act: str) -> None:
        self.dismiss(act)

    def action_cancel(self) -> None:
        self.dismiss(None)
