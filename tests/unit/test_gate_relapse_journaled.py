"""A relapse only a gate's measure shows is journaled when a look first sees it (attack51 A3's other half).

Rate-limit: the routing (step 10) run through warroom, its gate (``failure_rate_5m < 1 for 2m``) passed: the
Time-to-mitigate milestone. The routing then undone by hand in the drill shell: no pane may breach again soon (an
hour's failure rate), but the gate's own measure is past its line, and the header, ``show`` and the brief said
RELAPSED while ``incident list`` and the resume offer (the journal alone: ``status_said``) said "mitigated". The
watcher (``MetricWatch.sync``: the dashboard's poll, each CLI command) now journals ``gate.relapsed`` the first time it
reads the measure past its line and ``gate.recovered`` once it is back: once per change, however many watchers look.
The drill world, the runbook and the journal are the real ones; the clock is pinned (``$WARROOM_DRILL_AT``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.unit.incident_fixtures import ran_through_warroom, typed_drill_incident
from tests.unit.standins_corpus import typed_in_shell
from warroom.drill.directory import DrillSource
from warroom.incident.relapse import first_relapse, journal_said, relapse_said
from warroom.incident.status_said import status_said
from warroom.incident.store import IncidentStore
from warroom.journal import events as ev
from warroom.incident.records import _ts
from warroom.sources.evidence import iso
from warroom.sources.verify import journaled_gate, probe, settle_open

RUNBOOK = Path(__file__).resolve().parents[2] / "runbooks" / "RB-CORE-003-rate-limit-exhaustion.md"
ROUTE = "kubectl set env deployment/flowengine FALLBACK_MODEL=gpt-4-turbo -n production".split()
UNDO = "kubectl set env deployment/flowengine FALLBACK_MODEL- -n production".split()
KEY = ("RB-CORE-003", "route-to-secondary")


@pytest.fixture(autouse=True)
def _unpinned(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("WARROOM_DRILL_AT", "0")        # recorded, so the pin a DrillClock sets is undone after
    monkeypatch.delenv("WARROOM_DRILL_AT")
    yield


def _mitigated(tmp_path: Path) -> tuple[Any, Any, Any]:
    """The routing run through warroom at drill second 1500, its gate opened and settled passed."""
    from warroom.incident.live import LiveIncident

    d, clock, inc = typed_drill_incident(tmp_path, "rate-limit", RUNBOOK, title="Flows failing", severity="P3", at=90.0)
    step = ran_through_warroom(d, clock, inc, KEY, ROUTE, 1500.0,
                               params={"deployment": "flowengine", "namespace": "production"})
    LiveIncident(inc, DrillSource(d), speed=d.speed).open_gate(KEY, step.number, str(step.verify))
    clock.t = d.wall_time(2401.0)
    settle_open(inc, inc.read().events, DrillSource(d), [], now=clock.t, speed=d.speed)
    assert inc.refresh().status == "mitigated"
    return d, clock, inc


def _look(inc: Any, src: Any, at: float) -> list[Any]:
    """What the watcher (``Incident.sync_metrics``, as the dashboard's poll and each CLI command call it) journaled of
    the gates at ``at`` (unix)."""
    return [e for e in inc.sync_metrics(src, speed=src.drill.speed, now=at).events if e.type.startswith("gate.")]


def _lines(inc: Any) -> list[dict[str, Any]]:
    return [{"type": e.type, **e.data} for e in inc.read().events if e.type.startswith("gate.")]


def test_the_routing_undone_by_hand_is_journaled_once_and_every_journal_view_says_it(tmp_path: Path) -> None:
    d, clock, inc = _mitigated(tmp_path)
    src = DrillSource(d)
    assert typed_in_shell(d, UNDO, 2500.0) == 0
    clock.t = d.wall_time(2520.0)      # the five-minute rate not past its line yet: nothing to say
    assert not _look(inc, src, clock.t) and not _lines(inc)
    assert status_said(inc.refresh(), clock()).text() == "mitigated"
    clock.t = d.wall_time(3100.0)
    # (before the watcher journaled it, here the list said "mitigated" while the header said RELAPSED)
    [seen] = _look(inc, src, clock.t)
    assert seen.type == ev.GATE_RELAPSED and seen.data["step_id"] == KEY[1], seen
    # looked at again, by this watcher and by another process's (a second Incident on the same journal): no duplicate
    other = IncidentStore(tmp_path / "incidents", inc.config, clock=clock).open(inc.id)
    assert not _look(inc, src, clock.t)
    clock.t = d.wall_time(3160.0)
    assert not _look(other, src, clock.t)
    assert len(_lines(inc)) == 1
    st = inc.refresh()
    # dated when the measure crossed its line, not at the look (attack52 F6: 21 drill minutes late at x60): the first
    # instant of the gate's history past it, the one before within it; the look that saw it journaled beside
    crossed = _ts(seen.data["at"])
    assert crossed is not None and seen.data["seen_at"] == iso(d.wall_time(3100.0)), seen.data
    gate = journaled_gate(next(e.data for e in inc.read().events if e.type == ev.VERIFY_STARTED))
    grid = d.wall_time(5.0) - d.wall_time(0.0)      # the gate's grid: five drill seconds
    before, then = (probe(gate, src, crossed.timestamp() - k * grid)[0] for k in (1, 0))
    assert before is not None and then is not None and gate.holds(before) and not gate.holds(then), (before, then)
    assert 2500.0 < d.scenario_time(crossed.timestamp()) < 2520.0 + 600.0, d.scenario_time(crossed.timestamp())
    assert seen.data["crossed_text"] == gate.show(then), seen.data
    hms, look = seen.data["at"][11:19], seen.data["seen_at"][11:19]
    said = status_said(st, clock())
    assert said.text() == f"mitigated · RELAPSED since {hms}", said
    value = seen.data["value_text"]
    assert said.words == f"RELAPSED: Failure rate (5m) {value} at {look}, past < 1% since {hms}", said.words
    assert journal_said(st, clock()) == f", RELAPSED: Failure rate (5m) {value} at {look}, past < 1% since {hms}," \
                                        " not recovered", journal_said(st, clock())
    again = first_relapse(st, clock())
    assert again is not None and again["seq"] == seen.seq and again["at"] == crossed
    assert relapse_said(st, clock()) == f"relapsed at {hms} UTC: Failure rate (5m) {gate.show(then)}, past < 1% (the" \
                                        f" verify gate of step 10; {value} when a look saw it at {look})", \
        relapse_said(st, clock())
    [told] = [t for t in st.timeline if t.kind == ev.GATE_RELAPSED]
    assert told.at == crossed and f"seen at {look} UTC, reading {value}" in told.text, told
    assert not st.journal_issues and st.unknown_events == 0, st.journal_issues
    assert "did not hold" in told.text
    # the routing put back: the measure back within its line, said once; the journal's views agree again
    assert typed_in_shell(d, ROUTE, 3200.0) == 0
    clock.t = d.wall_time(3800.0)
    [back] = _look(inc, src, clock.t)
    assert back.type == ev.GATE_RECOVERED and back.data["passed_seq"] == seen.data["passed_seq"], back
    assert not _look(inc, src, clock.t)
    st = inc.refresh()
    assert status_said(st, clock()).text() == "mitigated" and journal_said(st, clock()) == ""
    assert first_relapse(st, clock()) is not None         # the PIR's "relapsed at": recovered since or not


def test_a_journal_without_the_lines_reads_as_before(tmp_path: Path) -> None:
    """No look journaled anything (an older warroom): the journal's views say what they said."""
    d, clock, inc = _mitigated(tmp_path)
    assert typed_in_shell(d, UNDO, 2500.0) == 0
    clock.t = d.wall_time(3100.0)
    st = inc.refresh()
    assert status_said(st, clock()).text() == "mitigated" and journal_said(st, clock()) == ""
    assert first_relapse(st, clock()) is None


def test_a_relapse_journaled_before_a_resolve_is_not_said_of_the_reopened_incident(tmp_path: Path) -> None:
    """attack52 F7: resolved and reopened, the incident is investigating again and claims no mitigation: the list
    (``status_said``) said ``investigating · RELAPSED since …`` of a relapse journaled before the resolve, while
    ``show`` and the header said INVESTIGATING."""
    d, clock, inc = _mitigated(tmp_path)
    src = DrillSource(d)
    assert typed_in_shell(d, UNDO, 2500.0) == 0
    clock.t = d.wall_time(3100.0)
    assert [e.type for e in _look(inc, src, clock.t)] == [ev.GATE_RELAPSED]
    assert status_said(inc.refresh(), clock()).relapse           # said while the status claims the mitigation
    inc.resolve("routing put back", concerns=None)
    inc.reopen("the quota climbs again")
    st = inc.refresh()
    said = status_said(st, clock())
    assert st.status == "investigating" and said.text() == "investigating" and said.since is None, said
    assert said.text(upper=True) == "INVESTIGATING"


def test_a_relapse_that_held_again_between_two_looks_is_journaled_as_the_history_read_it(tmp_path: Path) -> None:
    """attack53 A1: the routing undone (its gate's measure past its line from ~2570), put back (within again from
    ~3500) and undone again (past from ~3960) before anyone looked: the look at 4500 journaled one line, dated at the
    last crossing, so the mitigation's first failure was in no line and the PIR's "relapsed at" said it held until
    3960. The look journals what the history it read says came before: relapsed, held again, relapsed, each dated
    when the measure crossed its line, the look beside; the PIR's "relapsed at" is the first failure."""
    d, clock, inc = _mitigated(tmp_path)
    src = DrillSource(d)
    for cmd, at in ((UNDO, 2500.0), (ROUTE, 3200.0), (UNDO, 3900.0)):
        assert typed_in_shell(d, cmd, at) == 0
    clock.t = d.wall_time(4500.0)
    assert [e.type for e in _look(inc, src, clock.t)] == ["gate.relapsed", "gate.recovered", "gate.relapsed"]
    gate = journaled_gate(next(e.data for e in inc.read().events if e.type == ev.VERIFY_STARTED))
    lines = _lines(inc)
    for line, (lo, hi) in zip(lines, ((2400.0, 2570.0), (3200.0, 3500.0), (3900.0, 3960.0)), strict=True):
        crossed = d.scenario_time(_ts(line["at"]).timestamp())
        assert line["seen_at"] == iso(clock.t) and lo < crossed <= hi + 30.0, (line, crossed)   # the history's grid
        assert gate.holds(probe(gate, src, d.wall_time(crossed + 20.0))[0]) is (line["type"] == "gate.recovered")
    first = _ts(lines[0]["at"])
    assert relapse_said(inc.state, clock()).startswith(f"relapsed at {first:%H:%M:%S} UTC: Failure rate (5m) "), \
        relapse_said(inc.state, clock())
    assert status_said(inc.state, clock()).since == _ts(lines[2]["at"])     # open since the last crossing
    assert not _look(inc, src, clock.t + 1.0)                                 # looked at again: nothing more to say


def test_a_slow_look_landing_after_the_world_came_back_closes_the_relapse_it_journals(tmp_path: Path) -> None:
    """attack53 A11: the routing undone at 2500, put back at 3200; a look at 3800 reads the measure within and
    journals nothing (no relapse open); a slower look whose reading was made at 3100 (past its line) lands after it
    and journaled an open relapse the world had left ~300 drill seconds before: "RELAPSED since" until the next look.
    A relapse journaled from readings older than a grid step is closed at once when the history says the measure
    came back since: both lines, each dated when it happened."""
    d, clock, inc = _mitigated(tmp_path)
    src = DrillSource(d)
    assert typed_in_shell(d, UNDO, 2500.0) == 0 and typed_in_shell(d, ROUTE, 3200.0) == 0
    clock.t = d.wall_time(3800.0)
    assert not _look(inc, src, clock.t)                                   # the faster look: within, nothing to say
    assert [e.type for e in _look(inc, src, d.wall_time(3100.0))] == ["gate.relapsed", "gate.recovered"]
    relapsed, back = _lines(inc)
    assert d.scenario_time(_ts(relapsed["at"]).timestamp()) < 2600.0 < 3200.0 < \
        d.scenario_time(_ts(back["at"]).timestamp()) < 3600.0 and back["seen_at"] == iso(clock.t), (relapsed, back)
    assert status_said(inc.state, clock()).since is None                   # mitigated: it holds now
    assert relapse_said(inc.state, clock()).startswith(f"relapsed at {_ts(relapsed['at']):%H:%M:%S} UTC")

    # attack55 F1: the read of whether it came back since (``back_since``) declined by the source's asker (an incident
    # list's budget spent): nothing closes the relapse on a history not read, but the relapse the look read is
    # journaled (attack56 A1), the look returns what it did not read, and the next look closes it, dated by the history
    from warroom.incident.gate_relapse import NotAsked, NotRead

    assert typed_in_shell(d, UNDO, 4000.0) == 0 and typed_in_shell(d, ROUTE, 4400.0) == 0
    read_at, clock.t = d.wall_time(4300.0), d.wall_time(5000.0)

    class Declining:
        """The drill's source, whose history after the readings (what ``back_since`` reads) its asker declines."""

        def __getattr__(self, name: str) -> Any:
            return getattr(src, name)

        def query_range(self, expr: str, start: float, end: float, step: float) -> Any:
            if start >= read_at:
                raise NotAsked("not read: declined by its asker", "the list's budget")
            return src.query_range(expr, start, end, step)

    _, done, declined = inc.metrics.look_gates(Declining(), inc.config.slo, read_at, speed=d.speed)
    assert [e.type for e in done] == [ev.GATE_RELAPSED], done
    assert declined == (NotRead("not read: declined by its asker", "the list's budget",
                                "whether the relapse read ended since (left open)"),), declined
    assert [line["type"] for line in _lines(inc)] == [ev.GATE_RELAPSED, ev.GATE_RECOVERED, ev.GATE_RELAPSED]
    [closed] = _look(inc, src, clock.t)
    assert closed.type == ev.GATE_RECOVERED and closed.data["seen_at"] == iso(clock.t) and \
        4400.0 < d.scenario_time(_ts(closed.data["at"]).timestamp()) < 5000.0, closed.data
