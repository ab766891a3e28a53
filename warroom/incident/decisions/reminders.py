"""What watchers journal once, whichever looks first: a decision past its deadline without a
verdict (``decision.overdue``) and a condition first seen to hold (``decision.arose``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from warroom.incident.decisions.deadline import arose_of
from warroom.incident.decisions.model import MET, DecisionView, recorded_key


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
            if any(recorded_key(d) == v.key for d in state.decisions_overdue) or any(
                    recorded_key(d) == v.key and v.answered_by(d) for d in state.decisions):
                return None     # reminded already, or answered since (a verdict before it arose is no answer)
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
                                       "judged_at": _arose_moment(v)}

        event = incident.append_once(due)
        if event is not None:
            out.append(event)
    return out


def _arose_moment(v: DecisionView) -> str | None:
    """When the condition was first known to hold: the step run's end for a condition read in a
    step's output (``seen_at``), else the look's instant."""
    seen = v.applies.seen_at if v.applies is not None else None
    when = seen if seen is not None and (v.judged_at is None or seen <= v.judged_at) else v.judged_at
    return when.isoformat() if when is not None else None
