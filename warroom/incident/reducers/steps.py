"""What a runbook step's events do to its state: a run started and finished (its result,
expectation verdict and timeline line in the checklist's words), dry runs, refusals, ticks,
unticks and skips — a tick, untick or skip on a closed runbook is ignored (``closing``).

A run a read-only seat made (its lines marked, ``observer_seat.marked``) is kept in ``StepState.observed``
and said "by an observer (read-only seat)": never the step's run (its status, its ✔, its count), never the
incident's parameter answers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from warroom.execute.expectation import verdict_of
from warroom.incident import after_resolve, approvals, closing, observer_seat
from warroom.incident.marks import describe_verdict, run_state, run_word
from warroom.incident.records import StepRun, _int, _num, _ts, one_line
from warroom.journal import events as ev
from warroom.journal import numbers
from warroom.journal.log import Event
from warroom.scenario_time import process_text

if TYPE_CHECKING:
    from warroom.incident.state import IncidentState


def _step_word(s: IncidentState, st: Any) -> str:
    """"Step 4", or "RB-LAUNCH-002 step 4" (``IncidentState.step_name``: the one rule)."""
    return s.step_name(st.runbook_id, st.step or st.step_id, start=True)


#: the timeline mark of an observer's run's end: no step state (never the ✔ of the step's run)
OBSERVED = "observed"


def _step_started(s: IncidentState, e: Event, d: dict[str, Any]) -> None:
    st = s._step(d)
    params = d.get("params") if isinstance(d.get("params"), dict) else {}
    target = d.get("target") if isinstance(d.get("target"), dict) else {}
    observed = observer_seat.marked(d)
    (st.observed if observed else st.runs).append(StepRun(
        seq=e.seq, actor=e.actor, started_at=_ts(d.get("started_at")) or e.ts,
        command=d.get("command"), params=dict(params), mutating=bool(d.get("mutating")),
        section=str(d.get("section") or ""), phase=str(d.get("phase") or ""),
        off_default=dict(d["off_default"]) if isinstance(d.get("off_default"), dict) else {},
        confirmed=bool(d.get("confirmed")), target=dict(target), output=d.get("output"),
        expect=d.get("expect"), supervisor_pid=_int(d.get("supervisor_pid")), pid=_int(d.get("pid")),
        tag=str(d.get("tag") or ""), kind=str(d.get("kind") or ""), seat=observer_seat.OBSERVER if observed else "",
    ))
    approvals.used_by_start(s, e, d)                    # the approval this run spent, in its own start line
    cmd = f": {d['command']}" if d.get("command") else ""
    if observed:        # the observer's: its own "before", nothing of the step's state or the incident's answers
        before = d.get("evidence_before") if isinstance(d.get("evidence_before"), dict) else {}
        st.observed[-1].evidence_before = {str(k): numbers.reading(v) for k, v in before.items()}
        s._add_timeline(e, e.type, f"{_step_word(s, st)} started {observer_seat.BY} ({st.label}){cmd}",
                        step=st.step)
        return
    early_seq, early = s.pending_before.pop(st.step_id, (None, None))
    if early_seq is not None:        # a "before" journaled ahead of its start: the run's, cited with it
        st.runs[-1].evidence_seqs.append(early_seq)
    flat = early or (d.get("evidence_before") if isinstance(d.get("evidence_before"), dict) else {})
    st.runs[-1].evidence_before = {str(k): numbers.reading(v) for k, v in flat.items()}    # "+Inf" read as inf
    for k, v in params.items():
        if v is not None:
            s.param_answers[str(k)] = str(v)
    st.status = "running"
    st.updated_seq = e.seq
    late = closing.late_start(s, st.runbook_id)        # its runbook closed just before: ran, said late
    late += after_resolve.late_start(s)                 # the incident resolved first (not checked under the lock)
    s._add_timeline(e, e.type, f"{_step_word(s, st)} started ({st.label}){cmd}{late}", step=st.step)


def _step_finished(s: IncidentState, e: Event, d: dict[str, Any]) -> None:
    st = s._step(d)
    # an observer's run ends by its output (the start and end's one key): the supervisor writes the end, unmarked
    run = next((r for r in reversed(st.observed) if r.status == "running" and r.output
                and r.output == d.get("output")), None)
    if run is not None:
        _ended(s, e, d, run)
        return
    run = next((r for r in reversed(st.runs) if r.status == "running"), None)
    if run is None:  # the start was never journaled (or belongs to an older run): keep what we know
        run = StepRun(seq=e.seq, actor=e.actor, started_at=_ts(d.get("started_at")) or e.ts,
                      command=d.get("command"))
        st.runs.append(run)
    _ended(s, e, d, run)
    st.status = run.status
    st.updated_seq = e.seq
    if run.status == "ok" and run.mutating and s.first_mitigation_at is None:
        s.first_mitigation_at = run.ended_at
        s.first_mitigation_seq = e.seq


def _ended(s: IncidentState, e: Event, d: dict[str, Any], run: StepRun) -> None:
    """``run`` ended as ``step.finished`` ``d`` says, and its timeline line ("Step 4 ok, exit 0, 2s (label)"; an
    observer's "Step 4 by an observer (read-only seat): ok, …", marked as no step state is: ``OBSERVED``)."""
    st = s._step(d)
    status = str(d.get("status") or "failed")
    run.status = status if status in ev.STEP_END_STATES else "failed"
    run.exit_code = _int(d.get("exit_code"))
    run.signal = d.get("signal")
    run.ended_at = _ts(d.get("ended_at")) or e.ts
    # the journal held it no earlier than any line before it (a line forwarded from a spool, or written after waiting
    # on the lock, may carry an earlier ts than the lines it lands after: audit57 F4)
    run.end_logged_at = max(e.ts, s.last_at) if s.last_at is not None else e.ts
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
    # "ran", not "ok", when the output did not give what the runbook expected
    bits = [run_word(run.status, verdict)]
    if run.exit_code is not None:
        bits.append(f"exit {run.exit_code}")
    bits.append(process_text(s, run.duration) if run.duration is not None else "?")   # real seconds
    if verdict is not None:
        bits.append(describe_verdict(verdict))
    bits.extend(run.notes)
    by = f" {observer_seat.BY}:" if run.seat else ""
    s._add_timeline(e, e.type, f"{_step_word(s, st)}{by} {', '.join(bits)} ({st.label})",
                    at=run.ended_at, step=st.step)
    s.timeline[-1].mark = OBSERVED if run.seat else run_state(run)


def _run_notes(d: dict[str, Any]) -> list[str]:
    notes = []
    cut = d.get("output_cut")
    if isinstance(cut, dict):
        notes.append(f"output cut at {cut.get('at_bytes')} bytes (execute.max_output); the rest not stored")
    for key in ("error", "reason"):
        if d.get(key):
            notes.append(str(d[key]))
    if d.get("journaled_late") and not d.get("not_run"):
        notes.append("its end was journaled late (the journal could not be written when it ended)")
    return notes


def _step_dry_run(s: IncidentState, e: Event, d: dict[str, Any]) -> None:
    st = s._step(d)
    observed = observer_seat.marked(d)
    st.dry_runs.append({"seq": e.seq, "at": e.ts, "actor": e.actor, "command": d.get("command"),
                        "params": d.get("params") or {}, **({"seat": observer_seat.OBSERVER} if observed else {})})
    params = d.get("params") if isinstance(d.get("params"), dict) else {}
    for k, v in params.items():
        if v is not None and not observed:
            s.param_answers[str(k)] = str(v)
    by = f" {observer_seat.BY}" if observed else ""
    s._add_timeline(e, e.type, f"{_step_word(s, st)} dry run{by}: {d.get('command') or ''}",
                    step=st.step)


def _step_refused(s: IncidentState, e: Event, d: dict[str, Any]) -> None:
    st = s._step(d)
    observed = observer_seat.marked(d)
    st.refusals.append({"seq": e.seq, "at": e.ts, "actor": e.actor, "command": d.get("command"),
                        "reason": d.get("reason") or "", **({"seat": observer_seat.OBSERVER} if observed else {})})
    by = f" {observer_seat.BY}" if observed else ""
    s._add_timeline(e, e.type, f"{_step_word(s, st)} refused{by}: {d.get('reason') or ''}",
                    step=st.step)


def _step_ticked(s: IncidentState, e: Event, d: dict[str, Any]) -> None:
    if closing.ignored_late(s, e, d, "ticked"):
        return
    st = s._step(d)
    st.status = "ticked"
    st.ticked_by = e.actor
    st.ticked_at = e.ts
    st.ticked_seq = e.seq
    st.updated_seq = e.seq
    s._add_timeline(e, e.type, f"{_step_word(s, st)} done: {st.label}", step=st.step,
                    step_key=(st.runbook_id, st.step_id))


def _step_unticked(s: IncidentState, e: Event, d: dict[str, Any]) -> None:
    if closing.ignored_late(s, e, d, "unticked"):
        return
    st = s._step(d)
    st.unticks.append({"seq": e.seq, "at": e.ts, "actor": e.actor,
                       "tick_seq": st.ticked_seq})
    st.ticked_by = None
    st.ticked_at = None
    st.ticked_seq = None
    st.status = st._status_from_runs()
    st.updated_seq = e.seq
    s._add_timeline(e, e.type, f"{_step_word(s, st)} unticked: {st.label}", step=st.step,
                    step_key=(st.runbook_id, st.step_id))


def _step_skipped(s: IncidentState, e: Event, d: dict[str, Any]) -> None:
    if closing.ignored_late(s, e, d, "skipped"):
        return
    st = s._step(d)
    st.status = "skipped"
    st.skipped_reason = one_line(d.get("reason") or "")
    st.skipped_at = e.ts
    st.updated_seq = e.seq
    s._add_timeline(e, e.type, f"{_step_word(s, st)} skipped ({st.label}): {st.skipped_reason}",
                    step=st.step, step_key=(st.runbook_id, st.step_id))


HANDLERS = {
    ev.STEP_STARTED: _step_started,
    ev.STEP_FINISHED: _step_finished,
    ev.STEP_DRY_RUN: _step_dry_run,
    ev.STEP_REFUSED: _step_refused,
    ev.STEP_TICKED: _step_ticked,
    ev.STEP_UNTICKED: _step_unticked,
    ev.STEP_SKIPPED: _step_skipped,
}
