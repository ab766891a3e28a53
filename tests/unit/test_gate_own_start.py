"""Two verify gates of one step open at once (a teammate's re-run with ``incident run --no-wait``): each is settled
once, by its own ``verify.started``, and every view cites each outcome with its own start (attack42 A14).

The dashboard settled the first gate (its window had run out unwatched) and the step's gate then read FAILED: the
outcome was taken as the gate of the step opened last, so the re-run's gate was never watched nor settled (its
outcome refused: "the step's gate already has one") and the PIR cited the failure with the re-run's start. An
outcome names the start it settles (``started_seq``); ``gate_states``, ``run_gates``, the open gates, the gate
journal's "one outcome per gate" and the PIR's citations read it. Clocks are fixed; the source is a constant."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from tests.unit.incident_fixtures import GATE_RUNBOOK, FixedClock
from tests.unit.test_gate_held_before import StepwiseSource
from warroom.config import Config
from warroom.incident.gate_journal import GateJournal
from warroom.incident.gates import gate_states, run_gates
from warroom.incident.store import IncidentStore
from warroom.journal import events as ev
from warroom.sources.evidence import iso
from warroom.sources.verify import open_gates, settle_open


def test_two_gates_of_one_step_open_at_once_are_each_settled_and_cited_by_their_own_start(tmp_path: Path) -> None:
    clock = FixedClock()
    rb = tmp_path / "gate.md"
    rb.write_text(GATE_RUNBOOK)
    inc = IncidentStore(tmp_path / "state", Config(), clock=clock).create(title="Gate", severity="P3", runbook=rb)
    inc.append(ev.STEP_STARTED, {"step": 1, "step_id": "breaker", "label": "Turn the breaker on",
                                 "command": "echo on", "mutating": True})
    inc.append(ev.STEP_FINISHED, {"step": 1, "step_id": "breaker", "status": "ok", "exit_code": 0})
    t0 = clock.now.timestamp()
    ref = {"step": 1, "step_id": "breaker"}
    first = inc.append(ev.VERIFY_STARTED, {**ref, "expr": "quota < -1 within 20m", "window": 1200.0,
                                           "deadline": iso(t0 + 1200)})
    second = inc.append(ev.VERIFY_STARTED, {**ref, "expr": "quota < 1000 within 12h", "window": 43200.0,
                                            "deadline": iso(t0 + 43200)})
    source = StepwiseSource(t0, 50.0, 50.0)                   # quota 50% all along
    key = ("RB-TEST-GATE", "breaker")

    clock.advance(1500)                                       # the first gate's window ran out unwatched
    settled = settle_open(GateJournal(inc), inc.read().events, source, inc.config.slo, now=t0 + 1500)
    assert [(g.text, c.status if c else None) for g, c in settled] == [(first.data["expr"], "failed"),
                                                                       (second.data["expr"], None)]
    failed = inc.read().events[-1]
    st = inc.refresh()
    gate = gate_states(st, clock.now)[key]
    assert (gate.status, gate.seq) == ("pending", second.seq), gate       # the re-run's gate, still open
    assert f"`[#{first.seq}, #{failed.seq}]`" in inc.render(now=clock.now)
    assert failed.type == ev.VERIFY_FAILED and failed.data["started_seq"] == first.seq
    assert [g.seq for g in open_gates(inc.read().events)] == [second.seq]

    clock.advance(43200)                                      # and the re-run's, settled in its turn
    settle_open(GateJournal(inc), inc.read().events, source, inc.config.slo, now=clock.now.timestamp())
    passed = inc.read().events[-1]
    assert passed.type == ev.VERIFY_PASSED and passed.data["started_seq"] == second.seq
    st = inc.refresh()
    assert gate_states(st, clock.now)[key].status == "passed"
    ((_, run),) = st.commands_run()
    assert run_gates(st, clock.now) == {run.seq: "passed"}
    assert not open_gates(inc.read().events)
    pir = inc.render(now=clock.now)
    assert f"`[#{second.seq}, #{passed.seq}]`" in pir and f"`[#{first.seq}, #{failed.seq}]`" in pir
