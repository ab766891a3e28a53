"""``warroom incident role|ack|brief|request|approvals|approve`` from the shell.

A second OS account is simulated by replacing the password-database lookup
(``identity.os_login``) for one command, as a second process of another account would see it;
nothing an attacker controls (``$USER``, ``$LOGNAME``, the config's actor name) is an input."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.incident_fixtures import Cli, approval_runbook, install_fake_runbook
from warroom.incident import identity, runbook_ref


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Cli:
    install_fake_runbook(monkeypatch, tmp_path)

    monkeypatch.setattr(runbook_ref, "load_file", approval_runbook)
    return Cli(tmp_path / "state", capsys)


def _as(monkeypatch: pytest.MonkeyPatch, login: str) -> None:
    monkeypatch.setattr(identity, "os_login", lambda uid=None: login)


def _new(cli: Cli) -> str:
    code, out, _ = cli("new", "--title", "Quota", "--severity", "P3", "--runbook", "RB-TEST-001",
                       "--commander", "alice")
    assert code == 0
    return out.strip()


def test_roles_handoff_and_ack(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    inc = _new(cli)
    code, _, err = cli("role", inc, "tech-lead", "bob")
    assert code == 2 and "unknown role 'tech-lead'" in err and "ops (ops lead)" in err
    assert cli("role", inc, "ops-lead", "carol")[1].startswith("ops lead: carol")
    code, out, _ = cli("role", inc, "IC", "bob", "--reason", "end of shift")
    assert code == 0 and "handoff to bob: catch-up brief" in out
    for section in ("What happened:", "Current state:", "Open verify gates:", "Steps running and not done:",
                    "Stakeholder updates:", "Decisions (Go/No-Go):", "Approvals waiting:"):
        assert section in out
    assert "HANDOFF to bob not acknowledged" in cli("show", inc)[1]
    _as(monkeypatch, "carol")
    code, _, err = cli("ack", inc)
    assert code == 2 and "only the incoming commander can acknowledge it" in err
    _as(monkeypatch, "bob")
    code, out, _ = cli("ack", inc)
    assert code == 0 and "handoff acknowledged" in out and "What happened:" in out
    shown = cli("show", inc)[1]
    assert "roles: IC bob · Ops carol · Comms — · Scribe —" in shown and "HANDOFF" not in shown
    assert "Handoff acknowledged by bob@" in shown
    assert "What happened:" in cli("brief", inc)[1]


def test_approval_round_trip(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    inc = _new(cli)
    _as(monkeypatch, "alice")
    code, _, err = cli("run", inc, "5")
    assert code == 5 and "needs a second person's approval and none was requested" in err
    code, out, _ = cli("request", inc, "5")
    assert code == 0
    rid = out.split()[1]
    assert rid.startswith("R") and "command: echo hello" in out and "dry run: none" in out
    code, _, err = cli("approve", inc, rid)
    assert code == 5 and "cannot approve their own request" in err
    monkeypatch.setenv("USER", "bob")                 # changing $USER changes nothing
    monkeypatch.setenv("LOGNAME", "bob")
    code, _, err = cli("approve", inc, rid)
    assert code == 5 and "cannot approve their own request" in err
    code, _, err = cli("approve", inc, rid, "--why", "x")
    assert code == 2 and "--why goes with --refuse" in err
    _as(monkeypatch, "bob")
    code, out, _ = cli("approvals", inc)
    assert code == 0 and f"{rid}  PENDING  step 5" in out and "requested by alice@" in out
    code, out, _ = cli("approve", inc, rid)
    assert code == 0 and f"approved {rid}" in out and "as bob@" in out
    _as(monkeypatch, "alice")
    code, out, _ = cli("run", inc, "5")
    assert code == 0 and "hello" in out
    code, out, _ = cli("approvals", inc)
    assert "no open approval requests" in out
    code, out, _ = cli("approvals", inc, "--all")
    assert f"{rid}  USED" in out and "approved by bob@" in out
    shown = cli("show", inc)[1]
    assert "Approvals:" in shown and f"Approval {rid} granted by bob@" in shown
    code, out, _ = cli("export", inc, "--stdout", "--no-log")
    assert "## Two-Person Approvals" in out and f"approved ({rid}) by bob@" in out


def test_refuse_needs_a_reason_and_unknown_requests_are_named(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    inc = _new(cli)
    _as(monkeypatch, "alice")
    rid = cli("request", inc, "5")[1].split()[1]
    _as(monkeypatch, "bob")
    code, _, err = cli("approve", inc, rid, "--refuse")
    assert code == 2 and "needs a reason" in err
    code, _, err = cli("approve", inc, "R999")
    assert code != 0 and f"no approval request 'R999' (open: {rid}" in err
    assert cli("approve", inc, rid, "--refuse", "--why", "wait for the canary")[0] == 0
    _as(monkeypatch, "alice")
    code, _, err = cli("run", inc, "5")
    assert code == 5 and f"request {rid} was refused by bob@" in err and "wait for the canary" in err
