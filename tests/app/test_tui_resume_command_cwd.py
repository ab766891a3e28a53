"""The command a dashboard prints when it closes on an open incident (the quit dialog, the line
after ``q``) is read once the dashboard is gone, often from another directory: it must resume the
incident wherever it is typed. `warroom drill provider-outage --state-dir sd` printed
`--state-dir sd/drills`, and from any other directory that said "no incident 'INC-…' in
sd/drills/incidents" (attack25, A25-1)."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from tests.app.drill_support import wait_dashboard
from tests.app.tui_support import wait_for
from tui.app import WarroomApp
from tui.clock import FrozenClock
from tui.launch import drill_context, resume_context
from warroom.config import Config
from warroom.incident.store import IncidentStore


async def test_the_resume_command_works_from_another_directory(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    work, elsewhere = tmp_path / "work", tmp_path / "elsewhere"
    work.mkdir()
    elsewhere.mkdir()
    monkeypatch.chdir(work)
    cfg = Config()
    cfg.incident.state_dir = "sd"                    # typed relative, as `--state-dir sd`
    ctx = drill_context(cfg, "provider-outage", 30.0)
    drill = ctx.drill.extra["drill"]
    inc = IncidentStore(ctx.config.state_dir(), ctx.config).create(
        title="5xx climbing", severity="P2", runbook=None, source={},
        drill={"scenario": "provider-outage", "speed": drill.speed, "dir": str(drill.path)})
    drill.attach_incident(inc.id)
    ctx = resume_context(ctx.config, inc.id)
    ctx.clock = FrozenClock(inc.state.clock_start.timestamp() + 10.0)
    ctx.refresh, ctx.tick = 60.0, 0
    app = WarroomApp(ctx)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_dashboard(pilot)
        await wait_for(pilot, lambda: app.dashboard.controller.incident is not None)
        said = app.farewell()
    assert said is not None and app.resume_command() in said
    cmd = shlex.split(app.resume_command())
    assert cmd[:3] == ["warroom", "resume", inc.id]
    state_dir = Path(cmd[cmd.index("--state-dir") + 1])
    assert state_dir.is_absolute() and state_dir == (work / "sd" / "drills").resolve()

    monkeypatch.chdir(elsewhere)                     # typed later, from another directory
    from tui.cli import build_parser
    from warroom.cli.common import config_from_args

    args = build_parser(cmd[1:]).parse_args(cmd[1:])
    again = resume_context(config_from_args(args), args.incident)
    assert again.resume_id == inc.id
    assert again.drill is not None and again.drill.extra["drill"].path == drill.path
