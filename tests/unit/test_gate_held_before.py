"""G25-2: a verify gate whose measure already met its line before the step ran (RB-CORE-003's
breaker run before the 429s start: share 0.1 % < 10 %) passed at once and the incident read
MITIGATED while the quota and failure panes were still critical. A pass on a condition already
true before the step is no evidence the step worked: the gate's opening journals the measure at
the run's start (``verify.started`` ``before``), and such a pass does not make the incident
mitigated; the timeline says why. A gate whose measure was past its line before the step and met
it after still does."""

from __future__ import annotations

import math
from collections.abc import Callable
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
    return _watched(tmp_path, lambda start: StepwiseSource(start, before, after))


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


# ---- P25-1: one rule for "held before", whatever path settled the gate, in every view -----------------

class LooksSource(StepwiseSource):
    """``before`` at the run's start; after it, each instant the watcher judges (the gate's grid,
    in order) the next of ``looks``, the last one repeated, and the same instant always the same
    value: values by time, in the order they are first asked for, no wall clock."""

    def __init__(self, start: float, before: float, looks: list[float]) -> None:
        super().__init__(start, before, looks[-1])
        self.looks = list(looks)
        self.seen: dict[float, float] = {}

    def _value(self, at: float | None) -> float:
        if at is not None and at <= self.start + 0.5:
            return self.before
        key = math.inf if at is None else at
        if key not in self.seen:
            self.seen[key] = self.looks[min(len(self.seen), len(self.looks) - 1)]
        return self.seen[key]


def _watched(tmp_path: Path, source: Callable[[float], StepwiseSource]):
    """Run the gated step 1 of GATE_RUNBOOK and watch its gate on ``source(the run's start)``."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    rb = tmp_path / "gate.md"
    rb.write_text(GATE_RUNBOOK)
    clock = FixedClock()
    inc = IncidentStore(tmp_path / "state", Config(), clock=clock).create(title="Gate", severity="P3", runbook=rb)
    clock.advance(60)
    step = ran_ok(inc, 1, mutating=True)
    key = (inc.runbook().id, step.id)
    start = inc.state.steps[key].last_run.started_at.timestamp()
    live = LiveIncident(inc, source(start))
    try:
        check = live.watch_gate(key, step.number, step.verify, every=0.01, leave_open=False)
    finally:
        live.close()
    return inc, check


def test_a_gate_held_before_then_broken_and_held_again_is_mitigation(tmp_path: Path) -> None:
    """The rate-limit drill ×60 with step 6 run just before the 429s: the share was 2.72 % at the
    step's start, 10.6 % once the fault arrived, then under 10 % again with the breaker on. That pass
    is the recovery a gate exists to see; the rule of G25-2 (``before.holds`` alone) called it
    "no evidence" and the incident never mitigated."""
    from warroom.incident.gates import gate_states

    inc, check = _watched(tmp_path, lambda start: LooksSource(start, 40.0, [90.0, 40.0]))
    assert check is not None and check.status == "passed"
    passed = next(v for v in inc.state.verifications if v["type"] == "verify.passed")
    assert passed["outside"]["value_text"] == "90%"
    assert inc.state.status == "mitigated" and inc.state.phases["mitigated"] is not None
    (gate,) = gate_states(inc.state, inc.clock()).values()
    assert gate.shown == "passed" and gate.held_before is None
    line = next(t.text for t in inc.state.sorted_timeline() if t.kind == "verify.passed")
    assert line.startswith("Verification passed") and "already held" not in line


def test_no_data_is_not_a_break(tmp_path: Path) -> None:
    """A look with no value is not the measure past its line: the pass still proves nothing."""
    inc, check = _watched(tmp_path, lambda start: LooksSource(start, 40.0, [math.nan, 40.0]))
    assert check is not None and check.status == "passed"
    assert inc.state.status != "mitigated"


def test_settled_after_the_fact_sees_the_break_too() -> None:
    """A gate nobody watched, settled from the history (``settle_open``): the break inside its
    window is journaled with the pass as the watcher's is; with none, the pass carries none."""
    from types import SimpleNamespace

    from warroom.sources.verify import settle_open

    t0 = 1_800_000_000.0

    class History:
        name = "history"

        def __init__(self, broken: bool) -> None:
            self.broken = broken

        def instant(self, expr, at=None):
            v = 90.0 if self.broken and t0 + 100 <= (at or 0) < t0 + 200 else 40.0
            return SloSample("expr", v, sample_time=at, fetched_at=at)

    class Journal:
        def __init__(self) -> None:
            self.events: list[tuple[str, dict]] = []

        def append(self, type_, data=None):
            self.events.append((type_, dict(data or {})))

    from datetime import UTC, datetime

    from warroom.sources.evidence import iso

    opened = SimpleNamespace(type="verify.started", ts=datetime.fromtimestamp(t0, UTC),
                             data={"step": 1, "step_id": "s", "expr": "x < 75 for 2m within 10m",
                                   "deadline": iso(t0 + 600)})
    for broken, outside in ((True, {"value": 90.0, "value_text": "90"}), (False, None)):
        journal = Journal()
        ((_, check),) = settle_open(journal, [opened], History(broken), [], now=t0 + 700)
        assert check is not None and check.status == "passed"
        ((kind, data),) = journal.events
        assert kind == "verify.passed" and data.get("outside") == outside, (broken, data)


