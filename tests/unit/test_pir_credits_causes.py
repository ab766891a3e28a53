"""A25-10: the PIR's "Effect on the SLOs" credited a step with what the panes did while it ran,
whoever moved them: mass-failure's `blocks test-flow` (step 31) was credited with "error_5xx
6.55% → 0.216%", the rollback's doing. In a drill the simulator knows which action changed what:
the PIR now says what the actions recorded while a run went changed (the drill report's
counterfactual, ``change_without``); a run that recorded none is credited with nothing, whatever
the panes did meanwhile. A real source knows values, never causes: the PIR says them as seen,
never as an effect."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.incident_fixtures import DrillClock, drill_incident, ran_ok
from tests.unit.standins_corpus import run_one
from warroom.incident.pir import render_pir
from warroom.incident.review.commands import commands
from warroom.journal import events as ev


@pytest.fixture(autouse=True)
def _unpinned(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WARROOM_DRILL_AT", "0")
    monkeypatch.delenv("WARROOM_DRILL_AT")


def _run(inc, step: int, clock: DrillClock, body, evidence: dict | None = None, took: float = 1.0) -> None:
    """One mutating run of ``step``: started, ``body()`` while it runs, SLO values journaled as seen
    before and after it (as the runner does), finished."""
    st = inc.step(step)
    ref = {"step": st.number, "step_id": st.id, "label": st.label, "runbook_id": inc.runbook().id}
    inc._append(ev.STEP_STARTED, {**ref, "command": st.command or "true", "mutating": True})
    if evidence:
        inc.record_evidence(evidence["before"], step=st.number, step_id=st.id, when="before")
    body()
    clock.t += took
    if evidence:
        inc.record_evidence(evidence["after"], step=st.number, step_id=st.id, when="after", offset=300.0)
    inc._append(ev.STEP_FINISHED, {**ref, "status": "ok", "exit_code": 0, "duration": 1.0})


def test_a_drill_pir_credits_each_run_with_what_its_own_actions_changed(tmp_path: Path) -> None:
    speed = 60.0
    d, inc, clock, breach = drill_incident(tmp_path, "mass-failure", speed, title="flows failing", severity="p1",
                                           pane="failure_rate", runbook="RB-LAUNCH-005")
    source = d.source(inc.config.slo)
    rollback = next(s.number for s in inc.runbook().steps if "rollout undo" in (s.command or ""))
    test_flow = next(s.number for s in inc.runbook().steps if "blocks test-flow" in (s.command or ""))

    clock.t += 60.0
    _run(inc, rollback, clock,
         lambda: run_one(d, ["kubectl", "rollout", "undo", "deployment/flowengine", "-n", "production"],
                         d.scenario_time(clock.t)))
    clock.t += 120.0
    # the panes fell while the test flow ran (the rollback's doing); its runner saw them fall
    seen = {"before": {"error_5xx": {"value": 6.55, "unit": "percent", "state": "crit"}},
            "after": {"error_5xx": {"value": 0.216, "unit": "percent", "state": "ok"}}}
    _run(inc, test_flow, clock, lambda: None, seen)
    clock.t += 60.0    # an hour of drill time after the runs: the rollback's effect settled in 45 s
    inc.resolve("v1.2.0 rolled back", resolution="rollback", concerns=None)
    inc.sync_metrics(source, speed=speed, now=clock.t, summary=True)
    state = inc.state
    rows = {r.step.split()[0]: r for r in commands(state, clock())}

    tf = rows[str(test_flow)].effect
    assert tf.startswith("what it changed (drill simulator): nothing ("), tf
    assert "0.216" not in tf and "6.55" not in tf
    rb = rows[str(rollback)].effect
    assert rb.startswith("what it changed (drill simulator): "), rb
    assert "without it" in rb, rb                 # the pane as it is, beside the world without the rollback
    summary_seq = state.metric_summary["seq"]
    assert summary_seq in rows[str(rollback)].cites
    pir = render_pir(state, "pir", inc.config, now=clock())
    assert "6.55% → 0.216%" not in pir


def test_a_real_incident_says_what_the_panes_did_as_seen_not_as_an_effect(tmp_path: Path) -> None:
    from warroom.incident.review.effects import run_effect

    class Run:
        mutating, status, seq, end_seq = True, "ok", 7, 8
        evidence_before = {"error_5xx": {"value": 6.55, "unit": "percent", "state": "crit"}}
        evidence_after = {300.0: {"error_5xx": {"value": 0.216, "unit": "percent", "state": "ok"}}}

    said = run_effect(Run(), {"seq": 3, "slos": {}, "steps": {}})
    assert said.startswith("seen while it ran (not attributed): error_5xx 6.55% → 0.216%"), said
    summary = {"seq": 3, "slos": {"error_5xx": {"warn": 2.0, "crit": 5.0}}, "steps": {"8": {"values": {
        "error_5xx": {"before": {"at": 0.0, "value": 6.55}, "after": {"at": 300.0, "value": 0.216}, "unit": "percent"}}}}}

    class Quiet(Run):
        evidence_before: dict = {}
        evidence_after: dict = {}

    said = run_effect(Quiet(), summary)
    assert said.startswith("seen while it ran (not attributed): error_5xx 6.55%"), said


def test_a_run_started_right_after_another_is_not_given_its_action(tmp_path: Path) -> None:
    """The stand-in's stamp and the journal's are two clocks, so an action is matched to a run
    with half a second's slack; a run started 0.2 s after the rollback's was credited with the
    rollback too (and the drill report's path said "Wait for the rollback to finish -> FlowEngine
    rolled back"). An action has one owner: the run that holds it."""
    from warroom.incident.drill_report import drill_report

    speed = 60.0
    d, inc, clock, breach = drill_incident(tmp_path, "mass-failure", speed, title="flows failing", severity="p1",
                                           pane="failure_rate", runbook="RB-LAUNCH-005")
    steps = inc.runbook().steps
    rollback = next(s.number for s in steps if "rollout undo" in (s.command or ""))
    wait = next(s for s in steps if "rollout status" in (s.command or ""))
    test_flow = next(s.number for s in steps if "blocks test-flow" in (s.command or ""))
    clock.t += 60.0
    _run(inc, rollback, clock,
         lambda: run_one(d, ["kubectl", "rollout", "undo", "deployment/flowengine", "-n", "production"],
                         d.scenario_time(clock.t)), took=0.1)
    clock.t += 0.2
    _run(inc, test_flow, clock, lambda: None, took=0.1)   # mutating, started 0.3 s after the undo
    clock.t += 0.05
    ran_ok(inc, wait.number)                               # read-only, right after
    clock.t += 60.0    # an hour of drill time after the runs: the rollback's effect settled in 45 s
    inc.resolve("v1.2.0 rolled back", resolution="rollback", concerns=None)
    inc.sync_metrics(d.source(inc.config.slo), speed=speed, now=clock.t, summary=True)
    rows = {r.step.split()[0]: r for r in commands(inc.state, clock())}
    assert "without it" in rows[str(rollback)].effect
    assert rows[str(test_flow)].effect == \
        "what it changed (drill simulator): nothing (no change to the drill world was recorded while it ran)"
    report = drill_report(d, inc.state, at=clock.t, slos=inc.config.slo, runbook=inc.runbook())
    path = {label: did for _, label, _, did in report.runbook_path}
    assert path[wait.label] == "" and "rolled back" in path[steps[rollback - 1].label]
