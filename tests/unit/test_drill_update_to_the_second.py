"""A drill's stakeholder update says its times to the second: a wall minute is ten to sixty drill
minutes, so "Next update by 21:38 UTC" (redteam38 F13: sent 21:38:22 at x60, due 21:38:52) named a
minute already begun, and "Impact since 21:37 UTC" could be an hour of drill time off. A real
incident's update keeps the minute, as stakeholders read it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from warroom.config import Config
from warroom.incident.cadence import draft_update
from warroom.incident.store import IncidentStore


def _incident(tmp_path: Path, speed: float | None):  # type: ignore[no-untyped-def]
    cfg = Config()
    cfg.incident.state_dir = str(tmp_path)
    drill = {"scenario": "timeout", "speed": speed, "dir": str(tmp_path / "d")} if speed else None
    return IncidentStore(tmp_path, cfg).create(title="P95 flow latency at 153s", severity="P3", runbook=None,
                                               source={"kind": "pane", "ref": "p95_latency",
                                                       "started_at": "2026-12-04T21:37:45.071Z"}, drill=drill)


def test_a_drill_update_gives_its_times_to_the_second(tmp_path: Path) -> None:
    st = _incident(tmp_path, 60.0).state
    now = st.declared_at + timedelta(seconds=30)
    draft = draft_update(st, now, 1800.0)
    due = now + timedelta(seconds=30)
    assert f"Next update by {due:%H:%M:%S} UTC (in 30m00s drill time (30s wall))." in draft, draft
    start = st.impact_start
    assert start is not None and f"- Impact since {start:%H:%M:%S} UTC:" in draft, draft


def test_a_real_update_keeps_the_minute(tmp_path: Path) -> None:
    st = _incident(tmp_path, None).state
    now = st.declared_at + timedelta(minutes=5)
    draft = draft_update(st, now, 1800.0)
    due = now + timedelta(minutes=30)
    assert f"Next update by {due:%H:%M} UTC." in draft, draft
    assert datetime.now(UTC) > st.declared_at      # a real clock, no scale
