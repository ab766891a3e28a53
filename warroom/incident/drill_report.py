"""The end-of-drill report: response times against the targets, what was done, how the panes ended.

Built from two things that are already on disk: the drill (its clock, the simulator, the actions
the stand-ins recorded) and the incident declared on it (``warroom.incident.state``, rebuilt from
the journal). The result is plain data; the dashboard renders it and the CLI can print it.

Times are judged in drill time (wall minutes x speed: a drill run ten times faster than real
time lives ten scenario minutes per wall minute) against the seeds' targets (detect < 5,
mobilise < 10, root cause < 15, mitigate < 30, resolve < 60 minutes) and the runbook's own
``mttr_target``; wall minutes are given beside. Time to detect counts from the moment the
scenario's primary pane crossed its critical threshold, which only the drill knows; the other
milestones come from the incident state.

The panes' numbers (at impact start, at detection, worst and when, at resolution) come from
:mod:`warroom.incident.metric_history` over the incident's window — the same function and the
same window the PIR's SLO evidence is read with, so the two documents give the same numbers.
A pane is "recovered" only on the good side of its warn threshold and not getting worse.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from warroom.config import SloConfig, default_slos
from warroom.drill.actions import ACTIONS
from warroom.drill.directory import Drill
from warroom.scenario_time import Span
from warroom.incident.state import RESPONSE_TARGETS, IncidentState
from warroom.units import format_value


@dataclass(frozen=True)
class ResponseRow:
    key: str                      # detected | mobilised | root_cause | mitigated | resolved
    label: str
    target_min: float
    at: float | None              # unix time the milestone was reached
    minutes: float | None         # wall minutes from its starting point
    drill_minutes: float | None   # the same span in drill time (x speed): what the target judges
    met: bool | None              # None: not reached (yet) or no starting point


@dataclass(frozen=True)
class ActionRow:
    at: float                     # unix time
    t: float                      # drill seconds
    action: str
    description: str
    command: str
    effective: bool               # it bent the scenario (its prerequisites were met)
    mitigation: bool = True       # it can bend this scenario at all (a page or a status update cannot)
    change: str = ""              # what it changed, from the simulator: the pane with and without it


@dataclass(frozen=True)
class PaneOutcome:
    pane: str
    title: str
    crit: float | None
    at_detection: float | None
    worst: float | None
    now: float | None
    recovered: bool
    unit: str = "count"                 # the pane's unit, for ``warroom.units.format_value``
    at_start: float | None = None
    worst_at: float | None = None         # unix time of the worst value
    at_resolution: float | None = None
    worsening: bool = False


@dataclass(frozen=True)
class DrillReport:
    drill: str
    scenario: str
    title: str
    runbook: str
    speed: float
    incident: str | None
    breach_at: float | None
    generated_at: float
    declared_before_breach: bool
    responses: tuple[ResponseRow, ...]
    actions: tuple[ActionRow, ...]
    resolution_done: tuple[str, ...]
    resolution_missing: tuple[str, ...]
    panes: tuple[PaneOutcome, ...]
    recovered: bool
    summary: tuple[str, ...]
    mttr_target_min: float | None = None

    @property
    def met(self) -> int:
        return sum(1 for r in self.responses if r.met)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def breach_time(drill: Drill, *, pane: str | None = None, slos: list[SloConfig] | None = None,
                at: float | None = None) -> float | None:
    """Unix time the scenario's primary pane (or ``pane``) first reached critical, if it has.

    The dashboard can pass this as the declaration's ``source.started_at`` so the incident's own
    time-to-detect (and the PIR) count from the real start of impact.
    """
    pane = pane or drill.scenario.primary
    slo = _slo(pane, slos)
    if slo is None or slo.crit is None:
        return None
    t_end = drill.scenario_time(at)
    t = drill.simulator.first_crossing(pane, slo.crit, -3600.0, t_end, step=5.0)
    return None if t is None else drill.wall_time(t)


def _slo(pane: str, slos: list[SloConfig] | None) -> SloConfig | None:
    return next((s for s in (slos or default_slos()) if s.id == pane), None)


def _before(first: float | None, t: float) -> bool:
    return first is not None and first <= t


def _ts(d: datetime | None) -> float | None:
    return None if d is None else d.timestamp()


def drill_report(drill: Drill, state: IncidentState | None = None, *, at: float | None = None,
                 slos: list[SloConfig] | None = None) -> DrillReport:
    """Everything the end-of-drill screen shows, as plain data."""
    at = time.time() if at is None else at
    sc = drill.scenario
    sim = drill.simulator
    breach = breach_time(drill, slos=slos, at=at)
    phases: dict[str, float | None] = {}
    if state is not None:
        phases = {k: _ts(v) for k, v in state.phases.items()}
    if phases.get("started") is None:
        phases["started"] = breach
    detected = phases.get("detected")
    started = phases.get("started")
    # Declared before the primary pane went critical (or it never did): caught ahead of impact.
    ahead = detected is not None and (started is None or started > detected)
    if ahead:
        phases["started"] = detected
    rows = []
    for key, label, target, base in RESPONSE_TARGETS:
        reached = phases.get(key)
        start = phases.get(base)
        minutes = None if reached is None or start is None else max(0.0, (reached - start) / 60.0)
        drill_min = None if minutes is None else minutes * drill.speed
        rows.append(ResponseRow(key, label, target, reached, minutes, drill_min,
                                None if drill_min is None else drill_min < target))

    signals = sim.signals
    mitigating = set(sc.mitigating_actions())
    actions = []
    for a in drill.actions():
        if a.action not in ACTIONS or a.action in ("set_env", "set_image"):
            continue
        effective = any(
            m.action == a.action and all(_before(signals.first(r), a.t) for r in m.requires)
            for f in sc.faults for m in f.mitigations
        )
        actions.append(ActionRow(a.ts, a.t, a.action, ACTIONS[a.action], " ".join((a.tool, *a.argv)).strip(),
                                 effective, a.action in mitigating,
                                 _change(drill, a, slos, drill.scenario_time(at)) if effective else ""))
    taken = {a.action for a in actions}
    done = tuple(k for k in sc.resolution if k in taken)
    missing = tuple(k for k in sc.resolution if k not in taken)

    panes = _panes(drill, state, slos, at, breach)
    recovered = panes[0].recovered if panes else False
    mttr = None
    if state is not None and state.runbook and state.runbook.get("mttr_target"):
        from warroom.durations import parse_duration

        try:
            mttr = parse_duration(str(state.runbook["mttr_target"])) / 60.0
        except ValueError:
            mttr = None
    report = DrillReport(
        drill=drill.name, scenario=sc.name, title=sc.title, runbook=sc.runbook, speed=drill.speed,
        incident=state.id if state is not None and state.id else drill.incident,
        breach_at=breach, generated_at=at, declared_before_breach=ahead, responses=tuple(rows), actions=tuple(actions),
        resolution_done=done, resolution_missing=missing, panes=tuple(panes), recovered=recovered,
        summary=(), mttr_target_min=mttr,
    )
    return _with_summary(report)


EFFECT_AFTER = 600.0      # scenario seconds after an action at which its effect is read


def _change(drill: Drill, action: Any, slos: list[SloConfig] | None, t_now: float) -> str:
    """What one action changed, from the simulator's own causes: the primary pane some minutes
    after it, as it is and as it would be had everything else been done but this."""
    from warroom.drill.simulator import Simulator

    sc = drill.scenario
    t = min(action.t + EFFECT_AFTER, t_now)
    if t <= action.t:
        return ""
    recorded = tuple(drill.actions())
    without = tuple(a for a in recorded if a != action)
    slo = _slo(sc.primary, slos)
    unit = slo.unit if slo is not None else None
    actual = drill.simulator.pane(sc.primary, t)
    other = Simulator(sc, lambda: list(without), drill.wall_time).pane(sc.primary, t)
    if actual is None or other is None:
        return ""
    title = slo.title if slo is not None else sc.primary
    after = Span((t - action.t) / drill.speed, drill.speed).text()   # t is scenario seconds
    return (f"{title} {format_value(actual, unit)} {after} later "
            f"({format_value(other, unit)} without it)")


def _panes(drill: Drill, state: IncidentState | None, slos: list[SloConfig] | None, at: float,
           breach: float | None) -> list[PaneOutcome]:
    """The scenario's panes over the incident window, read exactly as the PIR reads them."""
    from warroom.incident.metric_history import HistoryError, grid_step, pane_history, summarise
    from warroom.incident.metric_sync import BASE_STEP, Window, incident_window, window_marks

    sc = drill.scenario
    source = drill.source(slos or default_slos())
    window = None
    marks: dict[str, float | None] = {"started": None, "detected": None, "resolved": None}
    if state is not None and state.declared_at is not None:
        window = incident_window(state, at, 3600.0, drill.speed)
        marks = window_marks(state)
    if window is None:
        start = breach if breach is not None else at - 1800.0 / drill.speed
        start = min(start, at)
        window = Window(start, at, grid_step(start, at, BASE_STEP / drill.speed))
        marks = {"started": breach, "detected": None, "resolved": None}
    out = []
    for pane in dict.fromkeys((sc.primary, *sc.breaches)):
        slo = _slo(pane, slos)
        if slo is None:
            continue
        try:
            hist = pane_history(source, slo, window.start, window.end, window.step)
        except HistoryError:
            out.append(PaneOutcome(pane, slo.title, slo.crit, None, None, None, False, slo.unit))
            continue
        e = summarise(hist, marks, (window.start, window.end))
        last = hist.value_at(marks.get("resolved") or window.end)
        now = last.value if last is not None else None
        worsening = bool(e["worsening"])
        recovered = now is not None and hist.good(now) and not worsening

        def val(key: str, e: dict[str, Any] = e) -> float | None:
            return e[key]["value"] if e.get(key) else None

        out.append(PaneOutcome(pane, slo.title, slo.crit, val("at_detection"), val("worst"), now, recovered,
                               slo.unit, at_start=val("at_start"), worst_at=e["worst"]["at"] if e.get("worst") else None,
                               at_resolution=val("at_resolution"), worsening=worsening))
    return out


