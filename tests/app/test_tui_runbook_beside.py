"""After a GO the rollback runbook opens BESIDE the current one on the dashboard: RB-LAUNCH-005
stays where it was, RB-LAUNCH-002 appears below it, each with its progress; w (or tab) moves to
the other one and enter / space / s act on the steps of the checklist being worked, against its
own runbook. Which runbooks are open is the journal's word: the dashboard only draws it."""

from __future__ import annotations

import re
from datetime import timedelta

from textual.widgets import Input

from panes.runbook import ChecklistPane
from panes.step_detail import StepDetailPane
from tests.app.drill_support import declare_prefilled, drill_app, events, wait_dashboard, wait_screen
from tests.app.tui_support import wait_for
from tui.screens.modals.forms import SkipScreen


def _go(app) -> None:  # type: ignore[no-untyped-def]
    """GO on RB-LAUNCH-005's decision, as `warroom incident decide --go` would record it."""
    from warroom.incident import decisions as dec

    inc = app.dashboard.presenter.live.incident
    (rb, d), = [(rb, d) for rb, d in dec.decisions_of([inc.runbook()]) if rb == "RB-LAUNCH-005"]
    view = dec.evaluate(d, rb, inc.state, inc.state.clock_start + timedelta(minutes=16), query=None,
                        step_output=lambda _s: None)
    assert dec.record(inc, view, "GO", by="dana", why="no root cause after 15 minutes").opened == "RB-LAUNCH-002"


async def _declared_with_go(pilot, app) -> tuple[ChecklistPane, ChecklistPane]:  # type: ignore[no-untyped-def]
    await declare_prefilled(pilot)
    main = app.dashboard.main_checklist()
    await wait_for(pilot, lambda: main.runbook is not None and main.runbook.id == "RB-LAUNCH-005", 30)
    assert len(app.dashboard.checklists()) == 1 and main.border_title is not None
    assert "done" not in str(main.border_title)          # one runbook: its title as before
    _go(app)
    await wait_for(pilot, lambda: len(app.dashboard.checklists()) == 2
                   and app.dashboard.checklists()[1].runbook is not None, 30)
    # the second checklist is mounted with its runbook before the next layout gives it a place on
    # screen (CI once read its region as empty): wait for that known state, not for time
    await wait_for(pilot, lambda: app.dashboard.checklists()[1].region.height > 0, 30)
    return main, app.dashboard.checklists()[1]


