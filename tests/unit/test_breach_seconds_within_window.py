"""Time in breach never exceeds the window it is measured in (found by attack13e: a mass-failure
drill at x60 breached from its impact start to its resolution; the PIR said "past its critical
threshold 1% for 20m30s drill time" beside "Duration 20m28s": each point counted one step, the
window's last point a step past the window's end)."""

from __future__ import annotations

import random

from warroom.config import SloConfig
from warroom.incident.metric_history import PaneHistory

SLO = SloConfig(id="failure_rate", title="Flow failure rate", query="q", unit="percent", warn=0.5, crit=1.0)


def _history(points: list[tuple[float, float]], step: float) -> PaneHistory:
    return PaneHistory(SLO, tuple(points), step)


def test_breached_throughout_reads_the_window_itself() -> None:
    h = _history([(float(t), 5.0) for t in range(0, 21)], 1.0)
    assert h.breach_seconds(0.0, 20.0) == 20.0            # was 21.0
    assert h.breach_seconds(0.0, 20.5) == 20.5            # the last point holds until the window's end
    assert h.breach_seconds(3.25, 20.0) == 16.75          # and only from the window's start (was 17.0)


def test_breach_plus_gaps_is_at_most_the_window() -> None:
    rng = random.Random(13)
    for _ in range(300):
        step = rng.choice([0.25, 1.0, 15.0])
        n = rng.randint(1, 60)
        pts = [(i * step, rng.choice([0.2, 0.7, 3.0])) for i in range(n) if rng.random() > 0.15]
        if not pts:
            continue
        start = rng.uniform(-step, pts[-1][0])
        end = rng.uniform(start, pts[-1][0] + 2 * step)
        h = _history(pts, step)
        total = h.breach_seconds(start, end) + (h.gap_seconds(start, end) if end > start else 0.0)
        assert h.breach_seconds(start, end) <= end - start + 1e-9
        assert total <= end - start + step + 1e-9     # gaps are counted on the grid, to within a step


def test_a_gap_is_no_breach_and_the_rest_adds_up() -> None:
    pts = [(float(t), 5.0) for t in range(0, 6)] + [(float(t), 5.0) for t in range(10, 13)]
    h = _history(pts, 1.0)
    assert h.breach_seconds(0.0, 12.0) == 8.0             # 0..6 and 10..12
    assert h.breach_seconds(0.0, 12.0) + h.gap_seconds(0.0, 12.0) == 12.0


def test_a_fast_drills_millisecond_times_add_up_to_the_window() -> None:
    """At x3600 the grid step is 1/240 s and the history's times are kept to the millisecond, so
    points lie 4 or 5 ms apart. A pane critical throughout read "past its critical threshold for
    16m26s" beside a Duration of 16m59s: a 5 ms spacing counted as one 4.17 ms step, yet it is no
    gap either (gap_seconds counts a missing point only past 1.5 steps). Both now use one rule."""
    step = 15.0 / 3600
    pts = [(round(1_800_000_000.7731 + i * step, 3), 5.0) for i in range(300)]   # as fold() keeps them
    h = _history(pts, step)
    start, end = pts[0][0], pts[-1][0]
    assert h.gap_seconds(start, end) == 0
    assert abs(h.breach_seconds(start, end) - (end - start)) < 1e-6
