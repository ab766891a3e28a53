"""A pane history lists its points' times once (``PaneHistory.times``, cached): a replay quotes a pane at each of its
points, and each ``value_at`` listed every point again. The cached times must be what listing them gives, so every
``value_at``/``stale_at`` answers as the listing did: checked here against a history read the old way, over irregular
grids with gaps, stale points and readings merged in (``with_readings``: a new history, its own times)."""

from __future__ import annotations

import random
from bisect import bisect_right

from warroom.config import SloConfig
from warroom.incident.metric_history import PaneHistory, Sample

SLO = SloConfig(id="quota", title="Quota", query="avg_over_time(q[5m])", unit="ratio", warn=0.5, crit=0.8)


def listed_value_at(h: PaneHistory, at: float | None) -> Sample | None:
    """``value_at`` as it read before the times were cached: a fresh list of them at every call."""
    if at is None or not h.points:
        return None
    i = bisect_right([t for t, _ in h.points], at + 1e-6)
    if i > 0 and at - h.points[i - 1][0] <= 2 * h.step:
        return Sample(*h.points[i - 1])
    if i < len(h.points) and h.points[i][0] - at <= 2 * h.step:
        return Sample(*h.points[i])
    return None


def listed_stale_at(h: PaneHistory, at: float | None) -> Sample | None:
    """``stale_at`` as it read before the times were cached."""
    if at is None or not h.stale:
        return None
    before = [s for s in h.stale if s[0] <= at + 1e-6 and at - s[0] <= 2 * h.step]
    if not before:
        return None
    t, v, age = before[-1]
    i = bisect_right([t for t, _ in h.points], at + 1e-6)
    if i > 0 and h.points[i - 1][0] >= t:
        return None
    return Sample(t, v, age)


def test_cached_times_answer_as_listing_them_did() -> None:
    rng = random.Random(13)
    for _ in range(60):
        step = rng.choice([1.0, 15.0, 60.0])
        grid = [round(1_700_000_000.0 + k * step, 3) for k in range(rng.randint(0, 120))]
        stale_at = set(rng.sample(grid, k=len(grid) // 5)) if grid else set()
        points = tuple((t, rng.uniform(0.0, 1.0)) for t in grid if t not in stale_at and rng.random() > 0.2)
        stale = tuple((t, rng.uniform(0.0, 1.0), 120.0) for t in sorted(stale_at))
        h = PaneHistory(SLO, points, step, stale=stale)
        if grid:
            h = h.with_readings({rng.uniform(grid[0], grid[-1]): 0.9}) if rng.random() < 0.5 else h
        assert h.times == tuple(t for t, _ in h.points)
        assert h.times is h.times               # listed once per history
        lo, hi = (grid[0] - 3 * step, grid[-1] + 3 * step) if grid else (0.0, 1.0)
        for at in [None, *(rng.uniform(lo, hi) for _ in range(40)), *(t for t, _ in h.points[:10])]:
            assert h.value_at(at) == listed_value_at(h, at)
            assert h.stale_at(at) == listed_stale_at(h, at)
