"""What the panes draw, as plain values.

Panes never read the journal or the engine's state objects directly: ``tui.view`` builds these
from the incident state, and tests build them by hand. That keeps each pane a pure function of
its inputs (snapshot-friendly) and lets the engine's state shape evolve without touching widgets.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from panes.safe import clean_fields
from warroom.incident.marks import STEP_MARKS
from warroom.incident.state import step_words
from warroom.scenario_time import drill_seconds

# A step's state as the checklist shows it. Icons differ in shape, never only in colour; the
# vocabulary is the core's (``warroom.incident.marks``), shared with ``incident show`` and the PIR.
STEP_ICONS: dict[str, str] = {state: mark.icon for state, mark in STEP_MARKS.items()}
STEP_WORDS: dict[str, str] = {state: mark.word for state, mark in STEP_MARKS.items()}
STATE_STYLES = {
    "ok": "green", "unmet": "bold magenta", "unchecked": "bold yellow", "failed": "bold red", "timed_out": "bold red",
    "unverified": "bold red", "verifying": "bold cyan", "unsettled": "bold yellow", "held_before": "bold yellow",
    "cancelled": "yellow", "interrupted": "yellow", "skipped": "dim", "ticked": "green",
    "running": "bold cyan", "dry_run": "cyan", "refused": "magenta", "not_needed": "dim", "fulfilled": "green",
}
EXPECT_STYLES = {"met": "green", "unmet": "bold red", "unchecked": "yellow", "expected": "dim"}


@dataclass(frozen=True)
class StepView:
    """The latest outcome of one runbook step in this incident."""

    state: str = "pending"             # a ``STEP_MARKS`` key: "unmet" when ok but not as expected
    expect_met: bool | None = None
    verdict: str | None = None          # met / unmet / unchecked; None: nothing was expected
    verdict_reason: str | None = None
    exit_code: int | None = None
    duration: float | None = None
    duration_text: str | None = None    # the run time as shown: ``2.4s wall`` in a drill (real seconds)
    reason: str | None = None          # skip reason / refusal reason
    started_at: float | None = None
    output_path: str | None = None
    excerpt: str = ""

    def __post_init__(self) -> None:
        clean_fields(self)


@dataclass(frozen=True)
class DecisionRow:
    """A runbook's Go/No-Go as the checklist shows it: a decision with its standing (verdict and
    who, or the deadline), never a checkbox. Criteria are judged in the dialog (G / enter), which
    queries metrics; this row only says what the journal holds."""

    decision_id: str
    question: str
    after_step: int = 0                 # the step it follows in the runbook (0: before the first)
    verdict: str | None = None          # the latest GO / NO-GO recorded
    by: str | None = None
    due: str | None = None              # "04:29:46 UTC"
    overdue: bool = False
    due_at: float | None = None         # the deadline, unix wall time (a drill's is scaled already)
    not_needed: str | None = None       # why it is not due: ``DecisionView.not_due_text``, in its words
    early: str | None = None            # a verdict recorded before it arose (no answer): ``DecisionView.early_brief``
    open_since: str | None = None       # "open since 14:02:00 UTC, 2 arisals": ``DecisionView.open_words``

    def __post_init__(self) -> None:
        clean_fields(self)


@dataclass(frozen=True)
class TimelineItem:
    at: float                           # unix time
    kind: str                           # declared, step, note, severity, status, alert, update, ...
    text: str
    tag: str | None = None
    seq: int | None = None

    def __post_init__(self) -> None:
        clean_fields(self)


@dataclass(frozen=True)
class GateView:
    """A verify gate as the header's gate line shows it. Times are in the gate's own clock
    (scenario time in a drill: the gate says "within 10m" of the scenario), so ``speed`` scales
    wall seconds since ``at`` when the line repaints between probes."""

    step: int
    text: str                           # the gate as the runbook wrote it
    status: str                         # pending / passed / held before / failed (``GateState.shown``)
    value: str                          # the value now, with its unit ("83.4%", "no value")
    wanted: str = ""                    # "< 75%"
    held: float = 0.0                   # seconds the comparison has held, unbroken
    hold: float = 0.0                   # seconds it must hold
    remaining: float = 0.0              # seconds left in the window at ``at``
    at: float = 0.0                     # wall clock of the probe
    speed: float = 1.0
    reason: str | None = None           # why it is not passing yet, or why it failed
    holding: bool = False               # the comparison holds now (the hold is running)
    runbook: str = ""                   # the gate's runbook, set when it is not the one on screen
    title: str = ""                     # what it watches in words ("429 share (worst provider)"); for
                                        # a bare PromQL gate, the expression
    bare: bool = False                  # the gate watches PromQL as written (no words, no unit)
    what: str = ""                      # what it asks, in words: "429 share (worst provider) < 10% for 2m"
    before: str = ""                    # status "held before": its measure when the step started, within
                                        # its line from then to the pass (``gate_evidence.held_before``)
    now: str = ""                       # a pass: its measure read with the panes ("now 99.8%, past < 10%",
                                        # "now not read (…)": ``gate_reading.GateNow.now_words``)
    passed: str = ""                    # with ``now``: "passed at 1.24% at 03:31:24" (``GateNow.passed_head``)
    past: bool = False                  # a pass whose measure is past its line now: the mitigation relapsed
    run: str = ""                       # "run at 22:44:41 UTC": the gate of an earlier run than its step's
                                        # latest, which failed and opened none (``GateState.of_run``)
    check: bool = False                 # it checks that its step took effect, not the harm (fence
                                        # ``mitigates=false``): a pass is no mitigation, and says so

    @property
    def where(self) -> str:
        """``step 22``, or ``RB-LAUNCH-005 step 22`` for a step of a runbook no longer shown
        (after a GO attached another one, its step 22 is a different step); with the run it judges
        when that is not the step's latest (``step 6 (run at 22:44:41 UTC)``)."""
        step = f"{self.runbook} step {self.step}" if self.runbook else f"step {self.step}"
        return f"{step} ({self.run})" if self.run else step

    def left(self, now: float) -> float:
        return max(0.0, self.remaining - drill_seconds(max(0.0, now - self.at), self.speed))


