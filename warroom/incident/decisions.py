"""Go/No-Go decisions on an open incident: each criterion evaluated from what the tool knows, the
verdict recorded with who and why, a reminder when the deadline passes.

The runbook states the decision (``warroom.runbook.decision``); this module judges it against the
incident: metrics through the incident's metric source, numbers in step outputs, tagged notes,
time since detection (scenario time in a drill). A criterion the tool cannot judge is "unknown",
never "met". The suggestion follows the runbook's rule (``go_when`` / ``no_go_when``; by default
GO when any GO criterion is met, NO-GO only when every NO-GO criterion is), but the commander
decides; the journal keeps both, with each criterion's state, words and the value it was judged on.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from warroom import scenario_time as stime
from warroom.durations import format_duration
from warroom.errors import WarroomError
from warroom.runbook.decision import Criterion, Decision
from warroom.units import format_value

MET, NOT_MET, UNKNOWN = "met", "not met", "unknown"
VERDICTS = ("GO", "NO-GO")
_OUTPUT_TAIL = 65536          # bytes of a step's output searched for a criterion's number

Query = Callable[[str], Sequence[float]]


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
    kind: str = "judgement"   # metric | step | note | time | judgement
    value: float | None = None
    source: str | None = None  # what was read: the query, "step N (run #seq)", "note #seq"
    judged: bool = True        # False: this view did not look (``NOT_HERE`` / ``NO_OUTPUTS``)

    def to_json(self) -> dict[str, Any]:
        return {"side": self.side, "text": self.text, "state": self.state, "evidence": self.evidence,
                "kind": self.kind} | {k: v for k, v in (("value", self.value), ("source", self.source))
                                      if v is not None} | ({} if self.judged else {"judged": False})


@dataclass(frozen=True)
class StepOutput:
    """A step's last run, as a criterion reads it: only an ended, successful run is evidence."""

    text: str | None
    status: str               # ok | running | failed | timed_out | cancelled | ...
    seq: int | None = None    # the run's journal seq
    exit_code: int | None = None


@dataclass(frozen=True)
class DecisionView:
    """A decision as it stands now: criteria judged, the suggestion, the deadline, any verdict."""

    decision: Decision
    runbook_id: str
    criteria: tuple[CriterionVerdict, ...]
    suggestion: str                  # GO | NO-GO | undecided
    due_at: datetime | None
    overdue: bool
    recorded: dict[str, Any] | None  # the latest decision.recorded for it, if any
    judged_at: datetime | None = None
    due_text: str | None = None      # "15m00s drill time (1m30s wall) after detection, 04:29:46 UTC"
    applies: CriterionVerdict | None = None   # the ``applies_when`` condition as judged now
    arose: dict[str, Any] | None = None       # the journal's decision.arose for it (this runbook)
    not_needed: str | None = None             # why the decision does not arise now, else None

    @property
    def needed(self) -> bool:
        return self.not_needed is None

    def not_due_text(self, incident_id: str) -> str | None:
        """What every view says of a decision its condition does not make due (None: it is due):
        ``not needed now (…)`` for a condition judged not to hold, or unreadable where it was
        read; for one this view never judged (``incident show``, the checklist, the brief read
        the journal only) what it knows — never "not needed": all providers may be down now."""
        if self.not_needed is None:
            return None
        if self.applies is not None and not self.applies.judged and self.arose is None:
            return (f"condition not judged here ({self.applies.text}); `warroom incident decide"
                    f" {incident_id}` judges it")
        return f"not needed now ({self.not_needed})"

    @property
    def key(self) -> tuple[str, str]:
        return decision_key(self.decision, self.runbook_id)

    def to_json(self) -> dict[str, Any]:
        return {"id": self.decision.id, "runbook_id": self.runbook_id, "question": self.decision.question,
                "suggestion": self.suggestion, "due_at": self.due_at.isoformat() if self.due_at else None,
                "overdue": self.overdue, "on_go": self.decision.on_go,
                "needed": self.needed, "not_needed": self.not_needed,
                "applies_when": self.applies.to_json() if self.applies else None,
                "go_when": self.decision.go_when, "no_go_when": self.decision.no_go_when,
                "criteria": [c.to_json() for c in self.criteria],
                "recorded": {k: self.recorded[k] for k in ("verdict", "by", "why", "seq", "runbook_id")
                             if k in self.recorded} if self.recorded else None}


