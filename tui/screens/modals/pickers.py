"""Choosing from a list: a runbook (with its lint findings), or an open incident to resume."""

from __future__ import annotations

from dataclasses import dataclass

from panes.safe import SafeText as Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, OptionList, Static
from textual.widgets.option_list import Option

from tui.screens.modals.base import Dialog
from warroom.runbook.model import Finding, Runbook


class RunbookPicker(Dialog[str]):
    """Every loaded runbook; one with lint errors says so, and unparsable files are listed."""

    def __init__(self, runbooks: list[Runbook], findings: list[Finding], suggested: list[str] | None = None) -> None:
        super().__init__()
        self.runbooks = runbooks
        self.findings = findings
        self.suggested = suggested or []

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="runbook-picker"):
            yield Static("Open a runbook", classes="dialog-title")
            options = []
            ordered = sorted(self.runbooks, key=lambda r: (r.id not in self.suggested, r.id))
            for rb in ordered:
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
                options.append(Option(Text("No runbooks loaded", style="dim"), id="none", disabled=True))
            yield OptionList(*options, id="runbook-list")
            problems = [f for f in self.findings if f.level == "error"]
            if problems:
                text = Text("Runbooks that could not be used:\n", style="bold red")
                for f in problems[:8]:
                    text.append(str(f) + "\n", "red")
                yield Static(text, id="runbook-findings")
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel")

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
                opts.append(Option(t, id=inc.id))
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
