"""Run a step: parameters pre-filled, the exact command, where it acts, and a confirmation for
anything that changes state. Nothing runs from here: the answer goes back to the dashboard,
which hands it to the incident engine.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from panes.safe import SafeText as Text, one_line, ui_text
from warroom.execute.redact_rules import looks_secret_name
from textual import events
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.geometry import Region
from textual.widget import Widget
from textual.widgets import Button, Input, Static

from tui.screens.modals.base import Dialog


@dataclass
class ParamField:
    name: str
    value: str = ""
    source: str | None = None
    help: str | None = None
    pattern: str | None = None
    required: bool = True          # False: the runbook declares it ``required = false`` (may run empty)


@dataclass
class Preview:
    """What the engine says the step would do with these parameters."""

    command: str | None
    target: dict[str, str] = field(default_factory=dict)
    mutating: bool = False
    timeout: float | None = None
    expect: str | None = None
    error: str | None = None
    confirm: bool = False          # the fence says confirm=true (asks even when read-only)
    kind: str = "shell"
    source: str = ""               # for promql steps: what answers the query
    drill: str = ""                # a drill's scenario: its steps act on its stand-ins, never on this host
    # Said before running: variables the step reads that only an unrun earlier step sets.
    notes: tuple[str, ...] = ()
    verify: str | None = None      # the step's verify gate as written ("quota < 75 within 10m")
    verify_text: str = ""          # what it will watch and for how long, in words (describe_gate)
    # Two-person approval: None when the step needs none, else the rule's word on it now and
    # whether it may run (``warroom.incident.approvals.verdict_for``).
    approval: str | None = None
    approval_ok: bool = False

    @property
    def needs_confirmation(self) -> bool:
        return self.mutating or self.confirm


@dataclass
class RunAnswer:
    params: dict[str, str]
    confirmed: bool
    dry_run: bool = False
    request_approval: bool = False     # "Ask approval": journal a request instead of running


def step_facts(step: Any, slos: Any = (), queries: Any = None) -> dict[str, Any]:
    """The ``Preview`` fields that come from the step itself, not from its parameters: the
    expectation as written and the verify gate, with what it will watch and for how long."""
    facts: dict[str, Any] = {"expect": getattr(step, "expect", None) or getattr(step, "check", None)}
    verify = getattr(step, "verify", None)
    if verify:
        from warroom.sources.verify import describe_gate

        facts.update(verify=verify, verify_text=describe_gate(verify, slos, queries))
    return facts


def target_text(target: dict[str, str], kind: str = "shell", source: str = "", drill: str = "") -> str:
    """Where the step acts, as the dialog and its confirmation say it. In a drill (``drill``: its scenario) a
    ``blocks``/``psql``/``curl`` step reaches the drill's stand-ins, never this host (redteam47 F13: "local shell
    on this host" beside "⚠ MUTATING: this changes the target above"); a kube step says its context, ``drill``."""
    if kind == "promql":
        return f"PromQL query against {source or 'the configured Prometheus'}"
    if not target:
        return f"the drill's stand-ins ({drill}), not this host" if drill else "local shell on this host"
    order = ("cluster", "context", "namespace", "host", "service", "region")
    keys = [k for k in order if k in target] + [k for k in target if k not in order]
    said = " · ".join(f"{k} {target[k]}" for k in keys)
    return f"{said} (the drill's stand-in)" if drill and "context" not in target else said


