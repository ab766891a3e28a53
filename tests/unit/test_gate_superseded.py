"""A step run again while its verify gate still watched: the first run's gate gave way to the re-run's.

`open_gates` keeps one open gate per (runbook, step, gate), the newest, so the first run's gate is
never settled by anyone: no watcher, no `settle_open`. Before, every view that lists runs (the
PIR's commands table and timeline, a stakeholder draft) read it as still watching inside its
window and, past it, as "ran, verify window ended with no outcome", a gate the next
`incident run` "settles" — which none ever did, while the re-run's gate passed
(redteam35: the breaker step run twice in a rate-limit drill, its first run listed as unsettled
beside "Verification passed (step 6)").
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from tests.unit.incident_fixtures import GATE_RUNBOOK
from warroom.incident.cadence import draft_update
from warroom.incident.gates import SUPERSEDED, run_gates
from warroom.incident.marks import STEP_MARKS
from warroom.incident.review.commands import commands
from warroom.incident.store import IncidentStore
from warroom.journal import events as ev
from warroom.sources.verify import open_gates

GATE = "quota < 75 within 10m"


def _twice(tmp_path: Path, outcome: str | None):  # type: ignore[no-untyped-def]
    rb = tmp_path / "gate.md"
    rb.write_text(GATE_RUNBOOK)
    inc = IncidentStore(tmp_path / "state").create(title="Gate", severity="P3", runbook=rb)
    for deadline in ("2026-12-02T00:10:00Z", "2026-12-02T00:12:00Z"):
        inc.append(ev.STEP_STARTED, {"step": 1, "step_id": "breaker", "label": "Turn the breaker on",
                                     "command": "echo on", "mutating": True})
        inc.append(ev.STEP_FINISHED, {"step": 1, "step_id": "breaker", "status": "ok", "exit_code": 0})
        inc.append(ev.VERIFY_STARTED, {"step": 1, "step_id": "breaker", "expr": GATE, "window": 600.0,
                                       "deadline": deadline})
    if outcome is not None:
        inc.append(outcome, {"step": 1, "step_id": "breaker", "expr": GATE, "value": 70.0, "value_text": "70%"})
    return inc


def test_the_first_runs_gate_is_said_to_have_given_way_to_the_rerun_in_every_view_of_runs(tmp_path: Path) -> None:
    inc = _twice(tmp_path, ev.VERIFY_PASSED)
    st = inc.refresh()
    word = STEP_MARKS["superseded"].word
    for now in (datetime(2026, 12, 2, 0, 5, tzinfo=UTC), datetime(2026, 12, 2, 1, 0, tzinfo=UTC)):
        first, second = (run.seq for _, run in st.commands_run())
        assert run_gates(st, now) == {first: SUPERSEDED, second: "passed"}
        assert [r.result.split(" · ")[0] for r in commands(st, now)] == [word, "ok"]
        assert f"(mitigation attempt): {word}." in draft_update(st, now, 900.0)
        pir = inc.render(now=now)
        assert "verify window ended with no outcome" not in pir and "verify gate still watching" not in pir
    assert not open_gates(inc.read().events)      # the one outcome settled the re-run's gate: nothing left to settle


def test_a_rerun_whose_gate_is_itself_unsettled_leaves_the_first_superseded_not_unsettled(tmp_path: Path) -> None:
    inc = _twice(tmp_path, None)
    st = inc.refresh()
    first, second = (run.seq for _, run in st.commands_run())
    past = datetime(2026, 12, 2, 1, 0, tzinfo=UTC)
    assert run_gates(st, past) == {first: SUPERSEDED, second: "lapsed"}
    assert [g.deadline for g in open_gates(inc.read().events)] == [datetime(2026, 12, 2, 0, 12, tzinfo=UTC).timestamp()]


def test_a_rerun_whose_gate_opens_while_the_first_still_watches_supersedes_it_in_the_journal(tmp_path: Path) -> None:
    """attack42 A14 (its rest): the step re-run while its first gate still watched (a teammate's ``--no-wait``), two
    gates of one step open: the dashboard watched the newer and settled the older on a later view, and nothing said
    one had given way to the other. The re-run's gate, once journaled (``GateJournal``), supersedes the older
    (``verify.superseded``): the open gates drop it, an outcome naming it is refused, its run reads ``superseded``
    and the timeline says by which re-run; nothing settles nor counts it afterwards."""
    from tests.unit.incident_fixtures import FixedClock
    from warroom.incident.gate_journal import GateJournal
    from warroom.incident.verify_events import open_gates as state_open
    from warroom.sources.evidence import iso

    clock = FixedClock()
    rb = tmp_path / "gate.md"
    rb.write_text(GATE_RUNBOOK)
    inc = IncidentStore(tmp_path / "state", clock=clock).create(title="Gate", severity="P3", runbook=rb)
    ref = {"step": 1, "step_id": "breaker", "runbook_id": "RB-TEST-GATE"}
    starts = []
    for expr in ("quota < 75 within 10m", "quota < 80 within 10m"):      # the runbook's gate edited between the runs
        inc.append(ev.STEP_STARTED, {**ref, "label": "Turn the breaker on", "command": "echo on", "mutating": True})
        clock.advance(5)
        inc.append(ev.STEP_FINISHED, {**ref, "status": "ok", "exit_code": 0})
        starts.append(GateJournal(inc).append(ev.VERIFY_STARTED, {**ref, "expr": expr, "window": 600.0,
                                                                   "deadline": iso(clock.now.timestamp() + 600)}))
        clock.advance(60)
    first, second = starts
    gone = inc.read().events[-1]
    assert gone.type == ev.VERIFY_SUPERSEDED and gone.data["started_seq"] == first.seq, gone
    assert gone.data["by_seq"] == second.seq and gone.seq == second.seq + 1
    assert [g.seq for g in open_gates(inc.read().events)] == [second.seq]
    st = inc.refresh()
    assert [int(v["seq"]) for v in state_open(st)] == [second.seq]
    assert GateJournal(inc).append(ev.VERIFY_FAILED, {**ref, "expr": first.data["expr"], "value": 90.0,
                                                      "reason": "window ran out", "started_seq": first.seq}) is None
    run1, run2 = (run.seq for _, run in st.commands_run())
    assert run_gates(st, clock.now) == {run1: SUPERSEDED, run2: "pending"}
    line = next(t.text for t in st.sorted_timeline() if t.kind == ev.VERIFY_SUPERSEDED)
    assert line.startswith("Verification superseded (step 1): quota < 75 within 10m, opened 14:00:05 UTC, "
                           "superseded by the re-run at 14:01:05 UTC"), line
    assert st.first_verified_at is None and "superseded by the re-run at 14:01:05 UTC" in inc.render(now=clock.now)
    GateJournal(inc).append(ev.VERIFY_STARTED, {**ref, "expr": second.data["expr"], "window": 600.0,
                                                "deadline": iso(clock.now.timestamp() + 600)})   # refused: it has one
    assert [e.type for e in inc.read().events].count(ev.VERIFY_SUPERSEDED) == 1


def test_a_rerun_that_failed_leaves_the_first_gate_to_its_watcher_whose_outcome_counts(tmp_path: Path) -> None:
    """attack43 A12: run 1's gate watched, the step re-run and failed (no gate of its own), the commander said
    mitigated; the watcher saw the window run out and printed FAILED, but its outcome was refused ("the step ran
    again") and every view said "still running" forever. A failed re-run supersedes nothing: the outcome is journaled
    and the word is backed by nothing but a failed gate."""
    from tests.unit.incident_fixtures import FixedClock
    from warroom.incident.gate_journal import GateJournal
    from warroom.incident.verdicts import said_unbacked
    from warroom.sources.evidence import iso

    clock = FixedClock()
    rb = tmp_path / "gate.md"
    rb.write_text(GATE_RUNBOOK)
    inc = IncidentStore(tmp_path / "state", clock=clock).create(title="Gate", severity="P3", runbook=rb)
    ref = {"step": 1, "step_id": "breaker", "runbook_id": "RB-TEST-GATE"}
    run = {**ref, "label": "Turn the breaker on", "command": "echo on", "mutating": True}
    inc.append(ev.STEP_STARTED, run)
    inc.append(ev.STEP_FINISHED, {**ref, "status": "ok", "exit_code": 0})
    key = ("RB-TEST-GATE", "breaker")
    watcher = GateJournal(inc, key)
    watcher.append(ev.VERIFY_STARTED, {**ref, "expr": GATE, "window": 600.0,
                                       "deadline": iso(clock.now.timestamp() + 600)})
    clock.advance(7)
    inc.append(ev.STEP_STARTED, run)
    inc.append(ev.STEP_FINISHED, {**ref, "status": "failed", "exit_code": 1})
    inc.append(ev.STATUS_CHANGED, {"from": "investigating", "to": "mitigated", "reason": "provider out"})
    clock.advance(600)
    assert watcher.append(ev.VERIFY_FAILED, {**ref, "expr": GATE, "value": 90.0, "reason": "window ran out"})
    st = inc.refresh()
    first = next(run.seq for _, run in st.commands_run())
    assert run_gates(st, clock.now)[first] == "failed"
    assert said_unbacked(st) == "said after a mitigation step whose verify gate failed (step 1)"
    assert not open_gates(inc.read().events)


def test_the_superseding_names_the_rerun_that_opened_the_gate_not_a_failed_one_between(tmp_path: Path) -> None:
    """attack43 A5: run 1's gate open, a re-run failed (no gate), a third run opened its gate: "superseded by the
    re-run at …" named the failed run's time (and ``rerun_seq`` its seq), not the run whose gate took over."""
    from tests.unit.incident_fixtures import FixedClock
    from warroom.incident.gate_journal import GateJournal
    from warroom.sources.evidence import iso

    clock = FixedClock()
    rb = tmp_path / "gate.md"
    rb.write_text(GATE_RUNBOOK)
    inc = IncidentStore(tmp_path / "state", clock=clock).create(title="Gate", severity="P3", runbook=rb)
    ref = {"step": 1, "step_id": "breaker", "runbook_id": "RB-TEST-GATE"}
    runs = []
    for status in ("ok", "failed", "ok"):
        runs.append(inc.append(ev.STEP_STARTED, {**ref, "label": "Turn the breaker on", "command": "echo on",
                                                 "mutating": True}))
        clock.advance(5)
        inc.append(ev.STEP_FINISHED, {**ref, "status": status, "exit_code": 0 if status == "ok" else 1})
        if status == "ok":
            GateJournal(inc).append(ev.VERIFY_STARTED, {**ref, "expr": GATE, "window": 600.0,
                                                        "deadline": iso(clock.now.timestamp() + 600)})
        clock.advance(60)
    gone = inc.read().events[-1]
    assert gone.type == ev.VERIFY_SUPERSEDED and gone.data["rerun_seq"] == runs[2].seq, gone
    line = next(t.text for t in inc.refresh().sorted_timeline() if t.kind == ev.VERIFY_SUPERSEDED)
    assert "superseded by the re-run at 14:02:10 UTC" in line, line


def test_a_fix_rerun_once_it_worked_is_judged_from_its_first_run_not_held_before(tmp_path: Path) -> None:
    """attack43 A13: the fix took the measure from 90% to under its line; the commander re-ran it (unsure it took) and
    the re-run's gate, opened on the recovered measure, superseded the first and passed: "held before the step … no
    evidence the step worked", not mitigated. The streak's gate judges from its first run's start, when it did not
    hold: the pass counts, the word is backed."""
    from tests.unit.incident_fixtures import FixedClock
    from warroom.incident.gate_journal import GateJournal
    from warroom.incident.gate_evidence import held_gates
    from warroom.incident.verdicts import said_unbacked
    from warroom.sources.evidence import iso

    clock = FixedClock()
    rb = tmp_path / "gate.md"
    rb.write_text(GATE_RUNBOOK)
    inc = IncidentStore(tmp_path / "state", clock=clock).create(title="Gate", severity="P3", runbook=rb)
    ref = {"step": 1, "step_id": "breaker", "runbook_id": "RB-TEST-GATE"}
    gates = []
    for value in (90.0, 40.0):
        inc.append(ev.STEP_STARTED, {**ref, "label": "Turn the breaker on", "command": "echo on", "mutating": True})
        clock.advance(5)
        inc.append(ev.STEP_FINISHED, {**ref, "status": "ok", "exit_code": 0})
        gates.append(GateJournal(inc).append(ev.VERIFY_STARTED, {
            **ref, "expr": GATE, "window": 600.0, "deadline": iso(clock.now.timestamp() + 600),
            "before": {"value": value, "value_text": f"{value:g}%", "holds": value < 75}}))
        clock.advance(30)
    inc.append(ev.STATUS_CHANGED, {"from": "investigating", "to": "mitigated"})
    clock.advance(120)
    GateJournal(inc).append(ev.VERIFY_PASSED, {**ref, "expr": GATE, "value": 40.0, "started_seq": gates[1].seq})
    st = inc.refresh()
    run1, run2 = (run.seq for _, run in st.commands_run())
    assert run_gates(st, clock.now) == {run1: SUPERSEDED, run2: "passed"}
    assert held_gates(st) == [] and said_unbacked(st) == "" and st.first_verified_at is not None
    assert "held before" not in inc.render(now=clock.now)
