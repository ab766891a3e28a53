"""The Go/No-Go in the drill report, on the drill's clock: each verdict (taken in time or after its
deadline, by how much; after it on a decision a verdict had answered in time, said so and not
"taken late": ``decisions.answered_in_time``), a decision left with no verdict past its deadline,
and the runbook a GO opened with how far its steps got — what the PIR's Go/No-Go record and the resolve dialog say
(``review.decisions``, ``go_opened``), read from the same journal with the same rules."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from warroom.incident.records import moment_of
from warroom.durations import format_duration
from warroom.incident.decisions import (Run, answered_in_time, answered_of, arose_after, decided_later, missed_by,
                                        overdue_due, overdue_run, recorded_key, same_question, standing, verdict_basis)
from warroom.incident.decisions.deadline import recorded_raised
from warroom.incident.decisions.journal_only import against_no_go, decided_steps
from warroom.incident.go_opened import go_opened

if TYPE_CHECKING:
    from warroom.incident.state import IncidentState
    from warroom.runbook.model import Runbook


def decision_lines(state: IncidentState, books: Sequence[Runbook], clock: Callable[[datetime], float | None],
                   end: datetime, typed: Mapping[tuple[str, str], Sequence[datetime]] | None = None,
                   chose: Mapping[tuple[str, str, datetime], str] | None = None) -> list[str]:
    """The summary's Go/No-Go lines. ``books``: the runbooks whose decisions count (the scenario's and
    any a GO opened); ``clock``: drill seconds since detection of a wall time (None before it);
    ``end``: the resolution (or now, the drill still open); ``typed``: when each step was typed by hand in the drill
    shell (``against_no_go``); ``chose``: the values each typing put where the runbook's differ, by (runbook id, step
    id, when), said with it as the path says them ("with replicas=5": redteam46 R12)."""
    def at(t: datetime | None) -> str:
        return drill_at(clock, t)

    out = []
    against = against_no_go(state, decided_steps(books), typed)      # a step a NO-GO decided, run or typed after it
    for d in state.decisions:
        # its run reminded overdue before it: taken late, one miss with the PIR's "(decided later)"
        reminded = missed_by(state, d)
        taken, due = moment_of(d.get("at")), reminded or moment_of(d.get("due_at"))
        line = f"Go/No-Go \"{d.get('question')}\": {d.get('verdict')} at {at(taken)} by {d.get('by') or d.get('actor')}"
        a, b = (clock(taken) if taken else None), (clock(due) if due else None)
        stood = answered_in_time(same_question(state, d), d)
        arose = arose_after(state, d)
        answered = answered_of(state, d)
        run = answered.run if answered is not None else None
        # the PIR's words: a run of arisals is one question, and one asked again after its verdict a new one
        where = f"the question ({said})" if run is not None and (said := run.words(at)) else None
        if answered is not None and answered.again is not None:
            line += (f", on {where or f'its arisal at {at(answered.began)}'} (it arose again at {at(answered.again)}:"
                     " a new question it does not answer)")
        elif where:
            line += f", on {where}"
        if arose is not None:            # the PIR's words: no answer to the question asked since
            line += f", before it arose ({at(arose)}): it did not answer it"
        elif stood is not None and a is not None and b is not None:    # not late: a verdict stood by the deadline
            line += (f", {stood.change} {format_duration(max(a - b, 0.0))} after its deadline ({at(due)});"
                     f" first answered in time at {at(moment_of(stood.first.get('at')))}")
        elif (d.get("late") or reminded is not None) and a is not None and b is not None:
            up = recorded_raised(state, d)     # the deadline the commander had, when a drill raised the runbook's
            line += f", {format_duration(max(a - b, 0.0))} after its deadline ({at(due)}{f'; {up}' if up else ''})" \
                    ": taken late" + (
                f" (its condition had lapsed: {d.get('not_needed')})" if d.get("not_needed") else "")
        elif d.get("not_needed"):        # never "late" by design: the PIR's words for it
            line += f", while the runbook did not need it ({d.get('not_needed')})"
        elif a is not None and b is not None and a > b:   # no late flag (an older or edited journal): the times say
            line += f", {format_duration(a - b)} after its deadline ({at(due)})"
        elif a is not None and b is not None:
            line += f", within its deadline ({at(due)})" + _past_asked(d, a, b)
        out.append(line + ".")
        if measured := measured_then(d):
            out.append(measured)
        out += [f"{state.step_name(x.runbook_id, x.step.number, start=True)} ({x.step.label}) "
                f"{'ran' if x.run is not None else 'was typed by hand in the drill shell'}"
                f"{f' with {v}' if x.run is None and (v := (chose or {}).get((x.runbook_id, x.step.id, x.at))) else ''}"
                f" at {at(x.at)}, against that NO-GO (no GO since)." for x in against if x.no_go is d]
    ended = "none at the resolution" if state.resolved else "none yet"
    # one miss per run of arisals (``decisions.runs``): its deadline counts from the run's first arisal
    missed: set[tuple[tuple[str, str], datetime | None]] = set()
    for book in books:
        for v in standing(book, state, end):
            if v.recorded is None and v.needed and v.due_at is not None and end > v.due_at:
                missed.add((v.key, v.run.since if v.run is not None else None))
                up = recorded_raised(state, v.deadline_fields())
                out.append(f"Go/No-Go \"{v.decision.question}\" ({v.runbook_id}): no verdict by its deadline"
                           f" {_deadline(v.due_at, v.run, at)}{f' ({up})' if up else ''}, {ended}: missed.")
    # one reminded that stands no more (its condition lapsed), never answered
    for o in getattr(state, "decisions_overdue", None) or ():
        run = overdue_run(state, o)
        key = (recorded_key(o), run.since if run is not None else None)
        if run is None or key in missed or decided_later(state, o):
            continue
        missed.add(key)
        up = recorded_raised(state, o)
        out.append(f"Go/No-Go \"{o.get('question')}\" ({o.get('runbook_id')}): no verdict by its deadline"
                   f" {_deadline(overdue_due(state, o), run, at)}{f' ({up})' if up else ''}, none before it lapsed:"
                   " missed.")
    return out


_MARKS = {"met": "✔", "not met": "✗", "unknown": "?"}


def _deadline(due: datetime | None, run: Run | None, at: Callable[[datetime | None], str]) -> str:
    """A missed deadline and the arisal it counts from: ``(+32m00s drill time; open since +2m00s drill
    time, 2 arisals)`` for a run of more than one arisal (``Run.words``), ``(+44m00s drill time) on its
    arisal at +14m00s drill time`` for one arisal that was not the first, else the deadline alone."""
    said = run.words(at) if run is not None else None
    if said:
        return f"({at(due)}; {said})"
    return f"({at(due)})" + (f" on its arisal at {at(run.since)}" if run is not None and run.first > 0 else "")


def measured_then(recorded: dict[str, Any]) -> str | None:
    """What the verdict's measured criteria read when it was taken, from the journal's record (the
    words the dialog and the PIR said: a named query's title and unit, never its PromQL), or None
    when none was judged (a verdict taken where no criterion was read, or with none to measure)."""
    crit = [c for c in recorded.get("criteria") or [] if isinstance(c, dict)
            and c.get("kind") not in (None, "judgement") and c.get("judged", True)]
    if not crit:
        return None
    return (f"Measured when it was taken ({verdict_basis(recorded)}): "
            + "; ".join(f"{'GO' if c.get('side') == 'go' else 'NO-GO'} {_MARKS.get(str(c.get('state')), '?')} "
                        f"{c.get('evidence')}" for c in crit) + ".")


def _past_asked(d: dict[str, Any], taken: float, due: float) -> str:
    """For a verdict within a deadline a drill raised (``deadline_asked``: the runbook's, shorter; drill seconds), the
    runbook's own when it had passed: every other milestone of the report is judged on the drill's clock, so "within
    its deadline" alone graded this one by the raised one (redteam44 G2: NO-GO "within its deadline" 23 drill minutes
    past the runbook's 30m). ``taken``, ``due``: drill seconds since detection."""
    given, asked = d.get("deadline"), d.get("deadline_asked")
    if not isinstance(given, int | float) or not isinstance(asked, int | float) or asked >= given:
        return ""
    own = due - (float(given) - float(asked))
    if taken <= own:
        return ""
    return (f", raised for people; the runbook's own {format_duration(float(asked))} had passed"
            f" {format_duration(taken - own)} before it (+{format_duration(max(own, 0.0))} drill time)")


def drill_at(clock: Callable[[datetime], float | None], t: datetime | None) -> str:
    """A moment on the drill's clock as the report's Go/No-Go lines say it (``+20m00s drill time``,
    ``?`` before detection or unknown); ``clock``: drill seconds since detection of a wall time."""
    s = None if t is None else clock(t)
    return "?" if s is None else f"{'-' if s < 0 else '+'}{format_duration(abs(s))} drill time"


def opened_runbooks(state: IncidentState, runbook_of: Callable[[str], Runbook | None], end: datetime,
                    clock: Callable[[datetime], float | None], config: Any,
                    typed: Any = None) -> list[tuple[str, str, Runbook | None]]:
    """Each runbook a GO opened: (its id, ``GoOpened.text`` — the resolve dialog's and the PIR's
    sentence, its progress by the checklist's rule —, the runbook for its path, None unreadable).
    Every moment of the sentence (the GO, its reversal, the closure) is said on the drill's clock
    (``clock``, as :func:`decision_lines`): the PIR says it on the wall, among wall times. ``config``: the
    incident's, as the report's path has it (``progress``: one count for both; ``typed``: the report's
    ``Hands.credited``, so a step typed in the drill shell is done in the sentence as on the path, attack47 Y9)."""
    return [(o.runbook_id, o.text(), runbook_of(o.runbook_id))
            for o in go_opened(state, lambda ref: runbook_of(str(ref.get("id") or "")), end, config,
                               when=lambda t: f" at {drill_at(clock, t)}", typed=typed)]
