"""Two-person approval: the rule (who, what, until when) and its journal events.

Two responders are two ``Incident`` objects on one incident directory, each built for its own
person (as two processes of two OS accounts would be); the clock is injected, nothing sleeps.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings, strategies as st

from tests.unit.incident_fixtures import FixedClock, approval_runbook, install_fake_runbook, people
from warroom.config import Config, parse_config
from warroom.errors import NotFoundError, WarroomError
from warroom.execute.safety import StepRefused
from warroom.incident import runbook_ref
from warroom.incident.approval_desk import SelfApproval, describe
from warroom.incident.approvals import command_hash
from warroom.incident.identity import Person, same_person, whoami
from warroom.incident.session import Incident
from warroom.incident.store import IncidentStore
from warroom.journal import events as ev

ALICE, BOB = people()
ALICE_ELSEWHERE = Person("alice", 1001, "bastion-2", "alice@bastion-2")


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
def pair(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clock: FixedClock) -> tuple[Incident, Incident]:
    install_fake_runbook(monkeypatch, tmp_path)
    monkeypatch.setattr(runbook_ref, "load_file", approval_runbook)
    cfg = Config()
    cfg.approval.severities = ["P1", "P2"]
    cfg.approval.expires = 900.0
    a = IncidentStore(tmp_path / "state", cfg, clock=clock).create(title="Quota", severity="P2", runbook="RB-TEST-001")
    alice = Incident(a.id, a.dir, config=cfg, clock=clock, actor="alice@bastion-1", person=ALICE)
    bob = Incident(a.id, a.dir, config=cfg, clock=clock, actor="bob@bastion-2", person=BOB)
    return alice, bob


def _types(inc: Incident) -> list[str]:
    return [e.type for e in inc.read().events]


def test_marked_step_and_severity_rule(pair: tuple[Incident, Incident]) -> None:
    alice, _ = pair
    desk = alice.approvals
    assert desk.reasons(alice.prepare_step(5)) == ["the runbook marks this step approval=true"]
    mutating = desk.reasons(alice.prepare_step(3))
    assert len(mutating) == 1 and "P2" in mutating[0] and "[approval] severities" in mutating[0]
    assert desk.reasons(alice.prepare_step(1)) == []           # read-only, not marked
    alice.set_severity("P3")
    assert desk.reasons(alice.prepare_step(3)) == []           # P3 is not chosen


def test_run_without_approval_is_refused_and_names_what_to_do(pair: tuple[Incident, Incident]) -> None:
    alice, _ = pair
    with pytest.raises(StepRefused, match=r"step 5 needs a second person's approval and none was requested") as err:
        alice.run_step(alice.prepare_step(5))
    assert "warroom incident request" in str(err.value)
    assert _types(alice)[-1] == ev.STEP_REFUSED
    req = alice.approvals.request(alice.prepare_step(5)).request
    with pytest.raises(StepRefused, match=rf"request {req.id} is waiting for a second person"):
        alice.run_step(alice.prepare_step(5))


def test_requester_cannot_approve_from_any_host(pair: tuple[Incident, Incident], clock: FixedClock) -> None:
    alice, bob = pair
    req = alice.approvals.request(alice.prepare_step(5)).request
    assert req.id == f"R{req.seq}" and req.requester == ALICE
    with pytest.raises(SelfApproval, match="cannot approve their own request"):
        alice.approvals.approve(req.id)
    other_host = Incident(alice.id, alice.dir, config=alice.config, clock=clock, actor="alice@bastion-2",
                          person=ALICE_ELSEWHERE)
    with pytest.raises(SelfApproval):
        other_host.approvals.approve(req.id)
    assert ev.APPROVAL_GRANTED not in _types(alice)
    bob.approvals.approve(req.id)
    r = alice.state.approvals[req.id]
    assert r.status == "approved" and r.decided_by == BOB


def test_approved_step_runs_once_and_records_who(pair: tuple[Incident, Incident]) -> None:
    alice, bob = pair
    req = alice.approvals.request(alice.prepare_step(5)).request
    bob.approvals.approve(req.id)
    handle = alice.run_step(alice.prepare_step(5))
    result = handle.wait(30)
    assert result.status == "ok"
    r = alice.state.approvals[req.id]
    assert r.status == "used" and r.used_by == ALICE
    # spent by the run's own start line (both or neither: test_approval_spent_by_start.py)
    (start,) = [e for e in alice.read().events if e.type == ev.STEP_STARTED]
    assert start.data["approval"]["request"] == req.id and r.used_seq == start.seq
    assert ev.APPROVAL_USED not in _types(alice)
    (said,) = [t for t in alice.state.timeline if t.kind == ev.APPROVAL_USED]   # an approval's use on the PIR's timeline
    assert said.seq == start.seq and said.text == f"Approval {req.id} used: step 5 run by alice@bastion-1"
    with pytest.raises(StepRefused, match=rf"approval {req.id} was used for one run already"):
        alice.run_step(alice.prepare_step(5))


def test_expired_approval_is_refused_and_journaled_once(pair: tuple[Incident, Incident], clock: FixedClock) -> None:
    alice, bob = pair
    req = alice.approvals.request(alice.prepare_step(5)).request
    clock.advance(60)
    bob.approvals.approve(req.id)
    clock.advance(899)
    assert alice.approvals.verdict(alice.prepare_step(5)).ok
    clock.advance(1)
    with pytest.raises(StepRefused, match=rf"request {req.id} expired at 14:16:00 UTC"):
        alice.run_step(alice.prepare_step(5))
    assert _types(alice).count(ev.APPROVAL_EXPIRED) == 1
    alice.approvals.expire_due()
    assert _types(alice).count(ev.APPROVAL_EXPIRED) == 1
    assert alice.state.approvals[req.id].status == "expired"


def test_unanswered_request_expires_and_cannot_be_approved_late(pair: tuple[Incident, Incident],
                                                                 clock: FixedClock) -> None:
    alice, bob = pair
    req = alice.approvals.request(alice.prepare_step(5)).request
    clock.advance(901)
    with pytest.raises(WarroomError, match=rf"{req.id} is expired"):
        bob.approvals.approve(req.id)
    assert _types(alice)[-1] == ev.APPROVAL_EXPIRED


def test_changed_command_needs_a_new_approval(pair: tuple[Incident, Incident]) -> None:
    alice, bob = pair
    req = alice.approvals.request(alice.prepare_step(3, {"namespace": "staging"})).request
    bob.approvals.approve(req.id)
    assert alice.approvals.verdict(alice.prepare_step(3, {"namespace": "staging"})).ok
    with pytest.raises(StepRefused, match=rf"request {req.id} covers a different command") as err:
        alice.run_step(alice.prepare_step(3, {"namespace": "production"}), confirm=True)
    assert "needs a new approval" in str(err.value)


def test_refusal_closes_the_request(pair: tuple[Incident, Incident]) -> None:
    alice, bob = pair
    req = alice.approvals.request(alice.prepare_step(5)).request
    with pytest.raises(WarroomError, match="needs a reason"):
        bob.approvals.refuse(req.id, "  ")
    bob.approvals.refuse(req.id, "wait for the canary")
    r = alice.state.approvals[req.id]
    assert r.status == "refused" and r.decided_by == BOB and r.reason == "wait for the canary"
    with pytest.raises(StepRefused, match="was refused by bob@bastion-2 \\(wait for the canary\\)"):
        alice.run_step(alice.prepare_step(5))
    with pytest.raises(WarroomError, match=r"is refused \(by bob@bastion-2\): nothing to approve"):
        bob.approvals.approve(req.id)


def test_an_approval_withdrawn_by_a_refusal_keeps_who_approved_in_the_pir(pair: tuple[Incident, Incident]) -> None:
    """Bob approves, the requester then refuses (withdraws) before running: the request is refused,
    nothing may run on it, and the PIR still names bob as the approver (the refusal used to
    overwrite him: 'approved by alice at <refusal time>; REFUSED by alice')."""
    from warroom.incident.review.approvals import approvals as pir_approvals

    alice, bob = pair
    req = alice.approvals.request(alice.prepare_step(5)).request
    bob.approvals.approve(req.id)
    alice.approvals.refuse(req.id, "the canary went red")
    r = alice.state.approvals[req.id]
    assert r.status == "refused" and r.decided_by == ALICE and r.approved_by == BOB
    with pytest.raises(StepRefused, match="was refused by alice"):
        alice.run_step(alice.prepare_step(5))
    (line,) = [ln for ln in pir_approvals(alice.state) if req.id in ln.text]
    assert "approved by bob@bastion-2" in line.text and "REFUSED by alice@bastion-1 at" in line.text and line.text.endswith(": the canary went red")
    assert r.approved_seq in line.cites and r.decided_seq in line.cites


def test_request_records_what_the_approver_judges(pair: tuple[Incident, Incident]) -> None:
    alice, _ = pair
    prepared = alice.prepare_step(3, {"namespace": "prod-eu"})
    req = alice.approvals.request(prepared).request
    assert req.command == "kubectl set env deployment/flowengine ENABLE_CIRCUIT_BREAKER=true -n prod-eu"
    assert req.target["namespace"] == "prod-eu"
    assert req.target["context"].startswith("(current context): unknown (no kubeconfig found")   # none in a test
    assert req.command_sha256 == command_hash(alice.id, "RB-TEST-001", "enable-breaker", "shell",
                                              prepared.command or "", req.target)
    text = "\n".join(describe(req, "pending", alice.state))
    for want in ("requested by alice@bastion-1", "kubectl set env", "namespace prod-eu", "CHANGES THINGS",
                 "target: context (current context): unknown (no kubeconfig found",
                 "dry run: none for this kind of step", "verify gate after it: none",
                 f"warroom incident approve {alice.id} {req.id}"):
        assert want in text
    with pytest.raises(WarroomError, match="already asks for this exact command"):
        alice.approvals.request(prepared)
    with pytest.raises(WarroomError, match="does not need approval"):
        alice.approvals.request(alice.prepare_step(1))
    with pytest.raises(NotFoundError, match=rf"no approval request 'R999' \(open: {req.id}"):
        alice.approvals.approve("R999")


def test_hand_written_self_approval_line_is_never_obeyed(pair: tuple[Incident, Incident]) -> None:
    """A granted line whose approver is the requester (written by hand, or by an old build) is
    shown as not counted; the step stays refused."""
    alice, _ = pair
    req = alice.approvals.request(alice.prepare_step(5)).request
    alice.append(ev.APPROVAL_GRANTED, {"request": req.id, "command_sha256": req.command_sha256,
                                       "approver": ALICE_ELSEWHERE.to_json(), "expires_at": "2026-11-22T15:00:00Z"})
    assert alice.state.approvals[req.id].status == "pending"
    assert "not counted (by the requester)" in alice.state.timeline[-1].text
    with pytest.raises(StepRefused):
        alice.run_step(alice.prepare_step(5))


def test_identity_comes_from_the_os_not_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    import pwd
    import os

    real = pwd.getpwuid(os.geteuid()).pw_name
    monkeypatch.setenv("USER", "someone-else")
    monkeypatch.setenv("LOGNAME", "someone-else")
    me = whoami("someone-else@elsewhere")
    assert me.login == real
    # The configured actor name is one more name the person answers to, never a way out.
    assert same_person(me, Person(real, 0, "other-host"))
    assert same_person(me, Person("someone-else", 5, "h"))


NAMES = st.sampled_from(["alice", "Alice", "bob", "carol", "ALICE"])
HOSTS = st.sampled_from(["b1", "b2"])


@settings(max_examples=60, deadline=None)
@given(NAMES, HOSTS, NAMES, HOSTS)
def test_same_person_is_symmetric_and_host_blind(l1: str, h1: str, l2: str, h2: str) -> None:
    a, b = Person(l1, 1, h1, f"{l1}@{h1}"), Person(l2, 2, h2, f"{l2}@{h2}")
    assert same_person(a, b) == same_person(b, a) == (l1.casefold() == l2.casefold())


def test_config_keys_are_checked() -> None:
    cfg = parse_config('[approval]\nseverities = ["P1", "P2"]\nexpires = "10m"\n')
    assert cfg.approval.severities == ["P1", "P2"] and cfg.approval.expires == 600.0
    with pytest.raises(Exception, match=r"approval.severities\[0\]"):
        parse_config('[approval]\nseverities = ["P9"]\n')
    with pytest.raises(Exception, match="approval.expires"):
        parse_config('[approval]\nexpires = "0s"\n')


def test_fence_attribute_marks_a_step(tmp_path: Path) -> None:
    from warroom.runbook.parser import parse_runbook

    book = parse_runbook("# T\n\n## Mitigation\n\n```bash {approval=true}\nkubectl rollout restart deploy/x\n```\n\n"
                 "```bash {approval=maybe}\nkubectl get pods\n```\n")
    assert [s.approval for s in book.steps] == [True, False]
    assert any("approval must be true or false" in str(f) for f in book.findings)
    assert dataclasses.asdict(book.steps[0])["approval"] is True


def test_one_approval_used_by_two_runs_at_once_starts_one(pair: tuple[Incident, Incident]) -> None:
    """Both responders passed the gate; the journal's order decides whose use counts."""
    alice, bob = pair
    req = alice.approvals.request(alice.prepare_step(5)).request
    bob.approvals.approve(req.id)
    prepared_a, prepared_b = alice.prepare_step(5), bob.prepare_step(5)
    grant_a = alice.approvals.require(prepared_a)
    grant_b = bob.approvals.require(prepared_b)           # both saw it unused
    assert grant_a is not None and grant_b is not None
    alice.approvals.use(grant_a, prepared_a)
    with pytest.raises(StepRefused, match=rf"{req.id} was used by alice@bastion-1"):
        bob.approvals.use(grant_b, prepared_b)
    assert alice.state.approvals[req.id].used_by == ALICE


