"""From the engine's ``IncidentState`` (rebuilt from the journal) to what the panes draw.

This is the only module that knows the state's shape; panes take ``panes.view`` values.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from warroom import scenario_time as stime
from panes.fmt import reached_by
from panes.view import (DecisionRow, EarlierRunbook, GateView, HeaderInfo, IncidentView, OpenRunbook, SharedView,
                        StepView, TimelineItem)
from warroom.incident.marks import checklist_state, run_verdict
from warroom.scenario_time import process_text
from warroom.units import format_value

# journal event type → timeline mark kind (panes.timeline.KIND_MARKS)
TIMELINE_KINDS = {
    "incident.declared": "declared", "runbook.attached": "runbook", "runbook.closed": "runbook",
    "severity.changed": "severity",
    "status.changed": "status", "phase.marked": "status", "incident.resolved": "resolved",
    "incident.reopened": "declared", "step.started": "step", "step.dry_run": "step",
    "step.refused": "skip", "step.ticked": "tick", "step.unticked": "tick", "step.skipped": "skip",
    "evidence.recorded": "evidence", "verify.started": "evidence", "verify.passed": "evidence",
    "verify.failed": "step-failed", "note.added": "note", "timeline.added": "note",
    "status_update.sent": "update", "alert.seen": "alert", "pir.exported": "export",
}


def ts(value: datetime | None) -> float | None:
    return value.timestamp() if value is not None else None


def step_view(st: Any, state: Any = None, gates: Mapping[tuple[str, str], Any] | None = None) -> StepView:
    """One step's row; ``gates`` (``warroom.incident.gates.gate_states``) decides whether an ok
    run is still being verified or failed its verify gate, which never wear the ✔."""
    run = st.last_run
    gate = gates.get((st.runbook_id, st.step_id)) if gates else None
    reason = st.skipped_reason if st.status == "skipped" else None
    if st.status == "pending" and st.refusals:
        reason = str(st.refusals[-1].get("reason") or "")
    verdict = run_verdict(run)
    return StepView(
        state=checklist_state(st, gate),
        expect_met=run.expect_met if run is not None else None,
        verdict=verdict.state if verdict is not None else None,
        verdict_reason=verdict.reason if verdict is not None else None,
        exit_code=run.exit_code if run is not None else None,
        duration=run.duration if run is not None else None,
        duration_text=process_text(state, run.duration) if run is not None and run.duration is not None else None,
        reason=reason,
        started_at=ts(run.started_at) if run is not None else None,
        output_path=run.output if run is not None else None,
    )


def branch_views(steps: dict[str, StepView], state: Any, runbook: Any, config: Any, now: datetime,
                 gates: Mapping[tuple[str, str], Any] | None = None,
                 typed: Mapping[tuple[str, str], Any] | None = None) -> dict[str, StepView]:
    """``steps`` with each step in the state the core shows it (``warroom.incident.progress.of_runbook``: the one
    rule the heading's count and every other view read, ``config`` the incident's, its update cadence): one never
    begun in a runbook branch that did not apply "not needed", with why (a step run, ticked or skipped keeps its
    state); a checklist item nobody ticked that the journal shows done so, by what did it (one not done says what is
    lacking, and can still be ticked); one never begun whose command was typed in the drill shell (``typed``: the
    drill shell's credits, ``Incident.typed_by_hand``) as the core counts it, "done by hand at +6m40s (drill shell)"
    (attack47 Y4: the heading counted it not done beside the report's path)."""
    from warroom.incident import branches, progress
    from warroom.incident.by_hand import TAKES_TYPING

    out = dict(steps)
    for sid, shown in progress.of_runbook(state, runbook, config, now, gates, typed).items():
        view = out.get(sid, StepView())
        if shown.by_hand and view.state in TAKES_TYPING:    # typed in the drill shell, never begun or its run failed:
            out[sid] = replace(view, state=shown.state, reason=shown.by_hand)     # as the core shows it (A8)
        elif shown.early:           # a Validation step run before any change: validates nothing (redteam48 F3)
            out[sid] = replace(view, state=shown.state, reason=shown.early)
        elif shown.observed and view.state == "pending":      # a read-only seat's run: said, with its output file
            out[sid] = replace(view, reason=shown.observed)
        elif shown.state == branches.NOT_NEEDED and shown.standing is not None:
            out[sid] = replace(view, state=shown.state, reason=shown.standing.not_needed)
        elif shown.fulfilment is not None and view.state == "pending":
            out[sid] = replace(view, state=shown.state, reason=shown.fulfilment.shown)
    return out


def timeline_item(entry: Any, notes_by_seq: dict[int, Any]) -> TimelineItem:
    kind = TIMELINE_KINDS.get(entry.kind, "info")
    text = entry.text
    tag = None
    if entry.kind == "step.finished":
        kind = f"step-{getattr(entry, 'mark', None) or 'failed'}"   # the step's own mark, as in the checklist
    if entry.kind == "note.added":
        note = notes_by_seq.get(entry.seq)
        if note is not None:
            tag = note.tag
            prefix = f"[{note.tag}] "
            text = text[len(prefix):] if text.startswith(prefix) else text
    return TimelineItem(at=entry.at.timestamp(), kind=kind, text=text, tag=tag, seq=entry.seq)


def shared_view(store: Any) -> SharedView | None:
    """A ``warroom.shared.listen.StoreStatus`` as the header draws it (None: a local incident)."""
    if store is None:
        return None
    return SharedView(where=store.where, down=store.down, pending=store.pending,
                      present=tuple((p.who, p.step, p.me) for p in store.present))


def incident_view(snapshot: Any, status_update_every: float | Callable[[str], float],
                  now: float | None = None, config: Any = None,
                  typed: Mapping[tuple[str, str], Any] | None = None) -> IncidentView:
    """The view of an ``IncidentSnapshot``: the current runbook's steps by step id, every
    running step by key, and the earlier runbooks' progress (``typed``: the drill shell's credits)."""
    from warroom.incident.closing import closure_of
    from warroom.incident.gates import gate_states

    state = snapshot.state
    when = datetime.fromtimestamp(now, UTC) if now is not None else stime.utcnow()
    gates = gate_states(state, when)     # a gate open past its window at this look: unsettled
    current = str((state.runbook or {}).get("id") or "")
    steps = branch_views({sid: step_view(st, state, gates) for sid, st in state.steps.of(current).items()},
                         state, getattr(snapshot, "runbook", None), config, when, gates, typed)
    running = tuple((st.runbook_id, st.step_id) for st in state.running_steps())
    beside = open_beside(snapshot, state, gates, when, config, typed)
    earlier = []
    seen = {current, *(b.runbook_id for b in beside)}
    for ref in reversed(state.runbooks):
        rb_id = str(ref.get("id") or "")
        if rb_id in seen:
            continue
        seen.add(rb_id)
        states = state.steps.of(rb_id)
        book = snapshot.runbook_by_id(rb_id) if hasattr(snapshot, "runbook_by_id") else None
        rows: list[tuple[int, str, StepView]] = []
        if book is not None:
            rows = [(s.number, s.label, step_view(states[s.id], state, gates) if s.id in states else StepView())
                    for s in book.steps]
        else:
            rows = [(st.step or 0, st.label, step_view(st, state, gates)) for st in states.values()]
        shut = closure_of(state, rb_id)     # closed beside: said, with who, when and why
        earlier.append(EarlierRunbook(rb_id, str(ref.get("title") or ""), tuple(rows),
                                      f"{shut.text()}; {shut.progress()} when closed" if shut is not None else ""))
    notes = {n.seq: n for n in state.notes}
    timeline = [timeline_item(e, notes) for e in state.sorted_timeline()]
    due = state.next_update_due(when, status_update_every)
    clock_start = state.clock_start
    from warroom.incident.escalation import instants as escalation_instants
    from warroom.incident.handoff import PeopleAlert, roles_line
    from warroom.incident.relapse import holding

    # from the journal alone (no gate's measure read): what the header says until a poll reads them, and
    # always where no poll runs (no metric source): a passed gate is "not known to hold", never held
    held = holding(state, when)

    header = HeaderInfo(
        incident_id=state.id, title=state.title, status=state.status, severity=state.severity,
        declared_at=ts(clock_start), resolved_at=ts(state.phases.get("resolved")),
        next_update_at=ts(due),
        drill=(state.drill or {}).get("scenario") if state.drill else None,
        time_scale=state.time_scale, shared=shared_view(getattr(snapshot, "store", None)),
        roles=roles_line(state), people=PeopleAlert.of(state),
        tiers=tuple((t.at.timestamp(), t.tier) for t in escalation_instants(state)),
        escalated=tuple(int(e["tier"]) for e in state.escalations),
        holding=held.qualifier(state.status) if held is not None else "", relapsed=bool(held and held.relapsed),
        breached=tuple(state.breached_now()),
    )
    return IncidentView(header=header, steps=steps, timeline=timeline, runbook_id=current or None,
                        running=running, earlier=tuple(earlier), gates=settled_gates(gates),
                        gate_runs=tuple((key, g.of_run) for key, g in gates.items() if g.of_run),
                        decisions=decision_rows(getattr(snapshot, "runbook", None), state, when), beside=beside,
                        named=state.named_runbooks())


def open_beside(snapshot: Any, state: Any, gates: Mapping[tuple[str, str], Any], when: datetime,
                config: Any = None, typed: Mapping[tuple[str, str], Any] | None = None) -> tuple[OpenRunbook, ...]:
    """The runbooks the journal has open beside the current one (``state.beside``), each with its
    steps' states and its Go/No-Go rows. One whose snapshot cannot be read still shows, from the
    journal's step states alone."""
    by_id = {rb.id: rb for rb in getattr(snapshot, "beside", ())}
    out = []
    for ref in state.beside:
        rb_id = str(ref.get("id") or "")
        opened = ref.get("opened_by") if isinstance(ref.get("opened_by"), dict) else {}
        book = by_id.get(rb_id)
        steps = branch_views({sid: step_view(st, state, gates) for sid, st in state.steps.of(rb_id).items()},
                             state, book, config, when, gates, typed)
        out.append(OpenRunbook(rb_id, str(ref.get("title") or ""), steps,
                               decision_rows(book, state, when) if book is not None else (),
                               _opened_text(state, opened)))
    return tuple(out)


def _opened_text(state: Any, opened: dict[str, Any]) -> str:
    """"GO on rollback-to-pilot", or "GO REVERSED: NO-GO by lee at …" once a later verdict on that
    decision took the GO back (the runbook stays open: steps done may need undoing, but its heading
    must not read as if the GO stood; said first and loud: a narrow pane cuts the heading's end)."""
    from warroom.incident.closing import live_at
    from warroom.incident.go_opened import reversal

    if not opened.get("decision"):
        return ""
    undone = reversal(state, opened, live_at(state))
    return f"GO REVERSED: {undone}" if undone else f"GO on {opened['decision']}"


def decision_rows(runbook: Any, state: Any, when: datetime) -> tuple[DecisionRow, ...]:
    """The checklist's rows for the runbook's decisions: where each stands in the runbook, the
    latest verdict (shared by every runbook stating the same decision), else its deadline, and a
    verdict recorded before a conditional decision arose named as no answer (the row read "OVERDUE"
    beside a GO the IC remembered taking: decide39's leftover)."""
    from warroom.incident.decisions import NO_OUTPUTS, NOT_HERE, evaluate

    if runbook is None:
        return ()
    rows = []
    for d in getattr(runbook, "decisions", None) or []:
        v = evaluate(d, runbook.id, state, when, query=NOT_HERE, step_output=NO_OUTPUTS)
        rec = v.recorded or {}
        rows.append(DecisionRow(
            decision_id=d.id, question=d.question,
            after_step=max((s.number for s in runbook.steps if s.line < d.line), default=0),
            verdict=rec.get("verdict"), by=rec.get("by"),
            due=f"{v.due_at:%H:%M:%S} UTC" if v.due_at is not None else None, overdue=v.overdue,
            due_at=v.due_at.timestamp() if v.due_at is not None else None, not_needed=v.not_due_text(str(state.id)),
            early=v.early_brief(), open_since=v.open_words()))
    return tuple(rows)


def deadline_passed(rows: tuple[DecisionRow, ...], now: float) -> tuple[str, ...]:
    """The undecided decisions whose deadline has passed but are not shown overdue yet: the
    dashboard checks (and journals the reminder) now rather than at its next 15 s look, which at
    x60 would be 15 drill minutes late."""
    return tuple(r.decision_id for r in rows
                 if r.due_at is not None and not r.verdict and not r.overdue and not r.not_needed
                 and now >= r.due_at)


def tier_unjournaled(header: HeaderInfo, now: float) -> tuple[int, ...]:
    """The tiers the header shows reached that the journal does not have yet (empty: none): the
    dashboard looks (and journals them) now rather than at its next 15 s look (90 drill seconds
    late at x60). Which tiers, not whether: tier 2 coming due as tier 1 is journaled is new."""
    end = header.resolved_at if header.resolved_at is not None else now
    return tuple(tier for at, tier in header.tiers
                 if tier > 0 and reached_by(at, end) and tier not in header.escalated)


def breaches_unjournaled(header: HeaderInfo, states: Mapping[str, str]) -> tuple[str, ...]:
    """The panes whose state now (``states``: pane id -> its reading's state) the journal does not
    have yet: past critical while the journal has no open breach for it, or back to ok while it has
    one. The dashboard looks (and the metric watch journals the transition) now rather than at its
    next 15 s look: at x60 a pane read CRIT for fifteen drill minutes beside a header still saying
    MITIGATED, the relapse unjournaled (redteam41 T1). Which panes and how, not whether."""
    if header.incident_id is None or header.resolved_at is not None:
        return ()
    return tuple(f"pane {slo} {st}" for slo, st in sorted(states.items())
                 if st in ("crit", "ok") and (st == "crit") != (slo in header.breached))


def settled_gates(gates: Mapping[tuple[str, str], Any]) -> tuple[tuple[tuple[str, str], GateView], ...]:
    """The journal's settled gates (``warroom.incident.gates``) as the header's gate line
    shows them: ``✔ passed at 0.8%`` / ``⊜ held before the step (0.1%)`` / ``✖ FAILED: reason``,
    by the gate's ``shown`` status (one rule with the checklist's mark). Open ones are watched
    live and reported by ``GateProgress`` with their countdown; their outcome is read from here."""
    out = []
    for key, g in gates.items():
        if g.status == "pending":
            continue
        at = g.at.timestamp() if g.at is not None else 0.0
        out.append((key, GateView(step=g.step or 0, text=g.expr, status=g.shown, value=g.value or "",
                                  reason=g.reason, at=at, title=g.title, wanted=g.wanted, what=g.what,
                                  before=g.held_before or "", run=g.of_run, check=not g.mitigates)))
    return tuple(out)


def holding_gates(gates: Mapping[tuple[str, str], GateView], holding: Any) -> dict[tuple[str, str], GateView]:
    """``gates`` with each pass's measure now (``holding``: ``relapse.Holding``, read with the panes): the
    gate line says ``✔ passed at 1.24% at 03:31:24 · now 99.8%, past < 10%``, never a bare pass while it
    relapsed (redteam40 R1)."""
    read = {g.key: g for g in (holding.gates if holding is not None else ())}
    return {key: replace(g, now=read[key].now_words(), past=bool(read[key].past), passed=read[key].passed_head())
            if g.status == "passed" and key in read else g for key, g in gates.items()}


def header_gate(gates: Mapping[tuple[str, str], GateView], named: Collection[str],
                now: float, runs: Mapping[tuple[str, str], str] | None = None) -> GateView | None:
    """The gate the header shows: the open one closest to its deadline, else the last outcome.
    A gate of a step whose runbook the core names (``named``: ``IncidentState.named_runbooks``,
    the rule every screen follows) says that runbook, so its "step 22" is never read as
    another runbook's step 22; one of an earlier run than its step's latest says that run
    (``runs``: ``IncidentView.gate_runs``), so it is never read as the failed re-run's."""
    runs = runs or {}
    views = [replace(g, runbook=rb if rb and rb in named else g.runbook, run=runs.get((rb, sid), g.run))
             for (rb, sid), g in gates.items()]
    pending = [g for g in views if g.status == "pending"]
    if pending:
        return min(pending, key=lambda g: g.left(now))
    return max(views, key=lambda g: g.at) if views else None


def gate_view(step: int, text: str, status: str, value: float | None, remaining: float,
              reason: str | None, *, held: float = 0.0, hold: float = 0.0, slos: Any = (),
              speed: float = 1.0, now: float = 0.0, queries: Any = None) -> GateView:
    """A gate probe (``VerifyCheck`` fields, in wall seconds) as the header's gate line shows
    it: what it watches in words (``queries``: its runbook's named queries; else the pane's
    title; else the PromQL as written), the value with that unit, the comparison wanted, times in
    the gate's own clock (scenario time in a drill, as the gate's "within 10m" is)."""
    from warroom.sources.verify import VerifyError, parse_verify

    try:
        gate = parse_verify(text, slos, queries)
        shown, wanted, title, bare, what = gate.show(value), gate.wanted, gate.title, gate.bare, gate.said
    except VerifyError:
        shown, wanted, title, bare, what = (("no value" if value is None else format_value(value, "count")), "",
                                            text, True, text)
    holding = status == "pending" and bool(reason) and str(reason).startswith("holding")
    return GateView(step=step, text=text, status=status, value=shown, wanted=wanted,
                    held=stime.drill_seconds(held, speed), hold=stime.drill_seconds(hold, speed),
                    remaining=stime.drill_seconds(remaining, speed), at=now,
                    speed=speed, reason=reason, holding=holding, title=title, bare=bare, what=what)
