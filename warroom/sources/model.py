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
    error_kind: str | None = None         # unauthorized | slow | refused | down | error
    data_time: float | None = None        # unix time of the newest underlying raw sample, if known


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
    error_kind: str | None = None         # how the last fetch failed (see SloSample)
    sample_time: float | None = None      # NO DATA: the instant it is of; its sparkline runs blank to it

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
    """A firing alert, with the runbook it maps to (if any).

    ``severity`` is the label as written; ``priority`` is it mapped to P1..P4
    (``warroom.sources.severity``), None when the spelling is unknown. ``since`` is when the
    alert itself started firing (``startsAt`` / ``activeAt``), not when warroom saw it.
    """

    name: str
    severity: str | None
    since: float | None
    labels: dict[str, str] = field(default_factory=dict)
    annotations: dict[str, str] = field(default_factory=dict)
    runbook: str | None = None
    source: str = "alertmanager"
    priority: str | None = None
    state: str = "firing"      # or silenced / inhibited / silenced/inhibited (Alertmanager holds it)

    @property
    def title(self) -> str:
        """What a person would call it: the ``title`` or ``summary`` annotation, else its name."""
        for key in ("title", "summary"):
            text = (self.annotations.get(key) or "").strip()
            if text:
                return text.splitlines()[0]
        return self.name


#: Failure kinds, most telling first: when panes fail in different ways the header names this one.
FAILURE_ORDER = ("unauthorized", "refused", "down", "slow", "error")


def source_health(kinds: list[str | None]) -> str:
    """One word for the header from each pane's failure kind (None = answered).

    "ok" when every pane answered; the kind itself (unauthorized / refused / down / slow) when
    every pane failed, since each needs a different fix (credentials, start it, network, load);
    "error" when only some failed (a query the server refused).
    """
    failed = [k or "error" for k in kinds if k is not None]
    if not failed:
        return "ok"
    if len(failed) < len(kinds):
        return "error"
    return min(failed, key=lambda k: FAILURE_ORDER.index(k) if k in FAILURE_ORDER else len(FAILURE_ORDER))


def poll_health(data: object) -> str | None:
    """The header word for one poll of an extra source (alerts result, cluster snapshot), or None
    for sources the header does not list (provider status pages have their own line)."""
    kinds = getattr(data, "kinds", None)
    servers = getattr(data, "servers", None)
    if isinstance(kinds, dict) and servers is not None:      # AlertsResult
        return source_health([kinds.get(s) for s in servers]) if servers else None
    if hasattr(data, "deployments") and hasattr(data, "error"):   # ClusterSnapshot
        if getattr(data, "error", None) is None:
            return "ok"
        return getattr(data, "error_kind", None) or "error"
    return None
