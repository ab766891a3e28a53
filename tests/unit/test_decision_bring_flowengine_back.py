"""RB-CORE-005 decides when FlowEngine comes back ("Only after InfoSec agrees the incident is
contained"), and it is a Go/No-Go decision now, not a sentence (issue 13 item 4: "wherever the
shipped runbooks decide"; redteam38 F7: `G` said the runbooks had none, and the restore ran on a
plain confirm). The decision arises once the halt is confirmed (the step after it counts 0 active
flows) and is due 30 drill minutes later (at x60 raised to 2 wall minutes: people are not sped up); its
criteria are judged from what the tool knows (that
count, a root-cause note), the rest is the commander's judgement. The clock is pinned
($WARROOM_DRILL_AT): no wall time is read. So the halt's verify gate is opened with ``--no-wait``: on a pinned clock
a waited gate cannot be judged and is left open after its window's wall seconds (10 s at x60, half of each test's
wall time), with the same ``verify.started`` in the journal as ``--no-wait`` writes."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.unit.standins_corpus import warmed
from warroom import scenario_time
from warroom.config import Config
from warroom.drill.directory import create_drill
from warroom.incident.store import IncidentStore

T0 = datetime(2026, 12, 2, 10, 0, tzinfo=UTC).timestamp()
SPEED = 60.0                    # a wall second is a drill minute


@dataclass
class _Ran:
    returncode: int
    stdout: str
    stderr: str


_CAPTURED: list[pytest.CaptureFixture[str]] = []


@pytest.fixture(autouse=True)
def _captured(capsys: pytest.CaptureFixture[str]) -> Iterator[None]:
    """The test's capsys, for ``_cli``."""
    _CAPTURED.append(capsys)
    yield
    _CAPTURED.pop()


def _cli(state: Path, at: float, *argv: str) -> _Ran:
    """``warroom ARGV --state-dir STATE`` with the clock pinned at ``at``, in-process (the CLI's own ``main``): each
    call was a process of its own, 31 interpreters started and the CLI imported again for this file's four tests;
    what is tested is what the commands decide and say, not the process boundary (``test_decision_overdue_headless``,
    ``test_incident_shell`` and others run the CLI as a process). The
    step commands ``incident run`` starts are still real processes. The test's own clock is left as it was."""
    from tui.cli import main

    capsys, pinned = _CAPTURED[-1], os.environ.get(scenario_time.AT_ENV)
    capsys.readouterr()
    os.environ[scenario_time.AT_ENV] = repr(at)
    try:
        code = main([*argv, "--state-dir", str(state)])
    finally:
        if pinned is None:
            del os.environ[scenario_time.AT_ENV]
        else:
            os.environ[scenario_time.AT_ENV] = pinned
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return _Ran(code, out, err)


def _decision(state: Path, inc_id: str, at: float) -> dict:
    proc = _cli(state, at, "incident", "decide", inc_id, "bring-flowengine-back", "--json")
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def _declared(tmp_path: Path, monkeypatch):  # type: ignore[no-untyped-def]
    """An audit-gap drill at x60 with its RB-CORE-005 incident declared at T0 (the pinned clock)."""
    monkeypatch.setenv(scenario_time.AT_ENV, repr(T0))
    state = tmp_path / "state"
    cfg = Config()
    cfg.incident.state_dir = str(state)
    drill = warmed(create_drill(state / "drills", "audit-gap", speed=SPEED))
    inc = IncidentStore(state, cfg).create(
        title="Audit log gap growing", severity="P1", runbook="RB-CORE-005",
        drill={"scenario": "audit-gap", "speed": SPEED, "dir": str(drill.path)})
    return state, cfg, inc


