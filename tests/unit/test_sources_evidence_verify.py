"""Metric evidence around steps and verify gates, with a real journal and a scripted source."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

import pytest

from warroom.config import SloConfig
from warroom.journal.log import Journal, read_journal
from warroom.sources.evidence import (
    collect, due_evidence, format_evidence, iso, offsets_from, record_before, record_due,
)
from warroom.sources.model import SloSample
from warroom.sources.verify import (
    VerifyError, VerifyRun, open_gates, parse_verify, run_verify, settle_open,
)

E5XX = SloConfig(id="error_5xx", title="5xx", query="q5xx", unit="percent", warn=2, crit=5)
QUOTA = SloConfig(id="quota", title="quota", query="qquota", unit="percent", warn=70, crit=80)
SLOS = [E5XX, QUOTA]
T0 = datetime(2026, 11, 22, 14, 2, tzinfo=timezone.utc).timestamp()


class ScriptedSource:
    """A MetricSource whose values are functions of time: value(query, t)."""

    name = "scripted"

    def __init__(self, fn: Callable[[str, float], float | None], clock: Callable[[], float]) -> None:
        self.fn, self.clock = fn, clock
        self.calls: list[tuple[str, float | None]] = []
        self.down = False

    def fetch(self, slos, at=None):
        return [self.instant(s.query, at, s.id) for s in slos]

    def instant(self, expr, at=None, slo_id="expr"):
        self.calls.append((expr, at))
        t = self.clock() if at is None else at
        if self.down:
            return SloSample(slo_id, None, fetched_at=t, error="cannot connect")
        v = self.fn(expr, t)
        return SloSample(slo_id, v, sample_time=t if v is not None else None, fetched_at=t)

    def close(self) -> None:
        pass


def undo_effect(expr: str, t: float) -> float:
    """5xx at 4.1% until the rollout undo ends at T0+60, then 0.3%; quota steady at 40%."""
    if expr == "q5xx":
        return 4.1 if t < T0 + 60 else 0.3
    return 40.0


def _journal(tmp_path: Path) -> Journal:
    return Journal(tmp_path / "journal.jsonl")


def _events(tmp_path: Path):
    return read_journal(tmp_path / "journal.jsonl").events


def _run_step(j: Journal, src: ScriptedSource, *, step: int = 4, step_id: str = "undo") -> None:
    before = record_before(j, step, step_id, src, SLOS, at=T0, stale_after=60.0)
    j.append("step.started", {"step": step, "step_id": step_id, "label": "rollout undo",
                              "command": "rollout undo deployment/flowengine", "kind": "k8s",
                              "evidence_before": {k: v["value"] for k, v in before["values"].items()}},
             ts=datetime.fromtimestamp(T0, tz=timezone.utc))
    j.append("step.finished", {"step": step, "step_id": step_id, "status": "ok", "exit_code": 0,
                               "started_at": iso(T0), "ended_at": iso(T0 + 60), "duration": 60})


def test_before_and_due_after_values_then_timeline_text(tmp_path: Path) -> None:
    j = _journal(tmp_path)
    src = ScriptedSource(undo_effect, clock=lambda: T0)
    _run_step(j, src)
    offsets = offsets_from(["5m", "15m"])
    assert offsets == [300.0, 900.0]
    # Four minutes after the step ended nothing is due yet.
    assert due_evidence(_events(tmp_path), offsets, now=T0 + 60 + 240) == []
    # The app was closed for an hour: both values are back-filled as of their due times.
    written = record_due(j, _events(tmp_path), src, SLOS, offsets, now=T0 + 3600)
    assert [(w["offset"], w["at"], w["backfilled"]) for w in written] == [
        (300.0, iso(T0 + 360), True), (900.0, iso(T0 + 960), True)]
    assert src.calls[-2:] == [("q5xx", T0 + 960), ("qquota", T0 + 960)]
    assert written[0]["values"]["error_5xx"] == {"value": 0.3, "unit": "percent", "state": "ok"}
    # Idempotent: nothing is owed twice.
    assert record_due(j, _events(tmp_path), src, SLOS, offsets, now=T0 + 7200) == []
    [ev] = collect(_events(tmp_path))
    assert ev.before["error_5xx"]["state"] == "warn" and len(ev.after) == 2
    assert format_evidence(ev, SLOS) == "rollout undo 14:02 → 5xx 4.1% → 0.3% (+5m00s) → 0.3% (+15m00s)"
    only5 = ev.__class__(**{**ev.__dict__, "after": ev.after[:1]})
    assert format_evidence(only5, SLOS) == "rollout undo 14:02 → 5xx 4.1% → 0.3%"


def test_each_run_of_a_step_gets_its_own_evidence(tmp_path: Path) -> None:
    j = _journal(tmp_path)
    src = ScriptedSource(undo_effect, clock=lambda: T0)
    _run_step(j, src)
    _run_step(j, src)
    record_due(j, _events(tmp_path), src, SLOS, [300.0], now=T0 + 1000)
    runs = collect(_events(tmp_path))
    assert len(runs) == 2 and all(len(r.after) == 1 for r in runs)


def test_dead_source_is_recorded_as_unknown(tmp_path: Path) -> None:
    j = _journal(tmp_path)
    src = ScriptedSource(undo_effect, clock=lambda: T0)
    _run_step(j, src)
    src.down = True
    [w] = record_due(j, _events(tmp_path), src, SLOS, [300.0], now=T0 + 400)
    assert w["values"]["error_5xx"] == {"value": None, "unit": "percent", "state": "error",
                                        "error": "cannot connect"}
    [ev] = collect(_events(tmp_path))
    assert format_evidence(ev, SLOS) == "rollout undo 14:02 → 5xx 4.1% → unknown"


def test_quiet_step_names_the_biggest_mover() -> None:
    from warroom.sources.evidence import StepEvidence

    ev = StepEvidence(1, "s", "scale up", None, T0, T0 + 5,
                      {"error_5xx": {"value": 1.0, "state": "ok"}, "quota": {"value": 40.0, "state": "ok"}},
                      ((300.0, {"error_5xx": {"value": 1.1, "state": "ok"}, "quota": {"value": 20.0, "state": "ok"}}),))
    assert format_evidence(ev, SLOS) == "scale up 14:02 → quota 40% → 20%"


@pytest.mark.parametrize(("text", "left", "op", "num", "window", "pane"), [
    ("quota < 80 within 10m", "quota", "<", 80.0, 600.0, True),
    ("error_5xx<=1%", "error_5xx", "<=", 1.0, 300.0, True),
    ('sum(rate(x{code=~"5.."}[5m])) / sum(rate(x[5m])) > 0.5 within 90s',
     'sum(rate(x{code=~"5.."}[5m])) / sum(rate(x[5m]))', ">", 0.5, 90.0, False),
    ("up == 1 within 1m", "up", "==", 1.0, 60.0, False),
    ("max(a) >= -2.5e1", "max(a)", ">=", -25.0, 300.0, False),
    ("quota < 75 for 2m within 10m", "quota", "<", 75.0, 600.0, True),
    ("quota < 75 within 10m for 2m", "quota", "<", 75.0, 600.0, True),
])
def test_parse_verify(text, left, op, num, window, pane) -> None:
    g = parse_verify(text, SLOS)
    assert (g.left, g.op, g.threshold, g.window, g.slo is not None) == (left, op, num, window, pane)
    assert g.expr == ("qquota" if left == "quota" else "q5xx" if left == "error_5xx" else left)


@pytest.mark.parametrize(("text", "message"), [
    ("quota is fine", "expected 'QUERY-PANE-OR-PROMQL < NUMBER \\[for DURATION\\] within DURATION'"),
    ("quota < 80 for 10m within 10m", r"the hold \(10m00s\) must be shorter than the window \(10m00s\)"),
    ("quota < 80 for 1m for 2m", "'for' is given twice"),
    ("quota < 80 for ever", "'ever' is not a duration"),
    ("quota < 80 within soon", "'soon' is not a duration"),
    ("quota < 80 within 0s", "longer than 0s"),
    ("< 80", "expected"),
])
def test_parse_verify_errors(text: str, message: str) -> None:
    with pytest.raises(VerifyError, match=message):
        parse_verify(text, SLOS)


def test_verify_passes_once_the_metric_drops(tmp_path: Path) -> None:
    now = [T0]
    src = ScriptedSource(lambda e, t: 95.0 if t < T0 + 30 else 70.0, clock=lambda: now[0])
    run = VerifyRun(parse_verify("quota < 80 within 2m", SLOS), src, started_at=T0)
    assert run.check(now=T0).status == "pending"
    now[0] = T0 + 40
    c = run.check(now=T0 + 40)
    assert (c.status, c.value, c.remaining) == ("passed", 70.0, 80.0)


def test_hold_parsed() -> None:
    assert parse_verify("quota < 75 for 2m within 10m", SLOS).hold == 120.0
    assert parse_verify("quota < 75 within 10m", SLOS).hold == 0.0


def test_hold_needs_an_unbroken_run_of_satisfying_checks() -> None:
    """A dip under the line is not the fix working: the run restarts when a value breaks it. The
    source answers by time, as every metric source does (what the gate judges is the metric's
    history on its grid, not the value at the moment a watcher looks)."""
    def value(e: str, t: float) -> float:
        o = t - T0
        return 70.0 if o < 30 else 82.0 if o < 60 else 70.0 if o < 120 else 71.0 if o < 150 else 72.0 if o < 180 else 73.0

    src = ScriptedSource(value, clock=lambda: T0)
    run = VerifyRun(parse_verify("quota < 75 for 2m within 10m", SLOS), src, started_at=T0)
    seen = []
    for offset in (0, 30, 60, 120, 150, 180):
        c = run.check(now=T0 + offset)
        seen.append((offset, c.status, c.reason))
    assert seen == [
        (0, "pending", "holding 0s of 2m00s"),
        (30, "pending", None),
        (60, "pending", "holding 0s of 2m00s"),
        (120, "pending", "holding 1m00s of 2m00s"),
        (150, "pending", "holding 1m30s of 2m00s"),
        (180, "passed", None),
    ]


def test_hold_not_reached_before_the_window_ends_fails_and_says_how_long_it_held() -> None:
    src = ScriptedSource(lambda e, t: 90.0 if t < T0 + 100 else 70.0, clock=lambda: T0)
    run = VerifyRun(parse_verify("quota < 75 for 2m within 3m", SLOS), src, started_at=T0)
    assert run.check(now=T0 + 10).status == "pending"
    assert run.check(now=T0 + 100).status == "pending"
    c = run.check(now=T0 + 180)
    assert c.status == "failed" and c.reason == "window of 3m00s ran out: held 1m20s of 2m00s"


def test_settled_after_the_fact_needs_the_hold_too(tmp_path: Path) -> None:
    j = _journal(tmp_path)
    started = datetime.fromtimestamp(T0, tz=timezone.utc)
    for sid, text in (("short", "quota < 80 for 1m within 5m"), ("long", "quota < 80 for 3m within 5m")):
        j.append("verify.started", {"step": 3, "step_id": sid, "expr": text, "window": 300.0,
                                    "deadline": iso(T0 + 300)}, ts=started)
    # under the line from T0+60 to T0+150 only
    src = ScriptedSource(lambda e, t: 70.0 if T0 + 60 <= t < T0 + 160 else 95.0, clock=lambda: T0 + 900)
    results = {g.step_id: c for g, c in settle_open(j, _events(tmp_path), src, SLOS, now=T0 + 900, step=10)}
    assert results["short"].status == "passed"
    assert results["short"].reason == f"confirmed at {iso(T0 + 120)} (checked after the fact)"
    assert results["long"].status == "failed"
    assert results["long"].reason == "window of 5m00s ran out: last 95% (wanted < 80% for 3m00s; checked after the fact)"


def test_outcome_records_the_value_with_the_panes_unit(tmp_path: Path) -> None:
    j = _journal(tmp_path)
    src = ScriptedSource(lambda e, t: 64.91234, clock=lambda: T0)
    run_verify(j, 6, "breaker", parse_verify("quota < 75 within 1m", SLOS), src, every=0.01)
    passed = _events(tmp_path)[-1]
    assert passed.data["value_text"] == "64.9%"
    from warroom.incident.fold import replay

    text = replay(_events(tmp_path)).timeline[-1].text
    assert text == "Verification passed (step 6): quota < 75% (value 64.9%)"   # which step, in the pane's words


def test_verify_fails_when_the_window_runs_out() -> None:
    src = ScriptedSource(lambda e, t: 95.0, clock=lambda: T0 + 200)
    run = VerifyRun(parse_verify("quota < 80 within 2m", SLOS), src, started_at=T0)
    c = run.check(now=T0 + 200)
    assert c.status == "failed" and c.reason == "window of 2m00s ran out: still 95% (wanted < 80%)"


def test_run_verify_journals_started_and_passed(tmp_path: Path) -> None:
    j = _journal(tmp_path)
    src = ScriptedSource(lambda e, t: 0.2, clock=lambda: T0)
    checks = []
    out = run_verify(j, 5, "verify-5xx", parse_verify("error_5xx < 1 within 1m", SLOS), src,
                     every=0.01, on_check=checks.append)
    assert out.status == "passed" and len(checks) == 1
    types = [(e.type, e.data.get("expr")) for e in _events(tmp_path)]
    assert types == [("verify.started", "error_5xx < 1 within 1m"), ("verify.passed", "error_5xx < 1 within 1m")]
    started, passed = (dict(e.data) for e in _events(tmp_path))
    # confirmed at the instant judged, the gate's opening (CLOCK-3: journaled however soon the look came)
    opening = datetime.fromisoformat(started["deadline"].replace("Z", "+00:00")).timestamp() - 60
    assert datetime.fromisoformat(passed.pop("confirmed_at").replace("Z", "+00:00")).timestamp() == \
        pytest.approx(opening, abs=0.002)
    assert passed == {"step": 5, "step_id": "verify-5xx", "expr": "error_5xx < 1 within 1m",
                      "value": 0.2, "value_text": "0.2%", "title": "5xx", "unit": "percent",
                      "wanted": "< 1%", "hold": 0.0, "started_seq": 1}     # the start it settles (attack42 A14)


def test_run_verify_can_be_cancelled(tmp_path: Path) -> None:
    j = _journal(tmp_path)
    src = ScriptedSource(lambda e, t: 9.0, clock=lambda: T0)
    cancel = threading.Event()
    cancel.set()
    out = run_verify(j, 5, "v", parse_verify("error_5xx < 1 within 10m", SLOS), src, every=5, cancel=cancel)
    assert out.status == "failed" and out.reason == "cancelled"
    assert _events(tmp_path)[-1].type == "verify.failed"


def test_open_gates_are_settled_after_the_fact(tmp_path: Path) -> None:
    j = _journal(tmp_path)
    started = datetime.fromtimestamp(T0, tz=timezone.utc)
    j.append("verify.started", {"step": 3, "step_id": "a", "expr": "quota < 80 within 2m", "window": 120.0,
                                "deadline": iso(T0 + 120)}, ts=started)
    j.append("verify.started", {"step": 4, "step_id": "b", "expr": "quota < 10 within 2m", "window": 120.0,
                                "deadline": iso(T0 + 120)}, ts=started)
    j.append("verify.started", {"step": 5, "step_id": "c", "expr": "quota < 10 within 1h", "window": 3600.0,
                                "deadline": iso(T0 + 3600)}, ts=started)
    assert len(open_gates(_events(tmp_path))) == 3
    src = ScriptedSource(lambda e, t: 95.0 if t < T0 + 60 else 70.0, clock=lambda: T0 + 600)
    results = {g.step_id: c for g, c in settle_open(j, _events(tmp_path), src, SLOS, now=T0 + 600, step=10)}
    assert results["a"].status == "passed" and results["a"].value == 70.0
    assert results["b"].status == "failed" and "last 70" in results["b"].reason
    assert results["c"] is None  # still inside its window: the caller resumes watching it
    assert [g.step_id for g in open_gates(_events(tmp_path))] == ["c"]


def test_a_gate_on_a_pinned_clock_ends_its_watch_unjudged_and_stays_open(tmp_path: Path, monkeypatch) -> None:
    """``$WARROOM_DRILL_AT`` pins every reader's "now" (tests, a facilitator replaying one moment):
    a watch must still end when the window has passed in real seconds, not wait for a clock that
    does not move (x60: a 1-minute window is one wall second). But no drill time passed, so it
    cannot say the window ran out (redteam30-2: it journaled verify.failed "window of 1m00s drill
    time ran out", the drill report said "verify gate FAILED"): the gate is left open, unjudged,
    and a gate that holds at the pinned instant still passes there."""
    from warroom import scenario_time

    monkeypatch.setenv("WARROOM_DRILL_AT", repr(T0))
    scenario_time.work_on("a x60 drill", drill=True)       # only a drill's clock is pinned
    assert scenario_time.now() == T0
    j = _journal(tmp_path)
    src = ScriptedSource(lambda e, t: 9.0, clock=lambda: T0)
    seen: list = []
    out: list = []
    worker = threading.Thread(target=lambda: out.append(run_verify(
        j, 5, "v", parse_verify("error_5xx < 1 within 1m", SLOS), src, every=0.05, speed=60.0,
        on_check=seen.append)), daemon=True)
    worker.start()
    worker.join(60)
    assert out and out[0].status == "pending", out
    assert out[0].reason.startswith("not judged: the drill clock is pinned at ") and "ran out" not in out[0].reason
    assert seen and all(c.status == "pending" for c in seen)   # the looks before it: pending, never failed
    types = [e.type for e in _events(tmp_path)]
    assert types == ["verify.started"]                        # no outcome journaled
    assert [g.step_id for g in open_gates(_events(tmp_path))] == ["v"]

    holds: list = []                                          # a gate met at the pinned instant passes
    worker = threading.Thread(target=lambda: holds.append(run_verify(
        j, 6, "w", parse_verify("error_5xx < 10 within 1m", SLOS), src, every=0.05, speed=60.0)), daemon=True)
    worker.start()
    worker.join(60)
    assert holds and holds[0].status == "passed"
