"""The dashboard notices its terminal going away by itself (``tui.signals.Ending``), and refuses
to start without one (``tui.run.needs_terminal``).

Real descriptors, no Textual: a pty whose master end closes is exactly what the slave side sees
when sshd, tmux or a terminal emulator goes (the kernel hangs it up), and a pipe whose reader is
gone is a dashboard drawing into ``| tee`` that was killed. The end-to-end proof with a real
tmux is ``tests/e2e/test_terminal_gone.py``.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import subprocess_env, warroom_cmd
from tui.signals import Ending

HANGUP = 128 + signal.SIGHUP


class _App:
    """Stands for the app: records the exit asked for, from the loop it was scheduled on."""

    def __init__(self) -> None:
        self.exits: list[int] = []
        self.asked = asyncio.Event()

    def exit(self, code: int) -> None:
        self.exits.append(code)
        self.asked.set()


def _until(cond: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < deadline, what
        time.sleep(0.01)


def _ends_on(fds: list[int], drop: Callable[[], None]) -> tuple[list[int], list[int]]:
    """Watch ``fds``, ``drop()`` the other end; the exits asked of the app and the backstop's."""
    died: list[int] = []
    app = _App()

    async def main() -> None:
        ending = Ending(app, asyncio.get_running_loop(), grace=0.0, die=died.append)
        ending.watch(fds)
        drop()
        await asyncio.wait_for(app.asked.wait(), 60)
        ending.close()

    asyncio.run(main())
    _until(lambda: bool(died), "the backstop never fired")
    return app.exits, died


def test_a_hung_up_terminal_ends_the_dashboard_as_sighup_does() -> None:
    master, slave = os.openpty()
    try:
        exits, died = _ends_on([slave], lambda: os.close(master))
    finally:
        os.close(slave)
    assert exits == [HANGUP] and died == [HANGUP]


def test_output_into_a_pipe_whose_reader_died_ends_it_too() -> None:
    r, w = os.pipe()
    try:
        exits, died = _ends_on([w], lambda: os.close(r))
    finally:
        os.close(w)
    assert exits == [HANGUP] and died == [HANGUP]


def test_a_live_terminal_never_wakes_the_watcher_and_close_stops_it() -> None:
    """Keys waiting to be read and room to write are not an end: the watcher asks for no event."""
    master, slave = os.openpty()
    app = _App()

    async def main() -> None:
        ending = Ending(app, asyncio.get_running_loop(), grace=0.0, die=app.exits.append)
        ending.watch([slave])
        os.write(master, b"q")          # a key is waiting on the terminal
        await asyncio.sleep(0.2)        # a chance to misfire, not a timing assertion
        ending.close()                  # joins the watcher: it returns only if it stopped

    try:
        asyncio.run(main())
    finally:
        os.close(master)
        os.close(slave)
    assert app.exits == []


def test_a_signal_after_the_terminal_went_is_not_a_second_signal() -> None:
    """A hang-up brings both POLLHUP and SIGHUP, in either order: that is one end, not two."""
    died: list[int] = []
    app = _App()

    async def main() -> None:
        ending = Ending(app, asyncio.get_running_loop(), grace=3600.0, die=died.append)
        assert ending.begin(HANGUP)                      # the watcher saw the terminal go
        ending.on_signal(signal.SIGHUP)                  # then the kernel's SIGHUP arrives
        assert died == []
        ending.on_signal(signal.SIGTERM)                 # a second signal ends at once
        assert died == [128 + signal.SIGTERM]
        await asyncio.wait_for(app.asked.wait(), 60)

    asyncio.run(main())
    assert app.exits == [HANGUP]


def test_usr1_writes_every_threads_stack_and_the_process_goes_on(tmp_path: Path) -> None:
    """``kill -USR1`` asks a dashboard that stopped answering where it is stuck: every thread's stack is appended
    to its file, a thread blocked on a lock included, and the process carries on; at the end the file stays."""
    import threading

    from tui.signals import stacks_file

    held, waiting = threading.Lock(), threading.Event()
    held.acquire()

    def stuck_on_a_lock() -> None:
        waiting.set()
        held.acquire()           # what a frozen dashboard's thread looks like

    path = stacks_file(tmp_path, 4242)
    ending = Ending(_App(), asyncio.new_event_loop(), grace=0.0, die=lambda code: None)
    ending.dump_stacks_to(path)
    thread = threading.Thread(target=stuck_on_a_lock, name="stuck", daemon=True)
    thread.start()
    try:
        waiting.wait(60)
        assert path.exists() and path.read_text() == ""    # nothing written before it is asked
        os.kill(os.getpid(), signal.SIGUSR1)
        os.kill(os.getpid(), signal.SIGUSR1)               # asked twice: appended, the first kept
        dumped = path.read_text()
    finally:
        held.release()
        thread.join(60)
        ending.close()
        ending.loop.close()
    assert dumped.count("Current thread") == 2, dumped
    assert "stuck_on_a_lock" in dumped and __name__.rsplit(".", 1)[-1] in dumped, dumped
    assert path.exists()                                    # written: kept for whoever asked
    assert signal.getsignal(signal.SIGUSR1) == signal.SIG_DFL   # close() gave the signal back


