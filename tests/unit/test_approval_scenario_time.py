"""An approval's life is incident time, like every other incident timer (CLOCK-6, issue 13 item 2).

``[approval] expires`` (900 s) is how long a request and a grant stay good. It was counted in wall
seconds even in a drill, so at x10 an approval outlived 150 drill minutes while the tiers, the
update cadence and the handoff reminder all ran ten times faster. Now the request keeps the
incident's scale and every end is worked out in scenario time (``ApprovalRequest.end_after``):
the run gate, the approve command, the reducer's cap on a grant line and the header agree, and the
approver reads the length in drill time with the wall beside. The clock is injected; nothing sleeps.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from tests.unit.incident_fixtures import FixedClock, approval_runbook, install_fake_runbook, people
from warroom.config import Config
from warroom.errors import WarroomError
from warroom.execute.safety import StepRefused
from warroom.incident import runbook_ref
from warroom.incident.approval_desk import describe
from warroom.incident.approvals import good_until
from warroom.incident.handoff import header_text
from warroom.incident.session import Incident
from warroom.incident.store import IncidentStore
from warroom.journal import events as ev
from warroom.journal.log import format_ts

ALICE, BOB = people()
SPEED = 10.0


def _pair(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clock: FixedClock,
          speed: float) -> tuple[Incident, Incident]:
    install_fake_runbook(monkeypatch, tmp_path)
    monkeypatch.setattr(runbook_ref, "load_file", approval_runbook)
    cfg = Config()
    cfg.approval.severities = ["P1", "P2"]
    cfg.approval.expires = 900.0
    drill = {"scenario": "rate-limit", "speed": speed, "dir": "/nowhere"} if speed != 1 else None
    a = IncidentStore(tmp_path / "state", cfg, clock=clock).create(title="Quota", severity="P2",
                                                                  runbook="RB-TEST-001", drill=drill)
    alice = Incident(a.id, a.dir, config=cfg, clock=clock, actor="alice@bastion-1", person=ALICE)
    bob = Incident(a.id, a.dir, config=cfg, clock=clock, actor="bob@bastion-2", person=BOB)
    return alice, bob


def test_an_unanswered_request_in_a_drill_expires_after_15_drill_minutes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = FixedClock()
    alice, bob = _pair(tmp_path, monkeypatch, clock, SPEED)
    req = alice.approvals.request(alice.prepare_step(5)).request
    assert req.expires_at() == req.at + timedelta(seconds=90)       # 900 drill s at x10
    assert "good until 14:01:30 UTC, 15m00s drill time (1m30s wall) after the request" in "\n".join(
        describe(req, "pending", alice.state))
    clock.advance(89)
    assert alice.state.approvals[req.id].state_at(clock()) == "pending"
    assert "1 approval waiting" in header_text(alice.state, clock())
    clock.advance(1)                                                 # 15 drill minutes: over
    assert "approval waiting" not in header_text(alice.state, clock())
    with pytest.raises(WarroomError, match=rf"{req.id} is expired"):
        bob.approvals.approve(req.id)
    (expired,) = [e for e in alice.read().events if e.type == ev.APPROVAL_EXPIRED]
    assert expired.data["expired_at"] == format_ts(req.at + timedelta(seconds=90))


def test_a_grant_in_a_drill_is_good_for_15_drill_minutes_and_says_so(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = FixedClock()
    alice, bob = _pair(tmp_path, monkeypatch, clock, SPEED)
    req = alice.approvals.request(alice.prepare_step(5)).request
    clock.advance(30)
    grant = bob.approvals.approve(req.id)
    assert grant.data["expires_at"] == format_ts(clock() + timedelta(seconds=90))
    r = alice.state.approvals[req.id]
    assert r.approved_until == clock() + timedelta(seconds=90)
    assert good_until(r) == "14:02:00 UTC, 15m00s drill time (1m30s wall) after the approval"
    clock.advance(89)
    assert alice.approvals.verdict(alice.prepare_step(5)).ok
    clock.advance(1)
    with pytest.raises(StepRefused, match=rf"request {req.id} expired at 14:02:00 UTC"):
        alice.run_step(alice.prepare_step(5))


def test_a_grant_line_that_says_wall_minutes_is_cut_to_drill_minutes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A grant written by an older warroom (or by hand) that says 15 wall minutes: the reducer
    holds it to the request's 15 drill minutes, so no reader can count the wall span."""
    clock = FixedClock()
    alice, _ = _pair(tmp_path, monkeypatch, clock, SPEED)
    req = alice.approvals.request(alice.prepare_step(5)).request
    bob = Incident(alice.id, alice.dir, config=alice.config, clock=clock, actor="bob@bastion-2", person=BOB)
    bob.append(ev.APPROVAL_GRANTED, {"request": req.id, "command_sha256": req.command_sha256,
                                     "approver": BOB.to_json(), "expires_at": format_ts(clock() + timedelta(minutes=15))})
    r = alice.state.approvals[req.id]
    assert r.status == "approved" and r.approved_until == clock() + timedelta(seconds=90)
    clock.advance(91)
    assert r.state_at(clock()) == "expired"


def test_a_real_incident_s_approval_is_still_15_wall_minutes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = FixedClock()
    alice, bob = _pair(tmp_path, monkeypatch, clock, 1.0)
    req = alice.approvals.request(alice.prepare_step(5)).request
    assert req.expires_at() == req.at + timedelta(seconds=900)
    bob.approvals.approve(req.id)
    assert good_until(alice.state.approvals[req.id]) == "14:15:00 UTC"
