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


def updates(state: IncidentState, missed: Any = None) -> list[Line]:
    """Every update sent and every due time journaled overdue, in time order; first, ``missed``'s count of all
    the updates that fell due unsent (``cadence.Missed``: the journal holds one overdue line per stretch)."""
    from warroom.incident.reducers.written import DELIVERY_WORDS

    out = [Line(f"{hms(u.at)} UTC, {DELIVERY_WORDS.get(u.delivery, u.delivery)} by {u.actor}:\n{u.text}",
                (u.seq,), at=u.at, actor=u.actor) for u in state.status_updates]
    out += [Line(f"{hms(o['due_at'])} UTC: update due, not sent (overdue)", (o["seq"],), at=o["due_at"])
            for o in state.overdue]
    out = sorted(out, key=lambda line: line.at or NO_TIME)
    counted = missed.count(state) if missed is not None else ""
    return [Line(counted, tuple(o["seq"] for o in state.overdue)), *out] if counted else out
