"""The drill simulator's fast paths give exactly the numbers of a from-scratch evaluation.

The dashboard polls five panes a second, so the simulator keeps its integration between polls
(hour-long chunks, a few held, the cache file), reuses the past when an action arrives,
evaluates each query at all of a sparkline's times at once and computes the counters' rates with
the invariants hoisted. None of that may change a value: every test here compares against the
plain way (integrate from t0 row by row, evaluate point by point) and demands equality to the
last bit (``repr`` of the floats, so NaN compares equal to NaN and 0.0 differs from -0.0).
"""

from __future__ import annotations

import math
import random
import sys
from pathlib import Path

import pytest

from warroom.config import SloConfig, default_slos
from warroom.drill import fleet
from warroom.drill.actions import Action
from warroom.drill.model import Signals, durations
from warroom.drill.promql import Catalog, PromQLError, evaluate, evaluate_many
from warroom.drill.scenarios import get_scenario, list_scenarios
from warroom.drill.series import BOUNDS, GRID, Series
from warroom.drill.directory import create_drill, open_drill
from warroom.drill.promql import shown as _one
from warroom.drill.simulator import Simulator

SCENARIOS = {s.name: s for s in list_scenarios()}

ACTIONS: dict[str, list[tuple[str, float]]] = {
    "rate-limit": [("throttle", 40.0), ("circuit_breaker", 150.0), ("retry", 300.0)],
    "provider-outage": [("manual_review", 100.0), ("fallback_routing", 200.0)],
    "timeout": [("context_pruning", 120.0), ("retry_pruned", 400.0), ("scale", 410.0)],
    "mass-failure": [("flowengine_stop", 100.0), ("flowengine_start", 400.0), ("rollback", 500.0)],
    "audit-gap": [("audit_restart", 300.0)],
}

QUERIES = [s.query for s in default_slos()] + [
    "flowengine_flow_executions_total",
    "sum by (repo) (increase(flowengine_flow_failures_total[10m]))",
    "topk(2, rate(flowengine_flow_executions_total[5m]))",
    "sort_desc(flowengine_model_quota_used_ratio)",
    "flowengine_model_quota_used_ratio > 0.3",
    "flowengine_model_quota_used_ratio > bool 0.3",
    "avg_over_time(flowengine_model_quota_used_ratio[5m])",
    "max_over_time(flowengine_model_quota_used_ratio[10m]) * 100",
    'irate(flowengine_model_api_requests_total{code="429"}[1m])',
    "round(rate(flowengine_flow_duration_seconds_sum[5m]) / rate(flowengine_flow_duration_seconds_count[5m]), 0.01)",
    "sum without (code) (rate(flowengine_model_api_requests_total[5m])) / on (provider) "
    "sum by (provider) (rate(flowengine_model_api_requests_total[5m]))",
    "rate(flowengine_flow_failures_total[5m]) / ignoring(__name__) rate(flowengine_flow_executions_total[5m])",
    "count(flowengine_flow_executions_total) + scalar(max(flowengine_model_quota_used_ratio))",
    "timestamp(flowengine_audit_log_last_event_timestamp_seconds) - flowengine_audit_log_last_event_timestamp_seconds",
    "-sum(delta(flowengine_flow_duration_seconds_count[2m] offset 5m))",
    "clamp(flowengine_model_quota_used_ratio * 2, 0.5, 0.9)",
    "histogram_quantile(0.5, sum by (le) (rate(flowengine_flow_duration_seconds_bucket[1h])))",
    'flowengine_model_quota_used_ratio and flowengine_model_quota_used_ratio{provider="openai"}',
    'flowengine_model_quota_used_ratio unless flowengine_model_quota_used_ratio{provider="openai"}',
    "vector(time()) - 5",
    "min(flowengine_model_quota_used_ratio) ^ 2 % 0.1",
    "ln(sum(rate(flowengine_flow_executions_total[1h])))",
    "1 / (sum(rate(flowengine_flow_executions_total[5m])) - sum(rate(flowengine_flow_executions_total[5m])))",
    "sum(rate(nonexistent[5m]))",
    "time() > 5",
    "avg by (provider) (flowengine_model_quota_used_ratio) + min by (le) (flowengine_flow_duration_seconds_bucket)",
    "max by (provider) (flowengine_model_quota_used_ratio)",
    "sum(-0 * flowengine_flow_duration_seconds_count)",       # fsum turns the -0.0 into 0.0
    "avg(-0 * flowengine_flow_duration_seconds_count) + count(flowengine_flow_duration_seconds_count)",
    'sum(increase(flowengine_model_api_requests_total{code=~"5.."}[5m])) / '
    "sum(increase(flowengine_model_api_requests_total[5m]))",
    "rate(flowengine_flow_executions_total)",
    "flowengine_flow_executions_total + flowengine_model_api_requests_total",
]


