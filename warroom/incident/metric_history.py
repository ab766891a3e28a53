"""An SLO pane's history over the incident window, read back with range queries.

The PIR's SLO evidence (at impact start, at detection, worst and when, at resolution), its
computed impact (time in breach, counter totals) and the journaled breaches and recoveries all
come from here, and so does the drill report: one function of (source, pane, window), so the
two documents cannot disagree. Before, the PIR picked the nearest of a few before/after
snapshots, which missed the worst by minutes.

Sample times sit on a fixed grid (multiples of ``step``), so reading the same window twice gives
the same points, and a breach journaled once is recognised the next time the history is read.

Sources: anything with ``query_range(expr, start, end, step)`` returning ``[(labels, [(t, v),
...]), ...]`` (Prometheus, the drill source). Several series are folded into the worst one per
time, as the panes show the highest.

One rule for data age (``freshness.stale_age``): a source that knows its data's age
(``stale_ages``: Prometheus) is asked it over the same grid, and a point whose data a pane would
call STALE (a stuck exporter's frozen value, answered by Prometheus for its look-back) is kept
apart from the readings (``PaneHistory.stale``). Nothing judges it: no breach, recovery, worst or
time in breach comes from a frozen value, and the PIR says how long the pane was stale instead.
"""

from __future__ import annotations

import functools
import math
from bisect import bisect_right
from dataclasses import dataclass
from typing import Any

from warroom import scenario_time as stime
from warroom.config import SloConfig
from warroom.incident.history_memo import HistoryMemo, serves
from warroom.sources.evaluate import past

#: A pane that moved this share of its warn-to-crit span (or of crit when there is no warn) in
#: the bad direction over ``TREND_POINTS`` samples is "worsening" (under warn, only if the move at
#: least covers the distance left to warn: ``PaneHistory.worsening``).
WORSENING_SHARE = 0.05
TREND_POINTS = 4
#: ... and, far past critical (``FAR``: twice its critical threshold or more), at least this share of the pane's own
#: value: there the warn-to-crit span is a hair of it (a failure rate at 22% with warn 0.5% and crit 1% "worsened" by
#: a 0.07-point jitter of its 1h rate: redteam48 F1). Nearer its thresholds the span alone judges (attack48: a quota at
#: 80.4% climbing 1.2 points a minute read flat under a floor of 1% of its value).
NOISE_SHARE = 0.01
FAR = 2.0
#: At most this many points per pane and window: the step grows for long windows.
MAX_POINTS = 720


class HistoryError(Exception):
    """The metric source could not answer a range query; the message is for a person."""


@dataclass(frozen=True)
class Sample:
    at: float      # unix time
    value: float
    age: float | None = None    # a stale point's data age (``PaneHistory.stale_at``); None: a reading


def grid_step(start: float, end: float, base: float) -> float:
    """``base`` seconds, doubled until the window holds at most ``MAX_POINTS`` points."""
    step = max(1e-3, float(base))
    while (end - start) / step > MAX_POINTS:
        step *= 2
    return step


def align(t: float, step: float) -> float:
    return math.floor(t / step) * step


def query_history(source: Any, expr: str, start: float, end: float, step: float,
                  direction: str = "above", memo: HistoryMemo | None = None) -> list[tuple[float, float]]:
    """Points of ``expr`` on the grid from ``start`` to ``end``; raises HistoryError. ``memo``:
    the incident's kept answers, so only grid times not answered yet are asked of the source."""
    query_range = getattr(source, "query_range", None)
    if not callable(query_range):
        raise HistoryError(f"{getattr(source, 'name', 'the metric source')} cannot answer range queries")
    t0 = align(start, step)
    try:
        if memo is not None and serves(source, expr):
            return memo.read(source, expr, direction, t0, end, step, fold)
        result = query_range(expr, t0, end, step)
    except Exception as exc:  # noqa: BLE001 - each source raises its own error type; say it, never crash
        raise HistoryError(f"range query {expr!r} failed: {exc}") from None
    return fold(result, direction)


