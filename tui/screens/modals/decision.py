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

from rich.console import Console, ConsoleOptions, RenderResult
from rich.table import Table
from textual.message import Message

from panes.safe import SafeText as Text, one_line
from panes.slo import set_text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Input, Static

from tui.bindings import MODAL_BINDINGS
from tui.messages import decision_subject
from tui.notices import Notice
from tui.screens.modals.base import Dialog
from warroom.incident.decisions import MET, NOT_MET, DecisionView
from warroom.runbook.decision import rule_words

MARKS = {MET: ("✔", "met", "bold green"), NOT_MET: ("✗", "not met", "bold red"), "unknown": ("?", "unknown", "bold yellow")}


@dataclass(frozen=True)
class DecisionAnswer:
    verdict: str          # GO | NO-GO
    why: str
    by: str
    # the criteria as the commander saw them when deciding (the latest look): recorded with the verdict
    view: DecisionView | None = field(default=None, compare=False)


Rejudge = Callable[[DecisionView], DecisionView]


SIDES = ("go", "no_go")
#: Below this many cells a side gets the whole width (one column of 16 rows, not two of 9)
TWO_COLUMNS_FROM = 56


class VerdictGrid:
    """Every criterion's verdict at a glance, one row each: its mark and the start of its words,
    GO's beside NO-GO's (one under the other when the dialog is too narrow for two), each side
    headed by its rule and its tally. RB-LAUNCH-005 has 16 criteria; the full list with evidence
    (``criteria_text``) is taller than an 80x24 terminal, so the dialog showed three of them and
    the commander scrolled to learn what was met. This is 10 rows in two columns at 80x24; the
    evidence follows it and scrolls. The marks read without colour (✔ ✗ ?)."""

    def __init__(self, view: DecisionView) -> None:
        self.view = view

    def side(self, side: str) -> tuple[Text, list[Text]] | None:
        rows = [c for c in self.view.criteria if c.side == side]
        if not rows:
            return None
        rule = self.view.decision.go_when if side == "go" else self.view.decision.no_go_when
        head = Text(rule_words(side, rule, these=False), "bold")
        for state in (MET, NOT_MET, "unknown"):
            icon, _, style = MARKS[state]
            head.append(" ")
            head.append(f"{icon}{sum(1 for c in rows if c.state == state)}", style)
        cells = []
        for c in rows:
            icon, _, style = MARKS.get(c.state, ("?", c.state, ""))
            cell = Text(f"{icon} ", style)
            cell.append(c.text)
            cells.append(cell)
        return head, cells

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        sides = [x for x in (self.side("go"), self.side("no_go")) if x is not None]
        if len(sides) == 2 and options.max_width >= TWO_COLUMNS_FROM:
            grid = Table.grid(expand=True, padding=(0, 1))
            for _ in sides:
                grid.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
            grid.add_row(*(head for head, _ in sides))
            for i in range(max(len(cells) for _, cells in sides)):
                grid.add_row(*(cells[i] if i < len(cells) else Text() for _, cells in sides))
        else:
            grid = Table.grid(expand=True)
            grid.add_column(no_wrap=True, overflow="ellipsis")
            for head, cells in sides:
                for row in (head, *cells):
                    grid.add_row(Text().append_text(row))
        yield grid


def criteria_text(view: DecisionView) -> Text:
    """Both lists with a fixed-width mark column, so the words stay readable without colour."""
    t = Text()
    for side in SIDES:
        rows = [c for c in view.criteria if c.side == side]
        if not rows:
            continue
        t.append(rule_words(side, view.decision.go_when if side == "go" else view.decision.no_go_when) + "\n",
                 "bold")
        for c in rows:
            icon, word, style = MARKS.get(c.state, ("?", c.state, ""))
            t.append(f" {icon} {word:<8} ", style)
            t.append(c.text)
            t.append(f" — {c.evidence}\n", "dim")
    return t


def head_deadline(v: DecisionView) -> str:
    """The deadline as the head says it: when, and since what, without a drill's note of why it is later than
    the runbook's (``DecisionView.raised``: two rows of an 80x24 head, and the verdict grid lost a criterion
    to it, attack60 F2); ``more_text`` says that note under the grid."""
    text = v.due_text or ""
    return text.replace(f" ({v.raised})", "", 1) if v.raised else text


def head_text(v: DecisionView, reminded: bool = False) -> Text:
    """The lines above the criteria, what the commander decides by: the suggestion and the deadline
    (OVERDUE past it). Two rows at 80x24, so that with the reminder or an earlier verdict
    (``said_text``, a row) the verdict grid keeps every row of RB-LAUNCH-005's 16 criteria
    (attack60 F2): when it was judged, what GO opens and why a drill's deadline is later than the
    runbook's are ``more_text``'s, under the grid. ``reminded``: the core reminded that the deadline
    passed (the view may have been judged just before it): OVERDUE now, not at the next look."""
    # the suggestion first: short, so it never wraps between its word and its value ("suggestion:" / "GO")
    head = Text("suggestion: ")
    head.append(v.suggestion, "bold")
    head.append("   ")
    overdue = v.overdue or reminded
    if v.due_at is not None:
        head.append("OVERDUE  " if overdue else "", "bold red")
        head.append(f"deadline {head_deadline(v)}", "bold red" if overdue else "")
        head.append("   ")
    if v.not_needed:       # a verdict now is recorded, but answers nothing until the decision arises
        head.append(f"not needed now ({v.not_needed}); "
                    + ("a verdict can still be recorded" if v.arisen_at is not None
                       else "a verdict now does not answer it if it arises"), "dim")
    head.rstrip()
    return head


