"""The dashboard's keys on a resolved incident (issue 13, tui14 c). A resolved incident takes
notes, timeline entries, updates and exports, not steps, severity or runbooks: that is the core's
one rule (``warroom.incident.after_resolve``). The keys whose dialog only leads to a refused line
(enter runs, s skips, space ticks, v changes severity, o attaches, C closes, G records a verdict,
R assigns a role) say so at the key, in
the core's words (when it was resolved, the command that reopens it), instead of opening a run
dialog that offered Run and Dry run — or a skip or severity dialog — whose answer the core then
refused. The keys a resolved incident still takes open their dialogs; after a reopen the others
do again. Reading a step whole (i, enter on a checklist item) is never refused: its dialog says
the core's words instead of offering tick, skip or run."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.app.drill_support import Looks, drill_app, events, select_step, wait_dashboard, wait_screen
from tests.app.test_tui_flows_engine import declare_from_breached_pane
from tests.app.tui_support import record_notifications, wait_for
from tui.palette import palette_entries
from tui.screens.modals.forms import NoteScreen
from tui.screens.modals.run_step import RunStepScreen, target_text
from tui.screens.modals.step_view import StepViewScreen
from textual.widgets import Static
from warroom.errors import WarroomError


async def test_keys_on_a_resolved_incident_are_refused_at_the_key_in_the_cores_words(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    looks = Looks(monkeypatch)
    app = drill_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        inc_id = await declare_from_breached_pane(pilot)
        dash = app.dashboard
        said = record_notifications(app)
        # open: enter on a checklist item shows it whole and ticks it from there (attack39 S2)
        dash.active_checklist().select_step(17)        # not j ×16: this test's time is the suite's
        await pilot.pause()
        await pilot.press("enter")
        view = await wait_screen(pilot, StepViewScreen)
        assert view.acts == ("tick", "skip") and view.why_not is None
        await pilot.press("space")
        await wait_for(pilot, lambda: dash.data.step_state(dash.selected_step()) == "ticked")
        dash.active_checklist().select_step(1)
        inc = dash.presenter.live.incident
        inc.resolve("quota back under the line", "breaker on", rollback=False)   # as `incident resolve` would
        await wait_for(pilot, lambda: dash.view.header.status == "resolved")
        # the declaration's look journals the breaches it read (late facts a resolved incident
        # takes); on a busy machine they land after the resolve. Wait until a look started after
        # the resolve has ended: the lines below are then the keys' doing or nothing
        await looks.look_now(pilot)
        await select_step(pilot, 1)
        written = len(events(app))
        for key, action in (("enter", "run a step"), ("s", "skip a step"), ("space", "tick a step"),
                            ("v", "change its severity"), ("o", "attach a runbook"), ("C", "close a runbook"),
                            ("G", "record a Go/No-Go verdict"), ("R", "assign a role")):
            said.clear()
            await pilot.press(key)
            await wait_for(pilot, lambda: bool(said))
            assert app.screen is dash, key                        # no dialog whose answer would be refused
            assert said[-1].startswith(f"{inc_id} is resolved at ") and f"reopen it first to {action}" in said[-1]
            assert f"`warroom incident reopen {inc_id} --reason R`" in said[-1]
        said.clear()                                              # the palette's "open runbook: …" attaches too
        entry = next(cb for title, _help, cb in palette_entries(app) if title.startswith("open runbook: RB-CORE-001 "))
        entry()
        await wait_for(pilot, lambda: bool(said))
        assert app.screen is dash and "reopen it first to attach a runbook" in said[-1]
        for key, number in (("i", 1), ("enter", 16)):             # reading is not refused: the step whole,
            dash.active_checklist().select_step(number)           # with the core's words instead of acts
            await pilot.pause()
            await pilot.press(key)
            view = await wait_screen(pilot, StepViewScreen)
            assert view.acts == () and (view.why_not or "").startswith(f"{inc_id} is resolved at "), key
            await pilot.press("space")
            await pilot.press("escape")
            await wait_dashboard(pilot)
        dash.active_checklist().select_step(1)
        await pilot.pause()
        assert len(events(app)) == written                        # nothing journaled
        # what a resolved incident takes still opens: a note
        await pilot.press("n")
        await wait_screen(pilot, NoteScreen)
        await pilot.press("escape")
        await wait_dashboard(pilot)
        # reopened, enter runs again
        inc.reopen("the quota climbed again")
        await wait_for(pilot, lambda: dash.view.header.status != "resolved")
        await pilot.press("enter")
        await wait_screen(pilot, RunStepScreen)


async def test_a_run_dialog_whose_preparation_fails_still_names_the_drill_as_the_target(tmp_path: Path) -> None:
    """A PromQL step's dialog said 'PromQL query against the configured Prometheus' in a drill as
    soon as preparing it failed (a missing parameter): the error path built its preview without
    the source that answers the query."""

    class Refusing:
        def prepare_step(self, *_a: object, **_k: object) -> None:
            raise WarroomError("parameter window is required")

    app = drill_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await declare_from_breached_pane(pilot)
        dash = app.dashboard
        await wait_for(pilot, lambda: dash.runbook is not None)
        step = next(s for s in dash.runbook.steps if s.kind == "promql")
        dash.actions.open_run_dialog(step, [], Refusing(), (dash.runbook.id, step.id))
        dialog = await wait_screen(pilot, RunStepScreen)
        assert dialog.current.error == "parameter window is required"
        shown = target_text(dialog.current.target, dialog.current.kind, dialog.current.source)
        assert "configured Prometheus" not in shown and shown == f"PromQL query against {dash.actions.source_label()}"
        await pilot.press("escape")
        await wait_dashboard(pilot)
        # a blocks/psql/curl step of a drill acts on its stand-ins, never this host (redteam47 F13)
        step = next(s for s in dash.runbook.steps if s.kind != "promql" and s.command
                    and s.command.split()[0] in ("blocks", "psql", "curl"))
        dash.actions.open_run_dialog(step, [], Refusing(), (dash.runbook.id, step.id))
        dialog = await wait_screen(pilot, RunStepScreen)
        said = str(dialog.query_one("#run-target", Static).render())
        assert "the drill's stand-ins (" in said and "not this host" in said and "local shell" not in said, said
