"""A finished drill's report reads what an action changed by the resolution at the latest, as the
PIR does (``metric_watch``: ``run_effects`` at ``min(now, window.end)``): the same report whenever
it is asked, and never an effect the incident did not see.

Before: a rollback taken 10 drill seconds before resolving read "unchanged within 10s" in the PIR,
while ``incident drill-report`` said "unchanged within 20s" one wall second after the resolution,
"Flow failure rate 37.4% 3m30s later" twenty seconds after, and ten wall minutes on "… 10m00s
later" plus "FlowEngine rolled back off the bad release bent the curves at +59m50s drill time, but
the incident was never marked mitigated": it read the world past the end of the drill, at the
time of asking."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from pathlib import Path

from tests.unit.drill_ops import rollout_undo
from tests.unit.standins_corpus import warmed
from warroom.drill.actions import append_actions
from warroom.drill.directory import create_drill
from warroom.incident.drill_report import drill_report
from warroom.incident.store import IncidentStore


def stamped(d: Any, actions: list[Any]) -> list[Any]:
    """The records as a stand-in writes them: each with the wall moment of its drill time (the drill refuses a record
    whose times disagree with its clock)."""
    return [replace(a, ts=d.wall_time(a.t)) for a in actions]


class _Clock:
    def __init__(self, t: float) -> None:
        self.t = t

    def __call__(self) -> datetime:
        return datetime.fromtimestamp(self.t, UTC)


def test_an_action_just_before_resolving_is_read_by_the_resolution_whenever_asked(state_dir: Path) -> None:
    start = 1_800_000_000.0
    d = warmed(create_drill(state_dir, "mass-failure", speed=10.0, start=start))
    clock = _Clock(d.wall_time(0))
    inc = IncidentStore(state_dir / "inc", clock=clock).create(
        title="failures", severity="P1", drill={"scenario": "mass-failure", "speed": 10.0})
    append_actions(d.path, stamped(d, rollout_undo(3590.0)))
    clock.t = d.wall_time(3600)
    inc.resolve("rolled back")
    said = []
    for later in (1.0, 21.0, 100.0):                       # wall seconds after the resolution
        report = drill_report(d, inc.state, at=d.wall_time(3600) + later)
        (row,) = [a for a in report.actions if a.action == "rollback"]
        said.append((row.change, tuple(report.summary)))
    assert said[0] == said[1] == said[2]
    change, summary = said[0]
    # resolved 10 drill seconds after it: its effect could not show by the end (redteam41 T6: never "unchanged")
    assert change == "too soon to tell (its effect shows over 10m00s drill time (1m00s wall))", change
    assert not any("bent the curves" in line for line in summary)


def test_an_open_drill_still_reads_up_to_ten_minutes_after(state_dir: Path) -> None:
    start = 1_800_000_000.0
    d = warmed(create_drill(state_dir, "mass-failure", speed=10.0, start=start))
    clock = _Clock(d.wall_time(0))
    inc = IncidentStore(state_dir / "inc", clock=clock).create(
        title="failures", severity="P1", drill={"scenario": "mass-failure", "speed": 10.0})
    append_actions(d.path, stamped(d, rollout_undo(1200.0)))
    report = drill_report(d, inc.state, at=d.wall_time(2400))
    (row,) = [a for a in report.actions if a.action == "rollback"]
    assert "10m00s drill time (1m00s wall) later" in row.change and "without it" in row.change
