"""Samples judged against thresholds: the one place that decides ok / warn / crit / stale.

The dashboard, ``warroom status``, metric evidence and verify gates all call into this module, so
a value is never CRIT on one screen and WARN on another. Rules (documented in config.example.toml):

- ``direction = "above"``: a value strictly greater than ``crit`` is critical, strictly greater
  than ``warn`` is a warning; ``"below"`` mirrors that. A missing threshold never fires.
- ``for``: a pane is breached (CRIT, names its runbook) only once its value has stayed past
  ``crit`` that long; until then it shows WARN with a note saying for how long it has been past.
  How long is known from the pane's history in the tracker and from the sparkline, so a pane
  opened in the middle of a long breach is CRIT at once.
- a failed fetch keeps the last good value on screen as STALE with its age (and the error), so a
  dying server is visible but never blanks the board; a good value older than ``stale_after`` is
  STALE too. With no good value to fall back on, a failure is ERROR.
- no series, or NaN, is NO DATA (a real answer: the query matched nothing), except for a pane
  with ``absent = "crit"`` (or ``"warn"``): there the series vanishing is the problem (the audit
  exporter stopped), so no series is CRIT (WARN) and names the runbook.
- data age is the age of the newest *raw* sample under the query when the source knows it
  (``SloSample.data_time``, see ``warroom.sources.freshness``), else of the value's timestamp;
  an exporter that stops is STALE once that age passes ``stale_after``.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass

from warroom import scenario_time as stime
from warroom.config import SloConfig
from warroom.durations import format_duration
from warroom.runbook import series as series_rule
from warroom.sources.freshness import stale_age
from warroom.sources.model import SloReading, SloSample, State


def past(value: float, threshold: float | None, direction: str) -> bool:
    """Whether ``value`` is on the bad side of ``threshold`` (strictly)."""
    if threshold is None or math.isnan(value):
        return False
    return value > threshold if direction == "above" else value < threshold


def judge(slo: SloConfig, value: float) -> State:
    """ok / warn / crit for a value, ignoring any ``for`` duration."""
    if past(value, slo.crit, slo.direction):
        return "crit"
    if past(value, slo.warn, slo.direction):
        return "warn"
    return "ok"


def breach_start(slo: SloConfig, series: tuple[tuple[float, float], ...] | list[tuple[float, float]],
                 value_time: float) -> float:
    """Earliest time of the unbroken run of points past crit that ends at the current value."""
    start = value_time
    for t, v in reversed(series):
        if t > value_time:
            continue
        if not past(v, slo.crit, slo.direction):
            break
        start = t
    return start


@dataclass
class _Pane:
    last_good: SloSample | None = None
    breach_since: float | None = None
    reading: SloReading | None = None


class SloTracker:
    """Per-pane memory across refreshes: last good value (for STALE) and breach start (for ``for``).

    Thread-safe: a worker may call ``update`` while the UI reads ``readings``.
    """

    def __init__(self, slos: list[SloConfig], stale_after: float = 60.0, *, speed: float = 1.0) -> None:
        self.slos = list(slos)
        self.stale_after = stale_after   # data age: real seconds, a stalled exporter is stalled in any drill
        # A drill's speed: a pane's ``for`` is incident (scenario) time, its samples' timestamps wall.
        self.speed = speed if speed > 0 and speed == speed and speed != float("inf") else 1.0
        self._panes: dict[str, _Pane] = {s.id: _Pane() for s in self.slos}
        self._lock = threading.Lock()

    def update(self, samples: list[SloSample], now: float | None = None) -> list[SloReading]:
        """Judge a refresh's samples (matched to panes by ``slo_id``); returns every pane's reading.

        ``now`` is the time the readings describe: the clock for a live refresh, the ``at`` of
        a back-filled one.
        """
        now = stime.now() if now is None else now
        by_id = {s.slo_id: s for s in samples}
        with self._lock:
            for slo in self.slos:
                sample = by_id.get(slo.id)
                pane = self._panes.setdefault(slo.id, _Pane())
                if sample is not None:
                    pane.reading = self._judge(slo, sample, pane, now)
                elif pane.reading is None:
                    pane.reading = SloReading(slo=slo, state="nodata", value=None,
                                              note="not fetched yet")
            return [self._panes[s.id].reading for s in self.slos]  # type: ignore[misc]

    @property
    def readings(self) -> list[SloReading]:
        with self._lock:
            return [p.reading for s in self.slos if (p := self._panes[s.id]).reading is not None]

    def reading(self, slo_id: str) -> SloReading | None:
        with self._lock:
            pane = self._panes.get(slo_id)
            return pane.reading if pane else None

    def _judge(self, slo: SloConfig, sample: SloSample, pane: _Pane, now: float) -> SloReading:
        if sample.error is not None:
            good = pane.last_good
            if good is None or good.value is None:
                return SloReading(slo=slo, state="error", value=None, error=sample.error,
                                  note=sample.note, error_kind=sample.error_kind or "error")
            return SloReading(slo=slo, state="stale", value=good.value, series=good.series,
                              age=_age(good, now), error=sample.error, note=sample.note,
                              error_kind=sample.error_kind or "error")
        if sample.value is None and slo.absent != "nodata":
            # The query answered, with no series: for this pane that is the alarm itself.
            pane.last_good = None
            level = slo.absent
            if level == "crit":
                if pane.breach_since is None:
                    pane.breach_since = now
            else:
                pane.breach_since = None
            why = (f"no series: the data this pane watches is gone (absent = \"{level}\")")
            return SloReading(slo=slo, state=level, value=None, series=sample.series,
                              note=_join(why, sample.note), breached=level == "crit",
                              breach_since=pane.breach_since)
        if sample.value is None and (stopped := _known(sample.data_time)) is not None:
            # No series now, but the source saw samples until data_time: the exporter stopped
            # (Prometheus marked its series stale). That is STALE with the last good value, not
            # an all-quiet NO DATA.
            good = pane.last_good
            age = max(0.0, now - stopped)
            why = f"the series stopped: newest sample {format_duration(age)} old"
            return SloReading(slo=slo, state="stale", value=good.value if good else None,
                              series=good.series if good else sample.series, age=age,
                              note=_join(why, sample.note))
        if sample.value is None or math.isnan(sample.value):
            pane.last_good = None
            pane.breach_since = None
            return SloReading(slo=slo, state="nodata", value=sample.value, series=sample.series,
                              note=sample.note, sample_time=sample.sample_time)
        pane.last_good = sample
        age = _age(sample, now)
        value = sample.value
        if stale_age(_ref(sample), now, self.stale_after) is not None:
            return SloReading(slo=slo, state="stale", value=value, series=sample.series, age=age,
                              note=_join(sample.note, f"newest value is {format_duration(age)} old"))
        state = judge(slo, value)
        breached = state == "crit"
        note = _join(sample.note, series_rule.infinite(value))   # what a ±Inf is, as gates and criteria say
        value_time = known if (known := _known(sample.sample_time)) is not None else now
        if state == "crit":
            since = breach_start(slo, sample.series, value_time)
            if pane.breach_since is not None:
                since = min(since, pane.breach_since)
            pane.breach_since = since
            if slo.for_:
                held = stime.drill_seconds(value_time - since, self.speed)
                if held < slo.for_:
                    breached = False
                    state = "warn"
                    shown = stime.of_drill(held, self.speed).text(wall=False)
                    note = _join(note, f"past crit for {shown}"
                                       f" (breached after {stime.of_drill(slo.for_, self.speed).text(wall=False)})")
        else:
            pane.breach_since = None
        return SloReading(slo=slo, state=state, value=value, series=sample.series, age=age,
                          note=note, breached=breached, breach_since=pane.breach_since)


def evaluate(slos: list[SloConfig], samples: list[SloSample], *, stale_after: float = 60.0,
             now: float | None = None) -> list[SloReading]:
    """One-shot judgement (``warroom status``, evidence): a fresh tracker, one update."""
    return SloTracker(slos, stale_after).update(samples, now)


def _known(t: float | None) -> float | None:
    """A sample's time when it is a moment; NaN or ±Inf (a damaged answer, any source's) is not
    known: an infinite age raised out of ``format_duration``, a NaN one read as a made-up "0s old"."""
    return t if t is not None and math.isfinite(t) else None


def _ref(sample: SloSample) -> float | None:
    """The time a sample's data is of: its newest raw sample's, else its value's, else its fetch's
    (the first of them that is a moment, :func:`_known`)."""
    return next((t for t in (sample.data_time, sample.sample_time, sample.fetched_at) if _known(t) is not None),
                None) or None


def _age(sample: SloSample, now: float) -> float:
    ref = _ref(sample)
    return max(0.0, now - ref) if ref else 0.0


def _join(*parts: str | None) -> str | None:
    text = "; ".join(p for p in parts if p)
    return text or None


