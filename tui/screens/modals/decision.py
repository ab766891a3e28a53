"""A runbook's Go/No-Go shown as a decision, not as checkboxes: the question, the deadline, each
criterion met / not met / unknown with its evidence, the suggestion — and GO or NO-GO with why.

The judging is done in the core (``warroom.incident.decisions``); the dialog shows the view and
returns the commander's answer. While it is open the criteria are judged again, live, the
dolphie way: a worker thread judges (metric queries), posts the new view, the dialog draws it
and only then sets the timer for the next look — looks never overlap, no widget is touched from
the thread, and a look that fails is said on the dialog and the next one still comes. The verdict
is recorded with the view on screen when GO / NO-GO was pressed (its ``judged_at``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ClassVar

from textual.message import Message

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
    # the criteria as the commander saw them when deciding (the latest look): recorded with the verdict
    view: DecisionView | None = field(default=None, compare=False)


Rejudge = Callable[[DecisionView], DecisionView]


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


def head_text(v: DecisionView, trouble: str | None = None) -> Text:
    """The lines above the criteria: deadline, need, when judged, suggestion, tally, what GO opens,
    an earlier verdict; ``trouble``: the last look failed (the criteria shown are older)."""
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
        head.append(f"   on GO: {v.decision.on_go} opens beside the current runbook", "dim")
    if v.recorded:
        where = v.recorded.get("runbook_id")
        head.append(f"\nalready decided: {v.recorded.get('verdict')} by {v.recorded.get('by')}"
                    + (f" in {where}" if where and where != v.runbook_id else "")
                    + " — a new verdict is added to the history, the earlier one stays", "bold")
    if trouble:
        head.append(f"\nthe last look failed: {trouble} — the criteria shown are from the look before", "bold red")
    return head


class DecisionScreen(Dialog[DecisionAnswer]):
    BINDINGS: ClassVar[list[Binding]] = MODAL_BINDINGS

    class Rejudged(Message):
        """A look's result, posted by the worker thread: the new view, or why the look failed."""

        def __init__(self, view: DecisionView | None, error: str | None = None) -> None:
            super().__init__()
            self.view = view
            self.error = error

    def __init__(self, view: DecisionView, *, by: str, rejudge: Rejudge | None = None,
                 every: float = 0.0) -> None:
        """``rejudge``: judges the decision again (blocking: metric queries; run on a worker
        thread); ``every``: seconds between the end of one look and the start of the next."""
        super().__init__()
        self.view = view
        self.by = by
        self.rejudge = rejudge
        self.every = every
        self.looks = 0                 # looks that came back (a test reads it)
        self._looking = False
        self._trouble: str | None = None

    def compose(self) -> ComposeResult:
        v = self.view
        with Vertical(classes="dialog", id="decision-dialog"):
            # the question and the deadline stay in view (docked), as the run dialog's title and gate do
            with Vertical(classes="dialog-head"):
                yield Static(Text(f"Go/No-Go: {v.decision.question}"), classes="dialog-title")
                yield Static(head_text(v), id="decision-head")
            with VerticalScroll(id="decision-criteria"):
                yield Static(criteria_text(v), id="decision-criteria-text")
            yield Input(placeholder="why (required): what tipped it", id="why")
            yield Input(one_line(self.by), placeholder="who decides", id="by")
            yield Static("", id="form-error")
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("NO-GO", id="no-go", variant="primary")
                yield Button("GO", id="go", variant="error")

    def on_mount(self) -> None:
        self.query_one("#why", Input).focus()
        self.next_look()

    # ------------------------------------------------------------------ live judging (dolphie)

    def next_look(self) -> None:
        """Schedule the next look (after the last one was drawn, never while one runs)."""
        if self.rejudge is not None and self.every > 0 and self.is_attached:
            self.set_timer(self.every, self.look)

    def look(self) -> None:
        """Judge again in a worker thread; ``on_decision_screen_rejudged`` draws the result."""
        if self._looking or self.rejudge is None or not self.is_attached:
            return
        self._looking = True
        rejudge, view = self.rejudge, self.view

        def work() -> None:
            try:
                fresh = rejudge(view)
            except BaseException as exc:
                # not swallowed: said on the dialog (and by the App's worker handler if unexpected)
                from tui.presenter import describe

                self.post_message(self.Rejudged(None, describe(exc)))
                from warroom.errors import WarroomError

                if not isinstance(exc, (WarroomError, OSError)):
                    raise
                return
            self.post_message(self.Rejudged(fresh))

        self.app.run_worker(work, thread=True, group="decision-judge", name="Go/No-Go look",
                            exit_on_error=False)

    def on_decision_screen_rejudged(self, message: DecisionScreen.Rejudged) -> None:
        try:
            self.looks += 1
            if message.view is not None:
                self.view = message.view
                self._trouble = None
            else:
                self._trouble = message.error or "unknown error"
            self.query_one("#decision-head", Static).update(head_text(self.view, self._trouble))
            self.query_one("#decision-criteria-text", Static).update(criteria_text(self.view))
        finally:
            self._looking = False
            self.next_look()

    def answer(self, verdict: str) -> None:
        why = self.query_one("#why", Input).value.strip()
        by = self.query_one("#by", Input).value.strip()
        if not why or not by:
            self.query_one("#form-error", Static).update(Text("Say why, and who decides.", style="bold red"))
            self.query_one("#why" if not why else "#by", Input).focus()
            return
        self.dismiss(DecisionAnswer(verdict, why, by, self.view))

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