def acts(name: str, upto: int | None = None) -> tuple[Action, ...]:
    return tuple(Action(a, t) for a, t in ACTIONS[name][:upto])


def bits(value: object) -> object:
    """A value with every float replaced by its repr: equality is then bit-for-bit."""
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return [bits(v) for v in value]
    if hasattr(value, "labels") and hasattr(value, "value"):
        return (value.labels, repr(value.value))
    return value


def histogram(s: Signals, t: float, exec_rates: list[float]) -> list[float]:
    """The duration histogram's rates: the flows that succeed (none held for review), fail fast and are killed, each
    by its law: the estate's repos' at one median, a scenario's onboarded repos' at theirs (redteam44 T1), summed."""
    out = [0.0] * (len(BOUNDS) + 2)
    for new in sorted({r not in fleet.REPOS for r in s.repos}):
        mine = [(r, rate) for r, rate in zip(s.repos, exec_rates, strict=True) if (r not in fleet.REPOS) == new]
        shares = [s.fails(r, t) if rate else (0.0, 0.0) for r, rate in mine]
        fails = [rate * f for (_, rate), (f, _) in zip(mine, shares, strict=True)]
        killed = sum(rate * k for (_, rate), (_, k) in zip(mine, shares, strict=True))
        law = durations(s.latency_median(t, mine[0][0]), BOUNDS,
                        0.0 if s.reviewing(t) else sum(rate for _, rate in mine) - sum(fails), sum(fails) - killed,
                        killed)
        out = [a + b for a, b in zip(out, law, strict=True)]
    return out


def naive_rows(signals: Signals, last: int) -> list[list[float]]:
    """The plain integration: every row from t0, trapezoids on the 5 s grid, rates from Signals; each repo's failure
    count raised by each flow's failing share as its count of flows asked for passes a whole number (linear between
    the rows), not integrated."""
    series = Series(signals)

    def rates(t: float) -> list[float]:
        s = signals
        exec_rates = [s.exec_rate(r, t) for r in s.repos]
        out = list(exec_rates)
        out += [rate * s.fails(r, t)[0] if rate else 0.0 for r, rate in zip(s.repos, exec_rates, strict=True)]
        for p in fleet.PROVIDERS:
            total = s.request_rate(p, t)
            shares = s.code_shares(p, t)
            out += [total * shares.get(c, 0.0) for c in series.codes]
        return out + histogram(s, t, exec_rates) + exec_rates      # no cap: every flow starts as asked for

    rows = [series._initial()]  # noqa: SLF001
    prev_r = rates(series.t0)
    n = len(signals.repos)
    for i in range(1, last + 1):
        r = rates(series.t0 + i * GRID)
        rows.append([c + (a + b) * GRID / 2.0 for c, a, b in zip(rows[-1], prev_r, r, strict=True)])
        for j, repo in enumerate(signals.repos):
            a, b = rows[-2][j - n], rows[-1][j - n]           # flows asked for, the last columns
            rows[-1][n + j] = rows[-2][n + j]
            for k in range(math.floor(a) + 1, math.floor(b) + 1):
                rows[-1][n + j] += signals.fails(repo, series.t0 + (i - 1) * GRID + GRID * (k - a) / (b - a))[0]
        prev_r = r
    return rows


def naive_value(rows: list[list[float]], t0: float, col: int, t: float) -> float:
    pos = (max(t, t0) - t0) / GRID
    i = math.floor(pos)
    lo = rows[i][col]
    frac = pos - i
    return lo if frac <= 1e-9 else lo + (rows[i + 1][col] - lo) * frac


def small_window(series: Series) -> Series:
    """The same series with tiny chunks and few held, so dropping and re-integrating happen often."""
    series.CHUNK, series.KEEP = 16, 2
    return series


# ------------------------------------------------------------------------------ integration

