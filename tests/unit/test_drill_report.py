"""The end-of-drill report: response times from the incident state, judged from the real breach."""

from __future__ import annotations

import dataclasses
import re

from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.unit.drill_ops import rollout_undo, set_image
from tests.unit.incident_fixtures import over
from warroom.drill.actions import append_actions
from warroom.incident.drill_report import breach_time, drill_report, impact_crossing, report_lines
from warroom.incident.drill_report.harm import harm_onset
from tests.unit.standins_corpus import warm_drill
from warroom.incident.store import IncidentStore


class Clock:
    def __init__(self, t: float) -> None:
        self.t = t

    def __call__(self) -> datetime:
        return datetime.fromtimestamp(self.t, UTC)


def test_breach_time_is_when_the_primary_pane_went_critical(state_dir: Path) -> None:
    start = 1_800_000_000.0
    d = warm_drill(state_dir, "rate-limit", speed=1.0, start=start)
    breach = breach_time(d, at=start + 900)
    assert breach is not None and start + 300 < breach < start + 600     # the failures, not the quota's 80%
    assert d.simulator.pane("failure_rate", d.scenario_time(breach)) >= 1.0
    assert d.simulator.pane("failure_rate", d.scenario_time(breach) - 5) < 1.0
    assert breach_time(d, at=start + 300) is None                  # not breached yet
    assert breach_time(d, pane="error_5xx", at=start + 3600) is None


