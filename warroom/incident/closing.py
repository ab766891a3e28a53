"""Closing a runbook that was opened beside the current one (``runbook.closed``).

A GO opens its follow-up runbook beside the current one. When that GO is reversed by a NO-GO, or
the runbook was opened by mistake, the commander closes it with a reason. What that means is
decided here, once, and every view and action reads it from here:

* the closure is a journal line (who, when, why) and the runbook leaves ``state.beside``: the
  dashboard's second checklist goes, ``incident show``, the handoff brief and the PIR say
  "closed at 10:31:02 UTC by lee@ops-1: the GO was reversed";
* the steps already done in it stay where they are (timeline, commands, PIR): closing removes
  nothing from the record;
* its progress is frozen: the closing line carries the count as it was (``progress``), and every
  view of a closed runbook shows that count, never one recomputed later;
* nothing more happens in it: running, ticking, unticking, skipping or asking approval for one of
  its steps is refused (:func:`refuse_closed`, exit 5) naming the runbook and the closure, also
  for a step prepared before the closure and run after it (the run re-checks). A tick, untick or
  skip line that still lands after the closing (another host that checked just before it, or a
  line written by hand) is said on the timeline and not obeyed; a run started that late did run:
  it is recorded and said to be late (:func:`late_start`), and the frozen count does not move;
* its open approval requests (pending, or approved and not used) are withdrawn by the closing
  line itself, in the fold: an approval for a step that can no longer run must not be shown as
  waiting for anyone, and a grant written after it does not count (only a pending request can be
  granted). Nothing is carried over if the runbook is opened again: a new GO opens it afresh,
  and its steps then need a new request.

A closed runbook is opened again by a new GO on the decision that opened it (beside, as before)
or by ``attach`` (as the current runbook). Only a runbook open *beside* can be closed: the current
one is replaced by attaching another, as before.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from warroom.errors import WarroomError
from warroom.incident.records import _int, one_line
from warroom.journal import events as ev
from warroom.journal.log import Event
from warroom.paths import command

# ``warroom.incident.state.IncidentState``: not imported (the state module imports this one).
IncidentState = Any

WITHDRAWN = "withdrawn"
"""The status an open approval request takes when its runbook is closed."""


WHAT_IT_DOES = ("Its steps stay in the timeline and the PIR and its progress is frozen as it is now; none of"
                " its steps can be run, ticked, skipped or approved after this, and its pending or unused"
                " approvals are withdrawn. A new GO on its decision opens it again.")
"""What closing means, in the words the dashboard's dialog shows before it is done."""


class RunbookClosed(WarroomError):
    """An action on a step of a closed runbook: refused (exit 5, like any refused step)."""

    exit_code = 5


def wall_at(at: datetime) -> str:
    """`` at 07:31:02 UTC``: a moment in a sentence on the wall clock (the PIR's, the resolve
    dialog's, a real incident's). The sentences of what a GO opened take the form as a parameter,
    so a drill report says every one of their moments on its own clock (``go_opened``)."""
    return f" at {at:%H:%M:%S} UTC"


def live_at(state: IncidentState) -> Callable[[datetime], str]:
    """How a moment of these sentences is said where ``state`` is worked live (the resolve and close
    dialogs, the beside checklist's heading, the CLI's refusal to resolve): :func:`wall_at` in a real
    incident; in a drill on its clock from detection, the wall moment beside (`` at +20m00s drill time
    (07:12:26 UTC)``), as every other drill figure on screen (issue 13 item 2: the dialog said "by dana
    at 07:12:26 UTC" under a header counting drill time). The wall moment stays in the sentence: it is
    the one the PIR says, so the PIR's record of what resolving showed still carries it."""
    from warroom import scenario_time as stime
    from warroom.durations import format_duration

    start = state.clock_start
    if stime.scale_of(state) == 1.0 or start is None:
        return wall_at

    def drill_at(at: datetime) -> str:
        s = stime.left(state, at, start)          # drill seconds from detection to ``at``, signed
        return f" at {'-' if s < 0 else '+'}{format_duration(abs(s))} drill time ({at:%H:%M:%S} UTC)"

    return drill_at


def progress_text(done: int, failed: int, total: int | None, not_needed: int = 0) -> str:
    """``4 of 18 steps done, 1 not needed, 1 failed or unmet``: how far a runbook got, in one wording for what a
    GO opened (``go_opened.GoOpened``) and for a closed runbook's frozen count; ``total``: all its steps, of which
    ``not_needed`` (a branch that did not apply, ``progress.Progress``) are not owed, as the checklist heading
    counts."""
    of = f" of {total - not_needed}" if total is not None else ""
    return (f"{done}{of} steps done" + (f", {not_needed} not needed" if not_needed else "")
            + (f", {failed} failed or unmet" if failed else ""))


