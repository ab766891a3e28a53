"""A header line too long for the terminal is cut with an ellipsis, never wrapped onto a second
row that its one-row height hides. At 80x24 a drill's clocks line read "… update overdue by
1m55s  scenario": the scenario's name and the source health had wrapped out of sight, leaving a
label with no value and no sign that anything was missing (attack25, A25-7). Cut instead, it read
"… scenario timeout  drill…", the source's health (an error state too) gone (redteam38 F3): the
parts now give way by what the commander needs least, the scenario's name first. The compact SLO strip
had the same fault: a breached pane's "now → RB-CORE-001 P2" showed "now → RB-CORE-001", the
severity gone without a trace; there the age now gives way to the runbook and severity."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from textual.app import App, ComposeResult
from textual.geometry import Region
from textual.widget import Widget

from panes.header import HEALTH_MARKS, IncidentHeader
from panes.slo import SloLine
from panes.view import HeaderInfo
from tests.app.drill_support import wait_dashboard
from tests.app.tui_support import wait_for
from tui.app import WarroomApp
from tui.clock import FrozenClock
from tui.launch import drill_context, resume_context
from warroom import scenario_time as stime
from warroom.config import Config
from warroom.incident.handoff import PeopleAlert
from warroom.incident.store import IncidentStore


def _row(app: App[None], selector: str) -> str:
    screen = app.dashboard if isinstance(app, WarroomApp) else app.screen
    return _shown(screen.query_one(IncidentHeader).query_one(selector))


def _shown(line: Widget) -> str:
    """The one row a one-row widget shows on screen, as the terminal gets it."""
    strips = line.render_lines(Region(0, 0, line.outer_size.width, 1))
    return "".join(segment.text for segment in strips[0]).rstrip()


async def test_a_long_header_line_is_cut_with_an_ellipsis_at_80x24(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = Config()
    cfg.incident.state_dir = str(tmp_path / "state")
    ctx = drill_context(cfg, "mass-failure", 60.0)
    drill = ctx.drill.extra["drill"]
    inc = IncidentStore(ctx.config.state_dir(), ctx.config).create(
        title="Flow failure rate at 6.68%", severity="P1", runbook=None, source={},
        drill={"scenario": "mass-failure", "speed": drill.speed, "dir": str(drill.path)})
    drill.attach_incident(inc.id)
    ctx = resume_context(ctx.config, inc.id)
    # 20 drill minutes: tier 1, update overdue. The floor a drill gives people (2 wall minutes, test_missed_updates)
    # is lowered for this run: with it the update came due at 2h10m, which the simulator integrated for a minute
    monkeypatch.setattr(stime, "HUMAN_FLOOR", 1.0)
    ctx.clock = FrozenClock(inc.state.clock_start.timestamp() + 20.0)
    ctx.refresh, ctx.tick = 0.2, 0
    app = WarroomApp(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_dashboard(pilot)
        await wait_for(pilot, lambda: inc.id in _row(app, ".hdr-identity"))
        clocks = _row(app, ".hdr-clocks")
        # the whole line does not fit in 78 columns: the scenario's name gives way (redteam38 F3), so
        # the source's health ends the line whole; nothing is wrapped out of sight
        assert "update overdue by" in clocks and "scenario" not in clocks, clocks
        assert clocks.split("  ")[-1].startswith("drill ") and not clocks.endswith("…"), clocks
        # the compact strip: age, runbook and severity do not fit its meta column together; the age
        # gives way, so the runbook and severity show whole (test_tui_pane_runbook_is_declared)
        await wait_for(pilot, lambda: bool(app.dashboard.readings))
        line = app.dashboard.query_one("#slo-line-failure_rate", SloLine)
        await wait_for(pilot, lambda: "RB-" in _shown(line.part(".sl-meta")))
        meta = _shown(line.part(".sl-meta"))
        assert meta.strip() == "→ RB-LAUNCH-005 P1", meta


class HeaderApp(App[None]):
    CSS_PATH = str(Path(__file__).resolve().parents[2] / "tui" / "styles" / "dashboard.tcss")

    def compose(self) -> ComposeResult:
        yield IncidentHeader()


def _timeout_at_31m(health: str) -> HeaderInfo:
    """The timeout drill ×10 as redteam38 saw its header at 80 columns (F3): 31:05 in, tier 2,
    an update due in 25m25s, the commander reminded to hand over, three roles vacant."""
    declared = 1_000_000.0
    now = declared + (31 * 60 + 5) / 10
    return HeaderInfo(
        incident_id="INC-20261204-1", title="P95 flow latency at 134s", status="investigating", severity="P3",
        declared_at=declared, next_update_at=now + (25 * 60 + 25) / 10, drill="timeout", time_scale=10.0,
        sources=(("drill", health),), roles="IC root · Ops — · Comms — · Scribe —",
        tiers=((declared, 0), (declared + 90, 1), (declared + 180, 2)),
        # the reminder on the commander's own clock (redteam41 G5): an hour of theirs is 10 drill hours at x10
        people=PeopleAlert(tenure_since=datetime.fromtimestamp(now - (71 * 60 + 49), UTC), every=36000.0,
                           time_scale=10.0))


@pytest.mark.parametrize("health", ["ok", "poll failed"])
async def test_at_80_columns_the_scenario_name_gives_way_before_the_sources_health(health: str) -> None:
    app = HeaderApp()
    info = _timeout_at_31m(health)
    now = info.declared_at + (31 * 60 + 5) / 10
    async with app.run_test(size=(80, 24)) as pilot:
        header = app.query_one(IncidentHeader)
        header.show(info, now)
        await pilot.pause()
        clocks, people = _row(app, ".hdr-clocks"), _row(app, ".hdr-people")
        assert clocks.strip().endswith(f"drill {HEALTH_MARKS[health][0]} {health}"), clocks
        assert "elapsed 31:05 ×10" in clocks and "update in 25m25s" in clocks and "T2" in clocks
        assert "scenario timeout" not in clocks and "…" not in clocks
        # the roles are all there: the vacant ones named together
        assert "hand over? IC 1h11m49s wall, due 11m49s ago" in people, people
        assert people.strip().endswith("IC root · Ops/Comms/Scribe —") and "…" not in people, people
    async with HeaderApp().run_test(size=(120, 40)) as pilot:      # 120 columns: all of it, as before
        header = pilot.app.query_one(IncidentHeader)
        header.show(info, now)
        await pilot.pause()
        clocks, people = _row(pilot.app, ".hdr-clocks"), _row(pilot.app, ".hdr-people")
        assert "T2 IC+rollback?" in clocks and "scenario timeout  drill" in clocks, clocks
        assert people.strip().endswith("IC root · Ops — · Comms — · Scribe —"), people


@pytest.mark.parametrize("health", ["ok", "poll failed"])
async def test_a_rehearsals_place_gives_way_before_the_sources_health_at_80_columns(health: str) -> None:
    """redteam40 R9c: in a rehearsal of a recording with an overdue update, line 2 at 80x24 was cut at
    "recorded 03:30:48 UTC  drill …": the source's health, which the header promises, was the part lost."""
    import dataclasses

    info = _timeout_at_31m(health)
    now = info.declared_at + (31 * 60 + 5) / 10
    info = dataclasses.replace(info, next_update_at=now - 158.0 / 10,      # overdue by 2m38s drill time
                               recording=(now - 100, now - 3000, 10.0, now + 4000))
    async with HeaderApp().run_test(size=(80, 24)) as pilot:
        header = pilot.app.query_one(IncidentHeader)
        header.show(info, now)
        await pilot.pause()
        clocks = _row(pilot.app, ".hdr-clocks")
        assert f"drill {HEALTH_MARKS[health][0]} {health}  rec " in clocks, clocks     # the place may be cut, not it
        assert "update overdue by 2m38s" in clocks, clocks
    async with HeaderApp().run_test(size=(120, 40)) as pilot:      # 120 columns: all of it, as before
        header = pilot.app.query_one(IncidentHeader)
        header.show(info, now)
        await pilot.pause()
        assert " UTC  " in _row(pilot.app, ".hdr-clocks") and "recorded " in _row(pilot.app, ".hdr-clocks")
