"""Reading a step's fate from the journal and its output file, for the e2e assertions."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import psutil

from tests.e2e.dashboard_flow import SLOW_TICKS
from tests.e2e.warroom_session import WarroomSession, of_type


def finished(session: WarroomSession, step: int, timeout: float = 60) -> dict[str, Any]:
    """Wait for the journaled end of ``step``; its ``step.finished`` data."""
    events = session.wait_events(
        lambda evs: any(e["data"].get("step") == step for e in of_type(evs, "step.finished")), timeout=timeout
    )
    return next(e["data"] for e in of_type(events, "step.finished") if e["data"].get("step") == step)


def assert_slow_step_accounted_for(session: WarroomSession, end: dict[str, Any]) -> None:
    """The slow step either finished with its whole output captured, or is marked interrupted."""
    assert end["status"] in ("ok", "interrupted"), end
    if end["status"] == "ok":
        output = (session.journal().parent / end["output"]).read_text()
        lines = output.splitlines()
        assert lines[:SLOW_TICKS] == [f"tick {i}" for i in range(1, SLOW_TICKS + 1)], output
        assert lines[-1] == "e2e-slow-done"
        assert end["exit_code"] == 0


def warroom_processes(session: WarroomSession) -> list[psutil.Process]:
    """warroom processes started for this session (matched by their XDG_STATE_HOME)."""
    found = []
    for proc in psutil.process_iter(["name", "cmdline"]):
        try:
            cmdline = " ".join(proc.info["cmdline"] or [])
            if "warroom" not in cmdline or "demo" not in cmdline:
                continue
            if proc.environ().get("XDG_STATE_HOME") == str(session.state_home):
                found.append(proc)
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue
    return found


def wait_no_warroom(session: WarroomSession, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not warroom_processes(session):
            return
        time.sleep(0.1)
    left = warroom_processes(session)
    for proc in left:  # never leave them behind, but fail: the app should have exited by itself
        proc.kill()
    raise AssertionError(f"warroom still running {timeout}s after its terminal went away: {left}")


def kill_leftovers(session: WarroomSession) -> None:
    for proc in warroom_processes(session):
        proc.kill()


def journal_dir_state_arg(session: WarroomSession) -> list[str]:
    """``--state-dir`` for headless commands on the drill's incidents."""
    return ["--state-dir", str(session.journal().parents[2])]


def output_path(session: WarroomSession, end: dict[str, Any]) -> Path:
    return session.journal().parent / end["output"]
