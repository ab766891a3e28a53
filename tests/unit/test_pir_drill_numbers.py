"""The drill report and the PIR read the metric history the same way: number for number, and a
sped-up drill is judged in drill time with the wall time beside it."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.unit.incident_fixtures import drill_incident
from warroom.incident.drill_report import drill_report
from warroom.journal import events as ev
from warroom.incident.pir import render_pir
from warroom.units import format_value



@pytest.fixture(autouse=True)
def _unpinned(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WARROOM_DRILL_AT", "0")        # recorded, so the pin a Clock sets is undone after
    monkeypatch.delenv("WARROOM_DRILL_AT")


def _drill_incident(state_dir: Path, speed: float = 10.0):  # type: ignore[no-untyped-def]
    return drill_incident(state_dir, "rate-limit", speed, title="Quota past 80%", severity="p3", pane="quota")


def test_drill_report_and_pir_give_the_same_numbers(tmp_path: Path) -> None:
    d, inc, clock, breach = _drill_incident(tmp_path)
    source = d.source(inc.config.slo)
    first = inc.sync_metrics(source, speed=d.speed, now=clock.t)
    kinds = [(e.type, e.data["slo_id"]) for e in first.events]
    assert (ev.SLO_BREACHED, "quota") in kinds                # dated from the history, before the declaration
    quota_breach = next(e for e in first.events if e.data["slo_id"] == "quota")
    assert quota_breach.data["at"] < inc.state.declared_at.isoformat().replace("+00:00", "Z")
    assert inc.state.phases["started"] is not None and inc.state.phases["started"] < inc.state.declared_at
    assert inc.sync_metrics(source, speed=d.speed, now=clock.t).events == []   # nothing journaled twice
    d.record("circuit_breaker", tool="kubectl", argv=("set", "env"), at=breach + 45)
    clock.t = breach + 300
    inc.resolve("quota back under 70%", resolution="circuit breaker on", concerns=None)
    inc.sync_metrics(source, speed=d.speed, now=clock.t, summary=True)
    state = inc.state
    assert state.metric_summary is not None
    text = render_pir(state, "pir", inc.config, now=clock())
    clock.t = breach + 600
    report = drill_report(d, state, at=breach + 600, slos=inc.config.slo)
    summ = state.metric_summary["slos"]
    seen = 0
    for pane in report.panes:
        e = summ[pane.pane]
        assert pane.worst == e["worst"]["value"] and pane.worst_at == e["worst"]["at"]
        assert pane.at_detection == (e["at_detection"] or {}).get("value")
        assert pane.at_resolution == (e["at_resolution"] or {}).get("value")
        assert pane.at_start == (e["at_start"] or {}).get("value")
        if not e["breached"]:
            continue
        row = next(line for line in text.splitlines() if line.startswith(f"| {e['title']} `["))
        cells = [c.strip() for c in row.strip("|").split("|")]
        unit = e["unit"]
        assert cells[2] == format_value(pane.at_start, unit) if pane.at_start is not None else cells[2] == "n/a"
        assert cells[3] == format_value(pane.at_detection, unit)
        worst_at = datetime.fromtimestamp(pane.worst_at, UTC).strftime("%H:%M:%S")
        assert cells[4] == f"{format_value(pane.worst, unit)} at {worst_at}"
        assert cells[5] == format_value(pane.at_resolution, unit)
        seen += 1
    assert seen >= 1


def test_drill_pir_judges_response_times_in_drill_time_with_wall_time_beside(tmp_path: Path) -> None:
    d, inc, clock, breach = _drill_incident(tmp_path, speed=10.0)
    clock.t = breach + 120            # 1m30s wall after declaring = 15 min of drill time
    inc.note("root-cause", "retry storm")
    clock.t = breach + 150
    inc.resolve("done")
    text = render_pir(inc.state, "pir", inc.config, now=clock())
    row = next(line for line in text.splitlines() if line.startswith("| Time to root cause"))
    assert "15m00s drill time (1m30s wall)" in row   # the ×10 is in the DRILL banner and "| missed" in row
    assert "×10 speed" in text


def test_every_citation_in_a_drill_pir_names_a_journal_event(tmp_path: Path) -> None:
    d, inc, clock, breach = _drill_incident(tmp_path)
    inc.sync_metrics(d.source(inc.config.slo), speed=d.speed, now=clock.t, summary=True)
    text = render_pir(inc.state, "pir", inc.config, now=clock())
    seqs = {e.seq for e in inc.read().events}
    cited = {int(n) for n in re.findall(r"#(\d+)", text)}
    assert cited and cited <= seqs


def test_resolve_lists_panes_still_breached_or_worsening_and_failed_expectations(tmp_path: Path) -> None:
    d, inc, clock, breach = _drill_incident(tmp_path)
    result = inc.sync_metrics(d.source(inc.config.slo), speed=d.speed, now=clock.t)
    concerns = inc.resolve_concerns(result.histories)
    assert any(c.startswith("Model API quota used is still critical") for c in concerns), concerns
    inc.resolve("gave up", concerns=concerns)
    text = render_pir(inc.state, "pir", inc.config, now=clock())
    assert "Resolved with open concerns" in text and "Model API quota used is still critical" in text
