"""The header's update countdown is a duration in the product's words, never mm:ss (A14-8).

"update OVERDUE 13:21" beside the timeline's 13:11 stamps read as a time of day. The header
now says "update overdue by 13m21s" / "update in 4m07s" with ``format_duration``, the one
formatter ``incident show``, the handoff brief and the PIR write durations with.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from panes.header import IncidentHeader
from panes.view import HeaderInfo
from warroom.durations import format_duration


def _clocks(declared: float, due: float, now: float, scale: float = 1.0) -> str:
    bar = IncidentHeader()
    bar.info = HeaderInfo(incident_id="INC-1", title="t", status="investigating", severity="P1",
                          declared_at=declared, next_update_at=due, time_scale=scale,
                          drill="mass-failure" if scale != 1.0 else None)
    return bar.clocks_text(now).plain


@pytest.mark.parametrize("late", [1, 59, 60, 801, 3599, 3600 + 125, 5 * 3600])
def test_overdue_is_said_as_a_duration(late: int) -> None:
    now = datetime(2026, 12, 2, 13, 11, tzinfo=UTC).timestamp()
    text = _clocks(now - 3 * 3600, now - late, now)
    assert f"update overdue by {format_duration(late)}" in text, text
    assert "OVERDUE" not in text
    assert not re.search(r"update \S+ \d+:\d\d", text), text        # no mm:ss after "update"


def test_the_findings_example_at_speed_30() -> None:
    """mass-failure at x30, the P1's 10-minute cadence passed 13m21s of drill time ago."""
    now = datetime(2026, 12, 2, 14, 0, tzinfo=UTC).timestamp()
    text = _clocks(now - 60, now - 801 / 30, now, scale=30.0)
    assert "update overdue by 13m21s" in text and "×30" in text, text


@pytest.mark.parametrize("left", [5, 247, 780, 3600 + 61])
def test_the_countdown_uses_the_same_words(left: int) -> None:
    now = datetime(2026, 12, 2, 13, 11, tzinfo=UTC).timestamp()
    text = _clocks(now - 60, now + left, now)
    assert f"update in {format_duration(left)}" in text, text
    assert not re.search(r"update \S+ \d+:\d\d", text), text


def test_a_drill_countdown_says_the_wall_time_beside() -> None:
    """redteam45 R12: at ×60 "update in 1h57m52s" was 1m58s on the wall clock, the one the update is written on; the
    gate's "09:49 left" likewise. At ×1 nothing is added."""
    from panes.header import gate_text
    from panes.view import GateView

    now = datetime(2026, 12, 2, 14, 0, tzinfo=UTC).timestamp()
    assert "update in 1h58m00s (1m58s wall)" in _clocks(now - 2, now + 118, now, scale=60.0)
    assert "update overdue by 13m20s (1m20s wall)" in _clocks(now - 60, now - 80, now, scale=10.0)
    assert "wall" not in _clocks(now - 60, now + 247, now)
    bar = IncidentHeader()          # 80 columns, a drill's sources ok: it fits beside them
    bar.info = HeaderInfo(incident_id="INC-1", title="t", status="investigating", severity="P1", declared_at=now - 2,
                          next_update_at=now + 118, time_scale=60.0, drill="mass-failure", sources=(("drill", "ok"),))
    assert "update in 1h58m00s (1m58s wall)  drill" in bar.clocks_text(now, 80).plain, bar.clocks_text(now, 80).plain
    gate = GateView(9, "error_5xx < 2 for 2m within 10m", "pending", "19.5%", "< 2%", hold=120, remaining=590,
                    at=now, speed=10.0, title="Model API 5xx rate")
    for width in (0, 80):
        assert "09:50 left (59s wall)" in gate_text(gate, now, width).plain, gate_text(gate, now, width).plain


def test_at_80_columns_the_wall_time_goes_before_the_gates_name_is_cut() -> None:
    """R12 at 80x24 (ci45b): "(2m27s wall)" pushed the VERIFY line past 80 columns and the gate's name was shortened
    for it ("429 share (wor…"); the wall figure is dropped first, as the header's update drops its own."""
    from panes.header import gate_text
    from panes.view import GateView

    now = datetime(2026, 12, 2, 14, 0, tzinfo=UTC).timestamp()
    gate = GateView(6, "share_429 < 10 for 2m within 10m", "pending", "0.1%", "< 10%", hold=120, remaining=590,
                    at=now, speed=4.0, title="429 share (worst provider)", holding=True, held=10.0)
    line = gate_text(gate, now, 80).plain
    assert "429 share (worst provider) 0.1% held 0:10/2:00 · 09:50 left" in line and len(line) <= 80, line
    assert "(2m27s wall)" in gate_text(gate, now, 120).plain
