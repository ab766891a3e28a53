"""An incident's metric history, kept in its directory when it is resolved.

What the panes showed over the incident's window (from an hour before impact, or before the
declaration, to the resolution) is saved as ``metrics.json``: one series per SLO pane, with the
pane's query, unit and thresholds. It outlives the Prometheus retention and the drill world, so
``warroom drill --replay INC-…`` can replay the very curves the team worked against, and the
numbers a review quotes can be checked against what was on screen.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from warroom import scenario_time as stime
from warroom.config import SloConfig
from warroom.errors import NotFoundError, WarroomError
from warroom.incident.files import write_private_file
from warroom.incident.metric_history import PaneHistory
from warroom.incident.metric_sync import incident_window, read_histories

HISTORY_FILE = "metrics.json"
LEAD = 3600.0            # seconds (scenario seconds in a drill) of history kept before detection


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


def record_history(incident_dir: Path, state: Any, slos: list[SloConfig], source: Any,
                   *, now: float | None = None) -> Path:
    """Read every pane over the incident's window (the PIR's own window and range queries,
    ``warroom.incident.metric_sync``) and write ``metrics.json`` atomically. Raises
    ``WarroomError`` when there is no window or no pane could be read."""
    import time

    scale = state.time_scale
    window = incident_window(state, stime.now() if now is None else now, LEAD, speed=scale)
    if window is None:
        raise WarroomError(f"{state.id}: no detection time to save metrics from")
    histories, errors = read_histories(source, slos, window)
    if not histories:
        raise WarroomError("; ".join(errors) or "no pane could be read")
    panes = []
    for slo in slos:
        h = histories.get(slo.id)
        panes.append({"id": slo.id, "title": slo.title, "query": slo.query, "unit": slo.unit,
                      "warn": slo.warn, "crit": slo.crit, "direction": slo.direction,
                      "runbook": slo.runbook, "severity": slo.severity,
                      "points": [list(p) for p in h.points] if h is not None else [],
                      "error": None if h is not None else next((e for e in errors if e.startswith(slo.title)), None)})
    doc = {"version": 1, "incident": state.id, "title": state.title, "severity": state.severity,
           "runbook": (state.runbook or {}).get("id"), "start": window.start, "end": window.end,
           "step": window.step, "time_scale": scale, "panes": panes}
    path = Path(incident_dir) / HISTORY_FILE
    write_private_file(path, json.dumps(doc).encode("utf-8"))   # atomic, 0600, never via a symlink
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
        step = float(doc["step"])
        panes = []
        for p in doc["panes"]:
            slo = SloConfig(id=str(p["id"]), title=str(p.get("title") or p["id"]), query=str(p.get("query") or ""),
                            unit=str(p.get("unit") or "count"), warn=p.get("warn"), crit=p.get("crit"),
                            direction=str(p.get("direction") or "above"), runbook=p.get("runbook"),
                            severity=p.get("severity"))
            points = tuple((float(t), float(v)) for t, v in p.get("points", []))
            panes.append(PaneHistory(slo, points, step))
        return History(incident_id=str(doc["incident"]), start=float(doc["start"]), end=float(doc["end"]),
                       step=step, panes=tuple(panes), title=str(doc.get("title") or ""),
                       severity=str(doc.get("severity") or ""), runbook=doc.get("runbook"),
                       time_scale=float(doc.get("time_scale") or 1.0))
    except (KeyError, TypeError, ValueError) as exc:
        raise WarroomError(f"{path}: malformed saved metrics ({exc})") from None
