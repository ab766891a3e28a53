"""An approval's life is incident time, like every other incident timer (CLOCK-6, issue 13 item 2).

``[approval] expires`` (900 s) is how long a request and a grant stay good. It was counted in wall
seconds even in a drill, so at x10 an approval outlived 150 drill minutes while the tiers, the
update cadence and the handoff reminder all ran ten times faster. Now the request keeps the
incident's scale and every end is worked out in scenario time (``ApprovalRequest.end_after``):
the run gate, the approve command, the reducer's cap on a grant line and the header agree, and the
approver reads the length in drill time with the wall beside. The clock is injected; nothing sleeps.

timers-1: in a drill that life is never under 2 wall minutes (``scenario_time.HUMAN_FLOOR``), so a
two-person drill at x60 or x3600 can request, approve and run; the request journals the life given.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from tests.unit.incident_fixtures import Cli, FixedClock, approval_runbook, install_fake_runbook, people
from warroom.config import Config
from warroom.errors import WarroomError
from warroom.execute.safety import StepRefused
from warroom.incident import identity, runbook_ref
from warroom.incident.approval_desk import describe
from warroom.durations import format_duration
from warroom.incident.approvals import good_until
from warroom.scenario_time import HUMAN_FLOOR, for_people as life
from warroom.incident.handoff import header_text
from warroom.incident.session import Incident
from warroom.incident.store import IncidentStore
from warroom.journal import events as ev
from warroom.journal.log import format_ts

# what the commands decide and say, not how a drill integrates: the drills `incident new --drill` makes start warm
pytestmark = pytest.mark.usefixtures("warm_drills")

ALICE, BOB = people()
SPEED = 5.0      # 15m at x5 is 3 wall minutes: above the drill's floor (HUMAN_FLOOR), as asked


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
    assert req.expires_at() == req.at + timedelta(seconds=180)      # 900 drill s at x5
    assert "good until 14:03:00 UTC, 15m00s drill time (3m00s wall) after the request" in "\n".join(
        describe(req, "pending", alice.state))
    clock.advance(179)
    assert alice.state.approvals[req.id].state_at(clock()) == "pending"
    assert "1 approval waiting" in header_text(alice.state, clock())
    clock.advance(1)                                                 # 15 drill minutes: over
    assert "approval waiting" not in header_text(alice.state, clock())
    with pytest.raises(WarroomError, match=rf"{req.id} is expired"):
        bob.approvals.approve(req.id)
    (expired,) = [e for e in alice.read().events if e.type == ev.APPROVAL_EXPIRED]
    assert expired.data["expired_at"] == format_ts(req.at + timedelta(seconds=180))


def test_a_grant_in_a_drill_is_good_for_15_drill_minutes_and_says_so(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = FixedClock()
    alice, bob = _pair(tmp_path, monkeypatch, clock, SPEED)
    req = alice.approvals.request(alice.prepare_step(5)).request
    clock.advance(30)
    grant = bob.approvals.approve(req.id)
    assert grant.data["expires_at"] == format_ts(clock() + timedelta(seconds=180))
    r = alice.state.approvals[req.id]
    assert r.approved_until == clock() + timedelta(seconds=180)
    assert good_until(r) == "14:03:30 UTC, 15m00s drill time (3m00s wall) after the approval"
    clock.advance(179)
    assert alice.approvals.verdict(alice.prepare_step(5)).ok
    clock.advance(1)
    with pytest.raises(StepRefused, match=rf"request {req.id} expired at 14:03:30 UTC"):
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
    assert r.status == "approved" and r.approved_until == clock() + timedelta(seconds=180)
    clock.advance(181)
    assert r.state_at(clock()) == "expired"


def test_a_real_incident_s_approval_is_still_15_wall_minutes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = FixedClock()
    alice, bob = _pair(tmp_path, monkeypatch, clock, 1.0)
    req = alice.approvals.request(alice.prepare_step(5)).request
    assert req.expires_at() == req.at + timedelta(seconds=900)
    bob.approvals.approve(req.id)
    assert good_until(alice.state.approvals[req.id]) == "14:15:00 UTC"


# ---- timers-1: a drill compresses the world, not the people ------------------------------------
# At x60 the default 15 minutes were 15 wall seconds (0.25 s at x3600): a two-person drill could
# not ask, approve and run. In a drill an approval lasts [approval] expires of drill time but never
# under HUMAN_FLOOR wall seconds; the request journals the life it was given and why.


@pytest.mark.parametrize("speed,drill_text", [(60.0, "2h00m00s"), (3600.0, "120h00m00s")])
def test_a_two_person_drill_at_high_speed_can_request_approve_and_run(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, speed: float, drill_text: str) -> None:
    clock = FixedClock()
    alice, bob = _pair(tmp_path, monkeypatch, clock, speed)
    done = alice.approvals.request(alice.prepare_step(5))
    req = done.request
    # the journal says the life given and the one asked: a reader folds it, never recomputes it
    assert done.event.data["expires_after"] == HUMAN_FLOOR * speed and done.event.data["expires_asked"] == 900.0
    raised = f"(raised from [approval] expires, 15m00s drill time ({format_duration(900 / speed)} wall), so two people"
    said = "\n".join(describe(req, "pending", alice.state))
    assert f"good until 14:02:00 UTC, {drill_text} drill time (2m00s wall) after the request {raised}" in said
    clock.advance(60)                       # a wall minute to read the command and the target
    grant = bob.approvals.approve(req.id)
    assert grant.data["expires_at"] == format_ts(clock() + timedelta(seconds=HUMAN_FLOOR))
    r = alice.state.approvals[req.id]
    assert good_until(r).startswith(f"14:03:00 UTC, {drill_text} drill time (2m00s wall) after the approval {raised}")
    timeline = [t for t in alice.state.timeline if "granted by" in str(t.text)]
    assert timeline and f"good until 14:03:00 UTC, {drill_text} drill time (2m00s wall)" in str(timeline[-1].text)
    clock.advance(100)                      # another 100 wall seconds to get to the step and run it
    assert alice.approvals.require(alice.prepare_step(5)) is not None      # the run gate lets it through
    clock.advance(20)                       # the grant's 2 wall minutes are over
    verdict = alice.approvals.verdict(alice.prepare_step(5))
    assert verdict is not None and not verdict.ok and "expired at 14:03:00 UTC" in verdict.message


def test_the_floor_is_the_desk_s_journaled_figure_never_a_reader_s(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A request written before the floor (900 drill s at x60, no ``expires_asked``) keeps its 15
    wall seconds: the journal is the record. An approver gives the shorter of its own floored life
    and the request's, so a grant never outlives what was asked."""
    clock = FixedClock()
    alice, bob = _pair(tmp_path, monkeypatch, clock, 60.0)
    prepared = alice.prepare_step(5)
    data = {**prepared.ref(), "kind": prepared.kind, "command": prepared.shown,
            "command_sha256": alice.approvals.hash_of(prepared), "params": {},
            "target": alice.approvals.target_of(prepared),
            "mutating": True, "reasons": ["test"], "dry_run": None, "verify": None, "requester": ALICE.to_json(),
            "expires_after": 900}
    e = alice.append(ev.APPROVAL_REQUESTED, data)
    req = alice.state.approvals[f"R{e.seq}"]
    assert req.expires_at() == req.at + timedelta(seconds=15)
    assert good_until(req) == "14:00:15 UTC, 15m00s drill time (15s wall) after the request"
    clock.advance(5)
    bob.approvals.approve(req.id)
    assert alice.state.approvals[req.id].approved_until == clock() + timedelta(seconds=15)


