"""redteam39 F14: after RB-LAUNCH-005's own rollback fixed the mass failure, the Go/No-Go went overdue
suggesting GO (cut the launch to the pilot) on "root cause still unknown after 15 minutes — no
root-cause note". attack39 G1: gng39's answer (``ran`` met "The fix lands" and "Mitigation is
already under way", ``unless_ran`` silenced "root cause still unknown") read the same marks after
the *wrong* scenario's fix (the rate-limit breaker in a schema break), with a quarter of the flows
still failing. A mark is a contract: a step that ran ok shows a mitigation was attempted, so
``ran`` only meets a criterion whose words say that; whether the fix lands is the commander's
judgement, and the cause is found once a root-cause note says so. The clock is pinned
($WARROOM_DRILL_AT): no wall time is read."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.unit.incident_fixtures import Cli
from warroom import scenario_time
from warroom.incident import decisions as dec
from warroom.incident.records import StepRun, StepState
from warroom.runbook.decision import Criterion, DecisionErrors, parse_fence

# what the commands decide and say, not how a drill integrates: the drills `incident new --drill` makes start warm
pytestmark = pytest.mark.usefixtures("warm_drills")

T0 = datetime(2026, 12, 2, 10, 0, tzinfo=UTC).timestamp()
ROOT_CAUSE = "Root cause still unknown after 15 minutes of investigation"
CAUSE_FOUND = "Root cause found (a root-cause note is recorded)"
MITIGATION = "A mitigation step of this runbook ran ok (reroute, breaker, rollback, hot-patch, larger pool)"
FIX_LANDS = "The fix lands within 30 minutes"


def _at(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Callable[..., str]:
    """``warroom incident ARGV`` at ``T0 + t`` (the clock pinned by each call), asserting it succeeded: its stdout."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("WARROOM_IDENTITY", "ic@drill")
    cli = Cli(tmp_path / "state", capsys)

    def at(t: float, *argv: str) -> str:
        monkeypatch.setenv(scenario_time.AT_ENV, repr(T0 + t))
        code, out, err = cli(*argv)
        assert code == 0, err
        return out
    return at


def _drill(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
           capsys: pytest.CaptureFixture[str]) -> tuple[str, Callable[..., str]]:
    """A mass-failure drill (the v1.2.0 schema break) at x10, its clock pinned by each call."""
    at = _at(tmp_path, monkeypatch, capsys)
    inc = at(0, "new", "--drill", "mass-failure", "--speed", "10").strip().splitlines()[-1]
    at(20, "run", inc, "count-failing-repos")
    return inc, at


