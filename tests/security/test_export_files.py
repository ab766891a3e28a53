"""Exports into a directory someone else can write to: planted symlinks are never followed,
files are created exclusively, directories are 0700 whatever the umask."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from tests.unit.incident_fixtures import install_fake_runbook
from tui.cli import main


def _cli(state: Path, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["incident", *argv, "--state-dir", str(state)])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


@pytest.fixture
def resolved(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> tuple[Path, str]:
    install_fake_runbook(monkeypatch, tmp_path)
    state = tmp_path / "state"
    code, out, _ = _cli(state, capsys, "new", "--title", "Quota", "--severity", "P3", "--runbook", "RB-TEST-001")
    assert code == 0
    inc = out.strip()
    assert _cli(state, capsys, "resolve", inc, "--summary", "fixed")[0] == 0
    return state, inc


def test_planted_symlinks_are_never_followed(tmp_path: Path, resolved: tuple[Path, str],
                                             capsys: pytest.CaptureFixture[str]) -> None:
    state, inc = resolved
    shared = tmp_path / "shared"
    shared.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    for name in ("pir.md", "pir.exported", "pir.1.md"):
        (shared / name).symlink_to(victim)
    code, out, err = _cli(state, capsys, "export", inc, "--out", str(shared), "--no-log")
    assert code == 0, err
    assert victim.read_text() == "precious\n"
    written = [p for p in shared.iterdir() if p.is_file() and not p.is_symlink()]
    assert any(p.name.startswith("pir.") and p.name.endswith(".md") for p in written), out
    assert "not followed" in out
    assert not [p for p in shared.iterdir() if p.name.endswith(".tmp")]  # no temp file left behind
    for p in written:
        assert stat.S_IMODE(p.stat().st_mode) == 0o600


def test_planted_incident_log_symlink_is_refused(tmp_path: Path, resolved: tuple[Path, str],
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    state, inc = resolved
    victim = tmp_path / "bashrc"
    victim.write_text("export PATH\n")
    (state / "incident_log.csv").symlink_to(victim)
    code, out, err = _cli(state, capsys, "export", inc)
    assert code != 0, (out, err)
    assert "symlink" in err and "never followed" in err
    assert victim.read_text() == "export PATH\n"


@pytest.mark.parametrize("umask", [0o000, 0o022, 0o777])
def test_dirs_and_files_private_under_any_umask(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str], umask: int) -> None:
    install_fake_runbook(monkeypatch, tmp_path)
    state = tmp_path / "deep" / "state"
    out_dir = tmp_path / "exports" / "nested"
    old = os.umask(umask)
    try:
        code, out, err = _cli(state, capsys, "new", "--title", "T", "--severity", "P3", "--runbook", "RB-TEST-001")
        assert code == 0, err
        inc = out.strip()
        assert _cli(state, capsys, "resolve", inc, "--summary", "ok")[0] == 0
        code, _, err = _cli(state, capsys, "export", inc, "--out", str(out_dir))
        assert code == 0, err
    finally:
        os.umask(old)
    for d in (tmp_path / "deep", state, state / "incidents", state / "incidents" / inc,
              tmp_path / "exports", out_dir):
        assert stat.S_IMODE(d.stat().st_mode) == 0o700, d
    for f in (out_dir / "pir.md", out_dir / "pir.exported", state / "incident_log.csv"):
        assert stat.S_IMODE(f.stat().st_mode) == 0o600, f
