"""A runbook knob bends the curves by its value, not by having been touched (redteam-9, redteam-12).

The drill once read every knob as an on/off switch: MAX_CONCURRENT_FLOWS=1 throttled as much as 5 and raising it
back undid nothing; CONTEXT_MAX_SIZE_KB=100000 (prunes nothing) pruned as much as 180. Each bend now takes its
strength from the value in each FlowEngine revision (``cluster.dose``), so these orderings hold."""

from __future__ import annotations

import math
import tempfile
from pathlib import Path

from tests.unit.standins_corpus import START, run_one, warm_drill
from warroom.drill.model import SPEND

TIMES = [600.0, 900.0, 1200.0, 1800.0]
# RB-CORE-003's gate query: the share of requests refused 429, which the breaker's held retries bring down
# (redteam49 F8: it bends the retries, not the provider's refusals, so not the flows' failures)
SHARE = ("100 * max(sum by (provider) (rate(flowengine_model_api_requests_total{code='429'}[5m])) / sum by (provider) "
         "(rate(flowengine_model_api_requests_total[5m])))")


def _curve(scenario: str, pane: str, sets: list[tuple[float, str]]) -> list[float]:
    """``pane`` at ``TIMES`` after each ``kubectl set env`` of ``sets`` (scenario second, assignments)."""
    d = warm_drill(Path(tempfile.mkdtemp()), scenario, speed=10.0, start=START, name="a")
    for t, env in sets:
        argv = ["kubectl", "set", "env", "deployment/flowengine", *env.split(), "-n", "production"]
        assert run_one(d, argv, t)[0] == 0
    return _read(d, pane)


def _read(d, pane: str) -> list[float]:  # type: ignore[no-untyped-def]
    """``pane`` at ``TIMES`` (``share_429``: the 429 share of the requests, ``SHARE``)."""
    return [d.simulator.evaluate(SHARE, t)[0].value for t in TIMES] if pane == "share_429" else \
        list(d.simulator.panes(pane, TIMES))


def test_max_concurrent_flows_acts_by_its_value_through_the_queue() -> None:
    """MAX_CONCURRENT_FLOWS sizes FlowEngine's queue (``warroom.drill.queue``), not a bend: 1 slot is under the ~4 flows
    in flight, so flows wait and the burn slows with the flows that run; the runbooks' 5 is over them, so the burn is
    the baseline's but for its ~20 s lag (which the throttle's retries carry on: a point or two lower); raised to 50 or 200 (neither binds) the backlog drains and both run alike."""
    base = _curve("rate-limit", "quota", [])
    five = _curve("rate-limit", "quota", [(0.0, "MAX_CONCURRENT_FLOWS=5")])
    one = _curve("rate-limit", "quota", [(0.0, "MAX_CONCURRENT_FLOWS=1")])
    back = _curve("rate-limit", "quota", [(0.0, "MAX_CONCURRENT_FLOWS=1"), (300.0, "MAX_CONCURRENT_FLOWS=50")])
    above = _curve("rate-limit", "quota", [(0.0, "MAX_CONCURRENT_FLOWS=1"), (300.0, "MAX_CONCURRENT_FLOWS=200")])
    assert all(o < b - 0.3 for o, b in zip(one, base, strict=True)), (one, base)
    assert all(b - 2.0 < f <= b for f, b in zip(five, base, strict=True)), (five, base)
    # drained by 900 s: the calls run as the baseline's again; what the lag left unspent during the burst stays so
    assert all(b - 2.0 < k <= b for k, b in zip(back[1:], base[1:], strict=True)), (back, base)
    assert back == above, "200 concurrent flows run no differently from the default 50"


def test_context_max_size_prunes_by_its_value() -> None:
    base = _curve("timeout", "p95_latency", [])
    runbook = _curve("timeout", "p95_latency", [(600.0, "CONTEXT_PRUNING_ENABLED=true CONTEXT_MAX_SIZE_KB=180")])
    huge = _curve("timeout", "p95_latency", [(600.0, "CONTEXT_PRUNING_ENABLED=true CONTEXT_MAX_SIZE_KB=100000")])
    tiny = _curve("timeout", "p95_latency", [(600.0, "CONTEXT_PRUNING_ENABLED=true CONTEXT_MAX_SIZE_KB=10")])
    assert huge == base, "a size above every bundle prunes nothing"
    assert all(s < r for s, r in zip(tiny[1:], runbook[1:], strict=True)), (tiny, runbook)
    assert runbook[-1] < 0.6 * base[-1]
    # the size raised above the bundles later: new flows send the whole bundle again
    later = _curve("timeout", "p95_latency", [(600.0, "CONTEXT_PRUNING_ENABLED=true CONTEXT_MAX_SIZE_KB=180"),
                                              (900.0, "CONTEXT_MAX_SIZE_KB=100000")])
    assert later[-1] > runbook[-1] + 0.5 * (base[-1] - runbook[-1]), (later, runbook, base)


def test_a_breaker_bends_the_curves_only_once_its_status_says_it_tripped() -> None:
    """Threshold 99 over a quota that stays under it: "CLOSED (armed …)" and the baseline's curves; 85 under it:
    the breaker trips and the refused retries stop, from the scrape its status first says OPEN (redteam-10)."""
    def breaker(threshold: str) -> tuple[list[float], str]:
        d = warm_drill(Path(tempfile.mkdtemp()), "rate-limit", speed=10.0, start=START, name="a")
        env = f"ENABLE_CIRCUIT_BREAKER=true CIRCUIT_BREAKER_THRESHOLD={threshold}"
        assert run_one(d, ["kubectl", "set", "env", "deployment/flowengine", *env.split(), "-n", "production"], 600.0)[0] == 0
        return _read(d, "share_429"), run_one(d, "blocks circuit-breaker status".split(), 1800.0)[1]

    base = _curve("rate-limit", "share_429", [])
    high, says_high = breaker("99")
    low, says_low = breaker("85")
    assert says_high.startswith("CircuitBreaker: CLOSED") and high == base, (says_high, high, base)
    assert not says_low.startswith("CircuitBreaker: CLOSED") and low[-1] < 0.5 * base[-1], (says_low, low, base)


