"""Roles, the commander handoff with its catch-up brief and acknowledgement, the handoff reminder."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.incident_fixtures import FixedClock, install_fake_runbook, people
from warroom.config import Config, parse_config
from warroom.errors import WarroomError
from warroom.incident.handoff import Brief, canonical_role, header_text, pending_handoff
from warroom.incident.session import Incident
from warroom.incident.store import IncidentStore
from warroom.journal import events as ev

ALICE, BOB = people()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


def _pair(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clock: FixedClock, *,
          drill: dict | None = None) -> tuple[Incident, Incident]:
    install_fake_runbook(monkeypatch, tmp_path)
    cfg = Config()
    a = IncidentStore(tmp_path / "state", cfg, clock=clock).create(
        title="Quota", severity="P2", runbook="RB-TEST-001", commander="alice", drill=drill)
    alice = Incident(a.id, a.dir, config=cfg, clock=clock, actor="alice@bastion-1", person=ALICE)
    bob = Incident(a.id, a.dir, config=cfg, clock=clock, actor="bob@bastion-2", person=BOB)
    return alice, bob


def test_role_words_and_refusal_lists_the_valid_ones() -> None:
    assert [canonical_role(w) for w in ("IC", "incident commander", "Ops-Lead", "comms lead", "scribe",
                                        "commander", "ops", "comms")] == \
        ["commander", "commander", "ops", "comms", "scribe", "commander", "ops", "comms"]
    with pytest.raises(WarroomError) as err:
        canonical_role("tech-lead")
    for valid in ("commander (incident commander)", "ops (ops lead)", "comms (comms lead)", "scribe"):
        assert valid in str(err.value)


def test_handoff_brief_ack_and_header(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clock: FixedClock) -> None:
    alice, bob = _pair(tmp_path, monkeypatch, clock)
    alice.assign_role("ops lead", "carol")
    alice.assign_role("scribe", "@dave")
    clock.advance(120)
    alice.note("root-cause", "retry storm after the 14:00 deploy")
    alice.record_status_update("quota at 92%, breaker next")
    alice.tick(4)
    alice.append(ev.VERIFY_STARTED, {"step": 3, "step_id": "enable-breaker", "expr": "quota < 80",
                                     "window": 600, "deadline": "2026-11-22T14:20:00Z"})
    req = None
    alice.config.approval.severities = ["P2"]
    alice.config.approval.expires = 3600.0
    req = alice.approvals.request(alice.prepare_step(3)).request
    clock.advance(20 * 60)     # the next update (P2: every 15 min) is now overdue
    e = alice.assign_role("IC", "bob", "alice off shift")
    brief = Brief.from_json(e.data["brief"])
    assert brief is not None
    sections = dict(brief.sections)
    assert any("retry storm" in ln for ln in sections["What happened"])
    assert sections["Current state"][0].startswith("P2 ")
    # the brief is written after the gate's window (14:20) with no outcome journaled: its watcher
    # stopped, so it is not called open "until 14:20" (A14-11)
    assert sections["Open verify gates"] == (
        f"step 3: quota < 80 (window ended 14:20:00 UTC with no outcome: its watcher stopped; `warroom resume"
        f" {alice.id}` or the next `warroom incident run {alice.id} STEP` settles it from the metric history)",)
    steps = "\n".join(sections["Steps running and not done"])
    assert "step 1 (Check pods): pending" in steps and "step 4" not in steps    # ticked is done
    assert any(ln.startswith("OVERDUE by") for ln in sections["Stakeholder updates"])
    assert sections["Approvals waiting"] == (f"{req.id} step 3 (Enable circuit breaker) requested by"
                                             " alice@bastion-1: pending",)
    st = alice.state
    assert pending_handoff(st) is not None
    head = header_text(st, clock())
    assert head.startswith("IC bob · Ops carol · Comms — · Scribe dave")
    assert "HANDOFF to bob not acknowledged" in head
    with pytest.raises(WarroomError, match="only the incoming commander can acknowledge"):
        alice.acknowledge_handoff()
    bob.acknowledge_handoff()
    st = alice.state
    assert pending_handoff(st) is None and "HANDOFF" not in header_text(st, clock())
    assert st.role_changes[-1]["acknowledged_by"] == "bob@bastion-2"
    with pytest.raises(WarroomError, match="no commander handoff is waiting"):
        bob.acknowledge_handoff()


def test_reminder_once_per_period(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clock: FixedClock) -> None:
    alice, bob = _pair(tmp_path, monkeypatch, clock)
    clock.advance(59 * 60)
    assert alice.check_handoff_reminder() is None
    clock.advance(60)
    first = alice.check_handoff_reminder()
    assert first is not None and first.data["period"] == 1 and first.data["commander"] == "alice"
    assert bob.check_handoff_reminder() is None            # once, whoever notices
    assert "hand over? IC for 1h" in header_text(alice.state, clock())
    clock.advance(3600)
    assert bob.check_handoff_reminder().data["period"] == 2
    alice.assign_role("commander", "bob")
    bob.acknowledge_handoff()
    assert "hand over?" not in header_text(alice.state, clock())   # a new tenure starts
    clock.advance(30 * 60)
    assert alice.check_handoff_reminder() is None


def test_reminder_counts_the_commander_s_own_time_in_a_drill(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                             clock: FixedClock) -> None:
    """A drill speeds up the world, not the people (redteam41 G5): the reminder, about the commander's fatigue,
    comes after an hour of their own time, not after 6 wall minutes at x10 (10 hours of drill time then)."""
    alice, _ = _pair(tmp_path, monkeypatch, clock, drill={"scenario": "rate-limit", "speed": 10, "dir": "/nowhere"})
    clock.advance(360)                                      # 6 wall minutes = 60 scenario minutes: not yet
    assert alice.check_handoff_reminder() is None
    clock.advance(3240)
    assert alice.check_handoff_reminder() is not None


def test_reminder_config_refuses_more_than_three_hours() -> None:
    assert parse_config('[roles]\nhandoff_reminder = "90m"\n').roles.handoff_reminder == 5400.0
    with pytest.raises(Exception, match="roles.handoff_reminder.*three hours at most"):
        parse_config('[roles]\nhandoff_reminder = "181m"\n')
    with pytest.raises(Exception, match="roles.handoff_reminder"):
        parse_config('[roles]\nhandoff_reminder = "0s"\n')


def test_old_role_words_replay(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clock: FixedClock) -> None:
    alice, _ = _pair(tmp_path, monkeypatch, clock)
    alice.append(ev.ROLE_ASSIGNED, {"role": "tech-lead", "person": "erin"})   # an old journal's line
    assert alice.state.roles["tech-lead"] == "erin"
    with pytest.raises(WarroomError, match="unknown role 'tech-lead'"):
        alice.assign_role("tech-lead", "frank")


def test_pir_lists_roles_handoff_acknowledgement_and_reminders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                               clock: FixedClock) -> None:
    alice, bob = _pair(tmp_path, monkeypatch, clock)
    alice.assign_role("comms", "carol")
    clock.advance(3600)
    alice.check_handoff_reminder()
    alice.assign_role("commander", "bob", "end of shift")
    bob.acknowledge_handoff()
    pir = alice.render("pir")
    row = next(ln for ln in pir.splitlines() if ln.startswith("| **Roles and handoffs**"))
    assert "comms lead: carol" in row
    assert "15:00:00 handoff reminder: alice incident commander for 1h00m00s" in row
    assert "commander handoff alice → bob: end of shift (brief acknowledged by bob@bastion-2 at 15:00:00)" in row
    assert row.index("comms lead") < row.index("handoff reminder") < row.index("commander handoff")
