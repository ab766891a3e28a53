"""The header's people line says what needs someone as of now, like the clocks beside it (A24-1).

The dashboard hands the header a new view only when the journal changes; the header redraws its
clocks every second. The people line's "hand over? IC for 2h22m00s, due 1h22m00s ago" was text worked
out when the view was built, so on a quiet incident it stood still while "elapsed" ran on
(seen at x60: elapsed 2:50:57 → 3:02:56 with "IC for 2h22m00s" unchanged), and "1 approval
waiting" stayed after the request had expired. The header is driven here by hand: one view,
then ticks at later instants with nothing journaled between."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from textual.app import App, ComposeResult
from textual.widgets import Static

from panes.header import IncidentHeader
from tests.unit.incident_fixtures import FixedClock, install_fake_runbook, people
from tui.view import incident_view
from warroom.config import Config
from warroom.incident.session import Incident
from warroom.incident.store import IncidentStore
from warroom.journal import events as ev

ALICE, BOB = people()


class _Bar(App[None]):
    def compose(self) -> ComposeResult:
        yield IncidentHeader()


def _incident(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clock: FixedClock, speed: float) -> Incident:
    install_fake_runbook(monkeypatch, tmp_path)
    drill = {"scenario": "rate-limit", "speed": speed, "dir": "/nowhere"} if speed != 1 else None
    a = IncidentStore(tmp_path / "state", Config(), clock=clock).create(
        title="Quota", severity="P2", runbook="RB-TEST-001", commander="alice", drill=drill)
    return Incident(a.id, a.dir, config=Config(), clock=clock, actor=ALICE.actor, person=ALICE)


def _people_line(bar: IncidentHeader) -> str:
    return str(bar.query_one(".hdr-people", Static).render())


async def _shown(inc: Incident, clock: FixedClock, later: float) -> tuple[str, str]:
    """The people line when the view is built (now) and after ``later`` wall seconds of ticks."""
    class Snap:
        state = inc.state
        runbook = None

    built = clock().timestamp()
    app = _Bar()
    async with app.run_test():
        bar = app.query_one(IncidentHeader)
        bar.show(incident_view(Snap(), 900.0, now=built).header, built)
        first = _people_line(bar)
        for step in range(1, 11):                     # the dashboard's beats, nothing journaled between
            bar.tick(built + later * step / 10)
        return first, _people_line(bar)


async def test_the_handoff_reminder_tenure_runs_on_between_journal_writes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = FixedClock()
    inc = _incident(tmp_path, monkeypatch, clock, speed=60)
    clock.advance(3602)                               # the commander's own hour (redteam41 G5): the reminder is due
    assert inc.check_handoff_reminder() is not None
    first, later = await _shown(inc, clock, later=600)  # ten wall minutes later: said in the commander's own time
    assert "hand over? IC 1h00m02s wall" in first
    assert "hand over? IC 1h10m02s wall, due 10m02s ago" in later
    # 80 columns do not hold the longer alert and every role's dash: the vacant roles share one (redteam38 F3)
    assert later.endswith("IC alice · Ops/Comms/Scribe —")


async def test_an_approval_that_expired_is_no_longer_waiting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = FixedClock()
    inc = _incident(tmp_path, monkeypatch, clock, speed=1)
    e = inc.append(ev.APPROVAL_REQUESTED, {
        "step": 1, "step_id": "say-hello", "runbook_id": "RB-TEST-001", "label": "Say hello", "kind": "shell",
        "command": "echo hello", "command_sha256": "ab" * 32, "params": {}, "target": {}, "mutating": True,
        "reasons": ["test"], "dry_run": None, "verify": None, "requester": ALICE.to_json(), "expires_after": 900})
    first, later = await _shown(inc, clock, later=901)
    assert f"1 approval waiting (R{e.seq})" in first
    assert "approval" not in later
    assert inc.state.approvals[f"R{e.seq}"].state_at(clock() + timedelta(seconds=901)) == "expired"
