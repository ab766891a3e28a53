"""The dashboard only draws: a failed poll is said and polling goes on; each running step has its
own output view; attaching another runbook starts its steps blank; a step run from the dashboard
and from `warroom incident run` writes the same events (one incident service behind both)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from panes.header import IncidentHeader
from panes.output import OutputPane, OutputStack
from panes.runbook import ChecklistPane
from panes.slo import SloPane
from tests.app.drill_support import (
    FLOWS_RUNBOOK,
    drill_app,
    events,
    run_selected,
    select_step,
    step_state,
    wait_step,
)
from tests.app.test_tui_flows_engine import attach_flows_runbook, declare_from_breached_pane, output_lines
from tests.app.tui_support import make_app, record_notifications, wait_for
from tests.conftest import REPO


def header_text(app: Any) -> str:
    header = app.dashboard.query_one(IncidentHeader)
    return " ".join(str(w.render()) for w in header.query("Static"))


async def test_an_exception_in_the_poll_worker_is_shown_and_polling_goes_on(tmp_path: Path,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    import tui.screens.dashboard as dashboard

    real = dashboard.fetch_readings
    calls: list[int] = []
    release = threading.Event()

    def flaky(*args: Any, **kw: Any) -> Any:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("tracker exploded")
        if len(calls) == 2:
            release.wait(20)       # hold the second poll until the failure has been read off the screen
        return real(*args, **kw)

    monkeypatch.setattr(dashboard, "fetch_readings", flaky)
    app = make_app(tmp_path, refresh=0.05)
    said = record_notifications(app)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: "poll failed" in header_text(app))
        await wait_for(pilot, lambda: any("tracker exploded" in s for s in said))
        assert "metric poll failed: RuntimeError: tracker exploded (polling goes on)" in said
        release.set()
        # The loop did not end: later polls come and draw readings again.
        await wait_for(pilot, lambda: len(calls) >= 4 and bool(app.dashboard.readings))
        await wait_for(pilot, lambda: "poll failed" not in header_text(app))


# three tests' drill in one (a flood of a million lines among them): the suite's 300 s per-test bound is
# a hang guard, and this one now does what three did
@pytest.mark.timeout(600)
async def test_a_second_runbook_starts_blank_runs_two_steps_at_once_and_writes_what_the_cli_writes(
        tmp_path: Path) -> None:
    """One drill, declared from its breached pane, carries four tests that each started it, declared
    and attached the flows runbook (with every assertion of each, in this order):
    ``test_attaching_a_second_runbook_starts_its_steps_blank`` (step 1 of RB-CORE-003 ticked first),
    ``test_two_steps_running_at_once_have_two_outputs``,
    ``test_tui_flows_engine.py::test_keys_respond_and_panes_refresh_while_a_step_floods_output`` (the
    keys and the polls checked while step 5 floods, held by ``FLOOD_HOLD``: the flood the two outputs
    share, a million lines or more, is the one it checked; it ran one of its own) and
    ``test_the_same_step_from_the_dashboard_and_the_cli_writes_the_same_events`` (step 2, whose events
    are told apart by its step id from the runs of steps 4 and 5 before it)."""
    app = drill_app(tmp_path)
    # The flood goes on until this file exists (FLOOD_HOLD, see the fixture runbook): the checks
    # below happen while it floods however slow the machine is, never against its wall speed.
    hold = tmp_path / "flood-hold"
    app.ctx.config.execute.env["FLOOD_HOLD"] = str(hold)
    async with app.run_test(size=(120, 40)) as pilot:
        inc_id = await declare_from_breached_pane(pilot)

        # -- attaching a second runbook starts its steps blank
        first = app.dashboard.runbook
        assert first is not None and first.id == "RB-CORE-003"
        await select_step(pilot, 1)
        await pilot.press("space")          # tick step 1 of RB-CORE-003
        await wait_step(pilot, 1, "ticked")
        await attach_flows_runbook(pilot)
        assert app.dashboard.runbook.id == FLOWS_RUNBOOK
        # None of the new runbook's steps is marked: its step 1 is not RB-CORE-003's step 1.
        assert app.dashboard.view.steps == {}
        assert step_state(app, 1) == "pending"
        marks = checklist_marks(app)
        assert marks and set(marks) <= {"○", "☐"}, marks
        # The first runbook's progress is still on screen, below the checklist.
        earlier = app.dashboard.view.earlier
        assert [e.runbook_id for e in earlier] == ["RB-CORE-003"]
        assert earlier[0].steps[0][2].state == "ticked"
        checklist = app.dashboard.query_one(ChecklistPane)
        texts = [str(checklist.get_option_at_index(i).prompt) for i in range(checklist.option_count)]
        assert any("EARLIER: RB-CORE-003" in t for t in texts)
        assert any(t.startswith("☑") and first.step(1).label[:20] in t for t in texts)

        # -- two steps running at once have two outputs
        rb = app.dashboard.runbook
        wait_key, flood_key = (FLOWS_RUNBOOK, rb.step(4).id), (FLOWS_RUNBOOK, rb.step(5).id)
        await select_step(pilot, 4)
        await run_selected(pilot)
        await wait_step(pilot, 4, "running")
        await select_step(pilot, 5)
        await run_selected(pilot)
        await wait_step(pilot, 5, "running")
        stack = app.dashboard.query_one(OutputStack)
        await wait_for(pilot, lambda: flood_key in stack.panes and stack.panes[flood_key].line_count > 1000, 30)
        assert set(stack.panes) == {wait_key, flood_key}
        waiting, flooding = stack.panes[wait_key], stack.panes[flood_key]
        assert waiting is not flooding and len(list(stack.query(OutputPane))) == 2
        assert "4. Wait for the pretend rollout" in str(waiting.border_title)
        assert "5. Print a flood of output" in str(flooding.border_title)
        assert waiting.line_count == 0 and not waiting.lines        # the flood never reached it
        assert stack.shown() is flooding                             # the step just started
        try:
            await select_step(pilot, 4)
            assert stack.shown() is waiting                          # the highlighted step's own
            await pilot.press("c")                                   # cancels the highlighted one
            await wait_step(pilot, 4, "cancelled", timeout=30)
            # -- keys respond and panes refresh while a step floods output
            checklist = app.dashboard.query_one(ChecklistPane)
            quota = app.dashboard.query_one("#slo-quota", SloPane)
            polls: list[float] = []
            moved = 0
            # While the flood runs: keys move the cursor and the metric poll keeps going.
            for _ in range(400):
                if moved >= 3 and len(polls) >= 2 and flooding.line_count > 0:
                    break
                before = checklist.highlighted
                await pilot.press("k" if moved % 2 else "j")
                await pilot.pause()
                if checklist.highlighted != before:
                    moved += 1
                if quota.reading_at not in polls:
                    polls.append(quota.reading_at)
                await pilot.pause(0.05)
            still = step_state(app, 5) == "running" and not events_of_step(app, 5, "step.finished")
        finally:
            hold.touch()
        assert still, "the flood ended before the checks (FLOOD_HOLD not honoured)"
        assert moved >= 3, "cursor keys did not respond during the flood"
        assert len(polls) >= 2, "SLO panes did not refresh during the flood"
        assert flooding.line_count > 0, "no output reached the pane during the flood"
        await wait_step(pilot, 5, "ok", timeout=120)
        await wait_for(pilot, lambda: "cancelled" in str(waiting.border_subtitle), 60)
        await select_step(pilot, 5)     # the keys above moved the cursor (and the shown view) away
        fin = events_of_step(app, 5, "step.finished")[0].data
        total = fin["lines"]
        assert fin["status"] == "ok" and total >= 1_000_000, fin
        await wait_for(pilot, lambda: flooding.line_count == total, 60)   # every line printed reached its view
        await wait_for(pilot, lambda: output_lines(app)[-1:] == [str(total)], 60)
        assert len(flooding.lines) <= app.ctx.config.execute.memory_lines  # bounded in memory
        assert waiting.line_count == 0

        # -- the same step from the dashboard and the CLI writes the same events
        step_id = app.dashboard.runbook.step(2).id
        await select_step(pilot, 2)
        await run_selected(pilot)
        await wait_step(pilot, 2, "ok", "failed")
        dashboard_run = run_events(app, step_id)
        state_dir = str(app.dashboard.controller.incident.dir.parent.parent)
        cli = await asyncio.to_thread(
            subprocess.run, [sys.executable, "-m", "tui", "incident", "run", inc_id, "2", "--state-dir", state_dir],
            capture_output=True, text=True, timeout=120, cwd=REPO, stdin=subprocess.DEVNULL)
        assert cli.returncode == 0, cli.stderr
        cli_run = run_events(app, step_id)[len(dashboard_run):]
    assert [e.type for e in dashboard_run] == ["evidence.recorded", "step.started", "step.finished"]
    assert [e.type for e in cli_run] == [e.type for e in dashboard_run]
    for ours, theirs in zip(dashboard_run, cli_run, strict=True):
        assert set(ours.data) == set(theirs.data), (ours.type, set(ours.data) ^ set(theirs.data))
    assert dashboard_run[0].data["when"] == cli_run[0].data["when"] == "before"
    assert dashboard_run[0].data["values"].keys() == cli_run[0].data["values"].keys()
    assert dashboard_run[2].data["status"] == cli_run[2].data["status"] == "ok"
    assert dashboard_run[1].data["runbook_id"] == cli_run[1].data["runbook_id"] == FLOWS_RUNBOOK


def events_of_step(app: Any, number: int, type_: str) -> list[Any]:
    return [e for e in events(app, type_) if e.data.get("step") == number]


def checklist_marks(app: Any) -> list[str]:
    checklist = app.dashboard.query_one(ChecklistPane)
    out = []
    for i in range(checklist.option_count):
        opt = checklist.get_option_at_index(i)
        if (opt.id or "").startswith("step-"):
            out.append(str(opt.prompt).strip()[:1])
    return out


def run_events(app: Any, step_id: str) -> list[Any]:
    return [e for e in events(app) if e.data.get("step_id") == step_id
            and e.type in ("evidence.recorded", "step.started", "step.finished")
            and e.data.get("when") in (None, "before")]


async def test_the_runbook_picker_filters_as_you_type(tmp_path: Path) -> None:
    from textual.widgets import OptionList

    from tests.app.drill_support import wait_screen
    from tui.screens.modals.pickers import RunbookPicker

    app = drill_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("o")
        picker = await wait_screen(pilot, RunbookPicker)
        listing = picker.query_one("#runbook-list", OptionList)
        everything = listing.option_count
        assert everything > 5
        await pilot.press(*"launch 002")
        await wait_for(pilot, lambda: listing.option_count == 1)
        assert listing.get_option_at_index(0).id == "RB-LAUNCH-002"
        await pilot.press("backspace", "backspace", "backspace")
        await wait_for(pilot, lambda: 1 < listing.option_count < everything)
        assert all("LAUNCH" in (listing.get_option_at_index(i).id or "") or
                   "launch" in str(listing.get_option_at_index(i).prompt).lower()
                   for i in range(listing.option_count))
        await pilot.press(*"zzzz")
        await wait_for(pilot, lambda: listing.option_count == 1 and listing.get_option_at_index(0).disabled)
        assert "No runbook matches" in str(listing.get_option_at_index(0).prompt)
        for _ in range(4):
            await pilot.press("backspace")
        await pilot.press(*"005")
        await wait_for(pilot, lambda: listing.option_count == 1)
        await pilot.press("enter")            # enter in the filter opens the first match
        await wait_for(pilot, lambda: app.screen is app.dashboard)
        await wait_for(pilot, lambda: app.dashboard.runbook is not None
                       and app.dashboard.runbook.id == "RB-LAUNCH-005")
