"""What the monitoring said, as events fold it into the state: alerts seen, SLO evidence values
(tied to the step run they were read around), verify gates, SLO breaches and recoveries, and the
metric summary read over the incident window."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from warroom.incident import observer_seat
from warroom.incident.gate_evidence import CHECK_ONLY, HELD, held_of, held_words, passes_mitigate
from warroom.incident.verify_events import opened_by, superseded_words
from warroom.incident.records import EvidenceSample, _int, _num, _ts
from warroom.journal import events as ev
from warroom.journal import numbers
from warroom.journal.log import Event
from warroom.runbook.gate import measure_words
from warroom.units import format_stated, format_value

if TYPE_CHECKING:
    from warroom.incident.state import IncidentState


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


def _evidence(s: IncidentState, e: Event, d: dict[str, Any]) -> None:
    # a pane's "+Inf" read back as the float (the journal's codec), for this line and its run's values
    values = numbers.decode_values(d["values"]) if isinstance(d.get("values"), dict) else {}
    step = _int(d.get("step"))
    at = _ts(d.get("at")) or e.ts
    parts = []
    seat = observer_seat.OBSERVER if observer_seat.marked(d) else ""     # its own run's panes (attack49 F5)
    for slo_id, v in sorted(values.items()):
        if isinstance(v, dict):
            value, unit, state = _num(v.get("value")), v.get("unit"), v.get("state")
        else:
            value, unit, state = numbers.decode(v), None, None
        s.evidence.append(EvidenceSample(seq=e.seq, at=at, slo_id=str(slo_id), value=value, unit=unit,
                                         state=state, when=d.get("when"), step=step,
                                         runbook_id=str(d["runbook_id"]) if d.get("runbook_id") else None,
                                         seat=seat))
        # a STALE pane's value is its last one, not a reading of then: said so wherever it is quoted
        parts.append(f"{slo_id} {'?' if value is None else format_stated(value, str(unit or 'count'))}"
                     + (" (stale)" if state == "stale" and value is not None else ""))
    _attach_evidence(s, e.seq, d, values)
    where = (f" ({d.get('when')} {s.step_name(str(d.get('runbook_id') or ''), step)})"
             if step is not None and d.get("when") else "")
    by = f" {observer_seat.BY}" if seat else ""     # said as every line a read-only seat wrote is
    s._add_timeline(e, e.type, f"SLO evidence{by}{where}: {', '.join(parts) or 'no values'}", at=at, step=step)


def _attach_evidence(s: IncidentState, seq: int, d: dict[str, Any], values: dict[str, Any]) -> None:
    """Tie before/after values to the step run they belong to (as the sources engine does):
    a "before" goes to the step's open run, or waits for its next start; an "after" goes to the
    run whose ``step.finished`` it names (``finished_seq``), else the step's latest run. The run
    keeps the line's ``seq`` too: the one place a value is said to be a run's (the PIR cites it)."""
    when = d.get("when")
    step_id = str(d.get("step_id") or d.get("step") or "")
    if not step_id or when not in ("before", "after"):
        return
    st = (s.steps.get((str(d["runbook_id"]), step_id)) if d.get("runbook_id")
          else s.steps.get(step_id))
    clean = {str(k): numbers.reading(v) for k, v in values.items()}
    observed = observer_seat.marked(d)      # a read-only seat's line: its own run's values, never the step's run's
    runs = (st.observed if observed else st.runs) if st is not None else []
    if when == "before":
        run = runs[-1] if runs and runs[-1].status == "running" else None
        if run is None and not observed:
            s.pending_before[step_id] = (seq, clean)
        elif run is not None:
            run.evidence_before = clean
            run.evidence_seqs.append(seq)
        return
    if not runs:
        return
    fseq = _int(d.get("finished_seq"))
    run = next((r for r in runs if fseq is not None and r.end_seq == fseq), None) or runs[-1]
    run.evidence_after[_num(d.get("offset")) or 0.0] = clean
    run.evidence_seqs.append(seq)


def _held_before(s: IncidentState, d: dict[str, Any]) -> dict[str, Any] | None:
    """The measure when the step began (``verify.started``'s ``before``) of the gate the pass ``d``
    settles, when that pass proves nothing (``gate_evidence.held_before``); else None."""
    return held_of(s.verifications, opened_by(s.verifications, d), d)


def _verify(s: IncidentState, e: Event, d: dict[str, Any]) -> None:
    held = _held_before(s, d) if e.type == ev.VERIFY_PASSED else None
    s.verifications.append({"seq": e.seq, "at": e.ts, "type": e.type, **d})
    # when the metrics confirmed a pass: a gate settled from the history after its window (``--no-wait``, a
    # dashboard that was closed) says when (never after its own line); its timeline line is told then too, the
    # instant "mitigated" counts (redteam42 R7: Key Moments +25m56s beside Time to mitigate 24m42s at x60)
    confirmed = min(_ts(d.get("confirmed_at")) or e.ts, e.ts) if e.type == ev.VERIFY_PASSED else e.ts
    # a pass on a measure within its line from the step's start to the pass says nothing of the fix: not mitigated;
    # nor does a gate that only checks its step took effect (fence ``mitigates=false``: the breaker's 429 share)
    check_only = e.type == ev.VERIFY_PASSED and not passes_mitigate(s.verifications, s.verifications[-1])
    if e.type == ev.VERIFY_PASSED and held is None and not check_only:
        if s.first_verified_at is None or confirmed < s.first_verified_at:
            s.first_verified_at = confirmed
            s.first_verified_seq = e.seq
    word = f"{HELD} the step" if held is not None else \
        {ev.VERIFY_STARTED: "started", ev.VERIFY_PASSED: "passed", ev.VERIFY_FAILED: "failed"}[e.type]
    shown = d.get("value_text") or (format_stated(d["value"], "count") if isinstance(d.get("value"), (int, float))
                                    else d.get("value"))
    value = f" (value {shown})" if shown is not None else ""
    why = d.get("reason") or d.get("how")
    reason = f": {why}" if why else ""
    if held is not None:
        reason += f"; {held_words(held.get('value_text') or held.get('value'))}"
    elif check_only:
        reason += f"; {CHECK_ONLY}"
    num = d.get("step") or d.get("step_id")
    whose = f" ({s.step_name(str(d.get('runbook_id') or ''), num)}{_run_of(s, s.verifications[-1])})" if num else ""
    what = measure_words(str(d["title"]), str(d.get("wanted") or ""), _num(d.get("hold")) or 0.0) \
        if d.get("title") and d.get("wanted") else d.get("expr") or ""
    # a failure is told at the instant its window ran out (redteam42 R11: settled by the resolve, it read 26 drill
    # minutes late), never after its own line; a pass when the metrics confirmed it (above)
    at = min(_ts(d.get("ended_at")) or e.ts, e.ts) if e.type == ev.VERIFY_FAILED else confirmed
    s._add_timeline(e, e.type, f"Verification {word}{whose}: {what}{value}{reason}", at=at,
                    step=_int(d.get("step")))


def _run_of(s: IncidentState, d: dict[str, Any]) -> str:
    """``, run at 01:31:22 UTC`` for a gate's outcome when its step has run again since the gate opened (a re-run that
    failed opens none, so this gate still judges the step: ``gates.gate_states``), naming the run it judges; ''
    otherwise. attack44 A13: "Verification passed (step 9)" beside "Step 9 … failed" read as the failure's."""
    opened = d if d.get("type") == ev.VERIFY_STARTED else opened_by(s.verifications, d)
    st = s.steps.get((str(d.get("runbook_id") or ""), str(d.get("step_id") or "")))
    if opened is None or st is None:
        return ""
    seq = int(opened.get("seq") or 0)
    mine = [r for r in st.runs if int(r.seq or 0) < seq]
    return f", run at {mine[-1].started_at:%H:%M:%S} UTC" if mine and any(int(r.seq or 0) > seq for r in st.runs) \
        else ""


