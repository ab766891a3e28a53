"""The records an incident's state is made of: steps and their runs, notes, timeline entries, evidence.

They are plain data so that the PIR, the JSON view and the panes can hold them without holding
the fold that builds them (:mod:`warroom.incident.state`); the tolerant readers of event data
(``_ts``, ``_num``, ``_int``) sit here because both the records and the fold need them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
import re
from typing import Any

from warroom.journal.log import parse_ts

# Every character str.splitlines() breaks a line at.
_LINE_BREAK = re.compile("[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]")


def one_line(value: Any) -> str:
    """Text journaled by a person (a reason, a why, a title) as the one line every view prints it
    on: each whitespace run of a text that holds a line break becomes one space. A reason typed
    with a line break (``--reason $'x\\n  11:00:00  #99  …'``) otherwise printed a second line in
    ``incident show``'s checklist and timeline that looked like an entry of its own; text without a
    line break is kept exactly as it was written."""
    text = "" if value is None else str(value)
    return " ".join(text.split()) if _LINE_BREAK.search(text) else text

PHASE_LABELS = {
    "started": "Impact started", "detected": "Detected", "mobilised": "Responders mobilised",
    "root_cause": "Root cause identified", "mitigated": "Mitigated", "resolved": "Resolved",
}

#: How each derived milestone was reached, for the PIR's "why this time" (the key is the source).
PHASE_HOW = {
    "mark": "marked by hand", "declared": "the declaration", "given": "the start given when it was declared",
    "alert": "the first alert firing",
    "breach": "the first SLO breach in the metric history",
    "harm": "the onset of the harm the drill names, in the drill simulator's record (before any pane showed it)",
    "action": "the first action after the declaration",
    "note": "the first root-cause note", "verify": "a verify gate passed",
    "status": "the commander's status change to mitigated",
    "recovered": "every breached SLO back under its warn threshold", "resolved": "the resolution",
}


def moment_of(value: Any) -> datetime | None:
    """A time as the state holds it (a datetime) or as journaled (``_ts``); None when absent or unreadable."""
    return value if isinstance(value, datetime) else _ts(value)


def _ts(value: Any) -> datetime | None:
    """A time from event data (ISO-8601 UTC string as journaled); None when absent or unreadable."""
    if not value or not isinstance(value, str):
        return None
    try:
        return parse_ts(value)
    except ValueError:
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed if parsed.tzinfo else None


def _num(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def _int(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value


@dataclass
class StepRun:
    """One attempt at running a step (``step.started`` .. ``step.finished``)."""

    seq: int
    actor: str
    started_at: datetime
    command: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    off_default: dict[str, Any] = field(default_factory=dict)     # params given other than the runbook's own
    mutating: bool = False
    section: str = ""           # its runbook section, as journaled at its start ("" in older journals)
    phase: str = ""             # that section's phase (inherited by a sub-section naming none), as journaled
    confirmed: bool = False
    target: dict[str, Any] = field(default_factory=dict)
    status: str = "running"
    exit_code: int | None = None
    signal: int | str | None = None
    ended_at: datetime | None = None
    end_logged_at: datetime | None = None
    """When its end's line was journaled (``known_at``)."""
    duration: float | None = None
    expect: str | None = None
    expect_met: bool | None = None
    expect_verdict: str | None = None    # met / unmet / unchecked (warroom.execute.expectation)
    expect_reason: str | None = None
    expect_kind: str | None = None       # literal / numeric / prose
    output: str | None = None
    excerpt: list[str] | str | None = None
    lines: int | None = None
    supervisor_pid: int | None = None
    pid: int | None = None
    end_seq: int | None = None
    record_error: str | None = None
    """Set when part of the run's record could not be written (disk full): never an "ok"."""
    notes: list[str] = field(default_factory=list)
    """What the record of the run lacks or adds: output cut at the cap, output not stored (disk
    full), why it was interrupted, an end journaled late: shown wherever the run's end is."""
    evidence_before: dict[str, Any] = field(default_factory=dict)
    evidence_after: dict[float, dict[str, Any]] = field(default_factory=dict)
    evidence_seqs: list[int] = field(default_factory=list)
    kind: str = ""
    """The step's kind as journaled at its start (``promql`` / ``k8s``: run in warroom's own process, no shell)."""
    seat: str = ""
    """``observer`` for a run a read-only seat made (``observer_seat.KEY`` on its lines): kept in
    ``StepState.observed``, never the response's run of the step; "" for the response's (and older journals)."""
    tag: str = ""
    """The run's ``$WARROOM_STEP_TAG`` (``step.started``): a drill's stand-ins stamp the actions they
    record inside it with it, so the drill report knows exactly which the run did."""
    """The ``evidence.recorded`` lines whose values are this run's before/after (what the PIR
    cites beside it): filed here by the fold as each line is tied to its run, so a view finds a
    run's values without reading every value of the incident, and never cites another run's."""

    @property
    def known_at(self) -> datetime | None:
        """From when the journal held its end: its line's time, and no earlier than the lines before it
        (``reducers.steps._ended``), when later than ``ended_at`` (an end kept while the journal could not be written,
        journaled late: ``execute/recovery.py``; one written after waiting on the lock; a spooled shared line), else
        ``ended_at``.
        Until then the incident showed the run running: a typing then is judged so, whatever the late line says
        (attack56 A6)."""
        if self.ended_at is None or self.end_logged_at is None:
            return self.ended_at
        return max(self.ended_at, self.end_logged_at)