def test_switching_the_kube_context_needs_a_new_approval(pair: tuple[Incident, Incident], tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """A kube step on "(current context)" is approved for the context it named then."""
    alice, bob = pair
    kubeconfig = tmp_path / "kubeconfig"

    def use_context(name: str) -> None:
        kubeconfig.write_text(
            "apiVersion: v1\nkind: Config\ncurrent-context: " + name + "\n"
            "contexts:\n- name: prod-eu\n  context: {cluster: eu}\n- name: prod-us\n  context: {cluster: us}\n"
            "clusters:\n- name: eu\n  cluster: {server: 'https://eu'}\n- name: us\n  cluster: {server: 'https://us'}\n")
        import os

        os.utime(kubeconfig, ns=(1, 10**9 * (2 if name == "prod-us" else 1)))

    monkeypatch.setenv("KUBECONFIG", str(kubeconfig))
    use_context("prod-eu")
    req = alice.approvals.request(alice.prepare_step(3)).request
    assert req.target["context"] == "prod-eu (current context)"
    bob.approvals.approve(req.id)
    assert alice.approvals.verdict(alice.prepare_step(3)).ok
    use_context("prod-us")
    verdict = alice.approvals.verdict(alice.prepare_step(3))
    assert not verdict.ok and "covers a different command" in verdict.message


def test_a_request_showing_one_command_and_hashing_another_covers_neither(pair: tuple[Incident, Incident]) -> None:
    """The requester writes the request line by hand: the approver is shown a harmless command,
    the hash is the real one. The approval is never used for the real command."""
    alice, bob = pair
    real = alice.prepare_step(3)
    desk = alice.approvals
    event = alice.append(ev.APPROVAL_REQUESTED, {
        **real.ref(), "kind": "shell", "command": "echo harmless", "command_sha256": desk.hash_of(real),
        "params": {}, "target": desk.target_of(real), "mutating": False, "reasons": ["x"], "dry_run": None,
        "verify": None, "requester": ALICE.to_json(), "expires_after": 900})
    bob.approvals.approve(f"R{event.seq}")
    verdict = desk.verdict(real)
    assert not verdict.ok and "covers a different command (echo harmless)" in verdict.message


K8S_RUNBOOK = """+++
id = "RB-K8S-APPR"
title = "Scale with approval"
severity = "P2"
+++
# Scale with approval

## Mitigation

```warroom {approval=true}
scale deployment/flowengine replicas=5
```
"""


def test_a_native_k8s_step_shows_its_dry_run_to_the_approver(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text("apiVersion: v1\nkind: Config\ncurrent-context: prod-eu\n"
                          "contexts:\n- name: prod-eu\n  context: {cluster: eu, namespace: production}\n"
                          "clusters:\n- name: eu\n  cluster: {server: 'https://127.0.0.1:1'}\n")
    monkeypatch.setenv("KUBECONFIG", str(kubeconfig))
    rb = tmp_path / "k8s.md"
    rb.write_text(K8S_RUNBOOK)
    cfg = Config()
    cfg.kubernetes.enabled = True
    inc = IncidentStore(tmp_path / "state", cfg).create(title="x", severity="P2", runbook=str(rb))
    inc._person = ALICE
    req = inc.approvals.request(inc.prepare_step(1)).request
    assert req.kind == "k8s" and req.dry_run is not None
    text = "\n".join(req.dry_run)
    assert "dry run: would scale deployment/flowengine" in text and "context prod-eu" in text
    shown = "\n".join(describe(req, "pending", inc.state))
    assert "  dry run:\n    dry run: would scale" in shown
    with pytest.raises(StepRefused, match=rf"request {req.id} is waiting for a second person"):
        inc.run_native_step(inc.prepare_step(1), confirm=True)


# ---------------------------------------------------------------------------- the reducer, any order

PEOPLE = [ALICE, ALICE_ELSEWHERE, BOB, Person("carol", 1003, "b3", "carol@b3")]
T0 = datetime(2026, 11, 22, 14, 0, tzinfo=UTC)


@st.composite
def approval_journals(draw: Any) -> list[Any]:
    """A declaration, then requests, grants, refusals, expiries and uses in any order, by anyone,
    for real or unknown request ids, with right or wrong hashes."""
    from warroom.journal.log import Event, format_ts

    evs: list[Event] = []

    def add(minute: float, type_: str, data: dict[str, Any], person: Person) -> Event:
        e = Event(seq=len(evs) + 1, ts=T0 + timedelta(minutes=minute), actor=person.actor, type=type_,
                  data=data, prev="", h=f"h{len(evs) + 1}")
        evs.append(e)
        return e

    add(0, ev.DECLARED, {"id": "INC-20261122-1", "title": "t", "severity": "P2", "runbook": None,
                         "source": {"kind": "manual"}, "drill": None, "commander": "alice"}, ALICE)
    minute = 0.0
    for _ in range(draw(st.integers(1, 14))):
        minute += draw(st.sampled_from([0.5, 3.0, 20.0]))
        who = draw(st.sampled_from(PEOPLE))
        kind = draw(st.sampled_from(["request", "grant", "refuse", "expire", "use"]))
        rid = draw(st.sampled_from([f"R{s}" for s in range(1, len(evs) + 1)] + ["R999"]))
        sha = draw(st.sampled_from(["aa" * 32, "bb" * 32]))
        if kind == "request":
            add(minute, ev.APPROVAL_REQUESTED, {"step": 1, "step_id": "s", "runbook_id": "RB", "command": "x",
                                                "command_sha256": sha, "requester": who.to_json(),
                                                "expires_after": 900}, who)
        elif kind == "grant":
            add(minute, ev.APPROVAL_GRANTED, {"request": rid, "command_sha256": sha, "approver": who.to_json(),
                                              "expires_at": format_ts(T0 + timedelta(minutes=minute + 15))}, who)
        elif kind == "refuse":
            add(minute, ev.APPROVAL_REFUSED, {"request": rid, "by": who.to_json(), "reason": "no"}, who)
        elif kind == "expire":
            add(minute, ev.APPROVAL_EXPIRED, {"request": rid, "was": "pending"}, who)
        else:
            add(minute, ev.APPROVAL_USED, {"request": rid, "by": who.to_json(), "command_sha256": sha}, who)
    return evs


@settings(max_examples=150, deadline=None)
@given(approval_journals())
def test_no_journal_makes_a_self_approval_or_a_second_use_count(evs: list[Any]) -> None:
    from warroom.incident.fold import replay

    state = replay(evs)
    by_seq = {e.seq: e for e in evs}
    for req in state.approvals.values():
        if req.status in ("approved", "used"):
            assert req.decided_seq == req.approved_seq and req.decided_by == req.approved_by
        if req.approved_until is not None:      # granted, maybe refused (withdrawn) afterwards
            assert req.approved_by is not None and req.requester is not None and req.approved_seq is not None
            assert not same_person(req.requester, req.approved_by)
            grant = by_seq[req.approved_seq]
            assert grant.type == ev.APPROVAL_GRANTED
            assert grant.data["command_sha256"] == req.command_sha256       # exactly the command asked
            assert grant.ts < req.at + timedelta(seconds=req.expires_after)  # granted while open
        if req.status == "used":
            assert req.approved_until is not None and req.used_seq is not None and req.used_seq > req.approved_seq
            use = by_seq[req.used_seq]
            assert use.ts < req.approved_until and use.data["command_sha256"] == req.command_sha256
        uses = [e for e in evs if e.type == ev.APPROVAL_USED and e.data["request"] == req.id]
        if req.used_seq is not None:
            assert req.used_seq in [e.seq for e in uses if e.seq > (req.decided_seq or 0)]
