"""What the selected step is, what it will run, what it expects, and how it last ended."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

from panes.safe import SafeText as Text, safe_text
from rich.cells import cell_len
from rich.console import Console
from textual.geometry import Size
from textual.widgets import Static

from panes.view import EXPECT_STYLES, STATE_STYLES, STEP_ICONS, STEP_WORDS, DecisionRow, StepView
from warroom.config import SloConfig
from warroom.durations import format_duration
from warroom.execute.expectation import parse_comparison
from warroom.incident.marks import EXPECT_MARKS
from warroom.runbook.model import Step

KIND_WORDS = {"shell": "command", "promql": "PromQL query", "manual": "manual item", "k8s": "Kubernetes action"}


def expectation_plan(step: Step) -> str:
    """How the expectation will be checked, said before the step runs."""
    if getattr(step, "check", None):
        return f"output must contain {step.check!r}"
    if parse_comparison(step.expect) is not None:
        return "compared with the number the output holds"
    return "not checked: read the output"


def step_detail_text(step: Step | None, view: StepView | None,
                     known: dict[str, tuple[str, str]] | None = None,
                     slos: tuple[SloConfig, ...] = (), queries: Mapping[str, Any] | None = None,
                     *, width: int = 0, compact: bool = False, keys: bool = True) -> Text:
    """``known``: parameter key -> (value, where it comes from), so the IC sees what a
    ``{{ placeholder }}`` will become before opening the run dialog. ``slos``: the panes, so a
    verify gate names what it will watch. ``width``: the pane's columns, so the command starts on
    the ``$`` row (a word wider than the rest of that row went to the next one, and at 80x24 the
    pane showed a bare ``$``). ``compact``, for a pane too short for the whole text: the title
    on one row, cut with "…", and the kind line without the section (the checklist shows both).
    ``keys``: end with the keys that act on a pending step (the step view names its own)."""
    t = Text()
    if step is None:
        t.append("Select a step with j/k or the arrows.", "dim")
        return t
    title = Text(f"{step.number}. {step.label}", "bold")
    if compact and width > 0:
        title.truncate(width, overflow="ellipsis")
    t.append_text(title)
    t.append("\n")
    if step.verify:   # under the label, where 80x24 still shows it: not done until the gate passes
        from warroom.sources.verify import describe_gate   # not needed for the first frame

        t.append("verify: ", "bold")
        t.append("then watches " + describe_gate(step.verify, slos, queries) + "\n", "bold")
    # a running step has no outcome yet: its command is what is read while it runs
    ran = view is not None and view.state != "pending"
    if view is not None and ran and view.state != "running":
        outcome_text(t, view)
    kind = KIND_WORDS.get(step.kind, step.kind)
    t.append(kind if compact else f"{step.section} · {kind}", "dim")
    if step.runnable:
        t.append(" · ")
        t.append("MUTATING — asks to confirm" if step.mutating else "read-only",
                 "bold yellow" if step.mutating else "green")
    t.append("\n")
    if step.command:
        t.append("$ ", "dim")
        # sanitised before it is wrapped: an escape shown as "␛" is counted as drawn
        rows = Text(command_rows(safe_text(step.command), width) + "\n", "bold cyan")
        rows.highlight_regex(LAYOUT_MARKS, "not bold dim")   # the layout's own marks, not the command's
        t.append_text(rows)
    elif step.text:
        t.append(step.text.strip() + "\n")   # whole: the pane marks a cut, the step view shows it all
    if step.expect or getattr(step, "check", None):
        t.append("expect: ", "dim")
        t.append((step.expect or step.check or "") + " ")
        t.append(f"({expectation_plan(step)})\n", "dim")

    if step.params:
        t.append("params: ", "dim")
        for i, key in enumerate(step.params):
            if i:
                t.append(" · ", "dim")
            value = (known or {}).get(key)
            if value is None:
                t.append(key)
                t.append(" asked when run", "dim")
            else:
                t.append(f"{key} = ")
                t.append(value[0], "bold")
                t.append(f" ({value[1]})", "dim")
        t.append("\n")
    sets = getattr(step, "sets_vars", None)
    if sets:
        # Shell state across steps: what this step sets reaches the later steps of the incident.
        t.append("sets: ", "dim")
        t.append(", ".join(f"${v}" for v in sets))
        t.append(" (kept for later steps; values redacted in the journal)\n", "dim")
    if view is not None and view.state == "running":
        outcome_text(t, view)
    if ran or not keys:
        t.rstrip()
    elif step.runnable:
        t.append("enter", "bold reverse")
        t.append(" run  ")
        t.append("s", "bold reverse")
        t.append(" skip", "")
    else:
        t.append("space", "bold reverse")
        t.append(" tick  ")
        t.append("s", "bold reverse")
        t.append(" skip")
    return t


CONTINUED = "↳ "   # starts a row that goes on with the source line above it (no shell token starts so)
WORD_CUT = "…"      # ends a row broken inside a word: the next row goes on with no space between
DEEPER = "⇥"        # starts a line drawn less indented than written: "⇥28 " says its own indent, 28 columns
LAYOUT_MARKS = re.compile(r"^ *↳ |^ *⇥\d+ |…$", re.MULTILINE)


def command_rows(command: str, width: int) -> str:
    """The command as the pane shows it after ``$ ``, its own line structure readable at any
    width: each source line starts a row at its own indent, under the ``$`` row's text; a row it
    wraps onto starts with ``↳`` at that line's indent (wrapped rows all sat 2 in, so the rest of
    an indented ``curl`` line read as two more lines of the script, one starting with ``|``); a
    word wider than what is left of a row starts there and is broken with ``…`` ending the row.
    An indent too deep for the width (a wrapped row would keep fewer than 8 columns) is drawn
    smaller and said: the line starts with ``⇥N`` (N its own indent), so two lines nested
    differently are never drawn as one level (attack40 A3: indents 24 and 28 both drawn at 24).
    With no width (or too few columns for the marks), the command as written."""
    lines = [line.expandtabs().rstrip() for line in command.strip("\n").rstrip().splitlines()]
    if width < 2 + len(CONTINUED) + 2:
        return "\n".join(lines)
    room = width - 2                      # the columns after "$ " and under it
    rows: list[str] = []
    for line in lines:
        text = line.lstrip(" ")
        depth = len(line) - len(text)
        # An indent that would leave a wrapped row fewer than 8 columns is shown smaller, and said.
        indent = min(depth, max(0, room - len(CONTINUED) - 8))
        rows.extend(line_rows(text, indent, room, f"{DEEPER}{depth} " if indent < depth else ""))
    return "\n  ".join(rows)


def line_rows(text: str, indent: int, room: int, mark: str = "") -> list[str]:
    """One source line (``text`` without its indent) as rows of at most ``room`` columns: the
    first at ``indent`` (after ``mark``: ``⇥N`` when that is not its own indent), the rest marked
    ``↳`` at it. Broken at spaces (the space not drawn);
    a word is broken only when no row holds it, where the row ends, marked ``…``. Columns are
    terminal cells (``cell_len``): a CJK character or an emoji takes two, and counted as one such
    a row ran past the pane, where the terminal wrapped it again with no mark (attack40 A2)."""
    rows: list[str] = []
    lead = " " * indent
    opened = row = lead + mark            # a row with nothing of the line on it yet

    def wrap() -> None:
        nonlocal row
        rows.append(row)
        row = lead + CONTINUED

    for space, word in re.findall(r"(\s*)(\S+)", text):
        gap = space if row.strip() else ""
        if cell_len(row) + cell_len(gap) + cell_len(word) <= room:
            row += gap + word
            continue
        fresh = len(lead) + len(CONTINUED)
        if row != opened and row.strip() and (fresh + cell_len(word) <= room
                                              or room - cell_len(row) - cell_len(gap) < 4):
            wrap()                        # at the space: the word fits a row of its own, or too little is left
            gap = ""
        row += gap
        while cell_len(row) + cell_len(word) > room:
            head = _fitting(word, room - cell_len(row) - len(WORD_CUT))
            if not head and cell_len(row) > fresh:      # not even its first character fits here: the next row
                rows.append(row if row == opened else row + WORD_CUT)    # (a ``⇥N`` alone on its row: nothing cut)
                row = lead + CONTINUED
                continue
            head = head or word[0]          # a row too narrow for one wide character (never at the pane's sizes)
            rows.append(row + head + WORD_CUT)
            word = word[len(head):]
            row = lead + CONTINUED
        row += word
    rows.append(row)
    return rows


def _fitting(word: str, cols: int) -> str:
    """The longest start of ``word`` that takes at most ``cols`` terminal cells."""
    used = 0
    for i, ch in enumerate(word):
        used += cell_len(ch)
        if used > cols:
            return word[:i]
    return word


def fit_rows(build: Callable[..., Text], width: int, height: int, console: Console, hint: str = "") -> Text:
    """What ``build`` writes, fitted to ``height`` rows of ``width``. When it does not fit, it is
    written compact (what the checklist already shows goes to one row); if that does not fit
    either, the rows are kept from the top (the text puts first what matters most: the title,
    the verdict, the command) and the last row says how many are not shown and ``hint`` where to
    read them. A pane that cut a command's end or its expectation with no mark read as the whole
    step (80x24). A compact text whose title was cut ("…") is marked too: the rest of a long
    label is read with ``hint``'s key, like any other cut (the checklist cuts it as well)."""
    text = build(width=width)
    if width <= 0 or height <= 0:
        return text
    rows = text.wrap(console, width, overflow="fold")
    if len(rows) <= height:
        return text
    whole_title = rows[0].plain
    text = build(width=width, compact=True)
    rows = text.wrap(console, width, overflow="fold")
    if len(rows) <= height and rows[0].plain == whole_title:
        return text
    kept = list(rows)[:height - 1]
    hidden = len(rows) - len(kept)
    said = f"▼ {hidden} more {'row' if hidden == 1 else 'rows'}" if hidden else "▲ title cut"
    mark = Text(said + hint, "dim")
    mark.truncate(width, overflow="ellipsis")     # a row of its own: joined, it would wrap
    return Text("\n").join([*kept, mark])