def fold(result: Any, direction: str) -> list[tuple[float, float]]:
    """A range query's series folded into the worst value per time (the panes show the highest,
    or the lowest for a pane that is bad below), in time order. ±Inf is a value, as on the pane
    (``histogram_quantile`` past its top bucket is CRIT "+Inf"), so it is kept and judged: dropped,
    the history read "no data" and journaled no breach where the pane was critical. NaN (0/0: no
    traffic) is no value, as the pane shows NO DATA for it."""
    worst: dict[float, float] = {}
    pick = max if direction == "above" else min
    for _labels, points in result:
        for t, v in points:
            if v is None or math.isnan(v):
                continue
            key = round(float(t), 3)
            worst[key] = pick(worst[key], float(v)) if key in worst else float(v)
    return sorted(worst.items())


@dataclass(frozen=True)
class PaneHistory:
    """One pane's points over a window, judged against its thresholds."""

    slo: SloConfig
    points: tuple[tuple[float, float], ...]
    step: float
    recorded: bool = False      # read back from the incident's saved metrics.json, not the live source
    #: (time, value): the pane read at exactly the incident's marks when it was recorded
    #: (``mark_readings``; metrics.json keeps them beside the grid), so a recorded PIR quotes the same
    readings: tuple[tuple[float, float], ...] = ()
    #: (time, value, age): grid points whose data was older than ``stale_after`` (the pane said
    #: STALE). Never among ``points``, so every judgement below (breach, recovery, worst, time in
    #: breach, trend, a step's before/after) reads fresh data only; they count as neither breach nor gap.
    stale: tuple[tuple[float, float, float], ...] = ()
    #: (from, to): the parts of the window a live history took from the saved metrics.json, where
    #: the live source answered nothing (``metric_sync.read_histories``); ``readings`` then holds the
    #: readings saved at the marks inside them. Empty for a history read whole from one place.
    filled: tuple[tuple[float, float], ...] = ()
    #: a recorded judged query's series (``history.judged_queries``): its labels, as the source answered them
    labels: tuple[tuple[str, str], ...] = ()

    @functools.cached_property
    def times(self) -> tuple[float, ...]:
        """The points' times, listed once per history (its points never change): every ``value_at`` and
        ``stale_at`` bisects them, and a replay quotes a pane at each of its points (listing them each time was
        0.3 % of the suite's CPU)."""
        return tuple(t for t, _ in self.points)

    def value_at(self, at: float | None) -> Sample | None:
        """The last point at or before ``at`` (no older than two steps), else the first after it."""
        if at is None or not self.points:
            return None
        i = bisect_right(self.times, at + 1e-6)
        if i > 0 and at - self.points[i - 1][0] <= 2 * self.step:
            return Sample(*self.points[i - 1])
        if i < len(self.points) and self.points[i][0] - at <= 2 * self.step:
            return Sample(*self.points[i])
        return None

    def with_readings(self, readings: dict[float, float]) -> PaneHistory:
        """This history with ``readings`` (unix time -> the pane's value at exactly that time) among
        its points, each replacing a point at the same time."""
        if not readings:
            return self
        kept = [(t, v) for t, v in self.points if all(abs(t - r) > 1e-6 for r in readings)]
        return PaneHistory(self.slo, tuple(sorted([*kept, *readings.items()])), self.step, self.recorded,
                           self.readings, self.stale, self.filled)

    def stale_at(self, at: float | None) -> Sample | None:
        """The stale point quoted at ``at`` when the pane was STALE then: the last stale point at or
        before ``at`` (no older than two steps) that is newer than the last fresh one, else None."""
        if at is None or not self.stale:
            return None
        before = [s for s in self.stale if s[0] <= at + 1e-6 and at - s[0] <= 2 * self.step]
        if not before:
            return None
        t, v, age = before[-1]
        i = bisect_right(self.times, at + 1e-6)         # the last fresh point at or before ``at``
        if i > 0 and self.points[i - 1][0] >= t:
            return None
        return Sample(t, v, age)

    def stale_seconds(self, start: float | None, end: float | None) -> float:
        """Time inside [start, end] whose data was stale: a stale point holds until the next point
        (fresh or stale), or for one step across a gap, as ``breach_seconds`` counts."""
        lo = -math.inf if start is None else start
        hi = math.inf if end is None else end
        times = sorted([*(t for t, _ in self.points), *(t for t, _, _ in self.stale)])
        stale = {round(t, 6) for t, _, _ in self.stale}
        total = 0.0
        for i, t in enumerate(times):
            if round(t, 6) not in stale:
                continue
            nxt = times[i + 1] if i + 1 < len(times) else math.inf
            until = nxt if nxt - t <= 1.5 * self.step else t + self.step
            total += max(0.0, min(until, hi) - max(t, lo))
        return total

    def oldest_stale(self, start: float | None, end: float | None) -> float | None:
        """The greatest data age among the stale points inside [start, end] (None: never stale)."""
        ages = [a for t, _, a in self.stale if (start is None or t >= start - 1e-6) and (end is None or t <= end + 1e-6)]
        return max(ages) if ages else None

    def _within(self, start: float | None, end: float | None) -> list[tuple[float, float]]:
        return [(t, v) for t, v in self.points if (start is None or t >= start - 1e-6)
                and (end is None or t <= end + 1e-6)]

    def worst(self, start: float | None = None, end: float | None = None) -> Sample | None:
        """The worst value in the window (the earliest, on a tie) and when."""
        pts = self._within(start, end)
        if not pts:
            return None
        sign = 1.0 if self.slo.direction == "above" else -1.0
        t, v = min(pts, key=lambda p: (-sign * p[1], p[0]))
        return Sample(t, v)

    def bad(self, value: float) -> bool:
        return past(value, self.slo.crit, self.slo.direction)

    def good(self, value: float) -> bool:
        """On the good side of warn (of crit when there is no warn)."""
        level = self.slo.warn if self.slo.warn is not None else self.slo.crit
        return not past(value, level, self.slo.direction) and not self.bad(value)

    def worsening(self, at: float | None = None) -> bool:
        """Moving the bad way over the last ``TREND_POINTS`` points up to ``at`` (default: the end);
        under warn, fast enough to reach warn within as many points again."""
        pts = self._within(None, at)[-(TREND_POINTS + 1):]
        if len(pts) < 2:
            return False
        crit = self.slo.crit
        if crit is None:
            return False
        span = abs(crit - self.slo.warn) if self.slo.warn is not None and self.slo.warn != crit else abs(crit)
        delta = pts[-1][1] - pts[0][1]
        if self.slo.direction == "below":
            delta = -delta
        # twice past critical on its own side: above FAR x crit for a pane bad above, under crit / FAR for one bad below
        far = crit > 0 and past(pts[-1][1], FAR * crit if self.slo.direction == "above" else crit / FAR,
                                self.slo.direction)
        if delta <= max(WORSENING_SHARE * (span or 1.0), NOISE_SHARE * abs(pts[-1][1]) if far else 0.0):
            return False
        # under warn, a rise that would not reach warn within another trend window at its pace is
        # noise, not a pane getting worse (P95 at 82.9s, warn 90s, up 1.5s in four points)
        level = self.slo.warn if self.slo.warn is not None else crit
        return past(pts[-1][1], level, self.slo.direction) or delta >= abs(level - pts[-1][1])

    def transitions(self) -> list[tuple[str, Sample, bool]]:
        """(breached|recovered, sample, ongoing at window start) in time order.

        Breached: the first point past crit after a point that was not (or the window's first
        point). Recovered: after a breach, the first point on the good side of warn that is not
        worsening (a dip while the pane keeps climbing is not a recovery)."""
        out: list[tuple[str, Sample, bool]] = []
        in_breach = False
        for i, (t, v) in enumerate(self.points):
            if not in_breach and self.bad(v):
                in_breach = True
                out.append(("breached", Sample(t, v), i == 0))
            elif in_breach and self.good(v) and not self.worsening(t):
                in_breach = False
                out.append(("recovered", Sample(t, v), False))
        return out

    def breach_runs(self, start: float | None = None, end: float | None = None) -> list[tuple[float, float | None]]:
        """Intervals past crit inside the window: (from, to) with to None while still breached."""
        runs: list[tuple[float, float | None]] = []
        cur: float | None = None
        for t, v in self._within(start, end):
            if self.bad(v) and cur is None:
                cur = t
            elif not self.bad(v) and cur is not None:
                runs.append((cur, t))
                cur = None
        if cur is not None:
            runs.append((cur, None))
        return runs

    def breach_seconds(self, start: float | None, end: float | None) -> float:
        """Time past crit inside [start, end]: a point past crit holds until the next point, or for
        one step when the next is further than ``gap_seconds`` allows (a gap is no data, never
        breach), and never outside the window, so time in breach plus gaps is at most the window.
        Counting one step per point counted the window's last point a step past its end: a drill
        at x60 breached from the impact start to its resolution read "past its critical threshold
        for 20m30s" beside a Duration of 20m28s."""
        pts = self.points
        lo = -math.inf if start is None else start
        hi = math.inf if end is None else end
        total = 0.0
        for i, (t, v) in enumerate(pts):
            if not self.bad(v):
                continue
            nxt = pts[i + 1][0] if i + 1 < len(pts) else math.inf
            until = nxt if nxt - t <= 1.5 * self.step else t + self.step    # the gap rule, as gap_seconds
            total += max(0.0, min(until, hi) - max(t, lo))      # its hold, inside the window only
        return total

    def gap_seconds(self, start: float, end: float) -> float:
        """Time inside [start, end] with no point (the source down, the series not scraped): never
        counted in or out of breach, so a breach spanning it is longer than its time in breach."""
        stale = [t for t, _, _ in self.stale if start - 1e-6 <= t <= end + 1e-6]    # a value, not judged: no gap
        times = [start, *sorted([*(t for t, _ in self._within(start, end)), *stale]), end]   # not float dust
        return sum(b - a - self.step for a, b in zip(times, times[1:]) if b - a > 1.5 * self.step)


