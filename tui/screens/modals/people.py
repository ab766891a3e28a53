"""The roles dialog (assign a role, acknowledge a commander handoff with its brief) and the
approvals dialog (what a request covers; approve or refuse it).

They lay out a :class:`warroom.incident.people.PeopleView`, computed by the core with the same
rules the service enforces: the acknowledge button is offered only to the incoming commander and
the approve button never to the requester. The service refuses either way; the screen just does
not offer what would be refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from panes.safe import SafeText as Text, one_line
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Input, Select, Static

from tui.bindings import MODAL_BINDINGS
from tui.screens.modals.base import Dialog
from warroom.incident.people import ApprovalView, PeopleView


@dataclass(frozen=True)
class RolesAnswer:
    kind: str                 # "assign" | "ack"
    role: str = ""
    person: str = ""
    reason: str = ""


class RolesScreen(Dialog[RolesAnswer]):
    """Who holds which role; give one to someone; acknowledge a handoff made to you."""

    BINDINGS: ClassVar[list[Binding]] = MODAL_BINDINGS

    def __init__(self, view: PeopleView) -> None:
        super().__init__()
        self.view = view

    def compose(self) -> ComposeResult:
        v = self.view
        with Vertical(classes="dialog", id="roles-dialog"):
            yield Static(Text(f"Roles — {v.incident_id}   (you: {v.me})"), classes="dialog-title")
            with VerticalScroll(id="roles-body"):
                t = Text()
                for _word, name, person in v.roles:
                    t.append(f"{name:<19}", "dim")
                    t.append(f"{person or '—'}\n", "bold" if person else "dim")
                yield Static(t, id="roles-now")
                h = v.handoff
                if h is not None:
                    head = Text()
                    head.append(" HANDOFF ", "bold black on yellow")
                    head.append(f" {h.previous} → {h.person} at {h.at:%H:%M:%S} UTC, not acknowledged yet")
                    if not h.mine:
                        head.append(f"\nonly {h.person} can acknowledge it (you are {v.me})", "yellow")
                    yield Static(head, id="handoff-head")
                    yield Static(Text(h.brief), id="handoff-brief")
            yield Select([(name, word) for word, name, _p in v.roles], value="commander", allow_blank=False,
                         id="role")
            yield Input(placeholder="person (login name) — a new commander gets the catch-up brief",
                        id="person")
            yield Input(placeholder="reason (optional), e.g. end of shift", id="reason")
            yield Static("", id="form-error")
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel")
                if v.handoff is not None and v.handoff.mine:
                    yield Button("Acknowledge handoff", id="ack", variant="warning")
                yield Button("Assign (ctrl+s)", id="assign", variant="primary")

    def on_mount(self) -> None:
        if self.view.handoff is not None and self.view.handoff.mine:
            self.query_one("#ack", Button).focus()
        else:
            self.query_one("#person", Input).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "ack":
            self.dismiss(RolesAnswer("ack"))
        elif event.button.id == "assign":
            self.action_submit()
        else:
            self.dismiss(None)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()

    def action_submit(self) -> None:
        person = self.query_one("#person", Input).value.strip()
        if not person:
            self.query_one("#form-error", Static).update(Text("Who gets the role? Type their login name.",
                                                              style="bold red"))
            self.query_one("#person", Input).focus()
            return
        role = str(self.query_one("#role", Select).value)
        self.dismiss(RolesAnswer("assign", role=role, person=person,
                                 reason=self.query_one("#reason", Input).value.strip()))


@dataclass(frozen=True)
class ApprovalAnswer:
    request: str
    approve: bool
    why: str = ""


class ApprovalsScreen(Dialog[ApprovalAnswer]):
    """One request at a time: the exact command, its target, its dry run, the verify gate after
    it; approve it (not your own) or refuse it with a reason."""

    BINDINGS: ClassVar[list[Binding]] = MODAL_BINDINGS

    def __init__(self, view: PeopleView) -> None:
        super().__init__()
        self.view = view
        shown = view.open_approvals or view.approvals
        self.current: ApprovalView | None = shown[0] if shown else None

    def compose(self) -> ComposeResult:
        v = self.view
        with Vertical(classes="dialog", id="approvals-dialog"):
            yield Static(Text(f"Approvals — {v.incident_id}   (you: {v.me})"), classes="dialog-title")
            if v.approvals:
                yield Select([(one_line(f"{a.id} {a.state} · {a.step}"), a.id) for a in v.approvals],
                             value=self.current.id if self.current else Select.NULL, allow_blank=False,
                             id="request")
            with VerticalScroll(id="approval-body"):
                yield Static("", id="approval-detail")
            yield Input(placeholder="why (required to refuse)", id="why")
            yield Static("", id="form-error")
            with Horizontal(classes="buttons"):
                yield Button("Close", id="cancel")
                yield Button("Refuse", id="refuse", variant="warning")
                yield Button("Approve (ctrl+s)", id="approve", variant="error")

    def on_mount(self) -> None:
        self.show_current()

    def show_current(self) -> None:
        a = self.current
        detail = Text()
        if a is None:
            detail.append("No approval requests in this incident. A step that needs one says so in its run"
                          " dialog (Ask approval).", "dim")
        else:
            for i, line in enumerate(a.lines):
                detail.append(line + "\n", "bold" if i == 0 else "")
            if a.mine and a.state == "pending":
                detail.append(f"\nYou ({self.view.me}) asked for this: a second person must approve it.",
                              "bold yellow")
        self.query_one("#approval-detail", Static).update(detail)
        can_decide = a is not None and a.state in ("pending", "approved")
        approve = self.query_one("#approve", Button)
        approve.disabled = a is None or a.state != "pending" or a.mine
        self.query_one("#refuse", Button).disabled = not can_decide
        self.query_one("#why", Input).disabled = not can_decide

    def on_select_changed(self, event: Select.Changed) -> None:
        event.stop()
        self.current = next((a for a in self.view.approvals if a.id == event.value), self.current)
        self.query_one("#form-error", Static).update("")
        self.show_current()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "approve":
            self.action_submit()
        elif event.button.id == "refuse":
            self.refuse()
        else:
            self.dismiss(None)

    def error(self, text: str) -> None:
        self.query_one("#form-error", Static).update(Text(text, style="bold red"))

    def refuse(self) -> None:
        a = self.current
        why = self.query_one("#why", Input).value.strip()
        if a is None:
            return
        if not why:
            self.error("Say why it is refused (the requester and the PIR read it).")
            self.query_one("#why", Input).focus()
            return
        self.dismiss(ApprovalAnswer(a.id, approve=False, why=why))

    def action_submit(self) -> None:
        a = self.current
        if a is None or a.state != "pending":
            self.error("Nothing to approve: choose a pending request.")
            return
        if a.mine:
            self.error("You asked for this one: the requester cannot approve their own request.")
            return
        self.dismiss(ApprovalAnswer(a.id, approve=True))
