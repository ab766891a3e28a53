"""Every scenario run, finished and run again from `warroom drill NAME`, at 80x24, as a person does it:
declare (pre-filled from the scenario), `r` resolve in the dialog, quit, the same command again — the
drill ended, a new one starts at the scenario's beginning and says so, with no incident open."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.dashboard_flow import INCIDENT_ID, dashboard_ready, declare, wait_dashboard
from tests.e2e.tmuxterm import TmuxTerm
from tests.e2e.warroom_session import WarroomSession
from warroom.drill.scenarios import list_scenarios

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(400)]

if not __import__("shutil").which("tmux"):
    pytest.skip("needs tmux (Debian tmux; .ci/run installs it)", allow_module_level=True)


@pytest.mark.parametrize("scenario", [s.name for s in list_scenarios()])
def test_every_scenario_runs_finishes_and_runs_again_at_80x24(tmp_path: Path, scenario: str) -> None:
    session = WarroomSession(tmp_path)
    command = session.argv("drill", scenario, "--speed", "30")
    with TmuxTerm(80, 24) as term:
        term.start(command)
        wait_dashboard(term)
        inc_id = declare(term, runbook=None)
        own = next(s for s in list_scenarios() if s.name == scenario).runbook
        term.wait_for(lambda s: own in s and inc_id in s.splitlines()[0], timeout=60)   # its own runbook
        term.send("r")
        term.wait_for("Resolve:", timeout=30)
        term.type("drill over")
        term.send("Tab")
        term.type("worked the runbook")
        term.send("C-s")
        # The end-of-drill report comes up once the incident is resolved, and only once the header under it has
        # drawn the resolve (lead-1: it opened before the header's next draw, over INVESTIGATING; a dialog pauses
        # the dashboard's drawing).
        screen = term.wait_for("End of drill", timeout=60)
        assert "RESOLVED" in screen.splitlines()[0], screen
        term.send("Escape")
        term.wait_for(lambda s: "End of drill" not in s and "RESOLVED" in s.splitlines()[0], timeout=30)
        term.send("q")
        term.wait_exit(timeout=30)
    with TmuxTerm(80, 24) as term:
        term.start(command)
        term.wait_for(lambda s: f"ended when {inc_id} was resolved; new {scenario} drill" in _toasts(s), timeout=90)
        screen = term.wait_for(lambda s: dashboard_ready(s) and "no incident open" in s.splitlines()[0], timeout=90)
        assert INCIDENT_ID.search(screen.splitlines()[0]) is None
        term.send("q")
        term.wait_exit(timeout=30)
    drills = [json.loads(p.read_text()) for p in (session.state_home / "warroom").rglob("drill.json")]
    assert sorted((d["finished"] is None, d["incident"]) for d in drills) == [(False, inc_id), (True, None)]


def _toasts(screen: str) -> str:
    """The notifications' words, their wrapped lines joined: the text right of each row's ▌ edge."""
    return " ".join(ln.rsplit("▌", 1)[1].strip(" │╮╯─") for ln in screen.splitlines() if "▌" in ln)
