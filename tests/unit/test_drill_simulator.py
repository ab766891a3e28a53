"""The drill simulator: deterministic series, the right panes breach, actions bend curves, speed."""

from __future__ import annotations

import importlib
import json
import math
import os
import sys
import time
from pathlib import Path

import pytest

from tests.unit.drill_ops import recorded, rollout_undo
from tests.unit.standins_corpus import warm_drill, warm_simulator
from warroom.config import default_slos
from warroom.drill.actions import RETRIES, Action, append_actions, read_actions
from warroom.drill.model import Signals
from warroom.drill.promql import Catalog, PromQLError, evaluate
from warroom.drill.scenarios import get_scenario, list_scenarios
from warroom.drill.simulator import Simulator
from warroom.drill.series import Series
from warroom.drill.directory import DrillError, create_drill, latest_drill, list_drills, open_drill
from warroom.errors import NotFoundError

SCENARIOS = {s.name: s for s in list_scenarios()}

PANES = ("failure_rate", "p95_latency", "quota", "error_5xx", "audit_gap")

CRIT = {s.id: s.crit for s in default_slos()}
RUNBOOK = {
    "rate-limit": "RB-CORE-003", "provider-outage": "RB-CORE-004", "timeout": "RB-CORE-002",
    "mass-failure": "RB-LAUNCH-005", "audit-gap": "RB-CORE-005",
}


def _actions(actions: tuple[tuple[str, float] | Action, ...]) -> list[Action]:
    return [a if isinstance(a, Action) else Action(*a) for a in actions]


def series(name: str, *actions: tuple[str, float] | Action) -> Series:
    """The world's series, started warm (``world``)."""
    return world(name, *actions).refresh()


def world(name: str, *actions: tuple[str, float] | Action) -> Simulator:
    """The drill world whose ``pane`` is what the dashboard shows (the pane's query, evaluated). Started warm
    (``standins_corpus.warm_simulator``: the world before any action integrated once per run), as no test here
    patches the world; the tests of the lazy integration itself build theirs cold."""
    return warm_simulator(name, lambda: _actions(actions))


def test_every_scenario_names_the_runbook_it_drills() -> None:
    assert {n: s.runbook for n, s in SCENARIOS.items()} == RUNBOOK
    for sc in SCENARIOS.values():
        assert sc.primary in PANES and set(sc.breaches) <= set(PANES)
        assert sc.resolution and set(sc.resolution) - {"flowengine_stop", "flowengine_start", "redaction", *RETRIES} \
            <= set(sc.mitigating_actions())
        assert not set(RETRIES) & set(sc.mitigating_actions())     # a retry runs its own task again, bends no fault


def test_unknown_scenario_is_a_clear_error() -> None:
    with pytest.raises(NotFoundError, match="unknown drill scenario 'nope'.*rate-limit"):
        get_scenario("nope")


def test_series_are_a_pure_function_of_time_and_actions() -> None:
    a = Simulator(get_scenario("rate-limit"), lambda: [Action("circuit_breaker", 200.0)])     # cold: integrated
    b = Simulator(get_scenario("rate-limit"), lambda: [Action("circuit_breaker", 200.0)])     # as each is asked
    times = [-1800.0, -3.3, 0.0, 123.4, 600.0, 1799.0]
    # b is asked in a different order: lazily integrated state must not change the answers
    got_a = [[a.pane(p, t) for p in PANES] for t in times]
    got_b = [[b.pane(p, t) for p in PANES] for t in reversed(times)][::-1]
    assert got_a == got_b
    untouched = world("rate-limit")
    assert got_a != [[untouched.pane(p, t) for p in PANES] for t in times]


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_each_scenario_breaches_its_panes_and_only_those(name: str) -> None:
    sc = get_scenario(name)
    s = world(name)
    first: dict[str, float] = {}
    times = range(-1800, 1801, 15)
    for pane in PANES:      # each pane's 241 moments in one walk (``panes``: what ``pane`` asks for one moment)
        for t, v in zip(times, s.panes(pane, [float(t) for t in times]), strict=True):
            if v is not None and v >= CRIT[pane] and pane not in first:
                first[pane] = t
    assert set(first) == set(sc.breaches), first
    # the primary pane (the impact) breaches within the first minutes of the drill, not before it starts;
    # only a warning sign may go first (rate-limit's quota past 80% before the 429s fail flows)
    assert all(first[p] >= first[sc.primary] or p == "quota" for p in first), first
    assert -60 <= first[sc.primary] <= 600, first


