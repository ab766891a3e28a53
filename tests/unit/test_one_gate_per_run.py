"""One verify gate per step run and one outcome per gate, however many watchers (A24-3).

Seen in a provider-outage drill: with the dashboard open on the incident, `incident run INC 8`
journaled verify.started and the dashboard, following that run, opened a gate of its own 0.1 s
later; the journal then held two verify.started and two verify.passed (0.182% and 0.178%), and
the brief said "Verification passed (step 8)" twice. Two watchers here are two ``Incident``
objects on one directory (as two processes are), each with its own ``LiveIncident``. No sleeps:
the metric's value is the test's to move, and each wait is for a state the journal or a watcher
reports."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

from tests.unit.incident_fixtures import GATE_RUNBOOK
from warroom.config import Config, SloConfig
from warroom.incident.live import LiveIncident
from warroom.incident.session import Incident
from warroom.incident.store import IncidentStore
from warroom.journal import events as ev
from warroom.sources.model import SloSample
from warroom.sources.verify import VerifyCheck

KEY = ("RB-TEST-GATE", "breaker")
GATE = "quota < 75 within 10m"


class Quota:
    """A metric source whose quota pane reads what the test sets."""

    name = "test"

    def __init__(self, value: float) -> None:
        self.value = value

    def fetch(self, slos: list[SloConfig], at: float | None = None) -> list[SloSample]:
        return [SloSample(s.id, self.value, fetched_at=time.time()) for s in slos]

    def instant(self, expr: str, at: float | None = None) -> SloSample:
        return SloSample("expr", self.value, fetched_at=time.time())

    def close(self) -> None:
        pass


def _two_watchers(tmp_path: Path, source: Quota) -> tuple[LiveIncident, LiveIncident]:
    rb = tmp_path / "gate.md"
    rb.write_text(GATE_RUNBOOK)
    cfg = Config()
    first = IncidentStore(tmp_path / "state", cfg).create(title="Gate", severity="P3", runbook=rb)
    first.append(ev.STEP_STARTED, {"step": 1, "step_id": "breaker", "runbook_id": KEY[0], "label": "Turn the breaker on",
                                   "command": "echo on", "mutating": True})
    first.append(ev.STEP_FINISHED, {"step": 1, "step_id": "breaker", "runbook_id": KEY[0], "status": "ok", "exit_code": 0})
    second = Incident(first.id, first.dir, config=cfg)       # another process on the same incident
    return LiveIncident(first, source), LiveIncident(second, source)


def _gate_events(live: LiveIncident) -> list[str]:
    return [e.type for e in live.incident.read().events if e.type.startswith("verify.")]


def _until(what: Any, seconds: float = 60.0) -> None:
    """Wait for a state some thread reports (bounded; fails loudly rather than hang)."""
    end = time.monotonic() + seconds
    while not what():
        assert time.monotonic() < end, "the state waited for never came"
        time.sleep(0.01)


def test_a_second_watcher_reports_the_outcome_already_journaled(tmp_path: Path) -> None:
    a, b = _two_watchers(tmp_path, Quota(70.0))
    assert a.watch_gate(KEY, 1, GATE, every=0.05, leave_open=False).status == "passed"
    late = b.watch_gate(KEY, 1, GATE, every=0.05, leave_open=False)    # the dashboard saw the run end
    assert isinstance(late, VerifyCheck) and late.status == "passed" and late.value == 70.0
    assert _gate_events(a) == [ev.VERIFY_STARTED, ev.VERIFY_PASSED]


def test_two_watchers_of_one_run_share_its_gate_and_journal_one_outcome(tmp_path: Path) -> None:
    quota = Quota(90.0)
    a, b = _two_watchers(tmp_path, quota)
    results: dict[str, VerifyCheck | None] = {}
    looked = {"a": 0, "b": 0}

    def watch(name: str, live: LiveIncident) -> None:
        def seen(check: VerifyCheck) -> None:
            looked[name] += 1
        results[name] = live.watch_gate(KEY, 1, GATE, every=0.02, leave_open=False, on_check=seen)

    ta = threading.Thread(target=watch, args=("a", a), daemon=True)
    ta.start()
    _until(lambda: looked["a"] > 0)                         # a's gate is open and pending (90 > 75)
    tb = threading.Thread(target=watch, args=("b", b), daemon=True)
    tb.start()
    _until(lambda: looked["b"] > 0)                         # b watches too
    assert _gate_events(a) == [ev.VERIFY_STARTED]           # b watches a's gate, it opened none
    quota.value = 60.0                                      # the fix takes: both see it
    ta.join(60)
    tb.join(60)
    assert not ta.is_alive() and not tb.is_alive()
    assert _gate_events(a) == [ev.VERIFY_STARTED, ev.VERIFY_PASSED]
    assert {results["a"].status, results["b"].status} == {"passed"}    # type: ignore[union-attr]
    brief = [t.text for t in a.incident.refresh().timeline if t.text.startswith("Verification passed")]
    assert len(brief) == 1, brief


def test_the_journal_takes_one_start_per_run_and_one_outcome_per_gate(tmp_path: Path) -> None:
    """The rule under the lock, for watchers that both looked before either wrote (the race the
    look-first in ``watch_gate`` cannot close): the second start and the second outcome are not
    written; a run of the step after that gets a gate of its own."""
    from warroom.incident.gate_journal import GateJournal

    a, b = _two_watchers(tmp_path, Quota(70.0))
    ref = {"step": 1, "step_id": "breaker", "expr": GATE, "runbook_id": KEY[0]}
    started = {**ref, "window": 600.0, "deadline": "2099-01-01T00:00:00.000Z", "query": "q"}
    assert GateJournal(a.incident).append(ev.VERIFY_STARTED, started) is not None
    assert GateJournal(b.incident).append(ev.VERIFY_STARTED, started) is None
    assert GateJournal(b.incident).append(ev.VERIFY_PASSED, {**ref, "value": 70.0}) is not None
    assert GateJournal(a.incident).append(ev.VERIFY_FAILED, {**ref, "value": 80.0, "reason": "late"}) is None
    assert _gate_events(a) == [ev.VERIFY_STARTED, ev.VERIFY_PASSED]
    a.incident.append(ev.STEP_STARTED, {"step": 1, "step_id": "breaker", "runbook_id": KEY[0], "label": "again",
                                        "command": "echo on", "mutating": True})
    a.incident.append(ev.STEP_FINISHED, {"step": 1, "step_id": "breaker", "runbook_id": KEY[0], "status": "ok",
                                         "exit_code": 0})
    assert GateJournal(b.incident).append(ev.VERIFY_STARTED, started) is not None     # the new run's gate
    assert _gate_events(a) == [ev.VERIFY_STARTED, ev.VERIFY_PASSED, ev.VERIFY_STARTED]


def test_a_watcher_of_a_run_that_was_run_again_writes_no_outcome(tmp_path: Path) -> None:
    """Watcher a watches the gate of run 1; the step runs again and b opens run 2's gate. a's
    outcome would be read as run 2's (gate events name the step, not the run): it is not
    written, and run 2's own outcome is."""
    from warroom.incident.gate_journal import GateJournal

    a, b = _two_watchers(tmp_path, Quota(70.0))
    ref = {"step": 1, "step_id": "breaker", "expr": GATE, "runbook_id": KEY[0]}
    started = {**ref, "window": 600.0, "deadline": "2099-01-01T00:00:00.000Z", "query": "q"}
    first = GateJournal(a.incident, KEY)
    assert first.append(ev.VERIFY_STARTED, started) is not None
    b.incident.append(ev.STEP_STARTED, {"step": 1, "step_id": "breaker", "runbook_id": KEY[0], "label": "again",
                                        "command": "echo on", "mutating": True})
    b.incident.append(ev.STEP_FINISHED, {"step": 1, "step_id": "breaker", "runbook_id": KEY[0], "status": "ok",
                                         "exit_code": 0})
    second = GateJournal(b.incident, KEY)
    assert second.append(ev.VERIFY_STARTED, started) is not None
    assert first.append(ev.VERIFY_FAILED, {**ref, "value": 90.0, "reason": "run 1's window ran out"}) is None
    assert second.append(ev.VERIFY_PASSED, {**ref, "value": 70.0}) is not None
    # run 2's gate supersedes run 1's, still open, as it opens (attack42 A14): the journal says so
    assert _gate_events(a) == [ev.VERIFY_STARTED, ev.VERIFY_STARTED, ev.VERIFY_SUPERSEDED, ev.VERIFY_PASSED]


