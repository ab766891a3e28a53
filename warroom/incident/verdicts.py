"""One verdict per response milestone, worded once for every place that shows one: the PIR's
response table, the drill report's table and summary, ``incident show``.

A mark is a claim: a table's "✔ met" beside a sentence saying "met on the clock, but the 5xx rate
was still past critical" is two verdicts on one milestone. So the rule lives here, and each view
takes its mark (``ok``), its cell (``word``) and its sentence (``sentence``) from the same
``Verdict``:

- Time to resolve (and the runbook's MTTR) within the target while a pane was still past its
  critical threshold at the resolution is *on the clock only*: neither ✔ nor ✖, said as such.
- Time to detect when the incident was declared before anything went past critical (no impact
  start known at the detection, a breach after it) is met ahead of impact, named by the first
  breach; with no impact start at all it is not measured.
- Time to mitigate not reached although a verify gate passed says which gate held before its
  step (``gate_evidence.held_gates``): such a pass is no evidence, so it never marks the mitigation.
- Time to detect in a drill whose panes first showed a value after the impact began (at x60 the
  tool's start-up is minutes of drill time) counts from that first look, and says how much of its
  target had passed before it (redteam41 G2: every x60 audit-gap run was "missed", the team charged
  for the tool's start-up).
- Time to mitigate said by the commander (``incident status … mitigated``, the dashboard's ``m``) before any
  mitigation step ran ok is on the clock only: their word is the milestone, but a say-so with nothing done is no
  fix the tool saw (attack42 A2: "met" 1m40s in, nothing run, the pane critical and worsening). A fix typed in a
  drill's shell is not a run, as the Go/No-Go's ``ran`` does not count it; a mark (a fix made elsewhere, dated and
  explained) is taken as given. Only a step whose own check did not fail backs the word (attack42 A2's rest: one whose
  verify gate then FAILED did): one whose gate was still watching is "said while its check was still running" until
  the gate passes, one whose gate failed "said after … whose verify gate failed" (``said_unbacked``).
- Time to mitigate reached, then a pane breached again (``relapse.relapse_said``): the milestone stands,
  that it did not hold is said beside it in every view ("met; relapsed at 06:51:30 UTC: …"), and a met
  one is on the clock only (▲), never a ✔ (redteam41 X11: the drill report and ``show --json`` said a
  plain "met" where the PIR and ``show`` said it relapsed).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from warroom.incident.gate_evidence import HELD, held_gates, held_said
from warroom.incident.gates import run_gates
from warroom.incident.marks import run_kind
from warroom.incident.relapse import relapse_said

if TYPE_CHECKING:
    from warroom.incident.state import IncidentState

MET, MISSED, CLOCK_ONLY, OPEN = "met", "missed", "clock only", "open"


@dataclass(frozen=True)
class Verdict:
    state: str           # met | missed | clock only | open (not reached, not measured)
    word: str            # the table's cell: short, no mark
    sentence: str        # what a summary line or the PIR says after the figures
    relapse: str = ""    # the mitigation's: "relapsed at 06:51:30 UTC: …" when it did not hold, in the sentence too
    unseen: str = ""     # the detection's: "counted from the first look at the panes …", in the sentence too
    raised: str = ""     # "target raised from 5m00s drill time (5s wall) to …" (``people_target``), in the sentence too

    @property
    def ok(self) -> bool | None:
        """True only for a plain "met" (the ✔), False for "missed" (the ✖), None otherwise."""
        return True if self.state == MET else False if self.state == MISSED else None

    @property
    def mark(self) -> str:
        """The table's cell with its mark: ✔ only for a verdict whose sentence is a plain "met"."""
        return {MET: "✔ ", MISSED: "✖ ", CLOCK_ONLY: "▲ "}.get(self.state, "") + (
            self.word.upper() if self.state == MISSED else self.word) + (", relapsed" if self.relapse else "")


def _were(names: Sequence[str]) -> str:
    """Named in one order whoever lists them (the report by scenario, the PIR by configuration)."""
    names = sorted(names)
    return f"{' and '.join(names)} {'was' if len(names) == 1 else 'were'}"


