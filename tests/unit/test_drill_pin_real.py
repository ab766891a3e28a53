"""``$WARROOM_DRILL_AT`` is read by drills only: a real incident never takes its time from it.

The variable pins the clock for tests and facilitator replays. Left in a shell (or exported by a
script), it used to stamp a real incident's journal, durations and PIR with a made-up moment, and a
malformed value made every command of a real incident fail. The pin is honoured only in a process
that works a drill and has written to no real incident (``warroom.scenario_time.work_on``), and a
real incident's own clock (its journal stamps) is the wall clock whatever the process
(``Incident.own_clock``). Every test pins the variable at a moment in 2001 and asserts the real
incident's times are not that moment (never on the wall clock's value or speed).
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.unit.incident_fixtures import Cli
from warroom import scenario_time

# what the commands decide and say, not how a drill integrates: the drills `incident new --drill` makes start warm
pytestmark = pytest.mark.usefixtures("warm_drills")

PIN = datetime(2001, 9, 9, 1, 46, 40, tzinfo=UTC).timestamp()      # 1e9: no real incident is this old
LONG_AFTER = datetime(2001, 9, 9, 1, 46, 40, tzinfo=UTC) + timedelta(days=3650)


def _pinned_year(text: str) -> list[str]:
    """The pin's year written as a year (2001-09-09, 2001 at a word's edge), never inside a hash or an id: a PIR's
    journal digest held "…972001b8…" and read as the pinned year (ci48a)."""
    return re.findall(r"(?<![0-9a-fA-F])2001(?![0-9a-fA-F])", text)


def _stamps(journal: Path) -> list[datetime]:
    out = []
    for line in journal.read_text(encoding="utf-8").splitlines():
        ts = json.loads(line)["ts"]
        out.append(datetime.fromisoformat(ts.replace("Z", "+00:00")))
    return out


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Cli:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("WARROOM_IDENTITY", "ic@prod")
    return Cli(tmp_path / "state", capsys)


def test_a_real_incident_worked_from_the_cli_is_on_the_wall_clock_with_the_pin_set(
        cli: Cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(scenario_time.AT_ENV, repr(PIN))
    code, out, err = cli("new", "--title", "disk full on db-1", "--severity", "P2")
    assert code == 0, err
    inc = out.strip().splitlines()[-1]
    assert cli("note", inc, "--tag", "info", "db-1 at 98%")[0] == 0
    assert cli("mark", inc, "started", "--at", "10m ago")[0] == 0
    code, out, err = cli("show", inc)
    assert code == 0, err
    assert "elapsed" in out and not _pinned_year(out)
    code, out, err = cli("resolve", inc, "--summary", "disk grown", "--yes")
    assert code == 0, err
    stamps = _stamps(cli.journal(inc))
    assert len(stamps) >= 4 and all(s > LONG_AFTER for s in stamps), stamps    # declared, note, mark, resolved
    events = [json.loads(x) for x in cli.journal(inc).read_text().splitlines()]
    started = next(e for e in events if e["type"] == "phase.marked")["data"]
    assert not _pinned_year(json.dumps(started))                                # "10m ago" of the wall
    assert cli("export", inc)[0] == 0
    pir = (tmp_path / "state" / "incidents" / inc / "pir.md").read_text(encoding="utf-8")
    assert not _pinned_year(pir)
    assert not scenario_time.pinned() and scenario_time.now() != PIN


def test_a_malformed_pin_does_not_stop_a_real_incident(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """A drill refuses a pin that is no moment (its clock would be wrong); a real incident never
    reads it, so every command works (it used to fail every one of them)."""
    monkeypatch.setenv(scenario_time.AT_ENV, "soon")
    code, out, err = cli("new", "--title", "latency up", "--severity", "P3")
    assert code == 0, err
    inc = out.strip().splitlines()[-1]
    for argv in (("show", inc), ("note", inc, "--tag", "info", "p99 1.2s"), ("list",)):
        code, _out, err = cli(*argv)
        assert code == 0 and "WARROOM_DRILL_AT" not in err, (argv, err)
    scenario_time.forget_work()                # another command (process): a drill's, which reads it
    code, _out, err = cli("new", "--title", "quota", "--severity", "P3", "--drill", "rate-limit")
    assert code != 0 and "WARROOM_DRILL_AT must be a unix time" in err


def test_a_real_incident_wins_in_a_process_that_opened_a_drill_first(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """One process (a test, a facilitator's script) opens a drill, then declares a real incident:
    the drill's clock was pinned, the real incident's stamps are not, and from its first line on
    nothing in the process is pinned any more (its durations and "now" are the wall's)."""
    from warroom.config import Config
    from warroom.drill.directory import create_drill
    from warroom.incident.store import IncidentStore

    monkeypatch.setenv(scenario_time.AT_ENV, repr(PIN))
    cfg = Config()
    cfg.incident.state_dir = str(tmp_path)
    assert scenario_time.now() != PIN                       # nothing worked yet: the wall
    d = create_drill(tmp_path / "drills", "rate-limit", speed=10.0)
    assert d.start == PIN and scenario_time.now() == PIN    # a drill: pinned
    real = IncidentStore(tmp_path, cfg).create(title="disk full", severity="P2", source={})
    assert real.state.declared_at is not None and real.state.declared_at > LONG_AFTER
    assert not scenario_time.pinned() and scenario_time.now() != PIN
    real.note("info", "db-1 at 98%")
    assert all(s > LONG_AFTER for s in _stamps(real.dir / "journal.jsonl"))


def test_a_real_incident_s_own_clock_is_the_wall_even_where_the_process_is_pinned(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The journal stamps of a real incident come from its own clock, decided by its declaration:
    even a process that works a drill (and has not written to the real incident yet) reads
    the real incident's time on the wall; a drill incident beside it reads the pin."""
    from warroom.config import Config
    from warroom.incident.store import IncidentStore

    cfg = Config()
    cfg.incident.state_dir = str(tmp_path)
    real = IncidentStore(tmp_path, cfg).create(title="disk full", severity="P2", source={})
    scenario_time.forget_work()                              # another process, which works a drill
    monkeypatch.setenv(scenario_time.AT_ENV, repr(PIN))
    drill = IncidentStore(tmp_path / "drills", cfg).create(title="quota", severity="P3", source={},
                                                          drill={"scenario": "rate-limit", "speed": 10.0})
    assert scenario_time.pinned() and drill.state.declared_at == datetime.fromtimestamp(PIN, UTC)
    reopened = IncidentStore(tmp_path, cfg).open(real.id, work=False)
    assert not reopened.is_drill and reopened.own_clock() > LONG_AFTER and drill.own_clock().timestamp() == PIN


def test_resuming_a_real_incident_never_pins_the_dashboard_even_beside_a_drill_of_the_same_id(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``warroom resume ID`` looks the id up in the state dir and the drills' (a look-up works
    nothing); the real one found, the dashboard's clock is the wall even with the pin set and a
    drill incident of the same id under the drills' dir."""
    from tui.launch import resume_context
    from warroom.config import Config
    from warroom.incident.store import IncidentStore

    cfg = Config()
    cfg.incident.state_dir = str(tmp_path)
    from tests.legacy_ids import numbered_apart

    real = IncidentStore(tmp_path, cfg).create(title="disk full", severity="P2", source={})
    with numbered_apart(tmp_path / "drills"):       # as each store numbered its own (tests/legacy_ids.py)
        drill = IncidentStore(tmp_path / "drills", cfg).create(title="quota", severity="P3", source={},
                                                              drill={"scenario": "rate-limit", "speed": 10.0})
    assert drill.id == real.id
    scenario_time.forget_work()                              # a new process: `warroom resume ID`
    monkeypatch.setenv(scenario_time.AT_ENV, repr(PIN))
    ctx = resume_context(cfg, real.id)
    assert ctx.drill is None and ctx.resume_id == real.id
    assert not scenario_time.pinned() and ctx.clock.now() > LONG_AFTER.timestamp()


def test_listing_drill_incidents_does_not_pin_a_process(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """The real dashboard's resume offer and ``incident list`` read drill incidents too: reading
    one is not working it, so the process's clock stays the wall."""
    from warroom.config import Config
    from warroom.incident.store import IncidentStore

    cfg = Config()
    cfg.incident.state_dir = str(tmp_path)
    IncidentStore(tmp_path / "drills", cfg).create(title="quota", severity="P3", source={},
                                                   drill={"scenario": "rate-limit", "speed": 10.0})
    scenario_time.forget_work()
    monkeypatch.setenv(scenario_time.AT_ENV, repr(PIN))
    assert [s.title for s in IncidentStore(tmp_path / "drills", cfg).open_incidents()] == ["quota"]
    assert not scenario_time.pinned() and scenario_time.now() != PIN


def test_incident_list_gives_each_incident_its_own_clock(
        cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """A real incident and a drill incident in one list with the pin set: the drill's elapsed is
    read on the pin (50 drill minutes), the real one's on the wall (never on a moment in 2001)."""
    monkeypatch.setenv(scenario_time.AT_ENV, repr(PIN))
    code, out, err = cli("new", "--title", "disk full", "--severity", "P2")
    assert code == 0, err
    scenario_time.forget_work()
    code, out, err = cli("new", "--title", "quota", "--severity", "P3", "--drill", "rate-limit", "--speed", "10")
    assert code == 0, err
    scenario_time.forget_work()
    monkeypatch.setenv(scenario_time.AT_ENV, repr(PIN + 300))
    code, out, err = cli("list")
    assert code == 0, err
    (drill_line,) = [x for x in out.splitlines() if "[DRILL]" in x]
    assert "50m00s drill time" in drill_line, out
    code, out, err = cli("list", "--json")
    listed = {d["title"]: d for d in json.loads(out)}
    assert listed["quota"]["scenario_elapsed"] == 3000.0
    assert not listed["disk full"]["declared_at"].startswith("2001")
