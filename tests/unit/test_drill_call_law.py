"""One law for a provider's failing answers, per call and per flow (issue 13 item 5, lead 3 of the world notes).

Before: rate-limit refused 25 % of Anthropic's calls while 20 % of Claude flows failed (a ``fail:`` share of its
own) and ``blocks flow retry`` was refused 1.6 % of the time (three attempts of one call); the fleet's request rate
made 48 calls a flow, its call durations 2.4. Now a flow makes ``CALLS_PER_FLOW`` calls (the request rate is made of
them), a fault declares only the share of attempts answered 429/5xx, and a flow fails when a call fails every one of
its ``retry.max_attempts`` attempts (``model.call_law``): the flows' counters, the tasks, the request counters and a
retry's run all follow from that share. Measured from the world's own counters, flows and draws over a window.
"""

from __future__ import annotations

import pytest

from tests.unit.standins_corpus import warm_simulator
from warroom.drill import fleet
from warroom.drill.actions import Action
from warroom.drill.activity import Activity
from warroom.drill.cluster import build_cluster
from warroom.drill.model import Signals, call_law
from warroom.drill.scenarios import get_scenario
from warroom.drill.series import Series
from warroom.drill.standins.blocks import drawn

CLAUDE = fleet.PRIMARY_PROVIDER
T1, T2 = 900.0, 2700.0       # rate-limit untouched: the throttling at full strength, the quota not yet used up


def _increase(series: Series, key: tuple[str, ...], t1: float = T1, t2: float = T2) -> float:
    return series.value(key, t2) - series.value(key, t1)


def _world(*actions: Action) -> Series:
    return warm_simulator("rate-limit", lambda: list(actions)).refresh()      # warm: nothing here patches the world


def test_the_law() -> None:
    assert call_law(0.5, 3, 2) == (pytest.approx(1 - (1 - 0.125) ** 2), pytest.approx(1.75))
    assert call_law(0.0, 3) == (0.0, 1.0) and call_law(1.0, 4)[0] == 1.0


def test_the_flows_fail_as_the_share_of_calls_says_and_the_requests_are_the_flows_calls() -> None:
    series = _world()
    s = series.signals
    share = s.lost(CLAUDE.name, 1800.0)
    assert 0.45 < share < 0.51 and all(s.lost(CLAUDE.name, t) == pytest.approx(share, abs=0.003) for t in (T1, T2))
    fails, sent = call_law(share, fleet.MAX_ATTEMPTS)
    flows = sum(_increase(series, ("exec", r.name)) for r in fleet.REPOS)
    failed = sum(_increase(series, ("fail", r.name)) for r in fleet.REPOS)
    # the failures counted (what the pane reads): Claude's share of the flows by the law, plus the everyday ~0.3 %
    assert failed / flows == pytest.approx(CLAUDE.flow_share * fails + fleet.BASE_FAILURE, abs=0.006)
    # the requests counted: every flow's calls, each tried again while refused (a retried attempt is a request)
    for p in fleet.PROVIDERS:
        requests = sum(_increase(series, ("req", p.name, c)) for c in series.codes)
        per_call = sent if p is CLAUDE else 1.0
        assert requests / flows == pytest.approx(p.flow_share * fleet.CALLS_PER_FLOW * per_call, rel=0.03), p.name
        assert _increase(series, ("req", p.name, "429")) / requests == pytest.approx(s.share_429(p, 1800.0), abs=0.01)
    # the tasks psql lists: the flows that failed on a 429, in proportion (their causes drawn among the causes)
    tasks = Activity(series, build_cluster(s.scenario, [], T2)).flows(T1, T2, T2)
    refused = sum(f.status == "failed" and "anthropic 429" in (f.error or "") for f in tasks)
    assert refused / len(tasks) == pytest.approx(CLAUDE.flow_share * fails, rel=0.15)
    # the calls fit in a flow: CALLS_PER_FLOW of them take no more than its median
    assert all(fleet.CALLS_PER_FLOW * p.call_share <= 1.0 for p in fleet.PROVIDERS)


def _moved(scenario: str, attempts: int) -> tuple[Series, Series]:
    base = warm_simulator(scenario).refresh()
    moved = warm_simulator(scenario, lambda: [
        Action("config_set", 600.0, detail={"key": "retry.max_attempts", "value": str(attempts)})]).refresh()
    return base, moved


