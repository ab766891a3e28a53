"""``?``: every key, grouped, with its binding id (what ``[keys]`` in the config remaps)."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from panes.safe import SafeText as Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from tui.bindings import HELP_BINDINGS, all_bindings
from warroom.fit_table import FitTable
from tui.screens.modals.base import PausesDashboard

if TYPE_CHECKING:
    from tui.host import WarroomHost


def help_table(app: WarroomHost) -> FitTable:
    """Every key with what it does and its id. The keys are the user's own (``[keys]`` maps an id
    to any comma-separated keys), so they are words that fold: a no-wrap key column made Rich drop
    "does" whole beside one long mapping. The id is typed into the config as is: kept whole."""
    table = FitTable(expand=True)
    table.add_column("key", "words")
    table.add_column("does", "words")
    table.add_column("id (for [keys])", "figure", style="dim")
    for group, bindings in all_bindings():
        table.add_row(Text(group, style="bold underline"), "", "")
        for b in bindings:
            key = app.key_for(b).replace("question_mark", "?")
            table.add_row(Text(key, style="bold"), Text(b.description), Text(b.id or ""))
    return table


def marks_table() -> FitTable:
    """Every mark a checklist line can carry, with its word: the same vocabulary as
    ``warroom incident show`` and the PIR (``warroom.incident.marks``)."""
    from warroom.incident.marks import EXPECT_MARKS, MUTATING_MARK, RUN_ONLY, STEP_MARKS

    table = FitTable(expand=True)
    table.add_column("mark", "figure")
    table.add_column("means", "words")
    table.add_column("column", "words", style="dim")
    for mark in (m for state, m in STEP_MARKS.items() if state not in RUN_ONLY):
        table.add_row(Text(mark.icon, style="bold"), Text(mark.word), Text("1: the step"))
    table.add_row(Text(MUTATING_MARK.icon, style="bold"), Text(f"{MUTATING_MARK.word} (asks to confirm)"),
                  Text("2: what it does"))
    for mark in EXPECT_MARKS.values():
        table.add_row(Text(mark.icon, style="bold"), Text(mark.word), Text("3: its expectation"))
    return table


class HelpScreen(PausesDashboard, ModalScreen[None]):
    BINDINGS: ClassVar[list[Binding]] = HELP_BINDINGS

    app: WarroomHost

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog", id="help-body"):
            yield Static(Text("warroom keys  ·  remap any of them in config.toml under [keys]"),
                         classes="dialog-title")
            yield Static(help_table(self.app))
            yield Static(Text("\nChecklist marks (before each step's number, in fixed columns)", style="bold"))
            yield Static(marks_table())
            yield Static(Text("In a dialog: tab / shift+tab move between fields, enter opens a list "
                              "(↑/↓ choose, enter picks), ctrl+s submits, esc cancels.\n"
                              "Every action is also in the command palette (ctrl+p), with "
                              "\"open runbook: …\" for each runbook. Esc closes this."), classes="hint")
            drill = self.app.ctx.drill
            # the start toast is gone; an IC about to type kubectl looks here
            if drill is not None and drill.by_hand:
                yield Static(Text(f"\nIn this drill, {drill.by_hand}."), id="help-drill", classes="hint")

    def action_cancel(self) -> None:
        self.dismiss(None)
