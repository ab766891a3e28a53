"""At 80x24 the declare dialog opens scrolled to its focused title field. The line saying that
declaring reads the pane again (so a title left as pre-filled changes its value) sat above, out of
sight: the commander confirmed "Audit-log gap at 331s" and got "392s" with no word why (redteam38
F4). It sits under the title field now, on screen whenever the field is."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input, Static

from tests.app.drill_support import drill_app, wait_screen
from tests.app.tui_support import metrics_drawn, wait_for
from tui.screens.modals.forms import DeclareScreen


def _in_sight(screen: DeclareScreen, selector: str) -> bool:
    """Whether the widget is wholly inside the dialog's visible rows, on the terminal."""
    dialog = screen.query_one("#declare-dialog")
    widget = screen.query_one(selector)
    seen = dialog.content_region
    return widget.region.area > 0 and seen.contains_region(widget.region)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_the_title_field_and_what_declaring_does_to_it_are_in_sight(tmp_path: Path,
                                                                          size: tuple[int, int]) -> None:
    app = drill_app(tmp_path, scenario="audit-gap", speed=60.0)
    async with app.run_test(size=size) as pilot:
        await metrics_drawn(pilot)
        await wait_for(pilot, lambda: app.dashboard.data.first_breached() is not None, 60)
        await pilot.press("d")
        screen = await wait_screen(pilot, DeclareScreen, 30)
        await wait_for(pilot, lambda: screen.query_one("#title", Input).has_focus)
        await pilot.pause()
        assert _in_sight(screen, "#title")
        note = screen.query("#title-note")
        assert note, "no word on what declaring does to the title"
        assert "reads the pane again" in str(note.first(Static).render())
        assert _in_sight(screen, "#title-note")
        await pilot.press("escape")
