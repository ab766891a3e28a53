"""Live output of the step being run (or the last one), bounded in memory.

Lines arrive in batches (see ``tui.messages.OutputReady``): the pane writes at most
``max_lines`` of any batch, because anything older would be scrolled out of the bounded log
straight away; the full output is in the incident's ``outputs/`` file.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
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
        self.border_title = f"Output · {title}"

    def add_lines(self, lines: Sequence[str]) -> None:
        if not lines:
            return
        self.line_count += len(lines)
        keep = lines[-self.max_lines:] if self.max_lines else lines
        for line in keep:
            # Output was sanitised at capture time: SGR colour is all that is left to interpret.
            self.write(Text.from_ansi(line) if "\x1b[" in line else Text(line), scroll_end=True)

    def finish(self, summary: str) -> None:
        self.border_subtitle = summary
