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
    bounds: list[float] = []
    m: list[float] = []
    for bound, count in sorted(buckets):         # coalesce equal bounds
        if bounds and bounds[-1] == bound:
            m[-1] += count
        else:
            bounds.append(bound)
            m.append(count)
    if math.isnan(q):
        return None
    if q < 0:
        return -math.inf
    if q > 1:
        return math.inf
    if not bounds or not math.isinf(bounds[-1]):
        return None
    for i in range(1, len(m)):                   # ensure monotonic
        if m[i] < m[i - 1]:
            m[i] = m[i - 1]
    last = len(m) - 1
    if last < 1 or m[-1] == 0:
        return None
    rank = q * m[-1]
    b = next((i for i in range(last) if m[i] >= rank), last)
    if b == last:
        return bounds[-2]
    if b == 0 and bounds[0] <= 0:
        return bounds[0]
    start, end, count = 0.0, bounds[b], m[b]
    if b > 0:
        start = bounds[b - 1]
        count -= m[b - 1]
        rank -= m[b - 1]
    return start + (end - start) * (rank / count)
