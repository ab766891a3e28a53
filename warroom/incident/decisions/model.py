"""What a decision judged is: the three states of a criterion, the criterion and step-output
records the journal keeps as evidence, the view of a decision as it stands, and what makes two
decisions the same one (every other module of the package builds or reads these)."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from warroom.errors import WarroomError
from warroom.runbook.decision import Decision
from warroom.paths import command

MET, NOT_MET, UNKNOWN = "met", "not met", "unknown"
VERDICTS = ("GO", "NO-GO")

Query = Callable[[str], Sequence[float]]


class StaleReading(WarroomError):
    """What a ``Query`` raises when the series it read are older than a pane lets a value be
    (``warroom.sources.freshness.stale_age``: a pane on it reads STALE): the criterion is unknown
    with these words ("stale: last sample 7m00s old"), never met or not met on a frozen value."""


def NOT_HERE(_expr: str) -> Sequence[float]:
    """The query of a view that reads the journal only (``incident show``, the checklist row):
    a metric is judged by the dashboard's look or ``incident decide``, not here. A marker:
    ``judge`` recognises it and never calls it."""
    return ()


def NO_OUTPUTS(_step: str) -> StepOutput | None:
    """The step-output reader of a view that reads the journal only: a step criterion is judged
    where the output is read (the dashboard's look, ``incident decide``), not here. A marker like
    ``NOT_HERE``: ``judge`` never calls it (it would say "has not run" of a step that ran)."""
    return None


@dataclass(frozen=True)
class CriterionVerdict:
    """One criterion as judged: the state, the words, and the value it was judged on (the metric,
    the number in the step's output, seconds since detection, the note's journal seq), so the
    journal keeps the evidence itself, not only a sentence about it."""

    side: str                 # "go" | "no_go"
    text: str
    state: str                # met | not met | unknown
    evidence: str
    kind: str = "judgement"   # metric | step | note | time | ran | judgement
    value: float | None = None
    source: str | None = None  # what was read: the query, "step N (run #seq)", "note #seq"
    judged: bool = True        # False: this view did not look (``NOT_HERE`` / ``NO_OUTPUTS``)
    title: str | None = None   # a named query's words and unit (the evidence already says them)
    unit: str | None = None
    name: str | None = None    # the [queries.NAME] it read; ``source`` is that query's PromQL
    # the moment the evidence is of, where it is not the look's: a step's output is what the step
    # said when its run ended, so a condition read there held from then (``deadline_start``)
    seen_at: datetime | None = field(default=None, compare=False)
    # a condition (``applies_when``) read in the output of a step typed by hand in the drill shell: its number is not
    # read (unknown), yet the team did what makes the decision arise, so it arises from the typing (``seen_at``) as
    # the checklist credits it (redteam49 F12: the halt checked by hand left FlowEngine down with no decision at all)
    by_hand: bool = field(default=False, compare=False)

    @property
    def arises(self) -> bool:
        """Whether this condition makes its decision arise: met, or read from a step typed by hand (``by_hand``)."""
        return self.state == MET or self.by_hand

    def to_json(self) -> dict[str, Any]:
        return {"side": self.side, "text": self.text, "state": self.state, "evidence": self.evidence,
                "kind": self.kind} | {k: v for k, v in (("value", self.value), ("source", self.source),
                                                        ("query", self.name), ("title", self.title),
                                                        ("unit", self.unit))
                                      if v is not None} | ({} if self.judged else {"judged": False}) | (
                                          {"by_hand": True} if self.by_hand else {})


def step_source(step: str, seq: int | None) -> str:
    """A step criterion's ``source``: ``step NAME (run #SEQ)``, the journal event of the run read."""
    return f"step {step}" + (f" (run #{seq})" if seq is not None else "")


def note_source(seq: int) -> str:
    """A note criterion's ``source``: ``note #SEQ``, the journal event of the note found."""
    return f"note #{seq}"


_SOURCE_SEQ = re.compile(r"(?:\(run #(\d+)\)|^note #(\d+))$")


def source_seqs(criterion: dict[str, Any]) -> tuple[int, ...]:
    """The journal event a journaled step or note criterion rests on (read from the ``source`` that
    :func:`step_source` / :func:`note_source` wrote; a metric's source is PromQL, never read here):
    what the PIR cites beside the criterion (``|cite``), so "run #5" is never drawn as prose."""
    if criterion.get("kind") not in ("step", "note", "ran", "not_ran"):
        return ()
    m = _SOURCE_SEQ.search(str(criterion.get("source") or ""))
    return (int(m.group(1) or m.group(2)),) if m else ()


@dataclass(frozen=True)
class StepOutput:
    """A step's last run, as a criterion reads it: only an ended, successful run is evidence."""

    text: str | None
    status: str               # ok | running | failed | timed_out | cancelled | ...
    seq: int | None = None    # the run's journal seq
    exit_code: int | None = None
    ended_at: datetime | None = None   # when the run ended: its output is what the step said then


@dataclass(frozen=True)
class Run:
    """A run of a conditional decision's arisals (``runs.runs`` has the rule): arisals ``first``..``last``
    (indexes into the decision's arisals, oldest first) with no verdict but perhaps on the last: one
    question, open since its first arisal began (``since``), whose deadline counts from there."""

    first: int
    last: int
    since: datetime

    @property
    def arisals(self) -> int:
        return self.last - self.first + 1

    def holds(self, index: int) -> bool:
        """Whether the arisal at ``index`` is one of this run's."""
        return self.first <= index <= self.last

    def words(self, when: Callable[[datetime], str]) -> str | None:
        """``open since 14:02:00 UTC, 2 arisals`` (``when`` says the moment in the view's own
        clock) for a run of more than one arisal, why it is overdue although it arose again just
        now; None for a run of one, which every view says as before."""
        return f"open since {when(self.since)}, {self.arisals} arisals" if self.arisals > 1 else None


@dataclass(frozen=True)
class DecisionView:
    """A decision as it stands now: criteria judged, the suggestion, the deadline, any verdict."""

    decision: Decision
    runbook_id: str
    criteria: tuple[CriterionVerdict, ...]
    suggestion: str                  # GO | NO-GO | undecided
    due_at: datetime | None
    overdue: bool
    recorded: dict[str, Any] | None  # the latest decision.recorded that answers it, if any
    judged_at: datetime | None = None
    due_text: str | None = None      # "15m00s drill time (1m30s wall) after detection, 04:29:46 UTC"
    applies: CriterionVerdict | None = None   # the ``applies_when`` condition as judged now
    arose: dict[str, Any] | None = None       # the journal's decision.arose for it (this runbook)
    not_needed: str | None = None             # why the decision does not arise now, else None
    arisen_at: datetime | None = None         # when its current arisal began (None: not yet, or unconditional)
    early: dict[str, Any] | None = None       # the latest verdict that does not answer the current arisal
    # every arisal's start, oldest first, the current one last (``arisen_at``); one not journaled yet
    # (this look saw the condition hold again) included: a verdict answers the arisal it was taken in
    arisals: tuple[datetime, ...] = ()
    lapsed_at: datetime | None = None         # the current arisal's condition was seen not to hold then
    # the current run (``runs``): its arisals since the last one a verdict answered; its deadline
    # counts from the run's first arisal, so a condition that flaps with no verdict goes overdue
    run: Run | None = None
    deadline: float | None = None             # the deadline given (incident seconds): the runbook's, floored in a drill
    # a drill's "raised from the runbook's deadline, 15m00s drill time (15s wall), so the commander has time to
    # decide" (``deadline.raised_words``), said inside ``due_text`` too: a view that has no room for it there
    # (the Go/No-Go dialog's head at 80x24) says it apart
    raised: str = ""

    def deadline_fields(self) -> dict[str, float | None]:
        """What a reminder or a verdict journals of the deadline (``deadline.deadline_fields``)."""
        asked = self.decision.deadline
        return {"deadline": self.deadline} | (
            {"deadline_asked": asked} if asked is not None and self.deadline != asked else {})

    @property
    def needed(self) -> bool:
        return self.not_needed is None

    def open_words(self) -> str | None:
        """``open since 14:02:00 UTC, 2 arisals``: why a decision that arose again just now is due
        (or overdue) by a deadline counted from before, its run's first arisal; None for a run of
        one arisal (``Run.words``)."""
        return self.run.words(utc_hms) if self.run is not None else None

    @property
    def again(self) -> bool:
        """Whether the decision arose again: its current arisal is not its first (attack39 G2)."""
        return len(self.arisals) > 1

    def answered_by(self, recorded: dict[str, Any]) -> bool:
        """Whether a journaled verdict answers this decision as it stands: its current arisal
        (``answers``)."""
        return answers(self.decision, recorded, self.arisals)

    def answered_before(self, recorded: dict[str, Any]) -> bool:
        """Whether a journaled verdict answered an earlier arisal of this decision, not the current
        one: it was taken before the decision arose again."""
        i = answered_arisal(recorded, self.arisals) if self.decision.applies_when is not None else None
        return i is not None and i < len(self.arisals) - 1

    def early_words(self) -> str | None:
        """What every view says of the latest verdict that does not answer the decision as it stands
        (``answers``), with none since: ``GO by dana recorded before it arose (#3, 10:00:01 UTC): it
        does not answer it``; the decision not arisen yet, that it will not answer it when it does;
        one that answered an earlier arisal, that the decision arose again since and it answers that
        time only (a GO "flows are back already" is no answer to a second halt)."""
        e = self.early
        if e is None:
            return None
        at = _moment(e.get("at"))
        ref = f" (#{e.get('seq')}" + (f", {at:%H:%M:%S} UTC)" if at is not None else ")")
        who = f"{e.get('verdict')} by {e.get('by')}"
        if self.answered_before(e) and self.arisen_at is not None:
            return (f"{who}{ref} answered it before it arose again at {self.arisen_at:%H:%M:%S} UTC:"
                    " it does not answer it now")
        said = f"{who} recorded " + ("before it arose" if self.arisen_at is not None else "while it has not arisen")
        return said + ref + (": it does not answer it" if self.arisen_at is not None
                             else ": it will not answer it if it arises")

    def early_brief(self) -> str | None:
        """``early_words`` as the checklist row says it beside the decision's standing: ``GO by dana
        recorded before it arose: no answer`` (or, not arisen yet, ``… answers nothing yet``; or
        ``… answered it before it arose again: no answer now``)."""
        e = self.early
        if e is None:
            return None
        if self.answered_before(e):
            return f"{e.get('verdict')} by {e.get('by')} answered it before it arose again: no answer now"
        return f"{e.get('verdict')} by {e.get('by')} " + (
            "recorded before it arose: no answer" if self.arisen_at is not None else "answers nothing yet")

    def not_due_text(self, incident_id: str) -> str | None:
        """What every view says of a decision its condition does not make due (None: it is due):
        ``not needed now (…)`` for a condition judged not to hold, or unreadable where it was
        read; for one this view never judged (``incident show``, the checklist, the brief read
        the journal only) what it knows — never "not needed": all providers may be down now."""
        if self.not_needed is None:
            return None
        if self.applies is not None and not self.applies.judged and self.arose is None:
            return (f"condition not judged here ({self.applies.text});"
                    f" `{command('incident', 'decide', incident_id)}` judges it")
        return f"not needed now ({self.not_needed})"

    @property
    def key(self) -> tuple[str, str]:
        return decision_key(self.decision, self.runbook_id)

    def to_json(self) -> dict[str, Any]:
        return {"id": self.decision.id, "runbook_id": self.runbook_id, "question": self.decision.question,
                "suggestion": self.suggestion, "due_at": self.due_at.isoformat() if self.due_at else None,
                "overdue": self.overdue, "on_go": self.decision.on_go,
                "judged_at": self.judged_at.isoformat() if self.judged_at else None,
                "needed": self.needed, "not_needed": self.not_needed,
                "applies_when": self.applies.to_json() if self.applies else None,
                "go_when": self.decision.go_when, "no_go_when": self.decision.no_go_when,
                "criteria": [c.to_json() for c in self.criteria],
                "arose_at": self.arisen_at.isoformat() if self.arisen_at else None,
                "arisal": len(self.arisals), "arisals": [a.isoformat() for a in self.arisals],
                "lapsed_at": self.lapsed_at.isoformat() if self.lapsed_at else None,
                "open_since": self.run.since.isoformat() if self.run is not None else None,
                "open_arisals": self.run.arisals if self.run is not None else 0,
                "recorded": _verdict_json(self.recorded),
                "recorded_before_it_arose": None if self.early is None or self.answered_before(self.early)
                else _verdict_json(self.early),
                "answered_before_it_arose_again": _verdict_json(self.early)
                if self.early is not None and self.answered_before(self.early) else None}


def utc_hms(t: datetime) -> str:
    """A moment as the views judged now say it: ``14:02:00 UTC``."""
    return f"{t:%H:%M:%S} UTC"


def _verdict_json(d: dict[str, Any] | None) -> dict[str, Any] | None:
    return {k: d[k] for k in ("verdict", "by", "why", "seq", "runbook_id") if k in d} if d else None


def answers(decision: Decision, recorded: dict[str, Any], arisals: Sequence[datetime]) -> bool:
    """Whether a journaled verdict on ``decision`` answers it as it stands: always, for a decision
    asked from detection; for a conditional one, when it answers its current (latest) arisal
    (``answered_arisal``); with none yet, unless it was recorded while not needed (``before_it_arose``)."""
    if decision.applies_when is None:
        return True
    if not arisals:
        return not before_it_arose(recorded, None)
    return answered_arisal(recorded, arisals) == len(arisals) - 1


def answered_arisal(recorded: dict[str, Any], arisals: Sequence[datetime]) -> int | None:
    """Which arisal of a conditional decision a journaled verdict answers: an index into ``arisals``
    (their starts, oldest first), None for none.

    A verdict answers the arisal it was recorded in: the latest that began at or before it, lapsed
    since or not ("it held earlier": the question that was asked). A decision that arose, lapsed and
    arises again is a new question, and a verdict taken before that has not answered it: a GO "flows
    are back already" recorded while FlowEngine ran again answered a second halt 46 drill minutes in,
    not overdue (attack39 G2). Before the first arisal, decide39's rule: a verdict recorded while not
    needed answers none (``before_it_arose``); one taken while needed (through another runbook that
    states it unconditionally) answers the first."""
    at = _moment(recorded.get("at"))
    if at is not None:
        began = [i for i, start in enumerate(arisals) if start <= at]
        if began:
            return began[-1]
    if not arisals or before_it_arose(recorded, arisals[0]):
        return None
    return 0


def before_it_arose(recorded: dict[str, Any], arisen_at: datetime | None) -> bool:
    """Whether a verdict on a conditional decision was recorded before the decision arose
    (``arisen_at``; None: it has not arisen yet), so that it does not answer it.

    A verdict can be recorded any time, but one taken while the decision did not arise (journaled
    with its ``not_needed``) answers the criteria as they stood then, not the question asked since:
    a GO on "bring FlowEngine back?" recorded before the halt silenced the deadline of the decision
    the halt raised (attack38 F9). It stays in the journal and the PIR as what it was; the decision
    stays undecided, its deadline runs and it goes overdue. A verdict taken while the decision was
    needed (no ``not_needed``: here, or through another runbook stating it unconditionally), or
    after it arose (its condition lapsed since: "it held earlier"), answers it."""
    if not recorded.get("not_needed"):
        return False
    if arisen_at is None:
        return True
    at = _moment(recorded.get("at"))
    return at is not None and at < arisen_at


def decision_key(decision: Decision, runbook_id: str) -> tuple[str, str]:
    """What makes two decisions the same one: a written id is shared by every runbook that
    states it (RB-LAUNCH-005 and RB-LAUNCH-002 both ask "roll back to the pilot?"); a numbered
    one (no id written) belongs to its runbook alone."""
    return (decision.id, "") if decision.named else (decision.id, runbook_id)


def recorded_key(d: dict[str, Any]) -> tuple[str, str]:
    """``decision_key`` of a journaled ``decision.recorded`` / ``decision.overdue`` (events from
    before ``named`` was journaled had written ids: shared)."""
    return (str(d.get("id")), "") if d.get("named", True) else (str(d.get("id")), str(d.get("runbook_id")))


def verdict_basis(recorded: dict[str, Any]) -> str:
    """How a journaled verdict stood against what the tool judged when it was taken: as the tool
    suggested, against it (the commander overrode the suggestion), or with no suggestion; and,
    when none of the verdict's own criteria was met, that too. One sentence for the PIR and the
    drill report, so a GO taken against the criteria is said as such wherever it is read, never
    left to the reader to compare the suggestion with the verdict."""
    verdict, suggested = recorded.get("verdict"), recorded.get("suggestion")
    if suggested in VERDICTS and suggested != verdict:
        said = f"against the tool's suggestion ({suggested}): the commander overrode it"
    elif suggested in VERDICTS:
        said = "as the tool suggested"
    else:
        said = "the tool made no suggestion (neither side's rule held)"
    side = "go" if verdict == "GO" else "no_go"
    own = [c for c in recorded.get("criteria") or [] if isinstance(c, dict) and c.get("side") == side]
    measured = [c for c in own if c.get("kind") not in (None, "judgement")]   # the judgement ones were the IC's
    if measured and not any(c.get("state") == MET for c in own):
        said += f"; none of its {len(measured)} measured {verdict} criteria was met"
    return said


def _moment(value: Any) -> datetime | None:
    """A journaled time (a datetime, or ISO text), None when there is none or it cannot be read."""
    if isinstance(value, datetime) or value is None:
        return value
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


@dataclass(frozen=True)
class AnsweredInTime:
    """A verdict taken after its deadline on a decision a verdict had answered by it: ``first``,
    the earliest verdict that stood by the deadline; ``change``, what this one did to the verdict
    standing just before it ("reversed" or "confirmed")."""

    first: dict[str, Any]
    change: str


def answered_in_time(decisions: Sequence[dict[str, Any]], recorded: dict[str, Any]) -> AnsweredInTime | None:
    """Whether ``recorded``, taken after its deadline (journaled ``late``), changed or kept a verdict
    that had answered the decision in time; None otherwise (taken in time, or the decision's first
    answer came late). A NO-GO at +10m then a GO at +20m against a 15-minute deadline is a reversal
    after the deadline of a decision answered in time, not a decision taken late: the PIR and the
    drill report both ask here, so neither calls it late (nor says it with the ones that were)."""
    due = _moment(recorded.get("due_at"))
    if not recorded.get("late") or due is None:
        return None
    key, seq = recorded_key(recorded), recorded.get("seq")
    earlier: list[dict[str, Any]] = []
    for d in decisions:
        if d is recorded or (seq is not None and d.get("seq") == seq):
            break                # only a verdict journaled before this one can have stood by its deadline
        if recorded_key(d) == key:
            earlier.append(d)
    first = next((d for d in earlier if not d.get("late") and (at := _moment(d.get("at"))) is not None
                  and at <= due), None)
    if first is None:
        return None
    change = "confirmed" if earlier[-1].get("verdict") == recorded.get("verdict") else "reversed"
    return AnsweredInTime(first, change)
