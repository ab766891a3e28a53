"""Stop-27 attacks on a drill's lifecycle: the commands warroom prints must work when pasted into a
shell (paths with spaces and quotes, a state dir from a flag, `make demo`'s venv script), and a
drill's files on disk (drill.json, actions.jsonl) never lose a record silently."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from warroom.drill.directory import ENV_DIR, create_drill

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
