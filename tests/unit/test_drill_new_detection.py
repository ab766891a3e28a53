"""`incident new --drill X --speed N` declares at the drill's start: the detection delay is the
scenario's own (its primary pane's crossing of critical, before or at scenario time 0), never the
time the command itself took between starting the drill and writing the declaration.

Found at x3600: the declaration's time was taken after the drill started, so each wall second of
the CLI's start-up was an hour of detection delay in the PIR and `show`. Then (cycle-4) detection
was back-dated to the start while the declaration stayed late, so the header's elapsed (from
detection) plus "update in" (from the declaration) was the cadence plus the command's time (x30:
16-18 drill s). Now the declaration is stamped at the drill's start: one instant for both.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.unit.incident_fixtures import Cli, DrillClock
from warroom.drill.directory import open_drill
from warroom.incident.drill_report import breach_reading
from warroom.incident.drill_report.harm import harm_onset
from warroom.incident.store import IncidentStore

# what the commands stamp and say, not how a drill integrates: the drills `incident new` makes start warm
pytestmark = pytest.mark.usefixtures("warm_drills")

T0 = 1_800_000_000.4321
SLOW = 0.85      # wall seconds the command takes between starting the drill and declaring


@pytest.fixture
def slow_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Cli:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("WARROOM_IDENTITY", "ic@drill")
    monkeypatch.setenv("WARROOM_DRILL_AT", "0")        # recorded, so the pin the clock sets is undone after
    clock = DrillClock(T0)
    create = IncidentStore.create

    def late(self: IncidentStore, *args: Any, **kwargs: Any) -> Any:   # the command's own start-up
        clock.t += SLOW
        return create(self, *args, **kwargs)

    monkeypatch.setattr(IncidentStore, "create", late)
    return Cli(tmp_path / "state", capsys)


@pytest.mark.parametrize("scenario", ["mass-failure", "audit-gap", "timeout", "rate-limit", "provider-outage"])
def test_the_detection_delay_is_the_scenarios_not_the_commands(slow_cli: Cli, scenario: str) -> None:
    code, out, _ = slow_cli("new", "--drill", scenario, "--speed", "3600")
    assert code == 0
    inc = IncidentStore(slow_cli.state).open(out.strip().splitlines()[-1])
    state = inc.state
    drill = open_drill(Path(state.drill["dir"]), wrappers=False)
    assert drill.start == T0
    # written late, declared (so detected) at scenario 0: one act, one instant (cycle-4)
    assert state.declared_at.timestamp() == pytest.approx(T0, abs=1e-3)
    assert state.phases["detected"].timestamp() == pytest.approx(T0, abs=1e-3)
    crossing = breach_reading(drill, at=drill.wall_time(0.0))
    onset = harm_onset(drill, drill.wall_time(0.0))
    if onset is not None:    # the harm the scenario names began before any pane showed it: from then (redteam49 F3)
        assert state.phases["started"].timestamp() == pytest.approx(onset, abs=1e-3) and crossing is None
        assert drill.scenario_time(onset) < 0 and state.impact_start_reading() is None
        return
    if crossing is None:     # caught before its pane went critical: no impact start before detection
        assert state.phases["started"] is None and state.impact_start == state.phases["detected"]
        return
    started = state.phases["started"].timestamp()
    assert started == pytest.approx(crossing[0], abs=1e-3)
    # what the scenario says: from its crossing to its time 0, in drill seconds
    assert drill.scenario_time(state.phases["detected"].timestamp()) - drill.scenario_time(started) == pytest.approx(
        -drill.scenario_time(crossing[0]), abs=3600 * 1e-3)
    assert state.impact_start_reading() == (drill.scenario.primary, crossing[1])


@pytest.mark.parametrize("speed", ["30", "3600"])
def test_elapsed_plus_update_in_is_the_cadence_right_after_new(slow_cli: Cli, speed: str) -> None:
    from warroom import scenario_time as stime
    from warroom.incident.cadence import next_due

    code, out, _ = slow_cli("new", "--drill", "rate-limit", "--speed", speed)
    assert code == 0
    inc = IncidentStore(slow_cli.state).open(out.strip().splitlines()[-1])
    state, now, every = inc.state, inc.clock(), inc.update_every()
    assert now.timestamp() == pytest.approx(T0 + SLOW, abs=1e-3)            # the command took its time
    elapsed = stime.span(state, state.elapsed(now)).seconds
    update_in = stime.left(state, next_due(state, every), now)
    assert elapsed == pytest.approx(SLOW * float(speed), abs=1e-3 * float(speed))     # stamps keep ms
    assert elapsed + update_in == pytest.approx(every, abs=1e-3 * float(speed))
