"""`g` before anything is declared shows the drill so far. Its title said "The drill so far (its
incident is open) … · p PIR · e export" with no incident at all: a PIR and an export of nothing
were offered (attack25, A25-12)."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Static

from tests.app.drill_support import drill_app, wait_dashboard, wait_screen
from tui.screens.drill_report import DrillReportScreen


async def test_the_report_before_a_declaration_says_there_is_no_incident(tmp_path: Path) -> None:
    app = drill_app(tmp_path, speed=60.0, scenario="timeout")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_dashboard(pilot)
        assert app.dashboard.controller.incident is None
        await pilot.press("g")
        screen = await wait_screen(pilot, DrillReportScreen, 120)
        title = str(screen.query_one(".dialog-title", Static).render())
    assert "no incident declared yet" in title, title
    assert "its incident is open" not in title and "PIR" not in title and "export" not in title, title