def decision_key(decision: Decision, runbook_id: str) -> tuple[str, str]:
    """What makes two decisions the same one: a written id is shared by every runbook that
    states it (RB-LAUNCH-005 and RB-LAUNCH-002 both ask "roll back to the pilot?"); a numbered
    one (no id written) belongs to its runbook alone."""
    return (decision.id, "") if decision.named else (decision.id, runbook_id)


def recorded_key(d: dict[str, Any]) -> tuple[str, str]:
    """``decision_key`` of a journaled ``decision.recorded`` / ``decision.overdue`` (events from
    before ``named`` was journaled had written ids: shared)."""
    return (str(d.get("id")), "") if d.get("named", True) else (str(d.get("id")), str(d.get("runbook_id")))


def _compare(value: float, op: str, target: float) -> bool:
    return {">=": value >= target, "<=": value <= target, ">": value > target, "<": value < target,
            "==": value == target, "!=": value != target}[op]


def _since_detection(state: Any, now: datetime) -> float | None:
    start = state.clock_start
    if start is None:
        return None
    return stime.between(state, start, now).seconds


def _scenario_span(state: Any, scenario_seconds: float, wall: bool = True) -> str:
    """Scenario seconds (what a criterion's ``after`` counts) as every drill duration reads:
    ``15m10s drill time (1m31s wall)`` (``warroom.scenario_time``)."""
    return stime.of_scenario(state, scenario_seconds).text(wall=wall)


def judge(c: Criterion, side: str, state: Any, now: datetime, query: Query | None,
          step_output: Callable[[str], StepOutput | None]) -> CriterionVerdict:
    """One criterion: met / not met / unknown, with the evidence in words and the value judged.
    What cannot be read (no source, a failed query, a step not run or not ended ok, no clock) is
    unknown, never met."""
    kind = c.kind

    def verdict(st: str, evidence: str, value: float | None = None, source: str | None = None,
                judged: bool = True) -> CriterionVerdict:
        return CriterionVerdict(side, c.text, st, evidence, kind, value, source, judged)

    if kind == "metric":
        if query is None:
            return verdict(UNKNOWN, "no metric source", source=c.query)
        if query is NOT_HERE:
            return verdict(UNKNOWN, "not judged in this view (the dashboard and `incident decide` judge it)",
                           source=c.query, judged=False)
        try:
            values = [v for v in query(c.query or "") if not math.isnan(v)]
        except (WarroomError, ValueError, OSError) as exc:
            return verdict(UNKNOWN, f"query failed: {exc}", source=c.query)
        if len(values) != 1:
            return verdict(UNKNOWN, "no data" if not values else f"{len(values)} series, expected one",
                           source=c.query)
        ok = _compare(values[0], c.op or ">=", c.value or 0.0)
        return verdict(MET if ok else NOT_MET, f"{format_value(values[0], None)} {c.op} {format_value(c.value, None)}"
                       f" is {'true' if ok else 'false'}", values[0], c.query)
    if kind == "step":
        if step_output is NO_OUTPUTS:
            return verdict(UNKNOWN, "not judged in this view (the dashboard and `incident decide` judge it)",
                           judged=False)
        run = step_output(c.step or "")
        if run is None:
            return verdict(UNKNOWN, f"step {c.step} has not run")
        where = f"step {c.step}" + (f" (run #{run.seq})" if run.seq is not None else "")
        if run.status != "ok":
            said = {"running": "is still running"}.get(run.status, f"last ended {run.status.replace('_', ' ')}"
                                                       + (f" (exit {run.exit_code})" if run.exit_code is not None else ""))
            return verdict(UNKNOWN, f"step {c.step} {said}: its output is not evidence", source=where)
        if run.text is None:
            return verdict(UNKNOWN, f"step {c.step}'s output is not kept here", source=where)
        number = _last_number(c.pattern or "", run.text)
        if number is None:
            return verdict(UNKNOWN, f"step {c.step}'s output has no number for its pattern", source=where)
        ok = _compare(number, c.op or ">=", c.value or 0.0)
        return verdict(MET if ok else NOT_MET, f"step {c.step}: {format_value(number, None)} {c.op} "
                       f"{format_value(c.value, None)}", number, where)
    since = _since_detection(state, now)
    if kind == "note":
        notes = [n for n in state.notes if n.tag == (c.note or c.no_note)]
        first = notes[0] if notes else None
        cite = f"note #{first.seq}" if first is not None else None
        if c.note:
            return verdict(MET if first else NOT_MET,
                           f"a {c.note} note {'exists' if first else 'is not recorded yet'}", source=cite)
        if first is not None:
            return verdict(NOT_MET, f"a {c.no_note} note exists", source=cite)
    if kind in ("note", "time") and since is None:
        return verdict(UNKNOWN, "the incident clock has not started")
    waited = since is not None and (c.after is None or since >= c.after)
    if kind == "note":
        if not waited:
            left = format_duration(max(0.0, (c.after or 0) - (since or 0)))
            return verdict(NOT_MET, f"no {c.no_note} note yet; {left} left of "
                           f"{_scenario_span(state, c.after or 0, False)}", since)
        return verdict(MET, f"no {c.no_note} note after {_scenario_span(state, since or 0)}", since)
    if kind == "time":
        return verdict(MET if waited else NOT_MET, f"{_scenario_span(state, since or 0)} since detection", since)
    return verdict(UNKNOWN, "the commander's judgement")


