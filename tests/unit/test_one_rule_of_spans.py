"""One span reads the same everywhere the product states it (redteam29-3).

A resolved mass-failure drill (x30, 3416.91 drill seconds) froze its header clock at "56:56" (it
cut) while the end-of-drill report and ``incident show`` said "56m57s" (they rounded), and past an
hour a duration cut its minutes ("2h03m" for 2h03m59s) while under one it rounded. Every clock and
duration now goes through ``durations.stated_seconds``: the units a span has completed, as a clock
counts them (never rounded up, so no span reads past a target or a tier it has not reached). The
header's frozen clock, ``incident show``, the PIR, the drill report's table and the incident log
agree on every figure they state, for any span and any speed (past an hour a duration states every
figure of the clock: 2:03:59 is 2h03m59s; redteam32b: "1h06m drill time" stood for 66m40s).
"""

from __future__ import annotations

import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tests.unit.incident_fixtures import FixedClock
from warroom import scenario_time as stime
from warroom.config import Config
from warroom.durations import format_clock, format_duration, parse_duration, stated_minutes, stated_seconds
from warroom.incident.store import IncidentStore

SPANS = st.floats(min_value=0.0, max_value=400 * 3600.0, allow_nan=False)


def clock_seconds(clock: str) -> int:
    """``56:57`` / ``2:03:59`` back to seconds."""
    parts = [int(p) for p in clock.split(":")]
    return (parts[0] * 3600 + parts[1] * 60 + parts[2]) if len(parts) == 3 else parts[0] * 60 + parts[1]


@given(SPANS)
@example(3416.91)
@example(7439.0)
@example(7439.6)
@example(3599.6)
@example(899.6)
@example(59.5)
@example(9.95)
@example(0.29)
@settings(max_examples=300)
def test_a_clock_and_a_duration_state_one_figure(seconds: float) -> None:
    stated = stated_seconds(seconds)
    said = format_duration(seconds)
    unit = 0.1 if seconds < 10 else 1.0
    assert -1e-6 <= seconds - stated < unit + 1e-6                          # the units completed
    clock = clock_seconds(format_clock(seconds))
    assert clock == int(stated), (seconds, said, format_clock(seconds))
    # every figure the duration states is the clock's, to the second at every size (2:03:59 is 2h03m59s)
    assert parse_duration(said) == stated, (seconds, said)
    assert stated_minutes(seconds) == int(stated // 60)


@pytest.mark.parametrize(("seconds", "said"), [
    (4000.0, "1h06m40s"),        # the drill report's 66m40s, said "1h06m" beside an exact wall figure
    (3599.6, "59m59s"),          # never rounded up past the hour
    (3600.0, "1h00m00s"),        # an hour exactly: the seconds said, not left for the reader to guess
    (3600.9, "1h00m00s"),
    (7439.6, "2h03m59s"),
    (90061.0, "25h01m01s"),      # past a day: hours, as the clock counts them (25:01:01)
    (360060.0, "100h01m00s"),
    (-5.0, "0s"),                # a span subtracted the wrong way is none, as every clock says it
])
def test_a_duration_is_exact_to_the_second_past_an_hour(seconds: float, said: str) -> None:
    assert format_duration(seconds) == said
    assert format_duration(seconds).replace("h", ":").replace("m", ":").rstrip("s") in (format_clock(seconds), "0")


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), float("-inf")])
def test_no_made_up_duration_for_a_non_number(bad: float) -> None:
    """``max(0.0, nan)`` is 0.0: a NaN span read "0s", a figure nobody measured."""
    with pytest.raises(ValueError, match="not a span"):
        format_duration(bad)
    with pytest.raises(ValueError, match="not a span"):
        format_clock(bad)


@given(SPANS, st.integers(min_value=1, max_value=400 * 3600))
@example(3599.6, 3600)
@example(899.6, 900)
def test_a_span_reads_past_a_line_only_when_it_is(seconds: float, line: int) -> None:
    """A target ("< 60 min"), a tier (15 min): the stated span is at or past a whole-second line
    exactly when the span is, so "1h00m" never stands beside "< 60 min: met"."""
    assert (stated_seconds(seconds) >= line) == (round(seconds, 6) >= line)
    assert (clock_seconds(format_clock(seconds)) >= line) == (round(seconds, 6) >= line)


@given(SPANS, SPANS)
def test_a_longer_span_never_reads_shorter(a: float, b: float) -> None:
    lo, hi = sorted((a, b))
    assert stated_seconds(lo) <= stated_seconds(hi)
    assert clock_seconds(format_clock(lo)) <= clock_seconds(format_clock(hi))


@settings(max_examples=12, deadline=None)
@given(wall=st.floats(min_value=0.0, max_value=4 * 3600.0, allow_nan=False),
       speed=st.sampled_from([1.0, 10.0, 30.0, 60.0]))
@example(wall=3416.91 / 30, speed=30.0)
@example(wall=7439.6, speed=1.0)
@example(wall=3599.6 / 60, speed=60.0)
def test_a_resolved_incident_reads_one_span_in_every_view(tmp_path_factory, wall: float, speed: float) -> None:
    """The header's frozen clock, ``incident show``, the PIR's response table, the drill report's
    table and the incident log: one resolved span, one figure (microsecond wall spans, any speed)."""
    from panes.header import IncidentHeader
    from tui.screens.drill_report import _minutes
    from tui.view import incident_view
    from warroom.cli.incident_show import render_show
    from warroom.incident.csvlog import row_for

    wall = round(wall, 6)                          # the journal keeps microseconds
    tmp = tmp_path_factory.mktemp("span")
    clock = FixedClock()
    cfg = Config()
    drill = {"scenario": "mass-failure", "speed": speed, "dir": str(tmp / "d")} if speed != 1.0 else None
    inc = IncidentStore(tmp / "state", cfg, clock=clock).create(title="flows failing", severity="P1", runbook=None,
                                                                 source={}, drill=drill)
    clock.advance(wall)
    inc.resolve("done")
    state = inc.state
    later = clock.now + timedelta(hours=5)         # looked at long after: every view is frozen at the resolve
    span = stime.between(state, state.clock_start, state.resolved_at)
    want = format_duration(span.seconds)

    bar = IncidentHeader()
    bar.info = incident_view(SimpleNamespace(state=state), 900.0, later.timestamp()).header
    header = re.search(r"elapsed (\S+)", bar.clocks_text(later.timestamp()).plain)
    assert header is not None
    shown = "\n".join(render_show(inc, state, later))
    pir = str(inc.render("pir"))
    csv = row_for(state, later)

    frozen = clock_seconds(header.group(1))
    assert parse_duration(want) == stated_seconds(span.seconds)
    assert frozen == int(stated_seconds(span.seconds)), (header.group(1), want)
    assert f"elapsed {want}" in shown, shown
    resolve_row = next(line for line in pir.splitlines() if line.startswith("| Time to resolve"))
    assert f"| {want}" in resolve_row, resolve_row
    drill_minutes = stime.Span(span.wall_seconds, speed).minutes       # the report's row (drill_report.build)
    assert _minutes(drill_minutes) == want
    assert csv["Duration (min)"] == str(stated_minutes(span.seconds))
