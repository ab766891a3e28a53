"""A key the dashboard takes is acted on or said at once (redteam41 G3: after resolving a x60 drill,
`e` — the key the resolve notice names — did nothing and said nothing; once it was lost, once it ran
8 s later). A dashboard key went through the focused pane's message queue before its binding was
looked up, and the end-of-drill report, opened by a worker a moment after the resolve, took the
screen in between: the key was dropped. Such a key is now said (not acted on: the dialog it would land
beside is not yet seen); `e` says "Exporting…" at once, and while the resolve is still being saved it
says it exports once it is."""

from __future__ import annotations

import inspect
import threading
from pathlib import Path
from typing import Any

import pytest

from tests.app.tui_support import make_app, metrics_drawn, record_notifications, wait_for
from tui.screens.dashboard import DashboardScreen
from tui.screens.modals.confirm import ConfirmScreen
from tui.screens.modals.forms import ResolveAnswer


async def test_a_key_arriving_as_a_dialog_opens_is_not_lost(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await metrics_drawn(pilot)
        said = record_notifications(app)
        app.simulate_key("e")           # arrives first; a worker's dialog is pushed right behind it
        app.call_later(app.push_screen, ConfirmScreen("Something else?", "a dialog a worker opened"))
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await wait_for(pilot, lambda: bool(said), 10)
        assert said == ["e reached the dashboard as a dialog opened over it: not acted on; press it again"]
        assert isinstance(app.screen, ConfirmScreen)       # and the dialog not answered by it


async def test_a_key_the_dashboard_passed_is_acted_on_though_a_dialog_opens_before_the_app_sees_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The window safety41 left open (redteam41 G3, the ×60 audit-gap drill): the key passed the dashboard while it was
    on top, and the end-of-drill report was pushed before the App looked its binding up — on the report by then — so
    it was lost, unsaid. The dashboard acts on its own keys as they pass it now: nothing is left to look up later."""
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await metrics_drawn(pilot)
        said = record_notifications(app)
        real = DashboardScreen.on_key

        async def then_a_dialog(screen: DashboardScreen, event: Any) -> None:
            done = real(screen, event)
            if inspect.isawaitable(done):
                await done
            screen.app.push_screen(ConfirmScreen("Something else?", "a dialog a worker opened"))   # right behind it

        monkeypatch.setattr(DashboardScreen, "on_key", then_a_dialog)
        app.simulate_key("e")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await wait_for(pilot, lambda: bool(said), 10)
        assert said == ["No incident is open: press d to declare one."]      # e acted on: the export's refusal


async def test_e_while_the_resolve_is_saved_says_so_and_exports_after_it(  # type: ignore[no-untyped-def]
        tmp_path: Path, monkeypatch) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await metrics_drawn(pilot)
        dash = app.dashboard
        dash.presenter.call(dash.presenter.declare, title="Quota", severity="P3", runbook=None,
                            source={"kind": "manual"})
        await wait_for(pilot, lambda: dash.presenter.live is not None and dash.view.header.incident_id)
        said = record_notifications(app)
        saving, exported = threading.Event(), []
        calls = dash.actions.calls
        real_resolve, real_export = calls.resolve, calls.export

        def slow_resolve(*a, **kw):  # type: ignore[no-untyped-def]
            assert saving.wait(30)              # the metric history and summary being saved
            return real_resolve(*a, **kw)

        def export():  # type: ignore[no-untyped-def]
            exported.append(dash.presenter.live.incident.refresh().resolved)
            return real_export()

        monkeypatch.setattr(calls, "resolve", slow_resolve)
        monkeypatch.setattr(calls, "export", export)
        dash.actions.resolve_and_report(ResolveAnswer("quota back", "breaker on", None))
        await pilot.press("e")
        await wait_for(pilot, lambda: "Exporting the PIR once the resolution is saved…" in said, 10)
        assert not exported
        saving.set()
        await wait_for(pilot, lambda: any(s.startswith("PIR exported") for s in said), 30)
        assert exported == [True]           # the PIR of the resolved incident, never a draft of before
        assert not [n for n in app.notices.live() if n.message.startswith("Exporting")]
        exporting = "Exporting the PIR (the metric history, then the review)…"
        assert said.count(exporting) == 1       # said as the export began, after the resolve
        await pilot.press("e")              # nothing in the way: said at once, then done
        await wait_for(pilot, lambda: said.count(exporting) == 2, 10)
        await wait_for(pilot, lambda: sum(s.startswith("PIR exported") for s in said) == 2, 30)
