"""What a ``--read-only`` session (an observer's or a trainee's seat) may write: one rule, in the core.

A read-only seat watches the response; it is not part of it. Before this rule only its step runs
asked the flag, so an observer's ``incident decide --go`` opened the rollback runbook beside the
current one, its ``severity`` and ``resolve`` changed the incident and finished the drill, and the
dashboard's ``G``, ``v`` and ``r`` did the same (redteam47 F9): every line went in under the
observer's login exactly as the commander's would.

The rule is by event type and enforced where every line is written (``Incident._append``, the single
write path of the CLI, the dashboard and the headless watchers), so no entry point can forget it.
:data:`RECORDS` lists the only types a read-only seat writes, each with why; every other type (a new
one too, until someone decides) is refused with :class:`ReadOnlySeat` (exit 5, as the CLI's other
refusals), naming the seat, and nothing is written. Actions that do work before their line (a
runbook copied in, a webhook posted, a step cancelled, the journal repaired or moved) ask
:func:`require_writer` first.

Its step runs keep the step rule they always had (README, ``tests/security/test_readonly_bypass``):
a step that only reads runs and is journaled as a run; one that changes things is refused and the
refusal is journaled (``step.refused``: someone tried). Those lines are :data:`RECORDS`, each marked
with the seat (:data:`KEY`: ``"seat": "observer"``, by ``Incident._append`` and, for the supervisor's
``step.started``, ``RunSpec.observer``). The mark is what keeps such a run the observer's, not the
response's (fix47ro's left item: an observer's read was the step's ✔, counted in "N of M steps done"
and could be the response's "mobilised"): the fold keeps it in ``StepState.observed`` (shown "ran by an
observer (read-only seat)", its output kept and readable), never in the step's ``runs``, so it ticks
nothing, counts in no progress (``progress``), judges no ``ran`` and opens no verify gate, and none of
its lines is the response's first action (``fold``). An IC reads the checklist as what the responders did.
Lines without the mark (older journals) read as before.

It writes no note either. A note is not a remark beside the record: it is the record. The first
action after the declaration is the response's "mobilised" (``fold._MOBILISING`` holds ``note.added``),
the first ``root-cause`` note is its time to root cause (``reducers.written._note``), and a note's
tag puts it in the PIR's sections (lessons, action items with owners) in the words of the login that
wrote it, the commander's if they share one. An observer's remark goes to the scribe or the commander,
who records it; the trainee's own notes belong in a drill of their own seat.

The watchers write nothing from a read-only seat either (breaches and recoveries, overdue updates,
escalation tiers, reminders, Go/No-Go deadlines, branch judgements, approvals past their time): they
are journaled by the responders' seats when those look, and a read-only command stays a pure reader
(``Incident.append_once`` and ``Incident.sync_metrics`` return nothing for it).

The seat is ``Config.observer``: set by ``--read-only`` or the config file's ``read_only``
(``warroom.cli.common.config_from_args``), never by a replay's own read-only world (a rehearsal is the
team's to work: it declares, ticks and resolves its own incident; only its commands cannot run).
"""

from __future__ import annotations

from typing import Any

from warroom.errors import WarroomError
from warroom.execute.seat_mark import OBSERVER_MARK
from warroom.incident import after_resolve
from warroom.journal import events as ev

RECORDS: dict[str, str] = {
    ev.STEP_STARTED: "the step rule: a step that only reads runs, and its run is journaled",
    ev.STEP_FINISHED: "the step rule: the end of a step this seat ran",
    ev.STEP_DRY_RUN: "the step rule: a dry run shows the exact command and runs nothing",
    ev.STEP_REFUSED: "the step rule: a step that changes things is refused, and the attempt journaled",
    ev.EVIDENCE: "the panes before and after a step this seat ran",
}
"""Every event type a read-only seat writes, with why: only its step runs' lines, marked with the seat (:data:`KEY`).
Anything else is refused; a verify gate too: a step's gate judges the response's run of it, which an observer's is
not (its run opens none)."""

KEY, OBSERVER = next(iter(OBSERVER_MARK.items()))       # "seat": "observer", as the supervisor writes it too
BY = "by an observer (read-only seat)"
"""How every view names a line a read-only seat wrote: "Step 4 ran by an observer (read-only seat): ok, exit 0"."""

