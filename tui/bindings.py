"""Every key binding in one place, each with an id (for ``[keys]`` remapping) and a description
(shown by ``?`` and the footer).

Ids are a public interface: users write ``[keys] "step.run" = "r,enter"`` in their config.
"""

from __future__ import annotations

from textual.binding import Binding

from warroom.journal.events import NOTE_TAG_LABELS, NOTE_TAGS

# The panes' own keys are declared with the panes (``panes`` never imports ``tui``); they are
# listed here with the rest for the help screen and the ``[keys]`` ids.
from panes.bindings import CHECKLIST_BINDINGS as CHECKLIST_BINDINGS, OUTPUT_BINDINGS as OUTPUT_BINDINGS
from panes.bindings import TIMELINE_BINDINGS as TIMELINE_BINDINGS

APP_BINDINGS: list[Binding] = [
    Binding("question_mark", "help", "Keys", id="app.help", key_display="?"),
    Binding("ctrl+p", "command_palette", "Palette", id="app.palette", show=False),
    Binding("q", "quit_app", "Quit", id="app.quit"),
]

DASHBOARD_BINDINGS: list[Binding] = [
    Binding("d", "declare", "Declare", id="incident.declare"),
    Binding("o", "open_runbook", "Runbook", id="runbook.open"),
    Binding("w", "switch_runbook", "Other runbook", id="runbook.switch", show=False),
    Binding("C", "close_runbook", "Close runbook", id="runbook.close", key_display="C",
            show=False),
    Binding("tab", "focus_next_pane", "Next pane", id="pane.next", show=False, priority=True),
    Binding("shift+tab", "focus_previous_pane", "Previous pane", id="pane.previous", show=False, priority=True),
    Binding("enter", "run_step", "Run step", id="step.run"),
    Binding("space", "tick_step", "Tick", id="step.tick"),
    Binding("s", "skip_step", "Skip", id="step.skip"),
    Binding("c", "cancel_step", "Cancel cmd", id="step.cancel"),
    # the Step pane's "▼ N more rows" names this key: it shows what the pane cut, in any state
    Binding("i", "view_step", "Whole step", id="step.view", show=False),
    Binding("n", "note", "Note", id="incident.note"),
    Binding("u", "status_update", "Update", id="incident.status_update"),
    Binding("v", "severity", "Severity", id="incident.severity"),
    Binding("m", "set_status", "Status", id="incident.status", show=False),
    Binding("R", "roles", "Roles", id="incident.roles", key_display="R"),
    Binding("y", "approvals", "Approvals", id="incident.approvals"),
    Binding("r", "resolve", "Resolve", id="incident.resolve"),
    Binding("p", "pir_preview", "PIR", id="pir.preview"),
    Binding("e", "export_pir", "Export", id="pir.export"),
    Binding("a", "add_timeline", "Add entry", id="timeline.add", show=False),
    Binding("x", "correct_timeline", "Correct entry", id="timeline.correct", show=False),
    Binding("g", "drill_report", "Drill report", id="drill.report", show=False),
    Binding("G", "decide", "Go/No-Go", id="incident.decide", key_display="G", show=False),
    Binding("A", "alerts_view", "All alerts", id="alerts.view", show=False),
]

# Focus moves are priority bindings: the App runs them before it hands on the next key. As a
# normal binding, tab is queued on the focused field and the keys read with it (typed text and tab
# in one read, as happens over a slow SSH link or from tmux send-keys) still go to the old field.
MODAL_BINDINGS: list[Binding] = [
    Binding("escape", "cancel", "Cancel", id="modal.cancel"),
    Binding("ctrl+s", "submit", "Submit", id="modal.submit"),
    Binding("tab", "app.focus_next", "Next field", id="modal.next_field", show=False, priority=True),
    Binding("shift+tab", "app.focus_previous", "Previous field", id="modal.previous_field", show=False,
            priority=True),
]

PICKER_BINDINGS: list[Binding] = [
    Binding("down", "to_list", "To the list", id="picker.to_list", show=False),
]

