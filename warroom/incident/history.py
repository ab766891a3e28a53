"""An incident's metric history, kept in its directory when it is resolved.

What the panes showed over the incident's window (from an hour before impact, or before the
declaration, to the resolution) is saved as ``metrics.json``: one series per SLO pane, with the
pane's query, unit and thresholds. It outlives the Prometheus retention and the drill world, so
``warroom drill --replay INC-…`` can replay the very curves the team worked against, and the
numbers a review quotes can be checked against what was on screen.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import msgspec

from warroom import scenario_time as stime
from warroom.config import Direction, Severity, SloConfig, Unit
from warroom.errors import NotFoundError, WarroomError
from warroom.incident.files import write_private_file
from warroom.incident.metric_history import MAX_POINTS, PaneHistory, mark_readings
from warroom.incident.metric_sync import BASE_STEP, incident_window, read_histories, window_marks
from warroom.journal import numbers

HISTORY_FILE = "metrics.json"
LEAD = 3600.0            # seconds (scenario seconds in a drill) of history kept before detection
MAX_BYTES = 16 * 2**20   # a saved window is at most MAX_POINTS points per pane: well under this


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
    unread: tuple[tuple[str, str], ...] = ()   # (pane id, why it could not be read when recorded)

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
    from warroom.incident.history_memo import MEMO_FILE, HistoryMemo

    memo = HistoryMemo(Path(incident_dir) / MEMO_FILE)    # the window sync_metrics read: mostly kept already
    histories, errors = read_histories(source, slos, window, memo=memo)
    memo.save()
    if not histories:
        raise WarroomError("; ".join(errors) or "no pane could be read")
    if not any(h.points or h.stale for h in histories.values()):
        # nothing to replay and nothing to quote: kept, it said "saved ... replays them" and the
        # replay was refused; not kept, a later export saves the window once the source has it
        span = "–".join(time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(t)) for t in (window.start, window.end))
        raise WarroomError(f"the metric source answered nothing over the incident window ({span} UTC): no pane"
                           " has a single point, so nothing was kept" + "".join(f"; {e}" for e in errors))
    marks, defined = window_marks(state), state.impact_start_reading()
    panes = []
    for slo in slos:
        h = histories.get(slo.id)
        readings = mark_readings(source, h, marks, defined) if h is not None else {}
        panes.append({"id": slo.id, "title": slo.title, "query": slo.query, "unit": slo.unit,
                      "warn": slo.warn, "crit": slo.crit, "direction": slo.direction,
                      "runbook": slo.runbook, "severity": slo.severity,
                      "points": [[t, numbers.encode(v)] for t, v in h.points] if h is not None else [],
                      "readings": [[t, numbers.encode(v)] for t, v in sorted(readings.items())],
                      # the points the pane called STALE (value, data age): kept apart, never judged
                      "stale": [[t, numbers.encode(v), a] for t, v, a in h.stale] if h is not None else [],
                      "error": None if h is not None else next((e for e in errors if e.startswith(slo.title)), None)})
    doc = {"version": 1, "incident": state.id, "title": state.title, "severity": state.severity,
           "runbook": (state.runbook or {}).get("id"), "start": window.start, "end": window.end,
           "step": window.step, "time_scale": scale, "panes": panes}
    path = Path(incident_dir) / HISTORY_FILE
    write_private_file(path, json.dumps(doc).encode("utf-8"))   # atomic, 0600, never via a symlink
    return path


Moment = Annotated[float, msgspec.Meta(ge=0, lt=1e11)]   # a unix time a date can show (1970 to 5138)
#: A pane's value: a number, or ±Inf in its Prometheus form (``warroom.journal.numbers``; JSON has
#: no infinity). NaN is never recorded: the pane shows NO DATA for it, the history has no point.
Value = float | Literal["+Inf", "-Inf"]


def behind(incident_dir: Path, state: Any) -> bool:
    """Whether the resolved incident's saved metrics are missing, or end before its (last)
    resolution: reopened and resolved again while its source did not answer. A damaged file is
    not behind: it is kept for a person to look at (the PIR names it), never overwritten."""
    try:
        saved = load_history(incident_dir)
    except NotFoundError:
        return True
    except WarroomError:
        return False
    return state.resolved_at is not None and saved.end < state.resolved_at.timestamp() - saved.step


def replay_command(incident_dir: str | Path) -> str:
    """The command that replays the incident kept in ``incident_dir``, its state dir named (ids are
    numbered per state dir: a rehearsal or a drill incident can bear a real incident's id)."""
    from warroom.paths import command

    where = Path(incident_dir).resolve()
    return command("drill", "--replay", where.name, "--state-dir", str(where.parent.parent))


class _Pane(msgspec.Struct):
    """One pane as ``record_history`` writes it (``error``: why it could not be read)."""

    id: Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z_][A-Za-z0-9_-]*$")]   # a config pane id
    points: list[tuple[Moment, Value]]
    readings: list[tuple[Moment, Value]] = msgspec.field(default_factory=list)   # at the marks, exactly
    #: (time, value, data age): grid points whose data was stale (``PaneHistory.stale``)
    stale: list[tuple[Moment, Value, Annotated[float, msgspec.Meta(ge=0)]]] = msgspec.field(default_factory=list)
    title: str = ""
    query: str = ""
    unit: Unit = "count"
    warn: float | None = None
    crit: float | None = None
    direction: Direction = "above"
    runbook: str | None = None
    severity: Severity | None = None
    error: str | None = None