@dataclass(frozen=True)
class SharedView:
    """The shared store as the header shows it: reachable or why not, and who has the incident
    open on which step (``me`` marks this session)."""

    where: str
    down: str | None = None
    present: tuple[tuple[str, str | None, bool], ...] = ()
    pending: int = 0

    def __post_init__(self) -> None:
        clean_fields(self)   # names and steps come from other hosts' rows: never raw


@dataclass(frozen=True)
class HeaderInfo:
    """Everything the header line shows; ``incident_id`` None means no incident is open."""

    incident_id: str | None = None
    title: str = ""
    status: str = ""
    severity: str = ""
    declared_at: float | None = None
    resolved_at: float | None = None
    next_update_at: float | None = None
    drill: str | None = None            # scenario name when drilling
    read_only: bool = False
    sources: tuple[tuple[str, str], ...] = ()   # (name, "ok" | "stale" | "error" | "down")
    gate: GateView | None = None        # the verify gate to show: an open one first, else the last result
    time_scale: float = 1.0             # scenario seconds per wall second (a drill's speed)
    shared: SharedView | None = None    # a shared incident (PostgreSQL): health and presence
    roles: str = ""                     # "IC alice · Ops bob · Comms — · Scribe —"
    # what needs a person (a handoff not acknowledged, a handoff reminder, approvals waiting), kept
    # sayable at any instant (``warroom.incident.handoff.PeopleAlert``): the header says it again
    # each second, so a tenure or an approval's end never freezes at the view's build
    people: Any = None
    # a replay's clock: (wall time it began, recorded time then, recorded s per wall s, recording's end)
    recording: tuple[float, float, float, float] | None = None
    # the escalation tiers as the core has them reached (``escalation.instants``): (wall instant, tier), tier 0 first
    tiers: tuple[tuple[float, int], ...] = ()
    escalated: tuple[int, ...] = ()     # the tiers the journal has (``escalation.tier``)
    # after the status, while it claims the mitigation and it did not hold ("RELAPSED since
    # 03:33:30: Flow failure rate 25.6%") or is not known to (``relapse.Holding.qualifier``)
    holding: str = ""
    relapsed: bool = False
    breached: tuple[str, ...] = ()      # the panes the journal has breached now (``IncidentState.breached_now``)

    def __post_init__(self) -> None:
        clean_fields(self)