@dataclass(frozen=True)
class Closure:
    """One ``runbook.closed`` line as the fold keeps it."""

    runbook_id: str
    title: str
    reason: str
    by: str                         # the journal line's actor (person@host)
    at: datetime
    seq: int
    beside: str                     # the current runbook it was open beside
    attached_seq: int | None        # the attachment it closed
    opened_by: dict[str, Any]       # the verdict that had opened it ({decision, runbook_id, seq}), or {}
    done: int
    failed: int
    total: int | None
    withdrawn: tuple[str, ...] = ()  # approval requests the closure withdrew
    not_needed: int = 0              # of ``total``, steps of a branch that did not apply (not owed)

    def progress(self) -> str:
        """The runbook's progress when it was closed (frozen: nothing can move it since)."""
        return progress_text(self.done, self.failed, self.total, self.not_needed)

    def text(self, when: Callable[[datetime], str] | None = None) -> str:
        """``closed at 10:31:02 UTC by lee@ops-1: the GO was reversed``; ``when`` says the moment
        (:func:`wall_at` by default; the drill report's says it on the drill's clock)."""
        return f"closed{(when or wall_at)(self.at)} by {self.by}: {self.reason}"

    def line(self) -> str:
        """One line for the brief and ``incident show``: the runbook, the closure, the frozen count."""
        title = f" ({self.title})" if self.title else ""
        return f"{self.runbook_id}{title} {self.text()}; {self.progress()} when closed"

    def to_json(self) -> dict[str, Any]:
        return {"runbook_id": self.runbook_id, "title": self.title, "reason": self.reason, "by": self.by,
                "at": self.at, "seq": self.seq, "beside": self.beside, "attached_seq": self.attached_seq,
                "opened_by": dict(self.opened_by), "done": self.done, "failed": self.failed,
                "total": self.total, "progress": self.progress(), "withdrawn": list(self.withdrawn)} | (
                    {"not_needed": self.not_needed} if self.not_needed else {})


def closure_of(state: IncidentState, runbook_id: str) -> Closure | None:
    """The closure that holds for ``runbook_id`` now: its last one, when the runbook is not open
    again since (a new GO reopened it beside, or it was attached as the current one). A runbook
    attached after its closure and then replaced is "replaced", not closed."""
    if not runbook_id or state.open_ref(runbook_id) is not None:
        return None
    last = next((c for c in reversed(state.closed) if c.runbook_id == runbook_id), None)
    if last is None:
        return None
    attached = [int(r.get("attached_seq") or 0) for r in state.runbooks if str(r.get("id") or "") == runbook_id]
    return last if not attached or max(attached) < last.seq else None


def closed_now(state: IncidentState) -> list[Closure]:
    """Every runbook closed and not open again, in the order they were closed (one each)."""
    seen: set[str] = set()
    out = []
    for c in reversed(state.closed):
        if c.runbook_id not in seen:
            seen.add(c.runbook_id)
            if closure_of(state, c.runbook_id) is c:
                out.append(c)
    return out[::-1]


def refusal(state: IncidentState, runbook_id: str, incident_id: str) -> str | None:
    """Why nothing may be done on a step of ``runbook_id`` now, or None (not closed)."""
    c = closure_of(state, runbook_id)
    if c is None:
        return None
    decision = str(c.opened_by.get("decision") or "")
    again = (f"a new GO on {decision} opens it again beside; " if decision else "") + \
        f"`{command('incident', 'attach', incident_id, runbook_id)}` makes it the current runbook"
    return (f"{incident_id}: runbook {runbook_id} was {c.text()}; its steps can no longer be run, ticked,"
            f" skipped or approved ({again})")


def refuse_closed(state: IncidentState, runbook_id: str | None, incident_id: str) -> None:
    """Raise :class:`RunbookClosed` when ``runbook_id`` names a closed runbook."""
    why = refusal(state, runbook_id or "", incident_id)
    if why is not None:
        raise RunbookClosed(why)


def only_beside(state: IncidentState, incident_id: str) -> str:
    """The runbook a close that names none means: the only one open beside the current runbook;
    none or several is an error that lists what is open (name one)."""
    from warroom.errors import NotFoundError

    beside = [str(b.get("id") or "") for b in state.beside]
    if len(beside) == 1:
        return beside[0]
    if not beside:
        raise NotFoundError(f"{incident_id}: no runbook is open beside {(state.runbook or {}).get('id') or 'the'}"
                            " runbook (a GO opens one beside it): nothing to close")
    raise WarroomError(f"{incident_id}: {len(beside)} runbooks are open beside: {', '.join(beside)}; name the one"
                       " to close")


