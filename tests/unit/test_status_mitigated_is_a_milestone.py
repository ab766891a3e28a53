"""The commander saying the incident is mitigated (``incident status ID mitigated``, or past it:
``monitoring``) reaches the "mitigated" milestone, as a ``mitigated`` mark does.

Before: the status read "mitigated" and the timeline said "Status mitigating -> mitigated" at
+40m, while the same PIR's Response Times said "Time to mitigate: not reached" and the drill
report "FlowEngine rolled back off the bad release bent the curves at +30m00s drill time, but the
incident was never marked mitigated" (the milestone read only marks, verify gates and recoveries)."""

from __future__ import annotations

from warroom.incident.fold import replay
from warroom.incident.records import PHASE_HOW
from warroom.journal import events as ev
from tests.unit.test_incident_state import T0, declared, make_events
from datetime import timedelta


def _mitigated(*specs: tuple[float, str, dict[str, object]]) -> tuple[object, int | None, str]:
    return replay(make_events([(0, ev.DECLARED, declared()), *specs])).phase_sources()["mitigated"]


def test_the_commanders_mitigated_status_is_the_milestone() -> None:
    at, seq, how = _mitigated((10, ev.STATUS_CHANGED, {"from": "investigating", "to": "mitigating"}),
                              (40, ev.STATUS_CHANGED, {"from": "mitigating", "to": "mitigated"}),
                              (50, ev.STATUS_CHANGED, {"from": "mitigated", "to": "mitigated"}))
    assert (at, seq, how) == (T0 + timedelta(minutes=40), 3, "status")
    assert PHASE_HOW[how]


def test_monitoring_said_first_is_mitigated_too() -> None:
    at, seq, how = _mitigated((25, ev.STATUS_CHANGED, {"from": "investigating", "to": "monitoring"}))
    assert (at, seq, how) == (T0 + timedelta(minutes=25), 2, "status")


def test_a_mark_still_wins_and_an_earlier_status_never_moves_later() -> None:
    assert _mitigated((40, ev.STATUS_CHANGED, {"to": "mitigated"}),
                      (41, ev.PHASE_MARKED, {"phase": "mitigated",
                                             "at": (T0 + timedelta(minutes=33)).isoformat()}))[2] == "mark"
    at, _, how = _mitigated((20, ev.STATUS_CHANGED, {"to": "mitigated"}),
                            (30, ev.STATUS_CHANGED, {"to": "investigating"}),
                            (45, ev.STATUS_CHANGED, {"to": "mitigated"}))
    assert (at, how) == (T0 + timedelta(minutes=20), "status")


def test_other_statuses_reach_no_mitigation() -> None:
    assert _mitigated((5, ev.STATUS_CHANGED, {"to": "identified"}),
                      (9, ev.STATUS_CHANGED, {"to": "mitigating"}))[0] is None


def test_a_say_so_before_any_mitigation_ran_is_on_the_clock_only() -> None:
    """attack42 A2: "Time to mitigate: met" for `incident status ID mitigated` 1m40s in, nothing run, the pane
    critical and worsening. The word is still the milestone; the verdict says it was said before any mitigation
    step ran (▲, never ✔); once a mutating step ran ok before it, the same word is a plain "met"."""
    from warroom.incident.verdicts import CLOCK_ONLY, MET, of_state

    fix = [(6, ev.STEP_STARTED, {"step": 2, "step_id": "fix", "label": "Fix", "command": "kubectl rollout undo",
                                 "mutating": True}),
           (7, ev.STEP_FINISHED, {"step": 2, "step_id": "fix", "status": "ok", "exit_code": 0})]
    said = (10, ev.STATUS_CHANGED, {"from": "investigating", "to": "mitigated"})
    bare = of_state(replay(make_events([(0, ev.DECLARED, declared()), said])))["mitigated"]
    assert (bare.state, bare.sentence) == (CLOCK_ONLY, "met on the clock, but said before any mitigation step ran")
    assert bare.mark.startswith("▲")
    backed = of_state(replay(make_events([(0, ev.DECLARED, declared()), *fix, said])))["mitigated"]
    assert (backed.state, backed.sentence) == (MET, "met")
    late = of_state(replay(make_events([(0, ev.DECLARED, declared()), said, *[(m + 10, t, d) for m, t, d in fix]])))
    assert late["mitigated"].state == CLOCK_ONLY        # a fix run after the word does not back it


