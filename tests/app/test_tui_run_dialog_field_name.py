"""At 80x24 the Run dialog keeps the parameter being filled in view whole: its name, its help and its input
(redteam48 F12), whichever field the cursor is in and however it got there.

RB-LAUNCH-005's rollback opens with the cursor in ``good_revision`` (the one field still empty). Focus scrolled the
dialog only as far as the input, so above it only the tail of the help showed ("… so read the image, not the place
in the list  required") over a placeholder ``^[0-9]+$``: the name and the start of the help were scrolled off. A
field is now its label and its input, scrolled into view together when they fit, and the input's border names it.

Then (stop 53) that scroll raced Textual's own on focus, an animated centring of the input alone a message later:
under load the dialog ended scrolled to 10, not 8, good_revision's name above the view in 5 runs of 12. The dialog
now makes the field's scroll alone (``RunStepScreen.set_focus``, ``_show_field``); this looks at every field of the
rollback, and of RB-LAUNCH-003's autoscaler step (five parameters, the most a shipped step takes), as the cursor
goes down the fields with tab and back up with shift+tab.
"""

from __future__ import annotations

from textual.geometry import Region
from textual.widgets import Input, Static

from tests.app.test_tui_snapshots import fields_settled, step_dialog
from tests.app.tui_support import make_app, metrics_drawn


def shown(screen) -> Region:  # type: ignore[no-untyped-def]
    """The rows of fields the dialog shows, on screen: its view between its docked head and buttons, within the
    fields' own view (they scroll too)."""
    view = screen.query_one("#run-dialog").scrollable_content_region
    top, bottom = screen.query_one(".dialog-head").region.bottom, screen.query_one(".buttons").region.y
    return Region(view.x, top, view.width, bottom - top).intersection(
        screen.query_one("#run-fields").scrollable_content_region)


# (runbook, step, the field the cursor opens in, the keys that take it through the others)
WALKS = (
    # opens on the empty good_revision (the last field), then up to the first
    ("RB-LAUNCH-005-mass-failure.md", "rollback-deployment", "good_revision", ("shift+tab", "shift+tab")),
    # every field prefilled: opens on the first, then down to the last
    ("RB-LAUNCH-003-capacity-scaling.md", "set-autoscaler", "deployment", ("tab",) * 4),
)


def assert_focused_field_shown(screen, *why: object) -> str:  # type: ignore[no-untyped-def]
    """The focused parameter's label and input inside what the dialog shows, its name on both; that name."""
    entry = screen.app.focused
    assert isinstance(entry, Input) and entry.id and entry.id.startswith("param-"), (*why, entry)
    name = entry.id.removeprefix("param-")
    label = entry.parent.query_one(".field-label", Static)
    view = shown(screen)
    for widget in (label, entry):
        assert widget.region in view, (*why, name, widget, widget.region, view)
    assert str(label.render()).startswith(name)
    assert entry.border_title == name
    return name


async def test_the_field_with_the_cursor_shows_its_name_and_help_at_80x24() -> None:
    """Both walks in one app (one start for two dialogs, opened one after the other as on the dashboard), after
    the rollback's dialog has seen the terminal shrink and grow under its cursor."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await metrics_drawn(pilot)
        # attack54 F7: the terminal resized with the dialog open (a tmux split, a laptop's window); the field was
        # shown on its focus only, so at 80x24 the views kept their 120x40 offsets and good_revision, the field
        # being typed, was below the view
        app.push_screen(step_dialog(*WALKS[0][:2]))
        await pilot.pause()
        await fields_settled(pilot)
        assert assert_focused_field_shown(app.screen, (120, 40)) == WALKS[0][2]
        for size in ((80, 24), (120, 40), (80, 24)):
            await pilot.resize_terminal(*size)
            await fields_settled(pilot)
            assert app.screen.size == size
            assert assert_focused_field_shown(app.screen, size) == WALKS[0][2]
        app.screen.dismiss(None)
        await pilot.pause()
        for runbook, step, first, keys in WALKS:
            app.push_screen(step_dialog(runbook, step))
            await pilot.pause()
            await fields_settled(pilot)
            screen = app.screen
            names = [f.name for f in screen.fields]
            assert len(names) == len(set(names)) >= 3, (step, names)
            visited = []
            for key in (None, *keys):
                if key is not None:
                    await pilot.press(key)
                    await fields_settled(pilot)
                visited.append(assert_focused_field_shown(screen, step, key))
            assert visited[0] == first, (step, visited)
            assert set(visited) == set(names), (step, visited, names)       # every parameter of the step looked at
            screen.dismiss(None)
            await pilot.pause()
