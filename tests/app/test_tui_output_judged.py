"""What a step printed is on screen at 80x24, where its output pane has two rows (redteam38 F2).

A count query's output is five lines: " count", "-------", "   500", "(1 row)" and a blank line.
Scrolled to its end, the pane showed "(1 row)" and the blank line: the count the step's expectation
judged ("the output holds 500 (wanted 0)") was nowhere on screen. An ended run now rests on the
line its expectation judged (from the top when it fits, else its last line with text), the pane
scrolls by keys (tab to it, then the arrows), and the step pane says the verdict under the label,
where 80x24 still shows it. The audit-gap drill's own RB-CORE-005 step 2, through the real engine.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from textual.geometry import Region
from textual.widget import Widget

from panes.output import OutputStack
from panes.step_detail import StepDetailPane
from tests.app.drill_support import declare_prefilled, drill_ctx, events, run_selected, select_step, wait_step
from tests.app.tui_support import wait_for
from tests.conftest import REPO
from tui.app import WarroomApp
from warroom import scenario_time
from warroom.execute.expectation import check_text

# The drill's clock is pinned: unpinned, a loaded machine (CI, 2 cores) let the audit-gap drill run
# on at x10 while the dashboard started, and step 2's count of recent audit rows could read the gap
# (0, met) instead of the rows the test is about (wanted 0, not met): the wait for "unmet" ran out.
PIN = datetime(2026, 12, 2, 10, 0, tzinfo=UTC).timestamp()


def on_screen(widget: Widget) -> list[str]:
    """The rows a widget shows, border included, as the terminal gets them."""
    size = widget.outer_size
    return [("".join(s.text for s in strip)).rstrip() for strip in widget.render_lines(Region(0, 0, *size))]


async def _step_2_unmet(pilot, app: WarroomApp) -> str:  # type: ignore[no-untyped-def]
    """The audit-gap drill's incident declared as pre-filled (RB-CORE-005), its step 2 run to its
    unmet expectation; its reason ("the output holds N (wanted 0)")."""
    await declare_prefilled(pilot)
    await wait_for(pilot, lambda: app.dashboard.runbook is not None, 30)
    assert app.dashboard.runbook.id == "RB-CORE-005"
    await select_step(pilot, 2)
    await run_selected(pilot)
    await wait_step(pilot, 2, "unmet")
    finished = next(e.data for e in events(app, "step.finished") if e.data["step"] == 2)
    return str(finished["expect_reason"])


async def _the_judged_count_is_shown(pilot, app: WarroomApp, reason: str) -> None:  # type: ignore[no-untyped-def]
    """Step 2's ended output rests on the count its expectation judged, the step pane says the verdict
    whole, and the rest of the output is a scroll away (tab, home, end)."""
    count = re.match(r"the output holds (\d+) \(wanted 0\)", reason)
    assert count is not None, reason
    pane = app.dashboard.query_one(OutputStack).shown()
    assert pane is not None
    await wait_for(pilot, lambda: pane.ended)

    def shows_count() -> bool:
        return any(re.fullmatch(rf"│\s*{count.group(1)}\s*│", row) for row in on_screen(pane))
    await wait_for(pilot, shows_count)
    # the step pane says the verdict whole, under the label
    detail = "\n".join(on_screen(app.dashboard.query_one(StepDetailPane)))
    assert "NOT met" in detail and "(wanted 0)" in " ".join(detail.split()), detail

    # the rest is a scroll away: tab to the pane, then the keys
    await pilot.press("tab")
    await wait_for(pilot, lambda: pane.has_focus)
    await pilot.press("home")
    await wait_for(pilot, lambda: pane.scroll_offset.y == 0)
    assert any("count" in row for row in on_screen(pane))
    await pilot.press("end")
    await wait_for(pilot, lambda: any("(1 row)" in row for row in on_screen(pane)))


async def test_a_count_query_shows_the_count_its_expectation_judged(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """At 120x40; at 80x24 the same checks open ``test_a_step_run_before_a_resume_shows_its_stored_output``
    (it was a second size of this test, which started the same drill, declared and ran step 2 again)."""
    monkeypatch.setenv(scenario_time.AT_ENV, repr(PIN))      # what the count reads must not depend on load
    ctx = drill_ctx(tmp_path, scenario="audit-gap", speed=10.0)
    ctx.config.runbooks.dirs = [str(REPO / "runbooks")]
    app = WarroomApp(ctx)
    async with app.run_test(size=(120, 40)) as pilot:
        await _the_judged_count_is_shown(pilot, app, await _step_2_unmet(pilot, app))


def test_the_judged_line_is_the_one_the_reason_names() -> None:
    from panes.output import judged_line

    psql = [" count ", "-------", "   500", "(1 row)", ""]
    assert judged_line(psql, check_text(None, "0 confirms a failure", "\n".join(psql)).reason) == 2
    rows = [" pid | state", "-----+------", " 12  | active", "(1 row)", ""]
    assert judged_line(rows, check_text(None, "0 rows", "\n".join(rows)).reason) == 3
    found = ["deployment.apps/flowengine scaled", "waiting", "rolled out"]
    assert judged_line(found, check_text("rolled out", None, "\n".join(found)).reason) == 2
    big = ["total", "1234567"]
    assert judged_line(big, check_text(None, "below 5", "\n".join(big)).reason) == 1
    pct = ["rate 12.50%"]
    assert judged_line(pct, check_text(None, "below 5%", "\n".join(pct)).reason) == 0
    many = ["1", "2"]
    assert judged_line(many, check_text(None, "below 5", "\n".join(many)).reason) is None
    assert judged_line(psql, None) is None and judged_line(psql, "written as prose") is None


async def test_a_note_shows_from_its_start() -> None:
    from textual.app import App, ComposeResult

    class StackApp(App[None]):
        CSS = "OutputPane { height: 4; border: round white; }"

        def compose(self) -> ComposeResult:
            yield OutputStack(max_lines=100)

    app = StackApp()
    async with app.run_test(size=(44, 10)) as pilot:
        stack = app.query_one(OutputStack)
        stack.show(("RB-1", "s2"), "2. Count", "Ran before this screen opened: its output is in the incident's "
                                                "outputs/ directory.")
        await pilot.pause()
        await pilot.pause()
        shown = stack.shown()
        assert shown is not None and "Ran before" in "\n".join(on_screen(shown))


@pytest.mark.parametrize("width", [44, 66])
async def test_a_long_line_wraps_at_the_panes_width(width: int) -> None:
    """RichLog's default minimum width wrapped a line at 78 columns: in a 42-column pane (80x24) the
    rest of each row was past a horizontal scroll, the resume note's second row a scrollbar."""
    from textual.app import App, ComposeResult

    class StackApp(App[None]):
        CSS = "OutputPane { height: 6; border: round white; }"

        def compose(self) -> ComposeResult:
            yield OutputStack(max_lines=100)

    app = StackApp()
    async with app.run_test(size=(width, 10)) as pilot:
        stack = app.query_one(OutputStack)
        stack.show(("RB-1", "s2"), "2. Count", "Ran before this screen opened: its output is in the incident's "
                                                "outputs/ directory.")
        pane = stack.pane_for(("RB-1", "s1"), "1. Logs")
        pane.add_lines(["level=error msg=\"audit event not acknowledged by the shipper, dropped\" task=tsk_0e9cbdbe"])
        stack.show(("RB-1", "s1"))
        await pilot.pause()
        await pilot.pause()
        rows = on_screen(pane)
        assert pane.virtual_size.width <= pane.scrollable_content_region.width, rows
        assert "tsk_0e9cbdbe" in "".join(rows), rows


