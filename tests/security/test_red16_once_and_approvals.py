"""Red team of issue 16 (roles, handoff, approvals) on the local journal: what two responders
acting at the same moment, or a hand-written line, can make the journal say.

"At the same moment" is made deterministic: one responder's append is intercepted and the other
responder acts inside that window (both have already judged from the same state), exactly what
two processes racing would do. The clock is injected; nothing sleeps.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.unit.incident_fixtures import FixedClock, approval_runbook, install_fake_runbook, people
from warroom.config import Config
from warroom.errors import WarroomError
from warroom.execute.safety import StepRefused
from warroom.incident import runbook_ref
from warroom.incident.identity import Person
from warroom.incident.session import Incident
from warroom.incident.store import IncidentStore
from warroom.journal import events as ev
from warroom.journal.log import format_ts

ALICE, BOB = people()


def _pair(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clock: FixedClock,
          bob_config: Config | None = None) -> tuple[Incident, Incident]:
    install_fake_runbook(monkeypatch, tmp_path)
    monkeypatch.setattr(runbook_ref, "load_file", approval_runbook)
    cfg = Config()
    cfg.approval.expires = 900.0
    a = IncidentStore(tmp_path / "state", cfg, clock=clock).create(
        title="Quota", severity="P2", runbook="RB-TEST-001", commander="alice")
    alice = Incident(a.id, a.dir, config=cfg, clock=clock, actor="alice@bastion-1", person=ALICE)
    bob = Incident(a.id, a.dir, config=bob_config or cfg, clock=clock, actor="bob@bastion-2", person=BOB)
    return alice, bob


def _race(first: Incident, second_acts: Any) -> None:
    """Make ``second_acts()`` happen inside ``first``'s next append, after ``first`` judged."""
    real = first.journal.append
    fired = [False]

    def append(*args: Any, **kw: Any) -> Any:
        if not fired[0]:
            fired[0] = True
            second_acts()
        return real(*args, **kw)

    first.journal.append = append  # type: ignore[method-assign]


def _count(inc: Incident, type_: str) -> int:
    return sum(1 for e in inc.read().events if e.type == type_)


def test_handoff_reminder_from_two_watchers_at_once_is_journaled_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = FixedClock()
    alice, bob = _pair(tmp_path, monkeypatch, clock)
    clock.advance(61 * 60)
    _race(alice, bob.check_handoff_reminder)
    alice.check_handoff_reminder()
    assert _count(alice, ev.HANDOFF_REMINDER) == 1
    assert _count(bob, ev.HANDOFF_REMINDER) == 1


def test_overdue_update_from_two_watchers_at_once_is_journaled_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = FixedClock()
    alice, bob = _pair(tmp_path, monkeypatch, clock)
    clock.advance(6 * 3600)
    _race(alice, bob.check_update_overdue)
    alice.check_update_overdue()
    assert _count(alice, ev.UPDATE_OVERDUE) == 1


def test_expiry_noticed_by_two_responders_at_once_is_journaled_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = FixedClock()
    alice, bob = _pair(tmp_path, monkeypatch, clock)
    alice.approvals.request(alice.prepare_step(5))
    clock.advance(901)
    _race(alice, bob.approvals.expire_due)
    alice.approvals.expire_due()
    assert _count(alice, ev.APPROVAL_EXPIRED) == 1