def test_the_commander_taking_the_mitigation_back_is_said_beside_it() -> None:
    """attack42 A2b: `status mitigated` at +1m40s, `status investigating --reason relapse` at +3m20s, mitigated again
    at +5m: show and the drill report kept "met" with no word of the withdrawal. The milestone stands (the first
    word), the withdrawal is said beside it as a relapse is, and the verdict is on the clock only."""
    from warroom.incident.verdicts import CLOCK_ONLY, of_state

    fix = [(1, ev.STEP_STARTED, {"step": 2, "step_id": "fix", "label": "Fix", "command": "kubectl rollout undo",
                                 "mutating": True}),
           (1.5, ev.STEP_FINISHED, {"step": 2, "step_id": "fix", "status": "ok", "exit_code": 0})]
    st = replay(make_events([(0, ev.DECLARED, declared()), *fix,
                             (2, ev.STATUS_CHANGED, {"from": "mitigating", "to": "mitigated"}),
                             (3, ev.STATUS_CHANGED, {"from": "mitigated", "to": "investigating", "reason": "relapse"}),
                             (5, ev.STATUS_CHANGED, {"from": "investigating", "to": "mitigated"})]))
    said = of_state(st)["mitigated"]
    assert st.phases["mitigated"] == T0 + timedelta(minutes=2)       # the first word stays the milestone
    assert said.state == CLOCK_ONLY and said.relapse == "withdrawn at 14:03:00 UTC: status investigating (relapse)"
    assert said.sentence == f"met; {said.relapse}"


def test_a_say_so_is_backed_only_by_a_mitigation_whose_own_check_did_not_fail() -> None:
    """attack42 A2's rest: a mitigation step that ran ok backed the word even when its own verify gate then FAILED.
    Backed only by a step whose gate (if any) passed: one whose gate was still watching is said so ("said while its
    check was still running") until it passes; one whose gate failed names it, one whose gate held before the step
    (another scenario's fix: its measure was within its line all along) too; a pass, even a later one, backs it."""
    from warroom.incident.verdicts import CLOCK_ONLY, MET, of_state

    fix = [(6, ev.STEP_STARTED, {"step": 2, "step_id": "fix", "label": "Fix", "command": "kubectl rollout undo",
                                 "mutating": True}),
           (7, ev.STEP_FINISHED, {"step": 2, "step_id": "fix", "status": "ok", "exit_code": 0}),
           (7.1, ev.VERIFY_STARTED, {"step": 2, "step_id": "fix", "expr": "failure_rate < 1 within 10m",
                                     "window": 600.0, "deadline": (T0 + timedelta(minutes=17)).isoformat()})]
    said = (10, ev.STATUS_CHANGED, {"from": "mitigating", "to": "mitigated"})

    def verdict(*after: tuple[float, str, dict[str, object]]) -> object:
        return of_state(replay(make_events([(0, ev.DECLARED, declared()), *fix, said, *after])))["mitigated"]

    watching = verdict()
    assert (watching.state, watching.sentence) == (
        CLOCK_ONLY, "met on the clock, but said while its check was still running (the verify gate of step 2)")
    failed = verdict((17, ev.VERIFY_FAILED, {"step": 2, "step_id": "fix", "expr": "failure_rate < 1 within 10m",
                                             "value": 9.0, "reason": "window ran out"}))
    assert (failed.state, failed.sentence) == (
        CLOCK_ONLY, "met on the clock, but said after a mitigation step whose verify gate failed (step 2)")
    passed = verdict((12, ev.VERIFY_PASSED, {"step": 2, "step_id": "fix", "expr": "failure_rate < 1 within 10m",
                                             "value": 0.5}))
    assert (passed.state, passed.sentence) == (MET, "met")
    # another scenario's fix: its gate's measure within its line since before the step, a pass that proves nothing
    fix[2][2]["before"] = {"holds": True, "value": 0.2, "value_text": "0.2%"}
    held = verdict((12, ev.VERIFY_PASSED, {"step": 2, "step_id": "fix", "expr": "failure_rate < 1 within 10m",
                                           "value": 0.5}))
    assert (held.state, held.sentence) == (CLOCK_ONLY, "met on the clock, but said after a mitigation step whose"
                                           " verify gate held before the step (step 2): no evidence it worked")