def outcome_text(t: Text, view: StepView) -> None:
    """How the step last ended, right under its label: at 80x24 the pane has four rows and the
    lines below them are not drawn, so what a run's marks in the checklist mean (``≠ ✗``) comes
    first, the verdict with what it judged ("the output holds 500 (wanted 0)") before the run's
    state; the command and its expectation, written before it ran, follow."""
    if view.verdict is not None:
        mark = EXPECT_MARKS[view.verdict]
        t.append(f"{mark.icon} {mark.word}", EXPECT_STYLES.get(view.verdict, ""))
        if view.verdict_reason:
            t.append(f": {view.verdict_reason}", "dim")
        t.append("\n")
    icon = STEP_ICONS.get(view.state, "?")
    t.append(f"{icon} {STEP_WORDS.get(view.state, view.state)}", "bold " + STATE_STYLES.get(view.state, ""))
    if view.exit_code is not None:
        t.append(f" · exit {view.exit_code}")
    if view.duration is not None:
        t.append(f" · {view.duration_text or format_duration(view.duration)}")
    if view.reason:
        t.append(f" · {view.reason}", "dim")
    t.append("\n")


def decision_detail_text(row: DecisionRow) -> Text:
    """The Step pane on a Go/No-Go row: the question, where it stands, and how to decide."""
    t = Text()
    t.append("◆ Go/No-Go: ", "bold magenta")
    t.append(row.question + "\n", "bold")
    if row.verdict:
        t.append(f"decided {row.verdict} by {row.by or '?'}", "bold")
        t.append(" (the latest verdict; a new one is added to the history)\n", "dim")
    elif row.not_needed:
        t.append(f"{row.not_needed}; a verdict can still be recorded\n", "dim")
    elif row.overdue:
        t.append(f"no verdict yet: OVERDUE since {row.due}\n", "bold red")
    else:
        t.append("no verdict yet" + (f", due {row.due}" if row.due else "") + "\n", "yellow")
    if row.open_since and not row.verdict and not row.not_needed:
        t.append(f"{row.open_since} with no verdict between: the deadline counts from the first\n", "dim")
    if row.early and not row.verdict:
        t.append(f"{row.early}\n", "yellow")
    t.append("⏎", "bold reverse")
    t.append(" or ")
    t.append("G", "bold reverse")
    t.append(" judge each criterion now (met / not met / unknown) and record GO or NO-GO, who and why")
    return t


