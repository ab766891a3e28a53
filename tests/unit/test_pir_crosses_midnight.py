"""A PIR of an incident that crosses midnight UTC dates its rows after midnight (clock39).

The header says one Date (the impact start's) and the timeline and key moments said times only: an
incident declared at 23:50 on 31 December whose breaker went on at 00:05 read "00:05:00" under
"Date 2026-12-31", a day early. The first row of a new day says its day; so does a local time on
another day than the header's Date (a zone east of UTC is already on the next day at 23:50 UTC).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from warroom.config import Config
from warroom.incident.pir_templates import render_pir
from warroom.incident.session import Incident
from warroom.incident.store import IncidentStore

EVE = datetime(2026, 12, 31, 23, 50, 0, tzinfo=UTC)


class HandClock:
    """The incident's clock, moved by hand: each event at the moment the test says."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


def _incident(tmp_path: Path, zone: str, at: datetime, notes: int) -> tuple[Incident, Config, HandClock]:
    """Declared at ``at``, then ``notes`` notes ten minutes apart; the clock ten minutes after the last."""
    cfg = Config()
    cfg.incident.timezone = zone
    clock = HandClock(at)
    inc = IncidentStore(tmp_path / "state", cfg, clock=clock).create(title="Quota", severity="P3")
    for n in range(notes):
        clock.at += timedelta(minutes=10)
        inc.note("root-cause" if n else "info", f"note {n + 1}")
    clock.at += timedelta(minutes=10)
    return inc, cfg, clock


def _section(md: str, title: str) -> str:
    return md.split(f"## {title}", 1)[1].split("\n## ", 1)[0]


def _rows(md: str) -> list[list[str]]:
    body = _section(md, "Full Timeline")
    return [[c.strip() for c in line.split("|")[1:3]] for line in body.splitlines()
            if line.startswith("| ") and not line.startswith("| Time")]


@pytest.mark.parametrize("template", ["pir", "postmortem", "rca"])
def test_the_rows_after_midnight_say_their_day(tmp_path: Path, template: str) -> None:
    # declared 23:50, notes at 00:00 and 00:10 on 1 January; 20:20 in St John's: the header's Date too
    inc, cfg, clock = _incident(tmp_path, "America/St_Johns", EVE, 2)
    md = render_pir(inc.state, template, cfg, clock())
    rows = _rows(md)
    assert rows[0] == ["23:50:00", "20:20"], rows       # the header's day: no date
    assert rows[1] == ["2027-01-01 00:00:00", "20:30"], rows
    assert rows[2] == ["00:10:00", "20:40"], rows       # the day said once, as it begins
    for moment in ("- 23:50 Incident declared", "- 2027-01-01 00:00 [info] note 1", "- 00:10 [root-cause] note 2"):
        assert f"\n{moment}" in md, md                  # the key moments, listed in every template


def test_a_local_time_on_another_day_than_the_header_says_its_day(tmp_path: Path) -> None:
    inc, cfg, clock = _incident(tmp_path, "Pacific/Kiritimati", EVE, 1)     # UTC+14: 13:50 the next day
    rows = _rows(render_pir(inc.state, "pir", cfg, clock()))
    assert rows[0] == ["23:50:00", "2027-01-01 13:50"], rows
    assert rows[1] == ["2027-01-01 00:00:00", "14:00"], rows


def test_an_incident_within_one_day_reads_as_before(tmp_path: Path) -> None:
    inc, cfg, clock = _incident(tmp_path, "UTC", datetime(2026, 12, 31, 12, 0, 0, tzinfo=UTC), 1)
    rows = _rows(render_pir(inc.state, "pir", cfg, clock()))
    assert rows == [["12:00:00", "12:00"], ["12:10:00", "12:10"]], rows


def test_a_drill_pir_dates_its_rows_after_midnight_beside_the_drill_clock(tmp_path: Path) -> None:
    """At x60 a wall minute is a drill hour: a drill declared at 23:50 is past midnight ten wall minutes on."""
    cfg = Config()
    cfg.incident.timezone = "UTC"
    clock = HandClock(EVE)
    inc = IncidentStore(tmp_path / "state", cfg, clock=clock).create(
        title="Quota", severity="P3", drill={"scenario": "rate-limit", "speed": 60.0, "dir": str(tmp_path / "d")})
    for n in range(2):
        clock.at += timedelta(minutes=10)
        inc.note("info", f"note {n + 1}")
    md = render_pir(inc.state, "pir", cfg, clock.at + timedelta(minutes=10))
    rows = [[c.strip() for c in line.split("|")[2:4]] for line in _section(md, "Full Timeline").splitlines()
            if line.startswith("| ") and not line.startswith("| Drill clock")]
    assert rows == [["23:50:00", "23:50"], ["2027-01-01 00:00:00", "2027-01-01 00:00"], ["00:10:00", "00:10"]], rows
    assert "23:50:00 Incident declared" in md and "2027-01-01 00:00:00 [info] note 1" in md, md
