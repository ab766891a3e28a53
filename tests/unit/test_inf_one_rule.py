"""DECIDE-3: one rule for what ±Inf means in a pane, a verify gate and a Go/No-Go criterion.

A ratio whose denominator is zero answers +Inf (``1/0``). The pane read it CRIT and noted "division
by zero?", but only the Prometheus source said so (a drill or replay pane said nothing), and a
criterion read "+Inf > 5% is true" bare, as a gate read "+Inf": one reading, three stories. The
rule (``warroom.runbook.series``): ±Inf is a reading compared as it is, past every finite line on
its side, in all three; and each one that states it says what it likely is, in the same words.
"""

from __future__ import annotations

import math
from datetime import datetime, timezone

from hypothesis import given, strategies as st

from warroom.config import SloConfig
from warroom.incident.decisions.criteria import judge
from warroom.runbook import series
from warroom.runbook.decision import Criterion
from warroom.runbook.criterion_query import NamedQuery
from warroom.sources.evaluate import evaluate, past
from warroom.sources.model import SloSample
from warroom.sources.verify import parse_verify

T = 1_800_000_000.0
NOW = datetime.fromtimestamp(T, timezone.utc)
SHARE = NamedQuery(name="pilot_failure_share", title="Pilot failure share",
                   promql="100 * sum(rate(failures[5m])) / sum(rate(executions[5m]))", unit="percent")
PANE = SloConfig(id="share", title="Pilot failure share", query=SHARE.promql, unit="percent", warn=2.0, crit=5.0,
                 direction="above")


def _pane(value: float, note: str | None = None) -> tuple[str, str | None]:
    """The pane's state and note for a sample with no words of its own (a drill's, a replay's)."""
    [reading] = evaluate([PANE], [SloSample("share", value, sample_time=T, fetched_at=T, note=note)], now=T)
    return reading.state, reading.note


def _criterion(value: float, op: str) -> tuple[str, str]:
    c = Criterion(f"pilot failure share {op} 5%", query="pilot_failure_share", op=op, value=5.0, percent=True,
                  measure=SHARE)
    v = judge(c, "go", None, NOW, lambda _e: [value], lambda _s: None)
    return v.state, v.evidence


def test_a_division_by_zero_is_said_alike_by_the_pane_the_gate_and_the_criterion() -> None:
    words = series.infinite(math.inf)
    assert words == "+Inf: a division by zero?"
    state, note = _pane(math.inf)
    assert state == "crit" and note == words, "a pane from any source says what +Inf is"
    met, evidence = _criterion(math.inf, ">")
    assert (met, evidence) == ("met", f"Pilot failure share: +Inf > 5% is true ({words})")
    unmet, evidence = _criterion(math.inf, "<=")
    assert (unmet, evidence) == ("not met", f"Pilot failure share: +Inf <= 5% is false ({words})")
    gate = parse_verify(f"{SHARE.promql} < 1 within 10m")
    assert gate.show(math.inf) == "+Inf (a division by zero?)" and not gate.holds(math.inf)
    assert gate.show(0.5) == "0.5" and gate.show(None) == "no value", "finite values keep their words"


def test_the_prometheus_note_is_not_said_twice() -> None:
    """The Prometheus source used to add its own "division by zero?" note: the pane says it once."""
    state, note = _pane(math.inf, note="2 series returned where one was expected; showing the highest: {a=\"b\"}")
    assert state == "crit" and note is not None and note.count("division by zero") == 1, note


def test_a_finite_reading_has_no_caveat() -> None:
    assert _pane(7.0) == ("crit", None)
    assert _criterion(7.0, ">") == ("met", "Pilot failure share: 7% > 5% is true")


@given(value=st.sampled_from([math.inf, -math.inf]) | st.floats(allow_nan=False, width=32),
       threshold=st.floats(allow_nan=False, allow_infinity=False, width=32))
def test_pane_gate_and_criterion_compare_any_reading_alike(value: float, threshold: float) -> None:
    """A pane bad above ``crit`` is past it exactly when a criterion ``> crit`` is met and a gate
    ``<= crit`` does not hold, ±Inf included; the caveat is there exactly for ±Inf."""
    is_past = past(value, threshold, "above")
    assert is_past == series.holds(value, ">", threshold) == (not series.holds(value, "<=", threshold))
    assert is_past == (series.deciding([value], "<=", threshold).value is not None
                       and not series.holds(value, "<=", threshold))
    assert (series.infinite(value) is not None) == math.isinf(value)
    assert (series.deciding([value, 0.0], ">", threshold).said.endswith("a division by zero?)")
            == (math.isinf(value) and series.deciding([value, 0.0], ">", threshold).value == value))
