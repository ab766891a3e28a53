"""Opening a runbook from the palette during an incident attaches it: the checklist on screen
and the runbook whose steps Enter runs are always the same one."""

from __future__ import annotations

from pathlib import Path

from tests.app.drill_support import FLOWS_RUNBOOK, drill_app, events
from tests.app.test_tui_flows_engine import declare_from_breached_pane
from tests.app.tui_support import wait_for
from tui.palette import palette_entries
from tui.screens.modals.confirm import ConfirmScreen


async def test_palette_open_runbook_mid_incident_attaches_it(tmp_path: Path) -> None:
    app = drill_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await declare_from_breached_pane(pilot)
        dash = app.dashboard
        await wait_for(pilot, lambda: dash.runbook is not None and dash.runbook.id == "RB-CORE-003", 60)
        entry = next(cb for title, _help, cb in palette_entries(app)
                     if title.startswith(f"open runbook: {FLOWS_RUNBOOK} "))
        entry()
        # Attaching another runbook mid-incident asks first; nothing is journaled before yes.
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert [e.data.get("id") for e in events(app, "runbook.attached")] == []
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: dash.runbook is not None and dash.runbook.id == FLOWS_RUNBOOK, 60)
        attached = [e.data.get("id") for e in events(app, "runbook.attached")]
        assert attached[-1] == FLOWS_RUNBOOK
        assert (dash.controller.incident.state.runbook or {}).get("id") == FLOWS_RUNBOOK
        # Opening the runbook that is already attached asks nothing and journals nothing more: the
        # palette entry decides at once (open_runbook_by_id), so after the queue has run there is
        # no dialog and no line to wait for (a timed pause proved nothing more on a busy box)
        await wait_for(pilot, lambda: app.screen is dash)
        entry()
        await pilot.pause()
        assert app.screen is dash
        assert [e.data.get("id") for e in events(app, "runbook.attached")] == attached
