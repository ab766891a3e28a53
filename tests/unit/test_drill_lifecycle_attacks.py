"""Stop-27 attacks on a drill's lifecycle: the commands warroom prints must work when pasted into a
shell (paths with spaces and quotes, a state dir from a flag, `make demo`'s venv script), and a
drill's files on disk (drill.json, actions.jsonl) never lose a record silently."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from warroom.config import Config
from warroom.drill.directory import ENV_DIR, create_drill

# no dashboard polls these launches, so no tui.drill_warmup child integrates their worlds (conftest)
pytestmark = pytest.mark.usefixtures("no_warmup_child")

AWKWARD = "drills with spaces, 'quotes' & $dollars"


def test_a_stand_in_run_by_hand_answers_from_its_drill_whatever_its_path(tmp_path: Path) -> None:
    """The wrapper defaults $WARROOM_DRILL_DIR to its own drill so `<drill>/bin/kubectl` works by hand.
    Its default was written `: "${WARROOM_DRILL_DIR:='/a b/…'}"`: inside double quotes sh keeps the
    single quotes, so a drill under any path shlex quotes (a space) answered "…'/drill.json: no drill here"."""
    drill = create_drill(tmp_path / AWKWARD, "rate-limit", 10.0)
    env = {k: v for k, v in os.environ.items() if k != ENV_DIR}
    done = subprocess.run([str(drill.path / "bin" / "kubectl"), "get", "deployment", "flowengine"],
                          env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "flowengine" in done.stdout and "no drill here" not in done.stderr


def test_a_printed_command_names_warroom_as_the_shell_finds_it(tmp_path: Path, monkeypatch) -> None:
    """`make demo` runs .venv/bin/warroom, which no PATH names: the quit line, the relaunch line and
    a replay line name that script by its absolute path (quoted); on PATH it is plain `warroom`."""
    import shlex

    from tui.launch import resume_command, resume_invocation
    from warroom.incident.history import replay_command

    script = tmp_path / "a venv" / "bin" / "warroom"
    script.parent.mkdir(parents=True)
    script.write_text("#!/bin/sh\n")
    script.chmod(0o755)
    monkeypatch.setattr("sys.argv", [str(script), "demo"])
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    for said in (resume_invocation("INC-1", tmp_path), resume_command(["demo", "--speed", "10"]),
                 replay_command(tmp_path / "incidents" / "INC-1")):
        assert shlex.split(said)[0] == str(script), said
    monkeypatch.setenv("PATH", f"{script.parent}:/usr/bin:/bin")
    assert shlex.split(resume_invocation("INC-1", tmp_path))[0] == "warroom"


def _drill_with_a_breaker(tmp_path: Path):
    from warroom.drill.actions import ACTIONS_FILE

    drill = create_drill(tmp_path, "rate-limit", 10.0, start=1_800_000_000.0)
    drill.record("circuit_breaker", at=drill.wall_time(300))
    return drill, drill.path / ACTIONS_FILE


def test_a_torn_last_action_line_never_swallows_the_next_record(tmp_path: Path) -> None:
    """A torn last line (a crash or a hand edit mid-line) followed by an append glued the new record onto
    it: both lines read as one damaged line, silently skipped, so the new action was lost too and the
    world redrew without either. Now the append is refused (nothing written), and reading names the line."""
    import pytest

    from warroom.drill.actions import Action, append_actions, read_actions
    from warroom.errors import WarroomError

    drill, file = _drill_with_a_breaker(tmp_path)
    with open(file, "a", encoding="utf-8") as fh:
        fh.write('{"action": "retry", "t": 4')
    before = file.read_bytes()
    with pytest.raises(WarroomError, match=re.escape(f"{file}: its last line is torn")):
        append_actions(drill.path, [Action("rollback", 600.0, drill.wall_time(600), "kubectl")])
    assert file.read_bytes() == before                          # nothing written, nothing lost
    with pytest.raises(WarroomError, match=re.escape(f"{file}:2: not a whole action record")):
        read_actions(drill.path)


def test_a_damaged_action_line_is_an_error_naming_the_file_and_line_never_skipped(tmp_path: Path) -> None:
    """Every kind of damage in the middle of actions.jsonl: the world is rebuilt from every line, so a
    skipped one (the old rule) drew a world without what a responder did, with no word said."""
    import pytest

    from warroom.drill.actions import read_actions
    from warroom.errors import WarroomError

    drill, file = _drill_with_a_breaker(tmp_path)
    good = file.read_text(encoding="utf-8")
    for bad in ('{"action": "retry", "t": 1', '[1, 2]', '"retry"', '{"t": 5}', '{"action": "retry"}',
                '{"action": "retry", "t": "soon"}', '{"action":"retry","t":NaN}', '{"action":"retry","t":1e308}',
                '{"action":"retry","t":600,"ts":-1}', '{"action":"retry","t":600,"ts":1e300}'):
        file.write_text(f"{good}\n{bad}\n{good}", encoding="utf-8")     # a blank line is no record, no damage
        with pytest.raises(WarroomError, match=re.escape(f"{file}:3: not a whole action record")):
            read_actions(drill.path)
    file.write_text(f"{good}\n{good}", encoding="utf-8")
    assert [a.action for a in read_actions(drill.path)] == ["circuit_breaker", "circuit_breaker"]


def test_a_stand_in_on_a_damaged_drill_says_which_file_and_records_nothing(tmp_path: Path) -> None:
    drill, file = _drill_with_a_breaker(tmp_path)
    file.write_text(file.read_text(encoding="utf-8")[:-20], encoding="utf-8")
    before = file.read_bytes()
    done = subprocess.run([str(drill.path / "bin" / "kubectl"), "rollout", "undo", "deployment/flowengine"],
                          env={**os.environ, ENV_DIR: str(drill.path)}, capture_output=True, text=True, timeout=60)
    assert done.returncode == 127 and "Traceback" not in done.stderr
    assert done.stderr.startswith(f"kubectl: {file}:1: not a whole action record")
    assert file.read_bytes() == before


def test_demo_on_a_drill_with_a_damaged_record_refuses_naming_the_file_and_starts_nothing(tmp_path: Path) -> None:
    """`warroom demo` continuing a drill whose actions.jsonl is damaged: a clear error naming the file and
    line and how to start over, no new drill made, nothing changed; before, the dashboard drew the world
    without the lost record and said nothing."""
    import pytest

    from tui.launch import drill_context
    from warroom.config import Config
    from warroom.errors import WarroomError

    cfg = Config()
    cfg.incident.state_dir = str(tmp_path / AWKWARD)
    drill = drill_context(cfg, "rate-limit", 10.0).drill.extra["drill"]
    drill.record("circuit_breaker")
    file = drill.path / "actions.jsonl"
    file.write_bytes(file.read_bytes()[:-30])
    before = file.read_bytes()
    cfg = Config()
    cfg.incident.state_dir = str(tmp_path / AWKWARD)
    with pytest.raises(WarroomError) as err:
        drill_context(cfg, "rate-limit", 10.0)
    assert str(err.value).startswith(f"{file}:1: not a whole action record")
    assert "nothing was opened" in str(err.value) and "--new" in str(err.value)
    assert len(list((tmp_path / AWKWARD).rglob("drill.json"))) == 1 and file.read_bytes() == before


def test_the_line_that_starts_a_drill_over_keeps_the_pace_it_was_worked_at(tmp_path: Path) -> None:
    """`warroom drill timeout --speed 30`, resolved: the notice said "`warroom drill timeout` starts it
    over", which started it at x1, thirty times slower than the drill just worked. The relaunch line names
    the drill's own speed (a continued drill's, not the one typed, which it ignores)."""
    import shlex

    from tui.launch import drill_context
    from warroom.config import Config

    def ctx(speed: float | None, typed: str):
        cfg = Config()
        cfg.incident.state_dir = str(tmp_path / AWKWARD)
        return drill_context(cfg, "timeout", speed, relaunch=typed).drill

    first = ctx(30.0, "warroom drill timeout")
    assert shlex.split(first.relaunch) == ["warroom", "drill", "timeout", "--speed", "30"]
    again = ctx(10.0, "warroom drill timeout")           # continued: its own x30, whatever was typed
    assert again.speed == 30.0 and shlex.split(again.relaunch)[-2:] == ["--speed", "30"]


def test_resuming_a_resolved_drill_incident_says_its_drill_has_ended(tmp_path: Path) -> None:
    """Resolving finishes the drill, but drill.json is marked finished only when the next `warroom demo`
    looks: `warroom resume ID` of an incident resolved from the CLI said "resumed … in its drill at
    scenario time …" as of a running drill. The ended rule is the one `demo` follows (its incident resolved)."""
    from tui.launch import drill_context, resume_context
    from warroom.config import Config
    from warroom.incident.store import IncidentStore

    def cfg() -> Config:
        c = Config()
        c.incident.state_dir = str(tmp_path / AWKWARD)
        return c

    c = cfg()
    drill = drill_context(c, "rate-limit", 30.0).drill.extra["drill"]
    inc = IncidentStore(c.state_dir(), c).create(title="quota climbing", severity="P3", runbook=None, source={},
                                                 drill={"scenario": "rate-limit", "speed": 30.0, "dir": str(drill.path)})
    drill.attach_incident(inc.id)
    assert "had ended" not in (resume_context(cfg(), inc.id).drill.notice or "")
    inc.resolve("quota back under 60%", resolution="breaker on")
    assert "that drill had ended" in (resume_context(cfg(), inc.id).drill.notice or "")


