"""A simulated drill runs at x1 or faster (attack13e, D2): below x1 its 5-drill-second samples are
farther apart in wall time than a scrape, and ``time() - last audit event`` then breached the
audit-log gap's threshold in a world with no audit fault (x0.01: "538s past its critical threshold",
journaled as a breach). One rule, ``scenario_time.check_drill_speed``, asked by every way a drill
starts; a replay of recorded points may still be slower."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.conftest import subprocess_env, warroom_cmd
from warroom.drill.directory import DrillError, create_drill
from warroom.errors import WarroomError
from warroom.scenario_time import MAX_SPEED, check_drill_speed


@pytest.mark.parametrize("speed", [0.01, 0.5, 0.999, 0.0, -1.0, float("nan"), float("inf"), MAX_SPEED * 2, True,
                                   "10"])
def test_the_rule_refuses_what_a_drill_cannot_run_at(speed: object) -> None:
    with pytest.raises(WarroomError, match=r"from 1 \(real time\) up to 3600"):
        check_drill_speed(speed)


@pytest.mark.parametrize("speed", [1, 1.0, 10, 60.5, MAX_SPEED])
def test_the_rule_takes_real_time_to_the_fastest(speed: float) -> None:
    assert check_drill_speed(speed) == float(speed)


def test_create_drill_refuses_slow_motion_and_writes_nothing(tmp_path: Path) -> None:
    with pytest.raises(DrillError, match="drill speed must be a number from 1"):
        create_drill(tmp_path, "rate-limit", 0.01)
    assert not (tmp_path / "drills").exists()


@pytest.mark.parametrize("argv", [
    ["incident", "new", "--drill", "rate-limit", "--speed", "0.01"],
    ["drill", "rate-limit", "--speed", "0.5"],
    ["demo", "--speed", "0.01"],
])
def test_every_command_that_starts_a_drill_refuses_below_real_time(tmp_path: Path, argv: list[str]) -> None:
    proc = subprocess.run([*warroom_cmd(), *argv, "--state-dir", str(tmp_path)],
                          capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
                          env=subprocess_env(HOME=str(tmp_path / "home"), TERM="dumb"))
    assert proc.returncode == 2, (proc.returncode, proc.stdout[-300:], proc.stderr[-500:])
    assert "--speed must be a number from 1 (real time) up to 3600" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not any((tmp_path / "drills").glob("*/drill.json"))      # no drill was started
