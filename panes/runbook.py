"""The runbook as a checklist: section headings and steps with their state icons.

Built on ``OptionList`` (virtual rendering, cheap for long runbooks). Section headings are
disabled options so the cursor skips them. The pane's own keys move the cursor; running,
ticking and skipping are screen actions that ask this pane which step is selected.
"""

from __future__ import annotations

from panes.safe import SafeText as Text
from textual import events
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from panes.view import EXPECT_STYLES, STATE_STYLES, STEP_ICONS, DecisionRow, EarlierRunbook, StepView
from panes.bindings import CHECKLIST_BINDINGS
from warroom.incident.progress import count
from warroom.incident.marks import EXPECT_MARKS, MUTATING_MARK
from warroom.runbook.model import Runbook, Step

MARKER_WIDTH = 6   # "✔ ⚠ ✓ ": state, mutating, expectation, each in its own fixed column


def step_state(step: Step, view: StepView | None) -> str:
    if view is None or view.state == "pending":
        return "manual" if step.kind == "manual" and not step.runnable else "pending"
    return view.state


def expect_column(step: Step, view: StepView | None) -> str:
    """The expectation column: the verdict of the last run, or ◇ for an expectation not yet
    checked because the step has not run; blank for a step that expects nothing."""
    if view is not None and view.verdict is not None:
        return view.verdict
    if view is not None and view.expect_met is not None:   # a view built without a verdict
        return "met" if view.expect_met else "unmet"
    if step.expect or getattr(step, "check", None):
        return "expected"
    return ""


def step_prompt(step: Step, view: StepView | None) -> Text:
    """One checklist line. The marks come first, in fixed columns, so a narrow pane's ellipsis
    cuts the label and never a mark: state icon, ⚠ when the step changes things, then the
    expectation (✓ met, ✗ NOT met, ? not checked, ◇ not run yet)."""
    state = step_state(step, view)
    t = Text(no_wrap=True, overflow="ellipsis")
    t.append(STEP_ICONS.get(state, "?"), STATE_STYLES.get(state, ""))
    t.append(" ")
    t.append(MUTATING_MARK.icon if step.mutating else " ", "yellow")
    t.append(" ")
    expect = expect_column(step, view)
    t.append(EXPECT_MARKS[expect].icon if expect else " ", EXPECT_STYLES.get(expect, ""))
    t.append(" ")
    t.append("  " * min(step.depth, 3))
    t.append(f"{step.number:>2}. ", "dim")
    t.append(step.label or ((step.command or "").splitlines() or ["(step)"])[0])
    return t


def decision_prompt(row: DecisionRow) -> Text:
    """A Go/No-Go line: ◆ in the marks' columns, the question, then where it stands — the verdict
    and who took it, or the deadline (OVERDUE once passed). A decision, never a checkbox."""
    t = Text(no_wrap=True, overflow="ellipsis")
    t.append("◆ ", "bold magenta")
    t.append("GO/NO-GO ", "bold")
    if row.verdict:
        t.append(f"{row.verdict} by {row.by or '?'} ", "bold green" if row.verdict == "NO-GO" else "bold red")
    elif row.not_needed:
        t.append(f"{row.not_needed} ", "dim")
    elif row.overdue:
        t.append(f"OVERDUE since {row.due} ", "bold red")
    else:
        t.append("undecided" + (f", due {row.due} " if row.due else " "), "yellow")
    if row.early and not row.verdict:       # taken before the decision arose: said, never as its verdict
        t.append(f"({row.early}) ", "yellow")
    t.append(row.question)
    if row.open_since and not row.verdict and not row.not_needed:   # why due though it arose again just now
        t.append(f" ({row.open_since})", "bold red" if row.overdue else "yellow")   # cut first: the Step pane says it
    return t




