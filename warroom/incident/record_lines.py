"""What people write into an incident's record, as the journal line to append: notes, response
milestones, hand-written timeline entries and their corrections, stakeholder updates and Go/No-Go
verdicts.

Each function checks what was typed (a note needs text, a milestone is never in the future, a
due date is a real date …) and redacts every string people wrote, with the incident's own
redaction, before anything reaches the journal: a refused call writes nothing, and a token pasted
into a note never lands in the journal or the PIR. ``Incident`` appends the line; these functions
take only what they read (the time now, the state, the redaction), never the incident.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from warroom.errors import NotFoundError, WarroomError
from warroom.incident.vocabulary import validate_tag
from warroom.journal import events as ev
from warroom.journal.log import format_ts

if TYPE_CHECKING:
    from warroom.incident.state import IncidentState

Redact = Callable[[str], str]
Line = tuple[str, dict[str, Any]]
DELIVERIES = ("drafted", "posted", "post_failed", "recorded")


def note(tag: str, text: str, *, owner: str | None, due: str | None, now: datetime, redact: Redact) -> Line:
    """A tagged note; root-cause / went-well / went-wrong / action / lesson feed the PIR. ``due``
    must be a real calendar date (``2026-12-01``); an impossible one is refused."""
    validate_tag(tag)
    if due:
        from warroom.timeparse import parse_due

        due = parse_due(due, now).isoformat()
    text = text.strip()
    if not text:
        raise WarroomError("a note needs some text")
    data: dict[str, Any] = {"tag": tag, "text": redact(text)}
    if owner:
        data["owner"] = redact(owner)
    if due:
        data["due"] = redact(due)
    return ev.NOTE, data


def milestone(phase: str, at: datetime | None, reason: str, *, now: datetime, redact: Redact) -> Line:
    """A response-time milestone set explicitly (possibly back-dated, never in the future)."""
    if phase not in ev.PHASES:
        raise WarroomError(f"phase must be one of {', '.join(ev.PHASES)}, got {phase!r}")
    when = at or now
    not_future(when, now, "a milestone")
    data: dict[str, Any] = {"phase": phase, "at": format_ts(when)}
    if reason:
        data["reason"] = redact(reason)
    return ev.PHASE_MARKED, data


def timeline_entry(text: str, at: datetime | None, *, now: datetime, redact: Redact) -> Line:
    """A hand-written timeline entry, possibly back-dated."""
    text = text.strip()
    if not text:
        raise WarroomError("a timeline entry needs some text")
    if at is not None:
        not_future(at, now, "a timeline entry")
    return ev.TIMELINE_ENTRY, {"at": format_ts(at or now), "text": redact(text)}


def correction(state: IncidentState, inc_id: str, seq: int, text: str, *, redact: Redact) -> Line:
    """The corrected text of an earlier entry or note (the original line stays)."""
    text = text.strip()
    if not text:
        raise WarroomError("a correction needs the corrected text")
    if not any(t.seq == seq for t in state.timeline):
        raise NotFoundError(f"{inc_id}: no timeline entry with seq {seq}")
    return ev.CORRECTION, {"seq": seq, "text": redact(text)}


def status_update(text: str, channels: list[str] | None, webhook: dict[str, Any] | None,
                  delivery: str | None, *, redact: Redact) -> dict[str, Any]:
    """A stakeholder update exactly as written (line breaks kept) and what happened to it: as
    given, else from the webhook's answer (``posted`` only when the webhook said ok, else
    ``drafted``; ``recorded`` for a manual channel). The caller adds the signed journal head."""
    from warroom.incident.reducers import delivery_of

    text = text.strip("\n").rstrip()
    if not text.strip():
        raise WarroomError("a status update needs some text")
    data: dict[str, Any] = {"text": redact(text), "channels": list(channels or []), "webhook": webhook}
    if delivery is not None and delivery not in DELIVERIES:
        raise WarroomError(f"unknown delivery {delivery!r}")
    truth = delivery_of({**data, "delivery": None})
    if delivery == "posted" and truth != "posted":
        delivery = truth  # posted is only ever the webhook's own answer
    data["delivery"] = delivery or truth
    return data


def redacted(value: Any, redact: Redact) -> Any:
    """``value`` with every string in it redacted, nested ones too (a Go/No-Go criterion's
    evidence can quote a query error that carries a URL with credentials, or a step's output)."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: redacted(v, redact) for k, v in value.items()}
    if isinstance(value, list):
        return [redacted(v, redact) for v in value]
    return value


def not_future(at: datetime, now: datetime, what: str) -> None:
    """Refuse a time after ``now`` for ``what`` (``timeparse.reject_future``)."""
    from warroom.timeparse import reject_future

    reject_future(at, now, what)
