"""How each journal event changes an incident's state: one small function an event type.

They are kept out of :mod:`warroom.incident.state` so that the state class reads as what an
incident *is* (and what it derives), while this module reads as the event log's meaning; both
stay pure, as the replay contract requires.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from warroom.journal import events as ev
from warroom.journal.log import Event
from warroom.incident.records import (
    PHASE_LABELS,
    EvidenceSample,
    Export,
    Note,
    StatusUpdate,
    StepRun,
    _int,
    _num,
    _ts,
    one_line,
)
from warroom.execute.expectation import verdict_of
from warroom.incident import approvals, closing, handoff_events
from warroom.incident.marks import describe_verdict, step_state
from warroom.scenario_time import process_text
from warroom.units import format_value

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


def _step_word(s: IncidentState, st: Any) -> str:
    """"Step 4", or "RB-LAUNCH-002 step 4" (``IncidentState.step_name``: the one rule)."""
    return s.step_name(st.runbook_id, st.step or st.step_id, start=True)


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
    s._add_timeline(e, e.type, f"Status {old} -> {to}")


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
                    "rollback": bool(d.get("rollback")), "type": d.get("type"),
                    "affected_repos": d.get("affected_repos"), "actor": e.actor, "seq": e.seq,
                    "concerns": [str(c) for c in d.get("concerns") or []],
                    "concerns_acknowledged": bool(d.get("concerns_acknowledged")),
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


def _step_started(s: IncidentState, e: Event, d: dict[str, Any]) -> None:
    st = s._step(d)
    params = d.get("params") if isinstance(d.get("params"), dict) else {}
    target = d.get("target") if isinstance(d.get("target"), dict) else {}
    st.runs.append(StepRun(
        seq=e.seq, actor=e.actor, started_at=_ts(d.get("started_at")) or e.ts,
        command=d.get("command"), params=dict(params), mutating=bool(d.get("mutating")),
        confirmed=bool(d.get("confirmed")), target=dict(target), output=d.get("output"),
        expect=d.get("expect"), supervisor_pid=_int(d.get("supervisor_pid")), pid=_int(d.get("pid")),
    ))
    early = s.pending_before.pop(st.step_id, None)
    flat = early or (d.get("evidence_before") if isinstance(d.get("evidence_before"), dict) else {})
    st.runs[-1].evidence_before = {str(k): (dict(v) if isinstance(v, dict) else {"value": v})
                                   for k, v in flat.items()}
    for k, v in params.items():
        if v is not None:
            s.param_answers[str(k)] = str(v)
    st.status = "running"
    st.updated_seq = e.seq
    cmd = f": {d['command']}" if d.get("command") else ""
    late = closing.late_start(s, st.runbook_id)        # its runbook closed just before: ran, said late
    s._add_timeline(e, e.type, f"{_step_word(s, st)} started ({st.label}){cmd}{late}", step=st.step)


def _step_finished(s: IncidentState, e: Event, d: dict[str, Any]) -> None:
    st = s._step(d)
    run = next((r for r in reversed(st.runs) if r.status == "running"), None)
    if run is None:  # the start was never journaled (or belongs to an older run): keep what we know
        run = StepRun(seq=e.seq, actor=e.actor, started_at=_ts(d.get("started_at")) or e.ts,
                      command=d.get("command"))
        st.runs.append(run)
    status = str(d.get("status") or "failed")
    run.status = status if status in ev.STEP_END_STATES else "failed"
    run.exit_code = _int(d.get("exit_code"))
    run.signal = d.get("signal")
    run.ended_at = _ts(d.get("ended_at")) or e.ts
    run.duration = _num(d.get("duration"))
    if run.duration is None:
        run.duration = (run.ended_at - run.started_at).total_seconds()
    if "expect" in d:
        run.expect = d.get("expect")
    run.expect_met = d.get("expect_met") if isinstance(d.get("expect_met"), bool) else None
    verdict = verdict_of(d)
    run.expect_verdict = verdict.state if verdict is not None else None
    run.expect_reason = (verdict.reason or None) if verdict is not None else None
    run.expect_kind = (verdict.kind or None) if verdict is not None else None
    run.output = d.get("output") or run.output
    run.excerpt = d.get("excerpt")
    run.lines = _int(d.get("lines"))
    run.end_seq = e.seq
    run.notes = _run_notes(d)
    run.record_error = str(d["output_error"]) if d.get("output_error") else None
    st.status = run.status
    st.updated_seq = e.seq
    if run.status == "ok" and run.mutating and s.first_mitigation_at is None:
        s.first_mitigation_at = run.ended_at
        s.first_mitigation_seq = e.seq
    # "ran", not "ok", when the output did not give what the runbook expected
    bits = ["ran" if step_state(run.status, verdict) in ("unmet", "unchecked") else run.status.replace("_", " ")]
    if run.exit_code is not None:
        bits.append(f"exit {run.exit_code}")
    bits.append(process_text(s, run.duration) if run.duration is not None else "?")   # real seconds
    if verdict is not None:
        bits.append(describe_verdict(verdict))
    bits.extend(run.notes)
    s._add_timeline(e, e.type, f"{_step_word(s, st)} {', '.join(bits)} ({st.label})",
                    at=run.ended_at, step=st.step)
    s.timeline[-1].mark = step_state(run.status, verdict)


def _run_notes(d: dict[str, Any]) -> list[str]:
    notes = []
    cut = d.get("output_cut")
    if isinstance(cut, dict):
        notes.append(f"output cut at {cut.get('at_bytes')} bytes (execute.max_output); the rest not stored")
    for key in ("error", "reason"):
        if d.get(key):
            notes.append(str(d[key]))
    if d.get("journaled_late"):
        notes.append("its end was journaled late (the journal could not be written when it ended)")
    return notes


def _step_dry_run(s: IncidentState, e: Event, d: dict[str, Any]) -> None:
    st = s._step(d)
    st.dry_runs.append({"seq": e.seq, "at": e.ts, "actor": e.actor, "command": d.get("command"),
                        "params": d.get("params") or {}})
    params = d.get("params") if isinstance(d.get("params"), dict) else {}
    for k, v in params.items():
        if v is not None:
            s.param_answers[str(k)] = str(v)
    s._add_timeline(e, e.type, f"{_step_word(s, st)} dry run: {d.get('command') or ''}",
                    step=st.step)


def _step_refused(s: IncidentState, e: Event, d: dict[str, Any]) -> None:
    st = s._step(d)
    st.refusals.append({"seq": e.seq, "at": e.ts, "actor": e.actor, "command": d.get("command"),
                        "reason": d.get("reason") or ""})
    s._add_timeline(e, e.type, f"{_step_word(s, st)} refused: {d.get('reason') or ''}",
                    step=st.step)


def _step_ticked(s: IncidentState, e: Event, d: dict[str, Any]) -> None:
    if closing.ignored_late(s, e, d, "ticked"):
        return
    st = s._step(d)
    st.status = "ticked"
    st.ticked_by = e.actor
    st.ticked_at = e.ts
    st.updated_seq = e.seq
    s._add_timeline(e, e.type, f"{_step_word(s, st)} done: {st.label}", step=st.step)


def _step_unticked(s: IncidentState, e: Event, d: dict[str, Any]) -> None:
    if closing.ignored_late(s, e, d, "unticked"):
        return
    st = s._step(d)
    st.ticked_by = None
    st.ticked_at = None
    st.status = st._status_from_runs()
    st.updated_seq = e.seq
    s._add_timeline(e, e.type, f"{_step_word(s, st)} unticked: {st.label}", step=st.step)


def _step_skipped(s: IncidentState, e: Event, d: dict[str, Any]) -> None:
    if closing.ignored_late(s, e, d, "skipped"):
        return
    st = s._step(d)
    st.status = "skipped"
    st.skipped_reason = one_line(d.get("reason") or "")
    st.skipped_at = e.ts
    st.updated_seq = e.seq
    s._add_timeline(e, e.type, f"{_step_word(s, st)} skipped ({st.label}): {st.skipped_reason}",
                    step=st.step)


def _evidence(s: IncidentState, e: Event, d: dict[str, Any]) -> None:
    values = d.get("values") if isinstance(d.get("values"), dict) else {}
    step = _int(d.get("step"))
    at = _ts(d.get("at")) or e.ts
    parts = []
    for slo_id, v in sorted(values.items()):
        if isinstance(v, dict):
            value, unit, state = _num(v.get("value")), v.get("unit"), v.get("state")
        else:
            value, unit, state = _num(v), None, None
        s.evidence.append(EvidenceSample(seq=e.seq, at=at, slo_id=str(slo_id), value=value, unit=unit,
                                         state=state, when=d.get("when"), step=step,
                                         runbook_id=str(d["runbook_id"]) if d.get("runbook_id") else None))
        parts.append(f"{slo_id} {'?' if value is None else format_value(value, str(unit or 'count'))}")
    _attach_evidence(s, d, values)
    where = (f" ({d.get('when')} {s.step_name(str(d.get('runbook_id') or ''), step)})"
             if step is not None and d.get("when") else "")
    s._add_timeline(e, e.type, f"SLO evidence{where}: {', '.join(parts) or 'no values'}", at=at, step=step)


def _attach_evidence(s: IncidentState, d: dict[str, Any], values: dict[str, Any]) -> None:
    """Tie before/after values to the step run they belong to (as the sources engine does):
    a "before" goes to the step's open run, or waits for its next start; an "after" goes to the
    run whose ``step.finished`` it names (``finished_seq``), else the step's latest run."""
    when = d.get("when")
    step_id = str(d.get("step_id") or d.get("step") or "")
    if not step_id or when not in ("before", "after"):
        return
    st = (s.steps.get((str(d["runbook_id"]), step_id)) if d.get("runbook_id")
          else s.steps.get(step_id))
    clean = {str(k): (dict(v) if isinstance(v, dict) else {"value": v}) for k, v in values.items()}
    if when == "before":
        run = st.runs[-1] if st is not None and st.runs and st.runs[-1].status == "running" else None
        if run is None:
            s.pending_before[step_id] = clean
        else:
            run.evidence_before = clean
        return
    if st is None or not st.runs:
        return
    fseq = _int(d.get("finished_seq"))
    run = next((r for r in st.runs if fseq is not None and r.end_seq == fseq), None) or st.runs[-1]
    run.evidence_after[_num(d.get("offset")) or 0.0] = clean