@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_rates_are_the_signals_formula(name: str) -> None:
    signals = Signals(get_scenario(name), acts(name))
    series = Series(signals)
    for t in [series.t0, -1805.0, -3.0, 0.0, 35.0, 95.0, 105.0, 152.5, 300.0, 399.0, 410.0, 455.0, 503.7, 1200.0, 4000.0]:
        s = signals
        exec_rates = [s.exec_rate(r, t) for r in s.repos]
        fails = [rate * s.fails(r, t)[0] if rate else 0.0 for r, rate in zip(s.repos, exec_rates, strict=True)]
        reqs = [s.request_rate(p, t) * s.code_shares(p, t).get(c, 0.0) for p in fleet.PROVIDERS for c in series.codes]
        want = exec_rates + fails + reqs + histogram(s, t, exec_rates) + exec_rates     # started as asked for
        assert bits(series.rates(t)) == bits(want), t


@pytest.mark.parametrize("name", ["rate-limit", "mass-failure"])
def test_dropped_and_reintegrated_chunks_give_the_plain_integration(name: str) -> None:
    signals = Signals(get_scenario(name), acts(name))
    series = small_window(Series(signals))
    last = 400
    rows = naive_rows(signals, last)
    rng = random.Random(7)
    # forward in time (the dashboard), far back (a stand-in's two-hour window), and random access
    times = [series.t0 + i * 2.5 for i in range(0, 2 * last - 2, 3)]
    times += [series.t0 + rng.uniform(0, (last - 2) * GRID) for _ in range(200)]
    times += [series.t0 - 50.0, series.t0]
    for t in times:
        for key in (("arr", "risk-engine"), ("bucket", "+Inf"), ("sum",)):    # (the flows begun, exported, are
            col = series.index[key]                                            # whole: ``columns``)
            assert repr(series.value(key, t)) == repr(naive_value(rows, series.t0, col, t)), (key, t)
        assert len(series._chunks) <= series.KEEP  # noqa: SLF001 - bounded
    cols = list(range(series.width))
    got = series._stored(cols, times)  # noqa: SLF001 - the rows themselves
    for k, col in enumerate(cols):
        assert bits(got[k]) == bits([naive_value(rows, series.t0, col, t) for t in times])
    # the first time a counter reaches a target, found in rows that had been dropped
    key = ("arr", "billing-gateway")
    col = series.index[key]
    target = naive_value(rows, series.t0, col, series.t0 + 100 * GRID) + 0.37
    fresh = Series(signals)
    assert repr(series.time_of(key, target, series.t0 + 50 * GRID, series.t0 + 300 * GRID)) == \
        repr(fresh.time_of(key, target, series.t0 + 50 * GRID, series.t0 + 300 * GRID))


def test_memory_stays_bounded_however_long_the_drill_runs() -> None:
    series = Series(Signals(get_scenario("timeout")))
    series.value(("count",), 6 * 3600.0)                  # eight hours of rows from t0
    assert series.rows > 28_500.0 / GRID                  # 5700 rows on a 5 s grid: the grid's, not a count of 5 s
    assert len(series._chunks) <= series.KEEP  # noqa: SLF001
    assert all(len(c) <= series.CHUNK * series.width for c in series._chunks.values())  # noqa: SLF001


_ROUND_TRIP_AT = [-7100.0, -6000.0, -100.0, 0.0, 151.0, 499.0, 512.5, 900.0]
_ROUND_TRIP_KEYS = (("fail", "risk-engine"), ("req", "anthropic", "429"))


@pytest.fixture(scope="module")
def round_trip() -> tuple[bytes, int, dict[tuple[tuple[str, ...], float], str]]:
    """What every case of the round trip compares: the cache file's bytes and rows (a small-window series integrated
    to 500 s), and the from-scratch values (``repr``) it must give back. The same for every case, so made once (each
    case integrated both again, ~1.2 s CPU); bytes, an int and strings, so no case can change what another reads."""
    signals = Signals(get_scenario("rate-limit"), acts("rate-limit"))
    first = small_window(Series(signals))
    first.value(("count",), 500.0)
    fresh = Series(signals)
    want = {(key, t): repr(fresh.value(key, t)) for t in _ROUND_TRIP_AT for key in _ROUND_TRIP_KEYS}
    return first.dump(), first.rows, want


