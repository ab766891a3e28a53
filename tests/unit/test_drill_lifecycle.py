"""Which drill `warroom demo` opens: continue the unfinished one, start over after a resolve."""

from __future__ import annotations

from pathlib import Path

import pytest

from tui.launch import resume_command
from warroom.config import Config
from warroom.drill.directory import choose_drill, list_drills
from warroom.drill.scenarios import list_scenarios

# no dashboard polls these launches, so no tui.drill_warmup child integrates their worlds (conftest)
pytestmark = pytest.mark.usefixtures("no_warmup_child")


RESOLVED_AFTER = 1200.0      # the incidents below are resolved 20 wall minutes into their drill


def _resolved(ids: set[str]):
    return lambda drill: drill.start + RESOLVED_AFTER if drill.incident in ids else None


def test_first_run_starts_a_new_drill(tmp_path: Path) -> None:
    choice = choose_drill(tmp_path, "rate-limit", 10.0)
    assert not choice.resumed
    assert choice.drill.speed == 10.0
    assert "new rate-limit drill" in (choice.notice or "")


def test_an_unfinished_drill_is_continued_with_its_own_speed_and_clock(tmp_path: Path) -> None:
    first = choose_drill(tmp_path, "rate-limit", 10.0).drill
    again = choose_drill(tmp_path, "rate-limit", 10.0, incident_resolved=_resolved(set()))
    assert again.resumed and again.drill.path == first.path
    assert again.drill.start == first.start          # same clock: the metrics continue, not reset
    other_speed = choose_drill(tmp_path, "rate-limit", 3.0, incident_resolved=_resolved(set()))
    assert other_speed.drill.path == first.path and other_speed.drill.speed == 10.0
    assert "keeps its own speed ×10" in (other_speed.notice or "")
    assert "--new" in (other_speed.notice or "")


def test_a_resolved_incident_finishes_its_drill_and_the_next_run_starts_over(tmp_path: Path) -> None:
    first = choose_drill(tmp_path, "rate-limit", None).drill
    first.attach_incident("INC-20261201-1")
    nxt = choose_drill(tmp_path, "rate-limit", None, incident_resolved=_resolved({"INC-20261201-1"}),
                       now=first.start + 5000)
    assert not nxt.resumed and nxt.drill.path != first.path
    assert "ended when INC-20261201-1 was resolved" in (nxt.notice or "")
    finished = {d.path: d for d in list_drills(tmp_path)}
    assert not finished[first.path].active
    # finished when its incident was resolved, not when the next run happened to look
    assert finished[first.path].finished == first.start + RESOLVED_AFTER
    # and the finished drill is never offered again
    third = choose_drill(tmp_path, "rate-limit", None, incident_resolved=_resolved({"INC-20261201-1"}))
    assert third.resumed and third.drill.path == nxt.drill.path


def test_new_always_starts_over_and_scenarios_never_mix(tmp_path: Path) -> None:
    first = choose_drill(tmp_path, "rate-limit", None).drill
    forced = choose_drill(tmp_path, "rate-limit", None, new=True)
    assert not forced.resumed and forced.drill.path != first.path
    other = choose_drill(tmp_path, "audit-gap", None)
    assert not other.resumed and other.drill.scenario.name == "audit-gap"


def test_resume_command_keeps_where_and_drops_what_starts_afresh() -> None:
    argv = ["drill", "timeout", "--speed", "10", "--new", "--state-dir", "/tmp/a b", "--config=/c.toml"]
    assert resume_command(argv) == "warroom drill timeout --state-dir '/tmp/a b' --config=/c.toml"
    assert resume_command(["demo", "--speed=4"]) == "warroom demo"
    import os

    here = os.getcwd()     # relative paths typed are named absolute: the command works after a cd
    assert resume_command(["demo", "--new", "--config", "c.toml", "--state-dir=s"]) == \
        f"warroom demo --config {here}/c.toml --state-dir={here}/s"


