"""A header line too long for the terminal is cut with an ellipsis, never wrapped onto a second
row that its one-row height hides. At 80x24 a drill's clocks line read "… update overdue by
1m55s  scenario": the scenario's name and the source health had wrapped out of sight, leaving a
label with no value and no sign that anything was missing (attack25, A25-7). The compact SLO strip
had the same fault: a breached pane's "now → RB-CORE-001 P2" showed "now → RB-CORE-001", the
severity gone without a trace; there the age now gives way to the runbook and severity."""

from __future__ import annotations

from pathlib import Path

from textual.geometry import Region
from textual.widget import Widget

from panes.header import IncidentHeader
from panes.slo import SloLine
from tests.app.drill_support import wait_dashboard
from tests.app.tui_support import wait_for
from tui.app import WarroomApp
from tui.clock import FrozenClock
from tui.launch import drill_context, resume_context
from warroom.config import Config
from warroom.incident.store import IncidentStore


def _row(app: WarroomApp, selector: str) -> str:
    return _shown(app.dashboard.query_one(IncidentHeader).query_one(selector))


def _shown(line: Widget) -> str:
    """The one row a one-row widget shows on screen, as the terminal gets it."""
    strips = line.render_lines(Region(0, 0, line.outer_size.width, 1))
    return "".join(segment.text for segment in strips[0]).rstrip()


async def test_a_long_header_line_is_cut_with_an_ellipsis_at_80x24(tmp_path: Path) -> None:
    cfg = Config()
    cfg.incident.state_dir = str(tmp_path / "state")
    ctx = drill_context(cfg, "mass-failure", 60.0)
    drill = ctx.drill.extra["drill"]
    inc = IncidentStore(ctx.config.state_dir(), ctx.config).create(
        title="Flow failure rate at 6.68%", severity="P1", runbook=None, source={},
        drill={"scenario": "mass-failure", "speed": drill.speed, "dir": str(drill.path)})
    drill.attach_incident(inc.id)
    ctx = resume_context(ctx.config, inc.id)
    ctx.clock = FrozenClock(inc.state.clock_start.timestamp() + 20.0)    # 20 drill minutes: tier 1, update overdue
    ctx.refresh, ctx.tick = 0.2, 0
    app = WarroomApp(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_dashboard(pilot)
        await wait_for(pilot, lambda: inc.id in _row(app, ".hdr-identity"))
        clocks = _row(app, ".hdr-clocks")
        assert "update overdue by" in clocks and "scenario" in clocks
        # the whole line does not fit in 78 columns: what is cut is said to be cut
        assert clocks.endswith("…"), clocks
        assert not clocks.endswith("scenario"), clocks
        # the compact strip: age, runbook and severity do not fit its meta column together; the age
        # gives way, so the runbook and severity show whole (test_tui_pane_runbook_is_declared)
        await wait_for(pilot, lambda: bool(app.dashboard.readings))
        line = app.dashboard.query_one("#slo-line-failure_rate", SloLine)
        await wait_for(pilot, lambda: "RB-" in _shown(line.part(".sl-meta")))
        meta = _shown(line.part(".sl-meta"))
        assert meta.strip() == "→ RB-LAUNCH-005 P1", meta