def journaled_before(seconds: float, base: str, scale: float = 1.0, at: str = "",
                     hows: tuple[str, str] = ("", "")) -> str:
    """Why a span is not measured when its end is ``seconds`` (wall) before its start (``base``:
    ``RESPONSE_TARGETS``' key; ``scale``: a drill's speed, said as every drill span is; ``hows``: how
    the milestone and its start were reached, ``phase_sources``' words). Stated as what it is, never as
    the "0s" a negative span formats to (redteam34): a milestone marked back-dated before it (``incident
    mark``), a start marked or given by hand after it, else journal times from two hosts' clocks, one behind."""
    from warroom.scenario_time import Span

    what = {"started": "the impact start", "detected": "detection"}.get(base, base) + (f" ({at})" if at else "")
    said = f"{Span(seconds, scale).text()} before {what}"
    if hows[0] == "mark":
        return f"marked {said}"
    if hows[1] in ("mark", "given"):
        return f"journaled {said}, {'marked' if hows[1] == 'mark' else 'given'} by hand"
    return f"journaled {said}; the clocks that wrote them disagree"


def early_said(state: IncidentState, key: str, base: str, seconds: float) -> str:
    """:func:`journaled_before` for milestone ``key`` of ``state``, measured from ``base``."""
    from warroom.scenario_time import scale_of

    src = state.phase_sources()
    return journaled_before(seconds, base, scale_of(state), hows=(src[key][2], src[base][2]))


def unseen_said(scale: float, seconds: float | None, look: datetime | None, target_min: float) -> str:
    """How much of time to detect's target passed before a drill's panes first showed a value, from which
    it is counted (``seconds``: wall seconds of impact before ``look``), '' when none did."""
    from warroom.scenario_time import Span

    if seconds is None or look is None or seconds <= 0:
        return ""
    span = Span(seconds, scale)
    part = (f"{span.text()} of its {target_min:g}-min target had passed since the impact began" if
            span.minutes < target_min else f"the impact began {span.text()} before, more than its whole"
            f" {target_min:g}-min target")
    return f"counted from the first look at the panes ({look:%H:%M:%S} UTC): {part}, before anything was on screen"


def milestone(key: str, met: bool | None, *, reached: bool, ahead_of: str | None = None,
              past_critical: Sequence[str] = (), held: Sequence[str] = (), before: str = "",
              relapse: str = "", unseen: str = "", unbacked: str = "", raised: str = "") -> Verdict:
    """The verdict on one milestone (``RESPONSE_TARGETS``' key). ``met``: within target on the
    clock (None: not reached or no starting point); ``reached``: the milestone happened;
    ``ahead_of``: for detection, the pane first past critical after a declaration made before it
    (``detected_ahead``); ``past_critical``: for the resolution, the panes still past critical then;
    ``held``: for the mitigation, the gates that passed but prove nothing (``gate_evidence.held_gates``):
    why it was not reached although a gate passed; ``before``: why a milestone reached is not
    measured although its start is known (:func:`journaled_before`); ``relapse``: for the mitigation,
    that it did not hold (``relapse.relapse_said``), said beside its verdict: a met one is on the clock only;
    ``unseen``: for the detection, what passed before the panes first showed a value (:func:`unseen_said`);
    ``unbacked``: for the mitigation, why the commander's word is no fix the tool saw (``said_unbacked``), ""
    if it is; ``raised``: why the target shown is longer than the seeds' (``scenario_time.people_target``), said
    after every verdict, measured or not: wherever the raised target is shown (a row not reached yet, a declaration
    ahead of impact) it is said to be raised (attack49 F7: "n/a (< 120 min) met (declared first)")."""
    said = _milestone(key, met, reached=reached, ahead_of=ahead_of, past_critical=past_critical, held=held,
                      before=before)
    if key == "detected" and met is not None and unseen:
        return _raised(replace(said, sentence=f"{said.sentence}; {unseen}", unseen=unseen), raised)
    if key == "mitigated" and reached and unbacked and said.state == MET:
        said = Verdict(CLOCK_ONLY, "clock only", f"met on the clock, but {unbacked}")
    if key != "mitigated" or not reached or not relapse:
        return _raised(said, raised)
    return _raised(replace(said, state=CLOCK_ONLY if said.state == MET else said.state,
                           sentence=f"{said.sentence}; {relapse}", relapse=relapse), raised)


def _raised(said: Verdict, raised: str) -> Verdict:
    """``said`` with why its target was raised beside its sentence (every view that quotes the sentence says it)."""
    return replace(said, sentence=f"{said.sentence}; {raised}", raised=raised) if raised else said


