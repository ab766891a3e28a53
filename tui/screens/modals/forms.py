"""The small dialogs: declare, note, severity, skip, resolve. Each returns a plain answer object."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from panes.safe import SafeText as Text, one_line, ui_text
from panes.slo import set_text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual import events
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Button, Input, RadioButton, RadioSet, Select, Static, TextArea

from tui.bindings import MODAL_BINDINGS, NOTE_BINDINGS
from warroom.journal import events as ev
from tui.screens.modals.base import Dialog

if TYPE_CHECKING:
    from warroom.incident.concern_reading import ConcernReading

SEVERITIES = ("P1", "P2", "P3", "P4")
# Every tag the core knows (the CLI's nine), each chosen directly with alt+1..alt+9.
NOTE_TAGS = tuple((tag, ev.NOTE_TAG_LABELS[tag]) for tag in ev.NOTE_TAGS)


def buttons(ok: str = "OK") -> Horizontal:
    return Horizontal(Button("Cancel", id="cancel"), Button(ui_text(f"{ok} (ctrl+s)"), id="ok", variant="primary"),
                      classes="buttons")


class FormDialog(Dialog):
    """Enter in a one-line input moves on / submits; the buttons do what they say."""

    sight_box: Widget | None = None      # the scrolling box whose fields are kept above its docked buttons

    def focus_from_top(self, field: Widget, box: Widget) -> None:
        """Focus ``field`` with what the dialog says above it in sight. Textual centres a field
        focused as the dialog opens, and at 80x24 that scrolled ``box`` past its first rows (the
        resolve dialog's "Not over yet?", redteam39 F4; the declare dialog's origin and its
        Title label). The box opens at its top and scrolls only as far as the field needs; every
        field focused later is kept in sight the same way (``on_descendant_focus``). A dialog that
        calls it sets ``AUTO_FOCUS = ""``: Textual's own first focus centres too."""
        self.sight_box = box
        field.focus(scroll_visible=False)

        def settle() -> None:
            if not field.has_focus:
                return          # (a fast typist, tmux send-keys: Tab Tab Enter opened the runbook
                                # list, then this scrolled the dialog home and the list out of sight)
            box.scroll_home(animate=False, immediate=True)
            self.call_after_refresh(self.keep_in_sight, field)

        self.call_after_refresh(settle)

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        if self.sight_box is not None:
            self.call_after_refresh(self.keep_in_sight, event.widget)

    def keep_in_sight(self, field: Widget) -> None:
        """Scroll the box as far as ``field`` needs to sit between the parts docked at its top and
        bottom, never past the field's own first row. Textual's own scroll_visible counts the docked
        title and buttons as room: at 80x24 a field tabbed to sat under the buttons (the declare
        dialog's runbook list opened out of sight)."""
        box = self.sight_box
        if box is None or not field.has_focus:
            return              # keys typed since moved on: their scroll stands
        docked = [w for w in box.children if w.display and w.styles.dock in ("top", "bottom")]
        top = max((w.region.bottom for w in docked if w.styles.dock == "top"), default=box.content_region.y)
        bottom = min((w.region.y for w in docked if w.styles.dock == "bottom"), default=box.content_region.bottom)
        below = field.region.bottom - bottom
        if below > 0:
            box.scroll_relative(y=min(below, max(0, field.region.y - top)), animate=False, immediate=True)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "ok":
            self.action_submit()
        else:
            self.dismiss(None)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()

    def error(self, message: str) -> None:
        self.query_one("#form-error", Static).update(Text(message, style="bold red"))


# ----------------------------------------------------------------------------- declare


@dataclass
class DeclareAnswer:
    title: str
    severity: str
    runbook: str | None
    source: dict
    title_kept: bool = False      # the pre-filled title, left as it was


