"""Live output of steps, one view per step, bounded in memory.

Each step that runs gets its own ``OutputPane`` (title, line count and content belong to that
step alone; two steps running at once never share one); ``OutputStack`` holds them and shows
one at a time: the step just started, or the one highlighted in the checklist. Long lines wrap.

Lines arrive in batches (see ``tui.messages.OutputReady``): the pane writes at most
``max_lines`` of any batch, because anything older would be scrolled out of the bounded log
straight away; the full output is in the incident's ``outputs/`` file.
"""

from __future__ import annotations

from collections.abc import Sequence

from textual.containers import Vertical
from panes.safe import SafeText as Text, ui_text
from textual.widgets import RichLog

StepKey = tuple[str, str]


class OutputPane(RichLog):
    """One step's output (``key`` = (runbook id, step id); None until a step is shown)."""

    def __init__(self, max_lines: int = 2000, *, id: str | None = "output") -> None:
        super().__init__(id=id, classes="output", max_lines=max_lines, wrap=True, markup=False,
                         highlight=False, auto_scroll=True)
        self.border_title = "Output"
        self.key: StepKey | None = None
        self.title = ""
        self.note = ""              # why an empty view shows nothing (``show_nothing_for``)
        self.line_count = 0
        self.ended = False          # ``finish`` was called for the run shown

    def start(self, key: StepKey, title: str) -> None:
        self.clear()
        self.line_count = 0
        self.ended = False
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

    def finish(self, summary: str) -> None:
        self.ended = True
        self.border_subtitle = ui_text(summary, newlines=False)

    def show_nothing_for(self, title: str, note: str) -> None:
        """Stand for a step that has no output view here: its own title and ``note`` (why there is
        nothing), never another step's output under it. The next step started takes it over."""
        self.clear()
        self.line_count = 0
        self.ended = False
        self.key = None
        self.title = title
        self.note = note
        self.border_title = Text(f"Output · {title}")
        self.border_subtitle = "no output here"
        self.write(Text(note, style="dim italic"))


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
