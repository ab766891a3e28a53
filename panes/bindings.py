"""The panes' own keys (moving the cursor in the checklist and the timeline, scrolling the output), each with an id
for ``[keys]`` remapping and a description for ``?``. ``tui.bindings`` lists them with the rest."""

from __future__ import annotations

from textual.binding import Binding

CHECKLIST_BINDINGS: list[Binding] = [
    Binding("down,j", "cursor_down", "Next step", id="checklist.down", show=False),
    Binding("up,k", "cursor_up", "Previous step", id="checklist.up", show=False),
    Binding("home", "first", "First step", id="checklist.first", show=False),
    Binding("end", "last", "Last step", id="checklist.last", show=False),
    Binding("pagedown", "page_down", "Page down", id="checklist.page_down", show=False),
    Binding("pageup", "page_up", "Page up", id="checklist.page_up", show=False),
]

TIMELINE_BINDINGS: list[Binding] = [
    Binding("down,j", "cursor_down", "Next entry", id="timeline.down", show=False),
    Binding("up,k", "cursor_up", "Previous entry", id="timeline.up", show=False),
    Binding("home", "first", "First entry", id="timeline.first", show=False),
    Binding("end", "last", "Last entry", id="timeline.last", show=False),
]

# A step's output at 80x24 has two rows: the rest is a scroll away (tab to the pane, then these).
OUTPUT_BINDINGS: list[Binding] = [
    Binding("up,k", "scroll_up", "Scroll output up", id="output.up", show=False),
    Binding("down,j", "scroll_down", "Scroll output down", id="output.down", show=False),
    Binding("pageup", "page_up", "Output page up", id="output.page_up", show=False),
    Binding("pagedown", "page_down", "Output page down", id="output.page_down", show=False),
    Binding("home", "scroll_home", "Output's first line", id="output.first", show=False),
    Binding("end", "scroll_end", "Output's last line", id="output.last", show=False),
]