def _milestone(key: str, met: bool | None, *, reached: bool, ahead_of: str | None, past_critical: Sequence[str],
               held: Sequence[str], before: str) -> Verdict:
    """:func:`milestone` before a relapse is said beside it."""
    if key == "detected" and ahead_of:
        return Verdict(MET, "met (declared first)", f"declared before {ahead_of} reached critical: met")
    if met is None:
        if not reached and key == "mitigated" and held:
            return Verdict(OPEN, "not reached", f"not reached: {held_said(list(held))}")
        if not reached:
            return Verdict(OPEN, "not reached", "not reached")
        return Verdict(OPEN, "not measured", f"not measured ({before or 'start unknown'})")
    if key == "resolved" and met and past_critical:
        return Verdict(CLOCK_ONLY, "clock only",
                       f"met on the clock, but {_were(past_critical)} still past critical at the resolution")
    return Verdict(MET, "met", "met") if met else Verdict(MISSED, "missed", "missed")


def mttr(met: bool, past_critical: Sequence[str] = ()) -> Verdict:
    """The runbook's MTTR target, by the resolution's rule: on the clock only while a pane was past
    critical at the resolution."""
    if met and past_critical:
        return Verdict(CLOCK_ONLY, "clock only", "met on the clock, not a recovery")
    return Verdict(MET, "met", "met") if met else Verdict(MISSED, "missed", "missed")


def mitigating(run: Any) -> bool:
    """Whether a run is a mitigation step's: it changes things, in a mitigation's section (``marks.run_kind``, the
    PIR's rule; a run whose section was not journaled counts), or in a sub-section naming no phase of its own under a
    mitigating one (attack43 A19: "### One provider down: make sure traffic avoids it" under "## Mitigation" backed
    nothing, the scenario's own fix "said before any mitigation step ran")."""
    return run_kind(run.mutating, run.section, phase=run.phase) == "mitigation attempt"


def still_breached(state: IncidentState, at: datetime) -> list[str]:
    """The SLO panes past critical at ``at`` by the journal (``slo.breached`` with no ``slo.recovered`` after it by
    then) that have not recovered since, by title: what a mitigation step with no verify gate is judged by."""
    then: dict[str, dict[str, Any]] = {}
    for b in sorted((b for b in state.breaches if b["at"] <= at), key=lambda b: (b["at"], int(b.get("seq") or 0))):
        then[str(b["slo_id"])] = b
    since = {str(b["slo_id"]) for b in state.breaches if b["kind"] == "recovered" and b["at"] > at}
    return list(dict.fromkeys(str(b.get("title") or slo) for slo, b in then.items()
                              if b["kind"] == "breached" and slo not in since))


def past_critical_at_resolution(state: IncidentState) -> list[str]:
    """The panes past their critical threshold at the resolution, by the metric history read when
    it was resolved (``metrics.summarised``): the same reading the PIR's SLO evidence quotes."""
    summ = state.metric_summary or {}
    if not state.resolved or not summ:
        return []
    out = []
    for slo_id, e in (summ.get("slos") or {}).items():
        sample, crit = e.get("at_resolution") or {}, e.get("crit")
        value = sample.get("value")
        if value is None or crit is None:
            continue
        above = e.get("direction", "above") == "above"
        if (float(value) > float(crit)) if above else (float(value) < float(crit)):
            out.append(str(e.get("title") or slo_id))
    return out


def detected_ahead(state: IncidentState) -> tuple[str, int | None] | None:
    """(what, journal seq): declared ahead of impact, when no impact start was known at the
    detection (no start given, no alert or breach before it) and either an SLO breached after it
    (its title and the breach's seq) or, the incident resolved, the metric history read over its
    window shows no pane past critical at all ("any SLO pane (none did)", the summary's seq). With
    no history read and no breach journaled, detection is not measured."""
    src = state.phase_sources()
    started, detected = src["started"][0], src["detected"][0]
    if detected is None or (started is not None and started <= detected):
        return None
    later = sorted((b for b in state.breaches if b["kind"] == "breached" and b["at"] > detected),
                   key=lambda b: (b["at"], b["seq"]))
    if later:
        return str(later[0]["title"]), int(later[0]["seq"])
    summ = state.metric_summary or {}
    slos = (summ.get("slos") or {}).values()
    if state.resolved and slos and all(e.get("points") and not e.get("breached") for e in slos):
        return "any SLO pane (none did)", int(summ["seq"])
    return None


