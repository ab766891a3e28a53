"""A step ticked done is the commander saying it was done outside warroom: no criterion, note or view says of it that
it "has not run" (attack47 Y2's note: ``not_ran`` read a ticked step as "met … has not run"; a ``[[go]]``'s ``ran``
said "none of its steps has run yet"; a step's output criterion "step X has not run"). Each reads "ticked done at …,
not run through warroom", and a ``not_ran`` of a ticked step is the commander's judgement (unknown), never met."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from warroom.incident import decisions as dec
from warroom.incident.records import StepRun, StepState
from warroom.runbook.decision import Criterion

NOW = datetime(2026, 12, 3, 4, 0, tzinfo=UTC)
TICKED = "step enable-pii-redaction was ticked done at 03:50:00 UTC by dana, not run through warroom"


def _state(*steps: StepState) -> SimpleNamespace:
    return SimpleNamespace(clock_start=NOW - timedelta(minutes=20), notes=[], time_scale=1.0,
                           steps={(s.runbook_id, s.step_id): s for s in steps}, verifications=[])


def _ticked(*runs: StepRun) -> StepState:
    return StepState(step_id="enable-pii-redaction", step=28, label="PII redaction on", status="ticked",
                     runbook_id="RB-1", runs=list(runs), ticked_by="dana", ticked_at=NOW - timedelta(minutes=10),
                     ticked_seq=5)


def test_not_ran_of_a_ticked_step_is_the_commanders_judgement_never_has_not_run() -> None:
    c = Criterion("The step that turns PII redaction back on has not run", not_ran=("enable-pii-redaction",))
    v = dec.judge(c, "no_go", _state(_ticked()), NOW, None, dec.NO_OUTPUTS, "RB-1")
    assert (v.state, v.evidence) == (dec.UNKNOWN, f"{TICKED}: the commander's judgement")
    # ticked after a failed run: the tick speaks, not the run it replaced
    failed = StepRun(seq=3, actor="dana", started_at=NOW - timedelta(minutes=15), status="failed",
                     ended_at=NOW - timedelta(minutes=14), exit_code=1)
    v = dec.judge(c, "no_go", _state(_ticked(failed)), NOW, None, dec.NO_OUTPUTS, "RB-1")
    assert (v.state, v.evidence) == (dec.UNKNOWN, f"{TICKED}: the commander's judgement")
    # not ticked yet at the moment judged: as before
    early = dec.judge(c, "no_go", _state(_ticked()), NOW - timedelta(minutes=11), None, dec.NO_OUTPUTS, "RB-1")
    assert early.state == dec.MET and "has not run" in early.evidence


def test_ran_on_a_go_side_says_the_tick_not_none_has_run_yet() -> None:
    c = Criterion("Mitigation under way", ran=("enable-pii-redaction",))
    v = dec.judge(c, "go", _state(_ticked()), NOW, None, dec.NO_OUTPUTS, "RB-1")
    assert (v.state, v.evidence) == (dec.UNKNOWN, f"{TICKED}: the commander's judgement")
    assert "has run" not in v.evidence


def test_a_step_output_criterion_on_a_ticked_step_says_it_was_ticked() -> None:
    c = Criterion("Redaction on", step="enable-pii-redaction", pattern=r"(\d+)", op=">=", value=1.0)
    v = dec.judge(c, "go", _state(_ticked()), NOW, None, lambda ref: None, "RB-1")
    assert (v.state, v.evidence) == (dec.UNKNOWN, f"{TICKED}: it has no output to read")


def test_a_step_output_criterion_on_a_step_only_an_observer_ran_says_so() -> None:
    run = StepRun(seq=3, actor="obs", started_at=NOW - timedelta(minutes=5), status="ok", ended_at=NOW, exit_code=0,
                  output="outputs/0001.log", seat="observer")
    st = StepState(step_id="count-failing", step=3, label="Count", runbook_id="RB-1", observed=[run])
    c = Criterion("Many failing", step="count-failing", pattern=r"(\d+)", op=">=", value=1.0)
    v = dec.judge(c, "go", _state(st), NOW, None, lambda ref: None, "RB-1")
    assert v.state == dec.UNKNOWN and v.evidence.startswith("step count-failing ran by an observer (read-only seat)")