def _rates(series: Series) -> tuple[float, float, float]:
    """(flows failed, requests to Claude, of them refused 429), each per flow run, over T1..T2."""
    flows = sum(_increase(series, ("exec", r.name)) for r in fleet.REPOS)
    failed = sum(_increase(series, ("fail", r.name)) for r in fleet.REPOS)
    requests = sum(_increase(series, ("req", CLAUDE.name, c)) for c in series.codes)
    return failed / flows, requests / flows, _increase(series, ("req", CLAUDE.name, "429")) / flows


@pytest.mark.parametrize("attempts", [1, 6])
def test_retry_max_attempts_moves_an_outages_failures_and_the_requests(attempts: int) -> None:
    """A 5xx outage answers each attempt alike: more attempts fail fewer calls (and send more requests)."""
    base, moved = _moved("provider-outage", attempts)
    s = moved.signals
    assert s.attempts(599.0) == fleet.MAX_ATTEMPTS and s.attempts(T1) == attempts
    odd = Signals(s.scenario, [Action("config_set", 600.0, detail={"key": "retry.max_attempts", "value": v}) for v in ("0", "x")])
    assert odd.attempts(T1) == fleet.MAX_ATTEMPTS        # never recorded by blocks: a hand-edited journal's changes nothing
    share = s.lost(CLAUDE.name, T1)
    assert s.lost(CLAUDE.name, T1) == pytest.approx(base.signals.lost(CLAUDE.name, T1))     # the vendor's share stays
    failed, requests, _ = _rates(moved)
    before = _rates(base)[0]
    assert (failed > 2 * before) if attempts == 1 else (failed < before / 2)
    assert requests == pytest.approx(CLAUDE.flow_share * fleet.CALLS_PER_FLOW * call_law(share, attempts)[1], rel=0.05)


@pytest.mark.parametrize("attempts", [1, 6, 10])
def test_retry_max_attempts_cures_no_throttle_it_only_moves_the_requests(attempts: int) -> None:
    """A throttle lets so many calls through however often each is tried (``Signals.share_429``): in rate-limit more
    attempts refuse more requests and fail no fewer flows (no free cure), fewer send fewer and fail no more; and as
    every request counts on the quota, ten attempts use it up sooner (world40: it lasts to T2 at three)."""
    base, moved = _moved("rate-limit", attempts)
    if attempts == 10:
        assert (moved.signals.runs_out(CLAUDE.name, 0.0) or T2) < (base.signals.runs_out(CLAUDE.name, 0.0) or T2)
        return
    s, declared = moved.signals, base.signals.share_429(CLAUDE, T2)
    share = s.share_429(CLAUDE, T2)
    assert (share - fleet.BASE_429) == pytest.approx((declared - fleet.BASE_429) ** (fleet.MAX_ATTEMPTS / attempts), rel=1e-9)
    assert call_law(share, attempts)[0] == pytest.approx(call_law(declared, fleet.MAX_ATTEMPTS)[0], abs=0.01)
    (failed, requests, refused), (failed0, requests0, refused0) = _rates(moved), _rates(base)
    assert failed == pytest.approx(failed0, abs=0.006)                 # the calls that get through are the same
    assert (requests < requests0 and refused < refused0) if attempts == 1 else (requests > requests0 and refused > refused0)
    assert requests == pytest.approx(CLAUDE.flow_share * fleet.CALLS_PER_FLOW * call_law(s.lost(CLAUDE.name, T2), attempts)[1],
                                     rel=0.05)


@pytest.mark.parametrize(("scenario", "t"), [("rate-limit", 1500.0), ("provider-outage", 900.0)])
def test_a_retry_is_refused_as_often_as_a_flow_started_then_fails(scenario: str, t: float) -> None:
    s = Signals(get_scenario(scenario), ())
    for attempts in (1, 3):
        runs = [drawn(s, f"tsk_{i:08x}", t, CLAUDE, attempts)[1] for i in range(3000)]
        assert sum(runs) / len(runs) == pytest.approx(call_law(s.lost(CLAUDE.name, t), attempts)[0], abs=0.025)


def test_a_providers_fault_may_not_declare_its_own_flow_failures(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from warroom.drill.scenarios import HERE, ScenarioError, load_scenario

    text = (HERE / "rate-limit.toml").read_text(encoding="utf-8")
    bad = tmp_path / "rate-limit.toml"
    bad.write_text(text.replace('impacts = { "api_429:anthropic"', 'impacts = { "fail:*" = 0.1, "api_429:anthropic"'),
                   encoding="utf-8")
    with pytest.raises(ScenarioError, match="declares the share of calls only"):
        load_scenario(bad)