@dataclass
class StepState:
    """Where one runbook step stands. ``status`` is one of ``events.STEP_STATES``."""

    step_id: str
    step: int | None = None
    label: str = ""
    status: str = "pending"
    runbook_id: str = ""
    runs: list[StepRun] = field(default_factory=list)
    # the runs a read-only seat made (``observer_seat``): shown as such, their output readable, but never the step's
    # run: they tick nothing, count in no progress, gate nothing and mobilise nobody (``runs`` is the response's)
    observed: list[StepRun] = field(default_factory=list)
    ticked_by: str | None = None
    ticked_at: datetime | None = None
    ticked_seq: int | None = None
    # each tick withdrawn: {"seq", "at", "actor", "tick_seq"} (the PIR says a step "not done" was ticked, then not)
    unticks: list[dict[str, Any]] = field(default_factory=list)
    skipped_reason: str | None = None
    skipped_at: datetime | None = None
    dry_runs: list[dict[str, Any]] = field(default_factory=list)
    refusals: list[dict[str, Any]] = field(default_factory=list)
    updated_seq: int = 0

    @property
    def attempts(self) -> int:
        return len(self.runs)

    @property
    def last_run(self) -> StepRun | None:
        return self.runs[-1] if self.runs else None

    @property
    def exit_code(self) -> int | None:
        return self.runs[-1].exit_code if self.runs else None

    @property
    def duration(self) -> float | None:
        return self.runs[-1].duration if self.runs else None

    @property
    def output(self) -> str | None:
        return self.runs[-1].output if self.runs else None

    @property
    def expect_met(self) -> bool | None:
        return self.runs[-1].expect_met if self.runs else None

    def run_of(self, output: str | None) -> StepRun | None:
        """The run, the response's or a read-only seat's (``observed``), whose output file is ``output`` (the key its
        start and end share); None."""
        return next((r for r in (*reversed(self.runs), *reversed(self.observed)) if output and r.output == output),
                    None)

    def _status_from_runs(self) -> str:
        return self.runs[-1].status if self.runs else "pending"


@dataclass
class Note:
    seq: int
    at: datetime
    actor: str
    tag: str
    text: str
    owner: str | None = None
    due: str | None = None
    original: str | None = None
    corrected_seq: int | None = None   # the correction's seq: every surface that quotes the note cites it


