"""Severity spellings, the selectors a data-age query is built from, and the header's health word."""

from __future__ import annotations

import pytest

from warroom.config import SloConfig
from warroom.sources.evaluate import SloTracker
from warroom.sources.freshness import age_query, selectors
from warroom.sources.model import SloSample, source_health
from warroom.sources.severity import map_severity, rank


@pytest.mark.parametrize(("label", "want"), [
    ("critical", "P1"), ("CRITICAL", "P1"), ("page", "P1"), ("Page", "P1"),
    ("warning", "P3"), ("warn", "P3"), ("info", "P4"), ("none", "P4"), ("high", "P2"),
    ("s1", "P1"), ("S2", "P2"), ("s3", "P3"), ("s4", "P4"),
    ("P1", "P1"), ("p2", "P2"), ("P3", "P3"), ("P4", "P4"), ("P0", "P1"),
    ("sev1", "P1"), ("SEV-2", "P2"), ("sev 3", "P3"), ("Sev4", "P4"), ("sev5", "P4"), ("SEV0", "P1"),
    ("1", "P1"), ("3", "P3"),
    ("whatever", None), ("", None), (None, None), ("s12", None),
])
def test_severity_spellings(label: str | None, want: str | None) -> None:
    assert map_severity(label) == want


def test_severity_overrides_and_rank() -> None:
    assert map_severity("Disaster", {"disaster": "P2"}) == "P2"
    assert map_severity("warning", {"WARNING": "P2"}) == "P2"
    assert sorted(["P3", None, "P1", "P4", "P2"], key=rank) == ["P1", "P2", "P3", "P4", None]


@pytest.mark.parametrize(("expr", "want"), [
    ('100 * sum(rate(a_total[1h])) / sum(rate(b_total[1h]))', ["a_total", "b_total"]),
    ('histogram_quantile(0.95, sum by (le) (rate(lat_bucket[5m])))', ["lat_bucket"]),
    ('sum(rate(x{code=~"5..", path="/a{b}"}[5m])) / ignoring(code) group_left sum(rate(x[5m]))',
     ['x{code=~"5..", path="/a{b}"}', "x"]),
    ("time() - max(audit_last_ts)", ["audit_last_ts"]),
    ("rate(x[5m]) / rate(x[5m] offset 1d)", ["x"]),    # offset reads the past on purpose
    ("vector(1)", []), ("time()", []), ('{__name__="up"} @ end()', []),
    ("max_over_time(deriv(rate(y[1m])[5m:30s])[10m:])", ["y"]),
    ("sum(x) by (job) > bool 3 and on(instance) up == 0", ["x", "up"]),
    ('x{a="unclosed', []),
])
def test_selectors(expr: str, want: list[str]) -> None:
    assert selectors(expr) == want


def test_age_query_asks_each_selector_for_its_newest_sample() -> None:
    from warroom.sources.freshness import lookback_query

    q = age_query("a / b")
    assert q == ('label_replace(min(timestamp(a)), "warroom_selector", "0", "", "") or '
                 'label_replace(min(timestamp(b)), "warroom_selector", "1", "", "")')
    assert age_query("vector(0)") is None
    assert lookback_query('x{a="1"}', 300.0) == 'x{a="1"}[300s]'


def test_health_word_tells_failures_apart() -> None:
    assert source_health([None, None]) == "ok"
    assert source_health(["slow", "slow"]) == "slow"
    assert source_health(["unauthorized", "unauthorized"]) == "unauthorized"
    assert source_health(["refused", "refused"]) == "refused"
    assert source_health(["down", "slow"]) == "down"
    assert source_health([None, "error"]) == "error"


AUDIT = SloConfig(id="audit_gap", title="Audit gap", query="time() - max(audit_ts)", unit="seconds",
                  warn=120, crit=300, runbook="RB-CORE-005", severity="P1", absent="crit")
RATE = SloConfig(id="rate", title="Rate", query="rate(x[1h])", warn=1, crit=2)


def test_absent_series_is_crit_where_configured_and_nodata_elsewhere() -> None:
    tracker = SloTracker([AUDIT, RATE], stale_after=60)
    audit, rate = tracker.update([SloSample("audit_gap", None, fetched_at=1000.0),
                                  SloSample("rate", None, fetched_at=1000.0)], now=1000.0)
    assert audit.state == "crit" and audit.breached and audit.word == "CRIT"
    assert "absent" in (audit.note or "")
    assert rate.state == "nodata" and not rate.breached
    # NaN is not absence: the value is shown as NaN, the state NO DATA.
    [_, nan] = tracker.update([SloSample("audit_gap", 10.0, sample_time=1000.0, fetched_at=1000.0),
                               SloSample("rate", float("nan"), sample_time=1000.0, fetched_at=1000.0)],
                              now=1000.0)
    assert nan.state == "nodata" and nan.value != nan.value


def test_age_comes_from_the_samples_not_the_evaluation_time() -> None:
    tracker = SloTracker([RATE], stale_after=60)
    [fresh] = tracker.update([SloSample("rate", 0.5, sample_time=1000.0, fetched_at=1000.0,
                                        data_time=985.0)], now=1000.0)
    assert fresh.state == "ok" and fresh.age == 15.0
    # rate(x[1h]) still answers, evaluated "now": but its newest raw sample is 2 minutes old.
    [dead] = tracker.update([SloSample("rate", 0.5, sample_time=1120.0, fetched_at=1120.0,
                                       data_time=1000.0)], now=1120.0)
    assert dead.state == "stale" and dead.age == 120.0