def test_healthy_estate_is_inside_every_slo() -> None:
    s = world("rate-limit")
    for pane in PANES:
        assert s.pane(pane, -3000.0) < 0.8 * CRIT[pane]


@pytest.mark.parametrize(
    ("name", "pane", "action", "at", "after"),
    [
        ("provider-outage", "error_5xx", "fallback_routing", 120.0, 600.0),
        ("timeout", "p95_latency", "context_pruning", 200.0, 1200.0),
        ("mass-failure", "error_5xx", "rollout_undo", 180.0, 600.0),
        ("audit-gap", "audit_gap", "audit_restart", 120.0, 300.0),
    ],
)
def test_the_mitigation_brings_the_primary_pane_back(name: str, pane: str, action: str, at: float,
                                                     after: float) -> None:
    untouched = world(name)
    fixed = world(name, *(rollout_undo(at) if action == "rollout_undo" else recorded(Action(action, at))))
    # before the action the two worlds are the same; afterwards only the fixed one recovers
    assert fixed.pane(pane, at - 5) == untouched.pane(pane, at - 5)
    assert untouched.pane(pane, after) >= CRIT[pane]
    assert fixed.pane(pane, after) < CRIT[pane]


def test_rate_limit_s_failures_end_with_routing_not_the_breaker_and_a_retry_bends_nothing() -> None:
    """Its primary pane is the flow failure rate: the breaker holds the retries of throttled calls, it does not make
    Anthropic serve more (redteam49 F8: the provider still refuses an eighth of the calls at full throttle), so the
    429 failures of new flows go on with it; moving Claude's calls to another provider (``fallback_routing``) ends them,
    and the hour's rate falls once the hour has passed; a ``retry`` action is one task run again
    (``Signals.retries``), never a bend of the fault."""
    untouched, breaker = world("rate-limit"), world("rate-limit", ("circuit_breaker", 150.0))
    routed = world("rate-limit", ("circuit_breaker", 150.0), ("fallback_routing", 150.0))
    assert breaker.pane("failure_rate", 145.0) == untouched.pane("failure_rate", 145.0)
    assert breaker.pane("failure_rate", 900.0) >= CRIT["failure_rate"] > routed.pane("failure_rate", 900.0)
    retried = Signals(get_scenario("rate-limit"), [Action("circuit_breaker", 150.0), Action("retry", 300.0)])
    alone = Signals(get_scenario("rate-limit"), [Action("circuit_breaker", 150.0)])
    assert [retried.strength(i, t) for i in (0, 1) for t in range(0, 3600, 30)] == \
        [alone.strength(i, t) for i in (0, 1) for t in range(0, 3600, 30)]


def test_circuit_breaker_slows_the_quota_burn_and_gives_nothing_back() -> None:
    s, untouched = world("rate-limit", ("circuit_breaker", 150.0)), world("rate-limit")
    peak_t = max(range(150, 1500, 15), key=lambda t: s.pane("quota", float(t)))
    assert s.pane("quota", 1500.0) > s.pane("quota", float(peak_t)) - 1.6        # the drift, not a fall
    # it bends from its trip, when the quota reaches its 85% (redteam-10), not from the command
    assert s.pane("quota", 1500.0) < untouched.pane("quota", 1500.0) - 4


def test_rollback_to_pilot_stops_the_other_repos_flows() -> None:
    s = series("mass-failure", ("rollback_to_pilot", 120.0))
    execs = {r: s.value(("exec", r), 1200.0) - s.value(("exec", r), 900.0) for r in ("compliance-service", "risk-engine")}
    assert execs["risk-engine"] == 0.0
    assert execs["compliance-service"] > 0.0


def test_counters_never_decrease_and_buckets_are_cumulative() -> None:
    s = series("mass-failure", ("flowengine_stop", 100.0), ("flowengine_start", 400.0), *rollout_undo(500.0))
    previous = None
    for t in range(-600, 1800, 5):
        row = [s.value(k, float(t)) for k in s.keys]
        if previous is not None:
            assert all(b >= a for a, b in zip(previous, row, strict=True)), t
        buckets = [s.value(k, float(t)) for k in s.keys if k[0] == "bucket"]
        assert buckets == sorted(buckets)
        assert math.isclose(buckets[-1], s.value(("count",), float(t)), rel_tol=1e-12)
        previous = row