def test_bringing_flowengine_back_is_a_decision_that_arises_with_the_halt(tmp_path: Path, monkeypatch) -> None:
    state, cfg, inc = _declared(tmp_path, monkeypatch)

    before = _decision(state, inc.id, T0 + 1)
    assert before["needed"] is False and before["applies_when"]["state"] == "unknown"   # not halted: not asked

    for at, step, *yes in ((T0 + 2, "halt-flows", "--yes", "--no-wait"), (T0 + 3, "confirm-no-active-flows")):
        proc = _cli(state, at, "incident", "run", inc.id, step, *yes)
        assert proc.returncode == 0, proc.stderr
    assert "0 active flows" in proc.stdout

    arisen = _decision(state, inc.id, T0 + 4)
    assert arisen["needed"] is True and arisen["applies_when"]["state"] == "met", arisen["applies_when"]
    assert arisen["go_when"] == "all" and arisen["no_go_when"] == "any"
    by_text = {c["text"]: c for c in arisen["criteria"]}
    assert by_text["A root-cause note says why it happened (for a quiet audit log: why it stopped)"]["state"] \
        == "not met"
    assert arisen["suggestion"] == "NO-GO"          # no root cause yet: flows would run into it again
    due = datetime.fromisoformat(arisen["due_at"]).timestamp()
    # 30 drill minutes were 30 wall s at x60: raised to the 2 wall minutes a commander needs (redteam41 G5)
    assert T0 + 3 + 120 <= due <= T0 + 4 + 120

    said = _cli(state, T0 + 5, "incident", "decide", inc.id, "bring-flowengine-back")
    assert "GO when all of these hold:" in said.stdout and "NO-GO when any of these holds:" in said.stdout
    assert "(needed since 10:00:03 UTC)" in said.stdout, said.stdout     # the check's end, not the first look

    assert _cli(state, T0 + 6, "incident", "note", inc.id, "--tag", "root-cause",
                "audit shipper lost its connection to the audit store").returncode == 0
    after = _decision(state, inc.id, T0 + 7)
    by_text = {c["text"]: c for c in after["criteria"]}
    assert by_text["A root-cause note says why it happened (for a quiet audit log: why it stopped)"]["state"] == "met"
    # redteam41 G1: a GO here would run flows with the audit log dead and PII redaction off, the breach the halt
    # contains; both are judged now, not left to the commander's judgement
    unredacted = by_text["The step that turns PII redaction back on has not run: flows would run unredacted"]
    quiet = by_text["The audit log is quiet (5 minutes or more without an event) and the audit shipper has not been "
                    "restarted"]
    assert (unredacted["state"], quiet["state"]) == ("met", "met"), (unredacted, quiet)
    assert "has not run" in unredacted["evidence"] and quiet["value"] >= 300, (unredacted, quiet)
    assert after["suggestion"] == "NO-GO"

    for at, step in ((T0 + 7.2, "enable-pii-redaction"), (T0 + 7.4, "restart-audit-pipeline")):
        proc = _cli(state, at, "incident", "run", inc.id, step, "--yes")
        assert proc.returncode == 0, proc.stderr
    restarted = {c["text"]: c for c in _decision(state, inc.id, T0 + 7.5)["criteria"]}
    # a restart is a command; the decision needs the shipper back and ready (attack50 A11: a restart onto a refused
    # credential counted): until its wait for ready ran ok that GO criterion is not met
    wait = "The wait for the audit shipper to be ready ran ok after its restart (its rollout finished)"
    assert restarted[wait]["state"] != "met"
    proc = _cli(state, T0 + 7.9, "incident", "run", inc.id, "audit-shipper-ready")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    ready = _decision(state, inc.id, T0 + 7.95)
    by_text = {c["text"]: c for c in ready["criteria"]}
    # both NO-GO criteria say in their own words that their step has not run: once it ran ok, each is not met
    # (redteam49 F7: the quiet log's read '? unknown' beside the shipper's restart that ran ok)
    assert by_text[unredacted["text"]]["state"] == "not met" and by_text[quiet["text"]]["state"] == "not met", \
        by_text[quiet["text"]]
    assert by_text["The step that turns PII redaction back on ran ok"]["state"] == "met"
    assert by_text["The audit shipper's restart ran ok (needed when the audit log went quiet)"]["state"] == "met"
    assert by_text[wait]["state"] == "met"
    assert ready["suggestion"] != "NO-GO"          # InfoSec's agreement is the commander's to judge

    proc = _cli(state, T0 + 8, "incident", "decide", inc.id, "bring-flowengine-back", "--go",
                "--why", "InfoSec agrees it is contained; redaction on, shipper restarted", "--by", "dana")
    assert proc.returncode == 0, proc.stderr
    (made,) = [e for e in IncidentStore(state, cfg).open(inc.id).read().events if e.type == "decision.recorded"]
    assert made.data["id"] == "bring-flowengine-back" and made.data["verdict"] == "GO" and made.data["by"] == "dana"
    assert {c["text"] for c in made.data["criteria"]} == set(by_text)      # journaled with its evaluated criteria


