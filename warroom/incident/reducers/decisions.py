"""What Go/No-Go events do to the state: a verdict recorded, a deadline passed with none (placed
on the timeline when it passed), a decision that arose from its condition, and one whose condition lapsed
(a later arisal is a new question)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from warroom.incident.records import _ts, one_line
from warroom.journal import events as ev
from warroom.journal.log import Event

if TYPE_CHECKING:
    from warroom.incident.state import IncidentState


def _decision(s: IncidentState, e: Event, d: dict[str, Any]) -> None:
    # who and why on one line, as a skip's or a closing's reason (``one_line``): a why typed with a
    # line break printed a line of its own in `incident show`'s Decisions ("  ◆ …: decided GO …")
    record = {**d, "seq": e.seq, "at": e.ts, "actor": e.actor} | {k: one_line(d[k]) for k in ("by", "why") if k in d}
    s.decisions.append(record)
    by = record.get("by") or e.actor
    why = f": {record.get('why')}" if record.get("why") else ""
    whose = f" ({d['runbook_id']})" if d.get("runbook_id") else ""
    s._add_timeline(e, e.type, f"Decision {d.get('verdict')} on \"{d.get('question')}\"{whose} by {by}{why}")


def _decision_overdue(s: IncidentState, e: Event, d: dict[str, Any]) -> None:
    from warroom.incident.escalation import LATE_WORDS, told_at

    s.decisions_overdue.append({**d, "seq": e.seq, "at": e.ts})
    whose = f"{d['runbook_id']}, " if d.get("runbook_id") else ""
    # on the timeline when the deadline passed, as a missed update or a tier reached is: the line is
    # written when someone looked (a headless resolve, the next CLI command), which may be much later;
    # but never at a time nobody could have been reminded (before the incident was declared or its
    # detection back-dated, while it was resolved): then, as a tier is (``escalation.told_at``)
    due = _ts(d.get("due_at"))
    at, why = told_at(s, due) if due is not None and due < e.ts else (due, "")
    late = LATE_WORDS[why].format(verb="reminded") if why else ""
    # a run of arisals with no verdict is one question: its deadline counts from the run's first arisal
    n = d.get("open_arisals") if isinstance(d.get("open_arisals"), int) else 0
    run = f"; open since {_clock(d.get('open_since'))}, {n} arisals" if n > 1 else ""
    s._add_timeline(e, e.type, f"Decision overdue: \"{d.get('question')}\" ({whose}due {_clock(d.get('due_at'))}"
                               f"{run}){late}", at=min(at, e.ts) if at is not None else None)


def _decision_arose(s: IncidentState, e: Event, d: dict[str, Any]) -> None:
    again = any(a.get("id") == d.get("id") and a.get("runbook_id") == d.get("runbook_id") for a in s.decisions_arose)
    s.decisions_arose.append({**d, "seq": e.seq, "at": e.ts})
    cond = d.get("condition") if isinstance(d.get("condition"), dict) else {}
    whose = f" ({d['runbook_id']})" if d.get("runbook_id") else ""
    # on the timeline when it arose (``judged_at``: a step's run end, or the look's instant), as an
    # overdue line is put at its deadline: the line is written by the first look, which can come much
    # later, and the PIR put "needed" after the "overdue" it led to (attack38 F10)
    arose = _ts(d.get("judged_at"))
    s._add_timeline(e, e.type, f"Decision needed{' again' if again else ''}: \"{d.get('question')}\"{whose}:"
                               f" {cond.get('text')} — {cond.get('evidence')}",
                    at=min(arose, e.ts) if arose is not None else None)


def _decision_lapsed(s: IncidentState, e: Event, d: dict[str, Any]) -> None:
    s.decisions_lapsed.append({**d, "seq": e.seq, "at": e.ts})
    cond = d.get("condition") if isinstance(d.get("condition"), dict) else {}
    whose = f" ({d['runbook_id']})" if d.get("runbook_id") else ""
    # when it was seen not to hold (a step's run end, or the look), as "Decision needed" is placed
    lapsed = _ts(d.get("judged_at"))
    s._add_timeline(e, e.type, f"Decision no longer arises: \"{d.get('question')}\"{whose}: {cond.get('text')} — "
                               f"{cond.get('evidence')}", at=min(lapsed, e.ts) if lapsed is not None else None)


def _branch_judged(s: IncidentState, e: Event, d: dict[str, Any]) -> None:
    # a look's reading, kept for the branch's standing (``warroom.incident.branches``); not a moment of the
    # response, so not on the timeline (what it means for the steps is said where they are listed)
    s.branches_judged.append({**d, "seq": e.seq, "at": e.ts})


def _clock(value: Any) -> str:
    """An ISO time as the other timeline lines say one (``00:53:37 UTC``), else as written."""
    from datetime import UTC, datetime

    try:
        when = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return str(value)
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).strftime("%H:%M:%S UTC")


HANDLERS = {
    ev.DECISION_RECORDED: _decision,
    ev.DECISION_OVERDUE: _decision_overdue,
    ev.DECISION_AROSE: _decision_arose,
    ev.DECISION_LAPSED: _decision_lapsed,
    ev.BRANCH_JUDGED: _branch_judged,
}
