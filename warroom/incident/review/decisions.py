"""The PIR's Go/No-Go record: each verdict with who, why, the runbook it belongs to, the tool's
suggestion and every criterion as it stood when it was taken; a verdict that replaced an earlier
one says so, a GO says what it opened (and when that was closed), a deadline that passed with no
verdict is said too; a verdict after the deadline of a decision answered in time says that, not
"taken after its deadline" (``decisions.answered_in_time``); one recorded before its decision arose
says it did not answer it (``decisions.arose_after``), and one on a decision that arose again after it
says which arisal it answered (``decisions.answered_of``): arising again after a verdict is a new question,
with none between the same one still open (``decisions.runs``: one missed deadline per run)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from warroom.incident.md_text import Md
from warroom.incident.review.lines import NO_TIME, Line, cite, clock_of, hms

if TYPE_CHECKING:
    from warroom.incident.state import IncidentState

CRITERION_MARKS = {"met": "✔ met", "not met": "✗ not met", "unknown": "? unknown"}


def decisions(state: IncidentState, decided: dict[tuple[str, str], list[tuple[str, Any]]] | None = None,
              by_hand: Mapping[tuple[str, str], Sequence[datetime]] | None = None) -> list[Line]:
    """Each Go/No-Go verdict with who, why, the runbook it belongs to, the suggestion, and every
    criterion as it stood when it was taken (state and the evidence it was judged on); a verdict
    that replaced an earlier one says so; a deadline that passed with no verdict is said too; a step a
    NO-GO decided (``decided``: ``decisions.decided_steps``) run after it, or typed by hand in the drill shell then
    (``by_hand``: (runbook id, step id) -> when), with no GO since, too."""
    from warroom.incident.decisions import (answered_in_time, answered_of, arose_after, decided_later, missed_by,
                                            overdue_due, overdue_run, recorded_key, same_question, verdict_basis)
    from warroom.incident.decisions.deadline import recorded_raised
    from warroom.incident.decisions.journal_only import against_no_go

    against = against_no_go(state, decided or {}, by_hand)

    def raised(rec: dict[str, Any]) -> str:     # the deadline the commander had, when a drill raised the runbook's
        return f"; {said}" if (said := recorded_raised(state, rec)) else ""

    out = []
    attached = [(int(r.get("attached_seq") or 0), str(r.get("id") or ""), _opener(r)) for r in state.runbooks]
    taken: dict[tuple[tuple[str, str], Any], dict[str, Any]] = {}
    for d in state.decisions:
        answered = answered_of(state, d)
        # each arisal is its own question: a verdict on the second neither confirms nor reverses one on the first
        key = (recorded_key(d), answered.number if answered is not None else None)
        crit = [c for c in d.get("criteria") or [] if isinstance(c, dict)]
        counts = ", ".join(f"{n} {word}" for word in ("met", "not met", "unknown")
                           if (n := sum(1 for c in crit if c.get("state") == word)))
        whose = f" ({d.get('runbook_id')})" if d.get("runbook_id") else ""
        basis = verdict_basis(d)
        text = (f"{d.get('verdict')} on \"{d.get('question')}\"{whose} at {hms(d.get('at'))} UTC by "
                f"{d.get('by') or d.get('actor')}: {d.get('why')}. "
                + basis[:1].upper() + basis[1:]
                + (f"; criteria {counts}" if counts else "")
                + (f" (as judged at {clock_of(d.get('judged_at'))} UTC)" if d.get("judged_at") else "") + ".")
        cites = [d.get("seq")]
        before = taken.get(key)
        if before is not None:
            change = "confirms" if before.get("verdict") == d.get("verdict") else "reverses"
            text += f" It {change} the {before.get('verdict')} of {hms(before.get('at'))} UTC."
            cites.append(before.get("seq"))
        stood = answered_in_time(same_question(state, d), d)
        reminded = missed_by(state, d)
        arose = arose_after(state, d)
        run = answered.run if answered is not None else None
        # a run of arisals is one question (``decisions.runs``): said as open since its first arisal
        where = f"the question ({said})" if run is not None and (said := run.words(_utc)) else None
        if answered is not None and answered.again is not None:    # the decision was asked again after it
            text += (f" It answered {where or f'it as it arose at {hms(answered.began)} UTC'}; it arose again at"
                     f" {hms(answered.again)} UTC, a new question this verdict does not answer.")
        elif where:
            text += f" It answered {where}."
        if arose is not None:    # asked later: the criteria it was taken on were not the question's
            text += f" Recorded before it arose ({hms(arose)} UTC): it did not answer it."
        elif stood is not None:    # a verdict stood by the deadline: this one changed or kept it after
            text += (f" {stood.change.capitalize()} after its deadline ({clock_of(d.get('due_at'))} UTC); first"
                     f" answered in time at {hms(stood.first.get('at'))} UTC.")
            cites += [] if stood.first.get("seq") in cites else [stood.first.get("seq")]
        elif reminded is not None:    # its run was reminded overdue before it (its condition may have lapsed since)
            text += f" Taken after its deadline ({hms(reminded)} UTC{raised(d)})."
        elif d.get("late") and d.get("due_at"):
            text += f" Taken after its deadline ({clock_of(d.get('due_at'))} UTC{raised(d)})."
        elif d.get("not_needed"):
            text += f" Taken while the runbook did not need it ({d.get('not_needed')})."
        opened_text, opened_cites = _go_opened(state, d, attached)
        text += opened_text
        cites += opened_cites
        for x in against:
            if x.no_go is d:      # the team acting against its own recorded decision (redteam44 G1, attack44 A9)
                text += (f" {state.step_name(x.runbook_id, x.step.number, start=True)} ({x.step.label})"
                         f" {'ran' if x.run is not None else 'was typed by hand in the drill shell'} at {hms(x.at)}"
                         " UTC against it, with no GO since.")
                cites += [] if x.run is None else [x.run.seq]
        details = tuple(_criterion(c) for c in crit)
        if arose is None:        # one that did not answer the decision is nothing a later one reverses
            taken[key] = d
        out.append(Line(text, tuple(cites), at=d.get("at"), actor=str(d.get("by") or ""), details=details))
    missed: set[tuple[tuple[str, str], Any]] = set()
    for o in state.decisions_overdue:     # one missed deadline per run, however often it was reminded
        run = overdue_run(state, o)
        if (recorded_key(o), run) in missed:
            continue
        missed.add((recorded_key(o), run))
        whose = f" ({o.get('runbook_id')})" if o.get("runbook_id") else ""
        said = run.words(_utc) if run is not None else None
        out.append(Line(f"\"{o.get('question')}\"{whose}: deadline {hms(overdue_due(state, o))} UTC"
                        + (f" ({up})" if (up := recorded_raised(state, o)) else "") + " passed with "
                        "no verdict" + _paren(said, "decided later" if decided_later(state, o) else None),
                        (o.get("seq"),), at=o.get("at")))
    return sorted(out, key=lambda line: line.at or NO_TIME)


def _paren(*said: str | None) -> str:
    """`` (open since 14:02:00 UTC, 2 arisals; decided later)``: what is said, in one parenthesis."""
    words = [s for s in said if s]
    return f" ({'; '.join(words)})" if words else ""


def _utc(t: Any) -> str:
    return f"{hms(t)} UTC"


def _criterion(c: dict[str, Any]) -> str:
    """A criterion as judged, under its verdict: side, state, text, evidence and, for a step or a
    note, a cite of the journal event it read (``|cite``'s code span: "run #5" as prose would link
    GitHub issue 5, or read "#&#8203;5" and escape a search)."""
    from warroom.incident.decisions.model import source_seqs

    said = Md("{} criterion {}: {} — {}").format("GO" if c.get("side") == "go" else "NO-GO",
                                                 CRITERION_MARKS.get(str(c.get("state")), str(c.get("state"))),
                                                 c.get("text"), c.get("evidence"))
    seqs = source_seqs(c)
    return Md("{} {}").format(said, cite(seqs)) if seqs else said


def _opener(ref: dict[str, Any]) -> int | None:
    """The seq of the verdict an attachment says opened it (``opened_by.seq``), None for one that
    does not say (opened by hand, or journaled by an older warroom)."""
    by = ref.get("opened_by")
    try:
        return int(by["seq"]) if isinstance(by, dict) and by.get("seq") is not None else None
    except (TypeError, ValueError):
        return None


def _go_opened(state: IncidentState, d: dict[str, Any],
               attached: list[tuple[int, str, int | None]]) -> tuple[str, list[int]]:
    """What a GO's ``on_go`` runbook became: opened beside (by this verdict: the attachment names it,
    ``opened_by``; one that names none, after it and before the next verdict; and when it was
    closed, by whom, why), already open, or NOT opened; with the seqs that says. Nothing for a
    verdict that opens nothing. Recording a GO and attaching its runbook are two appends: another
    host's verdict on another decision can land between them (redteam34: "NOT opened" was said of
    a runbook open beside)."""
    on_go = str(d.get("on_go") or "")
    if d.get("verdict") != "GO" or not on_go:
        return "", []
    seq_d = int(d.get("seq") or 0)
    nxt = min((int(x.get("seq") or 0) for x in state.decisions if int(x.get("seq") or 0) > seq_d), default=None)
    opened = [seq for seq, rid, by in attached if rid == on_go and seq > seq_d
              and (by == seq_d if by is not None else nxt is None or seq < nxt)]
    if opened:
        text = f" {on_go} was opened beside the runbook."
        cites = [opened[0]]
        shut = next((c for c in state.closed if c.runbook_id == on_go and c.attached_seq == opened[0]), None)
        if shut is not None:    # the runbook this GO opened was closed later: when, by whom, why
            text += f" It was {shut.text()} ({shut.progress()} when closed)."
            cites.append(shut.seq)
        return text, cites
    if any(rid == on_go and seq < seq_d for seq, rid, _by in attached):
        return f" {on_go} was already open.", []
    return f" {on_go} was NOT opened (it could not be attached).", []
