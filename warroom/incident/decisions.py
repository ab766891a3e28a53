"""Go/No-Go decisions on an open incident: each criterion evaluated from what the tool knows, the
verdict recorded with who and why, a reminder when the deadline passes.

The runbook states the decision (``warroom.runbook.decision``); this module judges it against the
incident: metrics through the incident's metric source, numbers in step outputs, tagged notes,
time since detection (scenario time in a drill). A criterion the tool cannot judge is "unknown",
never "met". The suggestion follows the runbook's rule — GO when any GO criterion is met, NO-GO
only when every NO-GO criterion is — but the commander decides; the journal keeps both.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
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


@dataclass(frozen=True)
class CriterionVerdict:
    side: str                 # "go" | "no_go"
    text: str
    state: str                # met | not met | unknown
    evidence: str

    def to_json(self) -> dict[str, str]:
        return {"side": self.side, "text": self.text, "state": self.state, "evidence": self.evidence}


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

    def to_json(self) -> dict[str, Any]:
        return {"id": self.decision.id, "runbook_id": self.runbook_id, "question": self.decision.question,
                "suggestion": self.suggestion, "due_at": self.due_at.isoformat() if self.due_at else None,
                "overdue": self.overdue, "on_go": self.decision.on_go,
                "criteria": [c.to_json() for c in self.criteria],
                "recorded": {k: self.recorded[k] for k in ("verdict", "by", "why", "seq")
                             if k in self.recorded} if self.recorded else None}


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
          step_output: Callable[[str], str | None]) -> CriterionVerdict:
    """One criterion: met / not met / unknown, with the evidence in words."""
    def verdict(st: str, evidence: str) -> CriterionVerdict:
        return CriterionVerdict(side, c.text, st, evidence)

    kind = c.kind
    if kind == "metric":
        if query is None:
            return verdict(UNKNOWN, "no metric source")
        try:
            values = [v for v in query(c.query or "") if not math.isnan(v)]
        except (WarroomError, ValueError, OSError) as exc:
            return verdict(UNKNOWN, f"query failed: {exc}")
        if len(values) != 1:
            return verdict(UNKNOWN, "no data" if not values else f"{len(values)} series, expected one")
        ok = _compare(values[0], c.op or ">=", c.value or 0.0)
        return verdict(MET if ok else NOT_MET, f"{format_value(values[0], None)} {c.op} {format_value(c.value, None)}"
                       f" is {'true' if ok else 'false'}")
    if kind == "step":
        text = step_output(c.step or "")
        if text is None:
            return verdict(UNKNOWN, f"step {c.step} has not run")
        matches = list(re.finditer(c.pattern or "", text[-_OUTPUT_TAIL:], re.M))
        if not matches:
            return verdict(UNKNOWN, f"step {c.step}'s output has no match for its pattern")
        try:
            number = float(matches[-1].group(1))
        except (ValueError, IndexError, TypeError):
            return verdict(UNKNOWN, f"step {c.step}'s output: {matches[-1].group(0)!r} is not a number")
        ok = _compare(number, c.op or ">=", c.value or 0.0)
        return verdict(MET if ok else NOT_MET, f"step {c.step}: {format_value(number, None)} {c.op} "
                       f"{format_value(c.value, None)}")
    since = _since_detection(state, now)
    waited = since is not None and (c.after is None or since >= c.after)
    if kind == "note":
        tags = {n.tag for n in state.notes}
        if c.note:
            return verdict(MET if c.note in tags else NOT_MET,
                           f"a {c.note} note {'exists' if c.note in tags else 'is not recorded yet'}")
        if c.no_note in tags:
            return verdict(NOT_MET, f"a {c.no_note} note exists")
        if not waited:
            left = format_duration(max(0.0, (c.after or 0) - (since or 0)))
            return verdict(NOT_MET, f"no {c.no_note} note yet; {left} left of {_scenario_span(state, c.after or 0, False)}")
        return verdict(MET, f"no {c.no_note} note after {_scenario_span(state, since or 0)}")
    if kind == "time":
        return verdict(MET if waited else NOT_MET, f"{_scenario_span(state, since or 0)} since detection")
    return verdict(UNKNOWN, "the commander's judgement")


def evaluate(decision: Decision, runbook_id: str, state: Any, now: datetime, *, query: Query | None,
             step_output: Callable[[str], str | None]) -> DecisionView:
    crit = tuple([judge(c, "go", state, now, query, step_output) for c in decision.go]
                 + [judge(c, "no_go", state, now, query, step_output) for c in decision.no_go])
    go = [c for c in crit if c.side == "go"]
    no_go = [c for c in crit if c.side == "no_go"]
    if any(c.state == MET for c in go):
        suggestion = "GO"
    elif no_go and all(c.state == MET for c in no_go):
        suggestion = "NO-GO"
    else:
        suggestion = "undecided"
    recorded = next((d for d in reversed(state.decisions)
                     if d.get("id") == decision.id and d.get("runbook_id") == runbook_id), None)
    due_at = None
    if decision.deadline is not None and state.clock_start is not None:
        due_at = stime.after(state, state.clock_start, decision.deadline)
    overdue = due_at is not None and recorded is None and now > due_at and not state.resolved
    return DecisionView(decision, runbook_id, crit, suggestion, due_at, overdue, recorded)


def record(incident: Any, view: DecisionView, verdict: str, *, by: str, why: str) -> Any:
    """Journal the verdict with the criteria as they were judged; on GO the follow-up runbook is
    attached beside the current one (its steps start blank, the current runbook's stay)."""
    verdict = verdict.strip().upper().replace("NOGO", "NO-GO").replace("NO GO", "NO-GO")
    if verdict not in VERDICTS:
        raise WarroomError(f"a decision is GO or NO-GO, not {verdict!r}")
    if not why.strip():
        raise WarroomError("say why: a decision without its reason cannot be reviewed")
    event = incident.record_decision({
        "id": view.decision.id, "runbook_id": view.runbook_id, "question": view.decision.question,
        "verdict": verdict, "by": by.strip(), "why": why.strip(), "suggestion": view.suggestion,
        "criteria": [c.to_json() for c in view.criteria], "on_go": view.decision.on_go,
    })
    if verdict == "GO" and view.decision.on_go:
        incident.attach_runbook(view.decision.on_go)
    return event


def remind_overdue(incident: Any, views: Sequence[DecisionView]) -> list[DecisionView]:
    """Journal ``decision.overdue`` once for each view past its deadline without a verdict."""
    state = incident.state
    done = {(d.get("id"), d.get("runbook_id")) for d in state.decisions_overdue}
    out = []
    for v in views:
        if v.overdue and (v.decision.id, v.runbook_id) not in done:
            incident.record_decision_overdue({"id": v.decision.id, "runbook_id": v.runbook_id,
                                              "question": v.decision.question,
                                              "due_at": v.due_at.isoformat() if v.due_at else None})
            out.append(v)
    return out


def step_output_reader(incident_dir: Path, state: Any, runbook_id: str) -> Callable[[str], str | None]:
    """The last run's stored (redacted) output of a step of ``runbook_id``, by step id or number."""
    def read(step: str) -> str | None:
        for st in state.steps.values():
            if getattr(st, "runbook_id", runbook_id) != runbook_id:
                continue
            if step not in (st.step_id, str(st.step)):
                continue
            run = st.last_run
            if run is None or not run.output:
                return None
            path = incident_dir / run.output
            try:
                with open(path, "rb") as fh:
                    fh.seek(0, 2)
                    size = fh.tell()
                    fh.seek(max(0, size - _OUTPUT_TAIL))
                    return fh.read().decode("utf-8", errors="replace")
            except OSError:
                return None
        return None
    return read


def evaluate_all(incident: Any, state: Any, runbooks: Sequence[Any], source: Any | None,
                 now: datetime) -> list[DecisionView]:
    """Every decision of ``runbooks`` judged now; metrics through ``source`` (drill or Prometheus).
    Blocking (queries): call it off the event loop."""
    from warroom.sources.prom_results import QueryError

    def query(expr: str) -> list[float]:
        if source is None or not hasattr(source, "query"):
            raise WarroomError("no metric source")
        try:
            return [float(row[1]) for row in source.query(expr)]
        except QueryError as exc:
            raise WarroomError(str(exc)) from None

    return [evaluate(d, rb_id, state, now, query=query,
                     step_output=step_output_reader(Path(incident.dir), state, rb_id))
            for rb_id, d in decisions_of(runbooks)]


def decisions_of(runbooks: Sequence[Any]) -> list[tuple[str, Decision]]:
    """(runbook id, decision) for every decision of the incident's runbooks."""
    return [(rb.id, d) for rb in runbooks if rb is not None for d in getattr(rb, "decisions", [])]
