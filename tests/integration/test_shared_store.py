"""The shared store on a real PostgreSQL: the same chain as the file journal, appends that never
fork, a running step's end carried across an outage, and a database that refuses rewrites."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.conftest import REPO, subprocess_env, warroom_cmd
from tests.in_process import warroom_here
from tests.integration.shared_fixtures import shared_config, wait_until
from warroom.incident.store import IncidentStore
from warroom.journal.encoding import GENESIS, _check_line
from warroom.shared.db import SharedStoreDown

pytestmark = pytest.mark.integration


def _cli(capfd: pytest.CaptureFixture[str], *argv: str, **env: str) -> subprocess.CompletedProcess[str]:
    """``warroom ARGV`` through ``tui.cli.main`` in this process (``warroom_here``), ``env`` set for the call and
    ``WARROOM_DSN`` removed unless given: what reached file descriptors 1 and 2 (libpq's own writes too) is its stdout
    and stderr. A command whose promise is about its own process (run as typed, raced, followed, a fresh one meeting a
    hung server) is still started as one."""
    return warroom_here(*argv, env={"WARROOM_DSN": None, **env}, fds=capfd)


def _rows(pg_server: object, dsn: str) -> list[tuple]:
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as conn:
        return conn.execute("SELECT seq, prev, h, line, actor, type, origin FROM warroom.events"
                            " ORDER BY incident, seq").fetchall()


def test_two_hosts_share_one_chain(shared_dsn: str, tmp_path: Path, pg_server: object) -> None:
    a = IncidentStore.from_config(shared_config(shared_dsn, tmp_path, "alice"))
    b = IncidentStore.from_config(shared_config(shared_dsn, tmp_path, "bob"))
    inc = a.create(title="Quota at 92%", severity="P3", runbook="RB-SHARED-T")
    assert inc.shared and inc.id == "INC-" + inc.id.split("-")[1] + "-1"
    other = b.open(inc.id)
    # bob's host has no local copy of the runbook: it comes from the store
    assert other.runbook() is not None and other.runbook().id == "RB-SHARED-T"
    other.note("info", "bob here")
    inc.note("root-cause", "retry storm")
    assert [t.text for t in other.state.notes] == ["bob here", "retry storm"]
    assert [t.text for t in inc.state.notes] == ["bob here", "retry storm"]
    rows = _rows(pg_server, shared_dsn)
    assert [r[0] for r in rows] == [1, 2, 3]
    # each row is exactly a file-journal line: its hash checks with the file journal's own code
    prev = GENESIS
    for seq, row_prev, h, line, actor, _type, _origin in rows:
        ev, problem = _check_line(line.encode(), seq)
        assert problem is None and ev is not None and ev.h == h and ev.prev == row_prev == prev
        prev = h
    import socket

    assert {r[4] for r in rows} == {f"alice@{socket.gethostname()}", f"bob@{socket.gethostname()}"}
    proof = other.verify()
    assert proof.ok and any("hash chain intact from #1 to #3" in p for p in proof.proved)
    assert [s.id for s in b.list()] == [inc.id]
    # a second incident the same day gets the next id whichever host declares it (declared at the
    # first's moment: declared after midnight UTC it is the next day's first, whatever the hour the test runs)
    assert b.create(title="Second", severity="P4", at=inc.state.declared_at).id.endswith("-2")


def test_concurrent_appends_from_eight_processes_never_fork(shared_dsn: str, tmp_path: Path) -> None:
    cfg = shared_config(shared_dsn, tmp_path, "ic")
    inc = IncidentStore.from_config(cfg).create(title="Load", severity="P2")
    # Eight writer processes, each with its own connection, forked by one interpreter once it has imported what they
    # run (before any connection is made): eight interpreters each importing warroom were ~0.5 s CPU apiece. Each
    # child's exit status is told on stdout; a child's error (its traceback) reaches stderr.
    script = textwrap.dedent(f"""
        import os, sys, traceback
        sys.path.insert(0, {str(REPO)!r})
        import psycopg
        from tests.integration.shared_fixtures import shared_config
        from warroom.incident.store import IncidentStore
        import warroom.shared.db
        from pathlib import Path

        def write(n):
            cfg = shared_config({shared_dsn!r}, Path({str(tmp_path)!r}), f"p{{n}}")
            inc = IncidentStore.from_config(cfg).open({inc.id!r})
            for i in range(20):
                inc.note("info", f"p{{n}}-{{i}}")

        sys.stdout.flush(); sys.stderr.flush()
        pids = []
        for n in range(8):
            pid = os.fork()
            if pid == 0:
                code = 0
                try:
                    write(n)
                except BaseException:
                    traceback.print_exc()
                    code = 1
                finally:
                    sys.stdout.flush(); sys.stderr.flush()
                    os._exit(code)
            pids.append(pid)
        codes = [os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) for pid in pids]
        print(codes)
        sys.exit(1 if any(codes) else 0)
    """)
    p = subprocess.run([sys.executable, "-c", script], env=subprocess_env(), capture_output=True, timeout=240)
    assert p.returncode == 0 and p.stdout.decode().strip() == str([0] * 8), (p.stdout, p.stderr.decode()[-2000:])
    events = inc.read().events
    assert [e.seq for e in events] == list(range(1, 1 + 1 + 8 * 20))   # dense: nothing lost, nothing doubled
    for n in range(8):
        mine = [e.data["text"] for e in events if e.type == "note.added" and e.data["text"].startswith(f"p{n}-")]
        assert mine == [f"p{n}-{i}" for i in range(20)]                 # each writer's order kept
    assert inc.verify().ok


def test_step_end_is_spooled_while_the_store_is_down(shared_dsn: str, tmp_path: Path, pg_server: object) -> None:
    cfg = shared_config(shared_dsn, tmp_path, "alice")
    inc = IncidentStore.from_config(cfg).create(title="Outage", severity="P2", runbook="RB-SHARED-T")
    watcher = IncidentStore.from_config(shared_config(shared_dsn, tmp_path, "bob")).open(inc.id)
    handle = inc.run_step(inc.prepare_step(2), confirm=True)
    wait_until(lambda: any(e.type == "step.started" for e in watcher.read().events))
    pg_server.stop()  # type: ignore[attr-defined]
    try:
        st = inc.refresh()
        assert inc.store_problem() is not None and "shared store down" in inc.store_problem()
        assert st.steps[("RB-SHARED-T", inc.step(2).id)].status == "running"   # last state kept
        with pytest.raises(SharedStoreDown, match="new actions are refused"):
            inc.note("info", "written while down")
        with pytest.raises(SharedStoreDown):
            inc.run_step(inc.prepare_step(1), confirm=True)
        (tmp_path / "go").write_text("go")
        result = handle.wait(timeout=120)
        assert result.status == "ok"
        inc.refresh()
        assert inc.store_problem() is not None       # still down: the end waits in the spool
        del inc                  # alice's warroom is gone: only the step's forwarder is left on her host
    finally:
        if not pg_server.running:  # type: ignore[attr-defined]
            pg_server.start()  # type: ignore[attr-defined]
    wait_until(lambda: any(e.type == "step.finished" for e in watcher.read().events), limit=90, every=0.2)
    inc = IncidentStore.from_config(cfg).open(watcher.id)
    events = watcher.read().events
    types = [e.type for e in events]
    assert types[-2:] == ["step.started", "step.finished"] and "written while down" not in str(events)
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert events[-1].data["status"] == "ok" and events[-1].actor.startswith("alice@")
    assert watcher.state.steps[("RB-SHARED-T", inc.step(2).id)].status == "ok"
    assert watcher.verify().ok
    # forwarding again (another process, a second refresh) never doubles the spooled events
    assert inc.journal.forward() == 0
    assert [e.type for e in watcher.read().events] == types


def test_responder_role_cannot_rewrite_history(shared_dsn: str, tmp_path: Path, pg_server: object,
                                               capfd: pytest.CaptureFixture[str]) -> None:
    import psycopg

    dbname = shared_dsn.rsplit("/", 1)[1]
    with pg_server.admin(dbname) as conn:  # type: ignore[attr-defined]
        conn.execute("CREATE ROLE responder LOGIN PASSWORD 'resp-Secret-9'")
    proc = _cli(capfd, "shared", "init", "--shared", shared_dsn, "--grant", "responder",
                XDG_CONFIG_HOME=str(tmp_path / "xdg"))
    assert proc.returncode == 0, proc.stderr
    assert "granted responder" in proc.stdout
    responder = pg_server.dsn(dbname, user="responder", password="resp-Secret-9")  # type: ignore[attr-defined]
    inc = IncidentStore.from_config(shared_config(responder, tmp_path, "carol")).create(title="x", severity="P3")
    inc.note("info", "a responder can append")
    with psycopg.connect(responder, autocommit=True) as conn:
        for sql in ("UPDATE warroom.events SET line = line WHERE seq = 1",
                    "DELETE FROM warroom.events WHERE seq = 2",
                    "TRUNCATE warroom.events"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(sql)
        # a forged row (right columns, wrong link) is refused by the database itself
        with pytest.raises(psycopg.errors.RaiseException, match="hash|chain|differ"):
            conn.execute("INSERT INTO warroom.events (incident, seq, prev, h, line, ts, actor, type)"
                         " SELECT incident, 3, prev, h, line, ts, actor, type FROM warroom.events WHERE seq = 2")
    # even the owner cannot rewrite through the tables: the append-only trigger refuses
    with pg_server.admin(dbname) as conn:  # type: ignore[attr-defined]
        with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
            conn.execute("UPDATE warroom.events SET actor = 'mallory' WHERE seq = 1")
        with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
            conn.execute("DELETE FROM warroom.events WHERE seq = 2")
    proof = inc.verify()
    assert proof.ok and len(inc.read().events) == 2
    assert any("responder (2)" in line for line in proof.unproved)   # who really wrote the rows


def test_password_never_shown(shared_dsn: str, tmp_path: Path, pg_server: object,
                              capfd: pytest.CaptureFixture[str]) -> None:
    """The first command (the DSN typed on its command line) is a process of its own; the others are the same
    ``main`` in this process, everything that reached its file descriptors 1 and 2 read (``_cli``)."""
    from tests.pgserver import ADMIN_PASSWORD

    env = subprocess_env(XDG_CONFIG_HOME=str(tmp_path / "xdg"), WARROOM_DSN=shared_dsn)
    state = ["--state-dir", str(tmp_path / "state")]

    def run(*args: str, **extra: str) -> subprocess.CompletedProcess[str]:
        return _cli(capfd, *args, **{"XDG_CONFIG_HOME": env["XDG_CONFIG_HOME"], "WARROOM_DSN": shared_dsn, **extra})

    outputs = []
    flag = subprocess.run([*warroom_cmd(), "incident", "list", *state, "--shared", shared_dsn], capture_output=True,
                          text=True, timeout=60, env={k: v for k, v in env.items() if k != "WARROOM_DSN"})
    assert flag.returncode == 0 and "carries a password" in flag.stderr   # said, never shown
    outputs.append(flag)
    new = run("incident", "new", *state, "--title", f"pw {ADMIN_PASSWORD}?", "--severity", "P3")
    assert new.returncode == 0, new.stderr
    inc_id = new.stdout.strip().splitlines()[-1]
    show = run("incident", "show", *state, inc_id)
    assert show.returncode == 0 and "Shared store 127.0.0.1:" in show.stdout and "open now: nobody else" in show.stdout
    outputs += [new, run("shared", "status"), show, run("incident", "verify", *state, inc_id)]
    wrong = shared_dsn.replace(ADMIN_PASSWORD, ADMIN_PASSWORD[::-1])
    refused = run("incident", "list", *state, WARROOM_DSN=wrong)
    assert refused.returncode == 7 and "password authentication failed" in refused.stderr
    dead = shared_dsn.replace(f":{pg_server.port}/", ":1/")  # type: ignore[attr-defined]
    down = run("incident", "note", *state, inc_id, "--tag", "info", "x", WARROOM_DSN=dead)
    assert down.returncode == 7 and "shared store down" in down.stderr
    # TLS options reach libpq untouched (the test server offers TLS with its own CA)
    ca = pg_server.ca  # type: ignore[attr-defined]
    plain = run("shared", "status", WARROOM_DSN=shared_dsn + "?sslmode=disable")
    assert plain.returncode == 0 and "TLS off" in plain.stdout and "***" in plain.stdout
    tls = run("shared", "status", WARROOM_DSN=shared_dsn + f"?sslmode=verify-full&sslrootcert={ca}")
    assert tls.returncode == 0 and "TLS on" in tls.stdout, tls.stderr
    bad = run("shared", "status", WARROOM_DSN=shared_dsn + "?sslmode=verify-full&sslrootcert=/nonexistent/ca.pem")
    assert bad.returncode == 7 and "/nonexistent/ca.pem" in bad.stderr and "refused" in bad.stderr
    outputs += [plain, tls, bad]
    bundle = Path("/etc/ssl/certs/ca-certificates.crt")
    if bundle.exists():   # real CAs, none of which signed the test server: not trusted
        other = run("shared", "status", WARROOM_DSN=shared_dsn + f"?sslmode=verify-full&sslrootcert={bundle}")
        assert other.returncode == 7 and "certificate verify failed" in other.stderr
        outputs.append(other)
    outputs += [refused, down]
    for p in outputs:
        assert ADMIN_PASSWORD not in p.stdout + p.stderr
        assert ADMIN_PASSWORD[::-1] not in p.stdout + p.stderr
    # nor in the journal: the title typed with it was redacted like any secret (the DSN's
    # password is a known secret), and no row or local file carries it
    for row in _rows(pg_server, shared_dsn):
        assert ADMIN_PASSWORD not in row[3]
    for f in (tmp_path / "state").rglob("*"):
        if f.is_file():
            assert ADMIN_PASSWORD.encode() not in f.read_bytes(), f


def test_another_hosts_running_step_is_left_alone(shared_dsn: str, tmp_path: Path) -> None:
    from warroom.errors import WarroomError
    from warroom.incident.live import LiveIncident

    inc = IncidentStore.from_config(shared_config(shared_dsn, tmp_path, "alice")).create(
        title="Two hosts", severity="P3", runbook="RB-SHARED-T")
    handle = inc.run_step(inc.prepare_step(2), confirm=True)
    bob = IncidentStore.from_config(shared_config(shared_dsn, tmp_path, "bob")).open(inc.id)
    key = ("RB-SHARED-T", bob.step(2).id)
    assert bob.state.steps[key].status == "running"
    running, interrupted = bob.reconcile()          # a resume on bob's host
    assert running == [] and interrupted == []       # alice's step is not bob's to call interrupted
    live = LiveIncident(bob)
    assert live.runs_elsewhere(key) is not None and live.runs_elsewhere(key).startswith("alice@")
    with pytest.raises(WarroomError, match="runs on another host"):
        live.cancel(key)
    # bob runs the first step himself: his output name never collides with alice's
    mine = bob.run_step(bob.prepare_step(1), confirm=True)
    assert mine.wait(timeout=60).status == "ok"
    (tmp_path / "go").write_text("go")
    assert handle.wait(timeout=120).status == "ok"
    inc.refresh()
    events = bob.read().events
    outputs = [e.data["output"] for e in events if e.type == "step.started"]
    assert len(set(outputs)) == 2
    assert [e.data["status"] for e in events if e.type == "step.finished"] == ["ok", "ok"]
    assert bob.state.steps[key].status == "ok"
    # the gate of alice's step is alice's host's to watch and settle, not bob's (one outcome)
    inc.append("verify.started", {"step": 2, "step_id": key[1], "expr": "quota < 75", "window": 600,
                                  "deadline": "2099-01-01T00:00:00.000Z"})
    assert [g.step_id for g in LiveIncident(inc).open_gates()] == [key[1]]
    assert LiveIncident(bob).open_gates() == []
    # and its "after" evidence is owed by alice's host only; bob's own step's by bob's
    ends = lambda who: [e.data["step_id"] for e in LiveIncident(who)._evidence_events(bob.read().events)  # noqa: E731
                        if e.type == "step.finished"]
    assert ends(bob) == [bob.step(1).id] and ends(inc) == [key[1]]


def test_share_moves_a_local_incident_with_its_chain(shared_dsn: str, tmp_path: Path,
                                                    capfd: pytest.CaptureFixture[str]) -> None:
    """``incident share`` is ``main`` in this process (``_cli``): what moves is the chain, whichever process
    moves it."""
    from warroom.config import Config
    from warroom.errors import WarroomError

    cfg = shared_config(shared_dsn, tmp_path, "alice")
    local_cfg = Config(**{**cfg.__dict__})
    local_cfg.shared = type(cfg.shared)()          # no DSN: the local file journal
    local = IncidentStore.from_config(local_cfg)
    inc = local.create(title="Started alone", severity="P2", runbook="RB-SHARED-T")
    assert not inc.shared
    handle = inc.run_step(inc.prepare_step(1), confirm=True)
    assert handle.wait(timeout=60).status == "ok"
    inc.note("root-cause", "found before anyone joined")
    local_events = inc.read().events
    env = {"XDG_CONFIG_HOME": str(tmp_path / "xdg"), "WARROOM_DSN": shared_dsn}
    state = ["--state-dir", cfg.incident.state_dir]
    shared_cmd = _cli(capfd, "incident", "share", *state, inc.id, **env)
    assert shared_cmd.returncode == 0, shared_cmd.stderr
    assert f"chain intact up to #{local_events[-1].seq} sha256:{local_events[-1].h}" in shared_cmd.stdout
    # every line is in the store unchanged: same seq, same hash, same bytes
    bob = IncidentStore.from_config(shared_config(shared_dsn, tmp_path, "bob")).open(inc.id)
    copied = bob.read().events
    assert [(e.seq, e.h) for e in copied[:len(local_events)]] == [(e.seq, e.h) for e in local_events]
    assert copied[len(local_events)].type == "incident.shared"
    assert bob.verify().ok and bob.runbook() is not None
    assert [n.text for n in bob.state.notes] == ["found before anyone joined"]
    bob.note("info", "joined on the shared copy")
    # the local copy is read-only now (no split brain), and sharing again is refused
    with pytest.raises(WarroomError, match="moved to the shared store"):
        local.open(inc.id).note("info", "written locally after the move")
    again = _cli(capfd, "incident", "share", *state, inc.id, **env)
    assert again.returncode != 0 and "already moved" in again.stderr
    # exports work the same on the shared copy
    alice = IncidentStore.from_config(cfg).open(inc.id)
    result = alice.export("pir")
    assert result.path.exists() and "found before anyone joined" in result.path.read_text()
    assert alice.verify().ok


def test_schema_is_created_once_and_checked(pg_server: object, tmp_path: Path,
                                            capfd: pytest.CaptureFixture[str]) -> None:
    """The first look (it names the command as typed) and the two racing inits are processes of their own; the
    init after them and the last look are ``main`` in this process (``_cli``)."""
    db = pg_server.new_database()  # type: ignore[attr-defined]
    dsn = pg_server.dsn(db)  # type: ignore[attr-defined]
    env = subprocess_env(XDG_CONFIG_HOME=str(tmp_path / "xdg"), WARROOM_DSN=dsn)
    state = ["--state-dir", str(tmp_path / "state")]

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*warroom_cmd(), *args], capture_output=True, text=True, env=env, timeout=60)

    none = run("incident", "list", *state)
    # the command as typed to run this very script (paths.command: its path when no PATH names it)
    assert none.returncode == 7 and re.search(r"run `\S*warroom shared init`", none.stderr), none.stderr
    # two inits at the same moment: one applies the migration, neither fails
    procs = [subprocess.Popen([*warroom_cmd(), "shared", "init"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, env=env) for _ in range(2)]
    outs = [p.communicate(timeout=60) for p in procs]
    assert all(p.returncode == 0 for p in procs), outs
    from warroom.shared.schema import LATEST, MIGRATIONS

    for m in MIGRATIONS:   # each migration applied once, by one of them
        assert sum(f"applied schema version {m.version}:" in o for o, _e in outs) == 1
    again = _cli(capfd, "shared", "init", XDG_CONFIG_HOME=env["XDG_CONFIG_HOME"], WARROOM_DSN=dsn)
    assert again.returncode == 0 and f"already at version {LATEST}" in again.stdout
    with pg_server.admin(db) as conn:  # type: ignore[attr-defined]
        rows = conn.execute("SELECT version, description FROM warroom.schema_version ORDER BY version").fetchall()
        assert [r[0] for r in rows] == [m.version for m in MIGRATIONS]
        conn.execute("INSERT INTO warroom.schema_version (version, description) VALUES (99, 'from the future')")
    newer = _cli(capfd, "incident", "list", *state, XDG_CONFIG_HOME=env["XDG_CONFIG_HOME"], WARROOM_DSN=dsn)
    assert newer.returncode == 7 and "newer than this warroom knows" in newer.stderr


def test_native_step_end_meets_the_store_down(shared_dsn: str, tmp_path: Path, pg_server: object) -> None:
    """A promql step runs in-process: its end goes through the spool like a supervised step's."""
    from warroom.config import Config
    from warroom.drill.directory import create_drill

    rb = tmp_path / "native.md"
    rb.write_text('+++\nid = "RB-NAT-S"\ntitle = "Native"\nseverity = "P3"\n+++\n# Native\n\n## Detection\n\n'
                  "```promql\n100 * max(flowengine_model_quota_used_ratio)\n```\n")
    source = create_drill(tmp_path / "drills", "rate-limit", 60.0).source(Config().slo)

    class StopsTheStore:
        """The query answers after the store went down (mid-step)."""

        def __getattr__(self, name: str) -> object:
            real = getattr(source, name)
            if not callable(real):
                return real

            def call(*a: object, **kw: object) -> object:
                pg_server.stop()  # type: ignore[attr-defined]
                return real(*a, **kw)

            return call

    inc = IncidentStore.from_config(shared_config(shared_dsn, tmp_path, "alice")).create(
        title="native", severity="P3", runbook=str(rb))
    try:
        result = inc.run_native_step(inc.prepare_step(1), metric_source=StopsTheStore())
        assert result.status == "ok"
        assert inc.store_problem() is not None
    finally:
        if not pg_server.running:  # type: ignore[attr-defined]
            pg_server.start()  # type: ignore[attr-defined]
    wait_until(lambda: (inc.refresh(), inc.store_problem() is None)[1], limit=60, every=0.2)
    events = [e.type for e in inc.read().events]
    assert events[-2:] == ["step.started", "step.finished"] and inc.verify().ok


