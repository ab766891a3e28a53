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


def _on_screen(pane) -> str:
    """The age / runbook row as the terminal gets it (a box's fourth line, the strip's meta cell)."""
    from textual.geometry import Region

    if isinstance(pane, SloLine):
        part = pane.part(".sl-meta")
        strips = part.render_lines(Region(0, 0, part.outer_size.width, 1))
        return "".join(segment.text for segment in strips[0]).rstrip()
    y = SloPane.LINES.index(".slo-meta")
    return "".join(segment.text for segment in pane.render_line(y)).rstrip()


@pytest.mark.parametrize("size", [(120, 40), (80, 24), (100, 30)])
async def test_a_breached_pane_shows_its_severity_whole_where_the_age_would_cut_it(tmp_path: Path,
                                                                                   size: tuple[int, int]) -> None:
    """At 120 columns a box holds 20 characters and "now → RB-LAUNCH-005 P1" is 22: the pane
    showed "RB-LAUNCH-005…", P1 behind the ellipsis (fix37a). The age gives way first."""
    app = drill_app(tmp_path, scenario="mass-failure", speed=60.0)
    async with app.run_test(size=size) as pilot:
        await metrics_drawn(pilot)
        await wait_for(pilot, lambda: {"failure_rate", "error_5xx"} <= set(_suggested(app)), 60)
        shown_panes = [p for p in [*app.dashboard.query(SloPane).results(), *app.dashboard.query(SloLine).results()]
                       if p.reading is not None and p.reading.breached and p.in_displayed_set()]
        assert shown_panes
        for pane in shown_panes:
            await wait_for(pilot, lambda pane=pane: "RB-LAUNCH-005" in _on_screen(pane), 30)
            row = _on_screen(pane)
            width = (pane.part(".sl-meta") if isinstance(pane, SloLine) else pane).content_size.width
            if width >= len("→ RB-LAUNCH-005 P1"):
                assert row.endswith("→ RB-LAUNCH-005 P1"), (size, row)
            else:       # narrower than the advice itself: cut, and said to be cut
                assert row.endswith("…"), (size, row)