def pane_history(source: Any, slo: SloConfig, start: float, end: float, step: float,
                 memo: HistoryMemo | None = None) -> PaneHistory:
    """Read one pane's history (the pane's own query) over the window, its stale points apart
    (``data_ages``); raises HistoryError."""
    range_aged = getattr(source, "range_aged", None)
    if callable(range_aged) and not (memo is not None and serves(source, slo.query)):
        pts, ages = _read_aged(range_aged, slo, start, end, step)
    else:
        pts = query_history(source, slo.query, start, end, step, slo.direction, memo)
        ages = data_ages(source, slo, [t for t, _ in pts], step)
    return PaneHistory(slo, tuple(p for p, a in zip(pts, ages, strict=True) if a is None), step,
                       stale=tuple((t, v, a) for (t, v), a in zip(pts, ages, strict=True) if a is not None))


def _read_aged(range_aged: Any, slo: SloConfig, start: float, end: float,
               step: float) -> tuple[list[tuple[float, float]], list[float | None]]:
    """The pane's points on the grid from ``start`` to ``end`` and each one's stale age, from a
    source that answers both in one round trip (``PrometheusSource.range_aged``): what
    ``query_history`` then ``data_ages`` read, without the second wait. Raises HistoryError."""
    t0 = align(start, step)
    walls = [t0 + k * step for k in range(max(0, int(math.floor((end - t0) / step + 1e-9))) + 1)]
    try:
        result, ages = range_aged(slo.query, walls, step, slo=slo)
    except Exception as exc:  # noqa: BLE001 - each source raises its own error type; say it, never crash
        raise HistoryError(f"range query {slo.query!r} failed: {exc}") from None
    by_time = {round(w, 3): a for w, a in zip(walls, ages, strict=True)}
    pts = fold(result, slo.direction)
    return pts, [by_time.get(round(t, 3)) for t, _ in pts]


