"""`warroom resume` on a drill incident, as the commander sees it: the DRILL banner, the scenario
and its speed, the drill's own simulator in the panes (never "no Prometheus configured"), every
clock on scenario time, and a quit dialog whose command comes back to the same world. The real
dashboard's resume offer reopens a drill incident in its own drill."""

from __future__ import annotations

import shlex
from pathlib import Path

from panes.header import IncidentHeader
from tests.app.drill_support import wait_dashboard, wait_screen
from tests.app.tui_support import wait_for
from tui.app import WarroomApp
from tui.clock import FrozenClock
from tui.context import Reopen
from tui.launch import dashboard_context, drill_context, resume_context
from warroom.config import Config
from warroom.drill.directory import DrillSource
from warroom.incident.store import IncidentStore


def _cfg(tmp: Path) -> Config:
    cfg = Config()
    cfg.incident.state_dir = str(tmp / "state")
    cfg.prometheus.url = "http://127.0.0.1:9"     # configured: a drill must never be judged by it
    return cfg


def _drill_incident(tmp: Path, speed: float = 10.0):
    ctx = drill_context(_cfg(tmp), "rate-limit", speed)
    drill = ctx.drill.extra["drill"]
    inc = IncidentStore(ctx.config.state_dir(), ctx.config).create(
        title="quota climbing", severity="P2", runbook=None, source={},
        drill={"scenario": "rate-limit", "speed": drill.speed, "dir": str(drill.path)})
    drill.attach_incident(inc.id)
    return drill, inc


def _header(app: WarroomApp) -> str:
    header = app.dashboard.query_one(IncidentHeader)
    return " ".join(str(header.query_one(sel).render()) for sel in (".hdr-identity", ".hdr-clocks"))


async def test_resume_shows_the_drill_its_scenario_speed_and_scenario_clocks(tmp_path: Path) -> None:
    drill, inc = _drill_incident(tmp_path, speed=10.0)
    ctx = resume_context(_cfg(tmp_path), inc.id, options=["--read-only"])
    declared = inc.state.clock_start.timestamp()
    ctx.clock = FrozenClock(declared + 100.0)     # 100 s of wall time = 16m40s of scenario time
    ctx.refresh, ctx.tick = 0.2, 0
    app = WarroomApp(ctx)
    async with app.run_test(size=(160, 45)) as pilot:
        await wait_dashboard(pilot)
        await wait_for(pilot, lambda: app.dashboard.controller.live is not None and inc.id in _header(app))
        await wait_for(pilot, lambda: bool(app.dashboard.readings))
        live = app.dashboard.controller.live
        assert live.speed == 10.0 and isinstance(live.source, DrillSource)
        assert live.source is ctx.source and ctx.source.drill.path == drill.path
        text = _header(app)
        assert "DRILL" in text and "scenario rate-limit" in text and "×10" in text
        assert "elapsed 16:40" in text and "page TL" in text      # the 15-minute tier, in drill time
        # P2 updates every 15 scenario minutes, raised at x10 to 20 (2 wall minutes, the least a drill gives people)
        assert "update in 3m20s" in text
        from panes.slo import SloPane

        panes = [str(w.render()) for w in app.dashboard.query(SloPane)]
        assert panes and "no Prometheus" not in " ".join(panes)
        readings = app.dashboard.readings
        assert readings and all(r.error is None and r.value is not None for r in readings)
        ctx.clock.advance(9.0)                    # 90 scenario seconds later the clocks say so
        app.dashboard.beat()
        await pilot.pause()
        assert "elapsed 18:10" in _header(app) and "update in 1m50s" in _header(app)

        # The quit dialog's command (here computed as it says it) comes back to the same world.
        cmd = shlex.split(app.resume_command())
        assert cmd[:3] == ["warroom", "resume", inc.id] and "--read-only" in cmd
    from tui.cli import build_parser
    from warroom.cli.common import config_from_args

    args = build_parser(cmd[1:]).parse_args(cmd[1:])
    again = resume_context(config_from_args(args), args.incident)
    assert again.drill is not None and again.drill.extra["drill"].path == drill.path
    assert again.drill.speed == 10.0 and again.resume_id == inc.id


async def test_the_real_dashboards_offer_reopens_a_drill_incident_in_its_drill(tmp_path: Path) -> None:
    drill, inc = _drill_incident(tmp_path)
    cfg = _cfg(tmp_path)
    from tests.legacy_ids import numbered_apart

    with numbered_apart(cfg.state_dir()):         # as each store numbered its own: both are INC-…-1
        real = IncidentStore(cfg.state_dir(), cfg).create(title="disk full", severity="P1", runbook=None, source={})
    assert real.id == inc.id
    ctx = dashboard_context(_cfg(tmp_path))
    ctx.refresh, ctx.tick = 60.0, 0
    ctx.clock = FrozenClock(inc.state.clock_start.timestamp() + 30.0)   # 30 s wall = 5 scenario minutes
    app = WarroomApp(ctx)
    async with app.run_test(size=(160, 40)) as pilot:
        from textual.widgets import OptionList

        from tui.screens.modals.pickers import ResumeScreen

        screen = await wait_screen(pilot, ResumeScreen)
        options = screen.query_one("#resume-list", OptionList)
        prompts = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert len(prompts) == 2 and "disk full" in prompts[0]          # the newest first
        assert "quota climbing" in prompts[1] and "drill rate-limit ×10" in prompts[1]
        assert "open 05:00" in prompts[1]          # as its header will count: scenario time
        await pilot.press("down", "enter")
        await wait_for(pilot, lambda: app.return_value is not None)
    result = app.return_value
    assert isinstance(result, Reopen) and result.incident_id == inc.id
    assert app.dashboard.controller.live is None            # never adopted with the real source
    reopened = resume_context(_reopen_cfg(tmp_path, result), result.incident_id)
    assert reopened.drill is not None and reopened.drill.extra["drill"].path == drill.path
    assert result.command.startswith(f"warroom resume {inc.id} --state-dir ")


def _reopen_cfg(tmp: Path, request: Reopen) -> Config:
    cfg = _cfg(tmp)
    cfg.incident.state_dir = str(request.root)
    return cfg
