"""The key bar (``panes.keybar.KeyBar``): the footer's hints on one widget, keys as remapped, clicks
press the key."""

from __future__ import annotations

from textual.command import CommandPalette

from panes.keybar import KeyBar
from tests.app.tui_support import make_app, metrics_drawn, wait_for
from tui.bindings import DASHBOARD_BINDINGS
from tui.screens.modals.forms import DeclareScreen


def bar_text(app) -> str:  # type: ignore[no-untyped-def]
    return str(app.dashboard.query_one(KeyBar).render())


async def test_the_bar_shows_each_shown_binding_and_the_palette_on_the_right() -> None:
    app = make_app()
    app.ctx.config.keys = {"incident.declare": "D"}
    async with app.run_test(size=(160, 40)) as pilot:
        await metrics_drawn(pilot)
        text = bar_text(app)
        assert len(text) == 160
        assert " D Declare " in text and " d Declare " not in text   # the key as remapped now
        for binding in DASHBOARD_BINDINGS:
            if binding.show and binding.action != "declare":
                assert f" {binding.description} " in text, binding.description
            elif not binding.show:
                assert f" {binding.description} " not in text, binding.description
        assert text.rstrip().endswith("▏^p Palette")


async def test_at_80_columns_the_hints_are_cut_before_the_palette_key() -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await metrics_drawn(pilot)
        text = bar_text(app)
        assert len(text) == 80 and text.rstrip().endswith("▏^p Palette")
        bar = app.dashboard.query_one(KeyBar)
        assert all(h.end <= 80 for h in bar.hints)


async def test_a_click_on_a_hint_presses_its_key() -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await metrics_drawn(pilot)
        bar = app.dashboard.query_one(KeyBar)
        declare = next(h for h in bar.hints if h.key == "d")
        await pilot.click(KeyBar, offset=(declare.start + 1, 0))
        await wait_for(pilot, lambda: isinstance(app.screen, DeclareScreen))
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is app.dashboard)
        palette = bar.hints[-1]
        assert palette.key == "ctrl+p"
        await pilot.click(KeyBar, offset=(palette.start + 2, 0))
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette))
