"""redteam-4: the resume offer's row keeps its "open MM:SS" figure on screen, and current.

The row was one no-wrap line ending with the figure: at 120x40 "INC-20261203-1  P1  INVESTIGATING
Flow failure rate at 6.17%  drill mass-failure ×60  open " lost it to the ellipsis. And it was
computed once, before the dialog drew: at ×60 a 5 s start-up put it five drill minutes behind the
header the pick then opened. Now the title gives way first (two lines under 16 cells of it) and
the figure is read from the clock as the dialog draws and every second after."""

from __future__ import annotations

import pytest
from textual.errors import NoWidget
from textual.geometry import Region
from textual.widgets import OptionList

from panes.fmt import format_clock
from tests.app.drill_support import wait_screen
from tests.app.tui_support import T0, make_app, metrics_drawn, wait_for
from tui.presenter import OpenSummary
from tui.screens.modals.pickers import ResumeScreen


def redteam_4_offer(app) -> None:  # type: ignore[no-untyped-def]
    """mass-failure ×60, declared 4.9 wall seconds ago: open 4:54:00 in drill time."""
    inc = OpenSummary("INC-20261203-1", "Flow failure rate at 6.17%", "P1", "investigating", T0 - 4.9,
                      drill="mass-failure ×60", clock_start=T0 - 4.9, time_scale=60.0)
    app.dashboard.actions.offer_resume([inc])


def shown_rows(screen: ResumeScreen) -> list[str]:
    """The option list's rows as the terminal shows them."""
    options = screen.query_one("#resume-list", OptionList)
    try:
        geo = screen.find_widget(options)
    except NoWidget:
        return []
    region = geo.visible_region
    return ["".join(seg.text for seg in strip)
            for strip in options.render_lines(Region(0, region.y - geo.region.y, geo.region.width, region.height))]


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_the_offer_keeps_its_open_figure_on_screen_and_current(size: tuple[int, int]) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await metrics_drawn(pilot)
        redteam_4_offer(app)                    # 4.9 s after detection: 4:54 drill time
        app.ctx.clock.advance(0.1)              # the dialog draws later than the offer was made
        screen = await wait_screen(pilot, ResumeScreen)
        text = "\n".join(shown_rows(screen))
        assert f"open {format_clock(300)}" in text and "INC-20261203-1  P1  INVESTIGATING" in text, text
        assert "drill mass-failure ×60" in text, text
        app.ctx.clock.advance(2.0)              # two drill minutes at ×60
        await wait_for(pilot, lambda: f"open {format_clock(420)}" in "\n".join(shown_rows(screen)), 30)