def test_a_watcher_whose_gate_a_rerun_superseded_stops_and_says_so(tmp_path: Path) -> None:
    """attack42 A14's rest: the dashboard watched run 1's gate while a teammate's re-run opened run 2's; it counted
    run 1's down to an outcome never written, and run 2's was left to a later view. Superseded in the journal, the
    watcher stops at its next look with a ``superseded`` check naming the re-run, and writes nothing."""
    from warroom.incident.gate_journal import GateJournal

    a, b = _two_watchers(tmp_path, Quota(90.0))          # 90 > 75: a's gate stays pending
    looked: list[VerifyCheck] = []
    result: dict[str, VerifyCheck | None] = {}

    def watch() -> None:
        result["a"] = a.watch_gate(KEY, 1, GATE, every=0.02, leave_open=True, on_check=looked.append)

    t = threading.Thread(target=watch, daemon=True)
    t.start()
    _until(lambda: bool(looked))
    b.incident.append(ev.STEP_STARTED, {"step": 1, "step_id": "breaker", "runbook_id": KEY[0], "label": "again",
                                        "command": "echo on", "mutating": True})
    b.incident.append(ev.STEP_FINISHED, {"step": 1, "step_id": "breaker", "runbook_id": KEY[0], "status": "ok",
                                         "exit_code": 0})
    ref = {"step": 1, "step_id": "breaker", "expr": GATE, "runbook_id": KEY[0]}
    assert GateJournal(b.incident, KEY).append(ev.VERIFY_STARTED, {**ref, "window": 600.0, "query": "q",
                                                                   "deadline": "2099-01-01T00:00:00.000Z"})
    t.join(10)
    assert not t.is_alive()
    check = result["a"]
    assert check is not None and check.status == "superseded", check
    assert check.reason is not None and check.reason.startswith("superseded by the re-run at "), check
    assert _gate_events(a) == [ev.VERIFY_STARTED, ev.VERIFY_STARTED, ev.VERIFY_SUPERSEDED]


def test_a_rerun_finds_the_first_gate_already_met_journals_it_passed_and_supersedes_nothing(tmp_path: Path) -> None:
    """attack43 A6: run 1's gate opened with ``--no-wait``; its measure met the line (its hold complete) before the
    step was run again, and the re-run's gate "superseded" it, "never settled nor counted": a pass that happened was
    discarded. Before the re-run's gate opens, an older gate of the step the metrics already passed is journaled
    passed; only one truly unsettled gives way."""
    a, b = _two_watchers(tmp_path, Quota(70.0))         # 70 < 75: met from the first look
    a.open_gate(KEY, 1, GATE)
    b.incident.append(ev.STEP_STARTED, {"step": 1, "step_id": "breaker", "runbook_id": KEY[0], "label": "again",
                                        "command": "echo on", "mutating": True})
    b.incident.append(ev.STEP_FINISHED, {"step": 1, "step_id": "breaker", "runbook_id": KEY[0], "status": "ok",
                                         "exit_code": 0})
    b.open_gate(KEY, 1, GATE)
    assert _gate_events(a) == [ev.VERIFY_STARTED, ev.VERIFY_PASSED, ev.VERIFY_STARTED]
