"""The approval service: request, approve, refuse, expire and use approvals of one incident.

Every method is one journal append through the incident's one write path (``Incident.append``),
so it works the same on any store. The rules are :mod:`warroom.incident.approvals`; the person is
:meth:`Incident.person` (the OS account, never the environment: see
:mod:`warroom.incident.identity`). "Now" is the incident's clock; how long an approval is good
for is incident time (``[approval] expires`` scenario seconds in a drill: ``ApprovalRequest.end_after``),
like every other timer of the incident.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from warroom import scenario_time as stime
from warroom.errors import NotFoundError, WarroomError
from warroom.execute.safety import StepRefused
from warroom.incident import approvals as rules, closing
from warroom.incident.approvals import ApprovalRequest
from warroom.incident.closing import WITHDRAWN
from warroom.journal import events as ev
from warroom.journal.log import Event, format_ts
from warroom.paths import command

if TYPE_CHECKING:
    from warroom.config import Config
    from warroom.incident.identity import Person
    from warroom.incident.prepared import PreparedStep
    from warroom.incident.state import IncidentState
    from warroom.journal.log import JournalRead


class Incident(Protocol):
    """What the desk needs of ``warroom.incident.session.Incident`` (which creates the desk)."""

    id: str
    config: Config
    clock: Callable[[], datetime]
    journal: Any

    @property
    def state(self) -> Any: ...
    def append(self, type_: str, data: dict[str, Any] | None = None) -> Event: ...
    def append_once(self, due: Callable[[Any], tuple[str, dict[str, Any]] | None]) -> Event | None: ...
    def require_intact(self, *, check_tail: bool = True) -> Any: ...
    def require_open(self, action: str) -> Any: ...
    def redact(self, text: str) -> str: ...
    def person(self) -> Person: ...
    def read(self) -> JournalRead: ...

DRY_RUN_LINES = 40
MAX_CLOCK_SKEW = 60.0
"""Seconds a host's clock may differ from the shared store's before its approvals and approved
runs are refused: expiry is judged by time on every host, so a host running twenty minutes
behind would approve (or run under) an approval that expired everywhere else."""


class SelfApproval(StepRefused):
    """The requester tried to approve their own request."""


@dataclass(frozen=True)
class Requested:
    """What ``request`` hands back: the event and the request as the state now holds it."""

    event: Event
    request: ApprovalRequest


class ApprovalDesk:
    """Two-person approval on one incident (see the module docstring)."""

    def __init__(self, incident: Incident) -> None:
        self.incident = incident

    @property
    def expires(self) -> float:
        return float(self.incident.config.approval.expires)

    def _life(self, state: IncidentState) -> dict[str, float]:
        """What a request journals of its life (incident seconds, ``stime.for_people``): the config's
        ``expires``, raised in a drill to the floor two people can act in, and then the value asked."""
        given = stime.for_people(self.expires, stime.scale_of(state))
        return {"expires_after": given} if given == self.expires else {"expires_after": given,
                                                                       "expires_asked": self.expires}

    # ---------------------------------------------------------------- what a step needs

    def reasons(self, prepared: PreparedStep) -> list[str]:
        """Why this prepared step needs approval (empty: it does not)."""
        if prepared.command is None or prepared.kind == "manual":
            return []
        return rules.reasons_needed(marked=bool(getattr(prepared.step, "approval", False)),
                                    mutating=bool(prepared.mutating), severity=self.incident.state.severity,
                                    config=self.incident.config, policy=self.incident.state.approval_policy)

    def target_of(self, prepared: PreparedStep) -> dict[str, Any]:
        """Where the step acts, "(current context)" named (``approval_target``)."""
        from warroom.incident.approval_target import resolved_target

        out = resolved_target(dict(prepared.target), self.incident.config,
                              drill=self.incident.state.drill is not None)
        variables = self.variables_of(prepared)
        if variables:
            out["variables"] = variables
        return out

    def variables_of(self, prepared: PreparedStep) -> str:
        """The values the step's command will read for the variables it uses, from ``[execute]
        env`` and from earlier steps of the incident (redacted): part of what an approval covers,
        so the same text with another ``$TARGET_NS`` is another command. The process's own
        environment is left out (it differs between hosts for good reasons)."""
        names = list(getattr(prepared.step, "uses_vars", []) or [])
        if not names:
            return ""
        inc = self.incident
        env = dict(inc.config.execute.env or {})
        carried_of = getattr(inc, "carried_vars", None)
        carried = carried_of() if callable(carried_of) else {}
        parts = []
        for name in sorted(set(names)):
            if name in env:
                parts.append(f"{name}={env[name]}")
            if name in carried:
                parts.append(f"{name}:={carried[name]}")   # set by an earlier step
        return inc.redact(", ".join(parts)) if parts else ""

    def hash_of(self, prepared: PreparedStep) -> str:
        return rules.command_hash(self.incident.id, prepared.runbook_id, prepared.step_id, prepared.kind,
                                  prepared.command or "", self.target_of(prepared))

    def verdict(self, prepared: PreparedStep, now: datetime | None = None) -> rules.Verdict | None:
        """None when the step needs no approval, else what the rule says now."""
        return rules.verdict_for(self.incident.state, self.incident.config, prepared, self.incident.id,
                                 now or self.incident.clock(), self.target_of(prepared))

    # ---------------------------------------------------------------- the gate a run passes

    def require(self, prepared: PreparedStep) -> ApprovalRequest | None:
        """The approval this run uses, None when none is needed; otherwise ``step.refused`` is
        journaled and ``StepRefused`` raised with a message naming the request."""
        self.expire_due()
        verdict = self.verdict(prepared)
        if verdict is None:
            return None
        message = verdict.message if not verdict.ok else (self._db_roles_problem(verdict.request)
                                                          or self._clock_problem())
        if message is not None:
            self.incident.append(ev.STEP_REFUSED, {**prepared.ref(), "command": prepared.shown, "reason": message,
                                                   "approval": verdict.request.id if verdict.request else None})
            raise StepRefused(f"{message} (recorded in the journal)")
        return verdict.request

    def _clock_problem(self) -> str | None:
        """On the shared store: why this host's clock cannot judge approvals (None: it can).
        The database server's clock is the common reference; a local journal has one host."""
        skew_of = getattr(self.incident.journal, "clock_skew", None)
        if not callable(skew_of):
            return None
        skew = skew_of(self.incident.clock)
        if abs(skew) <= MAX_CLOCK_SKEW:
            return None
        where = getattr(self.incident.journal, "where", "the shared store")
        return (f"this host's clock is {abs(skew):.0f}s {'ahead of' if skew > 0 else 'behind'} the shared store's"
                f" ({where}); approvals are judged by time on every host, so none is given or used from here"
                f" until the clock is right (NTP; at most {MAX_CLOCK_SKEW:g}s off)")

    # ---------------------------------------------------------------- identity proven by the database

    def _db_journal(self) -> Any:
        """The shared journal when ``[approval] distinct_db_roles`` asks for it (None when off)."""
        if not (self.incident.config.approval.distinct_db_roles
                or self.incident.state.approval_policy.get("distinct_db_roles")):
            return None
        journal = self.incident.journal
        if not callable(getattr(journal, "db_users", None)):
            raise WarroomError("[approval] distinct_db_roles = true needs the shared store (PostgreSQL records"
                               " which database role wrote each line); this incident is in a local journal")
        return journal

    def _db_roles_problem(self, request: ApprovalRequest | None) -> str | None:
        """With ``distinct_db_roles``: why this approval does not count (None: it does)."""
        journal = self._db_journal()
        if journal is None or request is None:
            return None
        seqs = [request.seq] + ([request.decided_seq] if request.decided_seq else [])
        roles = journal.db_users(seqs)
        asked, granted = roles.get(request.seq), roles.get(request.decided_seq or -1)
        if asked is None or granted is None or asked == granted:
            return (f"approval {request.id} does not count: the database recorded the same role"
                    f" ({asked or '?'}) for the request and the approval ([approval] distinct_db_roles)")
        return None

    def use_in_start(self, request: ApprovalRequest, prepared: PreparedStep) -> dict[str, Any]:
        """The use of ``request`` a run's ``step.started`` carries (``approvals.use_of_run``): the
        approval is spent by the line that starts the run, so never by a run that did not start."""
        return rules.use_of_run(request, self.hash_of(prepared), self.incident.person())

    def check_use(self, use: dict[str, Any], prepared: PreparedStep, state: IncidentState, at: datetime) -> None:
        """Refuse (``step.refused`` journaled, :class:`StepRefused`) a start carrying ``use`` that
        would not count on ``state`` at ``at`` (``approvals.use_refusal``): judged where the start
        line is appended, so the approval is spent by a run that starts, or by none."""
        message = rules.use_refusal(state, use, prepared.number, at, self.incident.id)
        if message is None:
            return
        self.incident.append(ev.STEP_REFUSED, {**prepared.ref(), "command": prepared.shown, "reason": message,
                                               "approval": use.get("request")})
        raise StepRefused(f"{message} (recorded in the journal)")

    def use(self, request: ApprovalRequest, prepared: PreparedStep) -> Event:
        """Journal that the approved command runs now (an approval covers one run). Two
        responders using one approval at the same moment both append; the journal's order says
        whose use counted, and the other run is refused here, before it starts."""
        event = self.incident.append(ev.APPROVAL_USED, {
            "request": request.id, **prepared.ref(), "command_sha256": self.hash_of(prepared),
            "by": self.incident.person().to_json()})
        now = self.incident.state.approvals.get(request.id)
        if now is None or now.used_seq != event.seq:
            if now is not None and now.used_seq is None and now.state_at(event.ts) == "expired":
                message = (f"step {prepared.number} needs a second person's approval: {request.id} expired at"
                           f" {now.expires_at():%H:%M:%S} UTC, just before this run started; ask again:"
                           f" `{command('incident', 'request', self.incident.id, str(prepared.number))}`")
            elif now is not None and now.used_seq is not None:
                who = now.used_by.shown if now.used_by else "someone else"
                message = (f"step {prepared.number} needs a second person's approval: {request.id} was used by"
                           f" {who} (seq {now.used_seq}) just before this run; ask again")
            else:
                message = (f"step {prepared.number} needs a second person's approval: {request.id} is"
                           f" {now.state_at(event.ts) if now else 'unknown'} now; ask again")
            self.incident.append(ev.STEP_REFUSED, {**prepared.ref(), "command": prepared.shown, "reason": message,
                                                   "approval": request.id})
            raise StepRefused(f"{message} (recorded in the journal)")
        return event

    # ---------------------------------------------------------------- people acting

    def request(self, prepared: PreparedStep) -> Requested:
        """Ask a second person to approve this exact step (command, target, dry run, gate)."""
        inc = self.incident
        closing.refuse_closed(inc.require_open("ask for an approval"), prepared.runbook_id, inc.id)
        reasons = self.reasons(prepared)
        if not reasons:
            raise WarroomError(f"step {prepared.number} ({prepared.label}) does not need approval: the runbook does"
                               " not mark it approval=true and [approval] severities does not cover it")
        self.expire_due()
        sha = self.hash_of(prepared)
        now = inc.clock()
        for r in inc.state.approvals.values():
            if r.key == (prepared.runbook_id, prepared.step_id) and r.command_sha256 == sha \
                    and r.state_at(now) in rules.OPEN:
                raise WarroomError(f"{r.id} already asks for this exact command ({r.state_at(now)},"
                                   f" good until {rules.good_until(r)})")
        data: dict[str, Any] = {
            **prepared.ref(), "kind": prepared.kind, "command": prepared.shown, "command_sha256": sha,
            "params": {k: inc.redact(str(v)) for k, v in prepared.params.items()},
            "target": self.target_of(prepared), "mutating": bool(prepared.mutating), "reasons": reasons,
            "dry_run": self._dry_run(prepared), "verify": getattr(prepared.step, "verify", None) or None,
            "requester": inc.person().to_json(), **self._life(inc.state),
        }
        if data["verify"]:                  # the approver reads what it will watch, in the runbook's words
            from warroom.sources.verify import describe_gate

            try:
                book = inc.runbook(prepared.runbook_id or None)
            except WarroomError:
                book = None
            data["verify_words"] = describe_gate(data["verify"], inc.config.slo, book.queries if book else None)
        event = inc.append(ev.APPROVAL_REQUESTED, data)
        return Requested(event, inc.state.approvals[rules.request_id(event.seq)])

    def _dry_run(self, prepared: PreparedStep) -> dict[str, Any] | None:
        """The step's own dry run, where it has one: a native k8s step says what it would do and
        where (nothing is sent that changes anything). Shell and PromQL steps have none: the
        exact command is what the approver judges."""
        if prepared.kind != "k8s" or prepared.command is None:
            return None
        from warroom.sources.native import run_native_step

        result = run_native_step("k8s", prepared.command, self.incident.config, dry_run=True)
        lines = [self.incident.redact(str(x)) for x in result.lines][:DRY_RUN_LINES]
        return {"lines": lines, "status": result.status}

    def _open(self, request_id: str) -> ApprovalRequest:
        rid = request_id.strip().upper()
        if not rid.startswith("R"):
            rid = f"R{rid}"
        req = self.incident.state.approvals.get(rid)
        if req is None:
            now = self.incident.clock()
            waiting = [r.id for r in self.incident.state.approvals.values() if r.state_at(now) in rules.OPEN]
            hint = f"open: {', '.join(waiting)}" if waiting else "none is open"
            raise NotFoundError(f"{self.incident.id}: no approval request {request_id!r} ({hint};"
                                f" `{command('incident', 'approvals', self.incident.id)}` lists them)")
        return req

    def approve(self, request_id: str) -> Event:
        """Approve a pending request as this process's person (never the requester)."""
        inc = self.incident
        inc.require_open("approve a step")
        self.expire_due()
        req = self._open(request_id)
        now = inc.clock()
        state = req.state_at(now)
        if state != "pending":
            raise WarroomError(f"{req.id} is {state}" + (f" (by {req.decided_by.shown})" if req.decided_by else "")
                               + (f" ({req.reason})" if state == WITHDRAWN else "") + ": nothing to approve")
        clock_problem = self._clock_problem()
        if clock_problem is not None:
            raise WarroomError(f"{req.id} not approved: {clock_problem}")
        me = inc.person()
        journal = self._db_journal()
        if journal is not None:
            mine, asked = journal.db_user(), journal.db_users([req.seq]).get(req.seq)
            if asked is None or mine == asked:
                raise SelfApproval(f"{req.id} was requested through the database role {asked or '?'}, the role you are"
                                   " connected as: with [approval] distinct_db_roles a second person approves"
                                   " with their own role")
        if req.requester is None or req.asked_by(me):
            raise SelfApproval(f"{req.id} was requested by {req.who()}; you are {me.shown}: the requester cannot"
                               " approve their own request (the same login on another host is the same person)."
                               " A second person must approve it.")
        # Good for this approver's `expires`, never longer than the request asked (the reducer
        # cuts it there anyway: the event says what really holds).
        until = req.end_after(now, min(stime.for_people(self.expires, req.time_scale), req.expires_after))
        grant = {"request": req.id, "command_sha256": req.command_sha256, "approver": me.to_json(),
                 "expires_at": format_ts(until)}

        def still_pending(state: Any) -> tuple[str, dict[str, Any]] | None:
            now_req = state.approvals.get(req.id)
            if now_req is None or now_req.state_at(inc.clock()) != "pending":
                return None
            return ev.APPROVAL_GRANTED, grant

        # Written only if nobody refused, withdrew or approved it since it was judged above.
        event = inc.append_once(still_pending)
        after = inc.state.approvals.get(req.id)
        if event is None or after is None or after.decided_seq != event.seq:
            state = after.state_at(inc.clock()) if after is not None else "gone"
            by = f" by {after.decided_by.shown}" if after is not None and after.decided_by else ""
            raise WarroomError(f"{req.id} was not approved: it is {state}{by} now (someone acted on it at the same"
                               " moment); nothing was approved")
        return event

    def refuse(self, request_id: str, reason: str) -> Event:
        """Say no (the requester may withdraw their own request the same way); needs a reason."""
        inc = self.incident
        inc.require_open("refuse an approval")
        reason = reason.strip()
        if not reason:
            raise WarroomError("refusing needs a reason (--why)")
        self.expire_due()
        req = self._open(request_id)
        state = req.state_at(inc.clock())
        if state not in rules.OPEN:
            raise WarroomError(f"{req.id} is {state}: nothing to refuse")
        return inc.append(ev.APPROVAL_REFUSED, {"request": req.id, "by": inc.person().to_json(),
                                                "reason": inc.redact(reason)})

    def expire_due(self) -> list[Event]:
        """Journal ``approval.expired`` once for every open request or approval past its time."""
        inc = self.incident
        now = inc.clock()

        def todo(state: Any) -> tuple[str, dict[str, Any]] | None:
            for req in state.approvals.values():
                if req.status in rules.OPEN and req.state_at(now) == "expired":
                    return ev.APPROVAL_EXPIRED, {"request": req.id, "was": req.status,
                                                 "expired_at": format_ts(req.expires_at())}
            return None

        # One at a time, each judged on the journal as it is then (``append_once``): two
        # responders noticing the same expiry at the same moment journal it once.
        out = []
        for _ in range(len(inc.state.approvals) + 1):
            event = inc.append_once(todo)
            if event is None:
                break
            out.append(event)
        return out

    def listing(self, now: datetime | None = None) -> list[tuple[ApprovalRequest, str]]:
        """Every request with its state now, oldest first."""
        now = now or self.incident.clock()
        return [(r, r.state_at(now)) for r in self.incident.state.approvals.values()]


