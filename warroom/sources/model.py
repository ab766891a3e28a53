"""What an SLO pane shows, independent of where the numbers came from.

Both the Prometheus source and the drill simulator produce ``SloSample`` objects through the
``MetricSource`` protocol; ``warroom.sources.evaluate`` turns samples into ``SloReading`` objects
(state, staleness, breach), so the dashboard, ``warroom status`` and the PIR evidence all judge
values the same way, whatever the source.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Protocol

from warroom.config import SloConfig

State = Literal["ok", "warn", "crit", "nodata", "stale", "error"]
STATE_WORDS: dict[str, str] = {
    "ok": "OK", "warn": "WARN", "crit": "CRIT", "nodata": "NO DATA", "stale": "STALE", "error": "ERROR",
}


@dataclass(frozen=True)
class SloSample:
    """One fetch for one pane: the instant value and the sparkline series, or why there is none.

    ``value`` None with ``error`` None means the query returned no series (no data).
    ``note`` carries non-fatal remarks ("3 series returned; showing the highest").
    """

    slo_id: str
    value: float | None
    series: tuple[tuple[float, float], ...] = ()
    sample_time: float | None = None      # unix time of the value, as the server reported it
    fetched_at: float = 0.0               # unix time the fetch completed
    error: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class SloReading:
    """A sample judged against its thresholds; what a pane renders."""

    slo: SloConfig
    state: State
    value: float | None
    series: tuple[tuple[float, float], ...] = ()
    age: float | None = None              # seconds since the value's sample time
    error: str | None = None
    note: str | None = None
    breached: bool = False                # crit (after any `for` duration): names its runbook
    breach_since: float | None = None     # unix time the current run past crit began (crit only)

    @property
    def word(self) -> str:
        return STATE_WORDS[self.state]


class MetricSource(Protocol):
    """Anything that can fetch samples for SLO panes: Prometheus, the drill simulator.

    ``fetch`` is blocking and is called from a worker thread, never the event loop; it returns one
    sample per requested SLO, in order, and never raises for a source problem (that is a sample
    with ``error`` set).
    """

    name: str

    def fetch(self, slos: list[SloConfig], at: float | None = None) -> list[SloSample]:
        """Samples for these panes now, or as of unix time ``at`` (evidence back-filled later)."""
        ...

    def instant(self, expr: str, at: float | None = None) -> SloSample:
        """Evaluate an arbitrary expression (promql steps, verify gates), now or at ``at``."""
        ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class Alert:
    """A firing alert, with the runbook it maps to (if any)."""

    name: str
    severity: str | None
    since: float | None
    labels: dict[str, str] = field(default_factory=dict)
    annotations: dict[str, str] = field(default_factory=dict)
    runbook: str | None = None
    source: str = "alertmanager"