def data_ages(source: Any, slo: SloConfig, times: list[float], step: float) -> list[float | None]:
    """At each of ``times`` (on one grid, ``step`` apart, ascending), the pane's data age when the
    one rule calls it stale, else None: asked of a source that knows its data's age
    (``stale_ages``: one range query of the pane's age expression over the same grid), all None
    for one that does not (the drill stamps every sample at the instant asked). An age read the
    source cannot answer is no age, as a pane says "data age unknown" and is never STALE for it."""
    ages = getattr(source, "stale_ages", None)
    if not callable(ages) or not times:
        return [None] * len(times)
    n = int(round((times[-1] - times[0]) / step)) + 1
    walls = [times[0] + k * step for k in range(n)]
    by_time = {round(w, 3): a for w, a in zip(walls, ages(slo.query, walls, step, slo=slo), strict=True)}
    return [by_time.get(round(t, 3)) for t in times]


def readings_at(source: Any, slo: SloConfig, times: list[float], step: float) -> dict[float, float]:
    """The pane evaluated at exactly each of ``times`` (a range query of one point, its series
    folded as the history's are); a time the source has no value for (after the drill's now, no
    data) or whose data is stale (``data_ages``: not a reading) is left out. Raises HistoryError.
    A value quoted beside an instant (at impact start, at detection, at resolution) is this
    reading, never the grid point nearest to it: a 5xx rate read a grid step before its crossing
    was quoted as 0.93% at an impact start defined by its crossing of 1%."""
    query_range = getattr(source, "query_range", None)
    if not callable(query_range):
        raise HistoryError(f"{getattr(source, 'name', 'the metric source')} cannot answer range queries")
    range_aged = getattr(source, "range_aged", None)      # the value and its age in one round trip
    out: dict[float, float] = {}
    for t in dict.fromkeys(times):
        try:
            if callable(range_aged):
                result, ages = range_aged(slo.query, [t], step, slo=slo)
            else:
                result, ages = query_range(slo.query, t, t, step), None
            pts = fold(result, slo.direction)
        except Exception as exc:  # noqa: BLE001 - each source raises its own error type; said, never a crash
            raise HistoryError(f"query {slo.query!r} at {t}: {exc}") from None
        if pts and (ages if ages is not None else data_ages(source, slo, [t], step)) == [None]:
            out[t] = pts[-1][1]
    return out