def _last_number(pattern: str, text: str) -> float | None:
    """The number the pattern's first group captures, at its last match in ``text`` (the tail);
    the pattern runs on RE2 (linear time: a runbook's pattern cannot stall the dashboard)."""
    from warroom.execute.redact_user import compile_user_pattern

    data = text.encode("utf-8", "replace")[-_OUTPUT_TAIL:]
    last = None
    for m in compile_user_pattern("(?m)" + pattern).finditer(data):
        last = m
    if last is None:
        return None
    try:
        number = float((last.group(1) or b"").decode("utf-8", "replace").replace(",", ""))
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _side(crit: Sequence[CriterionVerdict], when: str) -> bool:
    if not crit:
        return False
    met = [c.state == MET for c in crit]
    return all(met) if when == "all" else any(met)


def arose_of(state: Any, decision: Decision, runbook_id: str) -> dict[str, Any] | None:
    """The journal's ``decision.arose`` for this decision as this runbook states it (the condition
    is the runbook's own: RB-CORE-004's "all providers down" says nothing of RB-LAUNCH-004's)."""
    key = decision_key(decision, runbook_id)
    return next((a for a in getattr(state, "decisions_arose", None) or []
                 if recorded_key(a) == key and str(a.get("runbook_id")) == runbook_id), None)


def _not_needed(applies: CriterionVerdict | None, arose: dict[str, Any] | None) -> str | None:
    """Why a conditional decision does not arise now, or None when it does.

    The rule: met now -> needed; not met now -> not needed (even if it held earlier: the rare case
    is over); unknown now -> needed only if the journal says it was seen to hold (a look that cannot
    query metrics, like ``incident show``, must not forget that all providers went down), else not
    needed: an unknown condition never makes a decision overdue."""
    if applies is None or applies.state == MET:
        return None
    if applies.state == NOT_MET:
        return f"{applies.text}: not met — {applies.evidence}" + (" (it held earlier)" if arose else "")
    if arose is not None:
        return None
    return f"{applies.text}: not seen to hold — {applies.evidence}"


def arose_at(arose: dict[str, Any]) -> datetime | None:
    """When a journaled ``decision.arose`` says the decision arose: the instant its look judged the
    condition (``judged_at``, the moment the metrics were read at), else the line's own time."""
    judged = arose.get("judged_at")
    try:
        when = datetime.fromisoformat(str(judged).replace("Z", "+00:00")) if judged else None
    except ValueError:
        when = None
    if when is not None and when.tzinfo is not None:
        return when
    at = arose.get("at")
    return at if isinstance(at, datetime) else None


