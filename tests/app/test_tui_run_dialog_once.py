"""A confirmation runs a step once (redteam41 X8). A double Enter on a mutating step (one burst: a
double tap, a key repeat) prepared two Run dialogs in workers and pushed both; after the first ran
the step, the second still asked "Run step 3 …" and its confirmation ran the step again (a second
``rollout undo`` rolls back to the bad revision). Now at most one Run dialog per step is opening or
open (a second Enter says so), and a confirmation is judged against the journal at its moment: a
step that started since its dialog opened is not run again, and the notice says why."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from panes.output import OutputStack
from tests.app.drill_support import FLOWS_RUNBOOK, drill_app, events, select_step, wait_dashboard, wait_screen
from tests.app.tui_support import record_notifications, wait_for
from tui.screens.modals.confirm import ConfirmScreen
from tui.screens.modals.run_step import RunStepScreen
from warroom.incident.store import IncidentStore

MUTATING = 3        # the flows runbook's "Turn the pretend breaker on": one echo, mutating
QUICK = 2           # its "Show where the drill stand-ins are": one echo, not run before the test's end


def quiet(app: Any) -> bool:
    """The dashboard on screen and no action worker left: every key sent has done what it does."""
    return app.screen is app.dashboard and not any(w.group == "io" and not w.is_finished for w in app.workers)


async def test_a_double_enter_opens_one_run_dialog_and_a_stale_confirmation_runs_nothing(tmp_path: Path) -> None:
    app = drill_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_dashboard(pilot)
        dash = app.dashboard
        said = record_notifications(app)
        dash.presenter.call(dash.presenter.declare, title="Quota", severity="P3", runbook=FLOWS_RUNBOOK,
                            source={"kind": "manual"})
        await wait_for(pilot, lambda: dash.runbook is not None and dash.runbook.id == FLOWS_RUNBOOK, 60)
        await select_step(pilot, MUTATING)

        def starts() -> list[Any]:
            return [e for e in events(app, "step.started") if e.data.get("step") == MUTATING]

        # the red-team's burst: Enter Enter (both queued before the first dialog is prepared: Pilot's
        # press would wait for it), then Run and "Yes, run it"; then the same again
        app.simulate_key("enter")
        app.simulate_key("enter")
        await wait_screen(pilot, RunStepScreen)
        await pilot.press("ctrl+s")
        await wait_screen(pilot, ConfirmScreen)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: len(starts()) == 1, 30)
        await pilot.press("ctrl+s", "ctrl+s")
        await wait_for(pilot, lambda: quiet(app), 30)
        await pilot.pause()
        await wait_for(pilot, lambda: quiet(app), 30)
        assert len(starts()) == 1, [e.data for e in starts()]
        assert any("already opening" in s for s in said), said

        # a dialog open while the step is started elsewhere (another window, `incident run`):
        # its confirmation runs nothing and says why
        await pilot.press("enter")
        await wait_screen(pilot, RunStepScreen)
        live = dash.presenter.live
        key = (FLOWS_RUNBOOK, dash.runbook.step(MUTATING).id)
        other = IncidentStore(live.incident.dir.parent.parent, app.ctx.config).open(live.id)   # `incident run`
        await asyncio.to_thread(lambda: other.run_step(other.prepare_step(MUTATING), confirm=True).wait())
        assert len(starts()) == 2
        said.clear()
        await pilot.press("ctrl+s")
        await wait_screen(pilot, ConfirmScreen)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: any("since this dialog opened" in s for s in said), 30)
        await wait_for(pilot, lambda: quiet(app), 30)
        assert len(starts()) == 2
        at = starts()[-1].ts.strftime("%H:%M:%S")
        assert any(f"Step {MUTATING} started at {at} UTC" in s and "look at its output first" in s for s in said), said

        # ... and the Output panes show what the journal holds, whoever ran the step (attack41 A15: a run journaled
        # by another process left them as they were, "Not run yet" for a step never run here, until the cursor
        # moved): the step the cursor is on, run elsewhere, and the refused step's pane, which showed its first run
        stack = dash.query_one(OutputStack)
        await select_step(pilot, QUICK)
        assert "Not run yet" in "".join(strip.text for strip in stack.shown().lines)
        await asyncio.to_thread(lambda: other.run_step(other.prepare_step(QUICK), confirm=True).wait())
        quick = (FLOWS_RUNBOOK, dash.runbook.step(QUICK).id)
        await wait_for(pilot, lambda: stack.shown() is stack.panes.get(quick) and stack.panes[quick].ended, 30)
        assert "drill=" in "".join(strip.text for strip in stack.panes[quick].lines)
        assert stack.panes[key].run == starts()[-1].data["output"]
