"""`warroom incident attach` typed in another terminal while the dashboard is open: the
checklist shows the runbook the journal now names — its rows from the top, the cursor on its
first step, the step detail and the output pane following — and the replaced runbook only as
EARLIER rows below. A runbook that was open beside (a GO opened it) and is attached as the
current one keeps the commander's cursor: the same step of the same runbook, now in the current
runbook's checklist, which the keys act on (its own pane is gone)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

from panes.output import OutputStack
from panes.runbook import ChecklistPane
from panes.step_detail import StepDetailPane
from tests.app.drill_support import FIXTURES, FLOWS_RUNBOOK, drill_app, select_step
from tests.app.test_tui_flows_engine import declare_from_breached_pane
from tests.app.test_tui_runbook_beside import _declared_with_go
from tests.app.tui_support import wait_for
from tests.conftest import REPO


async def cli_attach(app, ref: str) -> None:  # type: ignore[no-untyped-def]
    """The other terminal: the real CLI, in its own process."""
    inc = app.dashboard.controller.incident
    state_dir = str(inc.dir.parent.parent)
    done = await asyncio.to_thread(
        subprocess.run, [sys.executable, "-m", "tui", "incident", "attach", inc.id, ref, "--state-dir", state_dir],
        capture_output=True, text=True, timeout=120, cwd=REPO, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr


async def test_cli_attach_redraws_the_checklist_from_the_new_runbooks_top(tmp_path: Path) -> None:
    app = drill_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await declare_from_breached_pane(pilot)
        dash = app.dashboard
        main = dash.main_checklist()
        await wait_for(pilot, lambda: main.runbook is not None and main.runbook.id == "RB-CORE-003")
        old = main.runbook
        await select_step(pilot, old.steps[-1].number)           # the bottom of a long runbook
        await wait_for(pilot, lambda: main.scroll_y > 0)
        await cli_attach(app, str(FIXTURES / "dashboard-flows.md"))
        await wait_for(pilot, lambda: main.runbook is not None and main.runbook.id == FLOWS_RUNBOOK)
        await pilot.pause()
        new = main.runbook
        ids = [o.id for o in main.options]
        steps = [i for i in ids if i and i.startswith("step-")]
        assert steps == [f"step-{s.number}" for s in new.steps]          # the new runbook's rows only…
        assert ids[len(ids) - 1 - ids[::-1].index(steps[-1]) + 1] == "earlier-0"   # …then the replaced one
        assert str(main.get_option("earlier-0").prompt).startswith("EARLIER: RB-CORE-003")
        assert main.selected_step() is not None and main.selected_step().number == 1
        await wait_for(pilot, lambda: main.scroll_y == 0)
        assert app.focused is main and dash.active_checklist() is main
        first = new.step(1)
        await wait_for(pilot, lambda: first.label in str(dash.query_one(StepDetailPane).render()))
        shown = dash.query_one(OutputStack).shown()
        assert shown is not None and f"1. {first.label}" in str(shown.border_title)
        await pilot.press("j")
        await wait_for(pilot, lambda: main.selected_step() is not None and main.selected_step().number == 2)


async def test_a_runbook_open_beside_attached_as_current_keeps_the_cursor(tmp_path: Path) -> None:
    app = drill_app(tmp_path, scenario="mass-failure", speed=60.0)
    async with app.run_test(size=(120, 40)) as pilot:
        main, beside = await _declared_with_go(pilot, app)
        dash = app.dashboard
        await pilot.press("w")
        await wait_for(pilot, lambda: dash.active_checklist() is beside and app.focused is beside)
        beside.highlighted = beside.get_option_index("step-4")
        await pilot.pause()
        rollback_4 = beside.runbook.step(4)
        await cli_attach(app, "RB-LAUNCH-002")
        await wait_for(pilot, lambda: main.runbook is not None and main.runbook.id == "RB-LAUNCH-002")
        await wait_for(pilot, lambda: len(dash.checklists()) == 1)
        await pilot.pause()
        assert main.selected_step() is not None and main.selected_step().id == rollback_4.id
        assert app.focused is main and dash.active_checklist() is main
        assert dash.data.active_runbook() is main.runbook
        await wait_for(pilot, lambda: rollback_4.label[:30] in str(dash.query_one(StepDetailPane).render()))
        await pilot.press("j")
        await wait_for(pilot, lambda: main.selected_step() is not None and main.selected_step().number == 5)
        assert isinstance(app.focused, ChecklistPane)
