"""What a resolved incident accepts (``warroom.incident.after_resolve``): one rule in the core.

After resolve, notes, timeline entries, corrections, stakeholder updates, milestones and exports
are accepted; running, ticking, unticking, skipping, approving, attaching or closing a runbook,
changing severity or status, roles and verdicts are refused (exit 5), naming when it was resolved
and the command that reopens it, and nothing is written (not even a runbook snapshot). After
``reopen`` they work again. The rule sits in ``Incident._append``, the one write path: a line
written through ``append`` directly is refused the same way. The clocks are injected: no wall time.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.incident_fixtures import Cli, Clock, FixedClock, approval_runbook, install_fake_runbook, people
from warroom.config import Config
from warroom.incident import after_resolve, runbook_ref
from warroom.incident.after_resolve import IncidentResolved
from warroom.incident.session import Incident
from warroom.incident.store import IncidentStore
from warroom.journal import events as ev


def _resolved(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clock: object = None) -> Incident:
    install_fake_runbook(monkeypatch, tmp_path)
    inc = IncidentStore(tmp_path / "state", Config(), clock=clock or Clock()).create(
        title="Quota", severity="P3", runbook="RB-TEST-001")
    inc.resolve("back to normal")
    return inc


def _lines(inc: Incident) -> list[str]:
    return [e.type for e in inc.read().events]


def test_every_event_type_is_decided() -> None:
    """A new event type must be decided here: accepted after resolve (with why) or refused as an
    action with words for the refusal. Until decided it is refused (``accepts`` is an allowlist)."""
    types = {v for k, v in vars(ev).items() if k.isupper() and isinstance(v, str) and "." in v}
    undecided = types - set(after_resolve.ACCEPTED) - set(after_resolve.ACTIONS)
    assert undecided == set()
    assert not after_resolve.accepts("some.new_type", {})


def test_actions_on_a_resolved_incident_are_refused_and_write_nothing(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    install_fake_runbook(monkeypatch, tmp_path)
    inc = IncidentStore(tmp_path / "state", Config(), clock=Clock()).create(
        title="Quota", severity="P3", runbook="RB-TEST-001")
    inc.tick(4)
    prepared = inc.prepare_step(5)                       # prepared while open, run after the resolve
    inc.resolve("back to normal")
    at = f"at {inc.state.resolved_at:%Y-%m-%d %H:%M:%S} UTC"
    before, files = _lines(inc), sorted(p.name for p in inc.dir.rglob("*"))
    attempts = {
        "run a step": [lambda: inc.prepare_step(5), lambda: inc.run_step(prepared, confirm=True)],
        "dry-run a step": [lambda: inc.run_step(prepared, dry_run=True)],
        "tick a step": [lambda: inc.tick(1), lambda: inc.append(ev.STEP_TICKED, {"step": 1, "step_id": "check-pods"})],
        "untick a step": [lambda: inc.untick(4)],
        "skip a step": [lambda: inc.skip(2, "late")],
        "change its severity": [lambda: inc.set_severity("P1")],
        "change its status": [lambda: inc.set_status("monitoring")],
        "attach a runbook": [lambda: inc.attach_runbook("RB-TEST-001")],
        "close a runbook": [lambda: inc.close_runbook("RB-TEST-001", "done")],
        "assign a role": [lambda: inc.assign_role("comms", "lee")],
        "acknowledge a handoff": [lambda: inc.acknowledge_handoff()],
        "record a Go/No-Go verdict": [lambda: inc.record_decision({"verdict": "GO"})],
        "record an alert": [lambda: inc.record_alert({"name": "QuotaHigh"})],
    }
    for action, calls in attempts.items():
        for call in calls:
            with pytest.raises(IncidentResolved) as caught:
                call()
            message = str(caught.value)
            assert message == (f"{inc.id} is resolved {at}; reopen it first to {action}"
                               f" (`warroom incident reopen {inc.id} --reason R`)"), message
            assert caught.value.exit_code == 5
    assert _lines(inc) == before                                             # nothing journaled
    assert sorted(p.name for p in inc.dir.rglob("*")) == files               # no snapshot, no output file


def test_writing_about_a_resolved_incident_is_accepted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    inc = _resolved(tmp_path, monkeypatch)
    note = inc.note("action", "alert at 75%", owner="sre", due="2099-12-01")
    entry = inc.add_timeline("customer report")
    inc.correct_timeline(entry.seq, "customer report (two tickets)")
    inc.mark_phase("root_cause", reason="found in the review")
    inc.record_status_update("resolved: quota back to normal", channels=["manual"])
    inc.export("pir", out_dir=tmp_path / "out", log=False)
    assert note.type == ev.NOTE and inc.state.resolved
    assert {ev.NOTE, ev.TIMELINE_ENTRY, ev.CORRECTION, ev.PHASE_MARKED, ev.STATUS_UPDATE,
            ev.PIR_EXPORTED} <= set(_lines(inc))


def test_after_reopen_the_actions_work_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    inc = _resolved(tmp_path, monkeypatch)
    with pytest.raises(IncidentResolved):
        inc.tick(4)
    inc.reopen("the quota climbed again")
    inc.tick(4)
    inc.untick(4)
    inc.skip(2, "known")
    inc.set_severity("P2")
    inc.set_status("monitoring")
    inc.assign_role("comms", "lee")
    inc.run_step(inc.prepare_step(5), dry_run=True)
    inc.attach_runbook("RB-TEST-001")
    assert {ev.STEP_TICKED, ev.STEP_UNTICKED, ev.STEP_SKIPPED, ev.SEVERITY_CHANGED, ev.STATUS_CHANGED,
            ev.ROLE_ASSIGNED, ev.STEP_DRY_RUN} <= set(_lines(inc))
    assert _lines(inc).count(ev.RUNBOOK_ATTACHED) == 1


def test_approvals_after_resolve_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    install_fake_runbook(monkeypatch, tmp_path)
    monkeypatch.setattr(runbook_ref, "load_file", approval_runbook)
    alice_p, bob_p = people()
    clock = FixedClock()
    cfg = Config()
    cfg.approval.expires = 900.0
    a = IncidentStore(tmp_path / "state", cfg, clock=clock).create(title="Quota", severity="P2", runbook="RB-TEST-001")
    alice = Incident(a.id, a.dir, config=cfg, clock=clock, actor="alice@bastion-1", person=alice_p)
    bob = Incident(a.id, a.dir, config=cfg, clock=clock, actor="bob@bastion-2", person=bob_p)
    prepared = alice.prepare_step(5)
    requested = alice.approvals.request(prepared)
    alice.resolve("back to normal")
    before = _lines(alice)
    for action, call in (("approve a step", lambda: bob.approvals.approve(requested.request.id)),
                         ("refuse an approval", lambda: bob.approvals.refuse(requested.request.id, "over")),
                         ("ask for an approval", lambda: alice.approvals.request(prepared))):
        with pytest.raises(IncidentResolved, match=f"reopen it first to {action} "):
            call()
    assert _lines(alice) == before


def test_watchers_write_nothing_a_resolved_incident_refuses(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``append_once`` (every watcher's reminder) judges with the rule: a due line of a refused type
    is not written, and the watcher is not broken by it."""
    inc = _resolved(tmp_path, monkeypatch)
    before = _lines(inc)
    assert inc.append_once(lambda st: (ev.HANDOFF_REMINDER, {"commander": "x"})) is None
    assert inc.append_once(lambda st: (ev.DECISION_AROSE, {"id": "d"})) is None
    assert _lines(inc) == before
    assert inc.append_once(lambda st: (ev.NOTE, {"tag": "info", "text": "x"})) is not None


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Cli:
    install_fake_runbook(monkeypatch, tmp_path)
    return Cli(tmp_path / "state", capsys)


