"""Enter, space and s on the checklist never do nothing (issue 13, enter26). A commander's key
either opens its dialog or does its work, or says why it cannot: with no step under the cursor
(no runbook attached, no incident) these keys returned in silence, so a person pressing enter saw
nothing happen and could not tell a lost key from a refusal."""

from __future__ import annotations

from pathlib import Path

from tests.app.drill_support import drill_app, wait_dashboard
from tests.app.tui_support import record_notifications, wait_for
from tui.screens.modals.run_step import RunStepScreen


async def test_step_keys_with_no_step_under_the_cursor_say_why(tmp_path: Path) -> None:
    app = drill_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_dashboard(pilot)
        dash = app.dashboard
        said = record_notifications(app)
        assert dash.presenter.live is None and dash.selected_step() is None
        for key in ("enter", "space", "s"):          # no incident: the key says so
            said.clear()
            await pilot.press(key)
            await wait_for(pilot, lambda: bool(said))
            assert app.screen is dash and said[-1] == "No incident is open: press d to declare one.", key
        # an incident with no runbook attached: the checklist has no step to act on
        dash.presenter.call(dash.presenter.declare, title="Flows failing", severity="P3", runbook=None,
                            source={"kind": "manual"})
        await wait_for(pilot, lambda: (dash.view.header.incident_id or "").startswith("INC-"), 60)
        assert dash.data.active_runbook() is None and dash.selected_step() is None
        for key, verb in (("enter", "run"), ("space", "tick"), ("s", "skip")):
            said.clear()
            await pilot.press(key)
            await wait_for(pilot, lambda: bool(said))
            assert app.screen is dash, key                     # no dialog for a step that is not there
            assert said[-1] == f"No runbook attached: press o to pick one, then {verb} its steps.", key
        assert not isinstance(app.screen, RunStepScreen)