@dataclass(frozen=True)
class EarlierRunbook:
    """A runbook attached before the current one, with what happened to its steps: its
    progress stays on screen (below the current checklist) after another is attached."""

    runbook_id: str
    title: str
    steps: tuple[tuple[int, str, StepView], ...] = ()   # (number, label, view), runbook order
    closed: str = ""        # closed beside the current one: "closed at 10:31:02 UTC by lee@ops-1: why"


@dataclass(frozen=True)
class OpenRunbook:
    """A runbook open beside the current one (a GO opened it): worked next to it, in its own
    checklist, its steps by step id like ``IncidentView.steps``. Which runbooks these are is the
    journal's word (``IncidentSnapshot.beside``), never the dashboard's."""

    runbook_id: str
    title: str = ""
    steps: dict[str, StepView] = field(default_factory=dict)
    decisions: tuple[DecisionRow, ...] = ()
    opened_by: str = ""                 # "GO on rollback-to-pilot" (the verdict that opened it)

    def __post_init__(self) -> None:
        clean_fields(self)


@dataclass
class IncidentView:
    """The whole incident as the dashboard shows it, rebuilt from the journal.

    ``steps`` holds the states of the *current* runbook's steps by step id: a step is the
    runbook and its id, never its number (two runbooks both have a step 1). ``running`` names
    every step running now as (runbook id, step id), whichever runbook it belongs to."""

    header: HeaderInfo = field(default_factory=HeaderInfo)
    steps: dict[str, StepView] = field(default_factory=dict)
    timeline: list[TimelineItem] = field(default_factory=list)
    runbook_id: str | None = None
    running: tuple[tuple[str, str], ...] = ()
    earlier: tuple[EarlierRunbook, ...] = ()
    # settled verify gates as the journal has them, by (runbook id, step id): the header shows
    # the last outcome after a resume too, not only while this process watched the gate
    gates: tuple[tuple[tuple[str, str], GateView], ...] = ()
    # the run each gate judges, by (runbook id, step id), for a gate of an earlier run than its step's latest
    # (``GateState.of_run``): said on the gate line, the journal's or the one this process watches
    gate_runs: tuple[tuple[tuple[str, str], str], ...] = ()
    decisions: tuple[DecisionRow, ...] = ()       # the current runbook's Go/No-Go decisions
    beside: tuple[OpenRunbook, ...] = ()          # runbooks open beside the current one, oldest first
    # runbooks whose steps are said with their name (the core's one rule, ``IncidentState.step_name``)
    named: frozenset[str] = frozenset()

    def step_name(self, runbook_id: str | None, number: Any, *, start: bool = False) -> str:
        """A step as every screen names it: the core decided which runbooks are named (``named``)."""
        return step_words(runbook_id, number, bool(runbook_id) and runbook_id in self.named, start=start)

    def output_title(self, runbook_id: str | None, number: Any, label: str) -> str:
        """A step's output pane title: ``4. Label``, ``RB-LAUNCH-002 4. Label`` when the core names
        its runbook (``named``)."""
        title = f"{number}. {label}"
        return f"{runbook_id} {title}" if runbook_id and runbook_id in self.named else title

    def steps_of(self, runbook_id: str | None) -> dict[str, StepView]:
        """The step states of an open runbook (the current one by default)."""
        if not runbook_id or runbook_id == self.runbook_id:
            return self.steps
        return next((b.steps for b in self.beside if b.runbook_id == runbook_id), {})

    def decisions_of(self, runbook_id: str | None) -> tuple[DecisionRow, ...]:
        if not runbook_id or runbook_id == self.runbook_id:
            return self.decisions
        return next((b.decisions for b in self.beside if b.runbook_id == runbook_id), ())

    def running_here(self) -> list[str]:
        """Step ids of the current runbook that are running."""
        return [sid for rb, sid in self.running if rb == (self.runbook_id or "")]
