"""Choosing from a list: a runbook (with its lint findings), or an open incident to resume."""

from __future__ import annotations

from dataclasses import dataclass

from panes.safe import SafeText as Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, OptionList, Static
from textual.widgets.option_list import Option

from tui.bindings import PICKER_BINDINGS
from tui.screens.modals.base import Dialog
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
    elapsed: str
    drill: str | None = None      # "rate-limit ×10": the drill's scenario and speed
    key: str | None = None        # what choosing it answers (default: the id; unique in the list)


class ResumeScreen(Dialog[str]):
    """Shown at start when incidents are open: resume one (the default) or start fresh."""

    def __init__(self, incidents: list[OpenIncident]) -> None:
        super().__init__()
        self.incidents = incidents

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="resume-dialog"):
            yield Static("An incident is still open — resume it?", classes="dialog-title")
            opts = []
            for inc in self.incidents:
                t = Text(no_wrap=True, overflow="ellipsis")
                t.append(f"{inc.id}  ", "bold")
                t.append(f"{inc.severity}  {inc.status.upper()}  ", "bold yellow")
                t.append(inc.title)
                if inc.drill:
                    t.append(f"  drill {inc.drill}", "dim")
                t.append(f"  open {inc.elapsed}", "dim")
                opts.append(Option(t, id=inc.key or inc.id))
            yield OptionList(*opts, id="resume-list")
            yield Static("enter resumes the highlighted incident; esc starts without one "
                         "(open incidents stay open).", classes="hint")
            with Horizontal(classes="buttons"):
                yield Button("Not now", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#resume-list", OptionList).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(None)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)