def test_resume_command_names_the_files_the_shell_opened(tmp_path: Path, monkeypatch) -> None:
    """A path typed through a symlink and '..' is made absolute as the shell read it: os.path.abspath
    folded 'link/../c.toml' to the file beside the link, not beside its target, so the command the
    quit dialog prints loaded another config (here: none) and another state dir."""
    import shlex

    (tmp_path / "real" / "dir").mkdir(parents=True)
    (tmp_path / "real" / "s").mkdir()
    (tmp_path / "real" / "c.toml").write_text("")
    (tmp_path / "cwd").mkdir()
    (tmp_path / "cwd" / "link").symlink_to(tmp_path / "real" / "dir")
    monkeypatch.chdir(tmp_path / "cwd")
    said = shlex.split(resume_command(["demo", "--config", "link/../c.toml", "--state-dir=link/../s"]))
    config, state = Path(said[said.index("--config") + 1]), Path(said[-1].removeprefix("--state-dir="))
    assert config.is_absolute() and config.exists() and config.samefile(tmp_path / "real" / "c.toml")
    assert state.is_absolute() and state.exists() and state.samefile(tmp_path / "real" / "s")


def test_two_writers_of_drill_json_never_share_a_temporary_file(tmp_path: Path, monkeypatch) -> None:
    """drill.json is rewritten whole by whichever process finishes the drill or ties an incident to it (the
    dashboard, the CLI). Both wrote through the one name drill.json.tmp: a second writer between the first's
    write and its rename reopened (truncated) the very file the first was about to rename, and the first's
    rename then failed (FileNotFoundError out of finish()). Each write now has a temporary file of its own."""
    import os

    from warroom.drill.directory import create_drill, open_drill

    first = create_drill(tmp_path, "timeout")
    other = open_drill(first.path, wrappers=False)
    fsync, interleaved = os.fsync, []

    def another_writer_here(fd: int) -> None:     # the other process writes between this one's fsync and rename
        fsync(fd)
        if not interleaved:
            interleaved.append(fd)
            other.attach_incident("INC-2")

    monkeypatch.setattr(os, "fsync", another_writer_here)
    first.finish(at=first.start + 60.0)
    assert interleaved and open_drill(first.path, wrappers=False).finished == first.start + 60.0
    assert sorted(p.name for p in first.path.iterdir() if "drill.json" in p.name) == ["drill.json"]


def test_drill_context_continues_and_restarts(tmp_path: Path) -> None:
    from tui.launch import drill_context
    from warroom.incident.store import IncidentStore

    def ctx(**kw):
        cfg = Config()
        cfg.incident.state_dir = str(tmp_path / "state")
        return drill_context(cfg, "rate-limit", 10.0, **kw), cfg

    c1, cfg1 = ctx()
    d1 = c1.drill.extra["drill"]
    inc = IncidentStore(cfg1.state_dir(), cfg1).create(
        title="quota climbing", severity="P2", runbook=None, source={},
        drill={"scenario": "rate-limit", "speed": 10.0, "dir": str(d1.path)})
    d1.attach_incident(inc.id)
    c2, _ = ctx()
    assert c2.drill.extra["drill"].path == d1.path          # dropped connection: same world
    inc.resolve("quota back under 60%", resolution="breaker on")
    c3, _ = ctx()
    assert c3.drill.extra["drill"].path != d1.path          # resolved: a fresh drill
    assert "was resolved" in (c3.drill.notice or "")


def test_resume_offers_only_this_drills_incidents(tmp_path: Path) -> None:
    from types import SimpleNamespace

    from tui.presenter import IncidentPresenter

    def presenter(ctx):
        return IncidentPresenter(SimpleNamespace(ctx=ctx), lambda message: None)  # type: ignore[arg-type]
    from tui.launch import drill_context
    from warroom.incident.store import IncidentStore

    def ctx(scenario: str):
        cfg = Config()
        cfg.incident.state_dir = str(tmp_path / "state")
        return drill_context(cfg, scenario, 10.0), cfg

    outage, cfg = ctx("provider-outage")
    store = IncidentStore(cfg.state_dir(), cfg)
    store.create(title="provider 5xx", severity="P1", runbook=None, source={},
                 drill={"scenario": "provider-outage", "speed": 10.0, "dir": str(outage.drill.extra["drill"].path)})
    store.create(title="a real one", severity="P3", runbook=None, source={})
    rate, cfg2 = ctx("rate-limit")
    mine = IncidentStore(cfg2.state_dir(), cfg2).create(
        title="quota", severity="P2", runbook=None, source={},
        drill={"scenario": "rate-limit", "speed": 10.0, "dir": str(rate.drill.extra["drill"].path)})
    offered = presenter(rate).open_incidents()
    assert [o.id for o in offered] == [mine.id]
    assert offered[0].drill == "rate-limit ×10"
    assert [o.title for o in presenter(outage).open_incidents()] == ["provider 5xx"]