def more_text(v: DecisionView) -> Text:
    """Under the verdict grid (it costs no criterion a row): when the criteria were judged, what GO
    opens and, in a drill, why the deadline is later than the runbook's."""
    parts = []
    if v.judged_at is not None:
        parts.append(f"judged {v.judged_at:%H:%M:%S} UTC")
    if v.decision.on_go:
        parts.append(f"on GO: {v.decision.on_go} opens beside")
    if v.due_at is not None and v.raised:
        parts.append(f"deadline {v.raised}")
    return Text("   ".join(parts), "dim")


#: The overdue reminder in the Go/No-Go dialog's words (the toast's "(G decides)" is for the dashboard)
REMINDED = "⚠ Reminder: the deadline passed without a verdict: decide below"


def said_text(v: DecisionView, trouble: str | None = None, reminded: bool = False) -> Text:
    """The reminder that the deadline passed (``reminded``), an earlier verdict, and ``trouble``:
    the last look failed (the criteria shown are older). Drawn one line each, cut with an
    ellipsis (``#decision-said``): however long a name or an error, the verdict grid below keeps
    its rows on an 80x24 screen."""
    lines = []
    if reminded and not v.recorded:
        lines.append((REMINDED, "bold yellow"))
    if v.recorded:
        where = v.recorded.get("runbook_id")
        lines.append((f"already decided: {v.recorded.get('verdict')} by {v.recorded.get('by')}"
                      + (f" in {where}" if where and where != v.runbook_id else "")
                      + " — a new verdict is added to the history, the earlier one stays", "bold"))
    if early := v.early_words():      # journaled, but no answer: the decision arose after it
        lines.append((early, "bold yellow"))
    if trouble:
        lines.append((f"the last look failed: {trouble} — the criteria shown are from the look before", "bold red"))
    said = Text()
    for i, (words, style) in enumerate(lines):
        said.append(("\n" if i else "") + words, style)
    return said


class DecisionScreen(Dialog[DecisionAnswer]):
    BINDINGS: ClassVar[list[Binding]] = MODAL_BINDINGS
    # below 32 rows (80x24) the buttons are one row high: the rows go to the verdict grid
    VERTICAL_BREAKPOINTS: ClassVar[list[tuple[int, str]]] = [(0, "-h-short"), (32, "-h-tall")]

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
        self._grid_view = view           # the view the verdict grid shows
        self.looks = 0                 # looks that came back (a test reads it)
        self._looking = False
        self._trouble: str | None = None
        self.reminded = False          # the core's overdue reminder for this decision came
        self.subject = decision_subject(view.runbook_id, view.decision.id)

    def compose(self) -> ComposeResult:
        v = self.view
        with Vertical(classes="dialog", id="decision-dialog"):
            # the question and the deadline stay in view (docked), as the run dialog's title and gate do
            with Vertical(classes="dialog-head"):
                yield Static(Text(f"Go/No-Go: {v.decision.question}"), classes="dialog-title")
                yield Static(head_text(v, self.reminded), id="decision-head")
                yield Static(said_text(v, None, self.reminded), id="decision-said",
                             classes="-said" if v.recorded or v.early or self.reminded else "")
            # every verdict first (VerdictGrid: 10 rows at 80x24), then each with its evidence
            with VerticalScroll(id="decision-criteria"):
                yield Static(VerdictGrid(v), id="decision-verdicts")
                yield Static(more_text(v), id="decision-more")
                yield Static(criteria_text(v), id="decision-criteria-text")
            with Horizontal(id="decision-answer"):
                yield Input(placeholder="why (required): what tipped it", id="why")
                yield Input(one_line(self.by), placeholder="who decides", id="by")
            with Horizontal(classes="buttons"):
                yield Static("", id="form-error")      # on the buttons' row: it takes no row of the grid's
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
            self.show_head()
            # a look every half second while the dialog is open: what did not change is not drawn (nor the
            # dialog laid out) again
            if self.view != self._grid_view:
                self._grid_view = self.view
                self.query_one("#decision-verdicts", Static).update(VerdictGrid(self.view))
            set_text(self.query_one("#decision-criteria-text", Static), criteria_text(self.view), layout=True)
        finally:
            self._looking = False
            self.next_look()

    def show_head(self) -> None:
        set_text(self.query_one("#decision-head", Static), head_text(self.view, self.reminded), layout=True)
        set_text(self.query_one("#decision-more", Static), more_text(self.view), layout=True)
        said = self.query_one("#decision-said", Static)
        set_text(said, said_text(self.view, self._trouble, self.reminded), layout=True)
        said.set_class(bool(self.view.recorded or self.view.early or self._trouble or self.reminded), "-said")

    def carry(self, notices: list[Notice]) -> None:
        """The overdue reminder of this decision is said in the dialog, under its question (it
        was a toast over the very buttons it asked for); every other notice goes to the band."""
        if any(n.about == self.subject for n in notices) and not self.reminded:
            self.reminded = True
            if self.query("#decision-head"):      # else compose draws it
                self.show_head()
        super().carry([n for n in notices if n.about != self.subject])

    def answer(self, verdict: str) -> None:
        why = self.query_one("#why", Input).value.strip()
        by = self.query_one("#by", Input).value.strip()
        if not why or not by:
            self.say("Say why, and who decides.")
            self.query_one("#why" if not why else "#by", Input).focus()
            return
        self.dismiss(DecisionAnswer(verdict, why, by, self.view))

    def say(self, words: str) -> None:
        """Why an answer was not taken, left of the buttons (saying it moves nothing on screen)."""
        self.query_one("#form-error", Static).update(Text(words, style="bold red"))

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
            self.say("No suggestion: press GO or NO-GO.")
