"""The ``MetricSource`` of a drill: the panes' own PromQL, evaluated on the simulated world.

It answers as the Prometheus source does (``SloSample`` with value, sparkline and notes), so the
panes cannot tell a drill from production; only the clock is the drill's.
"""

from __future__ import annotations

import math
import time
from typing import Any, Protocol

from warroom.config import SloConfig, default_slos
from warroom.drill.promql import PromQLError, shown
from warroom.sources.model import SloSample


class DrillClock(Protocol):
    """What the source needs of the ``warroom.drill.directory.Drill`` that makes it (importing
    that here would be an import cycle): its scenario, its simulator and its clock."""

    scenario: Any

    @property
    def simulator(self) -> Any: ...

    def scenario_time(self, at: float | None = None) -> float: ...

    def wall_time(self, t: float) -> float: ...


class DrillSource:
    """``MetricSource`` over a drill (``Drill.source`` makes it). ``window`` (scenario seconds) and
    ``points`` shape the sparklines; their timestamps are wall times, so the panes' data age works
    as it does with Prometheus.

    As with Prometheus, a pane's sparkline is reused until one step of it (``window / (points - 1)``
    scenario seconds) has passed: it cannot gain a point before then, and evaluating its history
    on every poll was two thirds of the dashboard's steady-state CPU in a drill (``python -m bench
    --only steady``). The value is evaluated on every poll; an action recorded (a change to the
    world) drops every cached sparkline.
    """

    #: Range queries are evaluated exactly at any step (no scrape interval): callers may ask for
    #: a sub-second grid on a sped-up drill.
    exact_history = True

    def __init__(self, drill: DrillClock, slos: list[SloConfig] | None = None, window: float = 1800.0,
                 points: int = 60) -> None:
        self.drill = drill
        self.name = f"drill:{drill.scenario.name}"
        self.window = float(window)
        self.points = max(2, int(points))
        self._slos = {s.id: s for s in (slos or default_slos())}
        self._polls = 0
        # series expression -> (scenario time evaluated at, world it was evaluated on, points)
        self._sparklines: dict[str, tuple[float, object, tuple[tuple[float, float], ...]]] = {}

    @property
    def step(self) -> float:
        """Scenario seconds between two points of a sparkline."""
        return self.window / (self.points - 1)

    def fetch(self, slos: list[SloConfig], at: float | None = None) -> list[SloSample]:
        # Sparklines are reused only for "now" (the dashboard's polls), never for a fetch as of a
        # given time (evidence back-filled later), as with the Prometheus source.
        cache = at is None
        at = time.time() if at is None else at
        out = [self._sample(slo, at, cache) for slo in slos]
        sim = self.drill.simulator
        # lets stand-ins start from where the dashboard got to; not on the first poll, which the
        # dashboard's first frame waits for (no stand-in runs before the next one anyway)
        if self._polls and sim._series is not None and sim._series.rows - sim._loaded_rows > 120:  # noqa: SLF001
            sim.save_cache()
        self._polls += 1
        return out

    def _sample(self, slo: SloConfig, at: float, cache: bool) -> SloSample:
        sim = self.drill.simulator
        t = self.drill.scenario_time(at)
        series_expr = slo.range_query or slo.query
        world = sim.refresh() if cache else None
        hit = self._sparklines.get(series_expr) if cache else None
        if hit is not None and hit[1] is world and 0 <= t - hit[0] < self.step:
            times: list[float] = []      # the cached sparkline cannot have gained a point yet
        else:
            hit = None
            times = [t - self.window + i * self.step for i in range(self.points)]
        own = hit is None and series_expr == slo.query     # value and history in one evaluation
        try:
            many = sim.evaluate_many(slo.query, [t, *times] if own else [t])
            history = sim.evaluate_many(series_expr, times) if times and not own else many
        except PromQLError as exc:
            return SloSample(slo.id, None, sample_time=at, fetched_at=time.time(),
                             error=f"drill cannot evaluate {slo.query!r}: {exc}")
        value, note = shown(many.at(0))
        if hit is not None:
            series = hit[2]
        else:
            values = [shown(history.at(j + own))[0] for j in range(len(times))]
            series = tuple((self.drill.wall_time(ti), v) for ti, v in zip(times, values, strict=True) if v is not None)
            if cache:
                self._sparklines[series_expr] = (t, world, series)
        return SloSample(slo.id, value, series, sample_time=at, fetched_at=time.time(), note=note)

    def instant(self, expr: str, at: float | None = None) -> SloSample:
        """Evaluate a PromQL expression (or a pane id such as ``quota``) at ``at``."""
        at = time.time() if at is None else at
        query = self._resolve(expr)
        try:
            value, note = shown(self.drill.simulator.evaluate(query, self.drill.scenario_time(at)))
        except PromQLError as exc:
            return SloSample(expr, None, sample_time=at, fetched_at=time.time(),
                             error=f"drill cannot evaluate {expr!r}: {exc}")
        return SloSample(expr, value, sample_time=at, fetched_at=time.time(), note=note)

    def query(self, expr: str, at: float | None = None) -> list[tuple[dict[str, str], float]]:
        """The full instant vector (labels, value) for ``expr``; raises ``PromQLError``."""
        at = time.time() if at is None else at
        result = self.drill.simulator.evaluate(self._resolve(expr), self.drill.scenario_time(at))
        if isinstance(result, float):
            return [({}, result)]
        return [(s.label_dict(), s.value) for s in result]

    def query_range(self, expr: str, start: float, end: float,
                    step: float) -> list[tuple[dict[str, str], list[tuple[float, float]]]]:
        """Every series of ``expr`` from unix ``start`` to ``end`` every ``step`` s (finite points
        only), as the Prometheus source answers it; raises ``PromQLError``."""
        n = max(1, int((end - start) // step) + 1)
        walls = [start + i * step for i in range(n)]
        many = self.drill.simulator.evaluate_many(self._resolve(expr),
                                                  [self.drill.scenario_time(w) for w in walls])
        if many.scalar is not None:
            return [({}, [(w, v) for w, v in zip(walls, many.scalar, strict=True) if math.isfinite(v)])]
        return [(dict(labels), [(w, v) for w, v in zip(walls, col, strict=True) if v is not None and math.isfinite(v)])
                for labels, col in many.vector or []]

    def _resolve(self, expr: str) -> str:
        """A pane id (``quota``) stands for the pane's own query."""
        slo = self._slos.get(expr.strip())
        return slo.query if slo is not None else expr

    def close(self) -> None:
        """Nothing to close: a drill holds no connection."""
