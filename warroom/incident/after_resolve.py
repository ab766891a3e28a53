"""What a resolved incident still accepts: one rule, in the core, for every way in.

Resolving ends the response. What happens after it is writing *about* the response, never more of
it: an incident commander adds notes and PIR follow-ups (owners, due dates), back-dated timeline
entries and corrections, a last stakeholder update, response-time milestones found out later (the
root cause is often understood the next day), and exports the PIR. They do not run, tick, skip or
approve steps, attach or close runbooks, change the severity or the status, hand the incident to
another commander or record a Go/No-Go: those change the step record and the facts the PIR reports
as the response, and a line written after the end would be read as part of it. To do any of them,
the incident is reopened (``warroom incident reopen ID --reason R``), which the journal and the PIR
show.

The rule is by event type, and it is enforced where every event is written
(``Incident._append``, the single write path of the CLI, the dashboard and the headless sync), so
no entry point can forget it. :data:`ACCEPTED` lists every type a resolved incident accepts, each
with why; every other type (a new one too, until someone decides) is refused with
:class:`IncidentResolved`, naming when it was resolved and the command that reopens it (exit 5, as
the CLI's other refusals). Actions that do work before their line is written (a step's command runs
under its own supervisor, which journals the start; an attachment copies the runbook into the
incident dir) ask :func:`require_open` first, so nothing is done that cannot be recorded.

The judgement and the line are one step across processes too: the line is appended only if no
resolution (:data:`ENDS`) was journaled since the state it was judged on — checked under the
journal's own lock (``Journal.append(after=…, unless=ENDS)``); if one was, the line is judged again
on the new state, and refused in the same words. A step's ``step.started`` is written by its
supervisor, another process: the run is judged here before it is spawned, and the supervisor
appends its start under the same condition before the command is let go, so a run is either
journaled as started before the resolution or refused, never started after it.

Lines that record what already happened still land after the resolution: the end of a step that
was running when the incident was resolved, the evidence and verify gate it set off, breaches read
from the metric history of the incident window, a tier reached before the resolution. Watchers
(``append_once``) whose line is refused write nothing: a reminder is nobody's action and is never
due on a resolved incident.
"""

from __future__ import annotations

from typing import Any

from warroom.errors import WarroomError
from warroom.journal import events as ev
from warroom.paths import command

ACCEPTED: dict[str, str] = {
    ev.NOTE: "notes and PIR follow-ups (action items with owner and due date) are written after the end",
    ev.TIMELINE_ENTRY: "the timeline is reconstructed afterwards, back-dated",
    ev.CORRECTION: "an entry's text is corrected; the original line stays",
    ev.STATUS_UPDATE: "the last stakeholder update says it is resolved",
    ev.PHASE_MARKED: "a milestone found out later (root cause, the real start of impact) is marked with a reason",
    ev.PIR_EXPORTED: "the PIR is exported after the end",
    ev.METRICS_SUMMARISED: "the PIR's numbers are read over the incident window",
    ev.REOPENED: "the way back to acting on it",
    ev.RESOLVED: "judged by resolve itself: a second resolve is refused there",
    ev.STEP_FINISHED: "a step running when it was resolved ends; its end is a fact of the response",
    ev.EVIDENCE: "metric evidence after a step that ran before the resolution (a step's 'before' is refused)",
    ev.VERIFY_STARTED: "a verify gate set off by a step that ran before the resolution",
    ev.VERIFY_PASSED: "a verify gate set off by a step that ran before the resolution, settled",
    ev.VERIFY_FAILED: "a verify gate set off by a step that ran before the resolution, settled",
    ev.VERIFY_SUPERSEDED: "a verify gate given way to the re-run of its step, which ran before the resolution",
    ev.SLO_BREACHED: "read from the metric history of the incident window",
    ev.SLO_RECOVERED: "read from the metric history of the incident window",
    ev.ESCALATED: "a tier reached before the resolution (escalation.due never reaches past it)",
    ev.APPROVAL_EXPIRED: "time passing, not an action: an approval left open does not stay valid",
    ev.JOURNAL_REPAIRED: "looking after the journal, not the incident",
    ev.JOURNAL_DAMAGED_LINE: "looking after the journal, not the incident",
    ev.INCIDENT_SHARED: "moving the record to the shared store changes none of it",
    ev.INCIDENT_MOVED: "moving the record to the shared store changes none of it",
}
"""Every event type a resolved incident accepts, with why. Anything else is refused."""

