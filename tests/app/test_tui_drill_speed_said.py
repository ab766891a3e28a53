"""cycle-1: a drill's speed is on the header before any declaration. It appeared only beside
"elapsed", once an incident was open, so a continued ×30 drill (whose launch toast had gone) read
"scenario rate-limit  drill ● ok", as if it ran at the world's own pace. Now the header says it
once, always: beside the incident's elapsed clock, else beside the scenario's name."""

from __future__ import annotations

from pathlib import Path

from panes.header import IncidentHeader
from panes.view import HeaderInfo
from tests.app.drill_support import drill_app
from tests.app.tui_support import wait_for


def _clocks(app) -> str:  # type: ignore[no-untyped-def]
    return str(app.dashboard.query_one(IncidentHeader).query_one(".hdr-clocks").render())


async def test_a_drill_at_x30_says_x30_before_a_declaration(tmp_path: Path) -> None:
    for size in ((80, 24), (120, 40)):
        app = drill_app(tmp_path / f"{size[0]}", speed=30.0)
        async with app.run_test(size=size) as pilot:
            await wait_for(pilot, lambda: "scenario rate-limit" in _clocks(app), 30)
            assert app.dashboard.controller.incident is None
            assert "scenario rate-limit ×30" in _clocks(app), (size, _clocks(app))


def test_the_speed_is_said_once_beside_the_first_drill_clock_and_never_at_x1() -> None:
    bar = IncidentHeader()
    bar.info = HeaderInfo(drill="timeout", time_scale=30.0)                  # no incident yet
    assert "scenario timeout ×30" in bar.clocks_text(1000.0).plain
    bar.info = HeaderInfo(incident_id="INC-1", title="t", status="investigating", severity="P2",
                          declared_at=1000.0 - 60, next_update_at=1000.0 + 30, drill="timeout", time_scale=30.0)
    text = bar.clocks_text(1000.0).plain
    assert "elapsed 30:00 ×30" in text and text.count("×") == 1, text     # beside the clock it scales
    bar.info = HeaderInfo(drill="timeout", time_scale=1.0)
    assert "×" not in bar.clocks_text(1000.0).plain                           # the world's own pace
