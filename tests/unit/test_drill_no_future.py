"""A drill's metric source holds nothing from a time that has not happened (issue 13 follow-up).

The simulator can compute any moment, but no Prometheus can answer about tomorrow: a pane, an
instant or a query asked for after the drill's now is refused with an error that says so, a range
reaching past now has its points up to now, and now itself (the dashboard's poll) is answered.
The drill's clock is pinned (``$WARROOM_DRILL_AT``), so nothing here depends on the wall clock.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from warroom import scenario_time
from warroom.config import default_slos
from warroom.drill.directory import create_drill
from warroom.drill.promql import PromQLError
from warroom.sources.evaluate import SloTracker

START = 1_790_000_000.0
NOW = START + 600.0        # ten drill minutes in at x1


@pytest.fixture
def source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv(scenario_time.AT_ENV, repr(NOW))
    return create_drill(tmp_path, "rate-limit", speed=1.0, start=START).source()


def test_a_pane_asked_after_now_is_refused_and_says_why(source) -> None:  # type: ignore[no-untyped-def]
    slos = default_slos()
    later = source.fetch(slos, NOW + 3600.0)
    assert [s.value for s in later] == [None] * len(slos)
    assert all(s.error and "no data at" in s.error and "1h00m00s of drill time after the drill's now" in s.error
               and "nothing from the future" in s.error for s in later), later[0].error
    readings = SloTracker(slos).update(later, now=NOW + 3600.0)
    assert {r.state for r in readings} == {"error"}
    assert all(s.error is None and s.value is not None for s in source.fetch(slos, NOW))   # now: answered
    assert all(s.error is None for s in source.fetch(slos))                                 # the poll's now
    assert all(s.error is None for s in source.fetch(slos, NOW - 300.0))                    # the past


def test_an_instant_or_a_query_after_now_is_refused(source) -> None:  # type: ignore[no-untyped-def]
    assert source.instant("quota", NOW + 1.0).error.startswith("no data at")
    assert source.instant("quota", NOW).error is None
    with pytest.raises(PromQLError, match="after the drill's now"):
        source.query("flowengine_model_quota_used_ratio", NOW + 60.0)
    assert source.query("flowengine_model_quota_used_ratio", NOW)


def test_a_range_past_now_stops_at_now(source) -> None:  # type: ignore[no-untyped-def]
    series = source.query_range("flowengine_model_quota_used_ratio", NOW - 120.0, NOW + 600.0, 30.0)
    times = {t for _, points in series for t, _ in points}
    assert times and max(times) == NOW and min(times) == NOW - 120.0
    assert source.query_range("flowengine_model_quota_used_ratio", NOW + 1.0, NOW + 600.0, 30.0) == []


def test_at_a_faster_speed_the_future_is_said_in_drill_time(tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(scenario_time.AT_ENV, repr(NOW))
    fast = create_drill(tmp_path, "timeout", speed=10.0, start=START).source()
    [sample] = fast.fetch(default_slos()[:1], NOW + 90.0)
    assert sample.error and "15m00s of drill time after" in sample.error
