"""The PIR's SLO evidence and computed impact, read from the last ``metrics.summarised`` event
(range queries over the incident window, made when the incident was resolved or exported): per
pane the value at impact start, at detection, the worst (with its time), at resolution; time past
the critical threshold with its spans and the gaps in the data; configured counter totals with
their query. Nothing here queries a source: it states what the summary holds, citing it."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from warroom import scenario_time as stime
from warroom.durations import format_duration
from warroom.incident.md_text import Md, code
from warroom.incident.review.lines import HUMAN, Line, cite, from_unix, hms, value_text
from warroom.journal import numbers
from warroom.sources.freshness import stale_words
from warroom.units import format_stated

if TYPE_CHECKING:
    from warroom.incident.state import IncidentState


@dataclass
class PaneEvidence:
    slo_id: str
    title: str
    threshold: str
    at_start: str
    at_detection: str
    worst: str
    worst_at: datetime | None
    at_resolution: str
    breach: str
    cites: tuple[int, ...]

    @property
    def cite(self) -> str:
        return cite(self.cites)


SPANS = 4      # the breach spans the Impact lists by their times


def past(value: float, level: float, e: dict[str, Any]) -> bool:
    """Whether ``value`` is beyond ``level`` in the SLO's bad direction (``e["direction"]``)."""
    return value > level if e.get("direction", "above") == "above" else value < level


def _sample_text(sample: dict[str, Any] | None, unit: str, mark: float | None = None,
                 against: tuple[Any, ...] = ()) -> str:
    """The value; beside a mark (impact start, detection, resolution) a value read at another
    time (a recorded history has no reading at the mark) says when it was read. ``against``: the
    pane's thresholds in the same row, which a different value never reads as."""
    if not sample or sample.get("value") is None:
        return "n/a"
    text = format_stated(float(sample["value"]), unit, against=tuple(numbers.decode(t) for t in against))
    if sample.get("stale_age") is not None:      # the pane said STALE: a frozen value, not a reading then
        text += f" ({stale_words(float(sample['stale_age']))})"
    if mark is not None and sample.get("at") is not None and abs(float(sample["at"]) - float(mark)) > 1e-3:
        text += f" (read at {hms(from_unix(sample['at']))})"
    return text


def _gap(state: IncidentState, e: dict[str, Any]) -> str:
    """``no data for 5m15s`` of the impact window (not counted in breach), or ""."""
    gap = float(e.get("gap_seconds") or 0.0)
    return f"no data for {stime.text(state, gap)}" if gap > 0 else ""


def _stale(state: IncidentState, e: dict[str, Any]) -> str:
    """``stale for 4m00s, last sample up to 4m50s old`` of the impact window (the pane said STALE:
    its frozen value was not judged, neither breach nor recovery), or ""."""
    secs = float(e.get("stale_seconds") or 0.0)
    if secs <= 0:
        return ""
    age = e.get("stale_age")
    return f"stale for {stime.text(state, secs)}" + (f", last sample up to {format_duration(float(age))} old"
                                                     if age is not None else "")


def _unjudged(state: IncidentState, e: dict[str, Any]) -> str:
    """What of the impact window was not judged: its gaps and its stale stretches."""
    return "; ".join(x for x in (_gap(state, e), _stale(state, e)) if x)


