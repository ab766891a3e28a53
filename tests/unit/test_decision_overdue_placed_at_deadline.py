"""A Go/No-Go deadline missed sits on the timeline when the deadline passed (found by review13e),
as a missed stakeholder update and a tier reached do: the ``decision.overdue`` line is written when
someone looked (a headless resolve, the next CLI command, the dashboard's look), and the timeline
placed it then, after whatever happened in between, so `incident show` and the PIR read as if the
deadline had passed later than it did. A due_at after its own line (not possible when written by
warroom) keeps the line's time."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from tests.unit.test_runbook_beside import _mass_failure
from warroom.journal import events as ev
from warroom.journal.encoding import format_ts
from warroom.journal.log import parse_ts


def test_a_missed_deadline_is_on_the_timeline_when_it_passed(tmp_path: Path) -> None:
    from tests.unit.incident_fixtures import FixedClock

    clock = FixedClock()
    inc, _library = _mass_failure(tmp_path, clock)
    clock.advance(20 * 60)      # a deadline after the declaration (one before it: test_decision_reminder_when_told)
    now = inc.clock()
    due = now - timedelta(minutes=7)
    e = inc._append(ev.DECISION_OVERDUE, {"id": "rollback-to-pilot", "runbook_id": "RB-LAUNCH-005",
                                          "question": "Roll back?", "due_at": format_ts(due)})
    later = inc._append(ev.DECISION_OVERDUE, {"id": "other", "runbook_id": "RB-LAUNCH-005",
                                              "question": "Later?", "due_at": format_ts(now + timedelta(hours=1))})
    st = inc.refresh()
    (missed,) = [t for t in st.timeline if t.seq == e.seq]
    assert missed.at == parse_ts(format_ts(due)) < e.ts     # the deadline, as journaled
    (odd,) = [t for t in st.timeline if t.seq == later.seq]
    assert odd.at == later.ts