class DeclareScreen(FormDialog):
    """Pre-filled from a breached pane, an alert or the chosen runbook; everything editable."""

    AUTO_FOCUS = ""     # on_mount focuses the title, from the top (focus_from_top)

    def __init__(self, *, title: str = "", severity: str = "P3", runbook: str | None = None,
                 runbooks: list[tuple[str, str]] | None = None, source: dict | None = None,
                 origin: str = "", runbook_severity: dict[str, str] | None = None, title_note: str = "") -> None:
        """``title_note``: said right under the title field, what declaring does to the title (a
        pane's value is read again as the incident is declared). It sits beside the field the dialog
        opens focused on: at 80x24 the dialog opens scrolled to that field, and a note above it
        (in ``origin``) was out of sight while the title changed on declaring (redteam38 F4)."""
        super().__init__()
        self.title_note = title_note
        self.runbook_severity = {k: v.upper() for k, v in (runbook_severity or {}).items() if v}
        self._severity_chosen = False     # the commander picked a severity: a runbook no longer changes it
        self._offered: str | None = None  # the severity last offered by a picked runbook
        self._runbook_moved = False       # the runbook differs from the pre-filled one
        self.initial_title = title
        self.initial_severity = severity if severity in SEVERITIES else "P3"
        self.initial_runbook = runbook
        self.runbook_choices = runbooks or []
        self.source = source or {"kind": "manual"}
        self.origin = origin

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="declare-dialog"):
            yield Static("Declare an incident", classes="dialog-title")
            if self.origin:
                yield Static(Text(self.origin), classes="hint")
            yield Static("Title", classes="field-label")
            yield Input(one_line(self.initial_title), placeholder="what is broken, in a few words", id="title")
            if self.title_note:
                yield Static(Text(self.title_note), classes="hint", id="title-note")
            yield Static("Severity", classes="field-label")
            yield Select([(s, s) for s in SEVERITIES], value=self.initial_severity, allow_blank=False,
                         id="severity")
            yield Static("Runbook", classes="field-label")
            ids = {rid for _, rid in self.runbook_choices}
            yield Select(self.runbook_choices, prompt="(none)", id="runbook",
                         value=self.initial_runbook if self.initial_runbook in ids else Select.NULL)
            yield Static("", id="form-error")
            yield buttons("Declare")

    def on_mount(self) -> None:
        # where the title came from (the pane's value then), its label and the note under it: in sight
        self.focus_from_top(self.query_one("#title", Input), self.query_one("#declare-dialog"))

    def on_select_changed(self, event: Select.Changed) -> None:
        """Picking a runbook offers its severity, until the commander chooses one themselves."""
        if event.select.id == "severity":
            if event.value != self._offered_severity():
                self._severity_chosen = True
        elif event.select.id == "runbook" and not self._severity_chosen:
            if not self._runbook_moved and str(event.value) == str(self.initial_runbook):
                return        # the pre-filled runbook (mount): the pre-filled severity stands
            self._runbook_moved = True
            sev = self.runbook_severity.get(str(event.value))
            if sev in SEVERITIES:
                self._offered = sev
                self.query_one("#severity", Select).value = sev

    def _offered_severity(self) -> str:
        return self._offered or self.initial_severity

    def action_submit(self) -> None:
        title = self.query_one("#title", Input).value.strip()
        if not title:
            self.error("A title is needed.")
            self.query_one("#title", Input).focus()
            return
        sev = str(self.query_one("#severity", Select).value)
        rb = self.query_one("#runbook", Select).value
        self.dismiss(DeclareAnswer(title=title, severity=sev, runbook=None if rb is Select.NULL else str(rb),
                                   source=self.source, title_kept=title == one_line(self.initial_title).strip()))


# ----------------------------------------------------------------------------- note


@dataclass
class NoteAnswer:
    tag: str
    text: str
    owner: str | None = None
    due: str | None = None


