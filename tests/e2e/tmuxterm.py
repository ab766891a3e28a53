"""Drive a program in a real terminal: a private tmux server, ``send-keys`` in, ``capture-pane`` out.

Each ``TmuxTerm`` owns its own tmux server (``-L`` socket unique to the test), so tests running in
parallel never see each other's sessions, and ``close()`` kills the whole server. Every wait is a
bounded poll for a condition on the captured screen, never a fixed sleep.

A screen poll cannot see a toast that came and went between two captures, so with ``start(...,
notices=PATH)`` (``WarroomSession.notices``) the harness also reads the app's notification log:
``press`` ends at once with the app's words when the keys were refused, and every WaitTimeout says
what the app said since the last key — or that it said nothing (the key was lost, or ignored
silently, which is a bug of its own).
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

from tests.e2e.notices import Notice, NoticeLog


class WaitTimeout(AssertionError):
    """A screen condition did not come true in time; the message carries the last screen and
    what the app said since the last key."""


class Refused(AssertionError):
    """The app answered the keys with a warning or an error (``Notice.refusal``: never a
    reminder) before the screen the test waited for came; the message is the app's words."""

    def __init__(self, notice: Notice, keys: str, screen: str) -> None:
        super().__init__(f"after {keys} the app said {notice} (instead of the awaited screen); last screen:\n{screen}")
        self.notice = notice


