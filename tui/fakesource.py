"""A deterministic ``MetricSource``: fixed curves computed from the clock, no randomness.

Used by snapshot and Pilot tests (so every run draws the same panes) and as the dashboard's
source when nothing else is configured and no drill simulator is available.
"""

from __future__ import annotations

import math

from tui.clock import Clock, SystemClock
from warroom.config import SloConfig
from warroom.sources.model import SloSample

# Shape per pane id: (base, amplitude, ramp per minute), chosen so quota climbs past crit.
CURVES: dict[str, tuple[float, float, float]] = {
    "failure_rate": (0.35, 0.08, 0.004),
    "p95_latency": (62.0, 9.0, 0.2),
    "quota": (71.0, 2.0, 0.6),
    "error_5xx": (0.8, 0.3, 0.0),
    "audit_gap": (18.0, 6.0, 0.0),
}


class FakeSource:
    """``fetch`` returns a 30-point series ending at ``now`` for every pane."""

    name = "fake"

    def __init__(self, clock: Clock | None = None, start: float | None = None,
                 errors: dict[str, str] | None = None, points: int = 30, step: float = 60.0) -> None:
        self.clock = clock or SystemClock()
        self.start = self.clock.now() if start is None else start
        self.errors = dict(errors or {})
        self.points = points
        self.step = step

    def value(self, slo_id: str, t: float) -> float:
        base, amp, ramp = CURVES.get(slo_id, (10.0, 2.0, 0.0))
        minutes = (t - self.start) / 60.0 + self.points * self.step / 60.0
        return round(base + amp * math.sin(t / 97.0) + ramp * minutes, 4)

    def fetch(self, slos: list[SloConfig], at: float | None = None) -> list[SloSample]:
        now = self.clock.now() if at is None else at
        out = []
        for slo in slos:
            if slo.id in self.errors:
                out.append(SloSample(slo_id=slo.id, value=None, fetched_at=now, error=self.errors[slo.id]))
                continue
            series = tuple(
                (now - (self.points - 1 - i) * self.step, self.value(slo.id, now - (self.points - 1 - i) * self.step))
                for i in range(self.points)
            )
            out.append(SloSample(slo_id=slo.id, value=series[-1][1], series=series,
                                 sample_time=now, fetched_at=now))
        return out

    def instant(self, expr: str, at: float | None = None) -> SloSample:
        now = self.clock.now() if at is None else at
        return SloSample(slo_id=expr, value=None, fetched_at=now, error="the fake source answers SLO panes only")

    def close(self) -> None:
        return None