def test_cli_every_subcommand_after_resolve(cli: Cli) -> None:
    code, out, _ = cli("new", "--title", "Quota", "--severity", "P3", "--runbook", "RB-TEST-001")
    inc = out.strip()
    assert cli("tick", inc, "4")[0] == 0
    assert cli("resolve", inc, "--summary", "back to normal")[0] == 0
    journal = cli.journal(inc)
    refused = {
        "run a step": [("run", inc, "5", "--yes"), ("run", inc, "1", "--param", "namespace=prod")],
        "tick a step": [("tick", inc, "1")],
        "untick a step": [("untick", inc, "4")],
        "skip a step": [("skip", inc, "2", "--reason", "late")],
        "change its severity": [("severity", inc, "P1")],
        "change its status": [("status", inc, "monitoring")],
        "attach a runbook": [("attach", inc, "RB-TEST-001")],
        "close a runbook": [("close-runbook", inc, "RB-TEST-001", "--reason", "done")],
        "assign a role": [("role", inc, "comms", "lee")],
        "acknowledge a handoff": [("ack", inc)],
    }
    size = journal.stat().st_size
    for action, calls in refused.items():
        for argv in calls:
            code, _, err = cli(*argv)
            assert code == 5, (argv, code, err)
            assert f"{inc} is resolved at " in err and f"reopen it first to {action}" in err, (argv, err)
            assert f"warroom incident reopen {inc} --reason R" in err
    code, _, err = cli("run", inc, "5", "--dry-run")
    assert code == 5 and "reopen it first to run a step" in err      # refused at prepare, before the dry run
    assert journal.stat().st_size == size                              # nothing written by any of them
    for argv in (("note", inc, "--tag", "action", "--owner", "sre", "add", "an", "alert"),
                 ("timeline", inc, "customer", "report"), ("update", inc, "resolved"),
                 ("mark", inc, "root_cause"), ("show", inc), ("brief", inc), ("approvals", inc),
                 ("draft-update", inc), ("export", inc, "--stdout"), ("verify", inc)):
        code, _, err = cli(*argv)
        assert code == 0, (argv, err)
    assert cli("reopen", inc, "--reason", "came back")[0] == 0
    for argv in (("tick", inc, "1"), ("untick", inc, "4"), ("skip", inc, "2", "--reason", "late"),
                 ("severity", inc, "P2"), ("status", inc, "monitoring"), ("role", inc, "comms", "lee"),
                 ("run", inc, "5", "--dry-run"), ("attach", inc, "RB-TEST-001")):
        code, _, err = cli(*argv)
        assert code == 0, (argv, err)
