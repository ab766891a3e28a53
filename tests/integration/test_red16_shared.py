"""Red team of issue 16 on a real PostgreSQL: what a responder with only INSERT and SELECT, a
stuck client, or a step printing its environment can do to the shared store's promises."""

from __future__ import annotations

import hashlib
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.integration.shared_fixtures import shared_config, wait_until
from warroom.errors import WarroomError
from warroom.incident.store import IncidentStore
from warroom.journal import events as ev
from warroom.journal.encoding import _check_line, encode_line

pytestmark = pytest.mark.integration

EVIL = (b'+++\nid = "RB-SHARED-T"\ntitle = "x"\nseverity = "P3"\n+++\n# x\n\n## Triage\n\n'
        b'```bash\n# Say hello\necho EVIL-COMMAND\n```\n')


def _responder(pg_server: Any, dsn: str, tmp_path: Path, name: str) -> str:
    """A least-privilege login role of this test (roles are cluster-wide: named after the db), granted by
    ``warroom shared init --grant`` run in-process (the CLI's own ``main``, its config dir set for the call, its
    output kept here; set-up: each was an interpreter of its own)."""
    import contextlib
    import io

    from tui.cli import main

    dbname = dsn.rsplit("/", 1)[1]
    role = f"{name}_{dbname}"
    with pg_server.admin(dbname) as conn:
        conn.execute(f"CREATE ROLE {role} LOGIN PASSWORD 'Resp-Secret-{name}'")
    out, err = io.StringIO(), io.StringIO()
    with pytest.MonkeyPatch.context() as env, contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        env.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
        code = main(["shared", "init", "--shared", dsn, "--grant", role])
    assert code == 0 and "Traceback" not in out.getvalue() + err.getvalue(), err.getvalue()
    return str(pg_server.dsn(dbname, user=role, password=f"Resp-Secret-{name}"))


def _chained_row(conn: Any, incident: str, **extra: Any) -> tuple:
    """A perfectly valid next line (right hash, right link), as anyone with SELECT can make."""
    seq, prev = conn.execute("SELECT seq, h FROM warroom.events WHERE incident = %s ORDER BY seq DESC LIMIT 1",
                             (incident,)).fetchone()
    line = encode_line(seq + 1, datetime.now(UTC), "mallory@x", "note.added", {"tag": "info", "text": "hi"}, prev)
    event, _ = _check_line(line[:-1], seq + 1)
    text = line[:-1].decode()
    ts = text.split('"ts":"', 1)[1].split('"', 1)[0]
    return (incident, event.seq, event.prev, event.h, text, ts, event.actor, event.type)


def test_a_forged_runbook_snapshot_in_the_store_is_never_run(shared_dsn: str, tmp_path: Path,
                                                             pg_server: Any) -> None:
    """A responder plants ``runbook.md`` for an incident about to be shared (its id is the local
    one, the name predictable). The journal's hash-chained sha256 of the snapshot decides."""
    import psycopg

    mallory = _responder(pg_server, shared_dsn, tmp_path, "mallory")
    local_cfg = shared_config(shared_dsn, tmp_path, "alice")
    local_cfg.shared.override = None
    local_store = IncidentStore.from_config(local_cfg)
    local = local_store.create(title="Local first", severity="P3", runbook="RB-SHARED-T")
    with psycopg.connect(mallory, autocommit=True) as conn:
        conn.execute("INSERT INTO warroom.incidents (id) VALUES (%s)", (local.id,))
        conn.execute("INSERT INTO warroom.files (incident, name, sha256, content) VALUES (%s, 'runbook.md', %s, %s)",
                     (local.id, hashlib.sha256(EVIL).hexdigest(), EVIL))
    with pytest.raises(WarroomError, match="already holds another runbook.md .* nothing was copied"):
        local_store.share(local.id, IncidentStore.from_config(shared_config(shared_dsn, tmp_path, "alice")))
    with psycopg.connect(shared_dsn, autocommit=True) as conn:   # all or nothing
        assert conn.execute("SELECT count(*) FROM warroom.events WHERE incident = %s", (local.id,)).fetchone()[0] == 0
    assert local_store.open(local.id).state.moved_to is None      # the local copy goes on working
    local_store.open(local.id).note("info", "still here")

    # and had lines reached the store with a planted snapshot (written in by hand), no host runs it
    from warroom.shared import share as sh

    src = local_store.open(local.id)
    sh.copy_lines(IncidentStore.from_config(shared_config(shared_dsn, tmp_path, "alice")).shared, local.id,
                  sh.local_lines(src.journal.path, len(src.read().events)))
    inc = IncidentStore.from_config(shared_config(shared_dsn, tmp_path, "bob")).open(local.id)
    with pytest.raises(WarroomError, match="does not match"):
        inc.prepare_step(1)
    # never cached: the forged copy is not left where a later open would take it as local
    assert not any(p.read_bytes() == EVIL for p in inc.dir.glob("runbook*.md"))


