"""Two watchers of one incident: a reading older than the journal's last line about a gate's pass changes nothing
(attack52 F3).

The watcher journals ``gate.relapsed`` / ``gate.recovered`` as a look's reading of a counted gate calls for it
(``gate_relapse.due``), judged on the journal's last line about that pass. Judged on that line's kind alone, two
watchers (two responders, or the dashboard and a CLI command) raced: the slower one's reading, made while the routing
was still undone, landed after the other's "recovered" and journaled a second relapse dated before the line it
followed; ``incident list``, the resume offer and the brief then said RELAPSED, not recovered, of a measure back within
its line. A reading made no later than that line now changes nothing. Rate-limit's routing, run through warroom, its
gate passed, then undone by hand and put back; the drill world and the journal are real, the clock pinned.
"""

from __future__ import annotations

from pathlib import Path

from tests.unit.standins_corpus import typed_in_shell
from tests.unit.test_gate_relapse_journaled import ROUTE, UNDO, _look, _lines, _mitigated, _unpinned  # noqa: F401
from warroom.drill.directory import DrillSource
from warroom.incident.relapse import journal_said
from warroom.incident.status_said import status_said
from warroom.incident.store import IncidentStore
from warroom.journal import events as ev


def test_a_slower_watchers_older_reading_lands_after_the_recovery_and_changes_nothing(tmp_path: Path) -> None:
    d, clock, inc = _mitigated(tmp_path)
    src = DrillSource(d)
    other = IncidentStore(tmp_path / "incidents", inc.config, clock=clock).open(inc.id)    # a second responder
    assert typed_in_shell(d, UNDO, 2500.0) == 0
    clock.t = d.wall_time(3100.0)
    [seen] = _look(inc, src, clock.t)
    assert seen.type == ev.GATE_RELAPSED
    assert typed_in_shell(d, ROUTE, 3200.0) == 0
    clock.t = d.wall_time(3800.0)
    [back] = _look(inc, src, clock.t)
    assert back.type == ev.GATE_RECOVERED
    # the other watcher's look, read at 3150 (the routing still undone, the rate past its line), lands only now
    assert not _look(other, src, d.wall_time(3150.0))
    # nor does a reading at the very instant of the last line's (the same look judged again after HeadMoved)
    assert not _look(other, src, d.wall_time(3800.0))
    assert [line["type"] for line in _lines(inc)] == [ev.GATE_RELAPSED, ev.GATE_RECOVERED]
    st = inc.refresh()
    assert status_said(st, clock()).text() == "mitigated" and journal_said(st, clock()) == ""
    assert sum(t.kind == ev.GATE_RELAPSED for t in st.timeline) == 1
    # a later reading past its line is a relapse again, said once, whichever watcher reads it
    assert typed_in_shell(d, UNDO, 3900.0) == 0
    clock.t = d.wall_time(4500.0)
    [again] = _look(other, src, clock.t)
    assert again.type == ev.GATE_RELAPSED and not _look(inc, src, clock.t)