def test_the_breaker_bends_exactly_while_its_status_says_tripped() -> None:
    """Tripped at 85, its threshold raised to 99 over the 98% quota at 1200 s: the status says CLOSED again, so the
    refused retries come back; and at every scrape the bend heads where ``breaker_state`` says, to the
    breaker's factor while OPEN or HALF_OPEN, back to 1 while CLOSED (knobs-2: it held to the switch-off)."""
    d = warm_drill(Path(tempfile.mkdtemp()), "rate-limit", speed=10.0, start=START, name="a")
    for t, env in ((600.0, "ENABLE_CIRCUIT_BREAKER=true CIRCUIT_BREAKER_THRESHOLD=85"), (1200.0, "CIRCUIT_BREAKER_THRESHOLD=99")):
        assert run_one(d, ["kubectl", "set", "env", "deployment/flowengine", *env.split(), "-n", "production"], t)[0] == 0
    says = run_one(d, "blocks circuit-breaker status".split(), 1800.0)[1]
    raised = _read(d, "share_429")
    held = _curve("rate-limit", "share_429", [(600.0, "ENABLE_CIRCUIT_BREAKER=true CIRCUIT_BREAKER_THRESHOLD=85")])
    assert says.startswith("CircuitBreaker: CLOSED") and raised[-1] > held[-1] + 1.0, (says, raised, held)
    sig = d.simulator.signals
    armed, _, _ = sig.cluster.breaker() or (math.inf, 0.0, "")
    index, m = next((i, m) for i, f in enumerate(sig.scenario.faults) for m in f.mitigations if m.action == "circuit_breaker")
    bend = next(b for b in sig._bends[index] if b.steps and b.steps[0][1] == m.factor)
    for j in range(math.ceil(armed / SPEND), round(2400.0 / SPEND)):
        goal = next((g for w, g in reversed(bend.steps) if w <= j * SPEND + m.delay), 1.0)
        assert (goal < 1.0) == (sig.breaker_state(armed, j * SPEND) != "CLOSED"), (j * SPEND, goal)


def test_the_breaker_status_never_states_a_quota_that_contradicts_its_claim() -> None:
    """breaker-1: threshold 99 over a 98.55% quota read "CLOSED (armed: quota 99% under the threshold 99%)": the
    figure, rounded, contradicted the claim. At every scrape from arming to 2400 s the stated quota is under the
    threshold when CLOSED says "under", and at or above it when OPEN says so."""
    import re

    d = warm_drill(Path(tempfile.mkdtemp()), "rate-limit", speed=10.0, start=START, name="a")
    env = "ENABLE_CIRCUIT_BREAKER=true CIRCUIT_BREAKER_THRESHOLD=99"
    assert run_one(d, ["kubectl", "set", "env", "deployment/flowengine", *env.split(), "-n", "production"], 600.0)[0] == 0
    claims = 0
    for t in range(660, 2400, int(SPEND) * 4):
        said = run_one(d, "blocks circuit-breaker status".split(), float(t))[1]
        m = re.search(r"quota ([\d.]+)% (under|at or above) the threshold ([\d.]+)%", said)
        if m is None:
            continue
        quota, claim, threshold = float(m[1]), m[2], float(m[3])
        assert (quota < threshold) == (claim == "under"), (t, said)
        claims += 1
    assert claims > 20, "the status stated its quota at the scrapes swept"


def test_throttle_is_recorded_only_when_the_cap_in_force_falls() -> None:
    """The journal's "concurrent flows throttled" is what FlowEngine does, read as ``cluster.cap`` reads the value:
    0, a negative, a word or an unset MAX_CONCURRENT_FLOWS leave the default 50 in force (no flow waits), so the
    drill report must not list a throttle the IC never got (redteam34b: ``=0`` and ``MAX_CONCURRENT_FLOWS-`` did)."""
    d = warm_drill(Path(tempfile.mkdtemp()), "rate-limit", speed=10.0, start=START, name="t")
    for t, env in enumerate(["MAX_CONCURRENT_FLOWS=0", "MAX_CONCURRENT_FLOWS=-3", "MAX_CONCURRENT_FLOWS=abc",
                             "MAX_CONCURRENT_FLOWS-", "MAX_CONCURRENT_FLOWS=2000", "MAX_CONCURRENT_FLOWS=5",
                             "MAX_CONCURRENT_FLOWS=0", "MAX_CONCURRENT_FLOWS=1", "MAX_CONCURRENT_FLOWS=1"]):
        assert run_one(d, ["kubectl", "set", "env", "deployment/flowengine", env, "-n", "production"], 10.0 * t)[0] == 0
    assert [a.t for a in d.actions() if a.action == "throttle"] == [50.0, 70.0]     # 50 -> 5 and 50 (0 read) -> 1
    # raised (the report's row for a lift: the backlog it drains): 50 -> 1000 (2000 read) and 5 -> 50 (0 read)
    assert [a.t for a in d.actions() if a.action == "throttle_off"] == [40.0, 60.0]