NOTE_BINDINGS: list[Binding] = [
    Binding("ctrl+t", "next_tag", "Next tag", id="note.next_tag"),
    # each tag chosen directly, in the core's order (the dialog's hint lists them)
    *(Binding(f"alt+{i + 1}", f"tag({i})", f"Tag: {NOTE_TAG_LABELS[tag]}", id=f"note.tag_{tag}", show=False)
      for i, tag in enumerate(NOTE_TAGS)),
]



def scroll_bindings(group: str) -> list[Binding]:
    """The keys that read a long view (the PIR preview, the drill report) from the keyboard, the
    screen's own (``ScrollsView``), so each has an id under ``group``. At 80x24 the preview showed
    its title block only and took none of them (redteam39 F15).

    Priority bindings: the view is a focused ``VerticalScroll``, whose own bindings (down, up, page
    down/up, home, end) came first and scrolled it animated, a frame at a time, each frame the
    whole long document laid out and drawn again (and sent down an SSH link): a page down was five
    screen updates over a fifth of a second. The screen's key moves it once, at once."""
    keys = (("down,j", "down", "Scroll down"), ("up,k", "up", "Scroll up"), ("pagedown", "page_down", "Page down"),
            ("pageup", "page_up", "Page up"), ("home", "home", "To the top"), ("end", "end", "To the end"))
    return [Binding(key, f"scroll_view('{how}')", text, id=f"{group}.scroll_{how}", show=False, priority=True)
            for key, how, text in keys]


PIR_BINDINGS: list[Binding] = [
    Binding("escape,p", "cancel", "Close", id="pir.close"),
    Binding("e", "export", "Export", id="pir.export_from_preview"),
    *scroll_bindings("pir"),
]

# The whole step (i, or enter on a checklist item): read it, then act on it from here.
STEP_VIEW_BINDINGS: list[Binding] = [
    Binding("escape,i,q", "cancel", "Close", id="step_view.close"),
    Binding("enter", "act('run')", "Run step", id="step_view.run"),
    Binding("space", "act('tick')", "Tick", id="step_view.tick"),
    Binding("s", "act('skip')", "Skip", id="step_view.skip"),
    *scroll_bindings("step_view"),
]

REPORT_BINDINGS: list[Binding] = [
    Binding("escape,g,q", "cancel", "Close", id="report.close"),
    Binding("p", "pir", "PIR preview", id="report.pir"),
    Binding("e", "export", "Export PIR", id="report.export"),
    *scroll_bindings("report"),
]

ALERTS_BINDINGS: list[Binding] = [
    Binding("escape,A,q", "cancel", "Close", id="alerts.close"),
]

HELP_BINDINGS: list[Binding] = [
    Binding("escape,question_mark,q", "cancel", "Close", id="help.close"),
]


def all_bindings() -> list[tuple[str, list[Binding]]]:
    """Groups in the order the help screen lists them."""
    return [
        ("Incident", [b for b in DASHBOARD_BINDINGS if b.id and b.id.startswith(("incident.", "pir.", "alerts."))]),
        ("Timeline and drill", [b for b in DASHBOARD_BINDINGS if b.id and b.id.startswith(("timeline.", "drill."))]
         + TIMELINE_BINDINGS),
        ("Runbook", [b for b in DASHBOARD_BINDINGS if b.id and b.id.startswith(("step.", "runbook."))]
         + CHECKLIST_BINDINGS),
        ("Moving around", [b for b in DASHBOARD_BINDINGS if b.id and b.id.startswith("pane.")]
         + OUTPUT_BINDINGS + APP_BINDINGS),
        ("Dialogs", MODAL_BINDINGS + NOTE_BINDINGS),
    ]


def binding_ids() -> set[str]:
    groups = [APP_BINDINGS, DASHBOARD_BINDINGS, CHECKLIST_BINDINGS, TIMELINE_BINDINGS, OUTPUT_BINDINGS,
              MODAL_BINDINGS, PICKER_BINDINGS, NOTE_BINDINGS, PIR_BINDINGS, HELP_BINDINGS, REPORT_BINDINGS,
              ALERTS_BINDINGS, STEP_VIEW_BINDINGS]
    return {b.id for g in groups for b in g if b.id}
