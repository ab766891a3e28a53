"""Absurd inputs get one clear line naming them: never a traceback, never a hang."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.security.conftest import Cli
from tui.cli import main

DEEP = "[" * 5000 + "]" * 5000


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, err


def test_5000_deep_array_in_config(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text(f"x = {DEEP}\n")
    code, err = _run(capsys, "--config", str(cfg), "incident", "list", "--state-dir", str(tmp_path))
    assert code == 2 and str(cfg) in err and "nest too deeply" in err


@pytest.mark.parametrize("block", [f"+++\nx = {DEEP}\n+++\n", f"---\ntitle: {DEEP}\n---\n"])
def test_5000_deep_front_matter(tmp_path: Path, capsys: pytest.CaptureFixture[str], block: str) -> None:
    rb = tmp_path / "deep.md"
    rb.write_text(block + "# Deep\n\n## Triage\n\nSay hi:\n\n```bash\necho hi\n```\n")
    code, err = _run(capsys, "runbooks", "lint", str(rb))
    assert code == 1


@pytest.mark.parametrize("value", ["[1]", '"lots"', '"1e309MB"', '"-5MB"', "true", "-3"])
def test_bad_max_output_names_the_key(tmp_path: Path, capsys: pytest.CaptureFixture[str], value: str) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text(f"[execute]\nmax_output = {value}\n")
    code, err = _run(capsys, "--config", str(cfg), "incident", "list", "--state-dir", str(tmp_path))
    assert code == 2 and "execute.max_output" in err


@pytest.mark.parametrize("at", ["99999999 years ago", "1e309m ago", "99999999999999999999m ago", "inf ago",
                                "nan ago", "10000000000000d ago", "0001-01-01T00:00", "9999-12-31T23:59",
                                "-1e400s", "25:99", "", "   "])
def test_absurd_at(cli: Cli, runbook: Path, at: str) -> None:
    code, out, _ = cli("new", "--title", "t", "--severity", "P3", "--runbook", str(runbook))
    inc = out.strip()
    for argv in (("timeline", inc, "text", f"--at={at}"), ("mark", inc, "detected", f"--at={at}")):
        code, _, err = cli(*argv)
        assert code == 2, err
        line = err.strip().splitlines()
        assert len(line) == 1 and repr(at) in line[0]


@pytest.mark.parametrize("value", ["1e309s", "inf", "nan", "-5s", "9999999999999999999h"])
def test_absurd_durations_in_config(tmp_path: Path, capsys: pytest.CaptureFixture[str], value: str) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text(f'[execute]\ntimeout = "{value}"\n')
    code, err = _run(capsys, "--config", str(cfg), "incident", "list", "--state-dir", str(tmp_path))
    assert code == 2 and "execute.timeout" in err
