"""The incident timeline, newest at the bottom, one line per journaled event."""

from __future__ import annotations

from panes.safe import SafeText as Text
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from panes.fmt import format_time
from panes.view import STATE_STYLES, TimelineItem
from warroom.incident.marks import STEP_MARKS
from panes.bindings import TIMELINE_BINDINGS

KIND_MARKS = {
    "declared": ("◆", "bold"), "severity": ("▲", "yellow"), "status": ("●", "cyan"),
    "step": ("▶", "cyan"),
    # a step's end wears the same mark as its line in the checklist
    **{f"step-{state}": (mark.icon, STATE_STYLES.get(state, "")) for state, mark in STEP_MARKS.items()},
    "tick": ("☑", "green"), "skip": ("↷", "dim"), "note": ("✎", ""), "update": ("✉", "blue"),
    "alert": ("!", "red"), "resolved": ("◆", "bold green"), "export": ("⇩", ""),
    "runbook": ("☰", ""), "evidence": ("∿", "dim"), "info": ("·", "dim"),
}
TAG_STYLES = {"root-cause": "bold red", "went-well": "green", "went-wrong": "yellow",
              "action": "bold cyan", "lesson": "magenta", "info": "dim"}


def timeline_prompt(item: TimelineItem) -> Text:
    mark, style = KIND_MARKS.get(item.kind, ("·", ""))
    t = Text(no_wrap=True, overflow="ellipsis")
    t.append(format_time(item.at) + " ", "dim")
    t.append(mark + " ", style)
    if item.tag:
        t.append(f"[{item.tag}] ", TAG_STYLES.get(item.tag, "bold"))
    t.append(item.text.replace("\n", " ⏎ "))
    return t


class TimelinePane(OptionList, inherit_bindings=False):
    BINDINGS = TIMELINE_BINDINGS

    def __init__(self) -> None:
        super().__init__(id="timeline")
        self.border_title = "Timeline (UTC)"
        self._shown: list[TimelineItem] = []

    def selected_item(self) -> TimelineItem | None:
        i = self.highlighted
        return self._shown[i] if i is not None and 0 <= i < len(self._shown) else None

    def show(self, items: list[TimelineItem]) -> None:
        """Append what is new; rebuild only if history changed (a correction)."""
        if items[: len(self._shown)] == self._shown:
            new = items[len(self._shown):]
            if not new:
                return
            at_end = self.highlighted is None or self.highlighted >= self.option_count - 1
            self.add_options([Option(timeline_prompt(i)) for i in new])
        else:
            at_end = True
            self.set_options([Option(timeline_prompt(i)) for i in items])
        self._shown = list(items)
        if at_end and self.option_count:
            self.highlighted = self.option_count - 1