def test_the_floor_is_life_s_rule_for_each_speed() -> None:
    assert life(900.0, 1.0) == 900.0                     # a real incident: the config's own wall time
    assert life(30.0, 1.0) == 30.0
    assert life(900.0, 5.0) == 900.0                     # 3 wall minutes: above the floor
    assert life(900.0, 10.0) == HUMAN_FLOOR * 10          # 90 s wall -> 2 wall minutes (20m drill time)
    assert life(900.0, 60.0) == HUMAN_FLOOR * 60
    assert life(86400.0, 60.0) == 86400.0                # a facilitator's 24h: 24 wall minutes, kept
    assert life(900.0, 0.5) == 900.0                     # a slow drill: 30 wall minutes


def _as(monkeypatch: pytest.MonkeyPatch, login: str) -> None:
    """Another OS account for the next command (its login and the journal actor it writes)."""
    monkeypatch.setattr(identity, "os_login", lambda uid=None: login)
    for name in ("USER", "LOGNAME"):
        monkeypatch.setenv(name, login)


def test_the_cli_round_trip_in_a_fast_drill(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    """``incident request`` / ``approve`` / ``run`` as two OS accounts, the drill's clock pinned
    (``$WARROOM_DRILL_AT``): a wall minute to approve, another to run, at x60 (the desk's rule at
    x3600 is checked above: a CLI command 2 wall minutes into a x3600 drill reads 130 drill hours
    of its world, a minute of test time)."""
    speed = 60.0
    install_fake_runbook(monkeypatch, tmp_path)
    monkeypatch.setattr(runbook_ref, "load_file", approval_runbook)
    cli = Cli(tmp_path / "state", capsys)
    start = 1_800_000_000.0
    monkeypatch.setenv("WARROOM_DRILL_AT", f"{start:.0f}")
    code, out, err = cli("new", "--drill", "rate-limit", "--speed", f"{speed:g}", "--title", "Quota",
                         "--severity", "P3", "--runbook", "RB-TEST-001", "--commander", "alice")
    assert code == 0, err
    inc = out.strip().splitlines()[-1]
    monkeypatch.setenv("WARROOM_DRILL_AT", f"{start + 10:.0f}")
    _as(monkeypatch, "alice")
    code, out, err = cli("request", inc, "5")
    assert code == 0, err
    rid = out.split()[1]
    assert "good until 08:02:10 UTC, 2h00m00s drill time (2m00s wall) after the request (raised from [approval] expires," \
        " 15m00s drill time (15s wall), so two people have time to act)" in out
    monkeypatch.setenv("WARROOM_DRILL_AT", f"{start + 70:.0f}")
    _as(monkeypatch, "bob")
    code, out, err = cli("approve", inc, rid)
    assert code == 0 and "drill time (2m00s wall) after the approval (raised" in out, err
    monkeypatch.setenv("WARROOM_DRILL_AT", f"{start + 130:.0f}")
    _as(monkeypatch, "alice")
    code, out, err = cli("run", inc, "5", "--yes")
    assert code == 0 and "hello" in out, err


@pytest.mark.parametrize("speed,drill_text", [(60.0, "2h00m00s"), (3600.0, "120h00m00s")])
def test_the_dashboard_says_the_same_life(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, speed: float,
                                          drill_text: str) -> None:
    """The dashboard's ask and approve (``IncidentCalls``, what its toasts say) go through the same
    desk and say the same "good until"."""
    from types import SimpleNamespace

    from tui.presenter import IncidentCalls

    clock = FixedClock()
    alice, bob = _pair(tmp_path, monkeypatch, clock, speed)
    as_alice = SimpleNamespace(require=lambda: SimpleNamespace(incident=alice, prepare=lambda key, params:
                                                               alice.prepare_step(int(key[1]))))
    said = IncidentCalls(as_alice).request_approval(("", "5"), {})    # type: ignore[arg-type]
    rid = said.split()[1]
    assert f"good until 14:02:00 UTC, {drill_text} drill time (2m00s wall) after the request (raised" in said
    clock.advance(60)
    as_bob = SimpleNamespace(require=lambda: SimpleNamespace(incident=bob))
    said = IncidentCalls(as_bob).approve(rid)  # type: ignore[arg-type]
    assert f"good until 14:03:00 UTC, {drill_text} drill time (2m00s wall) after the approval (raised" in said
