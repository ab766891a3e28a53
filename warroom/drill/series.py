"""Counters, histogram buckets and gauges of the drill world, as Prometheus would scrape them.

The signals in ``model`` are rates and shares; a scrape sees cumulative counters. ``Series``
integrates the rates on a fixed 5 s grid (trapezoids, anchored at a fixed scenario time, so the
numbers never depend on when or how often anyone looks) and answers the questions PromQL asks of
counters: the increase over a window, ``histogram_quantile`` over windowed bucket increases,
``max`` of a gauge. The pane values the drill shows are computed here exactly the way the
``default_slos()`` queries compute them, and the OpenMetrics writer exports the very same
counters, so a real Prometheus fed with them returns the same values.

Counters start at the totals of a few days of healthy running, as a long-lived process's would.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from warroom.drill import fleet
from warroom.drill.model import Signals, lognormal_cdf

GRID = 5.0                  # integration step, scenario seconds
HISTORY = 7200.0            # history kept before the drill starts (1 h windows + 30 min sparkline)
UPTIME = 3 * 86400.0        # counters look like a process that has run for three days

Key = tuple[str, ...]

# ``le`` values in the canonical float form client libraries use ("5.0", "+Inf").
BUCKET_LABELS: tuple[str, ...] = tuple(repr(float(b)) for b in fleet.LATENCY_BUCKETS) + ("+Inf",)


def bucket_bounds() -> list[float]:
    return [float(b) for b in fleet.LATENCY_BUCKETS] + [math.inf]


@dataclass(frozen=True)
class Quantile:
    value: float | None       # None: no observations in the window (PromQL gives NaN)


class Series:
    """Cumulative counters for one scenario + action set, integrated lazily up to any time."""

    def __init__(self, signals: Signals, t0: float = -HISTORY) -> None:
        self.signals = signals
        self.t0 = math.floor(t0 / GRID) * GRID
        self.codes: tuple[str, ...] = ("200", "429", *sorted(signals.scenario.codes_5xx))
        self.keys: list[Key] = (
            [("exec", r.name) for r in fleet.REPOS]
            + [("fail", r.name) for r in fleet.REPOS]
            + [("req", p.name, c) for p in fleet.PROVIDERS for c in self.codes]
            + [("bucket", b) for b in BUCKET_LABELS]
            + [("count",), ("sum",)]
        )
        self.index: dict[Key, int] = {k: i for i, k in enumerate(self.keys)}
        self._bounds = bucket_bounds()
        self._cum: list[list[float]] = []      # one row of cumulative values per grid point
        self._rates: list[list[float]] = []

    # ------------------------------------------------------------------ integration

    def rates(self, t: float) -> list[float]:
        """Per-second increments of every counter at ``t``."""
        s = self.signals
        out = [0.0] * len(self.keys)
        i = 0
        exec_rates = [s.exec_rate(r, t) for r in fleet.REPOS]
        median = s.latency_median(t)
        timeouts = s.timeout_share(t, median)
        for rate in exec_rates:
            out[i] = rate
            i += 1
        for repo, rate in zip(fleet.REPOS, exec_rates, strict=True):
            out[i] = rate * s.fail_share(repo, t, timeouts) if rate else 0.0
            i += 1
        for p in fleet.PROVIDERS:
            total = s.request_rate(p, t)
            shares = s.code_shares(p, t)
            for c in self.codes:
                out[i] = total * shares.get(c, 0.0)
                i += 1
        flows = sum(exec_rates)
        for bound in self._bounds:
            out[i] = flows * (1.0 if math.isinf(bound) else lognormal_cdf(bound, median))
            i += 1
        out[i] = flows
        out[i + 1] = flows * median * math.exp(fleet.LATENCY_SIGMA ** 2 / 2.0)
        return out

    def _initial(self) -> list[float]:
        return [v * UPTIME for v in self._healthy_rates()]

    def _healthy_rates(self) -> list[float]:
        """Rates of the undisturbed estate (noise-free), used to seed the counters' past."""
        out = []
        for repo in fleet.REPOS:
            out.append(repo.rate)
        for repo in fleet.REPOS:
            out.append(repo.rate * fleet.BASE_FAILURE)
        for p in fleet.PROVIDERS:
            for c in self.codes:
                share = {"200": 1 - fleet.BASE_5XX - fleet.BASE_429, "429": fleet.BASE_429}.get(
                    c, fleet.BASE_5XX * self.signals.scenario.codes_5xx.get(c, 0.0))
                out.append(p.requests_per_second * share)
        flows = sum(r.rate for r in fleet.REPOS)
        for bound in self._bounds:
            out.append(flows * (1.0 if math.isinf(bound) else lognormal_cdf(bound, fleet.LATENCY_MEDIAN)))
        out.append(flows)
        out.append(flows * fleet.LATENCY_MEDIAN * math.exp(fleet.LATENCY_SIGMA ** 2 / 2.0))
        return out

    def adopt(self, other: Series, valid_before: float) -> None:
        """Reuse ``other``'s integration for grid points strictly before ``valid_before``.

        Actions only change the world at or after the time they were taken, so when a new
        action arrives the past up to that moment is still exact and need not be recomputed.
        """
        if other.t0 != self.t0 or other.keys != self.keys:
            return
        keep = max(0, min(len(other._cum), math.floor((valid_before - self.t0) / GRID)))
        self._cum = other._cum[:keep]
        self._rates = other._rates[:keep]

    @property
    def rows(self) -> int:
        return len(self._cum)

    def dump(self) -> bytes:
        """The integration so far as raw doubles (cumulative values, then rates), for a cache file."""
        from array import array

        flat = array("d")
        for row in self._cum:
            flat.extend(row)
        for row in self._rates:
            flat.extend(row)
        return flat.tobytes()

    def load(self, data: bytes, rows: int, valid_before: float | None = None) -> None:
        """Adopt rows from ``dump()`` output (all of them, or those strictly before ``valid_before``)."""
        from array import array

        width = len(self.keys)
        flat = array("d")
        flat.frombytes(data)
        if len(flat) != 2 * rows * width:
            return
        keep = rows if valid_before is None else max(0, min(rows, math.floor((valid_before - self.t0) / GRID)))
        self._cum = [list(flat[i * width:(i + 1) * width]) for i in range(keep)]
        base = rows * width
        self._rates = [list(flat[base + i * width:base + (i + 1) * width]) for i in range(keep)]

    def _ensure(self, t: float) -> None:
        need = math.ceil((t - self.t0) / GRID) + 1
        if not self._cum:
            self._rates.append(self.rates(self.t0))
            self._cum.append(self._initial())
        while len(self._cum) < need:
            i = len(self._cum)
            r = self.rates(self.t0 + i * GRID)
            prev_r = self._rates[-1]
            prev = self._cum[-1]
            self._cum.append([c + (a + b) * GRID / 2.0 for c, a, b in zip(prev, prev_r, r, strict=True)])
            self._rates.append(r)

    def value(self, key: Key, t: float) -> float:
        """The counter ``key`` at scenario time ``t`` (linear between grid points)."""
        t = max(t, self.t0)
        self._ensure(t)
        pos = (t - self.t0) / GRID
        i = math.floor(pos)
        col = self.index[key]
        lo = self._cum[i][col]
        frac = pos - i
        if frac <= 1e-9 or i + 1 >= len(self._cum):
            return lo
        return lo + (self._cum[i + 1][col] - lo) * frac

    def time_of(self, key: Key, target: float, lo: float, hi: float) -> float:
        """The first time in [lo, hi] at which counter ``key`` reaches ``target`` (binary search)."""
        lo = max(lo, self.t0)
        self._ensure(hi)
        col = self.index[key]
        i0 = max(0, math.floor((lo - self.t0) / GRID))
        i1 = min(len(self._cum) - 1, math.ceil((hi - self.t0) / GRID))
        if self._cum[i1][col] < target:
            return hi
        while i1 - i0 > 1:
            mid = (i0 + i1) // 2
            if self._cum[mid][col] >= target:
                i1 = mid
            else:
                i0 = mid
        a, b = self._cum[i0][col], self._cum[i1][col]
        t = self.t0 + i0 * GRID + (GRID * (target - a) / (b - a) if b > a else 0.0)
        return min(max(t, lo), hi)

    def increase(self, key: Key, t: float, window: float) -> float:
        return self.value(key, t) - self.value(key, t - window)

    def total_increase(self, keys: Iterable[Key], t: float, window: float) -> float:
        return sum(self.increase(k, t, window) for k in keys)

    # ------------------------------------------------------------------ PromQL-shaped answers

    def histogram_quantile(self, q: float, t: float, window: float) -> float | None:
        """``histogram_quantile(q, sum by (le) (rate(bucket[window])))``, as Prometheus computes it."""
        counts = [self.increase(("bucket", b), t, window) for b in BUCKET_LABELS]
        return bucket_quantile(q, list(zip(self._bounds, counts, strict=True)))

    def failure_rate(self, t: float, window: float = 3600.0) -> float | None:
        fails = self.total_increase([("fail", r.name) for r in fleet.REPOS], t, window)
        execs = self.total_increase([("exec", r.name) for r in fleet.REPOS], t, window)
        return None if execs <= 0 else 100.0 * fails / execs

    def error_5xx(self, t: float, window: float = 300.0) -> float | None:
        all_keys = [("req", p.name, c) for p in fleet.PROVIDERS for c in self.codes]
        bad = [k for k in all_keys if k[2].startswith("5")]
        total = self.total_increase(all_keys, t, window)
        return None if total <= 0 else 100.0 * self.total_increase(bad, t, window) / total

    def p95_latency(self, t: float, window: float = 300.0) -> float | None:
        return self.histogram_quantile(0.95, t, window)

    def quota(self, t: float) -> float:
        return 100.0 * max(self.signals.quota(p, t) for p in fleet.PROVIDERS)

    def audit_gap(self, t: float) -> float:
        return self.signals.audit_gap(t)

    def pane(self, pane_id: str, t: float) -> float | None:
        """The value of one of the five default SLO panes at ``t``."""
        if pane_id == "failure_rate":
            return self.failure_rate(t)
        if pane_id == "p95_latency":
            return self.p95_latency(t)
        if pane_id == "quota":
            return self.quota(t)
        if pane_id == "error_5xx":
            return self.error_5xx(t)
        if pane_id == "audit_gap":
            return self.audit_gap(t)
        raise KeyError(pane_id)