def _slo_transition(s: IncidentState, e: Event, d: dict[str, Any]) -> None:
    at = _ts(d.get("at")) or e.ts
    kind = "breached" if e.type == ev.SLO_BREACHED else "recovered"
    value = numbers.decode(d.get("value"))        # "+Inf": a pane past its top bucket, as it read
    threshold = numbers.decode(d.get("threshold"))
    unit = str(d.get("unit") or "count")
    slo_id = str(d.get("slo_id") or "?")
    title = str(d.get("title") or slo_id)
    s.breaches.append({"seq": e.seq, "at": at, "kind": kind, "slo_id": slo_id, "title": title,
                       "value": value, "threshold": threshold, "unit": unit, "query": str(d.get("query") or "")})
    shown = format_stated(value, unit, against=(threshold,)) if value is not None else "?"
    limit = format_value(threshold, unit) if threshold is not None else "?"
    if kind == "breached":
        since = " (already past it when the history starts)" if d.get("ongoing_at_window_start") else ""
        text = f"SLO breached: {title} {shown} past its critical threshold {limit}{since}"
    else:
        text = f"SLO recovered: {title} {shown}, back under its warn threshold {limit}"
    s._add_timeline(e, e.type, text, at=at)


def _metrics_summarised(s: IncidentState, e: Event, d: dict[str, Any]) -> None:
    s.metric_summary = {"seq": e.seq, "at": e.ts, **numbers.decode_values(d)}   # "+Inf" read as the pane read it


def _superseded(s: IncidentState, e: Event, d: dict[str, Any]) -> None:
    """A gate given way to its step's re-run (``verify_events.superseding``): kept with the gates (``run_gates`` marks
    its run ``superseded``; the open gates drop it), never a pass or a failure, and told on the timeline with the
    re-run's start, so the brief, the PIR and the dashboard's timeline say why it has no outcome."""
    s.verifications.append({"seq": e.seq, "at": e.ts, "type": e.type, **d})
    opened = next((v for v in s.verifications if v.get("seq") == d.get("started_seq")), {})
    what = measure_words(str(opened["title"]), str(opened.get("wanted") or ""), _num(opened.get("hold")) or 0.0) \
        if opened.get("title") and opened.get("wanted") else d.get("expr") or opened.get("expr") or ""
    num = d.get("step") or d.get("step_id")
    whose = f" ({s.step_name(str(d.get('runbook_id') or ''), num)})" if num else ""
    since = f", opened {opened['at']:%H:%M:%S} UTC" if isinstance(opened.get("at"), datetime) else ""
    s._add_timeline(e, e.type, f"Verification superseded{whose}: {what}{since}, {superseded_words(d)}, whose gate"
                    " judges the step from now on; this one is never settled nor counted", step=_int(d.get("step")))


HANDLERS = {
    ev.EVIDENCE: _evidence,
    ev.VERIFY_STARTED: _verify,
    ev.VERIFY_PASSED: _verify,
    ev.VERIFY_FAILED: _verify,
    ev.VERIFY_SUPERSEDED: _superseded,
    ev.ALERT_SEEN: _alert,
    ev.SLO_BREACHED: _slo_transition,
    ev.SLO_RECOVERED: _slo_transition,
    ev.METRICS_SUMMARISED: _metrics_summarised,
}
