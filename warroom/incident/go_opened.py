"""What a GO opened, and how far it got: read when the incident is resolved.

A GO on a Go/No-Go decision opens its follow-up runbook (RB-LAUNCH-002, the rollback to pilot)
beside the current one. That proves a verdict, not that the rollback happened: resolving asks
the commander whether it was part of the fix, shows how far the opened runbook got, and the
resolution records both (``go_opened``). Nothing here is guessed from the verdict alone.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from warroom.errors import WarroomError
from warroom.incident.closing import closure_of, progress_text, wall_at

# a command that rolls a release back, as the runbooks write it (every rollback step: ``kubectl rollout undo``)
ROLLED_BACK = re.compile(r"\b(?:rollout\s+undo|helm\s+rollback)\b")


@dataclass(frozen=True)
class GoOpened:
    """A runbook a GO opened beside the current one, with its steps' progress now."""

    runbook_id: str
    title: str
    decision: str                   # the decision's id
    question: str
    by: str
    at: datetime | None             # when the GO was recorded
    verdict_seq: int | None
    done: int                       # steps done, by the checklist's count (``progress.count``): ok, ticked,
                                    # skipped, fulfilled by the journal
    failed: int                     # steps whose last run failed, timed out, was cancelled or interrupted,
                                    # missed its expectation or failed its verify gate
    total: int | None               # the runbook's steps (None: its snapshot could not be read)
    open_now: bool                  # still open beside the current runbook (not replaced since)
    reversed_by: str = ""           # "NO-GO by lee at 07:31:02 UTC": the verdict now standing, when not GO
    closed: str = ""                # "closed at 07:33:10 UTC by lee@ops: …": closed since; the counts are then
                                    # the ones its closing recorded (frozen)
    when: Callable[[datetime], str] = field(default=wall_at, compare=False, repr=False)
    not_needed: int = 0             # of ``total``, steps of a branch that did not apply (not owed)
    """How every moment of the sentence is said (the GO's here; the reversal's and the closure's
    were said with it where they were made, :func:`go_opened`): the wall clock, or a drill report's
    drill clock. Not journaled: a resolution keeps the sentence it showed, on the wall clock."""

    def progress(self) -> str:
        return progress_text(self.done, self.failed, self.total, self.not_needed)

    def text(self) -> str:
        """``GO on "Roll back…?" by dana at 07:12:26 UTC opened RB-LAUNCH-002 (Rollback to pilot): 4 of 19 steps done``."""
        when = self.when(self.at) if self.at is not None else ""
        title = f" ({self.title})" if self.title else ""
        undone = f" (the GO was reversed: {self.reversed_by})" if self.reversed_by else ""
        closed = f" ({self.closed})" if self.closed else ""
        return (f"GO on \"{self.question}\" by {self.by}{when} opened {self.runbook_id}{title}{undone}{closed}:"
                f" {self.progress()}{' when closed' if self.closed else ''}")

    def to_json(self) -> dict[str, Any]:
        return {"runbook_id": self.runbook_id, "title": self.title, "decision": self.decision,
                "question": self.question, "at": self.at.isoformat() if self.at is not None else None,
                "verdict_seq": self.verdict_seq, "by": self.by, "done": self.done, "failed": self.failed,
                "total": self.total, "open_now": self.open_now} | (
                    {"reversed_by": self.reversed_by} if self.reversed_by else {}) | (
                    {"closed": self.closed} if self.closed else {}) | (
                    {"not_needed": self.not_needed} if self.not_needed else {})

    @classmethod
    def from_json(cls, d: dict[str, Any], decisions: Sequence[dict[str, Any]] = ()) -> GoOpened:
        """What ``to_json`` journaled with the resolution, read back so the PIR says the very
        sentence resolving showed (``text``). A resolution journaled before the question and the
        time were kept takes them from the verdict it names (``decisions``: the state's)."""
        seq = _int(d.get("verdict_seq"))
        verdict = next((v for v in decisions if _int(v.get("seq")) == seq), {}) if seq is not None else {}
        at = d.get("at") or verdict.get("at")
        if isinstance(at, str):
            try:
                at = datetime.fromisoformat(at)
            except ValueError:
                at = None
        return cls(runbook_id=str(d.get("runbook_id") or ""), title=str(d.get("title") or ""),
                   decision=str(d.get("decision") or ""),
                   question=str(d.get("question") or verdict.get("question") or d.get("decision") or ""),
                   by=str(d.get("by") or "?"), at=at if isinstance(at, datetime) else None, verdict_seq=seq,
                   done=_int(d.get("done")) or 0, failed=_int(d.get("failed")) or 0, total=_int(d.get("total")),
                   open_now=bool(d.get("open_now")), reversed_by=str(d.get("reversed_by") or ""),
                   closed=str(d.get("closed") or ""), not_needed=_int(d.get("not_needed")) or 0)


