"""The post-incident review as cited statements: every generated line names the journal events
it comes from (``[#42]``), and what only a person can say is marked as needing one.

Templates lay these out; they do not compute. Everything here is a pure function of the state
(rebuilt from the journal), so a statement without a citation cannot be written by accident: each
``Line`` carries the seqs it rests on, and ``cites`` never invents one (a citation names a seq
the state saw).

Sections:

* ``facts``: duration from impact start to resolution with detection and declaration beside it,
  severity history, commander and roles (handoffs), resolution, rollback, type, affected services;
* ``key_moments`` (the 10–15 that matter, by weight) then ``timeline`` (every event, a step's
  start, end and evidence merged into one row, exports left out);
* ``evidence`` and ``impact`` from the ``metrics.summarised`` event (range queries over the
  incident window): at impact start, at detection, worst (with time), at resolution; time in
  breach and configured counter totals, labelled computed, with their query;
* ``commands`` (seven columns) and ``appendix`` (command, target, output, values);
* ``response`` against the generic targets, the runbook's ``mttr_target`` beside them, a drill
  judged in scenario time with wall time beside.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from warroom.durations import format_duration, parse_duration
from warroom.journal import events as ev
from warroom.incident.approvals import step_word
from warroom.incident.closing import WITHDRAWN
from warroom.incident.gates import run_gates
from warroom.incident.marks import STEP_MARKS, describe_verdict, run_verdict, step_state
from warroom.incident.records import PHASE_HOW, PHASE_LABELS
from warroom.incident.roles import ROLES
from warroom import scenario_time as stime
from warroom.units import format_value

if TYPE_CHECKING:
    from warroom.incident.state import IncidentState

#: Needs-a-person marker: templates print it where a section has nothing from the journal.
HUMAN = "_Needs a human:_"
KEY_MOMENTS_MAX = 15
KEY_MOMENTS_MIN = 10


@dataclass(frozen=True)
class Line:
    """One generated statement and the journal seqs it rests on."""

    text: str
    cites: tuple[int, ...] = ()
    at: datetime | None = None
    actor: str = ""
    weight: int = 0
    details: tuple[str, ...] = ()     # sub-points the templates list under it (a decision's criteria)

    @property
    def cite(self) -> str:
        return cite(self.cites)


def cite(seqs: Any) -> str:
    """``[#3]`` / ``[#3, #7]``; empty for none."""
    seen = sorted({int(s) for s in seqs if s is not None})
    return "[" + ", ".join(f"#{s}" for s in seen) + "]" if seen else ""


def _hms(at: datetime | None) -> str:
    return at.astimezone(UTC).strftime("%H:%M:%S") if at is not None else "n/a"


def _v(value: float | None, unit: str | None) -> str:
    return format_value(value, unit or "count") if value is not None else "n/a"


def _from_unix(t: float | None) -> datetime | None:
    return None if t is None else datetime.fromtimestamp(float(t), tz=UTC)


# ------------------------------------------------------------------------------------ facts


@dataclass
class Facts:
    duration: Line
    detected: Line
    declared: Line
    severity: Line
    commander: Line
    roles: list[Line]
    resolution: Line
    rollback: Line
    type: Line
    affected: Line
    summary: Line
    runbook: Line | None
    concerns: list[Line] = field(default_factory=list)


def facts(state: IncidentState, now: datetime) -> Facts:
    src = state.phase_sources()
    started, s_seq, s_how = src["started"]
    detected, d_seq, _ = src["detected"]
    resolved, r_seq, _ = src["resolved"]
    start = started or detected
    dur = stime.text(state, state.impact_duration(now))
    if start is None:
        duration = Line(f"{HUMAN} no declaration in the journal")
    else:
        end = f"{_hms(resolved)} UTC" if resolved else "ongoing"
        what = "impact start" if started is not None else "detection (impact start unknown)"
        how = f"; impact start: {PHASE_HOW.get(s_how, s_how)}" if started is not None else ""
        duration = Line(f"{dur}: {_hms(start)} – {end}, {what} to "
                        f"{'resolution' if resolved else 'now'}{how}", (s_seq, d_seq, r_seq))
    det = Line(f"{_hms(detected)} UTC" + (f" ({stime.between(state, started, detected)} after impact"
                                           " start)" if started and detected and detected >= started else ""),
               (d_seq,))
    declared = Line(f"{_hms(state.declared_at)} UTC by {state.declared_by}", (state.declared_seq,))
    sev_parts = [f"{state.initial_severity or state.severity} at declaration"]
    sev_cites = [state.declared_seq]
    for c in state.severity_changes:
        reason = f" ({c['reason']})" if c.get("reason") else ""
        sev_parts.append(f"{c['from']} → {c['to']} at {_hms(c['at'])}{reason}")
        sev_cites.append(c["seq"])
    severity = Line(f"{state.severity} (" + "; ".join(sev_parts) + ")" if state.severity_changes
                    else f"{state.severity}", tuple(sev_cites))
    commanders = [c for c in state.role_changes if c["role"] == "commander"]
    if len(commanders) > 1:
        chain = " → ".join(f"{c['person']} (from {_hms(c['at'])})" for c in commanders)
        commander = Line(chain, tuple(c["seq"] for c in commanders))
    else:
        commander = Line(state.commander or f"{HUMAN} who led the response", (state.declared_seq,))
    roles = []
    for c in state.role_changes:
        if c["role"] == "commander" and c["previous"] is None:
            continue
        cites = [c["seq"]]
        if c["role"] == "commander":
            text = f"{_hms(c['at'])} commander handoff {c['previous']} → {c['person']}"
        else:
            name = ROLES.get(c["role"], c["role"])
            text = f"{_hms(c['at'])} {name}: {c['person']}" + (f" (was {c['previous']})" if c["previous"] else "")
        if c.get("reason"):
            text += f": {c['reason']}"
        if c["role"] == "commander" and c.get("acknowledged_seq") is not None:
            text += f" (brief acknowledged by {c['acknowledged_by']} at {_hms(c['acknowledged_at'])})"
            cites.append(c["acknowledged_seq"])
        elif c["role"] == "commander" and c.get("brief") is not None:
            text += " (brief NOT acknowledged by the incoming commander)"
        roles.append(Line(text, tuple(cites), at=c["at"], actor=c["actor"]))
    for r in state.handoff_reminders:
        # ``every`` is scenario seconds already (handoff.py divides by the scale for the due time)
        held = stime.of_scenario(state, float(r["every"]) * int(r["period"])).text(wall=False)
        roles.append(Line(f"{_hms(r['due_at'])} handoff reminder: {r['commander']} incident commander for {held}",
                          (r["seq"],), at=r["due_at"]))
    roles.sort(key=lambda line: (line.at or datetime.min.replace(tzinfo=UTC), min(line.cites or (0,))))
    res = state.resolution or {}
    rseq = (res.get("seq"),)
    if state.resolved:
        resolution = Line(str(res.get("resolution") or res.get("summary")), rseq)
        rollback = Line(_rollback_text(res, state.decisions), rseq)
        typ = Line(str(res.get("type")), rseq) if res.get("type") else Line(f"{HUMAN} incident type (not given at resolve)")
        affected = (Line(str(res.get("affected_repos")), rseq) if res.get("affected_repos")
                    else Line(f"{HUMAN} affected services/repos (not given at resolve)"))
        summary = Line(str(res.get("summary")), rseq)
        concerns = [Line(f"Resolved although: {c}", rseq) for c in res.get("concerns") or []]
    else:
        resolution = Line("_not resolved yet_")
        rollback = Line("_not resolved yet_")
        typ = Line("_not resolved yet_")
        affected = Line("_not resolved yet_")
        summary = Line("_The incident is not resolved yet._")
        concerns = []
    runbook = None
    if state.runbook:
        rb = state.runbook
        mttr = f"; MTTR target {rb['mttr_target']}" if rb.get("mttr_target") else ""
        runbook = Line(f"{rb.get('id')} — {rb.get('title')}{mttr}", (state.runbook_seq,))
    return Facts(duration, det, declared, severity, commander, roles, resolution, rollback, typ, affected,
                 summary, runbook, concerns)


def _rollback_text(res: dict[str, Any], decisions: Sequence[dict[str, Any]]) -> str:
    """yes / no as the commander said at resolve; when a GO opened a runbook, what it opened and
    how far that runbook got beside it (a verdict is not a rollback done), in the very words
    resolving showed the commander (``GoOpened.text``: one text for both)."""
    from warroom.incident.go_opened import GoOpened

    text = "yes" if res.get("rollback") else "no"
    opened = [GoOpened.from_json(o, decisions) for o in res.get("go_opened") or [] if isinstance(o, dict)]
    if not opened:
        return text
    return f"{text}, as the commander said at resolve ({'; '.join(o.text() for o in opened)})"


# ------------------------------------------------------------------------------------ timeline


_WEIGHTS = {
    ev.DECLARED: 100, ev.RESOLVED: 100, ev.REOPENED: 90, ev.SLO_BREACHED: 95, ev.SLO_RECOVERED: 85,
    ev.SEVERITY_CHANGED: 80, ev.ROLE_ASSIGNED: 75, ev.PHASE_MARKED: 88, ev.VERIFY_PASSED: 85,
    ev.VERIFY_FAILED: 85, ev.ALERT_SEEN: 60, ev.UPDATE_OVERDUE: 50, ev.STATUS_UPDATE: 40,
    ev.RUNBOOK_ATTACHED: 30, ev.STEP_SKIPPED: 35, ev.STEP_REFUSED: 35, ev.TIMELINE_ENTRY: 45,
    ev.STEP_TICKED: 20, ev.STEP_DRY_RUN: 10, ev.APPROVAL_REQUESTED: 55, ev.APPROVAL_GRANTED: 70,
    ev.APPROVAL_REFUSED: 70, ev.APPROVAL_EXPIRED: 45, ev.APPROVAL_USED: 20, ev.HANDOFF_ACKNOWLEDGED: 70,
    ev.HANDOFF_REMINDER: 45, ev.DECISION_RECORDED: 88, ev.DECISION_OVERDUE: 50, ev.DECISION_AROSE: 60,
    ev.ESCALATED: 65, ev.RUNBOOK_CLOSED: 70,
}
_NOTE_WEIGHTS = {"root-cause": 90, "impact": 55, "contributing": 40, "went-wrong": 30, "action": 25}
_LEFT_OUT = {ev.PIR_EXPORTED, ev.METRICS_SUMMARISED, ev.EVIDENCE, ev.VERIFY_STARTED, ev.STEP_STARTED,
             ev.STEP_FINISHED, ev.STEP_UNTICKED}


def _run_line(state: IncidentState, st: Any, run: Any, gate: str | None = None) -> Line:
    """A step run as one row: start, end, result and its evidence events."""
    cites = [run.seq] + ([run.end_seq] if run.end_seq else [])
    cites += [e.seq for e in state.evidence if e.of_step(st) and e.when in ("before", "after")
              and run.started_at <= e.at and (run.ended_at is None or run.mutating)]
    if run.mutating and not (run.evidence_before or run.evidence_after) and _history_effect(run, state.metric_summary, state.time_scale):
        cites.append(int(state.metric_summary["seq"]))  # type: ignore[index]
    kind = "mitigation attempt" if run.mutating else "read-only"
    verdict = run_verdict(run)
    if run.status == "running":
        result = "still running"
    else:
        word = _state_word(run, verdict, gate)
        bits = ["ran" if verdict is not None and word != run.status.replace("_", " ") else word]
        if run.exit_code is not None:
            bits.append(f"exit {run.exit_code}")
        if run.duration is not None:
            bits.append(stime.process_text(state, run.duration))
        if verdict is not None:
            bits.append(describe_verdict(verdict))
        result = ", ".join(bits)
    effect = run_effect(run, state.metric_summary, state.time_scale)
    text = f"{state.step_name(st.runbook_id, st.step or st.step_id, start=True)} ({st.label}, {kind}): {result}"
    if effect:
        text += f"; {effect}"
    weight = 20
    if run.mutating:
        weight = 78 if run.status == "ok" else 70
    if run.status in ("failed", "timed_out", "interrupted") or (verdict is not None and verdict.state == "unmet"):
        weight = max(weight, 72)
    return Line(text, tuple(c for c in cites if c), at=run.started_at, actor=run.actor, weight=weight)


def _state_word(run: Any, verdict: Any, gate: str | None = None) -> str:
    """The step's state in the words the dashboard and ``incident show`` use (``warroom.incident.marks``);
    ``gate`` is the status of the verify gate judging this run (``warroom.incident.gates.run_gates``)."""
    state = step_state(run.status, verdict, gate)
    mark = STEP_MARKS.get(state)
    return mark.word if mark is not None else run.status.replace("_", " ")


def run_effect(run: Any, summary: dict[str, Any] | None = None, scale: float = 1.0) -> str:
    """``quota 86.5% → 71.2% (+5m)`` for a step that changes things; read-only steps say no
    change is expected (their after-values are not evidence of anything they did). Values
    journaled while the step ran come first; else those read back from the metric history."""
    if not run.mutating:
        return "no change expected (read-only)"
    if not run.evidence_before and not run.evidence_after:
        return _history_effect(run, summary, scale)
    ranked: list[tuple[int, float, str]] = []
    after = sorted(run.evidence_after.items())
    ids = sorted(set(run.evidence_before) | {k for _, vals in after for k in vals})
    for slo_id in ids:
        b = run.evidence_before.get(slo_id) or {}
        chain = [_entry(b)]
        for off, vals in after:
            later = stime.Span(off, scale).text(wall=False)
            chain.append(f"{_entry(vals.get(slo_id) or {})} (+{later})")
        states = [b.get("state")] + [(vals.get(slo_id) or {}).get("state") for _, vals in after]
        values = [v for v in [b.get("value")] + [(vals.get(slo_id) or {}).get("value") for _, vals in after]
                  if isinstance(v, (int, float))]
        change = (max(values) - min(values)) / max(abs(values[0]), 1e-9) if len(values) > 1 else 0.0
        bad = any(s in ("warn", "crit") for s in states)
        if bad or change > 0.2:   # a pane that was in trouble, or moved by more than a fifth
            ranked.append((0 if bad else 1, -change, f"{slo_id} " + " → ".join(chain)))
    return "; ".join(text for _, _, text in sorted(ranked)[:3])


def _history_effect(run: Any, summary: dict[str, Any] | None, scale: float = 1.0) -> str:
    if not summary or run.status != "ok":
        return ""
    rec = (summary.get("steps") or {}).get(str(run.end_seq or run.seq))
    if not rec:
        return ""
    slos = summary.get("slos") or {}
    parts = []
    for slo_id, v in (rec.get("values") or {}).items():
        e = slos.get(slo_id) or {}
        b, a = v["before"]["value"], v["after"]["value"]
        level = e.get("warn") if e.get("warn") is not None else e.get("crit")
        span = abs((e.get("crit") or 0) - (e.get("warn") or 0)) or abs(e.get("crit") or 1.0) or 1.0
        if abs(a - b) < 0.05 * span and not (level is not None and _past(max(a, b), level, e)):
            continue
        unit = str(v.get("unit") or "count")
        mins = stime.Span(max(0.0, v["after"]["at"] - v["before"]["at"]), scale).text(wall=False)
        parts.append(f"{slo_id} {_v(b, unit)} → {_v(a, unit)} (after {mins}, metric history)")
    return "; ".join(parts[:3])


def _entry(e: dict[str, Any]) -> str:
    if e.get("value") is None:
        return "?"
    return format_value(float(e["value"]), str(e.get("unit") or "count"))


def timeline(state: IncidentState) -> list[Line]:
    """Every journaled moment, in time order: a step's start/end/evidence merged into one row,
    a verify gate's opening folded into its result, exports and summaries left out."""
    rows: list[Line] = []
    notes = {n.seq: n for n in state.notes}
    for t in state.sorted_timeline():
        if t.kind in _LEFT_OUT:
            continue
        weight = _WEIGHTS.get(t.kind, 15)
        if t.kind == ev.NOTE and t.seq in notes:
            weight = _NOTE_WEIGHTS.get(notes[t.seq].tag, 15)
        if t.kind == ev.PHASE_MARKED and "Impact started" in t.text:
            weight = 96
        cites: tuple[int, ...] = (t.seq,)
        text = t.text
        if t.kind in (ev.VERIFY_PASSED, ev.VERIFY_FAILED):
            this = next((x for x in state.verifications if x.get("seq") == t.seq), {})
            opened = [v["seq"] for v in state.verifications if v.get("type") == ev.VERIFY_STARTED
                      and v.get("step_id") == this.get("step_id") and v["seq"] < t.seq
                      and v.get("runbook_id") == this.get("runbook_id")]
            cites = (*opened[-1:], t.seq)
        if t.original is not None:
            text += " _(corrected)_"
            cites = (*cites, *((t.corrected_seq,) if t.corrected_seq else ()))
        rows.append(Line(text, cites, at=t.at, actor=t.actor, weight=weight))
    gates = run_gates(state)
    for st, run in state.commands_run():
        rows.append(_run_line(state, st, run, gates.get(run.seq)))
    ph = state.phase_sources()
    for key in ("mitigated",):
        at, seq, how = ph[key]
        if at is not None and how in ("recovered",):
            rows.append(Line(f"Mitigated: {PHASE_HOW[how]}", (seq,), at=at, weight=92,
                             actor="(metric history)"))
    if state.first_mitigation_at is not None:
        pass  # the attempt is the step row itself
    return sorted(rows, key=lambda r: (r.at or datetime.min.replace(tzinfo=UTC), min(r.cites or (0,))))


def key_moments(rows: list[Line]) -> list[Line]:
    """The heaviest moments (at most 15; at least 10 when there are that many), in time order."""
    ranked = sorted(rows, key=lambda r: (-r.weight, r.at or datetime.min.replace(tzinfo=UTC)))
    chosen = [r for r in ranked if r.weight >= 50][:KEY_MOMENTS_MAX]
    if len(chosen) < KEY_MOMENTS_MIN:
        rest = [r for r in ranked if r not in chosen]
        chosen += rest[:KEY_MOMENTS_MIN - len(chosen)]
    return sorted(chosen, key=lambda r: (r.at or datetime.min.replace(tzinfo=UTC), min(r.cites or (0,))))


# ------------------------------------------------------------------------------------ metrics


@dataclass
class PaneEvidence:
    slo_id: str
    title: str
    threshold: str
    at_start: str
    at_detection: str
    worst: str
    worst_at: datetime | None
    at_resolution: str
    breach: str
    cites: tuple[int, ...]

    @property
    def cite(self) -> str:
        return cite(self.cites)


def _sample_text(sample: dict[str, Any] | None, unit: str) -> str:
    if not sample or sample.get("value") is None:
        return "n/a"
    return _v(float(sample["value"]), unit)


def evidence(state: IncidentState) -> tuple[list[PaneEvidence], Line | None]:
    """Per pane, from the last ``metrics.summarised``: panes that breached or went past warn first."""
    summ = state.metric_summary
    if not summ:
        if not state.resolved:
            return [], Line("_The SLO values are read from the metric history when the incident is resolved"
                            " (or exported); not yet._")
        return [], Line(f"{HUMAN} no metric history was read for this incident (no metric source when it"
                        " was resolved or exported); SLO values are not quoted rather than guessed")
    seq = int(summ["seq"])
    out = []
    for slo_id, e in (summ.get("slos") or {}).items():
        unit = str(e.get("unit") or "count")
        worst = e.get("worst") or None
        crit = e.get("crit")
        interesting = e.get("breached") or (worst and e.get("warn") is not None and _past(worst["value"], e["warn"], e))
        if not interesting:
            continue
        breach_cites = tuple(b["seq"] for b in state.breaches if b["slo_id"] == slo_id)
        secs = float(e.get("breach_seconds") or 0.0)
        gap = _gap(state, e)
        out.append(PaneEvidence(
            slo_id=slo_id, title=str(e.get("title") or slo_id),
            threshold=_v(crit, unit) if crit is not None else "n/a",
            at_start=_sample_text(e.get("at_start"), unit), at_detection=_sample_text(e.get("at_detection"), unit),
            worst=_sample_text(worst, unit), worst_at=_from_unix(worst["at"]) if worst else None,
            at_resolution=_sample_text(e.get("at_resolution"), unit),
            breach=(stime.text(state, secs) if secs else "none") + (f" ({gap})" if gap else ""),
            cites=(seq, *breach_cites)))
    notes = []
    recorded = [str(e.get("title") or k) for k, e in (summ.get("slos") or {}).items() if e.get("recorded")]
    if recorded:
        notes.append("Read from the incident's saved metrics.json (the live source no longer answered): "
                     + ", ".join(recorded))
    if summ.get("errors"):
        notes.append("Not read: " + "; ".join(str(x) for x in summ["errors"]))
    return out, Line(". ".join(notes), (seq,)) if notes else None


def _gap(state: IncidentState, e: dict[str, Any]) -> str:
    """``no data for 5m15s`` of the impact window (not counted in breach), or ""."""
    gap = float(e.get("gap_seconds") or 0.0)
    return f"no data for {stime.text(state, gap)}" if gap > 0 else ""


def _past(value: float, level: float, e: dict[str, Any]) -> bool:
    return value > level if e.get("direction", "above") == "above" else value < level


def impact(state: IncidentState) -> list[Line]:
    """Computed impact per breached SLO (time in breach, worst and when, counter totals)."""
    summ = state.metric_summary
    if not summ:
        return []
    seq = int(summ["seq"])
    lines = []
    for slo_id, e in (summ.get("slos") or {}).items():
        if not e.get("breached"):
            continue
        unit = str(e.get("unit") or "count")
        worst = e.get("worst") or {}
        runs = e.get("breaches") or []
        spans = ", ".join(f"{_hms(_from_unix(a))}–{_hms(_from_unix(b))}" if b is not None
                          else f"from {_hms(_from_unix(a))}, still breached at the end" for a, b in runs[:4])
        secs = float(e.get("breach_seconds") or 0.0)
        cites = (seq, *(b["seq"] for b in state.breaches if b["slo_id"] == slo_id))
        gap = _gap(state, e)
        text = (f"{e.get('title')}: past its critical threshold {_v(e.get('crit'), unit)} for"
                f" {stime.text(state, secs)} ({spans} UTC{'; ' + gap + ' of the impact window' if gap else ''});"
                f" worst {_sample_text(worst, unit)} at"
                f" {_hms(_from_unix(worst.get('at')))} UTC")
        lines.append(Line(text + " _(computed from the metric history)_", cites))
        count = e.get("impact_count")
        if count:
            if count.get("value") is None:
                lines.append(Line(f"{count.get('label')}: not computed ({count.get('error') or 'no data'});"
                                  f" query `{count.get('query')}`", (seq,)))
            else:
                lines.append(Line(f"{count.get('label')} during the impact window: {count['value']:.0f}"
                                  f" _(computed: `{count.get('query')}`)_", (seq,)))
    return lines


# ------------------------------------------------------------------------------------ commands


@dataclass
class CommandRow:
    n: int
    step: str            # the table's Step column: "4 Label", "RB-LAUNCH-002 step 4 Label"
    title: str           # the appendix's heading: "Step 4 Label", "RB-LAUNCH-002 step 4 Label"
    actor: str
    started: str
    result: str
    expectation: str
    effect: str
    cites: tuple[int, ...]
    command: str
    target: str
    output: str
    evidence: str
    expect_text: str

    @property
    def cite(self) -> str:
        return cite(self.cites)


def _approval_of_runs(state: IncidentState) -> dict[int, Any]:
    """run seq -> the approval used for it (the first run of that step after ``approval.used``):
    the step of the request's own runbook (two runbooks can have a step of the same id); a request
    journaled without a runbook id matches the step id alone, as it was asked."""
    out: dict[int, Any] = {}
    for req in state.approvals.values():
        if req.used_seq is None:
            continue
        runs = [r for st, r in state.commands_run()
                if ((st.runbook_id, st.step_id) == req.key or (not req.runbook_id and st.step_id == req.step_id))
                and r.seq > req.used_seq and r.seq not in out]
        if runs:
            out[min(runs, key=lambda r: r.seq).seq] = req
    return out


def _column(name: str) -> str:
    """A step's name in a column headed "Step": the number alone when the name is only that."""
    return name.removeprefix("Step ")


def commands(state: IncidentState) -> list[CommandRow]:
    rows = []
    approved = _approval_of_runs(state)
    gates = run_gates(state)
    for i, (st, run) in enumerate(state.commands_run(), start=1):
        name = state.step_name(st.runbook_id, st.step or st.step_id, start=True)
        verdict = run_verdict(run)
        bits = [_state_word(run, verdict, gates.get(run.seq))]
        if run.exit_code is not None:
            bits.append(f"exit {run.exit_code}")
        if run.duration is not None:
            bits.append(stime.process_text(state, run.duration))
        expectation = ({"met": "met", "unmet": "NOT met", "unchecked": "not checked"}.get(verdict.state, "—")
                       if verdict is not None else "—")
        expect_detail = describe_verdict(verdict) if verdict is not None else ""
        effect = run_effect(run, state.metric_summary, state.time_scale)
        if run.mutating and not effect:
            effect = "no SLO values recorded" if run.status == "ok" else "—"
        cites = [run.seq] + ([run.end_seq] if run.end_seq else [])
        req = approved.get(run.seq)
        if req is not None:
            bits.append(f"approved ({req.id}) by {req.decided_by.shown if req.decided_by else '?'}")
            cites += [c for c in (req.decided_seq, req.used_seq) if c]
        if run.mutating and not (run.evidence_before or run.evidence_after) and _history_effect(run, state.metric_summary, state.time_scale):
            cites.append(int(state.metric_summary["seq"]))  # type: ignore[index]
        cites += [e.seq for e in state.evidence if e.of_step(st) and run.mutating
                  and run.started_at <= e.at and e.when in ("before", "after")]
        target = ", ".join(f"{k} {v}" for k, v in sorted(run.target.items()) if v)
        ev_text = "; ".join(f"before {k}: {_entry(v)}" for k, v in sorted(run.evidence_before.items()))
        for off, vals in sorted(run.evidence_after.items()):
            ev_text += ("; " if ev_text else "") + f"+{stime.text(state, off, wall=False)}: " + ", ".join(
                f"{k} {_entry(v)}" for k, v in sorted(vals.items()))
        rows.append(CommandRow(
            n=i, step=f"{_column(name)} {st.label}".strip(), title=f"{name} {st.label}".strip(),
            actor=run.actor, started=_hms(run.started_at),
            result=" · ".join(bits), expectation=expectation,
            effect=effect or "—", cites=tuple(c for c in cites if c), command=run.command or "",
            target=target, output=run.output or "", evidence=ev_text if run.mutating else "",
            expect_text=(f"{run.expect} ({expect_detail})" if run.expect and expect_detail else run.expect or "")))
    return rows


# ------------------------------------------------------------------------------------ response


@dataclass
class ResponseRow:
    label: str
    at: str
    took: str
    target: str
    result: str
    cites: tuple[int, ...]

    @property
    def cite(self) -> str:
        return cite(self.cites)


def response(state: IncidentState) -> list[ResponseRow]:
    """Milestones against the generic targets; the runbook's MTTR beside time to resolve; a
    drill judged in scenario time (wall × speed) with the wall time beside."""
    speed = stime.scale_of(state)
    src = state.phase_sources()
    rows = []
    mttr = None
    if state.runbook and state.runbook.get("mttr_target"):
        try:
            mttr = parse_duration(str(state.runbook["mttr_target"])) / 60.0
        except ValueError:
            mttr = None
    for r in state.response_times():
        at, seq, how = src[r.key]
        base_seq = src[r.measured_from][1]
        cites = (seq, base_seq) if r.minutes is not None else (seq,)
        if r.minutes is None:
            took = "—"
            result = "not reached" if r.at is None else "not measured (start unknown)"
            target = f"< {r.target_min:g} min"
            if r.key == "resolved" and mttr is not None:
                target += f" (runbook: < {mttr:g} min)"
        else:
            scen = r.minutes   # scenario minutes already (IncidentState.response_times)
            took = stime.Span((r.wall_minutes if r.wall_minutes is not None else stime.wall_seconds(scen, speed)) * 60,
                              speed).text()
            met = scen < r.target_min
            result = "met" if met else "missed"
            target = f"< {r.target_min:g} min"
            if r.key == "resolved" and mttr is not None:
                target += f"; runbook MTTR < {mttr:g} min"
                result += f"; runbook MTTR {'met' if scen < mttr else 'missed'}"
        label = f"{r.label} (from {PHASE_LABELS.get(r.measured_from, r.measured_from).lower()})"
        if how and r.at is not None:
            label += f", via {PHASE_HOW.get(how, how)}"
        rows.append(ResponseRow(label, _hms(r.at), took, target, result, tuple(c for c in cites if c)))
    return rows


# ------------------------------------------------------------------------------------ the rest


def notes(state: IncidentState) -> dict[str, list[Line]]:
    out: dict[str, list[Line]] = {tag: [] for tag in ev.NOTE_TAGS}
    for n in state.notes:
        extra = ""
        if n.tag == "action":
            extra = f" — Owner: {n.owner or '_unassigned_'} — Due: {n.due or '_no date_'}"
        out.setdefault(n.tag, []).append(Line(n.text + extra, (n.seq,), at=n.at, actor=n.actor))
    return out


def updates(state: IncidentState) -> list[Line]:
    from warroom.incident.reducers import DELIVERY_WORDS

    out = [Line(f"{_hms(u.at)} UTC, {DELIVERY_WORDS.get(u.delivery, u.delivery)} by {u.actor}:\n{u.text}",
                (u.seq,), at=u.at, actor=u.actor) for u in state.status_updates]
    out += [Line(f"{_hms(o['due_at'])} UTC: update due, not sent (overdue)", (o["seq"],), at=o["due_at"])
            for o in state.overdue]
    return sorted(out, key=lambda line: line.at or datetime.min.replace(tzinfo=UTC))


CRITERION_MARKS = {"met": "✔ met", "not met": "✗ not met", "unknown": "? unknown"}


def decisions(state: IncidentState) -> list[Line]:
    """Each Go/No-Go verdict with who, why, the runbook it belongs to, the suggestion, and every
    criterion as it stood when it was taken (state and the evidence it was judged on); a verdict
    that replaced an earlier one says so; a deadline that passed with no verdict is said too."""
    from warroom.incident.decisions import recorded_key

    out = []
    attached = [(int(r.get("attached_seq") or 0), str(r.get("id") or "")) for r in state.runbooks]
    taken: dict[tuple[str, str], dict[str, Any]] = {}
    for d in state.decisions:
        key = recorded_key(d)
        crit = [c for c in d.get("criteria") or [] if isinstance(c, dict)]
        counts = ", ".join(f"{n} {word}" for word in ("met", "not met", "unknown")
                           if (n := sum(1 for c in crit if c.get("state") == word)))
        whose = f" ({d.get('runbook_id')})" if d.get("runbook_id") else ""
        text = (f"{d.get('verdict')} on \"{d.get('question')}\"{whose} at {_hms(d.get('at'))} UTC by "
                f"{d.get('by') or d.get('actor')}: {d.get('why')}. "
                + (f"The tool suggested {d.get('suggestion')}" if d.get("suggestion") in ("GO", "NO-GO")
                   else "The tool made no suggestion (neither side's rule held)")
                + (f"; criteria {counts}" if counts else "")
                + (f" (as judged at {_clock_of(d.get('judged_at'))} UTC)" if d.get("judged_at") else "") + ".")
        cites = [d.get("seq")]
        before = taken.get(key)
        if before is not None:
            change = "confirms" if before.get("verdict") == d.get("verdict") else "reverses"
            text += f" It {change} the {before.get('verdict')} of {_hms(before.get('at'))} UTC."
            cites.append(before.get("seq"))
        if d.get("late") and d.get("due_at"):
            text += f" Taken after its deadline ({_clock_of(d.get('due_at'))} UTC)."
        elif d.get("not_needed"):
            text += f" Taken while the runbook did not need it ({d.get('not_needed')})."
        on_go = str(d.get("on_go") or "")
        if d.get("verdict") == "GO" and on_go:
            opened = [seq for seq, rid in attached if rid == on_go and seq > int(d.get("seq") or 0)]
            nxt = min((int(x.get("seq") or 0) for x in state.decisions if int(x.get("seq") or 0) > int(d.get("seq") or 0)),
                      default=None)
            opened = [seq for seq in opened if nxt is None or seq < nxt]
            if opened:
                text += f" {on_go} was opened beside the runbook."
                cites.append(opened[0])
                shut = next((c for c in state.closed if c.runbook_id == on_go and c.attached_seq == opened[0]), None)
                if shut is not None:    # the runbook this GO opened was closed later: when, by whom, why
                    text += f" It was {shut.text()} ({shut.progress()} when closed)."
                    cites.append(shut.seq)
            elif any(rid == on_go and seq < int(d.get("seq") or 0) for seq, rid in attached):
                text += f" {on_go} was already open."
            else:
                text += f" {on_go} was NOT opened (it could not be attached)."
        details = tuple(f"{'GO' if c.get('side') == 'go' else 'NO-GO'} criterion "
                        f"{CRITERION_MARKS.get(str(c.get('state')), str(c.get('state')))}: {c.get('text')} — "
                        f"{c.get('evidence')}" for c in crit)
        taken[key] = d
        out.append(Line(text, tuple(cites), at=d.get("at"), actor=str(d.get("by") or ""), details=details))
    decided = {recorded_key(d) for d in state.decisions}
    for o in state.decisions_overdue:
        key = recorded_key(o)
        whose = f" ({o.get('runbook_id')})" if o.get("runbook_id") else ""
        out.append(Line(f"\"{o.get('question')}\"{whose}: deadline {_clock_of(o.get('due_at'))} UTC passed with "
                        "no verdict" + (" (decided later)" if key in decided else ""), (o.get("seq"),), at=o.get("at")))
    return sorted(out, key=lambda line: line.at or datetime.min.replace(tzinfo=UTC))


def _clock_of(value: Any) -> str:
    """An ISO time as ``HH:MM:SS`` (as written when it cannot be read)."""
    try:
        return f"{datetime.fromisoformat(str(value).replace('Z', '+00:00')):%H:%M:%S}"
    except ValueError:
        return str(value)


def approvals(state: IncidentState) -> list[Line]:
    """Every approval request: the command and target it covered, who asked, who approved or
    refused (or that it expired unanswered), and the run it was used for."""
    out = []
    for r in state.approvals.values():
        target = ", ".join(f"{k} {v}" for k, v in sorted(r.target.items()) if v and k in ("context", "namespace", "host"))
        text = (f"{r.id} {step_word(state, r)} ({r.label}): `{r.command}`" + (f" on {target}" if target else "")
                + f"; requested by {r.who()} at {_hms(r.at)} UTC ({'; '.join(r.reasons) or 'approval needed'})")
        cites = [r.seq]
        if r.approved_until is not None:
            text += (f"; approved by {r.approved_by.shown if r.approved_by else '?'} at {_hms(r.approved_at)} UTC"
                     f" (good until {_hms(r.approved_until)} UTC)")
            cites.append(r.approved_seq or 0)
        if r.status == "refused":
            text += (f"; REFUSED by {r.decided_by.shown if r.decided_by else '?'} at {_hms(r.decided_at)} UTC"
                     + (f": {r.reason}" if r.reason else ""))
            cites.append(r.decided_seq or 0)
        if r.used_seq is not None:
            text += f"; run at {_hms(r.used_at)} UTC by {r.used_by.shown if r.used_by else '?'}"
            cites.append(r.used_seq)
        if r.status == "expired":
            what = "approval" if r.approved_until else "request (never answered)"
            text += f"; the {what} EXPIRED at {_hms(r.expires_at())} UTC, not used"
            cites.append(r.expired_seq or 0)
        elif r.status == WITHDRAWN:
            text += f"; WITHDRAWN at {_hms(r.decided_at)} UTC ({r.reason}), not used"
            cites.append(r.decided_seq or 0)
        elif r.status in ("pending", "approved"):
            text += f"; still {r.status} when this was written"
        out.append(Line(text, tuple(c for c in cites if c), at=r.at, actor=r.actor))
    return out


def footer(state: IncidentState) -> Line:
    """What the draft was generated from. The journal head's hash (signed when a key is set) is
    added by the export itself (``pir.head_footer``): one place states it."""
    return Line(f"_Generated from journal events #1–#{state.last_seq} of {state.id}; `[#N]` cites event N._",
                (state.last_seq,) if state.last_seq else ())


@dataclass
class Review:
    facts: Facts
    timeline: list[Line]
    key_moments: list[Line]
    evidence: list[PaneEvidence]
    evidence_note: Line | None
    impact: list[Line]
    commands: list[CommandRow]
    response: list[ResponseRow]
    notes: dict[str, list[Line]]
    updates: list[Line]
    footer: Line
    metrics_seq: int | None = None
    decisions: list[Line] = field(default_factory=list)
    approvals: list[Line] = field(default_factory=list)
    human: str = HUMAN


def build_review(state: IncidentState, now: datetime) -> Review:
    rows = timeline(state)
    ev_rows, ev_note = evidence(state)
    return Review(facts=facts(state, now), timeline=rows, key_moments=key_moments(rows), evidence=ev_rows,
                  evidence_note=ev_note, impact=impact(state), commands=commands(state), response=response(state),
                  notes=notes(state), updates=updates(state), footer=footer(state),
                  metrics_seq=(state.metric_summary or {}).get("seq"), decisions=decisions(state),
                  approvals=approvals(state))
