"""Folding journal events into an :class:`~warroom.incident.state.IncidentState`: ``replay``
rebuilds it from events, ``apply`` adds one. Pure: no clock, no file, no config.

Kept apart from the state's data so the reducers (what each event does) can name the state's
type without the state module importing them back.
"""

from __future__ import annotations

from warroom.incident import observer_seat
from warroom.incident.reducers import HANDLERS
from warroom.incident.state import IncidentState
from warroom.journal import events as ev
from warroom.journal.log import Event, gc_paused

_MOBILISING = frozenset({
    ev.STEP_STARTED, ev.STEP_DRY_RUN, ev.STEP_TICKED, ev.STEP_SKIPPED, ev.NOTE, ev.TIMELINE_ENTRY,
    ev.STATUS_UPDATE, ev.SEVERITY_CHANGED, ev.RUNBOOK_ATTACHED, ev.STATUS_CHANGED, ev.STEP_REFUSED,
    # a person deciding, staffing or asking: a Go/No-Go verdict (a GO's runbook.attached follows it,
    # a NO-GO journals nothing else), a role given, an approval asked for
    ev.DECISION_RECORDED, ev.ROLE_ASSIGNED, ev.APPROVAL_REQUESTED,
})


def apply(state: IncidentState, e: Event) -> None:
    """Fold one event into the state. Unknown types are counted and kept on the timeline."""
    handler = HANDLERS.get(e.type)
    d = e.data
    if handler is None:
        state.unknown_events += 1
        state._add_timeline(e, e.type, str(d.get("text") or d.get("summary") or e.type))
    else:
        handler(state, e, d)
    # a read-only seat's line (its run, dry run, refusal: ``observer_seat``) is no action of the response's
    if e.type in _MOBILISING and state.declared_at is not None and state.first_action_at is None \
            and not observer_seat.marked(d):
        state.first_action_at = e.ts
        state.first_action_seq = e.seq
    if e.type == ev.DECLARED:
        state.declared_seq = e.seq
    state.last_seq = e.seq
    state.last_hash = e.h
    state.last_at = e.ts
    state.event_count += 1


def replay(events: list[Event] | tuple[Event, ...], into: IncidentState | None = None) -> IncidentState:
    """Rebuild state from events in journal order (or continue ``into`` an existing state)."""
    state = into if into is not None else IncidentState()
    with gc_paused(len(events)):
        for e in events:
            apply(state, e)
    return state
