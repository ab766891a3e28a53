"""The dashboard names a step as every other screen does (``IncidentState.step_name``, handed to
the view as ``IncidentView.named``): with RB-LAUNCH-002 open beside RB-LAUNCH-005 both have a step
N, so the run dialog says whose step it runs — for either runbook — and the output pane's title
names it too."""

from __future__ import annotations

from textual.widgets import Static

from tests.app.drill_support import drill_app, wait_screen
from tests.app.test_tui_runbook_beside import _declared_with_go
from tests.app.tui_support import wait_for
from tui.screens.modals.run_step import RunStepScreen


async def _run_dialog_title(pilot, checklist) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    step = next(s for s in checklist.runbook.steps if s.runnable)
    checklist.highlighted = checklist.get_option_index(f"step-{step.number}")
    await pilot.pause()
    await pilot.press("enter")
    screen = await wait_screen(pilot, RunStepScreen, 30)
    title = str(screen.query_one(".dialog-title", Static).render())
    await pilot.press("escape")
    return step.number, title


async def test_the_run_dialog_names_the_runbook_of_either_open_runbooks_step(tmp_path) -> None:  # type: ignore[no-untyped-def]
    app = drill_app(tmp_path, scenario="mass-failure", speed=60.0)
    async with app.run_test(size=(120, 40)) as pilot:
        main, beside = await _declared_with_go(pilot, app)
        dash = app.dashboard
        await wait_for(pilot, lambda: dash.view.named == frozenset({"RB-LAUNCH-005", "RB-LAUNCH-002"}), 30)
        await pilot.press("w")
        await wait_for(pilot, lambda: dash.active_checklist() is beside)
        number, title = await _run_dialog_title(pilot, beside)
        assert title.startswith(f"Run RB-LAUNCH-002 step {number}: "), title
        await wait_for(pilot, lambda: not isinstance(app.screen, RunStepScreen))
        await pilot.press("w")
        await wait_for(pilot, lambda: dash.active_checklist() is main)
        number, title = await _run_dialog_title(pilot, main)
        assert title.startswith(f"Run RB-LAUNCH-005 step {number}: "), title
        assert dash.view.output_title("RB-LAUNCH-005", number, "x") == f"RB-LAUNCH-005 {number}. x"
