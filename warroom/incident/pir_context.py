"""Everything a PIR template can use, built from the incident state (the one documented context).

Templates are written by people outside the code, so what they may reference is defined in one
place, as plain records, rather than by handing them the state object and its internals.
"""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from warroom.durations import format_duration
from warroom.journal import events as ev
from warroom import scenario_time as stime
from warroom.incident.gate_evidence import held_words
from warroom.incident.gates import GateState, gate_states, run_gates
from warroom.incident.marks import NOT_CLEAN_MARKS, checklist_state, describe_verdict, run_state, run_verdict, state_word
from warroom.incident.pir_format import fmt_value
from warroom.incident.review.build import build_review
from warroom.incident.state import PHASE_LABELS, EvidenceSample, IncidentState
from warroom.incident.verdicts import of_state

if TYPE_CHECKING:
    from warroom.config import Config


Record = SimpleNamespace


def _evidence_rows(state: IncidentState, config: Config | None) -> list[dict[str, Any]]:
    phases = state.phases
    detected = phases.get("detected")
    resolved = phases.get("resolved")
    rows = []
    for slo_id, samples in state.evidence_by_slo().items():
        slo = config.slo_by_id(slo_id) if config is not None else None
        below = slo is not None and slo.direction == "below"
        valued = [s for s in samples if s.value is not None]
        unit = next((s.unit for s in samples if s.unit), None) or (slo.unit if slo else None)

        def nearest(at: datetime | None, pool: list[EvidenceSample] = valued) -> EvidenceSample | None:
            if at is None or not pool:
                return None
            return min(pool, key=lambda s: (abs((s.at - at).total_seconds()), s.seq))

        worst = (min if below else max)(valued, key=lambda s: s.value or 0.0) if valued else None
        at_det = nearest(detected) if detected else (valued[0] if valued else None)
        at_res = nearest(resolved) if resolved else None
        bounds = (slo.warn, slo.crit) if slo else ()
        rows.append({
            "slo_id": slo_id, "title": slo.title if slo else slo_id, "unit": unit,
            "threshold": fmt_value(slo.crit, unit) if slo and slo.crit is not None else "n/a",
            "at_detection": fmt_value(at_det.value if at_det else None, unit, bounds),
            "worst": fmt_value(worst.value if worst else None, unit, bounds),
            "worst_at": worst.at if worst else None,
            "at_resolution": fmt_value(at_res.value if at_res else None, unit, bounds),
            "samples": len(samples),
        })
    return rows


def _run_evidence(st: Any, run: Any, config: Config | None, speed: float = 1.0) -> str:
    """``quota 92% → 58%``: the SLO values before and after a step run, formatted the way the
    timeline shows them (the sources engine picks the panes worth naming). Empty when none."""
    if not run.evidence_before and not run.evidence_after:
        return ""
    try:
        from warroom.sources.evidence import StepEvidence, format_evidence
    except ImportError:
        return ""
    from warroom.config import default_slos

    slos = config.slo if config is not None else default_slos()
    item = StepEvidence(step=st.step, step_id=st.step_id, label="-", command=run.command,
                        started_at=None, ended_at=None, before=run.evidence_before,
                        after=tuple(sorted(run.evidence_after.items())))
    text = format_evidence(item, slos, speed=speed)
    return text.split(" → ", 1)[1] if " → " in text else ""


def _missed(state: IncidentState, config: Config | None, now: datetime) -> Any:
    """The stakeholder updates that fell due unsent by the resolution (else ``now``), by the team's cadence."""
    from warroom.config import Config
    from warroom.incident.cadence import missed_updates

    return missed_updates(state, config if config is not None else Config(), state.resolved_at or now)


