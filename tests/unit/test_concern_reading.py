"""The resolve gate's rule (``warroom.incident.concern_reading``): what the commander acknowledges is what
the journal records as acknowledged, read at one moment, and true (attack39 C2, C3, C4).

The resolution journals the confirmed reading's words and when they were read; a read at the resolution that
finds a concern the commander was not shown journals it beside, never as acknowledged, and one that differs
only in figures adds nothing. A source that cannot answer is a concern, never an all-clear. The recent words
are said of a pane in warning as of one past critical (C3), and say what counter series born within the last
five minutes hold, which ``rate()`` cannot see (the real-Prometheus check:
tests/integration/test_recent_reading_born_series.py)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from warroom.config import Config
from warroom.incident.concern_reading import ConcernReading, unseen
from warroom.incident.metric_history import PaneHistory
from warroom.incident.metric_sync import Recent, read_recent, resolve_concerns
from warroom.incident.store import IncidentStore
from warroom.journal.encoding import format_ts
from warroom.sources.model import SloSample
from warroom.sources.prom_results import QueryError
from warroom.units import format_stated

FAILURE = next(s for s in Config().slo if s.id == "failure_rate")
CRIT = "Flow failure rate is still critical ({}, threshold 1%); over the last 5m00s the same query reads {}"
FIVE = "Model API 5xx rate is still critical (6.1%, threshold 5%)"


def _incident(tmp_path: Path) -> Any:
    cfg = Config()
    cfg.incident.state_dir = str(tmp_path)
    return IncidentStore(tmp_path, cfg).create(title="flows failing", severity="P2", runbook=None, source={})


def test_the_resolution_journals_what_was_shown_and_beside_it_what_was_not(tmp_path: Path) -> None:
    inc = _incident(tmp_path)
    t1 = inc.state.declared_at + timedelta(minutes=20)
    t2 = t1 + timedelta(minutes=2)
    shown = ConcernReading(t1, (CRIT.format("13.7%", "0.30%"),))
    moved = ConcernReading(t2, (CRIT.format("13.9%", "0.41%"),))       # the same concern, its figures moved
    assert unseen(shown, moved) == []
    fresh = ConcernReading(t2, (*moved.concerns, FIVE))
    assert unseen(shown, fresh) == [FIVE]
    assert unseen(shown, ConcernReading(t2, (CRIT.format("13.9%", "0.41%").replace("critical", "in warning"),)))
    data = inc.resolve("rolled back", confirmed=shown, fresh=fresh, at=t2).data
    assert data["concerns"] == list(shown.concerns) and data["concerns_acknowledged"] is True
    assert data["concerns_read_at"] == format_ts(t1) and data["concerns_unseen"] == [FIVE]
    pir = inc.render("pir")
    assert f"Resolved although (as read at {t1:%H:%M:%S} UTC): Flow failure rate is still critical (13.7%" in pir
    assert "Read at the resolution, not shown to the commander: Model API 5xx rate is still critical" in pir


class _Down:
    """A metric source that answers nothing: every range query fails."""

    name = "down"

    def query_range(self, expr: str, start: float, end: float, step: float) -> list[Any]:
        raise QueryError("connection refused", kind="down")


def test_a_source_that_cannot_answer_is_a_concern_never_an_all_clear(tmp_path: Path) -> None:
    inc = _incident(tmp_path)
    at = inc.state.declared_at + timedelta(minutes=5)
    reading = inc.read_concerns(_Down(), at)
    (said,) = reading.concerns
    assert said.startswith(f"Flow failure rate, P95 flow latency, Model API quota used, Model API 5xx rate and"
                           f" Audit-log gap were not read at {at:%H:%M:%S} UTC, so their values now are not known"
                           " (Flow failure rate: range query "), said
    assert said.endswith("failed: connection refused)"), said


def _state() -> Any:
    return SimpleNamespace(step_list=list, verifications=[], first_verified_at=1.0, running_steps=list, phases={})


def test_the_recent_words_in_warning_and_of_series_born_within_them() -> None:
    warning = {FAILURE.id: PaneHistory(FAILURE, ((0.0, 0.8),), 15.0)}      # in warning over the hour (C3)
    lead = f"Flow failure rate is still in warning ({format_stated(0.8, 'percent', against=(0.5, 1.0))}, warn at 0.5%)"

    def said(recent: Recent) -> str:
        (one,) = resolve_concerns(_state(), warning, {FAILURE.id: recent})
        assert one.startswith(lead + "; over the last 5m00s the same query "), one
        return one[len(lead):]

    assert said(Recent(0.0, ())) == "; over the last 5m00s the same query reads 0%"
    assert said(Recent(None, ())) == "; over the last 5m00s the same query has no data (nothing it measures ran)"
    assert said(Recent(None, None)) == "; over the last 5m00s the same query has no data"   # not known: no claim
    assert said(Recent(0.0, (("flowengine_flow_failures_total", 3.0),))) == (
        "; over the last 5m00s the same query reads 0%, not counting all of 3 flowengine_flow_failures_total in"
        " counter series that began within them (the most each reached, series gone since included; rate and"
        " increase miss a series' first count)")


class _Instant:
    """An instant-query source that records what it was asked."""

    def __init__(self, held: float | None) -> None:
        self.asked: list[str] = []
        self.held = held

    def instant(self, expr: str, at: float | None = None) -> SloSample:
        self.asked.append(expr)
        return SloSample("expr", self.held if "unless" in expr else 0.0)


def test_the_recent_reading_asks_what_each_counter_s_new_series_hold() -> None:
    source = _Instant(held=None)          # no series began within the five minutes
    assert read_recent(source, FAILURE, 1e9) == Recent(0.0, ())
    fail, runs = "flowengine_flow_failures_total", "flowengine_flow_executions_total"
    assert source.asked == [f"100 * sum(rate({fail}[300s])) / sum(rate({runs}[300s]))",
                            f"sum(max_over_time({fail}[300s]) unless {fail} offset 300s)",
                            f"sum(max_over_time({runs}[300s]) unless {runs} offset 300s)"]
    assert read_recent(_Instant(held=2.0), FAILURE, 1e9) == Recent(0.0, ((fail, 2.0), (runs, 2.0)))
    odd = replace(FAILURE, query=FAILURE.query.replace("_total[1h]", '_total{repo=~"(a|b)"}[1h]', 1))
    assert read_recent(_Instant(held=None), odd, 1e9) == Recent(0.0, None)   # a selector it cannot read: not known


def test_another_step_with_the_same_kind_of_concern_is_a_new_concern() -> None:
    """attack40 A5: the key dropped step numbers and labels with the figures, so step 12's failed expectation,
    come while the commander read step 8's, was taken for the one shown: not said, not journaled as unseen."""
    from datetime import UTC, datetime

    at = datetime(2026, 12, 5, 4, 0, tzinfo=UTC)
    shown = ConcernReading(at, ("step 8 (Check the breaker): expectation not met (HALF_OPEN)",
                                "Flow failure rate is still critical (13.7%, threshold 1%)",
                                "RB-LAUNCH-002 step 4 (Roll back) is still running"))
    fresh = ConcernReading(at, ("step 8 (Check the breaker): expectation not met (OPEN)",
                                "step 12 (Count failed rows): expectation not met (below 1)",
                                "Flow failure rate is still critical (13.9%, threshold 1%)",
                                "RB-LAUNCH-002 step 4 (Roll back) is still running",
                                "RB-LAUNCH-002 step 5 (Watch the rollout) is still running"))
    assert unseen(shown, fresh) == ["step 12 (Count failed rows): expectation not met (below 1)",
                                    "RB-LAUNCH-002 step 5 (Watch the rollout) is still running"]
