"""Judging samples: thresholds, direction, `for`, stale/error/no data, recovery."""

from __future__ import annotations

import math

import pytest

from warroom.config import SloConfig
from warroom.sources.evaluate import SloTracker, evaluate, judge
from warroom.units import format_value
from warroom.sources.model import SloSample

ABOVE = SloConfig(id="err", title="5xx", query="q", unit="percent", warn=2.0, crit=5.0)
BELOW = SloConfig(id="avail", title="availability", query="q", unit="percent", warn=99.5, crit=99.0,
                  direction="below")
HELD = SloConfig(id="held", title="held", query="q", unit="percent", warn=2.0, crit=5.0, for_=300.0)


def s(slo: SloConfig, value: float | None, t: float = 1000.0, **kw) -> SloSample:
    return SloSample(slo.id, value, sample_time=t if value is not None else None, fetched_at=t, **kw)


@pytest.mark.parametrize(("slo", "value", "state"), [
    (ABOVE, 1.0, "ok"), (ABOVE, 2.0, "ok"), (ABOVE, 2.01, "warn"), (ABOVE, 5.0, "warn"),
    (ABOVE, 5.01, "crit"), (ABOVE, math.inf, "crit"),
    (BELOW, 99.9, "ok"), (BELOW, 99.5, "ok"), (BELOW, 99.2, "warn"), (BELOW, 98.0, "crit"),
])
def test_thresholds_are_strict_and_follow_direction(slo: SloConfig, value: float, state: str) -> None:
    assert judge(slo, value) == state
    [reading] = evaluate([slo], [s(slo, value)], now=1000.0)
    assert reading.state == state
    assert reading.breached == (state == "crit")


def test_missing_thresholds_never_fire() -> None:
    slo = SloConfig(id="c", title="count", query="q")
    assert evaluate([slo], [s(slo, 1e12)], now=1000.0)[0].state == "ok"


def test_no_data_and_nan_and_error_without_history() -> None:
    tr = SloTracker([ABOVE])
    assert tr.update([s(ABOVE, None)], now=1000)[0].state == "nodata"
    assert tr.update([s(ABOVE, math.nan)], now=1000)[0].state == "nodata"
    r = tr.update([SloSample("err", None, fetched_at=1000, error="cannot connect")], now=1000)[0]
    assert (r.state, r.error, r.value, r.word) == ("error", "cannot connect", None, "ERROR")


def test_failure_keeps_last_good_value_as_stale_with_age_then_recovers() -> None:
    tr = SloTracker([ABOVE], stale_after=60)
    assert tr.update([s(ABOVE, 6.0, t=1000)], now=1000)[0].state == "crit"
    fail = SloSample("err", None, fetched_at=1030, error="no answer within 2s")
    r = tr.update([fail], now=1030)[0]
    assert (r.state, r.value, r.age, r.error, r.breached) == ("stale", 6.0, 30.0, "no answer within 2s", False)
    assert tr.update([fail], now=1090)[0].age == 90.0
    back = tr.update([s(ABOVE, 1.0, t=1100)], now=1100)[0]
    assert (back.state, back.error, back.age) == ("ok", None, 0.0)
    assert tr.reading("err") is back and tr.readings == [back]


def test_old_data_is_stale_even_without_an_error() -> None:
    [r] = evaluate([ABOVE], [s(ABOVE, 1.0, t=1000)], stale_after=60, now=1100)
    assert r.state == "stale" and r.value == 1.0 and r.age == 100 and "1m40s old" in r.note


def test_for_duration_from_tracker_history() -> None:
    tr = SloTracker([HELD])
    r = tr.update([s(HELD, 9.0, t=1000)], now=1000)[0]
    assert r.state == "warn" and not r.breached and "past crit for 0s" in r.note
    r = tr.update([s(HELD, 9.0, t=1200)], now=1200)[0]
    assert r.state == "warn" and "past crit for 3m20s (breached after 5m00s)" in r.note
    r = tr.update([s(HELD, 9.0, t=1300)], now=1300)[0]
    assert r.state == "crit" and r.breached
    # Dropping below crit resets the clock.
    assert tr.update([s(HELD, 3.0, t=1310)], now=1310)[0].state == "warn"
    r = tr.update([s(HELD, 9.0, t=1320)], now=1320)[0]
    assert r.state == "warn" and not r.breached


def test_for_duration_from_the_sparkline() -> None:
    series = tuple((t, 3.0 if t < 700 else 8.0) for t in range(400, 1001, 60))
    [r] = evaluate([HELD], [s(HELD, 8.0, t=1000, series=series)], now=1000)
    assert r.state == "crit" and r.breached  # past crit since t=700: 300 s
    short = tuple(p for p in series if p[0] != 700)
    [r] = evaluate([HELD], [s(HELD, 8.0, t=1000, series=short)], now=1000)
    assert r.state == "warn"  # past crit since t=760 only


def test_unfetched_pane_says_so() -> None:
    tr = SloTracker([ABOVE, BELOW])
    readings = tr.update([s(ABOVE, 1.0)], now=1000)
    assert [r.state for r in readings] == ["ok", "nodata"]
    assert readings[1].note == "not fetched yet"


@pytest.mark.parametrize(("value", "unit", "text"), [
    (4.1, "percent", "4.1%"), (0.3, "percent", "0.3%"), (61.0, "percent", "61%"),
    (97.5, "seconds", "97.5s"), (400.0, "seconds", "400s"), (3700, "seconds", "1h02m"), (12.5, "seconds", "12.5s"), (0.032, "ratio", "0.032"),
    (1500000, "bytes", "1.5 MB"), (7.0, "count", "7"), (None, "count", "—"),
    (math.inf, "percent", "+Inf"), (math.nan, "count", "NaN"), (1234.5, "count", "1234"),
])
def test_format_value(value: float | None, unit: str, text: str) -> None:
    assert format_value(value, unit) == text