def pir_context(state: IncidentState, config: Config | None, now: datetime,
                runbook_steps: list[dict[str, Any]] | None = None, typed: Sequence[Any] = ()) -> dict[str, Any]:
    """Everything a PIR template can use (all times are aware datetimes in UTC).

    ``incident``: id, title, severity, status, commander, runbook {id, title} or None, drill,
    declared_at, resolved_at, resolved (bool), date (YYYY-MM-DD), start, end, duration (text),
    duration_min (int), summary, resolution, rollback (bool), type, affected_repos.
    ``zone``: the local zone's name. ``timeline``: entries {at, text, actor, kind, corrected}.
    ``milestones``: {key, label, at} for every phase reached. ``notes``: tag -> [{text, actor, at,
    owner, due}], plus shortcuts root_cause, impact, went_well, went_wrong, actions, lessons,
    contributing, prevention, info. ``response``: {label, target_min, minutes (scenario minutes: wall
    x the drill's speed, what ``met`` judges), wall_minutes, at, met, text}.
    ``evidence``: per pane {title, slo_id, unit, threshold, at_detection, worst, at_resolution}.
    ``commands``: {step, name ("Step 4", or "RB-LAUNCH-002 step 4": ``IncidentState.step_name``,
    the rule every screen follows), label (the step's own), actor, started_at, duration, status, state (the mark's word, as on
    screen), exit_code, expect, expect_met, expectation (verdict and reason, as on screen),
    command, output, evidence (SLO values before -> after, text)}. ``skipped`` / ``failed`` / ``not_done`` steps
    (each with step, name and label as ``commands``), ``dry_runs``, ``refusals``,
    ``status_updates``, ``severity_changes``, ``alerts``, ``journal_issues`` (warnings to print),
    ``last_seq``, ``head_hash``, ``metrics_seq``; ``review`` (:mod:`warroom.incident.review.build`): the
    cited statements the shipped templates print (facts, key_moments, timeline, evidence, impact,
    commands + appendix, response, notes, updates, footer). ``incident.start`` is the impact start
    (else detection) and ``incident.duration`` runs from it to resolution (in a drill: ``1h54m drill
    time (5m45s wall)``; ``duration_min`` scenario minutes, ``duration_wall_min`` wall minutes,
    ``time_scale`` the drill's speed). ``span(seconds)``: a wall interval as drill time with the wall beside (plain outside drills).
    Filters: utc, hhmm, local, dur, minutes, cell, inline, code, fence, value, yesno,
    sentence. Every value printed is escaped as markdown prose (:mod:`warroom.incident.md_text`)
    unless a filter draws it for its place: ``cell`` in a table, ``code`` in a code span,
    ``fence`` as a fenced block; text people typed never acts as markdown or HTML.
    """
    phases = state.phases
    res = state.resolution or {}
    start = state.impact_start
    end = phases.get("resolved")
    notes: dict[str, list[dict[str, Any]]] = {tag: [] for tag in ev.NOTE_TAGS}
    for n in state.notes:
        notes.setdefault(n.tag, []).append({"text": n.text, "actor": n.actor, "at": n.at,
                                            "owner": n.owner, "due": n.due, "seq": n.seq})
    commands = []
    gates = run_gates(state, now)
    for st, run in state.commands_run():
        verdict = run_verdict(run)
        commands.append(Record(
            state=state_word(run_state(run, gates.get(run.seq))),
            expectation=describe_verdict(verdict) if verdict is not None else "—",
            step=st.step if st.step is not None else st.step_id, label=st.label, actor=run.actor,
            name=state.step_name(st.runbook_id, st.step if st.step is not None else st.step_id, start=True),
            started_at=run.started_at, ended_at=run.ended_at, duration=run.duration,
            status=run.status, exit_code=run.exit_code, expect=run.expect,
            expect_met=run.expect_met, command=run.command or "", output=run.output,
            mutating=run.mutating, target=run.target, evidence=_run_evidence(st, run, config, state.time_scale),
        ))
    steps = state.step_list()
    def name(rb: str | None, step: Any) -> str:
        return state.step_name(rb, step, start=True)

    skipped = [{"step": s.step, "name": name(s.runbook_id, s.step or s.step_id), "label": s.label, "reason": s.skipped_reason, "at": s.skipped_at,
                "seq": s.updated_seq}
               for s in steps if s.status == "skipped"]
    # a step whose run failed and whose command was typed by hand in the drill shell (after it, or before): both said
    # (attack53 A6: "failed" alone read as never done); the credit as the drill report's path gives it
    # (``pir.runbook_steps``' ``by_hand``), its moment in it
    current = str((state.runbook or {}).get("id") or "")
    typed_by = {(str(r.get("runbook_id") or ""), str(r["step_id"])): str(r["by_hand"])
                for r in runbook_steps or [] if r.get("by_hand")}
    failed = [_trouble(s, shown, gate, name(s.runbook_id, s.step or s.step_id),
                       typed_by.get((s.runbook_id or current, s.step_id), ""))
              for s, shown, gate in _shown_steps(state, steps, now) if shown in NOT_CLEAN_MARKS]
    def _state_of(r: dict[str, Any]) -> Any:   # a step of its own runbook (one open beside has a step 4 too)
        return state.steps.get((r["runbook_id"], r["step_id"]) if r.get("runbook_id") else r["step_id"])

    not_done = [{**r, "name": name(r.get("runbook_id"), r["step"]), "held": _held(_state_of(r))}
                for r in (runbook_steps or []) if _state_of(r) is None or _state_of(r).status == "pending"]
    response = []
    said = of_state(state)
    for r in state.response_times():
        verdict = said[r.key]    # the one rule (``verdicts``): "met" only where the report and the PIR's table say it
        response.append({"key": r.key, "label": r.label, "target_min": r.target_min, "at": r.at,
                         "minutes": r.minutes, "wall_minutes": r.wall_minutes, "met": verdict.ok,
                         "text": verdict.sentence,
                         "measured_from": PHASE_LABELS.get(r.measured_from, r.measured_from)})
    # Records of the two long lists are namespaces, not dicts: Jinja resolves ``row.at`` on them
    # in one lookup, which keeps a 10,000-event timeline's render well under a second.
    timeline = [Record(at=t.at, text=t.text, actor=t.actor, kind=t.kind, corrected=t.original is not None,
                       step=t.step, seq=t.seq)
                for t in state.sorted_timeline()]
    dry_runs = [{"step": s.step, "label": s.label, **d} for s in steps for d in s.dry_runs]
    refusals = [{"step": s.step, "label": s.label, **d} for s in steps for d in s.refusals]
    return {
        "incident": {
            "id": state.id, "title": state.title, "severity": state.severity, "status": state.status,
            "commander": state.commander, "runbook": ({"id": state.runbook.get("id"),
                                                       "title": state.runbook.get("title")}
                                                      if state.runbook else None),
            "drill": state.drill, "declared_at": state.declared_at, "resolved_at": state.resolved_at,
            "resolved": state.resolved, "date": start.strftime("%Y-%m-%d") if start else "",
            "start": start, "end": end, "duration": stime.text(state, state.impact_duration(now)),
            "duration_min": round(state.duration_minutes(now)),
            "duration_wall_min": round(stime.span(state, state.impact_duration(now)).wall_minutes),
            "time_scale": stime.scale_of(state), "detected_at": phases.get("detected"),
            "severity_changes": state.severity_changes, "roles": dict(state.roles),
            "summary": res.get("summary") or "", "resolution": res.get("resolution") or "",
            "rollback": res.get("rollback") if isinstance(res.get("rollback"), bool) else None,
            "type": res.get("type") or "",
            "affected_repos": res.get("affected_repos") or "",
        },
        "milestones": sorted(({"key": k, "label": PHASE_LABELS[k], "at": phases[k]}
                              for k in ev.PHASES if phases.get(k) is not None),
                             key=lambda m: m["at"]),
        "timeline": timeline,
        "notes": notes,
        "root_cause": notes["root-cause"], "impact": notes["impact"], "went_well": notes["went-well"],
        "went_wrong": notes["went-wrong"], "actions": notes["action"], "lessons": notes["lesson"],
        "contributing": notes["contributing"], "prevention": notes["prevention"], "info": notes["info"],
        "response": response,
        "evidence": _evidence_rows(state, config),
        "commands": commands,
        "skipped": skipped, "failed": failed, "not_done": not_done,
        "dry_runs": dry_runs, "refusals": refusals,
        "status_updates": [{"at": u.at, "text": u.text, "actor": u.actor, "channels": u.channels,
                            "delivery": u.delivery, "seq": u.seq}
                           for u in state.status_updates],
        "severity_changes": state.severity_changes,
        "alerts": state.alerts,
        "journal_issues": list(state.journal_issues),
        "last_seq": state.last_seq,
        "head_hash": state.last_hash,
        "metrics_seq": (state.metric_summary or {}).get("seq"),
        "review": build_review(state, now, typed, _missed(state, config, now),
                               {(str(r.get("runbook_id") or ""), str(r["step_id"])): str(r.get("section") or "")
                                for r in runbook_steps or []}, _decided(runbook_steps),
                               _typed_at(runbook_steps)),
        # ``{{ span(seconds) }}``: a journal interval as the incident reads it (drill time with the
        # wall time beside in a drill); the ``dur`` filter formats a figure as it is (a run time).
        "span": lambda seconds, wall=True: stime.text(state, seconds, wall=wall),
    }


