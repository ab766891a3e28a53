"""The stakeholder update gives each pane the value the pane shows, as drafted and as sent (redteam39 F1:
"Flow failure rate … (1.09%)" went out while the pane read 20%). The dialog drafts again each second and
at the send (redteam38 F1), so the value sent is the pane's at the send, not at the dialog's opening."""

from __future__ import annotations

import re
from pathlib import Path

from textual.widgets import TextArea

from tests.app.drill_support import events, frozen_drill_app, wait_dashboard, wait_screen
from tests.app.tui_support import wait_for
from tui.app import WarroomApp
from tui.clock import FrozenClock
from tui.screens.modals.status_update import StatusUpdateScreen
from warroom.units import format_reading


def _app(tmp_path: Path) -> tuple[WarroomApp, FrozenClock]:
    return frozen_drill_app(tmp_path, "mass-failure", title="flows failing across repositories", severity="P1")   # 10 drill minutes in


def _said(text: str) -> str | None:
    found = re.search(r"^- Flow failure rate (\S+) now \(", text, re.M)
    return found.group(1) if found else None


def _pane(app: WarroomApp) -> str | None:
    r = next((r for r in app.dashboard.readings if r.slo.id == "failure_rate"), None)
    return format_reading(r.value, r.slo) if r is not None and r.value is not None else None


async def test_the_update_gives_the_failure_rate_the_pane_shows(tmp_path: Path) -> None:
    app, clock = _app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_dashboard(pilot)
        await wait_for(pilot, lambda: _pane(app) is not None, 30)
        await pilot.press("u")
        screen = await wait_screen(pilot, StatusUpdateScreen, 30)
        area = screen.query_one("#update-text", TextArea)
        await wait_for(pilot, lambda: _said(area.text) is not None and _said(area.text) == _pane(app), 10)
        opened = _said(area.text)
        clock.advance(20.0)                               # 20 drill minutes at x60: the pane moves
        await wait_for(pilot, lambda: _pane(app) != opened, 10)
        shown = _pane(app)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: bool(events(app, "status_update.sent")))
        sent = events(app, "status_update.sent")[-1].data["text"]
    assert _said(sent) == shown != opened, (opened, shown, sent)