def test_a_communication_step_backs_no_mitigated() -> None:
    """attack43 A18: "Mark the service degraded on the status page" (a Communication step that changes things, no
    gate) ran ok, then the commander said mitigated: "Time to mitigate … met", the outage in full swing. A mitigation
    step is one that changes things in a mitigation's section (``marks.run_kind``, the PIR's rule), as journaled at
    its start; a run whose section was not journaled (older journals) still counts."""
    from warroom.incident.verdicts import CLOCK_ONLY, MET, of_state

    def verdict(section: str | None, phase: str | None = None) -> object:
        where = {"section": section} if section is not None else {}
        where.update({"phase": phase} if phase is not None else {})
        return of_state(replay(make_events([
            (0, ev.DECLARED, declared()),
            (6, ev.STEP_STARTED, {"step": 16, "step_id": "degraded", "label": "Mark the service degraded",
                                  "command": "blocks status update --status degraded", "mutating": True, **where}),
            (7, ev.STEP_FINISHED, {"step": 16, "step_id": "degraded", "status": "ok", "exit_code": 0}),
            (10, ev.STATUS_CHANGED, {"from": "investigating", "to": "mitigated"})])))["mitigated"]

    told = verdict("Communication")
    assert (told.state, told.sentence) == (CLOCK_ONLY, "met on the clock, but said before any mitigation step ran")
    assert verdict("Mitigation").state == MET and verdict(None).state == MET
    # attack43 A19: a sub-section naming no phase of its own under Mitigation is mitigating (its phase, journaled)
    assert verdict("One provider down: make sure traffic avoids it", "mitigate").state == MET
    assert verdict("Recovery", "mitigate").state == CLOCK_ONLY      # retrying flows is no fix of the fault
    # the PIR and the stakeholder update call it so by the same rule (``marks.run_kind``)
    from warroom.incident.marks import run_kind

    assert run_kind(True, "One provider down: make sure traffic avoids it", phase="mitigate") == "mitigation attempt"
    assert run_kind(True, "Recovery", phase="mitigate") == "changes things, Recovery"


def test_a_step_with_no_gate_backs_no_mitigated_said_while_a_pane_is_still_past_critical() -> None:
    """attack43 A16: a fallback with a typo'd model (no verify gate) ran ok, "mitigated" 30 s later with the 5xx
    rate at 28%: "Time to mitigate … met". With no gate, the panes are the evidence: a pane past critical at the word
    and not recovered since leaves it "met on the clock, but …"; once it recovers, the word is backed."""
    from warroom.incident.verdicts import CLOCK_ONLY, MET, of_state

    breach = (3, ev.SLO_BREACHED, {"slo_id": "error_5xx", "title": "Model API 5xx rate", "value": 28.0,
                                   "threshold": 2.0, "unit": "percent"})
    fix = [(6, ev.STEP_STARTED, {"step": 8, "step_id": "fallback", "label": "Fall back", "mutating": True,
                                 "command": "kubectl set env deployment/flowengine FALLBACK_MODEL=gpt-4-trubo"}),
           (7, ev.STEP_FINISHED, {"step": 8, "step_id": "fallback", "status": "ok", "exit_code": 0}),
           (8, ev.STATUS_CHANGED, {"from": "investigating", "to": "mitigated"})]

    def verdict(*after: tuple[float, str, dict[str, object]]) -> object:
        return of_state(replay(make_events([(0, ev.DECLARED, declared()), breach, *fix, *after])))["mitigated"]

    still = verdict()
    assert (still.state, still.sentence) == (CLOCK_ONLY, "met on the clock, but said while Model API 5xx rate was"
                                             " still past critical (step 8 has no verify gate)")
    assert verdict((12, ev.SLO_RECOVERED, {"slo_id": "error_5xx", "title": "Model API 5xx rate", "value": 0.2,
                                           "threshold": 2.0, "unit": "percent"})).state == MET
