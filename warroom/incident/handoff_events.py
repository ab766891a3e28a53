"""How the handoff events fold into the state: the incoming commander's acknowledgement and the
handoff reminder (see :mod:`warroom.incident.handoff` for what they mean). Pure, like the other
reducers; kept apart from the brief so the reducers do not import the PIR's review."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from warroom.scenario_time import of_scenario
from warroom.incident.identity import names_person, person_of
from warroom.incident.records import _int, _num, _ts
from warroom.journal import events as ev
from warroom.journal.log import Event

if TYPE_CHECKING:
    from warroom.incident.state import IncidentState


def _acknowledged(s: IncidentState, e: Event, d: dict[str, Any]) -> None:
    target = _int(d.get("handoff_seq"))
    who = person_of(d.get("person"))
    change = next((c for c in s.role_changes if c["seq"] == target and c["role"] == "commander"), None)
    shown = who.shown if who else e.actor
    if change is None or who is None or not names_person(who, str(change["person"])):
        s._add_timeline(e, e.type, f"Handoff acknowledgement by {shown} not counted (not the incoming commander)")
        return
    if change.get("acknowledged_seq") is None:
        change["acknowledged_seq"], change["acknowledged_at"], change["acknowledged_by"] = e.seq, e.ts, shown
    s._add_timeline(e, e.type, f"Handoff acknowledged by {shown}: {change['person']} has the incident"
                               f" (handed over by {change['previous']})")


def reminder_first_period(reminders: Sequence[dict[str, Any]], change_seq: int, period: int) -> int:
    """The first period a reminder for ``period`` stands for: the one after the last period
    reminded in the same tenure (``change_seq``), else the first. A look comes when it comes
    (every 15 s on the dashboard, at a CLI command): at x3600 fifteen hourly periods pass between
    two looks and one reminder is journaled for all of them, so it must say how many it covers."""
    before = [int(r["period"]) for r in reminders if r["change_seq"] == change_seq]
    return min(period, max(before) + 1) if before else 1


def reminder_covers(rec: dict[str, Any], state: Any = None) -> str:
    """What one journaled reminder stands for, when more than its own period: how many periods
    of the reminder's length went by unreminded and how long the handover has been due, in the
    incident's own (scenario) seconds, the wall beside in a drill (``state``: the incident, whose scale
    reads them; '' for a reminder of one period, as at x1 with a look every 15 s)."""
    first, period = int(rec.get("first_period") or rec["period"]), int(rec["period"])
    if period <= first:
        return ""
    every = float(rec["every"])
    return (f"one reminder for {period - first + 1} periods of {of_scenario(state, every).text()}"
            f" (periods {first}-{period}); the handover has been due for"
            f" {of_scenario(state, every * (period - 1)).text()}")


def _reminder(s: IncidentState, e: Event, d: dict[str, Any]) -> None:
    change = next((c for c in reversed(s.role_changes) if c["role"] == "commander"), None)
    rec = {"seq": e.seq, "at": e.ts, "commander": str(d.get("commander") or ""),
           "since": _ts(d.get("since")) or e.ts, "due_at": _ts(d.get("due_at")) or e.ts,
           "period": _int(d.get("period")) or 1, "every": _num(d.get("every")) or 3600.0,
           "change_seq": _int(d.get("change_seq")) or (change["seq"] if change else 0)}
    rec["first_period"] = reminder_first_period(s.handoff_reminders, rec["change_seq"], rec["period"])
    s.handoff_reminders.append(rec)
    # ``every`` is scenario seconds: the tenure reads as drill time in a drill, the commander's own (wall) beside
    held = of_scenario(s, rec["every"] * rec["period"]).text()
    covers = reminder_covers(rec, s)
    s._add_timeline(e, e.type, f"Handoff reminder: {rec['commander']} has been incident commander for {held};"
                               " time to hand over (PagerDuty: about hourly, three hours at most)"
                               + (f"; {covers}" if covers else ""),
                    at=rec["due_at"])


HANDLERS = {
    ev.HANDOFF_ACKNOWLEDGED: _acknowledged,
    ev.HANDOFF_REMINDER: _reminder,
}
