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
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from warroom import scenario_time as stime
from warroom.config import SloConfig
from warroom.errors import NotFoundError, WarroomError
from warroom.incident.files import write_private_file
from warroom.incident.history_file import Saved, read_saved
from warroom.incident.metric_history import PaneHistory, mark_readings
from warroom.incident.metric_sync import incident_window, read_histories, window_marks
from warroom.journal import numbers

HISTORY_FILE = "metrics.json"
NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")     # a recorded query's id, as a pane's
LEAD = 3600.0            # seconds (scenario seconds in a drill) of history kept before detection


MAX_SERIES = 20          # series kept of one judged query (a criterion takes their worst: a few at most)


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
    #: what the runbooks' Go/No-Go criteria, branch conditions and verify gates read beyond the panes
    #: (``judged_queries``): one history per series, its ``slo`` naming the query (``query``, ``title``, ``unit``)
    queries: tuple[PaneHistory, ...] = ()
    unrecorded: tuple[tuple[str, str], ...] = ()   # (query, why it could not be recorded)

    def pane(self, slo_id: str) -> PaneHistory | None:
        return next((p for p in self.panes if p.slo.id == slo_id), None)


def judged_queries(runbooks: Iterable[Any], slos: Iterable[SloConfig]) -> list[tuple[str, str, str, str]]:
    """(name, title, PromQL, unit) of every query the ``runbooks``' decisions (their GO, NO-GO and ``applies_when``
    criteria), branch conditions, verify gates and PromQL steps read that no pane reads (a pane's curve is recorded
    already), each once: what a replay must answer for its Go/No-Go and gates to be judged on the recording (redteam48
    F7: RB-LAUNCH-005's rehearsed decision was all "unknown", "recorded only its panes' queries"), and for the steps
    either side of it runs (attack49 F4's NO-GO side: RB-CORE-004 stays on NO-GO and validates by the 15-minute
    failure rate; its GO's RB-LAUNCH-002 checks the pilot by flows per repository: "not recorded"). A gate or
    criterion naming a pane reads the pane's query; one the runbook refused reads nothing; a step with a parameter in
    its query (its value is the rehearsal's) is not recorded."""
    from warroom.runbook.criterion_query import criteria_of
    from warroom.sources.verify import VerifyError, parse_verify

    slos = list(slos)
    panes = {" ".join(s.query.split()) for s in slos} | {s.id for s in slos}
    out: dict[str, tuple[str, str, str, str]] = {}

    def add(name: str, title: str, promql: str | None, unit: str) -> None:
        words = " ".join((promql or "").split())
        if words and words not in panes and words not in out:
            out[words] = (name if NAME_RE.match(name) else f"q{len(out) + 1}", title or promql or "", promql or "",
                          unit)

    for rb in runbooks:
        for c in (*(c for d in rb.decisions for c in criteria_of(d)), *(b.condition for b in rb.branches)):
            if c.promql and not c.refused:
                add(c.query or "", c.measure.title if c.measure else "", c.promql, c.measure.unit if c.measure
                    else "count")
        for st in rb.steps:
            if st.kind == "promql" and st.command and "{{" not in st.command:
                add(st.id, st.label, st.command, "count")     # a step a path runs reads it (the PromQL steps)
            if st.verify:
                try:
                    gate = parse_verify(st.verify, slos, rb.queries)
                except VerifyError:
                    continue        # lint says why; the gate never watched anything
                if gate.slo is None:
                    add(gate.left, gate.title, gate.expr, gate.measure.unit if gate.measure else "count")
    return list(out.values())


def record_history(incident_dir: Path, state: Any, slos: list[SloConfig], source: Any,
                   *, now: float | None = None, runbooks: Iterable[Any] = ()) -> Path:
    """Read every pane over the incident's window (the PIR's own window and range queries,
    ``warroom.incident.metric_sync``) and write ``metrics.json`` atomically. Raises
    ``WarroomError`` when there is no window or no pane could be read.

    A ``metrics.json`` saved before (resolved, reopened, resolved again) fills what the source no
    longer answers (``read_histories``: the window's start past Prometheus' retention), so writing
    the longer window never drops the part only the first save still held (attack40 A8).

    ``runbooks``: the incident's (its current one and any open beside): the queries their decisions, branches,
    verify gates and PromQL steps read beyond the panes are recorded too (``judged_queries``), so a replay judges a
    rehearsed Go/No-Go and gates on the recording."""
    import time

    scale = state.time_scale
    window = incident_window(state, stime.now() if now is None else now, LEAD, speed=scale)
    if window is None:
        raise WarroomError(f"{state.id}: no detection time to save metrics from")
    from warroom.incident.history_memo import MEMO_FILE, HistoryMemo

    memo = HistoryMemo(Path(incident_dir) / MEMO_FILE)    # the window sync_metrics read: mostly kept already
    before = Path(incident_dir) / HISTORY_FILE
    saved = (lambda: load_history(incident_dir, state=state, panes=[s.id for s in slos])) if before.exists() else None
    histories, errors = read_histories(source, slos, window, saved, memo=memo)
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
        readings = mark_readings(source, h, marks, defined) if h is not None else {}   # the marks' only
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
           "step": window.step, "time_scale": scale, "panes": panes,
           **({"queries": judged} if (judged := _judged(source, runbooks, slos, window)) else {})}
    path = Path(incident_dir) / HISTORY_FILE
    write_private_file(path, json.dumps(doc).encode("utf-8"))   # atomic, 0600, never via a symlink
    return path


