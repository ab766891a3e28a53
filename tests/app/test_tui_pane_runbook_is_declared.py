"""A breached pane's "→ RUNBOOK SEVERITY" and the declaration's pre-fill come from one source: in a
drill, the scenario's runbook and severity (issue 13, item 3). In the mass-failure drill the
failure-rate pane said "→ RB-CORE-001 P2" and the 5xx pane "→ RB-CORE-004 P2" while `d` pre-filled
RB-LAUNCH-005 P1 (redteam37 F8): a newcomer reads the pane as the tool's advice."""

from __future__ import annotations

from pathlib import Path

import pytest

from panes.slo import SloLine, SloPane
from tests.app.drill_support import drill_app, wait_screen
from tests.app.tui_support import metrics_drawn, wait_for
from tui.screens.modals.forms import DeclareScreen


def _suggested(app) -> dict[str, str]:
    """What each breached pane on screen suggests, "RUNBOOK SEVERITY" after its arrow."""
    now = app.ctx.clock.now()
    out = {}
    for pane in [*app.dashboard.query(SloPane).results(), *app.dashboard.query(SloLine).results()]:
        reading = pane.reading
        if reading is not None and reading.breached:
            out[reading.slo.id] = pane.meta_text(now).plain.split("→ ", 1)[1]
    return out


@pytest.mark.parametrize(("scenario", "said"), [("mass-failure", "RB-LAUNCH-005 P1"),
                                                 ("provider-outage", "RB-CORE-004 P2")])
async def test_a_breached_pane_suggests_what_the_declaration_prefills(tmp_path: Path, scenario: str,
                                                                      said: str) -> None:
    from textual.widgets import Select

    app = drill_app(tmp_path, scenario=scenario, speed=60.0)
    async with app.run_test(size=(120, 40)) as pilot:
        await metrics_drawn(pilot)
        await wait_for(pilot, lambda: {"failure_rate", "error_5xx"} <= set(_suggested(app)), 60)
        suggested = _suggested(app)
        assert set(suggested.values()) == {said}, suggested
        await pilot.press("d")
        screen = await wait_screen(pilot, DeclareScreen, 30)
        await wait_for(pilot, lambda: any(s.value != Select.NULL for s in screen.query("#severity").results(Select)),
                       30)
        prefilled = f"{screen.query_one('#runbook', Select).value} {screen.query_one('#severity', Select).value}"
        assert prefilled == said
        await pilot.press("escape")