def _verify(s: IncidentState, e: Event, d: dict[str, Any]) -> None:
    s.verifications.append({"seq": e.seq, "at": e.ts, "type": e.type, **d})
    if e.type == ev.VERIFY_PASSED:
        # mitigated when the metrics confirmed the fix: a gate settled from the history after its
        # window (``--no-wait``, a dashboard that was closed) says when (never after its own line)
        confirmed = min(_ts(d.get("confirmed_at")) or e.ts, e.ts)
        if s.first_verified_at is None or confirmed < s.first_verified_at:
            s.first_verified_at = confirmed
            s.first_verified_seq = e.seq
    word = {ev.VERIFY_STARTED: "started", ev.VERIFY_PASSED: "passed", ev.VERIFY_FAILED: "failed"}[e.type]
    shown = d.get("value_text") or (format_value(d["value"], "count") if isinstance(d.get("value"), (int, float))
                                    else d.get("value"))
    value = f" (value {shown})" if shown is not None else ""
    why = d.get("reason") or d.get("how")
    reason = f": {why}" if why else ""
    num = d.get("step") or d.get("step_id")
    whose = f" ({s.step_name(str(d.get('runbook_id') or ''), num)})" if num else ""
    s._add_timeline(e, e.type, f"Verification {word}{whose}: {d.get('expr') or ''}{value}{reason}",
                    step=_int(d.get("step")))


