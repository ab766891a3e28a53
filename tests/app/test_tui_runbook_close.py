"""C closes the runbook a GO opened beside the current one: a dialog says what it is and what
closing does, and asks why (required); the core journals it and the second checklist goes, its
steps staying below the current checklist under "CLOSED: … by … : why". The dashboard only asks
and draws: which runbooks are open, and what closing means, is the core's word."""

from __future__ import annotations

from textual.widgets import Input, Static

from tests.app.drill_support import drill_app, events, wait_dashboard, wait_screen
from tests.app.test_tui_runbook_beside import _declared_with_go, _go
from tests.app.tui_support import record_notifications, wait_for
from tui.bindings import DASHBOARD_BINDINGS
from tui.screens.modals.forms import CloseRunbookScreen

WHY = "NO-GO: failures are dropping"


def test_the_binding_has_an_id_and_a_description() -> None:
    (binding,) = [b for b in DASHBOARD_BINDINGS if b.action == "close_runbook"]
    assert binding.id == "runbook.close" and binding.key == "C" and binding.description


async def test_c_closes_the_runbook_open_beside_with_a_reason(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from warroom.incident.closing import WHAT_IT_DOES

    app = drill_app(tmp_path, scenario="mass-failure", speed=60.0)
    async with app.run_test(size=(120, 40)) as pilot:
        main, beside = await _declared_with_go(pilot, app)
        dash = app.dashboard
        await pilot.press("w")
        await wait_for(pilot, lambda: dash.active_checklist() is beside)
        beside.highlighted = beside.get_option_index("step-4")
        await pilot.press("space")
        await wait_for(pilot, lambda: bool(events(app, "step.ticked")), 30)
        await wait_dashboard(pilot)

        await pilot.press("C")
        dialog = await wait_screen(pilot, CloseRunbookScreen, 30)
        texts = " ".join(str(s.render()) for s in dialog.query(Static))
        assert "Close runbook RB-LAUNCH-002 Rollback to pilot?" in texts
        assert "opened RB-LAUNCH-002 (Rollback to pilot): 1 of 19 steps done" in texts   # the core's GoOpened text
        assert WHAT_IT_DOES[:40] in texts
        await pilot.press("ctrl+s")                                   # no reason: refused in the dialog
        await wait_for(pilot, lambda: "A reason is required" in str(dialog.query_one("#form-error").render()))
        assert not events(app, "runbook.closed")
        dialog.query_one(Input).value = WHY
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: bool(events(app, "runbook.closed")), 30)
        (closed,) = events(app, "runbook.closed")
        assert closed.data["id"] == "RB-LAUNCH-002" and closed.data["reason"] == WHY
        assert closed.data["progress"] == {"done": 1, "failed": 0, "total": 19}

        # the journal's word: RB-LAUNCH-002 leaves the side; its steps stay below, said closed
        await wait_for(pilot, lambda: len(dash.checklists()) == 1, 30)
        head = f"CLOSED: RB-LAUNCH-002 closed at {closed.ts:%H:%M:%S} UTC by {closed.actor}: {WHY}"
        await wait_for(pilot, lambda: any(str(o.prompt).startswith(head) for o in main.options
                                          if (o.id or "").startswith("earlier-")), 30)
        assert dash.active_checklist() is main and dash.data.active_runbook().id == "RB-LAUNCH-005"
        assert dash.data.active is None       # not kept pointing at it: a new GO reopening it must not take the keys

        # space now acts on RB-LAUNCH-005 (the only runbook worked); C has nothing to close
        await wait_dashboard(pilot)
        main.highlighted = main.get_option_index("step-4")
        await pilot.pause()
        await pilot.press("space")
        await wait_for(pilot, lambda: len(events(app, "step.ticked")) == 2, 30)
        assert events(app, "step.ticked")[1].data["runbook_id"] == "RB-LAUNCH-005"
        said = record_notifications(app)
        await pilot.press("C")
        await wait_for(pilot, lambda: any("nothing to close" in m for m in said), 30)    # C was handled: refused
        assert not isinstance(app.screen, CloseRunbookScreen)
        assert len(events(app, "runbook.closed")) == 1

        # a new GO opens it beside again: the keys stay on the checklist being worked (RB-LAUNCH-005)
        _go(app)
        await wait_for(pilot, lambda: len(dash.checklists()) == 2 and dash.checklists()[1].runbook is not None, 30)
        await wait_dashboard(pilot)
        main.highlighted = main.get_option_index("step-5")
        await pilot.pause()
        await pilot.press("space")
        await wait_for(pilot, lambda: len(events(app, "step.ticked")) == 3, 30)
        assert events(app, "step.ticked")[2].data["runbook_id"] == "RB-LAUNCH-005"


async def test_a_dashboard_resumed_after_a_kill_keeps_it_closed(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Closed in one process (here: the CLI's core call), the incident resumed in a new dashboard
    shows one checklist, RB-LAUNCH-002's steps under CLOSED, and C has nothing to close."""
    from datetime import timedelta

    from tui.app import WarroomApp
    from tui.launch import drill_context, resume_context
    from warroom.config import Config
    from warroom.incident import decisions as dec
    from warroom.incident.store import IncidentStore

    cfg = Config()
    cfg.incident.state_dir = str(tmp_path / "state")
    ctx = drill_context(cfg, "mass-failure", 60.0)
    drill = ctx.drill.extra["drill"]
    inc = IncidentStore(ctx.config.state_dir(), ctx.config).create(
        title="flows failing", severity="P1", runbook="RB-LAUNCH-005", source={},
        drill={"scenario": "mass-failure", "speed": drill.speed, "dir": str(drill.path)})
    drill.attach_incident(inc.id)
    (rb, d), = [(rb, d) for rb, d in dec.decisions_of([inc.runbook()]) if rb == "RB-LAUNCH-005"]
    view = dec.evaluate(d, rb, inc.state, inc.state.clock_start + timedelta(minutes=16), query=None,
                        step_output=lambda _s: None)
    dec.record(inc, view, "GO", by="dana", why="no root cause after 15 minutes")
    inc.tick(4, "RB-LAUNCH-002")
    closed = inc.close_runbook("RB-LAUNCH-002", WHY)

    again = resume_context(cfg, inc.id)
    again.refresh, again.tick, again.offer_resume = 0.2, 0.2, False
    app = WarroomApp(again)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_dashboard(pilot)
        dash = app.dashboard
        await wait_for(pilot, lambda: dash.controller.live is not None and dash.main_checklist().runbook is not None
                       and dash.main_checklist().runbook.id == "RB-LAUNCH-005", 30)
        main = dash.main_checklist()
        head = f"CLOSED: RB-LAUNCH-002 closed at {closed.ts:%H:%M:%S} UTC by {closed.actor}: {WHY}"
        await wait_for(pilot, lambda: any(str(o.prompt).startswith(head) for o in main.options), 30)
        assert len(dash.checklists()) == 1 and not dash.data.beside
        said = record_notifications(app)
        await pilot.press("C")
        await wait_for(pilot, lambda: any("nothing to close" in m for m in said), 30)    # C was handled: refused
        assert not isinstance(app.screen, CloseRunbookScreen)