def test_an_older_drill_with_an_open_incident_is_never_lost_from_view(tmp_path: Path) -> None:
    """Two drills of one scenario: A's INC-1 open, `--new` makes B (the notice names A and how back to INC-1),
    B's INC-2 resolved. The next run started C and said nothing of A: INC-1 stayed open, offered by no drill
    dashboard and named by no notice again. Every unfinished drill of the scenario with an open incident is
    named, with its exact command back, whenever a new drill starts; a resolved one is not."""
    from warroom.drill.directory import choose_drill

    resolved: set[str] = {"INC-2"}
    when = lambda d: d.start + 5 if d.incident in resolved else None       # noqa: E731
    a = choose_drill(tmp_path, "rate-limit", 10.0).drill
    a.attach_incident("INC-1")
    b = choose_drill(tmp_path, "rate-limit", 10.0, new=True, incident_resolved=when)
    assert "INC-1 still open" in (b.notice or "")
    b.drill.attach_incident("INC-2")
    c = choose_drill(tmp_path, "rate-limit", 10.0, incident_resolved=when, resume=lambda i: f"back to {i}")
    assert not c.resumed and c.drill.path not in (a.path, b.drill.path)
    assert f"{a.name} is left as it was (INC-1 still open: `back to INC-1`)" in (c.notice or "")
    assert "INC-2" not in (c.notice or "").split("resolved;", 1)[1]          # ended: named once, as ended
    resolved.add("INC-1")
    d = choose_drill(tmp_path, "rate-limit", 10.0, incident_resolved=when, new=True)
    assert "INC-1" not in (d.notice or "")


