"""An incident's metric history, kept in its directory when it is resolved.

What the panes showed over the incident's window (from an hour before impact, or before the
declaration, to the resolution) is saved as ``metrics.json``: one series per SLO pane, with the
pane's query, unit and thresholds. It outlives the Prometheus retention and the drill world, so
``warroom drill --replay INC-…`` can replay the very curves the team worked against, and the
numbers a review quotes can be checked against what was on screen.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from warroom.config import SloConfig
from warroom.errors import NotFoundError, WarroomError

HISTORY_FILE = "metrics.json"
LEAD = 3600.0            # seconds of history kept before impact started
STEP = 15.0


@dataclass(frozen=True)
class PaneHistory:
    slo: SloConfig
    points: tuple[tuple[float, float], ...]      # (unix time, value), finite values only

    def at(self, t: float) -> float | None:
        """The newest recorded value at or before ``t`` (None before the first)."""
        lo, hi = 0, len(self.points)
        while lo < hi:
            mid = (lo + hi) // 2
            if self.points[mid][0] <= t:
                lo = mid + 1
            else:
                hi = mid
        return self.points[lo - 1][1] if lo else None


@dataclass(frozen=True)
class History:
    incident_id: str
    start: float
    end: float
    step: float
    panes: tuple[PaneHistory, ...]
    title: str = ""
    severity: str = ""
    runbook: str | None = None
    time_scale: float = 1.0          # a drill's speed: scenario seconds per recorded second

    def pane(self, slo_id: str) -> PaneHistory | None:
        return next((p for p in self.panes if p.slo.id == slo_id), None)


def _series(source: Any, query: str, start: float, end: float, step: float) -> list[tuple[float, float]]:
    """One pane's values over the window: a range query where the source has one, else instant
    queries; where several series come back, the highest at each time (as the pane shows)."""
    best: dict[float, float] = {}
    if hasattr(source, "query_range"):
        for _labels, points in source.query_range(query, start, end, step):
            for t, v in points:
                if math.isfinite(v):
                    best[t] = max(v, best.get(t, -math.inf))
    else:
        n = int((end - start) // step) + 1
        for i in range(n):
            t = start + i * step
            sample = source.instant(query, at=t)
            if sample.value is not None and math.isfinite(sample.value):
                best[t] = sample.value
    return sorted(best.items())


def record_history(incident_dir: Path, state: Any, slos: list[SloConfig], source: Any,
                   *, now: float | None = None) -> Path:
    """Query every pane over the incident's window and write ``metrics.json`` (atomically).
    Raises ``WarroomError`` (or the source's query error) when the source cannot answer."""
    began = state.phases.get("started") or state.clock_start
    ended = state.phases.get("resolved") or state.resolved_at
    if began is None:
        raise WarroomError(f"{state.id}: no start to save metrics from")
    # A drill lives in scenario time: an hour of lead and a 15 s step are scenario seconds.
    scale = state.time_scale
    step = STEP / scale
    start = math.floor((began.timestamp() - LEAD / scale) / step) * step
    end = ended.timestamp() if ended is not None else (now or start)
    panes = []
    for slo in slos:
        panes.append({"id": slo.id, "title": slo.title, "query": slo.query, "unit": slo.unit,
                      "warn": slo.warn, "crit": slo.crit, "direction": slo.direction,
                      "runbook": slo.runbook, "severity": slo.severity,
                      "points": _series(source, slo.query, start, end, step)})
    doc = {"version": 1, "incident": state.id, "title": state.title, "severity": state.severity,
           "runbook": (state.runbook or {}).get("id"), "start": start, "end": end, "step": step,
           "time_scale": scale, "panes": panes}
    path = Path(incident_dir) / HISTORY_FILE
    fd, tmp = tempfile.mkstemp(prefix=".metrics.", dir=incident_dir)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(doc, fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def load_history(incident_dir: Path) -> History:
    """The saved history of an incident; errors name the file and what is wrong."""
    path = Path(incident_dir) / HISTORY_FILE
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise NotFoundError(f"{path}: no saved metrics (they are saved when the incident is resolved)") from None
    except (OSError, ValueError) as exc:
        raise WarroomError(f"{path}: cannot read the saved metrics: {exc}") from None
    try:
        panes = []
        for p in doc["panes"]:
            slo = SloConfig(id=str(p["id"]), title=str(p.get("title") or p["id"]), query=str(p.get("query") or ""),
                            unit=str(p.get("unit") or "count"), warn=p.get("warn"), crit=p.get("crit"),
                            direction=str(p.get("direction") or "above"), runbook=p.get("runbook"),
                            severity=p.get("severity"))
            points = tuple((float(t), float(v)) for t, v in p.get("points", []))
            panes.append(PaneHistory(slo, points))
        return History(incident_id=str(doc["incident"]), start=float(doc["start"]), end=float(doc["end"]),
                       step=float(doc.get("step") or STEP), panes=tuple(panes), title=str(doc.get("title") or ""),
                       severity=str(doc.get("severity") or ""), runbook=doc.get("runbook"),
                       time_scale=float(doc.get("time_scale") or 1.0))
    except (KeyError, TypeError, ValueError) as exc:
        raise WarroomError(f"{path}: malformed saved metrics ({exc})") from None
