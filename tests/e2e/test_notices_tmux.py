"""The e2e harness reads what the app said, even after the toast is gone (E26-1).

CI once waited 30 s for a run dialog after Enter and failed with a screen that said nothing: the
key may have been lost, or refused by a toast that showed and vanished between two captures. The
app records every toast (``$WARROOM_NOTIFY_LOG``, set by ``WarroomSession``); ``TmuxTerm`` reads
it: ``press`` ends at once with the app's words when the key is refused, every WaitTimeout says
what the app said since the last key or that it said nothing, and a test can wait for a toast
that is already gone.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tests.e2e.dashboard_flow import wait_dashboard
from tests.e2e.notices import NoticeLog
from tests.e2e.tmuxterm import Refused, TmuxTerm, WaitTimeout
from tests.e2e.warroom_session import WarroomSession

pytestmark = pytest.mark.e2e

if not shutil.which("tmux"):
    pytest.skip("needs tmux (Debian tmux; .ci/run installs it)", allow_module_level=True)

REFUSAL = "No incident is open: press d to declare one."


def test_a_refused_key_is_told_from_a_lost_one_after_its_toast_vanished(tmp_path: Path) -> None:
    session = WarroomSession(tmp_path / "wr")
    with TmuxTerm(120, 40) as term:
        term.start(session.argv("demo", "--speed", "20"), notices=session.notices)
        wait_dashboard(term)
        # Enter with no incident open: no run dialog; the wait ends with the app's refusal, not 30 s later
        with pytest.raises(Refused, match="No incident is open") as refused:
            term.press("Enter", until=re.compile(r"Run step \d+:"), timeout=60)
        assert refused.value.notice.severity == "warning" and refused.value.notice.message == REFUSAL
        # the toast shows, then goes (Textual's timeout); the record stays, and a test can still wait for it
        term.wait_for(REFUSAL, timeout=60)
        term.wait_for(lambda s: REFUSAL not in s, timeout=60)
        assert NoticeLog(session.notices).wait_for(REFUSAL, timeout=1).message == REFUSAL
        # a wait that times out says what the app answered to the last key ...
        with pytest.raises(WaitTimeout) as timed_out:
            term.wait_for("a screen that never comes", timeout=0.5)
        assert f"since the last keys (Enter) the app said: warning: {REFUSAL}" in str(timed_out.value)
        # ... or that it said nothing: a key nothing is bound to is ignored, and the timeout says so
        term.send("F9")
        with pytest.raises(WaitTimeout) as silent:
            term.wait_for("a screen that never comes", timeout=0.5)
        assert "the app said nothing since the last keys (F9)" in str(silent.value)
        term.send("q")
        term.wait_exit()
