"""The audit gauge is a timestamp (redteam38 F11): ``flowengine_audit_log_last_event_timestamp_seconds`` holds the
last shipped event's wall time, psql's ``max(created_at)``, and stays put while nothing is written. It was stored as
``wall now - drill gap``, so at x10 the hour of one and the same last event fell 9 s per wall second of a stall and
disagreed with psql and FlowEngine's log by minutes; the gap pane (``time() - max(...)``) read drill seconds only
through that trick. The drill's PromQL now follows its psql's rule: a timestamp is on the wall clock, the difference
of two timestamps is drill seconds (``now() - max(created_at)``), so the pane, a runbook's PromQL step and psql's
interval read one gap. Moments off the 15 s scrape grid too: there the trick read the scrape's age in wall seconds."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.standins_corpus import SPEED, run_one, warm_drill
from warroom.drill.standins.pgsql import moment

GAP = "time() - max(flowengine_audit_log_last_event_timestamp_seconds)"
STALL = (300.0, 437.3, 611.9, 1200.0, 2500.7)      # scenario seconds; the untouched audit-gap drill never ships again


def _psql(drill: object, sql: str, t: float) -> str:
    code, out, err = run_one(drill, ["psql", "-At", "-c", sql], t)  # type: ignore[arg-type]
    assert code == 0, (sql, t, err)
    return out.strip()


def test_the_gauge_is_psqls_last_row_and_the_gap_is_drill_seconds(tmp_path: Path) -> None:
    drill = warm_drill(tmp_path, "audit-gap")
    assert SPEED != 1.0           # at x1 the old stamp and the true one coincide
    last = _psql(drill, "SELECT max(created_at) FROM audit_logs", STALL[0])
    stamp = moment(last).timestamp()                  # psql prints UTC to the microsecond
    source = drill.source()
    for t in STALL:
        assert _psql(drill, "SELECT max(created_at) FROM audit_logs", t) == last, t
        gauge = drill.simulator.evaluate("max(flowengine_audit_log_last_event_timestamp_seconds)", t)
        assert isinstance(gauge, list) and gauge[0].value == pytest.approx(stamp, abs=1e-3), (t, gauge, last)
        drill_gap = t - drill.scenario_time(stamp)    # scenario seconds since the last row was written
        assert drill.simulator.pane("audit_gap", t) == pytest.approx(drill_gap, abs=1e-3), t
        step = source.instant(GAP, at=drill.wall_time(t))         # a runbook's PromQL step, as the runner asks
        assert step.value == pytest.approx(drill_gap, abs=1e-3), (t, step)
        interval = _psql(drill, "SELECT extract(epoch FROM now() - max(created_at)) FROM audit_logs", t)
        assert float(interval) == pytest.approx(drill_gap, abs=1e-3), (t, interval)
    assert drill_gap > 2000       # the last moment is deep in the stall


def test_a_timestamp_plus_or_minus_a_number_moves_it_by_drill_seconds(tmp_path: Path) -> None:
    """``time() - 300`` is five drill minutes ago, as psql's ``now() - interval '5 minutes'``: a number added to
    a timestamp is a span of drill time, and comparing the gauge with it asks "written in the last 5 minutes?"."""
    drill = warm_drill(tmp_path, "audit-gap")
    t = 611.9
    five_ago = drill.simulator.evaluate("time() - 300", t)
    assert five_ago == pytest.approx(drill.wall_time(t - 300), abs=1e-6)
    assert drill.simulator.evaluate("time() + 60 - time()", t) == pytest.approx(60, abs=1e-6)
    fresh = drill.simulator.evaluate("max(flowengine_audit_log_last_event_timestamp_seconds) > time() - 300", t)
    assert fresh == []                                # stalled since before the start: nothing in 5 drill minutes


def test_what_is_not_a_timestamp_is_left_alone(tmp_path: Path) -> None:
    """A count, a rate or a ratio is no timestamp: arithmetic on them is PromQL's own at any speed."""
    drill = warm_drill(tmp_path, "audit-gap")
    t = 611.9
    quota = drill.simulator.evaluate("max(flowengine_model_quota_used_ratio)", t)
    moved = drill.simulator.evaluate("max(flowengine_model_quota_used_ratio) - 0.5", t)
    assert isinstance(quota, list) and isinstance(moved, list) and moved[0].value == quota[0].value - 0.5
    assert drill.simulator.evaluate("scalar(vector(time())) - time()", t) == 0.0
    gap = drill.simulator.evaluate("(time() - max(flowengine_audit_log_last_event_timestamp_seconds)) > bool 300", t)
    assert isinstance(gap, list) and gap[0].value == 1.0