ACTIONS: dict[str, str] = {
    **after_resolve.ACTIONS,
    ev.DECLARED: "declare an incident",
    ev.PHASE_MARKED: "mark a milestone",
    ev.RESOLVED: "resolve it",
    ev.REOPENED: "reopen it",
    ev.NOTE: "add a note (tell the scribe or the commander)",
    ev.TIMELINE_ENTRY: "add a timeline entry",
    ev.CORRECTION: "correct a timeline entry",
    ev.STATUS_UPDATE: "record a stakeholder update",
    ev.PIR_EXPORTED: "export the PIR (`incident export ID --stdout` prints the draft)",
    ev.JOURNAL_REPAIRED: "repair its journal",
    ev.INCIDENT_SHARED: "move it to the shared store",
    ev.INCIDENT_MOVED: "move it to the shared store",
}
"""What a refused line's type means as an action, for the refusal's wording (``after_resolve``'s, and the
actions a resolved incident still takes)."""

SEAT = "an observer's seat reads and cannot change the incident"


class ReadOnlySeat(WarroomError):
    """A line or an action a read-only seat does not write: refused (exit 5, as a refused step),
    nothing written."""

    exit_code = 5


def observer(config: Any) -> bool:
    """Whether this session is a read-only seat (``Config.observer``)."""
    return bool(getattr(config, "observer", False))


def mark(config: Any) -> dict[str, str]:
    """The seat's mark for a line this session writes: ``{"seat": "observer"}`` from a read-only seat, else {}."""
    return {KEY: OBSERVER} if observer(config) else {}


def marked(data: Any) -> bool:
    """Whether a journal line's data carries the read-only seat's mark (:func:`mark`)."""
    return isinstance(data, dict) and data.get(KEY) == OBSERVER


def lines(state: Any) -> frozenset[int]:
    """The journal lines (seqs) a read-only seat wrote, as the fold kept them: its runs' starts and ends, its dry runs,
    its refusals, its runs' SLO evidence (a line with no pane value keeps no sample: not counted). The one rule
    every story of the response reads (the PIR's Key Moments, the brief's "What happened"):
    none of them is the response's; the Full Timeline says each as the observer's (attack48 Z9: an observer's refusal
    and dry run were Key Moments while its runs were not)."""
    out: set[int] = set()
    for st in state.steps.values():
        out.update(x for run in st.observed for x in (run.seq, run.end_seq) if x)
        out.update(int(d["seq"]) for d in (*st.dry_runs, *st.refusals) if d.get(KEY) == OBSERVER)
    out.update(e.seq for e in state.evidence if e.seat == OBSERVER)    # its runs' panes before and after (attack49 F5)
    return frozenset(out)


def said_of(run: Any) -> str:
    """A read-only seat's run as every view says it beside its step (``StepState.observed``): "ran by an observer
    (read-only seat) at 12:01:02 UTC: ok, exit 0 (output outputs/…): not the step's run" — its output kept as
    evidence, the step still as the responders left it."""
    from warroom.incident.marks import run_verdict, run_word

    how = "still running" if run.status == "running" else run_word(run.status, run_verdict(run)) + (
        f", exit {run.exit_code}" if run.exit_code is not None else "")
    out = f" (output {run.output})" if run.output else ""
    return f"ran {BY} at {run.started_at:%H:%M:%S} UTC: {how}{out}: not the step's run"


def refusal(inc_id: str | None, action: str) -> str:
    """The one refusal, naming the seat: nothing is recorded, it cannot ``action`` (``record a Go/No-Go
    verdict``), and why."""
    on = f" on {inc_id}" if inc_id else ""
    return (f"read-only session (--read-only): nothing recorded{on}: this seat cannot {action}; {SEAT}"
            " (a seat opened without --read-only acts)")


def line_refusal(config: Any, inc_id: str | None, type_: str) -> str | None:
    """Why a line of this type is not written from this seat now (None: it is)."""
    if not observer(config) or type_ in RECORDS:
        return None
    return refusal(inc_id, ACTIONS.get(type_, f"record {type_}"))


def check_line(config: Any, inc_id: str | None, type_: str) -> None:
    """Raise :class:`ReadOnlySeat` for a line a read-only seat does not write."""
    why = line_refusal(config, inc_id, type_)
    if why is not None:
        raise ReadOnlySeat(why)


def require_writer(config: Any, inc_id: str | None, action: str) -> None:
    """Refuse ``action`` (``attach a runbook``) from a read-only seat before any work is done for it (a runbook
    copied in, a webhook posted, a step cancelled, the journal rewritten)."""
    if observer(config):
        raise ReadOnlySeat(refusal(inc_id, action))
