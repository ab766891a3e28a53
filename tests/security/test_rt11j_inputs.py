"""rt11j: absurd values in config keys and CLI arguments: one clear line, never accepted silently
where the value would make a mark on the screen false."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tui.cli import main

EXAMPLE = Path(__file__).resolve().parents[2] / "config.example.toml"


@pytest.mark.parametrize("key", ["warn", "crit"])
@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "+nan"])
def test_non_finite_threshold_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str], key: str, value: str) -> None:
    """A NaN threshold compares false with everything: the pane would never warn (a false all-clear)."""
    text = EXAMPLE.read_text()
    text = re.sub(rf"^{key} = [0-9.]+", f"{key} = {value}", text, count=1, flags=re.M)
    cfg = tmp_path / "c.toml"
    cfg.write_text(text)
    code = main(["config", "check", str(cfg)])
    out, err = capsys.readouterr()
    assert code != 0, out
    lines = [ln for ln in err.splitlines() if ln.startswith("warroom:")]
    assert len(lines) == 1 and f"slo[0].{key}" in lines[0] and "finite" in lines[0], err


def test_runbook_with_a_file_name_that_is_not_utf8(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """os.fsdecode turns such a name into lone surrogates: the journal must still take it."""
    import os

    from tests.security.conftest import RUNBOOK
    from warroom.journal.reader import read_journal

    name = os.fsdecode(bytes(tmp_path) + b"/rb-\xff\xfe.md")
    Path(name).write_text(RUNBOOK)
    state = tmp_path / "state"
    code = main(["incident", "new", "--title", "t", "--severity", "P3", "--runbook", name, "--state-dir", str(state)])
    out, err = capsys.readouterr()
    assert code == 0, err
    inc = out.strip()
    code = main(["incident", "attach", inc, name, "--state-dir", str(state)])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert main(["incident", "show", inc, "--state-dir", str(state)]) == 0
    assert main(["incident", "verify", inc, "--state-dir", str(state)]) == 0
    j = state / "incidents" / inc / "journal.jsonl"
    assert read_journal(j).ok
    j.read_bytes().decode("utf-8")  # every line is valid UTF-8


def _guarded(argv: list[str]) -> int:
    """Run the CLI in-process; a hang is cut off by an alarm (a bound, not a timing assertion)."""
    import signal

    def hang(*_: object) -> None:
        raise AssertionError(f"{argv}: hung")

    old = signal.signal(signal.SIGALRM, hang)
    signal.alarm(60)
    try:
        return main(argv)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


@pytest.mark.parametrize("kind", ["fifo", "zero", "dir", "not-utf8", "huge"])
def test_config_and_update_file_that_is_not_a_readable_text_file(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                                 kind: str) -> None:
    """A FIFO nobody writes to, an endless device, a directory, bytes that are not UTF-8, a file far
    bigger than any config or update: one line naming the file, never a hang or a memory blow-up."""
    import os

    p = tmp_path / "input"
    if kind == "fifo":
        os.mkfifo(p)
    elif kind == "zero":
        p = Path("/dev/zero")
    elif kind == "dir":
        p.mkdir()
    elif kind == "not-utf8":
        p.write_bytes(b"title = \"\xff\xfe\"\n")
    else:
        with open(p, "wb") as f:
            f.truncate(64 * 1024 * 1024)  # sparse: no disk used
    state = tmp_path / "state"
    for argv in (["config", "check", str(p)], ["--config", str(p), "incident", "list", "--state-dir", str(state)]):
        code = _guarded(argv)
        out, err = capsys.readouterr()
        lines = [ln for ln in err.splitlines() if ln.strip()]
        assert code != 0 and len(lines) == 1 and str(p) in lines[0], (argv, err)
    assert main(["incident", "new", "--title", "t", "--severity", "P3", "--state-dir", str(state)]) == 0
    inc = capsys.readouterr().out.strip()
    code = _guarded(["incident", "update", inc, "--file", str(p), "--state-dir", str(state)])
    out, err = capsys.readouterr()
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert code != 0 and len(lines) == 1 and str(p) in lines[0], err


def test_update_file_from_a_pipe_still_works(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`--file <(cmd)` is a pipe with a writer: it is read, not refused."""
    import os
    import threading

    state = tmp_path / "state"
    assert main(["incident", "new", "--title", "t", "--severity", "P3", "--state-dir", str(state)]) == 0
    inc = capsys.readouterr().out.strip()
    r, w = os.pipe()

    def feed() -> None:
        os.write(w, b"Conditions: better\n")
        os.close(w)

    t = threading.Thread(target=feed)
    t.start()
    code = _guarded(["incident", "update", inc, "--file", f"/dev/fd/{r}", "--state-dir", str(state)])
    t.join()
    os.close(r)
    out, err = capsys.readouterr()
    assert code == 0, err
