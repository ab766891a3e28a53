"""A dashboard whose terminal dies without a SIGHUP reaching it exits, and its drill resumes.

The kernel sends SIGHUP to a hung-up terminal's session leader only. A warroom that is not that
leader (here: started under ``setsid``, as a supervisor or a wrapper script would) is told
nothing when the terminal goes; Textual's input thread then read end-of-file in a loop that
never waited, and the dashboard sat at a busy core for ever (seen at 38-59% CPU, never exiting).
``tui.signals`` watches the terminal itself. Here a real tmux pane runs ``setsid -w sh -c
'warroom demo; echo $? >STATUS'``, an incident is declared, and the tmux server is killed (the
pty goes away with it): warroom must exit by itself with SIGHUP's status (129), leave the
journal intact, and the same ``warroom demo`` must offer to resume the incident.
"""

from __future__ import annotations

import shlex
import shutil
import time
from pathlib import Path

import pytest

from tests.e2e import steps
from tests.e2e.dashboard_flow import declare, prepare, wait_dashboard
from tests.e2e.tmuxterm import TmuxTerm
from tests.e2e.warroom_session import WarroomSession

pytestmark = pytest.mark.e2e

if not (shutil.which("tmux") and shutil.which("setsid")):
    pytest.skip("needs tmux and setsid (Debian tmux, util-linux; .ci/run installs tmux)", allow_module_level=True)


def wait_status(path: Path, timeout: float = 60) -> str:
    """The exit status the wrapper shell wrote once warroom ended (bounded poll)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and path.read_text().endswith("\n"):
            return path.read_text().strip()
        time.sleep(0.1)
    raise AssertionError(f"warroom did not exit within {timeout}s of its terminal going away")


def test_terminal_gone_without_sighup_exits_and_the_drill_resumes(tmp_path: Path) -> None:
    session = WarroomSession(tmp_path / "wr")
    prepare(session)
    status = tmp_path / "status"
    wrapped = f"{shlex.join(session.argv('demo'))}; echo $? >{shlex.quote(str(status))}"
    try:
        with TmuxTerm(120, 40) as term:
            term.start(["setsid", "-w", "sh", "-c", wrapped], notices=session.notices)
            wait_dashboard(term)
            incident = declare(term, runbook=None)
            session.wait_events(lambda events: bool(events))
            before = session.journal().read_bytes()
            assert steps.warroom_processes(session), "no warroom process to watch"
            term.tmux("kill-server", check=False)     # the terminal goes; warroom is not its session's leader

        assert wait_status(status) == "129"           # ended as on SIGHUP, by itself
        steps.wait_no_warroom(session)
        assert session.journal().read_bytes() == before, "the journal changed or lost lines as the terminal went"
        verify = session.run_cli(*steps.journal_dir_state_arg(session), "incident", "verify", incident)
        assert verify.returncode == 0, verify.stdout + verify.stderr

        with TmuxTerm(120, 40) as term:               # the same command, as a person types it again
            term.start(session.argv("demo"), notices=session.notices)
            term.wait_for_all("resume it?", incident, timeout=90)
    finally:
        steps.kill_leftovers(session)