class NoteScreen(FormDialog):
    """A note with a tag; a TextArea so pasting thousands of characters just works."""

    BINDINGS: ClassVar[list[Binding]] = MODAL_BINDINGS + NOTE_BINDINGS

    def __init__(self, tag: str = "info") -> None:
        super().__init__()
        self.initial_tag = tag if tag in dict(NOTE_TAGS) else "info"

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="note-dialog"):
            yield Static("Add a note to the timeline", classes="dialog-title")
            yield Static("Tag (feeds the PIR section of the same name): "
                         + " · ".join(f"alt+{i + 1} {label}" for i, (_t, label) in enumerate(NOTE_TAGS)),
                         classes="field-label", markup=False)
            yield Select([(label, tag) for tag, label in NOTE_TAGS], value=self.initial_tag,
                         allow_blank=False, id="tag")
            yield TextArea(id="text", soft_wrap=True, show_line_numbers=False)
            yield Static("Owner and due date (action items)", classes="field-label")
            with Horizontal(id="owner-row"):
                yield Input(placeholder="owner", id="owner")
                yield Input(placeholder="due, e.g. 2026-12-01", id="due")
            yield Static("", id="form-error")
            yield buttons("Add note")

    def on_mount(self) -> None:
        self.query_one("#text", TextArea).focus()

    def action_tag(self, index: int) -> None:
        """Choose the tag directly (alt+1..alt+9, in the order the hint lists), without leaving the text."""
        if 0 <= index < len(NOTE_TAGS):
            self.query_one("#tag", Select).value = NOTE_TAGS[index][0]

    def action_next_tag(self) -> None:
        """Change the tag without leaving the text: the tag is usually decided mid-sentence."""
        select = self.query_one("#tag", Select)
        tags = [tag for tag, _label in NOTE_TAGS]
        current = str(select.value)
        select.value = tags[(tags.index(current) + 1) % len(tags)] if current in tags else tags[0]

    def action_submit(self) -> None:
        text = self.query_one("#text", TextArea).text.strip()
        if not text:
            self.error("The note is empty.")
            return
        owner = self.query_one("#owner", Input).value.strip() or None
        due = self.query_one("#due", Input).value.strip() or None
        self.dismiss(NoteAnswer(tag=str(self.query_one("#tag", Select).value), text=text,
                                owner=owner, due=due))


# ----------------------------------------------------------------------------- severity / skip / resolve


@dataclass
class SeverityAnswer:
    severity: str
    reason: str


class SeverityScreen(FormDialog):
    def __init__(self, current: str) -> None:
        super().__init__()
        self.current = current if current in SEVERITIES else "P3"

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="severity-dialog"):
            yield Static(ui_text(f"Change severity (now {self.current})"), classes="dialog-title")
            yield Select([(s, s) for s in SEVERITIES], value=self.current, allow_blank=False, id="severity")
            yield Input(placeholder="why (goes on the timeline)", id="reason")
            yield Static("", id="form-error")
            yield buttons("Change")

    def on_mount(self) -> None:
        self.query_one("#severity", Select).focus()

    def action_submit(self) -> None:
        sev = str(self.query_one("#severity", Select).value)
        if sev == self.current:
            self.error(f"Severity is already {sev}.")
            return
        self.dismiss(SeverityAnswer(sev, self.query_one("#reason", Input).value.strip()))


@dataclass
class StatusAnswer:
    status: str
    reason: str


#: what the commander can say (resolving has its own dialog, with its gate)
STATUSES = tuple(s for s in ev.STATUSES if s != "resolved")


class StatusScreen(FormDialog):
    """Where the response stands, in the commander's word. ``mitigated`` is the Time-to-mitigate milestone when no
    verify gate confirmed the fix first, so the dialog says so: the word is a claim the PIR dates."""

    def __init__(self, current: str) -> None:
        super().__init__()
        self.current = current
        # the word a commander opening this dialog most often wants next: the fix is in
        self.offered = "mitigated" if current in ("investigating", "identified", "mitigating") else \
            current if current in STATUSES else "mitigated"

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="status-dialog"):
            yield Static(ui_text(f"Set the status (now {self.current})"), classes="dialog-title")
            yield Select([(s, s) for s in STATUSES], value=self.offered, allow_blank=False, id="status")
            yield Static("mitigated: the impact has stopped; Time to mitigate counts to now unless a verify gate "
                         "confirmed it earlier", classes="hint")
            yield Input(placeholder="what you saw (goes on the timeline)", id="reason")
            yield Static("", id="form-error")
            yield buttons("Set")

    def on_mount(self) -> None:
        self.query_one("#status", Select).focus()

    def action_submit(self) -> None:
        self.dismiss(StatusAnswer(str(self.query_one("#status", Select).value),
                                  self.query_one("#reason", Input).value.strip()))


