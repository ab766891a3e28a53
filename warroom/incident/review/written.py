"""What people wrote during the incident, as the PIR quotes it: notes by tag (an action item with
its owner and due date) and the status updates sent, with the ones that fell due and were not sent
(overdue) in their place in time."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from warroom.incident.md_text import Md
from warroom.incident.review.lines import NO_TIME, Line, hms
from warroom.journal import events as ev

if TYPE_CHECKING:
    from warroom.incident.state import IncidentState


def notes(state: IncidentState) -> dict[str, list[Line]]:
    """Notes by tag. A corrected note is marked and cites its correction, as the timeline and
    key moments quote the same note (``review.timeline``): one statement, one set of seqs."""
    out: dict[str, list[Line]] = {tag: [] for tag in ev.NOTE_TAGS}
    for n in state.notes:
        text: str = n.text
        if n.tag == "action":
            text = Md("{} — Owner: {} — Due: {}").format(n.text, n.owner or Md("_unassigned_"),
                                                         n.due or Md("_no date_"))
        cites = (n.seq, *((n.corrected_seq,) if n.corrected_seq else ()))
        out.setdefault(n.tag, []).append(Line(text, cites, at=n.at, actor=n.actor,
                                              corrected=n.original is not None))
    return out


def _became(state: IncidentState, missed: Any, due: Any) -> str:
    """What became of the update a journaled overdue line says fell due, by the count's one rule (``cadence.Missed``):
    "sent late at 21:31:20 UTC, 6m43s drill time (40s wall) after" beside the update itself, "not sent yet
    (overdue)" while it can still be sent, "never sent" for a slot skipped (redteam43 R2: "not sent" beside the
    late update)."""
    from warroom import scenario_time as stime

    if missed is None:
        return "not sent (overdue)"
    sent = missed.late_for(due)
    if sent is not None:
        return f"sent late at {hms(sent)} UTC, {stime.text(state, sent - due)} after"
    if missed.pending is not None and abs((missed.pending - due).total_seconds()) < 1:
        return "not sent yet (overdue)"
    if any(abs((d - due).total_seconds()) < 1 for d in missed.never):
        return "never sent"
    return "not sent (overdue)"          # a due time the cadence now gives no longer (its config changed)


def updates(state: IncidentState, missed: Any = None) -> list[Line]:
    """Every update sent and every due time journaled overdue, in time order; first, ``missed``'s count of all
    the updates that fell due unsent (``cadence.Missed``: the journal holds one overdue line per stretch)."""
    from warroom.incident.reducers.written import DELIVERY_WORDS

    out = [Line(f"{hms(u.at)} UTC, {DELIVERY_WORDS.get(u.delivery, u.delivery)} by {u.actor}:\n{u.text}",
                (u.seq,), at=u.at, actor=u.actor) for u in state.status_updates]
    out += [Line(f"{hms(o['due_at'])} UTC: update due, {_became(state, missed, o['due_at'])}", (o["seq"],),
                 at=o["due_at"]) for o in state.overdue]
    out = sorted(out, key=lambda line: line.at or NO_TIME)
    counted = missed.count(state) if missed is not None else ""
    return [Line(counted, tuple(o["seq"] for o in state.overdue)), *out] if counted else out
