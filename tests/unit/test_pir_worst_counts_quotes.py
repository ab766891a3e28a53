"""The PIR's worst is never below a value the same PIR quotes for that pane.

Found (redteam32b): a mass-failure PIR said the Flow failure rate's worst was "23.1% at 23:25:13"
while a step's evidence row, in the same PIR, said "23.2% (+10m00s)". The pane is a ``rate`` over
an hour: Prometheus' extrapolation makes it a sawtooth with the scrape phase, and the history's
grid reads one phase of it while a step's evidence is read at whatever instant it fell due. Now
every value the journal quotes with its instant is one of the pane's readings for the worst, the
time past critical and its spans (``IncidentState.quoted_readings``), in the PIR, the drill report
and the saved ``metrics.json`` alike.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.unit.incident_fixtures import DrillClock
from warroom.config import Config
from warroom.drill.directory import create_drill
from warroom.incident.drill_report import drill_report
from warroom.incident.metric_history import readings_at
from warroom.incident.store import IncidentStore
from warroom.journal import events as ev
from warroom.sources.evidence import record_before

START = 1_800_000_000.7731
SPEED = 10.0
PANE = "failure_rate"


@pytest.fixture(autouse=True)
def _unpinned(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WARROOM_DRILL_AT", "0")
    monkeypatch.delenv("WARROOM_DRILL_AT")


class _Journal:
    """What ``record_before`` appends through: the incident's own journal."""

    def __init__(self, inc: Any) -> None:
        self.inc = inc

    def append(self, type_: str, data: dict[str, Any] | None = None) -> Any:
        return self.inc._append(type_, data or {})


def test_a_quoted_value_above_the_grids_worst_is_the_worst(tmp_path: Path) -> None:
    d = create_drill(tmp_path / "drills", "mass-failure", speed=SPEED, start=START)
    clock = DrillClock(START + 120 / SPEED)
    inc = IncidentStore(tmp_path / "incidents", Config(), clock=clock).create(
        title="Flows failing", severity="P1", source={"kind": "pane", "ref": PANE},
        drill={"scenario": "mass-failure", "speed": SPEED, "dir": str(d.path)}, commander="Dana Lee")
    src = d.source(inc.config.slo)
    clock.t = START + 3000 / SPEED
    inc.sync_metrics(src, speed=SPEED, now=clock.t, summary=True)
    grid = inc.state.metric_summary
    step = grid["window"]["step"]

    # each pane between the grid's points around its worst: a histogram quantile or an
    # extrapolated rate moves between two points, so the grid can miss the pane's true peak
    beats: list[tuple[float, str, float, float]] = []
    for slo in inc.config.slo:
        worst = grid["slos"][slo.id]["worst"]
        if worst is None:
            continue
        between = [worst["at"] + step * (k / 8.0) for k in range(-16, 17) if k % 8]
        for t, v in readings_at(src, slo, between, step).items():
            margin = (worst["value"] - v) if slo.direction == "down" else (v - worst["value"])
            if margin > 0:
                beats.append((margin, slo.id, t, v))
    assert beats, "no reading between the grid's points beats its worst: nothing to show"
    _, pane, at, value = max(beats)

    said = record_before(_Journal(inc), 5, "rollback", src, inc.config.slo, at=at, stale_after=3600.0)
    value = said["values"][pane]["value"]           # the evidence as journaled: what the PIR quotes
    worst = grid["slos"][pane]["worst"]["value"]
    down = next(s.direction == "down" for s in inc.config.slo if s.id == pane)
    assert (value < worst) if down else (value > worst)      # still beyond the grid's worst
    quoted = inc.refresh().quoted_readings(pane)
    assert list(quoted.values()) == [value] and abs(next(iter(quoted)) - at) < 1e-3   # journaled to the ms

    clock.t += 1.0
    inc.resolve("rolled back", concerns=None)
    inc.sync_metrics(src, speed=SPEED, now=clock.t, summary=True)
    state = inc.state
    summ = state.metric_summary["slos"]
    for slo_id, entry in summ.items():         # every pane: no value the journal quotes beyond its worst
        below = next(s.direction == "down" for s in inc.config.slo if s.id == slo_id)
        for t, v in state.quoted_readings(slo_id).items():
            if state.metric_summary["marks"]["started"] <= t <= state.metric_summary["marks"]["resolved"]:
                assert (entry["worst"]["value"] <= v) if below else (entry["worst"]["value"] >= v), (slo_id, t, v)
    assert summ[pane]["worst"] == {"at": next(iter(quoted)), "value": value}   # that reading is the worst, at its time

    # the drill report reads the same worst
    report = drill_report(d, state, at=clock.t, slos=inc.config.slo)
    assert all(p.worst == summ[p.pane]["worst"]["value"] for p in report.panes)

    # a PIR drawn later from the saved metrics.json alone (the drill's world gone) says the same
    # worst: the quote comes from the journal; the file keeps only the marks' readings
    from warroom.incident.history import load_history, record_history

    record_history(inc.dir, state, inc.config.slo, src, now=clock.t)
    assert all(len(p.readings) <= 3 for p in load_history(inc.dir).panes)
    inc.sync_metrics(_Gone(), speed=SPEED, now=clock.t, summary=True)
    again = inc.state.metric_summary["slos"]
    assert again[pane]["recorded"] and again[pane]["worst"] == summ[pane]["worst"]


class _Gone:
    """A source that no longer answers: the PIR is drawn from the saved history."""

    name = "gone"

    def query_range(self, *_a: object) -> Any:
        raise OSError("connection refused")


def test_stale_and_unreadable_quotes_are_not_readings(tmp_path: Path) -> None:
    store = IncidentStore(tmp_path, Config(), clock=DrillClock(START))
    inc = store.create(title="t", severity="P2", source={})
    ref = {"step": 1, "step_id": "s1", "when": "before", "offset": 0.0}
    for i, (state, value) in enumerate([("stale", 50.0), ("error", None), ("nodata", None), ("ok", 2.0),
                                        ("crit", float("inf")), ("crit", float("nan"))]):
        inc._append(ev.EVIDENCE, {**ref, "at": f"2027-01-15T08:0{i}:00.000Z",
                                  "values": {PANE: {"value": value if value is None or value == value else "NaN",
                                                    "unit": "percent", "state": state}}})
    got = inc.refresh().quoted_readings(PANE)
    assert sorted(got.values()) == [2.0, float("inf")]