class TmuxTerm:
    SLOWEST = 0.3       # seconds between two looks at the screen in a long wait (``wait_for``)

    def __init__(self, width: int = 120, height: int = 40, *, term: str = "xterm-256color") -> None:
        self.socket = f"warroom-e2e-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.width = width
        self.height = height
        self.term = term
        self.session = "e2e"
        self._started = False
        self.notices: NoticeLog | None = None
        self._keys_at = 0          # notices recorded before the last keys were sent
        self._last_keys = "no key yet"

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

    def start(self, argv: Sequence[str], env: Mapping[str, str] | None = None, cwd: Path | None = None,
              *, notices: Path | None = None) -> None:
        """Start ``argv`` as the only pane of a detached session of the configured size.

        The pane's environment is exactly ``env`` (default: this process's), with TERM set as
        asked — tmux would otherwise export its own ``default-terminal``. ``notices``: the file
        the program records its notifications in (``$WARROOM_NOTIFY_LOG``, which ``argv`` or
        ``env`` must set: ``WarroomSession`` does), read by every wait from then on.
        """
        self.notices = NoticeLog(notices) if notices is not None else None
        self._mark_keys("no key yet")    # a log a previous run of the session wrote is not this run's
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

    def resize(self, width: int, height: int) -> None:
        """The terminal is resized (a person dragging the window's corner): the program gets SIGWINCH."""
        self.width, self.height = width, height
        self.tmux("resize-window", "-t", self.session, "-x", str(width), "-y", str(height))

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

    def diagnosis(self) -> str:
        """What the pane's program was doing when a wait ran out, for the failure's message: a frame
        that stands still may be a program that froze (blocked, or spinning) or one that only drew
        nothing new. Its process state and CPU time from ``/proc``, and every thread's stack: the
        dashboard writes them to ``$XDG_STATE_HOME/warroom/stacks/PID.txt`` on SIGUSR1
        (``tui.signals``). Best effort and bounded (2 s): the failure is reported either way."""
        try:
            if self.pane_dead():
                return "\n(the pane's program had exited)"
            pid = self.pane_pid()
            stat = Path(f"/proc/{pid}/stat").read_text()
            env = dict(kv.split("=", 1) for kv in Path(f"/proc/{pid}/environ").read_text().split("\0") if "=" in kv)
        except (OSError, ValueError, subprocess.SubprocessError) as exc:
            return f"\n(no diagnosis of the pane's program: {exc})"
        fields = stat[stat.rfind(")") + 2:].split()
        ticks = os.sysconf("SC_CLK_TCK")
        said = (f"\nthe pane's program (pid {pid}) was in state {fields[0]}, "
                f"{(int(fields[11]) + int(fields[12])) / ticks:.1f} s CPU so far")
        state = Path(env.get("XDG_STATE_HOME") or Path(env.get("HOME", "/nonexistent")) / ".local" / "state")
        stacks = state / "warroom" / "stacks" / f"{pid}.txt"
        if not stacks.exists():
            return said + f"; no stack file at {stacks}"
        before = stacks.stat().st_size
        os.kill(pid, signal.SIGUSR1)
        deadline = time.monotonic() + 2.0
        while time.monotonic() < deadline and stacks.stat().st_size == before:
            time.sleep(0.05)
        with stacks.open(encoding="utf-8", errors="replace") as f:
            f.seek(before)
            return said + f"; its threads' stacks:\n{f.read()[-6000:]}"

    def pane_dead(self) -> bool:
        out = self.tmux("display-message", "-p", "-t", self.session, "#{pane_dead}", check=False).stdout
        return out.strip() == "1"

    def send(self, *keys: str) -> None:
        """tmux key names (``Enter``, ``Tab``, ``C-c``, ``j``)."""
        self._mark_keys(" ".join(keys))
        self.tmux("send-keys", "-t", self.session, *keys)

    def type(self, text: str) -> None:
        """Literal text, not interpreted as key names."""
        self._mark_keys(repr(text))
        self.tmux("send-keys", "-t", self.session, "-l", text)

    def _mark_keys(self, keys: str) -> None:
        """What the app says from here on is its answer to these keys (or to what else happens)."""
        self._keys_at = self.notices.count() if self.notices is not None else 0
        self._last_keys = keys

    def said_since_keys(self) -> list[Notice]:
        """The notifications recorded since the last keys were sent (empty without a log)."""
        return self.notices.since(self._keys_at) if self.notices is not None else []

    def _said(self) -> str:
        """The WaitTimeout's account of what the app said after the last keys."""
        if self.notices is None:
            return "(no notification log: the app's toasts are not known)"
        said = self.said_since_keys()
        if not said:
            return f"the app said nothing since the last keys ({self._last_keys}): they were lost, or ignored in silence"
        return f"since the last keys ({self._last_keys}) the app said: " + " | ".join(str(n) for n in said)

    def press(self, *keys: str, until: str | re.Pattern[str] | Callable[[str], bool], timeout: float = 30.0) -> str:
        """Send ``keys`` and wait for the screen they lead to. A warning or error the app says
        after the keys, while that screen has not come, ends the wait at once with its words
        (``Refused``): a refused key is told from a lost one, however briefly its toast showed."""
        self.send(*keys)
        return self.wait_for(until, timeout=timeout, refused=True)
    def wait_for(
        self,
        condition: str | re.Pattern[str] | Callable[[str], bool],
        timeout: float = 30.0,
        interval: float = 0.1,
        *,
        refused: bool = False,
    ) -> str:
        """Poll the screen until ``condition`` holds; return that screen. ``refused``: a warning
        or error recorded since the last keys, while the condition does not hold, raises
        ``Refused`` at once (it needs the notification log).

        The first looks come ``interval`` apart, the later ones further (x1.5 each, to ``SLOWEST``
        at most): what answers a key comes in the first tenths of a second, and a wait of half a
        minute (a gate's hold, a drill's breach) looked 300 times, each a ``tmux capture-pane``
        process and the server's answer, ≈ 5 ms of CPU a look."""
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
        pause = interval
        while time.monotonic() < deadline:
            screen = self.screen()
            if check(screen):
                return screen
            if refused:
                refusal = next((n for n in self.said_since_keys() if n.refusal), None)
                if refusal is not None:
                    raise Refused(refusal, self._last_keys, screen)
            time.sleep(pause)
            pause = min(pause * 1.5, max(interval, self.SLOWEST))
        raise WaitTimeout(f"condition {condition!r} not met within {timeout}s; {self._said()}; last screen:\n{screen}"
                          f"{self.diagnosis()}")

    def wait_for_all(self, *wanted: str | re.Pattern[str], timeout: float = 30.0, refused: bool = False) -> str:
        """The first screen on which EVERY one of ``wanted`` is drawn; the WaitTimeout names the
        missing ones.

        tmux captures whatever has been painted so far: the frame on which one row first matches
        may have the rest of the screen half drawn (seen on a busy CI box: rows cut, rows below
        missing). A test that reads several things off one frame waits for all of them here,
        rather than waiting for one and asserting the others on that frame. ``refused``: as for
        ``wait_for``, a warning or error after the last keys ends the wait with its words."""

        def drawn(screen: str, want: str | re.Pattern[str]) -> bool:
            return want in screen if isinstance(want, str) else want.search(screen) is not None

        try:
            return self.wait_for(lambda screen: all(drawn(screen, w) for w in wanted), timeout=timeout,
                                 refused=refused)
        except WaitTimeout:
            screen = self.screen()
            missing = [w if isinstance(w, str) else w.pattern for w in wanted if not drawn(screen, w)]
            raise WaitTimeout(f"not drawn within {timeout}s: {missing}; {self._said()}; last screen:\n{screen}"
                              f"{self.diagnosis()}") from None

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
        raise WaitTimeout(f"program still running {timeout}s later; {self._said()}; last screen:\n{self.screen()}")

    def terminal_modes(self) -> tuple[str, str]:
        """(alternate screen on, mouse reporting on) as tmux sees the pane: "0"/"1" each."""
        out = self.tmux("display-message", "-p", "-t", self.session, "#{alternate_on}|#{mouse_any_flag}").stdout
        alternate, mouse = out.strip().split("|")
        return alternate, mouse