def test_promql_beyond_the_panes_answers_as_prometheus() -> None:
    """What the differential test holds to a real Prometheus, pinned here where none runs."""
    catalog = Catalog(series("mass-failure"), lambda t: 1_800_000_000.0 + t)
    q = "flowengine_model_quota_used_ratio"

    def labels(expr: str, t: float = 900.0) -> list[dict[str, str]]:
        return [dict(s.labels) for s in evaluate(catalog, expr, t)]   # type: ignore[union-attr]

    assert evaluate(catalog, f"{q} offset -5m", 900.0) == evaluate(catalog, q, 900.0)   # nothing after now
    assert evaluate(catalog, f"{q} offset -10m", 900.0) == [] and labels(f"{q} @ 0") == []
    assert labels('absent(nope{job="a", job="b", env="prod", team!="x"})') == [{"env": "prod"}]
    assert labels(f"topk(2, 0 * {q})") == [{"provider": "anthropic"}, {"provider": "google"}]   # storage order
    assert labels(f"topk(1, {q} * NaN)") == [{"provider": "openai"}]               # a NaN top is always replaced
    steps = [evaluate(catalog, q, 300.0 + 60 * i) for i in range(11)]    # a subquery: every minute of the window
    assert {dict(s.labels)["provider"]: s.value for s in evaluate(catalog, f"max_over_time({q}[10m:1m])", 900.0)} \
        == {p: max(dict((dict(x.labels)["provider"], x.value) for x in step)[p] for step in steps)
            for p in ("anthropic", "google", "openai")}
    assert labels(f'label_replace({q}, "x", "${{1}}-$1x-$$", "provider", "(a).*")')[0]["x"] == "a--$"
    assert labels(f'count_values("v", 0 * {q})') == [{"v": "0"}]
    assert {d["code"] for d in labels(f'{q} / on(provider) group_left(code) '
                                      'flowengine_model_api_requests_total{code="429"}')} == {"429"}


def test_promql_subset_answers_and_refuses_clearly() -> None:
    s = series("mass-failure")
    catalog = Catalog(s, lambda t: 1_800_000_000.0 + t)
    per_repo = evaluate(catalog, "sort_desc(sum by (repo) (increase(flowengine_flow_failures_total[1h])))", 900.0)
    assert [dict(x.labels)["repo"] for x in per_repo][0] == "financial-reporting"
    assert len(per_repo) == 6
    hot = evaluate(catalog, "sum by (repo) (rate(flowengine_flow_failures_total[5m]))"
                   " / sum by (repo) (rate(flowengine_flow_executions_total[5m])) > 0.5", 900.0)
    assert {dict(x.labels)["repo"] for x in hot} == {"financial-reporting", "customer-analytics", "risk-engine"}
    assert evaluate(catalog, "2 * 3 + 1", 0.0) == 7.0
    assert evaluate(catalog, 'count({__name__=~"(.|..)*z"})', 0.0) == []   # RE2: no exponential backtracking
    for bad, message in [
        ("flowengine_nope_total", "unknown metric 'flowengine_nope_total'"),
        ("rate(flowengine_flow_failures_total)",
         'invalid PromQL: 1:6: parse error: expected type range vector in call to function "rate"'),
        ("sum(rate(flowengine_flow_failures_total[5m]", "invalid PromQL: 1:44: parse error: unclosed left parenthesis"),
        ("sum(flowengine_flow_failures_total) by", "1:39: parse error: unexpected end of input in grouping opts"),
        ("sin(flowengine_model_quota_used_ratio)", "function 'sin' is not supported in drills"),
        ("histogram_count(flowengine_flow_duration_seconds_count)", "'histogram_count' is not supported in drills"),
        ("holt_winters(flowengine_model_quota_used_ratio[10m], 0.5, 0.5)", "'holt_winters' is not supported"),
        ("holt_winter(flowengine_model_quota_used_ratio[10m], 0.5, 0.5)",
         "invalid PromQL: 1:1: parse error: unknown function"),
        ("flowengine_flow_failures_total[5m:1m]", "a subquery .* outside a range function .* not supported in drills"),
        ("max_over_time(flowengine_flow_failures_total[1d:1s])", "too fine for the drill"),
        ("flowengine_flow_failures_total[5m]", "a range vector .* outside a range function .* not supported in drills"),
        ('flowengine_flow_failures_total{repo="a" or repo="b"}',       # Prometheus 3's, an error in 2.42
         'unexpected identifier "or" in label matching, expected "," or "}"'),
        ("sum(flowengine_flow_failures_total) / on() group_left flowengine_flow_failures_total",
         "many-to-many matching: several series on the right"),
        ("topk(NaN, flowengine_flow_failures_total)", "overflows int64"),
        ('label_replace(flowengine_flow_failures_total, "a-b", "x", "repo", ".*")', "invalid destination label name"),
        ('label_replace(flowengine_flow_failures_total, "a", "x", "repo", "(")',
             r"invalid regular expression in label_replace\(\): \("),
        ('count_values("a b", flowengine_flow_failures_total)', "invalid label name"),
        ("1 + " * 1500 + "1", "the expression is 6001 characters long"),   # the native parser would overflow
        ("-(" * 1300 + "1" + ")" * 1300, "nests too deeply"),
        # Prometheus' error where dropping the metric name leaves two series with one label set
        ('rate({__name__=~"flowengine_flow_.*_total"}[5m])', "vector cannot contain metrics with the same labelset"),
        ('abs({__name__=~"flowengine_flow_.*_total"})', "vector cannot contain metrics with the same labelset"),
        ('{__name__=~"flowengine_flow_.*_total"} > bool 0', "vector cannot contain metrics with the same labelset"),
    ]:
        with pytest.raises(PromQLError, match=message):
            evaluate(catalog, bad, 0.0)
    # the name stays where Prometheus keeps it: last_over_time, a comparison's filter, by (__name__)
    last = evaluate(catalog, "last_over_time(flowengine_model_quota_used_ratio[1m])", 900.0)
    assert {dict(x.labels).get("__name__") for x in last} == {"flowengine_model_quota_used_ratio"}
    names = evaluate(catalog, 'max by (__name__) ({__name__=~"flowengine_flow_.*_total"})', 900.0)
    assert sorted(dict(x.labels)["__name__"] for x in names) == ["flowengine_flow_executions_total",
                                                                  "flowengine_flow_failures_total"]
    assert len(evaluate(catalog, '{__name__=~"flowengine_flow_.*_total"} > 0', 900.0)) == 12