G = "flowengine_audit_log_last_event_timestamp_seconds"
SPELLINGS = (f"time() - sum({G})", f"time() - sum by (job) ({G})", f"time() - ({G} * 1)", f"time() - 1 * max({G})",
             f"time() - max({G}) / 1", f"- {G} + time()", f"-(abs(max({G})) - time())",
             f"-(clamp_max(max({G}), time()) - time())", f"-(max({G}) * 1 - time())", f"(time()/60 - max({G})/60) * 60")


def test_every_spelling_of_the_gap_is_drill_seconds(tmp_path: Path) -> None:
    """Any operator between the leaves (attack38 F1, F2): the drill frame maps the timestamp leaves, not the operators,
    so ``sum``, ``*1``, unary minus or ``/60`` on each side give psql's ``now() - max(created_at)`` at x10, not 51
    years or a tenth; ``round`` is within its second; ``max(G)`` and ``max(G)/60`` stay on the wall clock."""
    drill = warm_drill(tmp_path, "audit-gap")
    t = 611.9
    interval = float(_psql(drill, "SELECT extract(epoch FROM now() - max(created_at)) FROM audit_logs", t))
    last = moment(_psql(drill, "SELECT max(created_at) FROM audit_logs", t)).timestamp()
    gap = drill.simulator.evaluate(GAP, t)
    assert isinstance(gap, list) and gap[0].value == pytest.approx(interval, abs=1e-3)
    for q in SPELLINGS:
        got = drill.simulator.evaluate(q, t)
        assert isinstance(got, list) and got[0].value == pytest.approx(interval, abs=1e-3), (q, got)
    for q in (f"time() - round({G})", f"time() - floor({G})", f"time() - ceil({G})"):
        got = drill.simulator.evaluate(q, t)
        assert isinstance(got, list) and abs(got[0].value - interval) <= 1.0, (q, got)
    for q, want in ((f"max({G})", last), (f"sum({G})", last), (f"max({G}) / 60", last / 60),
                    (f"max_over_time({G}[10m])", last)):
        got = drill.simulator.evaluate(q, t)
        assert isinstance(got, list) and got[0].value == pytest.approx(want, abs=1e-3), (q, got)
    assert drill.simulator.evaluate(f"(time() - max({G})) / 60", t)[0].value == pytest.approx(interval / 60, abs=1e-5)
    assert drill.simulator.evaluate(f"{G} > time() - {interval + 1:.0f}", t) != []      # drill seconds select
    assert drill.simulator.evaluate(f"{G} > time() - {interval - 1:.0f}", t) == []


def test_a_date_or_a_filter_of_the_gauge_reads_its_wall_value(tmp_path: Path) -> None:
    """``minute(G)`` is the minute of G's wall time (psql's ``extract(minute FROM max(created_at))``), and a filter
    that a shifted leaf would drop still gives G's wall value, not its drill-frame one."""
    drill = warm_drill(tmp_path, "audit-gap")
    t = 611.9
    last = moment(_psql(drill, "SELECT max(created_at) FROM audit_logs", t)).timestamp()
    got = drill.simulator.evaluate(f"minute(max({G}))", t)
    assert isinstance(got, list) and got[0].value == int(last // 60 % 60), got
    got = drill.simulator.evaluate(f"max({G}) < time() + 60", t)
    assert isinstance(got, list) and got[0].value == pytest.approx(last, abs=1e-3), got


def test_a_unix_time_typed_beside_a_timestamp_is_refused_and_a_big_count_is_a_count(tmp_path: Path) -> None:
    """redteam41 X9: ``time() - $(date +%s)`` answered 1.6e9 seconds at x10: the unix time typed in was read as drill
    seconds beside the drill-frame stamps. Whether a number of that size is a unix time or a count the drill cannot
    know (attack41 A9: taking every such number for a timestamp turned ``sum(executions) > 1200000000`` around): beside
    a timestamp it is refused by name; in a query that reads none it is the number it is."""
    from warroom.drill.promql import PromQLError

    drill = warm_drill(tmp_path, "audit-gap")
    t = 611.9
    wall = drill.wall_time(t)
    for q in (f"time() - {wall:.0f}", f"max({G}) - 1500000000", f"max({G}) > {wall - 60:.0f}"):
        with pytest.raises(PromQLError, match=r"a number like a unix time \(\d+\) beside a timestamp is not simulated"):
            drill.simulator.evaluate(q, t)
    assert drill.simulator.evaluate("vector(2) * 1500000000 > 2500000000", t)[0].value == 3e9
    assert drill.simulator.evaluate("2000000000 - 1500000000", t) == 5e8
    assert drill.simulator.evaluate("sum(flowengine_flow_executions_total) > 1200000000", t) == []
    assert drill.simulator.evaluate(f"time() - max({G}) > 1", t) != []          # a span and a small number: as ever
