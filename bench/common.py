"""What every bench shares: options, the environment programs run in, and how to start each one."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bench.apps.bare_textual import READY_TEXT
from bench.ptyrun import PtyRun, ScreenFollower

REPO = Path(__file__).resolve().parent.parent
COLS, ROWS = 120, 40
TERM = "xterm-256color"

# Words each SLO pane's title carries in some form at 120x40 (any one of a group is enough).
PANE_WORDS: tuple[tuple[str, ...], ...] = (
    ("failure",),
    ("p95", "latency"),
    ("quota",),
    ("5xx",),
    ("audit",),
)
# The runbook pane's border title: "Runbook" before one is attached, the runbook's id after.
RUNBOOK_PANE = re.compile(r"─ (Runbook|RB-[A-Z]+-\d+)\b")
# Placeholders a pane shows before its first sample: a frame with any of them is not complete.
PLACEHOLDERS = ("loading", "waiting for data", "no data yet")


@dataclass
class Options:
    repeat: int = 5  # startup runs per program
    steady_repeat: int = 3  # steady-state windows per program
    window: float = 20.0  # seconds measured per steady-state window
    settle: float = 3.0  # seconds after the first frame before a window starts
    quick: bool = False
    only: set[str] = field(default_factory=set)
    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="warroom-bench-")))

    def wants(self, name: str) -> bool:
        return not self.only or name in self.only


def base_env(home: Path) -> dict[str, str]:
    """A clean terminal environment: 256 colours, no truecolor hint, own HOME and XDG dirs."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("COLORTERM", "TMUX", "TMUX_PANE", "NO_COLOR", "TEXTUAL", "WARROOM_CONFIG", "COLUMNS", "LINES")
    }
    home.mkdir(parents=True, exist_ok=True)
    env.update(
        TERM=TERM,
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_STATE_HOME=str(home / "state"),
        XDG_CACHE_HOME=str(home / "cache"),
        PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""),
    )
    return env


#: The packages warroom runs from this checkout (the baseline's Textual is an installed package).
PACKAGES = ("warroom", "tui", "panes", "bench")


def compile_sources() -> None:
    """Byte-compile this checkout's packages into ``__pycache__``, as ``pip install`` does.

    Textual, the baseline's only code, is an installed package whose modules pip compiled at
    install time; this checkout's are plain sources. Under ``PYTHONDONTWRITEBYTECODE=1`` (set in
    some shells and CI images) a source tree is compiled again at every start and never cached,
    which measured the compiler (~0.1 s of warroom's startup) rather than warroom. Unchanged
    modules are skipped, so this is cheap when nothing changed.
    """
    import compileall

    for name in PACKAGES:
        compileall.compile_dir(REPO / name, quiet=1, workers=1)


def warroom_script() -> list[str]:
    script = Path(sys.executable).parent / "warroom"
    return [str(script)] if script.exists() else [sys.executable, "-m", "tui"]


def warroom_demo_available() -> str | None:
    """None when ``warroom demo`` exists on this checkout, else why not."""
    try:
        proc = subprocess.run(
            [*warroom_script(), "demo", "--help"],
            capture_output=True,
            text=True,
            timeout=60,
            env=base_env(Path(tempfile.mkdtemp(prefix="warroom-bench-probe-"))),
            cwd=REPO,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"warroom could not start: {exc}"
    if proc.returncode != 0:
        return "`warroom demo` is not on this checkout yet (the dashboard issue lands it)"
    return None


def bench_config(home: Path, refresh: str = "1s", extra: str = "") -> Path:
    """A config for the drill: panes refresh at ``refresh`` (1 Hz for the bandwidth figures)."""
    home.mkdir(parents=True, exist_ok=True)
    path = home / "bench-config.toml"
    path.write_text(f'[prometheus]\nrefresh = "{refresh}"\n{extra}')
    return path


@dataclass
class Program:
    """A program to measure and how to tell its first complete frame."""

    name: str
    argv: list[str]
    ready: Callable[[str], bool]
    env_extra: dict[str, str] = field(default_factory=dict)

    def launch(self, home: Path) -> PtyRun:
        env = base_env(home)
        env.update(self.env_extra)
        run = PtyRun(self.argv, env, COLS, ROWS, cwd=str(REPO))
        run.start()
        return run


def warroom_frame_complete(text: str) -> bool:
    """All five SLO panes drawn with a value, and the runbook pane drawn (library loaded)."""
    lower = text.lower()
    if any(p in lower for p in PLACEHOLDERS):
        return False
    if RUNBOOK_PANE.search(text) is None:
        return False
    lines = lower.splitlines()
    for words in PANE_WORDS:
        # The pane's title is on screen and a digit is drawn near it (the pane has data).
        rows = [i for i, line in enumerate(lines) if any(w in line for w in words)]
        if not rows:
            return False
        if not any(any(ch.isdigit() for ch in "".join(lines[r : r + 4])) for r in rows):
            return False
    return True


def bare_textual() -> Program:
    return Program("bare Textual app", [sys.executable, "-m", "bench.apps.bare_textual"], lambda s: READY_TEXT in s)


def btop() -> Program | None:
    path = shutil.which("btop")
    if path is None:
        return None
    # btop draws its boxes' titles on the first frame; "proc" is the last box it draws.
    return Program("btop", [path], lambda s: "cpu" in s.lower() and "proc" in s.lower())


def warroom_demo(home: Path, refresh: str = "1s", extra_config: str = "") -> Program:
    config = bench_config(home, refresh, extra_config)
    return Program(
        "warroom demo",
        [*warroom_script(), "--config", str(config), "demo"],
        warroom_frame_complete,
        {"WARROOM_CONFIG": str(config)},
    )


def first_frame(run: PtyRun, ready: Callable[[str], bool], timeout: float = 60.0) -> tuple[float | None, ScreenFollower]:
    """Seconds from spawn to the first chunk after which the screen is complete."""
    follower = ScreenFollower(run)
    t = follower.until(ready, timeout)
    return (None if t is None else t - run.t_spawn), follower


def pause(seconds: float) -> None:
    time.sleep(seconds)


def declare_incident(run: PtyRun, follower: ScreenFollower, timeout: float = 30.0) -> bool:
    """Press ``d`` and accept the pre-filled declaration (ctrl+s), as a person starting the drill
    would; True once the header shows the incident id. From then on the header's clocks tick every
    second, which is the dashboard's steady state during an incident."""
    run.write(b"d")
    if follower.until(lambda s: "Declare an incident" in s, timeout) is None:
        return False
    run.write(b"\x13")
    return follower.until(lambda s: "INC-" in s and "Declare an incident" not in s, timeout) is not None
