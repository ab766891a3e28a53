"""One criterion judged: met, not met or unknown, from a metric query, the number in a step's
output, tagged notes or time since detection (scenario time in a drill). What cannot be read is
unknown, never met."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any, NamedTuple

from warroom import scenario_time as stime
from warroom.durations import format_duration
from warroom.errors import WarroomError
from warroom.incident import observer_seat
from warroom.incident.decisions.model import (MET, NO_OUTPUTS, NOT_HERE, NOT_MET, UNKNOWN, CriterionVerdict, Query,
                                              StaleReading, StepOutput, note_source, step_source)
from warroom.incident.decisions.reversals import Undo
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


#: An ``unless_ran`` criterion whose text says, beside its measure, that the step has not run ("… and the audit shipper
#: has not been restarted"): a conjunction, false once the step ran ok (``judge``). Its words must say a step "has not
#: been …" / "has not run", as a ``not_ran`` criterion's must (``runbook.decision``): any "and … not" ("high and not
#: falling") would turn a measure the step made moot into "not met", a NO-GO reason dropped on the wording alone
STATES_NOT_RAN = re.compile(r"\band\b[^.;]*\b(?:has|have)\s+not\s+(?:been|run|ran)\b")
#: that half in its own words, to the end of its clause ("the audit shipper has not been restarted")
NOT_RAN_HALF = re.compile(r"\band\b([^.;:,]*\b(?:has|have)\s+not\s+(?:been|run|ran)\b[^.;:,()]*)")

#: A step's checklist states (``marks.checklist_state``) that count as "ran ok" for ``ran``,
#: ``not_ran`` and ``unless_ran``: exit 0 and its expectation met, its verify gate passed or still watching (a
#: mitigation under way), never failed, unmet or unchecked
RAN_OK = ("ok", "verifying")


def judge(c: Criterion, side: str, state: Any, now: datetime, query: Query | None,
          step_output: Callable[[str], StepOutput | None], runbook_id: str | None = None,
          typed: Callable[[str], str | None] | None = None,
          undone: Callable[[Any], Undo | None] | None = None) -> CriterionVerdict:
    """One criterion: met / not met / unknown, with the evidence in words and the value judged.
    What cannot be read (no source, a failed query, a step not run or not ended ok, no clock) is
    unknown, never met. ``runbook_id``: whose steps ``ran`` / ``unless_ran`` name (None: any).
    ``typed(ref)``: when a step was typed by hand in the drill shell (``+7m58s``, the drill report's
    ``by_hand`` rule), else None: not counted, but said where ``ran`` / ``not_ran`` speak of that step.

    ``unless_ran``: once one of those steps ran ok, what the criterion measures is no evidence of
    what it says, so it is unknown with the reading kept in its words; not met when its words say the step has not
    run beside the measure (``STATES_NOT_RAN``: "… and the shipper has not been restarted"). Only for a step that makes
    the measure itself moot: a step having run ok never says it was the right fix (attack39 G1:
    the wrong scenario's breaker silenced "root cause still unknown").

    ``undone(run)``: what undid a step's run since (``reversals.Reversals.undone_by``): a run whose effect a later
    recorded change reversed is no "ran ok" for the GO / NO-GO criteria (redteam51 R6), said with what undid it;
    None (a view that reads the journal only, and every ``applies_when``: a condition is a fact of the run) counts
    the run as before."""
    undone = None if side == "applies_when" else undone
    v = _judge(c, side, state, now, query, step_output, runbook_id, typed, undone)
    both = STATES_NOT_RAN.search(c.text) is not None       # its words state both halves: one false is enough
    if not c.unless_ran or side == "applies_when" or v.state == (NOT_MET if both else UNKNOWN):
        return v
    found = ran_ok(state, runbook_id, c.unless_ran, now, undone)
    if found.hit is None:
        if not found.undone:
            return v
        # the step ran and was undone since: the measure is evidence again, its half "has not been …" true again
        # (the shipper restarted, then scaled to zero); one that may have been undone leaves it unknown
        said = f"{v.evidence}; {found.undone_words(state, now)}"
        return replace(v, evidence=said) if found.surely_undone else replace(v, state=UNKNOWN, evidence=said)
    ref, run = found.hit
    if both:
        # its words state the step's not having run as half of what it says ("… quiet and the audit shipper has not
        # been restarted"): with the step run ok that half is false, so the criterion is not met (redteam49 F7: "?
        # unknown" kept a NO-GO tally open on a reason that is not one)
        # the half named, not "its words say it has not", which read as the restart's own output saying it had not
        # restarted (redteam51 R11)
        half = NOT_RAN_HALF.search(c.text)
        said = f'"{half.group(1).strip()}" is false' if half is not None else "its words say it has not"
        return replace(v, state=NOT_MET, evidence=f"{v.evidence}, but step {ref} ran ok {_ago(state, run, now)}: "
                       + said)
    return replace(v, state=UNKNOWN, evidence=f"{v.evidence}, but step {ref} ran ok {_ago(state, run, now)}: "
                   "not evidence of it any more")


def _judge(c: Criterion, side: str, state: Any, now: datetime, query: Query | None,
           step_output: Callable[[str], StepOutput | None], runbook_id: str | None,
           typed: Callable[[str], str | None] | None = None,
           undone: Callable[[Any], Undo | None] | None = None) -> CriterionVerdict:
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
            ticks = _ticked(state, runbook_id, [c.step or ""], now)     # a tick is no run, yet never "has not run"
            # nor of a step only a read-only seat ran: its run is said, not the response's (``observer_seat``)
            seen = [st.observed[-1] for st in _records(state, runbook_id, c.step or "") if getattr(st, "observed", ())]
            # nor of one typed in the drill shell, which the checklist and the report credit (redteam48 F11): its
            # output is the shell's, not kept, so the number is not read
            when = typed(c.step or "") if typed is not None else None
            if when is not None:
                said = (f"step {c.step} was typed by hand at {when} (drill shell): its output is not kept, so its"
                        f" number is not read; run step {c.step} in warroom to judge it")
                if side != "applies_when":
                    return verdict(UNKNOWN, said)
                # a condition: the team did what makes the decision arise, as the checklist credits it, so it arises
                # from then, its number unread (redteam49 F12: never "has not run", no deadline, no reminder)
                return replace(verdict(UNKNOWN, f"{said}; the decision arises from then",
                                       seen_at=getattr(when, "moment", None)), by_hand=True)
            return verdict(UNKNOWN, f"{ticks[0]}: it has no output to read" if ticks else
                           f"step {c.step} {observer_seat.said_of(seen[-1])}" if seen else f"step {c.step} has not run")
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
        # stated as the metric criteria state theirs: "4 >= 5" alone reads as a claim, "4 >= 5 is false" does not
        compared = f"{format_comparison(number, c.op or '>=', c.value, None)} is {'true' if ok else 'false'}"
        if run.ended_at is None:
            return verdict(MET if ok else NOT_MET, f"step {c.step}: {compared}", number, where)
        # the output is what the step said when it ran, not now: the evidence says how long ago, in
        # the drill's time (at x10 "run ended 00:35:20 UTC" hid that it was 35 drill minutes old)
        ago = f"{_age(state, run.ended_at, now)} ago, ended {run.ended_at:%H:%M:%S} UTC"
        change = changed_since(state, run.ended_at, now)
        if change is not None and side != "applies_when":
            # a count taken before the rollback says nothing of now: stale, as a metric on data a pane
            # calls STALE is (a condition read in a step's output is a fact of its run: it stays)
            # the first change is named as when changes began, never as what moved the number: which change could move
            # it is not known here (redteam48 F9: "before step snapshot-database changed things" of a repo count)
            ref, at, more, did = change
            since = (f"before step {ref} {did} ({at:%H:%M:%S} UTC{_more(more)})" if did else
                     f"and changes were made since (step {ref} at {at:%H:%M:%S} UTC first{_more(more)})")
            return verdict(UNKNOWN, f"stale: step {c.step} ran {ago}, {since}: it read {compared}; run it again",
                           number, where, seen_at=run.ended_at)
        return verdict(MET if ok else NOT_MET, f"step {c.step} (run {ago}): {compared}", number, where,
                       seen_at=run.ended_at)
    if kind == "ran":
        found = ran_ok(state, runbook_id, c.ran, now, undone)
        hit, said = found.hit, found.said
        if hit is None and found.undone:
            # it ran ok, and a change recorded since reversed what it did: not met, or unknown where the change's
            # effect is not read (redteam51 R6: redaction switched off by hand read "✔ met … ran ok")
            return verdict(NOT_MET if found.surely_undone else UNKNOWN, "; ".join([found.undone_words(state, now),
                                                                                   *said]),
                           source=found.source, seen_at=found.undone[0].undo.at)
        if hit is None:
            # a change made outside the runbook is as real: what the tool cannot see is unknown, never not met;
            # one typed in the drill shell is said so, never "has not run" beside a report crediting it (redteam42 R1)
            said += _by_hand(c.ran, typed) + _ticked(state, runbook_id, c.ran, now)
            if side == "applies_when" and not said:
                # when a branch or a decision applies ("the deny ran: lift it") is read from the journal as
                # ``not_ran`` reads it, with its caveat: unknown for ever made the lifting step "not done" in every
                # response that never put the deny. A failed run, one typed in the drill shell or a tick (done
                # outside warroom, the commander says) stays unknown: it may have acted (attack47 Y1, Y2)
                return verdict(NOT_MET, f"step {', '.join(c.ran)} has not run"
                               " (a change made outside the runbook is not seen here)")
            return verdict(UNKNOWN, ("; ".join(said) if said else "none of its steps has run yet")
                           + ": the commander's judgement")
        ref, run = hit
        return verdict(MET, f"step {ref} ran ok {_ago(state, run, now)}", source=step_source(ref, run.seq),
                       seen_at=run.ended_at)
    if kind == "not_ran":
        found = ran_ok(state, runbook_id, c.not_ran, now, undone)
        hit, said = found.hit, found.said
        if hit is None and found.undone:
            # undone since: what it did no longer stands, as if it had not run ("flows would run unredacted" is true)
            return verdict(MET if found.surely_undone else UNKNOWN, "; ".join([found.undone_words(state, now), *said])
                           + (": what it did no longer stands" if found.surely_undone else ""),
                           source=found.source, seen_at=found.undone[0].undo.at)
        if hit is None:
            # what the tool ran is all it sees: a change made by hand elsewhere is the commander's to weigh; a step
            # ticked done is the commander saying it was done outside warroom, never "has not run" (attack47 Y2's note)
            said += _by_hand(c.not_ran, typed)
            if ticks := _ticked(state, runbook_id, c.not_ran, now):
                return verdict(UNKNOWN, "; ".join(said + ticks) + ": the commander's judgement")
            return verdict(MET, ("; ".join(said) if said else f"step {', '.join(c.not_ran)} has not run")
                           + " (a change made outside the runbook is not seen here)")
        ref, run = hit
        return verdict(NOT_MET, f"step {ref} ran ok {_ago(state, run, now)}", source=step_source(ref, run.seq),
                       seen_at=run.ended_at)
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


def _by_hand(refs: Sequence[str], typed: Callable[[str], str | None] | None) -> list[str]:
    """What ``ran`` / ``not_ran`` say of their steps typed by hand in the drill shell (``judge``'s ``typed``)."""
    return [f"step {ref} was typed in the drill shell at {when} (not run through warroom: not counted)"
            for ref in refs if typed is not None and (when := typed(ref)) is not None]


def _ticked(state: Any, runbook_id: str | None, refs: Sequence[str], now: datetime) -> list[str]:
    """What ``ran`` / ``not_ran`` / a step's output say of their steps ticked done by ``now``: done outside warroom
    (the commander says), never "has not run"."""
    from warroom.incident.marks import checklist_state

    return [f"step {ref} was ticked done at {st.ticked_at:%H:%M:%S} UTC by {st.ticked_by or 'someone'}, not run"
            " through warroom"
            for ref in refs for st in _records(state, runbook_id, ref)
            if st.ticked_at is not None and st.ticked_at <= now and checklist_state(st, None) == "ticked"]


def _more(more: int) -> str:
    return f", and {more} more change{'s' if more > 1 else ''}" if more else ""


def _age(state: Any, then: datetime, now: datetime) -> str:
    """How long before ``now`` (drill time in a drill: ``35m12s drill time``)."""
    return stime.between(state, then, now).text(wall=False)


def _ago(state: Any, run: Any, now: datetime) -> str:
    """``1m13s drill time ago (00:58:02 UTC)``: when a run ended, as a criterion's evidence says it."""
    return f"{_age(state, run.ended_at, now)} ago ({run.ended_at:%H:%M:%S} UTC)"


def _records(state: Any, runbook_id: str | None, ref: str) -> list[Any]:
    """The step records ``ref`` (a step's name or number) names in ``runbook_id`` (None: any runbook)."""
    return [st for st in (getattr(state, "steps", None) or {}).values()
            if (runbook_id is None or getattr(st, "runbook_id", runbook_id) == runbook_id)
            and ref in (st.step_id, str(st.step))]


class Reverted(NamedTuple):
    """A step's run that ran ok, and what undid it since (``reversals.Undo``)."""

    ref: str
    run: Any
    undo: Undo


class Ran(NamedTuple):
    """``ran_ok``'s answer: the run that ran ok and stands (``hit``: (ref, run)), what each other one that ran shows,
    and each run ok that a later change undid (``undone``)."""

    hit: tuple[str, Any] | None
    said: list[str]
    undone: list[Reverted]

    @property
    def surely_undone(self) -> bool:
        """Every run ok was surely undone (none only "may have been")."""
        return all(r.undo.sure for r in self.undone)

    @property
    def source(self) -> str | None:
        return step_source(self.undone[0].ref, self.undone[0].run.seq) if self.undone else None

    def undone_words(self, state: Any, now: datetime) -> str:
        """``step enable-pii-redaction ran ok 15m08s drill time ago (20:49:12 UTC), undone at 20:49:40 UTC by …``."""
        return "; ".join(f"step {r.ref} ran ok {_ago(state, r.run, now)}, {r.undo.words()}" for r in self.undone)


def ran_ok(state: Any, runbook_id: str | None, refs: Sequence[str], now: datetime,
           undone: Callable[[Any], Undo | None] | None = None) -> Ran:
    """The first of ``refs`` whose latest run, ended by ``now``, ran ok (``RAN_OK``, the checklist's
    rule: ``marks.checklist_state`` with its verify gate) and was not undone since (``undone``: what undid a run,
    ``reversals``; None: not asked), as (ref, run); and, when none did, what each one that ran shows
    ("rollback-deployment: failed") and each run ok that was undone."""
    from warroom.incident.gates import gate_states
    from warroom.incident.marks import checklist_state, state_word

    gates = gate_states(state, now) if hasattr(state, "verifications") else {}
    said = []
    reverted: list[Reverted] = []
    for ref in refs:
        for st in _records(state, runbook_id, ref):
            run = st.last_run
            if run is None or run.ended_at is None or run.ended_at > now:
                continue
            shown = checklist_state(st, gates.get((st.runbook_id, st.step_id)))
            if shown in RAN_OK and run.off_default:
                # not the runbook's step: the PII step run on the audit shipper lifted "redaction has not run"
                # (attack41 A8); what the step changed is the commander's to judge
                said.append(f"step {ref} ran ok with " + ", ".join(
                    f"{k}={run.params.get(k, '?')}" for k in sorted(run.off_default)) + " where the runbook has "
                    + ", ".join(f"{k}={v}" for k, v in sorted(run.off_default.items())) + ": not counted")
                continue
            if shown in RAN_OK:
                if undone is not None and (undo := undone(run)) is not None:
                    reverted.append(Reverted(ref, run, undo))
                    continue
                return Ran((ref, run), [], [])
            if shown == "ticked":
                continue            # said by ``_ticked``: done outside warroom, the commander says
            said.append(f"step {ref}: {state_word(shown)}")
    return Ran(None, said, reverted)


def changed_since(state: Any, since: datetime, now: datetime) -> tuple[str, datetime, int, str | None] | None:
    """The first run of a step that changes things (``mutating``) started after ``since`` and by
    ``now``, in any runbook of the incident: (its step, when it started, how many more did since, and
    None for a run that ended ok, else what it may have done: still running, or how it ended); None.

    A run that ended ok changed things; one that failed (exit not 0, timed out, cancelled) may have
    changed nothing — ``rollout undo --to-revision=99`` refused — or part of what it meant to (an
    ``apply`` half done): the tool cannot tell, so the evidence read before it is still no reading
    of now, but it is never said to have "changed things" (attack39 G3): "may have changed things
    (it failed: exit 1)"; one still running "may be changing things". A run that ended ok is named
    first when there is one, then a running one."""
    rank = {"ok": 0, "running": 1}
    runs = [((rank.get(str(run.status), 2), run.started_at, st.step_id), run)
            for st in (getattr(state, "steps", None) or {}).values()
            for run in st.runs if run.mutating and since < run.started_at <= now]
    runs.sort(key=lambda r: r[0])
    if not runs:
        return None
    (kind, at, ref), run = runs[0]
    if kind == 0:
        return ref, at, len(runs) - 1, None
    if kind == 1:
        return ref, at, len(runs) - 1, "may be changing things (it is still running)"
    code = getattr(run, "exit_code", None)
    how = f"it {str(run.status).replace('_', ' ')}" + (f": exit {code}" if code is not None else "")
    return ref, at, len(runs) - 1, f"may have changed things ({how})"


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
