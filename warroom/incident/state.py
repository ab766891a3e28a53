"""An incident's state, rebuilt purely from its journal events.

Nothing here reads a clock, a file or the config: ``replay(events)`` is a pure fold, so the UI, the
CLI and the PIR always agree, and a crash can never leave state that the journal does not explain.
Helpers that depend on "now" take it as an argument.

Phase timestamps (response-time milestones) and how each is derived when not marked explicitly
(an explicit ``phase.marked`` always wins; the latest mark of a phase counts):

* ``started``    (impact began): the declaration's ``source.started_at``, else the earliest
  ``since`` of an alert seen before the declaration; unknown otherwise.
* ``detected``:   the declaration's ``source.detected_at``, else the declaration itself.
* ``mobilised``:  the first human action after the declaration: a step run, dry run, tick or skip,
  a note, a timeline entry, a status update, a severity change or a runbook attached.
* ``root_cause``: the first note tagged ``root-cause``.
* ``mitigated``:  the first verify gate that passed (the metrics confirm the fix), else the first
  mutating step that finished ``ok`` (the first mitigation action).
* ``resolved``:   the ``incident.resolved`` event (cleared again by ``incident.reopened``).

Response times are measured from ``detected`` (time to detect: from ``started``), against the
seeds' targets: detect < 5 min, mobilise < 10, root cause < 15, mitigate < 30, resolve < 60.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from warroom.incident import events as ev
from warroom.incident.journal import Event, gc_paused, parse_ts
from warroom.units import format_value

# (phase, label, target minutes, measured from)
RESPONSE_TARGETS: tuple[tuple[str, str, float, str], ...] = (
    ("detected", "Time to detect", 5.0, "started"),
    ("mobilised", "Time to mobilise", 10.0, "detected"),
    ("root_cause", "Time to root cause", 15.0, "detected"),
    ("mitigated", "Time to mitigate", 30.0, "detected"),
    ("resolved", "Time to resolve", 60.0, "detected"),
)

PHASE_LABELS = {
    "started": "Impact started", "detected": "Detected", "mobilised": "Responders mobilised",
    "root_cause": "Root cause identified", "mitigated": "Mitigated", "resolved": "Resolved",
}

# (from minute, tier, short label, what to do)
ESCALATION_TIERS: tuple[tuple[float, int, str, str], ...] = (
    (0.0, 0, "on-call", "SRE on-call triages with the runbook"),
    (15.0, 1, "page TL", "page the tech lead if failures keep coming"),
    (30.0, 2, "IC + consider rollback", "incident commander joins; weigh a rollback"),
    (60.0, 3, "notify stakeholders", "notify stakeholders; plan the post-incident review"),
)

_MOBILISING = frozenset({
    ev.STEP_STARTED, ev.STEP_DRY_RUN, ev.STEP_TICKED, ev.STEP_SKIPPED, ev.NOTE, ev.TIMELINE_ENTRY,
    ev.STATUS_UPDATE, ev.SEVERITY_CHANGED, ev.RUNBOOK_ATTACHED, ev.STATUS_CHANGED, ev.STEP_REFUSED,
})


def _ts(value: Any) -> datetime | None:
    """A time from event data (ISO-8601 UTC string as journaled); None when absent or unreadable."""
    if not value or not isinstance(value, str):
        return None
    try:
        return parse_ts(value)
    except ValueError:
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed if parsed.tzinfo else None


def _num(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def _int(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value


def _minutes(delta: timedelta) -> float:
    return delta.total_seconds() / 60.0


# ---------------------------------------------------------------------------------- records


@dataclass
class StepRun:
    """One attempt at running a step (``step.started`` .. ``step.finished``)."""

    seq: int
    actor: str
    started_at: datetime
    command: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    mutating: bool = False
    confirmed: bool = False
    target: dict[str, Any] = field(default_factory=dict)
    status: str = "running"
    exit_code: int | None = None
    signal: int | str | None = None
    ended_at: datetime | None = None
    duration: float | None = None
    expect: str | None = None
    expect_met: bool | None = None
    output: str | None = None
    excerpt: list[str] | str | None = None
    lines: int | None = None
    supervisor_pid: int | None = None
    pid: int | None = None
    end_seq: int | None = None
    evidence_before: dict[str, Any] = field(default_factory=dict)
    evidence_after: dict[float, dict[str, Any]] = field(default_factory=dict)


@dataclass
class StepState:
    """Where one runbook step stands. ``status`` is one of ``events.STEP_STATES``."""

    step_id: str
    step: int | None = None
    label: str = ""
    status: str = "pending"
    runs: list[StepRun] = field(default_factory=list)
    ticked_by: str | None = None
    ticked_at: datetime | None = None
    skipped_reason: str | None = None
    skipped_at: datetime | None = None
    dry_runs: list[dict[str, Any]] = field(default_factory=list)
    refusals: list[dict[str, Any]] = field(default_factory=list)
    updated_seq: int = 0

    @property
    def attempts(self) -> int:
        return len(self.runs)

    @property
    def last_run(self) -> StepRun | None:
        return self.runs[-1] if self.runs else None

    @property
    def exit_code(self) -> int | None:
        return self.runs[-1].exit_code if self.runs else None

    @property
    def duration(self) -> float | None:
        return self.runs[-1].duration if self.runs else None

    @property
    def output(self) -> str | None:
        return self.runs[-1].output if self.runs else None

    @property
    def expect_met(self) -> bool | None:
        return self.runs[-1].expect_met if self.runs else None

    def _status_from_runs(self) -> str:
        return self.runs[-1].status if self.runs else "pending"


@dataclass
class Note:
    seq: int
    at: datetime
    actor: str
    tag: str
    text: str
    owner: str | None = None
    due: str | None = None
    original: str | None = None


@dataclass
class TimelineEntry:
    """One line of the incident timeline; ``original`` holds the text before a correction."""

    seq: int
    at: datetime
    actor: str
    kind: str
    text: str
    step: int | None = None
    original: str | None = None
    manual: bool = False


@dataclass
class StatusUpdate:
    seq: int
    at: datetime
    actor: str
    text: str
    channels: list[str] = field(default_factory=list)
    webhook: dict[str, Any] | None = None


@dataclass
class EvidenceSample:
    """One recorded SLO value (``evidence.recorded`` or the value that triggered the declaration)."""

    seq: int
    at: datetime
    slo_id: str
    value: float | None
    unit: str | None = None
    state: str | None = None
    when: str | None = None
    step: int | None = None


@dataclass
class Export:
    seq: int
    at: datetime
    template: str
    path: str
    sha256: str
    log_row: bool


@dataclass(frozen=True)
class ResponseTime:
    key: str
    label: str
    target_min: float
    at: datetime | None
    minutes: float | None
    met: bool | None
    measured_from: str


@dataclass(frozen=True)
class Escalation:
    tier: int
    label: str
    action: str
    minutes: float
    next_tier_in: float | None  # minutes until the next tier; None at the last tier / when resolved


# ---------------------------------------------------------------------------------- the state


@dataclass
class IncidentState:
    """Everything the UI, CLI and PIR show about an incident; only ``apply``/``replay`` build it."""

    id: str = ""
    title: str = ""
    severity: str = ""
    commander: str = ""
    declared_at: datetime | None = None
    declared_by: str = ""
    source: dict[str, Any] = field(default_factory=dict)
    drill: dict[str, Any] | None = None
    runbook: dict[str, Any] | None = None
    runbooks: list[dict[str, Any]] = field(default_factory=list)
    explicit_status: str | None = None
    resolved_at: datetime | None = None
    resolution: dict[str, Any] | None = None
    reopened: list[dict[str, Any]] = field(default_factory=list)
    severity_changes: list[dict[str, Any]] = field(default_factory=list)
    marks: dict[str, datetime] = field(default_factory=dict)
    first_action_at: datetime | None = None
    first_root_cause_at: datetime | None = None
    first_mitigation_at: datetime | None = None
    first_verified_at: datetime | None = None
    steps: dict[str, StepState] = field(default_factory=dict)
    notes: list[Note] = field(default_factory=list)
    timeline: list[TimelineEntry] = field(default_factory=list)
    status_updates: list[StatusUpdate] = field(default_factory=list)
    alerts: list[dict[str, Any]] = field(default_factory=list)
    evidence: list[EvidenceSample] = field(default_factory=list)
    verifications: list[dict[str, Any]] = field(default_factory=list)
    exports: list[Export] = field(default_factory=list)
    param_answers: dict[str, str] = field(default_factory=dict)
    pending_before: dict[str, dict[str, Any]] = field(default_factory=dict)
    last_seq: int = 0
    last_at: datetime | None = None
    event_count: int = 0
    unknown_events: int = 0
    journal_issues: list[str] = field(default_factory=list)

    # ------------------------------------------------------------------ building

    def apply(self, e: Event) -> None:
        """Fold one event into the state. Unknown types are counted and kept on the timeline."""
        handler = _HANDLERS.get(e.type)
        d = e.data
        if handler is None:
            self.unknown_events += 1
            self._add_timeline(e, e.type, str(d.get("text") or d.get("summary") or e.type))
        else:
            handler(self, e, d)
        if e.type in _MOBILISING and self.declared_at is not None and self.first_action_at is None:
            self.first_action_at = e.ts
        self.last_seq = e.seq
        self.last_at = e.ts
        self.event_count += 1

    def copy(self) -> IncidentState:
        return copy.deepcopy(self)

    def _add_timeline(self, e: Event, kind: str, text: str, *, at: datetime | None = None,
                      step: int | None = None, manual: bool = False) -> None:
        self.timeline.append(TimelineEntry(seq=e.seq, at=at or e.ts, actor=e.actor, kind=kind,
                                           text=text, step=step, manual=manual))

    def _step(self, d: dict[str, Any]) -> StepState:
        step_id = str(d.get("step_id") or d.get("step") or "?")
        st = self.steps.get(step_id)
        if st is None:
            st = self.steps[step_id] = StepState(step_id=step_id)
        number = _int(d.get("step"))
        if number is not None:
            st.step = number
        if d.get("label"):
            st.label = str(d["label"])
        return st

    # ------------------------------------------------------------------ derived views

    @property
    def resolved(self) -> bool:
        return self.resolved_at is not None

    @property
    def status(self) -> str:
        """resolved, else the last explicit status, else derived from the milestones reached."""
        if self.resolved_at is not None:
            return "resolved"
        if self.explicit_status:
            return self.explicit_status
        phases = self.phases
        # A command that succeeded is not yet a service that recovered: the status says
        # mitigated only when the IC marks it or a verify gate saw the metrics come back.
        if self.marks.get("mitigated") or self.first_verified_at is not None:
            return "mitigated"
        if self.first_mitigation_at is not None:
            return "mitigating"
        if phases.get("root_cause"):
            return "identified"
        return "investigating"

    @property
    def phases(self) -> dict[str, datetime | None]:
        """Milestone times: explicit marks, else the derivations in the module docstring."""
        started = _ts(self.source.get("started_at"))
        if started is None and self.declared_at is not None:
            sinces = [t for a in self.alerts if (t := _ts(a.get("since"))) and t <= self.declared_at]
            started = min(sinces) if sinces else None
        derived: dict[str, datetime | None] = {
            "started": started,
            "detected": _ts(self.source.get("detected_at")) or self.declared_at,
            "mobilised": self.first_action_at,
            "root_cause": self.first_root_cause_at,
            "mitigated": self.first_verified_at or self.first_mitigation_at,
            "resolved": self.resolved_at,
        }
        out: dict[str, datetime | None] = {}
        for phase in ev.PHASES:
            out[phase] = self.marks.get(phase, derived[phase])
        if self.resolved_at is None:
            out["resolved"] = None
        return out

    @property
    def clock_start(self) -> datetime | None:
        """When the incident clock started: detection (the declaration unless back-dated)."""
        return self.phases["detected"] or self.declared_at

    def elapsed(self, now: datetime) -> timedelta:
        """Time on the incident clock: from detection to resolution (or ``now`` while open)."""
        start = self.clock_start
        if start is None:
            return timedelta(0)
        end = self.phases["resolved"] or now
        return max(timedelta(0), end - start)

    def duration_minutes(self, now: datetime) -> float:
        return _minutes(self.elapsed(now))

    def escalation_tier(self, now: datetime) -> Escalation:
        """0-15 min on-call, 15-30 page the TL, 30-60 IC + consider rollback, 60+ stakeholders."""
        minutes = _minutes(self.elapsed(now))
        current = ESCALATION_TIERS[0]
        nxt: float | None = None
        for i, tier in enumerate(ESCALATION_TIERS):
            if minutes >= tier[0]:
                current = tier
                nxt = ESCALATION_TIERS[i + 1][0] if i + 1 < len(ESCALATION_TIERS) else None
        next_in = None if (nxt is None or self.resolved) else nxt - minutes
        return Escalation(tier=current[1], label=current[2], action=current[3], minutes=minutes,
                          next_tier_in=next_in)

    def next_update_due(self, now: datetime, every: float = 900.0) -> datetime | None:
        """When the next stakeholder update is due (``every`` seconds after the last one or the
        declaration); None once resolved. A due time before ``now`` means it is overdue."""
        del now  # the due time does not depend on now; kept for a uniform helper signature
        if self.resolved or self.declared_at is None:
            return None
        last = self.status_updates[-1].at if self.status_updates else self.declared_at
        return last + timedelta(seconds=every)

    def response_times(self) -> list[ResponseTime]:
        """Each milestone against its target; ``met`` is None while not reached or not measurable."""
        phases = self.phases
        out = []
        for key, label, target, base in RESPONSE_TARGETS:
            at = phases.get(key)
            start = phases.get(base)
            minutes = _minutes(at - start) if (at is not None and start is not None) else None
            if minutes is not None:
                minutes = max(0.0, minutes)
            met = None if minutes is None else minutes < target
            out.append(ResponseTime(key=key, label=label, target_min=target, at=at, minutes=minutes,
                                    met=met, measured_from=base))
        return out

    def notes_by_tag(self) -> dict[str, list[Note]]:
        out: dict[str, list[Note]] = {tag: [] for tag in ev.NOTE_TAGS}
        for n in self.notes:
            out.setdefault(n.tag, []).append(n)
        return out

    def sorted_timeline(self) -> list[TimelineEntry]:
        """Timeline by time (back-dated entries in place), journal order for equal times."""
        return sorted(self.timeline, key=lambda t: (t.at, t.seq))

    def step_list(self) -> list[StepState]:
        """Steps in runbook order (numbered first), then any the journal knows without a number."""
        return sorted(self.steps.values(), key=lambda s: (s.step is None, s.step or 0, s.step_id))

    def running_steps(self) -> list[StepState]:
        return [s for s in self.steps.values() if s.status == "running"]

    def commands_run(self) -> list[tuple[StepState, StepRun]]:
        runs = [(s, r) for s in self.steps.values() for r in s.runs]
        return sorted(runs, key=lambda sr: (sr[1].started_at, sr[1].seq))

    def evidence_by_slo(self) -> dict[str, list[EvidenceSample]]:
        out: dict[str, list[EvidenceSample]] = {}
        for s in sorted(self.evidence, key=lambda s: (s.at, s.seq)):
            out.setdefault(s.slo_id, []).append(s)
        return out

    def to_json(self, now: datetime | None = None) -> dict[str, Any]:
        """The machine-readable view printed by ``warroom incident show --json``."""
        from warroom.incident.jsonview import state_to_json

        return state_to_json(self, now)


# ---------------------------------------------------------------------------------- handlers


def _declared(s: IncidentState, e: Event, d: dict[str, Any]) -> None:
    s.id = str(d.get("id") or s.id)
    s.title = str(d.get("title") or "")
    s.severity = str(d.get("severity") or "")
    s.commander = str(d.get("commander") or e.actor)
    s.declared_at = e.ts
    s.declared_by = e.actor
    src = d.get("source")
    s.source = dict(src) if isinstance(src, dict) else {}
    drill = d.get("drill")
    s.drill = dict(drill) if isinstance(drill, dict) else None
    rb = d.get("runbook")
    if isinstance(rb, dict):
        s.runbook = dict(rb)
        s.runbooks.append(dict(rb))
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
    s.runbook = dict(d)
    s.runbooks.append(dict(d))
    s._add_timeline(e, e.type, f"Runbook attached: {d.get('id')} {d.get('title') or ''}".rstrip())


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
        s.marks[phase] = at
    reason = f": {d['reason']}" if d.get("reason") else ""
    s._add_timeline(e, e.type, f"Marked: {PHASE_LABELS.get(phase, phase)}{reason}", at=at)


def _resolved(s: IncidentState, e: Event, d: dict[str, Any]) -> None:
    s.resolved_at = e.ts
    s.resolution = {"summary": d.get("summary") or "", "resolution": d.get("resolution") or "",
                    "rollback": bool(d.get("rollback")), "type": d.get("type"),
                    "affected_repos": d.get("affected_repos"), "actor": e.actor, "seq": e.seq}
    s._add_timeline(e, e.type, f"Incident resolved: {d.get('summary') or ''}".rstrip(": "))


def _reopened(s: IncidentState, e: Event, d: dict[str, Any]) -> None:
    s.resolved_at = None
    s.marks.pop("resolved", None)
    s.explicit_status = "investigating"
    s.reopened.append({"seq": e.seq, "at": e.ts, "reason": d.get("reason") or "", "actor": e.actor})
    reason = f": {d['reason']}" if d.get("reason") else ""
    s._add_timeline(e, e.type, f"Incident reopened{reason}")


def _fmt_secs(seconds: float | None) -> str:
    from warroom.durations import format_duration

    return format_duration(seconds) if seconds is not None else "?"


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
    s._add_timeline(e, e.type, f"Step {st.step or st.step_id} started ({st.label}){cmd}", step=st.step)


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
    run.output = d.get("output") or run.output
    run.excerpt = d.get("excerpt")
    run.lines = _int(d.get("lines"))
    run.end_seq = e.seq
    st.status = run.status
    st.updated_seq = e.seq
    if run.status == "ok" and run.mutating and s.first_mitigation_at is None:
        s.first_mitigation_at = run.ended_at
    bits = [run.status.replace("_", " ")]
    if run.exit_code is not None:
        bits.append(f"exit {run.exit_code}")
    bits.append(_fmt_secs(run.duration))
    if run.expect_met is not None:
        bits.append("expectation met" if run.expect_met else "expectation NOT met")
    s._add_timeline(e, e.type, f"Step {st.step or st.step_id} {', '.join(bits)} ({st.label})",
                    at=run.ended_at, step=st.step)


def _step_dry_run(s: IncidentState, e: Event, d: dict[str, Any]) -> None:
    st = s._step(d)
    st.dry_runs.append({"seq": e.seq, "at": e.ts, "actor": e.actor, "command": d.get("command"),
                        "params": d.get("params") or {}})
    params = d.get("params") if isinstance(d.get("params"), dict) else {}
    for k, v in params.items():
        if v is not None:
            s.param_answers[str(k)] = str(v)
    s._add_timeline(e, e.type, f"Step {st.step or st.step_id} dry run: {d.get('command') or ''}",
                    step=st.step)


def _step_refused(s: IncidentState, e: Event, d: dict[str, Any]) -> None:
    st = s._step(d)
    st.refusals.append({"seq": e.seq, "at": e.ts, "actor": e.actor, "command": d.get("command"),
                        "reason": d.get("reason") or ""})
    s._add_timeline(e, e.type, f"Step {st.step or st.step_id} refused: {d.get('reason') or ''}",
                    step=st.step)


def _step_ticked(s: IncidentState, e: Event, d: dict[str, Any]) -> None:
    st = s._step(d)
    st.status = "ticked"
    st.ticked_by = e.actor
    st.ticked_at = e.ts
    st.updated_seq = e.seq
    s._add_timeline(e, e.type, f"Step {st.step or st.step_id} done: {st.label}", step=st.step)


def _step_unticked(s: IncidentState, e: Event, d: dict[str, Any]) -> None:
    st = s._step(d)
    st.ticked_by = None
    st.ticked_at = None
    st.status = st._status_from_runs()
    st.updated_seq = e.seq
    s._add_timeline(e, e.type, f"Step {st.step or st.step_id} unticked: {st.label}", step=st.step)


def _step_skipped(s: IncidentState, e: Event, d: dict[str, Any]) -> None:
    st = s._step(d)
    st.status = "skipped"
    st.skipped_reason = str(d.get("reason") or "")
    st.skipped_at = e.ts
    st.updated_seq = e.seq
    s._add_timeline(e, e.type, f"Step {st.step or st.step_id} skipped ({st.label}): {st.skipped_reason}",
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
                                         state=state, when=d.get("when"), step=step))
        parts.append(f"{slo_id} {'?' if value is None else format_value(value, str(unit or 'count'))}")
    _attach_evidence(s, d, values)
    where = f" ({d.get('when')} step {step})" if step is not None and d.get("when") else ""
    s._add_timeline(e, e.type, f"SLO evidence{where}: {', '.join(parts) or 'no values'}", at=at, step=step)


def _attach_evidence(s: IncidentState, d: dict[str, Any], values: dict[str, Any]) -> None:
    """Tie before/after values to the step run they belong to (as the sources engine does):
    a "before" goes to the step's open run, or waits for its next start; an "after" goes to the
    run whose ``step.finished`` it names (``finished_seq``), else the step's latest run."""
    when = d.get("when")
    step_id = str(d.get("step_id") or d.get("step") or "")
    if not step_id or when not in ("before", "after"):
        return
    st = s.steps.get(step_id)
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
    if e.type == ev.VERIFY_PASSED and s.first_verified_at is None:
        s.first_verified_at = e.ts
    word = {ev.VERIFY_STARTED: "started", ev.VERIFY_PASSED: "passed", ev.VERIFY_FAILED: "failed"}[e.type]
    shown = d.get("value_text") or (f"{d['value']:.4g}" if isinstance(d.get("value"), (int, float)) else d.get("value"))
    value = f" (value {shown})" if shown is not None else ""
    reason = f": {d['reason']}" if d.get("reason") else ""
    s._add_timeline(e, e.type, f"Verification {word}: {d.get('expr') or ''}{value}{reason}",
                    step=_int(d.get("step")))


