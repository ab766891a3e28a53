"""The command the dashboard prints on quitting resumes the drill when it is pasted into the shell it
was started from, as a person who ran `make demo` does: the venv's script is not on PATH, and the
state dir (a flag) has spaces in it. At 80x24."""

from __future__ import annotations

import re
import shlex
import sys
from pathlib import Path

import pytest

from tests.e2e.dashboard_flow import dashboard_ready, declare, wait_dashboard
from tests.e2e.tmuxterm import TmuxTerm
from tests.e2e.warroom_session import WarroomSession, warroom_bin

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

if not __import__("shutil").which("tmux") or not warroom_bin():
    pytest.skip("needs tmux and the venv's warroom script", allow_module_level=True)

PRINTED = re.compile(r"(INC-\d{8}-\d+) is still open: `(.+?)` resumes it")


def test_the_printed_resume_command_works_pasted_into_the_shell_make_demo_ran_in(tmp_path: Path) -> None:
    session = WarroomSession(tmp_path)
    env = session.env()
    env["PATH"] = "/usr/local/bin:/usr/bin:/bin"        # `make demo` runs .venv/bin/warroom; no PATH names it
    assert str(Path(sys.executable).parent) not in env["PATH"]
    state = tmp_path / "state dir with spaces"
    with TmuxTerm(80, 24) as term:
        term.start(["bash", "--norc", "--noprofile"], env={**env, "PS1": "$ "})
        term.wait_for("$")
        term.type(shlex.join([warroom_bin(), "demo", "--speed", "30", "--state-dir", str(state)]))
        term.send("Enter")
        wait_dashboard(term)
        inc_id = declare(term, runbook=None)
        term.send("q")
        printed = term.wait_for(lambda s: PRINTED.search(_joined(term)) is not None, timeout=30)
        found = PRINTED.search(_joined(term))
        assert found is not None, printed
        assert found.group(1) == inc_id
        command = found.group(2)
        term.send("C-l")
        term.type(command)                                   # pasted as printed
        term.send("Enter")
        screen = term.wait_for(lambda s: dashboard_ready(s) and inc_id in s.splitlines()[0], timeout=90)
        assert "command not found" not in _joined(term), screen
        term.send("q")
        term.wait_for(lambda s: _joined(term).count("is still open") >= 2, timeout=30)
    assert len(list(state.rglob("drill.json"))) == 1          # the same drill, not a new one


def _joined(term: TmuxTerm) -> str:
    """The pane with its scrollback, wrapped lines joined (a printed command wraps at 80 columns)."""
    return term.tmux("capture-pane", "-p", "-J", "-S", "-200", "-t", term.session).stdout
