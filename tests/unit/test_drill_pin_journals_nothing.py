"""On a drill that runs on the wall clock, ``$WARROOM_DRILL_AT`` writes nothing in its incident's journal
(redteam43 R18).

``WARROOM_DRILL_AT=<detection + 12 s> warroom incident note INC-… --tag root-cause …`` typed 2h30m of drill time in
stamped the note at +2m02s (the journal's stamps ran backwards, nothing marking the pin) and bought "Time to root
cause 2m02s … met". As the drill's stand-ins change nothing under a pin there (R15), its incident's journal takes no
line stamped by one: a write is refused, nothing written; a look (``incident show``'s sync) journals nothing. A drill
made under a pin or with a start given (the tests' worlds) keeps its pinned clock.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from warroom import scenario_time as stime
from warroom.cli.incident_metrics import sync
from warroom.drill.directory import create_drill
from warroom.incident.session import PinnedClock
from warroom.incident.store import IncidentStore


def test_a_pinned_write_to_a_wall_clock_drill_incident_is_refused_and_a_pinned_look_writes_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(stime.AT_ENV, raising=False)
    drill = create_drill(tmp_path / "drills", "rate-limit", speed=10.0)            # unpinned, no start: the wall's
    assert drill.on_wall
    inc = IncidentStore(tmp_path / "incidents").create(
        title="429s", severity="P3", drill={"scenario": "rate-limit", "speed": 10.0, "dir": str(drill.path)})
    seq = inc.state.last_seq
    # the drill's first moment: behind the wall whatever the machine's speed (a pin 1.2 s after a drill made on the
    # wall was ahead of it whenever the test got there in under 1.2 s: refused then as a moment not yet come)
    monkeypatch.setenv(stime.AT_ENV, repr(drill.start))
    with pytest.raises(PinnedClock, match="writes nothing in the journal"):
        inc.note("root-cause", "pinned root cause")
    assert sync(inc, quiet=True).events == [] and inc.refresh().last_seq == seq
    monkeypatch.delenv(stime.AT_ENV)
    inc.note("root-cause", "found it")                               # now, on the wall clock
    assert inc.refresh().last_seq == seq + 1 and inc.state.notes[-1].at >= inc.state.declared_at


def test_a_pin_ahead_of_the_wall_is_refused_by_the_looks_as_by_the_stand_ins(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """attack60 F1: ten minutes ahead of the wall, ``curl`` in the drill refused the moment ("a drill holds nothing
    from a time that has not happened") while ``incident brief`` said "failure_rate 39.1% now (critical)" and
    ``decide`` judged Go/No-Go criteria on that world. Every look refuses it now, in the stand-ins' words: the
    incident's clock, the panes' source and the CLI's show/brief/decide/drill-report; a moment behind the wall
    is still read (a replay of a moment), and the wall clock itself is untouched."""
    from tui.cli import main
    from warroom.config import default_slos
    from warroom.drill.standins.base import Context, ToolError
    from warroom.errors import WarroomError

    monkeypatch.delenv(stime.AT_ENV, raising=False)
    drill = create_drill(tmp_path / "drills", "mass-failure", speed=60.0)          # unpinned, no start: the wall's
    inc = IncidentStore(tmp_path).create(
        title="flows failing", severity="P1", drill={"scenario": "mass-failure", "speed": 60.0, "dir": str(drill.path)})
    ahead = stime.wall() + 600.0
    monkeypatch.setenv(stime.AT_ENV, repr(ahead))
    said = "a drill holds nothing from a time that has not happened"
    with pytest.raises(WarroomError, match=f"pins the clock at .*, after the drill's now .*: {said}"):
        inc.clock()
    samples = drill.source(default_slos()).fetch(default_slos())
    assert all(s.value is None and s.error and "after the drill's now" in s.error for s in samples), samples
    with pytest.raises(ToolError, match=f"curl: drill: .* pins this command at .*: {said}"):
        Context("curl", ["-s", "localhost:9090"], drill)
    for look in (["show"], ["brief"], ["decide"], ["drill-report"]):
        assert main(["incident", *look, inc.id, "--state-dir", str(tmp_path)]) != 0, look
        out, err = capsys.readouterr()
        assert said in err and "% now" not in out, (look, out, err)
    monkeypatch.setenv(stime.AT_ENV, repr(drill.start))                            # behind the wall: read
    assert inc.clock().timestamp() == pytest.approx(drill.start, abs=1e-5) and drill.start <= stime.wall()
    assert all(s.error is None for s in drill.source(default_slos()).fetch(default_slos()))
    assert main(["incident", "show", inc.id, "--state-dir", str(tmp_path)]) == 0
