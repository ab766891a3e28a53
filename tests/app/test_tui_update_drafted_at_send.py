"""A stakeholder update left as drafted goes out with the facts of the moment it is sent (redteam38
F1). At x60 an update whose dialog stayed open 30 wall seconds said "Impact … 10m02s" when the
impact was 37m36s: the draft was made once, as the dialog opened. An edited update is sent as
typed, and the dialog says the moment its facts are of."""

from __future__ import annotations

import re
from pathlib import Path

from textual.widgets import Static, TextArea

from tests.app.drill_support import events, frozen_drill_app, wait_dashboard, wait_screen
from tests.app.tui_support import wait_for
from tui.app import WarroomApp
from tui.clock import FrozenClock
from tui.screens.modals.status_update import StatusUpdateScreen


def _app(tmp_path: Path) -> tuple[WarroomApp, FrozenClock]:
    return frozen_drill_app(tmp_path, "timeout", title="P95 flow latency past 120s", severity="P3")   # 10 drill minutes in


def _impact(text: str) -> str:
    found = re.search(r"Impact since \d\d:\d\d(?::\d\d)? UTC: (\S+) drill time", text)
    assert found, text
    return found.group(1)


async def _open_update(pilot) -> StatusUpdateScreen:  # type: ignore[no-untyped-def]
    """`u` on the dashboard: the stakeholder update dialog, drafted."""
    await wait_dashboard(pilot)
    await pilot.press("u")
    return await wait_screen(pilot, StatusUpdateScreen, 30)


async def test_an_update_left_as_drafted_is_sent_with_the_facts_at_the_send(tmp_path: Path) -> None:
    app, clock = _app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _open_update(pilot)
        opened = _impact(screen.query_one("#update-text", TextArea).text)
        clock.advance(27.0)                              # 27 wall s at x60: 27 drill minutes later
        await wait_for(pilot, lambda: _impact(screen.query_one("#update-text", TextArea).text) != opened)
        note = str(screen.query_one("#draft-note", Static).render())
        assert "drafted again as it is sent, until you edit it" in note, note
        clock.advance(3.0)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: bool(events(app, "status_update.sent")))
        sent = events(app, "status_update.sent")[-1].data["text"]
    assert opened != _impact(sent)
    assert _impact(sent).startswith("4"), (opened, sent)      # 10 + 30 drill minutes since declared


async def test_an_edited_update_is_sent_as_typed_and_says_when_its_facts_are_of(tmp_path: Path) -> None:
    app, clock = _app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _open_update(pilot)
        area = screen.query_one("#update-text", TextArea)
        opened = area.text
        area.insert("Customers: checkout slow.\n", (0, 0))
        typed = area.text
        clock.advance(30.0)
        await wait_for(pilot, lambda: "edited: sent as you typed it" in str(
            screen.query_one("#draft-note", Static).render()), 10)
        assert area.text == typed                        # never drafted over what was typed
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: bool(events(app, "status_update.sent")))
        sent = events(app, "status_update.sent")[-1].data["text"]
    assert "Customers: checkout slow." in sent.splitlines()[0] and _impact(sent) == _impact(opened)