@pytest.mark.parametrize("valid_before", [None, -7000.0, -6100.0, 0.0, 151.0, 10_000.0])
def test_cache_file_round_trip(valid_before: float | None,
                               round_trip: tuple[bytes, int, dict[tuple[tuple[str, ...], float], str]]) -> None:
    signals = Signals(get_scenario("rate-limit"), acts("rate-limit"))
    data, rows_written, want = round_trip
    again = small_window(Series(signals))
    again.load(data, rows_written, valid_before)
    for t in _ROUND_TRIP_AT:
        for key in _ROUND_TRIP_KEYS:
            assert repr(again.value(key, t)) == want[key, t]
    broken = Series(signals)
    broken.load(data[:-8], rows_written)                  # a torn cache file is ignored
    assert broken.rows == 0
    for rows in (rows_written - 1, rows_written + 1):     # and one whose header disagrees with its body
        skewed = small_window(Series(signals))
        skewed.load(data, rows)
        assert skewed.rows == 0


# ------------------------------------------------------------------------------ queries

@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_evaluate_many_is_evaluate_at_every_time(name: str) -> None:
    actions = acts(name)
    times = [-7300.0, -3000.3, -1.0, 0.0, 37.123, 150.0, 299.9999, 300.0, 611.7, 1799.5, 2400.25]
    # the plain way's own world, one for every query: a row is a function of its index alone (the
    # tests above), so a world per query integrated the same rows 37 times (37 s of the file's 60 s)
    slow = Catalog(Series(Signals(get_scenario(name), actions)), lambda t: 1.8e9 + t)
    wants: dict[str, list[object] | PromQLError] = {}
    for query in QUERIES:       # every query the plain way first: its world integrates the rows as ``evaluate`` asks
        try:
            wants[query] = [evaluate(slow, query, t) for t in times]
        except PromQLError as exc:
            wants[query] = exc
    # the fast way's world of its own (its own signals, its own chunks) holding a copy of those rows, as a simulator
    # adopts them when an action arrives (``Series.adopt``): integrating them a second time was ~45 % of this test's
    # CPU, and what is compared here is the two evaluators; that the rows are the plain integration's, and that
    # ``evaluate_many`` integrates on demand to the same values, is the tests above and the polls' below
    own = Series(Signals(get_scenario(name), actions))
    own.adopt(slow.series, slow.series.t0 + GRID * slow.series.rows)     # all of them, as ``Simulator._world``
    assert own.rows == slow.series.rows > (max(times) - own.t0) / GRID
    fast = Catalog(own, lambda t: 1.8e9 + t)
    for query in QUERIES:
        want = wants[query]
        if isinstance(want, PromQLError):
            with pytest.raises(PromQLError) as got_exc:
                evaluate_many(fast, query, times)
            assert str(got_exc.value) == str(want)
            continue
        many = evaluate_many(fast, query, times)
        assert bits([many.at(j) for j in range(len(times))]) == bits(want), query


# ------------------------------------------------------------------------------ the dashboard's polls

def reference_fetch(drill: object, slos: list[SloConfig], at: float, window: float, points: int,
                    worlds: dict[tuple[str, ...], Catalog]) -> list[object]:
    """What a pane poll returns, computed the plain way: an integration of its own, point by point.

    ``worlds`` holds that integration per set of actions (never the simulator's: no adopted rows, no
    cache file), so the polls of one test with the same actions integrate the same rows once."""
    actions = drill.actions()  # type: ignore[attr-defined]
    key = tuple(a.to_json() for a in actions)
    if key not in worlds:
        worlds[key] = Catalog(Series(Signals(drill.scenario, actions)), drill.wall_time)  # type: ignore[attr-defined]
    catalog = worlds[key]
    t = drill.scenario_time(at)  # type: ignore[attr-defined]
    out: list[object] = []
    for slo in slos:
        try:
            value, note = _one(evaluate(catalog, slo.query, t))
            step = window / (points - 1)
            series = []
            for i in range(points):
                ti = t - window + i * step
                v, _ = _one(evaluate(catalog, slo.range_query or slo.query, ti))
                if v is not None:
                    series.append((drill.wall_time(ti), v))  # type: ignore[attr-defined]
        except PromQLError as exc:
            out.append(("error", f"drill cannot evaluate {slo.query!r}: {exc}"))
            continue
        out.append((value, note, series))
    return out


def shown(samples: list[object]) -> list[object]:
    return [("error", s.error) if s.error else (s.value, s.note, list(s.series))  # type: ignore[attr-defined]
            for s in samples]


