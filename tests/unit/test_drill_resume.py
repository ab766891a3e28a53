"""Every way back to a drill incident reopens that drill's very world (its simulator, speed and
clock: continuous metrics), and a real incident never gets a simulator: ``warroom resume ID``,
``warroom resume`` (latest), the real dashboard's resume offer, the command the quit dialog names."""

from __future__ import annotations

import shlex
import shutil
from pathlib import Path

import pytest

from tui.launch import drill_context, find_incident, global_options, resume_context, resume_invocation
from tui.presenter import open_incidents, world_mismatch
from warroom.config import Config
from warroom.drill.directory import DrillSource
from warroom.errors import NotFoundError, WarroomError
from tests.legacy_ids import numbered_apart
from warroom.incident.store import IncidentStore

# no dashboard polls these launches, so no tui.drill_warmup child integrates their worlds (conftest)
pytestmark = pytest.mark.usefixtures("no_warmup_child")


def _cfg(tmp: Path, *, prometheus: bool = False) -> Config:
    cfg = Config()
    cfg.incident.state_dir = str(tmp / "state")
    if prometheus:
        cfg.prometheus.url = "http://127.0.0.1:9"   # configured; a drill must never reach it
    return cfg


def _drill_incident(tmp: Path, scenario: str = "rate-limit", speed: float = 10.0):
    """A drill started as `warroom drill SCENARIO --speed N` and an incident declared on it."""
    ctx = drill_context(_cfg(tmp), scenario, speed)
    drill = ctx.drill.extra["drill"]
    inc = IncidentStore(ctx.config.state_dir(), ctx.config).create(
        title="quota climbing", severity="P2", runbook=None, source={},
        drill={"scenario": scenario, "speed": drill.speed, "dir": str(drill.path)})
    drill.attach_incident(inc.id)
    return ctx, drill, inc


def _real_incident(tmp: Path, title: str = "checkout 5xx"):
    cfg = _cfg(tmp)
    return IncidentStore(cfg.state_dir(), cfg).create(title=title, severity="P1", runbook=None, source={})


def _real_incident_numbered_apart(tmp: Path, title: str = "checkout 5xx"):
    """A real incident numbered as before the state dir and its drills' shared one sequence."""
    with numbered_apart(_cfg(tmp).state_dir()):
        return _real_incident(tmp, title)


def _values(source, cfg: Config, at: float) -> dict[str, float | None]:
    return {s.slo_id: s.value for s in source.fetch(cfg.slo, at=at)}


def test_resume_by_id_reopens_the_drills_own_world(tmp_path: Path) -> None:
    first, drill, inc = _drill_incident(tmp_path, "rate-limit", 10.0)
    drill.record("circuit_breaker", at=drill.start + 60.0)         # what the responders did
    at = drill.start + 120.0                                         # 20 scenario minutes in
    before = _values(first.source, first.config, at)

    cfg = _cfg(tmp_path, prometheus=True)
    ctx = resume_context(cfg, inc.id)
    assert ctx.drill is not None and ctx.resume_id == inc.id and not ctx.offer_resume
    assert ctx.drill.extra["drill"].path == drill.path               # the very same drill ...
    assert (ctx.drill.scenario, ctx.drill.speed) == ("rate-limit", 10.0)   # ... at its own speed
    assert isinstance(ctx.source, DrillSource) and ctx.source_error is None   # never Prometheus
    assert ctx.sources == {}                                         # nor anything else configured
    assert Path(ctx.state_dir) == Path(first.state_dir)
    assert str(drill.path / "bin") in ctx.extra_env.get("PATH", "")  # its stand-ins
    assert _values(ctx.source, cfg, at) == before                    # continuous: same curves
    assert f"resumed {inc.id}" in (ctx.drill.notice or "") and "×10" in (ctx.drill.notice or "")