def test_a_printed_command_names_the_config_that_came_from_the_environment(tmp_path: Path, monkeypatch) -> None:
    """A config read through $WARROOM_CONFIG was named nowhere in the quit line or the relaunch line: pasted
    into a new login after a dropped connection (no such variable), it opened the default config. Now the
    file is named (absolute, as it was read); a typed --config is the one named, once."""
    import shlex

    from tui.launch import global_options, resume_command

    (tmp_path / "my conf.toml").write_text("")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("WARROOM_CONFIG", "my conf.toml")
    for said in (global_options(["drill", "timeout"]), shlex.split(resume_command(["drill", "timeout"]))[1:]):
        assert said[said.index("--config") + 1] == str(tmp_path / "my conf.toml"), said
    typed = shlex.split(resume_command(["drill", "timeout", "--config", "/etc/w.toml"]))
    assert typed.count("--config") == 1 and typed[typed.index("--config") + 1] == "/etc/w.toml"
    assert global_options(["--config=/etc/w.toml"]) == ["--config=/etc/w.toml"]
    monkeypatch.delenv("WARROOM_CONFIG")
    assert "--config" not in resume_command(["demo"])


def test_a_clock_pinned_before_the_drill_began_is_said_as_before_its_start(tmp_path: Path, monkeypatch) -> None:
    """$WARROOM_DRILL_AT earlier than a drill's start (or a drill made under a pin later than the wall, then
    opened unpinned): `warroom demo` and `warroom resume` said "at scenario time 0s" (clamped), a moment
    the drill was not at; the panes had nothing to show. The notice says how long before its start it is."""
    from warroom import scenario_time as stime
    from warroom.drill.directory import choose_drill

    drill = choose_drill(tmp_path, "rate-limit", 10.0).drill
    monkeypatch.setenv(stime.AT_ENV, str(drill.start - 3600))          # an hour of wall before it began
    again = choose_drill(tmp_path, "rate-limit", 10.0)
    assert again.drill.path == drill.path
    assert "at scenario time 10h00m00s before its start (×10)" in (again.notice or ""), again.notice
    assert stime.clock_said(76.0) == "1m16s"


