"""An incident's state, rebuilt purely from its journal events.

Nothing here reads a clock, a file or the config: ``replay(events)`` is a pure fold, so the UI, the
CLI and the PIR always agree, and a crash can never leave state that the journal does not explain.
Helpers that depend on "now" take it as an argument.

Phase timestamps (response-time milestones) and how each is derived when not marked explicitly
(an explicit ``phase.marked`` always wins; the latest mark of a phase counts):

* ``started``    (impact began): the declaration's ``source.started_at`` (how it was found:
  ``source.started_how``), else the earliest of
  the ``since`` of an alert seen before the declaration and the first ``slo.breached`` dated at or
  before detection (from the metric history); unknown otherwise.
* ``detected``:   the declaration's ``source.detected_at``, else the declaration itself.
* ``mobilised``:  the first human action after the declaration: a step run, dry run, tick or skip,
  a note, a timeline entry, a status update, a severity change, a runbook attached, a Go/No-Go
  verdict, a role given or an approval asked for.
* ``root_cause``: the first note tagged ``root-cause``.
* ``mitigated``:  the first verify gate that passed (the metrics confirm the fix) or status set to
  ``mitigated`` (or ``monitoring``) by the commander, whichever came first, else the first
  time every SLO that breached was back under its warn threshold (``slo.recovered``). A mutating
  step that exits 0 is only a *mitigation attempt* (``mitigation_attempted``), never "mitigated".
  Reached, it stays the milestone and the derived status stays ``mitigated``: a breach after it is a
  relapse, said beside it by every view (``warroom.incident.relapse``).
* ``resolved``:   the ``incident.resolved`` event (cleared again by ``incident.reopened``).

Response times are measured from ``detected`` (time to detect: from ``started``, in a drill never from
before its panes first showed a value, ``first_look``), against the seeds' targets: detect < 5 min,
mobilise < 10, root cause < 15, mitigate < 30, resolve < 60.

Folding events into the state is :mod:`warroom.incident.fold` (``replay``, ``apply``); what one
event does, :mod:`warroom.incident.reducers`; the records the state holds (steps, notes,
evidence...), :mod:`warroom.incident.records`; the JSON form, :mod:`warroom.incident.jsonview`.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from collections.abc import Callable
from typing import Any

from warroom.incident.approvals import ApprovalRequest
from warroom.incident import escalation
from warroom.incident.closing import Closure
from warroom.incident.escalation import ESCALATION_TIERS as ESCALATION_TIERS   # the tiers' one table
from warroom.scenario_time import after, between, left, people_target, scale_of, span
from warroom.journal import events as ev
from warroom.journal.log import Event
from warroom.incident.records import (
    PHASE_LABELS as PHASE_LABELS,
    Escalation,
    EvidenceSample,
    Export,
    Note,
    ResponseTime,
    StatusUpdate,
    StepRun,
    StepKey as StepKey,
    StepState,
    StepTable,
    TimelineEntry,
    _int,
    _ts,
)

# (phase, label, target minutes, measured from)
RESPONSE_TARGETS: tuple[tuple[str, str, float, str], ...] = (
    ("detected", "Time to detect", 5.0, "started"),
    ("mobilised", "Time to mobilise", 10.0, "detected"),
    ("root_cause", "Time to root cause", 15.0, "detected"),
    ("mitigated", "Time to mitigate", 30.0, "detected"),
    ("resolved", "Time to resolve", 60.0, "detected"),
)


def step_words(runbook_id: str | None, number: Any, named: bool, *, start: bool = False) -> str:
    """The words for a step once ``IncidentState.names_runbook`` has decided (``named``): what a
    screen that holds only the core's ``named_runbooks`` set (the dashboard) writes too."""
    if named and runbook_id:
        return f"{runbook_id} step {number}"
    return f"{'Step' if start else 'step'} {number}"