def impact_count(source: Any, slo: SloConfig, start: float, end: float, *,
                 speed: float = 1.0) -> dict[str, Any] | None:
    """The configured counter (``impact_query``, ``$window`` = the impact window) at its end.
    ``speed``: a drill's; its queries' ranges are in scenario seconds."""
    query = getattr(slo, "impact_query", None)
    if not query or end <= start:
        return None
    window = f"{max(1, int(round(stime.drill_seconds(end - start, speed))))}s"
    expr = query.replace("$window", window)
    instant = getattr(source, "instant", None)
    if not callable(instant):
        return None
    sample = instant(expr, at=end)
    value = sample.value if sample.error is None else None
    return {"label": getattr(slo, "impact_label", None) or "count", "query": expr, "value": value,
            "error": sample.error}


def sample_dict(s: Sample | None) -> dict[str, float] | None:
    if s is None:
        return None
    return {"at": s.at, "value": s.value} if s.age is None else {"at": s.at, "value": s.value, "stale_age": s.age}


def _at_mark(history: PaneHistory, at: float | None) -> Sample | None:
    """What the pane showed at a mark: its stale value (with its age) when it was STALE then."""
    return history.stale_at(at) or history.value_at(at)


def summarise(history: PaneHistory, marks: dict[str, float | None], window: tuple[float, float],
              readings: dict[float, float] | None = None) -> dict[str, Any]:
    """What the PIR and the drill report say about one pane over the incident window.

    ``marks``: unix times of ``started`` (impact start), ``detected`` and ``resolved``;
    ``readings``: the pane's value at exactly those times (``mark_readings``), counted among the
    points, so each value quoted at a mark is the pane at that mark (the worst, the time past
    critical and its spans include them). A mark without a reading is quoted from the history's
    last point before it, whose own time the summary keeps (the PIR says it)."""
    start, end = window
    trend = history
    history = history.with_readings(readings or {})
    slo = history.slo
    impact_from = marks.get("started") or marks.get("detected") or start
    impact_to = marks.get("resolved") or end
    worst = history.worst(impact_from, impact_to)
    last = history.value_at(impact_to)
    runs = history.breach_runs(impact_from, impact_to)
    return {
        "title": slo.title, "unit": slo.unit, "direction": slo.direction, "warn": slo.warn, "crit": slo.crit,
        "query": slo.query, "points": len(history.points),
        "at_start": sample_dict(_at_mark(history, marks.get("started"))),
        "at_detection": sample_dict(_at_mark(history, marks.get("detected"))),
        "at_resolution": sample_dict(_at_mark(history, marks.get("resolved"))),
        "worst": sample_dict(worst),
        "last": sample_dict(last),
        "breach_seconds": history.breach_seconds(impact_from, impact_to),
        "gap_seconds": history.gap_seconds(impact_from, impact_to),
        "stale_seconds": history.stale_seconds(impact_from, impact_to),
        "stale_age": history.oldest_stale(impact_from, impact_to),
        "breaches": [[a, b] for a, b in runs],
        "worsening": trend.worsening(impact_to),      # over the evenly spaced grid only
        "breached": bool(runs),
        "recorded": history.recorded,
        # the parts read from the saved metrics.json (said in the PIR); absent when none, as before
        **({"filled": [[a, b] for a, b in history.filled]} if history.filled else {}),
    }


