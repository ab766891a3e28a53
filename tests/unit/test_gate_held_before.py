"""G25-2: a verify gate whose measure already met its line before the step ran (RB-CORE-003's
breaker run before the 429s start: share 0.1 % < 10 %) passed at once and the incident read
MITIGATED while the quota and failure panes were still critical. A pass on a condition already
true before the step is no evidence the step worked: the gate's opening journals the measure at
the run's start (``verify.started`` ``before``), and such a pass does not make the incident
mitigated; the timeline says why. A gate whose measure was past its line before the step and met
it after still does."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from tests.unit.incident_fixtures import GATE_RUNBOOK, FixedClock, ran_ok
from warroom.config import Config
from warroom.incident.live import LiveIncident
from warroom.incident.store import IncidentStore
from warroom.sources.model import SloSample


class StepwiseSource:
    """The quota pane at ``before`` until just after the run's start, ``after`` from then on (a
    look with no time is a look now, after the run): values by time, no wall clock."""

    name = "stepwise"

    def __init__(self, start: float, before: float, after: float) -> None:
        self.start, self.before, self.after = start, before, after

    def _value(self, at: float | None) -> float:
        return self.before if (math.inf if at is None else at) <= self.start + 0.5 else self.after

    def fetch(self, slos, at=None):
        return [SloSample(s.id, self._value(at), sample_time=at, fetched_at=at) for s in slos]

    def instant(self, expr, at=None):
        return SloSample("expr", self._value(at), sample_time=at, fetched_at=at)

    def close(self) -> None:
        pass


def _gate_after_run(tmp_path: Path, before: float, after: float):
    tmp_path.mkdir(parents=True, exist_ok=True)
    rb = tmp_path / "gate.md"
    rb.write_text(GATE_RUNBOOK)
    clock = FixedClock()
    inc = IncidentStore(tmp_path / "state", Config(), clock=clock).create(title="Gate", severity="P3", runbook=rb)
    clock.advance(60)
    step = ran_ok(inc, 1, mutating=True)
    key = (inc.runbook().id, step.id)
    start = inc.state.steps[key].last_run.started_at.timestamp()
    live = LiveIncident(inc, StepwiseSource(start, before, after))
    try:
        check = live.watch_gate(key, step.number, step.verify, every=0.01, leave_open=False)
    finally:
        live.close()
    return inc, check


def test_a_gate_already_met_before_the_step_passes_but_is_not_mitigation(tmp_path: Path) -> None:
    inc, check = _gate_after_run(tmp_path, before=40.0, after=40.0)     # quota < 75 all along
    assert check is not None and check.status == "passed"
    state = inc.state
    opened = next(v for v in state.verifications if v["type"] == "verify.started")
    assert opened["before"]["holds"] is True and opened["before"]["value"] == pytest.approx(40.0)
    assert state.status != "mitigated"
    assert state.phases["mitigated"] is None
    line = next(t.text for t in state.sorted_timeline() if t.kind == "verify.passed")
    assert "already held when the step started (40%)" in line and "not counted as mitigated" in line


def test_a_gate_the_step_brought_under_its_line_is_mitigation(tmp_path: Path) -> None:
    inc, check = _gate_after_run(tmp_path, before=90.0, after=40.0)
    assert check is not None and check.status == "passed"
    state = inc.state
    opened = next(v for v in state.verifications if v["type"] == "verify.started")
    assert opened["before"]["holds"] is False
    assert state.status == "mitigated" and state.phases["mitigated"] is not None


def test_every_view_of_the_gate_says_it_held_before(tmp_path: Path) -> None:
    """The checklist's gate (``gate_states``, what ``incident show`` and the CLI's verdict read)
    carries the measure it already had when the step started."""
    from warroom.incident.gates import gate_states

    inc, _ = _gate_after_run(tmp_path, before=40.0, after=40.0)
    (gate,) = gate_states(inc.state, inc.clock()).values()
    assert gate.status == "passed" and gate.held_before == "40%"
    inc2, _ = _gate_after_run(tmp_path / "b", before=90.0, after=40.0)
    (gate,) = gate_states(inc2.state, inc2.clock()).values()
    assert gate.status == "passed" and gate.held_before is None
