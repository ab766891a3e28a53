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
from array import array
from collections.abc import Iterable

from warroom.drill import fleet
from warroom.drill.model import Signals
from warroom.drill.rates import Rates, healthy_rates
from warroom.drill.quantile import bucket_quantile

GRID = 5.0                  # integration step, scenario seconds
HISTORY = 7200.0            # history kept before the drill starts (1 h windows + 30 min sparkline)
UPTIME = 3 * 86400.0        # counters look like a process that has run for three days

Key = tuple[str, ...]

# ``le`` values in the canonical float form client libraries use ("5.0", "+Inf").
BUCKET_LABELS: tuple[str, ...] = tuple(repr(float(b)) for b in fleet.LATENCY_BUCKETS) + ("+Inf",)


def bucket_bounds() -> list[float]:
    return [float(b) for b in fleet.LATENCY_BUCKETS] + [math.inf]


class Series:
    """Cumulative counters for one scenario + action set, integrated lazily up to any time.

    The rows (one per 5 s grid point, ``width`` counters each) live in one flat array of
    doubles, not as Python floats, and only a sliding window of them is kept: ``KEEP_ROWS`` (three
    hours of scenario time, more than any query window the panes and stand-ins use) behind the
    newest row. Every ``CHECKPOINT`` rows the cumulative row and its rates are kept aside, so a
    question about the dropped past re-integrates from the nearest checkpoint. That replays the
    very same float operations, so every value is bit-for-bit what one integration from ``t0``
    gives, whatever was dropped, cached or adopted on the way.

    Not thread-safe (reading may integrate or re-integrate rows): ``Simulator`` serialises access.
    """

    KEEP_ROWS = 2160            # 3 h of rows behind the newest
    TRIM_ROWS = 720             # dropped at a time (so trimming is rare)
    CHECKPOINT = 720            # a checkpoint every hour of scenario time

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
        self.width = len(self.keys)
        self.index: dict[Key, int] = {k: i for i, k in enumerate(self.keys)}
        self._bounds = bucket_bounds()
        self._rates: Rates | None = None
        self._base = 0                            # grid index of the first row held in _cum
        self._cum = array("d")                    # rows _base .. rows - 1, flattened
        self._last: list[float] = []              # rates of row ``rows - 1``
        self._checkpoints: dict[int, tuple[array[float], list[float]]] = {}

    # ------------------------------------------------------------------ integration

    def rates(self, t: float) -> list[float]:
        """Per-second increments of every counter at ``t``."""
        if self._rates is None:
            self._rates = Rates(self.signals, self.codes, self._bounds)
        return self._rates(t)

    def _initial(self) -> list[float]:
        return [v * UPTIME for v in self._healthy_rates()]

    def _healthy_rates(self) -> list[float]:
        """Rates of the undisturbed estate (noise-free), used to seed the counters' past."""
        return healthy_rates(self.signals, self.codes, self._bounds)

    @property
    def rows(self) -> int:
        """Grid rows integrated so far (from ``t0``), including those dropped from memory."""
        return self._base + len(self._cum) // self.width

    @property
    def held_rows(self) -> int:
        """Rows held in memory (the sliding window)."""
        return len(self._cum) // self.width

    def _integrate(self, start: array[float], rates: list[float], first: int, last: int,
                   into: array[float]) -> list[float]:
        """Append rows ``first + 1 .. last`` (integrated on from row ``first`` = ``start``) to
        ``into``; returns the rates of row ``last``. Records checkpoints on the way."""
        prev = list(start)
        prev_r = rates
        t0 = self.t0
        rate_at = self.rates
        check = self.CHECKPOINT
        for i in range(first + 1, last + 1):
            r = rate_at(t0 + i * GRID)
            prev = [c + (a + b) * GRID / 2.0 for c, a, b in zip(prev, prev_r, r, strict=True)]
            into.extend(prev)
            prev_r = r
            if i % check == 0 and i not in self._checkpoints:
                self._checkpoints[i] = (array("d", prev), r)
        return prev_r

    def _extend_to(self, need: int) -> None:
        """Hold rows up to grid index ``need`` (integrating on from the newest)."""
        if not self._cum:
            r0 = self.rates(self.t0)
            row0 = array("d", self._initial())
            self._cum = array("d", row0)
            self._last = r0
            self._base = 0
            self._checkpoints.setdefault(0, (row0, r0))
        last = self.rows - 1
        if need <= last:
            return
        w = self.width
        self._last = self._integrate(self._cum[-w:], self._last, last, need, self._cum)
        held = len(self._cum) // w
        if held > self.KEEP_ROWS + self.TRIM_ROWS:
            drop = held - self.KEEP_ROWS
            del self._cum[: drop * w]
            self._base += drop

    def _hold_from(self, first: int) -> None:
        """Hold rows from grid index ``first`` on (re-integrating dropped ones from a checkpoint)."""
        if first >= self._base:
            return
        c = max(i for i in self._checkpoints if i <= first)
        row, r = self._checkpoints[c]
        older = array("d", row)
        self._integrate(row, r, c, self._base - 1, older)
        older.extend(self._cum)
        self._cum = older
        self._base = c

    def _hold(self, first: int, last: int) -> None:
        self._extend_to(max(last, 0))
        self._hold_from(max(first, 0))

    def adopt(self, other: Series, valid_before: float) -> None:
        """Reuse ``other``'s integration for grid points strictly before ``valid_before``.

        Actions only change the world at or after the time they were taken, so when a new
        action arrives the past up to that moment is still exact and need not be recomputed.
        """
        if other.t0 != self.t0 or other.keys != self.keys:
            return
        keep = max(0, min(other.rows, math.floor((valid_before - self.t0) / GRID)))
        self._take(keep, other._base, other._cum, other._last, other._checkpoints)

    def _take(self, keep: int, base: int, cum: array[float], last: list[float],
              checkpoints: dict[int, tuple[array[float], list[float]]]) -> None:
        """Adopt rows ``< keep`` of a held window (``base``, ``cum``) and its checkpoints."""
        w = self.width
        self._checkpoints = {i: cp for i, cp in checkpoints.items() if i < keep}
        held_end = base + len(cum) // w
        if keep <= 0:
            self._base, self._cum, self._last = 0, array("d"), []
            return
        if keep > base:
            self._base = base
            self._cum = cum[: (keep - base) * w]
            # the rates of the last kept row: the world before ``valid_before`` is unchanged
            self._last = last if keep == held_end else self.rates(self.t0 + (keep - 1) * GRID)
            return
        c = max(self._checkpoints)
        row, r = self._checkpoints[c]
        self._base = c
        self._cum = array("d", row)
        self._last = r

    def dump(self) -> bytes:
        """The held integration as raw doubles, for a cache file: see ``load``."""
        w = self.width
        head = array("d", [float(self._base), float(len(self._cum) // w), float(len(self._checkpoints))])
        flat = array("d", head)
        flat.extend(self._cum)
        flat.extend(self._last)
        for i in sorted(self._checkpoints):
            row, r = self._checkpoints[i]
            flat.append(float(i))
            flat.extend(row)
            flat.extend(r)
        return flat.tobytes()

    def load(self, data: bytes, rows: int, valid_before: float | None = None) -> None:
        """Adopt rows from ``dump()`` output (all ``rows``, or those strictly before ``valid_before``)."""
        w = self.width
        flat = array("d")
        try:
            flat.frombytes(data)
            base, held, n_cp = int(flat[0]), int(flat[1]), int(flat[2])
        except (ValueError, IndexError):
            return
        if base + held != rows or len(flat) != 3 + held * w + w + n_cp * (1 + 2 * w):
            return
        cum = flat[3:3 + held * w]
        pos = 3 + held * w
        last = list(flat[pos:pos + w])
        pos += w
        checkpoints = {}
        for _ in range(n_cp):
            i = int(flat[pos])
            checkpoints[i] = (flat[pos + 1:pos + 1 + w], list(flat[pos + 1 + w:pos + 1 + 2 * w]))
            pos += 1 + 2 * w
        keep = rows if valid_before is None else max(0, min(rows, math.floor((valid_before - self.t0) / GRID)))
        self._take(keep, base, cum, last, checkpoints)

    # ------------------------------------------------------------------ reading

    def _grid(self, t: float) -> tuple[int, float]:
        """Row index and fraction of ``t`` on the grid, exactly as every reader computes them."""
        if t < self.t0:
            t = self.t0
        pos = (t - self.t0) / GRID
        i = math.floor(pos)
        return i, pos - i

    def value(self, key: Key, t: float) -> float:
        """The counter ``key`` at scenario time ``t`` (linear between grid points)."""
        i, frac = self._grid(t)
        self._hold(i, i + 1 if frac > 1e-9 else i)
        w = self.width
        at = (i - self._base) * w + self.index[key]
        lo = self._cum[at]
        if frac <= 1e-9:
            return lo
        return lo + (self._cum[at + w] - lo) * frac

    def columns(self, cols: list[int], times: list[float]) -> list[list[float]]:
        """``value`` of counter columns ``cols`` at every time in ``times`` (one list per column).

        The grid position of each time is worked out once for all the columns; the values are
        exactly ``value``'s.
        """
        if not times:
            return [[] for _ in cols]
        t0 = self.t0
        grid = []
        for t in times:
            if t < t0:
                t = t0
            pos = (t - t0) / GRID
            i = math.floor(pos)
            grid.append((i, pos - i))
        self._hold(min(i for i, _ in grid), max(i + (1 if f > 1e-9 else 0) for i, f in grid))
        cum = self._cum
        w = self.width
        base = self._base
        points = [((i - base) * w, (i - base + 1) * w, frac) for i, frac in grid]
        return [[(lo := cum[a + col]) + (cum[b + col] - lo) * f if f > 1e-9 else cum[a + col] for a, b, f in points]
                for col in cols]

    def time_of(self, key: Key, target: float, lo: float, hi: float) -> float:
        """The first time in [lo, hi] at which counter ``key`` reaches ``target`` (binary search)."""
        lo = max(lo, self.t0)
        col = self.index[key]
        i0 = max(0, math.floor((lo - self.t0) / GRID))
        i1 = math.ceil((hi - self.t0) / GRID)
        self._hold(i0, i1)
        i1 = min(self.rows - 1, i1)
        w = self.width
        cum = self._cum
        base = self._base

        def at(i: int) -> float:
            return cum[(i - base) * w + col]

        if at(i1) < target:
            return hi
        while i1 - i0 > 1:
            mid = (i0 + i1) // 2
            if at(mid) >= target:
                i1 = mid
            else:
                i0 = mid
        a, b = at(i0), at(i1)
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
