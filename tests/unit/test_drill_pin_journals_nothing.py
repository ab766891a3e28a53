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
    monkeypatch.setenv(stime.AT_ENV, repr(drill.start + 1.2))       # 12 drill seconds in: behind the wall
    with pytest.raises(PinnedClock, match="writes nothing in the journal"):
        inc.note("root-cause", "pinned root cause")
    assert sync(inc, quiet=True).events == [] and inc.refresh().last_seq == seq
    monkeypatch.delenv(stime.AT_ENV)
    inc.note("root-cause", "found it")                               # now, on the wall clock
    assert inc.refresh().last_seq == seq + 1 and inc.state.notes[-1].at >= inc.state.declared_at
