"""The provider side of the drill world is one state: every reader follows ``Signals.carriers`` / ``strands``.

route-1: with every provider disabled (provider-outage, ``DISABLE_PROVIDERS=anthropic,openai,google``) the failure
rate rose, but ``request_rate(anthropic)`` stayed > 0, the 5xx pane kept Anthropic's 19 %, the logs said "5xx from
anthropic: 32% of calls failing", ``blocks test-flow`` succeeded on claude and flows on claude succeeded: calls nobody
makes were counted as made. route-2: ``DISABLE_PROVIDERS=Anthropic`` disabled nothing (FlowEngine reads provider names
in any case, as its switches). quota-1: at 100 % quota Anthropic still answered 75 % of calls (``blocks quota show``
2,000,000 / 2,000,000 beside a 429 share of 25 %); an exhausted provider now refuses every call.

Each case reads the stand-ins' answers and the panes' series at a few sampled times (not every second) and checks
they agree with each other and with the routing the env says.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.unit.standins_corpus import SPEED, START, run_one, warmed
from warroom.drill import fleet
from warroom.drill.activity import Activity
from warroom.drill.directory import Drill, create_drill

SET_AT, TIMES = 600.0, (1000.0, 1700.0)     # the env change, then times well after its rollout acted
HEALTH = ["kubectl", "exec", "-n", "production", "deployment/flowengine", "--", "curl", "-s",
          "http://localhost:8080/health/models"]


def _drill(tmp_path: Path, scenario: str, value: str | None) -> Drill:
    drill = warmed(create_drill(tmp_path / f"{scenario}-{value}", scenario, speed=SPEED, start=START, name="o"))
    if value is not None:
        env = ["kubectl", "set", "env", "deployment/flowengine", f"DISABLE_PROVIDERS={value}", "-n", "production"]
        assert run_one(drill, env, SET_AT)[0] == 0
    return drill


def _per_provider(drill: Drill, query: str, t: float) -> dict[str, float]:
    samples = drill.simulator.evaluate(query, t)
    assert isinstance(samples, list)
    return {dict(s.labels)["provider"]: s.value for s in samples}


def _used(drill: Drill, provider: fleet.Provider, t: float) -> int:
    out = run_one(drill, ["blocks", "quota", "show", "--provider", provider.name], t)[1]
    used = re.search(r"Used: ([\d,]+) /", out)
    assert used, out
    return int(used.group(1).replace(",", ""))


@pytest.mark.parametrize(("value", "off"), [
    ("anthropic, openai,google", {"anthropic", "openai", "google"}),     # none left: every flow fails
    ("anthropic,OpenAI", {"anthropic", "openai"}),                       # routed to the one still enabled
    ("Anthropic", {"anthropic"}),                                        # any case (route-2)
    ("openai", {"openai"}),                                              # its flows run on the primary model
])
def test_every_reader_reads_the_one_routing(tmp_path: Path, value: str, off: set[str]) -> None:
    drill = _drill(tmp_path, "provider-outage", value)
    sim, s = drill.simulator, drill.simulator.signals
    for t in TIMES:
        stranded = off if off == set(fleet.PROVIDER_NAMES) else set()      # the flows no provider answers
        health = json.loads(run_one(drill, HEALTH, t)[1])["providers"]
        assert {p for p, h in health.items() if h["status"] == "disabled"} == off, (value, health)
        made = _per_provider(drill, "sum by (provider) (rate(flowengine_model_api_requests_total[5m]))", t)
        for p in fleet.PROVIDERS:       # a disabled provider is called by nobody: no call, no 5xx, no token counted
            assert (s.request_rate(p, t) == 0.0) is (p.name in off), (value, t, p.name)
            if p.name in off:
                assert made.get(p.name, 0.0) == 0.0, (value, t, made)
                assert _used(drill, p, t) == _used(drill, p, t - 300.0), (value, t, p.name)
        five = sim.pane("error_5xx", t)
        if "anthropic" in off:          # the outage's 5xx were Anthropic's answers: nobody asks it any more
            assert five is None or five < 2.0, (value, t, five)
        logs = run_one(drill, ["kubectl", "logs", "deployment/flowengine", "-n", "production", "--since=5m"], t)[1]
        assert ("5xx from anthropic" in logs) is ("anthropic" not in off), (value, t)
        assert ("no enabled model provider" in logs) is bool(stranded), (value, t)
        test_flow = run_one(drill, ["blocks", "test-flow"], t)
        assert (test_flow[0] != 0 and "no enabled model provider" in test_flow[1] + test_flow[2]) is ("anthropic" in stranded)
        for f in Activity(sim.refresh(), s.cluster).flows(t - 300.0, t, t):       # the flows, one by one
            if f.status in ("succeeded", "failed") and f.start > SET_AT + 60.0:
                assert fleet.provider_of(f.model) not in off or (f.error or "").startswith("no enabled"), (value, f)
                no_provider = (f.error or "").startswith("no enabled model provider")
                assert no_provider is (fleet.provider_of(f.model) in stranded), (value, f)
        if stranded == set(fleet.PROVIDER_NAMES):
            assert sim.pane("failure_rate", t) > sim.pane("failure_rate", t - 300.0) + 5.0     # every flow fails
            assert not made or max(made.values()) == 0.0


def test_a_provider_out_of_quota_refuses_every_call(tmp_path: Path) -> None:
    """rate-limit untouched: before its quota is used the 429s are the fault's share; from the scrape it reads 100 %
    every call to Anthropic is refused, in the code shares, the request counters, the flows and ``blocks``."""
    drill = _drill(tmp_path, "rate-limit", None)
    sim, s, primary = drill.simulator, drill.simulator.signals, fleet.PRIMARY_PROVIDER
    lo, hi = 600.0, 20_000.0            # the first second it reads 100 %, by bisection on the one quota
    assert s.quota(primary, lo) < 1.0 <= s.quota(primary, hi)
    while hi - lo > 1.0:
        lo, hi = (lo, (lo + hi) / 2) if s.quota(primary, (lo + hi) / 2) >= 1.0 else ((lo + hi) / 2, hi)
    for t in (lo - 600.0, hi + 400.0, hi + 900.0):
        quota = run_one(drill, ["blocks", "quota", "show", "--provider", "anthropic"], t)[1]
        full = "2,000,000 / 2,000,000" in quota
        assert full is (t > hi) is (s.share_429(primary, t) == 1.0), (t, quota)
        ok = _per_provider(drill, 'sum by (provider) (rate(flowengine_model_api_requests_total{code="200"}[5m]))', t)
        assert (ok["anthropic"] == 0.0) is full and ok["openai"] > 0.0, (t, ok)   # not a 75 % success beside it
        logs = run_one(drill, ["kubectl", "logs", "deployment/flowengine", "-n", "production", "--since=5m"], t)[1]
        assert ("daily quota exhausted" in logs) is full
        retry = run_one(drill, ["blocks", "test-flow"], t)
        assert (retry[0] != 0 and "quota exhausted" in retry[1] + retry[2]) is full, retry
        claude = [f for f in Activity(sim.refresh(), s.cluster).flows(t - 300.0, t, t)
                  if f.model == primary.model and f.status in ("succeeded", "failed")]
        assert claude and all(f.status == "failed" for f in claude) is full, (t, claude[:3])
