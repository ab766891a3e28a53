"""What the views that read the journal only say of decisions (``incident show``, the
checklist): verdicts, deadlines and overdue, with no criterion judged (no metric query)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from warroom.incident.decisions.deadline import arose_at
from warroom.incident.decisions.judging import evaluate
from warroom.incident.decisions.model import NO_OUTPUTS, NOT_HERE, DecisionView, recorded_key
from warroom.paths import command


def standing(runbook: Any, state: Any, now: datetime) -> list[DecisionView]:
    """The runbook's decisions as the journal has them (verdict, deadline, overdue) without
    judging criteria (no metric query): what ``incident show`` and the checklist say."""
    if runbook is None:
        return []
    return [evaluate(d, runbook.id, state, now, query=NOT_HERE, step_output=NO_OUTPUTS)
            for d in getattr(runbook, "decisions", None) or []]


def standing_lines(runbook: Any, state: Any, now: datetime) -> list[str]:
    """``incident show``'s lines: each decision with where it stands, then every verdict taken
    on it in order (a NO-GO later reversed stays listed), each NO-GO with the runs of the steps it decided made
    against it (``against_no_go``: attack44 A10, the report and the PIR said so, ``show`` did not)."""
    out = []
    against = against_no_go(state, decided_steps([runbook] if runbook is not None else []))
    for v in standing(runbook, state, now):
        if v.recorded:
            where = f"decided {v.recorded.get('verdict')} by {v.recorded.get('by')}"
        elif not v.needed:
            where = v.not_due_text(str(getattr(state, "id", "") or "ID")) or ""
        elif v.overdue:
            where = f"OVERDUE (deadline {v.due_text})"
        else:
            where = f"undecided (deadline {v.due_text})" if v.due_text else "undecided"
        if (arose := arose_words(v)) and not v.recorded:
            where += f"; {arose}"
        if early := v.early_words():
            where += f"; {early}"
        out.append(f"  ◆ {v.decision.question}  [{v.decision.id}]: {where}")
        for d in state.decisions:
            if recorded_key(d) == v.key:
                at = d.get("at")
                when = _clock_text(at)
                whose = f" in {d.get('runbook_id')}" if d.get("runbook_id") not in (None, v.runbook_id) else ""
                before = "" if v.answered_by(d) else (
                    " (answered it before it arose again)" if v.answered_before(d)
                    else " (recorded before it arose)" if v.arisen_at is not None
                    else " (recorded while it had not arisen)")
                out.append(f"      {when}  #{d.get('seq')}  {d.get('verdict')} by {d.get('by')}{whose}{before}:"
                           f" {d.get('why')}")
                out += [f"        {state.step_name(x.runbook_id, x.step.number)} ({x.step.label}) ran at"
                        f" {_clock_text(x.at)} (#{x.run.seq}) against this NO-GO, with no GO since"
                        for x in against if x.no_go is d]
    if out:
        out.append(f"    (criteria judged now: `{command('incident', 'decide', 'ID')}`)")
    return out


def arose_words(v: DecisionView) -> str | None:
    """``needed since 12:05:00 UTC: <the condition> (<what the look that saw it arise read>)``,
    the journal's words (a named query's title and unit, never its PromQL), for a conditional
    decision needed now because its condition was seen to hold; ``needed again since …`` for one
    that arose again after its condition lapsed (a new question); None otherwise."""
    if v.arose is None or not v.needed:
        return None
    seen = (v.arose.get("condition") or {}).get("evidence")
    if seen and " ago" in str(seen):     # "run 19s drill time ago": the look's, never now's (redteam44 L3)
        seen = f"as read at {_clock_text(v.arose.get('at'))}: {seen}"
    return (f"needed {'again ' if v.again else ''}since {_clock_text(arose_at(v.arose) or v.arose.get('at'))}: "
            f"{v.decision.applies_when.text if v.decision.applies_when else ''}" + (f" ({seen})" if seen else ""))


def _clock_text(at: Any) -> str:
    return f"{at:%H:%M:%S} UTC" if isinstance(at, datetime) else str(at)


def decided_steps(books: Any) -> dict[tuple[str, str], list[tuple[str, Any]]]:
    """Each decision's key (``decision_key``) -> the steps its verdict decides, as (runbook id, step): the steps that
    change things after a decision that opens no runbook (its GO is to go on here: RB-CORE-005's "Bring FlowEngine
    back?" before "Bring FlowEngine back"), in the section of the first step after it. A decision that opens a runbook
    on GO decides that runbook, not the step that follows it (RB-CORE-004's NO-GO path)."""
    from warroom.incident.decisions.model import decision_key

    out: dict[tuple[str, str], list[tuple[str, Any]]] = {}
    for book in books:
        steps = sorted(book.steps, key=lambda s: s.line)
        for d in getattr(book, "decisions", None) or []:
            after = [s for s in steps if s.line > d.line]
            if d.on_go or not after:
                continue
            mine = [s for s in after[:next((i for i, s in enumerate(after) if s.section != after[0].section),
                                          len(after))] if s.mutating]
            out.setdefault(decision_key(d, book.id), []).extend((book.id, s) for s in mine)
    return out


class Against(NamedTuple):
    """A step a NO-GO decided, acted on after it with no verdict since (``against_no_go``)."""

    no_go: dict[str, Any]       # the NO-GO's record
    runbook_id: str
    step: Any
    at: datetime                # when: the run's start, or the typed call's moment
    run: Any = None             # the run (``StepRun``); None: typed by hand in the drill shell (``by_hand``)


def against_no_go(state: Any, decided: dict[tuple[str, str], list[tuple[str, Any]]],
                  typed: Mapping[tuple[str, str], Sequence[datetime]] | None = None) -> list[Against]:
    """Each run of a step a NO-GO decided (``decided_steps``) started after that NO-GO and before any later verdict on
    its decision, and each time such a step was typed by hand in the drill shell then (``typed``: (runbook id, step
    id) -> the moments, ``by_hand.Hands.acts``). A team acting against its own recorded decision is what a review
    must see (redteam44 G1: "Bring FlowEngine back" run 26 s after a NO-GO on exactly that question, and neither the
    report nor the PIR said so; attack44 A9: typed in the drill shell, the same act was said nowhere)."""
    from warroom.incident.decisions.model import recorded_key
    from warroom.incident.records import moment_of

    out = []
    for i, d in enumerate(state.decisions):
        if d.get("verdict") != "NO-GO":
            continue
        key = recorded_key(d)
        later = next((x for x in state.decisions[i + 1:] if recorded_key(x) == key), None)
        seq, until = int((later or {}).get("seq") or 0), moment_of((later or {}).get("at"))
        since = moment_of(d.get("at"))
        for rb, step in decided.get(key, ()):
            st = state.steps.get((rb, step.id))
            out += [Against(d, rb, step, run.started_at, run) for run in (st.runs if st is not None else ())
                    if int(d.get("seq") or 0) < int(run.seq) and (later is None or int(run.seq) < seq)]
            out += [Against(d, rb, step, at) for at in (typed or {}).get((rb, step.id), ())
                    if since is not None and since < at and (until is None or at < until)]
    return sorted(out, key=lambda x: x.at)


def standing_no_go(state: Any, runbook_id: str, step: Any, decided: dict[tuple[str, str], list[tuple[str, Any]]]
                   ) -> str:
    """Before running ``step``: the NO-GO standing on the decision that decides it (the latest verdict on it), in
    words, else "": what the run dialog and ``incident run`` say before it runs (redteam44 G1)."""
    from warroom.incident.decisions.model import recorded_key

    keys = [key for key, steps in decided.items() if any(rb == runbook_id and s.id == step.id for rb, s in steps)]
    for key in keys:
        last = next((d for d in reversed(state.decisions) if recorded_key(d) == key), None)
        if last is not None and last.get("verdict") == "NO-GO":
            return (f"the Go/No-Go \"{last.get('question')}\" stands at NO-GO (by {last.get('by') or last.get('actor')}"
                    f" at {_clock_text(last.get('at'))}: {last.get('why')}); running this step acts against it")
    return ""
