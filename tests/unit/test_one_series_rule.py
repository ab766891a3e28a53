"""A verify gate and a Go/No-Go criterion read a query's series by one rule
(``warroom.runbook.series``): every series must hold, so one past the line decides; a series with
no reading (NaN) decides nothing, and while one has none and no other is past the line there is no
value (the gate does not count it as holding, the criterion is unknown, never met).

Before: a criterion judged only a query answering exactly one series ("2 series, expected one":
unknown even when both met it) and dropped NaN series first ([NaN, 7] read as 7: met); a gate
set NaN series aside and passed on the others ([NaN, 5] < 10: passed while one series had no
reading at all)."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from warroom.incident import decisions as dec
from warroom.runbook.decision import Criterion
from warroom.sources.verify import VerifyRun, _probe, parse_verify

NOW = datetime(2026, 12, 3, 4, 0, tzinfo=UTC)
STATE = SimpleNamespace(clock_start=NOW, notes=[], time_scale=1.0)
OPS = ("<", "<=", ">", ">=", "==", "!=")


class SeriesSource:
    """A metric source whose every query answers the given series values (no labels)."""

    def __init__(self, values: list[float]) -> None:
        self.values = list(values)

    def query(self, expr: str, at: float | None = None) -> list[tuple[dict[str, str], float, float]]:
        return [({"s": str(i)}, v, at or 0.0) for i, v in enumerate(self.values)]


def _criterion(values: list[float], op: str, threshold: float) -> dec.CriterionVerdict:
    c = Criterion("what the runbook asks", query="x", op=op, value=threshold)
    return dec.judge(c, "go", STATE, NOW, lambda _q: list(values), lambda _s: None)


def _gate(values: list[float], op: str, threshold: float) -> tuple[float | None, str | None, bool]:
    gate = parse_verify(f"x {op} {threshold!r}")
    value, problem = _probe(gate, SeriesSource(values), None)
    return value, problem, value is not None and gate.holds(value)


VALUES = st.lists(st.one_of(st.sampled_from([math.nan, math.inf, -math.inf, 0.0, 3.0, 5.0, 7.0]),
                            st.floats(-1e6, 1e6)), max_size=5)


@settings(max_examples=400, deadline=None)
@given(values=VALUES, op=st.sampled_from(OPS), threshold=st.sampled_from([0.0, 3.0, 5.0, 7.0]))
def test_a_gate_and_a_criterion_read_every_answer_alike(values: list[float], op: str, threshold: float) -> None:
    value, problem, holds = _gate(values, op, threshold)
    v = _criterion(values, op, threshold)
    if value is None:
        assert v.state == dec.UNKNOWN and problem and problem in v.evidence, (v, problem)
        assert v.value is None
    else:
        assert v.state == (dec.MET if holds else dec.NOT_MET), (values, op, v)
        assert v.value == value or (math.isnan(v.value or 0.0) and math.isnan(value))
    read = [x for x in values if not math.isnan(x)]
    if v.state == dec.MET:      # met: every series has a reading and meets it
        assert len(read) == len(values) > 0
        assert all(dec.criteria._compare(x, op, threshold) for x in values)
    if v.state == dec.NOT_MET:  # not met: a series with a reading fails it, and that one is the value
        assert any(not dec.criteria._compare(x, op, threshold) for x in read)
        assert not dec.criteria._compare(v.value or 0.0, op, threshold)


def test_several_series_are_judged_on_the_worst_and_say_so() -> None:
    met = _criterion([7.0, 9.0], ">=", 5.0)
    assert (met.state, met.value) == (dec.MET, 7.0)
    assert met.evidence == "7 >= 5 is true (the worst of 2 series)"
    failed = _criterion([9.0, 3.0, 12.0], ">=", 5.0)
    assert (failed.state, failed.value) == (dec.NOT_MET, 3.0)
    assert failed.evidence == "3 >= 5 is false (the worst of 3 series)"
    below = _criterion([0.5, 0.2], "<=", 3.0)
    assert (below.state, below.value, below.evidence) == (dec.MET, 0.5, "0.5 <= 3 is true (the worst of 2 series)")
    one = _criterion([7.0], ">=", 5.0)
    assert one.evidence == "7 >= 5 is true"


def test_a_series_with_no_reading_is_never_met() -> None:
    for values in ([math.nan], [math.nan, 7.0], [7.0, math.nan, 9.0]):
        v = _criterion(values, ">=", 5.0)
        assert v.state == dec.UNKNOWN and v.value is None, (values, v)
    assert _criterion([math.nan, 7.0], ">=", 5.0).evidence == "no data (NaN) in 1 of 2 series"
    assert _criterion([math.nan], ">=", 5.0).evidence == "no data (NaN)"
    assert _criterion([], ">=", 5.0).evidence == "no data"
    failed = _criterion([math.nan, 3.0], ">=", 5.0)   # one series read fails it whatever the other is
    assert (failed.state, failed.value) == (dec.NOT_MET, 3.0)


def test_a_down_source_is_unknown() -> None:
    from warroom.errors import WarroomError

    def down(_q: str) -> Any:
        raise WarroomError("connection refused")

    c = Criterion("what the runbook asks", query="x", op=">=", value=5.0)
    v = dec.judge(c, "go", STATE, NOW, down, lambda _s: None)
    assert v.state == dec.UNKNOWN and v.evidence == "query failed: connection refused"


def test_a_gate_does_not_pass_while_a_series_has_no_reading() -> None:
    """``every provider's 429 share < 10%`` with one provider unread is not shown to hold."""
    gate = parse_verify("x < 10")
    run = VerifyRun(gate, SeriesSource([math.nan, 5.0]), started_at=0.0)
    check = run.check(now=1.0)
    assert check.status == "pending" and check.value is None
    assert check.reason == "no data (NaN) in 1 of 2 series"
    run.source = SeriesSource([5.0, 4.0])
    assert run.check(now=5.0).status == "passed"        # the gate's next instant (its grid: 5 s)
    run2 = VerifyRun(gate, SeriesSource([math.nan, 20.0]), started_at=0.0)
    check2 = run2.check(now=1.0)
    assert (check2.status, check2.value) == ("pending", 20.0)   # past the line: the value shown

