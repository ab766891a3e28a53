"""An IC triaging a drill by hand reaches the drill's stand-ins, not what their own terminal reaches
(redteam38 F3): ``warroom drill shell [ID|NAME]`` opens ``$SHELL`` with a step's environment and
``--print`` prints it as one ``export`` line; the drill's start notice and ``incident new --drill``
name the exact command. Before, nothing said where the tools were: RB-CORE-005's ``kubectl scale
deployment/flowengine --replicas=0`` typed in the IC's own terminal scaled the cluster their own
kubeconfig named.

Every child process here is bounded by a timeout; nothing depends on how fast it runs.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from tui.cli import build_parser, main
from tui.launch import drill_context
from warroom.config import Config

pytestmark = pytest.mark.usefixtures("no_warmup_child")
ROOT = Path(__file__).resolve().parents[2]
BOUND = 120        # seconds: a hung child fails the test, it never hangs it


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """A state dir, and a directory of "real" kubectl and psql first on PATH, as on an IC's laptop."""
    real = tmp_path / "real bin"
    real.mkdir()
    for tool in ("kubectl", "psql"):
        (real / tool).write_text(f"#!/bin/sh\necho REAL {tool} reached\nexit 42\n")
        (real / tool).chmod(0o755)
    monkeypatch.setenv("PATH", f"{real}{os.pathsep}{os.environ.get('PATH', os.defpath)}")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("KUBECONFIG", raising=False)
    monkeypatch.delenv("WARROOM_DRILL_DIR", raising=False)
    return {"state": tmp_path / "state", "real": real, "tmp": tmp_path}


def _new_drill_incident(capsys: pytest.CaptureFixture[str], state: Path) -> tuple[str, str]:
    assert main(["incident", "new", "--drill", "audit-gap", "--speed", "10", "--state-dir", str(state)]) == 0
    said = capsys.readouterr()
    return said.out.strip(), said.err


def _printed(capsys: pytest.CaptureFixture[str], *words: str) -> str:
    assert main(["drill", "shell", *words, "--print"]) == 0
    return capsys.readouterr().out


def _sh(script: str, timeout: float = BOUND) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["sh", "-c", script], capture_output=True, text=True, timeout=timeout, env=dict(os.environ))


def _pods(text: str) -> set[str]:
    return {line.split()[0] for line in text.splitlines()[1:] if line.strip()}


