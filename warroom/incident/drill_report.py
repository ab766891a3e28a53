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

import math
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from warroom import scenario_time as stime
from warroom.config import SloConfig, default_slos
from warroom.drill.actions import ACTIONS
from warroom.drill.directory import Drill
from warroom.scenario_time import Span
from warroom.incident.state import RESPONSE_TARGETS, IncidentState
from warroom.durations import format_duration
from warroom.units import format_value

if TYPE_CHECKING:
    from warroom.runbook.model import Runbook


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
    change: str = ""              # what it changed, from the simulator: the panes with and without it
    why: str = ""                 # why it bent nothing ("already in force"), or when it was undone
    clock: float | None = None    # drill seconds since detection (the incident clock), None before a declaration
    cause: str = ""               # how it bends the faults, as the scenario models it (its mitigations' why)


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
    # the runbook's steps in order: (section, label, status, the drill actions its runs recorded)
    runbook_path: tuple[tuple[str, str, str, str], ...] = ()
    outside: tuple[str, ...] = ()        # actions no runbook step's run recorded (a shell, another tool)
    failed: int = 0                      # flows the incident's causes failed (the drill's tasks table)
    unretried: tuple[str, ...] = ()      # of those, the tasks still failed when it ended
    ended: bool = False                  # its incident resolved: the drill is over (else: the drill so far)

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
                 slos: list[SloConfig] | None = None, runbook: Runbook | None = None) -> DrillReport:
    """Everything the end-of-drill screen shows, as plain data (``runbook``: the incident's, for
    the path its steps took)."""
    at = stime.now() if at is None else at
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
    scale = stime.scale_of(state) if state is not None and state.drill else drill.speed   # the PIR's, so both agree
    for key, label, target, base in RESPONSE_TARGETS:
        reached = phases.get(key)
        start = phases.get(base)
        span = None if reached is None or start is None else stime.between(None, start, reached)
        minutes = None if span is None else span.wall_minutes
        drill_min = None if span is None else Span(span.wall_seconds, scale).minutes
        rows.append(ResponseRow(key, label, target, reached, minutes, drill_min,
                                None if drill_min is None else drill_min < target))

    signals = sim.signals
    spans = _stretches(sc, signals)
    t_end = drill.scenario_time(phases.get("resolved") or at)   # what was in force when it ended
    t_zero = None if detected is None else drill.scenario_time(detected)
    actions = []
    for a in drill.actions():
        if a.action not in ACTIONS or a.action in ("set_env", "set_image"):
            continue
        effective, why, read_by = _verdict(sc, signals, spans, a, drill.speed)
        if phases.get("resolved") is not None and a.t > t_end:
            why = why or "taken after the incident was resolved"
        actions.append(ActionRow(a.ts, a.t, a.action, ACTIONS[a.action], " ".join((a.tool, *a.argv)).strip(),
                                 effective, a.action.removesuffix(OFF) in spans or a.action in sc.mitigating_actions(),
                                 _change(drill, a, slos, min(read_by, drill.scenario_time(at)), quiet=not effective)
                                 if effective or a.action not in SAYS else "",   # a stop moves curves too
                                 why, None if t_zero is None else a.t - t_zero,
                                 "; ".join(dict.fromkeys(m.why for f in sc.faults for m in f.mitigations
                                                         if m.action == a.action and m.why)) if effective else ""))
    # done = in force when the drill ended (a mitigation switched off again, or taken before what it
    # needs, is not done); a step that bends no curve (scaling to zero first) is done once taken
    # the flows the incident failed: from its causes' own onset (the simulator's record), not the breach
    t_from = min([t for t in signals.onsets if t is not None] + [drill.scenario_time(min(v for v in (started, detected, at)
                                                                                   if v is not None))])
    failed, unretried = _unretried(drill, t_from, t_end)
    done = tuple(k for k in sc.resolution if (_in_force(spans, k, t_end) if k in sc.mitigating_actions()
                                              else any(a.action == k and a.t <= t_end for a in actions))
                 and not (k in RETRIES and unretried))      # retried means none the incident failed is left failed
    missing = tuple(k for k in sc.resolution if k not in done)
    panes = _panes(drill, state, slos, at, breach)
    recovered = panes[0].recovered if panes else False
    mttr = None        # the target of the runbook the report names (a GO may have attached another since)
    target = runbook.mttr_target if runbook is not None else (state.runbook or {}).get("mttr_target") if state else None
    if target:
        from warroom.durations import parse_duration

        try:
            mttr = parse_duration(str(target)) / 60.0
        except ValueError:
            mttr = None
    # The scenario's own title is the facilitator's and names the cause ("… after v1.2.0"): while
    # the incident is open the report (``g`` mid-drill) is headed by the symptom, as the declaration is.
    ended = bool(state is not None and state.resolved)
    report = DrillReport(
        drill=drill.name, scenario=sc.name, title=sc.title if ended else sc.symptom, speed=drill.speed,
        runbook=runbook.id if runbook is not None else sc.runbook,    # the one whose path is listed
        incident=state.id if state is not None and state.id else drill.incident,
        breach_at=breach, generated_at=at, declared_before_breach=ahead, responses=tuple(rows), actions=tuple(actions),
        resolution_done=done, resolution_missing=missing, panes=tuple(panes), recovered=recovered,
        summary=(), mttr_target_min=mttr, **_path(runbook, state, actions), failed=failed, unretried=unretried,
        ended=ended,
    )
    return _with_summary(report, spans)