def deadline_start(decision: Decision, state: Any, now: datetime, applies: CriterionVerdict | None,
                   arose: dict[str, Any] | None, not_needed: str | None) -> tuple[datetime | None, str]:
    """Where a decision's deadline counts from, and how to say it.

    A decision every incident of the runbook faces counts from detection (the runbook's clock,
    like its escalation tiers). A conditional one (``applies_when``) counts from when it arose —
    the journaled ``decision.arose``, or this look if its condition is seen to hold now and is not
    journaled yet — so a decision that arises at minute 40 with a 30-minute deadline is due at
    minute 70, never overdue on arrival; before it arises no deadline runs. One needed only because
    another runbook's unconditional copy of it is overdue counts from detection, as that copy does."""
    if decision.applies_when is None:
        return state.clock_start, "detection"
    if arose is not None:
        return arose_at(arose), "it arose"
    if applies is not None and applies.state == MET:
        return now, "it arose"
    if not_needed is None:       # needed through another runbook that states it unconditionally
        return state.clock_start, "detection"
    return None, "it arises"


def evaluate(decision: Decision, runbook_id: str, state: Any, now: datetime, *, query: Query | None,
             step_output: Callable[[str], StepOutput | None], criteria: bool = True) -> DecisionView:
    """The decision judged at ``now``; ``criteria=False`` judges only its ``applies_when``
    condition (what the overdue reminder needs), not the GO / NO-GO criteria."""
    crit = tuple([judge(c, "go", state, now, query, step_output) for c in decision.go]
                 + [judge(c, "no_go", state, now, query, step_output) for c in decision.no_go]) if criteria else ()
    applies = judge(decision.applies_when, "applies_when", state, now, query, step_output) \
        if decision.applies_when is not None else None
    arose = arose_of(state, decision, runbook_id) if decision.applies_when is not None else None
    not_needed = _not_needed(applies, arose)
    key = decision_key(decision, runbook_id)
    if not_needed is not None and any(recorded_key(o) == key and str(o.get("runbook_id")) != runbook_id
                                      for o in getattr(state, "decisions_overdue", None) or []):
        not_needed = None     # one decision: overdue where another runbook needs it, it is needed here too
    if _side([c for c in crit if c.side == "go"], decision.go_when):
        suggestion = "GO"
    elif _side([c for c in crit if c.side == "no_go"], decision.no_go_when):
        suggestion = "NO-GO"
    else:
        suggestion = "undecided"
    recorded = next((d for d in reversed(state.decisions) if recorded_key(d) == key), None)
    due_at, due_text = None, None
    start, since = deadline_start(decision, state, now, applies, arose, not_needed)
    if decision.deadline is not None and start is not None:
        due_at = stime.after(state, start, decision.deadline)
        due_text = f"{_scenario_span(state, decision.deadline)} after {since}, {due_at:%H:%M:%S} UTC"
    overdue = due_at is not None and recorded is None and now > due_at and not state.resolved and not_needed is None
    return DecisionView(decision, runbook_id, crit, suggestion, due_at, overdue, recorded, now, due_text,
                        applies, arose, not_needed)


@dataclass(frozen=True)
class Recorded:
    """A verdict journaled, and what it opened: ``opened`` is the follow-up runbook this GO
    attached (None when there is none, or it was open already: ``already_open``)."""

    event: Any
    opened: str | None = None
    already_open: bool = False
    not_opened: str | None = None     # why the follow-up runbook could not be attached

    def said(self, verdict: str) -> str:
        on_go = f"; {self.opened} opened beside the current runbook" if self.opened else ""
        return f"{verdict} recorded as seq {self.event.seq}{on_go}" + (
            "; the follow-up runbook was already open" if self.already_open else "") + (
            f"; the follow-up runbook could NOT be opened: {self.not_opened}" if self.not_opened else "")


