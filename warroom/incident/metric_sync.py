"""Keeping the journal in step with the metric history: breaches, recoveries, the PIR's numbers.

Called by the CLI (``incident new``, ``run``, ``resolve``, ``export``, ``show``) and by the
dashboard's poll, through :class:`~warroom.incident.session.Incident`. Everything here reads the
history with range queries over a fixed grid, so calling it again journals nothing new unless the
metrics moved on: a breach already journaled is recognised by its time, not by who saw it.

* ``sync_breaches``: every crossing of a pane's critical threshold (and every recovery below its
  warn threshold) from ``breach_lookback`` before the declaration until now, each dated from the
  history — so the breach that started the impact, and a second breach while the IC thought it
  was fixed, are on the timeline without anyone typing them.
* ``summarise_metrics``: the values the PIR's SLO evidence and impact quote (at impact start, at
  detection, worst and when, at resolution, time in breach, counter totals), journaled as one
  ``metrics.summarised`` event so the PIR cites it and renders without a metric source.
* ``resolve_concerns``: what should make an IC hesitate before resolving.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from warroom import scenario_time as stime
from warroom.config import SloConfig
from warroom.durations import format_duration, parse_duration
from warroom.errors import WarroomError
from warroom.journal import events as ev
from warroom.journal.log import format_ts
from warroom.incident.gate_evidence import held_gates, held_said
from warroom.incident.history_memo import HistoryMemo
from warroom.incident.metric_history import (
    HistoryError,
    PaneHistory,
    Sample,
    grid_step,
    impact_count,
    mark_readings,
    pane_history,
    summarise,
)
from warroom.sources.freshness import stale_words
from warroom.units import format_stated, format_value

if TYPE_CHECKING:
    from warroom.incident.records import StepRun, StepState
    from warroom.incident.state import IncidentState

#: Scenario/real seconds between history points (the grid); a drill divides it by its speed.
BASE_STEP = 15.0


@dataclass(frozen=True)
class Window:
    start: float
    end: float
    step: float


def _unix(d: datetime | None) -> float | None:
    return None if d is None else d.timestamp()


def incident_window(state: IncidentState, now: float, lookback: float, speed: float = 1.0) -> Window | None:
    """From ``lookback`` before detection (impact start if earlier) to resolution or now."""
    phases = state.phases
    detected = _unix(phases.get("detected"))
    if detected is None:
        return None
    started = _unix(phases.get("started"))
    start = min(detected - lookback / max(speed, 1e-9), started if started is not None else detected)
    resolved = _unix(phases.get("resolved"))
    end = min(now, resolved) if resolved is not None else now
    base = BASE_STEP / max(speed, 1e-9)
    step = grid_step(start, end, base)
    return Window(start, max(end, start), step)


def read_histories(source: Any, slos: list[SloConfig], window: Window, saved: Callable[[], Any] | None = None,
                   memo: HistoryMemo | None = None) -> tuple[dict[str, PaneHistory], list[str]]:
    """Each pane's history over the window, and a sentence per pane that could not be read.
    ``memo``: the incident's kept answers (``warroom.incident.history_memo``), asked first.

    ``saved`` gives the incident's saved history (``metrics.json``, written at resolve) or None.
    Where the live source can no longer answer for a pane (an error, or nothing at all: the drill
    world is gone), the saved points are used instead; the pane's history then says so
    (``PaneHistory.recorded``). Where it answers part of the window, each part is read from where
    it was answered (:func:`_merged`): the saved points fill only what the live source no longer
    answers (Prometheus' retention passed the window's start), and the live points stand where it
    answers (a reopened incident's end, after the first resolve saved; a coarser grid over a
    longer window, redteam40 R5). Choosing one whole by how many seconds each answered threw the
    reopened end away for a saved history that never held it: "no data" and "At resolution n/a"
    (attack40 A8)."""
    out: dict[str, PaneHistory] = {}
    errors: list[str] = []
    loaded: list[Any] = []
    for slo, read in zip(slos, _live_histories(source, slos, window, memo), strict=True):
        live: PaneHistory | None = None
        failure = ""
        if isinstance(read, HistoryError):
            failure = f"{slo.title}: {read}"
        else:
            live = read
        if saved is not None:
            if not loaded:
                try:
                    loaded.append(saved())
                except WarroomError as exc:     # damaged: said (naming the file), never quoted from
                    loaded.append(None)
                    errors.append(str(exc))
            kept = _saved_pane(loaded[0], slo, window)
            if kept is not None:
                out[slo.id] = kept if live is None or not (live.points or live.stale) else _merged(live, kept)
                continue
        if live is not None:
            out[slo.id] = live
        else:
            errors.append(failure)
    return out, errors


def _merged(live: PaneHistory, kept: PaneHistory) -> PaneHistory:
    """``live`` with the saved points of ``kept`` where it answers nothing, on the coarser of the two
    grids: a saved point (fresh or stale) is taken when it is a step or more from every live point and
    from the saved point taken before it. A finer saved grid is thinned to that step, so the history
    (and a ``metrics.json`` written from it) holds no more points than its window's grid, and the seam
    between the two is never a gap. ``filled``: each run of saved points taken, from its first to its
    last; the saved readings at the marks inside them come along (``mark_readings``)."""
    step = max(live.step, kept.step)
    answered = sorted([*(t for t, _ in live.points), *(t for t, _, _ in live.stale)])
    saved = sorted([*((t, (v,)) for t, v in kept.points), *((t, (v, a)) for t, v, a in kept.stale)])
    points: list[tuple[float, float]] = []
    stale: list[tuple[float, float, float]] = []
    filled: list[tuple[float, float]] = []
    last = -math.inf
    for t, held in saved:
        i = bisect_left(answered, t)
        before = answered[i - 1] if i else -math.inf
        after = answered[i] if i < len(answered) else math.inf
        if t - max(last, before) < step - 1e-3 or after - t < step - 1e-3:
            continue
        if filled and before < filled[-1][1]:
            filled[-1] = (filled[-1][0], t)            # no live point since the last taken: the same run
        else:
            filled.append((t, t))
        last = t
        if len(held) == 1:
            points.append((t, held[0]))
        else:
            stale.append((t, *held))
    if not filled:
        return live
    within = [(t, v) for t, v in kept.readings if any(a - step / 2 <= t <= b + step / 2 for a, b in filled)]
    return PaneHistory(live.slo, tuple(sorted([*live.points, *points])), step, readings=tuple(within),
                       stale=tuple(sorted([*live.stale, *stale])), filled=tuple(filled))


def _live_histories(source: Any, slos: list[SloConfig], window: Window,
                    memo: HistoryMemo | None) -> list[PaneHistory | HistoryError]:
    """Each pane's history from the live source (or why not), in the order of ``slos``. A source
    that answers a range with its data age (``range_aged``: Prometheus, whose requests are
    thread-safe and each under its own deadline) is asked for every pane at once: one pane after
    the other, every ``keep_up`` waited once per pane over a slow link. Any other source (the
    drill's simulator and its memo) is read one pane at a time, as before."""
    def one(slo: SloConfig) -> PaneHistory | HistoryError:
        try:
            return pane_history(source, slo, window.start, window.end, window.step, memo)
        except HistoryError as exc:
            return exc

    if len(slos) < 2 or not callable(getattr(source, "range_aged", None)):
        return [one(slo) for slo in slos]
    with ThreadPoolExecutor(max_workers=min(len(slos), 8), thread_name_prefix="warroom-history") as pool:
        return list(pool.map(one, slos))


def _saved_pane(history: Any, slo: SloConfig, window: Window) -> PaneHistory | None:
    """The saved pane of the same id and query, cut to the window; None when there is none."""
    pane = history.pane(slo.id) if history is not None else None
    if pane is None or pane.slo.query != slo.query:
        return None
    points = tuple((t, v) for t, v in pane.points if window.start - 1e-6 <= t <= window.end + 1e-6)
    stale = tuple(p for p in pane.stale if window.start - 1e-6 <= p[0] <= window.end + 1e-6)
    return PaneHistory(slo, points, pane.step, recorded=True, readings=pane.readings,
                       stale=stale) if points or stale else None


def sync_breaches(journal_append: Any, state: IncidentState, histories: dict[str, PaneHistory]) -> list[Any]:
    """Journal every breach / recovery the history shows that the journal does not hold yet.

    Per pane, transitions at or before the last journaled one are taken as known; the rest are
    appended in time order (dated ``at`` from the history). Returns the new events.
    """
    last: dict[str, float] = {}
    last_kind: dict[str, str] = {}
    for b in sorted(state.breaches, key=lambda b: (b["at"], b["seq"])):
        last[b["slo_id"]] = b["at"].timestamp()
        last_kind[b["slo_id"]] = b["kind"]
    pending: list[tuple[float, str, dict[str, Any]]] = []
    defined = state.impact_start_reading()
    began = state.phases["started"]
    for slo_id, hist in histories.items():
        slo = hist.slo
        kind_now = last_kind.get(slo_id)
        for kind, sample, ongoing in hist.transitions():
            if sample.at <= last.get(slo_id, float("-inf")) + 1e-6:
                continue
            if kind == kind_now or (kind == "recovered" and kind_now is None):
                continue  # the journal already says so (e.g. a breach first seen mid-run)
            if (kind == "breached" and kind_now is None and defined is not None and defined[0] == slo_id
                    and began is not None and abs(sample.at - began.timestamp()) <= hist.step + 1e-6):
                # the crossing the declaration read off this pane (``impact_start_reading``, finer than the grid) is
                # this breach: one event, one instant and value in every line that quotes it (redteam43 R9: the
                # PIR said "5m03s after impact start" and "SLO breached … -4m53s" of one crossing, a grid point apart)
                sample = Sample(began.timestamp(), defined[1])
            kind_now = kind
            threshold = slo.crit if kind == "breached" else (slo.warn if slo.warn is not None else slo.crit)
            data: dict[str, Any] = {"slo_id": slo_id, "title": slo.title, "at": format_ts(_dt(sample.at)),
                                    "value": sample.value, "threshold": threshold, "unit": slo.unit,
                                    "direction": slo.direction, "query": slo.query}
            if ongoing:
                data["ongoing_at_window_start"] = True
            pending.append((sample.at, ev.SLO_BREACHED if kind == "breached" else ev.SLO_RECOVERED, data))
    return [journal_append(t, d) for _, t, d in sorted(pending, key=lambda p: (p[0], p[1]))]


def _dt(t: float) -> datetime:
    return datetime.fromtimestamp(t, tz=UTC)


def summary_data(state: IncidentState, histories: dict[str, PaneHistory], window: Window, source: Any,
                 source_name: str, errors: list[str], *, speed: float = 1.0,
                 after: float = 300.0) -> dict[str, Any]:
    """The ``metrics.summarised`` event's data for this state and these histories.

    Besides each pane's numbers it holds, for every step run that changes things, the panes'
    values when it started and ``after`` seconds (source time; a drill's divided by its speed)
    after it ended — capped at the window's end — so the PIR can say what a fix did even when no
    before/after evidence was journaled while it ran. Read-only steps get none: nothing they do
    can move a pane."""
    marks = window_marks(state)
    defined = state.impact_start_reading()
    slos: dict[str, Any] = {}
    for slo_id, hist in histories.items():
        entry = summarise(hist, marks, (window.start, window.end),
                          mark_readings(source, hist, marks, defined, state.quoted_readings(slo_id)))
        if entry["breached"]:
            impact_from = marks["started"] or marks["detected"] or window.start
            impact_to = marks["resolved"] or window.end
            count = impact_count(source, hist.slo, impact_from, impact_to, speed=speed)
            if count is not None:
                entry["impact_count"] = count
        slos[slo_id] = entry
    steps: dict[str, Any] = {}
    for st, run in state.commands_run():
        if not run.mutating or run.ended_at is None or run.status != "ok":
            continue
        t0 = run.started_at.timestamp()
        t1 = min(run.ended_at.timestamp() + after / max(speed, 1e-9), window.end)
        values = {}
        for slo_id, hist in histories.items():
            b, a = hist.value_at(t0), hist.value_at(t1)
            if b is None or a is None:
                continue
            values[slo_id] = {"before": {"at": b.at, "value": b.value}, "after": {"at": a.at, "value": a.value},
                              "unit": hist.slo.unit}
        steps[str(run.end_seq or run.seq)] = {"step": st.step, "label": st.label, "values": values}
    return {"source": source_name, "window": {"start": window.start, "end": window.end, "step": window.step},
            "marks": marks, "slos": slos, "steps": steps, "errors": errors, "speed": speed}


def window_marks(state: IncidentState) -> dict[str, float | None]:
    """Unix times of impact start (None when unknown), detection and resolution."""
    phases = state.phases
    return {k: _unix(phases.get(k)) for k in ("started", "detected", "resolved")}


RECENT = 300.0     # drill seconds: the last minutes a long-window pane is also read over at resolve


def resolve_concerns(state: IncidentState, histories: dict[str, PaneHistory],
                     recent: dict[str, Recent] | None = None, unread: set[str] | None = None,
                     gates: Sequence[Any] | None = None, at: datetime | None = None) -> list[str]:
    """What an IC should see before resolving: panes still warn/crit or worsening now, failed
    expectations (but a check's the IC ticked done after it, ``_check_ticked``, or ran again and met,
    ``_checked_again``) and failed verify
    gates never followed by a pass, passes that confirmed nothing
    (``gate_evidence.held_gates``, in the brief's words), steps still running. ``recent``: the pane's own
    query over the last ``RECENT`` seconds (``read_recent``), said beside "still critical / in
    warning": a failure rate over an hour reads critical for an hour after the last failure, and
    while nothing runs at all (redteam39 F6, attack39 C1). ``unread``: panes with no value at the
    moment read, whose last value is not quoted as now (attack39 C4). ``at``: the moment read (a lift's relapse is
    known from its grace on: ``containment_lift.still_harmed``; None, the journal's last instant)."""
    out: list[str] = []
    for hist in histories.values():
        last_stale = hist.stale[-1] if hist.stale else None
        if last_stale is not None and (not hist.points or last_stale[0] > hist.points[-1][0]):
            # the pane says STALE now: its frozen value is not judged critical, nor fine
            out.append(f"{hist.slo.title} is stale ({stale_words(last_stale[2])}): its value now is not known")
            continue
        if not hist.points:
            continue
        t, v = hist.points[-1]
        slo = hist.slo
        shown = format_stated(v, slo.unit, against=(slo.warn, slo.crit))   # never "1%, threshold 1%"
        if slo.id in (unread or ()):
            if not hist.good(v):
                said = f"{datetime.fromtimestamp(t, UTC):%H:%M:%S} UTC"
                out.append(f"{slo.title} has no value now: its last ({shown}, {said}) is not known to hold")
            continue
        lately = recent_words(slo, recent or {})
        if hist.bad(v):
            out.append(f"{slo.title} is still critical ({shown}, threshold {format_value(slo.crit, slo.unit)})"
                       + lately)
        elif not hist.good(v):
            out.append(f"{slo.title} is still in warning ({shown}, warn at {format_value(slo.warn, slo.unit)})"
                       + lately)
        elif hist.worsening(t):
            out.append(f"{slo.title} is worsening ({shown} and rising the bad way)")
    for st in state.step_list():
        run = st.last_run    # a later run that met it settles an earlier miss
        if run is not None and run.expect_met is False and not _check_ticked(st, run) \
                and not _checked_again(run, state.commands_run()):
            # what the output held beside what was wanted, as every other view says it (``marks.describe_verdict``):
            # "not met (0)" read as "it found 0" where the output held 3 (redteam43 R12)
            why = run.expect_reason or f"wanted {run.expect or 'the expected output'}"
            out.append(f"{state.step_name(st.runbook_id, st.step or st.step_id)} ({st.label}): expectation not met"
                       f": {why}")
    def gate(v: dict[str, Any]) -> tuple[str, str]:
        return str(v.get("runbook_id") or ""), str(v.get("step_id"))

    passed = {gate(v) for v in state.verifications if v.get("type") == ev.VERIFY_PASSED}
    for v in state.verifications:
        if v.get("type") == ev.VERIFY_FAILED and gate(v) not in passed:
            name = state.step_name(str(v.get("runbook_id") or ""), v.get("step") or v.get("step_id"))
            out.append(f"verify gate of {name} failed: {v.get('reason') or v.get('expr')}")
    held = held_gates(state) if state.first_verified_at is None else []
    if held:     # a gate passed, but on a measure within its line since before its step: no fix confirmed
        out.append(f"not mitigated by any verify gate: {held_said(held)}")
    out += relapse_concerns(state, gates, at)
    for st in state.running_steps():
        out.append(f"{state.step_name(st.runbook_id, st.step or st.step_id)} ({st.label}) is still running")
    return list(dict.fromkeys(out))


def relapse_concerns(state: IncidentState, gates: Sequence[Any] | None = None,
                     at: datetime | None = None) -> list[str]:
    """The mitigation that did not hold (``relapse``): a pane breached again since it and not recovered
    (the journal's), or still critical since a lift of its containment (``containment_lift.still_harmed``, known at
    ``at``), a passed gate's measure past its line now (``gates``: ``gate_reading.read_gates``)."""
    from warroom.incident.containment_lift import lift_words
    from warroom.incident.relapse import breached_again

    mitigated = state.phases.get("mitigated")
    if mitigated is None:
        return []
    said = f"{mitigated:%H:%M:%S} UTC"
    out = [f"the mitigation of {said} did not hold: "
           + (f"{lift_words(b)} and has not recovered" if b.get("lifted") else
              f"{b['title']} breached again at {b['at']:%H:%M:%S} UTC"
              f" ({format_stated(b['value'], b['unit'], against=(b.get('threshold'),))}) and has not recovered")
           + _own_failures(state, mitigated, b["at"]) for b in breached_again(state, at)]
    out += [f"the mitigation of {said} did not hold: {g.title or g.what} is {g.value} now, past {g.wanted}"
            f" (its verify gate passed at {g.passed_value})" for g in gates or () if g.past]
    return out


def _own_failures(state: IncidentState, mitigated: Any, breached: Any) -> str:
    """The team's own runs begun between the mitigation and a pane's breach again that failed: named beside the
    relapse, which may be theirs, not the mitigation's (redteam49 F7: "the mitigation … did not hold" of a breaker
    that held, for the commander's own retry of a docs flow failing again); "" when none. Which moved the pane is
    not known here, so each is said as a run that failed then, never as the cause."""
    runs = [f"{state.step_name(st.runbook_id, st.step or st.step_id)} ({st.label}"
            + "".join(f", {k}={v}" for k, v in sorted((run.params or {}).items())) + f") began at"
            f" {run.started_at:%H:%M:%S} UTC and ended {str(run.status).replace('_', ' ')}"
            + (f" (exit {run.exit_code})" if run.exit_code is not None else "")
            for st, run in state.commands_run()
            if mitigated <= run.started_at <= breached and run.status not in ("ok", "running")]
    return f"; just before it, {'; '.join(runs)}: the breach may be that run's, not the mitigation's" if runs else ""


RANGE = re.compile(r"\[\s*(\d+(?:\.\d+)?(?:ms|[smhdwy]))\s*(?::[^\]]*)?\]")


def longest_range(query: str) -> float:
    """The longest range (``[1h]``, a subquery's ``[1h:1m]``) in a PromQL query, in seconds; 0 for none."""
    seconds = 0.0
    for m in RANGE.finditer(query):
        try:
            seconds = max(seconds, parse_duration(m.group(1)))
        except ValueError:
            continue
    return seconds


def recent_query(query: str) -> str | None:
    """The pane's query with every range cut to the last ``RECENT`` seconds, or None when it has no
    range longer than that (it is itself as recent) or a subquery (its step would be meaningless)."""
    ranges = list(RANGE.finditer(query))
    if not ranges or longest_range(query) <= RECENT or any(":" in m.group(0) for m in ranges):
        return None
    return RANGE.sub(f"[{int(RECENT)}s]", query)


@dataclass(frozen=True)
class Recent:
    """A long-window pane's own query over the last ``RECENT`` seconds (``read_recent``).
    ``value``: what it reads (None: no data); ``born``: what counter series that began within those
    seconds counted (the most each reached, those gone since included), per selector the query takes a
    ``rate``/``increase`` of (None: not known)."""

    value: float | None
    born: tuple[tuple[str, float], ...] | None = ()


#: The counter selectors a query takes a rate or an increase of (COUNTING: every such call).
COUNTED = re.compile(r"\b(?:rate|irate|increase)\s*\(\s*([^\[\]()]+?)\s*\[")
COUNTING = re.compile(r"\b(?:rate|irate|increase)\s*\(")


def read_recent(source: Any, slo: SloConfig, at: float) -> Recent | None:
    """The pane's query over the last ``RECENT`` seconds at ``at`` (``recent_query``), or None when
    it has none or the source cannot answer it (nothing is said then).

    ``rate()`` and ``increase()`` see only what a series counted between its samples in the range:
    a counter series born inside it (a repo's first failure, every series of a restarted pod) is
    missing its first count, and one with a single sample there is missing altogether, so over five
    minutes after a rollout Prometheus reads "0%" while new pods fail flows (attack39 C3; checked on
    a real Prometheus, tests/integration/test_recent_reading_born_series.py). What such series counted
    is read beside it and said: ``max_over_time(SEL[300s]) unless SEL offset 300s``, the most each
    series reached within the five minutes, of every series absent at their start. A series that
    began *and ended* within them (a crashlooping pod that failed flows and was replaced) has
    staleness markers at ``at``, so ``SEL`` at ``at`` no longer holds it; read over the range, it is
    counted (attack40 A6, checked on a real Prometheus by the same test)."""
    expr = recent_query(slo.query)
    instant = getattr(source, "instant", None)
    if expr is None or not callable(instant):
        return None
    sample = instant(expr, at=at)
    if sample.error is not None:
        return None
    value = sample.value if sample.value is not None and not math.isnan(sample.value) else None
    selectors = [m.group(1) for m in COUNTED.finditer(expr)]
    if len(selectors) < len(COUNTING.findall(expr)):    # a selector not read here: what began is not known
        return Recent(value, None)
    born: list[tuple[str, float]] = []
    for sel in dict.fromkeys(selectors):
        held = instant(f"sum(max_over_time({sel}[{int(RECENT)}s]) unless {sel} offset {int(RECENT)}s)", at=at)
        if held.error is not None:
            return Recent(value, None)
        if held.value is not None and math.isfinite(held.value) and held.value > 0:
            born.append((sel, held.value))
    return Recent(value, tuple(born))


def recent_words(slo: SloConfig, recent: dict[str, Recent]) -> str:
    """What the pane's own query reads over the last ``RECENT`` seconds, after "still critical"."""
    r = recent.get(slo.id)
    if r is None:
        return ""
    last = format_duration(RECENT)
    unseen = ""
    if r.born:
        held = ", ".join(f"{n:g} {sel}" for sel, n in r.born)
        unseen = (f", not counting all of {held} in counter series that began within them (the most each"
                  " reached, series gone since included; rate and increase miss a series' first count)")
    if r.value is None:
        # "nothing it measures ran" is a claim only a complete look can make
        why = " (nothing it measures ran)" if r.born == () else ""
        return f"; over the last {last} the same query has no data{why}{unseen}"
    shown = format_stated(r.value, slo.unit, against=(slo.warn, slo.crit))
    return f"; over the last {last} the same query reads {shown}{unseen}"


def _check_ticked(st: StepState, run: StepRun) -> bool:
    """Whether the IC ticked ``st`` done after ``run``, a check (a run that changed nothing): what the check found
    is then judged, the checklist counts the step done, and its miss is no open concern (redteam38 F6: RB-CORE-005's
    Detection count, ticked, was still "Resolved although …" after the audit log was restored and validated). A
    mitigation's miss stays one: a tick does not make its change happen. A run after the tick is judged afresh
    (``_step_started`` sets the status to running), and an untick brings the miss back."""
    return st.status == "ticked" and not run.mutating


def _checked_again(run: StepRun, runs: list[tuple[StepState, StepRun]]) -> bool:
    """Whether a run started after ``run`` ended ran the same check and met it: the same command as
    run (its parameters filled in) with the same expectation, in another step or another open runbook
    (a Triage check repeated under Validation, two runbooks sharing one). That is the check settled,
    as a later run of the step itself settles it. Different steps are never linked otherwise: RB-CORE-005's
    Detection count ("0 confirms an audit-log failure") and its Validation count ("more than 0") are two
    checks, and the runbook format declares no link between them (the IC's tick says one was judged)."""
    after = run.end_seq if run.end_seq is not None else run.seq
    return bool(run.command) and any(
        r.seq > after and r.expect_met is True and r.command == run.command and r.expect == run.expect
        for _st, r in runs)


def now_unix() -> float:
    return stime.now()
