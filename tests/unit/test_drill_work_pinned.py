"""The drill world's CPU cost, pinned by the work done (rows integrated, curve evaluations), never by time.

FINDINGS timers-2: the first ``incident show`` after 70 unwatched wall seconds of a x3600 drill took 13.8 s of
CPU (34.8 s wall). Two causes: the series held only 4 hours of rows, so each of the five panes' histories,
read hour by hour over the whole drill, re-integrated every dropped hour again (151,006 rows computed for
51,840: three times the work); and each 5 s row re-evaluated the same per-time curves once per repo or
provider (a fault's strength, the stranded share, FlowEngine's ready pods). Now the series holds days of
rows (``Series.HELD``) and each per-time value is asked once a row (``Signals._once``).
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

import pytest

from warroom.drill import model
from warroom.drill.autoscale import Capacity
from warroom.drill.model import Signals
from warroom.drill.scenarios import get_scenario
from warroom.drill.series import Series


def test_scanning_a_long_drill_again_and_again_integrates_each_row_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Five passes over every 10-minute chunk of 3.5 drill hours (the five panes' histories, as ``incident
    show`` reads them): each row is integrated once; 4 chunks held re-integrated each pass (13,000+ rows)."""
    monkeypatch.setattr(Series, "CHUNK", 120)            # 10-minute chunks: many of them at a tenth of the cost
    rows = 0
    integrate = Series._integrate

    def counted(self: Series, first: int, last: int, row: list[float], rates: list[float]) -> None:
        nonlocal rows
        rows += last - first + 1
        integrate(self, first, last, row, rates)

    monkeypatch.setattr(Series, "_integrate", counted)
    series = Series(Signals(get_scenario("rate-limit"), []))
    end = 1.5 * 3600.0
    series.value(("count",), end)
    assert rows == series.rows - 1 == (end - series.t0) / 5.0
    col = series.index[("fail", "risk-engine")]
    for _ in range(5):
        series.columns([col], [series.t0 + 300.0 * i for i in range(int((end - series.t0) / 300.0) + 1)])
    assert rows == series.rows - 1, rows
    # the cache file still carries at most 4 held chunks (a stand-in reads it for every command)
    head = 1 + 2 * series.width * len(series._starts)  # noqa: SLF001
    assert len(series.dump()) <= 8 * (head + 4 * (2 + Series.CHUNK * series.width)), len(series._chunks)  # noqa: SLF001


@pytest.mark.parametrize("name", ["rate-limit", "mass-failure"])
def test_a_row_asks_each_per_time_curve_once(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """Per 5 s row: a fault's raw strength once per fault a signal reads (was 8 for rate-limit, 14 for
    mass-failure), the stranded flows once (was once per repo), the ready pods twice (the rows' gate and the
    autoscaler's own sample; was once per repo too), and no provider-disabled words built while none is disabled; and
    once per flow begun, its own failing share at its start (``Series.steps``: ~150 in the half hour)."""
    series = Series(Signals(get_scenario(name), []))
    series.value(("count",), 0.0)
    calls: Counter[str] = Counter()

    def count(cls: Any, fn: str) -> None:
        orig = getattr(cls, fn)

        def counted(*args: Any, **kwargs: Any) -> Any:
            calls[fn] += 1
            return orig(*args, **kwargs)
        monkeypatch.setattr(cls, fn, counted)

    for cls, fn in ((Signals, "raw_strength"), (Signals, "strands"), (Capacity, "ready"), (model, "disabled")):
        count(cls, fn)
    before = series.rows
    series.value(("count",), 1800.0)
    n, asked = series.rows - before, [series.index[("arr", r.name)] for r in series.repos]
    assert n == 360
    flows = sum(math.floor(b[0]) - math.floor(a[0])  # noqa: SLF001 - the flows asked for, as the rows hold them
                for a, b in zip(*(series._stored(asked, [t]) for t in (0.0, 1800.0))))
    faults = len(series.signals.scenario.faults)
    assert calls["raw_strength"] <= (faults + 0.5) * n + faults * flows, calls     # and the quota's burn every 15 s
    assert calls["strands"] <= 1.01 * n + flows, calls
    assert calls["ready"] <= 2.01 * n + flows, calls
    assert calls["disabled"] == 0, calls            # the "(X disabled)" words only for flows no provider takes (3/row)
