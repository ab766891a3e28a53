"""What the views that read the journal only say of decisions (``incident show``, the
checklist): verdicts, deadlines and overdue, with no criterion judged (no metric query)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from warroom.incident.decisions.deadline import arose_at
from warroom.incident.decisions.judging import evaluate
from warroom.incident.decisions.model import NO_OUTPUTS, NOT_HERE, DecisionView, recorded_key
from warroom.paths import command


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
        if (arose := arose_words(v)) and not v.recorded:
            where += f"; {arose}"
        if early := v.early_words():
            where += f"; {early}"
        out.append(f"  ◆ {v.decision.question}  [{v.decision.id}]: {where}")
        for d in state.decisions:
            if recorded_key(d) == v.key:
                at = d.get("at")
                when = _clock_text(at)
                whose = f" in {d.get('runbook_id')}" if d.get("runbook_id") not in (None, v.runbook_id) else ""
                before = "" if v.answered_by(d) else (
                    " (answered it before it arose again)" if v.answered_before(d)
                    else " (recorded before it arose)" if v.arisen_at is not None
                    else " (recorded while it had not arisen)")
                out.append(f"      {when}  #{d.get('seq')}  {d.get('verdict')} by {d.get('by')}{whose}{before}:"
                           f" {d.get('why')}")
    if out:
        out.append(f"    (criteria judged now: `{command('incident', 'decide', 'ID')}`)")
    return out


def arose_words(v: DecisionView) -> str | None:
    """``needed since 12:05:00 UTC: <the condition> (<what the look that saw it arise read>)``,
    the journal's words (a named query's title and unit, never its PromQL), for a conditional
    decision needed now because its condition was seen to hold; ``needed again since …`` for one
    that arose again after its condition lapsed (a new question); None otherwise."""
    if v.arose is None or not v.needed:
        return None
    seen = (v.arose.get("condition") or {}).get("evidence")
    return (f"needed {'again ' if v.again else ''}since {_clock_text(arose_at(v.arose) or v.arose.get('at'))}: "
            f"{v.decision.applies_when.text if v.decision.applies_when else ''}" + (f" ({seen})" if seen else ""))


def _clock_text(at: Any) -> str:
    return f"{at:%H:%M:%S} UTC" if isinstance(at, datetime) else str(at)