def test_an_open_incident_in_a_drill_that_cannot_be_read_is_named_with_the_ways_to_it(tmp_path: Path,
                                                                                       capsys) -> None:
    """cycle-3: the newest drill's drill.json damaged, `warroom drill NAME` started a new drill saying only
    "not read: FILE"; the incident open in the damaged drill was then offered by no dashboard and named
    by no launch, and `warroom resume ID` refused naming the file alone. Every launch of the scenario
    and that resume now name the incident and the commands that still reach it, and those work."""
    import shlex

    import pytest

    from tui.cli import main
    from tui.launch import drill_context, resume_context
    from warroom.config import Config
    from warroom.errors import WarroomError
    from warroom.incident.store import IncidentStore

    def cfg() -> Config:
        c = Config()
        c.incident.state_dir = str(tmp_path / AWKWARD)
        return c

    c = cfg()
    drill = drill_context(c, "rate-limit", 30.0).drill.extra["drill"]
    inc = IncidentStore(c.state_dir(), c).create(title="quota climbing", severity="P3", runbook=None, source={},
                                                 drill={"scenario": "rate-limit", "speed": 30.0, "dir": str(drill.path)})
    drill.attach_incident(inc.id)
    (drill.path / "drill.json").write_text('{"scenario": "rate-lim', encoding="utf-8")    # torn
    for notice in (drill_context(cfg(), "rate-limit", 30.0).drill.notice or "",          # a new drill
                   drill_context(cfg(), "rate-limit", 30.0).drill.notice or ""):         # that one continued
        assert f"{inc.id} is still open in drill {drill.name}, which no dashboard can open" in notice
    assert inc.id not in (drill_context(cfg(), "timeout", 30.0).drill.notice or "")     # another scenario's
    with pytest.raises(WarroomError) as refused:
        resume_context(cfg(), inc.id)
    said = str(refused.value)
    assert "drill.json: cannot read the drill" in said and f"{inc.id} is open but its drill cannot be opened" in said
    show, resolve = re.findall(r"`([^`]+)`", said)[-2:]
    capsys.readouterr()
    assert main(shlex.split(show)[1:]) == 0 and "quota climbing" in capsys.readouterr().out
    assert main([*shlex.split(resolve)[1:-1], "drill.json torn; ended from the CLI"]) == 0
    assert IncidentStore(c.state_dir(), c).open(inc.id, work=False).state.resolved
    assert inc.id not in (drill_context(cfg(), "rate-limit", 30.0).drill.notice or "")  # resolved: not named


