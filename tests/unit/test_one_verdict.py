"""One verdict per response milestone (``warroom.incident.verdicts``): the drill report's table
mark, its summary sentence, the PIR's response table and ``incident show`` agree.

R25 left: a drill resolved early with nothing done read "met on the clock, but … still past
critical" in the report's summary while its table wore "✔ met" and the PIR said "met; runbook MTTR
met". A25-5: a drill declared before its pane went critical was "declared before … reached
critical: met" in the report and "not measured (start unknown)" in the PIR.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from rich.console import Console

from tests.unit.incident_fixtures import DrillClock
from tui.screens.drill_report import report_renderable
from tests.unit.standins_corpus import warm_drill
from warroom.cli.incident_show import render_show
from warroom.config import Config
from warroom.incident.drill_report import drill_report
from warroom.incident.jsonview import state_to_json
from warroom.incident.pir import render_pir
from warroom.incident.review.response import response
from warroom.incident.store import IncidentStore

START = 1_800_000_000.0
SPEED = 10.0


@pytest.fixture(autouse=True)
def _unpinned(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WARROOM_DRILL_AT", "0")        # recorded, so the pin a DrillClock sets is undone after
    monkeypatch.delenv("WARROOM_DRILL_AT")


def _resolved_early(tmp_path: Path, declared_at: float, resolved_at: float):  # type: ignore[no-untyped-def]
    """provider-outage declared at scenario ``declared_at`` s, resolved at ``resolved_at`` with
    nothing done; the metrics synced while it ran and summarised at the resolution, as the CLI does."""
    d = warm_drill(tmp_path / "drills", "provider-outage", speed=SPEED, start=START)
    clock = DrillClock(d.wall_time(declared_at))
    inc = IncidentStore(tmp_path / "incidents", Config(), clock=clock).create(
        title="5xx", severity="P2", runbook="RB-CORE-004",
        drill={"scenario": "provider-outage", "speed": SPEED, "dir": str(d.path)}, commander="Dana Lee")
    src = d.source(inc.config.slo)
    clock.t = d.wall_time((declared_at + resolved_at) / 2)
    inc.sync_metrics(src, speed=SPEED, now=clock.t)
    clock.t = d.wall_time(resolved_at)
    inc.resolve("looked fine", concerns=None)
    inc.sync_metrics(src, speed=SPEED, now=clock.t, summary=True)
    return d, inc, clock


def _table_row(report, label: str) -> str:  # type: ignore[no-untyped-def]
    console = Console(width=120, record=True, file=open("/dev/null", "w"))   # noqa: SIM115 - rich owns it
    console.print(report_renderable(report))
    return next(ln for ln in console.export_text().splitlines() if ln.strip().startswith(label))


def test_resolved_with_a_pane_past_critical_wears_no_tick_anywhere(tmp_path: Path) -> None:
    d, inc, clock = _resolved_early(tmp_path, 100.0, 700.0)
    report = drill_report(d, inc.state, at=clock.t)
    row = next(r for r in report.responses if r.key == "resolved")
    assert row.met and row.verdict.state == "clock only"        # in time on the clock, no recovery
    cell = _table_row(report, "Time to resolve")
    assert "▲ clock only" in cell and "✔" not in cell, cell
    [said] = [ln for ln in report.summary if ln.startswith("Time to resolve:")]
    assert said.endswith(f": {row.verdict.sentence}."), said
    assert "Model API 5xx rate" in row.verdict.sentence
    pir = {r.label.split(" (")[0]: r for r in response(inc.state)}
    assert pir["Time to resolve"].result == (f"{row.verdict.sentence}; runbook MTTR met on the clock, not a recovery")
    for r in report.responses:     # every milestone: the PIR's sentence is the report's
        assert pir[r.label].result.split("; runbook")[0] == r.verdict.sentence, r.label
    # incident show (text and --json) by the same rule: in time on the clock, not a plain "met"
    shown = render_show(inc, inc.state, datetime.fromtimestamp(clock.t, UTC))
    [line] = [ln for ln in shown if ln.strip().startswith("Time to resolve")]
    assert line.endswith(f"  {row.verdict.sentence}"), line      # the reason it is on the clock only, as the PIR's
    [js] = [r for r in state_to_json(inc.state)["response_times"] if r["key"] == "resolved"]
    assert js["met"] is True and js["verdict"]["state"] == "clock only", js
    assert js["verdict"]["sentence"] == row.verdict.sentence


def test_declared_before_the_breach_is_one_verdict_in_the_report_and_the_pir(tmp_path: Path) -> None:
    d, inc, clock = _resolved_early(tmp_path, 0.0, 960.0)
    report = drill_report(d, inc.state, at=clock.t)
    detected = report.responses[0]
    up = "target raised from 5m00s drill time (30s wall) to 20m00s drill time (2m00s wall), so people can act in it"
    assert detected.verdict.sentence == f"declared before Model API 5xx rate reached critical: met; {up}"
    # x10: the target people are given (``people_target``): no target judged a declaration first, but the target
    # shown beside it is the raised one, so it says so (attack49 F7)
    assert report.summary[0] == ("Time to detect: declared before Model API 5xx rate reached critical"
                                 f" (target < 20 min): met; {up}.")
    assert "✔ met (declared first)" in _table_row(report, "Time to detect")
    pir_rows = response(inc.state)
    assert pir_rows[0].result == detected.verdict.sentence
    text = render_pir(inc.state, "pir", inc.config, now=datetime.fromtimestamp(clock.t, UTC))
    [line] = [ln for ln in text.splitlines() if ln.startswith("| Time to detect")]
    assert "declared before Model API 5xx rate reached critical: met" in line and "not measured" not in line, line


def test_a_mitigation_that_relapsed_is_said_so_by_every_view(tmp_path: Path) -> None:
    """redteam41 X11: the PIR and ``show`` said "met; relapsed at …" while the drill report (text, table,
    --json) and ``show --json`` said a plain "met" of the same milestone. One verdict carries the relapse."""
    from warroom.journal import events as ev
    from warroom.sources.evidence import iso

    d = warm_drill(tmp_path / "drills", "provider-outage", speed=SPEED, start=START)
    clock = DrillClock(d.wall_time(100.0))
    inc = IncidentStore(tmp_path / "incidents", Config(), clock=clock).create(
        title="5xx", severity="P2", runbook="RB-CORE-004",
        drill={"scenario": "provider-outage", "speed": SPEED, "dir": str(d.path)}, commander="Dana Lee")
    clock.t = d.wall_time(200.0)
    inc.set_status("mitigated")
    clock.t = d.wall_time(230.0)
    again = d.wall_time(225.0)
    inc.append(ev.SLO_BREACHED, {"slo_id": "error_5xx", "title": "Model API 5xx rate", "at": iso(again),
                                 "value": 7.5, "threshold": 5.0, "unit": "percent"})
    said = f"relapsed at {datetime.fromtimestamp(again, UTC):%H:%M:%S} UTC: Model API 5xx rate breached again (7.5%)"
    bare = "met on the clock, but said before any mitigation step ran"     # the word with nothing run (attack42 A2)
    clock.t = d.wall_time(260.0)
    inc.resolve("back", concerns=None)
    st = inc.state
    report = drill_report(d, st, at=clock.t)
    row = next(r for r in report.responses if r.key == "mitigated")
    assert row.met and row.verdict.sentence == f"{bare}; {said}" and row.verdict.relapse == said
    assert row.verdict.ok is None and "✔" not in _table_row(report, "Time to mitigate")    # no plain tick
    assert "▲ clock only, relapsed" in _table_row(report, "Time to mitigate")
    [line] = [ln for ln in report.summary if ln.startswith("Time to mitigate:")]
    assert line.endswith(f": {bare}; {said}."), line
    assert report.to_dict()["responses"][3]["verdict"]["relapse"] == said
    [js] = [r for r in state_to_json(st)["response_times"] if r["key"] == "mitigated"]
    assert js["verdict"]["sentence"] == f"{bare}; {said}" and js["verdict"]["state"] == "clock only", js
    shown = render_show(inc, st, datetime.fromtimestamp(clock.t, UTC))
    [text] = [ln for ln in shown if ln.strip().startswith("Time to mitigate")]
    assert text.endswith(f"  {bare}; {said}"), text
    [pir] = [r for r in response(st) if r.label.startswith("Time to mitigate")]
    assert pir.result == f"{bare}; {said}"
