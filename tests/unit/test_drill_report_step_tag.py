"""The drill report credits a step with exactly the actions its run's processes did (issue 13 item 9).

An action was a step's when its stand-in stamped it within the run's window, give or take half a
second (``by_hand.SLACK``, for the two clocks). So a command typed in a shell the moment a step
ended — `warroom incident run ID 8` then `kubectl set env … CONTEXT_PRUNING_ENABLED=false` from a
script, 0.18 s apart on the timeout drill — was listed under "Retry the stuck task with pruning ->
…; context pruning disabled", was missing from "Done outside the runbook's steps", and the PIR
credited the step with what the shell's command did. A step's processes carry its run's
``$WARROOM_STEP_TAG`` (journaled in ``step.started``); every action a stand-in records is stamped
with it (``actions.append_actions``), and a tagged run owns exactly its tagged actions.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.unit.standins_corpus import warmed
from warroom.drill.directory import create_drill
from warroom.execute.watchdog import TAG_ENV
from warroom.incident.drill_report import drill_report
from warroom.incident.drill_report.actions import run_effects
from warroom.incident.records import StepRun
from warroom.incident.store import IncidentStore

TAG = "a1b2c3d4e5f6"


def test_a_command_typed_just_after_a_step_is_outside_it_and_one_its_process_did_is_its_own(
        state_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    d = warmed(create_drill(state_dir, "rate-limit", speed=10.0, start=1_800_000_000.0))
    inc = IncidentStore(state_dir / "inc", clock=lambda: datetime.fromtimestamp(d.wall_time(200), UTC)).create(
        title="Quota", severity="P3", runbook="RB-CORE-003", drill={"scenario": "rate-limit", "speed": 10.0})
    book = inc.runbook()
    assert book is not None
    breaker = next(st for sec in book.sections for st in sec.steps if "circuit breaker" in st.label.lower())
    state = inc.state.copy()
    step = state._step({"step_id": breaker.id, "runbook_id": book.id, "step": breaker.number, "label": breaker.label})
    start, end = d.wall_time(500), d.wall_time(510)
    step.runs.append(StepRun(seq=99, actor="ic", started_at=datetime.fromtimestamp(start, UTC), status="ok",
                             exit_code=0, ended_at=datetime.fromtimestamp(end, UTC), mutating=True, tag=TAG))
    step.status = "ok"
    with monkeypatch.context() as m:              # recorded by a process of the step's run
        m.setenv(TAG_ENV, TAG)
        d.record("circuit_breaker", tool="kubectl", argv=("set", "env"), at=start - 0.9)   # its clock a little behind
    monkeypatch.delenv(TAG_ENV, raising=False)    # typed in a shell: no run's tag
    d.record("circuit_breaker_off", tool="kubectl", argv=("set", "env"), at=end + 0.2)
    assert [a.tag for a in d.actions()] == [TAG, ""]

    report = drill_report(d, state, at=d.wall_time(1500), runbook=book)
    row = next(p for p in report.runbook_path if p[1] == breaker.label)
    assert row[3] == "circuit breaker enabled (ENABLE_CIRCUIT_BREAKER=true)"
    assert report.outside == ("circuit breaker disabled (kubectl set env)",)
    effects = run_effects(d, state, None, d.wall_time(1500))
    assert "nothing" not in effects["99"]          # the breaker its process turned on is what it did


def test_an_action_a_step_s_process_did_is_told_at_the_step_s_start_as_the_pir_tells_it(
        state_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """redteam42 R7: at x60 the report said +11m10s (the stand-in's stamp, 0.25 s wall after the step began) where
    the PIR said +10m55s (the step's start) for the same step: one instant per event."""
    d = warmed(create_drill(state_dir, "rate-limit", speed=60.0, start=1_800_000_000.0))
    inc = IncidentStore(state_dir / "inc", clock=lambda: datetime.fromtimestamp(d.wall_time(200), UTC)).create(
        title="Quota", severity="P3", runbook="RB-CORE-003", drill={"scenario": "rate-limit", "speed": 60.0})
    book = inc.runbook()
    assert book is not None
    breaker = next(st for sec in book.sections for st in sec.steps if "circuit breaker" in st.label.lower())
    state = inc.state.copy()
    step = state._step({"step_id": breaker.id, "runbook_id": book.id, "step": breaker.number, "label": breaker.label})
    start = d.wall_time(855)                           # +10m55s after the declaration (drill second 200)
    step.runs.append(StepRun(seq=99, actor="ic", started_at=datetime.fromtimestamp(start, UTC), status="ok",
                             exit_code=0, ended_at=datetime.fromtimestamp(start + 1, UTC), mutating=True, tag=TAG))
    step.status = "ok"
    monkeypatch.setenv(TAG_ENV, TAG)
    d.record("circuit_breaker", tool="kubectl", argv=("set", "env"), at=start + 0.25)     # 15 drill seconds later
    monkeypatch.delenv(TAG_ENV)
    [row] = drill_report(d, state, at=d.wall_time(1500), runbook=book).actions
    assert row.at == start and row.clock == pytest.approx(655.0, abs=0.1)      # the journal keeps milliseconds
    assert row.t == pytest.approx(870.0)               # the world's record of it, its effect read from there


def test_a_command_typed_just_before_a_promql_read_is_never_that_read_s(
        state_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """redteam51 R2: a retry typed in the drill shell 0.35 s before a PromQL step was that read's by the time rule
    ("Validation: Flow failure rate … -> failed flows retried"), and the PIR lost it. A step run in warroom's own
    process (``kind`` promql/k8s) makes no stand-in call: it is tagged ``by_hand.IN_PROCESS``, so only the tag rule
    applies and an untagged action is never its."""
    from warroom.incident import by_hand
    from warroom.incident.native_steps import NativeStepRunning

    assert by_hand.NATIVE_KINDS == NativeStepRunning.NATIVE_KINDS
    monkeypatch.delenv(TAG_ENV, raising=False)
    d = warmed(create_drill(state_dir, "rate-limit", speed=10.0, start=1_800_000_000.0))
    inc = IncidentStore(state_dir / "inc", clock=lambda: datetime.fromtimestamp(d.wall_time(200), UTC)).create(
        title="Quota", severity="P3", runbook="RB-CORE-003", drill={"scenario": "rate-limit", "speed": 10.0})
    book = inc.runbook()
    assert book is not None
    read = next(st for sec in book.sections for st in sec.steps if st.kind == "promql" and "15 minutes" in st.label)
    state = inc.state.copy()
    step = state._step({"step_id": read.id, "runbook_id": book.id, "step": read.number, "label": read.label})
    start = d.wall_time(500)
    step.runs.append(StepRun(seq=99, actor="ic", started_at=datetime.fromtimestamp(start, UTC), status="ok",
                             exit_code=0, ended_at=datetime.fromtimestamp(start + 0.02, UTC), kind="promql"))
    step.status = "ok"
    d.record("retry", tool="blocks", argv=("flow", "retry", "tsk_83b13f19"), at=start - 0.35)
    report = drill_report(d, state, at=d.wall_time(1500), runbook=book)
    row = next(p for p in report.runbook_path if p[1] == read.label)
    assert "retried" not in row[3], row
    assert by_hand.owner_of(start - 0.35, "", by_hand.run_windows(state)) is None
