"""What people wrote or sent, as events fold it into the state: notes, manual timeline entries
and corrections, status updates (and what really happened to each: ``delivery_of``), updates
that fell due unsent, and PIR exports."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from warroom.incident.records import Export, Note, StatusUpdate, _int, _ts
from warroom.journal import events as ev
from warroom.journal.log import Event

if TYPE_CHECKING:
    from warroom.incident.state import IncidentState


def _note(s: IncidentState, e: Event, d: dict[str, Any]) -> None:
    tag = str(d.get("tag") or "info")
    text = str(d.get("text") or "")
    s.notes.append(Note(seq=e.seq, at=e.ts, actor=e.actor, tag=tag, text=text,
                        owner=d.get("owner"), due=d.get("due")))
    if tag == "root-cause" and s.first_root_cause_at is None:
        s.first_root_cause_at = e.ts
        s.first_root_cause_seq = e.seq
    s._add_timeline(e, e.type, text, lead=f"[{tag}] ")


def _timeline_added(s: IncidentState, e: Event, d: dict[str, Any]) -> None:
    s._add_timeline(e, e.type, str(d.get("text") or ""), at=_ts(d.get("at")) or e.ts, manual=True)


def _corrected(s: IncidentState, e: Event, d: dict[str, Any]) -> None:
    """A correction replaces what an entry says, never what kind of entry it is: a note's
    timeline line keeps its tag (the entry's ``lead``), and the note records the correction's seq so
    the PIR's note sections cite the same seqs as its timeline and key moments."""
    target = _int(d.get("seq"))
    text = str(d.get("text") or "")
    note = next((n for n in s.notes if n.seq == target), None)
    if note is not None:
        if note.original is None:
            note.original = note.text
        note.text = text
        note.corrected_seq = e.seq
    for entry in s.timeline:
        if entry.seq == target:
            if entry.original is None:
                entry.original = entry.text
            entry.text = entry.lead + text
            entry.corrected_seq = e.seq


def delivery_of(d: dict[str, Any]) -> str:
    """What really happened to an update: ``posted`` only on the webhook's ok; old journals that
    name no delivery are judged from their channels the same way."""
    given = d.get("delivery")
    if given in ("drafted", "posted", "post_failed", "recorded"):
        return str(given)
    webhook = d.get("webhook") if isinstance(d.get("webhook"), dict) else None
    if webhook is not None:
        return "posted" if webhook.get("ok") else "post_failed"
    channels = [str(c) for c in d.get("channels") or []]
    return "recorded" if "manual" in channels else "drafted"


DELIVERY_WORDS = {"posted": "posted to the webhook", "post_failed": "drafted; posting to the webhook FAILED",
                  "drafted": "drafted (not posted by warroom)", "recorded": "recorded as sent by hand"}


def _status_update(s: IncidentState, e: Event, d: dict[str, Any]) -> None:
    channels = [str(c) for c in d.get("channels") or []]
    webhook = d.get("webhook") if isinstance(d.get("webhook"), dict) else None
    delivery = delivery_of(d)
    s.status_updates.append(StatusUpdate(seq=e.seq, at=e.ts, actor=e.actor, text=str(d.get("text") or ""),
                                         channels=channels, webhook=webhook, delivery=delivery))
    first = str(d.get("text") or "").strip().splitlines()
    s._add_timeline(e, e.type, first[0] if first else "", lead=f"Status update {DELIVERY_WORDS[delivery]}: ")


def _update_overdue(s: IncidentState, e: Event, d: dict[str, Any]) -> None:
    due = _ts(d.get("due_at")) or e.ts
    s.overdue.append({"seq": e.seq, "at": e.ts, "due_at": due, "severity": d.get("severity")})
    s._add_timeline(e, e.type, f"Stakeholder update overdue (was due {due.strftime('%H:%M:%S')} UTC)", at=due)


def _exported(s: IncidentState, e: Event, d: dict[str, Any]) -> None:
    s.exports.append(Export(seq=e.seq, at=e.ts, template=str(d.get("template") or ""),
                            path=str(d.get("path") or ""), sha256=str(d.get("sha256") or ""),
                            log_row=bool(d.get("log_row"))))
    s._add_timeline(e, e.type, f"PIR exported ({d.get('template')}): {d.get('path')}")


HANDLERS = {
    ev.NOTE: _note,
    ev.TIMELINE_ENTRY: _timeline_added,
    ev.CORRECTION: _corrected,
    ev.STATUS_UPDATE: _status_update,
    ev.PIR_EXPORTED: _exported,
    ev.UPDATE_OVERDUE: _update_overdue,
}