def _held(st: Any) -> list[dict[str, Any]]:
    """What the journal holds of a step still pending (none, or a withdrawn tick, a dry run, a refusal, a read-only
    seat's run, each said as the observer's when it was: ``observer_seat``), so the PIR never says "no journal event"
    of a step that has some (redteam46 R1: ticked, then unticked)."""
    from warroom.incident import observer_seat

    if st is None:
        return []

    def by(line: dict[str, Any]) -> str:
        return f" {observer_seat.BY}" if line.get("seat") else ""
    held = [{"seq": u["seq"], "text": "ticked done, then unticked",
             "cites": [x for x in (u.get("tick_seq"), u["seq"]) if x]} for u in st.unticks]
    held += [{"seq": d["seq"], "text": f"dry run only{by(d)}", "cites": [d["seq"]]} for d in st.dry_runs]
    held += [{"seq": r["seq"], "text": f"refused{by(r)}: {r['reason']}" if r["reason"] else f"refused{by(r)}",
              "cites": [r["seq"]]} for r in st.refusals]
    held += [{"seq": run.seq, "text": observer_seat.said_of(run), "cites": [x for x in (run.seq, run.end_seq) if x]}
             for run in st.observed]
    return sorted(held, key=lambda h: h["seq"])


def _typed_at(rows: list[dict[str, Any]] | None) -> dict[tuple[str, str], list[datetime]]:
    """When each step a decision decides was typed in the drill shell (``pir.runbook_steps``' ``typed_at``)."""
    return {(str(r.get("runbook_id") or ""), str(r["step_id"])): [datetime.fromtimestamp(t, UTC) for t in r["typed_at"]]
            for r in rows or [] if isinstance(r.get("typed_at"), list)}