async def test_both_runbooks_are_shown_and_each_is_worked_against_itself(tmp_path) -> None:  # type: ignore[no-untyped-def]
    app = drill_app(tmp_path, scenario="mass-failure", speed=60.0)
    async with app.run_test(size=(120, 40)) as pilot:
        main, beside = await _declared_with_go(pilot, app)
        dash = app.dashboard
        assert main.runbook.id == "RB-LAUNCH-005" and beside.runbook.id == "RB-LAUNCH-002"
        assert str(main.border_title).startswith("RB-LAUNCH-005 0/")
        assert str(beside.border_title).startswith("RB-LAUNCH-002 0/19 done · beside, GO on rollback-to-pilot")
        assert not any((o.id or "").startswith("earlier-") for o in main.options)   # beside, not "EARLIER"
        assert main.region.bottom <= beside.region.y                  # the current one stays on top
        assert main.region.height >= 10 and beside.region.height >= 10   # 120x40: both roomy

        # w: work in RB-LAUNCH-002; its step 4 (a checklist item) ticked with space is ITS step 4
        await pilot.press("w")
        await wait_for(pilot, lambda: dash.active_checklist() is beside and app.focused is beside)
        beside.highlighted = beside.get_option_index("step-4")
        await pilot.pause()
        detail = dash.query_one(StepDetailPane)
        rollback_4 = beside.runbook.step(4)
        await wait_for(pilot, lambda: rollback_4.label[:30] in str(detail.render()))
        await pilot.press("space")
        await wait_for(pilot, lambda: any(e.data.get("runbook_id") == "RB-LAUNCH-002"
                                          for e in events(app, "step.ticked")), 30)
        (ticked,) = events(app, "step.ticked")
        assert ticked.data["step_id"] == rollback_4.id and ticked.data["step"] == 4
        await wait_for(pilot, lambda: str(beside.border_title).startswith("RB-LAUNCH-002 1/19 done"), 30)
        assert dash.view.steps.get(main.runbook.step(4).id) is None      # RB-LAUNCH-005's step 4 untouched
        assert str(main.border_title).startswith("RB-LAUNCH-005 0/")

        # s skips a step of RB-LAUNCH-002, with its reason
        beside.highlighted = beside.get_option_index("step-2")
        await pilot.press("s")
        skip = await wait_screen(pilot, SkipScreen, 30)
        skip.query_one(Input).value = "replica count is in the change ticket"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: bool(events(app, "step.skipped")), 30)
        (skipped,) = events(app, "step.skipped")
        assert skipped.data["runbook_id"] == "RB-LAUNCH-002" and skipped.data["step_id"] == beside.runbook.step(2).id

        # enter runs RB-LAUNCH-002's own step 1 (a read-only command): its run, its output pane
        from tui.screens.modals.run_step import RunStepScreen
        from panes.output import OutputStack

        await wait_dashboard(pilot)
        beside.highlighted = beside.get_option_index("step-1")
        await pilot.pause()
        await pilot.press("enter")
        dialog = await wait_screen(pilot, RunStepScreen, 30)
        assert dialog.number == 1 and dialog.label == beside.runbook.step(1).label
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: any(e.data.get("runbook_id") == "RB-LAUNCH-002"
                                          for e in events(app, "step.finished")), 60)
        (started,) = events(app, "step.started")
        assert started.data["runbook_id"] == "RB-LAUNCH-002" and started.data["step_id"] == beside.runbook.step(1).id
        stack = dash.query_one(OutputStack)
        await wait_for(pilot, lambda: ("RB-LAUNCH-002", beside.runbook.step(1).id) in stack.panes, 30)
        # step 1's run counts as done when its mark is (its output decides: ✔, or "expectation not
        # checked"), besides the tick of step 4 and the skip of step 2: the heading follows the mark
        from warroom.incident.marks import DONE_MARKS, run_verdict, step_state

        run_1 = app.dashboard.presenter.live.incident.refresh().steps.get(("RB-LAUNCH-002", beside.runbook.step(1).id))
        done = 2 + (step_state(run_1.status, run_verdict(run_1.last_run)) in DONE_MARKS)
        await wait_for(pilot, lambda: str(beside.border_title).startswith(f"RB-LAUNCH-002 {done}/19 done"), 30)

        # back to RB-LAUNCH-005 (w again): its step 4 ticks against RB-LAUNCH-005
        await wait_dashboard(pilot)
        await pilot.press("w")
        await wait_for(pilot, lambda: dash.active_checklist() is main)
        main.highlighted = main.get_option_index("step-4")
        await pilot.pause()
        await pilot.press("space")
        await wait_for(pilot, lambda: len(events(app, "step.ticked")) == 2, 30)
        assert events(app, "step.ticked")[1].data["runbook_id"] == "RB-LAUNCH-005"
        await wait_for(pilot, lambda: str(main.border_title).startswith("RB-LAUNCH-005 1/"), 30)