def test_a_responder_cannot_hijack_another_hosts_spool(shared_dsn: str, tmp_path: Path, pg_server: Any) -> None:
    """The spool's rows carry ``origin = spool:<hash>`` (readable by all). A row inserted by
    another role under that origin with a huge origin_seq would make the host skip its own
    later step events: the database refuses it, and the host's next run arrives."""
    import psycopg

    alice_dsn = _responder(pg_server, shared_dsn, tmp_path, "alice")
    mallory = _responder(pg_server, shared_dsn, tmp_path, "mallory")
    inc = IncidentStore.from_config(shared_config(alice_dsn, tmp_path, "alice")).create(
        title="Spool", severity="P3", runbook="RB-SHARED-T")
    inc.run_step(inc.prepare_step(1), confirm=True).wait()
    wait_until(lambda: sum(e.type == "step.finished" for e in inc.read().events) == 1)
    with psycopg.connect(mallory, autocommit=True) as conn:
        origin = conn.execute("SELECT origin FROM warroom.events WHERE origin LIKE 'spool:%%' LIMIT 1").fetchone()[0]
        with pytest.raises(psycopg.errors.RaiseException, match="origin"):
            conn.execute("INSERT INTO warroom.events (incident, seq, prev, h, line, ts, actor, type, origin,"
                         " origin_seq) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                         (*_chained_row(conn, inc.id), origin, 10 ** 9))
    inc.run_step(inc.prepare_step(1), confirm=True).wait()
    wait_until(lambda: sum(e.type == "step.finished" for e in inc.read().events) == 2)
    assert inc.verify().ok


def test_a_lock_held_by_a_stuck_session_ends_in_a_refusal_not_a_freeze(shared_dsn: str, tmp_path: Path) -> None:
    """Any role may take the incident's advisory lock in a psql left open: appends must not
    wait forever behind it (the server answers, so TCP timeouts never fire)."""
    import psycopg

    cfg = shared_config(shared_dsn, tmp_path, "alice")
    cfg.shared.connect_timeout = 1.0
    inc = IncidentStore.from_config(cfg).create(title="Lock", severity="P3")
    stuck = psycopg.connect(shared_dsn, autocommit=True)
    try:
        stuck.execute("SELECT pg_advisory_lock(hashtextextended(%s, 7))", (inc.id,))
        outcome: list[str] = []

        def write() -> None:
            try:
                inc.note("info", "behind a stuck lock")
                outcome.append("written")
            except WarroomError as exc:
                outcome.append(str(exc))

        t = threading.Thread(target=write, daemon=True)
        t.start()
        t.join(60)               # a bound for the test only: the refusal comes from lock_timeout
        assert outcome, "the append is still waiting behind the lock"
        assert "lock" in outcome[0] and "nothing was recorded" in outcome[0]
    finally:
        stuck.close()
    inc.note("info", "lock released")    # and the next action works without restarting anything
    assert [t.text for t in inc.state.notes] == ["lock released"]


def test_the_password_env_value_never_reaches_a_steps_recorded_output(
        shared_dsn: str, tmp_path: Path, pg_server: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """``password_env`` may name a variable that does not look secret (``DBPW``); a step that
    prints its environment must not carry the password into the output file or the store."""
    from tests.pgserver import ADMIN_PASSWORD
    import psycopg

    rb = tmp_path / "runbooks"
    rb.mkdir(exist_ok=True)
    (rb / "printenv.md").write_text('+++\nid = "RB-ENV"\ntitle = "env"\nseverity = "P3"\n+++\n# env\n\n## Triage\n\n'
                                    '```bash\n# Print env\nprintenv DBPW\n```\n')
    monkeypatch.setenv("DBPW", ADMIN_PASSWORD)
    monkeypatch.delenv("PGPASSWORD", raising=False)   # its name looks secret: it would hide the leak
    cfg = shared_config(shared_dsn.replace(f":{ADMIN_PASSWORD}@", "@"), tmp_path, "alice", password_env="DBPW")
    inc = IncidentStore.from_config(cfg).create(title="Env", severity="P3", runbook="RB-ENV")
    inc.run_step(inc.prepare_step(1), confirm=True).wait()
    wait_until(lambda: any(e.type == "step.finished" for e in inc.read().events))
    with psycopg.connect(shared_dsn, autocommit=True) as conn:
        lines = [r[0] for r in conn.execute("SELECT line FROM warroom.events")]
    assert lines and not any(ADMIN_PASSWORD in line for line in lines)
    for f in inc.dir.rglob("*"):
        if f.is_file():
            assert ADMIN_PASSWORD.encode() not in f.read_bytes(), f


def test_two_watchers_on_two_hosts_journal_one_handoff_reminder(shared_dsn: str, tmp_path: Path) -> None:
    """Two hosts notice the same reminder at the same moment: compare-and-append in the store."""
    now = [datetime(2026, 11, 22, 14, 0, tzinfo=UTC)]
    cfg_a = shared_config(shared_dsn, tmp_path, "alice")
    a = IncidentStore(cfg_a.state_dir(), cfg_a, clock=lambda: now[0]).create(title="Long", severity="P3",
                                                                              commander="alice")
    cfg_b = shared_config(shared_dsn, tmp_path, "bob")
    b = IncidentStore(cfg_b.state_dir(), cfg_b, clock=lambda: now[0]).open(a.id)
    now[0] += timedelta(minutes=61)
    real = a.journal.append
    fired = [False]

    def append(*args: Any, **kw: Any) -> Any:
        if not fired[0]:
            fired[0] = True
            b.check_handoff_reminder()
        return real(*args, **kw)

    a.journal.append = append  # type: ignore[method-assign]
    a.check_handoff_reminder()
    assert sum(e.type == ev.HANDOFF_REMINDER for e in a.read().events) == 1


APPROVAL_RUNBOOK = '''+++
id = "RB-SKEW"
title = "Approval and clocks"
severity = "P2"
+++
# Approval and clocks

## Mitigation

```bash {approval=true}
# Say approved
echo approved-run
```
'''


def test_a_host_whose_clock_is_off_cannot_approve_or_run_by_the_clock(shared_dsn: str, tmp_path: Path) -> None:
    """Approvals are judged by time across hosts: a host whose clock runs 20 minutes behind
    would approve a request that expired everywhere else. On the shared store the database's
    clock is the reference: such a host is refused, saying why."""
    from warroom.execute.safety import StepRefused
    from warroom.incident.identity import Person
    from warroom.incident.session import Incident

    def opened(name: str, person: Person, clock: Any, inc_id: str | None = None) -> Incident:
        cfg = shared_config(shared_dsn, tmp_path, name)
        (tmp_path / "runbooks" / "skew.md").write_text(APPROVAL_RUNBOOK)
        store = IncidentStore(cfg.state_dir(), cfg, clock=clock)
        inc = store.create(title="Skew", severity="P2", runbook="RB-SKEW") if inc_id is None else store.incident(inc_id)
        inc._person = person      # as that person's process would be
        return inc

    alice = opened("alice", Person("alice", 1001, "b1", "alice@b1"), lambda: datetime.now(UTC))
    req = alice.approvals.request(alice.prepare_step(1)).request
    behind = opened("bob", Person("bob", 1002, "b2", "bob@b2"), lambda: datetime.now(UTC) - timedelta(minutes=20),
                    alice.id)
    with pytest.raises(WarroomError, match="clock"):
        behind.approvals.approve(req.id)
    assert all(e.type != ev.APPROVAL_GRANTED for e in alice.read().events)
    on_time = opened("carol", Person("carol", 1003, "b3", "carol@b3"), lambda: datetime.now(UTC), alice.id)
    on_time.approvals.approve(req.id)
    late = opened("dave", Person("dave", 1004, "b4", "dave@b4"), lambda: datetime.now(UTC) - timedelta(minutes=20),
                  alice.id)
    with pytest.raises(StepRefused, match="clock"):
        late.approvals.require(late.prepare_step(1))


def test_a_held_lock_delays_forwarding_the_spool_but_never_reading(shared_dsn: str, tmp_path: Path) -> None:
    """Reading forwards this host's spool first, under the incident's lock: with the lock held
    by a stuck session, a reader keeps showing the incident (no error, no freeze), and the
    spooled event arrives once the lock is free."""
    import psycopg

    from warroom.journal.log import Journal
    from warroom.shared.journal import SPOOL_NAME

    cfg = shared_config(shared_dsn, tmp_path, "alice")
    cfg.shared.connect_timeout = 1.0
    inc = IncidentStore.from_config(cfg).create(title="Spool behind a lock", severity="P3")
    inc.note("info", "before")
    stuck = psycopg.connect(shared_dsn, autocommit=True)
    try:
        stuck.execute("SELECT pg_advisory_lock(hashtextextended(%s, 7))", (inc.id,))
        # what a step's supervisor does while the store is busy: its end goes to the spool
        Journal(inc.dir / SPOOL_NAME, actor="alice@spool").append("note.added", {"tag": "info", "text": "spooled"})
        reader = IncidentStore.from_config(cfg).open(inc.id)
        assert [t.text for t in reader.state.notes] == ["before"]
    finally:
        stuck.close()
    wait_until(lambda: [t.text for t in reader.refresh().notes] == ["before", "spooled"])
