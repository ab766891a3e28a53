"""A handoff reminder says how many periods it stands for (issue 13, tui14 b).

The reminder is journaled when someone looks (the dashboard every 15 s, a CLI command), once per
look, for the latest period the commander's tenure reached. At x3600 an hourly period passes
every wall second, so one reminder covered twenty periods and read like the first ("alice has been
incident commander for 20h00m00s; time to hand over"): the timeline, the PIR and the header must say
that it stands for twenty periods and how long the handover has been due. Since redteam41 G5 a drill's
period is the commander's own hour, so many periods pass unreminded only when nobody looks for hours."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.incident_fixtures import FixedClock, install_fake_runbook, people
from warroom.config import Config
from warroom.incident.handoff import header_text
from warroom.incident.session import Incident
from warroom.incident.store import IncidentStore

ALICE, _ = people()


def _incident(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clock: FixedClock, speed: float) -> Incident:
    install_fake_runbook(monkeypatch, tmp_path)
    cfg = Config()
    drill = {"scenario": "rate-limit", "speed": speed, "dir": "/nowhere"} if speed != 1 else None
    a = IncidentStore(tmp_path / "state", cfg, clock=clock).create(
        title="Quota", severity="P2", runbook="RB-TEST-001", commander="alice", drill=drill)
    return Incident(a.id, a.dir, config=cfg, clock=clock, actor="alice@bastion-1", person=ALICE)


def _reminder_lines(inc: Incident) -> list[str]:
    return [t.text for t in inc.state.timeline if t.kind == "handoff.reminder"]


def test_one_reminder_for_many_periods_says_how_many_and_how_long_due(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    clock = FixedClock()
    inc = _incident(tmp_path, monkeypatch, clock, speed=60)
    # 20 of the commander's hours with no look between (a drill left open overnight: the period is the
    # commander's own hour since redteam41 G5; at x3600 it was 20 wall seconds)
    clock.advance(20 * 3600)
    first = inc.check_handoff_reminder()
    assert first is not None and first.data["period"] == 20
    (line,) = _reminder_lines(inc)
    assert "has been incident commander for 1200h00m00s drill time (20h00m00s wall)" in line
    assert ("one reminder for 20 periods of 60h00m00s drill time (1h00m00s wall) (periods 1-20); the handover has"
            " been due for 1140h00m00s drill time (19h00m00s wall)") in line
    assert "hand over? IC 20h00m00s wall, due 19h00m00s ago" in header_text(inc.state, clock())

    clock.advance(15 * 3600)                   # the next look, 15 periods later
    assert inc.check_handoff_reminder() is not None
    second = _reminder_lines(inc)[1]
    assert "one reminder for 15 periods of 60h00m00s drill time (1h00m00s wall) (periods 21-35)" in second
    pir = inc.render("pir")
    row = next(ln for ln in pir.splitlines() if ln.startswith("| **Roles and handoffs**"))
    assert ("incident commander for 1200h00m00s drill time (20h00m00s wall) (one reminder for 20 periods of"
            " 60h00m00s drill time (1h00m00s wall) (periods 1-20)") in row
    assert "(periods 21-35)" in row


def test_a_reminder_of_its_own_period_reads_as_before(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = FixedClock()
    inc = _incident(tmp_path, monkeypatch, clock, speed=1)
    clock.advance(3600)
    inc.check_handoff_reminder()
    clock.advance(3600)
    inc.check_handoff_reminder()
    lines = _reminder_lines(inc)
    assert len(lines) == 2 and not any("periods" in ln for ln in lines)
    assert lines[1].endswith("time to hand over (PagerDuty: about hourly, three hours at most)")
    assert "hand over? IC for 2h00m00s, due 1h00m00s ago" in header_text(inc.state, clock())


def test_in_a_drill_the_reminder_runs_on_the_commander_s_own_clock(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """redteam41 G5: at x60 the hourly reminder (human fatigue: "PagerDuty: about hourly") came every
    wall minute, four in a 4-minute drill. A drill speeds up the world, not the people: the period is
    the commander's own hour (``scenario_time.for_people`` with the period as its wall floor), and the
    views say it in wall time beside the drill's."""
    clock = FixedClock()
    inc = _incident(tmp_path, monkeypatch, clock, speed=60)
    clock.advance(61)                          # 1h01m of drill time, one wall minute: nobody is tired yet
    assert inc.check_handoff_reminder() is None
    clock.advance(3600)                        # the commander's own hour
    first = inc.check_handoff_reminder()
    assert first is not None and first.data["period"] == 1, first
    assert (first.data["every"], first.data["every_asked"]) == (3600.0 * 60, 3600.0)
    (line,) = _reminder_lines(inc)
    assert "has been incident commander for 60h00m00s drill time (1h00m00s wall)" in line, line
    assert "hand over? IC 1h01m01s wall" in header_text(inc.state, clock())