class RunStepScreen(Dialog[RunAnswer]):
    def __init__(self, *, number: int, label: str, section: str, fields: list[ParamField],
                 preview: Callable[[dict[str, str]], Preview], read_only: bool = False,
                 name: str | None = None) -> None:
        super().__init__()
        self.number = number
        self.step_name = name or f"step {number}"     # ``RB-LAUNCH-002 step 4``: as every screen names it
        self.label = label
        self.section = section
        self.fields = fields
        self.preview_fn = preview
        self.read_only = read_only
        self.current: Preview = Preview(command=None)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="run-dialog"):
            # The verify gate stays in view with the title (docked): what it watches and how long.
            with Vertical(classes="dialog-head"):
                yield Static(Text(f"Run {self.step_name}: {self.label}"), classes="dialog-title")
                yield Static("", id="run-verify")
                # what must be read before running (a NO-GO that stands, a variable only an unrun step sets): in view
                # with the title, never below the fields (attack44 A15: out of view at 80x24, ctrl+s ran it unseen)
                yield Static("", id="run-notes")
            with VerticalScroll(id="run-fields"):
                for f in self.fields:
                    hint = f" — {f.help}" if f.help else ""
                    src = f" (from {f.source})" if f.source else ""
                    label = Text(f"{f.name}{hint}{src}")
                    # which fields the step cannot run without: the engine's own rule (ParamPrompt.missing)
                    label.append("  required" if f.required else "  optional: may be left empty", "dim")
                    # a field is its label and its input, kept in view together (``_show_field``); the input's
                    # border names it too, so the name is on screen with the cursor whatever the help's length
                    with Vertical(classes="param-field"):
                        yield Static(label, classes="field-label")
                        entry = Input(one_line(f.value), placeholder=one_line(f.pattern or f.name),
                                      id=f"param-{f.name}", password=looks_secret_name(f.name))
                        entry.border_title = ui_text(f.name, newlines=False)
                        yield entry
                yield Static("", id="run-command")
                yield Static("", id="run-target")
                yield Static("", id="run-warning")
                yield Static("", id="run-approval")
            yield Static("", id="form-error")
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Ask approval (ctrl+s)", id="ask", variant="warning")
                yield Button("Dry run", id="dry")
                yield Button("Run (ctrl+s)", id="run", variant="primary")

    def on_mount(self) -> None:
        self.refresh_preview()
        inputs = self.query(Input)
        if inputs:
            # the first field still to fill (a rollback's revision after its prefilled deployment and
            # namespace): what the person types is where the cursor is, scrolled into view
            need = {f"param-{f.name}" for f in self.fields if f.required}
            next((i for i in inputs if not i.value and i.id in need), inputs.first()).focus()
        else:
            self.query_one("#cancel" if self.current.mutating else "#run", Button).focus()

    def set_focus(self, widget: Widget | None, scroll_visible: bool = True, from_app_focus: bool = False) -> None:
        """A parameter's input is focused without Textual's own scroll into view: that one centres the input alone,
        a message later and animated, and raced ``_show_field``'s scroll of the whole field; whichever came last
        won, and under load the dialog could end scrolled past the parameter's name (stop 53: 5 runs in 12 at
        80x24 showed good_revision's input under the tail of its help). ``_show_field`` is the one scroll a
        field's focus makes, however it came (opening, tab, enter, a click)."""
        if widget is not None and self._field_of(widget) is not None:
            scroll_visible = False
        super().set_focus(widget, scroll_visible=scroll_visible, from_app_focus=from_app_focus)

    @staticmethod
    def _field_of(widget: Widget) -> Vertical | None:
        """The parameter field (label and input) ``widget`` is the input of, if it is one."""
        field = widget.parent
        if isinstance(widget, Input) and isinstance(field, Vertical) and field.has_class("param-field"):
            return field
        return None

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        """A field's input focused (the first to fill, on opening, or by tab): its label scrolled into view with it,
        after the next refresh, when the field is laid out as the focus left it."""
        field = self._field_of(event.widget)
        if field is not None:
            self.call_after_refresh(self._show_field, field)

    def on_resize(self, event: events.Resize) -> None:
        """The terminal resized under the dialog (a tmux split, a laptop's window): the views keep their offsets over
        the new layout, which left the field being typed out of view and what was typed unseen (attack54 F7: 120x40
        to 80x24 put good_revision below the view). The focused field is shown again by the rule its focus uses,
        after the refresh that lays the dialog out at the new size."""
        focused = self.focused
        field = self._field_of(focused) if focused is not None else None
        if field is not None:
            self.call_after_refresh(self._show_field, field)

    def _show_field(self, field: Vertical) -> None:
        """Scroll ``field``, a parameter's label and its input, wholly into view: at 80x24 a long help left the
        name above the view with only its tail over the input (redteam48 F12: ``good_revision`` of RB-LAUNCH-005's
        rollback). Two views nest: the fields scroll (``#run-fields``) inside the dialog, which scrolls between its
        docked head and buttons. Already wholly in both, nothing moves (tab through fields in view: no jump);
        else the field with its margin is centred in the fields' view, then, where that left it, in the
        dialog's. Taller than either view, the input is centred instead, and its border names it.

        Every figure is in the views' own (virtual) coordinates with their offsets as they are now, and both
        scrolls are immediate, so the same field and views end at the same offsets every time. Textual's
        ``scroll_to_widget``, used before, placed the field in the dialog less only the fields' scroll it had just
        made, not the one they had: tab to max_replicas of RB-LAUNCH-003's autoscaler, the fields scrolled by 9,
        left its name under the dialog's head, animated or not."""
        label, entry = field.query_one(".field-label", Static), field.query_one(Input)
        fields = self.query_one("#run-fields", VerticalScroll)
        dialog = self.query_one("#run-dialog", Vertical)
        at = field.virtual_region.offset + field.content_offset          # the field's content in the fields'
        whole = label.virtual_region.union(entry.virtual_region).translate(at)
        fields_view = Region(*fields.scroll_offset, *fields.scrollable_content_region.size)
        dialog_view = Region(*dialog.scroll_offset, *dialog.scrollable_content_region.size).shrink(fields.dock_gutter)
        to_dialog = fields.virtual_region.offset + fields.content_offset   # the fields' content in the dialog's
        if whole in fields_view and whole.translate(to_dialog - fields.scroll_offset) in dialog_view:
            return
        target = whole.grow(field.styles.margin)
        if target.height > min(fields_view.height, dialog_view.height):
            target = entry.virtual_region.translate(at).grow(entry.styles.margin)
        fields.scroll_to_region(target, center=True, animate=False, immediate=True)
        dialog.scroll_to_region(target.translate(to_dialog - fields.scroll_offset), spacing=fields.dock_gutter,
                                center=True, animate=False, immediate=True)

    def params(self) -> dict[str, str]:
        return {f.name: self.query_one(f"#param-{f.name}", Input).value for f in self.fields}

    def refresh_preview(self) -> None:
        p = self.preview_fn(self.params())
        self.current = p
        cmd = Text()
        cmd.append("command  ", "dim")
        if p.error:
            cmd.append(p.error, "bold red")
        else:
            cmd.append(p.command or "(nothing to run)", "bold cyan")
        self.query_one("#run-command", Static).update(cmd)
        tgt = Text()
        tgt.append("target   ", "dim")
        tgt.append(target_text(p.target, p.kind, p.source, p.drill), "bold yellow" if p.mutating else "")
        if p.timeout:
            tgt.append(f"   timeout {p.timeout:g}s", "dim")
        if p.expect:
            tgt.append(f"\nexpect   {p.expect}", "")
        notes = self.query_one("#run-notes", Static)
        notes.update(Text("\n".join(f"note  {note}" for note in p.notes), "bold yellow"))
        notes.display = bool(p.notes)
        gate = Text()
        if p.verify:
            gate.append("verify ", "bold reverse")
            gate.append(" then watches ")
            gate.append(p.verify_text or p.verify, "bold")
            gate.append(" (counted down in the header)", "dim")
        verify = self.query_one("#run-verify", Static)
        verify.update(gate)
        verify.display = bool(p.verify)
        self.query_one("#run-target", Static).update(tgt)
        warn = Text()
        if p.mutating and self.read_only:
            warn.append("READ-ONLY session: this step changes things and will be refused (and recorded).",
                        "bold red")
        elif p.mutating:
            warn.append("⚠ MUTATING: this changes the target above. ", "bold yellow")
            warn.append("Run asks you to confirm once more.", "")
        elif p.confirm:
            warn.append("read-only, but the runbook asks for confirmation: Run asks once more.", "yellow")
        else:
            warn.append("read-only step", "green")
        self.query_one("#run-warning", Static).update(warn)
        appr = Text()
        if p.approval is not None:
            appr.append(" APPROVAL ", "bold black on green" if p.approval_ok else "bold black on yellow")
            appr.append(f" {p.approval}", "green" if p.approval_ok else "yellow")
        shown = self.query_one("#run-approval", Static)
        shown.update(appr)
        shown.display = p.approval is not None
        # Without a valid approval the step would only be refused: Ask approval takes Run's place.
        blocked = p.approval is not None and not p.approval_ok
        self.query_one("#ask", Button).display = blocked
        run = self.query_one("#run", Button)
        run.display = not blocked
        run.label = "Run — mutating (ctrl+s)" if p.mutating else "Run (ctrl+s)"
        run.variant = "error" if p.mutating else "primary"

    def on_input_changed(self, event: Input.Changed) -> None:
        self.refresh_preview()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.focus_next()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "cancel":
            self.dismiss(None)
        elif event.button.id == "dry":
            self._finish(dry_run=True)
        elif event.button.id == "ask":
            self.ask_approval()
        else:
            self.action_submit()

    def action_submit(self) -> None:
        if self.current.approval is not None and not self.current.approval_ok:
            self.ask_approval()
            return
        self._finish(dry_run=False)

    def ask_approval(self) -> None:
        """Journal a request for this exact command (the approver sees it in their Approvals)."""
        if self.current.error:
            self.query_one("#form-error", Static).update(Text(self.current.error, style="bold red"))
            return
        self.dismiss(RunAnswer(self.params(), confirmed=False, request_approval=True))

    def _finish(self, *, dry_run: bool) -> None:
        if self.current.error:
            self.query_one("#form-error", Static).update(Text(self.current.error, style="bold red"))
            return
        params = self.params()
        if dry_run or not self.current.needs_confirmation:
            self.dismiss(RunAnswer(params, confirmed=False, dry_run=dry_run))
            return
        from tui.screens.modals.confirm import ConfirmScreen

        def answered(ok: bool | None) -> None:
            if ok:
                self.dismiss(RunAnswer(params, confirmed=True))

        what = "mutating " if self.current.mutating else ""
        self.app.push_screen(ConfirmScreen(
            f"Run {what}{self.step_name}?",
            f"{self.current.command}\n\nacts on: "
            f"{target_text(self.current.target, self.current.kind, self.current.source, self.current.drill)}",
            confirm_label="Yes, run it"), answered)


def fields_from_prompts(prompts: list[Any]) -> list[ParamField]:
    """The engine's ``ParamPrompt`` objects as form fields."""
    return [ParamField(name=p.name, value=p.value or "", source=p.source, help=p.help, pattern=p.pattern,
                       required=p.required)
            for p in prompts]
