"""The Step pane asks for a layout of the whole screen only when its height can change.

Every change of the incident rebuilds the view from the journal and shows the selected step again; the
pane's ``Static.update`` asked Textual for a layout of the whole dashboard each time (three shows in four of
a worked incident were of the very step already shown). The pane is as tall as its whole text's rows at its
width (``get_content_height``): the same rows, a repaint of the pane; other rows, a layout, and the pane
takes its new height."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from panes.step_detail import StepDetailPane
from tests.app.tui_support import make_app, metrics_drawn


async def test_the_same_step_shown_again_is_repainted_and_a_taller_one_laid_out(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await metrics_drawn(pilot)
        dash = app.dashboard
        dash.open_runbook_by_id("RB-TEST-003")
        await pilot.pause()
        pane = dash.query_one(StepDetailPane)
        asked: list[bool] = []
        refresh = pane.refresh

        def recorded(*regions: Any, **kw: Any) -> Any:
            asked.append(bool(kw.get("layout", False)))
            return refresh(*regions, **kw)

        pane.refresh = recorded          # type: ignore[method-assign]
        steps = list(dash.runbook.steps) if dash.runbook is not None else []
        width = pane.content_size.width

        def rows(step: Any) -> int:
            return len(dash.step_text(step)(width=width).wrap(app.console, width, overflow="fold"))

        shown = dash.active_checklist().selected_step()
        assert shown is not None and width > 0
        drawn = str(pane.render())
        dash.show_step_detail(shown)                     # what a rebuilt view does
        await pilot.pause()
        assert asked == [False], asked
        assert str(pane.render()) == drawn

        other = next(s for s in steps if rows(s) != rows(shown))
        height = pane.size.height
        asked.clear()
        dash.show_step_detail(other)
        await pilot.pause()
        assert asked and asked[0] is True, asked
        assert pane.size.height != height and other.label in str(pane.render())