EFFECT_AFTER = 600.0      # scenario seconds after an action at which its effect is read
OFF = "_off"              # ``<action>_off`` ends what ``<action>`` started (``warroom.drill.model``)
SAYS = ("notify", "page", "status_page")   # actions that tell people, never move a curve
RETRIES = ("retry", "retry_pruned")   # the actions that retry failed flows (``blocks flow retry``)
Stretch = tuple[float, float | None]   # scenario seconds an action bent the curves from, and until


def _stretches(sc: Any, sig: Any) -> dict[str, list[Stretch]]:
    """Each mitigation's stretches of being in force, the simulator's own (``Signals.stretches``, by
    which it bends the curves). An action absent here never bent anything."""
    out: dict[str, list[Stretch]] = {}
    for m in (m for f in sc.faults for m in f.mitigations):
        out.setdefault(m.action, [])
        out[m.action] += [span for span in sig.stretches(m) if span not in out[m.action]]
    return out


def _in_force(spans: dict[str, list[Stretch]], kind: str, t: float) -> bool:
    return any(on <= t and (off is None or off > t) for on, off in spans.get(kind, ()))


def _verdict(sc: Any, sig: Any, spans: dict[str, list[Stretch]], a: Any, speed: float) -> tuple[bool, str, float]:
    """(bent the curves?, why not / when undone, scenario time its effect is read by) for one action."""
    kind = a.action.removesuffix(OFF)
    runs = spans.get(kind, [])
    if kind != a.action:          # an off switch: effective if it ended a stretch; read until taken again
        if not any(off == a.t for _, off in runs):
            return False, "it was not in force", math.inf
        again = next((on for on, _ in runs if on > a.t), None)
        return True, "" if again is None else f"undone {stime.of_drill(again - a.t, speed).text()} later", \
            math.inf if again is None else again
    if kind not in sc.mitigating_actions():
        return False, "", math.inf                          # a page, an update: not meant to bend a curve
    for on, off in runs:
        if on == a.t:
            return (True, "", math.inf) if off is None else \
                (True, f"switched off {stime.of_drill(off - on, speed).text()} later", off)
        if on < a.t and (off is None or a.t < off):
            return False, "already in force", math.inf
    early = [ACTIONS.get(r, r) for m in (m for f in sc.faults for m in f.mitigations) if m.action == kind
             for r in m.requires if not _before(sig.first(r), a.t)]
    return False, ("taken before " + " and ".join(dict.fromkeys(early)) + ", so it did nothing") if early \
        else "it did nothing", math.inf