def test_report_times_each_milestone_against_its_target(state_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    start = 1_800_000_000.0
    d = warm_drill(state_dir, "rate-limit", speed=1.0, start=start)
    first = impact_crossing(d, at=start + 3600)         # the first of its panes past critical: the quota's
    assert first is not None and first[2] == "quota"
    breach = first[0]
    clock = Clock(breach + 130)                                   # declared 2m10s after the breach
    inc = IncidentStore(state_dir / "incidents-root", clock=clock).create(
        title="Quota at 82%", severity="P3", source={"kind": "pane", "ref": "quota"},
        drill={"scenario": "rate-limit", "speed": 1.0})
    clock.t = breach + 200
    inc.note("info", "looking at the quota pane")                   # mobilised 70 s after declaring
    d.record("circuit_breaker", tool="kubectl", argv=("set", "env"), at=breach + 300)
    clock.t = breach + 480
    inc.note("root-cause", "retry storm burning the Anthropic quota")
    clock.t = breach + 700
    inc.mark_phase("mitigated")
    clock.t = breach + 1500
    inc.resolve("breaker on, the 429s down")
    monkeypatch.setenv("WARROOM_DRILL_AT", repr(breach + 1600))     # the report is read then
    report = drill_report(d, inc.state, at=breach + 1600)
    rows = {r.key: r for r in report.responses}
    assert round(rows["detected"].minutes * 60) == 130 and rows["detected"].met
    assert round(rows["mobilised"].minutes * 60) == 70 and rows["mobilised"].met
    assert round(rows["root_cause"].minutes * 60) == 350 and rows["root_cause"].met
    assert round(rows["mitigated"].minutes * 60) == 570 and rows["mitigated"].met
    assert round(rows["resolved"].minutes * 60) == 1370 and rows["resolved"].met
    # resolved in time while the failure rate and the quota were still past critical: on the clock
    # only, and the table's mark says so (neither ✔ nor ✖), as the summary line does
    assert rows["resolved"].verdict.state == "clock only" and rows["resolved"].verdict.mark == "▲ clock only"
    assert any(ln.startswith("Time to resolve:") and "met on the clock, but" in ln for ln in report.summary)
    assert report.met == 4 and report.incident == inc.id
    assert [a.action for a in report.actions] == ["circuit_breaker"] and report.actions[0].effective
    assert report.resolution_done == ("circuit_breaker",) and report.resolution_missing == ("fallback_routing", "retry")
    failures, quota = report.panes
    assert failures.pane == "failure_rate" and failures.worst > 1 and not failures.recovered   # its hour not over
    assert quota.pane == "quota" and quota.now > 80 and not quota.recovered                  # spent until the reset
    assert not report.recovered
    assert any(line.startswith("Time to detect: 2m10s (target < 5 min): met.") for line in report.summary)
    assert any(line.startswith("Not done: ") and "failed flows retried" in line for line in report.summary)
    assert report.to_dict()["responses"][0]["key"] == "detected"


def test_report_without_an_incident_and_at_high_speed(state_dir: Path) -> None:
    start = 1_800_000_000.0
    d = warm_drill(state_dir, "mass-failure", speed=10.0, start=start)
    d.record("retry", at=start + 5)                    # retry does nothing for a bad release
    report = drill_report(d, None, at=start + 120)
    rows = {r.key: r for r in report.responses}
    assert rows["detected"].met is None and rows["resolved"].minutes is None
    assert not report.recovered and report.panes[0].pane == "failure_rate"
    assert [a.effective for a in report.actions] == [False]
    # no incident, so no end: the resolution never taken is the answer, not said yet (redteam42 R18)
    assert report.resolution_missing == ()
    assert not any("rolled back" in line or "Not done" in line for line in report.summary)
    assert any(line == "Time to resolve: not reached (target < 60 min)." for line in report.summary)


def test_drill_minutes_scale_with_speed(state_dir: Path) -> None:
    start = 1_800_000_000.0
    d = warm_drill(state_dir, "audit-gap", speed=10.0, start=start)
    breach = harm_onset(d, start + 600)      # the impact start: the audit events stopped (redteam49 F3)
    assert breach is not None
    clock = Clock(breach + 180)
    inc = IncidentStore(state_dir / "inc", clock=clock).create(title="audit gap", severity="P1")
    report = drill_report(d, inc.state, at=breach + 240)
    detected = report.responses[0]
    assert detected.minutes == 30.0 and detected.wall_minutes == 3.0
    # judged in the drill's time: three wall minutes at x10 are thirty scenario minutes, past the target people are
    # given (5 drill minutes are 30 wall seconds at x10: raised to two wall minutes, 20 drill minutes, and said so)
    assert detected.met is False
    assert report.summary[0] == ("Time to detect: 30m00s drill time (3m00s wall) (target < 20 min): missed; target"
                                 " raised from 5m00s drill time (30s wall) to 20m00s drill time (2m00s wall), so"
                                 " people can act in it.")


def test_declaring_before_the_breach_counts_as_detected_ahead_of_impact(state_dir: Path) -> None:
    """The demo's usual path: the IC declares on the quota pane's warning and the breaker and the retry
    keep the flows from ever failing past critical. That is the best possible detection, not "not reached"."""
    start = 1_800_000_000.0
    d = warm_drill(state_dir, "rate-limit", speed=1.0, start=start)
    clock = Clock(start + 20)
    inc = IncidentStore(state_dir / "inc", clock=clock).create(
        title="Quota at 75%", severity="P3", source={"kind": "pane", "ref": "quota"},
        drill={"scenario": "rate-limit", "speed": 1.0})
    d.record("circuit_breaker", tool="kubectl", argv=("set", "env"), at=start + 30)
    d.record("retry", tool="blocks", argv=("flow", "retry"), at=start + 35)
    clock.t = start + 40
    inc.note("info", "breaker on")
    report = drill_report(d, inc.state, at=start + 900)
    # the flows never failed past critical; the quota's 80% came after the declaration (redteam40 R8: the
    # first of the scenario's panes past critical is the impact start, whenever it is asked)
    first = impact_crossing(d, at=start + 900)
    assert first is not None and first[2] == "quota" and first[0] > start + 20
    assert report.breach_at == first[0] and report.declared_before_breach
    rows = {r.key: r for r in report.responses}
    # no impact start to measure from: no "took", and the verdict (the PIR's) is met ahead of impact
    assert rows["detected"].minutes is None and rows["detected"].verdict.ok
    assert rows["detected"].verdict.mark == "✔ met (declared first)"
    assert round(rows["mobilised"].minutes * 60) == 20 and rows["mobilised"].met
    assert report.summary[0] == ("Time to detect: declared before Model API quota used reached critical "
                                 "(target < 5 min): met.")


def test_declared_after_the_breach_is_timed_from_the_breach(state_dir: Path) -> None:
    start = 1_800_000_000.0
    d = warm_drill(state_dir, "rate-limit", speed=1.0, start=start)
    first = impact_crossing(d, at=start + 3600)
    assert first is not None
    breach = first[0]
    inc = IncidentStore(state_dir / "inc", clock=Clock(breach + 400)).create(title="late", severity="P3")
    report = drill_report(d, inc.state, at=breach + 500)
    detected = report.responses[0]
    assert not report.declared_before_breach
    assert round(detected.minutes * 60) == 400 and detected.met is False
    assert report.summary[0] == "Time to detect: 6m40s (target < 5 min): missed."


def test_pages_and_updates_are_listed_but_not_judged_as_mitigations(state_dir: Path) -> None:
    start = 1_800_000_000.0
    d = warm_drill(state_dir, "rate-limit", speed=1.0, start=start)
    d.record("page", tool="blocks", argv=("incident", "create"), at=start + 10)
    d.record("circuit_breaker", tool="kubectl", argv=("set", "env"), at=start + 20)
    report = drill_report(d, None, at=start + 300)
    rows = {a.action: a for a in report.actions}
    assert rows["page"].description.startswith("responders paged") and not rows["page"].mitigation
    assert rows["circuit_breaker"].mitigation


def test_each_effective_action_says_what_it_changed(state_dir: Path) -> None:
    """From the simulator's own causes: the panes after the action, and as they would be without it — the
    breaker's effect is the quota it saved, not the flows' failures: the provider refuses as many calls with it
    (redteam49 F8: it was credited with the flows the throttle failed)."""
    from warroom.drill.actions import append_actions, Action as A

    start = 1_800_000_000.0
    d = warm_drill(state_dir, "rate-limit", speed=1.0, start=start)
    append_actions(d.path, [A("circuit_breaker", 300.0, start + 300.0, "kubectl", ("set", "env"))])
    report = drill_report(d, over(d, start + 1200.0), at=start + 1200.0)    # over: when the quota runs out is told
    (row,) = [a for a in report.actions if a.action == "circuit_breaker"]
    assert row.effective and "10m00s later" in row.change and "without it" in row.change
    used, used_without = (float(x) for x in re.findall(r"(\d+(?:\.\d+)?)%", row.change)[:2])
    assert row.change.startswith("Model API quota used ") and "; Anthropic (Claude) quota is used up " in row.change
    assert "Flow failure rate" not in row.change, row.change
    lasts, lasts_without = (int(h) * 60 + int(m) for h, m in re.findall(r"used up (\d+)h(\d+)m", row.change))
    assert used < used_without and lasts > lasts_without + 60       # hours of quota bought (world40)


def test_every_canonical_action_a_change_can_mean_is_reported(state_dir: Path) -> None:
    """The report lists only actions it can name, so every canonical action the cluster's replay
    can record must be in the vocabulary: moving back onto the bad release (``rollback_off``)
    brings the fault back and was silently missing from the report."""
    from warroom.drill.actions import ACTIONS, Action as A, append_actions
    from warroom.drill.cluster import initial_cluster
    from warroom.drill.scenarios import list_scenarios

    fe, image = {"deployment": "flowengine"}, "registry.internal/flowengine:"
    ops = [("set_image", {**fe, "image": image + "v1.2.0"}), ("set_image", {**fe, "image": image + "v1.1.0"}),
           ("set_image", {**fe, "image": image + "v1.2.0"}), ("rollout_undo", fe), ("rollout_restart", fe),
           ("set_env", {**fe, "set": {"ENABLE_CIRCUIT_BREAKER": "true", "FALLBACK_MODEL": "gpt-4-turbo",
                                      "CONTEXT_PRUNING_ENABLED": "true", "MANUAL_REVIEW_MODE": "true",
                                      "PII_REDACTION_ENABLED": "false", "MAX_CONCURRENT_FLOWS": "10"}}),
           ("set_env", {**fe, "set": {"ENABLE_CIRCUIT_BREAKER": "false", "CONTEXT_PRUNING_ENABLED": "false",
                                      "MANUAL_REVIEW_MODE": "false", "PII_REDACTION_ENABLED": "true"},
                        "unset": ["FALLBACK_MODEL"]}),
           ("rollout_undo", fe), ("scale_to", {**fe, "replicas": 0}), ("scale_to", {**fe, "replicas": 3}),
           ("scale_to", {**fe, "replicas": 9}), ("rollout_restart", {"deployment": "audit-shipper"}),
           ("patch", {"kind": "hpa", "name": "flowengine", "patch": {"spec": {"minReplicas": 12}}}),
           ("config_set", {"key": "repos.allowlist", "value": "compliance-service"})]
    for scenario in list_scenarios():
        estate = initial_cluster(scenario)
        meant = {k for i, (op, detail) in enumerate(ops) for k in estate.apply(A(op, 10.0 * i, detail=detail))}
        assert meant and meant <= set(ACTIONS), meant - set(ACTIONS)
    start = 1_800_000_000.0
    d = warm_drill(state_dir, "mass-failure", speed=1.0, start=start)
    append_actions(d.path, [A("rollback", 300.0, start + 300.0, "kubectl", ("rollout", "undo")),
                            A("rollback_off", 600.0, start + 600.0, "kubectl", ("set", "image"))])
    report = drill_report(d, None, at=start + 900.0)
    assert [a.action for a in report.actions] == ["rollback", "rollback_off"]
    assert report.actions[1].description == ACTIONS["rollback_off"]


def _drill_with(state_dir: Path, scenario: str, speed: float, plan: list[tuple[str, float]]):
    """A drill at ``speed`` whose actions were taken at the given scenario seconds."""
    start = 1_800_000_000.0
    d = warm_drill(state_dir, scenario, speed=speed, start=start)
    for action, t in plan:
        d.record(action, tool="kubectl", argv=("set", "env"), at=d.wall_time(t))
    return d


def test_a_mitigation_switched_off_again_is_not_done_and_its_off_switch_shows_what_it_undid(state_dir: Path) -> None:
    """Wrong plan: breaker on, then off again, then the retry. The resolution is not done (the
    breaker was not in force when the drill ended), and the report says when it was undone, in
    drill time with the wall beside; switching it off brought the refused retries back (not the failures: the
    provider refuses as many calls either way, redteam49 F8)."""
    d = _drill_with(state_dir, "rate-limit", 10.0, [("circuit_breaker", 400), ("circuit_breaker_off", 700),
                                                    ("retry", 1000)])
    report = drill_report(d, None, at=d.wall_time(2400))
    rows = {a.action: a for a in report.actions}
    assert report.resolution_missing == ("circuit_breaker", "retry") and report.resolution_done == ()
    assert rows["circuit_breaker"].why == "switched off 5m00s drill time (30s wall) later"
    assert rows["circuit_breaker"].change.startswith("Flow failure rate ")
    assert rows["circuit_breaker"].cause == ""      # the scenario's why is told once the drill is over (attack42 A7)
    assert "within 5m00s drill time (30s wall)" in rows["circuit_breaker"].change   # read before it was undone
    off = rows["circuit_breaker_off"]
    assert off.effective and off.mitigation
    assert any(line.startswith("Not done: circuit breaker enabled (ENABLE_CIRCUIT_BREAKER=true) (switched off "
                               "5m00s drill time (30s wall) later); failed flows retried (") for line in report.summary)
    assert not report.recovered


def test_a_retry_before_the_breaker_is_a_miss_with_its_reason(state_dir: Path) -> None:
    """A failed flow retried before the breaker, its call refused, fails again (a 429): the row says so,
    it is no mitigation, and the retry is still missing at the end. (The retry was a mitigation of the
    whole fault, ``requires`` the breaker; it is one task run again: ``Signals.retries``.)"""
    from tests.unit.standins_corpus import refused_retry, run_one
    from warroom.drill.activity import Activity
    from warroom.drill.cluster import build_cluster
    from warroom.drill.model import BACKGROUND_ERRORS

    d = _drill_with(state_dir, "rate-limit", 60.0, [])
    early, t = refused_retry(d, 600.0, 660.0)
    assert run_one(d, ["blocks", "flow", "retry", early, "--max-attempts", "1"], t)[0] == 1
    assert run_one(d, "kubectl set env deployment/flowengine -n production ENABLE_CIRCUIT_BREAKER=true".split(),
                   660.0)[0] == 0
    report = drill_report(d, None, at=d.wall_time(2400))
    (retry,) = [a for a in report.actions if a.action == "retry"]
    assert not retry.effective and not retry.mitigation
    with_it, without = (float(x) for x in re.findall(r"Flow failure rate (\d+\.\d+)% .*\((\d+\.\d+)% without", retry.change)[0])
    assert with_it > without               # one more failed run, counted as FlowEngine counts it
    assert retry.why.startswith(f"{early} failed again: rate limit exceeded: anthropic 429"), retry.why
    assert report.resolution_missing == ("retry",) and early in report.unretried
    assert any(line.startswith(f"Not done: failed flows retried ({early} failed again: rate limit exceeded")
               for line in report.summary), report.summary
    # after the breaker and the routing (the breaker alone leaves the throttle's refusals: redteam49 F8), a retry of
    # one task succeeds; the other failed tasks are still failed: not done until every task the incident failed is
    # retried

    d2 = _drill_with(state_dir / "again", "rate-limit", 60.0, [])
    for env in ("ENABLE_CIRCUIT_BREAKER=true", "FALLBACK_MODEL=gpt-4-turbo"):
        assert run_one(d2, f"kubectl set env deployment/flowengine -n production {env}".split(), 420.0)[0] == 0
    world = Activity(d2.simulator.refresh(), build_cluster(d2.scenario, d2.actions(), 900.0))
    failed = [f.task_id for f in world.flows(0, 900.0, 900.0) if f.status == "failed" and f.error not in BACKGROUND_ERRORS]
    assert len(failed) >= 3
    assert run_one(d2, ["blocks", "flow", "retry", failed[0]], 900.0)[0] == 0
    r2 = drill_report(d2, None, at=d2.wall_time(1200))
    (retry2,) = [a for a in r2.actions if a.action == "retry"]
    assert retry2.effective and r2.resolution_missing == ("retry",)
    # read 5 drill minutes into its 10-minute effect window with no pane moved: not judged yet (redteam41 T6)
    assert retry2.change == "too soon to tell (its effect shows over 10m00s drill time (10s wall))"
    assert failed[0] not in r2.unretried and set(failed[1:]) <= set(r2.unretried)
    assert any(line.startswith(f"Not done: failed flows retried ({len(r2.unretried)} of the {r2.failed} flows the "
                               "incident failed are still failed: ") for line in r2.summary)
    for i, task in enumerate(failed[1:]):                      # every one retried: done
        assert run_one(d2, ["blocks", "flow", "retry", task], 901.0 + i)[0] == 0
    r3 = drill_report(d2, None, at=d2.wall_time(1200))
    assert r3.resolution_missing == () and r3.unretried == () and r3.failed == r2.failed


def test_a_rollback_undone_is_not_done(state_dir: Path) -> None:
    d = _drill_with(state_dir, "mass-failure", 10.0, [("rollback", 300), ("rollback_off", 600)])
    report = drill_report(d, None, at=d.wall_time(1800))
    assert report.resolution_missing == ("rollback",)
    assert {a.action: a.effective for a in report.actions} == {"rollback": True, "rollback_off": True}


def test_an_off_switch_undone_is_read_until_the_mitigation_came_back(state_dir: Path) -> None:
    """Rolled back, moved back onto the bad release, rolled back again 3m20s later: what the off
    switch changed is read when it was undone (it read 10 minutes on, when the second rollback had
    long hidden it: the 5xx rate 0.233% vs 0.205%, as if the bad release had done nothing)."""
    d = warm_drill(state_dir, "mass-failure", speed=10.0, start=1_800_000_000.0)
    append_actions(d.path, [dataclasses.replace(a, ts=d.wall_time(a.t), tool="kubectl") for a in (
        *rollout_undo(500.0), *set_image(800.0, "v1.2.0", "rollback_off"), *rollout_undo(1000.0))])
    report = drill_report(d, None, at=d.wall_time(2400))
    off = next(a for a in report.actions if a.action == "rollback_off")
    assert off.effective and off.why == "undone 3m20s drill time (20s wall) later"
    assert "3m20s drill time (20s wall) later" in off.change
    with_off, without = (float(x) for x in re.findall(r"Model API 5xx rate (\d+(?:\.\d+)?)% \((\d+(?:\.\d+)?)%",
                                                       off.change)[0])
    assert with_off > 2.0 > without                                # the bad release, back for 3m20s
    said = "(set image registry.internal/flowengine:v1.2.0 on flowengine)"      # what it did (redteam39 F8)
    # no incident resolved: named by what the command did, never "the bad release" (``ActionRow.description``)
    assert f"Deployment image changed {said}: undone 3m20s drill time (20s wall) later." in \
        report.summary, report.summary
    assert off.meaning == f"FlowEngine moved back onto the bad release {said}"


def test_action_times_in_drill_time_since_detection_and_the_runbook_path(state_dir: Path) -> None:
    d = _drill_with(state_dir, "rate-limit", 10.0, [])
    clock = Clock(d.wall_time(200))
    inc = IncidentStore(state_dir / "inc", clock=clock).create(
        title="Quota", severity="P3", runbook="RB-CORE-003", drill={"scenario": "rate-limit", "speed": 10.0})
    d.record("circuit_breaker", tool="kubectl", argv=("set", "env"), at=d.wall_time(500))
    book = inc.runbook()
    assert book is not None
    steps = [st for sec in book.sections for st in sec.steps]
    clock.t = d.wall_time(600)
    inc.skip(steps[0].number, "seen on the pane already")
    report = drill_report(d, inc.state, at=d.wall_time(900), runbook=book)
    (row,) = report.actions
    assert row.clock == 300.0                                      # drill seconds since detection, not wall
    took = ("Circuit breaker enabled (ENABLE_CIRCUIT_BREAKER=true) bent the curves at +5m00s drill time, but "
            "the incident was never marked mitigated.")
    assert took not in report.summary       # while open, which action is the fix is the answer (attack42 A7)
    assert len(report.runbook_path) == len(steps) and report.runbook_path[0][1:3] == (steps[0].label, "skipped")
    marked = {f.step for f in book.fulfils}       # an item the journal judges (``fulfilled_by``) says so
    assert all(status == "pending" for st, (_, _, status, _) in zip(steps[1:], report.runbook_path[1:], strict=True)
               if st.id not in marked)
    assert [status for st, (_, _, status, _) in zip(steps, report.runbook_path, strict=True) if st.id in marked] == [
        "not done: no stakeholder update was sent while open; none fell due (one due every 30m00s drill time of a P3)"]
    assert report.outside == ("circuit breaker enabled (ENABLE_CIRCUIT_BREAKER=true) (kubectl set env)",)
    # counted by the checklist's rule (a skipped step is done there), and named
    section = next(sec.title for sec in book.sections if steps[0] in sec.steps)
    assert any(line.startswith(f"Runbook RB-CORE-003 path: 1 of {len(steps)} steps done; skipped: {steps[0].label} "
                               f"({section}); not done: ") for line in report.summary)
    clock.t = d.wall_time(1000)
    inc.resolve("breaker on")
    d.finish(at=d.wall_time(1000))          # resolving finishes the drill
    over = drill_report(d, inc.refresh(), at=d.wall_time(1100), runbook=book)
    assert took in over.summary
    # redteam43 R16: what is done in a finished drill's world after (the breaker switched off in the drill shell) is
    # post-incident triage, not the response: its report stays as it ended ("switched off … later" and "Done outside
    # the runbook's steps" moved it, against the PIR exported at the end)
    d.record("circuit_breaker_off", tool="kubectl", argv=("set", "env"), at=d.wall_time(1050))
    again = drill_report(d, inc.refresh(), at=d.wall_time(1100), runbook=book)
    assert (again.summary, again.actions, again.outside) == (over.summary, over.actions, over.outside), again.summary


def test_each_runbook_step_says_what_its_run_did_to_the_drill(state_dir: Path) -> None:
    """The actions the stand-ins recorded while a step ran are that step's; an action taken while no
    step ran (a shell beside the dashboard) is 'outside the runbook'."""
    from warroom.incident.records import StepRun

    d = _drill_with(state_dir, "rate-limit", 10.0, [])
    clock = Clock(d.wall_time(200))
    inc = IncidentStore(state_dir / "inc", clock=clock).create(
        title="Quota", severity="P3", runbook="RB-CORE-003", drill={"scenario": "rate-limit", "speed": 10.0})
    book = inc.runbook()
    assert book is not None
    breaker = next(st for sec in book.sections for st in sec.steps if "circuit breaker" in st.label.lower())
    state = inc.state.copy()
    step = state._step({"step_id": breaker.id, "runbook_id": book.id, "step": breaker.number, "label": breaker.label})
    at = datetime.fromtimestamp(d.wall_time(500), UTC)
    step.runs.append(StepRun(seq=99, actor="ic", started_at=at, status="ok", exit_code=0,
                             ended_at=datetime.fromtimestamp(d.wall_time(510), UTC)))
    step.status = "ok"
    d.record("circuit_breaker", tool="kubectl", argv=("set", "env"), at=d.wall_time(505))   # while it ran
    d.record("retry", tool="blocks", argv=("flow", "retry"), at=d.wall_time(800))           # from a shell
    report = drill_report(d, state, at=d.wall_time(1200), runbook=book)
    row = next(p for p in report.runbook_path if p[1] == breaker.label)
    assert row[2] == "ok" and row[3] == "circuit breaker enabled (ENABLE_CIRCUIT_BREAKER=true)"
    assert report.outside == ("failed flows retried (blocks flow retry)",)
    assert "Done outside the runbook's steps: failed flows retried (blocks flow retry)." in report.summary


def test_the_runbook_path_marks_steps_as_the_checklist_does(state_dir: Path) -> None:
    """A run that exited 0 without what the runbook expected is ``≠ unmet`` on the checklist, in
    ``show`` and the PIR: the drill report's path says the same and does not count it done (it
    printed ``[ok]`` and "1 of N steps done")."""
    from warroom.incident.drill_report import report_lines
    from warroom.incident.records import StepRun

    d = _drill_with(state_dir, "rate-limit", 10.0, [])
    clock = Clock(d.wall_time(200))
    inc = IncidentStore(state_dir / "inc", clock=clock).create(
        title="Quota", severity="P3", runbook="RB-CORE-003", drill={"scenario": "rate-limit", "speed": 10.0})
    book = inc.runbook()
    assert book is not None
    first, second = [st for sec in book.sections for st in sec.steps][:2]
    state = inc.state.copy()
    at = datetime.fromtimestamp(d.wall_time(500), UTC)
    for st, verdict in ((first, "unmet"), (second, "met")):
        step = state._step({"step_id": st.id, "runbook_id": book.id, "step": st.number, "label": st.label})
        step.runs.append(StepRun(seq=90 + st.number, actor="ic", started_at=at, status="ok", exit_code=0,
                                 ended_at=at, expect="below 75", expect_verdict=verdict,
                                 expect_reason="the output holds 86.5 (wanted below 75)" if verdict == "unmet" else ""))
        step.status = "ok"
    report = drill_report(d, state, at=d.wall_time(900), runbook=book)
    states = {label: s for _, label, s, _ in report.runbook_path}
    assert states[first.label] == "unmet" and states[second.label] == "ok"
    total = len(report.runbook_path)
    line = next(x for x in report.summary if x.startswith(f"Runbook {book.id} path: "))
    assert line.startswith(f"Runbook {book.id} path: 1 of {total} steps done, 1 failed or unmet; failed or unmet: "
                           f"{first.label} ("), line
    assert f"{first.label} " in line and "): ran, expectation not met" in line
    text = report_lines(report)
    assert any(x.endswith(f": {first.label}") and x.lstrip().startswith("[ran, expectation not met]") for x in text)
    assert any(x.endswith(f": {second.label}") and x.lstrip().startswith("[ok]") for x in text)


def test_a_mitigation_taken_only_after_resolving_is_not_done(state_dir: Path) -> None:
    d = _drill_with(state_dir, "mass-failure", 10.0, [])
    clock = Clock(d.wall_time(200))
    inc = IncidentStore(state_dir / "inc", clock=clock).create(
        title="failures", severity="P1", drill={"scenario": "mass-failure", "speed": 10.0})
    clock.t = d.wall_time(600)
    inc.resolve("looked fine")
    d.record("rollback", tool="kubectl", argv=("rollout", "undo"), at=d.wall_time(900))
    report = drill_report(d, inc.state, at=d.wall_time(1500))
    assert report.resolution_missing == ("rollback",)
    assert ("Not done: FlowEngine rolled back off the bad release (taken 5m00s drill time (30s wall) after the incident"
            " was resolved).") in report.summary


def test_an_open_incident_s_report_does_not_name_the_fix_nobody_took(state_dir: Path) -> None:
    """redteam42 R18: 10 drill seconds after declaring, `g` said "Not done: FlowEngine rolled back off the bad
    release (never done)": the cause and its fix before any triage. Until the end the report says what the team
    did; what it never took is said once the incident is resolved, beside what caused it."""
    d = _drill_with(state_dir, "mass-failure", 10.0, [])
    clock = Clock(d.wall_time(200))
    inc = IncidentStore(state_dir / "inc", clock=clock).create(
        title="failures", severity="P1", drill={"scenario": "mass-failure", "speed": 10.0})
    early = drill_report(d, inc.state, at=d.wall_time(210))
    assert early.resolution_missing == () and early.cause == ""
    assert not any("rolled back" in line or "bad release" in line or "Not done" in line for line in early.summary)
    clock.t = d.wall_time(600)
    inc.resolve("looked fine")
    over = drill_report(d, inc.refresh(), at=d.wall_time(610))
    assert over.resolution_missing == ("rollback",)
    assert "Not done: FlowEngine rolled back off the bad release (never done)." in over.summary


def test_an_open_incident_s_report_names_no_failed_flow_to_retry_until_the_team_retries_or_it_is_over(
        state_dir: Path) -> None:
    """redteam43 R4: mid-drill, nothing retried, the report said "Failed flows never retried: 13 of the 13 … are still
    failed (tsk_951c9e0b, …)": half of rate-limit's resolution, with the task ids to retry. The flows still failed
    are said (text, --json's ``unretried``) once the team retried some (how far its own retry got) or it is over."""
    d = _drill_with(state_dir, "rate-limit", 10.0, [("circuit_breaker", 500)])
    clock = Clock(d.wall_time(200))
    inc = IncidentStore(state_dir / "inc", clock=clock).create(
        title="429s", severity="P3", drill={"scenario": "rate-limit", "speed": 10.0})
    open_ = drill_report(d, inc.state, at=d.wall_time(1000))
    assert open_.failed and open_.unretried is None and open_.to_dict()["unretried"] is None
    assert not any("retried" in line or "tsk_" in line for line in open_.summary), open_.summary
    clock.t = d.wall_time(1010)
    inc.resolve("breaker on")
    over = drill_report(d, inc.refresh(), at=d.wall_time(1020))
    assert over.unretried and over.resolution_missing == ("fallback_routing", "retry")
    assert any(line.startswith("Not done: ") and "failed flows retried (never done; " in line
               and over.unretried[0] in line
               for line in over.summary), over.summary


def test_a_damaged_actions_file_is_an_error_naming_its_line(state_dir: Path) -> None:
    """actions.jsonl lines whose times are not moments (NaN, inf, 1e308, a wall time past year
    5138) are damage: the report says which file and line, never a crash and (changed on purpose,
    stop 27) never a report of a world redrawn without the line."""
    from warroom.errors import WarroomError

    for bad in ('{"action":"retry","t":NaN}', '{"action":"retry","t":Infinity}', '{"action":"retry","t":1e308}',
                '{"action":"circuit_breaker_off","t":500,"ts":1e300}', '{"action":"retry","t":600,"ts":-1}'):
        d = _drill_with(state_dir, "rate-limit", 10.0, [("circuit_breaker", 300)])
        with open(d.path / "actions.jsonl", "a", encoding="utf-8") as fh:
            fh.write(bad + "\n")
        with pytest.raises(WarroomError, match=r"actions.jsonl:2: not a whole action record"):
            drill_report(d, None, at=d.wall_time(900))


def test_an_action_that_is_no_mitigation_still_says_what_it_moved(state_dir: Path) -> None:
    """Audit gap: FlowEngine scaled back up is not a mitigation of the fault, yet a stopped
    FlowEngine writes no audit events, so starting it moved the gap — the report says so; a page
    never moves a curve and says nothing."""
    from tests.unit.standins_corpus import run_one

    d = _drill_with(state_dir, "audit-gap", 10.0, [("page", 200)])
    for cmd, t in (("kubectl scale deployment/flowengine -n production --replicas=0", 300),
                   ("kubectl rollout restart deployment/audit-shipper -n production", 360),
                   ("kubectl scale deployment/flowengine -n production --replicas=5", 600)):
        assert run_one(d, cmd.split(), t)[0] == 0
    report = drill_report(d, None, at=d.wall_time(1500))
    rows = {a.action: a for a in report.actions}
    start = rows["flowengine_start"]
    assert not start.effective and start.change.startswith("Audit-log gap ") and "without it" in start.change
    assert rows["page"].change == ""
    assert report.resolution_missing == ()       # redaction never taken, and the drill is not over (redteam42 R18)


def test_the_screen_marks_a_pane_breached_only_past_critical(state_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """'How the panes ended' marked every pane not recovered '✖ still breached': the failures at 0.x%,
    past warn and climbing but under critical, was shown breached beside a summary that said not."""
    from rich.console import Console

    from tui.screens.drill_report import report_renderable

    d = _drill_with(state_dir, "rate-limit", 1.0, [])
    breach = breach_time(d, at=d.wall_time(3600))
    monkeypatch.setenv("WARROOM_DRILL_AT", repr(breach + 600))       # both reports are read once it happened
    report = drill_report(d, None, at=breach - 20)
    failing = report.panes[0]
    assert failing.pane == "failure_rate" and 0.5 < failing.now < 1.0 and not failing.recovered
    console = Console(width=160, record=True, color_system=None)
    console.print(report_renderable(report))
    row = next(line for line in console.export_text().splitlines() if line.strip().startswith("Flow failure rate"))
    assert "still breached" not in row and "▲ not recovered" in row
    late = drill_report(d, None, at=breach + 600)
    console = Console(width=160, record=True, color_system=None)
    console.print(report_renderable(late))
    row = next(line for line in console.export_text().splitlines() if line.strip().startswith("Flow failure rate"))
    assert "✖ still breached" in row


def test_the_report_screen_gives_response_times_as_durations(state_dir: Path) -> None:
    """The screen's response table said "204:28" (minutes:seconds past 99 minutes) for a resolve that
    took 3h24m28s of drill time, beside a header clock of 3:24:27 and the CLI's "3h24m28s": it now writes
    a span as every other view does (``durations.format_duration``), drill time and wall time alike."""
    import dataclasses

    from rich.console import Console

    from tui.screens.drill_report import report_renderable

    d = _drill_with(state_dir, "rate-limit", 30.0, [])
    report = drill_report(d, None, at=d.wall_time(900))
    rows = tuple(dataclasses.replace(r, minutes=204.4667, wall_minutes=6.8155, met=False)
                 if r.key == "resolved" else r for r in report.responses)
    console = Console(width=160, record=True, color_system=None)
    console.print(report_renderable(dataclasses.replace(report, responses=rows)))
    row = next(line for line in console.export_text().splitlines() if line.strip().startswith("Time to resolve"))
    # what the span completed, as the header's clock counts it (durations.stated_seconds, redteam29-3)
    assert "3h24m28s" in row and "6m48s" in row and "204:28" not in row, row


def test_the_flows_an_incident_failed_are_counted_over_the_whole_incident(state_dir: Path) -> None:
    """A drill incident open 3h30m counted only the failed flows of its last two hours (the stand-ins'
    look-back): 231 against the PIR's 414. The report's count is the sum of the counts of two halves,
    each under two hours, and a task failed in the first half and never retried is still left."""
    from warroom.drill.activity import MAX_WINDOW, Activity
    from warroom.drill.cluster import build_cluster
    from warroom.drill.model import BACKGROUND_ERRORS, INTERRUPTED
    from warroom.incident.drill_report.actions import unretried

    d = _drill_with(state_dir, "mass-failure", 30.0, [])
    t1, t2 = 0.0, 3.5 * 3600
    assert t2 - t1 > MAX_WINDOW
    failed, left = unretried(d, t1, t2)

    def ours(a: float, b: float) -> list[str]:
        """The flows that failed in [a, b], however early they were asked for (ten minutes before a, at most)."""
        flows = Activity(d.simulator.refresh(), build_cluster(d.scenario, d.actions(), t2)).flows(a - 600.0, b, t2)
        return [f.task_id for f in flows if f.error not in (None, *BACKGROUND_ERRORS, INTERRUPTED) and a <= f.end <= b]

    first, second = ours(t1, 1.75 * 3600), ours(1.75 * 3600 + 1e-6, t2)
    assert first and second
    assert failed == len(first) + len(second)
    assert set(first) <= set(left)          # nobody retried them: the early ones are left too


def test_resolved_while_still_breached_is_in_time_but_no_recovery(state_dir: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Resolved 10 drill minutes in with nothing done, the 5xx rate and the failures past critical:
    the summary said "Time to resolve: …: met." and "MTTR target: met." as if service was restored.
    Now both say the clock was met and the resolution was not a recovery, naming the panes; a drill
    resolved with every pane back under critical still reads a plain "met"."""
    d = _drill_with(state_dir, "provider-outage", 10.0, [])
    clock = Clock(d.wall_time(100))
    inc = IncidentStore(state_dir / "inc", clock=clock).create(
        title="5xx", severity="P2", runbook="RB-CORE-004", drill={"scenario": "provider-outage", "speed": 10.0})
    clock.t = d.wall_time(700)
    inc.resolve("looked fine")
    monkeypatch.setenv("WARROOM_DRILL_AT", repr(d.wall_time(800)))      # the report is read then
    report = drill_report(d, inc.state, at=d.wall_time(800))
    past = [p.title for p in report.panes if p.now is not None and p.crit is not None and p.now > p.crit]
    assert past and [p.pane for p in report.panes][:1] == ["error_5xx"]
    [line] = [ln for ln in report.summary if ln.startswith("Time to resolve:")]
    assert line.endswith(f"(target < 60 min): met on the clock, but {' and '.join(sorted(past))} "
                         f"{'was' if len(past) == 1 else 'were'} still past critical at the resolution."), line
    [mttr] = [ln for ln in report.summary if "MTTR target" in ln]
    assert mttr.endswith(": met on the clock, not a recovery (as above)."), mttr
    # worked: routing away from the failing provider, resolved once the panes are back under critical
    fixed = _drill_with(state_dir / "fixed", "provider-outage", 10.0, [("fallback_routing", 150)])
    clock = Clock(fixed.wall_time(100))
    inc = IncidentStore(state_dir / "inc2", clock=clock).create(
        title="5xx", severity="P2", runbook="RB-CORE-004", drill={"scenario": "provider-outage", "speed": 10.0})
    clock.t = fixed.wall_time(3000)
    inc.resolve("routed away")
    monkeypatch.setenv("WARROOM_DRILL_AT", repr(fixed.wall_time(3100)))
    report = drill_report(fixed, inc.state, at=fixed.wall_time(3100))
    assert not any(p.now > p.crit for p in report.panes if p.now is not None and p.crit is not None)
    [line] = [ln for ln in report.summary if ln.startswith("Time to resolve:")]
    assert line.endswith("(target < 60 min): met."), line


def test_an_action_s_command_reads_as_the_command_that_was_run(state_dir: Path) -> None:
    """The report joined argv with bare spaces: a page's ``--title 'Mass failure: 3 repos'`` read
    as several arguments and a JSON patch lost its quotes, so the command shown was not the one
    run and re-typing it ran another. It is shell-quoted: split back, it is the argv recorded."""
    import shlex

    start = 1_800_000_000.0
    d = warm_drill(state_dir, "rate-limit", speed=1.0, start=start)
    page = ("incident", "create", "--title", "Mass failure: 3 repos", "--note", "it's $(down) & out")
    patch = ("patch", "deployment/flowengine", "-p", '{"spec": {"replicas": 5}}')
    d.record("page", tool="blocks", argv=page, at=start + 10)
    d.record("throttle", tool="kubectl", argv=patch, at=start + 20)
    plain = drill_report(d, None, at=start + 300)      # one report, its rows and its text (it was built twice)
    rows = {a.action: a for a in plain.actions}
    assert shlex.split(rows["page"].command) == ["blocks", *page]
    assert shlex.split(rows["throttle"].command) == ["kubectl", *patch]
    assert any(line.endswith(f"[{rows['page'].command}]") for line in report_lines(plain))


def test_a_mitigation_switched_off_before_any_pane_moved_is_not_said_to_have_bent_the_curves(state_dir: Path) -> None:
    """'X bent the curves at +…, but the incident was never marked mitigated' points the IC at a fix
    that worked and was not marked. Said of context pruning switched off 35 s after (timeout x10),
    whose own line read 'P95 flow latency and Flow failure rate unchanged within 35s', it claimed
    what no pane showed: only an action that moved a pane (its change says which) bent the curves."""
    d = warm_drill(state_dir, "timeout", speed=10.0, start=1_800_000_000.0)
    inc = IncidentStore(state_dir / "inc", clock=Clock(d.wall_time(200))).create(
        title="P95", severity="P3", runbook="RB-CORE-002", drill={"scenario": "timeout", "speed": 10.0})
    d.record("context_pruning", tool="kubectl", argv=("set", "env"), at=d.wall_time(300))
    d.record("context_pruning_off", tool="kubectl", argv=("set", "env"), at=d.wall_time(335))
    report = drill_report(d, inc.state, at=d.wall_time(900), runbook=inc.runbook())
    on, off = report.actions
    assert on.effective and on.change.endswith("unchanged within 35s drill time (3.5s wall)") and not on.moved
    assert off.moved and "without it" in off.change
    assert not [line for line in report.summary if "bent the curves" in line]
    assert "moved" not in report.to_dict()["actions"][0]          # said by its change, not a field of --json


def test_an_action_asked_about_too_soon_or_that_took_a_pane_to_no_data_is_never_said_to_have_moved_none(
        state_dir: Path) -> None:
    """redteam41 T6: FlowEngine scaled to zero after the timeout incident was resolved "moved none of the
    scenario's panes", asked 10 drill seconds after it (its effect window not over), and again once P95 had lost
    its data (no flows, no histogram): NO DATA is a change. Read at the resolution, before it was taken, it could
    never say anything else."""
    from tests.unit.standins_corpus import run_one

    d = _drill_with(state_dir, "timeout", 10.0, [])
    clock = Clock(d.wall_time(200))
    inc = IncidentStore(state_dir / "inc", clock=clock).create(
        title="slow", severity="P3", drill={"scenario": "timeout", "speed": 10.0})
    clock.t = d.wall_time(600)
    inc.resolve("looked fine")
    assert run_one(d, "kubectl scale deployment/flowengine --replicas=0 -n production".split(), 900.0)[0] == 0
    [soon] = drill_report(d, inc.state, at=d.wall_time(910)).actions
    assert soon.change == "too soon to tell (its effect shows over 10m00s drill time (1m00s wall))", soon
    assert soon.why == "taken 5m00s drill time (30s wall) after the incident was resolved"
    late = drill_report(d, inc.state, at=d.wall_time(1370))
    [later] = late.actions
    assert later.change.startswith("P95 flow latency no data 7m50s drill time (47s wall) later ("), later.change
    assert later.moved and "moved none" not in "\n".join(report_lines(late))


def test_a_mitigation_undone_once_its_fault_was_over_is_done(state_dir: Path) -> None:
    """redteam42 R6: RB-CORE-004's Recovery puts the provider back once the vendor's page is green; the report said
    the fix was "Not done" (judged only by what was in force at the end). Switched off while the outage still
    needed it (the page still "minor"), it is not done."""
    from warroom.incident.drill_report.actions import done_by, stretches

    d = _drill_with(state_dir, "provider-outage", 10.0, [("fallback_routing", 150), ("fallback_routing_off", 4300)])
    report = drill_report(d, None, at=d.wall_time(4400))      # the fault fades from 3000 s: "none" from ~3750 s
    assert report.resolution_done == ("fallback_routing",) and report.resolution_missing == ()
    assert not any(line.startswith("Not done:") for line in report.summary), report.summary
    sig = d.simulator.signals
    early = {"fallback_routing": [(150.0, 3300.0)]}       # back while the vendor's page still said "minor"
    assert not done_by(d.scenario, sig, early, "fallback_routing", 4400.0)
    late = {"fallback_routing": [(3900.0, 4300.0)]}       # taken only once the outage was over: it mended nothing
    assert not done_by(d.scenario, sig, late, "fallback_routing", 4400.0)
    assert done_by(d.scenario, sig, stretches(d.scenario, sig), "fallback_routing", 4400.0)

