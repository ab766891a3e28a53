"""When the scenario's impact began (its primary pane first critical) and how each of its panes
ended, read over the incident's window with the very functions and window the PIR's SLO evidence
uses (``metric_history``, ``metric_sync``), so the drill report and the PIR give the same numbers."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary

from warroom import scenario_time as stime
from warroom.config import SloConfig, default_slos
from warroom.incident.drill_report.rows import PaneOutcome

if TYPE_CHECKING:
    from warroom.drill.directory import Drill
    from warroom.drill.series import Series
    from warroom.incident.state import IncidentState

BEFORE = -3600.0        # a crossing is looked for from an hour before the drill's start (scenario seconds)
STEP = 5.0              # every 5 s
BATCH = int(3600.0 // STEP)     # an hour at a time, as ``Simulator.first_crossing`` reads them
# per world (a series: one scenario, one action record) and (pane, threshold): how many whole hours from ``BEFORE`` were
# read with no crossing, and the first crossing found (its index on the grid, its time and value). A report, its
# declaration and every row that quotes the impact start read the panes from ``BEFORE`` again, each to a later moment
_CROSSINGS: WeakKeyDictionary[Series, dict[tuple[str, float], tuple[int, tuple[int, float, float] | None]]] = \
    WeakKeyDictionary()
_CROSSINGS_LOCK = threading.Lock()


def slo_of(pane: str, slos: list[SloConfig] | None) -> SloConfig | None:
    """The configured SLO of a pane (the built-in ones when none are configured), or None."""
    return next((s for s in (slos or default_slos()) if s.id == pane), None)


def breach_reading(drill: Drill, *, pane: str | None = None, slos: list[SloConfig] | None = None,
                   at: float | None = None) -> tuple[float, float] | None:
    """(unix time, value): when the scenario's primary pane (or ``pane``) first went past critical,
    and the value it had then: the one evaluation that defines the impact start, so whoever quotes
    the pane "at impact start" quotes this value, never another reading near that time."""
    pane = pane or drill.scenario.primary
    slo = slo_of(pane, slos)
    if slo is None or slo.crit is None:
        return None
    hit = _first_crossing(drill, pane, slo.crit, drill.scenario_time(at))
    return None if hit is None else (drill.wall_time(hit[0]), hit[1])


def _first_crossing(drill: Drill, pane: str, crit: float, end: float) -> tuple[float, float] | None:
    """``Simulator.first_crossing`` of ``pane`` past ``crit`` from ``BEFORE`` to ``end``, an hour at a time as it reads
    them, resumed from the hours an earlier question of this world read (a pane's value at a moment is the world's,
    whatever moment it is asked at): every hour is read once per world, not once per question."""
    sim = drill.simulator
    world = sim.refresh()
    n = int(max(0.0, end - BEFORE) // STEP) + 1     # the points [0, n) of the grid, as ``first_crossing`` counts them
    with _CROSSINGS_LOCK:
        memo = _CROSSINGS.setdefault(world, {})
        clear, found = memo.get(key := (pane, crit), (0, None))
    if found is not None or n <= clear:
        return found[1:] if found is not None and found[0] < n else None
    for first in range(clear, n, BATCH):
        upto = min(n, first + BATCH)
        hit = sim.first_crossing(pane, crit, BEFORE + first * STEP, BEFORE + (upto - 1) * STEP, step=STEP)
        if hit is not None:
            found = (round((hit[0] - BEFORE) / STEP), *hit)
            break
        if upto - first == BATCH:
            clear = upto
    if sim.refresh() is not world:      # an action recorded meanwhile: what was read is no one world's
        return None if found is None else found[1:]
    with _CROSSINGS_LOCK:
        memo = _CROSSINGS.setdefault(world, {})
        if len(memo) > 32:
            memo.clear()
        memo[key] = (clear, found)
    return None if found is None else found[1:]


def breach_time(drill: Drill, *, pane: str | None = None, slos: list[SloConfig] | None = None,
                at: float | None = None) -> float | None:
    """Unix time the scenario's primary pane (or ``pane``) first went past critical, if it has."""
    hit = breach_reading(drill, pane=pane, slos=slos, at=at)
    return None if hit is None else hit[0]


def impact_crossing(drill: Drill, *, slos: list[SloConfig] | None = None,
                    at: float | None = None) -> tuple[float, float, str] | None:
    """(unix time, value, pane): the first of the scenario's panes (its primary, then the others it
    breaches) to go past critical by ``at``; on a tie the primary. One rule whenever it is asked: the
    impact start was the primary's crossing when the declaration came after it and the journal's
    first breach (another pane's, earlier) when it came before, so in the rate-limit drill declaring
    seven minutes after the quota page scored "2m36s: met" and declaring at once "31s" (redteam40 R8)."""
    sc = drill.scenario
    hits = [(hit[0], hit[1], pane) for pane in dict.fromkeys((sc.primary, *sc.breaches))
            if (hit := breach_reading(drill, pane=pane, slos=slos, at=at)) is not None]
    return min(hits, key=lambda h: h[0]) if hits else None


