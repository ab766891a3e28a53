"""The note under every dialog says how long the dashboard behind it has been paused. In a drill
the world moves on at the drill's speed from its first second, before anything is declared: at
x60, five wall seconds behind the declare dialog are five drill minutes whose climb the
commander did not see. With no incident open the note said "(00:05)" (attack25, A25-2)."""

from __future__ import annotations

from pathlib import Path

from tests.app.drill_support import drill_ctx, wait_dashboard
from tests.app.tui_support import wait_for
from tui.app import WarroomApp
from tui.clock import FrozenClock
from tui.screens.modals.base import PausedNote


async def test_the_paused_note_counts_drill_time_before_a_declaration(tmp_path: Path) -> None:
    ctx = drill_ctx(tmp_path, speed=60.0, refresh=60.0, tick=0)
    drill = ctx.drill.extra["drill"]
    ctx.clock = FrozenClock(drill.start + 30.0)
    app = WarroomApp(ctx)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_dashboard(pilot)
        assert app.dashboard.controller.incident is None
        await pilot.press("d")
        await wait_for(pilot, lambda: bool(app.screen.query(PausedNote)))
        note = app.screen.query_one(PausedNote)
        ctx.clock.advance(5.0)
        note.redraw()
        await pilot.pause()
        text = str(note.render())
        assert "‖ dashboard paused 05:00 drill, 00:05 wall · catches up when this closes · since" in text, text


async def test_the_paused_note_is_cut_with_an_ellipsis_at_80x24(tmp_path: Path) -> None:
    """At 80 columns the note read "… (02:30 drill time, 00:05 wall) · it": the rest had wrapped
    onto a row its one-row height hides, with no sign of the cut (attack25, A25-7). What the note is for comes
    first and stays on the row; the spans after it are cut, and the cut shows (redteam44 L2)."""
    from textual.geometry import Region

    ctx = drill_ctx(tmp_path, speed=60.0, refresh=60.0, tick=0)
    drill = ctx.drill.extra["drill"]
    ctx.clock = FrozenClock(drill.start + 30.0)
    app = WarroomApp(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_dashboard(pilot)
        await pilot.press("d")
        await wait_for(pilot, lambda: bool(app.screen.query(PausedNote)))
        note = app.screen.query_one(PausedNote)
        ctx.clock.advance(5.0)
        note.redraw()
        await pilot.pause()
        row = "".join(s.text for s in note.render_lines(Region(0, 0, note.outer_size.width, 1))[0]).rstrip()
        # what is cut is the start's clock time, which the spans say again (redteam47 F13 lost the spans)
        assert row.startswith(" ‖ dashboard paused 05:00 drill, 00:05 wall · catches up when this closes"), row
        assert row.endswith("…"), row
