"""A milestone journaled before the moment it is measured from is not measured (redteam34).

Journal times are each writing host's clock. A host ten minutes behind that resolves writes a
resolution ten minutes before the detection: ``format_duration`` states a negative span as "0s"
(a subtraction the wrong way round), so the PIR said "Duration 0s: 08:00:00 – 07:50:00 UTC" and
"Time to resolve … 0s … met": a figure and a verdict nobody measured. The span is said as what it is:
not measured, the milestone journaled before its start, by how much."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.incident_fixtures import DrillClock
from warroom.config import Config
from warroom.incident.store import IncidentStore

T = 1_800_000_000.0


@pytest.fixture(autouse=True)
def _unpinned(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WARROOM_DRILL_AT", "0")        # recorded, so the pin a DrillClock sets is undone after
    monkeypatch.delenv("WARROOM_DRILL_AT")


def test_a_resolution_journaled_before_the_detection_is_not_measured(tmp_path: Path) -> None:
    clock = DrillClock(T)
    inc = IncidentStore(tmp_path / "incidents", Config(), clock=clock).create(
        title="Flows failing", severity="P2", commander="Dana Lee")
    clock.t = T - 600            # a host whose clock is ten minutes behind resolves it
    inc.resolve("fixed", concerns=None)
    [resolved] = [r for r in inc.state.response_times() if r.key == "resolved"]
    assert resolved.minutes is None and resolved.met is None, resolved
    pir = inc.render("pir")
    [row] = [ln for ln in pir.splitlines() if ln.startswith("| Time to resolve")]
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[2] == "—" and "met" not in cells[4].replace("not measured", ""), row
    assert "journaled 10m00s before detection" in cells[4], row
    from warroom.cli.incident_show import render_show

    shown = "\n".join(render_show(inc, inc.refresh(), clock()))          # incident show
    assert "not measured (journaled 10m00s before detection" in shown, shown
    [duration] = [ln for ln in pir.splitlines() if ln.startswith("| **Duration** |")]
    assert duration.startswith("| **Duration** | not measured: the resolution (07:50:00 UTC) is journaled 10m00s"
                               " before detection (08:00:00 UTC); the clocks that wrote them disagree"), duration


def test_the_drill_report_says_the_same_of_a_resolution_journaled_before_the_detection(tmp_path: Path) -> None:
    from tests.unit.test_drill_report_go_no_go import _declared, _report

    d, inc, clock = _declared(tmp_path)           # detection at drill second 60 (12 s wall at x5)
    clock.t = d.wall_time(30)                     # resolved by a host 6 s (30 drill seconds) behind
    inc.resolve("fixed", concerns=None)
    report = _report(d, inc, clock)
    [row] = [r for r in report.responses if r.key == "resolved"]
    assert row.minutes is None and row.wall_minutes is None and row.met is None, row
    assert row.verdict.sentence == ("not measured (journaled 30s drill time (6s wall) before detection; the clocks"
                                    " that wrote them disagree)"), row.verdict
    assert ("Time to resolve: not measured (journaled 30s drill time (6s wall) before detection; the clocks that"
            " wrote them disagree) (target < 60 min).") in report.summary, report.summary     # one sentence, whole
    pir = inc.render("pir")                       # the PIR says it alike
    [line] = [ln for ln in pir.splitlines() if ln.startswith("| Time to resolve")]
    assert "not measured (journaled 30s drill time (6s wall) before detection" in line, line


def test_a_milestone_marked_before_the_detection_says_it_was_marked_not_that_clocks_disagree(tmp_path: Path) -> None:
    """``incident mark mitigated --at`` may be back-dated before the detection (the fix went out before
    anyone declared): not measured either, and the reason is the mark, not two hosts' clocks."""
    from datetime import UTC, datetime

    clock = DrillClock(T)
    inc = IncidentStore(tmp_path / "incidents", Config(), clock=clock).create(
        title="Flows failing", severity="P2", commander="Dana Lee")
    inc.mark_phase("mitigated", datetime.fromtimestamp(T - 300, UTC), "hotfix shipped before the page")
    clock.t = T + 600
    inc.resolve("fixed", concerns=None)
    pir = inc.render("pir")
    [row] = [ln for ln in pir.splitlines() if ln.startswith("| Time to mitigate")]
    assert "not measured (marked 5m00s before detection)" in row and "clocks" not in row, row
