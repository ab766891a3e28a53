"""warroom over a real SSH connection that drops in the middle of a running step.

A person runs ``ssh -tt bastion warroom demo`` (here: a throwaway sshd on 127.0.0.1, the client
inside tmux at 120x40), declares an incident, runs one step, starts a slow one — and the
connection dies (the ssh client is SIGKILLed: no goodbye, sshd hangs the session up). They log in
again and run ``warroom demo``: it offers to resume, the incident is intact, the step that was
running has finished under its supervisor with its whole output (or is marked interrupted), and
every journal line written before the drop is still there, unchanged.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from tests.e2e import steps
from tests.e2e.dashboard_flow import STREAMING, declare, prepare, run_selected_step, wait_dashboard
from tests.e2e.sshd import Sshd
from tests.e2e.tmuxterm import TmuxTerm
from tests.e2e.warroom_session import WarroomSession, of_type

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.timeout(600)]


def test_connection_drop_mid_step_then_resume(sshd: Sshd, tmp_path: Path) -> None:
    session = WarroomSession(tmp_path / "wr")
    prepare(session)
    try:
        with TmuxTerm(120, 40) as term:
            term.start(sshd.ssh_argv(session.remote_command("demo")), notices=session.notices)
            wait_dashboard(term)
            incident = declare(term)
            run_selected_step(term)
            first = steps.finished(session, 1)
            assert first["status"] == "ok"
            term.wait_for("e2e-fast-marker")
            term.send("j")
            term.wait_for("Count slowly")
            run_selected_step(term)
            term.wait_for(STREAMING, timeout=30)
            events = session.events()
            assert [e["data"]["step"] for e in of_type(events, "step.started")] == [1, 2]
            assert not [e for e in of_type(events, "step.finished") if e["data"]["step"] == 2], \
                "the slow step ended before the drop; the test would prove nothing"
            before = session.journal().read_bytes()
            # The drop: the ssh client dies without a goodbye.
            os.kill(term.pane_pid(), signal.SIGKILL)
            term.wait_for(lambda s: term.pane_dead(), timeout=30)

        # sshd hangs the session up; warroom exits on SIGHUP instead of lingering as an orphan.
        steps.wait_no_warroom(session)

        with TmuxTerm(120, 40) as term:
            term.start(sshd.ssh_argv(session.remote_command("demo")), notices=session.notices)
            term.wait_for_all("resume it?", incident, timeout=90)    # the offer names it, drawn whole
            term.send("Enter")
            term.wait_for(lambda s: incident in s and "resume it?" not in s, timeout=60)
            end = steps.finished(session, 2)
            # the timeline as resumed, read off one frame drawn whole (tmux may capture one half painted)
            term.wait_for_all("Step 1 ok", *(["Step 2 ok"] if end["status"] == "ok" else []), timeout=60)
            term.send("q")
            term.wait_for(lambda s: term.pane_dead(), timeout=30)

        steps.assert_slow_step_accounted_for(session, end)
        after = session.journal().read_bytes()
        assert after.startswith(before), "lines journaled before the drop were lost or changed"
        verify = session.run_cli(*steps.journal_dir_state_arg(session), "incident", "verify", incident)
        assert verify.returncode == 0, verify.stdout + verify.stderr
    finally:
        steps.kill_leftovers(session)
