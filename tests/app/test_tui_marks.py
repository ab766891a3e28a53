"""Every mark on the checklist means what it says (issue 10, item 5), through the real engine:
a command that exits 0 without printing what the runbook expects wears its own icon and word,
never the ✔ of a step that did; a prose expectation the output cannot decide is "not checked";
the ⚠ of a step that changes things and the expectation mark sit before the label, in fixed
columns, so the ellipsis of a narrow pane cuts the label and never a mark. The screen and
``warroom incident show`` agree.
"""

from __future__ import annotations

from pathlib import Path

from textual.widgets import OptionList

from panes.runbook import ChecklistPane
from panes.step_detail import StepDetailPane
from tests.app.drill_support import drill_ctx, events, run_selected, select_step, wait_dashboard, wait_screen, wait_step
from tests.app.tui_support import wait_for
from tests.conftest import REPO
from tui.app import WarroomApp
from tui.screens.modals.confirm import ConfirmScreen
from tui.screens.modals.forms import DeclareScreen
from tui.screens.modals.pickers import RunbookPicker
from warroom.cli.incident_show import render_show
from warroom.incident.store import IncidentStore

MARKS = REPO / "tests" / "fixtures" / "marks"


def checklist_line(app: WarroomApp, number: int) -> str:
    pane = app.dashboard.query_one(ChecklistPane)
    index = pane.get_option_index(f"step-{number}")
    return str(pane.get_option_at_index(index).prompt)


def checklist_row_on_screen(app: WarroomApp, number: int) -> str:
    """The checklist row as drawn (cut to the pane's width), not the whole prompt."""
    pane = app.dashboard.query_one(ChecklistPane)
    index = pane.get_option_index(f"step-{number}")
    return pane.render_line(index - int(pane.scroll_offset.y)).text


async def open_marks_incident(pilot) -> None:  # type: ignore[no-untyped-def]
    app = pilot.app
    await pilot.press("d")
    await wait_screen(pilot, DeclareScreen)
    await pilot.press("ctrl+s")
    await wait_dashboard(pilot)
    await wait_for(pilot, lambda: (app.dashboard.view.header.incident_id or "").startswith("INC-"), 60)
    await pilot.press("o")
    picker = await wait_screen(pilot, RunbookPicker)
    options = picker.query_one(OptionList)
    options.focus()
    options.highlighted = options.get_option_index("RB-MARKS-001")
    await pilot.press("enter")
    await wait_screen(pilot, ConfirmScreen)     # attaching another runbook asks first
    await pilot.press("ctrl+s")
    await wait_dashboard(pilot)
    await wait_for(pilot, lambda: app.dashboard.runbook is not None and app.dashboard.runbook.id == "RB-MARKS-001", 60)


async def test_an_expectation_not_met_has_its_own_icon_and_word_and_marks_sit_before_the_label_at_80_columns(
        tmp_path: Path) -> None:
    """One marks incident carries two tests that each started a drill, declared and attached RB-MARKS-001
    (≈ 2 s of CPU each, most of it the dashboard drawing while it did). First, at 80x24 before any step ran, as
    that test had it: the marks sit before the label (was ``test_marks_sit_before_the_label_at_80_columns``).
    Then the terminal resized to 120x40, where the other ran: an expectation not met has its own icon and word
    (was ``test_an_expectation_not_met_has_its_own_icon_and_word``). The 80-column rows are read before anything
    ran, never after the runs the second half makes."""
    ctx = drill_ctx(tmp_path)
    ctx.config.runbooks.dirs = [str(MARKS)]
    app = WarroomApp(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_marks_incident(pilot)
        # -- marks sit before the label at 80 columns
        await wait_for(pilot, lambda: "⚠" in checklist_row_on_screen(app, 4), 60)
        row4 = checklist_row_on_screen(app, 4)
        assert row4.rstrip().endswith("…")        # the label is cut ...
        assert row4.index("⚠") < row4.index("4.")  # ... the mark is not
        row1 = checklist_row_on_screen(app, 1)
        assert row1.index("◇") < row1.index("1.")

        # -- an expectation not met has its own icon and word, at 120x40
        await pilot.resize_terminal(120, 40)
        await wait_for(pilot, lambda: tuple(app.size) == (120, 40) and tuple(app.dashboard.size) == (120, 40), 30)
        # Before anything runs: ◇ says an expectation will be checked, ⚠ that step 4 changes things.
        assert checklist_line(app, 1).startswith("○   ◇ ")
        assert checklist_line(app, 4).startswith("○ ⚠   ")

        for number in (1, 2, 3):
            await select_step(pilot, number)
            await run_selected(pilot)
            await wait_step(pilot, number, "ok", "unmet", "unchecked", "failed")

        finished = {e.data["step"]: e.data for e in events(app, "step.finished")}
        assert finished[1]["status"] == "ok" and finished[1]["expect_verdict"] == "unmet"
        assert finished[2]["expect_verdict"] == "met"
        assert finished[3]["expect_verdict"] == "unchecked"

        # 1 exited 0 but printed 12 where 0 was expected: ≠ and ✗, not ✔.
        await wait_for(pilot, lambda: checklist_line(app, 1).startswith("≠   ✗ "))
        assert "✔" not in checklist_line(app, 1)
        assert checklist_line(app, 2).startswith("✔   ✓ ")
        # "all good" holds no number: not checked, and never the ✔ of a run that did its job
        assert checklist_line(app, 3).startswith("≟   ? ")

        await select_step(pilot, 1)
        detail = str(app.dashboard.query_one(StepDetailPane).render())
        assert "≠ ran, expectation not met" in detail
        assert "expectation NOT met: the output holds 12 (wanted 0)" in detail
        await select_step(pilot, 3)
        detail = str(app.dashboard.query_one(StepDetailPane).render())
        assert "≟ ran, expectation not checked" in detail
        assert "? expectation not checked: the output holds no number" in detail

        # incident show says the same, in the same words.
        inc = IncidentStore.from_config(app.ctx.config).open(app.dashboard.view.header.incident_id)
        shown = "\n".join(render_show(inc, inc.state, inc.state.declared_at))
        row = next(line for line in shown.splitlines() if "Count the failed tasks" in line)
        assert "≠ [UNMET]" in row and "expectation NOT met: the output holds 12 (wanted 0)" in row
        row = next(line for line in shown.splitlines() if "in words" in line)
        assert "≟ [UNCHECKED]" in row and "expectation not checked: the output holds no number" in row
