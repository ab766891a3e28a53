"""A decision judged at a moment: its criteria, whether it is needed now, the suggestion the
runbook's rule gives (``go_when`` / ``no_go_when``), its deadline and whether it is overdue."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from warroom.incident.decisions.criteria import judge, scenario_span
from warroom.incident.decisions.deadline import (arisals_of, deadline_start, given_deadline, raised_words, run_deadline,
                                                 seen_arising)
from warroom.incident.decisions.model import (MET, NOT_MET, CriterionVerdict, DecisionView, Query, StepOutput,
                                              answers, decision_key, recorded_key, utc_hms)
from warroom.incident.decisions.reversals import Undo
from warroom.incident.decisions.runs import runs
from warroom.runbook.decision import Decision


def _side(crit: Sequence[CriterionVerdict], when: str) -> bool:
    if not crit:
        return False
    met = [c.state == MET for c in crit]
    return all(met) if when == "all" else any(met)


def _not_needed(applies: CriterionVerdict | None, arose: dict[str, Any] | None,
                lapsed_at: datetime | None = None) -> str | None:
    """Why a conditional decision does not arise now, or None when it does. ``arose``: the
    journal's ``decision.arose`` of its current arisal; ``lapsed_at``: when that arisal's condition
    was journaled as no longer holding (``decision.lapsed``).

    The rule: met now -> needed; not met now -> not needed (even if it held earlier: the rare case
    is over); unknown now -> needed only if the journal says it holds (it arose and did not lapse
    since: a look that cannot query metrics, like ``incident show``, must not forget that all
    providers went down), else not needed: an unknown condition never makes a decision overdue.

    A condition read in a step's output is a fact of that run ("the check after the halt counted 0
    active flows"), not a state that ends: once it arose, a later run saying otherwise does not take
    the decision back. RB-CORE-005's "Bring FlowEngine back?" vanished when FlowEngine was restored
    with no verdict and the check run again (4 active): not needed, never overdue, absent from the
    PIR, the very miss the decision is there for (attack38 F8). That arisal lapsed all the same: the
    condition holding again is a new arisal (``judging.evaluate``)."""
    if applies is None or applies.arises:
        return None
    if arose is not None and applies.kind == "step":
        return None
    if applies.state == NOT_MET:
        return f"{applies.text}: not met — {applies.evidence}" + (" (it held earlier)" if arose else "")
    if arose is not None and lapsed_at is None:
        return None
    return f"{applies.text}: not seen to hold — {applies.evidence}" + (
        f" (it held earlier, until {lapsed_at:%H:%M:%S} UTC)" if lapsed_at is not None else "")


def judged_moment(state: Any, now: datetime) -> datetime:
    """The moment a decision is judged at: ``now``, or for a resolved incident its resolution (as
    its escalation stops there): "no root-cause note after 50m" of an incident resolved at minute
    20 is an investigation that never ran that long, and metrics read after the resolution say
    nothing of the response. A verdict on a resolved incident is refused anyway (reopen first)."""
    if not getattr(state, "resolved", False):
        return now
    end = (getattr(state, "phases", None) or {}).get("resolved")
    return end if end is not None and end < now else now


def evaluate(decision: Decision, runbook_id: str, state: Any, now: datetime, *, query: Query | None,
             step_output: Callable[[str], StepOutput | None], criteria: bool = True,
             typed: Callable[[str], str | None] | None = None,
             undone: Callable[[Any], Undo | None] | None = None) -> DecisionView:
    """The decision judged at ``now`` (``judged_moment``: a resolved incident's at its
    resolution); ``criteria=False`` judges only its ``applies_when`` condition (what the overdue
    reminder needs), not the GO / NO-GO criteria. ``query`` must read its metrics at that moment
    (``looks.evaluate_all`` asks the same ``judged_moment``); ``typed``, ``undone``: ``criteria.judge``'s."""
    now = judged_moment(state, now)
    crit = tuple([judge(c, "go", state, now, query, step_output, runbook_id, typed, undone) for c in decision.go]
                 + [judge(c, "no_go", state, now, query, step_output, runbook_id, typed, undone)
                    for c in decision.no_go]) if criteria else ()
    applies = judge(decision.applies_when, "applies_when", state, now, query, step_output, runbook_id, typed) \
        if decision.applies_when is not None else None
    # its arisals: a condition seen to hold again after the journal's last arisal lapsed is a new
    # one (journaled by ``reminders.note_arisen``), asked again with a deadline of its own
    past = arisals_of(state, decision, runbook_id) if decision.applies_when is not None else []
    starts = tuple(a.at for a in past if a.at is not None)
    fresh = seen_arising(applies, now)
    if fresh is not None and (not past or past[-1].lapsed is not None):
        # never before the lapse it follows: the arisals stay in the order the journal tells them
        floor = (past[-1].lapsed_at or past[-1].at) if past else None
        starts, arose, lapsed_at = (*starts, max(fresh, floor) if floor is not None else fresh), None, None
    else:
        arose, lapsed_at = (past[-1].arose, past[-1].lapsed_at) if past else (None, None)
    not_needed = _not_needed(applies, arose, lapsed_at)
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
    arisen = starts[-1] if starts else None
    taken = [d for d in state.decisions if recorded_key(d) == key]
    # a verdict answers the arisal it was taken in: not one of a conditional decision that arose
    # after it (``answered_arisal``: before the first, or before it arose again)
    answering = [d for d in taken if answers(decision, d, starts)]
    recorded = answering[-1] if answering else None
    early = taken[-1] if taken and recorded is None else None
    # the deadline runs from the first arisal of the current run: a condition that lapsed and holds
    # again with no verdict between is the question still open, never a fresh deadline (``runs``)
    run = runs(starts, taken)[-1] if starts else None
    due_at, due_text, raised = None, None, ""
    start, since = deadline_start(decision, state, run, not_needed)
    given = None if decision.deadline is None else given_deadline(state, decision.deadline)
    if given is not None and start is not None:
        due_at = run_deadline(state, start, given)
        said = run.words(utc_hms) if run is not None else None    # every view that says the deadline says why
        raised = raised_words(state, given, decision.deadline)
        due_text = f"{scenario_span(state, given)} after {since}, {due_at:%H:%M:%S} UTC" + (
            f" ({raised})" if raised else "") + (f"; {said}" if said else "")
    overdue = due_at is not None and recorded is None and now > due_at and not state.resolved and not_needed is None
    return DecisionView(decision, runbook_id, crit, suggestion, due_at, overdue, recorded, now, due_text,
                        applies, arose, not_needed, arisen, early, starts, lapsed_at, run, given, raised)