async def test_resolve_after_a_go_says_what_it_opened_and_asks_about_the_rollback(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """r after a GO: the dialog says what the GO opened and how far it got, counts the steps not
    done of both runbooks, and will not resolve until the commander says whether a rollback was
    part of the fix (nothing pre-ticked, no default "no"). At 80x24 every control stays on screen.

    First, in the same drill (it was ``test_at_80x24_the_runbook_not_worked_keeps_its_title_and_a_row``,
    which started one of its own): at 80x24 the runbook not worked keeps its title and a row."""
    from textual.widgets import Button, RadioButton

    from tui.screens.modals.forms import ResolveScreen

    app = drill_app(tmp_path, scenario="mass-failure", speed=60.0)
    async with app.run_test(size=(80, 24)) as pilot:
        main, beside = await _declared_with_go(pilot, app)
        await pilot.pause()
        for pane in (main, beside):
            assert pane.region.height >= 3 and pane.region.bottom <= 24
        assert main.region.height > beside.region.height          # working RB-LAUNCH-005
        await pilot.press("w")
        await wait_for(pilot, lambda: not beside.has_class("-inactive"))
        await pilot.pause()
        assert beside.region.height > main.region.height           # now working RB-LAUNCH-002
        assert main.region.height == 3                              # title (id and progress) + one row
        assert str(main.border_title).startswith("RB-LAUNCH-005 0/")
        await pilot.press("w")                                      # back to RB-LAUNCH-005, as declared
        await wait_for(pilot, lambda: app.dashboard.active_checklist() is main and not main.has_class("-inactive"))

        await pilot.press("r")
        screen = await wait_screen(pilot, ResolveScreen, 30)
        opened = str(screen.query_one("#resolve-opened").render())
        assert 'GO on "Roll back to the pilot repository (RB-LAUNCH-002)?" by dana' in opened
        # a drill: the GO's moment on the drill's clock, the wall beside (redteam34; closing.live_at)
        assert re.search(r'\?" by dana at \+\S+ drill time \(\d\d:\d\d:\d\d UTC\) opened ', opened), opened
        assert "opened RB-LAUNCH-002 (Rollback to pilot): 0 of 19 steps done" in opened
        counts = f"not done (RB-LAUNCH-005 {len(main.runbook.steps)}, RB-LAUNCH-002 19)"
        assert any(counts in str(w.render()) for w in screen.query("Static"))   # both runbooks' steps
        assert not any(b.value for b in screen.query(RadioButton))      # no answer given in advance
        radio = screen.query_one("#rollback-answer")
        assert app.focused is radio                                      # the first thing asked
        buttons = screen.query_one(".buttons")
        assert radio.region.height > 0 and radio.region.bottom <= buttons.region.y, (radio.region, buttons.region)
        screen.query_one("#summary", Input).value = "flows back after the rollback"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "Say whether a rollback was part of the fix" in str(screen.query_one("#form-error").render())
        assert not events(app, "incident.resolved") and app.focused is radio
        await pilot.press("enter")                               # the first answer: a rollback was part of it
        await wait_for(pilot, lambda: radio.pressed_button is not None)
        assert radio.pressed_button.id == "rollback-yes"
        await wait_for(pilot, lambda: app.focused is screen.query_one("#summary"))   # answered: on to the summary
        for button in screen.query(Button):
            assert button.region.height > 0 and button.region.bottom <= 24, (button.id, button.region)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: bool(events(app, "incident.resolved")), 30)
    (resolved,) = events(app, "incident.resolved")
    assert resolved.data["rollback"] is True
    (go,) = resolved.data["go_opened"]
    assert go["runbook_id"] == "RB-LAUNCH-002" and go["done"] == 0 and go["total"] == 19


async def test_keys_typed_ahead_after_w_act_on_the_runbook_switched_to(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """"w j space" typed faster than the dashboard draws (a slow SSH link) ticks the step of the
    runbook switched to, never one of the runbook just left: the three keys are queued before the
    first is handled, as a terminal's input arrives."""
    from textual import events as tevents

    app = drill_app(tmp_path, scenario="mass-failure", speed=60.0)
    async with app.run_test(size=(120, 40)) as pilot:
        main, beside = await _declared_with_go(pilot, app)
        await wait_dashboard(pilot)
        assert app.dashboard.active_checklist() is main
        for key, char in (("w", "w"), ("j", "j"), ("space", " ")):
            app.post_message(tevents.Key(key, char))
        await wait_for(pilot, lambda: bool(events(app, "step.ticked")), 30)
        await pilot.pause()
        ticked = events(app, "step.ticked")
        assert [e.data.get("runbook_id") for e in ticked] == ["RB-LAUNCH-002"]
        assert app.dashboard.active_checklist() is beside and app.focused is beside