def evidence(state: IncidentState) -> tuple[list[PaneEvidence], Line | None]:
    """Per pane, from the last ``metrics.summarised``: panes that breached or went past warn first."""
    summ = state.metric_summary
    if not summ:
        if not state.resolved:
            return [], Line(Md("_The SLO values are read from the metric history when the incident is resolved"
                               " (or exported); not yet._"))
        return [], Line(HUMAN + Md(" no metric history was read for this incident (no metric source when it"
                                   " was resolved or exported); SLO values are not quoted rather than guessed"))
    seq = int(summ["seq"])
    marks = summ.get("marks") or {}
    out = []
    for slo_id, e in (summ.get("slos") or {}).items():
        unit = str(e.get("unit") or "count")
        worst = e.get("worst") or None
        crit = e.get("crit")
        bounds = (e.get("warn"), crit)
        interesting = e.get("breached") or (worst and e.get("warn") is not None and past(worst["value"], e["warn"], e))
        if not interesting:
            continue
        breach_cites = tuple(b["seq"] for b in state.breaches if b["slo_id"] == slo_id)
        secs = breach_time(state, slo_id, e)[1]
        gap = _unjudged(state, e)
        out.append(PaneEvidence(
            slo_id=slo_id, title=str(e.get("title") or slo_id),
            threshold=value_text(crit, unit) if crit is not None else "n/a",
            at_start=_sample_text(e.get("at_start"), unit, marks.get("started"), bounds),
            at_detection=_sample_text(e.get("at_detection"), unit, marks.get("detected"), bounds),
            worst=_sample_text(worst, unit, against=bounds), worst_at=from_unix(worst["at"]) if worst else None,
            at_resolution=_sample_text(e.get("at_resolution"), unit, marks.get("resolved"), bounds),
            breach=(stime.text(state, secs) if secs else "none") + (f" ({gap})" if gap else ""),
            cites=(seq, *breach_cites)))
    notes = []
    # a pane with no point over the window is unknown, never "did not go past warn": said by name
    blank = [str(e.get("title") or k) for k, e in (summ.get("slos") or {}).items() if e.get("points") == 0]
    if blank:
        judged = len(summ.get("slos") or {}) - len(blank)
        notes.append(f"No data over the incident window (the metric source answered nothing) for {', '.join(blank)}:"
                     " not judged" + ("" if out or not judged else "; no other pane went past its warn threshold"))
    shown = {p.slo_id for p in out}
    stale = [f"{e.get('title') or k} {_stale(state, e)}" for k, e in (summ.get("slos") or {}).items()
             if k not in shown and e.get("stale_seconds")]
    if stale:       # a pane stale and otherwise quiet: its frozen stretch was judged neither way
        notes.append("Stale data (the pane said STALE; its frozen value not judged): " + ", ".join(stale))
    recorded = [str(e.get("title") or k) for k, e in (summ.get("slos") or {}).items() if e.get("recorded")]
    if recorded:
        notes.append("Read from the incident's saved metrics.json (the live source no longer answered): "
                     + ", ".join(recorded))
    # a part of the window the live source no longer answered, the rest read live (attack40 A8)
    filled = [f"{e.get('title') or k} " + ", ".join(f"{hms(from_unix(a))}–{hms(from_unix(b))}" for a, b in spans)
              for k, e in (summ.get("slos") or {}).items() if (spans := e.get("filled")) and not e.get("recorded")]
    if filled:
        notes.append("Read from the incident's saved metrics.json where the live source no longer answered,"
                     " the rest live: " + "; ".join(f"{f} UTC" for f in filled))
    if summ.get("errors"):
        notes.append("Not read: " + "; ".join(str(x) for x in summ["errors"]))
    return out, Line(". ".join(notes), (seq,)) if notes else None


def _journaled(state: IncidentState, slo_id: str, runs: list[list[float | None]]) -> list[tuple[float, float | None]]:
    """The spans past critical of the summary (``runs``, off its history's grid), each end the journal's instant of that
    breach or recovery when it has one within a grid step of it inside the impact window: the Key Moments quote those,
    and one breach has one time in the PIR (redteam50 F9: Key Moments 17:37:01 and 17:48:55, the Impact 17:37:03 to
    17:48:57 for one breach, the grid's 3-second step apart; both the pane's readings, neither finer)."""
    summ = state.metric_summary or {}
    step = float((summ.get("window") or {}).get("step") or 0.0)
    marks = summ.get("marks") or {}
    lo, hi = marks.get("started") or marks.get("detected") or -math.inf, marks.get("resolved") or math.inf
    said = [(b["kind"], b["at"].timestamp()) for b in state.breaches if b["slo_id"] == slo_id]

    def at(kind: str, t: float) -> float:
        near = [j for k, j in said if k == kind and abs(j - t) <= step + 1e-6 and lo <= j <= hi]
        return min(near, key=lambda j: abs(j - t), default=t)
    return [(at("breached", float(a)), None if b is None else at("recovered", float(b)))
            for a, b in runs if a is not None]