PANES: tuple[str, ...] = ("failure_rate", "p95_latency", "quota", "error_5xx", "audit_gap")


def bucket_quantile(q: float, buckets: list[tuple[float, float]]) -> float | None:
    """Prometheus' ``bucketQuantile``: linear interpolation inside the bucket holding the rank.

    ``buckets`` are (upper bound, cumulative count) pairs. Returns None where Prometheus returns
    NaN (no observations, no +Inf bucket, fewer than two buckets).
    """
    if math.isnan(q):
        return None
    if q < 0:
        return -math.inf
    if q > 1:
        return math.inf
    buckets = sorted(buckets)
    if not buckets or not math.isinf(buckets[-1][0]):
        return None
    merged: list[list[float]] = []
    for bound, count in buckets:                 # coalesce equal bounds
        if merged and merged[-1][0] == bound:
            merged[-1][1] += count
        else:
            merged.append([bound, count])
    for i in range(1, len(merged)):              # ensure monotonic
        if merged[i][1] < merged[i - 1][1]:
            merged[i][1] = merged[i - 1][1]
    if len(merged) < 2:
        return None
    observations = merged[-1][1]
    if observations == 0:
        return None
    rank = q * observations
    b = next((i for i in range(len(merged) - 1) if merged[i][1] >= rank), len(merged) - 1)
    if b == len(merged) - 1:
        return merged[-2][0]
    if b == 0 and merged[0][0] <= 0:
        return merged[0][0]
    start = 0.0
    end = merged[b][0]
    count = merged[b][1]
    if b > 0:
        start = merged[b - 1][0]
        count -= merged[b - 1][1]
        rank -= merged[b - 1][1]
    return start + (end - start) * (rank / count)
