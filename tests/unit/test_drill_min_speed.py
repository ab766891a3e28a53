"""A simulated drill runs at x1 or faster (attack13e, D2): below x1 its 5-drill-second samples are
farther apart in wall time than a scrape, and ``time() - last audit event`` then breached the
audit-log gap's threshold in a world with no audit fault (x0.01: "538s past its critical threshold",
journaled as a breach). One rule, ``scenario_time.check_drill_speed``, asked by every way a drill
starts; a replay of recorded points may still be slower."""

from __future__ import annotations

from pathlib import Path

import pytest

from warroom.drill.directory import DrillError, create_drill
from warroom.errors import WarroomError
from warroom.scenario_time import MAX_SPEED, MIN_REPLAY_SPEED, check_drill_speed, check_replay_speed


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
def test_every_command_that_starts_a_drill_refuses_below_real_time(tmp_path: Path, argv: list[str],
                                                                   monkeypatch: pytest.MonkeyPatch,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    # the CLI's own ``main`` in-process: each command refuses there, before any drill or dashboard (a process per
    # case was ~0.3 s of CPU each, importing warroom again); an exception escaping it fails the test as a traceback did
    from tui.cli import main

    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("TERM", "dumb")
    code = main([*argv, "--state-dir", str(tmp_path)])
    stdout, stderr = capsys.readouterr()
    assert code == 2, (code, stdout[-300:], stderr[-500:])
    assert "--speed must be a number from 1 (real time) up to 3600" in stderr
    assert "Traceback" not in stderr
    assert not any((tmp_path / "drills").glob("*/drill.json"))      # no drill was started


@pytest.mark.parametrize("check, speed, said", [
    (check_drill_speed, 3600.0001, "3600.0001"), (check_replay_speed, 3600.0001, "3600.0001"),
    (check_drill_speed, 0.9999999, "0.9999999"), (check_replay_speed, 1e-300, "1e-300"), (check_replay_speed, 0.00027, "0.00027"),
    (check_drill_speed, float("inf"), "inf"), (check_drill_speed, 0.5, "0.5")])
def test_a_refusal_quotes_the_speed_it_refused_not_a_rounding_inside_the_range(check, speed: float, said: str) -> None:
    """redteam31-1: ``:g`` rounded 3600.0001 to "3600", so the refusal read "up to 3600, got 3600"."""
    with pytest.raises(WarroomError) as err:
        check(speed)
    assert str(err.value).split(", got ")[1].split(":")[0] == said


@pytest.mark.parametrize("speed", [MIN_REPLAY_SPEED, 0.001, 0.5, 1.0, MAX_SPEED])
def test_a_replay_may_be_slower_than_real_time_down_to_the_fastest_mirror(speed: float) -> None:
    assert check_replay_speed(speed) == speed


def test_the_slowest_replay_keeps_a_day_of_rehearsal_a_date(tmp_path: Path) -> None:
    """redteam31-2: a replay at x1e-320 (any positive speed) was taken, and declaring on it overflowed; at the slowest speed
    a day of rehearsal (the longest span a drill states: an approval lasts at most 24h) is still a date."""
    from datetime import UTC, datetime

    from warroom.scenario_time import of_scenario

    class Rehearsal:
        time_scale = MIN_REPLAY_SPEED

    assert datetime.fromtimestamp(1.8e9 + of_scenario(Rehearsal(), 86400.0).wall_seconds, UTC).year < 2100
