"""Every PIR number that pairs an instant with a value comes from one evaluation at that instant.

Found in a dashboard-declared mass-failure drill (A14-18): the SLO evidence said "At impact start
0.93%" for the Flow failure rate, whose impact start is its crossing of critical 1%. The start was
found on the drill's 5 s grid, the value read from the history's grid point before it. Now the
pane at impact start is the value of the crossing that defined it, the panes at detection and at
resolution are read at exactly those instants, and the worst, the time past critical and the
breaches journaled pair each time with the value the pane had then.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.incident_fixtures import DrillClock
from tests.unit.standins_corpus import warmed
from warroom.config import Config
from warroom.drill.directory import create_drill
from warroom.incident.drill_report import declared_source, drill_report
from warroom.incident.metric_history import readings_at
from warroom.incident.pir import render_pir
from warroom.incident.store import IncidentStore
from warroom.journal import events as ev
from warroom.units import format_value

START = 1_800_000_000.7731      # a drill started off the history's grid, as a real one is
SPEED = 10.0


@pytest.fixture(autouse=True)
def _unpinned(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WARROOM_DRILL_AT", "0")        # recorded, so the pin a Clock sets is undone after
    monkeypatch.delenv("WARROOM_DRILL_AT")


def _resolved(tmp_path: Path, *, dashboard: bool):  # type: ignore[no-untyped-def]
    d = warmed(create_drill(tmp_path / "drills", "mass-failure", speed=SPEED, start=START))
    clock = DrillClock(START + 120 / SPEED)           # declared two drill minutes in
    source = {"kind": "pane", "ref": "failure_rate"}
    if dashboard:                                     # as the dashboard declares: from the crossing
        source = declared_source(d, source, at=clock.t)
    inc = IncidentStore(tmp_path / "incidents", Config(), clock=clock).create(
        title="Flows failing", severity="P1", source=source,
        drill={"scenario": "mass-failure", "speed": SPEED, "dir": str(d.path)}, commander="Dana Lee")
    src = d.source(inc.config.slo)
    inc.sync_metrics(src, speed=SPEED, now=clock.t)
    clock.t += 900 / SPEED
    inc.resolve("rolled back", concerns=None)
    inc.sync_metrics(src, speed=SPEED, now=clock.t, summary=True)
    return d, inc, src, clock


def _evidence_row(pir: str, title: str) -> list[str]:
    row = next(line for line in pir.splitlines() if line.startswith(f"| {title} `["))
    return [c.strip() for c in row.strip("|").split("|")]


@pytest.mark.parametrize("dashboard", [True, False], ids=["dashboard", "cli"])
def test_each_value_beside_an_instant_is_the_pane_at_that_instant(tmp_path: Path, dashboard: bool) -> None:
    d, inc, src, clock = _resolved(tmp_path, dashboard=dashboard)
    state = inc.state
    summ = state.metric_summary
    marks = summ["marks"]
    slos = {s.id: s for s in inc.config.slo}
    step = summ["window"]["step"]

    def pane_at(slo_id: str, t: float) -> float:
        return readings_at(src, slos[slo_id], [t], step)[t]

    # the impact start is the failure rate's crossing of 1%: the value quoted there is the crossing's
    defined = state.impact_start_reading()
    assert defined is not None and defined[0] == "failure_rate" and defined[1] > 1.0
    if dashboard:
        assert defined[1] == state.source["started_value"]
    else:   # the first breach journaled, dated and valued from the history
        first = next(b for b in state.breaches if b["slo_id"] == "failure_rate" and b["kind"] == "breached")
        assert (first["at"].timestamp(), first["value"]) == (marks["started"], defined[1])
    fr = summ["slos"]["failure_rate"]
    assert fr["at_start"] == {"at": marks["started"], "value": defined[1]}
    pir = render_pir(state, "pir", inc.config, now=clock())
    assert _evidence_row(pir, "Flow failure rate")[2] == format_value(defined[1], "percent")

    checked = 0
    for slo_id, e in summ["slos"].items():
        for key, mark in (("at_start", "started"), ("at_detection", "detected"), ("at_resolution", "resolved")):
            if slo_id == "failure_rate" and key == "at_start":
                continue                                        # the crossing's own value, above
            assert e[key]["at"] == marks[mark], (slo_id, key)
            assert e[key]["value"] == pane_at(slo_id, marks[mark]), (slo_id, key)
            checked += 1
        worst = e["worst"]
        assert worst["value"] == pane_at(slo_id, worst["at"])   # the worst and its time: one reading
        quoted = [e[k]["value"] for k in ("at_start", "at_detection", "at_resolution")]
        assert all(worst["value"] >= v for v in quoted), (slo_id, worst, quoted)   # no quote beyond the worst
    assert checked == 3 * len(summ["slos"]) - 1

    # the breaches on the timeline: each its time and the pane's value then
    for e in inc.read().events:
        if e.type == ev.SLO_BREACHED:
            at = state.breaches[[b["seq"] for b in state.breaches].index(e.seq)]["at"].timestamp()
            assert e.data["value"] == pane_at(e.data["slo_id"], at)

    # past critical from the impact start to the resolution without a break: its time in breach is
    # the whole impact window, and its span starts at the impact start
    assert fr["breaches"] == [[marks["started"], None]]
    assert fr["breach_seconds"] == pytest.approx(marks["resolved"] - marks["started"], abs=1e-6)

    # the drill report quotes the same readings
    report = drill_report(d, state, at=clock.t, slos=inc.config.slo)
    for pane in report.panes:
        e = summ["slos"][pane.pane]
        assert (pane.at_start, pane.at_detection, pane.at_resolution, pane.worst) == (
            e["at_start"]["value"], e["at_detection"]["value"], e["at_resolution"]["value"], e["worst"]["value"])


def test_a_recorded_history_quotes_its_readings_at_the_marks_or_says_when_it_read(tmp_path: Path) -> None:
    from warroom.incident.metric_history import PaneHistory, mark_readings, summarise
    from warroom.incident.review.metrics import _sample_text

    slo = next(s for s in Config().slo if s.id == "failure_rate")
    grid = tuple((1000.0 + 15 * i, 0.5 + i) for i in range(10))          # 1000 .. 1135
    saved = PaneHistory(slo, grid, 15.0, recorded=True, readings=((1100.0, 7.25),))
    marks = {"started": None, "detected": 1031.0, "resolved": 1100.0}
    readings = mark_readings(object(), saved, marks)                      # no source is asked
    assert readings == {1100.0: 7.25}
    e = summarise(saved, marks, (1000.0, 1135.0), readings)
    assert e["at_resolution"] == {"at": 1100.0, "value": 7.25}           # recorded at the mark: quoted as is
    assert _sample_text(e["at_resolution"], "percent", marks["resolved"]) == format_value(7.25, "percent")
    assert e["at_detection"] == {"at": 1030.0, "value": 2.5}             # none at this mark: the point before
    assert _sample_text(e["at_detection"], "percent", marks["detected"]) == f"{format_value(2.5, 'percent')} (read at 00:17:10)"