def test_cli_follow_prints_every_responders_events(shared_dsn: str, tmp_path: Path) -> None:
    inc = IncidentStore.from_config(shared_config(shared_dsn, tmp_path, "alice")).create(
        title="Followed", severity="P3")
    env = subprocess_env(XDG_CONFIG_HOME=str(tmp_path / "xdg"), WARROOM_DSN=shared_dsn)
    follow = subprocess.Popen([*warroom_cmd(), "incident", "follow", "--state-dir", str(tmp_path / "state-cli"),
                               inc.id, "--count", "2", "--for", "120"], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert follow.stdout is not None
        first = follow.stdout.readline()         # blocks until it is listening (bounded by --for)
        assert first.startswith(f"following {inc.id}") and "shared store" in first
        bob = IncidentStore.from_config(shared_config(shared_dsn, tmp_path, "bob")).open(inc.id)
        bob.note("info", "bob joined")
        inc.note("root-cause", "alice found it")
        rest, err = follow.communicate(timeout=120)
    finally:
        if follow.poll() is None:
            follow.kill()
            follow.wait(10)
    assert follow.returncode == 0, err
    lines = rest.strip().splitlines()
    assert len(lines) == 2 and "#2" in lines[0] and "bob@" in lines[0] and "bob joined" in lines[0]
    assert "#3" in lines[1] and "alice@" in lines[1] and "alice found it" in lines[1]


def test_a_hung_server_refuses_actions_instead_of_hanging(shared_dsn: str, tmp_path: Path, pg_server: object) -> None:
    """SIGSTOP: TCP stays up and nothing answers. An action on an open connection and a fresh CLI
    command each end with 'shared store down' (exit 7) instead of waiting for ever."""
    cfg = shared_config(shared_dsn, tmp_path, "alice", connect_timeout=1.0)
    inc = IncidentStore.from_config(cfg).create(title="Hung", severity="P3")
    env = subprocess_env(XDG_CONFIG_HOME=str(tmp_path / "xdg"), WARROOM_DSN=shared_dsn)
    frozen = pg_server.freeze()  # type: ignore[attr-defined]
    try:
        with pytest.raises(SharedStoreDown, match="no answer within"):
            inc.note("info", "while it hangs")
        cli = subprocess.run([*warroom_cmd(), "incident", "note", "--state-dir", str(tmp_path / "s2"), inc.id,
                              "--tag", "info", "x"], capture_output=True, text=True, env=env, timeout=120)
        assert cli.returncode == 7 and "shared store down" in cli.stderr
    finally:
        pg_server.thaw(frozen)  # type: ignore[attr-defined]
    wait_until(lambda: (inc.refresh(), inc.store_problem() is None)[1], limit=60, every=0.2)
    inc.note("info", "after it answered again")
    notes = [n.text for n in inc.state.notes]
    assert notes[-1] == "after it answered again" and inc.verify().ok


def test_a_missed_notification_loses_nothing(shared_dsn: str, tmp_path: Path, pg_server: object) -> None:
    """NOTIFY is only a wake-up: with the notify trigger off (every notification missed), the
    catch-up read still brings the event; with nothing new, the catch-up wakes nobody."""
    import threading

    from warroom.incident.live import LiveIncident

    inc = IncidentStore.from_config(shared_config(shared_dsn, tmp_path, "alice")).create(title="Missed", severity="P3")
    bob = IncidentStore.from_config(shared_config(shared_dsn, tmp_path, "bob", catch_up=0.5)).open(inc.id)
    bob.refresh()
    reasons: list[str] = []
    woke = threading.Event()

    def on_change(reason: str) -> None:
        reasons.append(reason)
        woke.set()

    live = LiveIncident(bob)
    assert live.watch(on_change)
    try:
        wait_until(lambda: "events" in reasons)           # connected (its first read)
        bob.refresh()
        reasons.clear()
        dbname = shared_dsn.rsplit("/", 1)[1]
        with pg_server.admin(dbname) as conn:  # type: ignore[attr-defined]
            conn.execute("ALTER TABLE warroom.events DISABLE TRIGGER events_notify")
        try:
            # quiet: three catch-up checks pass and nobody is woken for nothing
            listener = live._listener
            assert listener is not None
            checks = listener.catch_ups
            wait_until(lambda: listener.catch_ups >= checks + 3, limit=30)
            assert "catch_up" not in reasons
            inc.note("info", "no notification for this one")
            wait_until(lambda: "catch_up" in reasons, limit=30)
            assert "events" not in reasons                 # it did not come by NOTIFY
            assert [n.text for n in bob.refresh().notes] == ["no notification for this one"]
        finally:
            with pg_server.admin(dbname) as conn:  # type: ignore[attr-defined]
                conn.execute("ALTER TABLE warroom.events ENABLE TRIGGER events_notify")
    finally:
        live.close()


def test_the_password_never_reaches_step_output(shared_dsn: str, tmp_path: Path, pg_server: object,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """A step that prints its environment (which holds $WARROOM_DSN) or the password itself:
    the journal's excerpt and the stored output have it masked, whatever the DSN's form."""
    from tests.pgserver import ADMIN, ADMIN_PASSWORD

    kv = f"host=127.0.0.1 port={pg_server.port} dbname={shared_dsn.rsplit('/', 1)[1]} user={ADMIN} password={ADMIN_PASSWORD}"  # type: ignore[attr-defined]
    monkeypatch.setenv("WARROOM_DSN", kv)
    cfg = shared_config(kv, tmp_path, "alice")
    cfg.shared.override = None                          # from the environment, as a step inherits it
    rb = tmp_path / "leaky.md"
    rb.write_text('+++\nid = "RB-LEAK"\ntitle = "Leaky"\nseverity = "P3"\n+++\n# Leaky\n\n## Triage\n\n'
                  '```bash\n# Print what the shell knows\nenv | grep WARROOM_DSN; echo "$WARROOM_DSN" | sed "s/.*password=/pw is /"'
                  '\n```\n')
    inc = IncidentStore.from_config(cfg).create(title="leak", severity="P3", runbook=str(rb))
    handle = inc.run_step(inc.prepare_step(1), confirm=True)
    assert handle.wait(timeout=60).status == "ok"
    inc.refresh()
    finished = [e for e in inc.read().events if e.type == "step.finished"][-1]
    assert ADMIN_PASSWORD not in json.dumps(finished.data) and "REDACTED" in finished.data["excerpt"]
    for f in inc.dir.rglob("*"):
        if f.is_file():
            assert ADMIN_PASSWORD.encode() not in f.read_bytes(), f
    for row in _rows(pg_server, shared_dsn):
        assert ADMIN_PASSWORD not in row[3]


def test_a_breach_two_hosts_notice_at_once_is_journaled_once(shared_dsn: str, tmp_path: Path) -> None:
    """Both dashboards read the same metric history; the host that loses the race to journal the
    breach judges again on the state holding the other's mark and writes nothing."""
    import types

    inc = IncidentStore.from_config(shared_config(shared_dsn, tmp_path, "alice")).create(title="Breach", severity="P2")
    bob = IncidentStore.from_config(shared_config(shared_dsn, tmp_path, "bob")).open(inc.id)
    mark = {"slo_id": "quota", "title": "Model API quota used", "at": "2026-12-02T00:00:00.000Z", "value": 91.0,
            "threshold": 80.0, "unit": "percent", "direction": "above", "query": "q"}
    raced: list[int] = []

    def sync_breaches(append, state, histories):  # type: ignore[no-untyped-def]
        if any(b["slo_id"] == "quota" for b in state.breaches):
            return []                          # the journal already holds it
        if not raced:
            raced.append(1)
            bob.append("slo.breached", dict(mark))   # bob's dashboard journals it first
        return [append("slo.breached", dict(mark))]

    got = inc.metrics.breaches_once(types.SimpleNamespace(sync_breaches=sync_breaches), {})
    assert got == [] and raced
    assert [e.type for e in inc.read().events].count("slo.breached") == 1