def progress_text(runbook: Runbook, views: dict[str, StepView]) -> str:
    """``4/16 done`` (ok, ticked, skipped, done by the journal) of the steps owed (a step of a branch that did not
    apply is not: ``4/15 done, 1 not needed``), and how many are in trouble (failed, timed out, cancelled, verify gate
    failed, expectation not met, refused, interrupted) or running: what an IC glancing at two checklists needs to see
    of each. Counted by the core's one count (``warroom.incident.progress.count``), as a GO's progress, the handoff
    brief and the drill report's path count it."""
    got = count(step_state(step, views.get(step.id)) for step in runbook.steps)
    text = f"{got.done}/{got.owed} done"
    if got.not_needed:
        text += f", {got.not_needed} not needed"
    if got.running:
        text += f", {got.running} running"
    if got.failed:
        text += f", {got.failed} FAILED or unmet"
    return text


def earlier_options(earlier: tuple[EarlierRunbook, ...]) -> list[Option]:
    """The runbooks attached before the current one (and those closed beside it), newest first, each
    step with its state."""
    out: list[Option] = []
    for i, rb in enumerate(earlier):
        head = f"CLOSED: {rb.runbook_id} {rb.closed}" if rb.closed else f"EARLIER: {rb.runbook_id} {rb.title}".rstrip()
        out.append(Option(Text(head, style="bold dim"),
                          id=f"earlier-{i}", disabled=True))
        for j, (number, label, view) in enumerate(rb.steps):
            state = view.state
            t = Text(no_wrap=True, overflow="ellipsis", style="dim")
            t.append(STEP_ICONS.get(state, "?") + " ", STATE_STYLES.get(state, ""))
            t.append(f"{number:>2}. {label}")
            out.append(Option(t, id=f"earlier-{i}-{j}", disabled=True))
    return out