def test_left_undecided_it_is_overdue_2_wall_minutes_after_the_halt_at_x60(tmp_path: Path, monkeypatch) -> None:
    state, cfg, inc = _declared(tmp_path, monkeypatch)
    assert _cli(state, T0 + 2, "incident", "run", inc.id, "halt-flows", "--yes", "--no-wait").returncode == 0
    assert _cli(state, T0 + 3, "incident", "run", inc.id, "confirm-no-active-flows").returncode == 0
    assert _cli(state, T0 + 20, "incident", "show", inc.id).returncode == 0         # 17 drill minutes on: not yet
    assert not IncidentStore(state, cfg).open(inc.id).state.decisions_overdue
    shown = _cli(state, T0 + 130, "incident", "show", inc.id)
    assert shown.returncode == 0, shown.stderr
    assert "Go/No-Go overdue: Bring FlowEngine back (restore its replicas)?" in shown.stderr
    (overdue,) = IncidentStore(state, cfg).open(inc.id).state.decisions_overdue
    assert overdue["id"] == "bring-flowengine-back" and overdue["runbook_id"] == "RB-CORE-005"


def test_restored_with_no_verdict_and_checked_again_it_stays_owed(tmp_path: Path, monkeypatch) -> None:
    """attack38 F8: halt, the check counts 0, FlowEngine restored with no verdict, the check run again
    (4 active): the decision read 'not needed', was never overdue and the PIR had no Decisions
    section. A step's output is a fact of its run: once arisen, the decision stays owed."""
    state, cfg, inc = _declared(tmp_path, monkeypatch)
    assert _cli(state, T0 + 2, "incident", "run", inc.id, "halt-flows", "--yes", "--no-wait").returncode == 0
    assert _cli(state, T0 + 3, "incident", "run", inc.id, "confirm-no-active-flows").returncode == 0
    assert _decision(state, inc.id, T0 + 4)["needed"] is True           # arose (journaled by this look)
    assert _cli(state, T0 + 5, "incident", "run", inc.id, "restore-replicas", "--yes").returncode == 0
    again = _cli(state, T0 + 10, "incident", "run", inc.id, "confirm-no-active-flows")
    assert "0 active flows" not in again.stdout, again.stdout       # flows run again
    later = _decision(state, inc.id, T0 + 130)                      # 7 drill minutes past its deadline
    assert later["needed"] is True and later["overdue"] is True, later
    proc = _cli(state, T0 + 131, "incident", "resolve", inc.id, "--summary", "restored", "--yes", "--no-rollback")
    assert proc.returncode == 0, proc.stderr
    pir = IncidentStore(state, cfg).open(inc.id).render("pir")
    assert "Bring FlowEngine back (restore its replicas)?" in pir and "passed with no verdict" in pir
    needed, overdue = pir.index("Decision needed: \"Bring FlowEngine back"), pir.index("Decision overdue: \"Bring")
    assert needed < overdue                 # arose at the check's end, overdue 30 drill minutes later (attack38 F10)


