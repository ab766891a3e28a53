"""Prometheus' ``histogram_quantile`` arithmetic, shared by the series, PromQL and ``blocks``.

One implementation, so the pane values, the drill's PromQL and a real Prometheus fed the exported
buckets agree to the last bit.
"""

from __future__ import annotations

import math


def bucket_quantile(q: float, buckets: list[tuple[float, float]]) -> float | None:
    """Prometheus' ``bucketQuantile``: linear interpolation inside the bucket holding the rank.

    ``buckets`` are (upper bound, cumulative count) pairs. Returns None where Prometheus returns
    NaN (no observations, no +Inf bucket, fewer than two buckets).
    """
    merged: list[list[float]] = []
    for bound, count in sorted(buckets):         # coalesce equal bounds
        if merged and merged[-1][0] == bound:
            merged[-1][1] += count
        else:
            merged.append([bound, count])
    return sorted_bucket_quantile(q, [count for _, count in merged], [bound for bound, _ in merged])


def sorted_bucket_quantile(q: float, counts: list[float], bounds: list[float]) -> float | None:
    """``bucket_quantile`` once the buckets are sorted and their bounds distinct.

    Split out so a caller that knows its bounds are already in order (a sparkline asks the same
    buckets at 61 times) skips the sorting and coalescing; ``counts`` is changed in place.
    """
    if math.isnan(q):
        return None
    if q < 0:
        return -math.inf
    if q > 1:
        return math.inf
    if not bounds or not math.isinf(bounds[-1]):
        return None
    m = counts
    for i in range(1, len(m)):                   # ensure monotonic (counts is ours to change)
        if m[i] < m[i - 1]:
            m[i] = m[i - 1]
    last = len(m) - 1
    if last < 1:
        return None
    observations = m[-1]
    if observations == 0:
        return None
    rank = q * observations
    b = next((i for i in range(last) if m[i] >= rank), last)
    if b == last:
        return bounds[-2]
    if b == 0 and bounds[0] <= 0:
        return bounds[0]
    start = 0.0
    end = bounds[b]
    count = m[b]
    if b > 0:
        start = bounds[b - 1]
        count -= m[b - 1]
        rank -= m[b - 1]
    return start + (end - start) * (rank / count)