def said_unbacked(state: IncidentState | None) -> str:
    """Why the mitigation, the commander's word (``status``), is no fix the tool saw; "" when a mitigation step
    (mutating) ran ok before it and its verify gate, if it has one, passed (before the word or after it). Else: "said
    before any mitigation step ran"; "said while its check was still running (the verify gate of step 6)" when such a
    step's gate had no outcome (still watching, lapsed, or handed to a re-run's gate), until it passes; "said after a
    mitigation step whose verify gate held before the step (step 6): no evidence it worked"
    (``gate_evidence.held_before``: another scenario's fix, whose measure was within its line all along); "said after
    a mitigation step whose verify gate failed (step 6)" (attack42 A2's rest: a step whose own gate then failed, or
    another scenario's fix, backed the word). A mark (``incident mark mitigated --at … --reason …``) records a fix
    made elsewhere, with its time and why: not this."""
    if state is None:
        return ""
    said_at, _, how = state.phase_sources()["mitigated"]
    if how != "status" or said_at is None:
        return ""
    # a mitigation step: one that changes things in a mitigation's section (or one whose section is not known), the
    # PIR's rule (``marks.run_kind``); a status page marked degraded, a Slack notice or one flow's retry is no fix
    # (attack43 A18: "Time to mitigate … met" on a Communication step, the outage in full swing)
    ran = [(st, run) for st, run in state.commands_run()
           if mitigating(run) and run.status == "ok" and run.ended_at is not None and run.ended_at <= said_at]
    if not ran:
        return "said before any mitigation step ran"
    checks: set[int] = set()
    gates = run_gates(state, said_at, checks)      # every outcome journaled, before the word or after it
    # a gate that checks only that its step took effect (``mitigates=false``: the breaker's 429 share) backs no word
    # about the harm: its step is judged as one with no gate, by the panes (redteam51 R1)
    gates = {seq: None if seq in checks else status for seq, status in gates.items()}
    if any(gates.get(int(run.seq or 0)) == "passed" for _, run in ran):
        return ""
    # a step with no gate: the panes are the only evidence; one still past critical at the word, and not recovered
    # since, says the fix did not (yet) take (attack43 A16: a typo'd fallback model, 5xx at 28%, "met")
    still = still_breached(state, said_at)
    if any(gates.get(int(run.seq or 0)) is None for _, run in ran) and not still:
        return ""

    def names(outcomes: tuple[str | None, ...]) -> list[str]:
        return list(dict.fromkeys(state.step_name(st.runbook_id, st.step or st.step_id) for st, run in ran
                                  if gates.get(int(run.seq or 0)) in outcomes))

    if gateless := names((None,)):
        what = "no verify gate" if not any(int(run.seq or 0) in checks for _, run in ran) else \
            "no verify gate of the harm"
        return f"said while {' and '.join(still)} {'was' if len(still) == 1 else 'were'} still past critical" \
               f" ({' and '.join(gateless)} {'has' if len(gateless) == 1 else 'have'} {what})"
    if watching := names(("pending", "lapsed", "superseded")):
        return f"said while its check was still running (the verify gate of {' and '.join(watching)})"
    if held := names((HELD,)):
        return f"said after {'a mitigation step' if len(held) == 1 else 'mitigation steps'} whose verify gate held" \
               f" before the step ({' and '.join(held)}): no evidence it worked"
    failed = names(("failed",))
    return f"said after {'a mitigation step' if len(failed) == 1 else 'mitigation steps'} whose verify gate failed" \
           f" ({' and '.join(failed)})"


def of_state(state: IncidentState, at: datetime | None = None) -> dict[str, Verdict]:
    """Each milestone's verdict for an incident, by key: what the PIR, ``incident show`` (text and
    ``--json``) and the PIR's templates say, from the journal alone (``at``: the look's moment, when a lift's relapse
    is known: ``containment_lift.still_harmed``)."""
    ahead, broken, held = detected_ahead(state), past_critical_at_resolution(state), held_gates(state)
    again = relapse_said(state, at)
    from warroom.scenario_time import scale_of

    unbacked = said_unbacked(state)

    return {r.key: milestone(r.key, r.met, reached=r.at is not None, ahead_of=ahead[0] if ahead else None,
                             past_critical=broken, held=held,
                             before=early_said(state, r.key, r.measured_from, r.early_by) if r.early_by else "",
                             relapse=again, unseen=unseen_said(scale_of(state), r.unseen, state.first_look(
                                 state.phases.get(r.measured_from)), r.target_min) if r.unseen else "",
                             unbacked=unbacked, raised=r.raised)
            for r in state.response_times()}
