"""The panes' own keys (moving the cursor in the checklist and the timeline), each with an id
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
