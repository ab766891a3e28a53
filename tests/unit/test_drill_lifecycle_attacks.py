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
