"""When a decision is due: whether its ``applies_when`` condition arose (the journal's
``decision.arose``, or this look), and where its deadline counts from."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from warroom.incident.decisions.model import MET, CriterionVerdict, before_it_arose, decision_key, recorded_key
from warroom.runbook.decision import Decision


def arose_of(state: Any, decision: Decision, runbook_id: str) -> dict[str, Any] | None:
    """The journal's ``decision.arose`` for this decision as this runbook states it (the condition
    is the runbook's own: RB-CORE-004's "all providers down" says nothing of RB-LAUNCH-004's)."""
    key = decision_key(decision, runbook_id)
    return next((a for a in getattr(state, "decisions_arose", None) or []
                 if recorded_key(a) == key and str(a.get("runbook_id")) == runbook_id), None)


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


def arisen_at(decision: Decision, now: datetime, applies: CriterionVerdict | None,
              arose: dict[str, Any] | None) -> datetime | None:
    """When a conditional decision arose, as this look knows it: the journaled ``decision.arose``,
    else, its condition seen to hold now, the moment it held from (a step's output: the run's end;
    a metric: this look). None for a decision not arisen, or one with no condition (it is asked
    from detection)."""
    if decision.applies_when is None:
        return None
    if arose is not None:
        return arose_at(arose)
    if applies is not None and applies.state == MET:
        # a step's output held the condition from the run's end, not from the look that read it
        seen = applies.seen_at
        return seen if seen is not None and seen <= now else now
    return None


def deadline_start(decision: Decision, state: Any, now: datetime, applies: CriterionVerdict | None,
                   arose: dict[str, Any] | None, not_needed: str | None) -> tuple[datetime | None, str]:
    """Where a decision's deadline counts from, and how to say it.

    A decision every incident of the runbook faces counts from detection (the runbook's clock,
    like its escalation tiers). A conditional one (``applies_when``) counts from when it arose —
    the journaled ``decision.arose``, or this look if its condition is seen to hold now and is not
    journaled yet — so a decision that arises at minute 40 with a 30-minute deadline is due at
    minute 70, never overdue on arrival; before it arises no deadline runs. A condition read in a
    step's output arose when that run ended (the look that first read it may come much later). One needed only because
    another runbook's unconditional copy of it is overdue counts from detection, as that copy does."""
    if decision.applies_when is None:
        return state.clock_start, "detection"
    if arose is not None or (applies is not None and applies.state == MET):
        return arisen_at(decision, now, applies, arose), "it arose"
    if not_needed is None:       # needed through another runbook that states it unconditionally
        return state.clock_start, "detection"
    return None, "it arises"


def arose_after(state: Any, recorded: dict[str, Any]) -> datetime | None:
    """When the decision a journaled verdict was taken on arose, where it arose after the verdict
    (``model.before_it_arose``: then the verdict does not answer it); None otherwise. Read from
    the journal alone (the verdict's runbook's ``decision.arose``): what the PIR and the drill
    report, which judge no condition, go by."""
    if not recorded.get("not_needed"):
        return None
    arose = arose_for(state, recorded)
    when = arose_at(arose) if arose is not None else None
    return when if when is not None and before_it_arose(recorded, when) else None


def arose_for(state: Any, recorded: dict[str, Any]) -> dict[str, Any] | None:
    """The journal's ``decision.arose`` of the decision a journaled verdict was taken on (its runbook's:
    the condition is the runbook's own), None while it has not arisen."""
    key, runbook_id = recorded_key(recorded), str(recorded.get("runbook_id"))
    return next((a for a in getattr(state, "decisions_arose", None) or []
                 if recorded_key(a) == key and str(a.get("runbook_id")) == runbook_id), None)


def answering(state: Any) -> list[dict[str, Any]]:
    """The journal's verdicts that answer their decision, in order: every one but those recorded
    before their decision arose (``arose_after``)."""
    return [d for d in state.decisions if arose_after(state, d) is None]