def test_a_verdict_recorded_before_the_decision_arose_does_not_answer_it(tmp_path: Path, monkeypatch) -> None:
    """attack38 F9: a GO recorded before the halt (FlowEngine running: the decision not needed) was
    taken as the verdict on "bring it back?" once the halt made it arise, and silenced its deadline.
    A verdict can be recorded any time (the README's promise), but one recorded before the decision
    arose answers the criteria as they were then, not the question asked since: it stays in the
    journal and the PIR as what it was, the decision is undecided and goes overdue, and the PIR never
    counts it as an answer in time."""
    state, cfg, inc = _declared(tmp_path, monkeypatch)
    early = _cli(state, T0 + 1, "incident", "decide", inc.id, "bring-flowengine-back", "--go", "--why", "early",
                 "--by", "dana")
    assert early.returncode == 0, early.stderr
    assert "GO recorded as seq" in early.stdout, early.stdout
    # said at once: it answers nothing yet, and when the decision arises
    assert "does not answer it: the decision has not arisen" in early.stdout, early.stdout
    assert "it arises when: The no-active-flows check's latest run counted 0 active flows" in early.stdout
    assert _cli(state, T0 + 2, "incident", "run", inc.id, "halt-flows", "--yes", "--no-wait").returncode == 0
    assert _cli(state, T0 + 3, "incident", "run", inc.id, "confirm-no-active-flows").returncode == 0

    arisen = _decision(state, inc.id, T0 + 4)
    assert arisen["needed"] is True and arisen["recorded"] is None, arisen
    assert arisen["recorded_before_it_arose"]["verdict"] == "GO", arisen
    assert arisen["arose_at"] == datetime.fromtimestamp(T0 + 3, UTC).isoformat()
    said = _cli(state, T0 + 5, "incident", "decide", inc.id, "bring-flowengine-back")
    assert "GO by dana recorded before it arose" in said.stdout, said.stdout
    assert "\nrecorded: " not in said.stdout

    late = _decision(state, inc.id, T0 + 131)           # 8 drill minutes past its deadline: owed, and reminded
    assert late["overdue"] is True and late["recorded"] is None, late
    shown = _cli(state, T0 + 131, "incident", "show", inc.id)
    assert "OVERDUE (deadline" in shown.stdout and "recorded before it arose" in shown.stdout, shown.stdout
    store = IncidentStore(state, cfg).open(inc.id)
    (overdue,) = store.state.decisions_overdue
    (first,) = [e for e in store.read().events if e.type == "decision.recorded"]
    assert first.data["verdict"] == "GO" and first.data["why"] == "early"       # the journaled fact, as it was

    assert _cli(state, T0 + 132, "incident", "decide", inc.id, "bring-flowengine-back", "--no-go", "--why",
                "InfoSec has not agreed", "--by", "dana").returncode == 0
    answered = _decision(state, inc.id, T0 + 133)
    assert answered["recorded"]["verdict"] == "NO-GO" and answered["recorded_before_it_arose"] is None
    pir = IncidentStore(state, cfg).open(inc.id).render("pir")
    assert "passed with no verdict (decided later)" in pir, pir
    assert "Recorded before it arose (10:00:03 UTC): it did not answer it." in pir, pir
    assert "first answered in time" not in pir and "Taken after its deadline" in pir, pir
    assert "reverses the GO" not in pir                 # nothing answered it before: nothing to reverse


