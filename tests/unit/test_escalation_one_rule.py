"""The escalation tier has one source (``warroom.incident.escalation``): the header's tier, the
tier ``IncidentState.escalation_tier`` reports (``incident show``, the brief, --json) and the
tier journaled (``escalation.tier``) agree at every instant around each boundary — at drill speeds
1 and 60, at a speed whose boundaries fall between microseconds (13: 900/13 s is rounded to the
microsecond by the schedule while a sum of minutes is not), and around a reopening (a tier whose
time came while the incident was resolved is reached at the reopening). The clock is pinned
(``$WARROOM_DRILL_AT``): no wall time is read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from panes.fmt import tier_at
from tui.view import incident_view
from warroom import scenario_time
from warroom.config import Config
from warroom.incident import escalation
from warroom.incident.live import LiveIncident
from warroom.incident.store import IncidentStore

T0 = datetime(2026, 12, 2, 9, 0, 0, 123457, tzinfo=UTC)     # a fraction: boundaries off whole seconds
AROUND = (-1000, -1, 0, 1, 1000)                             # microseconds either side of each boundary


def _pin(monkeypatch: pytest.MonkeyPatch, at: datetime) -> None:
    monkeypatch.setenv(scenario_time.AT_ENV, repr(at.timestamp()))


def _drill(tmp: Path, monkeypatch: pytest.MonkeyPatch, speed: float):  # type: ignore[no-untyped-def]
    cfg = Config()
    cfg.incident.state_dir = str(tmp)
    _pin(monkeypatch, T0)
    return IncidentStore(tmp, cfg).create(title="quota climbing", severity="P3", source={},
                                          drill={"scenario": "rate-limit", "speed": speed})


def _three(inc, at: datetime) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    """(header, state, journal) tiers at ``at``, each read the way its screen reads it."""
    inc.check_escalation()                                       # the look every watcher makes
    state = inc.refresh()
    journaled = max([int(e["tier"]) for e in state.escalations] or [0])
    live = LiveIncident(inc, None)
    try:
        header = incident_view(live.snapshot(), 900.0, at.timestamp()).header
    finally:
        live.close()
    end = header.resolved_at if header.resolved_at is not None else at.timestamp()
    shown = tier_at(header.tiers, end)
    assert shown.startswith("T")
    return int(shown[1:].split()[0]), state.escalation_tier(at).tier, journaled


def _walk(inc, monkeypatch: pytest.MonkeyPatch, boundaries: list[datetime]) -> list[tuple[int, int, int]]:  # type: ignore[no-untyped-def]
    seen = []
    for b in boundaries:
        for us in AROUND:
            at = b + timedelta(microseconds=us)
            _pin(monkeypatch, at)
            header, state, journaled = _three(inc, at)
            assert header == state == journaled, (b, us, header, state, journaled)
            seen.append((header, state, journaled))
    return seen


@pytest.mark.parametrize("speed", [1.0, 60.0, 13.0])
def test_header_state_and_journal_agree_around_every_boundary(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, speed: float) -> None:
    inc = _drill(tmp_path, monkeypatch, speed)
    boundaries = [t.at for t in escalation.schedule(inc.state) if t.tier > 0]
    assert len(boundaries) == 3
    seen = _walk(inc, monkeypatch, boundaries)
    assert [h for h, _s, _j in seen] == [0, 0, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 3, 3, 3]


def test_they_agree_around_a_reopening(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """x60: resolved at 10 drill minutes, reopened at 20: the 15-minute tier came while it was
    resolved, so every reader says tier 0 until the reopening and tier 1 from that instant on."""
    inc = _drill(tmp_path, monkeypatch, 60.0)
    start = inc.state.clock_start
    assert start is not None
    resolved, reopened = start + timedelta(seconds=10), start + timedelta(seconds=20)   # the journal keeps ms
    _pin(monkeypatch, resolved)
    inc.resolve("breaker on", rollback=False)
    for us in AROUND[:2]:                           # resolved: nobody is paged
        at = reopened + timedelta(microseconds=us)
        _pin(monkeypatch, at)
        assert _three(inc, at) == (0, 0, 0)
    _pin(monkeypatch, reopened)
    inc.reopen("quota climbing again")
    later = [t.at for t in escalation.schedule(inc.refresh()) if t.tier > 1]
    seen = _walk(inc, monkeypatch, [reopened] + later)                  # tier 1 is reached at the reopening
    assert [h for h, _s, _j in seen] == [0, 0, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 3, 3, 3]
