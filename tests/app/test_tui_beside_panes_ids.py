"""The checklists opened beside the current one come and go as the journal says: a GO opens one,
attaching it makes it current (it leaves the side), another GO opens the next. Each pane is found
by the runbook it shows, never by a widget id made up from a count of the holder's children: such
an id repeats once a pane left the side, and Textual's ``DuplicateIds`` then ends the whole app in
the middle of an incident (45b74ae). The journal is driven through the core, as the CLI would."""

from __future__ import annotations

from tests.app.drill_support import drill_app
from tests.app.test_tui_runbook_beside import _declared_with_go
from tests.app.tui_support import wait_for
from tests.conftest import REPO

RUNBOOKS = REPO / "runbooks"


def _titles(app) -> list[str]:  # type: ignore[no-untyped-def]
    return [pane.runbook.id if pane.runbook is not None else "" for pane in app.dashboard.checklists()]


async def test_a_runbook_opened_beside_after_another_left_the_side_gets_its_own_pane(tmp_path) -> None:  # type: ignore[no-untyped-def]
    app = drill_app(tmp_path, scenario="mass-failure", speed=60.0)
    async with app.run_test(size=(120, 40)) as pilot:
        main, _rollback = await _declared_with_go(pilot, app)       # RB-LAUNCH-005, RB-LAUNCH-002 beside
        inc = app.dashboard.presenter.live.incident
        dash = app.dashboard

        # a second runbook beside: three checklists, two of them beside
        assert inc.attach_runbook_once(RUNBOOKS / "RB-DEPLOY-001-zero-downtime-rollback.md") is not None
        await wait_for(pilot, lambda: _titles(app) == ["RB-LAUNCH-005", "RB-LAUNCH-002", "RB-DEPLOY-001"], 30)

        # RB-LAUNCH-002 made current: it leaves the side, its pane goes; RB-DEPLOY-001 stays beside
        inc.attach_runbook(RUNBOOKS / "RB-LAUNCH-002-rollback-to-pilot.md")
        await wait_for(pilot, lambda: _titles(app) == ["RB-LAUNCH-002", "RB-DEPLOY-001"], 30)
        kept = dash.checklists()[1]

        # the next runbook opened beside mounts next to the one still there (with a count-made id it
        # took that pane's id: DuplicateIds, and the app was gone)
        assert inc.attach_runbook_once(RUNBOOKS / "RB-LAUNCH-003-capacity-scaling.md") is not None
        await wait_for(pilot, lambda: _titles(app) == ["RB-LAUNCH-002", "RB-DEPLOY-001", "RB-LAUNCH-003"], 30)
        panes = dash.checklists()
        assert panes[0] is main and panes[1] is kept           # nothing rebuilt: the panes are the same
        assert [p.runbook_key for p in panes[1:]] == ["RB-DEPLOY-001", "RB-LAUNCH-003"]
        ids = [w.id for w in dash.query("*") if w.id is not None]
        assert len(ids) == len(set(ids))

        # and once more after the side emptied and filled again: still one pane per runbook beside
        inc.attach_runbook(RUNBOOKS / "RB-DEPLOY-001-zero-downtime-rollback.md")
        await wait_for(pilot, lambda: _titles(app) == ["RB-DEPLOY-001", "RB-LAUNCH-003"], 30)
        assert inc.attach_runbook_once(RUNBOOKS / "RB-LAUNCH-004-budget-breach.md") is not None
        await wait_for(pilot, lambda: _titles(app) == ["RB-DEPLOY-001", "RB-LAUNCH-003", "RB-LAUNCH-004"], 30)
        assert app.is_running
        await pilot.press("w")                                  # the keys still work through the panes
        await wait_for(pilot, lambda: dash.active_checklist() is dash.checklists()[1], 30)