def _change(drill: Drill, action: Any, slos: list[SloConfig] | None, t_now: float, *, quiet: bool = False) -> str:
    """What one action changed, from the simulator's own causes: each of the scenario's panes some
    minutes after it (or when it was undone, if sooner), as it is and as it would be had everything
    else been done but this; a pane it did not move (within 2 %) is left out, and ``quiet``: "" when
    it moved none."""
    from warroom.drill.simulator import Simulator

    sc = drill.scenario
    t = min(action.t + EFFECT_AFTER, t_now)
    if t <= action.t:
        return ""
    # without it and the operation it came from (``kubectl scale`` is its replicas as well as "scale")
    without = tuple(a for a in drill.actions() if a != action and (a.action, a.ts, a.argv) != (
        action.detail.get("via"), action.ts, action.argv))
    other = Simulator(sc, lambda: list(without), drill.wall_time)
    after = stime.of_drill(t - action.t, drill.speed).text()   # t is scenario seconds
    parts, titles = [], []
    for pane in dict.fromkeys((sc.primary, *sc.breaches)):
        slo = _slo(pane, slos)
        unit, title = (slo.unit, slo.title) if slo is not None else (None, pane)
        titles.append(title)
        actual, alt = drill.simulator.pane(pane, t), other.pane(pane, t)
        if actual is None or alt is None or abs(actual - alt) <= 0.02 * max(abs(actual), abs(alt)):
            continue
        parts.append(f"{title} {format_value(actual, unit)}{'' if parts else f' {after} later'} "
                     f"({format_value(alt, unit)} without it)")
    return "; ".join(parts) or ("" if quiet else f"{' and '.join(titles)} unchanged within {after}")


def _unretried(drill: Drill, t1: float, t2: float) -> tuple[int, tuple[str, ...]]:
    """Flows the incident's own causes failed between ``t1`` and ``t2`` (scenario seconds; the
    everyday background errors are not the incident's) and, of those, the tasks still failed at
    ``t2``: read from the drill's tasks table, so a retry of one task out of forty is not "done"."""
    from warroom.drill.activity import Activity
    from warroom.drill.cluster import build_cluster
    from warroom.drill.model import BACKGROUND_ERRORS

    if t2 <= t1:
        return 0, ()
    flows = Activity(drill.simulator.refresh(), build_cluster(drill.scenario, drill.actions(), t2)).flows(t1, t2, t2)
    ours = [f for f in flows if f.error is not None and f.error not in BACKGROUND_ERRORS]   # a retried one keeps its error
    return len(ours), tuple(f.task_id for f in ours if f.status == "failed")


def _path(runbook: Runbook | None, state: IncidentState | None, actions: list[ActionRow]) -> dict[str, Any]:
    """The runbook's steps in its own order, each with what the incident did with it and what its
    runs did to the drill (the actions the stand-ins recorded while it ran), and the actions no
    step of it recorded."""
    steps = state.steps if state is not None else {}
    windows: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for key, st in (steps.items() if state is not None else ()):
        for run in st.runs:
            end = run.ended_at.timestamp() if run.ended_at is not None else math.inf
            windows.setdefault(key, []).append((run.started_at.timestamp() - 0.5, end + 0.5))
    claimed: set[int] = set()

    def did(key: tuple[str, str]) -> str:
        mine = [i for i, a in enumerate(actions) if any(lo <= a.at <= hi for lo, hi in windows.get(key, ()))]
        claimed.update(mine)
        return "; ".join(dict.fromkeys(actions[i].description for i in mine))

    path = tuple((sec.title, st.label, getattr(steps.get((runbook.id, st.id)), "status", "pending"),
                  did((runbook.id, st.id))) for sec in runbook.sections for st in sec.steps) if runbook else ()
    for key in windows:                       # steps of another runbook ran too: theirs, not outside
        did(key)
    outside = tuple(f"{a.description} ({a.command})" for i, a in enumerate(actions) if i not in claimed)
    return {"runbook_path": path, "outside": outside if state is not None and runbook is not None else ()}


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
        start = breach if breach is not None else at - stime.wall_seconds(1800.0, drill.speed)
        start = min(start, at)
        window = Window(start, at, grid_step(start, at, stime.wall_seconds(BASE_STEP, drill.speed)))
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