# ------------------------------------------------------------------------------ drills on disk


def test_create_resume_and_list(state_dir: Path) -> None:
    start = time.time() - 100
    d = create_drill(state_dir, "rate-limit", speed=2.0, start=start)
    assert d.path.parent == state_dir / "drills"
    data = json.loads((d.path / "drill.json").read_text())
    assert data["scenario"] == "rate-limit" and data["speed"] == 2.0 and data["start"] == start
    assert (d.path / "actions.jsonl").exists()
    d.record("circuit_breaker", tool="kubectl", argv=("set", "env"), at=start + 60)
    again = open_drill(d.path)
    assert again.scenario.name == "rate-limit" and again.start == start and again.speed == 2.0
    assert [a.action for a in again.actions()] == ["circuit_breaker"]
    assert again.actions()[0].t == pytest.approx(120.0)
    at = start + 500
    def shown(drill: object) -> list[tuple[object, ...]]:
        return [(s.value, s.series) for s in drill.source().fetch(default_slos(), at)]  # type: ignore[attr-defined]

    assert shown(d) == shown(again)
    assert latest_drill(state_dir).path == d.path
    d.finish()
    assert latest_drill(state_dir) is None
    assert latest_drill(state_dir, active_only=False).path == d.path
    assert [x.name for x in list_drills(state_dir)] == [d.name]


def test_bad_drills_are_clear_errors(state_dir: Path) -> None:
    with pytest.raises(DrillError, match="drill speed must be a number from 1"):
        create_drill(state_dir, "timeout", speed=0)
    with pytest.raises(DrillError, match="drill name"):
        create_drill(state_dir, "timeout", name="../x")
    with pytest.raises(NotFoundError, match="no drill here"):
        open_drill(state_dir / "missing")
    broken = state_dir / "drills" / "broken"
    broken.mkdir(parents=True)
    (broken / "drill.json").write_text('{"scenario": "timeout"}')
    with pytest.raises(DrillError, match="malformed drill file"):
        open_drill(broken)
    (broken / "drill.json").write_text('{"scenario": "timeout", "start": 0, "speed": Infinity}')   # json reads it
    with pytest.raises(DrillError, match="speed a positive number"):
        open_drill(broken)
    (broken / "drill.json").write_text("[]")
    with pytest.raises(DrillError, match="malformed drill file"):
        open_drill(broken)


