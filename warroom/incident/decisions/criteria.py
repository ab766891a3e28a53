"""One criterion judged: met, not met or unknown, from a metric query, the number in a step's
output, tagged notes or time since detection (scenario time in a drill). What cannot be read is
unknown, never met."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime
from typing import Any

from warroom import scenario_time as stime
from warroom.durations import format_duration
from warroom.errors import WarroomError
from warroom.incident.decisions.model import (MET, NO_OUTPUTS, NOT_HERE, NOT_MET, UNKNOWN, CriterionVerdict, Query,
                                              StaleReading, StepOutput, note_source, step_source)
from warroom.runbook.criterion_query import unit_mismatch
from warroom.runbook import series as series_rule
from warroom.runbook.decision import Criterion
from warroom.units import format_comparison
from warroom.paths import command

OUTPUT_TAIL = 65536          # bytes of a step's output searched for a criterion's number


def _compare(value: float, op: str, target: float) -> bool:
    return series_rule.holds(value, op, target)


def _since_detection(state: Any, now: datetime) -> float | None:
    start = state.clock_start
    if start is None:
        return None
    return stime.between(state, start, now).seconds


def scenario_span(state: Any, scenario_seconds: float, wall: bool = True) -> str:
    """Scenario seconds (what a criterion's ``after`` counts) as every drill duration reads:
    ``15m10s drill time (1m31s wall)`` (``warroom.scenario_time``)."""
    return stime.of_scenario(state, scenario_seconds).text(wall=wall)


def judge(c: Criterion, side: str, state: Any, now: datetime, query: Query | None,
          step_output: Callable[[str], StepOutput | None]) -> CriterionVerdict:
    """One criterion: met / not met / unknown, with the evidence in words and the value judged.
    What cannot be read (no source, a failed query, a step not run or not ended ok, no clock) is
    unknown, never met."""
    kind = c.kind
    if kind == "metric":
        return _metric(c, side, query)

    def verdict(st: str, evidence: str, value: float | None = None, source: str | None = None,
                judged: bool = True, seen_at: datetime | None = None) -> CriterionVerdict:
        return CriterionVerdict(side, c.text, st, evidence, kind, value, source, judged, seen_at=seen_at)

    if kind == "step":
        if step_output is NO_OUTPUTS:
            return verdict(UNKNOWN, "not judged in this view (the dashboard and `incident decide` judge it)",
                           judged=False)
        run = step_output(c.step or "")
        if run is None:
            return verdict(UNKNOWN, f"step {c.step} has not run")
        where = step_source(c.step or "", run.seq)
        if run.status != "ok":
            said = {"running": "is still running"}.get(run.status, f"last ended {run.status.replace('_', ' ')}"
                                                       + (f" (exit {run.exit_code})" if run.exit_code is not None else ""))
            return verdict(UNKNOWN, f"step {c.step} {said}: its output is not evidence", source=where)
        if run.ended_at is not None and run.ended_at > now:
            return verdict(UNKNOWN, f"step {c.step}'s last run ended at {run.ended_at:%H:%M:%S} UTC, after the moment"
                           " judged: not evidence of it", source=where)
        if run.text is None:
            return verdict(UNKNOWN, f"step {c.step}'s output is not kept here", source=where)
        number = _last_number(c.pattern or "", run.text)
        if number is None:
            return verdict(UNKNOWN, f"step {c.step}'s output has no number for its pattern", source=where)
        ok = _compare(number, c.op or ">=", c.value or 0.0)
        # the output is what the step said when it ran, not now: the evidence says when
        said = f" (run ended {run.ended_at:%H:%M:%S} UTC)" if run.ended_at is not None else ""
        # stated as the metric criteria state theirs: "4 >= 5" alone reads as a claim, "4 >= 5 is false" does not
        compared = f"{format_comparison(number, c.op or '>=', c.value, None)} is {'true' if ok else 'false'}"
        return verdict(MET if ok else NOT_MET, f"step {c.step}{said}: {compared}", number, where, seen_at=run.ended_at)
    since = _since_detection(state, now)
    if kind == "note":
        notes = [n for n in state.notes if n.tag == (c.note or c.no_note)]
        first = notes[0] if notes else None
        cite = note_source(first.seq) if first is not None else None
        if c.note:
            return verdict(MET if first else NOT_MET,
                           f"a {c.note} note {'exists' if first else 'is not recorded yet'}", source=cite)
        if first is not None:
            return verdict(NOT_MET, f"a {c.no_note} note exists", source=cite)
    if kind in ("note", "time") and since is None:
        return verdict(UNKNOWN, "the incident clock has not started")
    waited = since is not None and (c.after is None or since >= c.after)
    if kind == "note":
        if not waited:
            left = format_duration(max(0.0, (c.after or 0) - (since or 0)))
            return verdict(NOT_MET, f"no {c.no_note} note yet; {left} left of "
                           f"{scenario_span(state, c.after or 0, False)}", since)
        return verdict(MET, f"no {c.no_note} note after {scenario_span(state, since or 0)}", since)
    if kind == "time":
        return verdict(MET if waited else NOT_MET, f"{scenario_span(state, since or 0)} since detection", since)
    return verdict(UNKNOWN, "the commander's judgement")


def _metric(c: Criterion, side: str, query: Query | None) -> CriterionVerdict:
    """A metric criterion judged. One rule for its words: a criterion naming ``[queries.NAME]``
    says every evidence in that query's title and unit ("Repositories failing: 7 >= 5 is true",
    "Pilot failure share: no data"), so every view that shows the evidence (dialog, ``incident
    decide``/``show``, brief, PIR from the journal) says what was read, never the PromQL; bare
    PromQL reads as before. A name ``[queries]`` refused and a ``%`` value on a query not in
    percent are never queried: what they would compare is not what the runbook says. A query's
    series decide as a verify gate's do (``warroom.runbook.series``): every series must meet it,
    so the worst decides ("3 >= 5 is false (the worst of 4 series)"), and a series with no
    reading (NaN) leaves it unknown unless another one already fails it."""
    m = c.measure
    unit = m.unit if m is not None else None

    def verdict(st: str, evidence: str, value: float | None = None, judged: bool = True) -> CriterionVerdict:
        said = f"{m.title}: {evidence}" if m is not None else evidence
        return CriterionVerdict(side, c.text, st, said, "metric", value, c.promql, judged,
                                title=m.title if m is not None else None, unit=unit,
                                name=m.name if m is not None else None)

    if c.refused:
        return verdict(UNKNOWN, f"the runbook's query {c.query!r} has errors in its [queries]"
                       f" (`{command('runbooks', 'lint')}` says which): not read")
    if mismatch := unit_mismatch(c):
        return verdict(UNKNOWN, f"{mismatch}: not compared (`{command('runbooks', 'lint')}` says so)")
    if query is None:
        return verdict(UNKNOWN, "no metric source")
    if query is NOT_HERE:
        return verdict(UNKNOWN, "not judged in this view (the dashboard and `incident decide` judge it)", judged=False)
    op, target = c.op or ">=", c.value or 0.0
    try:
        reading = series_rule.deciding(query(c.promql or ""), op, target)
    except StaleReading as exc:        # what a pane on it shows STALE is no reading of now
        return verdict(UNKNOWN, str(exc))
    except (WarroomError, ValueError, OSError) as exc:
        return verdict(UNKNOWN, f"query failed: {exc}")
    if reading.value is None:
        return verdict(UNKNOWN, reading.problem or "no data")
    ok = _compare(reading.value, op, target)
    return verdict(MET if ok else NOT_MET, f"{format_comparison(reading.value, op, c.value, unit)}"
                   f" is {'true' if ok else 'false'}{reading.said}", reading.value)


def _last_number(pattern: str, text: str) -> float | None:
    """The number the pattern's first group captures, at its last match in ``text`` (the tail);
    the pattern runs on RE2 (linear time: a runbook's pattern cannot stall the dashboard)."""
    from warroom.execute.redact_user import compile_user_pattern

    data = text.encode("utf-8", "replace")[-OUTPUT_TAIL:]
    last = None
    for m in compile_user_pattern("(?m)" + pattern).finditer(data):
        last = m
    if last is None:
        return None
    try:
        number = float((last.group(1) or b"").decode("utf-8", "replace").replace(",", ""))
    except ValueError:
        return None
    return number if math.isfinite(number) else None
