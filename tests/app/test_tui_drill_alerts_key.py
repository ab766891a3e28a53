"""redteam48 F12: in a drill, `A` ("every firing alert, full view") told the commander to configure an alert server
(`[alerts] alertmanager_url`), in a mode that needs nothing installed. A drill says it runs none."""

from __future__ import annotations

from pathlib import Path

from tests.app.drill_support import drill_app, wait_dashboard
from tests.app.tui_support import record_notifications, wait_for


async def test_the_alerts_key_in_a_drill_says_it_runs_no_alert_server(tmp_path: Path) -> None:
    app = drill_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_dashboard(pilot)
        said = record_notifications(app)
        await pilot.press("A")
        await wait_for(pilot, lambda: bool(said))
        assert said[-1] == "A drill runs no alert server: its panes read what the alerts would.", said
