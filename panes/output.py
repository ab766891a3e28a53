"""Live output of steps, one view per step, bounded in memory.

Each step that runs gets its own ``OutputPane`` (title, line count and content belong to that
step alone; two steps running at once never share one); ``OutputStack`` holds them and shows
one at a time: the step just started, or the one highlighted in the checklist. Long lines wrap.

Lines arrive in batches (see ``tui.messages.OutputReady``): the pane writes at most
``max_lines`` of any batch, because anything older would be scrolled out of the bounded log
straight away; the full output is in the incident's ``outputs/`` file.

A running step's view follows its newest line. Once it ended, the view rests where the commander
looks (``OutputPane.place``): at 80x24 the pane has two rows, and a count query's tail is "(1 row)"
and a blank line, the count the step's expectation judged scrolled out of sight. So an output that
fits shows from its first line; one that does not shows the line the expectation judged (the
number in "the output holds 500 (wanted 0)", the psql footer of "1 row (wanted 0 rows)", the
literal it found), else its last line that has text. The pane scrolls by keys (``OUTPUT_BINDINGS``).
"""

from __future__ import annotations

import ast
import math
import re
from collections.abc import Sequence
from typing import Any

from textual.containers import Vertical
from textual.events import Resize
from panes.bindings import OUTPUT_BINDINGS
from panes.safe import SafeText as Text, ui_text
from textual.widgets import RichLog

StepKey = tuple[str, str]

# How ``warroom.execute.expectation`` words what it judged (``check_comparison``, ``LiteralMatcher``).
_HOLDS = re.compile(r"the output holds ([-+]?(?:\d+(?:\.\d+)?|\.\d+)(?:e[-+]?\d+)?)\S* \(wanted ")
_ROWS = re.compile(r"(\d+) rows? \(wanted ")
_FOUND = re.compile(r"found ('.*'|\".*\")$", re.S)
_NUMBER = re.compile(r"(?<![\w.])[-+]?(?:\d+(?:\.\d+)?|\.\d+)(?:[eE][-+]?\d+)?")
_FOOTER = re.compile(r"\((\d+) rows?\)")


def judged_line(lines: Sequence[str], reason: str | None) -> int | None:
    """The index of the line an expectation's ``reason`` read its verdict from, or None when the
    reason names no one line (several numbers, an empty output, prose, a literal not found)."""
    if not reason:
        return None
    if (m := _HOLDS.match(reason)) is not None:
        value = float(m.group(1))       # printed with :g, six digits: 1234567 is "1.23457e+06"
        hits = [i for i, line in enumerate(lines)
                if any(math.isclose(float(n), value, rel_tol=1e-5, abs_tol=1e-12) for n in _NUMBER.findall(line))]
    elif (m := _ROWS.match(reason)) is not None:
        rows = m.group(1)
        hits = [i for i, line in enumerate(lines) if (f := _FOOTER.fullmatch(line.strip())) and f.group(1) == rows]
    elif (m := _FOUND.match(reason)) is not None:
        found = ast.literal_eval(m.group(1)).strip()
        regex = re.fullmatch(r"/(.*)/[imsx]*", found, re.S)
        needle = re.compile(regex.group(1) if regex else re.escape(found), re.I)
        hits = [i for i, line in enumerate(lines) if needle.search(line)][:1]
    else:
        return None
    return hits[-1] if hits else None


