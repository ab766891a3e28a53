"""A vendor's fault slows its own calls, never another vendor's (redteam45 R2).

``/health/models`` and ``blocks metrics model-latency`` read each provider's call latency from the fleet's flow median,
which Anthropic's outage raises: OpenAI and Google looked a third slower during it (the scenario: "the other providers
look healthy"), and routing away from Anthropic "healed" all three, though routing makes no vendor faster.
"""

from __future__ import annotations

from pathlib import Path

from tests.unit.standins_corpus import run_one, warm_drill
from warroom.drill import fleet


def test_an_outage_slows_its_own_vendors_calls_alone(tmp_path: Path) -> None:
    drill = warm_drill(tmp_path, "provider-outage", name="own")
    s = drill.simulator.signals
    before, during = ([s.call_latency(p, t) for p in fleet.PROVIDERS] for t in (-600.0, 900.0))
    assert during[0] > 3 * before[0]                                       # Anthropic's own outage
    assert all(abs(d / b - 1.0) < 0.1 for b, d in zip(before[1:], during[1:], strict=True)), (before, during)
    run_one(drill, ["kubectl", "set", "env", "deployment/flowengine", "FALLBACK_MODEL=gpt-4-turbo",
                    "FALLBACK_ON_5XX=true", "-n", "production"], 300.0)
    drill.simulator.refresh()
    assert drill.simulator.signals.call_latency(fleet.PRIMARY_PROVIDER, 900.0) == during[0]   # no vendor healed by routing