def check_closable(state: IncidentState, runbook_id: str, incident_id: str) -> dict[str, Any]:
    """The attachment of the runbook to close, or why it cannot be closed now: it is the current
    runbook (replace it by attaching another), it is closed already, it is not open, or one of its
    steps is running (its end would move a count that closing freezes: cancel it first)."""
    from warroom.errors import NotFoundError

    current = str((state.runbook or {}).get("id") or "")
    if runbook_id and runbook_id == current:
        raise WarroomError(f"{incident_id}: {runbook_id} is the runbook the incident follows; only a runbook"
                           f" open beside it can be closed (attach another runbook to replace {runbook_id})")
    ref = next((b for b in state.beside if str(b.get("id") or "") == runbook_id), None)
    if ref is None:
        done = closure_of(state, runbook_id)
        if done is not None:
            raise WarroomError(f"{incident_id}: runbook {runbook_id} is already {done.text()}")
        beside = ", ".join(str(b.get("id") or "") for b in state.beside)
        raise NotFoundError(f"{incident_id}: runbook {runbook_id or '(none)'} is not open beside {current or 'the'}"
                            f" runbook (open beside: {beside or 'none'})")
    running = [st for st in state.running_steps() if st.runbook_id == runbook_id]
    if running:
        st = running[0]
        name = state.step_name(runbook_id, st.step or st.step_id)       # as every screen names it
        raise WarroomError(f"{incident_id}: {name} ({st.label}) is running:"
                           " cancel it (or let it end) before closing its runbook")
    return ref


# ------------------------------------------------------------------------------ the fold


def ignored_late(s: IncidentState, e: Event, d: dict[str, Any], what: str) -> bool:
    """A tick, untick or skip journaled for a step of a runbook already closed (another host that
    checked just before the closing, or a line written by hand): shown on the timeline, not
    obeyed — the closed runbook's steps do not move. True when it was such a line."""
    rb_id = str(d.get("runbook_id") or "")
    shut = closure_of(s, rb_id) if rb_id else None
    if shut is None:
        return False
    s._add_timeline(e, e.type, f"{s.step_name(rb_id, d.get('step') or d.get('step_id') or '?')} {what} not counted:"
                               f" {rb_id} was {shut.text()}")
    return True


def late_start(s: IncidentState, runbook_id: str) -> str:
    """What a step's start line adds when its runbook was closed before it was journaled (a run
    prepared and checked just before the closing): the command did run, so it is recorded, and
    said to be late. Its end does not move the closed runbook's frozen count."""
    shut = closure_of(s, runbook_id) if runbook_id else None
    return f" — after {runbook_id} was {shut.text()}" if shut is not None else ""


def _closed(s: IncidentState, e: Event, d: dict[str, Any]) -> None:
    rb_id = str(d.get("id") or "")
    ref = next((b for b in s.beside if str(b.get("id") or "") == rb_id), None)
    if ref is None:     # a line for a runbook not open beside (written by hand, or a lost race): shown, not obeyed
        s._add_timeline(e, e.type, f"Closing runbook {rb_id or '?'} not counted (it was not open beside"
                                   f" the current runbook)")
        return
    s.beside = [b for b in s.beside if b is not ref]
    withdrawn = [req.id for req in s.approvals.values()
                 if req.runbook_id == rb_id and req.withdraw(e, f"{rb_id} was closed")]
    progress = d.get("progress") if isinstance(d.get("progress"), dict) else {}
    opened = ref.get("opened_by") if isinstance(ref.get("opened_by"), dict) else {}
    closure = Closure(
        runbook_id=rb_id, title=str(ref.get("title") or d.get("title") or ""), reason=one_line(d.get("reason") or ""),
        by=e.actor, at=e.ts, seq=e.seq, beside=str(d.get("beside") or (s.runbook or {}).get("id") or ""),
        attached_seq=_int(ref.get("attached_seq")), opened_by=dict(opened),
        done=_int(progress.get("done")) or 0, failed=_int(progress.get("failed")) or 0,
        total=_int(progress.get("total")), withdrawn=tuple(withdrawn), not_needed=_int(progress.get("not_needed")) or 0)
    s.closed.append(closure)
    gone = f"; approval {', '.join(withdrawn)} withdrawn" if withdrawn else ""
    title = f" ({closure.title})" if closure.title else ""
    s._add_timeline(e, e.type, f"Runbook {rb_id}{title}, open beside {closure.beside}, closed by {e.actor}:"
                               f" {closure.reason}; {closure.progress()} when closed{gone}")


HANDLERS = {ev.RUNBOOK_CLOSED: _closed}
