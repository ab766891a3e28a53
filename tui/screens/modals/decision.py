"""A runbook's Go/No-Go shown as a decision, not as checkboxes: the question, the deadline, each
criterion met / not met / unknown with its evidence, the suggestion — and GO or NO-GO with why.

The judging is done in the core (``warroom.incident.decisions``) before this opens; the dialog
only shows the view and returns the commander's answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from panes.safe import SafeText as Text, one_line
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Input, Static

from tui.bindings import MODAL_BINDINGS
from tui.screens.modals.base import Dialog
from warroom.incident.decisions import MET, NOT_MET, DecisionView

MARKS = {MET: ("✔", "met", "bold green"), NOT_MET: ("✗", "not met", "bold red"), "unknown": ("?", "unknown", "bold yellow")}


@dataclass(frozen=True)
class DecisionAnswer:
    verdict: str          # GO | NO-GO
    why: str
    by: str


def criteria_text(view: DecisionView) -> Text:
    """Both lists with a fixed-width mark column, so the words stay readable without colour."""
    t = Text()
    for side, title in (("go", f"GO when {view.decision.go_when} of these holds"),
                        ("no_go", f"NO-GO when {view.decision.no_go_when} of these hold")):
        rows = [c for c in view.criteria if c.side == side]
        if not rows:
            continue
        t.append(f"{title}\n", "bold")
        for c in rows:
            icon, word, style = MARKS.get(c.state, ("?", c.state, ""))
            t.append(f" {icon} {word:<8} ", style)
            t.append(c.text)
            t.append(f" — {c.evidence}\n", "dim")
    return t


class DecisionScreen(Dialog[DecisionAnswer]):
    BINDINGS: ClassVar[list[Binding]] = MODAL_BINDINGS

    def __init__(self, view: DecisionView, *, by: str) -> None:
        super().__init__()
        self.view = view
        self.by = by

    def compose(self) -> ComposeResult:
        v = self.view
        with Vertical(classes="dialog", id="decision-dialog"):
            yield Static(Text(f"Go/No-Go: {v.decision.question}"), classes="dialog-title")
            head = Text()
            if v.due_at is not None:
                head.append(f"deadline {v.due_text}", "bold red" if v.overdue else "")
                head.append("  OVERDUE" if v.overdue else "", "bold red")
                head.append("   ")
            if v.not_needed:
                head.append(f"not needed now ({v.not_needed}); a verdict can still be recorded   ", "dim")
            if v.judged_at is not None:
                head.append(f"judged {v.judged_at:%H:%M:%S} UTC   ", "dim")
            head.append("suggestion: ")
            head.append(v.suggestion, "bold")
            tally = ", ".join(f"{n} {word}" for word in (MET, NOT_MET, "unknown")
                              if (n := sum(1 for c in v.criteria if c.state == word)))
            head.append(f"   criteria: {tally}" if tally else "", "dim")
            if v.decision.on_go:
                head.append(f"   on GO: {v.decision.on_go} opens beside this runbook", "dim")
            if v.recorded:
                where = v.recorded.get("runbook_id")
                head.append(f"\nalready decided: {v.recorded.get('verdict')} by {v.recorded.get('by')}"
                            + (f" in {where}" if where and where != v.runbook_id else "")
                            + " — a new verdict is added to the history, the earlier one stays", "bold")
            yield Static(head, id="decision-head")
            with VerticalScroll(id="decision-criteria"):
                yield Static(criteria_text(v))
            yield Input(placeholder="why (required): what tipped it", id="why")
            yield Input(one_line(self.by), placeholder="who decides", id="by")
            yield Static("", id="form-error")
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("NO-GO", id="no-go", variant="primary")
                yield Button("GO", id="go", variant="error")

    def on_mount(self) -> None:
        self.query_one("#why", Input).focus()

    def answer(self, verdict: str) -> None:
        why = self.query_one("#why", Input).value.strip()
        by = self.query_one("#by", Input).value.strip()
        if not why or not by:
            self.query_one("#form-error", Static).update(Text("Say why, and who decides.", style="bold red"))
            self.query_one("#why" if not why else "#by", Input).focus()
            return
        self.dismiss(DecisionAnswer(verdict, why, by))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "go":
            self.answer("GO")
        elif event.button.id == "no-go":
            self.answer("NO-GO")
        else:
            self.dismiss(None)

    def action_submit(self) -> None:
        """ctrl+s takes the suggestion when there is one; a decision is never made by default."""
        if self.view.suggestion in ("GO", "NO-GO"):
            self.answer(self.view.suggestion)
        else:
            self.query_one("#form-error", Static).update(
                Text("No suggestion: press GO or NO-GO.", style="bold red"))
