"""A clock pinned before the drill began is refused, naming the drill's start (DECIDE-1).

``$WARROOM_DRILL_AT`` a year early (a typo'd year) was accepted in silence: ``incident decide``
judged at the declaration ("15m00s left of 15m00s", every metric "no data") and ``incident show``
said "elapsed 0s" beside "next status update due … (in 8759h54m00s)". No world, incident, deadline or
countdown exists before a drill's scenario second 0, so every reader of a drill's clock — the
incident's own clock (every ``incident`` command), the stand-ins and the dashboard's drill world —
asks ``scenario_time.drill_now``, which refuses such a pin. The wall clock itself is never refused.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.incident_fixtures import Cli
from warroom import scenario_time as stime
from warroom.config import Config
from warroom.drill.directory import create_drill, open_drill
from warroom.drill.standins.base import Context
from warroom.errors import WarroomError
from warroom.incident.store import IncidentStore

# what the commands decide and say, not how a drill integrates: the drills `incident new --drill` makes start warm
pytestmark = pytest.mark.usefixtures("warm_drills")

T0 = 1_800_000_000.0          # 2027-01-15 08:00:00 UTC
YEAR = 365 * 86400.0
SAID = "before drill mass-failure-"
START = "started (2027-01-15 08:00:00 UTC, unix 1800000000)"


@pytest.fixture
def cli(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Cli:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("WARROOM_IDENTITY", "ic@drill")
    monkeypatch.setenv("WARROOM_DRILL_AT", repr(T0))
    return Cli(tmp_path / "state", capsys)


def _new_drill_incident(cli: Cli) -> str:
    code, out, _ = cli("new", "--drill", "mass-failure", "--speed", "10")
    assert code == 0
    return out.strip().splitlines()[-1]


@pytest.mark.parametrize("command", ["show", "decide", "brief", "note", "drill-report"])
def test_an_incident_command_refuses_a_pin_a_year_before_its_drill(cli: Cli, monkeypatch: pytest.MonkeyPatch,
                                                                   command: str) -> None:
    inc_id = _new_drill_incident(cli)
    monkeypatch.setenv("WARROOM_DRILL_AT", repr(T0 - YEAR))
    stime.forget_work()                                  # another process, a typo'd year
    argv = [command, inc_id] + (["looked at the pods", "--tag", "info"] if command == "note" else [])
    code, out, err = cli(*argv)
    assert code != 0, out
    assert SAID in err and START in err and "8760h00m00s before" in err, err
    assert "in 8759h" not in out and "left of" not in out
    journal = cli.journal(inc_id).read_text(encoding="utf-8")
    assert "looked at the pods" not in journal            # nothing written at a moment before the drill


def test_the_drill_s_own_start_and_later_are_fine(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    inc_id = _new_drill_incident(cli)
    for at in (T0, T0 + 60):
        monkeypatch.setenv("WARROOM_DRILL_AT", repr(at))
        stime.forget_work()
        code, out, err = cli("show", inc_id)
        assert code == 0 and SAID not in err, err


def test_a_drill_report_built_without_a_time_refuses_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from warroom.incident.drill_report import drill_report

    drill = create_drill(tmp_path, "mass-failure", 10.0, start=T0)
    monkeypatch.setenv("WARROOM_DRILL_AT", repr(T0 - 60))
    with pytest.raises(WarroomError, match=rf"1m00s before drill {drill.name} started"):
        drill_report(drill)


def test_a_stand_in_refuses_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    drill = create_drill(tmp_path, "mass-failure", 10.0, start=T0)
    monkeypatch.setenv("WARROOM_DRILL_AT", repr(T0 - 3600))
    with pytest.raises(WarroomError, match=rf"1h00m00s before drill {drill.name} started"):
        Context("kubectl", ["get", "pods"], open_drill(drill.path, wrappers=False))


def test_the_dashboard_does_not_draw_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tui.launch import drill_context

    cfg = Config()
    cfg.incident.state_dir = str(tmp_path / "state")
    monkeypatch.setenv("WARROOM_DRILL_AT", repr(T0))
    create_drill(tmp_path / "state" / "drills", "mass-failure", 10.0)
    monkeypatch.setenv("WARROOM_DRILL_AT", repr(T0 - 86400))
    stime.forget_work()
    with pytest.raises(WarroomError, match=r"24h00m00s before drill mass-failure-\S+ started \(2027-01-15 08:00:00 UTC"):
        drill_context(cfg, "mass-failure", None)


def test_the_wall_clock_before_a_drill_made_under_a_later_pin_is_not_refused(tmp_path: Path,
                                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    drill = create_drill(tmp_path, "mass-failure", 10.0, start=stime.wall() + YEAR)
    assert stime.drill_now(drill.start, "drill x") <= drill.start      # unpinned: the wall, said by the panes
    store = IncidentStore(tmp_path / "state", Config())
    inc = store.create(title="t", severity="P2", drill={"scenario": "mass-failure", "speed": 10.0,
                                                       "dir": str(drill.path)})
    assert store.open(inc.id).clock() is not None
