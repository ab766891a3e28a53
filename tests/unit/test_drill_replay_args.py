"""`warroom drill --replay` refuses what does not go with it instead of doing something else (found
by attack13e: `--replay ''` opened the rate-limit demo drill; `--replay ID --new` and `--replay ID
--list` played the recording and ignored the option). Each refusal exits 2 before any dashboard."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.conftest import subprocess_env, warroom_cmd


@pytest.mark.parametrize(("extra", "said"), [
    (["--replay", ""], "--replay needs the id of a resolved incident"),
    (["--replay", "  "], "--replay needs the id of a resolved incident"),
    (["--replay", "INC-20261202-1", "--new"], "--new does not go with it"),
    (["--replay", "INC-20261202-1", "--list"], "--list does not go with it"),
])
def test_replay_refuses_what_does_not_go_with_it(tmp_path: Path, extra: list[str], said: str) -> None:
    proc = subprocess.run([*warroom_cmd(), "drill", *extra, "--state-dir", str(tmp_path)],
                          capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
                          env=subprocess_env(HOME=str(tmp_path / "home"), TERM="dumb"))
    assert proc.returncode == 2, (proc.returncode, proc.stderr[-500:])
    assert said in proc.stderr
    assert not (tmp_path / "drills").exists()          # no drill was started