def _with_summary(r: DrillReport) -> DrillReport:
    lines = []
    primary = r.panes[0] if r.panes else None
    for row in r.responses:
        if row.key == "detected" and r.declared_before_breach:
            what = primary.title if primary is not None else "the primary pane"
            lines.append(f"{row.label}: declared before {what} reached critical "
                         f"(target < {row.target_min:g} min): met.")
            continue
        if row.minutes is None:
            lines.append(f"{row.label}: not reached (target < {row.target_min:g} min).")
            continue
        verdict = "met" if row.met else "missed"
        took = Span(row.minutes * 60, r.speed).text()   # drill time first, the wall time beside
        lines.append(f"{row.label}: {took} (target < {row.target_min:g} min): {verdict}.")
        if row.key == "resolved" and r.mttr_target_min is not None and row.drill_minutes is not None:
            ok = row.drill_minutes < r.mttr_target_min
            lines.append(f"Runbook {r.runbook} MTTR target < {r.mttr_target_min:g} min: {'met' if ok else 'missed'}.")
    if r.resolution_missing:
        lines.append("Not done: " + ", ".join(ACTIONS.get(k, k) for k in r.resolution_missing) + ".")
    wasted = [a for a in r.actions if not a.effective and a.mitigation]
    if wasted:
        lines.append("Taken too early to help: " + ", ".join(sorted({a.description for a in wasted})) + ".")
    for pane in r.panes:
        if pane.recovered:
            state = "recovered (under its warn threshold and not rising)"
        elif pane.worsening:
            state = "still getting worse"
        elif pane.now is not None and pane.crit is not None and pane.now > pane.crit:
            state = "still above its critical threshold"
        else:
            state = "not recovered (above its warn threshold)"
        lines.append(f"{pane.title} is {state}"
                     + (f" ({format_value(pane.now, pane.unit)} vs critical {format_value(pane.crit, pane.unit)})."
                        if pane.now is not None and pane.crit is not None else "."))
    return DrillReport(**{**r.__dict__, "summary": tuple(lines)})


__all__ = ["ActionRow", "DrillReport", "PaneOutcome", "ResponseRow", "breach_time", "drill_report"]