class ChecklistPane(OptionList, inherit_bindings=False):
    BINDINGS = CHECKLIST_BINDINGS

    class StepHighlighted(Message):
        def __init__(self, step: Step | None, pane: ChecklistPane | None = None) -> None:
            super().__init__()
            self.step = step
            self.pane = pane          # which checklist (two are on screen when a GO opened a runbook)

    def __init__(self, pane_id: str | None = "checklist", *, beside: bool = False) -> None:
        """``beside``: the pane of a runbook open beside the current one (a GO opened it); the
        current runbook's pane is ``#checklist``."""
        super().__init__(id=pane_id, classes="checklist -beside" if beside else "checklist")
        self.beside = beside
        self.border_title = "Runbook"
        self.runbook_key = ""               # a pane beside: the id of the runbook it is for
        self._waiting: tuple[object, ...] | None = None   # what to show once mounted
        self._ready = False                 # on_mount ran (``is_mounted`` is only set after it returns)
        self._title = ""
        self.runbook: Runbook | None = None
        self.views: dict[str, StepView] = {}
        self.earlier: tuple[EarlierRunbook, ...] = ()
        self.decisions: tuple[DecisionRow, ...] = ()
        self._prompts: dict[str, str] = {}

    def show_runbook(self, runbook: Runbook | None, views: dict[str, StepView],
                     earlier: tuple[EarlierRunbook, ...] = (), decisions: tuple[DecisionRow, ...] = (),
                     heading: str | None = None, cursor: str | None = None) -> None:
        """Show a runbook (or none) with its step states by step id; keeps the cursor on the
        same step when only states changed. ``cursor``: the row (option id) to put the cursor on
        when the runbook shown changes — the row it was on in another checklist showing that same
        runbook (one open beside became the current one); else the first step. ``earlier``:
        runbooks attached before this one, listed below it with their progress (read-only: their
        steps are not run from here).
        ``decisions``: its Go/No-Go rows, each where the runbook states it (enter or G decides).
        ``heading``: the border title (two runbooks open: each names itself with its progress)."""
        if not self._ready:          # a pane just mounted beside the current one: shown on mount
            self._waiting = (runbook, views, earlier, decisions, heading)
            return
        same = (runbook is self.runbook and runbook is not None and earlier == self.earlier
                and [d.decision_id for d in decisions] == [d.decision_id for d in self.decisions])
        self.views = views
        self.decisions = decisions
        if runbook is not None:
            title = heading if heading is not None else f"{runbook.id} · {runbook.title}"
            if title != self._title:
                self._title = title
                self.border_title = Text(title)  # titles may hold [brackets]
        if same:
            assert runbook is not None
            changed = [(f"step-{step.number}", step_prompt(step, views.get(step.id))) for step in runbook.steps]
            changed += [(f"decision-{row.decision_id}", decision_prompt(row)) for row in decisions]
            for oid, prompt in changed:
                if self._prompts.get(oid) != prompt.markup:
                    self._prompts[oid] = prompt.markup
                    self.replace_option_prompt(oid, prompt)
            return
        # the cursor stays on the same row (by id: a rebuild can add or drop rows above it, and a new
        # snapshot brings an equal runbook as another object)
        same_runbook = runbook is not None and self.runbook is not None and runbook.id == self.runbook.id
        was = self.highlighted_option
        keep_id = (was.id if was is not None else None) if same_runbook else cursor
        self.runbook = runbook
        self.earlier = earlier
        self._prompts = {}
        options: list[Option] = []
        if runbook is None:
            self.border_title = "Runbook"
            self._title = ""
            options.append(Option(Text("No runbook attached — press o to pick one", style="dim"),
                                  id="none", disabled=True))
            self.set_options(options)
            self.post_message(self.StepHighlighted(None, self))
            return

        def decisions_after(number: int) -> None:
            for row in decisions:
                if row.after_step == number:
                    prompt = decision_prompt(row)
                    self._prompts[f"decision-{row.decision_id}"] = prompt.markup
                    options.append(Option(prompt, id=f"decision-{row.decision_id}"))

        decisions_after(0)
        for i, section in enumerate(runbook.sections):
            if not section.steps:
                continue
            options.append(Option(Text(section.title.upper(), style="bold underline"),
                                  id=f"sec-{i}", disabled=True))
            for step in section.steps:
                prompt = step_prompt(step, views.get(step.id))
                self._prompts[f"step-{step.number}"] = prompt.markup
                options.append(Option(prompt, id=f"step-{step.number}"))
                decisions_after(step.number)
        if not options:
            options.append(Option(Text("This runbook has no steps", style="dim"), id="none",
                                  disabled=True))
        options.extend(earlier_options(earlier))
        self.set_options(options)
        first = next((i for i, o in enumerate(options) if not o.disabled), None)
        keep = next((i for i, o in enumerate(options) if keep_id is not None and o.id == keep_id and not o.disabled),
                    None)
        self.highlighted = first if keep is None else keep
        self.post_message(self.StepHighlighted(self.selected_step(), self))

    def on_mount(self) -> None:
        self._ready = True
        if self._waiting is not None:
            waiting, self._waiting = self._waiting, None
            self.show_runbook(*waiting)  # type: ignore[arg-type]

    def selected_step(self) -> Step | None:
        opt = self.highlighted_option
        if opt is None or self.runbook is None or not (opt.id or "").startswith("step-"):
            return None
        return self.runbook.step(int((opt.id or "step-0")[5:]))

    def selected_decision(self) -> str | None:
        """The id of the Go/No-Go row under the cursor, if that is where it is."""
        opt = self.highlighted_option
        oid = (opt.id or "") if opt is not None else ""
        return oid[len("decision-"):] if oid.startswith("decision-") else None

    def select_step(self, number: int) -> None:
        try:
            self.highlighted = self.get_option_index(f"step-{number}")
        except LookupError:
            return

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        self.post_message(self.StepHighlighted(self.selected_step(), self))
        self.call_after_refresh(self.keep_in_view)

    def on_resize(self, event: events.Resize) -> None:
        """The pane shrinks when the header grows (a verify gate's line appears after a step
        runs): keep the selected step, and its marks, on screen."""
        self.call_after_refresh(self.keep_in_view)

    def keep_in_view(self) -> None:
        """Scroll so the selected step shows; on the last step of the runbook, scroll to the
        end so the earlier runbooks' rows (not selectable) can be read from the keyboard."""
        if self.highlighted is None:
            return
        last = max((i for i, o in enumerate(self.options) if not o.disabled), default=None)
        if last is not None and self.highlighted == last and len(self.options) > last + 1:
            self.scroll_end(animate=False, immediate=True)
        else:
            self.scroll_to_highlight()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