@pytest.mark.parametrize(("name", "speed"), [("rate-limit", 1.0), ("mass-failure", 7.0), ("audit-gap", 1.0)])
def test_polls_equal_from_scratch_as_actions_arrive_mid_window(state_dir: Path, name: str, speed: float,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    start = 1_800_000_000.0
    drill = create_drill(state_dir, name, speed, start=start)
    slos = default_slos()
    slos.append(SloConfig(id="odd", title="odd", query="flowengine_model_quota_used_ratio > 0.3",
                          range_query="topk(1, flowengine_model_quota_used_ratio)"))
    source = drill.source(slos, window=1800.0, points=60)
    first, second = ACTIONS[name][0][0], ACTIONS[name][-1][0]
    rng = random.Random(name)
    worlds: dict[tuple[str, ...], Catalog] = {}
    at = start + 300.0 / speed
    for poll in range(14):
        at += rng.uniform(0.6, 1.4)
        monkeypatch.setenv("WARROOM_DRILL_AT", repr(at))        # each poll is the dashboard's now
        if poll == 4:      # recorded late: it happened 90 drill seconds ago, inside every window
            drill.record(first, at=at - 90.0 / speed)
        if poll == 9:
            drill.record(second, at=at)
        if poll in (0, 4, 5, 9, 10, 13):
            want = reference_fetch(drill, slos, at, 1800.0, 60, worlds)
            assert bits(shown(source.fetch(slos, at))) == bits(want), poll
        else:
            source.fetch(slos, at)
        # the first poll (the one the first frame waits for) leaves the cache file for later
        assert (drill.path / "series.cache").is_file() == (poll > 0)
    # a second dashboard on the same drill starts from the cache file the first one wrote
    source.drill.simulator.save_cache()
    from warroom.drill.directory import open_drill

    again = open_drill(drill.path, wrappers=False)
    at += 1.0
    monkeypatch.setenv("WARROOM_DRILL_AT", repr(at))
    assert bits(shown(again.source(slos).fetch(slos, at))) == bits(reference_fetch(drill, slos, at, 1800.0, 60, worlds))


def test_a_new_action_keeps_only_the_past_it_cannot_change() -> None:
    sc = get_scenario("rate-limit")
    recorded: list[Action] = []
    sim = Simulator(sc, lambda: list(recorded))
    sim.refresh().value(("count",), 1200.0)
    recorded.append(Action("circuit_breaker", 400.0))      # lands well inside the integrated rows
    series = sim.refresh()
    assert series.rows == int((400 + 7200) // GRID)         # rows from the action on were dropped
    fresh = Series(Signals(sc, recorded))
    for t in [-7000.0, 0.0, 399.0, 401.0, 420.0, 800.0, 1300.0]:
        assert repr(series.value(("req", "anthropic", "429"), t)) == repr(fresh.value(("req", "anthropic", "429"), t))



def test_latest_drill_refreshes_only_the_wrappers_of_the_drill_it_returns(state_dir: Path) -> None:
    from warroom.drill.directory import latest_drill

    old = create_drill(state_dir, "timeout", speed=1.0, name="old", start=1_800_000_000.0)
    new = create_drill(state_dir, "timeout", speed=1.0, name="new", start=1_800_000_100.0)
    new.created = old.created + 1
    new._save()  # noqa: SLF001
    for d in (old, new):
        wrapper = d.path / "bin" / "kubectl"
        wrapper.write_text(wrapper.read_text().replace(sys.executable, "/old/venv/bin/python"))
    assert latest_drill(state_dir, "timeout").path == new.path
    assert "/old/venv" not in (new.path / "bin" / "kubectl").read_text()
    assert "/old/venv" in (old.path / "bin" / "kubectl").read_text()


def test_the_cache_file_is_used_only_by_the_same_simulator_code(state_dir: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    import warroom.drill.simulator as simulator

    d = create_drill(state_dir, "audit-gap", speed=1.0, start=1_800_000_000.0)
    d.record("audit_restart", at=1_800_000_300.0)
    d.simulator.refresh().value(("count",), 900.0)
    d.simulator.save_cache()
    assert (d.path / simulator.SERIES_CACHE).is_file()

    def reopened() -> Simulator:
        sim = open_drill(d.path, wrappers=False).simulator
        sim.refresh()
        return sim

    assert reopened()._loaded_rows == int((900 + 7200) // GRID) + 1  # noqa: SLF001
    monkeypatch.setattr(simulator, "_code_fingerprint", lambda: "another version")
    assert reopened()._loaded_rows == 0  # noqa: SLF001
