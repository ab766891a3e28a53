"""Drive a program in a real terminal: a private tmux server, ``send-keys`` in, ``capture-pane`` out.

Each ``TmuxTerm`` owns its own tmux server (``-L`` socket unique to the test), so tests running in
parallel never see each other's sessions, and ``close()`` kills the whole server. Every wait is a
bounded poll for a condition on the captured screen, never a fixed sleep.
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path


class WaitTimeout(AssertionError):
    """A screen condition did not come true in time; the message carries the last screen."""


class TmuxTerm:
    def __init__(self, width: int = 120, height: int = 40, *, term: str = "xterm-256color") -> None:
        self.socket = f"warroom-e2e-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.width = width
        self.height = height
        self.term = term
        self.session = "e2e"
        self._started = False

    # -- plumbing ------------------------------------------------------------------------------
    def tmux(self, *args: str, check: bool = True, timeout: float = 20) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["tmux", "-L", self.socket, "-f", "/dev/null", *args],
            check=check,
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )

    def start(self, argv: Sequence[str], env: Mapping[str, str] | None = None, cwd: Path | None = None) -> None:
        """Start ``argv`` as the only pane of a detached session of the configured size.

        The pane's environment is exactly ``env`` (default: this process's), with TERM set as
        asked — tmux would otherwise export its own ``default-terminal``.
        """
        full_env = dict(os.environ if env is None else env)
        full_env["TERM"] = self.term
        command = "exec env " + " ".join(shlex.quote(f"{k}={v}") for k, v in full_env.items() if "\n" not in v)
        command += " " + shlex.join(argv)
        self.tmux(
            "new-session", "-d", "-s", self.session, "-x", str(self.width), "-y", str(self.height),
            *(["-c", str(cwd)] if cwd else []),
            command,
        )  # fmt: skip
        self._started = True
        # Keep the pane after the program exits so its last screen can still be read.
        self.tmux("set-option", "-t", self.session, "remain-on-exit", "on")
        self.tmux("set-option", "-t", self.session, "status", "off")
        self.tmux("resize-window", "-t", self.session, "-x", str(self.width), "-y", str(self.height), check=False)

    def close(self) -> None:
        if self._started:
            self.tmux("kill-server", check=False)
            self._started = False

    def __enter__(self) -> TmuxTerm:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- reading and typing --------------------------------------------------------------------
    def screen(self, *, escapes: bool = False) -> str:
        args = ["capture-pane", "-p", "-t", self.session]
        if escapes:
            args.append("-e")
        return self.tmux(*args).stdout

    def pane_pid(self) -> int:
        return int(self.tmux("display-message", "-p", "-t", self.session, "#{pane_pid}").stdout.strip())

    def pane_dead(self) -> bool:
        out = self.tmux("display-message", "-p", "-t", self.session, "#{pane_dead}", check=False).stdout
        return out.strip() == "1"

    def send(self, *keys: str) -> None:
        """tmux key names (``Enter``, ``Tab``, ``C-c``, ``j``)."""
        self.tmux("send-keys", "-t", self.session, *keys)

    def type(self, text: str) -> None:
        """Literal text, not interpreted as key names."""
        self.tmux("send-keys", "-t", self.session, "-l", text)

    def wait_for(
        self,
        condition: str | re.Pattern[str] | Callable[[str], bool],
        timeout: float = 30.0,
        interval: float = 0.1,
    ) -> str:
        """Poll the screen until ``condition`` holds; return that screen."""
        if isinstance(condition, str):
            needle = condition
            check: Callable[[str], bool] = lambda screen: needle in screen  # noqa: E731
        elif isinstance(condition, re.Pattern):
            pattern = condition
            check = lambda screen: pattern.search(screen) is not None  # noqa: E731
        else:
            check = condition
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if check(screen):
                return screen
            time.sleep(interval)
        raise WaitTimeout(f"condition {condition!r} not met within {timeout}s; last screen:\n{screen}")

    def wait_for_all(self, *wanted: str | re.Pattern[str], timeout: float = 30.0) -> str:
        """The first screen on which EVERY one of ``wanted`` is drawn; the WaitTimeout names the
        missing ones.

        tmux captures whatever has been painted so far: the frame on which one row first matches
        may have the rest of the screen half drawn (seen on a busy CI box: rows cut, rows below
        missing). A test that reads several things off one frame waits for all of them here,
        rather than waiting for one and asserting the others on that frame."""

        def drawn(screen: str, want: str | re.Pattern[str]) -> bool:
            return want in screen if isinstance(want, str) else want.search(screen) is not None

        try:
            return self.wait_for(lambda screen: all(drawn(screen, w) for w in wanted), timeout=timeout)
        except WaitTimeout:
            screen = self.screen()
            missing = [w if isinstance(w, str) else w.pattern for w in wanted if not drawn(screen, w)]
            raise WaitTimeout(f"not drawn within {timeout}s: {missing}; last screen:\n{screen}") from None

    def wait_exit(self, timeout: float = 30.0) -> tuple[int | None, int | None]:
        """Wait until the pane's program has exited and tmux has its status: (exit code, signal).

        tmux marks a pane dead when its pty closes, a moment before it reaps the process, so
        ``pane_dead`` alone can come with an empty status: wait for one of the two to appear.
        """
        deadline = time.monotonic() + timeout
        dead_since: float | None = None
        while time.monotonic() < deadline:
            out = self.tmux(
                "display-message", "-p", "-t", self.session,
                "#{pane_dead}|#{pane_dead_status}|#{pane_dead_signal}|#{pid}",
                check=False,
            ).stdout.strip()
            dead, status, sig, server = (out.split("|") + ["", "", "", ""])[:4]
            if dead == "1" and (status or sig):
                return (int(status) if status else None, int(sig) if sig else None)
            if dead == "1":
                # Seen here (tmux 3.3a): the pane's process is a zombie tmux never reaps — its
                # SIGCHLD was lost. A second SIGCHLD makes the server reap it and record the status.
                dead_since = dead_since or time.monotonic()
                if time.monotonic() - dead_since > 1.0 and server.isdigit():
                    os.kill(int(server), signal.SIGCHLD)
                    dead_since = time.monotonic()
            time.sleep(0.05)
        raise WaitTimeout(f"program still running {timeout}s later; last screen:\n{self.screen()}")

    def terminal_modes(self) -> tuple[str, str]:
        """(alternate screen on, mouse reporting on) as tmux sees the pane: "0"/"1" each."""
        out = self.tmux("display-message", "-p", "-t", self.session, "#{alternate_on}|#{mouse_any_flag}").stdout
        alternate, mouse = out.strip().split("|")
        return alternate, mouse
