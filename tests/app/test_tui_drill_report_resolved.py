"""The end-of-drill report opens over a header that reads RESOLVED (lead-1).

The report is built right after the resolve is journaled; the view rebuilt from the journal often
reached the dashboard later, and a dialog pauses the dashboard's drawing, so the report sat over a
dimmed header still reading INVESTIGATING (tests/e2e/test_every_scenario_again_tmux, 671a6f7). Now
an ended drill's report waits until the header has drawn the resolve. The test makes that order
certain: the resolve is journaled and the report handed to the dashboard in one step of the event
loop, before any view can be rebuilt."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Static

from panes.header import IncidentHeader
from tests.app.drill_support import declare_prefilled, drill_app, wait_screen
from tests.app.tui_support import wait_for
from tui.messages import DrillReportReady
from tui.screens.drill_report import DrillReportScreen


async def test_the_end_of_drill_report_opens_over_a_resolved_header(tmp_path: Path) -> None:
    app = drill_app(tmp_path, speed=60.0)
    async with app.run_test(size=(80, 24)) as pilot:
        await declare_prefilled(pilot)
        dash = app.dashboard
        await wait_for(pilot, lambda: (dash.view.header.incident_id or "").startswith("INC-"), 60)
        presenter = dash.controller
        presenter.incident.resolve("worked the runbook", resolution="breaker on", rollback=False)
        report = presenter.drill_report()
        assert report.ended and report.incident == dash.view.header.incident_id
        assert dash.view.header.status != "resolved"          # the view on screen is from before the resolve
        dash.on_drill_report_ready(DrillReportReady(report))
        assert not isinstance(app.screen, DrillReportScreen)   # not over a header saying INVESTIGATING
        await wait_screen(pilot, DrillReportScreen, 60)
        identity = str(dash.query_one(IncidentHeader).query_one(".hdr-identity", Static).render())
    assert "RESOLVED" in identity and "INVESTIGATING" not in identity, identity
