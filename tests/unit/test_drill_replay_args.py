"""`warroom drill --replay` refuses what does not go with it instead of doing something else (found
by attack13e: `--replay ''` opened the rate-limit demo drill; `--replay ID --new` and `--replay ID
--list` played the recording and ignored the option). Each refusal exits 2 before any dashboard."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.mark.parametrize(("extra", "said"), [
    (["--replay", ""], "--replay needs the id of a resolved incident"),
    (["--replay", "  "], "--replay needs the id of a resolved incident"),
    (["--replay", "INC-20261202-1", "--new"], "--new does not go with it"),
    (["--replay", "INC-20261202-1", "--list"], "--list does not go with it"),
])
def test_replay_refuses_what_does_not_go_with_it(tmp_path: Path, extra: list[str], said: str,
                                                 monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    # the CLI's own ``main`` in-process: the refusal is decided there, before any dashboard (a process per case was
    # ~0.2 s of CPU each, importing warroom again)
    from tui.cli import main

    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("TERM", "dumb")
    code = main(["drill", *extra, "--state-dir", str(tmp_path)])
    stderr = capsys.readouterr().err
    assert code == 2, (code, stderr[-500:])
    assert said in stderr
    assert not (tmp_path / "drills").exists()          # no drill was started
