"""Live output of the step being run (or the last one), bounded in memory.

Lines arrive in batches (see ``tui.messages.OutputReady``): the pane writes at most
``max_lines`` of any batch, because anything older would be scrolled out of the bounded log
straight away; the full output is in the incident's ``outputs/`` file.
"""

from __future__ import annotations

from collections.abc import Sequence

from panes.safe import SafeText as Text, ui_text
from textual.widgets import RichLog


class OutputPane(RichLog):
    def __init__(self, max_lines: int = 2000) -> None:
        super().__init__(id="output", max_lines=max_lines, wrap=False, markup=False,
                         highlight=False, auto_scroll=True)
        self.border_title = "Output"
        self.step_number: int | None = None
        self.line_count = 0

    def start(self, step_number: int, title: str) -> None:
        self.clear()
        self.line_count = 0
        self.step_number = step_number
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
        self.border_subtitle = ui_text(summary, newlines=False)