def _decided(rows: list[dict[str, Any]] | None) -> dict[tuple[str, str], list[tuple[str, Any]]]:
    """The steps each Go/No-Go decides (``decisions.decided_steps``), from the runbook rows (``pir.runbook_steps``)."""
    from types import SimpleNamespace

    out: dict[tuple[str, str], list[tuple[str, Any]]] = {}
    for r in rows or []:
        if isinstance(r.get("decided"), (list, tuple)) and len(r["decided"]) == 2:
            out.setdefault((str(r["decided"][0]), str(r["decided"][1])), []).append(
                (str(r.get("runbook_id") or ""), SimpleNamespace(id=r["step_id"], number=r["step"], label=r["label"])))
    return out


def _shown_steps(state: IncidentState, steps: list[Any], now: datetime) -> list[tuple[Any, str, GateState | None]]:
    """Each step with the state its checklist row shows (``marks.step_state`` over its latest
    run's verdict and verify gate, the rule of the dashboard and ``incident show``), so the PIR's
    "Steps Skipped or Failed" lists what the screen marked as trouble, not only runs whose exit
    status failed: a run that exited 0 without giving what the runbook expected, or whose verify
    gate FAILED, did not do its job either, and one whose gate's window ended with no outcome at
    ``now`` was never confirmed to (``unsettled``: listed, never "finished cleanly")."""
    from warroom.incident import validation
    from warroom.incident.progress import EARLY

    gates = gate_states(state, now)
    current = str((state.runbook or {}).get("id") or "")
    first = validation.first_change(state)
    out = []
    for s in steps:
        gate = gates.get((s.runbook_id or current, s.step_id))
        shown, run = checklist_state(s, gate), s.last_run
        if run is not None and shown not in ("running", "pending") and validation.too_early(
                run, run.started_at.timestamp(), first):     # journaled with its phase: the checklist's rule
            shown = EARLY
        out.append((s, shown, gate))
    return out


def _trouble(s: Any, shown: str, gate: GateState | None, name: str, by_hand: str = "") -> dict[str, Any]:
    """One row of the PIR's failed steps: the mark's word (``failed``, ``ran, expectation not
    met``, ``ran, verify gate FAILED`` …) and, for a run that exited 0, why it is not done; ``by_hand``: the credit
    of its command typed in the drill shell after (``done by hand at +5m00s (drill shell)``), "" when none."""
    run = s.last_run
    why = ""
    verdict = run_verdict(run)
    if shown == "unmet" and verdict is not None:
        why = verdict.reason            # the mark's word already says "expectation not met"
    elif shown == "unverified" and gate is not None:
        why = f"{gate.reason} ({gate.what})" if gate.reason else gate.what
    elif shown == "unsettled" and gate is not None and gate.lapsed is not None:
        why = f"its window ended {gate.lapsed:%H:%M:%S} UTC and no outcome was journaled ({gate.what})"
    elif shown == "held_before" and gate is not None:
        why = f"{held_words(gate.held_before)} ({gate.what})"
    elif gate is not None and gate.of_run:      # it failed again, opening no gate: the earlier run's still judges it
        why = gate.describe()                   # "verify (run at 01:31:22 UTC) passed at 0.222% (…)": attack44 A13
    return {"step": s.step, "name": name, "label": s.label, "status": s.status, "state": state_word(shown),
            "why": why, "exit_code": s.exit_code, "attempts": s.attempts, "by_hand": by_hand,
            "seq": (run.end_seq or run.seq) if run else s.updated_seq}
