"""redteam38 F16: ``minutes`` is one clock in every JSON: scenario time, what the target judges, the wall beside.

``incident show --json`` gave a response time's ``minutes`` in drill time with ``wall_minutes`` beside, and
``incident drill-report --json`` gave ``minutes`` in wall time with ``drill_minutes`` beside: at x60 its row read
``minutes`` 0.136 < ``target_min`` 5.0 beside ``met: false``, and a script reading both got opposite answers. The
report's row now has the incident's shape: ``minutes`` (scenario), ``wall_minutes``, ``met`` = ``minutes`` <
``target_min``."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.unit.incident_fixtures import Cli
from warroom.drill.directory import create_drill
from warroom.incident.drill_report import drill_report
from warroom.incident.drill_report.harm import harm_onset
from warroom.incident.store import IncidentStore


class Clock:
    def __init__(self, t: float) -> None:
        self.t = t

    def __call__(self) -> datetime:
        return datetime.fromtimestamp(self.t, UTC)


def test_the_report_and_the_incident_say_minutes_on_one_clock(state_dir: Path, monkeypatch: pytest.MonkeyPatch,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    start = 1_800_000_000.0
    d = create_drill(state_dir, "audit-gap", speed=10.0, start=start)
    breach = harm_onset(d, start + 600)       # the impact start: the audit events stopped (redteam49 F3)
    assert breach is not None
    clock = Clock(breach + 180)                                    # declared three wall minutes after the breach
    inc = IncidentStore(state_dir, clock=clock).create(title="Audit log gap", severity="P1",
                                                       drill={"scenario": "audit-gap", "speed": 10.0})
    clock.t = breach + 210
    inc.note("info", "looking at the audit-gap pane")                # mobilised 30 wall s (5 drill min) later
    monkeypatch.setenv("WARROOM_DRILL_AT", repr(breach + 240))
    report = drill_report(d, inc.state, at=breach + 240).to_dict()
    detected = report["responses"][0]
    assert detected["key"] == "detected" and "drill_minutes" not in detected
    assert detected["minutes"] == pytest.approx(30.0) and detected["wall_minutes"] == pytest.approx(3.0)
    # judged in drill minutes against the target people are given at x10 (5 drill min raised to 20: redteam48 F14)
    assert detected["target_min"] == 20.0 and detected["verdict"]["raised"]
    assert detected["met"] is (detected["minutes"] < detected["target_min"]) is False

    # the incident times detection from its own impact start (none here), the report from the harm's onset: the row
    # both measure from one point is mobilisation (from the declaration)
    mobilised = report["responses"][1]
    code, out, _ = Cli(state_dir, capsys)("show", inc.id, "--json")
    assert code == 0
    shown = next(r for r in json.loads(out)["response_times"] if r["key"] == "mobilised")
    assert mobilised["key"] == "mobilised" and mobilised["minutes"] == pytest.approx(5.0)
    assert (shown["minutes"], shown["wall_minutes"], shown["met"]) == pytest.approx(
        (mobilised["minutes"], mobilised["wall_minutes"], mobilised["met"]))