async def test_a_step_run_before_a_resume_shows_its_stored_output(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Reopened (a restart, a resume), step 2's view said its output "is in the incident's outputs/
    directory" (and at 80x24 showed "directory." of it): its stored output is read back instead,
    resting on the count its expectation judged."""
    from tui.launch import resume_context

    monkeypatch.setenv(scenario_time.AT_ENV, repr(PIN))
    ctx = drill_ctx(tmp_path, scenario="audit-gap", speed=10.0)
    ctx.config.runbooks.dirs = [str(REPO / "runbooks")]
    app = WarroomApp(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        reason = await _step_2_unmet(pilot, app)
        # the count query's checks at 80x24 (test_a_count_query_shows_the_count_its_expectation_judged's
        # other size), before the resume
        await _the_judged_count_is_shown(pilot, app, reason)
        incident_id = app.dashboard.view.header.incident_id
    count = re.match(r"the output holds (\d+) \(wanted 0\)", reason)
    assert count is not None, reason

    again = resume_context(ctx.config, incident_id)
    again.refresh, again.tick = 0.2, 0.2
    app = WarroomApp(again)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.screen is app.dashboard and app.dashboard.runbook is not None, 30)
        await wait_step(pilot, 2, "unmet")
        await select_step(pilot, 1)
        await select_step(pilot, 2)
        stack = app.dashboard.query_one(OutputStack)

        def shows_count() -> bool:
            pane = stack.shown()
            return pane is not None and pane.ended and any(
                re.fullmatch(rf"│\s*{count.group(1)}\s*│", row) for row in on_screen(pane))
        await wait_for(pilot, shows_count)
        pane = stack.shown()
        assert pane is not None and "ran · 5 lines" in str(pane.border_subtitle), pane.border_subtitle
        assert not any("outputs/ directory" in row for row in on_screen(pane))
