"""What the incident's own lifecycle events do to its state: declared, a runbook attached (or
opened beside), severity, status and phase marks, resolved and reopened, roles and commander
handoffs, escalation tiers reached, and the moves into (or out to) the shared store."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from warroom.incident.records import PHASE_LABELS, EvidenceSample, _int, _num, _ts
from warroom.journal import events as ev
from warroom.journal.log import Event

#: Statuses a commander sets only once the impact is mitigated (``resolved`` has its own event).
MITIGATED_OR_PAST = ("mitigated", "monitoring")

if TYPE_CHECKING:
    from warroom.incident.state import IncidentState


def _declared(s: IncidentState, e: Event, d: dict[str, Any]) -> None:
    s.id = str(d.get("id") or s.id)
    # one line by construction, whatever the journal holds: the header, `incident list`/`show`, the
    # timeline and the PIR read this one value (a title typed with a newline was cut at it in the
    # header, printed as two rows by `incident list` and folded by the PIR: three titles)
    s.title = " ".join(str(d.get("title") or "").split())
    s.severity = str(d.get("severity") or "")
    s.commander = str(d.get("commander") or e.actor)
    s.roles["commander"] = s.commander
    s.role_changes.append({"seq": e.seq, "at": e.ts, "role": "commander", "person": s.commander,
                           "previous": None, "reason": "declared the incident", "actor": e.actor})
    s.initial_severity = str(d.get("severity") or "")
    policy = d.get("approval")
    s.approval_policy = dict(policy) if isinstance(policy, dict) else {}
    s.declared_at = e.ts
    s.declared_by = e.actor
    src = d.get("source")
    s.source = dict(src) if isinstance(src, dict) else {}
    drill = d.get("drill")
    s.drill = dict(drill) if isinstance(drill, dict) else None
    rb = d.get("runbook")
    if isinstance(rb, dict):
        s.runbook = dict(rb)
        s.runbooks.append({**rb, "attached_seq": e.seq})
        s.steps.current = str(rb.get("id") or "")
        s.runbook_seq = e.seq
    slo_value = _num(s.source.get("value"))
    if s.source.get("kind") == "pane" and s.source.get("ref") and slo_value is not None:
        s.evidence.append(EvidenceSample(
            seq=e.seq, at=_ts(s.source.get("detected_at")) or e.ts, slo_id=str(s.source["ref"]),
            value=slo_value, unit=s.source.get("unit"), state=s.source.get("state"), when="declared"))
    how = {"pane": "SLO pane", "alert": "alert"}.get(str(s.source.get("kind")), "")
    via = f" from {how} {s.source.get('ref')}" if how and s.source.get("ref") else ""
    rb_text = f"; runbook {s.runbook.get('id')}" if s.runbook else ""
    drill_text = " [DRILL]" if s.drill else ""
    s._add_timeline(e, e.type, f"Incident declared{drill_text}: {s.title} ({s.severity}){via}{rb_text}")


def _runbook_attached(s: IncidentState, e: Event, d: dict[str, Any]) -> None:
    """Attach a runbook. ``beside`` (a GO opening its follow-up): it opens next to the current
    runbook, which stays current; otherwise it replaces the current one (whose progress stays in
    the journal as history), and stops being "beside" if it was."""
    ref = {**d, "attached_seq": e.seq}
    s.runbooks.append(ref)
    rb_id = str(d.get("id") or "")
    current = str((s.runbook or {}).get("id") or "")
    title = f"{rb_id} {d.get('title') or ''}".rstrip()
    s.beside = [b for b in s.beside if str(b.get("id") or "") != rb_id]
    if d.get("beside") and current and rb_id != current:
        s.beside.append(ref)
        opened = d.get("opened_by") if isinstance(d.get("opened_by"), dict) else {}
        why = f" (GO on {opened.get('decision')})" if opened.get("decision") else ""
        s._add_timeline(e, e.type, f"Runbook opened beside {current}: {title}{why}")
        return
    s.runbook = dict(d)
    s.steps.current = rb_id
    s.runbook_seq = e.seq
    s._add_timeline(e, e.type, f"Runbook attached: {title}")


def _severity(s: IncidentState, e: Event, d: dict[str, Any]) -> None:
    old = s.severity
    s.severity = str(d.get("to") or s.severity)
    s.severity_changes.append({"seq": e.seq, "at": e.ts, "from": d.get("from", old), "to": s.severity,
                               "reason": d.get("reason") or "", "actor": e.actor})
    reason = f": {d['reason']}" if d.get("reason") else ""
    s._add_timeline(e, e.type, f"Severity {d.get('from', old)} -> {s.severity}{reason}")


def _status(s: IncidentState, e: Event, d: dict[str, Any]) -> None:
    to = str(d.get("to") or "")
    old = s.status
    s.explicit_status = to or None
    s.status_changes.append({"seq": e.seq, "at": e.ts, "from": old, "to": to, "reason": d.get("reason") or ""})
    if to in MITIGATED_OR_PAST and s.first_said_mitigated_at is None:
        # the commander says it is mitigated: the milestone, as a mark would be (else the status read
        # "mitigated" while Time to mitigate said "not reached")
        s.first_said_mitigated_at, s.first_said_mitigated_seq = e.ts, e.seq
    # the status it read by derivation (a verify gate passed), now the commander's word: no change
    said = f"Status {to} (said by the commander; it already read {old})" if old == to else f"Status {old} -> {to}"
    s._add_timeline(e, e.type, said + (f": {d['reason']}" if d.get("reason") else ""))


def _phase(s: IncidentState, e: Event, d: dict[str, Any]) -> None:
    phase = str(d.get("phase") or "")
    at = _ts(d.get("at")) or e.ts
    if phase in ev.PHASES:
        if phase == "detected" and (s.clock_start is None or at < s.clock_start):
            # detection moved earlier: tiers that became due only now are reached now (escalation)
            s.mark_logged[phase] = e.ts
        s.marks[phase] = at
        s.mark_seqs[phase] = e.seq
    reason = f": {d['reason']}" if d.get("reason") else ""
    s._add_timeline(e, e.type, f"Marked: {PHASE_LABELS.get(phase, phase)}{reason}", at=at)


def _resolved(s: IncidentState, e: Event, d: dict[str, Any]) -> None:
    s.resolved_at = e.ts
    s.resolution = {"summary": d.get("summary") or "", "resolution": d.get("resolution") or "",
                    # the commander's word; None when it was not said (never a default "no")
                    "rollback": None if d.get("rollback") is None else bool(d.get("rollback")), "type": d.get("type"),
                    "affected_repos": d.get("affected_repos"), "actor": e.actor, "seq": e.seq,
                    "concerns": [str(c) for c in d.get("concerns") or []],
                    "concerns_acknowledged": bool(d.get("concerns_acknowledged")),
                    # when the acknowledged concerns were read, if not at the resolution's stamp, and the
                    # concerns read again at it that the commander was not shown (``concern_reading``)
                    "concerns_read_at": d.get("concerns_read_at"),
                    "concerns_unseen": [str(c) for c in d.get("concerns_unseen") or []],
                    # what each GO opened and how far it got, beside the commander's rollback answer
                    "go_opened": [dict(o) for o in d.get("go_opened") or [] if isinstance(o, dict)]}
    s._add_timeline(e, e.type, f"Incident resolved: {d.get('summary') or ''}".rstrip(": "))


def _reopened(s: IncidentState, e: Event, d: dict[str, Any]) -> None:
    s.resolved_at = None
    s.marks.pop("resolved", None)
    s.mark_seqs.pop("resolved", None)
    s.explicit_status = "investigating"
    s.reopened.append({"seq": e.seq, "at": e.ts, "reason": d.get("reason") or "", "actor": e.actor})
    reason = f": {d['reason']}" if d.get("reason") else ""
    s._add_timeline(e, e.type, f"Incident reopened{reason}")


def _role(s: IncidentState, e: Event, d: dict[str, Any]) -> None:
    role = str(d.get("role") or "").strip().lower() or "commander"
    person = str(d.get("person") or "").strip()
    previous = s.roles.get(role)
    s.roles[role] = person
    if role == "commander":
        s.commander = person
    s.role_changes.append({"seq": e.seq, "at": e.ts, "role": role, "person": person, "previous": previous,
                           "reason": str(d.get("reason") or ""), "actor": e.actor,
                           "brief": d.get("brief") if isinstance(d.get("brief"), dict) else None})
    reason = f": {d['reason']}" if d.get("reason") else ""
    if role == "commander" and previous:
        text = f"Commander handoff: {previous} -> {person}{reason}"
    else:
        text = f"Role {role}: {person}" + (f" (was {previous})" if previous else "") + reason
    s._add_timeline(e, e.type, text)


def _escalated(s: IncidentState, e: Event, d: dict[str, Any]) -> None:
    from warroom.incident.escalation import tier_text

    tier = _int(d.get("tier"))
    if tier is None or any(x["tier"] == tier for x in s.escalations):
        return          # a line without a tier, or a second line for one (two old watchers): once
    reached = _ts(d.get("reached_at")) or e.ts
    minutes = d.get("minutes")
    minutes = float(minutes) if isinstance(minutes, (int, float)) and math.isfinite(minutes) else 0.0
    label, action = str(d.get("label") or ""), str(d.get("action") or "")
    s.escalations.append({"seq": e.seq, "at": e.ts, "reached_at": reached, "tier": tier, "label": label,
                          "action": action, "minutes": minutes})
    from warroom.incident.escalation import LATE_WORDS, REOPENED

    again = LATE_WORDS[REOPENED].format(verb="reached") if d.get("on_reopen") is True else ""
    late = str(d.get("known_late") or "")
    again += LATE_WORDS[late].format(verb="reached") if late in ("declared", "marked") else ""
    s._add_timeline(e, e.type, f"Escalated to {tier_text(s, tier, label, minutes)}{again}"
                               + (f": {action}" if action else ""), at=reached)


def _shared(s: IncidentState, e: Event, d: dict[str, Any]) -> None:
    head = d.get("head") if isinstance(d.get("head"), dict) else {}
    s._add_timeline(e, e.type, f"Moved into the shared store from {d.get('from_host') or 'a local journal'}"
                               f" (its lines #1..#{head.get('seq', '?')} copied as they were)")


def _moved(s: IncidentState, e: Event, d: dict[str, Any]) -> None:
    s.moved_to = dict(d)
    s._add_timeline(e, e.type, f"Moved to the shared store {d.get('to') or ''} (this copy is read-only)")


HANDLERS = {
    ev.DECLARED: _declared,
    ev.INCIDENT_SHARED: _shared,
    ev.INCIDENT_MOVED: _moved,
    ev.RUNBOOK_ATTACHED: _runbook_attached,
    ev.SEVERITY_CHANGED: _severity,
    ev.STATUS_CHANGED: _status,
    ev.PHASE_MARKED: _phase,
    ev.RESOLVED: _resolved,
    ev.REOPENED: _reopened,
    ev.ESCALATED: _escalated,
    ev.ROLE_ASSIGNED: _role,
}
