"""Time to detect in a drill counts from the moment its panes first showed a value (redteam41 G2).

At x60 the audit-gap drill's clock starts when its directory is made; the gap crosses its critical line 60 drill
seconds (1 wall second) later, and the dashboard first drew a value about 2.5 wall seconds after the start: half
of the 5-minute detection target was gone before the commander could see anything, and every x60 run was scored
"missed" for the tool's own start-up. The first look is recorded by the drill (``Drill.looked``, from the first
poll of its source that has values), journaled with the declaration (``source.first_look_at``), and every view
counts detection from it and says how much of the target had passed before it. The clock is pinned; nothing sleeps.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.unit.standins_corpus import warmed
from warroom import scenario_time
from warroom.config import Config, default_slos
from warroom.drill.directory import create_drill
from warroom.cli.incident_show import render_show
from warroom.incident.drill_report import declared_source, drill_report
from warroom.incident.drill_report.harm import since as harm_since
from warroom.incident.jsonview import state_to_json
from warroom.incident.store import IncidentStore
from warroom.incident.verdicts import of_state

T0 = 1_800_000_000.0            # 08:00:00 UTC: the drill's start
SPEED = 60.0


def test_at_x60_detection_counts_from_the_first_look_and_says_what_passed_before_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(scenario_time.AT_ENV, repr(T0))
    state_dir = tmp_path / "state"
    drill = warmed(create_drill(state_dir / "drills", "audit-gap", speed=SPEED))
    monkeypatch.setenv(scenario_time.AT_ENV, repr(T0 + 2.5))        # the dashboard's first poll
    assert any(s.value is not None for s in drill.source().fetch(default_slos()))
    assert drill.first_look == T0 + 2.5
    monkeypatch.setenv(scenario_time.AT_ENV, repr(T0 + 6.5))        # declared 4 wall s (4 drill min) after it
    source = declared_source(drill, {"kind": "manual"}, at=T0 + 6.5)
    breach = datetime.fromisoformat(source["started_at"]).timestamp()
    # the impact began when the audit events stopped, 4 drill minutes before the drill's start (the harm's onset in
    # the simulator's record, redteam49 F3), not at the pane's crossing 5 drill minutes later
    assert (breach, source["started_how"]) == (drill.wall_time(harm_since(drill)), "harm") and breach < T0
    assert source["first_look_at"].startswith("2027-01-15T08:00:02.5")
    cfg = Config()
    cfg.incident.state_dir = str(state_dir)
    inc = IncidentStore(state_dir, cfg).create(
        title="Audit log gap growing", severity="P1", runbook="RB-CORE-005", source=source,
        drill={"scenario": "audit-gap", "speed": SPEED, "dir": str(drill.path)},
        at=datetime.fromtimestamp(T0 + 6.5, UTC))
    (detect,) = [r for r in inc.state.response_times() if r.key == "detected"]
    assert detect.minutes == pytest.approx(4.0) and detect.met, detect        # 5m30s from the breach: missed
    said = of_state(inc.state)["detected"]
    passed = scenario_time.Span(T0 + 2.5 - breach, SPEED).text()
    words = (f"counted from the first look at the panes (08:00:02 UTC): {passed} of its 120-min target had passed"
             " since the impact began, before anything was on screen")     # the target people are given at x60
    raised = ("target raised from 5m00s drill time (5s wall) to 2h00m00s drill time (2m00s wall), so people can act"
              " in it")      # (redteam48 F14: ``people_target``)
    assert (said.state, said.unseen, said.sentence) == ("met", words, f"met; {words}; {raised}")
    pir = inc.render("pir")
    assert f"met; {words}; {raised}" in pir                                                 # the PIR's response table
    # the row's label says what its number counts from, and the header gives both spans (redteam47 F6)
    [row] = [ln for ln in pir.splitlines() if ln.startswith("| Time to detect")]
    assert row.startswith("| Time to detect (from the first look at the panes, 08:00:02 UTC), via the declaration"
                          " | 08:00:06 | 4m00s drill time (4s wall) |"), row
    [head] = [ln for ln in pir.splitlines() if ln.startswith("| **Detected** |")]
    since = scenario_time.Span(T0 + 6.5 - breach, SPEED).text()
    assert f"({since} after impact start; 4m00s drill time (4s wall) after the first look at the panes" \
           " (08:00:02 UTC), which time to detect counts from)" in head, head
    shown = next(ln for ln in render_show(inc, inc.state, inc.clock()) if "Time to detect" in ln)
    assert shown.endswith(f"met; {words}; {raised}"), shown                                  # incident show
    as_json = next(r for r in state_to_json(inc.state)["response_times"] if r["key"] == "detected")
    assert as_json["verdict"]["unseen"] == words and as_json["unseen"] == pytest.approx(T0 + 2.5 - breach)
    report = drill_report(drill, inc.state, at=T0 + 6.5)                            # the drill report
    assert f"Time to detect: 4m00s drill time (4s wall) (target < 120 min): met; {words}; {raised}." in report.summary