def test_an_incident_reopened_in_an_older_drill_is_named_by_every_launch(tmp_path: Path) -> None:
    """redteam-3: INC resolved in drill A (A ended there, B started), then `incident reopen INC`: A is
    no longer the newest drill of its scenario, and `warroom demo` said "continuing … B" and nothing of
    INC (nor did `--new`, A being finished). One rule for every launch (continue, new, --new): each
    other drill of the scenario holding an open incident is named with its exact command back, which works."""
    import shlex

    from tui.launch import drill_context, resume_context
    from warroom.config import Config
    from warroom.incident.store import IncidentStore

    def cfg() -> Config:
        c = Config()
        c.incident.state_dir = str(tmp_path / AWKWARD)
        return c

    c = cfg()
    a = drill_context(c, "rate-limit", 30.0).drill.extra["drill"]
    inc = IncidentStore(c.state_dir(), c).create(title="quota climbing", severity="P3", runbook=None, source={},
                                                 drill={"scenario": "rate-limit", "speed": 30.0, "dir": str(a.path)})
    a.attach_incident(inc.id)
    inc.resolve("quota back under 60%", resolution="breaker on")
    b = drill_context(cfg(), "rate-limit", 30.0).drill
    assert "ended when" in (b.notice or "") and b.extra["drill"].path != a.path
    assert inc.id not in (drill_context(cfg(), "rate-limit", 30.0).drill.notice or "")     # resolved: not named
    IncidentStore(c.state_dir(), c).open(inc.id).reopen(reason="quota climbing again")
    continued = drill_context(cfg(), "rate-limit", 30.0).drill
    fresh = drill_context(cfg(), "rate-limit", 30.0, new=True).drill
    after = drill_context(cfg(), "rate-limit", 30.0).drill                    # continues the --new one
    assert continued.notice and continued.notice.startswith("continuing")
    for notice in (continued.notice, fresh.notice, after.notice):
        assert f"{a.name} is left as it was ({inc.id} still open: `" in (notice or ""), notice
    back = shlex.split((after.notice or "").split(f"{inc.id} still open: `", 1)[1].split("`", 1)[0])
    assert back[1:3] == ["resume", inc.id] and "--state-dir" in back
    assert resume_context(_at(cfg(), back), inc.id).resume_id == inc.id       # the command reaches it
    IncidentStore(c.state_dir(), c).open(inc.id).resolve("really back", resolution="breaker on")
    assert inc.id not in (drill_context(cfg(), "rate-limit", 30.0).drill.notice or "")


def _at(c: Config, words: list[str]) -> Config:
    """``c`` with the state dir a printed command names (``--state-dir D``)."""
    c.incident.state_dir = words[words.index("--state-dir") + 1]
    return c


def test_a_declaration_stopped_before_it_told_its_drill_still_ends_the_drill(tmp_path: Path, capsys) -> None:
    """redteam31-7: the incident is written, then its drill is told (drill.json's incident). A declaration
    killed between the two left a drill that no resolve could end: the incident resolved, and the next
    `warroom drill` continued the mitigated world. Whoever opens the incident's drill tells it now."""
    from tui.cli import main
    from tui.launch import drill_context
    from warroom.incident.store import IncidentStore

    def cfg() -> Config:
        c = Config()
        c.incident.state_dir = str(tmp_path / "state")
        return c

    drill = drill_context(cfg(), "rate-limit", 30.0).drill.extra["drill"]
    inc = IncidentStore(tmp_path / "state" / "drills").create(
        title="quota climbing", severity="P3", runbook=None,
        drill={"scenario": "rate-limit", "speed": 30.0, "dir": str(drill.path)})        # and no attach_incident
    assert main(["incident", "resolve", inc.id, "--summary", "breaker on", "--yes",
                 "--state-dir", str(tmp_path / "state")]) == 0
    capsys.readouterr()
    notice = drill_context(cfg(), "rate-limit", 30.0).drill.notice or ""
    assert notice.startswith(f"the last rate-limit drill ended when {inc.id} was resolved; new rate-limit drill"), notice