#: at most this many runbooks a decision could open are added to an incident's own (``runbooks_of``)
MAX_REACHABLE = 8


def runbooks_of(inc: Any) -> list[Any]:
    """The runbooks ``inc`` works from (its current one and any open beside), then every runbook a decision of
    theirs would open on GO (``on_go``, and theirs in turn, at most :data:`MAX_REACHABLE`, from the library as a GO
    would take it), for ``record_history``: a rehearsal is for taking the decision again, perhaps the other way, and
    the GO path's criteria and verify gates must read the recording too (attack49 F4: RB-CORE-004's GO opens
    RB-LAUNCH-002, whose Go/No-Go and rollback gate read "not recorded"). A copy that cannot be read (removed, its
    hash not the journal's) or a GO target the library lacks records no queries of its own; the panes are recorded
    all the same, and a replay says the queries it lacks were not recorded."""
    try:
        books = list(inc.open_runbooks())
    except (WarroomError, OSError):
        return []
    from warroom.incident import runbook_ref

    seen = {str(b.id).lower() for b in books}
    todo = [d.on_go for b in books for d in b.decisions if d.on_go]
    added = 0
    while todo and added < MAX_REACHABLE:
        ref = todo.pop(0)
        if ref.lower() in seen:
            continue
        seen.add(ref.lower())
        try:
            book = inc.shelf.load(runbook_ref.resolve_ref(ref, inc.config))    # the pane-reading criteria, as a GO's
        except (WarroomError, OSError):
            continue        # lint names an on_go the library lacks; a GO there opens nothing either
        books.append(book)
        added += 1
        todo.extend(d.on_go for d in book.decisions if d.on_go)
    return books


def _judged(source: Any, runbooks: Iterable[Any], slos: list[SloConfig], window: Any) -> list[dict[str, Any]]:
    """``judged_queries`` read over ``window`` through ``source``, as metrics.json keeps them: one entry per series
    (its labels, its points on the window's grid; NaN is no point), or one with the query's ``error``."""
    from warroom.sources.prom_results import QueryError

    out: list[dict[str, Any]] = []
    for name, title, promql, unit in judged_queries(runbooks, slos):
        head = {"id": name, "title": title, "query": promql, "unit": unit}
        try:
            result = source.query_range(promql, window.start, window.end, window.step)
        except (WarroomError, QueryError, ValueError, OSError) as exc:
            out.append({**head, "labels": {}, "points": [], "error": str(exc) or type(exc).__name__})
            continue
        for labels, points in list(result)[:MAX_SERIES]:
            kept = sorted((round(float(t), 3), float(v)) for t, v in points if v is not None and not math.isnan(v)
                          and window.start - window.step - 1e-3 <= float(t) <= window.end + 1e-3)
            out.append({**head, "labels": {str(k): str(v) for k, v in dict(labels).items()},
                        "points": [[t, numbers.encode(v)] for t, v in kept]})
    return out


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
    """The command that replays the incident kept in ``incident_dir``, its state dir named (ids were
    numbered per state dir: a rehearsal or a drill incident can bear a real incident's id)."""
    from warroom.paths import command

    where = Path(incident_dir).resolve()
    return command("drill", "--replay", where.name, "--state-dir", str(where.parent.parent))