def _minutes(delta: timedelta) -> float:
    return delta.total_seconds() / 60.0


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
    # Runbooks open beside the current one (a GO opened them: ``runbook.attached`` with ``beside``),
    # oldest first. Their steps run against their own runbook; the current one stays current.
    beside: list[dict[str, Any]] = field(default_factory=list)
    # ``runbook.closed``, in order: runbooks closed while open beside (``warroom.incident.closing``)
    closed: list[Closure] = field(default_factory=list)
    explicit_status: str | None = None
    resolved_at: datetime | None = None
    resolution: dict[str, Any] | None = None
    reopened: list[dict[str, Any]] = field(default_factory=list)
    severity_changes: list[dict[str, Any]] = field(default_factory=list)
    # the commander's status words in order ({seq, at, from, to, reason}): a claim of mitigation taken back is said
    status_changes: list[dict[str, Any]] = field(default_factory=list)
    marks: dict[str, datetime] = field(default_factory=dict)
    first_action_at: datetime | None = None
    first_root_cause_at: datetime | None = None
    first_mitigation_at: datetime | None = None
    first_verified_at: datetime | None = None
    first_mitigation_seq: int | None = None
    first_verified_seq: int | None = None
    # the commander's first ``status.changed`` to mitigated (or past it): their word, as a mark is
    first_said_mitigated_at: datetime | None = None
    first_said_mitigated_seq: int | None = None
    first_root_cause_seq: int | None = None
    first_action_seq: int | None = None
    mark_seqs: dict[str, int] = field(default_factory=dict)
    # when detection was last moved EARLIER by a mark, that mark's own journal time (escalation.known_from)
    mark_logged: dict[str, datetime] = field(default_factory=dict)
    initial_severity: str = ""
    roles: dict[str, str] = field(default_factory=dict)
    role_changes: list[dict[str, Any]] = field(default_factory=list)
    handoff_reminders: list[dict[str, Any]] = field(default_factory=list)   # handoff.reminder, in order
    approvals: dict[str, ApprovalRequest] = field(default_factory=dict)     # by request id (R<seq>)
    approval_policy: dict[str, Any] = field(default_factory=dict)   # the rule declared with the incident
    breaches: list[dict[str, Any]] = field(default_factory=list)
    # a counted gate's measure seen past its line, then back (``gate.relapsed`` / ``gate.recovered``: ``gate_relapse``)
    gate_relapses: list[dict[str, Any]] = field(default_factory=list)
    metric_summary: dict[str, Any] | None = None
    overdue: list[dict[str, Any]] = field(default_factory=list)
    escalations: list[dict[str, Any]] = field(default_factory=list)   # escalation.tier, in order
    last_hash: str = ""
    declared_seq: int | None = None
    steps: StepTable = field(default_factory=StepTable)
    runbook_seq: int | None = None
    notes: list[Note] = field(default_factory=list)
    timeline: list[TimelineEntry] = field(default_factory=list)
    status_updates: list[StatusUpdate] = field(default_factory=list)
    decisions: list[dict[str, Any]] = field(default_factory=list)          # decision.recorded, in order
    decisions_overdue: list[dict[str, Any]] = field(default_factory=list)  # decision.overdue
    decisions_arose: list[dict[str, Any]] = field(default_factory=list)    # decision.arose
    branches_judged: list[dict[str, Any]] = field(default_factory=list)    # branch.judged
    decisions_lapsed: list[dict[str, Any]] = field(default_factory=list)   # decision.lapsed
    alerts: list[dict[str, Any]] = field(default_factory=list)
    evidence: list[EvidenceSample] = field(default_factory=list)
    verifications: list[dict[str, Any]] = field(default_factory=list)
    exports: list[Export] = field(default_factory=list)
    param_answers: dict[str, str] = field(default_factory=dict)
    pending_before: dict[str, tuple[int, dict[str, Any]]] = field(default_factory=dict)   # step id -> (seq, values)
    last_seq: int = 0
    last_at: datetime | None = None
    event_count: int = 0
    unknown_events: int = 0
    journal_issues: list[str] = field(default_factory=list)
    moved_to: dict[str, Any] | None = None     # ``incident.moved``: now lives in the shared store
    # a drill incident's steps done by hand in its drill shell (``by_hand.HandsDone``, given by the incident that folds
    # this state; None: none known): what the checklist credits "done by hand", the lift of a containment reads too
    # (``relapse``: a restore typed there ends the halt's watch as its run does, attack50 A10). Not journaled: read
    # from the drill's own record when a lift asks, shared by every copy of the state
    hands: Any = field(default=None, compare=False, repr=False)

    # ------------------------------------------------------------------ building (``warroom.incident.fold``)

    def open_runbook_ids(self) -> list[str]:
        """The runbooks being worked now: the current one first, then those open beside it.
        Steps of these (and only these) can be run, ticked or skipped; a runbook replaced by
        another attachment is read-only history."""
        ids = [str((self.runbook or {}).get("id") or "")] if self.runbook else []
        return ids + [str(b.get("id") or "") for b in self.beside if str(b.get("id") or "") not in ids]

    def names_runbook(self, runbook_id: str | None) -> bool:
        """Whether a step of ``runbook_id`` is said with its runbook's name. The one rule behind
        every place a step is named (timeline, ``incident show``, PIR, brief/handoff, approvals,
        resolve's concerns, the CLI): named when it is not a step of the current runbook (one a
        GO opened beside it, or one the current one replaced), or when another runbook is open
        beside the current one — both have a step 4, and a bare "step 4" would leave the IC to
        guess which. Judged on the state as it is when the words are composed."""
        rb_id = str(runbook_id or "")
        if not rb_id:
            return False
        return rb_id != str((self.runbook or {}).get("id") or "") or len(self.open_runbook_ids()) > 1

    def named_runbooks(self) -> frozenset[str]:
        """Every runbook of the incident whose steps ``names_runbook`` says with its name (what a
        screen that holds no state, the dashboard's header, is handed)."""
        ids = {str(r.get("id") or "") for r in self.runbooks} | {str(k[0]) for k in dict.keys(self.steps)}
        return frozenset(rb for rb in ids if self.names_runbook(rb))

    def step_name(self, runbook_id: str | None, number: Any, *, start: bool = False) -> str:
        """``step 4``, or ``RB-LAUNCH-002 step 4`` when ``names_runbook`` says so; ``start``: the
        words open a sentence (``Step 4``)."""
        return step_words(runbook_id, number, self.names_runbook(runbook_id), start=start)

    def open_ref(self, runbook_id: str) -> dict[str, Any] | None:
        """The attachment of an open runbook by id (the current one or one beside it), or None."""
        if self.runbook and str(self.runbook.get("id") or "") == runbook_id:
            return self.runbook
        return next((b for b in self.beside if str(b.get("id") or "") == runbook_id), None)

    def copy(self) -> IncidentState:
        return copy.deepcopy(self)

    def _add_timeline(self, e: Event, kind: str, text: str, *, at: datetime | None = None,
                      step: int | None = None, manual: bool = False, lead: str = "",
                      step_key: tuple[str, str] | None = None) -> None:
        """``lead`` says what kind of line it is (a note's tag); the line reads ``lead + text``
        and a correction replaces ``text`` only, so the kind survives every correction."""
        self.timeline.append(TimelineEntry(seq=e.seq, at=at or e.ts, actor=e.actor, kind=kind,
                                           text=lead + text, step=step, manual=manual, lead=lead,
                                           step_key=step_key))

    def _step(self, d: dict[str, Any]) -> StepState:
        step_id = str(d.get("step_id") or d.get("step") or "?")
        # Events written before they carried a runbook id belong to the runbook attached then.
        runbook_id = str(d.get("runbook_id") or (self.runbook or {}).get("id") or "")
        key = (runbook_id, step_id)
        st = dict.get(self.steps, key)
        if st is None:
            st = StepState(step_id=step_id, runbook_id=runbook_id)
            dict.__setitem__(self.steps, key, st)
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
        if self.recovered_at() is not None:
            # the milestone stays reached, as a passed gate's does: a pane that breaches again after it
            # is a relapse every view says (``relapse.holding``: "MITIGATED · RELAPSED since …"), never
            # a fall back to "mitigating" that reads as progress (redteam41 T1)
            return "mitigated"
        if self.first_mitigation_at is not None:
            return "mitigating"
        if phases.get("root_cause"):
            return "identified"
        return "investigating"

    @property
    def phases(self) -> dict[str, datetime | None]:
        """Milestone times: explicit marks, else the derivations in the module docstring."""
        return {k: v[0] for k, v in self.phase_sources().items()}

    def phase_sources(self) -> dict[str, tuple[datetime | None, int | None, str]]:
        """Each milestone as (time, journal seq it comes from, how): the PIR cites the seq."""
        derived: dict[str, tuple[datetime | None, int | None, str]] = {}
        decl = self.declared_seq
        started: tuple[datetime | None, int | None, str] = (None, None, "")
        if _ts(self.source.get("started_at")) is not None:
            # a start given with the declaration is not the declaration's own time: say where it
            # came from (``source.started_how``: "breach" when the drill read it off the curve;
            # a declaration from a firing alert gives the alert's own start)
            how = str(self.source.get("started_how") or ("alert" if self.source.get("kind") == "alert" else ""))
            started = (_ts(self.source.get("started_at")), decl, how if how in ("breach", "alert", "harm") else "given")
        else:
            detected_at = _ts(self.source.get("detected_at")) or self.declared_at
            candidates: list[tuple[datetime, int, str]] = []
            if self.declared_at is not None:
                candidates += [(t, int(a.get("seq") or 0), "alert") for a in self.alerts
                               if (t := _ts(a.get("since"))) and t <= self.declared_at]
            if detected_at is not None:
                candidates += [(b["at"], b["seq"], "breach") for b in self.breaches
                               if b["kind"] == "breached" and b["at"] <= detected_at]
            if candidates:
                started = min(candidates, key=lambda c: (c[0], c[1]))
        derived["started"] = started
        det = _ts(self.source.get("detected_at"))
        derived["detected"] = (det or self.declared_at, decl, "declared")
        derived["mobilised"] = (self.first_action_at, self.first_action_seq, "action")
        derived["root_cause"] = (self.first_root_cause_at, self.first_root_cause_seq, "note")
        confirmed = [(at, seq, how) for at, seq, how in (
            (self.first_verified_at, self.first_verified_seq, "verify"),
            (self.first_said_mitigated_at, self.first_said_mitigated_seq, "status")) if at is not None]
        if confirmed:       # a verify gate or the commander's own word, whichever came first
            derived["mitigated"] = min(confirmed, key=lambda c: c[0])
        else:
            rec = self.recovered_at()
            derived["mitigated"] = (rec[0], rec[1], "recovered") if rec else (None, None, "")
        res_seq = (self.resolution or {}).get("seq")
        derived["resolved"] = (self.resolved_at, res_seq if isinstance(res_seq, int) else None, "resolved")
        out: dict[str, tuple[datetime | None, int | None, str]] = {}
        for phase in ev.PHASES:
            if phase in self.marks:
                out[phase] = (self.marks[phase], self.mark_seqs.get(phase), "mark")
            else:
                out[phase] = derived[phase]
        if self.resolved_at is None:
            out["resolved"] = (None, None, "")
        return out

    def impact_start_reading(self) -> tuple[str, float] | None:
        """(SLO id, value) of the reading that defined the impact start: the crossing the
        declaration was made from (``source.started_slo``/``started_value``) or the journaled
        breach it was taken from. The PIR quotes this value for that pane at impact start, so the
        number beside the start is the one that made it the start. None when the start came from
        an alert, a mark or a time given without a reading."""
        _, seq, how = self.phase_sources()["started"]
        if how != "breach" or seq is None:
            return None
        if seq == self.declared_seq:
            slo, value = self.source.get("started_slo"), self.source.get("started_value")
            return (str(slo), float(value)) if slo is not None and isinstance(value, int | float) else None
        b = next((b for b in self.breaches if b["seq"] == seq), None)
        return None if b is None or b["value"] is None else (str(b["slo_id"]), float(b["value"]))

    def quoted_readings(self, slo_id: str) -> dict[float, float]:
        """The pane's values the journal quotes with their instant (SLO evidence before and after
        step runs), unix time -> value: each is a reading of that pane then, so the PIR's worst,
        its time past critical and its spans count them among the history's points. Found: the
        worst "23.1% at 23:25:13" beside a step's "23.2% (+10m)", the history's grid having read
        another phase of a ``rate`` sawtooth than the evidence. A STALE, errored or NO DATA value is
        no reading of then and is left out; ±Inf is one (a pane CRIT at "+Inf")."""
        out: dict[float, float] = {}
        for e in self.evidence:
            if e.slo_id == slo_id and e.state in ("ok", "warn", "crit") and e.value is not None \
                    and not math.isnan(e.value):
                out[e.at.timestamp()] = float(e.value)
        return out

    def recovered_at(self) -> tuple[datetime, int] | None:
        """The first time every SLO that had breached was back under its warn threshold
        (after the detection), from the journaled breaches and recoveries; None if never."""
        open_: set[str] = set()
        seen = False
        detected = _ts(self.source.get("detected_at")) or self.declared_at
        for b in sorted(self.breaches, key=lambda b: (b["at"], b["seq"])):
            if b["kind"] == "breached":
                open_.add(b["slo_id"])
                seen = True
            else:
                open_.discard(b["slo_id"])
                if seen and not open_ and (detected is None or b["at"] >= detected):
                    return b["at"], b["seq"]
        return None

    @property
    def mitigation_attempted(self) -> datetime | None:
        """The first mutating step that exited 0: an attempt, which the metrics may not confirm."""
        return self.first_mitigation_at

    def breached_now(self) -> list[str]:
        """SLO ids whose last journaled transition is a breach (not yet recovered)."""
        last: dict[str, str] = {}
        for b in sorted(self.breaches, key=lambda b: (b["at"], b["seq"])):
            last[b["slo_id"]] = b["kind"]
        return [k for k, v in last.items() if v == "breached"]

    def first_look(self, started: datetime | None) -> datetime | None:
        """When a drill's panes first showed a value (the declaration's ``source.first_look_at``), if that
        was after ``started`` and by detection, else None: what time to detect counts from instead of
        the impact start, as nobody could see the impact before (at x60 the tool's own start-up took
        2.5 of audit-gap's 5 detection minutes, redteam41 G2)."""
        look, detected = _ts(self.source.get("first_look_at")), self.phases["detected"]
        if look is None or started is None or detected is None or not started < look <= detected:
            return None
        return look

    @property
    def clock_start(self) -> datetime | None:
        """When the incident clock started: detection (the declaration unless back-dated)."""
        return self.phases["detected"] or self.declared_at

    @property
    def impact_start(self) -> datetime | None:
        """When impact began (the ``started`` milestone), else detection: what a duration counts from."""
        return self.phases["started"] or self.clock_start

    def impact_duration(self, now: datetime) -> timedelta:
        """The incident's duration as the PIR and the incident log give it: impact start to
        resolution (``now`` while open). Detection and declaration are shown beside it."""
        start = self.impact_start
        if start is None:
            return timedelta(0)
        end = self.phases["resolved"] or now
        return max(timedelta(0), end - start)

    def elapsed(self, now: datetime) -> timedelta:
        """Time on the incident clock: from detection to resolution (or ``now`` while open)."""
        start = self.clock_start
        if start is None:
            return timedelta(0)
        end = self.phases["resolved"] or now
        return max(timedelta(0), end - start)

    @property
    def time_scale(self) -> float:
        """Scenario seconds per wall second: a drill's speed (``--speed 10`` lives ten scenario
        seconds a second), 1 for a real incident. The escalation tiers and the update cadence are
        promises about scenario time, so a sped-up drill reaches the 15-minute tier in 90 s."""
        try:
            speed = float((self.drill or {}).get("speed") or 1.0)
        except (TypeError, ValueError):
            return 1.0
        return speed if speed > 0 and speed == speed and speed != float("inf") else 1.0

    def scenario_elapsed(self, now: datetime) -> timedelta:
        """``elapsed`` in scenario time (the same as wall time outside drills)."""
        return timedelta(seconds=span(self, self.elapsed(now)).seconds)

    def duration_minutes(self, now: datetime) -> float:
        """Impact start to resolution, in scenario minutes (the incident log's ``Duration (min)``;
        wall minutes x the drill's speed, the same as wall minutes outside a drill)."""
        return span(self, self.impact_duration(now)).minutes

    def escalation_tier(self, now: datetime) -> Escalation:
        """0-15 min on-call, 15-30 page the TL, 30-60 IC + consider rollback, 60+ stakeholders
        (in scenario time during a drill). The tier is ``escalation.current``'s: the instants the
        journal has each tier reached (the ones ``escalation.tier`` is journaled at, and the
        header compares its clock with), never a second reckoning in minutes that could round
        the other way at a boundary or ignore a reopening."""
        minutes = _minutes(self.scenario_elapsed(now))
        here, nxt = escalation.current(self, now)
        tier = (here.tier, here.label, here.action) if here is not None else ESCALATION_TIERS[0][1:]
        next_in = None if nxt is None else max(0.0, left(self, nxt.at, now) / 60.0)
        return Escalation(tier=tier[0], label=tier[1], action=tier[2], minutes=minutes, next_tier_in=next_in)

    def next_update_due(self, now: datetime, every: float | Callable[[str], float] = 900.0) -> datetime | None:
        """When the next stakeholder update is due, counted from the last one, the declaration or the last
        reopening, whichever is latest: ``every`` seconds after it, or, given each severity's cadence
        (``every(severity)``), the first moment the cadence of the severity then in force has passed
        (``first_update_owed``); None once resolved. A due time before ``now`` means it is overdue. While
        resolved nobody owes an update: counted from the last update, a reopened incident was overdue since
        a moment it was resolved (redteam38 F5: at x10, twenty wall minutes resolved made it "overdue by
        3h24m" on reopening)."""
        del now  # the due time does not depend on now; kept for a uniform helper signature
        if self.resolved or self.declared_at is None:
            return None
        last = max([self.declared_at, *(u.at for u in self.status_updates[-1:]), *(r["at"] for r in self.reopened)])
        return self.first_update_owed(last, every) if callable(every) else after(self, last, every)

    def severity_at(self, t: datetime) -> str:
        """The severity in force at ``t``: the last change at or before it, else the one declared."""
        changes = sorted(self.severity_changes, key=lambda c: c["at"])
        first = str(changes[0].get("from") or self.severity) if changes else self.severity
        return next((str(c["to"]) for c in reversed(changes) if c["at"] <= t), first)

    def first_update_owed(self, since: datetime, every: Callable[[str], float],
                          stop: datetime | None = None) -> datetime | None:
        """The first moment after ``since`` (before ``stop``) an update is owed: ``since`` plus the cadence
        (``every(severity)``, scenario seconds) of the severity in force at that moment. A raise owes one from
        the raise on if its cadence has passed by then, never from a time the incident owed nothing; a
        lowering gives more time. The one rule of the header's countdown, the overdue lines and the missed
        count (attack43 A15: a P3 raised to P1 at +36m journaled an overdue due at +20m, before the P3's
        +30m already journaled, and the count's due time moved at the instant an update was sent)."""
        changes = sorted(c["at"] for c in self.severity_changes)
        bounds = [since, *(at for at in changes if since < at and (stop is None or at < stop))]
        for lo, hi in zip(bounds, [*bounds[1:], stop], strict=True):
            owed = max(lo, after(self, since, every(self.severity_at(lo))))
            if hi is None or owed < hi:
                return owed
        return None

    def response_times(self) -> list[ResponseTime]:
        """Each milestone against its target, judged in scenario time (``minutes``; the wall
        figure is ``wall_minutes``); ``met`` is None while not reached or not measurable. The target
        is the one people are given (``scenario_time.people_target``): a drill's speed never makes it
        less than a floor of wall time, and ``raised`` says so."""
        phases = self.phases
        out = []
        for key, label, asked, base in RESPONSE_TARGETS:
            target, raised = people_target(asked, scale_of(self))     # people's floor of wall time in a fast drill
            at = phases.get(key)
            start = phases.get(base)
            look = self.first_look(start) if key == "detected" else None
            unseen = None if look is None or start is None else (look - start).total_seconds()
            start = look or start
            early = at is not None and start is not None and at < start    # journaled before its start
            span = between(self, start, at) if (at is not None and start is not None and not early) else None
            minutes = None if span is None else span.minutes      # judged in scenario time
            met = None if minutes is None else minutes < target
            out.append(ResponseTime(key=key, label=label, target_min=target, at=at, minutes=minutes,
                                    met=met, measured_from=base,
                                    wall_minutes=None if span is None else span.wall_minutes,
                                    early_by=(start - at).total_seconds() if early else None,  # type: ignore[operator]
                                    unseen=unseen, raised=raised))
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