class _Saved(msgspec.Struct):
    """``metrics.json``: every key typed, so a wrong one is an error naming it (``$.panes[2].warn``)."""

    version: Literal[1]
    incident: str
    start: Moment
    end: Moment
    step: Annotated[float, msgspec.Meta(ge=1e-3)]
    panes: list[_Pane]
    title: str = ""
    severity: Severity | Literal[""] = ""
    runbook: str | None = None
    time_scale: Annotated[float, msgspec.Meta(gt=0, le=stime.MAX_SPEED)] = 1.0


def _values(pairs: list[tuple[float, float | str]]) -> tuple[tuple[float, float], ...]:
    """Saved (time, value) pairs in time order, each value read by the one codec ("+Inf" is inf)."""
    return tuple(sorted((t, numbers.decode(v)) for t, v in pairs))      # type: ignore[misc]


def load_history(incident_dir: Path) -> History:
    """The saved history of an incident; errors name the file and what is wrong (a key, a size).

    Read as untrusted input (an incident directory is copied around, edited, truncated): at most
    ``MAX_BYTES``, every value of the type ``record_history`` writes (a number, or "+Inf"/"-Inf"), times in order."""
    path = Path(incident_dir) / HISTORY_FILE
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise NotFoundError(f"{path}: no saved metrics (they are saved when the incident is resolved, or"
                            " exported after, while its metric source answers)") from None
    except OSError as exc:
        raise WarroomError(f"{path}: cannot read the saved metrics: {exc.strerror or exc}") from None
    if len(data) > MAX_BYTES:
        raise WarroomError(f"{path}: larger than {MAX_BYTES // 2**20} MiB, more than a saved incident window"
                           f" holds ({MAX_POINTS} points per pane); not read")
    try:
        doc = msgspec.json.decode(data, type=_Saved)
    except msgspec.DecodeError as exc:
        raise WarroomError(f"{path}: malformed saved metrics ({exc})") from None
    span = doc.end - doc.start
    if span < 0 or not doc.panes or doc.step > max(span, stime.of_scenario(doc, BASE_STEP).wall_seconds):
        raise WarroomError(f"{path}: malformed saved metrics (start after end, no panes, or $.step longer"
                           " than the window)")
    ids = [p.id for p in doc.panes]
    for i, p in enumerate(doc.panes):
        # the window's grid (``grid_step``): at most MAX_POINTS steps, from a step before the start
        off = sum(not doc.start - doc.step - 1e-3 <= t <= doc.end + 1e-3
                  for t in (*(t for t, _ in (*p.points, *p.readings)), *(t for t, _, _ in p.stale)))
        # one value per time: a pane showed one value at a time (two would make the replay, the worst
        # and the PIR pick one of them by sort order, never say which the screen showed)
        twice = next((f"two values at {t:g}" for times in ([t for t, _ in p.points] + [t for t, _, _ in p.stale],
                                                            [t for t, _ in p.readings])
                      for t, n in Counter(times).items() if n > 1), None)
        why = (f"a second pane {p.id!r}" if p.id in ids[:i] else f"{off} points outside the window" if off
               else twice if twice
               else f"{len(p.readings)} readings, more than the incident's 3 marks" if len(p.readings) > 3
               else f"{len(p.points)} points, more than a window of {span:g} s every {doc.step:g} s holds"
               if len(p.points) + len(p.stale) > min(span / doc.step, MAX_POINTS) + 2 else None)
        if why:
            raise WarroomError(f"{path}: malformed saved metrics ($.panes[{i}]: {why})")
    if doc.incident != Path(incident_dir).name:     # a copy of another incident's file is not this one's past
        raise WarroomError(f"{path}: holds the metrics of {doc.incident}, not of {Path(incident_dir).name}")
    panes = []
    for p in doc.panes:
        slo = SloConfig(id=p.id, title=p.title or p.id, query=p.query, unit=p.unit, warn=p.warn, crit=p.crit,
                        direction=p.direction, runbook=p.runbook, severity=p.severity)
        stale = tuple(sorted((t, numbers.decode(v), float(a)) for t, v, a in p.stale))   # type: ignore[misc]
        panes.append(PaneHistory(slo, _values(p.points), doc.step, readings=_values(p.readings), stale=stale))
    return History(incident_id=doc.incident, start=doc.start, end=doc.end, step=doc.step, panes=tuple(panes),
                   title=doc.title, severity=doc.severity, runbook=doc.runbook, time_scale=doc.time_scale,
                   unread=tuple((p.id, p.error) for p in doc.panes if p.error and not p.points))
