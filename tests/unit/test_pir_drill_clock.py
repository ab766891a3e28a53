"""A drill PIR puts the drill's clock beside the wall time in Key Moments and the Full Timeline (redteam39 F12).

At x60 the Key Moments of a 2h18m drill were stamped "00:48", "00:49", "00:50", "00:51": a printed wall
minute is an hour of the drill, so a reader could not tell that the GO came 17 drill minutes after its
deadline. The drill report says "+31m56s"; the PIR now says it too (drill time since detection), and a
real incident's PIR, whose wall time is its time, is unchanged."""

from __future__ import annotations

import re
from datetime import datetime

import pytest

from tests.unit.test_drill_durations import SPEED, _as_drill, _render
from tests.unit.test_pir_golden import state as state  # noqa: F401 (fixture)

MOMENT = re.compile(r"^- ([+-])(?:(\d+)h)?(?:(\d+)m)?(\d+)s (\d\d:\d\d:\d\d) ", re.M)
ROW = re.compile(r"^\| ([+-])(?:(\d+)h)?(?:(\d+)m)?(\d+)s \| (\d\d:\d\d:\d\d) \|", re.M)


def _section(text: str, title: str) -> str:
    return text.split(f"## {title}\n", 1)[1].split("\n## ", 1)[0]


def _checked(found: list[tuple[str, ...]], start: datetime) -> int:
    """Each (sign, h, m, s, wall HH:MM:SS) is drill time since detection: SPEED times the wall offset."""
    for sign, h, m, s, wall in found:
        clock = (-1 if sign == "-" else 1) * (int(h or 0) * 3600 + int(m or 0) * 60 + int(s))
        at = datetime.combine(start.date(), datetime.strptime(wall, "%H:%M:%S").time(), start.tzinfo)
        assert abs(clock - (at - start).total_seconds() * SPEED) <= SPEED, (sign, h, m, s, wall)
    return len(found)


#: where each shipped template lists its key moments
MOMENTS = {"pir": "Key Moments", "rca": "Timeline", "postmortem": "Timeline (all times in UTC)"}


@pytest.mark.parametrize("template", ["pir", "rca", "postmortem"])
def test_a_drill_pir_gives_each_moment_on_the_drill_clock(state, template: str) -> None:  # type: ignore[no-untyped-def]
    drilled = _as_drill(state)
    text = _render(drilled, template)
    moments = _section(text, MOMENTS[template])
    assert "On the drill's clock (drill time since detection)" in moments, moments
    listed = [ln for ln in moments.splitlines() if ln.startswith("- ") and "Needs a human" not in ln]
    assert _checked(MOMENT.findall(moments), drilled.clock_start) == len(listed) >= 10, moments
    timeline = _section(text, "Full Timeline")
    assert timeline.lstrip().startswith("| Drill clock | Time (UTC) |"), timeline
    assert _checked(ROW.findall(timeline), drilled.clock_start) == timeline.count("\n| ") - 1


@pytest.mark.parametrize("template", ["pir", "rca", "postmortem"])
def test_a_real_pir_keeps_its_wall_times_alone(state, template: str) -> None:  # type: ignore[no-untyped-def]
    text = _render(state, template)
    assert "drill's clock" not in text and "Drill clock" not in text
    assert re.search(r"^- \d\d:\d\d ", _section(text, MOMENTS[template]), re.M)
