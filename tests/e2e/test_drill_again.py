"""A drill a team can run again: `warroom demo`, declare, resolve, `warroom demo` — the second run
starts the scenario over (a new drill, no incident, quota back below critical), in a real terminal."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.e2e.dashboard_flow import declare, prepare, wait_dashboard
from tests.e2e.tmuxterm import TmuxTerm
from tests.e2e.warroom_session import WarroomSession

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(240)]

if not __import__("shutil").which("tmux"):
    pytest.skip("needs tmux (Debian tmux; .ci/run installs it)", allow_module_level=True)

def drills(session: WarroomSession) -> list[Path]:
    return sorted(p.parent for p in (session.state_home / "warroom").rglob("drill.json"))


def test_demo_twice_around_a_resolve_starts_over(tmp_path: Path) -> None:
    session = WarroomSession(tmp_path)
    prepare(session)
    with TmuxTerm(120, 40) as term:
        term.start(session.argv("demo", "--speed", "30"))
        wait_dashboard(term)
        inc_id = declare(term)
        term.send("q")
        term.wait_exit(timeout=30)
    assert len(drills(session)) == 1
    resolved = session.run_cli("incident", "resolve", inc_id, "--summary", "quota back to normal", "--yes",
                               "--state-dir", str(session.state_home / "warroom" / "drills"))
    assert resolved.returncode == 0, resolved.stderr

    with TmuxTerm(120, 40) as term:
        term.start(session.argv("demo", "--speed", "30"))
        term.wait_for(lambda s: "ended" in s and "resolved" in s, timeout=90)   # the toast: a new drill starts
        screen = wait_dashboard(term)
        header = screen.splitlines()[0]
        assert inc_id not in header and "no incident open" in header
        term.send("q")
        term.wait_exit(timeout=30)
    found = {p: json.loads((p / "drill.json").read_text()) for p in drills(session)}
    assert len(found) == 2
    finished = [d for d in found.values() if d["finished"] is not None]
    assert [d["incident"] for d in finished] == [inc_id]      # the resolved drill is closed ...
    fresh = [d for d in found.values() if d["finished"] is None]
    assert len(fresh) == 1 and fresh[0]["incident"] is None    # ... and the new one has no incident
