"""DECIDE-2: one rule for data age (``warroom.sources.freshness.stale_age``). Whatever makes a pane
STALE makes a Go/No-Go criterion on that reading unknown ("stale: last sample N old") and keeps a
verify gate from passing on it; the real-Prometheus case is tests/integration/
test_stale_criteria_gates.py. Here: the pane's tracker and the rule agree on every age, and the
criterion and gate plumbing honour a source that says its data is stale (red without: met, passed).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from warroom.config import Config, SloConfig
from warroom.incident import decisions as dec
from warroom.incident.store import IncidentStore
from warroom.runbook.parser import parse_runbook
from warroom.sources.evaluate import SloTracker
from warroom.sources.freshness import stale_age, stale_words
from warroom.sources.model import SloSample
from warroom.sources.verify import VerifyRun, parse_verify

AT = 1_796_000_000.0
RUNBOOK = """+++
id = "RB-TEST-STALE"
title = "Stale criteria"
severity = "P1"
+++

# Stale

```decision
id = "stale"
question = "Go?"
deadline = "15m"

[applies_when]
text = "failing"
query = "sum(failing)"
op = ">"
value = 0

[[go]]
text = "quota under half"
query = "max(quota_used)"
op = "<"
value = 0.5
```
"""


@settings(max_examples=300, deadline=None)
@given(age=st.floats(0, 3600), stale_after=st.floats(1, 900))
def test_a_pane_is_stale_exactly_when_the_rule_says_so(age: float, stale_after: float) -> None:
    """The pane's tracker and the criteria/gates' rule are one: STALE iff ``stale_age`` is set."""
    slo = SloConfig(id="p", title="P", query="max(x)", warn=70.0, crit=80.0)
    sample = SloSample("p", 10.0, sample_time=AT, fetched_at=AT, data_time=AT - age)
    [reading] = SloTracker([slo], stale_after).update([sample], AT)
    assert (reading.state == "stale") == (stale_age(AT - age, AT, stale_after) is not None)


class AgedSource:
    """A metric source answering each expression's value, whose data is ``age`` seconds old at
    every instant asked (``stale_ages``/``staleness``: what PrometheusSource answers by the rule)."""

    def __init__(self, values: dict[str, float], age: dict[str, float], stale_after: float = 60.0) -> None:
        self.values, self.age, self.stale_after = values, age, stale_after
        self.asked: list[str] = []

    def query(self, expr: str, at: float | None = None) -> list[tuple[dict[str, str], float, float]]:
        return [({}, self.values[expr], at or AT)] if expr in self.values else []

    def query_range(self, expr: str, start: float, end: float,
                    step: float) -> list[tuple[dict[str, str], list[tuple[float, float]]]]:
        n = int((end - start) // step) + 1
        return [({}, [(start + i * step, self.values[expr]) for i in range(n)])] if expr in self.values else []

    def staleness(self, expr: str, at: float | None = None, *, slo: Any = None) -> float | None:
        self.asked.append(expr)
        when = AT if at is None else at
        return stale_age(when - self.age.get(expr, 0.0), when, self.stale_after)

    def stale_ages(self, expr: str, walls: list[float], step: float, *, slo: Any = None) -> list[float | None]:
        return [stale_age(w - self.age.get(expr, 0.0), w, self.stale_after) for w in walls]


def _view(tmp_path: Path, src: AgedSource) -> dec.DecisionView:
    cfg = Config()
    cfg.incident.state_dir = str(tmp_path)
    inc = IncidentStore(tmp_path, cfg).create(title="stuck", severity="P1", runbook=None, source={})
    [view] = dec.evaluate_all(inc, inc.state, [parse_runbook(RUNBOOK)], src,
                              inc.state.clock_start + timedelta(minutes=1))
    return view


def test_a_criterion_on_stale_data_is_unknown_and_says_how_old(tmp_path: Path) -> None:
    src = AgedSource({"max(quota_used)": 0.2, "sum(failing)": 3.0}, {"max(quota_used)": 420.0})
    view = _view(tmp_path, src)
    [go] = view.criteria
    assert (go.state, go.evidence, go.value) == (dec.UNKNOWN, "stale: last sample 7m00s old", None)
    assert view.suggestion == "undecided"
    assert view.applies is not None and view.applies.state == dec.MET     # fresh: read as it is


def test_a_stale_condition_never_makes_the_decision_arise(tmp_path: Path) -> None:
    src = AgedSource({"max(quota_used)": 0.2, "sum(failing)": 3.0}, {"sum(failing)": 61.0})
    view = _view(tmp_path, src)
    assert view.applies is not None and view.applies.state == dec.UNKNOWN
    assert view.applies.evidence == "stale: last sample 1m01s old"
    assert view.not_needed is not None and not view.overdue


def test_fresh_data_is_read_as_before_and_no_series_asks_no_age(tmp_path: Path) -> None:
    src = AgedSource({"max(quota_used)": 0.2}, {"max(quota_used)": 59.0})
    view = _view(tmp_path, src)
    [go] = view.criteria
    assert (go.state, go.evidence) == (dec.MET, "0.2 < 0.5 is true")
    assert "sum(failing)" not in src.asked          # no series: no data, no age to ask


def test_a_gate_does_not_pass_on_stale_data_and_says_why() -> None:
    gate = parse_verify("max(quota_used) < 0.5 within 2m")
    fresh = VerifyRun(gate, AgedSource({"max(quota_used)": 0.2}, {}), started_at=AT - 600)
    assert fresh.check(now=fresh.deadline).status == "passed"
    stuck = VerifyRun(gate, AgedSource({"max(quota_used)": 0.2}, {"max(quota_used)": 300.0}), started_at=AT - 600)
    mid = stuck.check(now=stuck.started_at + 30)
    assert (mid.status, mid.reason, mid.value) == ("pending", stale_words(300.0), None)
    end = stuck.check(now=stuck.deadline)
    assert (end.status, end.reason) == ("failed", "window of 2m00s ran out: stale: last sample 5m00s old")


def test_a_stale_instant_breaks_a_hold() -> None:
    """Fresh for the first 30 s, then the exporter froze (its newest sample stays at +30 s; stale from +90 s):
    a gate asking for a 2-minute hold never passes on the frozen reading."""
    start = AT - 3600

    class Freezing(AgedSource):
        def stale_ages(self, expr: str, walls: list[float], step: float, *, slo: Any = None) -> list[float | None]:
            return [stale_age(min(w, start + 30), w, self.stale_after) for w in walls]

    run = VerifyRun(parse_verify("max(quota_used) < 0.5 for 2m within 5m"),
                    Freezing({"max(quota_used)": 0.2}, {}), started_at=start)
    end = run.check(now=run.deadline)
    assert end.status == "failed" and end.reason is not None and "stale: last sample" in end.reason, end
    assert run.passed_at is None


def test_the_words_name_the_age() -> None:
    assert stale_words(250.0) == "stale: last sample 4m10s old"
    assert stale_age(None, AT, 60.0) is None
    assert stale_age(AT - 60.0, AT, 60.0) is None and stale_age(AT - 60.5, AT, 60.0) == 60.5
    assert datetime.fromtimestamp(AT, UTC).year == 2026


def test_the_gate_line_says_why_a_gate_with_a_hold_has_no_value() -> None:
    """Where the gate is shown (the header's gate line, every width): a gate waiting on stale data
    says so. Before: with a hold the line read 'no value · … · held 00:00/02:00' and the reason
    was said only for a gate without a hold."""
    from panes.header import gate_text
    from tui.view import gate_view

    quota = SloConfig(id="quota", title="Model API quota used", query="q", unit="percent", warn=70, crit=80)
    why = stale_words(250.0)
    g = gate_view(6, "quota < 75 for 2m within 10m", "pending", None, 540.0, why, hold=120.0,
                  slos=[quota], now=1000.0)
    for width in (0, 120, 80):
        line = gate_text(g, 1000.0, width).plain
        assert "no value" in line and why in line, (width, line)
        assert "held 00:00" not in line
    # a gate holding, or with a value and no problem, reads as before
    ok = gate_view(6, "quota < 75 for 2m within 10m", "pending", 83.44, 540.0, None, hold=120.0,
                   slos=[quota], now=1000.0)
    assert "held 00:00/02:00" in gate_text(ok, 1000.0).plain


class OldSource:
    """A pane source whose data is 90 s old at every fetch."""

    name = "old"

    def fetch(self, slos: list[SloConfig], at: float | None = None) -> list[SloSample]:
        when = AT if at is None else at
        return [SloSample(s.id, 10.0, sample_time=when, fetched_at=when, data_time=when - 90.0) for s in slos]

    def close(self) -> None:
        return None


def test_the_evidence_before_a_step_is_judged_by_the_panes_own_stale_after(tmp_path: Path) -> None:
    """The "before" evidence was judged with a default 60 s whatever prometheus.stale_after said:
    with 5 minutes configured (a slow scrape), a value the pane showed OK was journaled STALE."""
    from types import SimpleNamespace

    from warroom.incident.live import LiveIncident

    cfg = Config()
    cfg.incident.state_dir = str(tmp_path)
    cfg.prometheus.stale_after = 300.0
    inc = IncidentStore(tmp_path, cfg).create(title="slow scrape", severity="P2", runbook=None, source={})
    panes = {r.slo.id: r.state for r in SloTracker(cfg.slo, cfg.prometheus.stale_after).update(
        OldSource().fetch(cfg.slo), AT)}
    assert "stale" not in panes.values()
    LiveIncident(inc, OldSource(), now=lambda: AT).record_before(
        SimpleNamespace(number=1, step_id="s", runbook_id=None))  # type: ignore[arg-type]
    [ev] = [e for e in inc.read().events if e.type == "evidence.recorded"]
    assert {k: v["state"] for k, v in ev.data["values"].items()} == panes


def test_the_timeline_says_a_stale_value_in_the_evidence_is_stale(tmp_path: Path) -> None:
    """The evidence event keeps each pane's state; its timeline line (show, brief, PIR) read
    'SLO evidence (before step 1): stuck 0.200' of a STALE pane, a frozen value quoted as then."""
    from warroom.sources.evidence import record_before

    cfg = Config()
    cfg.incident.state_dir = str(tmp_path)
    inc = IncidentStore(tmp_path, cfg).create(title="stuck", severity="P2", runbook=None, source={})
    record_before(inc, 1, "s", OldSource(), cfg.slo, at=AT, stale_after=60.0)
    [line] = [t.text for t in inc.refresh().timeline if t.text.startswith("SLO evidence")]
    assert line.count("(stale)") == len(cfg.slo), line
    record_before(inc, 1, "s", OldSource(), cfg.slo, at=AT, stale_after=300.0)
    fresh = [t.text for t in inc.refresh().timeline if t.text.startswith("SLO evidence")][-1]
    assert "(stale)" not in fresh, fresh