class SkipScreen(FormDialog):
    def __init__(self, step_label: str) -> None:
        super().__init__()
        self.step_label = step_label

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="skip-dialog"):
            yield Static(Text(f"Skip: {self.step_label}"), classes="dialog-title")
            yield Input(placeholder="why is it skipped? (required; shows in the PIR)", id="reason")
            yield Static("", id="form-error")
            yield buttons("Skip step")

    def on_mount(self) -> None:
        self.query_one("#reason", Input).focus()

    def action_submit(self) -> None:
        reason = self.query_one("#reason", Input).value.strip()
        if not reason:
            self.error("A reason is required to skip a step.")
            return
        self.dismiss(reason)


class CloseRunbookScreen(FormDialog):
    """Close a runbook open beside the current one: what it is (what the GO opened and how far
    it got), what closing does (the core's words), and why — required, it goes to the PIR."""

    def __init__(self, runbook: str, opened: str = "") -> None:
        super().__init__()
        self.runbook = runbook
        self.opened = opened

    def compose(self) -> ComposeResult:
        from warroom.incident.closing import WHAT_IT_DOES

        with Vertical(classes="dialog", id="close-runbook-dialog"):
            yield Static(Text(f"Close runbook {self.runbook}?"), classes="dialog-title")
            if self.opened:
                yield Static(Text(self.opened), id="close-opened")
            yield Static(Text(WHAT_IT_DOES, style="dim"), id="close-what")
            yield Input(placeholder="why is it closed? (required; the timeline, the brief and the PIR say it)",
                        id="reason")
            yield Static("", id="form-error")
            yield buttons("Close runbook")

    def on_mount(self) -> None:
        self.query_one("#reason", Input).focus()

    def action_submit(self) -> None:
        reason = self.query_one("#reason", Input).value.strip()
        if not reason:
            self.error("A reason is required to close a runbook.")
            return
        self.dismiss(reason)


@dataclass
class ResolveAnswer:
    summary: str
    resolution: str
    rollback: bool | None           # None: not said (asked of a human in the PIR, blank in the incident log)
    concerns: tuple[str, ...] = ()
    reading: ConcernReading | None = None     # the reading shown when the commander confirmed: journaled as is


class Choice(RadioButton):
    """A radio button whose mark is its state: ``●`` chosen, ``○`` not (Textual draws ``●`` both
    ways, told apart by colour alone: under NO_COLOR, faint against bold, so a terminal without
    colour or faint, or a copy of the screen, showed every answer as chosen)."""

    @property
    def BUTTON_INNER(self) -> str:  # type: ignore[override]  # noqa: N802 (Textual's public name)
        return "●" if self.value else "○"