def test_the_header_never_says_passed_for_a_gate_held_before(tmp_path: Path) -> None:
    """The dashboard's gate line reads the journal's gate by ``GateState.shown``: ``⊜ held before
    the step (40%)`` at 80 columns, never ``✔ passed``; a gate the step brought under its line
    still reads ``✔ passed at 40%``."""
    from panes.header import gate_text
    from tui.view import settled_gates
    from warroom.incident.gates import gate_states

    inc, _ = _gate_after_run(tmp_path, before=40.0, after=40.0)
    ((_, view),) = settled_gates(gate_states(inc.state, inc.clock()))
    line = gate_text(view, 0.0, 80).plain
    assert "⊜ held before the step (40%): not counted as mitigated" in line, line
    assert "passed" not in line and "✔" not in line
    inc2, _ = _gate_after_run(tmp_path / "b", before=90.0, after=40.0)
    ((_, view),) = settled_gates(gate_states(inc2.state, inc2.clock()))
    assert "✔ passed at 40%" in gate_text(view, 0.0, 80).plain


def test_every_view_says_why_the_incident_is_not_mitigated(tmp_path: Path) -> None:
    """``incident show`` (text and --json), the brief and the PIR's response table say which gate
    held before its step, from one sentence (``gate_evidence.held_gates`` through ``verdicts``)."""
    from datetime import timedelta

    from warroom.cli.incident_show import render_show
    from warroom.incident.handoff import catch_up_brief
    from warroom.incident.jsonview import state_to_json
    from warroom.incident.pir_context import pir_context

    inc, _ = _gate_after_run(tmp_path, before=40.0, after=40.0)
    st = inc.state
    why = "the verify gate of step 1 (Model API quota used < 75%) already held when the step started (40%)"
    text = "\n".join(render_show(inc, st, inc.clock()))
    assert why in text and "verify passed" not in text
    data = state_to_json(st, inc.clock())
    (mitigated,) = [r for r in data["response_times"] if r["key"] == "mitigated"]
    assert why in mitigated["verdict"]["sentence"]
    brief = dict(catch_up_brief(st, inc.clock(), update_every=inc.update_every(), config=inc.config).sections)
    assert any(why in line for line in brief["Current state"])
    ctx = pir_context(st, inc.config, inc.clock() + timedelta(minutes=1))
    assert any(why in str(r) for r in ctx["response"]), ctx["response"]
    assert any(why in c for c in inc.resolve_concerns({})), inc.resolve_concerns({})    # the resolve dialog's


class BrokeWhileRunning(StepwiseSource):
    """``before`` at the run's start, 90 in the history after it up to when this source was made
    (the gate's opening: the step's run, which no watcher sees), ``after`` for every look since."""

    def __init__(self, start: float, before: float, after: float) -> None:
        super().__init__(start, before, after)
        import time

        self.opened = time.time()

    def _value(self, at: float | None) -> float:
        if at is None or at >= self.opened:
            return self.after
        return self.before if at <= self.start + 0.5 else 90.0


def test_a_break_before_the_gate_opened_is_read_from_the_history(tmp_path: Path) -> None:
    """The measure held at the step's start, went past its line while the step ran (before the gate
    opened, where no check looks) and held at every check: the pass reads the history from the
    step's start (``verify.broke_since``), sees the break, and counts (red without)."""
    inc, check = _watched(tmp_path, lambda start: BrokeWhileRunning(start, 40.0, 40.0))
    assert check is not None and check.status == "passed"
    passed = next(v for v in inc.state.verifications if v["type"] == "verify.passed")
    assert passed["outside"]["value_text"] == "90%"
    assert inc.state.status == "mitigated"


def test_the_drill_reports_path_keeps_room_for_the_step_at_80x24() -> None:
    """The drill report's path (66 columns at 80x24) draws a step's state whole, unwrapped, and
    the step's label with every word whole (with "ran, verify gate held before the step: no
    evidence" the label column was cut to "Turn" / "on" / "cir…"). Since 3bb4fac the path is a
    FitTable: the label wraps at its words beside the state, never cut."""
    import io

    from rich.console import Console

    from tui.screens.drill_report import _path_table
    from warroom.incident.marks import state_word

    steps = [("Mitigation", "Turn on the circuit breaker so new flows pause above 85% quota", "held_before",
              "circuit breaker enabled (ENABLE_CIRCUIT_BREAKER=true)")]
    console = Console(width=66, file=io.StringIO(), record=True)
    console.print(_path_table("Runbook RB-CORE-003", steps))
    text = console.export_text()
    assert state_word("held_before") in text and "…" not in text, text
    step_at = text.splitlines()[2].index("step")          # the label's column, under its header
    label = " ".join(ln[step_at:].split("  ")[0].strip() for ln in text.splitlines()[3:])
    assert " ".join(label.split()) == steps[0][1], text
