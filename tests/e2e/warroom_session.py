"""A warroom session for end-to-end tests: its dirs, the command line that starts it, its journal.

Shared by the SSH, terminal-variant and signal tests. The environment is passed on the command
line (``env K=V … warroom demo``) rather than inherited, because over SSH the remote side starts
from sshd's minimal environment, exactly as it would for a person logging in to a bastion.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.conftest import REPO


def warroom_bin() -> str:
    """The venv's console script (absolute: the remote shell's PATH does not have it)."""
    script = Path(sys.executable).parent / "warroom"
    return str(script) if script.exists() else ""


@dataclass
class WarroomSession:
    root: Path
    term: str = "xterm-256color"
    no_color: bool = False
    config: str = ""          # config.toml text for this session (the user's config file)

    def __post_init__(self) -> None:
        for d in (self.home, self.config_home, self.state_home):
            d.mkdir(parents=True, exist_ok=True)
        if self.config:
            (self.config_home / "warroom").mkdir(parents=True, exist_ok=True)
            (self.config_home / "warroom" / "config.toml").write_text(self.config)

    @property
    def home(self) -> Path:
        return self.root / "home"

    @property
    def config_home(self) -> Path:
        return self.root / "config"

    @property
    def state_home(self) -> Path:
        return self.root / "state"

    @property
    def notices(self) -> Path:
        """Where the app records every notification it shows (``$WARROOM_NOTIFY_LOG``): pass it to
        ``TmuxTerm.start(..., notices=)`` so the waits know what the app said."""
        return self.root / "notifications.jsonl"

    def env(self) -> dict[str, str]:
        env = {
            "HOME": str(self.home),
            "USER": os.environ.get("USER", "root"),
            "LANG": "C.UTF-8",
            "LC_ALL": "C.UTF-8",
            "TERM": self.term,
            "PATH": os.pathsep.join([str(Path(sys.executable).parent), "/usr/local/bin", "/usr/bin", "/bin"]),
            "XDG_CONFIG_HOME": str(self.config_home),
            "XDG_STATE_HOME": str(self.state_home),
            # the run's (tests/e2e/conftest.py): a drill's seed and the runbook library's answer, kept by the run's
            # first dashboard for the others, as for a user whose every later start finds them
            "XDG_CACHE_HOME": os.environ.get("XDG_CACHE_HOME", str(self.root / "cache")),
            "PYTHONPATH": str(REPO),
            "WARROOM_NOTIFY_LOG": str(self.notices),
        }
        if self.no_color:
            env["NO_COLOR"] = "1"
        return env

    def argv(self, *args: str) -> list[str]:
        """``env K=V … warroom ARGS`` — one command line that works locally and as an SSH remote command."""
        cli = [warroom_bin()] if warroom_bin() else [sys.executable, "-m", "tui"]
        return ["env", "-i", *(f"{k}={v}" for k, v in self.env().items()), *cli, *args]

    def remote_command(self, *args: str) -> str:
        return shlex.join(self.argv(*args))

    def run_cli(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        """A headless ``warroom`` command against this session's state."""
        return subprocess.run(
            self.argv(*args), capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL, cwd=REPO
        )

    # -- the journal ---------------------------------------------------------------------------
    def journals(self) -> list[Path]:
        return sorted(self.state_home.rglob("journal.jsonl"))

    def journal(self) -> Path:
        found = self.journals()
        assert len(found) == 1, f"expected one incident journal under {self.state_home}, found {found}"
        return found[0]

    def events(self) -> list[dict[str, Any]]:
        path = self.journal()
        return [json.loads(line) for line in path.read_bytes().splitlines() if line.strip()]

    def wait_events(self, predicate: Callable[[list[dict[str, Any]]], bool], timeout: float = 60) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        events: list[dict[str, Any]] = []
        while time.monotonic() < deadline:
            if self.journals():
                events = self.events()
                if predicate(events):
                    return events
            time.sleep(0.1)
        raise AssertionError(f"journal never matched within {timeout}s; events: {[e.get('type') for e in events]}")


def of_type(events: Sequence[dict[str, Any]], type_: str) -> list[dict[str, Any]]:
    return [e for e in events if e.get("type") == type_]
