"""Routing reads the env's values: a disabled provider never answers, a latency threshold moves only slow calls.

redteam-11: with the one fallback the env named disabled too (``DISABLE_PROVIDERS=anthropic,openai``),
``/health/models`` said anthropic "disabled" while every curve stayed the outage's: the calls were still
answered by the disabled primary. Now ``route_of`` sends them to the provider still enabled, and with none
left they fail (no provider). knobs-1: ``FALLBACK_THRESHOLD_LATENCY`` was never read (30 and 100000 gave
one P95); now ``route_share`` moves the calls slower than it, read by flows, curves and the reason alike.
"""

from __future__ import annotations

from pathlib import Path

from tests.unit.standins_corpus import SPEED, START, run_one, warm_drill
from warroom.drill import fleet
from warroom.drill.directory import Drill


def _set(tmp_path: Path, scenario: str, *env: str) -> Drill:
    drill = warm_drill(tmp_path / "-".join(env), scenario, speed=SPEED, start=START, name="r")
    assert run_one(drill, ["kubectl", "set", "env", "deployment/flowengine", *env, "-n", "production"], 600.0)[0] == 0
    return drill


def test_a_disabled_fallback_sends_the_calls_to_a_provider_still_enabled(tmp_path: Path) -> None:
    healed = _set(tmp_path, "provider-outage", "DISABLE_PROVIDERS=anthropic,google").simulator
    for value in ("anthropic,openai", "anthropic, openai"):
        sim = _set(tmp_path, "provider-outage", f"DISABLE_PROVIDERS={value}").simulator
        s = sim.signals
        assert s.route(1200.0) == "google" and s.routed_model(1200.0) == ("gemini-1.5-pro", "google")
        assert s.route_share(1200.0) == 1.0
        assert sim.panes("failure_rate", [1200.0]) == healed.panes("failure_rate", [1200.0])
        assert s.request_rate(fleet.PRIMARY_PROVIDER, 1200.0) == 0.0


def test_with_every_provider_disabled_the_primary_calls_fail_as_no_provider(tmp_path: Path) -> None:
    base = warm_drill(tmp_path / "base", "provider-outage", speed=SPEED, start=START, name="b").simulator
    sim = _set(tmp_path, "provider-outage", "DISABLE_PROVIDERS=anthropic,openai,google").simulator
    assert sim.signals.route(1200.0) is None
    fail, before = sim.panes("failure_rate", [1800.0])[0], base.panes("failure_rate", [1800.0])[0]
    assert fail > before + 10.0, (fail, before)        # the primary's share of flows (60 %) has nowhere to go


def test_a_latency_threshold_moves_only_the_calls_slower_than_it(tmp_path: Path) -> None:
    base = warm_drill(tmp_path / "base", "timeout", speed=SPEED, start=START, name="b").simulator
    p95 = {v: _set(tmp_path, "timeout", "FALLBACK_MODEL=gpt-4-turbo", f"FALLBACK_THRESHOLD_LATENCY={v}").simulator
           for v in ("30", "100000")}
    every = _set(tmp_path, "timeout", "FALLBACK_MODEL=gpt-4-turbo").simulator
    s30, never = p95["30"].signals, p95["100000"].signals
    # the slow calls only: most of the onboarded repos', few of the estate's (redteam48 F4: 91% of every repo's moved)
    assert never.route_share(1800.0) < 1e-6 and 0.15 < s30.route_share(1800.0) < 0.5, s30.route_share(1800.0)
    at = [1800.0]
    assert p95["100000"].panes("p95_latency", at) == base.panes("p95_latency", at)
    assert every.panes("p95_latency", at)[0] < p95["30"].panes("p95_latency", at)[0] < base.panes("p95_latency", at)[0]
    assert "30 s" in (s30.route_reason(1800.0) or "")
