"""Replaying a resolved incident as a drill: the panes draw the curves it really had.

``warroom drill --replay INC-…`` reads the incident's saved metrics (``warroom.incident.history``)
and plays them back from the start of the window, at the drill's speed: a team rehearses what
really happened, against the very numbers it saw. The world does not react (nobody can change
the past), so a replay is always read-only: commands that change things are refused, and the
header says REPLAY.
"""

from __future__ import annotations


from warroom import scenario_time as stime
from warroom.config import SloConfig
from warroom.incident.history import History
from warroom.incident.metric_history import PaneHistory
from warroom.sources.model import SloSample


def _value(pane: PaneHistory, t: float) -> float | None:
    """The recorded value shown at recorded time ``t``: the newest point at or before it."""
    sample = pane.value_at(t)
    return None if sample is None or sample.at > t + 1e-6 else sample.value


class ReplaySource:
    """``MetricSource`` over a saved history: the recorded pane values, replayed from ``start``
    (unix time the replay began) at ``speed`` recorded seconds per second."""

    def __init__(self, history: History, *, speed: float = 1.0, start: float | None = None,
                 window: float = 1800.0, points: int = 60) -> None:
        self.history = history
        self.speed = speed
        self.start = stime.now() if start is None else start
        self.window = window
        self.points = max(2, points)
        self.name = f"replay:{history.incident_id}"

    def recorded_time(self, at: float) -> float:
        """The recorded unix time shown at wall time ``at`` (held at the end of the recording)."""
        return min(self.history.end, self.history.start + (at - self.start) * self.speed)

    def wall_time(self, recorded: float) -> float:
        return self.start + (recorded - self.history.start) / self.speed

    def fetch(self, slos: list[SloConfig], at: float | None = None) -> list[SloSample]:
        at = stime.now() if at is None else at
        return [self._sample(slo.id, at) for slo in slos]

    def _sample(self, slo_id: str, at: float) -> SloSample:
        pane = self.history.pane(slo_id)
        now = stime.now()
        if pane is None:
            return SloSample(slo_id, None, sample_time=at, fetched_at=now,
                             error=f"{self.history.incident_id} has no recorded {slo_id!r} pane")
        t = self.recorded_time(at)
        step = self.window / (self.points - 1)
        series = []
        for i in range(self.points):
            rt = t - self.window + i * step
            v = _value(pane, rt)
            if v is not None and rt >= self.history.start:
                series.append((self.wall_time(rt), v))
        return SloSample(slo_id, _value(pane, t), tuple(series), sample_time=at, fetched_at=now)

    def instant(self, expr: str, at: float | None = None) -> SloSample:
        """A pane id answers with its recorded value; any other expression was never recorded."""
        at = stime.now() if at is None else at
        if self.history.pane(expr.strip()) is not None:
            return self._sample(expr.strip(), at)
        return SloSample(expr, None, sample_time=at, fetched_at=stime.now(),
                         error="a replay holds only the recorded panes; this query was not recorded")

    def slos(self) -> list[SloConfig]:
        return [p.slo for p in self.history.panes]

    def close(self) -> None:
        return None
