"""The end-of-drill report: response times against the targets, what was done, how the panes ended.

Built from two things that are already on disk: the drill (its clock, the simulator, the actions
the stand-ins recorded) and the incident declared on it (``warroom.incident.state``, rebuilt from
the journal). The result is plain data; the dashboard renders it and the CLI can print it.

Times are judged in the drill's own time (wall minutes x speed) against the seeds' targets
(detect < 5, mobilise < 10, root cause < 15, mitigate < 30, resolve < 60 minutes): a drill at
``--speed 10`` that took 4 wall minutes to mitigate took 40 minutes of the scenario, and missed.
Wall minutes are given beside. Time to detect counts from the moment the scenario's primary pane
crossed its critical threshold, which only the drill knows; the other milestones come from the
incident state. A pane counts as recovered only below its warning line and not rising.
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from warroom.config import SloConfig, default_slos
from warroom.drill.actions import ACTIONS
from warroom.drill.simulator import Drill
from warroom.durations import format_duration
from warroom.incident.state import RESPONSE_TARGETS, IncidentState


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
        scenario_minutes = None if minutes is None else minutes * drill.speed
        rows.append(ResponseRow(key, label, target, reached, minutes, scenario_minutes,
                                None if scenario_minutes is None else scenario_minutes < target))

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
                                 effective, a.action in mitigating))
    taken = {a.action for a in actions}
    done = tuple(k for k in sc.resolution if k in taken)
    missing = tuple(k for k in sc.resolution if k not in taken)

    t_now = drill.scenario_time(at)
    t_detect = drill.scenario_time(phases["detected"]) if phases.get("detected") else t_now
    t_from = drill.scenario_time(breach) if breach else t_now - 1800
    panes = []
    for pane in dict.fromkeys((sc.primary, *sc.breaches)):
        slo = _slo(pane, slos)
        now = sim.pane(pane, t_now)
        values = [v for v in (sim.pane(pane, t_from + i * (t_now - t_from) / 60) for i in range(61))
                  if v is not None and not math.isnan(v)]
        crit = slo.crit if slo else None
        line = slo.warn if slo is not None and slo.warn is not None else crit
        # rising: above where it was two scenario-minutes ago by more than the noise (2% of the line)
        before = sim.pane(pane, t_now - 120.0)
        margin = 0.02 * abs(line) if line else 0.0
        rising = now is not None and before is not None and not math.isnan(before) and now > before + margin
        panes.append(PaneOutcome(pane, slo.title if slo else pane, crit, sim.pane(pane, t_detect),
                                 max(values) if values else None, now,
                                 now is not None and not math.isnan(now) and (line is None or now < line)
                                 and not rising,
                                 slo.unit if slo else "count"))
    recovered = panes[0].recovered if panes else False
    report = DrillReport(
        drill=drill.name, scenario=sc.name, title=sc.title, runbook=sc.runbook, speed=drill.speed,
        incident=state.id if state is not None and state.id else drill.incident,
        breach_at=breach, generated_at=at, declared_before_breach=ahead, responses=tuple(rows), actions=tuple(actions),
        resolution_done=done, resolution_missing=missing, panes=tuple(panes), recovered=recovered,
        summary=(),
    )
    return _with_summary(report)


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
        took = format_duration((row.drill_minutes if row.drill_minutes is not None else row.minutes) * 60)
        wall = f" ({format_duration(row.minutes * 60)} wall)" if r.speed != 1 else ""
        lines.append(f"{row.label}: {took}{' in drill time' if r.speed != 1 else ''}{wall}"
                     f" (target < {row.target_min:g} min): {verdict}.")
    if r.resolution_missing:
        lines.append("Not done: " + ", ".join(ACTIONS.get(k, k) for k in r.resolution_missing) + ".")
    wasted = [a for a in r.actions if not a.effective and a.mitigation]
    if wasted:
        lines.append("Taken too early to help: " + ", ".join(sorted({a.description for a in wasted})) + ".")
    if primary is not None:
        state = "back under its warning line and steady" if primary.recovered else "not recovered yet: above"
        lines.append(f"{primary.title} is {state}" + ("" if primary.recovered else " its warning line or rising")
                     + (f" ({primary.now:.1f} vs {primary.crit:g})." if primary.now is not None and primary.crit
                        is not None else "."))
    return DrillReport(**{**r.__dict__, "summary": tuple(lines)})


__all__ = ["ActionRow", "DrillReport", "PaneOutcome", "ResponseRow", "breach_time", "drill_report"]