def record(incident: Any, view: DecisionView, verdict: str, *, by: str, why: str) -> Recorded:
    """Journal the verdict with the criteria as they were judged (state, words and value each);
    on GO the follow-up runbook is attached beside the current one, once (a second GO, or a GO
    after the runbook was opened by hand, does not open it again)."""
    verdict = " ".join(verdict.strip().upper().replace("-", " ").split()).replace("NOGO", "NO GO")
    verdict = {"GO": "GO", "NO GO": "NO-GO"}.get(verdict, verdict)
    if verdict not in VERDICTS:
        raise WarroomError(f"a decision is GO or NO-GO, not {verdict!r}")
    if not why.strip():
        raise WarroomError("say why: a decision without its reason cannot be reviewed")
    if not by.strip():
        raise WarroomError("say who decides: a decision is someone's call")
    state = incident.state
    earlier = [d for d in state.decisions if recorded_key(d) == view.key]
    event = incident.record_decision({
        "id": view.decision.id, "named": view.decision.named, "runbook_id": view.runbook_id,
        "question": view.decision.question, "verdict": verdict, "by": by.strip(), "why": why.strip(),
        "suggestion": view.suggestion, "criteria": [c.to_json() for c in view.criteria],
        "judged_at": view.judged_at.isoformat() if view.judged_at else None,
        "go_when": view.decision.go_when, "no_go_when": view.decision.no_go_when,
        "deadline": view.decision.deadline, "due_at": view.due_at.isoformat() if view.due_at else None,
        "late": view.needed and view.due_at is not None
        and max(_now_of(incident), view.judged_at or view.due_at) > view.due_at,
        "applies_when": view.applies.to_json() if view.applies else None,   # a decision not needed now
        "not_needed": view.not_needed,                                      # is never "taken late"
        "on_go": view.decision.on_go,
        "replaces": earlier[-1].get("seq") if earlier else None,
    })
    on_go = view.decision.on_go if verdict == "GO" else None
    if on_go and incident.state.open_ref(on_go) is not None:
        return Recorded(event, None, True)
    if on_go:
        try:      # the verdict stands whatever happens here: it is journaled already
            # beside the current runbook, which stays current: both are worked from now on
            attached = incident.attach_runbook_once(
                _library_file(incident, on_go),
                opened_by={"decision": view.decision.id, "runbook_id": view.runbook_id, "seq": event.seq})
        except (WarroomError, OSError) as exc:
            return Recorded(event, None, False, str(exc))
        if attached is None:      # another responder's GO opened it in the meantime
            return Recorded(event, None, True)
    return Recorded(event, on_go)


def _library_file(incident: Any, runbook_id: str) -> Path:
    """The file of the runbook ``runbook_id`` names in the library: an id, never a path (a
    runbook cannot make a GO open whatever file it likes)."""
    from warroom.errors import NotFoundError
    from warroom.runbook.library import RunbookLibrary

    if "/" in runbook_id or "\\" in runbook_id or runbook_id.startswith(("~", ".")):
        raise WarroomError(f"{runbook_id!r} is not a runbook id")
    found = RunbookLibrary.from_config(incident.config).get(runbook_id)
    if found is None or found.path is None or found.id.lower() != runbook_id.lower():
        raise NotFoundError(f"runbook {runbook_id!r} is not in the library")
    return Path(found.path)


def _now_of(incident: Any) -> datetime:
    clock = getattr(incident, "clock", None)
    return clock() if callable(clock) else stime.utcnow()




def remind_overdue(incident: Any, views: Sequence[DecisionView]) -> list[DecisionView]:
    """Journal ``decision.overdue`` once for each decision past its deadline without a verdict
    (once per decision: two runbooks stating the same decision remind once). Judged on the journal
    as it is at the append (``append_once``): another watcher's reminder, or a verdict taken since
    the view was judged, means nothing is due."""
    from warroom.journal import events as ev

    note_arisen(incident, views)
    out: list[DecisionView] = []
    for v in views:
        if not v.overdue or any(o.key == v.key for o in out):
            continue

        def due(state: Any, v: DecisionView = v) -> tuple[str, dict[str, Any]] | None:
            if any(recorded_key(d) == v.key for d in [*state.decisions_overdue, *state.decisions]):
                return None
            return ev.DECISION_OVERDUE, {"id": v.decision.id, "named": v.decision.named, "runbook_id": v.runbook_id,
                                         "question": v.decision.question, "deadline": v.decision.deadline,
                                         "due_at": v.due_at.isoformat() if v.due_at else None}

        if incident.append_once(due) is not None:
            out.append(v)
    return out


