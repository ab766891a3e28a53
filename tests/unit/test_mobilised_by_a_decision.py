"""Time to mobilise counts a person deciding, staffing or asking, not only what such an act leaves.

Seen live (mass-failure x60, `incident decide ID --go` 9m51s drill time after the declaration): the
GO's own line did not count, the runbook.attached it journaled 0.26 wall s later (15 drill s) did, so
the PIR, `incident show` and the drill report said "Time to mobilise 10m07s: missed" of a commander
who acted inside the 10-minute target; a NO-GO (which opens nothing) did not count at all.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.unit.test_incident_state import T0, declared, make_events
from warroom.incident.fold import replay
from warroom.journal import events as ev

VERDICT: dict[str, Any] = {"id": "rollback-to-pilot", "runbook_id": "RB-LAUNCH-005", "verdict": "GO",
                           "why": "5 repos failing", "by": "ic"}


def _mobilised(later: list[tuple[float, str, dict[str, Any]]]) -> tuple[Any, Any]:
    state = replay(make_events([(0, ev.DECLARED, declared()), *later]))
    row = next(r for r in state.response_times() if r.key == "mobilised")
    return state.phases["mobilised"], row


def test_a_go_counts_from_its_own_line_not_from_the_runbook_it_opens() -> None:
    at, row = _mobilised([
        (9.85, ev.DECISION_RECORDED, VERDICT),
        (10.1, ev.RUNBOOK_ATTACHED, {"id": "RB-LAUNCH-002", "beside": True}),
    ])
    assert at == T0 + timedelta(minutes=9.85)
    assert row.met is True


@pytest.mark.parametrize("kind, data", [
    (ev.DECISION_RECORDED, {**VERDICT, "verdict": "NO-GO"}),
    (ev.ROLE_ASSIGNED, {"role": "ops", "person": "bob"}),
    (ev.APPROVAL_REQUESTED, {"id": "apr-1", "step": 6, "command": "kubectl set env"}),
])
def test_a_no_go_a_role_given_or_an_approval_asked_is_the_first_action(kind: str, data: dict[str, Any]) -> None:
    at, row = _mobilised([(3, kind, data), (25, ev.NOTE, {"tag": "info", "text": "later"})])
    assert at == T0 + timedelta(minutes=3)
    assert row.minutes == pytest.approx(3.0) and row.met is True
