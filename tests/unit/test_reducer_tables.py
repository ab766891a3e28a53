"""The reducers' tables join into one (``warroom.incident.reducers.HANDLERS``) only when no event
type is claimed twice: a second handler for a type would otherwise silently replace the first and
change what a journal folds into, with every test of the replaced one still importing fine."""

from __future__ import annotations

import pytest

from warroom.incident import reducers
from warroom.journal import events as ev


def _one(*_: object) -> None:
    return None


def _other(*_: object) -> None:
    return None


def test_a_type_claimed_by_two_tables_stops_the_join() -> None:
    with pytest.raises(RuntimeError, match=ev.NOTE):
        reducers._join({ev.NOTE: _one}, {ev.RESOLVED: _one}, {ev.NOTE: _other})


def test_the_shipped_tables_are_joined_whole() -> None:
    """Every table's types are in HANDLERS with the table's own handler (none lost, none replaced)."""
    from warroom.incident import approvals, closing, gate_relapse, handoff_events
    from warroom.incident.reducers import decisions, lifecycle, monitoring, steps, written

    tables = [lifecycle.HANDLERS, steps.HANDLERS, monitoring.HANDLERS, written.HANDLERS, decisions.HANDLERS,
              approvals.HANDLERS, closing.HANDLERS, handoff_events.HANDLERS, gate_relapse.HANDLERS]
    assert len(reducers.HANDLERS) == sum(len(t) for t in tables)
    assert all(reducers.HANDLERS[k] is fn for t in tables for k, fn in t.items())