def load_history(incident_dir: Path, *, state: Any = None, panes: Iterable[str] = ()) -> History:
    """The saved history of an incident (``warroom.incident.history_file.read_saved``: errors name
    the file, the line or key, and what was expected). Every reader comes here: the replay, a
    rehearsal's world, the PIR's fallback numbers.

    With ``state`` (the incident's, from its journal) and ``panes`` (the ids of the panes its world
    was read on: the config's), the file is also checked against the incident it claims to be:
    a runbook the journal never attached, or a pane neither the world nor the journal knows, is a
    file spliced from elsewhere or edited, and replaying it would show a past that never was."""
    path = Path(incident_dir) / HISTORY_FILE
    doc = read_saved(path)
    if doc.incident != Path(incident_dir).name:     # a copy of another incident's file is not this one's past
        raise WarroomError(f"{path}: holds the metrics of {doc.incident}, not of {Path(incident_dir).name}")
    if state is not None:
        _check_recording(path, doc, state, panes)
    out = []
    for p in doc.panes:
        slo = SloConfig(id=p.id, title=p.title or p.id, query=p.query, unit=p.unit, warn=p.warn, crit=p.crit,
                        direction=p.direction, runbook=p.runbook, severity=p.severity)
        stale = tuple((_on_grid(t, doc.step), numbers.decode(v), float(a)) for t, v, a in p.stale)  # type: ignore[misc]
        points = tuple((_on_grid(t, doc.step), v) for t, v in _values(p.points))
        out.append(PaneHistory(slo, points, doc.step, readings=_values(p.readings), stale=stale))
    queries = tuple(PaneHistory(SloConfig(id=q.id, title=q.title or q.id, query=q.query, unit=q.unit), tuple(
        (_on_grid(t, doc.step), v) for t, v in _values(q.points)), doc.step, labels=tuple(sorted(q.labels.items())))
        for q in doc.queries if not q.error)
    return History(incident_id=doc.incident, start=doc.start, end=doc.end, step=doc.step, panes=tuple(out),
                   title=doc.title, severity=doc.severity, runbook=doc.runbook, time_scale=doc.time_scale,
                   unread=tuple((p.id, p.error) for p in doc.panes if p.error and not p.points), queries=queries,
                   unrecorded=tuple((q.query, q.error) for q in doc.queries if q.error))


def _values(pairs: list[tuple[float, float | str]]) -> tuple[tuple[float, float], ...]:
    """Saved (time, value) pairs (in time order: ``read_saved`` refuses any other), each value read
    by the one codec ("+Inf" is inf)."""
    return tuple((t, numbers.decode(v)) for t, v in pairs)      # type: ignore[misc]


#: Half the millisecond ``metric_history.fold`` keys a grid time by, as metrics.json keeps it.
WRITTEN_TO = 5e-4


def _on_grid(t: float, step: float) -> float:
    """A grid point's time as the grid has it (``k * step``: ``metric_history.align``, the drill's and
    Prometheus' answers), when ``t`` is within the millisecond it was written to; else ``t`` as saved.
    A drill at x3600 is recorded every 15/3600 s, no whole number of milliseconds: read as written,
    a point rounded up lay after its own grid time, and the replay showed NO DATA there (the point
    before had run out its step) or the point before for a step's fraction."""
    if step <= 4 * WRITTEN_TO:
        return t
    grid = round(t / step) * step
    return grid if abs(grid - t) <= WRITTEN_TO + 1e-9 else t


def _check_recording(path: Path, doc: Saved, state: Any, panes: Iterable[str]) -> None:
    """Refuse a file whose runbook or panes are not the incident's (see ``load_history``).

    A runbook: ``record_history`` writes the current one, always among those the journal attached
    (a switch after a resolve leaves the earlier one in the file: still attached, still known).
    A pane: the world's (the config's; a simulated drill's own panes besides) or one the journal
    names (a breach, the declaration's pane, the PIR's numbers): a pane dropped from the config
    since the incident is still known to its journal's numbers, so a real recording is never lost."""
    attached = [str(r.get("id")) for r in state.runbooks if r.get("id")]
    if doc.runbook is not None and doc.runbook not in attached:
        raise WarroomError(f"{path}: the saved metric history cannot be read: $.runbook: {doc.runbook!r} is"
                           f" not a runbook {state.id} was worked with (its journal attaches"
                           f" {', '.join(attached) or 'none'}); expected one of those, or null")
    known = set(panes) | {str(b.get("slo_id")) for b in state.breaches} | {e.slo_id for e in state.evidence}
    known |= set(((state.metric_summary or {}).get("slos") or {}).keys())
    if state.source.get("kind") == "pane" and state.source.get("ref"):
        known.add(str(state.source["ref"]))
    if state.drill and not state.drill.get("replay"):       # a simulated drill's world: its own panes
        from warroom.config import default_slos

        known |= {s.id for s in default_slos()}
    if state.drill and state.drill.get("replay"):           # a rehearsal's world: its recording's panes
        known |= _recording_panes(Path(str(state.drill.get("recording") or "")))
    for i, p in enumerate(doc.panes):
        if p.id not in known:
            raise WarroomError(f"{path}: the saved metric history cannot be read: $.panes[{i}].id: {p.id!r} is"
                               f" not a pane of {state.id} (its world and journal know"
                               f" {', '.join(sorted(known)) or 'none'}); expected one of those")


def _recording_panes(recording: Path) -> set[str]:
    """The pane ids of the recording a rehearsal replayed (its file read alone); none if unreadable."""
    try:
        return {p.id for p in read_saved(recording / HISTORY_FILE).panes}
    except WarroomError:
        return set()
