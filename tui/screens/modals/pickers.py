"""Choosing from a list: a runbook (with its lint findings), or an open incident to resume."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rich.console import Console, ConsoleOptions, RenderResult

from panes.fmt import format_clock
from panes.safe import SafeText as Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, OptionList, Static
from textual.widgets.option_list import Option

from tui.bindings import PICKER_BINDINGS
from tui.screens.modals.base import Dialog
from warroom import scenario_time as stime
from warroom.runbook.model import Finding, Runbook


def matches(rb: Runbook, words: list[str]) -> bool:
    """Every typed word appears in the runbook's id, title, triggers or tags (any case)."""
    hay = " ".join([rb.id, rb.title, *getattr(rb, "triggers", []), *getattr(rb, "tags", [])]).lower()
    return all(w in hay for w in words)


class RunbookPicker(Dialog[str]):
    """Every loaded runbook, filtered as you type; one with lint errors says so, and unparsable
    files are listed. Down (or tab) moves from the filter to the list; enter in the filter opens
    the first match."""

    BINDINGS = PICKER_BINDINGS

    def __init__(self, runbooks: list[Runbook], findings: list[Finding], suggested: list[str] | None = None) -> None:
        super().__init__()
        self.runbooks = runbooks
        self.findings = findings
        self.suggested = suggested or []

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="runbook-picker"):
            yield Static("Open a runbook", classes="dialog-title")
            yield Input(placeholder="type to filter: id, title, trigger", id="runbook-filter")
            yield OptionList(*self.options_for([]), id="runbook-list")
            problems = [f for f in self.findings if f.level == "error"]
            if problems:
                text = Text("Runbooks that could not be used:\n", style="bold red")
                for f in problems[:8]:
                    text.append(str(f) + "\n", "red")
                yield Static(text, id="runbook-findings")
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#runbook-filter", Input).focus()

    def options_for(self, words: list[str]) -> list[Option]:
        options = []
        ordered = sorted(self.runbooks, key=lambda r: (r.id not in self.suggested, r.id))
        for rb in ordered:
            if not matches(rb, words):
                continue
            t = Text(no_wrap=True, overflow="ellipsis")
            t.append(f"{rb.id:<16}", "bold")
            t.append(f" {rb.title}")
            if rb.severity:
                t.append(f"  {rb.severity}", "dim")
            t.append(f"  {len(rb.steps)} steps", "dim")
            errors = [f for f in rb.findings if f.level == "error"]
            if errors:
                t.append(f"  ✖ {len(errors)} lint error(s)", "bold red")
            if rb.id in self.suggested:
                t.append("  ← suggested", "bold green")
            options.append(Option(t, id=rb.id))
        if not options:
            why = "No runbook matches" if words else "No runbooks loaded"
            options.append(Option(Text(why, style="dim"), id="none", disabled=True))
        return options

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        listing = self.query_one("#runbook-list", OptionList)
        listing.set_options(self.options_for(event.value.lower().split()))
        listing.highlighted = 0 if listing.option_count and not listing.get_option_at_index(0).disabled else None

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        listing = self.query_one("#runbook-list", OptionList)
        index = listing.highlighted if listing.highlighted is not None else 0
        if listing.option_count and not listing.get_option_at_index(index).disabled:
            self.dismiss(listing.get_option_at_index(index).id)

    def action_to_list(self) -> None:
        self.query_one("#runbook-list", OptionList).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(None)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)


@dataclass
class OpenIncident:
    id: str
    title: str
    severity: str
    status: str
    started: float | None         # when its clock started (detection, else declaration): unix seconds
    scale: float = 1.0            # its clock's pace: a drill counts scenario time (×N)
    drill: str | None = None      # "rate-limit ×10": the drill's scenario and speed
    key: str | None = None        # what choosing it answers (default: the id; unique in the list)
    relapse: str = ""             # "RELAPSED since 20:24:21", said after the status as the header says it

    def open_for(self, now: float) -> str:
        """How long it has been open at ``now``, as its header will count once resumed (scenario
        time for a drill; the ×N is beside it in the row)."""
        if self.started is None:
            return "?"
        return format_clock(stime.Span(max(0.0, now - self.started), self.scale).seconds)