def test_an_approver_with_a_longer_expiry_cannot_stretch_the_request(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The request says how long an approval is good for; an approver whose config (or whose
    hand-written grant) says ten days does not make it last longer."""
    clock = FixedClock()
    long_cfg = Config()
    long_cfg.approval.expires = 3 * 3600.0
    alice, bob = _pair(tmp_path, monkeypatch, clock, bob_config=long_cfg)
    req = alice.approvals.request(alice.prepare_step(5)).request
    bob.approvals.approve(req.id)
    clock.advance(901)
    with pytest.raises(StepRefused, match="expired"):
        alice.approvals.require(alice.prepare_step(5))
    # and a grant line carrying its own far-away end is cut to the request's time too
    req2 = alice.approvals.request(alice.prepare_step(5)).request
    alice.append(ev.APPROVAL_GRANTED, {"request": req2.id, "command_sha256": req2.command_sha256,
                                       "approver": BOB.to_json(),
                                       "expires_at": format_ts(clock() + timedelta(days=10))})
    got = alice.state.approvals[req2.id]
    assert got.expires_at() <= clock() + timedelta(seconds=900)


def test_a_grant_written_by_the_requesters_own_process_naming_someone_else_does_not_count(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """alice's warroom writing ``approval.granted`` with ``approver: bob`` (the Python API, a
    modified client): the line's own actor is alice's, so it is shown, never obeyed."""
    clock = FixedClock()
    alice, _bob = _pair(tmp_path, monkeypatch, clock)
    req = alice.approvals.request(alice.prepare_step(5)).request
    alice.append(ev.APPROVAL_GRANTED, {"request": req.id, "command_sha256": req.command_sha256,
                                       "approver": BOB.to_json()})
    assert alice.state.approvals[req.id].status == "pending"
    assert any("not counted" in t.text for t in alice.state.timeline if t.seq == alice.read().events[-1].seq)
    with pytest.raises(StepRefused, match="waiting for a second person"):
        alice.approvals.require(alice.prepare_step(5))


def test_the_run_racing_the_expiry_says_expired_not_used_by_someone_else(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = FixedClock()
    alice, bob = _pair(tmp_path, monkeypatch, clock)
    req = alice.approvals.request(alice.prepare_step(5)).request
    clock.advance(60)
    bob.approvals.approve(req.id)
    clock.advance(899)
    prepared = alice.prepare_step(5)
    ok = alice.approvals.require(prepared)          # the dialog's check: still good
    assert ok is not None
    clock.advance(2)                                 # the person took two seconds to press Run
    with pytest.raises(StepRefused) as err:
        alice.approvals.use(ok, prepared)
    text = str(err.value)
    assert "expired" in text and "someone else" not in text and "seq ?" not in text
    assert alice.state.approvals[req.id].used_seq is None


@pytest.mark.parametrize("name", ["bob\x1b]52;c;ZXZpbA==\x07", "bob\nIC mallory", "bob\u202eecila",
                                  "bob\u200b", "b" * 300])
def test_a_person_name_with_control_characters_is_refused(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    clock = FixedClock()
    alice, _ = _pair(tmp_path, monkeypatch, clock)
    with pytest.raises(WarroomError, match="person"):
        alice.assign_role("ops", name)
    assert _count(alice, ev.ROLE_ASSIGNED) == 0
    alice.assign_role("ops", "Bob O'Neil-Smith")   # ordinary names still work


def test_the_resume_command_printed_after_quit_never_carries_the_dsn_password() -> None:
    from tui.launch import resume_command

    for argv in (["drill", "timeout", "--shared", "postgresql://ic:Sup3r-s3cret@db:5432/warroom"],
                 ["--shared=host=db user=ic password='Sup3r-s3cret'", "drill", "timeout"],
                 ["drill", "timeout", "--shared", "postgresql://ic@db/warroom?password=Sup3r-s3cret"]):
        said = resume_command(argv)
        assert "Sup3r-s3cret" not in said and "--shared" in said and "***" in said, said
    plain = resume_command(["drill", "timeout", "--shared", "postgresql://ic@db/warroom"])
    assert plain == "warroom drill timeout --shared postgresql://ic@db/warroom"


def test_naming_yourself_the_incoming_commander_in_the_config_does_not_acknowledge_their_handoff(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """mallory sets ``incident.commander = "bob"``: her journal actor says bob, her login does
    not. A name in the config may only ever take rights away (self-approval), never give them."""
    clock = FixedClock()
    alice, bob = _pair(tmp_path, monkeypatch, clock)
    alice.assign_role("commander", "bob")
    mallory = Incident(alice.id, alice.dir, config=alice.config, clock=clock, actor="bob@bastion-3",
                       person=Person("mallory", 1003, "bastion-3", "bob@bastion-3"))
    with pytest.raises(WarroomError, match="only the incoming"):
        mallory.acknowledge_handoff()
    # the same line written by hand (her warroom's append) is shown, never counted
    pend = alice.state.role_changes[-1]
    mallory.append(ev.HANDOFF_ACKNOWLEDGED, {"handoff_seq": pend["seq"],
                                             "person": Person("mallory", 1003, "bastion-3", "bob@bastion-3").to_json()})
    assert alice.state.role_changes[-1].get("acknowledged_seq") is None
    bob.acknowledge_handoff()
    assert alice.state.role_changes[-1].get("acknowledged_seq") is not None


def test_a_responder_with_another_config_cannot_drop_the_incidents_approval_policy(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The incident was declared under ``[approval] severities = ["P1", "P2"]``; alice runs with
    another HOME / --config that has none. The policy the incident was declared with still holds
    for her (a host's config can only add to it)."""
    clock = FixedClock()
    install_fake_runbook(monkeypatch, tmp_path)
    team = Config()
    team.approval.severities = ["P1", "P2"]
    team.approval.distinct_db_roles = False
    inc = IncidentStore(tmp_path / "state", team, clock=clock).create(title="Quota", severity="P2",
                                                                       runbook="RB-TEST-001", commander="alice")
    mutating = 3                                 # the sample runbook's mutating step
    assert inc.prepare_step(mutating).mutating
    lax = Config()                               # her own config: no [approval] at all
    alice = Incident(inc.id, inc.dir, config=lax, clock=clock, actor="alice@bastion-1", person=ALICE)
    reasons = alice.approvals.reasons(alice.prepare_step(mutating))
    assert reasons and "P2" in " ".join(reasons)
    with pytest.raises(StepRefused, match="approval"):
        alice.approvals.require(alice.prepare_step(mutating))


