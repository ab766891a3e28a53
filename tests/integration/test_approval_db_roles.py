"""Two-person approval proven by the database: with ``[approval] distinct_db_roles`` on the shared
store, an approval counts only when PostgreSQL recorded a different role for it than for its
request. Two people behind one database role are refused however they name themselves; a local
journal with the option on is refused with the reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration.shared_fixtures import shared_config
from warroom.config import Config
from warroom.errors import WarroomError
from warroom.execute.safety import StepRefused
from warroom.incident.approval_desk import SelfApproval
from warroom.incident.identity import Person
from warroom.incident.store import IncidentStore

ALICE = Person("alice", 1001, "bastion-1", "alice@bastion-1")
BOB = Person("bob", 1002, "bastion-2", "bob@bastion-2")

RUNBOOK = '''+++
id = "RB-APPR-DB"
title = "Approval on the shared store"
severity = "P2"
+++
# Approval on the shared store

## Mitigation

```bash {approval=true}
# Say approved
echo approved-run
```
'''


def _roles(pg_server: object, dsn: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[str, str]:
    """Two login roles of this test's own (roles are cluster-wide: named after the database), granted by
    ``warroom shared init --grant`` run in-process (the CLI's own ``main``; set-up: each was an interpreter of its
    own)."""
    from tui.cli import main

    dbname = dsn.rsplit("/", 1)[1]
    alice_db, bob_db = f"alice_{dbname}", f"bob_{dbname}"
    with pg_server.admin(dbname) as conn:  # type: ignore[attr-defined]
        conn.execute(f"CREATE ROLE {alice_db} LOGIN PASSWORD 'alice-Secret-1'")
        conn.execute(f"CREATE ROLE {bob_db} LOGIN PASSWORD 'bob-Secret-2'")
    for role in (alice_db, bob_db):
        with pytest.MonkeyPatch.context() as env:
            env.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
            capsys.readouterr()
            code = main(["shared", "init", "--shared", dsn, "--grant", role])
            out, err = capsys.readouterr()
        assert code == 0 and "Traceback" not in out + err, err
    return (pg_server.dsn(dbname, user=alice_db, password="alice-Secret-1"),  # type: ignore[attr-defined]
            pg_server.dsn(dbname, user=bob_db, password="bob-Secret-2"))  # type: ignore[attr-defined]


def _open(dsn: str, tmp_path: Path, name: str, person: Person, inc_id: str | None = None):  # type: ignore[no-untyped-def]
    cfg = shared_config(dsn, tmp_path, name)
    (tmp_path / "runbooks" / "appr.md").write_text(RUNBOOK)
    cfg.approval.distinct_db_roles = True
    store = IncidentStore.from_config(cfg)
    inc = store.create(title="Breaker", severity="P2", runbook="RB-APPR-DB") if inc_id is None else store.open(inc_id)
    inc._person = person          # two people, as two OS accounts would be (the OS rule is tested elsewhere)
    return inc


def test_same_database_role_never_approves(shared_dsn: str, tmp_path: Path, pg_server: object,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    alice_dsn, bob_dsn = _roles(pg_server, shared_dsn, tmp_path, capsys)
    alice = _open(alice_dsn, tmp_path, "alice", ALICE)
    bob_on_alices_role = _open(alice_dsn, tmp_path, "bob-shared", BOB, alice.id)
    req = alice.approvals.request(alice.prepare_step(1)).request
    with pytest.raises(SelfApproval, match="the role you are connected as"):
        bob_on_alices_role.approvals.approve(req.id)
    bob = _open(bob_dsn, tmp_path, "bob", BOB, alice.id)
    bob.approvals.approve(req.id)
    result = alice.run_step(alice.prepare_step(1)).wait(60)
    assert result.status == "ok"
    assert alice.state.approvals[req.id].status == "used"


def test_a_grant_written_through_the_requesters_role_does_not_count(shared_dsn: str, tmp_path: Path,
                                                                    pg_server: object,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    """Alice writes the grant herself (the Python API, any person she likes): the database saw
    her role on both lines, so the run is refused."""
    from warroom.journal import events as ev

    alice_dsn, _bob_dsn = _roles(pg_server, shared_dsn, tmp_path, capsys)
    alice = _open(alice_dsn, tmp_path, "alice", ALICE)
    req = alice.approvals.request(alice.prepare_step(1)).request
    grant = {"request": req.id, "command_sha256": req.command_sha256,
             "approver": BOB.to_json(), "expires_at": "2099-01-01T00:00:00Z"}
    alice.append(ev.APPROVAL_GRANTED, grant)
    assert alice.state.approvals[req.id].status == "pending"       # the line's own actor is alice's
    # written under another actor name as well, through alice's database role:
    _open(alice_dsn, tmp_path, "bob-shared", BOB, alice.id).append(ev.APPROVAL_GRANTED, grant)
    assert alice.state.approvals[req.id].status == "approved"      # the journal alone believes it
    with pytest.raises(StepRefused, match=r"the database recorded the same role \(alice_t_"):
        alice.run_step(alice.prepare_step(1))


def test_the_option_refuses_a_local_journal(tmp_path: Path) -> None:
    rb = tmp_path / "rb.md"
    rb.write_text(RUNBOOK)
    cfg = Config()
    cfg.approval.distinct_db_roles = True
    alice = IncidentStore(tmp_path / "state", cfg).create(title="x", severity="P2", runbook=str(rb))
    alice._person = ALICE
    req = alice.approvals.request(alice.prepare_step(1)).request
    with pytest.raises(WarroomError, match="distinct_db_roles = true needs the shared store"):
        alice.approvals.approve(req.id)
