"""`incident show`'s response times in a drill give both figures with their units, through the one
rule (``scenario_time.Span``), like every other drill duration (found by attack13e: at x60 it said
"Time to mobilise 1.7 min drill time (0.0 wall)": a wall figure of 1.7 seconds shown as zero,
in minutes that were not named). The clock is pinned."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from warroom import scenario_time
from warroom.cli.incident_show import render_show
from warroom.config import Config
from warroom.incident.store import IncidentStore

T0 = datetime(2026, 12, 2, 10, 0, tzinfo=UTC).timestamp()


def test_a_drill_response_time_names_drill_and_wall_time_with_their_units(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(scenario_time.AT_ENV, repr(T0))
    cfg = Config()
    cfg.incident.state_dir = str(tmp_path)
    inc = IncidentStore(tmp_path, cfg).create(title="quota", severity="P3", source={},
                                              drill={"scenario": "rate-limit", "speed": 60.0})
    monkeypatch.setenv(scenario_time.AT_ENV, repr(T0 + 1.7))
    inc.note("info", "looking at the quota")                          # mobilised 1m42s drill time in
    lines = render_show(inc, inc.refresh(), scenario_time.utcnow())
    row = next(line for line in lines if "Time to mobilise" in line)
    assert "1m42s drill time (1.7s wall)" in row and "met" in row, row
    assert "(0.0 wall)" not in "\n".join(lines)
