"""Two-person approval: what a request is, how the journal's approval events fold into it, and the
rule that says whether a prepared step may run now.

Pure (no clock, no file): the service (:mod:`warroom.incident.approval_desk`) reads the clock and
writes the events; this module only judges. The rule, by construction:

* a step needs approval when its fence says ``approval=true``, or when it is mutating and the
  incident's severity is one of ``[approval] severities``;
* it may run only under an approval that is ``approved`` (not refused, expired or already used),
  whose approver is not its requester (:func:`warroom.incident.identity.same_person`), whose
  ``expires_at`` is still ahead, and whose ``command_sha256`` is the hash of the step as prepared
  now (:func:`command_hash`: the exact final command after parameters, its kind, its target and
  the step). A parameter or a target changed since the request means a different hash, so a new
  approval.

Validity is decided from times, not from the ``approval.expired`` event: that event only records
that someone noticed, so a journal where nobody noticed is no more permissive.

How long a request and a grant are good for (``[approval] expires``, journaled as the request's
``expires_after``) is incident time, like every other incident timer (item 2: the tiers, the update
cadence, the handoff reminder): in a drill at x10 a 15-minute approval lasts 15 drill minutes, 90
wall seconds. The request keeps the incident's scale (``time_scale``) and every end is worked out
by :meth:`ApprovalRequest.end_after` through :func:`warroom.scenario_time.after`, so the run gate,
the reducer, the header and the PIR cannot count it another way; where a person acts on one (the
approver's view, ``approve``'s answer) :func:`good_until` says how long it is in drill time with the
wall figure beside.

A drill compresses the world, not the people: at x60 the default 15 minutes would be 15 wall seconds
(0.25 s at x3600), too short for one person to ask, another to read the command and approve, and the
first to run it. So in a drill an approval's life is never under ``HUMAN_FLOOR`` wall seconds
(:func:`warroom.scenario_time.for_people`, the rule a decision's deadline follows too: 2 wall minutes,
two hours of drill time at x60). The desk journals the life it gives
(``expires_after``, with ``expires_asked`` the config's value when the floor raised it), so every
reader folds the same figure from the journal and says why it is longer than ``[approval] expires``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from warroom import scenario_time as stime
from warroom.incident.closing import WITHDRAWN, closure_of
from warroom.incident.identity import Person, person_of, same_person
from warroom.incident.records import _int, _num, _ts, one_line
from warroom.journal import events as ev
from warroom.journal.log import Event
from warroom.paths import command

if TYPE_CHECKING:
    from warroom.config import Config

# The incident state is passed in (``warroom.incident.state.IncidentState``, which holds these
# requests); it is not imported here because the state module imports this one.
IncidentState = Any

OPEN = ("pending", "approved")

def status_at(status: str, expires_at: datetime, now: datetime) -> str:
    """The rule behind :meth:`ApprovalRequest.state_at`, for a copy of a request's status and end
    kept apart from the state (the dashboard's header says it again each second, long after the
    view it came with was built): an open one past its end is expired."""
    return "expired" if status in OPEN and now >= expires_at else status


@dataclass
class ApprovalRequest:
    """One request as the journal tells it (see ``warroom.journal.events.APPROVAL_*``)."""

    id: str
    seq: int
    at: datetime
    actor: str
    step: int | None
    step_id: str
    runbook_id: str
    label: str
    kind: str
    command: str
    command_sha256: str
    params: dict[str, str]
    target: dict[str, Any]
    mutating: bool
    reasons: list[str]
    dry_run: list[str] | None
    verify: str | None
    requester: Person | None
    expires_after: float
    verify_words: str | None = None    # the gate in words (``describe_gate``): what the approver reads
    time_scale: float = 1.0            # the incident's (``IncidentState.time_scale``): expires_after is its time
    expires_asked: float | None = None  # ``[approval] expires`` when a drill's floor raised it (``stime.for_people``)
    status: str = "pending"            # pending | approved | refused | expired | used
    decided_by: Person | None = None
    decided_at: datetime | None = None
    decided_seq: int | None = None
    reason: str = ""
    approved_until: datetime | None = None
    # the grant itself, kept when a refusal later withdraws it (``decided_*`` then name the refusal)
    approved_by: Person | None = None
    approved_at: datetime | None = None
    approved_seq: int | None = None
    expired_at: datetime | None = None
    expired_seq: int | None = None
    used_at: datetime | None = None
    used_seq: int | None = None
    used_by: Person | None = None
    history: list[dict[str, Any]] = field(default_factory=list)

    @property
    def key(self) -> tuple[str, str]:
        return (self.runbook_id, self.step_id)

    def end_after(self, start: datetime, seconds: float | None = None) -> datetime:
        """The instant ``seconds`` (default ``expires_after``) of incident time after ``start``: in
        a drill scenario seconds, so the wall span is shorter by its speed (the one rule for every
        end: the request's, a grant's, the reducer's cap)."""
        return stime.after(self, start, self.expires_after if seconds is None else seconds)

    def expires_at(self) -> datetime:
        """When it stops being good: the approval's own end once approved, else the request's."""
        if self.approved_until is not None:
            return self.approved_until
        return self.end_after(self.at)

    def state_at(self, now: datetime) -> str:
        """``status``, with an open request or approval past its time counted as expired."""
        return status_at(self.status, self.expires_at(), now)

    def who(self) -> str:
        return self.requester.shown if self.requester else self.actor

    def withdraw(self, e: Event, why: str) -> bool:
        """Withdraw an open request (pending, or approved and not used) because the step can no
        longer run (its runbook was closed: ``warroom.incident.closing``); False when it was not
        open. The grant, if any, stays on record (``approved_*``)."""
        if self.status not in OPEN:
            return False
        self.history.append({"seq": e.seq, "at": e.ts, "type": e.type})
        self.status = WITHDRAWN
        self.decided_by, self.decided_at, self.decided_seq = None, e.ts, e.seq
        self.reason = why
        return True

    def asked_by(self, person: Person) -> bool:
        """Whether ``person`` may be who asked: the requester the line names *or* whoever wrote
        the line (its actor) — a request written by alice naming bob was still asked by alice."""
        writer = _writer_of(self.actor)
        return (self.requester is not None and same_person(self.requester, person)) or same_person(writer, person)


def good_until(req: ApprovalRequest) -> str:
    """When ``req`` (its grant, once approved) stops being good, for "good until …": the UTC
    instant, and in a drill how long that is in drill time with the wall beside
    (``14:10:00 UTC, 15m00s drill time (1m30s wall) after the approval``), and why it is longer
    than ``[approval] expires`` when the drill's floor raised it (:func:`warroom.scenario_time.for_people`)."""
    end = req.expires_at()
    granted = req.approved_until is not None and req.approved_at is not None
    span = stime.between(req, req.approved_at if granted else req.at, end)
    if not span.drill:
        return f"{end:%H:%M:%S} UTC"
    said = f"{end:%H:%M:%S} UTC, {span.text()} after the {'approval' if granted else 'request'}"
    raised = stime.raised_said(req, span.seconds, req.expires_asked, "[approval] expires",
                               "so two people have time to act") if req.expires_asked is not None else ""
    return f"{said} ({raised})" if raised else said


def request_id(seq: int) -> str:
    """A request's id is its journal seq: unique even when two responders ask at once."""
    return f"R{seq}"


def command_hash(incident_id: str, runbook_id: str, step_id: str, kind: str, command: str,
                 target: dict[str, Any]) -> str:
    """What an approval covers: the exact final command (after parameters, before redaction),
    its kind and target, for this step of this incident. Salted with the incident and step so a
    hash says nothing useful outside it."""
    blob = json.dumps({"incident": incident_id, "runbook_id": runbook_id, "step_id": step_id, "kind": kind,
                       "command": command, "target": {str(k): str(v) for k, v in sorted(target.items())}},
                      sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def approval_policy(config: Config) -> dict[str, Any]:
    """The config's two-person rule as journaled with a declaration (empty: none configured)."""
    out: dict[str, Any] = {}
    if config.approval.severities:
        out["severities"] = [str(s).upper() for s in config.approval.severities]
    if config.approval.distinct_db_roles:
        out["distinct_db_roles"] = True
    return out


def policy_severities(config: Config, policy: dict[str, Any] | None) -> list[str]:
    """Severities whose mutating steps need approval: this host's config and the incident's
    declared policy together (a host can add to the incident's rule, never drop it)."""
    chosen = [str(s).upper() for s in config.approval.severities]
    for s in (policy or {}).get("severities") or []:
        if str(s).upper() not in chosen:
            chosen.append(str(s).upper())
    return chosen


def reasons_needed(*, marked: bool, mutating: bool, severity: str, config: Config,
                   policy: dict[str, Any] | None = None) -> list[str]:
    """Why a step needs a second person's approval (empty: it does not). ``policy``: the
    incident's declared rule (``IncidentState.approval_policy``)."""
    out = []
    if marked:
        out.append("the runbook marks this step approval=true")
    chosen = policy_severities(config, policy)
    if mutating and severity.upper() in chosen:
        out.append(f"it changes things and the incident is {severity.upper()}"
                   f" ([approval] severities = {', '.join(chosen)})")
    return out


@dataclass(frozen=True)
class Verdict:
    """What the rule says about running a step now."""

    ok: bool
    request: ApprovalRequest | None
    message: str


def _shows(r: ApprovalRequest, shown: tuple[str, dict[str, Any]] | None) -> bool:
    """The request showed the approver this command and target (a request line written by hand
    with a hash of one command and the text of another never covers either)."""
    if shown is None:
        return True
    command, target = shown
    return r.command == command and {str(k): str(v) for k, v in r.target.items()} == \
        {str(k): str(v) for k, v in target.items()}


def judge(state: IncidentState, key: tuple[str, str], sha: str, now: datetime, *,
          number: int | None, incident_id: str, shown: tuple[str, dict[str, Any]] | None = None) -> Verdict:
    """May the step ``key``, prepared to hash ``sha`` (and shown as ``shown``: the redacted
    command and the target), run now? The message names the request."""
    mine = [r for r in state.approvals.values() if r.key == key or (not key[0] and r.step_id == key[1])]
    where = f"step {number}" if number is not None else f"step {key[1]}"
    for r in reversed(mine):
        if r.state_at(now) == "approved" and r.command_sha256 == sha and _shows(r, shown):
            if r.decided_by is not None and r.asked_by(r.decided_by):
                continue   # never counts, however it got into the journal
            return Verdict(True, r, f"approved as {r.id} by {r.decided_by.shown if r.decided_by else '?'}, good"
                                    f" until {good_until(r)}, for one run of this exact command")
    if not mine:
        return Verdict(False, None, f"{where} needs a second person's approval and none was requested:"
                                    f" request it (`{command('incident', 'request', incident_id, str(number or key[1]))}`),"
                                    " then another person approves it")
    last = mine[-1]
    st = last.state_at(now)
    ask = f"`{command('incident', 'request', incident_id, str(number or key[1]))}`"
    if st in ("pending", "approved") and (last.command_sha256 != sha or not _shows(last, shown)):
        why = (f"request {last.id} covers a different command ({last.command}); the step as prepared now"
               f" differs (parameters or target changed), so it needs a new approval: {ask}")
    elif st == "pending":
        why = (f"request {last.id} is waiting for a second person (not {last.who()}):"
               f" `{command('incident', 'approve', incident_id, last.id)}`")
    elif st == "expired":
        why = f"request {last.id} expired at {last.expires_at():%H:%M:%S} UTC; ask again: {ask}"
    elif st == "refused":
        by = last.decided_by.shown if last.decided_by else "?"
        reason = f" ({last.reason})" if last.reason else ""
        why = f"request {last.id} was refused by {by}{reason}"
    elif st == WITHDRAWN:
        why = f"request {last.id} was withdrawn ({last.reason}); ask again: {ask}"
    elif st == "used":
        why = f"approval {last.id} was used for one run already; ask again: {ask}"
    else:
        why = f"request {last.id} is {st}"
    return Verdict(False, last, f"{where} needs a second person's approval: {why}")


def verdict_for(state: IncidentState, config: Config, prepared: Any, incident_id: str,
                now: datetime, target: dict[str, Any] | None = None) -> Verdict | None:
    """None when the prepared step needs no approval, else what the rule says now. One function
    for the run gate (``ApprovalDesk``) and the run dialog's preview (``StepPreparer``)."""
    if prepared.command is None or prepared.kind == "manual":
        return None
    if not reasons_needed(marked=bool(getattr(prepared.step, "approval", False)), mutating=bool(prepared.mutating),
                          severity=state.severity, config=config, policy=state.approval_policy):
        return None
    where = dict(prepared.target if target is None else target)
    sha = command_hash(incident_id, prepared.runbook_id, prepared.step_id, prepared.kind, prepared.command or "", where)
    return judge(state, (prepared.runbook_id, prepared.step_id), sha, now, number=prepared.number,
                 shown=(str(getattr(prepared, "shown", "") or ""), where),
                 incident_id=incident_id)


# ------------------------------------------------------------------------------ reducers


def _request(s: IncidentState, e: Event, d: dict[str, Any]) -> None:
    rid = request_id(e.seq)
    params = d.get("params") if isinstance(d.get("params"), dict) else {}
    target = d.get("target") if isinstance(d.get("target"), dict) else {}
    dry = d.get("dry_run")
    lines = [str(x) for x in dry.get("lines") or []] if isinstance(dry, dict) else None
    req = ApprovalRequest(
        id=rid, seq=e.seq, at=e.ts, actor=e.actor, step=_int(d.get("step")), step_id=str(d.get("step_id") or "?"),
        runbook_id=str(d.get("runbook_id") or ""), label=str(d.get("label") or ""), kind=str(d.get("kind") or ""),
        command=str(d.get("command") or ""), command_sha256=str(d.get("command_sha256") or ""),
        params={str(k): str(v) for k, v in params.items()}, target=dict(target),
        mutating=bool(d.get("mutating")), reasons=[str(r) for r in d.get("reasons") or []],
        dry_run=lines, verify=str(d["verify"]) if d.get("verify") else None,
        requester=person_of(d.get("requester")), expires_after=_num(d.get("expires_after")) or 900.0,
        verify_words=str(d["verify_words"]) if d.get("verify_words") else None, time_scale=stime.scale_of(s),
        expires_asked=_num(d.get("expires_asked")))
    s.approvals[rid] = req
    who = req.who()
    s._add_timeline(e, e.type, f"Approval {rid} requested by {who} for {step_word(s, req)}"
                               f" ({req.label}): {req.command}", step=req.step)
    if closure_of(s, req.runbook_id) is not None:   # asked after its runbook was closed (a race, or by hand)
        req.withdraw(e, f"{req.runbook_id} was closed")


def step_word(s: IncidentState, req: ApprovalRequest) -> str:
    """"step 5", or "RB-LAUNCH-002 step 5" (``IncidentState.step_name``: the one rule)."""
    return s.step_name(req.runbook_id, req.step or req.step_id)


def _find(s: IncidentState, d: dict[str, Any]) -> ApprovalRequest | None:
    return s.approvals.get(str(d.get("request") or ""))


def _granted(s: IncidentState, e: Event, d: dict[str, Any]) -> None:
    req = _find(s, d)
    approver = person_of(d.get("approver"))
    if req is None:
        s._add_timeline(e, e.type, f"Approval of unknown request {d.get('request')} (ignored)")
        return
    req.history.append({"seq": e.seq, "at": e.ts, "type": e.type})
    # Only an open request becomes approved, only for the hash it was asked for, only by someone
    # else: a hand-written line that breaks these rules is shown, never obeyed.
    problem = None
    if req.status != "pending" or e.ts >= req.expires_at():
        problem = f"request was {req.state_at(e.ts)}"
    elif str(d.get("command_sha256") or "") != req.command_sha256:
        problem = "for a different command"
    elif approver is None or req.asked_by(approver) or req.asked_by(_writer(e)):
        # the line's own actor counts too: the requester's warroom writing a grant that names
        # someone else (a modified client, the Python API) is still the requester approving
        problem = "by the requester"
    who = approver.shown if approver else e.actor
    if problem is not None:
        s._add_timeline(e, e.type, f"Approval {req.id} by {who} not counted ({problem})", step=req.step)
        return
    req.status = "approved"
    req.decided_by, req.decided_at, req.decided_seq = approver, e.ts, e.seq
    req.approved_by, req.approved_at, req.approved_seq = approver, e.ts, e.seq
    # Good for the time the request asked for, from the grant: a grant line (or an approver's
    # config) that says longer does not stretch it; one that says shorter is kept.
    longest = req.end_after(e.ts)
    given = _ts(d.get("expires_at"))
    req.approved_until = min(given, longest) if given is not None else longest
    s._add_timeline(e, e.type, f"Approval {req.id} granted by {who} for {step_word(s, req)}"
                               f" ({req.label}), good until {good_until(req)}", step=req.step)


def _writer(e: Event) -> Person:
    """Who wrote the line, as far as its ``actor`` (``name@host``) says."""
    return _writer_of(e.actor)


def _writer_of(actor: str) -> Person:
    name, _, host = actor.rpartition("@") if "@" in actor else (actor, "", "")
    return Person(login=name or actor, uid=-1, host=host, actor=actor)


def _refused(s: IncidentState, e: Event, d: dict[str, Any]) -> None:
    req = _find(s, d)
    if req is None or req.status not in OPEN:
        return
    by = person_of(d.get("by"))
    req.history.append({"seq": e.seq, "at": e.ts, "type": e.type})
    req.status = "refused"
    req.decided_by, req.decided_at, req.decided_seq = by, e.ts, e.seq
    req.reason = one_line(d.get("reason") or "")
    why = f": {req.reason}" if req.reason else ""
    s._add_timeline(e, e.type, f"Approval {req.id} refused by {by.shown if by else e.actor}{why}", step=req.step)


def _expired(s: IncidentState, e: Event, d: dict[str, Any]) -> None:
    req = _find(s, d)
    if req is None or req.status not in OPEN:
        return
    was = req.status
    req.history.append({"seq": e.seq, "at": e.ts, "type": e.type})
    req.status = "expired"
    req.expired_at = _ts(d.get("expired_at")) or e.ts
    req.expired_seq = e.seq
    what = "approval" if was == "approved" else "request (unanswered)"
    s._add_timeline(e, e.type, f"Approval {req.id} expired: the {what} was good until"
                               f" {req.expired_at:%H:%M:%S} UTC", step=req.step)


def _used(s: IncidentState, e: Event, d: dict[str, Any]) -> None:
    """An approval's use: an ``approval.used`` line, or the ``approval`` a run's start carries. Its
    timeline line is an approval's use either way (what the PIR weighs and keeps), not a start."""
    req = _find(s, d)
    if req is None or req.status != "approved":
        return
    if e.ts >= req.expires_at() or str(d.get("command_sha256") or "") != req.command_sha256:
        s._add_timeline(e, ev.APPROVAL_USED, f"Use of approval {req.id} not counted (expired, or another command)",
                        step=req.step)
        return
    req.history.append({"seq": e.seq, "at": e.ts, "type": e.type})
    req.status = "used"
    req.used_at, req.used_seq, req.used_by = e.ts, e.seq, person_of(d.get("by"))
    by = req.used_by.shown if req.used_by else e.actor
    s._add_timeline(e, ev.APPROVAL_USED, f"Approval {req.id} used: {step_word(s, req)} run by {by}", step=req.step)


USE_CHANGERS: frozenset[str] = frozenset({ev.APPROVAL_USED, ev.APPROVAL_REFUSED, ev.APPROVAL_EXPIRED,
                                          ev.STEP_STARTED})
"""Lines that may spend or withdraw an approval: a run judged with an approval starts only if none
came since its judgement (``Journal.append(after=, unless=)``), else it is judged again — the
approval's use and the run's start are one line (``step.started`` carrying ``approval``), so they
are recorded together or not at all."""


def use_of_run(request: ApprovalRequest, command_sha256: str, by: Person) -> dict[str, Any]:
    """What a run's ``step.started`` carries when it uses ``request``: the use itself, journaled in
    the same line as the start (never before it: an approval spent by a run that never started)."""
    return {"request": request.id, "command_sha256": command_sha256, "by": by.to_json()}


def use_refusal(s: IncidentState, use: dict[str, Any], number: int | None, at: datetime,
                incident_id: str) -> str | None:
    """Why a run's start carrying ``use`` (``use_of_run``) would not count on ``s`` at ``at`` —
    spent by another run, expired, refused, another command — or None: it counts (``_used``)."""
    req = _find(s, use)
    head = f"step {number} needs a second person's approval: "
    again = f"ask again: `{command('incident', 'request', incident_id, str(number))}`"
    if req is None:
        return head + f"{use.get('request')} is not a request of {incident_id}; {again}"
    if req.status == "used":
        who = req.used_by.shown if req.used_by else "someone else"
        return head + f"{req.id} was used by {who} (seq {req.used_seq}) just before this run; {again}"
    now = req.state_at(at)
    if now == "expired":
        return head + f"{req.id} expired at {req.expires_at():%H:%M:%S} UTC, just before this run started; {again}"
    if now != "approved" or str(use.get("command_sha256") or "") != req.command_sha256:
        return head + f"{req.id} is {now} (for this command) now; {again}"
    return None


def used_by_start(s: IncidentState, e: Event, d: dict[str, Any]) -> None:
    """Fold the approval a run's start carries (``use_of_run``): the same rule as an
    ``approval.used`` line, at the start's own seq and time."""
    use = d.get("approval")
    if isinstance(use, dict):
        _used(s, e, use)


HANDLERS = {
    ev.APPROVAL_REQUESTED: _request,
    ev.APPROVAL_GRANTED: _granted,
    ev.APPROVAL_REFUSED: _refused,
    ev.APPROVAL_EXPIRED: _expired,
    ev.APPROVAL_USED: _used,
}