def test_the_printed_line_pasted_into_sh_reaches_the_drills_kubectl_and_psql(world, capsys) -> None:
    inc, _ = _new_drill_incident(capsys, world["state"])
    printed = _printed(capsys, inc, "--state-dir", str(world["state"]))
    line = printed.strip().splitlines()[-1]
    assert line.startswith("export PATH=") and not printed.startswith("#")       # a live drill: no word of an end
    assert _sh("command -v kubectl").stdout.startswith(str(world["real"]))      # without it: the real one
    got = _sh(f"{line}\nkubectl get pods -n production && psql -c 'select 1' && echo \"$KUBECONFIG\"")
    assert got.returncode == 0, got.stderr
    assert "REAL" not in got.stdout
    # the stand-in's own pods: what the drill's kubectl answers run as a step runs it
    from warroom.drill.directory import latest_drill
    from warroom.paths import drills_store

    drill = latest_drill(drills_store(world["state"]))
    assert drill is not None and drill.incident == inc
    step = subprocess.run([str(drill.path / "bin" / "kubectl"), "get", "pods", "-n", "production"], capture_output=True,
                          text=True, timeout=BOUND, env={**os.environ, **drill.env()})
    assert step.returncode == 0 and _pods(step.stdout) and _pods(got.stdout.split(" ?column?")[0]) == _pods(step.stdout)
    assert any(p.startswith("flowengine-") for p in _pods(step.stdout))
    assert "?column?" in got.stdout and "(1 row)" in got.stdout
    assert got.stdout.strip().splitlines()[-1] == str(drill.path / "kubeconfig")
    # every value of a step's environment is in the line, quoted for the shell
    env = drill.env(base_path="")
    exports, unset = line.split("; unset ")          # the IC's session token goes (attack38 F5)
    # and a read-only mark an earlier read-only paste left (redteam46 R11)
    assert unset.split() == ["AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "WARROOM_DRILL_READ_ONLY"]
    words = dict(w.split("=", 1) for w in shlex.split(exports)[1:])
    assert {k: v for k, v in words.items() if k != "PATH"} == {k: v for k, v in env.items() if k != "PATH"}
    assert words["PATH"] == f"{drill.path / 'bin'}:$PATH"


# How each kind of shell reads its startup files, as a fake that then runs kubectl and exits 3:
# (its name, how it reads them, where the user's own rc is (under $HOME unless "ENV")).
SHELLS = [("fakeshell", '. "$ENV"', "ENV"),
          ("bash", '[ "$1" = --rcfile ] && . "$2"', ".bashrc"),
          ("zsh", '. "$ZDOTDIR/.zshenv"; . "$ZDOTDIR/.zshrc"', ".zshrc")]


@pytest.mark.parametrize(("kind", "reads", "user_rc"), SHELLS, ids=[k for k, _, _ in SHELLS])
def test_drill_shell_opens_shell_on_the_drill_even_after_the_users_rc(world, capsys, kind, reads, user_rc) -> None:
    """A fake ``$SHELL`` that reads its startup files as the real one does, runs kubectl and exits 3: it
    answers from the drill although the user's own rc puts the real kubectl first, and knows it is one."""
    inc, _ = _new_drill_incident(capsys, world["state"])
    home = world["tmp"] / "home"
    home.mkdir(exist_ok=True)
    rc = world["tmp"] / "user.rc" if user_rc == "ENV" else home / user_rc
    rc.write_text(f"PATH={shlex.quote(str(world['real']))}:$PATH\nPS1='me$ '\n")
    (home / ".zshenv").write_text("USER_ZSHENV=read\n")
    fake = world["tmp"] / "fake" / kind
    fake.parent.mkdir()
    fake.write_text(f'#!/bin/sh\n{reads}\nkubectl get pods -n production\n'
                    'echo "shell=$WARROOM_DRILL_SHELL prompt=$PS1 zshenv=$USER_ZSHENV zdotdir=$ZDOTDIR"\nexit 3\n')
    fake.chmod(0o755)
    env = {**os.environ, "SHELL": str(fake), "PYTHONPATH": str(ROOT)}
    env.pop("ZDOTDIR", None)
    env.update({"ENV": str(rc)} if user_rc == "ENV" else {})
    got = subprocess.run([sys.executable, "-m", "tui", "drill", "shell", "--state-dir", str(world["state"])],
                         capture_output=True, text=True, timeout=BOUND, env=env, stdin=subprocess.DEVNULL)
    assert got.returncode == 3, got.stderr
    assert "REAL" not in got.stdout and any(p.startswith("flowengine-") for p in _pods(got.stdout.split("shell=")[0]))
    name = got.stdout.split("shell=")[1].split()[0]
    assert name.startswith("audit-gap-") and f"prompt=(drill {name}) me$ " in got.stdout
    assert f"drill shell on {name}" in got.stderr and inc in got.stderr and "has ended" not in got.stderr
    if kind == "zsh":      # the user's .zshenv read too, and their ZDOTDIR back for shells started inside
        assert f"zshenv=read zdotdir={home}" in got.stdout


def test_a_finished_drills_shell_still_opens_and_says_so(world, capsys) -> None:
    inc, _ = _new_drill_incident(capsys, world["state"])
    assert main(["incident", "resolve", inc, "--summary", "done", "--yes", "--state-dir", str(world["state"])]) == 0
    capsys.readouterr()
    printed = _printed(capsys, inc, "--state-dir", str(world["state"]))
    assert printed.startswith("# the audit-gap drill ") and f"({inc} was resolved)" in printed
    got = _sh(f"{printed}\nkubectl get deployment flowengine -n production")
    assert got.returncode == 0 and "flowengine" in got.stdout and "REAL" not in got.stdout
    # no open drill incident any more: the default is the newest drill, which says it has ended
    assert _printed(capsys, "--state-dir", str(world["state"])) == printed


def test_a_drill_is_named_by_its_name_or_scenario_and_a_real_incident_has_no_drill_shell(world, capsys) -> None:
    from warroom.errors import WarroomError

    ctx = drill_context(_cfg(world["state"]), "timeout", 10.0)         # a dashboard drill, not declared yet
    drill = ctx.drill.extra["drill"]
    by_name = _printed(capsys, drill.name, "--state-dir", str(world["state"]))
    assert by_name == _printed(capsys, "timeout", "--state-dir", str(world["state"]))
    assert by_name == _printed(capsys, "--state-dir", str(world["state"]))      # the newest unfinished drill
    assert f"WARROOM_DRILL_DIR={drill.path}" in by_name
    assert main(["incident", "new", "--title", "t", "--severity", "P3", "--state-dir", str(world["state"])]) == 0
    real = capsys.readouterr().out.strip()
    with pytest.raises(WarroomError, match="real incident"):
        from tui.commands import cmd_drill

        cmd_drill(build_parser().parse_args(["drill", "shell", real, "--state-dir", str(world["state"])]))
    # a drill incident named short, as `incident show 2` takes it (attack60 F4: "no drill '2'")
    inc, _ = _new_drill_incident(capsys, world["state"])
    full = _printed(capsys, inc, "--state-dir", str(world["state"]))
    for short in (inc.rsplit("-", 1)[1], inc.removeprefix("INC-")):
        assert _printed(capsys, short, "--state-dir", str(world["state"])) == full, short


def _cfg(state: Path) -> Config:
    cfg = Config()
    cfg.incident.state_dir = str(state)
    return cfg


def test_the_start_notice_and_incident_new_name_the_exact_command_which_parses(world, capsys) -> None:
    inc, err = _new_drill_incident(capsys, world["state"])
    state = str(world["state"].resolve())
    said = f"`{shlex.join(['warroom', 'drill', 'shell', inc, '--state-dir', state])}`"
    assert said in err and "--print`" in err
    ctx = drill_context(_cfg(world["state"]), "rate-limit", 10.0)
    drill = ctx.drill.extra["drill"]
    assert f"`{shlex.join(['warroom', 'drill', 'shell', drill.name, '--state-dir', state])}`" in ctx.drill.by_hand
    for text in (err, ctx.drill.by_hand):
        for cmd in text.split("`")[1::2]:
            words = shlex.split(cmd)
            assert words[0] == "warroom"
            build_parser(words[1:]).parse_args(words[1:])
    with pytest.raises(SystemExit):
        main(["drill", "--help"])
    helped = " ".join(capsys.readouterr().out.split())
    assert "`warroom drill shell`" in helped and "`warroom drill shell --print`" in helped


def test_a_read_only_drill_shell_refuses_every_change_and_a_plain_one_lifts_it(world, capsys) -> None:
    """redteam46 R11: ``drill shell --read-only`` took the option and did nothing with it: its export line was the
    plain one, and ``kubectl scale deployment/flowengine --replicas=0`` scaled the read-only seat's world to 0."""
    from warroom.drill.actions import ACTIONS_FILE
    from warroom.drill.directory import READ_ONLY_ENV, latest_drill
    from warroom.paths import drills_store

    inc, _ = _new_drill_incident(capsys, world["state"])
    printed = _printed(capsys, inc, "--read-only", "--state-dir", str(world["state"]))
    assert "# read-only: the drill's tools answer, and refuse every change" in printed
    line = printed.strip().splitlines()[-1]
    drill = latest_drill(drills_store(world["state"]))
    assert drill is not None
    before = (drill.path / ACTIONS_FILE).read_text() if (drill.path / ACTIONS_FILE).exists() else ""
    got = _sh(f"{line}\nkubectl get deployment flowengine -n production -o name"
              "\nkubectl scale deployment/flowengine --replicas=0 -n production; echo scale=$?"
              "\nblocks notify slack --channel ops-alerts --message hi; echo notify=$?")
    assert "deployment.apps/flowengine" in got.stdout                  # reads answer
    assert "scale=1" in got.stdout and "notify=1" in got.stdout, got
    assert got.stderr.count("read-only session (--read-only): this command changes the drill's world and was "
                            "refused (nothing was changed)") == 2, got.stderr
    after = (drill.path / ACTIONS_FILE).read_text() if (drill.path / ACTIONS_FILE).exists() else ""
    assert after == before                                              # nothing recorded: the world unchanged
    # the plain line pasted after it lifts the mark (an earlier read-only paste does not linger)
    plain = _printed(capsys, inc, "--state-dir", str(world["state"])).strip().splitlines()[-1]
    assert READ_ONLY_ENV not in plain.split("; unset ")[0] and READ_ONLY_ENV in plain.split("; unset ")[1]
    got = _sh(f"{line}\n{plain}\nkubectl scale deployment/flowengine --replicas=2 -n production")
    assert got.returncode == 0 and "scaled" in got.stdout, got.stderr


def test_a_read_only_sessions_steps_carry_the_mark_and_a_writable_ones_never_do(world, capsys) -> None:
    """The dashboard's ``--read-only`` refuses a step the classifier calls mutating; its steps also carry the mark, so
    no stand-in changes the world under a read-only session whatever the classifier said of the command."""
    from tui.launch import find_incident
    from warroom.drill.directory import READ_ONLY_ENV
    from warroom.incident.store import IncidentStore

    inc, _ = _new_drill_incident(capsys, world["state"])
    cfg = Config()
    cfg.incident.state_dir = str(world["state"])
    found = find_incident(cfg, inc)
    opened = IncidentStore(found.root).open(inc, work=False)
    assert opened._drill_options({"read_only": True})["env"][READ_ONLY_ENV] == "1"
    inherited = {"env": {READ_ONLY_ENV: "1"}, "read_only": False}       # never kept from elsewhere when writable
    assert READ_ONLY_ENV not in opened._drill_options(inherited)["env"]
    assert READ_ONLY_ENV not in opened._drill_options({})["env"]


def test_a_writable_runs_step_never_inherits_the_read_only_mark_from_the_callers_environment(
        world, capsys, monkeypatch) -> None:
    """attack48 Z4: ``incident run`` (not read-only) typed in a ``--read-only`` drill shell ran its step with the
    shell's ``WARROOM_DRILL_READ_ONLY=1``: its change refused as a "read-only session", journaled as the response's
    failed run, its call marked an observer's. The seat is the run's: the step's environment sets or clears the mark
    from it, whatever the caller's environment holds."""
    from tui.launch import find_incident
    from warroom.drill.directory import READ_ONLY_ENV
    from warroom.execute.run_spec import RunSpec
    from warroom.incident.store import IncidentStore

    inc, _ = _new_drill_incident(capsys, world["state"])
    cfg = Config()
    cfg.incident.state_dir = str(world["state"])
    opened = IncidentStore(find_incident(cfg, inc).root).open(inc, work=False)
    monkeypatch.setenv(READ_ONLY_ENV, "1")          # the caller's shell: a read-only drill shell's export line

    def step_env(read_only: bool) -> dict[str, str]:
        options = opened._drill_options({"read_only": read_only})
        return RunSpec.from_config(cfg, incident_dir=opened.dir, command="true", env=options["env"],
                                   unset_env=options.get("unset_env", ())).build_env()
    assert READ_ONLY_ENV not in step_env(False)
    assert step_env(True)[READ_ONLY_ENV] == "1"