class ResolveScreen(FormDialog):
    """Resolve with a summary and what fixed it, and whether a rollback was part of the fix: a
    yes / no with no answer given in advance. ``opened``: what each GO opened and how far it got
    (``GoOpened.text``), asked first and required then — a GO is a verdict, not a rollback done.
    Without a GO it is asked after the fields and may be left unsaid: the PIR then asks a human
    and the incident log leaves it blank; an untouched tick box was journaled as the commander's
    "no" over a fix by ``kubectl rollout undo`` (redteam39 F5). ``rolled_back``: the steps that
    rolled a release back and ran ok (``go_opened.rollback_steps``), said above the question.
    ``open_where``: steps not done per open runbook, when more than one is open.

    ``reading``: what resolving leaves open, read at one moment (``concern_reading``); the answer
    carries the reading on screen, which the resolution journals word for word as acknowledged
    (attack39 C2): the one last *painted* (``painted``), set only once the screen has been drawn
    with it. A look handled in the same frame as the submit is not on screen yet: carried, it would
    be journaled as acknowledged though never drawn (attack40 A7). Left out, the resolution's own
    fresh reading journals what it holds beside, as not shown (``concern_reading.unseen``).
    While the dialog is open it is read again, the Go/No-Go dialog's way: ``read`` (blocking, at
    most its deadline: ``concern_reading.read_within``, which says a source that errs or is slow as
    a concern, never as an all-clear) in a worker thread, the next look only after the last was drawn.
    ``concerns``: words alone, for a dialog with no reading."""

    AUTO_FOCUS = ""     # on_mount focuses, from the top (focus_from_top)

    class Reread(Message):
        """A look's result, posted by the worker thread: the new reading, or why there is none."""

        def __init__(self, reading: ConcernReading | None) -> None:
            super().__init__()
            self.reading = reading

    def __init__(self, title: str, open_steps: int = 0, concerns: list[str] | None = None,
                 opened: tuple[str, ...] = (), open_where: str = "", rolled_back: tuple[str, ...] = (), *,
                 reading: ConcernReading | None = None, read: Callable[[], ConcernReading] | None = None,
                 every: float = 0.0, steps: Callable[[], tuple[int, str]] | None = None) -> None:
        super().__init__()
        self.rolled_back = tuple(rolled_back)
        self.incident_title = title
        self.open_steps = open_steps
        self.reading = reading
        self.painted: ConcernReading | None = None      # the reading last drawn: what the commander saw
        self.concerns = tuple(reading.concerns if reading is not None else concerns or ())
        self.opened = tuple(opened)
        self.open_where = open_where
        self.read, self.every = read, every
        self.steps = steps              # (steps not done, per runbook) now: asked again with each reading
        self.looks = 0                 # looks that came back (a test reads it)
        self._looking = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="resolve-dialog"):
            # What resolving leaves open is docked with the title: in sight whatever the fields
            # below scroll to, so no resolve is confirmed over concerns the dialog never showed
            # (redteam39 F4: at 80x24 it opened scrolled to the summary, past them).
            with Vertical(classes="dialog-head", id="resolve-head"):
                yield Static(Text(f"Resolve: {self.incident_title}"), classes="dialog-title")
                steps = Static(self.steps_text(), id="resolve-steps")
                steps.display = bool(self.open_steps)
                yield steps
                concerns = Static(self.concerns_text(), id="resolve-concerns")
                concerns.display = bool(self.concerns)
                yield concerns
            # one box for what scrolls: Textual orders Tab by position, and a field scrolled below the
            # docked buttons came after them (Tab, Tab from the summary landed on Cancel, not the question)
            with Vertical(id="resolve-fields"):
                if self.opened:     # asked first: what the GO opened, and was the rollback part of the fix
                    yield Static(Text("\n".join(self.opened), style="bold"), id="resolve-opened")
                    yield from self.rollback_question()
                yield Static("Summary", classes="field-label")
                yield Input(placeholder="what happened, one line", id="summary")
                yield Static("Resolution", classes="field-label")
                yield Input(placeholder="what fixed it", id="resolution")
                if not self.opened:
                    yield Static("Was a rollback part of the fix? (unanswered: not said, the PIR asks a human)",
                                 classes="field-label")
                    yield from self.rollback_question()
                yield Static("", id="form-error")
            yield buttons("Resolve")

    def steps_text(self) -> Text:
        where = f" ({self.open_where})" if self.open_where else ""
        return Text(f"{self.open_steps} runbook step(s) not done{where}, listed in the PIR (a ticked or skipped step"
                    " counts as done).", style="yellow")

    def concerns_text(self) -> Text:
        from warroom.incident.concern_reading import said_at

        when = f" (read {said_at(self.reading.at)})" if self.reading is not None else " with the resolution"
        return Text("Not over yet? " + "; ".join(self.concerns) + f". Resolving anyway records these{when}.",
                    style="bold red")

    # ------------------------------------------------------------------ read again while open

    def next_look(self) -> None:
        """Schedule the next look (after the last one was drawn, never while one runs)."""
        if self.read is not None and self.every > 0 and self.is_attached:
            self.set_timer(self.every, self.look)

    def look(self) -> None:
        """Read the concerns again in a worker thread; ``on_resolve_screen_reread`` draws them."""
        if self._looking or self.read is None or not self.is_attached:
            return
        self._looking = True
        read = self.read

        def work() -> None:
            fresh = None
            try:
                fresh = read()
            finally:          # an unexpected error reaches the App's worker handler; the looks go on
                self.post_message(self.Reread(fresh))

        self.app.run_worker(work, thread=True, group="resolve-look", name="resolve look", exit_on_error=False)

    def on_resolve_screen_reread(self, message: ResolveScreen.Reread) -> None:
        message.stop()
        try:
            self.looks += 1
            if message.reading is not None:
                self.show(message.reading)
        finally:
            self._looking = False
            self.next_look()

    def show(self, reading: ConcernReading) -> None:
        self.reading = reading
        self.concerns = tuple(reading.concerns)
        box = self.query_one("#resolve-concerns", Static)
        set_text(box, self.concerns_text(), layout=True)    # a look every half second: the same words not drawn again
        box.display = bool(self.concerns)
        self.call_after_refresh(self.drawn, reading)
        if self.steps is not None:
            self.open_steps, self.open_where = self.steps()
            line = self.query_one("#resolve-steps", Static)
            set_text(line, self.steps_text(), layout=True)
            line.display = bool(self.open_steps)

    def drawn(self, reading: ConcernReading | None) -> None:
        """Called after the screen was refreshed with ``reading`` (Textual runs ``call_after_refresh``
        callbacks after the repaint that follows): from now on the commander has seen it. Not once the
        dialog is gone: a repaint after the submit is another screen's, and the answer is given."""
        if self.is_current:
            self.painted = reading

    def rollback_question(self) -> ComposeResult:
        """What the journal shows (a rollback step that ran ok), then the yes / no, neither chosen."""
        if self.rolled_back:
            yield Static(Text("A rollback step ran ok: " + "; ".join(self.rolled_back) + ".", style="bold"),
                         id="resolve-rolled-back")
        with RadioSet(id="rollback-answer"):
            yield Choice("a rollback was part of the fix", id="rollback-yes")
            yield Choice("no rollback was part of the fix", id="rollback-no")

    def on_mount(self) -> None:
        # the question first, with what the GO opened still in view above it
        self.focus_from_top(self.query_one("#rollback-answer" if self.opened else "#summary"),
                            self.query_one("#resolve-dialog"))
        self.call_after_refresh(self.drawn, self.reading)
        self.next_look()

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        """Answered first (after a GO): on to the summary."""
        event.stop()
        if self.opened:
            self.query_one("#summary", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        event.prevent_default()  # replaces FormDialog's submit-on-enter
        if event.input.id == "summary":
            self.query_one("#resolution", Input).focus()
        else:
            self.action_submit()

    def action_submit(self) -> None:
        summary = self.query_one("#summary", Input).value.strip()
        if not summary:
            self.error("A summary is required.")
            return
        pressed = self.query_one("#rollback-answer", RadioSet).pressed_button
        if pressed is None and self.opened:
            self.error("Say whether a rollback was part of the fix: the GO opened a runbook, it did not"
                       " say the rollback happened.")
            self.query_one("#rollback-answer", RadioSet).focus()
            return
        rollback = None if pressed is None else pressed.id == "rollback-yes"
        shown = self.painted
        if shown is None and self.reading is not None:      # submitted before the first frame: nothing seen
            from warroom.incident.concern_reading import ConcernReading

            shown = ConcernReading(self.reading.at, ())
        concerns = shown.concerns if shown is not None else self.concerns
        self.dismiss(ResolveAnswer(summary, self.query_one("#resolution", Input).value.strip(),
                                   rollback, tuple(concerns), shown))