@dataclass
class TimelineEntry:
    """One line of the incident timeline; ``original`` holds the text before a correction."""

    seq: int
    at: datetime
    actor: str
    kind: str
    text: str
    step: int | None = None
    original: str | None = None
    manual: bool = False
    mark: str | None = None          # a step's end: the state it is shown in (warroom.incident.marks)
    corrected_seq: int | None = None
    lead: str = ""                   # what kind of line it is ("[went-well] ", "Status update posted…: "),
    #                                  kept by a correction, which replaces only what follows it
    step_key: tuple[str, str] | None = None    # a tick, untick or skip: its step's (runbook id, step id)


@dataclass
class StatusUpdate:
    seq: int
    at: datetime
    actor: str
    text: str
    channels: list[str] = field(default_factory=list)
    webhook: dict[str, Any] | None = None
    delivery: str = "drafted"   # drafted | posted | post_failed | recorded (see events.STATUS_UPDATE)


@dataclass
class EvidenceSample:
    """One recorded SLO value (``evidence.recorded`` or the value that triggered the declaration)."""

    seq: int
    at: datetime
    slo_id: str
    value: float | None
    unit: str | None = None
    state: str | None = None
    when: str | None = None
    step: int | None = None
    runbook_id: str | None = None   # the step's runbook (evidence from before it was journaled: None)
    seat: str = ""                  # "observer": a read-only seat's line (``observer_seat.lines``), not the response's


@dataclass
class Export:
    seq: int
    at: datetime
    template: str
    path: str
    sha256: str
    log_row: bool


@dataclass(frozen=True)
class ResponseTime:
    key: str
    label: str
    target_min: float
    at: datetime | None
    minutes: float | None            # scenario minutes (wall x the drill's speed): what the target judges
    met: bool | None
    measured_from: str
    wall_minutes: float | None = None   # the same span on the wall clock (equal outside a drill)
    early_by: float | None = None       # wall seconds it is journaled BEFORE what it is measured from (the
                                        # hosts' clocks disagree): not measured, never a "0s" span
    unseen: float | None = None         # detection in a drill: wall seconds of impact before the panes first
                                        # showed a value (``IncidentState.first_look``), not counted
    raised: str = ""                    # why ``target_min`` is longer than the seeds' target (a fast drill gives
                                        # people a floor of wall time: ``scenario_time.people_target``), '' if not


@dataclass(frozen=True)
class Escalation:
    tier: int
    label: str
    action: str
    minutes: float
    next_tier_in: float | None  # minutes until the next tier; None at the last tier / when resolved


StepKey = tuple[str, str]
"""A step's identity: (runbook id, step id). Never its number: two runbooks attached to one
incident both have a step 1, and a step's number changes when its runbook is edited."""


class StepTable(dict[StepKey, StepState]):
    """Step states keyed by :data:`StepKey`.

    A bare step id (``table["restart"]``, ``table.get("restart")``) means that step of the
    runbook attached now (``current``); the CLI and the PIR look steps up that way. Steps
    journaled before events carried a runbook id are filed under the runbook attached when they
    ran (see ``IncidentState._step``), so the fallback is exact for them too.
    """

    current: str = ""

    def _key(self, key: object) -> object:
        return (self.current, key) if isinstance(key, str) else key

    def __getitem__(self, key: object) -> StepState:
        return super().__getitem__(self._key(key))  # type: ignore[index]

    def __contains__(self, key: object) -> bool:
        return super().__contains__(self._key(key))

    def get(self, key: object, default: StepState | None = None) -> StepState | None:  # type: ignore[override]
        return super().get(self._key(key), default)  # type: ignore[call-overload]

    def of(self, runbook_id: str | None) -> dict[str, StepState]:
        """The states of one runbook's steps, by step id."""
        rb = runbook_id or ""
        return {k[1]: v for k, v in self.items() if k[0] == rb}

    def __reduce__(self) -> tuple[object, ...]:
        return (StepTable, (), {"current": self.current}, None, iter(self.items()))
