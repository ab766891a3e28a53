"""A fast drill judges its response targets on people's clock too (redteam48 F14).

At x60 the five response targets (detect < 5 min … resolve < 60 min) were 5 to 60 wall seconds, and a team that
declared 9.5 s after the breach read "Time to detect … missed" in the PIR and the drill report, beside a Go/No-Go
deadline and an update cadence raised "so the commander has time". A target is now what people are given
(``scenario_time.people_target``, the ``for_people`` floor): never under two wall minutes, and every view that judges
one (``incident show`` and its ``--json``, the PIR, the drill report's table and summary, the runbook's MTTR) says
it was raised, from what, to what. The clock is pinned; nothing sleeps.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.unit.standins_corpus import warmed
from warroom import scenario_time
from warroom.cli.incident_show import render_show
from warroom.config import Config, default_slos
from warroom.drill.directory import create_drill
from warroom.incident.drill_report import declared_source, drill_report
from warroom.incident.jsonview import state_to_json
from warroom.incident.store import IncidentStore

T0 = 1_800_000_000.0            # the drill's start
SPEED = 60.0
RAISED = ("target raised from {} to 2h00m00s drill time (2m00s wall), so people can act in it")


def test_a_x60_drill_judges_its_response_targets_on_people_s_clock_and_says_so(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(scenario_time.AT_ENV, repr(T0))
    state_dir = tmp_path / "state"
    drill = warmed(create_drill(state_dir / "drills", "audit-gap", speed=SPEED))
    monkeypatch.setenv(scenario_time.AT_ENV, repr(T0 + 2.5))        # the dashboard's first poll
    assert any(s.value is not None for s in drill.source().fetch(default_slos()))
    monkeypatch.setenv(scenario_time.AT_ENV, repr(T0 + 12.0))       # declared 9.5 wall s after the first look
    source = declared_source(drill, {"kind": "manual"}, at=T0 + 12.0)
    cfg = Config()
    cfg.incident.state_dir = str(state_dir)
    inc = IncidentStore(state_dir, cfg).create(
        title="Audit log gap growing", severity="P1", runbook="RB-CORE-005", source=source,
        drill={"scenario": "audit-gap", "speed": SPEED, "dir": str(drill.path)},
        at=datetime.fromtimestamp(T0 + 12.0, UTC))
    monkeypatch.setenv(scenario_time.AT_ENV, repr(T0 + 42.0))       # mobilised 30 wall s (30 drill min) later
    inc.note("root-cause", "the audit shipper lost its connection")
    _open_rows_say_the_raise(drill, inc)
    monkeypatch.setenv(scenario_time.AT_ENV, repr(T0 + 102.0))      # resolved 90 wall s (1h30m drill time) in
    inc.resolve("shipper restarted")
    state = inc.refresh()
    times = {r.key: r for r in state.response_times()}
    for key, asked in (("detected", "5m00s drill time (5s wall)"), ("mobilised", "10m00s drill time (10s wall)"),
                       ("root_cause", "15m00s drill time (15s wall)"),
                       ("resolved", "1h00m00s drill time (1m00s wall)")):
        r = times[key]
        assert (r.target_min, r.met, r.raised) == (120.0, True, RAISED.format(asked)), r
    said = RAISED.format("5m00s drill time (5s wall)")
    # incident show, its --json, the PIR and the drill report say the same verdict and why
    shown = next(ln for ln in render_show(inc, state, inc.clock()) if "Time to detect" in ln)
    assert "(< 120 min)  met" in shown and said in shown and "MISSED" not in shown, shown
    as_json = next(r for r in state_to_json(state)["response_times"] if r["key"] == "detected")
    assert as_json["verdict"]["state"] == "met" and as_json["verdict"]["raised"] == said
    pir = inc.render("pir")
    [row] = [ln for ln in pir.splitlines() if ln.startswith("| Time to resolve")]
    # RB-CORE-005's MTTR is its remediation, 4 hours (redteam49 F4: its 5 minutes are containment's): no need to raise
    assert "| < 120 min; runbook MTTR < 240 min |" in row and "runbook MTTR met `" in row, row
    assert "missed" not in row, row
    report = drill_report(drill, state, at=T0 + 102.0)
    # the world is still broken at the resolution: time to resolve is on the clock only there, never "missed"
    assert [r.verdict.state for r in report.responses if r.key != "mitigated"] == ["met"] * 3 + ["clock only"]
    assert {r.target_min for r in report.responses} == {120.0}
    [detect] = [ln for ln in report.summary if ln.startswith("Time to detect")]
    assert "(target < 120 min): met; " in detect and said in detect, detect
    # the PIR's header names the runbook's MTTR as its table judges it (attack49 F7): 4h is not raised; a 5m one is
    [head] = [ln for ln in pir.splitlines() if ln.startswith("| **Runbook** |")]
    assert "MTTR target 4h `" in head, head
    from warroom.incident.review.facts import facts

    state.runbook = {**state.runbook, "mttr_target": "5m"}
    assert facts(state, inc.clock()).runbook.text.endswith(
        "MTTR target 5m (target raised from 5m00s drill time (5s wall) to 2h00m00s drill time (2m00s wall), so people"
        " can act in it)")
    [mttr] = [ln for ln in report.summary if ln.startswith("Runbook RB-CORE-005 MTTR")]
    assert mttr.startswith("Runbook RB-CORE-005 MTTR target < 240 min: met on the clock") and "raised" not in mttr, mttr


def test_a_target_people_can_meet_is_not_raised() -> None:
    """At x2 every target is longer than the floor (5 drill min = 2m30s wall): nothing is raised, no words; the
    floor is the rule of every span people act in (``for_people``), at any speed."""
    assert scenario_time.people_target(5.0, 2.0) == (5.0, "")
    assert scenario_time.people_target(60.0, 1.0) == (60.0, "")
    assert scenario_time.people_target(30.0, 10.0) == (30.0, "")
    assert scenario_time.people_target(5.0, 10.0) == (
        20.0, "target raised from 5m00s drill time (30s wall) to 20m00s drill time (2m00s wall), so people can act"
              " in it")


def _open_rows_say_the_raise(drill: object, inc: object) -> None:
    """attack49 F7: a row not reached yet shows the raised target too, so it says so (show, the drill report)."""
    state = inc.refresh()     # type: ignore[attr-defined]
    resolve = next(ln for ln in render_show(inc, state, inc.clock()) if "Time to resolve" in ln)  # type: ignore
    assert "(< 120 min)  " + RAISED.format("1h00m00s drill time (1m00s wall)") in resolve, resolve
    report = drill_report(drill, state, at=T0 + 42.0)   # type: ignore[arg-type]
    [line] = [ln for ln in report.summary if ln.startswith("Time to resolve")]
    assert line == "Time to resolve: not reached (target < 120 min); " + \
        RAISED.format("1h00m00s drill time (1m00s wall)") + ".", line


def test_a_declaration_ahead_of_impact_says_its_target_was_raised() -> None:
    """attack49 F7: "Time to detect n/a (< 120 min) met (declared first)" showed the raised target unsaid: no target
    judged it, but the target shown is the raised one, so the verdict says the raise as every other row does."""
    from warroom.incident.verdicts import milestone

    said = milestone("detected", None, reached=True, ahead_of="Audit gap", past_critical=(), held=(),
                     before="", raised="target raised from x to y")
    assert said.word == "met (declared first)" and said.raised == "target raised from x to y"
    assert said.sentence == "declared before Audit gap reached critical: met; target raised from x to y"