def test_resume_latest_finds_the_open_drill_incident(tmp_path: Path) -> None:
    real = _real_incident(tmp_path)
    real.resolve("fixed", resolution="rollback")
    _, drill, inc = _drill_incident(tmp_path, "timeout", 30.0)
    ctx = resume_context(_cfg(tmp_path), None)
    assert ctx.resume_id == inc.id
    assert ctx.drill is not None and ctx.drill.extra["drill"].path == drill.path and ctx.drill.speed == 30.0


def test_a_real_incident_never_gets_a_simulator(tmp_path: Path) -> None:
    _drill_incident(tmp_path)                        # a drill (and its incident) exist as well
    real = _real_incident(tmp_path)
    ctx = resume_context(_cfg(tmp_path), real.id)
    assert ctx.drill is None and ctx.resume_id == real.id
    assert ctx.source is None and "no Prometheus configured" in (ctx.source_error or "")
    with_prom = resume_context(_cfg(tmp_path, prometheus=True), real.id)
    assert with_prom.drill is None and not isinstance(with_prom.source, DrillSource)


def test_a_drill_incident_declared_from_the_cli_reopens_its_drill(tmp_path: Path, capsys) -> None:
    from tui.cli import main

    state = tmp_path / "state"
    assert main(["incident", "new", "--title", "timeouts", "--severity", "P2", "--drill", "timeout",
                 "--speed", "20", "--state-dir", str(state)]) == 0
    inc_id = capsys.readouterr().out.split()[0]
    inc = IncidentStore(state, _cfg(tmp_path)).open(inc_id)
    ctx = resume_context(_cfg(tmp_path), inc_id)
    assert ctx.drill is not None and str(ctx.drill.extra["drill"].path) == inc.state.drill["dir"]
    assert (ctx.drill.scenario, ctx.drill.speed) == ("timeout", 20.0)
    assert Path(ctx.state_dir) == state                 # where the incident lives
    from warroom.drill.directory import open_drill

    assert open_drill(ctx.drill.extra["drill"].path).incident == inc_id   # resolving it finishes the drill


def test_a_drill_incident_whose_drill_is_gone_is_refused_not_opened_on_prometheus(tmp_path: Path) -> None:
    _, drill, inc = _drill_incident(tmp_path)
    shutil.rmtree(drill.path)
    with pytest.raises(WarroomError, match="drill directory"):
        resume_context(_cfg(tmp_path, prometheus=True), inc.id)


def test_an_unknown_id_names_where_it_looked(tmp_path: Path) -> None:
    _drill_incident(tmp_path)
    with pytest.raises(NotFoundError):
        find_incident(_cfg(tmp_path), "INC-19990101-7")


def test_the_same_id_among_real_and_drill_incidents(tmp_path: Path) -> None:
    """Ids were numbered per state dir (tests/legacy_ids.py), so INC-…-1 can be both a drill's and a
    real incident: the real one wins by default and the notice names the other's exact command."""
    _, drill, inc = _drill_incident(tmp_path)
    real = _real_incident_numbered_apart(tmp_path)
    assert real.id == inc.id
    ctx = resume_context(_cfg(tmp_path), inc.id)
    assert ctx.drill is None and "drills" in (ctx.notice or "")
    cmd = shlex.split((ctx.notice or "").split("`")[1])
    drilled = _from_command(tmp_path, cmd)
    assert drilled.drill is not None and drilled.drill.extra["drill"].path == drill.path


def _from_command(tmp_path: Path, cmd: list[str]):
    """The context the CLI builds for a `warroom resume …` command line, as typed."""
    from tui.cli import build_parser
    from warroom.cli.common import config_from_args

    assert cmd[:2] == ["warroom", "resume"]
    args = build_parser(cmd[1:]).parse_args(cmd[1:])
    cfg = config_from_args(args)
    if not getattr(args, "state_dir", None):
        cfg.incident.state_dir = str(tmp_path / "state")
    return resume_context(cfg, args.incident, options=global_options(cmd[1:]))


