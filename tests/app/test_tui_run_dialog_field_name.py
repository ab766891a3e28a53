"""At 80x24 the Run dialog keeps the parameter being filled in view whole: its name, its help and its input
(redteam48 F12).

RB-LAUNCH-005's rollback opens with the cursor in ``good_revision`` (the one field still empty). Focus scrolled the
dialog only as far as the input, so above it only the tail of the help showed ("… so read the image, not the place
in the list  required") over a placeholder ``^[0-9]+$``: the name and the start of the help were scrolled off. A
field is now its label and its input, scrolled into view together when they fit, and the input's border names it.
"""

from __future__ import annotations

from textual.widgets import Input, Static

from tests.app.test_tui_snapshots import rollback_dialog
from tests.app.tui_support import make_app, metrics_drawn


async def test_the_rollback_s_revision_field_shows_its_name_and_help_with_the_cursor_at_80x24() -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await metrics_drawn(pilot)
        app.push_screen(rollback_dialog())
        await pilot.pause()
        await pilot.wait_for_scheduled_animations()
        await pilot.pause()
        screen = app.screen
        entry = screen.query_one("#param-good_revision", Input)
        assert app.focused is entry
        label = entry.parent.query_one(".field-label", Static)
        # what the dialog shows between its docked head (the title) and its docked buttons
        top, bottom = screen.query_one(".dialog-head").region.bottom, screen.query_one(".buttons").region.y
        for widget in (label, entry):
            region = widget.region
            assert top <= region.y and region.bottom <= bottom, (widget, region, top, bottom)
        assert str(label.render()).startswith("good_revision — revision to roll back to")
        assert entry.border_title == "good_revision"