class OutputPane(RichLog):
    """One step's output (``key`` = (runbook id, step id); None until a step is shown)."""

    BINDINGS = OUTPUT_BINDINGS

    def __init__(self, max_lines: int = 2000, *, id: str | None = "output") -> None:
        # min_width: RichLog's default (78) wrapped every line at 78 columns, wider than the pane
        # at 80x24 (42) and at 120x40 (62): the end of each wrapped row sat past a horizontal scroll
        super().__init__(id=id, classes="output", max_lines=max_lines, wrap=True, markup=False,
                         highlight=False, auto_scroll=True, min_width=1)
        self.border_title = "Output"
        self.key: StepKey | None = None
        self.title = ""
        self.note = ""              # why an empty view shows nothing (``show_nothing_for``)
        self.line_count = 0
        self.ended = False          # ``finish`` was called for the run shown
        self.run: str | None = None     # the run shown (its output file), once its follower ended
        self.judged: str | None = None   # the verdict's reason the ended view was placed by
        self.owed = False                # placed while hidden: to place once it has a size
        self.wrap_width = 0              # the last width it was shown at (0: never shown)

    def on_resize(self, event: Resize) -> None:
        super().on_resize(event)
        self.wrap_width = self.scrollable_content_region.width or self.wrap_width
        if self.owed and self.ended:
            self.call_after_refresh(self.place)

    def write(self, content: Any, width: int | None = None, expand: bool = False, shrink: bool = True,
              scroll_end: bool | None = None, animate: bool = False) -> OutputPane:
        """RichLog's write; while hidden (the commander looks at another step's view, its width 0)
        lines wrap at the width it was last shown at. With ``min_width=1`` they wrapped at one
        column: a flood written behind another step's view read back as a column of digits."""
        if width is None and self.scrollable_content_region.width <= 0 and self.wrap_width > 0:
            width = self.wrap_width
        super().write(content, width, expand, shrink, scroll_end, animate)
        return self

    def start(self, key: StepKey, title: str) -> None:
        self.clear()
        self.line_count = 0
        self.ended = False
        self.judged = None
        self.run = None
        self.key = key
        self.title = title
        self.note = ""
        self.border_subtitle = ""
        self.border_title = Text(f"Output · {title}")  # a step label may hold [brackets]

    def add_lines(self, lines: Sequence[str], total: int | None = None) -> None:
        """Append the newest lines of a batch. ``total`` is how many lines the step has printed
        so far; lines between the last shown and this batch (a flood that outran the screen)
        are counted in a one-line marker instead of being drawn: they are all in the file.

        The batch is written as one ``Text`` (one render, not one per line), which keeps a
        drain at a few milliseconds even while a step prints a million lines.
        """
        if total is None:
            total = self.line_count + len(lines)
        skipped = total - self.line_count - len(lines)
        self.line_count = total
        if not lines and skipped <= 0:
            return
        if skipped > 0:
            self.write(Text(f"… {skipped:,} more lines (all in the step's output file)", style="dim italic"),
                       scroll_end=True)
        keep = lines[-self.max_lines:] if self.max_lines else lines
        if not keep:
            return
        joined = "\n".join(keep)
        # Output was sanitised at capture time: SGR colour is all that is left to interpret.
        self.write(Text.from_ansi(joined) if "\x1b[" in joined else Text(joined), scroll_end=True)

    def finish(self, summary: str, reason: str | None = None) -> None:
        """The run ended: its closing border, and the view placed where the commander looks."""
        first = not self.ended
        self.ended = True
        self.border_subtitle = ui_text(summary, newlines=False)
        if first or (reason and reason != self.judged):
            self.judged = reason
            # after the writes' own scroll to the end, which waits for the next refresh
            self.call_after_refresh(self.place)

    def judge(self, reason: str | None) -> None:
        """The journal's verdict reached the ended run (after its end: a view rebuilt from the
        journal): the view moves to the line it judged, once, so a scroll by hand stays put."""
        if self.ended and reason and reason != self.judged:
            self.judged = reason
            self.call_after_refresh(self.place)

    def place(self) -> None:
        """Rest an ended run's view: from the top when its text fits, else on the line the
        expectation judged (the lines above it shown as its context), else on its last line with
        text (a trailing blank line is not what the pane is for)."""
        height = self.scrollable_content_region.height
        self.owed = height <= 0          # hidden (another step's view is shown): placed when shown
        if self.owed:
            return
        texts = [strip.text for strip in self.lines]
        end = len(texts)
        while end and not texts[end - 1].strip():
            end -= 1
        at = judged_line(texts, self.judged)
        if end <= height:
            y = 0
        elif at is not None:
            y = max(0, at - height + 1)
        else:
            y = end - height
        self.scroll_to(y=y, animate=False, immediate=True)

    def show_nothing_for(self, title: str, note: str) -> None:
        """Stand for a step that has no output view here: its own title and ``note`` (why there is
        nothing), never another step's output under it. The next step started takes it over."""
        self.clear()
        self.line_count = 0
        self.ended = False
        self.run = None
        self.key = None
        self.title = title
        self.note = note
        self.border_title = Text(f"Output · {title}")
        self.border_subtitle = "no output here"
        self.write(Text(note, style="dim italic"), scroll_end=False)   # read from its start


class OutputStack(Vertical):
    """The output views, one per step, one shown at a time."""

    def __init__(self, max_lines: int = 2000) -> None:
        super().__init__(id="outputs")
        self.max_lines = max_lines
        self.panes: dict[StepKey, OutputPane] = {}

    def compose(self):  # type: ignore[no-untyped-def]
        yield OutputPane(self.max_lines)

    def pane_for(self, key: StepKey, title: str) -> OutputPane:
        """The step's own view: the empty first one, else a new one (mounted here)."""
        pane = self.panes.get(key)
        if pane is not None:
            return pane
        spare = next((p for p in self.query(OutputPane) if p.key is None), None)
        if spare is None:
            spare = OutputPane(self.max_lines, id=f"output-{len(self.panes) + 1}")
            self.mount(spare)
        spare.start(key, title)
        self.panes[key] = spare
        return spare

    def show(self, key: StepKey, title: str | None = None, note: str = "") -> None:
        """Show one step's view. A step without one shows an empty view under its own ``title``
        saying ``note`` (the spare view, which the next step started takes over); with no title,
        nothing changes."""
        target = self.panes.get(key)
        if target is None:
            if title is None:
                return
            target = next((p for p in self.query(OutputPane) if p.key is None), None)
            if target is None:
                target = OutputPane(self.max_lines, id=f"output-{len(self.panes) + 1}")
                self.mount(target)
            if (target.title, target.note) != (title, note) or target.line_count:
                target.show_nothing_for(title, note)
        for pane in self.query(OutputPane):
            pane.display = pane is target

    def shown(self) -> OutputPane | None:
        return next((p for p in self.query(OutputPane) if p.display), None)