def breach_time(state: IncidentState, slo_id: str, e: dict[str, Any]) -> tuple[list[tuple[float, float | None]], float]:
    """The spans past critical the PIR quotes (``_journaled``) and the time past critical said beside them: the
    summary's (``breach_seconds``, summed on its history's grid, its gaps and stale stretches left out) moved by exactly
    what each quoted end moved from the grid's, so the total is the sum of the spans shown, less only the time in them
    not judged, which is said beside (fix50f's leftover: the spans quoted the journal, the total the grid, a step apart
    at each end)."""
    grid = [(float(a), None if b is None else float(b)) for a, b in e.get("breaches") or [] if a is not None]
    shown = _journaled(state, slo_id, e.get("breaches") or [])
    moved = sum((a - x) + (0.0 if b is None or y is None else y - b)
                for (a, b), (x, y) in zip(grid, shown, strict=True))
    return shown, max(0.0, float(e.get("breach_seconds") or 0.0) + moved)


def impact(state: IncidentState) -> list[Line]:
    """Computed impact per breached SLO (time in breach, worst and when, counter totals)."""
    summ = state.metric_summary
    if not summ:
        return []
    seq = int(summ["seq"])
    lines = []
    for slo_id, e in (summ.get("slos") or {}).items():
        if not e.get("breached"):
            continue
        unit = str(e.get("unit") or "count")
        worst = e.get("worst") or {}
        runs, secs = breach_time(state, slo_id, e)
        # each span says UTC at its times: one still open ends in words, which a " UTC" after all of them followed
        # ("from 09:16:34, still breached at the end UTC", redteam47 F13); the total counts every span: those not
        # listed are said to be there
        spans = ", ".join([*(f"{hms(from_unix(a))}–{hms(from_unix(b))} UTC" if b is not None
                             else f"from {hms(from_unix(a))} UTC, still breached at the end" for a, b in runs[:SPANS]),
                           *([f"and {len(runs) - SPANS} more"] if len(runs) > SPANS else [])])
        cites = (seq, *(b["seq"] for b in state.breaches if b["slo_id"] == slo_id))
        gap = _unjudged(state, e)
        text = (f"{e.get('title')}: past its critical threshold {value_text(e.get('crit'), unit)} for"
                f" {stime.text(state, secs)} ({spans}{'; ' + gap + ' of the impact window' if gap else ''});"
                f" worst {_sample_text(worst, unit, against=(e.get('warn'), e.get('crit')))} at"
                f" {hms(from_unix(worst.get('at')))} UTC")
        lines.append(Line(Md("{} _(computed from the metric history)_").format(text), cites))
        count = e.get("impact_count")
        if count:
            if count.get("value") is None:
                lines.append(Line(Md("{}: not computed ({}); query {}").format(
                    count.get("label"), count.get("error") or "no data", code(count.get("query"))), (seq,)))
            else:
                lines.append(Line(Md("{} during the impact window: {:.0f} _(computed: {})_").format(
                    count.get("label"), count["value"], code(count.get("query"))), (seq,)))
    harm = summ.get("drill_harm")
    if harm:    # a drill's harm no pane counts (the audit-gap's unaudited flows): the simulator's own record
        text = (f"{harm.get('title')} from {hms(from_unix(harm.get('from')))} to {hms(from_unix(harm.get('to')))} UTC:"
                f" {harm.get('value')}" + (f" ({harm['rows']})" if harm.get("rows") else ""))
        lines.append(Line(Md("{} _(drill simulator: its record of each flow)_").format(text), (seq,)))
    return lines
