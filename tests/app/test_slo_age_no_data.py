"""A pane that has just lost its data says how old its last value is, not "never" (redteam38
F14: after FlowEngine was halted, "P95 flow latency — ∅ NO DATA ▄▄▄…▄ never" while its sparkline
drew values seconds old: "never" reads as "this pane never had data")."""

from __future__ import annotations

import math

from panes.slo import ReadingMixin
from warroom.config import SloConfig
from warroom.sources.model import SloReading

SLO = SloConfig(id="p95_latency", title="P95 flow latency", query="q", unit="seconds", warn=90, crit=120)


class _Line(ReadingMixin):
    def meta_width(self) -> int:
        return 60


def _meta(reading: SloReading, reading_at: float, now: float) -> str:
    line = _Line()
    line.reading, line.reading_at = reading, reading_at
    return line.meta_text(now).plain


def test_no_data_says_how_old_the_last_value_is() -> None:
    series = ((1000.0, 80.0), (1010.0, 85.0), (1020.0, math.nan), (1030.0, math.nan))
    gone = SloReading(slo=SLO, state="nodata", value=None, series=series, sample_time=1030.0)
    assert _meta(gone, 1030.0, 1030.0) == "last data 20s ago"
    assert _meta(gone, 1030.0, 1075.0) == "last data 1m ago"          # it keeps counting between polls
    never = SloReading(slo=SLO, state="nodata", value=None, series=((1000.0, math.nan),), sample_time=1000.0)
    assert _meta(never, 1000.0, 1000.0) == "never"
    fresh = SloReading(slo=SLO, state="ok", value=80.0, series=series[:2], age=0.5)
    assert _meta(fresh, 1010.0, 1010.0) == "now"


def test_the_last_value_is_kept_once_it_leaves_the_window() -> None:
    """redteam41 X10: half an hour of drill time after a halt the last value left the sparkline's window and the
    pane said "never" again. The pane keeps the last moment it saw a value; one that saw none says the window."""
    line = _Line()
    had = SloReading(slo=SLO, state="nodata", value=None, series=((1000.0, 80.0), (1030.0, math.nan)),
                     sample_time=1030.0)
    line.reading, line.reading_at = had, 1030.0
    assert line.meta_text(1030.0).plain == "last data 30s ago"
    later = SloReading(slo=SLO, state="nodata", value=None, series=((1100.0, math.nan), (3100.0, math.nan)),
                       sample_time=3100.0)
    line.reading, line.reading_at = later, 3100.0
    assert line.meta_text(3100.0).plain == "last data 35m ago"
    fresh = _Line()
    fresh.reading, fresh.reading_at = later, 3100.0
    assert fresh.meta_text(3100.0).plain == "no data in the last 33m"


def test_in_a_drill_the_age_of_no_data_is_the_worlds() -> None:
    """attack41 A13: at x60 a pane dark for 59 drill minutes said "last data 59s ago", read as a blip."""
    line = _Line()
    line.time_scale = 60.0
    gone = SloReading(slo=SLO, state="nodata", value=None, series=((1000.0, 80.0), (1059.0, math.nan)),
                      sample_time=1059.0)
    line.reading, line.reading_at = gone, 1059.0
    assert line.meta_text(1059.0).plain == "last data 59m ago"
    none = _Line()
    none.time_scale = 60.0
    none.reading, none.reading_at = SloReading(slo=SLO, state="nodata", value=None, series=(
        (1000.0, math.nan), (1030.0, math.nan)), sample_time=1030.0), 1030.0
    assert none.meta_text(1030.0).plain == "no data in the last 30m"