def note_arisen(incident: Any, views: Sequence[DecisionView]) -> list[Any]:
    """Journal ``decision.arose`` once per (decision, runbook) the first time its ``applies_when``
    condition is seen met (``append_once``: two watchers journal it once), so looks that cannot
    judge the condition (no metric query: ``incident show``, the checklist) know it arose."""
    from warroom.journal import events as ev

    out = []
    for v in views:
        if v.applies is None or v.applies.state != MET or v.arose is not None:
            continue

        def due(state: Any, v: DecisionView = v) -> tuple[str, dict[str, Any]] | None:
            if arose_of(state, v.decision, v.runbook_id) is not None:
                return None
            return ev.DECISION_AROSE, {"id": v.decision.id, "named": v.decision.named, "runbook_id": v.runbook_id,
                                       "question": v.decision.question, "condition": v.applies.to_json() if v.applies else {},
                                       "judged_at": v.judged_at.isoformat() if v.judged_at else None}

        event = incident.append_once(due)
        if event is not None:
            out.append(event)
    return out


def step_output_reader(incident_dir: Path, state: Any, runbook_id: str) -> Callable[[str], StepOutput | None]:
    """The last run of a step of ``runbook_id`` (by step id or number): its status and the tail
    of its stored (redacted) output; None when it never ran (a dry run is not a run)."""
    def read(step: str) -> StepOutput | None:
        for st in state.steps.values():
            if getattr(st, "runbook_id", runbook_id) != runbook_id:
                continue
            if step not in (st.step_id, str(st.step)):
                continue
            run = st.last_run
            if run is None:
                return None
            status = str(getattr(run, "status", None) or "running")
            seq, code = getattr(run, "seq", None), getattr(run, "exit_code", None)
            if not run.output:
                return StepOutput(None, status, seq, code)
            try:
                with open(incident_dir / run.output, "rb") as fh:
                    fh.seek(0, 2)
                    fh.seek(max(0, fh.tell() - _OUTPUT_TAIL))
                    return StepOutput(fh.read().decode("utf-8", errors="replace"), status, seq, code)
            except OSError:
                return StepOutput(None, status, seq, code)
        return None
    return read


def evaluate_all(incident: Any, state: Any, runbooks: Sequence[Any], source: Any | None,
                 now: datetime, *, criteria: bool = True) -> list[DecisionView]:
    """Every decision of ``runbooks`` judged now; metrics through ``source`` (drill or Prometheus).
    ``criteria=False``: only the ``applies_when`` conditions (one query each at most: what the
    dashboard's periodic overdue check needs). Blocking (queries): call it off the event loop."""
    from warroom.sources.prom_results import QueryError

    asked: dict[str, list[float] | Exception] = {}   # one query per expression per look

    def query(expr: str) -> list[float]:
        if source is None or not hasattr(source, "query"):
            raise WarroomError("no metric source")
        if expr not in asked:
            try:   # at the instant the rest is judged at, so time and metrics tell one moment
                asked[expr] = [float(row[1]) for row in source.query(expr, at=now.timestamp())]
            except QueryError as exc:
                asked[expr] = WarroomError(str(exc))
            except (WarroomError, ValueError, OSError) as exc:
                asked[expr] = exc
        got = asked[expr]
        if isinstance(got, Exception):
            raise got
        return got

    return [evaluate(d, rb_id, state, now, query=query,
                     step_output=step_output_reader(Path(incident.dir), state, rb_id), criteria=criteria)
            for rb_id, d in decisions_of(runbooks)]


def decisions_of(runbooks: Sequence[Any]) -> list[tuple[str, Decision]]:
    """(runbook id, decision) for every decision of the incident's runbooks."""
    return [(rb.id, d) for rb in runbooks if rb is not None for d in getattr(rb, "decisions", [])]