def _int(value: Any) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def reversal(state: Any, opened_by: dict[str, Any] | None, when: Callable[[datetime], str] = wall_at) -> str:
    """How the GO that opened a runbook (its ``opened_by``) was reversed: the latest verdict on
    the same decision, journaled after that GO, when it is not GO ("NO-GO by lee at 07:31:02
    UTC"; ``when`` says the moment); "" while the GO stands. The runbook stays open (steps done in it may need undoing),
    but no view may read as if the GO still stood."""
    from warroom.incident.decisions import recorded_key

    if not isinstance(opened_by, dict) or opened_by.get("seq") is None:
        return ""
    try:
        seq = int(opened_by["seq"])
    except (TypeError, ValueError):
        return ""
    go = next((d for d in state.decisions if d.get("seq") == seq), None)
    if go is None:
        return ""
    later = [d for d in state.decisions if recorded_key(d) == recorded_key(go) and int(d.get("seq") or 0) > seq]
    if not later or str(later[-1].get("verdict")) == "GO":
        return ""
    last = later[-1]
    at = last.get("at")
    said = when(at) if isinstance(at, datetime) else ""
    return f"{last.get('verdict')} by {last.get('by') or last.get('actor') or '?'}{said}"


def go_opened(state: Any, runbook_of: Callable[[dict[str, Any]], Any | None], now: datetime, config: Any,
              when: Callable[[datetime], str] = wall_at,
              typed: Mapping[tuple[str, str], Any] | None = None) -> list[GoOpened]:
    """Every runbook a GO opened (``runbook.attached`` with ``opened_by``), once each, with its
    progress from the journal, counted as the checklist counts it (``progress``: an item the journal
    fulfilled is done, a step of a branch that did not apply is not owed; ``config``: the incident's,
    whose update cadence judges a cadence item); ``runbook_of(attachment)`` gives the runbook its snapshot
    holds (for its steps) or None. ``when`` says each moment of its sentence (the GO, its reversal,
    the closure): the wall clock by default; the drill report passes the drill's, so the line sits
    among its drill-time neighbours on their clock (redteam32b). ``typed``: the drill shell's credits
    (``by_hand.drill_typed``, ``progress.of_runbook``'s), so a step of the opened runbook typed there is done in its
    count as on its path (attack47 Y9)."""
    from dataclasses import replace

    from warroom.incident import progress
    from warroom.incident.gates import gate_states

    gates = gate_states(state, now)
    by_seq = {int(d.get("seq") or 0): d for d in state.decisions}
    out: list[GoOpened] = []
    seen: set[str] = set()
    refs: list[tuple[dict[str, Any], Any]] = []
    for ref in reversed(state.runbooks):
        rb_id = str(ref.get("id") or "")
        if not isinstance(ref.get("opened_by"), dict) or rb_id in seen:
            continue
        seen.add(rb_id)
        try:
            refs.append((ref, runbook_of(ref)))
        except (WarroomError, OSError):
            refs.append((ref, None))        # its snapshot is gone: the total is unknown, said as such
    for ref, book in refs:
        opened = ref["opened_by"]
        rb_id = str(ref.get("id") or "")
        verdict = by_seq.get(int(opened.get("seq") or 0), {})
        states = state.steps.of(rb_id)
        if book is not None:
            got = progress.count(s.state for s in progress.of_runbook(state, book, config, now, gates, typed).values())
        else:       # the journal's steps alone: no runbook to say a branch or what fulfils an item
            got = replace(progress.count(progress.shown(st, gates.get((rb_id, st.step_id))) for st in states.values()),
                          total=None)
        done, failed, total, spared = got.done, got.failed, got.total, got.not_needed
        closure = closure_of(state, rb_id)
        if closure is not None:     # closed: its progress is the one its closing recorded, frozen
            done, failed, total, spared = closure.done, closure.failed, closure.total, closure.not_needed
        out.append(GoOpened(
            runbook_id=rb_id, title=str(ref.get("title") or ""), decision=str(opened.get("decision") or ""),
            question=str(verdict.get("question") or opened.get("decision") or ""),
            by=str(verdict.get("by") or verdict.get("actor") or "?"), at=verdict.get("at"),
            verdict_seq=int(opened["seq"]) if opened.get("seq") is not None else None,
            done=done, failed=failed, total=total,
            open_now=state.open_ref(rb_id) is not None, reversed_by=reversal(state, opened, when),
            closed=closure.text(when) if closure is not None else "", when=when, not_needed=spared))
    out.reverse()
    return out


def rollback_steps(state: Any) -> list[str]:
    """The steps whose command, as run, rolled a release back (``kubectl rollout undo``, ``helm
    rollback``) and ended ok, its expectation not missed: ``step 28 (Roll back FlowEngine…)``, in
    the order they ran. What resolving shows beside the question whether a rollback was part of
    the fix, in the dialog and from ``incident resolve``: evidence for the commander's answer,
    never the answer. Nobody was asked, and the PIR said "Rollback: no" over a fix by ``rollout
    undo`` (redteam39 F5); a rollback run may also have been undone or not have been the fix."""
    ran: list[tuple[datetime, str]] = []
    for (rb_id, _sid), st in state.steps.items():
        runs = [r for r in st.runs if r.status == "ok" and r.expect_met is not False
                and ROLLED_BACK.search(r.command or "")]
        if runs:
            label = f" ({st.label})" if st.label else ""
            ran.append((runs[0].started_at, f"{state.step_name(rb_id, st.step or st.step_id)}{label}"))
    return [text for _at, text in sorted(ran, key=lambda r: r[0])]