def test_after_the_right_fix_and_its_root_cause_note_the_decision_suggests_no_cut_to_the_pilot(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """redteam39 F14: the rollback worked and the commander says what the cause was; the mitigation
    mark names the rollback, the cause is found, the fix landing stays the commander's to judge."""
    inc, at = _drill(tmp_path, monkeypatch, capsys)
    history = at(25, "run", inc, "list-recent-deployments")
    revisions = re.findall(r"^\s*(\d+)\s", history, re.M)
    # the rollback's verify gate (15 drill minutes, fa062d8f) is still watching when the deadline (15m, raised to
    # the 2 wall minutes a drill gives a commander) has passed: mitigation under way
    at(35, "run", inc, "rollback-deployment", "--param", f"good_revision={revisions[-2]}", "--yes", "--no-wait")
    at(40, "run", inc, "wait-for-the-rollback-to-finish")
    assert "schema is back" in at(43, "run", inc, "confirm-the-schema-version-went-back")
    at(45, "note", inc, "--tag", "root-cause", "the v1.2.0 schema change; rolled back to the previous revision")

    view = json.loads(at(121, "decide", inc, "--json"))          # +20m10s drill time: overdue (15m raised to 2 wall m)
    assert view["overdue"] is True
    said = {c["text"]: c for c in view["criteria"]}
    assert said[ROOT_CAUSE]["state"] == "not met", said[ROOT_CAUSE]
    assert said[CAUSE_FOUND]["state"] == "met", said[CAUSE_FOUND]
    assert said[MITIGATION]["state"] == "met", said[MITIGATION]
    assert said[MITIGATION]["evidence"] == "step rollback-deployment ran ok 14m20s drill time ago (10:00:35 UTC)"
    assert said[MITIGATION]["kind"] == "ran" and said[MITIGATION]["source"].startswith("step rollback-deployment")
    assert (said[FIX_LANDS]["state"], said[FIX_LANDS]["kind"]) == ("unknown", "judgement"), said[FIX_LANDS]
    assert view["suggestion"] != "GO", [c for c in view["criteria"] if c["state"] == "met"]

    at(122, "decide", inc, "--no-go", "--why", "the rollback fixed it", "--by", "dana")
    report = at(123, "drill-report", inc)
    assert "overrode" not in report
    assert "the tool made no suggestion" in report


def test_the_wrong_scenarios_fix_is_a_mitigation_attempted_not_a_fix_landed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """attack39 G1: the rate-limit breaker in a schema break runs ok and changes nothing. Its run is
    a mitigation attempted (true), never "the fix lands", and the cause is still unknown without a
    note: the overdue decision suggests GO, as the runbook's rule says, while the flows still fail."""
    inc, at = _drill(tmp_path, monkeypatch, capsys)
    at(48, "run", inc, "enable-circuit-breaker", "--yes")
    view = json.loads(at(127, "decide", inc, "--json"))          # +21m10s drill time: overdue (15m raised to 2 wall m)
    assert view["overdue"] is True
    said = {c["text"]: c for c in view["criteria"]}
    assert said[MITIGATION]["state"] == "met", said[MITIGATION]
    assert said[MITIGATION]["evidence"].startswith("step enable-circuit-breaker ran ok "), said[MITIGATION]
    assert (said[FIX_LANDS]["state"], said[FIX_LANDS]["kind"]) == ("unknown", "judgement"), said[FIX_LANDS]
    assert said[ROOT_CAUSE]["state"] == "met", said[ROOT_CAUSE]
    assert said[ROOT_CAUSE]["evidence"] == "no root-cause note after 21m10s drill time (2m07s wall)", said[ROOT_CAUSE]
    assert said[CAUSE_FOUND]["state"] == "not met", said[CAUSE_FOUND]
    assert view["suggestion"] == "GO"
    # the breaker's run is evidence of one thing only (the triage count it made stale is unknown, as F10 says)
    assert [c["text"] for c in view["criteria"] if "enable-circuit-breaker" in c["evidence"]
            and c["state"] != "unknown"] == [MITIGATION]


def _state(*steps: StepState, verifications: tuple = ()) -> SimpleNamespace:
    return SimpleNamespace(clock_start=NOW - timedelta(minutes=20), notes=[], time_scale=1.0,
                           steps={(s.runbook_id, s.step_id): s for s in steps}, verifications=list(verifications))


NOW = datetime(2026, 12, 3, 4, 0, tzinfo=UTC)


def _step(step_id: str, status: str, *, ended: datetime, expect_met: bool | None = True, mutating: bool = True,
          seq: int = 7) -> StepState:
    run = StepRun(seq=seq, actor="dana", started_at=ended - timedelta(seconds=2), mutating=mutating, status=status,
                  ended_at=ended, exit_code=0 if status == "ok" else 1, expect="rolled back" if expect_met is not None
                  else None, expect_met=expect_met, expect_verdict={True: "met", False: "unmet"}.get(expect_met),
                  expect_kind="literal" if expect_met is not None else None)
    return StepState(step_id=step_id, step=28, label=step_id, status=status, runbook_id="RB-1", runs=[run])


def test_only_a_fix_that_ran_ok_and_met_its_expectation_counts() -> None:
    """``ran``: a run that failed or missed its expectation is no mitigation (unknown, saying what it
    shows); none run is the commander's judgement (a change made outside the runbook is as real)."""
    c = Criterion("Mitigation under way", ran=("rollback-deployment", "route-around-provider"))
    q = None

    def judge(*steps: StepState) -> dec.CriterionVerdict:
        return dec.judge(c, "no_go", _state(*steps), NOW, q, dec.NO_OUTPUTS, "RB-1")

    none = judge()
    assert (none.state, none.evidence) == (dec.UNKNOWN, "none of its steps has run yet: the commander's judgement")
    failed = judge(_step("rollback-deployment", "failed", ended=NOW - timedelta(minutes=3), expect_met=None))
    assert failed.state == dec.UNKNOWN and failed.evidence.startswith("step rollback-deployment: failed: ")
    unmet = judge(_step("rollback-deployment", "ok", ended=NOW - timedelta(minutes=3), expect_met=False))
    assert unmet.state == dec.UNKNOWN and "expectation not met" in unmet.evidence
    ok = judge(_step("route-around-provider", "ok", ended=NOW - timedelta(minutes=3), seq=9))
    assert (ok.state, ok.evidence, ok.source) == (dec.MET, "step route-around-provider ran ok 3m00s ago "
                                                  "(03:57:00 UTC)", "step route-around-provider (run #9)")
    other = dec.judge(c, "no_go", _state(_step("rollback-deployment", "ok", ended=NOW)), NOW, q, dec.NO_OUTPUTS,
                      "RB-2")
    assert other.state == dec.UNKNOWN             # another runbook's step of that name is not this one's
    later = judge(_step("rollback-deployment", "ok", ended=NOW + timedelta(seconds=1)))
    assert later.state == dec.UNKNOWN             # a run ending after the moment judged is no evidence of it


def test_unless_ran_leaves_a_proxy_unknown_once_the_fix_ran_ok() -> None:
    c = Criterion(ROOT_CAUSE, no_note="root-cause", after=900.0, unless_ran=("rollback-deployment",))
    before = dec.judge(c, "go", _state(), NOW, None, dec.NO_OUTPUTS, "RB-1")
    assert (before.state, before.evidence) == (dec.MET, "no root-cause note after 20m00s")
    fixed = _state(_step("rollback-deployment", "ok", ended=NOW - timedelta(minutes=2)))
    after = dec.judge(c, "go", fixed, NOW, None, dec.NO_OUTPUTS, "RB-1")
    assert (after.state, after.evidence) == (dec.UNKNOWN, "no root-cause note after 20m00s, but step "
                                             "rollback-deployment ran ok 2m00s ago (03:58:00 UTC): not evidence "
                                             "of it any more")
    missed = _state(_step("rollback-deployment", "ok", ended=NOW - timedelta(minutes=2), expect_met=False))
    assert dec.judge(c, "go", missed, NOW, None, dec.NO_OUTPUTS, "RB-1").state == dec.MET


@pytest.mark.parametrize(("body", "said"), [
    ('text = "x"\nran = []', "'ran' names the runbook's steps"),
    ('text = "x"\nran = [1]', "'ran' names the runbook's steps"),
    ('text = "x"\nran = ["a"]\nop = ">="', "'op' only applies"),
    ('text = "x"\nunless_ran = ["a"]', "'unless_ran' applies to a criterion that measures something"),
    ('text = "x"\nran = ["a"]\nunless_ran = ["b"]', "'unless_ran' applies to a criterion that measures"),
    ('text = "x"\nnote = "root-cause"\nran = ["a"]', "a criterion measures one thing"),
    ('text = "The fix lands"\nran = ["a"]', "its text must say so"),
    ('text = "PII redaction is off"\nnot_ran = ["a"]', "its text must say so"),
    ('text = "Step a has not run"\nnot_ran = ["a"]\nunless_ran = ["b"]', "'unless_ran' applies to a criterion"),
    ('text = "Step a has not run"\nnot_ran = ["a"]\nran = ["b"]', "a criterion measures one thing"),
    ('text = "Step a has not run"\nnot_ran = []', "'not_ran' names the runbook's steps"),
])
def test_a_bad_ran_or_unless_ran_is_an_error_at_its_line(body: str, said: str) -> None:
    block = f'question = "q?"\ndeadline = "15m"\n\n[[go]]\n{body}\n'
    with pytest.raises(DecisionErrors) as exc:
        parse_fence(block, 10)
    assert said in str(exc.value)


def test_ran_and_unless_ran_must_name_command_steps_of_the_runbook() -> None:
    from warroom.runbook.decision import step_problems

    d = parse_fence('question = "q?"\ndeadline = "15m"\n\n[[go]]\ntext = "x"\nno_note = "root-cause"\n'
                    'unless_ran = ["fix", "tick"]\n\n[[no_go]]\ntext = "y ran"\nran = ["nope"]\n', 10)
    said = [m for _, m in step_problems([d], {"fix": True, "tick": False})]
    assert any("unless_ran names step 'tick', a checklist item with no command" in m for m in said), said
    assert any("ran names step 'nope', which this runbook does not have" in m for m in said), said
    assert not any("'fix'" in m for m in said), said


def test_not_ran_holds_until_the_step_ran_ok() -> None:
    """redteam41 G1: a GO that needs a recovery step first (PII redaction back on before flows run) says NO-GO
    until that step ran ok, by the checklist's rule: a run that failed or missed its expectation is no run ok."""
    c = Criterion("The step that turns PII redaction back on has not run", not_ran=("enable-pii-redaction",))

    def judge(*steps: StepState) -> dec.CriterionVerdict:
        return dec.judge(c, "no_go", _state(*steps), NOW, None, dec.NO_OUTPUTS, "RB-1")

    none = judge()
    assert (none.state, none.kind) == (dec.MET, "not_ran")
    assert none.evidence == ("step enable-pii-redaction has not run (a change made outside the runbook is not seen "
                             "here)")
    failed = judge(_step("enable-pii-redaction", "failed", ended=NOW - timedelta(minutes=3), expect_met=None))
    assert failed.state == dec.MET and failed.evidence.startswith("step enable-pii-redaction: failed")
    ok = judge(_step("enable-pii-redaction", "ok", ended=NOW - timedelta(minutes=3), seq=9))
    assert (ok.state, ok.source) == (dec.NOT_MET, "step enable-pii-redaction (run #9)")
    assert dec.judge(c, "no_go", _state(_step("enable-pii-redaction", "ok", ended=NOW)), NOW, None,
                     dec.NO_OUTPUTS, "RB-2").state == dec.MET        # another runbook's step is not this one's
    with pytest.raises(DecisionErrors, match="'not_ran' cannot say when a decision arises"):
        parse_fence('question = "q?"\ndeadline = "15m"\n\n[applies_when]\ntext = "a has not run"\nnot_ran = ["a"]'
                    '\n\n[[go]]\ntext = "x"\n', 10)


def test_a_step_run_with_a_parameter_off_the_runbooks_own_is_not_that_step(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """attack41 A8: the PII redaction step run with ``--param deployment=audit-shipper`` (redaction turned on on the
    audit shipper, not FlowEngine) and the shipper's restart run with ``audit_deployment=flowengine`` lifted both
    NO-GOs of RB-CORE-005's bring-back decision. A run whose parameters differ from the runbook's own is journaled so
    (``off_default``) and is not the runbook's step for ``ran``, ``not_ran`` and ``unless_ran``."""
    at = _at(tmp_path, monkeypatch, capsys)
    inc = at(0, "new", "--drill", "audit-gap", "--speed", "60").strip().splitlines()[-1]
    at(2, "run", inc, "halt-flows", "--yes", "--no-wait")   # a pinned clock: a waited gate waits 10 wall s, unjudged
    at(3, "run", inc, "confirm-no-active-flows")
    at(4, "run", inc, "enable-pii-redaction", "--yes", "--param", "deployment=audit-shipper")
    at(5, "run", inc, "restart-audit-pipeline", "--yes", "--param", "audit_deployment=flowengine")
    at(6, "note", inc, "--tag", "root-cause", "the audit shipper lost its store after a credential rotation")
    view = json.loads(at(7, "decide", inc, "bring-flowengine-back", "--json"))
    said = {c["text"]: c for c in view["criteria"]}
    unredacted = said["The step that turns PII redaction back on has not run: flows would run unredacted"]
    assert unredacted["state"] == "met", unredacted
    assert "ran ok with deployment=audit-shipper where the runbook has deployment=flowengine: not counted" \
        in unredacted["evidence"], unredacted
    assert said["The step that turns PII redaction back on ran ok"]["state"] == "unknown"
    assert said["The audit shipper's restart ran ok (needed when the audit log went quiet)"]["state"] == "unknown"
    quiet = [c for t, c in said.items() if t.startswith("The audit log is quiet")][0]
    assert quiet["state"] == "met", quiet            # the restart of FlowEngine does not make the gap moot
    assert view["suggestion"] == "NO-GO"
    at(8, "run", inc, "enable-pii-redaction", "--yes")     # the answer given before is used again: not counted
    view = json.loads(at(8.5, "decide", inc, "bring-flowengine-back", "--json"))
    assert {c["text"]: c for c in view["criteria"]}[unredacted["text"]]["state"] == "met"
    at(8.7, "run", inc, "enable-pii-redaction", "--yes", "--param", "deployment=flowengine")  # the runbook's own
    view = json.loads(at(9, "decide", inc, "bring-flowengine-back", "--json"))
    said = {c["text"]: c for c in view["criteria"]}
    assert said[unredacted["text"]]["state"] == "not met"


def test_unless_ran_in_words_beside_the_measure_is_a_conjunction_not_met_once_the_step_ran_ok() -> None:
    """redteam49 F7: RB-CORE-005's NO-GO "The audit log is quiet … and the audit shipper has not been restarted" read
    "? unknown" after the restart ran ok: its second half is false, so it is not met."""
    c = Criterion("No root-cause note after 15 minutes and the rollback has not run", no_note="root-cause",
                  after=900.0, unless_ran=("rollback-deployment",))
    assert dec.judge(c, "no_go", _state(), NOW, None, dec.NO_OUTPUTS, "RB-1").state == dec.MET
    fixed = _state(_step("rollback-deployment", "ok", ended=NOW - timedelta(minutes=2)))
    after = dec.judge(c, "no_go", fixed, NOW, None, dec.NO_OUTPUTS, "RB-1")
    assert (after.state, after.evidence) == (dec.NOT_MET, "no root-cause note after 20m00s, but step "
                                             "rollback-deployment ran ok 2m00s ago (03:58:00 UTC): \"the rollback has"
                                             " not run\" is false")


def test_and_not_that_says_no_step_is_no_conjunction() -> None:
    """Only words saying a step "has not been …" / "has not run" make the conjunction: "no note and not escalated"
    is what the measure says, so once the step ran ok it reads unknown, as any ``unless_ran`` criterion (an
    "and … not" alone turned it "not met", a NO-GO reason dropped on the wording)."""
    c = Criterion("No root-cause note after 15 minutes and the cause is not understood", no_note="root-cause",
                  after=900.0, unless_ran=("rollback-deployment",))
    fixed = _state(_step("rollback-deployment", "ok", ended=NOW - timedelta(minutes=2)))
    assert dec.judge(c, "no_go", fixed, NOW, None, dec.NO_OUTPUTS, "RB-1").state == dec.UNKNOWN