def test_the_checklist_row_names_a_verdict_recorded_before_the_decision_arose(
        tmp_path: Path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    """decide39's leftover: the checklist's ◆ row showed a GO recorded before the halt as no verdict at
    all ("OVERDUE since …"), the one view that did not name it; it now says it beside the standing,
    in the row and in the Step pane, never as the decision's verdict."""
    from panes.runbook import decision_prompt
    from panes.step_detail import decision_detail_text
    from tests.unit.incident_fixtures import Cli
    from tui.view import decision_rows
    from warroom.runbook.library import RunbookLibrary

    state, cfg, inc = _declared(tmp_path, monkeypatch)
    monkeypatch.setenv("WARROOM_IDENTITY", "ic@drill")
    cli = Cli(state, capsys)
    rb = RunbookLibrary.from_config(cfg).get("RB-CORE-005")

    def row(at: float) -> tuple[str, str]:
        monkeypatch.setenv(scenario_time.AT_ENV, repr(at))
        (r,) = decision_rows(rb, IncidentStore(state, cfg).open(inc.id).state, datetime.fromtimestamp(at, UTC))
        return decision_prompt(r).plain, decision_detail_text(r).plain

    monkeypatch.setenv(scenario_time.AT_ENV, repr(T0 + 1))
    assert cli("decide", inc.id, "bring-flowengine-back", "--go", "--why", "early", "--by", "dana")[0] == 0
    prompt, detail = row(T0 + 1.5)
    assert "(GO by dana answers nothing yet)" in prompt and "GO by dana answers nothing yet" in detail, prompt
    for at, step, *yes in ((T0 + 2, "halt-flows", "--yes", "--no-wait"), (T0 + 3, "confirm-no-active-flows")):
        monkeypatch.setenv(scenario_time.AT_ENV, repr(at))
        assert cli("run", inc.id, step, *yes)[0] == 0
    monkeypatch.setenv(scenario_time.AT_ENV, repr(T0 + 4))
    assert cli("decide", inc.id, "bring-flowengine-back")[0] == 0      # a look journals that it arose
    prompt, detail = row(T0 + 131)
    assert prompt.startswith("◆ GO/NO-GO OVERDUE since ") and "(GO by dana recorded before it arose: no answer)" \
        in prompt, prompt
    assert "GO by dana recorded before it arose: no answer" in detail, detail


def test_a_restart_onto_a_refused_credential_never_makes_the_shipper_ready_so_no_go_holds(
        tmp_path: Path, monkeypatch) -> None:
    """attack50 A11 through warroom: the restart is a command that ran ok; the shipper it restarted cannot log in to
    the audit store (a secret the store refuses was set by hand first), so its wait for ready times out, and the
    decision keeps the readiness GO criterion unmet: never a GO on a restart that did not reconnect."""
    from tests.unit.standins_corpus import typed_in_shell

    state, cfg, inc = _declared(tmp_path, monkeypatch)
    for at, step, *yes in ((T0 + 2, "halt-flows", "--yes", "--no-wait"), (T0 + 3, "confirm-no-active-flows")):
        assert _cli(state, at, "incident", "run", inc.id, step, *yes).returncode == 0
    from warroom.drill.directory import open_drill

    d = open_drill(Path(str(inc.state.drill["dir"])))
    monkeypatch.setenv(scenario_time.AT_ENV, repr(T0 + 4))
    assert typed_in_shell(d, ["kubectl", "set", "env", "deployment/audit-shipper", "AUDIT_STORE_SECRET=bogus",
                              "-n", "production"], d.scenario_time(T0 + 4)) == 0
    assert _cli(state, T0 + 5, "incident", "run", inc.id, "restart-audit-pipeline", "--yes").returncode == 0
    waited = _cli(state, T0 + 6, "incident", "run", inc.id, "audit-shipper-ready")
    assert waited.returncode != 0 and "timed out" in waited.stdout + waited.stderr, waited.stdout + waited.stderr
    decision = _decision(state, inc.id, T0 + 7)
    by_text = {c["text"]: c for c in decision["criteria"]}
    wait = by_text["The wait for the audit shipper to be ready ran ok after its restart (its rollout finished)"]
    assert wait["state"] != "met", wait
    assert by_text["The audit shipper's restart ran ok (needed when the audit log went quiet)"]["state"] == "met"
    assert decision["suggestion"] != "GO"