def test_the_resume_command_repeats_the_config_and_lands_in_the_same_world(tmp_path: Path) -> None:
    _, drill, inc = _drill_incident(tmp_path)
    conf = tmp_path / "warroom.toml"
    conf.write_text("")
    opts = global_options(["drill", "rate-limit", "--speed", "10", "--config", str(conf), "--state-dir", "x",
                           "--read-only", "--new"])
    assert opts == ["--config", str(conf), "--read-only"]
    cmd = resume_invocation(inc.id, Path(_cfg(tmp_path).state_dir()) / "drills", opts)
    ctx = _from_command(tmp_path, shlex.split(cmd))
    assert ctx.drill is not None and ctx.drill.extra["drill"].path == drill.path and ctx.read_only


def test_the_real_dashboard_offers_drill_incidents_to_reopen_in_their_world(tmp_path: Path) -> None:
    from tui.launch import dashboard_context

    _, _, drilled = _drill_incident(tmp_path)
    real = _real_incident(tmp_path, "disk full")
    ctx = dashboard_context(_cfg(tmp_path))
    offered = {o.title: o for o in open_incidents(ctx)}
    assert offered["disk full"].elsewhere is None and offered["disk full"].drill is None
    assert offered["quota climbing"].elsewhere == str(Path(ctx.state_dir) / "drills")
    assert offered["quota climbing"].drill == "rate-limit ×10"
    # adopting across worlds is refused by construction, both ways
    assert world_mismatch(ctx, drilled.id, drilled.state.drill) is not None
    assert world_mismatch(ctx, real.id, None) is None
    in_drills = _cfg(tmp_path)
    in_drills.incident.state_dir = str(Path(ctx.state_dir) / "drills")
    drill_ctx = resume_context(in_drills, drilled.id)
    assert drill_ctx.drill is not None
    assert world_mismatch(drill_ctx, real.id, None) is not None
    assert world_mismatch(drill_ctx, drilled.id, drilled.state.drill) is None
    other = {"scenario": "timeout", "speed": 10.0, "dir": str(tmp_path / "elsewhere")}
    assert "another drill" in (world_mismatch(drill_ctx, "INC-x", other) or "")


def test_incident_commands_on_a_dashboard_drill_incident_read_its_simulator(tmp_path: Path, capsys) -> None:
    """`warroom incident resolve/export ID` on a drill incident the dashboard declared: found by
    the id the header shows (no --state-dir), judged by the drill's simulator even with a
    Prometheus configured (resolve's concerns, the saved metric history, the PIR's numbers)."""
    import time

    from tui.cli import main
    from warroom.drill.directory import create_drill

    state = tmp_path / "state"
    conf = tmp_path / "warroom.toml"
    conf.write_text('[prometheus]\nurl = "http://127.0.0.1:9"\n')
    speed = 10.0
    drill = create_drill(state / "drills", "rate-limit", speed, start=time.time() - 3600 / speed)
    inc = IncidentStore(state / "drills", _cfg(tmp_path)).create(
        title="quota climbing", severity="P2", runbook=None, source={},
        drill={"scenario": "rate-limit", "speed": speed, "dir": str(drill.path)})
    common = ["--config", str(conf), "--state-dir", str(state)]
    assert main(["incident", "resolve", inc.id, "--summary", "gave up", "--yes", *common]) == 0
    out, err = capsys.readouterr()
    assert f"{inc.id} is a drill incident" in err
    assert "not read" not in err and "127.0.0.1:9" not in err      # never the configured Prometheus
    assert "Model API quota used is still critical" in err          # the simulator's quota, an hour in
    assert (inc.dir / "metrics.json").is_file() and "metrics of the incident window saved" in out
    assert main(["incident", "export", inc.id, *common]) == 0
    capsys.readouterr()
    pir = (inc.dir / "pir.md").read_text()
    assert "Model API quota used is still critical" in pir and "Model API quota used" in pir
    # an id that is nowhere is still refused, naming what was asked
    assert main(["incident", "show", "INC-19990101-9", *common]) != 0
    assert "no incident 'INC-19990101-9'" in capsys.readouterr().err