def mark_readings(source: Any, history: PaneHistory, marks: dict[str, float | None],
                  defined: tuple[str, float] | None = None,
                  quoted: dict[float, float] | None = None) -> dict[float, float]:
    """``summarise``'s readings: the pane at each mark, read from ``source``; at the impact start
    of the pane whose crossing defined it (``defined``: ``IncidentState.impact_start_reading``),
    the value of that crossing itself, not a second reading near it. A recorded history (the live
    source gone) gives the readings recorded at these marks, a history partly filled from it (``filled``)
    those of its marks the source does not answer; a mark it has none for (moved since),
    or a source that cannot answer, gives none: that mark is then quoted from the history's points
    with their own time. ``quoted``: the values the journal itself quotes with their instant
    (``IncidentState.quoted_readings``), kept within the history's span: a worst below a value the
    same PIR quotes would be false. They come from the journal, recorded history or not, and are
    not saved in ``metrics.json`` (its readings are the marks'). A pane with no history at all gets none (one reading is no
    worst, no time in breach)."""
    started = marks.get("started")
    out: dict[float, float] = {}
    if not history.points:
        return out
    lo, hi = history.points[0][0], history.points[-1][0]
    # the journal's own quotes of this pane (``IncidentState.quoted_readings``) within what was read
    quoted = {t: v for t, v in (quoted or {}).items() if lo - 1e-6 <= t <= hi + 1e-6}
    saved = {m: v for t, v in history.readings for m in marks.values() if m is not None and abs(t - m) <= 1e-6
             } if history.recorded or history.filled else {}
    if history.recorded:
        out = saved
    else:       # a mark inside a part filled from metrics.json: its saved reading, unless the source answers
        times = [t for t in marks.values() if t is not None]
        try:
            out = {**saved, **readings_at(source, history.slo, times, history.step)}
        except HistoryError:
            out = saved  # quoted from the history's own points instead, each with its time
    out = {**quoted, **out}
    if defined is not None and started is not None and defined[0] == history.slo.id:
        out[started] = defined[1]
    return out
