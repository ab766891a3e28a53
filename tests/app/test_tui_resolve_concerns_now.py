"""redteam29-6: a resolve journaled the concerns the resolve dialog showed when it OPENED. The
panes keep reading behind a dialog (a dialog open 30 s at x60 is 30 drill minutes), so the PIR
said "Resolved although: … still critical (36.8%…)" above its own "At resolution 39.3%". The
concerns are now read again when the resolve is submitted, from what the panes read then."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from tests.app.drill_support import declare_prefilled, drill_app, events
from tests.app.tui_support import wait_for
from tui.screens.modals.forms import ResolveScreen


async def test_the_resolve_journals_the_concerns_as_read_when_submitted(tmp_path: Path) -> None:
    # one poll only (refresh an hour away): the readings behind the dialog move when this test says
    app = drill_app(tmp_path, scenario="rate-limit", speed=60.0, refresh=3600.0)
    async with app.run_test(size=(120, 40)) as pilot:
        await declare_prefilled(pilot)
        dashboard = app.dashboard
        await wait_for(pilot, lambda: any(r.slo.id == "quota" and r.value is not None for r in dashboard.data.readings), 30)
        await pilot.press("r")
        await wait_for(pilot, lambda: isinstance(app.screen, ResolveScreen), 30)
        shown = " ".join(app.screen.concerns)
        # the panes read on behind the dialog: the quota moved to a figure no reading had before
        moved = [dataclasses.replace(r, value=99.4321, series=()) if r.slo.id == "quota" else r
                 for r in dashboard.data.readings]
        dashboard.show_readings(moved, app.ctx.clock.now())
        await pilot.press(*"breaker held", "enter", *"breaker on", "enter")
        await wait_for(pilot, lambda: bool(events(app, "incident.resolved")), 30)
        (resolved,) = events(app, "incident.resolved")
        said = " ".join(resolved.data.get("concerns") or [])
        assert "(99.4%, threshold 80%)" in said, (said, shown)
        assert "99.4%" not in shown          # the dialog showed the reading from when it opened