ENDS: frozenset[str] = frozenset({ev.RESOLVED})
"""The lines that turn an open incident into a resolved one: a line judged on a state before one of
these is judged again (``Journal.append(..., unless=ENDS)``)."""

ACTIONS: dict[str, str] = {
    ev.DECLARED: "declare it",
    ev.RUNBOOK_ATTACHED: "attach a runbook",
    ev.RUNBOOK_CLOSED: "close a runbook",
    ev.SEVERITY_CHANGED: "change its severity",
    ev.STATUS_CHANGED: "change its status",
    ev.STEP_STARTED: "run a step",
    ev.STEP_DRY_RUN: "dry-run a step",
    ev.STEP_REFUSED: "run a step",
    ev.STEP_TICKED: "tick a step",
    ev.STEP_UNTICKED: "untick a step",
    ev.STEP_SKIPPED: "skip a step",
    ev.EVIDENCE: "run a step",
    ev.ALERT_SEEN: "record an alert",
    ev.ROLE_ASSIGNED: "assign a role",
    ev.HANDOFF_ACKNOWLEDGED: "acknowledge a handoff",
    ev.HANDOFF_REMINDER: "remind of a handoff",
    ev.APPROVAL_REQUESTED: "ask for an approval",
    ev.APPROVAL_GRANTED: "approve a step",
    ev.APPROVAL_REFUSED: "refuse an approval",
    ev.APPROVAL_USED: "run a step",
    ev.UPDATE_OVERDUE: "remind of a stakeholder update",
    ev.DECISION_RECORDED: "record a Go/No-Go verdict",
    ev.DECISION_OVERDUE: "remind of a Go/No-Go deadline",
    ev.DECISION_AROSE: "record that a Go/No-Go decision arose",
    ev.DECISION_LAPSED: "record that a Go/No-Go decision's condition lapsed",
    ev.BRANCH_JUDGED: "record a runbook branch's condition",
    ev.GATE_RELAPSED: "record that a verify gate's measure relapsed",
    ev.GATE_RECOVERED: "record that a verify gate's measure recovered",
}
"""What a refused line's type means as an action, for the refusal's wording."""


class IncidentResolved(WarroomError):
    """An action on a resolved incident that only an open one takes: refused (exit 5, as a refused
    step), nothing written."""

    exit_code = 5


def reopen_command(inc_id: str) -> str:
    """The command that reopens it, as every refusal names it."""
    return command("incident", "reopen", inc_id, "--reason", "R")


def refusal(state: Any, inc_id: str, action: str) -> str | None:
    """Why ``action`` (``tick a step``) is refused now, or None while the incident is open."""
    if not state.resolved:
        return None
    at = f" at {state.resolved_at:%Y-%m-%d %H:%M:%S} UTC" if state.resolved_at else ""
    return f"{inc_id} is resolved{at}; reopen it first to {action} (`{reopen_command(inc_id)}`)"


def require_open(state: Any, inc_id: str, action: str) -> None:
    """Refuse ``action`` on a resolved incident (:class:`IncidentResolved`); for entry points that
    do work before their line is written, so nothing is done that cannot be recorded."""
    why = refusal(state, inc_id, action)
    if why is not None:
        raise IncidentResolved(why)


def accepts(type_: str, data: dict[str, Any]) -> bool:
    """Whether a resolved incident takes a line of this type (and data): :data:`ACCEPTED`, except
    the "before" evidence of a step being started now."""
    if type_ == ev.EVIDENCE and data.get("when") == "before":
        return False
    return type_ in ACCEPTED


def line_refusal(state: Any, inc_id: str, type_: str, data: dict[str, Any]) -> str | None:
    """Why this line cannot be written now (None: it can): the rule ``Incident._append`` applies."""
    if not state.resolved or accepts(type_, data):
        return None
    return refusal(state, inc_id, ACTIONS.get(type_, f"record {type_}"))


def late_start(state: Any) -> str:
    """What a step's start line adds when it was folded after the resolution: a start that reached
    the journal without the check under its lock (a shared incident's start, spooled on another
    host before it met the store's resolution; a line written by hand). The command did run, so it
    is recorded, and the timeline says it started after the end."""
    if not state.resolved:
        return ""
    at = f" at {state.resolved_at:%H:%M:%S} UTC" if state.resolved_at else ""
    return f" — after the incident was resolved{at}"


def check_line(state: Any, inc_id: str, type_: str, data: dict[str, Any]) -> None:
    """Raise :class:`IncidentResolved` for a line a resolved incident does not take."""
    why = line_refusal(state, inc_id, type_, data)
    if why is not None:
        raise IncidentResolved(why)