def _note(s: IncidentState, e: Event, d: dict[str, Any]) -> None:
    tag = str(d.get("tag") or "info")
    text = str(d.get("text") or "")
    s.notes.append(Note(seq=e.seq, at=e.ts, actor=e.actor, tag=tag, text=text,
                        owner=d.get("owner"), due=d.get("due")))
    if tag == "root-cause" and s.first_root_cause_at is None:
        s.first_root_cause_at = e.ts
        s.first_root_cause_seq = e.seq
    s._add_timeline(e, e.type, f"[{tag}] {text}")


def _timeline_added(s: IncidentState, e: Event, d: dict[str, Any]) -> None:
    s._add_timeline(e, e.type, str(d.get("text") or ""), at=_ts(d.get("at")) or e.ts, manual=True)


def _corrected(s: IncidentState, e: Event, d: dict[str, Any]) -> None:
    target = _int(d.get("seq"))
    text = str(d.get("text") or "")
    for entry in s.timeline:
        if entry.seq == target:
            if entry.original is None:
                entry.original = entry.text
            entry.text = text
            entry.corrected_seq = e.seq
    for note in s.notes:
        if note.seq == target:
            if note.original is None:
                note.original = note.text
            note.text = text


def delivery_of(d: dict[str, Any]) -> str:
    """What really happened to an update: ``posted`` only on the webhook's ok; old journals that
    name no delivery are judged from their channels the same way."""
    given = d.get("delivery")
    if given in ("drafted", "posted", "post_failed", "recorded"):
        return str(given)
    webhook = d.get("webhook") if isinstance(d.get("webhook"), dict) else None
    if webhook is not None:
        return "posted" if webhook.get("ok") else "post_failed"
    channels = [str(c) for c in d.get("channels") or []]
    return "recorded" if "manual" in channels else "drafted"


