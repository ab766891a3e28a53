"""Prometheus' ``histogram_quantile`` arithmetic, shared by the drill's PromQL and ``blocks``: one
implementation, so the panes, the stand-ins and a real Prometheus fed the exported buckets agree
to the last bit.
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
    if not 0 <= q <= 1:
        return math.inf if q > 1 else -math.inf
    for i in range(1, len(m)):                   # ensure monotonic
        if m[i] < m[i - 1]:
            m[i] = m[i - 1]
    if len(m) < 2 or not math.isinf(bounds[-1]) or m[-1] == 0:
        return None
    rank = q * m[-1]
    b = next((i for i in range(len(m) - 1) if m[i] >= rank), len(m) - 1)
    if b == len(m) - 1:
        return bounds[-2]
    if b == 0 and bounds[0] <= 0:
        return bounds[0]
    start, below = (bounds[b - 1], m[b - 1]) if b else (0.0, 0.0)
    if m[b] == below:                            # q = 0 and an empty first bucket: 0/0, Prometheus' NaN
        return None
    return start + (bounds[b] - start) * ((rank - below) / (m[b] - below))
