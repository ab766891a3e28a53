"""A copy to the clipboard is claimed only where it can arrive (issue 10, item 7)."""

from __future__ import annotations

import subprocess

from tui.clipboard import clipboard_route


def tmux_says(value: str, rc: int = 0):  # type: ignore[no-untyped-def]
    def run(argv, **kw):  # type: ignore[no-untyped-def]
        assert argv[:3] == ["tmux", "show-options", "-gv"]
        return subprocess.CompletedProcess(argv, rc, stdout=value + "\n", stderr="")
    return run


def test_tmux_default_drops_the_copy() -> None:
    r = clipboard_route({"TMUX": "/tmp/tmux-0/default,1,0", "TERM": "tmux-256color"}, tmux_says("external"))
    assert not r.works and "set-clipboard is 'external'" in r.why


def test_tmux_with_set_clipboard_on_passes_it() -> None:
    assert clipboard_route({"TMUX": "x", "TERM": "screen"}, tmux_says("on")).works


def test_tmux_that_does_not_answer_is_not_trusted() -> None:
    def boom(argv, **kw):  # type: ignore[no-untyped-def]
        raise FileNotFoundError("tmux")
    assert not clipboard_route({"TMUX": "x"}, boom).works
    assert not clipboard_route({"TMUX": "x"}, tmux_says("", rc=1)).works


def test_screen_and_the_console_cannot() -> None:
    assert not clipboard_route({"STY": "123.pts-0", "TERM": "screen"}).works
    assert not clipboard_route({"TERM": "linux"}).works


def test_a_plain_terminal_over_ssh_can() -> None:
    r = clipboard_route({"TERM": "xterm-256color", "SSH_TTY": "/dev/pts/1"})
    assert r.works and "OSC 52" in r.why


def test_the_real_tmux_default(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Against a real tmux server with its default options."""
    import shutil

    import pytest

    if not shutil.which("tmux"):
        pytest.skip("needs tmux")
    sock = f"m10-{tmp_path.name}"
    subprocess.run(["tmux", "-L", sock, "-f", "/dev/null", "new-session", "-d", "-s", "c", "sleep 30"], check=True,
                   stdin=subprocess.DEVNULL)
    try:
        def run(argv, **kw):  # type: ignore[no-untyped-def]
            return subprocess.run(["tmux", "-L", sock, *argv[1:]], **kw)
        r = clipboard_route({"TMUX": "x", "TERM": "tmux-256color"}, run)
        assert not r.works and "external" in r.why
    finally:
        subprocess.run(["tmux", "-L", sock, "kill-server"], check=False, stdin=subprocess.DEVNULL)
