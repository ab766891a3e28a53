"""A reopened incident owes no stakeholder update, and gets no handoff reminder, for the time it
was resolved: the update cadence counts from the reopening (as it counts from the declaration),
and a handoff reminder whose time came while resolved is placed at the reopening, by the rule the
escalation tiers and the Go/No-Go reminders follow (``escalation.told_at``).

Before (redteam38 F5): a ×10 drill incident resolved at 21:31:18 and reopened at 21:52:50 was
journaled "Stakeholder update overdue (was due 21:32:45 UTC)" — 87 s after the resolution — and a
"Handoff reminder" at 21:51:06, above "Incident reopened" on the timeline; the header said "update
overdue by 3h24m39s" the moment it was reopened."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from warroom import scenario_time
from warroom.config import Config
from warroom.incident.store import IncidentStore
from warroom.journal import events as ev

T0 = datetime(2026, 12, 4, 21, 27, tzinfo=UTC).timestamp()
REOPEN = 3900.0         # wall seconds after the declaration: past the commander's first hour, spent resolved


def _drill(tmp: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """A P3 drill incident at x10: an update every 30 drill minutes (180 wall s), a handoff
    reminder every hour of the commander's own time (3600 wall s: people are not sped up, redteam41 G5)."""
    monkeypatch.setenv(scenario_time.AT_ENV, repr(T0))
    cfg = Config()
    cfg.incident.state_dir = str(tmp)
    return IncidentStore(tmp, cfg).create(title="P95 flow latency at 144s", severity="P3", source={},
                                          drill={"scenario": "timeout", "speed": 10.0})


def _at(monkeypatch: pytest.MonkeyPatch, wall: float) -> datetime:
    monkeypatch.setenv(scenario_time.AT_ENV, repr(T0 + wall))
    return datetime.fromtimestamp(T0 + wall, UTC)


def _resolved_then_reopened(tmp: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    inc = _drill(tmp, monkeypatch)
    _at(monkeypatch, 120)
    inc.resolve("pruning on")
    _at(monkeypatch, REOPEN)         # 65 wall minutes resolved: 10h50m of drill time
    reopened = inc.reopen("failure rate still critical")
    return inc, reopened


def test_the_update_cadence_counts_from_the_reopening(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    inc, reopened = _resolved_then_reopened(tmp_path, monkeypatch)
    now = _at(monkeypatch, REOPEN + 10)
    assert inc.check_update_overdue(now) is None        # nothing was owed while it was resolved
    due = inc.state.next_update_due(now, inc.update_every())
    assert due == datetime.fromtimestamp(T0 + REOPEN + 180, UTC), due
    late = _at(monkeypatch, REOPEN + 181)
    event = inc.check_update_overdue(late)
    assert event is not None and event.data["due_at"].startswith(f"{due:%Y-%m-%dT%H:%M:%S}"), event
    assert reopened.ts < due


def test_a_handoff_reminder_due_while_resolved_is_placed_at_the_reopening(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    inc, reopened = _resolved_then_reopened(tmp_path, monkeypatch)
    now = _at(monkeypatch, REOPEN + 10)
    event = inc.check_handoff_reminder(now)
    assert event is not None
    assert event.data["due_at"].startswith(f"{reopened.ts:%Y-%m-%dT%H:%M:%S}"), (event.data, reopened.ts)
    [line] = [t for t in inc.refresh().sorted_timeline() if t.kind == ev.HANDOFF_REMINDER]
    assert line.at >= reopened.ts, (line.at, reopened.ts)


def test_a_reminder_due_before_the_resolution_keeps_its_time(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Held an hour and more before resolving: the reminder is at the hour, as before."""
    inc = _drill(tmp_path, monkeypatch)
    now = _at(monkeypatch, 3700)
    event = inc.check_handoff_reminder(now)
    assert event is not None and event.data["due_at"].startswith(
        f"{datetime.fromtimestamp(T0 + 3600, UTC):%Y-%m-%dT%H:%M:%S}"), event.data