class WholeStep(Static):
    """A step's text written for the widget's width, every row of it (the step view scrolls it)."""

    def __init__(self, build: Callable[..., Text], *, id: str | None = None) -> None:
        super().__init__(build(), id=id)
        self.build = build

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        """The whole text's rows at ``width`` (a layout may cap them: the Step pane's ``max-height``)."""
        if width <= 0:
            return 0
        return len(self.build(width=width).wrap(self.app.console, width, overflow="fold"))

    def render(self) -> Text:
        return self.build(width=self.content_size.width)


class StepDetailPane(WholeStep):
    """The selected step or decision, written for the pane's width and fitted to its rows.

    The pane is as tall as its text up to its CSS ``max-height`` (4 rows inside at 80x24): its
    height is asked of the whole text at its width, and what is drawn is fitted to the rows the
    layout gave, so a cut is always marked ("▼ 3 more rows") with the key that shows the rest:
    ``view_key`` (the ``step.view`` binding, as the user's keymap has it), which opens the whole
    step in any state (a checklist item's instruction, cut, had no key at all: attack39 S2)."""

    def __init__(self, slos: tuple[SloConfig, ...] | list[SloConfig] = ()) -> None:
        super().__init__(partial(step_detail_text, None, None), id="step-detail")
        self.border_title = "Step"
        self.slos = tuple(slos)
        self.hint = ""
        self.view_key = "i"

    def text_of(self, step: Step | None, view: StepView | None, known: dict[str, tuple[str, str]] | None = None,
                queries: Mapping[str, Any] | None = None) -> Callable[..., Text]:
        """The pane's text of ``step`` as a function of the width (the step view writes it too).
        ``queries``: the step's runbook's named queries, so its gate reads in their words."""
        return partial(step_detail_text, step, view, known, self.slos, queries)

    def show(self, build: Callable[..., Text]) -> None:
        """``build``: ``text_of`` a step; a cut names the key that shows it whole."""
        self.hint = f" · {self.view_key} shows it all"
        self._draw(build)

    def show_decision(self, row: DecisionRow) -> None:
        self.hint = " · ⏎ opens the decision"
        self._draw(lambda **_: decision_detail_text(row))     # its rows in order, width or not

    def _draw(self, build: Callable[..., Text]) -> None:
        """Draw what ``build`` writes; the whole screen is laid out again only when the pane's height can change.

        The pane's height is its whole text's rows at its width (``get_content_height``), its width is not its
        text's: when those rows are what they were, a layout would give every widget the region it has, and a
        repaint of the pane is all that changes on screen. Every change of the incident rebuilds the view and
        shows the selected step again (three shows in four of a worked incident, ``test_tui_flows_engine``),
        and each was a layout of the whole dashboard (≈ 20 ms of CPU at 120x40, on the bastion over SSH too).
        Before the pane has a width (not laid out yet, hidden) it asks for a layout, as it always did."""
        width = self.content_size.width
        before = self.get_content_height(self.container_size, self.app.size, width)
        self.build = build
        same = width > 0 and self.get_content_height(self.container_size, self.app.size, width) == before
        self.update(self.build(), layout=not same)

    def render(self) -> Text:
        width, height = self.content_size
        return fit_rows(self.build, width, height, self.app.console, self.hint)