def _with_summary(r: DrillReport, spans: dict[str, list[Stretch]]) -> DrillReport:
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
    marked = next((row for row in r.responses if row.key == "mitigated"), None)
    took = next((a for a in r.actions if a.effective and a.mitigation and not a.action.endswith(OFF)), None)
    if r.incident and marked is not None and marked.at is None and took is not None and took.clock is not None:
        lines.append(f"{took.description[:1].upper()}{took.description[1:]} bent the curves at "
                     f"{'+' if took.clock >= 0 else '-'}{format_duration(abs(took.clock))} drill time, "
                     "but the incident was never marked mitigated.")
    if r.resolution_missing:
        def why(k: str) -> str:
            left = (f"{len(r.unretried)} of the {r.failed} flows the incident failed are still failed: "
                    f"{', '.join(r.unretried[:3])}{f' and {len(r.unretried) - 3} more' if len(r.unretried) > 3 else ''}")
            tried = next((a.why for a in reversed(r.actions) if a.action == k and a.why), "")
            if not tried and any(a.action == k for a in r.actions):
                tried = "" if k in RETRIES and r.unretried else "not in force when it ended"
            said = tried or ("never done" if not any(a.action == k for a in r.actions) else "")
            return "; ".join(x for x in (said, left if k in RETRIES and r.unretried else "") if x)
        lines.append("Not done: " + "; ".join(f"{ACTIONS.get(k, k)} ({why(k)})" for k in r.resolution_missing) + ".")
    for a in r.actions:
        if a.mitigation and a.why and a.action not in r.resolution_missing and a.why not in (
                "already in force", "it was not in force"):
            lines.append(f"{a.description[:1].upper()}{a.description[1:]}: {a.why}.")
    if r.unretried and not set(RETRIES) & set(r.resolution_missing):
        lines.append(f"Failed flows never retried: {len(r.unretried)} of the {r.failed} the incident failed are still "
                     f"failed ({', '.join(r.unretried[:3])}{f' and {len(r.unretried) - 3} more' if len(r.unretried) > 3 else ''}).")
    if r.runbook_path:
        done = [p for p in r.runbook_path if p[2] in ("ok", "ticked")]
        bad = {k: sum(1 for p in r.runbook_path if p[2] == k) for k in ("failed", "timed_out", "skipped")}
        left = [f"{label} ({section})" for section, label, status, _ in r.runbook_path if status in ("pending", "running")]
        lines.append(f"Runbook {r.runbook} path: {len(done)} of {len(r.runbook_path)} steps done"
                     + "".join(f", {n} {k.replace('_', ' ')}" for k, n in bad.items() if n)
                     + (f"; not done: {'; '.join(left[:6])}{f' and {len(left) - 6} more' if len(left) > 6 else ''}."
                        if left else "."))
    if r.outside:
        lines.append("Done outside the runbook's steps: " + "; ".join(r.outside) + ".")
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


def report_lines(r: DrillReport) -> list[str]:
    """The report as plain text (``warroom incident drill-report``): what the screen shows."""
    def clock(a: ActionRow) -> str:
        return "" if a.clock is None else f"{'-' if a.clock < 0 else '+'}{format_duration(abs(a.clock))} "

    lines = [f"Drill {r.scenario} · {r.title} · runbook {r.runbook} · ×{r.speed:g}"
             + (f" · {r.incident}" if r.incident else ""), "", "Summary:"]
    lines += [f"  - {line}" for line in r.summary]
    lines += ["", "What was done (drill clock since detection, wall UTC):"]
    for a in r.actions:
        effect = (f"{a.cause + ': ' if a.cause else ''}{a.change}" if a.effective
                  else a.change or "(moved none of the scenario's panes)" if not a.mitigation else "did nothing")
        lines.append(f"  {clock(a)}{datetime.fromtimestamp(a.at, UTC):%H:%M:%S} {a.description}: {effect}"
                     + (f" — {a.why}" if a.why else "") + f"  [{a.command}]")
    if not r.actions:
        lines.append("  nothing reached the drill")
    if r.runbook_path:
        lines += ["", f"Runbook {r.runbook}, its steps in order:"]
        lines += [f"  [{'not done' if s == 'pending' else s.replace('_', ' ')}] {sec}: {label}"
                  + (f" -> {did}" if did else "") for sec, label, s, did in r.runbook_path]
    return lines


__all__ = ["ActionRow", "DrillReport", "PaneOutcome", "ResponseRow", "breach_time", "drill_report", "report_lines"]