class ResumeRow:
    """One offered incident, ``INC-…  P1  INVESTIGATING  title  drill mass-failure ×60  open
    04:54:01`` (``MITIGATED · RELAPSED since 20:24:21`` where the mitigation did not hold, as the header says it), the
    figure right-aligned. The title takes what is left and is cut first, with an ellipsis; when it would get fewer than
    ``TITLE_ROOM`` cells (80x24) the row takes two lines, the title and the drill on the second. The figure is never cut: it was the end of a no-wrap
    line, the first thing lost once id, title and drill filled the width (redteam-4)."""

    TITLE_ROOM = 16

    def __init__(self, inc: OpenIncident, open_for: str) -> None:
        self.inc = inc
        self.head = Text(f"{inc.id}  ", "bold")
        self.head.append(f"{inc.severity}  {inc.status.upper()}", "bold yellow")
        if inc.relapse:         # the mitigation did not hold: as the header says it (redteam51 R8)
            self.head.append(" · ")
            self.head.append(inc.relapse, "bold white on red")
        self.head.append("  ", "bold yellow")       # styled as before the relapse was said: the same cells drawn
        self.drill = Text(f"  drill {inc.drill}" if inc.drill else "", "dim")
        self.figure = Text(f"  open {open_for}", "dim")

    def __str__(self) -> str:
        return self.head.plain + self.inc.title + self.drill.plain + self.figure.plain

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = options.max_width
        room = width - self.head.cell_len - self.drill.cell_len - self.figure.cell_len
        if room >= min(self.TITLE_ROOM, len(self.inc.title)):
            yield self.line(self.head, self.inc.title, self.drill, width)
        else:
            yield self.line(self.head, "", Text(), width)
            yield self.line(Text("  "), self.inc.title, self.drill, width, figure=False)

    def line(self, head: Text, title: str, after: Text, width: int, figure: bool = True) -> Text:
        """``head`` + ``title`` (cut first) + ``after`` (then cut), then the figure at the right."""
        end = self.figure if figure else Text()
        room = width - end.cell_len
        words = head.copy()
        words.append(title)
        if words.cell_len + after.cell_len > room:
            words.truncate(max(head.cell_len + 1, room - after.cell_len), overflow="ellipsis")
        words.append_text(after)
        words.truncate(max(0, room), overflow="ellipsis", pad=True)
        words.append_text(end)
        return words


class ResumeScreen(Dialog[str]):
    """Shown at start when incidents are open: resume one (the default) or start fresh. Each row's
    "open" figure is read from the clock when drawn and every second after (at ×60 a figure taken
    before a 5 s start-up was five drill minutes behind the header the pick opens)."""

    def __init__(self, incidents: list[OpenIncident], clock: Callable[[], float] = stime.now) -> None:
        super().__init__()
        self.incidents = incidents
        self.clock = clock

    def compose(self) -> ComposeResult:
        now = self.clock()
        with Vertical(classes="dialog", id="resume-dialog"):
            yield Static("An incident is still open — resume it?", classes="dialog-title")
            yield OptionList(*(Option(ResumeRow(inc, inc.open_for(now)), id=inc.key or inc.id)
                               for inc in self.incidents), id="resume-list")
            yield Static("enter resumes the highlighted incident; esc starts without one "
                         "(open incidents stay open).", classes="hint")
            with Horizontal(classes="buttons"):
                yield Button("Not now", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#resume-list", OptionList).focus()
        self.set_interval(1.0, self.tick)

    def tick(self) -> None:
        """Every row's figure, current (the highlight and the scroll stay where they are)."""
        options, now = self.query_one("#resume-list", OptionList), self.clock()
        for inc in self.incidents:
            options.replace_option_prompt(inc.key or inc.id, ResumeRow(inc, inc.open_for(now)))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(None)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)