def test_an_unasked_stack_file_is_removed_and_an_unwritable_place_never_lets_usr1_end_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No empty file per dashboard run; where no file can be made (neither the state directory nor the temporary
    one), SIGUSR1 is ignored: its default action would end the dashboard."""
    from tui.signals import stacks_file

    path = stacks_file(tmp_path)
    ending = Ending(_App(), asyncio.new_event_loop(), grace=0.0, die=lambda code: None)
    ending.dump_stacks_to(path)
    ending.close()
    ending.loop.close()
    assert not path.exists() and not path.parent.exists()

    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setattr("tempfile.gettempdir", lambda: str(blocker / "tmp"))
    ending = Ending(_App(), asyncio.new_event_loop(), grace=0.0, die=lambda code: None)
    try:
        ending.dump_stacks_to(blocker / "state" / "stacks" / "1.txt")
        assert signal.getsignal(signal.SIGUSR1) == signal.SIG_IGN
        os.kill(os.getpid(), signal.SIGUSR1)                # this test's process lives on
    finally:
        signal.signal(signal.SIGUSR1, signal.SIG_DFL)
        ending.loop.close()


def test_no_terminal_is_refused_before_a_drill_begins(tmp_path: Path) -> None:
    """``warroom demo </dev/null`` had sat at a busy core for ever; now one line, exit 2."""
    proc = subprocess.run([*warroom_cmd(), "demo", "--state-dir", str(tmp_path)], capture_output=True, text=True,
                          timeout=60, stdin=subprocess.DEVNULL, env=subprocess_env(HOME=str(tmp_path / "home")))
    assert proc.returncode == 2, (proc.returncode, proc.stderr[-500:])
    assert "the dashboard needs a terminal, and standard input is not one" in proc.stderr
    assert not (tmp_path / "drills").exists()            # no drill's clock was started


def test_standard_error_not_a_terminal_is_refused(tmp_path: Path) -> None:
    """Textual draws on stderr: ``warroom demo 2>/dev/null`` with the keyboard on a terminal ran a
    dashboard nobody saw (keys typed blind still acted), ``2>log`` filled the log with escape codes."""
    import pty

    master, slave = pty.openpty()
    try:
        with (tmp_path / "err.log").open("w") as err:
            proc = subprocess.run([*warroom_cmd(), "demo", "--state-dir", str(tmp_path)], stdin=slave, stdout=slave,
                                  stderr=err, timeout=60, env=subprocess_env(HOME=str(tmp_path / "home")))
        on_screen = _drain(master)
    finally:
        os.close(slave)
        os.close(master)
    said = (tmp_path / "err.log").read_text()
    assert proc.returncode == 2, (proc.returncode, said[-500:])
    refusal = "the dashboard needs a terminal, and standard error, where it draws, is not one"
    assert refusal in said                               # the log keeps it ...
    assert refusal in on_screen.replace("\r\n", " ").replace("\n", " ")   # ... and the person sees it
    assert not (tmp_path / "drills").exists()            # no drill's clock was started


def _drain(master: int) -> str:
    """What the child wrote to the terminal, the pty's master end (the child has ended: no waiting)."""
    import select

    got = b""
    for _ in range(1000):                                 # bounded: the child wrote a line or two
        ready, _w, _x = select.select([master], [], [], 0)
        if not ready:
            break
        got += os.read(master, 65536)
    return got.decode(errors="replace")


@pytest.mark.parametrize("argv", [["resume"], ["resume", "INC-20261204-1"], [], ["demo"], ["drill", "timeout"]],
                         ids=["resume", "resume-id", "dashboard", "demo", "drill"])
def test_every_way_into_the_dashboard_refuses_before_it_opens_anything(argv: list[str], tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch,
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    """`warroom resume </dev/null` reopened the drill (its world's warm-up child started) before
    run_app refused; every command that would start something asks for the terminal first. (A
    replay only reads its recording before run_app asks: what is wrong with a recording is said
    first, ``test_drill_replay``; nothing is started either way.)"""
    import io
    import sys

    import tui.launch
    from tui.cli import main

    def opened(*_a: object, **_k: object) -> None:
        raise AssertionError("a context was built before the terminal was checked")

    for builder in ("resume_context", "replay_context", "dashboard_context", "drill_context"):
        monkeypatch.setattr(tui.launch, builder, opened)
    monkeypatch.setattr(sys, "__stdin__", io.StringIO())      # not a terminal
    assert main([*argv, "--state-dir", str(tmp_path)]) == 2
    assert "the dashboard needs a terminal, and standard input is not one" in capsys.readouterr().err
    assert not any(tmp_path.iterdir())                        # nothing begun on disk either