def standing(runbook: Any, state: Any, now: datetime) -> list[DecisionView]:
    """The runbook's decisions as the journal has them (verdict, deadline, overdue) without
    judging criteria (no metric query): what ``incident show`` and the checklist say."""
    if runbook is None:
        return []
    return [evaluate(d, runbook.id, state, now, query=NOT_HERE, step_output=NO_OUTPUTS)
            for d in getattr(runbook, "decisions", None) or []]


def standing_lines(runbook: Any, state: Any, now: datetime) -> list[str]:
    """``incident show``'s lines: each decision with where it stands, then every verdict taken
    on it in order (a NO-GO later reversed stays listed)."""
    out = []
    for v in standing(runbook, state, now):
        if v.recorded:
            where = f"decided {v.recorded.get('verdict')} by {v.recorded.get('by')}"
        elif not v.needed:
            where = v.not_due_text(str(getattr(state, "id", "") or "ID")) or ""
        elif v.overdue:
            where = f"OVERDUE (deadline {v.due_text})"
        else:
            where = f"undecided (deadline {v.due_text})" if v.due_text else "undecided"
        if v.arose is not None and v.needed and not v.recorded:
            where += f"; needed since {_clock_text(v.arose.get('at'))}: {v.decision.applies_when.text if v.decision.applies_when else ''}"
        out.append(f"  ◆ {v.decision.question}  [{v.decision.id}]: {where}")
        for d in state.decisions:
            if recorded_key(d) == v.key:
                at = d.get("at")
                when = _clock_text(at)
                whose = f" in {d.get('runbook_id')}" if d.get("runbook_id") not in (None, v.runbook_id) else ""
                out.append(f"      {when}  #{d.get('seq')}  {d.get('verdict')} by {d.get('by')}{whose}: {d.get('why')}")
    if out:
        out.append("    (criteria judged now: `warroom incident decide ID`)")
    return out


def _clock_text(at: Any) -> str:
    return f"{at:%H:%M:%S} UTC" if isinstance(at, datetime) else str(at)


def books_of(snapshot: Any) -> list[Any]:
    """The runbooks whose decisions the incident has: every runbook attached so far, oldest
    first (one attached twice once, as its latest snapshot), else the current one. The one list
    the dashboard's G, its overdue look and ``incident decide`` judge and report on."""
    books = list(getattr(snapshot, "runbooks", ()) or ())
    if not books and getattr(snapshot, "runbook", None) is not None:
        books = [snapshot.runbook]
    latest = {str(rb.id): rb for rb in books if rb is not None}
    return list(latest.values())


def block_errors(state: Any, runbooks: Sequence[Any]) -> list[str]:
    """Every decision block of ``runbooks`` that could not be read, one line each naming its
    runbook and ``file:line`` in the runbook's own file (the incident reads a snapshot of it,
    with the same lines): a broken block in a runbook open beside the current one is as much a
    missing decision as one in the current runbook, and the IC must be told which one it is."""
    out = []
    for rb in runbooks:
        if rb is None:
            continue
        refs = [r for r in getattr(state, "runbooks", None) or [] if str(r.get("id") or "") == str(rb.id)]
        source = str((refs[-1] if refs else {}).get("path") or "")
        out.extend(f"the Go/No-Go block of {rb.id} cannot be read: {source or f.file}:{f.line}: {f.message}"
                   for f in getattr(rb, "findings", None) or [] if f.message.startswith("decision"))
    return out


@dataclass(frozen=True)
class Judged:
    """The incident's decisions judged now, and every block that could not be read (so "no
    decision" is never said while a runbook's block is only broken)."""

    views: list[DecisionView]
    broken: list[str]


def judge_incident(incident: Any, snapshot: Any, source: Any | None, now: datetime) -> Judged:
    """Every decision of the incident's runbooks (``books_of``) judged now through ``source``,
    with the block errors of the same runbooks. Blocking (queries): call it off the event loop."""
    books = books_of(snapshot)
    return Judged(evaluate_all(incident, snapshot.state, books, source, now), block_errors(snapshot.state, books))