def declared_source(drill: Drill, source: dict[str, Any], slos: list[SloConfig] | None = None,
                    at: float | None = None) -> dict[str, Any]:
    """A declaration's ``source`` on this drill: impact began when the first of the scenario's panes
    crossed critical (:func:`impact_crossing`), which only the drill knows (the response times then
    count from the real start), with the pane and the value that crossed (``started_slo``,
    ``started_value``: what the PIR quotes at impact start for that pane). A start given already is kept.
    When the panes first showed a value after that crossing (``Drill.first_look``: at x60 the tool's own
    start-up is minutes of drill time), that moment too (``first_look_at``): time to detect counts from it."""
    if "started_at" in source:
        return source
    from warroom.incident.drill_report.harm import harm_onset
    from warroom.sources.evidence import iso

    hit = impact_crossing(drill, slos=slos, at=at)
    onset = harm_onset(drill, at)
    if onset is not None and (hit is None or onset < hit[0]):
        # the harm the scenario names began before any pane could show it (an age pane crosses its threshold that
        # long after the last event): the simulator's record of it is the start, as the PIR's Impact counts it
        # (redteam49 F3: "impact start" 5 drill minutes after the audit events stopped, detection "met")
        start, said = onset, {"started_how": "harm"}
    elif hit is not None:
        start, said = hit[0], {"started_how": "breach", "started_slo": hit[2], "started_value": hit[1]}
    else:
        return source
    look = drill.first_look
    seen = {"first_look_at": iso(look)} if look is not None and start < look <= (at or stime.now()) else {}
    return {**source, "started_at": iso(start)} | said | seen


def pane_outcomes(drill: Drill, state: IncidentState | None, slos: list[SloConfig] | None, at: float,
                  crossing: tuple[float, float, str] | None) -> list[PaneOutcome]:
    """The scenario's panes over the incident window, read exactly as the PIR reads them;
    ``crossing``: ``impact_crossing``, the impact start when no incident was declared."""
    from warroom.incident.metric_history import HistoryError, grid_step, mark_readings, pane_history, summarise
    from warroom.incident.metric_sync import BASE_STEP, Window, incident_window, read_recent, recent_words, window_marks

    sc = drill.scenario
    source = drill.source(slos or default_slos())
    window = None
    marks: dict[str, float | None] = {"started": None, "detected": None, "resolved": None}
    defined: tuple[str, float] | None = None
    if state is not None and state.declared_at is not None:
        window = incident_window(state, at, 3600.0, drill.speed)
        marks = window_marks(state)
        defined = state.impact_start_reading()
    if window is None:
        breach = None if crossing is None else crossing[0]
        start = breach if breach is not None else at - stime.wall_seconds(1800.0, drill.speed)
        start = min(start, at)
        window = Window(start, at, grid_step(start, at, stime.wall_seconds(BASE_STEP, drill.speed)))
        marks = {"started": breach, "detected": None, "resolved": None}
        defined = None if crossing is None else (crossing[2], crossing[1])
    out = []
    for pane in dict.fromkeys((sc.primary, *sc.breaches)):
        slo = slo_of(pane, slos)
        if slo is None:
            continue
        try:
            hist = pane_history(source, slo, window.start, window.end, window.step)
        except HistoryError:
            out.append(PaneOutcome(pane, slo.title, slo.crit, None, None, None, False, slo.unit))
            continue
        readings = mark_readings(source, hist, marks, defined, state.quoted_readings(slo.id) if state is not None else None)
        e = summarise(hist, marks, (window.start, window.end), readings)
        last = hist.with_readings(readings).value_at(marks.get("resolved") or window.end)
        now = last.value if last is not None else None
        moment = marks.get("resolved") or window.end
        lately = read_recent(source, slo, moment) if now is not None and not hist.good(now) else None
        # the window's rate rising while its last minutes read fine is the window's arithmetic (a shrinking
        # denominator, old failures), not a pane getting worse: said as what the last minutes read
        # (nothing it measures ran in them, FlowEngine halted: no new failure makes an hour's rate worse: attack48)
        worsening = bool(e["worsening"]) and not (lately is not None and (lately.value is None and lately.born == ()
                                                                          or lately.value is not None
                                                                          and hist.good(lately.value)))
        recovered = now is not None and hist.good(now) and not worsening

        def val(key: str, e: dict[str, Any] = e) -> float | None:
            return e[key]["value"] if e.get(key) else None

        out.append(PaneOutcome(pane, slo.title, slo.crit, val("at_detection"), val("worst"), now, recovered,
                               slo.unit, at_start=val("at_start"), worst_at=e["worst"]["at"] if e.get("worst") else None,
                               at_resolution=val("at_resolution"), worsening=worsening,
                               recent=recent_words(slo, {slo.id: lately}) if lately is not None else ""))
    return out


def past_crit(pane: PaneOutcome) -> bool:
    """The pane past its critical threshold at its last reading (the resolution, once resolved)."""
    return pane.now is not None and pane.crit is not None and pane.now > pane.crit


def pane_title(drill: Drill, pane: str | None, slos: list[SloConfig] | None) -> str:
    """A pane (the scenario's primary when None) by its title (its id when no SLO configures it)."""
    pane = pane or drill.scenario.primary
    slo = slo_of(pane, slos)
    return slo.title if slo is not None else pane
