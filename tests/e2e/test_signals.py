"""SIGHUP, SIGTERM and SIGINT to a running dashboard: it exits like a quit and the journal verifies.

SIGHUP is what a dropped SSH connection or a closed terminal sends; SIGTERM is ``kill`` or a
service manager; SIGINT is ``kill -INT`` (ctrl+c inside the dashboard is a key, not a signal).
Each arrives while a step is running. Each must leave the incident journal intact (``warroom
incident verify`` passes, nothing journaled before is changed), the running step must be handled
by the engine's policy — it finishes under its supervisor, which journals its end, output whole —
and, when the terminal is still there, the terminal is given back: no alternate screen, no mouse
reporting.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from tests.e2e import steps
from tests.e2e.dashboard_flow import STREAMING, declare, prepare, run_selected_step, wait_dashboard
from tests.e2e.tmuxterm import TmuxTerm
from tests.e2e.warroom_session import WarroomSession, of_type

pytestmark = pytest.mark.e2e

if not __import__("shutil").which("tmux"):
    pytest.skip("needs tmux (Debian tmux; .ci/run installs it)", allow_module_level=True)

EXPECTED_EXIT = {
    signal.SIGHUP: {128 + signal.SIGHUP},
    signal.SIGTERM: {128 + signal.SIGTERM},
    signal.SIGINT: {0, 130},
}


@pytest.mark.parametrize("sig", [signal.SIGHUP, signal.SIGTERM, signal.SIGINT], ids=lambda s: s.name)
def test_signal_mid_step_exits_cleanly_and_journal_verifies(sig: signal.Signals, tmp_path: Path) -> None:
    session = WarroomSession(tmp_path / "wr")
    prepare(session)
    try:
        with TmuxTerm(120, 40) as term:
            term.start(session.argv("demo"), notices=session.notices)
            wait_dashboard(term)
            incident = declare(term)
            term.send("j")
            term.wait_for("Count slowly")
            run_selected_step(term)
            term.wait_for(STREAMING, timeout=30)
            assert not of_type(session.events(), "step.finished"), "the step ended before the signal"
            before = session.journal().read_bytes()
            # a wait that runs out says where the dashboard was: SIGUSR1 dumps its threads' stacks (the
            # harness's diagnosis), and the dashboard goes on: the signal under test still finds it
            pid, said = term.pane_pid(), term.diagnosis()
            assert f"(pid {pid}) was in state" in said and "Current thread" in said, said
            assert "textual" in said and not term.pane_dead(), said
            os.kill(pid, sig)
            exit_status, dead_signal = term.wait_exit()
            alternate, mouse = term.terminal_modes()
        assert exit_status in EXPECTED_EXIT[sig], f"exit {exit_status!r}, killed by signal {dead_signal!r}"
        # The terminal is given back: out of the alternate screen, mouse reporting off.
        assert (alternate, mouse) == ("0", "0")
        # The step outlives the dashboard: its supervisor finishes it and journals the end.
        end = steps.finished(session, 2)
        assert end["status"] == "ok", end
        steps.assert_slow_step_accounted_for(session, end)
        after = session.journal().read_bytes()
        assert after.startswith(before), "the journal lost or changed lines recorded before the signal"
        verify = session.run_cli(*steps.journal_dir_state_arg(session), "incident", "verify", incident)
        assert verify.returncode == 0, verify.stdout + verify.stderr
        assert "intact" in verify.stdout
        assert "Current thread" in (session.state_home / "warroom" / "stacks" / f"{pid}.txt").read_text()
    finally:
        steps.kill_leftovers(session)
