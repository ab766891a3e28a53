"""Choosing a note's tag without leaving the text: ctrl+t in the dialog, or the palette's
"note: add …" commands that open it with the tag already set."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Select, TextArea

from tests.app.drill_support import drill_app, events
from tests.app.test_tui_flows_engine import declare_from_breached_pane
from tests.app.tui_support import wait_for
from tui.palette import palette_entries
from tui.screens.modals.forms import NoteScreen


async def test_palette_note_command_presets_the_tag_and_ctrl_t_cycles_it(tmp_path: Path) -> None:
    app = drill_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await declare_from_breached_pane(pilot)
        titles = [title for title, _help, _cb in palette_entries(app)]
        assert [t for t in titles if t.startswith("note: ")] == [
            "note: add root cause", "note: add went well", "note: add went wrong",
            "note: add action item", "note: add lesson", "note: add info", "note: add impact",
            "note: add contributing factor", "note: add prevention"]
        open_root_cause = next(cb for title, _help, cb in palette_entries(app) if title == "note: add root cause")
        open_root_cause()
        await wait_for(pilot, lambda: isinstance(app.screen, NoteScreen) and bool(app.screen.query("#text")), 60)
        await pilot.pause()
        dialog = app.screen
        assert dialog.query_one("#tag", Select).value == "root-cause"
        assert dialog.focused is dialog.query_one("#text", TextArea)
        await pilot.press("ctrl+t")
        assert dialog.query_one("#tag", Select).value == "went-well"
        for _ in range(8):           # once round the nine tags, back to root-cause
            await pilot.press("ctrl+t")
        assert dialog.query_one("#tag", Select).value == "root-cause"
        assert dialog.focused is dialog.query_one("#text", TextArea)   # the text keeps the cursor
        await pilot.press(*"retries without backoff")
        # every tag chosen directly, the text keeping the cursor
        for i, tag in enumerate(("root-cause", "went-well", "went-wrong", "action", "lesson", "info", "impact",
                                 "contributing", "prevention"), start=1):
            await pilot.press(f"alt+{i}")
            assert dialog.query_one("#tag", Select).value == tag
        assert dialog.focused is dialog.query_one("#text", TextArea)
        await pilot.press("alt+4")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: bool(events(app, "note.added")), 60)
        note = events(app, "note.added")[-1].data
        assert (note["tag"], note["text"]) == ("action", "retries without backoff")