def describe(req: ApprovalRequest, state: str, incident: IncidentState) -> list[str]:
    """What an approver sees, as lines (CLI and dashboard dialog alike); the step named as every
    screen names it (``IncidentState.step_name``), its runbook said after it when the name
    does not already say it."""
    incident_id = incident.id
    name = incident.step_name(req.runbook_id, req.step or req.step_id)
    whose = "" if incident.names_runbook(req.runbook_id) else f" — runbook {req.runbook_id or '?'}"
    target = ", ".join(f"{k} {v}" for k, v in req.target.items() if k in ("context", "namespace", "host",
                                                                             "cluster", "describe")) or "none recorded"
    if req.target.get("variables"):
        target += f"; variables {req.target['variables']}"
    lines = [f"{req.id}  {state.upper()}  {name} ({req.label}){whose}",
             f"  requested by {req.who()} at {req.at:%H:%M:%S} UTC; good until {rules.good_until(req)}",
             f"  why approval: {'; '.join(req.reasons) or '?'}",
             f"  command: {req.command}",
             f"  target: {target}",
             f"  {'CHANGES THINGS' if req.mutating else 'read-only'}; kind {req.kind or 'shell'};"
             f" sha256 {req.command_sha256[:16]}…"]
    if req.params:
        lines.append("  params: " + ", ".join(f"{k}={v}" for k, v in req.params.items()))
    if req.dry_run:
        lines.append("  dry run:")
        lines.extend(f"    {ln}" for ln in req.dry_run)
    else:
        lines.append("  dry run: none for this kind of step (the command above is exactly what runs)")
    gate = f"{req.verify_words} ({req.verify})" if req.verify_words and req.verify else req.verify
    lines.append(f"  verify gate after it: {gate or 'none (the runbook gives no verify check)'}")
    if req.decided_by is not None:
        word = {"approved": "approved", "used": "approved", "refused": "refused"}.get(req.status, req.status)
        lines.append(f"  {word} by {req.decided_by.shown} at {req.decided_at:%H:%M:%S} UTC"
                     + (f": {req.reason}" if req.reason else ""))
    if req.status == WITHDRAWN and req.decided_at is not None:
        lines.append(f"  withdrawn at {req.decided_at:%H:%M:%S} UTC: {req.reason}")
    if req.used_at is not None:
        lines.append(f"  used at {req.used_at:%H:%M:%S} UTC by {req.used_by.shown if req.used_by else '?'}")
    if state == "pending":
        lines.append(f"  approve: {command('incident', 'approve', incident_id, req.id)}"
                     f"   refuse: {command('incident', 'approve', incident_id, req.id, '--refuse', '--why', 'TEXT')}")
    return lines