@pytest.mark.parametrize("text", [
    "WARROOM_DSN=host=db user=ic password='Zq9 p@ss-phrase' dbname=warroom",
    "WARROOM_DSN=host=db password = 'Zq9 p\\'s phrase' user=ic",
    '{"password": "Zq9 p@ss phrase"}',
])
def test_a_quoted_password_with_spaces_is_redacted_from_step_output(text: str) -> None:
    """libpq's key=value DSN quotes a password holding spaces (``password='a b'``): a step that
    prints ``$WARROOM_DSN`` (or a config) must not record it."""
    from warroom.execute.redact import Redactor

    out = Redactor().redact_text(text)
    assert "Zq9" not in out and "phrase" not in out, out
    assert "password" in out    # the name stays


def test_a_request_written_by_alice_naming_bob_as_requester_cannot_be_approved_by_alice(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """alice writes the request line herself with ``requester: bob`` (hand, API, direct INSERT),
    then approves "bob's" request: the request line's own actor is alice's, so she is its
    requester whatever the line claims."""
    clock = FixedClock()
    alice, bob = _pair(tmp_path, monkeypatch, clock)
    real = alice.prepare_step(5)
    desk = alice.approvals
    event = alice.append(ev.APPROVAL_REQUESTED, {
        **real.ref(), "kind": real.kind, "command": real.shown, "command_sha256": desk.hash_of(real),
        "params": {}, "target": desk.target_of(real), "mutating": bool(real.mutating), "reasons": ["x"],
        "dry_run": None, "verify": None, "requester": BOB.to_json(), "expires_after": 900})
    with pytest.raises(StepRefused, match="requester"):
        alice.approvals.approve(f"R{event.seq}")
    # and a grant line she writes anyway is never counted, nor obeyed at run time
    alice.append(ev.APPROVAL_GRANTED, {"request": f"R{event.seq}", "command_sha256": desk.hash_of(real),
                                       "approver": ALICE.to_json()})
    assert alice.state.approvals[f"R{event.seq}"].status == "pending"
    with pytest.raises(StepRefused):
        alice.approvals.require(alice.prepare_step(5))
    # bob is named as its requester, so he cannot approve it either; carol, a third person, can
    with pytest.raises(StepRefused, match="requester"):
        bob.approvals.approve(f"R{event.seq}")
    carol = Incident(alice.id, alice.dir, config=alice.config, clock=clock, actor="carol@bastion-3",
                     person=Person("carol", 1003, "bastion-3", "carol@bastion-3"))
    carol.approvals.approve(f"R{event.seq}")
    assert alice.approvals.require(alice.prepare_step(5)) is not None


def test_an_approval_racing_a_withdrawal_never_says_approved(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """bob presses approve while alice withdraws the request at the same moment: the journal
    order decides, and bob is told the truth (not "approved ... good until")."""
    clock = FixedClock()
    alice, bob = _pair(tmp_path, monkeypatch, clock)
    req = alice.approvals.request(alice.prepare_step(5)).request
    _race(bob, lambda: alice.approvals.refuse(req.id, "not now"))
    with pytest.raises(WarroomError, match="refused"):
        bob.approvals.approve(req.id)
    assert alice.state.approvals[req.id].status == "refused"
    assert _count(alice, ev.APPROVAL_GRANTED) == 0


def test_the_approval_message_says_the_time_it_really_holds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = FixedClock()
    long_cfg = Config()
    long_cfg.approval.expires = 3 * 3600.0
    alice, bob = _pair(tmp_path, monkeypatch, clock, bob_config=long_cfg)
    req = alice.approvals.request(alice.prepare_step(5)).request
    e = bob.approvals.approve(req.id)
    held = alice.state.approvals[req.id].expires_at()
    assert e.data["expires_at"] == format_ts(held)


def test_after_evidence_noticed_by_two_dashboards_at_once_is_journaled_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Both dashboards see the same "after" value fall due and query it (slow, outside any
    lock); the journal gets it once — the second is judged again against the journal."""
    from tests.unit.test_sources_evidence_verify import SLOS, T0, ScriptedSource, undo_effect
    from warroom.sources.evidence import EVIDENCE, iso, record_due

    clock = FixedClock()
    alice, bob = _pair(tmp_path, monkeypatch, clock)
    alice.append("step.started", {"step": 4, "step_id": "undo", "label": "rollout undo",
                                  "command": "rollout undo deployment/flowengine", "kind": "k8s"})
    alice.append("step.finished", {"step": 4, "step_id": "undo", "status": "ok", "exit_code": 0,
                                   "started_at": iso(T0), "ended_at": iso(T0 + 60), "duration": 60})
    src = ScriptedSource(undo_effect, clock=lambda: T0)
    _race(alice, lambda: record_due(bob, bob.read().events, src, SLOS, [300.0], now=T0 + 400))
    record_due(alice, alice.read().events, src, SLOS, [300.0], now=T0 + 400)
    assert _count(alice, EVIDENCE) == 1


VAR_RUNBOOK = '''+++
id = "RB-VARS"
title = "Approval and variables"
severity = "P2"
+++
# Approval and variables

## Mitigation

```bash {approval=true}
# Drain the target
echo "draining $TARGET_NS"
```
'''


def test_an_approval_does_not_cover_a_variable_changed_after_it(tmp_path: Path) -> None:
    """The command reads ``$TARGET_NS`` from ``[execute] env``: the approver saw staging; the
    requester switches her config to prod and runs. Same text, other effect: not covered."""
    clock = FixedClock()
    rb = tmp_path / "rb"
    rb.mkdir()
    (rb / "vars.md").write_text(VAR_RUNBOOK)

    def cfg(ns: str) -> Config:
        c = Config()
        c.runbooks.dirs = [str(rb)]
        c.execute.env = {"TARGET_NS": ns}
        return c

    inc = IncidentStore(tmp_path / "state", cfg("staging"), clock=clock).create(
        title="Vars", severity="P2", runbook="RB-VARS", commander="alice")
    alice = Incident(inc.id, inc.dir, config=cfg("staging"), clock=clock, actor="alice@bastion-1", person=ALICE)
    bob = Incident(inc.id, inc.dir, config=cfg("staging"), clock=clock, actor="bob@bastion-2", person=BOB)
    req = alice.approvals.request(alice.prepare_step(1)).request
    from warroom.incident.approval_desk import describe

    assert any("TARGET_NS=staging" in line for line in describe(req, "pending", inc.state))   # the approver sees it
    bob.approvals.approve(req.id)
    assert alice.approvals.require(alice.prepare_step(1)) is not None
    switched = Incident(inc.id, inc.dir, config=cfg("prod"), clock=clock, actor="alice@bastion-1", person=ALICE)
    with pytest.raises(StepRefused, match="covers a different command"):
        switched.approvals.require(switched.prepare_step(1))