def test_a_reopened_incident_of_a_finished_drill_resumes_in_that_drill_and_says_so(tmp_path: Path) -> None:
    _, drill, inc = _drill_incident(tmp_path)
    inc.resolve("quota back", resolution="breaker on")
    again = drill_context(_cfg(tmp_path), "rate-limit", None)     # `warroom demo`: the drill is finished
    assert again.drill.extra["drill"].path != drill.path
    inc.reopen("quota climbing again")
    ctx = resume_context(_cfg(tmp_path), None)
    assert ctx.resume_id == inc.id and ctx.drill.extra["drill"].path == drill.path
    assert "had ended" in (ctx.drill.notice or "")


def test_the_reopen_the_real_dashboard_asks_for_builds_the_drills_world(tmp_path: Path) -> None:
    """`warroom` → the offer → a drill incident: the next dashboard is built from a fresh config
    by the same `resume_context` (tui.commands._reopen)."""
    import argparse

    from tui.commands import _reopen
    from tui.context import Reopen

    _, drill, inc = _drill_incident(tmp_path)
    real = _real_incident_numbered_apart(tmp_path)
    assert real.id == inc.id
    root = Path(_cfg(tmp_path).state_dir()) / "drills"
    args = argparse.Namespace(state_dir=str(tmp_path / "state"))
    ctx = _reopen(args, Reopen(inc.id, root, resume_invocation(inc.id, root)))
    assert ctx.drill is not None and ctx.drill.extra["drill"].path == drill.path and ctx.resume_id == inc.id


def test_a_drill_directory_outside_the_state_dirs_drills_is_never_opened(tmp_path: Path) -> None:
    """The journal names the drill's directory; resuming puts its bin/ on PATH, so only a drill
    of this state dir is opened, never wherever a journal line points."""
    from warroom.drill.directory import create_drill

    elsewhere = create_drill(tmp_path / "elsewhere", "rate-limit", 10.0)
    cfg = _cfg(tmp_path)
    inc = IncidentStore(cfg.state_dir(), cfg).create(
        title="quota", severity="P2", runbook=None, source={},
        drill={"scenario": "rate-limit", "speed": 10.0, "dir": str(elsewhere.path)})
    with pytest.raises(WarroomError, match="not under"):
        resume_context(_cfg(tmp_path), inc.id)


def test_the_resume_command_works_from_any_directory(tmp_path: Path, monkeypatch) -> None:
    """A relative --config typed in one directory is named absolute: the quit dialog's command
    still finds it after a `cd` (the password of a --shared DSN stays masked)."""
    monkeypatch.chdir(tmp_path)
    opts = global_options(["demo", "--config", "c.toml", "--state-dir", "s", "--config=d.toml", "--context", "k",
                           "--shared", "postgresql://u:secret@h/db", "--read-only"])
    assert opts[:2] == ["--config", str(tmp_path / "c.toml")] and f"--config={tmp_path / 'd.toml'}" in opts
    assert opts[3:5] == ["--context", "k"] and "secret" not in " ".join(opts) and opts[-1] == "--read-only"
    assert "s" not in opts and "--state-dir" not in opts


def test_a_drill_speed_past_an_hour_per_second_is_refused(tmp_path: Path) -> None:
    """'--speed 1e308' is finite and positive: the drill was made, and the first poll integrated its
    world towards t = 1e308 without end (the CLI hung). One bound where every drill is made and read."""
    import json

    from warroom.drill.directory import MAX_SPEED, DrillError, create_drill, open_drill

    for speed in (1e308, MAX_SPEED * 2, float("nan"), float("inf"), 0.0):
        with pytest.raises(DrillError, match="speed"):
            create_drill(tmp_path, "timeout", speed)
    drill = create_drill(tmp_path, "timeout", MAX_SPEED)
    data = json.loads((drill.path / "drill.json").read_text())
    (drill.path / "drill.json").write_text(json.dumps({**data, "speed": 1e308}))
    with pytest.raises(DrillError, match="speed"):
        open_drill(drill.path)