def test_a_resumed_drill_draws_the_same_curves_after_a_kill(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Coming back after a crash or a dropped connection (same command, same --speed) continues
    the very same world: the metrics are continuous, not reset."""
    from tui.launch import drill_context

    t0 = 1_790_000_000.0
    monkeypatch.setenv("WARROOM_DRILL_AT", repr(t0))        # the drill starts then

    def ctx():
        cfg = Config()
        cfg.incident.state_dir = str(tmp_path / "state")
        return drill_context(cfg, "rate-limit", 10.0), cfg

    first, cfg = ctx()
    drill = first.drill.extra["drill"]
    at = drill.start + 90.0                            # 15 scenario minutes in
    assert drill.start == t0
    monkeypatch.setenv("WARROOM_DRILL_AT", repr(at))        # and is read once they have happened
    before = {s.slo_id: s.value for s in first.source.fetch(cfg.slo, at=at)}
    drill.record("circuit_breaker", at=drill.start + 60.0)   # something the responders did
    again, _ = ctx()                                    # the process was killed; run again
    assert again.drill.extra["drill"].path == drill.path
    after = {s.slo_id: s.value for s in again.source.fetch(cfg.slo, at=at)}
    fresh = {s.slo_id: s.value for s in first.source.fetch(cfg.slo, at=at)}
    assert after == fresh                               # same world, same actions, same numbers
    assert after["quota"] != before["quota"]            # and the recorded action is part of it


def test_a_drill_declared_from_the_cli_lives_the_same_lifecycle(tmp_path: Path, capsys) -> None:
    """`incident new --drill` declares among the real incidents: `warroom drill NAME` continues that
    drill and offers its incident (reopened from where it lives); once it is resolved the next run
    starts over. A resolved real incident of the same id is another incident: it finishes nothing."""
    from types import SimpleNamespace

    from tui.cli import main
    from tui.launch import drill_context
    from tui.presenter import IncidentPresenter
    from warroom.incident.store import IncidentStore

    state = tmp_path / "state"

    def ctx():
        cfg = Config()
        cfg.incident.state_dir = str(state)
        return drill_context(cfg, "timeout", None)

    assert main(["incident", "new", "--title", "slow flows", "--severity", "P3", "--drill", "timeout",
                 "--speed", "20", "--state-dir", str(state)]) == 0
    inc_id = capsys.readouterr().out.split()[0]
    from tests.legacy_ids import numbered_apart

    with numbered_apart(state / "drills"):      # as each store numbered its own (tests/legacy_ids.py)
        real = IncidentStore(state / "drills", Config()).create(title="same id, other store", severity="P3",
                                                                runbook=None, source={})
    assert real.id == inc_id
    real.resolve("not this drill's", resolution="n/a")
    first = ctx()
    drill = first.drill.extra["drill"]
    assert "continuing" in (first.drill.notice or "") and drill.speed == 20.0
    offered = IncidentPresenter(SimpleNamespace(ctx=first), lambda m: None).open_incidents()  # type: ignore[arg-type]
    assert [(o.id, o.elsewhere, o.drill) for o in offered] == [(inc_id, str(state), "timeout ×20")]
    IncidentStore(state, Config()).open(inc_id).resolve("latency back", resolution="pruned")
    again = ctx()
    assert again.drill.extra["drill"].path != drill.path
    assert f"ended when {inc_id} was resolved" in (again.drill.notice or "")


@pytest.mark.parametrize("scenario", [s.name for s in list_scenarios()])
def test_every_scenario_runs_finishes_and_runs_again(tmp_path: Path, scenario: str) -> None:
    """`warroom drill NAME` for each scenario: continued while its incident is open (its own speed),
    started over at the scenario's beginning once it is resolved, and that new one continued."""
    from tui.launch import drill_context
    from warroom.incident.store import IncidentStore

    def ctx(speed=None, **kw):
        cfg = Config()
        cfg.incident.state_dir = str(tmp_path / "state")
        return drill_context(cfg, scenario, speed, **kw), cfg

    first, cfg = ctx(30.0)
    drill = first.drill.extra["drill"]
    inc = IncidentStore(cfg.state_dir(), cfg).create(title="seen", severity="P2", runbook=None, source={},
                                                    drill={"scenario": scenario, "speed": 30.0, "dir": str(drill.path)})
    drill.attach_incident(inc.id)
    again, _ = ctx()
    assert again.drill.extra["drill"].path == drill.path and again.drill.speed == 30.0
    inc.resolve("done", resolution="fixed")
    fresh, _ = ctx()
    new = fresh.drill.extra["drill"]
    assert new.path != drill.path and f"ended when {inc.id} was resolved" in fresh.drill.notice
    assert new.scenario_time(new.start) == 0.0 and new.incident is None     # the scenario's beginning
    assert ctx()[0].drill.extra["drill"].path == new.path


def test_new_says_how_to_go_back_and_an_unreadable_drill_is_named(tmp_path: Path) -> None:
    first = choose_drill(tmp_path, "rate-limit", 10.0).drill
    first.attach_incident("INC-20261201-4")
    forced = choose_drill(tmp_path, "rate-limit", None, new=True, incident_resolved=_resolved(set()))
    # the exact command back: the drills' state dir named (a bare `warroom resume ID` looked in the default one)
    assert (f"{first.name} is left as it was (INC-20261201-4 still open: `warroom resume INC-20261201-4"
            f" --state-dir {tmp_path.resolve()}`)") in (forced.notice or "")
    (forced.drill.path / "drill.json").write_text("{not json")
    again = choose_drill(tmp_path, "rate-limit", None, incident_resolved=_resolved(set()))
    assert again.drill.path == first.path                  # the newest readable one is continued ...
    said = f"not read: {forced.drill.path / 'drill.json'}: cannot read the drill"
    assert said in (again.notice or "")                    # ... and the unreadable one named


def test_a_drill_declared_from_the_cli_is_prefilled_from_its_scenario(tmp_path: Path, capsys) -> None:
    """`incident new --drill NAME` starts from the scenario as the dashboard's declaration does: its
    runbook, its severity, its symptom as title (never the cause); what is typed wins; without a drill
    --title and --severity are still required."""
    from tui.cli import main
    from warroom.drill.scenarios import get_scenario
    from warroom.incident.store import IncidentStore

    state = ["--state-dir", str(tmp_path)]
    for name in ("mass-failure", "timeout"):
        assert main(["incident", "new", "--drill", name, *state]) == 0
        inc = IncidentStore(tmp_path, Config()).open(capsys.readouterr().out.split()[0])
        sc = get_scenario(name)
        assert (inc.state.title, inc.state.severity, inc.state.runbook["id"]) == (sc.symptom, sc.severity, sc.runbook)
    assert main(["incident", "new", "--drill", "timeout", "--title", "slow", "--severity", "P4", *state]) == 0
    inc = IncidentStore(tmp_path, Config()).open(capsys.readouterr().out.split()[0])
    assert (inc.state.title, inc.state.severity) == ("slow", "P4")
    assert main(["incident", "new", "--title", "x", *state]) == 2
    assert "--title and --severity are required" in capsys.readouterr().err


def test_incident_list_shows_the_dashboard_drills_incidents_apart(tmp_path: Path, capsys) -> None:
    from tui.cli import main
    from tui.launch import drill_context
    from warroom.incident.store import IncidentStore

    cfg = Config()
    cfg.incident.state_dir = str(tmp_path)
    ctx = drill_context(cfg, "audit-gap", 10.0)       # `warroom drill audit-gap`: its incidents live in drills/
    IncidentStore(ctx.config.state_dir(), ctx.config).create(
        title="audit gap growing", severity="P1", runbook=None, source={},
        drill={"scenario": "audit-gap", "speed": 10.0, "dir": str(ctx.drill.extra["drill"].path)})
    assert main(["incident", "list", "--open", "--state-dir", str(tmp_path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    where = tmp_path / "drills"
    assert lines[0] == f"drill incidents in {where} (`warroom resume ID --state-dir {where}`):"
    assert "audit gap growing [DRILL]" in lines[1]