DELIVERY_WORDS = {"posted": "posted to the webhook", "post_failed": "drafted; posting to the webhook FAILED",
                  "drafted": "drafted (not posted by warroom)", "recorded": "recorded as sent by hand"}


def _status_update(s: IncidentState, e: Event, d: dict[str, Any]) -> None:
    channels = [str(c) for c in d.get("channels") or []]
    webhook = d.get("webhook") if isinstance(d.get("webhook"), dict) else None
    delivery = delivery_of(d)
    s.status_updates.append(StatusUpdate(seq=e.seq, at=e.ts, actor=e.actor, text=str(d.get("text") or ""),
                                         channels=channels, webhook=webhook, delivery=delivery))
    first = str(d.get("text") or "").strip().splitlines()
    s._add_timeline(e, e.type, f"Status update {DELIVERY_WORDS[delivery]}: {first[0] if first else ''}")


def _update_overdue(s: IncidentState, e: Event, d: dict[str, Any]) -> None:
    due = _ts(d.get("due_at")) or e.ts
    s.overdue.append({"seq": e.seq, "at": e.ts, "due_at": due, "severity": d.get("severity")})
    s._add_timeline(e, e.type, f"Stakeholder update overdue (was due {due.strftime('%H:%M:%S')} UTC)", at=due)


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
    again = " (its time came while resolved: reached on reopening)" if d.get("on_reopen") is True else ""
    again += {"declared": " (due before the incident was declared: reached at the declaration)",
              "marked": " (due before detection was back-dated: reached at the back-dating)"}.get(
                  str(d.get("known_late") or ""), "")
    s._add_timeline(e, e.type, f"Escalated to {tier_text(s, tier, label, minutes)}{again}"
                               + (f": {action}" if action else ""), at=reached)


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


def _shared(s: IncidentState, e: Event, d: dict[str, Any]) -> None:
    head = d.get("head") if isinstance(d.get("head"), dict) else {}
    s._add_timeline(e, e.type, f"Moved into the shared store from {d.get('from_host') or 'a local journal'}"
                               f" (its lines #1..#{head.get('seq', '?')} copied as they were)")


def _moved(s: IncidentState, e: Event, d: dict[str, Any]) -> None:
    s.moved_to = dict(d)
    s._add_timeline(e, e.type, f"Moved to the shared store {d.get('to') or ''} (this copy is read-only)")


def _slo_transition(s: IncidentState, e: Event, d: dict[str, Any]) -> None:
    at = _ts(d.get("at")) or e.ts
    kind = "breached" if e.type == ev.SLO_BREACHED else "recovered"
    value = _num(d.get("value"))
    threshold = _num(d.get("threshold"))
    unit = str(d.get("unit") or "count")
    slo_id = str(d.get("slo_id") or "?")
    title = str(d.get("title") or slo_id)
    s.breaches.append({"seq": e.seq, "at": at, "kind": kind, "slo_id": slo_id, "title": title,
                       "value": value, "threshold": threshold, "unit": unit})
    shown = format_value(value, unit) if value is not None else "?"
    limit = format_value(threshold, unit) if threshold is not None else "?"
    if kind == "breached":
        since = " (already past it when the history starts)" if d.get("ongoing_at_window_start") else ""
        text = f"SLO breached: {title} {shown} past its critical threshold {limit}{since}"
    else:
        text = f"SLO recovered: {title} {shown}, back under its warn threshold {limit}"
    s._add_timeline(e, e.type, text, at=at)


def _metrics_summarised(s: IncidentState, e: Event, d: dict[str, Any]) -> None:
    s.metric_summary = {"seq": e.seq, "at": e.ts, **d}


def _alert(s: IncidentState, e: Event, d: dict[str, Any]) -> None:
    """The timeline entry stands at the alert's own start (``since``: startsAt / activeAt), not at
    when warroom first saw it: an alert firing since 17:13 must not look new at 18:49."""
    s.alerts.append({"seq": e.seq, "at": e.ts, **d})
    bits = [str(b) for b in (d.get("priority"), d.get("severity") and f"severity {d['severity']}") if b]
    sev = f" ({', '.join(bits)})" if bits else ""
    rb = f", runbook {d['runbook']}" if d.get("runbook") else ""
    title = d.get("title")
    about = f": {title}" if title and title != d.get("name") else ""
    since = _ts(d.get("since"))
    at = since if since is not None and since <= e.ts else None
    seen = f" (firing since {since:%H:%M:%S} UTC; seen {e.ts:%H:%M:%S} UTC)" if at is not None else ""
    s._add_timeline(e, e.type, f"Alert firing: {d.get('name') or '?'}{sev}{rb}{about}{seen}", at=at)


