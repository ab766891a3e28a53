"""The drill report lists every flow of the incident's window (``Activity.flows`` over hours). Each
flow's start is the time its repo's execution counter passes *k* (``Series.time_of``). A halving of
the whole window read its far end for every flow, and with only ``Series.KEEP`` chunks held the
series re-integrated a chunk per flow: at ×120 a seven-hour drill's report took minutes of CPU under
the simulator's lock (CI, stop 24: the app test never saw its report, and its teardown waited on the
thread). ``time_of`` now gallops from ``lo``, the walk starts each search at the flow before, and
the repos are walked side by side in time so each hour is integrated again at most once.

Work is counted (rows integrated), never time; the answers must be the ones the halving gave."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from warroom.drill import fleet
from warroom.drill.activity import Activity
from warroom.drill.cluster import build_cluster
from warroom.drill.model import Signals
from warroom.drill.scenarios import get_scenario
from warroom.drill.series import GRID, Series


def _halving(series: Series, key: tuple[str, ...], target: float, lo: float, hi: float) -> float:
    """``time_of`` as it was: the first row at or past ``target`` by halving [lo, hi] whole."""
    lo = max(lo, series.t0)
    col = series.index[key]
    i0 = max(0, math.floor((lo - series.t0) / GRID))
    i1 = math.ceil((hi - series.t0) / GRID)
    series.columns([col], [hi])
    at = lambda i: series.columns([col], [series.t0 + i * GRID])[0][0]  # noqa: E731 - one reader
    if at(i1) < target:
        return hi
    while i1 - i0 > 1:
        mid = (i0 + i1) // 2
        i0, i1 = (i0, mid) if at(mid) >= target else (mid, i1)
    a, b = at(i0), at(i1)
    t = series.t0 + i0 * GRID + (GRID * (target - a) / (b - a) if b > a else 0.0)
    return min(max(t, lo), hi)


@pytest.fixture(scope="module")
def series() -> Series:
    s = Series(Signals(get_scenario("mass-failure"), []))
    s.KEEP = 100            # every hour held: the examples jump about, and re-integrating is not what is tested
    s.columns([0], [4 * 3600.0])
    return s


@settings(max_examples=200, deadline=None)
@given(repo=st.sampled_from([r.name for r in fleet.REPOS]), lo=st.floats(-8000, 14000),
       span=st.floats(0, 6000), into=st.floats(-0.2, 1.2))
def test_the_galloping_search_finds_what_the_halving_found(series: Series, repo: str, lo: float, span: float,
                                                           into: float) -> None:
    key = ("arr", repo)         # the flows asked for: the counter a walk searches (the exported ones are whole)
    hi = min(lo + span, 4 * 3600.0)
    a, b = series.value(key, max(lo, series.t0)), series.value(key, hi)
    target = a + (b - a) * into                         # below the window, inside it, past it
    assert series.time_of(key, target, lo, hi) == _halving(series, key, target, lo, hi)


def test_a_long_window_is_walked_reading_each_row_a_few_times(monkeypatch: pytest.MonkeyPatch) -> None:
    """An hour and a half in quarter-hour chunks (the real chunk is an hour; smaller chunks make
    the walk cross as many chunk edges as a seven-hour report at a tenth of the cost)."""
    monkeypatch.setattr(Series, "CHUNK", 120)
    sc, t2 = get_scenario("mass-failure"), 1.5 * 3600
    rows = 0
    integrate = Series._integrate

    def counted(self: Series, first: int, last: int, row: list[float], rates: list[float]) -> None:
        nonlocal rows
        rows += last - first + 1
        integrate(self, first, last, row, rates)

    monkeypatch.setattr(Series, "_integrate", counted)
    s = Series(Signals(sc, []))
    flows = Activity(s, build_cluster(sc, [], t2)).flows(s.t0, t2, t2, window=t2 - s.t0)
    assert len(flows) > 400
    in_window = math.ceil((t2 - s.t0) / GRID)
    # the integration up to t2, then one walk through the window for every repo side by side, each
    # hour re-integrated once (halving the window per flow: 506,961 rows; a walk per repo: 17,514)
    assert rows <= 2 * in_window + Series.CHUNK, rows
    starts = [f.start for f in flows]
    assert starts == sorted(starts)
