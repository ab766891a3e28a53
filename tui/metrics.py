"""Turning a ``MetricSource`` fetch into pane readings, off the event loop.

Judging (ok / warn / crit / stale) belongs to ``warroom.sources.evaluate``; until that module is
on main this falls back to the same simple rules so the dashboard works either way.
"""

from __future__ import annotations

import importlib.util
import math
from typing import Any

from warroom.config import SloConfig
from warroom.sources.model import MetricSource, SloReading, SloSample


class _LocalTracker:
    """Minimal stand-in for ``warroom.sources.evaluate.SloTracker`` (same ``update`` contract)."""

    def __init__(self, slos: list[SloConfig], stale_after: float = 60.0) -> None:
        self.slos = slos
        self.stale_after = stale_after
        self.last: dict[str, SloSample] = {}

    def update(self, samples: list[SloSample], now: float | None = None) -> list[SloReading]:
        by_id = {s.slo_id: s for s in samples}
        out = []
        for slo in self.slos:
            s = by_id.get(slo.id)
            if s is None:
                out.append(SloReading(slo=slo, state="nodata", value=None, note="not fetched yet"))
                continue
            ref_now = now if now is not None else s.fetched_at
            if s.error:
                good = self.last.get(slo.id)
                if good is None:
                    out.append(SloReading(slo=slo, state="error", value=None, error=s.error))
                else:
                    age = max(0.0, ref_now - (good.sample_time or good.fetched_at))
                    out.append(SloReading(slo=slo, state="stale", value=good.value, series=good.series,
                                          age=age, error=s.error))
                continue
            if s.value is None or math.isnan(s.value):
                out.append(SloReading(slo=slo, state="nodata", value=None, series=s.series, note=s.note,
                                      sample_time=s.sample_time))
                continue
            self.last[slo.id] = s
            age = max(0.0, ref_now - (s.sample_time or s.fetched_at))
            state = _judge(slo, s.value)
            if age > self.stale_after:
                state = "stale"
            out.append(SloReading(slo=slo, state=state, value=s.value, series=s.series, age=age,
                                  note=s.note, breached=state == "crit"))
        return out


def _judge(slo: SloConfig, value: float) -> str:
    def past(t: float | None) -> bool:
        return t is not None and (value > t if slo.direction == "above" else value < t)

    return "crit" if past(slo.crit) else "warn" if past(slo.warn) else "ok"


def make_tracker(slos: list[SloConfig], stale_after: float, speed: float = 1.0) -> Any:
    """``speed``: a drill's (a pane's ``for`` hold is scenario time)."""
    if importlib.util.find_spec("warroom.sources.evaluate") is not None:
        from warroom.sources.evaluate import SloTracker

        return SloTracker(slos, stale_after, speed=speed)
    return _LocalTracker(slos, stale_after)


def fetch_readings(source: MetricSource, tracker: Any, slos: list[SloConfig],
                   now: float) -> tuple[list[SloReading], str]:
    """Blocking: fetch and judge. Returns the readings and a one-word source health."""
    try:
        samples = source.fetch(slos)
    except Exception as exc:  # noqa: BLE001 - a broken source must never take the UI down
        samples = [SloSample(slo_id=s.id, value=None, fetched_at=now,
                             error=f"{type(exc).__name__}: {exc}") for s in slos]
    readings = tracker.update(samples, now)
    from warroom.sources.model import source_health

    health = source_health([(getattr(s, "error_kind", None) or "error") if s.error else None
                            for s in samples])
    return readings, health