def test_speed_compresses_time(state_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    start = 1_800_000_000.0
    monkeypatch.setenv("WARROOM_DRILL_AT", repr(start + 600))      # both moments asked have happened
    slow = warm_drill(state_dir, "timeout", speed=1.0, start=start, name="slow")
    fast = warm_drill(state_dir, "timeout", speed=60.0, start=start, name="fast")
    assert fast.scenario_time(start + 10) == 600.0
    assert fast.wall_time(600.0) == start + 10
    a = slow.source().fetch(default_slos(), start + 600)
    b = fast.source().fetch(default_slos(), start + 10)
    # the audit gap is the difference of two wall timestamps (redteam38 F11): float64 holds 1.8e9 s to 2.4e-7 s,
    # so at x60 it is exact to 1.5e-5 drill s, not to the bit
    assert [x.value for x in a] == pytest.approx([x.value for x in b], abs=1e-4)
    # the sparkline covers the same scenario window, drawn against each drill's wall clock
    assert [v for _, v in a[1].series] == [v for _, v in b[1].series]
    assert b[1].series[-1][0] == pytest.approx(start + 10)


def test_actions_file_names_a_torn_line_never_skips_it(tmp_path: Path) -> None:
    """Changed on purpose (stop 27): a torn line was skipped in silence, and the world drawn without it."""
    from warroom.errors import WarroomError

    append_actions(tmp_path, [Action("rollback", 12.5, 1.0, "kubectl", ("rollout", "undo"))])
    assert [a.action for a in read_actions(tmp_path)] == ["rollback"]
    with open(tmp_path / "actions.jsonl", "a") as fh:
        fh.write('{"action": "retry", "t": 1')
    with pytest.raises(WarroomError, match="actions.jsonl:2: not a whole action record"):
        read_actions(tmp_path)


def test_source_fetch_instant_and_errors(state_dir: Path) -> None:
    d = warm_drill(state_dir, "audit-gap", speed=1.0, start=time.time() - 120)
    src = d.source(window=600, points=21)
    assert src.name == "drill:audit-gap"
    samples = src.fetch(default_slos())
    assert [s.slo_id for s in samples] == [s.id for s in default_slos()]
    gap = samples[-1]
    assert gap.error is None and gap.value > 300 and len(gap.series) == 21
    assert gap.series[-1][1] == pytest.approx(gap.value, abs=1.0)
    bad_slo = default_slos()[0]
    bad_slo.query = "sum(rate(flowengine_flow_failures_total[1h]"
    (bad,) = src.fetch([bad_slo])
    assert bad.value is None and "drill cannot evaluate" in bad.error
    quota = src.instant("quota")
    assert quota.error is None and 30 < quota.value < 60
    many = src.instant("flowengine_model_quota_used_ratio")
    assert many.note == "3 series returned; showing the highest"
    assert src.instant("nonsense{").error
    rows = src.query("sum by (provider) (flowengine_model_quota_used_ratio)")
    assert sorted(r[0]["provider"] for r in rows) == ["anthropic", "google", "openai"]


def test_a_drill_reads_no_sample_after_its_now(state_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Prometheus holds nothing after now, so neither does a drill: a negative offset or an @ at the
    drill's now reads the newest scrape (5 minutes' lookback), never the simulator's later state."""
    start, q = 1_800_000_000.0, "flowengine_model_quota_used_ratio"
    d = warm_drill(state_dir, "rate-limit", speed=10.0, start=start)
    monkeypatch.setenv("WARROOM_DRILL_AT", repr(start + 90.0))            # 900 s into the drill
    src = d.source()
    now = src.query(q)
    assert src.query(f"{q} offset -5m") == now == src.query(f"{q} @ {start + 100:.0f}")  # 1000 s: the future
    assert src.query(f"{q} offset -10m") == [] and src.query(f"absent({q} offset -10m)") == [({}, 1.0)]
    assert src.query(f"{q} offset -5m", at=start + 30.0) == src.query(q, at=start + 60.0)   # the past reads ahead
    monkeypatch.setenv("WARROOM_DRILL_AT", repr(start + 120.0))           # once 1200 s have happened
    assert now != src.query(q, at=start + 120.0)          # the simulator's later state does differ


def test_reopening_repoints_the_wrappers_at_this_interpreter(state_dir: Path) -> None:
    d = create_drill(state_dir, "timeout", speed=1.0)
    wrapper = d.path / "bin" / "kubectl"
    wrapper.write_text(wrapper.read_text().replace(sys.executable, "/old/venv/bin/python"))
    assert "/old/venv" in wrapper.read_text()
    open_drill(d.path)
    assert "/old/venv" not in wrapper.read_text() and sys.executable in wrapper.read_text()
    assert os.access(wrapper, os.X_OK)


def test_a_flowengine_scaled_to_zero_writes_no_log_lines() -> None:
    from warroom.drill.activity import Activity
    from warroom.drill.cluster import build_cluster

    acts = [Action("flowengine_stop", 100.0), Action("flowengine_start", 700.0)]
    s = series("rate-limit", *acts)
    logs = Activity(s, build_cluster(s.signals.scenario, acts, 900.0)).flowengine_logs(0.0, 900.0)
    assert not [t for t, _ in logs if 400.0 <= t <= 700.0]               # pods gone: silence
    assert [t for t, _ in logs if t < 100.0] and [t for t, _ in logs if t > 760.0]


def test_a_few_points_over_a_long_drill_read_only_their_windows(monkeypatch: pytest.MonkeyPatch) -> None:
    """The PIR reads a long incident with a coarse step: each point's window is read, not every scrape
    between (which, for a long drill at --speed 60, used to exceed the evaluator's read limit). Ten points half an
    hour apart (were an hour: nine hours of rows integrated, ~2.6 s CPU): the contiguous read still needs 3.3 times
    the limit (16,500 samples), the windows' (ten of 21 scrapes, 3,000) under it; red when read contiguously."""
    walk = importlib.import_module("warroom.drill.promql.walk")
    sim = world("provider-outage", Action("fallback_routing", 900.0))
    query = "sum by (code) (rate(flowengine_model_api_requests_total[5m]))"
    times = [i * 1800.0 + 7.5 for i in range(10)]
    want = [sim.evaluate(query, t) for t in times]
    monkeypatch.setattr(walk, "_MAX_POINTS", 5_000)        # the contiguous read would need 16,500
    many = sim.evaluate_many(query, times)
    assert [many.at(j) for j in range(len(times))] == want
    with pytest.raises(PromQLError, match="range too long"):
        sim.evaluate_many("sum(rate(flowengine_model_api_requests_total[10h]))", [36_000.0])


def test_a_window_that_starts_after_it_ends_lists_nothing_and_integrates_nothing() -> None:
    """``aws logs ... --start-time`` far in the future made the flows integrate the counters up to
    it (found by fuzz7: it never returned); an empty window is answered without reading them."""
    from warroom.drill.activity import Activity
    from warroom.drill.cluster import build_cluster

    s = Simulator(get_scenario("rate-limit")).refresh()
    activity = Activity(s, build_cluster(s.signals.scenario, (), 600.0))
    assert activity.flows(1e17, 600.0) == [] and activity.flowengine_logs(1e17, 600.0) == []
    assert activity.audit_logs(1e17, 600.0) == [] and s.rows == 0


def test_flows_follow_a_mitigation_switched_off_again() -> None:
    """Routing and pruning act on the tasks as on the curves: after ``<action>_off`` new flows run on
    their own provider and carry their full context again (they stayed routed and pruned forever)."""
    from warroom.drill.activity import Activity
    from warroom.drill.cluster import build_cluster

    def flows(name: str, acts: list[Action], t1: float, t2: float) -> list:  # type: ignore[type-arg]
        s = series(name, *acts)
        return Activity(s, build_cluster(s.signals.scenario, acts, t2)).flows(t1, t2, t2)

    routed = [Action("fallback_routing", 300.0)]
    off = routed + [Action("fallback_routing_off", 900.0)]
    assert {f.provider for f in flows("provider-outage", routed, 1200.0, 1800.0)} == {"openai", "google"}
    assert "anthropic" in {f.provider for f in flows("provider-outage", off, 1200.0, 1800.0)}
    assert {f.provider for f in flows("provider-outage", off, 400.0, 880.0)} == {"openai", "google"}
    pruned = [Action("context_pruning", 300.0)]
    unpruned = pruned + [Action("context_pruning_off", 900.0)]
    assert max(f.context_kb for f in flows("timeout", pruned, 1200.0, 1800.0)) <= 180.0
    assert max(f.context_kb for f in flows("timeout", unpruned, 1200.0, 1800.0)) > 180.0
