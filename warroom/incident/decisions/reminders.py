"""What watchers journal once, whichever looks first: a decision past its deadline without a
verdict (``decision.overdue``, once per run of arisals), a condition seen to hold (``decision.arose``) and
one seen to stop holding after it arose (``decision.lapsed``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from warroom.incident.decisions.deadline import arisals_of, overdue_run
from warroom.incident.decisions.model import NOT_MET, DecisionView, recorded_key


def remind_overdue(incident: Any, views: Sequence[DecisionView]) -> list[DecisionView]:
    """Journal ``decision.overdue`` once for each decision past its deadline without a verdict
    (once per decision and run: two runbooks stating the same decision remind once; a decision that
    arose again after a verdict is reminded of again, one that flaps with none between once,
    ``reminds_run``). Judged on the journal
    as it is at the append (``append_once``): another watcher's reminder, or a verdict taken since
    the view was judged, means nothing is due."""
    from warroom.journal import events as ev

    note_arisen(incident, views)
    out: list[DecisionView] = []
    for v in views:
        if not v.overdue or any(o.key == v.key for o in out):
            continue

        def due(state: Any, v: DecisionView = v) -> tuple[str, dict[str, Any]] | None:
            if any(recorded_key(d) == v.key and reminds_run(state, d, v) for d in state.decisions_overdue) or any(
                    recorded_key(d) == v.key and v.answered_by(d) for d in state.decisions):
                return None     # reminded already, or answered since (a verdict before it arose is no answer)
            return ev.DECISION_OVERDUE, {"id": v.decision.id, "named": v.decision.named, "runbook_id": v.runbook_id,
                                         "question": v.decision.question, **v.deadline_fields(),
                                         "due_at": v.due_at.isoformat() if v.due_at else None} | (
                {"arose_at": v.arisen_at.isoformat(), "arisal": len(v.arisals)} if v.arisen_at is not None else {}) | (
                {"open_since": v.run.since.isoformat(), "open_arisals": v.run.arisals} if v.run is not None else {})

        if incident.append_once(due) is not None:
            out.append(v)
    return out


def reminds_run(state: Any, overdue: dict[str, Any], v: DecisionView) -> bool:
    """Whether a journaled ``decision.overdue`` reminded of the view's current run (``runs``): one
    missed deadline, one reminder, however often its condition lapsed and held again since (attack40
    A1: a flapping question was reminded at each arisal of one deadline). The line's run is the
    journal's (``deadline.overdue_run``); a decision with no arisal (unconditional) is reminded once,
    and a line of a runbook that states it unconditionally counts once journaled after the run began."""
    if v.run is None:
        return True
    run = overdue_run(state, overdue)
    if run is None:      # another runbook's unconditional copy of the decision, reminded since this run began
        at = overdue.get("at")
        return not isinstance(at, datetime) or at >= v.run.since
    return run.since == v.run.since


def note_arisen(incident: Any, views: Sequence[DecisionView]) -> list[Any]:
    """Journal each arisal of a conditional decision and each lapse, once per (decision, runbook)
    and arisal (``append_once``: two watchers journal it once), so looks that cannot judge the
    condition (no metric query: ``incident show``, the checklist) know it arose, and a condition
    that holds again after it stopped holding is a new arisal, asked again (attack39 G2):
    ``decision.arose`` when the condition is seen met and the journal has no arisal, or its last
    one lapsed; ``decision.lapsed`` when it is seen not met (never on unknown: nothing was seen)
    and the last arisal has not lapsed."""
    from warroom.journal import events as ev

    out = []
    for v in views:
        if v.applies is None or not (v.applies.arises or v.applies.state == NOT_MET):
            continue
        met = v.applies.arises
        if (v.arose is not None) if met else (v.arose is None or v.lapsed_at is not None):
            continue        # the journal has it already: no append to try at every look

        def due(state: Any, v: DecisionView = v, met: bool = met) -> tuple[str, dict[str, Any]] | None:
            found = arisals_of(state, v.decision, v.runbook_id)
            last = found[-1] if found else None
            base = {"id": v.decision.id, "named": v.decision.named, "runbook_id": v.runbook_id,
                    "question": v.decision.question, "condition": v.applies.to_json() if v.applies else {},
                    "judged_at": _arose_moment(v)}
            if met and (last is None or last.lapsed is not None):
                # when the view's arisal began (never before the lapse it follows: ``judging.evaluate``),
                # so its deadline and its overdue reminder name the moment this line journals
                began = v.arisen_at.isoformat() if v.arisen_at is not None else base["judged_at"]
                return ev.DECISION_AROSE, base | {"judged_at": began}
            if not met and last is not None and last.lapsed is None:
                return ev.DECISION_LAPSED, base | {"arose_seq": last.arose.get("seq")}
            return None

        event = incident.append_once(due)
        if event is not None:
            out.append(event)
    return out


def _arose_moment(v: DecisionView) -> str | None:
    """When the condition was first known to hold (or not to hold): the step run's end for a
    condition read in a step's output (``seen_at``), else the look's instant."""
    seen = v.applies.seen_at if v.applies is not None else None
    when = seen if seen is not None and (v.judged_at is None or seen <= v.judged_at) else v.judged_at
    return when.isoformat() if when is not None else None