def _exported(s: IncidentState, e: Event, d: dict[str, Any]) -> None:
    s.exports.append(Export(seq=e.seq, at=e.ts, template=str(d.get("template") or ""),
                            path=str(d.get("path") or ""), sha256=str(d.get("sha256") or ""),
                            log_row=bool(d.get("log_row"))))
    s._add_timeline(e, e.type, f"PIR exported ({d.get('template')}): {d.get('path')}")


def _decision(s: IncidentState, e: Event, d: dict[str, Any]) -> None:
    record = {**d, "seq": e.seq, "at": e.ts, "actor": e.actor}
    s.decisions.append(record)
    by = d.get("by") or e.actor
    why = f": {d.get('why')}" if d.get("why") else ""
    whose = f" ({d['runbook_id']})" if d.get("runbook_id") else ""
    s._add_timeline(e, e.type, f"Decision {d.get('verdict')} on \"{d.get('question')}\"{whose} by {by}{why}")


def _decision_overdue(s: IncidentState, e: Event, d: dict[str, Any]) -> None:
    s.decisions_overdue.append({**d, "seq": e.seq, "at": e.ts})
    whose = f"{d['runbook_id']}, " if d.get("runbook_id") else ""
    # on the timeline when the deadline passed, as a missed update or a tier reached is: the line is
    # written when someone looked (a headless resolve, the next CLI command), which may be much later
    due = _ts(d.get("due_at"))
    s._add_timeline(e, e.type, f"Decision overdue: \"{d.get('question')}\" ({whose}due {_clock(d.get('due_at'))})",
                    at=min(due, e.ts) if due is not None else None)


def _decision_arose(s: IncidentState, e: Event, d: dict[str, Any]) -> None:
    s.decisions_arose.append({**d, "seq": e.seq, "at": e.ts})
    cond = d.get("condition") if isinstance(d.get("condition"), dict) else {}
    whose = f" ({d['runbook_id']})" if d.get("runbook_id") else ""
    s._add_timeline(e, e.type, f"Decision needed: \"{d.get('question')}\"{whose}: {cond.get('text')} — "
                               f"{cond.get('evidence')}")


def _clock(value: Any) -> str:
    """An ISO time as the other timeline lines say one (``00:53:37 UTC``), else as written."""
    from datetime import UTC, datetime

    try:
        when = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return str(value)
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).strftime("%H:%M:%S UTC")


_HANDLERS = {
    ev.DECLARED: _declared,
    ev.INCIDENT_SHARED: _shared,
    ev.INCIDENT_MOVED: _moved,
    ev.RUNBOOK_ATTACHED: _runbook_attached,
    ev.SEVERITY_CHANGED: _severity,
    ev.STATUS_CHANGED: _status,
    ev.PHASE_MARKED: _phase,
    ev.RESOLVED: _resolved,
    ev.REOPENED: _reopened,
    ev.STEP_STARTED: _step_started,
    ev.STEP_FINISHED: _step_finished,
    ev.STEP_DRY_RUN: _step_dry_run,
    ev.STEP_REFUSED: _step_refused,
    ev.STEP_TICKED: _step_ticked,
    ev.STEP_UNTICKED: _step_unticked,
    ev.STEP_SKIPPED: _step_skipped,
    ev.EVIDENCE: _evidence,
    ev.VERIFY_STARTED: _verify,
    ev.VERIFY_PASSED: _verify,
    ev.VERIFY_FAILED: _verify,
    ev.NOTE: _note,
    ev.TIMELINE_ENTRY: _timeline_added,
    ev.CORRECTION: _corrected,
    ev.STATUS_UPDATE: _status_update,
    ev.ALERT_SEEN: _alert,
    ev.PIR_EXPORTED: _exported,
    ev.DECISION_RECORDED: _decision,
    ev.DECISION_OVERDUE: _decision_overdue,
    ev.DECISION_AROSE: _decision_arose,
    ev.UPDATE_OVERDUE: _update_overdue,
    ev.ESCALATED: _escalated,
    ev.ROLE_ASSIGNED: _role,
    ev.SLO_BREACHED: _slo_transition,
    ev.SLO_RECOVERED: _slo_transition,
    ev.METRICS_SUMMARISED: _metrics_summarised,
    **approvals.HANDLERS,
    **closing.HANDLERS,
    **handoff_events.HANDLERS,
}
