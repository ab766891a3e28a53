"""One ``kubectl set env`` that means two actions credits each with its own change (redteam34b).

``MAX_CONCURRENT_FLOWS=1 ENABLE_CIRCUIT_BREAKER=true`` in one command recorded both actions from one operation; the
report's "without it" dropped the whole operation for either, so the breaker was credited with the cap's queue
too (failures 2.54 % and quota 98.3 % "without it": the world without both) while the throttle row said the breaker
alone. Each row must read as it does when the IC types the two settings as two commands at the same second."""

from __future__ import annotations

import tempfile
from pathlib import Path

from tests.unit.standins_corpus import START, run_one, warmed
from warroom.drill.directory import create_drill
from warroom.incident.drill_report import drill_report
from warroom.incident.drill_report.actions import action_rows, stretches

SET = ["kubectl", "set", "env", "deployment/flowengine", "-n", "production"]


def _rows(*commands: list[str]) -> dict[str, str]:
    """Each action's change as the report says it once the drill is over (``told``: named apart; while it is open one
    command is one row, weighed together: redteam45 R11, test_drill_report_one_command_one_row)."""
    d = warmed(create_drill(Path(tempfile.mkdtemp()), "rate-limit", speed=10.0, start=START, name="one"))
    for argv in commands:
        assert run_one(d, argv, 300.0)[0] == 0
    at = d.wall_time(1500.0)
    with d.simulator.holding():
        signals = d.simulator.signals
        rows = action_rows(d, signals, stretches(d.scenario, signals), resolved=None, t_end=1500.0, t_zero=None,
                           at=at, slos=None, told=True)
    assert len(drill_report(d, None, at=at).actions) == len(commands)     # while open: a row per command typed
    return {a.action: a.change for a in rows}


def test_each_meaning_of_one_set_env_is_credited_with_its_own_change() -> None:
    one = _rows([*SET, "MAX_CONCURRENT_FLOWS=1", "ENABLE_CIRCUIT_BREAKER=true"])
    two = _rows([*SET, "MAX_CONCURRENT_FLOWS=1"], [*SET, "ENABLE_CIRCUIT_BREAKER=true"])
    assert set(one) == {"throttle", "circuit_breaker"} and one == two, (one, two)
    assert one["throttle"] != one["circuit_breaker"]
