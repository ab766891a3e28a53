"""A drill a team can run again: `warroom demo` (or `warroom drill NAME`), declare, resolve, the same
command again — the second run starts the scenario over (a new drill, no incident), in a real terminal."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest

from tests.e2e import steps
from tests.e2e.dashboard_flow import STREAMING, dashboard_ready, declare, prepare, run_selected_step, wait_dashboard
from tests.e2e.notices import NoticeLog
from tests.e2e.tmuxterm import TmuxTerm
from tests.e2e.warroom_session import WarroomSession

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]

if not __import__("shutil").which("tmux"):
    pytest.skip("needs tmux (Debian tmux; .ci/run installs it)", allow_module_level=True)

def drills(session: WarroomSession) -> list[Path]:
    return sorted(p.parent for p in (session.state_home / "warroom").rglob("drill.json"))


def _flat(text: str) -> str:
    """Screen text without whitespace and box drawing: a command wrapped in a dialog compares
    equal to the command typed on one line."""
    return re.sub(r"[\s\u2500-\u259f]", "", text)


def test_the_quit_dialogs_command_resumes_the_same_drill(tmp_path: Path) -> None:
    """Quit mid-step in a drill: the dialog names `warroom resume ID --state-dir …`; typed, that
    opens the very same drill (one drill on disk), DRILL banner, scenario and speed in the
    header, every pane drawn from the drill's simulator."""
    session = WarroomSession(tmp_path)
    prepare(session)
    drills_dir = session.state_home / "warroom" / "drills"
    try:
        with TmuxTerm(160, 45) as term:
            term.start(session.argv("demo", "--speed", "30"), notices=session.notices)
            wait_dashboard(term)
            inc_id = declare(term)
            term.send("j")
            term.wait_for("Count slowly")
            run_selected_step(term)
            term.wait_for(STREAMING, timeout=30)
            term.send("q")
            command = shlex.join(["warroom", "resume", inc_id, "--state-dir", str(drills_dir)])
            term.wait_for(lambda s: "Quit while a command is running?" in s and _flat(command) in _flat(s))
            term.send("C-s")
            term.wait_exit(timeout=30)
            printed = term.tmux("capture-pane", "-p", "-J", "-S", "-100", "-t", term.session).stdout  # with scrollback
            assert _flat(f"{inc_id} is still open: `{command}` resumes it") in _flat(printed)
        assert steps.finished(session, 2)["status"] == "ok"     # the step outlived the dashboard
        assert len(drills(session)) == 1

        with TmuxTerm(160, 45) as term:
            term.start(session.argv(*shlex.split(command)[1:]), notices=session.notices)
            screen = wait_dashboard(term)                       # DRILL, every pane with a value
            # one frame with all of it (tmux may capture one half painted)
            screen = term.wait_for_all(inc_id, "×30", "scenario rate-limit", timeout=60)
            # the toast says which world: read from the notification log, not the screen: shown for
            # 10 s from the start, it could be gone before a busy box drew every pane with a value
            said = NoticeLog(session.notices).wait_for(f"resumed {inc_id}", timeout=60)
            assert f"in its rate-limit drill {drills(session)[0].name} " in said.message, said
            assert "no Prometheus" not in screen
            term.send("q")
            term.wait_exit(timeout=30)
        assert len(drills(session)) == 1                        # the same drill, not a new one
    finally:
        steps.kill_leftovers(session)


def test_a_drill_declared_from_the_shell_lives_the_same_lifecycle(tmp_path: Path) -> None:
    """`warroom incident new --drill` (the scenario's title, severity and runbook), then `warroom drill
    NAME` offers that incident with its scenario and speed and opens it in its drill; the line printed
    on quitting names the command that resumes it; once it is resolved, `warroom drill NAME` starts over
    and says so: a new drill, no incident, the resolved one closed.

    It carries what ``test_demo_twice_around_a_resolve_starts_over`` checked (`warroom demo`, declare,
    quit, resolve, `warroom demo` again), every assertion of it: `demo` is `drill rate-limit`
    (``tui.commands.cmd_demo``), the declaration from the dashboard and a plain quit are
    ``test_the_quit_dialogs_command_resumes_the_same_drill``'s first half, and the two tests relaunched
    over a resolved drill through the same path. Two dashboards fewer to start (≈ 17–20 s of CI)."""
    session = WarroomSession(tmp_path)
    prepare(session)
    made = session.run_cli("incident", "new", "--drill", "rate-limit", "--speed", "30")
    assert made.returncode == 0, made.stderr
    inc_id = made.stdout.split()[0]
    state = session.state_home / "warroom"
    with TmuxTerm(140, 40) as term:
        term.start(session.argv("drill", "rate-limit"), notices=session.notices)
        # its scenario and speed (the row may wrap), waited for on one whole frame: tmux may capture
        # a frame half painted, and one that never shows them still fails, with the last screen
        term.wait_for(lambda s: "still open — resume it?" in s and inc_id in s and "rate-limit×30" in _flat(s),
                      timeout=90)
        term.send("Enter")                                   # reopened in its own drill, the symptom, P3
        term.wait_for(lambda s: dashboard_ready(s) and inc_id in s.splitlines()[0] and "×30" in s
                      and "Model API quota usage climbing towards 80%" in s.splitlines()[0], timeout=90)
        term.send("q")
        term.wait_exit(timeout=30)
        printed = term.tmux("capture-pane", "-p", "-J", "-S", "-100", "-t", term.session).stdout
        command = shlex.join(["warroom", "resume", inc_id, "--state-dir", str(state)])
        assert _flat(f"{inc_id} is still open: `{command}` resumes it") in _flat(printed)
    resolved = session.run_cli("incident", "resolve", inc_id, "--summary", "breaker on", "--yes")
    assert resolved.returncode == 0, resolved.stderr
    with TmuxTerm(140, 40) as term:
        term.start(session.argv("drill", "rate-limit", "--speed", "30"), notices=session.notices)
        # the toast says a new drill starts; read from the notification log, which keeps it after it is
        # gone (a screen poll on a busy box could miss a 10 s toast while the dashboard warmed up)
        said = NoticeLog(session.notices).wait_for(f"ended when {inc_id} was resolved", timeout=90)
        assert re.search(r"; new rate-limit drill \S+ \(×30\)$", said.message), said
        # the header read off a frame drawn whole with the dashboard (tmux may capture one half painted)
        screen = term.wait_for(lambda s: dashboard_ready(s) and "no incident open" in s.splitlines()[0], timeout=90)
        assert inc_id not in screen.splitlines()[0]
        term.send("q")
        term.wait_exit(timeout=30)
    found = {p: json.loads((p / "drill.json").read_text()) for p in drills(session)}
    assert len(found) == 2
    assert sorted(d["finished"] is None for d in found.values()) == [False, True]
    finished = [d for d in found.values() if d["finished"] is not None]
    assert [d["incident"] for d in finished] == [inc_id]      # the resolved drill is closed ...
    fresh = [d for d in found.values() if d["finished"] is None]
    assert len(fresh) == 1 and fresh[0]["incident"] is None    # ... and the new one has no incident
