"""Native (promql) steps run in-process and are journaled like commands; the prepared step's
``mutating`` verdict (classifier + the author's explicit fence attribute) is what the runner
honours, so a read-only-by-attribute step runs unconfirmed and a mutating one is refused.

Real parser on a real markdown runbook, real journal, real supervised runner, the real drill
simulator as the PromQL source.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from warroom.config import Config
from warroom.execute.safety import StepRefused
from warroom.journal.log import read_journal
from warroom.incident.store import IncidentStore

RUNBOOK = """+++
id = "RB-NATIVE-001"
title = "Native steps"
severity = "P3"
+++
# Native steps

## Detection

Highest quota use:

```promql
100 * max(flowengine_model_quota_used_ratio)
```

A broken query:

```promql
sum(rate(
```

## Triage

```bash {mutating=false}
# Read the quota table (the runbook vouches it only reads)
mytool quota show --all
```

## Mitigation

```bash
# Turn the breaker on
kubectl set env deployment/flowengine ENABLE_CIRCUIT_BREAKER=true
```
"""


@pytest.fixture
def incident(tmp_path: Path):  # type: ignore[no-untyped-def]
    rb = tmp_path / "rb.md"
    rb.write_text(RUNBOOK)
    cfg = Config()
    store = IncidentStore(tmp_path / "state", cfg)
    return store.create(title="native", severity="P3", runbook=str(rb), source={"kind": "manual"})


@pytest.fixture
def drill_source(tmp_path: Path):  # type: ignore[no-untyped-def]
    from warroom.drill.directory import create_drill

    drill = create_drill(tmp_path / "drills", "rate-limit", 60.0)
    return drill.source(Config().slo)


def events(inc, type_: str):  # type: ignore[no-untyped-def]
    return [e for e in read_journal(inc.dir / "journal.jsonl").events if e.type == type_]


def test_promql_step_runs_against_the_source_and_is_journaled(incident, drill_source) -> None:  # type: ignore[no-untyped-def]
    prepared = incident.prepare_step(1)
    assert prepared.kind == "promql" and not prepared.mutating
    result = incident.run_native_step(prepared, metric_source=drill_source)
    assert result.status == "ok"
    started, finished = events(incident, "step.started")[0], events(incident, "step.finished")[0]
    assert started.data["kind"] == "promql" and started.data["output"] == finished.data["output"]
    assert finished.data["status"] == "ok" and finished.data["exit_code"] == 0
    out = (incident.dir / finished.data["output"]).read_text()
    value = float(out.split()[-1])
    assert 0 < value < 100
    st = incident.refresh().steps[prepared.step_id]
    assert st.status == "ok"


def test_broken_query_fails_with_the_error_as_output(incident, drill_source) -> None:  # type: ignore[no-untyped-def]
    result = incident.run_native_step(incident.prepare_step(2), metric_source=drill_source)
    assert result.status == "failed" and result.exit_code == 1
    finished = events(incident, "step.finished")[0]
    assert finished.data["status"] == "failed" and "error" in finished.data["excerpt"]


def test_explicit_read_only_attribute_is_honoured_by_prepare_and_runner(incident) -> None:  # type: ignore[no-untyped-def]
    prepared = incident.prepare_step(3)
    assert prepared.command == "mytool quota show --all"
    assert prepared.mutating is False  # the classifier alone would say mutating (unknown tool)
    handle = incident.run_step(prepared, confirm=False)
    assert handle.wait(60).status == "failed"  # ran (mytool does not exist here), was not refused
    assert not events(incident, "step.refused")


def test_unconfirmed_mutating_step_is_refused_and_recorded(incident) -> None:  # type: ignore[no-untyped-def]
    prepared = incident.prepare_step(4)
    assert prepared.mutating is True
    with pytest.raises(StepRefused, match="not confirmed"):
        incident.run_step(prepared, confirm=False)
    refused = events(incident, "step.refused")
    assert len(refused) == 1 and refused[0].data["step"] == 4
    assert not events(incident, "step.started")


def test_a_native_step_already_running_is_not_run_twice(incident, drill_source) -> None:  # type: ignore[no-untyped-def]
    """The step claim covers in-process steps too: while another process holds it, nothing runs."""
    import os

    from warroom.execute.runner import StepAlreadyRunning
    from warroom.execute.watchdog import claim_path, try_claim

    prepared = incident.prepare_step(1)
    (incident.dir / "outputs").mkdir(exist_ok=True)
    held = try_claim(claim_path(incident.dir, prepared.step_id))
    assert held is not None
    try:
        with pytest.raises(StepAlreadyRunning, match="already running"):
            incident.run_native_step(prepared, metric_source=drill_source)
        assert not events(incident, "step.started")
    finally:
        os.close(held)
    assert incident.run_native_step(prepared, metric_source=drill_source).status == "ok"


def test_an_observers_run_never_holds_the_step_against_the_response(  # type: ignore[no-untyped-def]
        incident, drill_source) -> None:
    """attack48 Z7: while a read-only seat ran a step, the commander's run of it was refused "already running",
    though the observer's run is not the step's. A read-only seat's run takes a claim of its own (``claim_path``):
    the response runs the step beside it; two of the response's runs of one step still never run at once."""
    import os

    from warroom.execute.watchdog import claim_path, try_claim

    prepared = incident.prepare_step(1)
    (incident.dir / "outputs").mkdir(exist_ok=True)
    mine = claim_path(incident.dir, prepared.step_id, observer=True)
    assert mine != claim_path(incident.dir, prepared.step_id)
    held = try_claim(mine)                       # an observer's run of the step, in progress
    assert held is not None
    try:
        assert incident.run_native_step(prepared, metric_source=drill_source).status == "ok"
    finally:
        os.close(held)
