"""How each journal event changes an incident's state: one small function an event type.

They are kept out of :mod:`warroom.incident.state` so that the state class reads as what an
incident *is* (and what it derives), while these modules read as the event log's meaning; all
stay pure, as the replay contract requires. One module per kind of event: ``lifecycle``
(declared, attached, severity, phases, resolved, roles, escalation), ``steps`` (runs, ticks,
skips), ``monitoring`` (alerts, SLO evidence, verify gates, breaches, the metric summary),
``written`` (notes, corrections, status updates, exports), ``decisions`` (Go/No-Go); approvals,
runbook closing, handoff and gate relapse events keep theirs beside their own rules.

``HANDLERS`` joins their tables; an event type claimed by two of them stops the import rather
than letting the later table silently win.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from warroom.incident import approvals, closing, gate_relapse, handoff_events
from warroom.incident.reducers import decisions, lifecycle, monitoring, steps, written
from warroom.incident.reducers.written import DELIVERY_WORDS, delivery_of

Handler = Callable[[Any, Any, dict[str, Any]], None]


def _join(*tables: Mapping[str, Handler]) -> dict[str, Handler]:
    """One table from several; an event type in two of them is a programming error, said at import."""
    out: dict[str, Handler] = {}
    for table in tables:
        twice = sorted(set(out) & set(table))
        if twice:
            raise RuntimeError(f"event types handled twice: {', '.join(twice)}")
        out.update(table)
    return out


HANDLERS = _join(lifecycle.HANDLERS, steps.HANDLERS, monitoring.HANDLERS, written.HANDLERS, decisions.HANDLERS,
                 approvals.HANDLERS, closing.HANDLERS, handoff_events.HANDLERS, gate_relapse.HANDLERS)

__all__ = ["DELIVERY_WORDS", "HANDLERS", "delivery_of"]
