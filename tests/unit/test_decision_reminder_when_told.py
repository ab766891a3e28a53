"""A Go/No-Go reminder is placed where someone could have been reminded, by the rule the
escalation tiers follow (``escalation.told_at``): at its deadline, except that a deadline that
passed before the incident was declared or before its detection was back-dated is placed at the
declaration / the back-dating, and one that passed while the incident was resolved at the
reopening — with the words that say so. The deadline itself (``due``) is never moved.

Before: the line sat at the deadline whatever it was: an incident declared at 14:01 with its
detection back-dated 30 minutes showed "Decision overdue … (due 13:46:00 UTC)" at 13:46, before the
incident existed, on `incident show`'s timeline and in the PIR; a deadline that came while the
incident was resolved was shown reminded while nobody worked it."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from tests.unit.incident_fixtures import FixedClock
from warroom.config import Config
from warroom.incident import decisions as dec
from warroom.incident.store import IncidentStore
from warroom.journal import events as ev
from warroom.runbook.library import RunbookLibrary


def _incident(tmp_path: Path, clock: FixedClock):  # type: ignore[no-untyped-def]
    cfg = Config()
    cfg.incident.state_dir = str(tmp_path)
    path = RunbookLibrary.from_config(cfg).get("RB-LAUNCH-005").path
    return IncidentStore(tmp_path, cfg, clock=clock).create(title="flows failing", severity="P1",
                                                            runbook=path, source={})


def _remind(inc, now):  # type: ignore[no-untyped-def]
    views = dec.evaluate_all(inc, inc.state, [inc.runbook()], None, now)
    return dec.remind_overdue(inc, views)


def _overdue_line(inc):  # type: ignore[no-untyped-def]
    [line] = [t for t in inc.refresh().sorted_timeline() if t.kind == ev.DECISION_OVERDUE]
    return line


def test_a_deadline_before_the_back_dating_is_reminded_at_the_back_dating(tmp_path: Path) -> None:
    clock = FixedClock()
    inc = _incident(tmp_path, clock)
    declared = clock()
    clock.advance(60)
    mark = inc.mark_phase("detected", at=declared - timedelta(minutes=30))
    clock.advance(60)
    assert _remind(inc, clock())
    line = _overdue_line(inc)
    due = inc.state.clock_start + timedelta(minutes=15)
    assert due < declared
    assert line.at == mark.ts, (line.at, mark.ts)
    assert line.text.endswith(f"due {due:%H:%M:%S} UTC) (due before detection was back-dated: reminded at the"
                              " back-dating)"), line.text
    [overdue] = inc.state.decisions_overdue
    assert overdue["due_at"].startswith(f"{due:%Y-%m-%dT%H:%M:%S}")      # the deadline itself is kept


def test_a_deadline_that_came_while_resolved_is_reminded_at_the_reopening(tmp_path: Path) -> None:
    clock = FixedClock()
    inc = _incident(tmp_path, clock)
    clock.advance(5 * 60)
    inc.resolve("looked fine", rollback=False)
    clock.advance(20 * 60)                 # the 15-minute deadline passes while resolved
    reopened = inc.reopen("back again")
    clock.advance(60)
    assert _remind(inc, clock())
    line = _overdue_line(inc)
    assert line.at == reopened.ts
    assert line.text.endswith("(its time came while resolved: reminded on reopening)"), line.text


def test_a_deadline_after_the_declaration_stays_at_the_deadline(tmp_path: Path) -> None:
    clock = FixedClock()
    inc = _incident(tmp_path, clock)
    clock.advance(40 * 60)
    assert _remind(inc, clock())
    line = _overdue_line(inc)
    assert line.at == inc.state.clock_start + timedelta(minutes=15)
    assert line.text.endswith("UTC)"), line.text
