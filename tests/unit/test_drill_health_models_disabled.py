"""A disabled provider's row in ``/health/models`` claims no calls it does not make (issue 13, redteam39 F16).

After ``kubectl set env … DISABLE_PROVIDERS=anthropic`` FlowEngine sends anthropic nothing (PromQL: 0 calls/min), yet
``/health/models`` still said ``"error_rate": 0.403, "p50_latency_s": 43.6`` for it, as if measured on its calls. The
row now says it has no call measures, and its health probe (which RB-CORE-004's re-enable step needs: is the vendor
back?) is labelled as a probe.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.unit.standins_corpus import SPEED, START, run_one
from warroom.drill.directory import create_drill

HEALTH = "kubectl exec -n production deployment/flowengine -- curl -s http://localhost:8080/health/models".split()
DISABLE = "kubectl set env deployment/flowengine DISABLE_PROVIDERS=anthropic FALLBACK_MODEL=gpt-4-turbo -n production"


def test_a_disabled_provider_has_no_call_measures_and_its_probe_says_it_is_one(tmp_path: Path) -> None:
    drill = create_drill(tmp_path, "provider-outage", speed=SPEED, start=START, name="po")
    before = json.loads(run_one(drill, HEALTH, 900.0)[1])["providers"]["anthropic"]
    assert before["status"] == "degraded" and before["error_rate"] > 0.2 and "probe" not in before, before
    assert run_one(drill, DISABLE.split(), 905.0)[0] == 0
    after = json.loads(run_one(drill, HEALTH, 1200.0)[1])["providers"]
    calls = drill.simulator.evaluate('sum(rate(flowengine_model_api_requests_total{provider="anthropic"}[1m]))', 1200.0)
    assert not calls or calls[0].value == 0.0, calls      # FlowEngine calls it no more
    anthropic = after["anthropic"]
    assert anthropic["status"] == "disabled" and anthropic["error_rate"] is None and anthropic["p50_latency_s"] is None
    assert anthropic["probe"]["status"] == "degraded" and anthropic["probe"]["error_rate"] > 0.2, anthropic
    assert after["openai"]["status"] == "healthy" and "probe" not in after["openai"], after
