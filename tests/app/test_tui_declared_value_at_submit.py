"""A declaration from a breached pane records the pane's value at the moment the incident is
declared (the submit), the one the PIR's "At detection" reads, not the one the dialog opened on:
while a dialog is open the dashboard is paused, and at ×60 the "Flow failure rate 6.51%" of the
dialog was four drill minutes old when ctrl+s journaled it, beside "At detection 9.15%" in the same
PIR (redteam37 F7). The dialog says when its value was read; the title it pre-filled, left as it
was, names the value declared."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from panes.fmt import format_time
from tests.app.drill_support import drill_app, events, wait_screen
from tests.app.tui_support import wait_for
from tui.screens.modals.forms import DeclareScreen
from warroom import scenario_time
from warroom.sources.evidence import capture
from warroom.units import format_reading

PIN = datetime(2001, 9, 9, 1, 46, 40, tzinfo=UTC).timestamp()
OPENED, DECLARED = PIN + 20.0, PIN + 30.0        # 20 and 30 drill minutes into mass-failure at ×60


async def test_the_declaration_records_the_pane_value_at_submit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(scenario_time.AT_ENV, repr(PIN))
    app = drill_app(tmp_path, scenario="mass-failure", speed=60.0)
    async with app.run_test(size=(120, 40)) as pilot:
        slo = next(s for s in app.ctx.config.slo if s.id == "failure_rate")

        def value_at(at: float) -> float:
            return capture(app.ctx.source, [slo], at=at)[slo.id]["value"]

        monkeypatch.setenv(scenario_time.AT_ENV, repr(OPENED))
        shown = value_at(OPENED)
        await wait_for(pilot, lambda: any(r.slo.id == slo.id and r.breached and r.value == shown
                                          for r in app.dashboard.readings), 60)
        await pilot.press("d")
        screen = await wait_screen(pilot, DeclareScreen, 30)
        assert f"{slo.title} {format_reading(shown, slo)} at {format_time(OPENED)} UTC" in screen.origin
        monkeypatch.setenv(scenario_time.AT_ENV, repr(DECLARED))     # the IC reads, thinks, submits
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.dashboard.controller.incident is not None, 30)
        (declared,) = events(app, "incident.declared")
        assert declared.ts.timestamp() == DECLARED
        value = value_at(DECLARED)
        assert format_reading(value, slo) != format_reading(shown, slo)      # the drill moved meanwhile
        assert declared.data["source"]["value"] == value
        assert declared.data["title"] == f"{slo.title} at {format_reading(value, slo)}"
        (sample,) = [e for e in app.dashboard.controller.incident.state.evidence if e.when == "declared"]
        assert (sample.value, sample.at.timestamp()) == (value, DECLARED)
        pir = app.dashboard.presenter.live.render_pir()          # the dashboard's preview, `p`
        assert f"Incident declared [DRILL]: {slo.title} at {format_reading(value, slo)} (P1)" in pir
        assert f"at {format_reading(shown, slo)}" not in pir


async def test_a_title_the_commander_wrote_is_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from textual.widgets import Input

    monkeypatch.setenv(scenario_time.AT_ENV, repr(OPENED))
    app = drill_app(tmp_path, scenario="mass-failure", speed=60.0)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: any(r.breached for r in app.dashboard.readings), 60)
        await pilot.press("d")
        screen = await wait_screen(pilot, DeclareScreen, 30)
        screen.query_one("#title", Input).value = "Flows failing everywhere"
        monkeypatch.setenv(scenario_time.AT_ENV, repr(DECLARED))
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.dashboard.controller.incident is not None, 30)
        (declared,) = events(app, "incident.declared")
        assert declared.data["title"] == "Flows failing everywhere"