def _note(s: IncidentState, e: Event, d: dict[str, Any]) -> None:
    tag = str(d.get("tag") or "info")
    text = str(d.get("text") or "")
    s.notes.append(Note(seq=e.seq, at=e.ts, actor=e.actor, tag=tag, text=text,
                        owner=d.get("owner"), due=d.get("due")))
    if tag == "root-cause" and s.first_root_cause_at is None:
        s.first_root_cause_at = e.ts
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
    for note in s.notes:
        if note.seq == target:
            if note.original is None:
                note.original = note.text
            note.text = text


def _status_update(s: IncidentState, e: Event, d: dict[str, Any]) -> None:
    channels = [str(c) for c in d.get("channels") or []]
    webhook = d.get("webhook") if isinstance(d.get("webhook"), dict) else None
    s.status_updates.append(StatusUpdate(seq=e.seq, at=e.ts, actor=e.actor, text=str(d.get("text") or ""),
                                         channels=channels, webhook=webhook))
    via = f" via {', '.join(channels)}" if channels else ""
    s._add_timeline(e, e.type, f"Status update sent{via}: {d.get('text') or ''}")


def _alert(s: IncidentState, e: Event, d: dict[str, Any]) -> None:
    s.alerts.append({"seq": e.seq, "at": e.ts, **d})
    sev = f" ({d['severity']})" if d.get("severity") else ""
    rb = f", runbook {d['runbook']}" if d.get("runbook") else ""
    s._add_timeline(e, e.type, f"Alert firing: {d.get('name') or '?'}{sev}{rb}")


def _exported(s: IncidentState, e: Event, d: dict[str, Any]) -> None:
    s.exports.append(Export(seq=e.seq, at=e.ts, template=str(d.get("template") or ""),
                            path=str(d.get("path") or ""), sha256=str(d.get("sha256") or ""),
                            log_row=bool(d.get("log_row"))))
    s._add_timeline(e, e.type, f"PIR exported ({d.get('template')}): {d.get('path')}")


_HANDLERS = {
    ev.DECLARED: _declared,
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
}


def replay(events: list[Event] | tuple[Event, ...], into: IncidentState | None = None) -> IncidentState:
    """Rebuild state from events in journal order (or continue ``into`` an existing state)."""
    state = into if into is not None else IncidentState()
    with gc_paused(len(events)):
        for e in events:
            state.apply(e)
    return state
