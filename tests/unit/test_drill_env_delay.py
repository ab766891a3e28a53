"""One rollout delay for every env read the routing makes (issue 13, world14b).

The routing action acted 30 s late but the env was read at ``t``: a first ``set env`` switched the
primary's calls 30 s after it, a second one (another fallback model) at once; and ``/health/models``
showed the primary "disabled" for those 30 s while its ``fallback_model`` was still null. Now every
routing read takes ``Signals.env(t)`` (the env the pods run with, ``ENV_DELAY`` after the change).
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.unit.standins_corpus import SPEED, START, run_one
from warroom.drill.directory import create_drill
from warroom.drill.model import ENV_DELAY

HEALTH = "kubectl exec -n production deployment/flowengine -- curl -s http://localhost:8080/health/models"


def _set(drill, setting: str, t: float) -> None:   # type: ignore[no-untyped-def]
    assert run_one(drill, ["kubectl", "set", "env", "deployment/flowengine", *setting.split()], t)[0] == 0


def test_a_second_routing_change_waits_the_same_rollout_as_the_first(tmp_path: Path) -> None:
    drill = create_drill(tmp_path, "provider-outage", speed=SPEED, start=START, name="delay")
    _set(drill, "FALLBACK_MODEL=gpt-4-turbo", 400.0)
    _set(drill, "FALLBACK_MODEL=gemini-1.5-pro", 1000.0)
    signals = drill.simulator.signals
    models = {t: (signals.routed_model(t) or ("",))[0] for t in (400.0 + ENV_DELAY / 2, 400.0 + ENV_DELAY + 1,
                                                                  1000.0 + ENV_DELAY / 2, 1000.0 + ENV_DELAY + 1)}
    assert list(models.values()) == ["", "gpt-4-turbo", "gpt-4-turbo", "gemini-1.5-pro"], models
    for t, model in models.items():        # the stand-in says what the flows do
        assert json.loads(run_one(drill, HEALTH.split(), t)[1])["fallback_model"] == (model or None), t


def test_health_shows_the_primary_disabled_when_its_calls_leave_it(tmp_path: Path) -> None:
    drill = create_drill(tmp_path, "provider-outage", speed=SPEED, start=START, name="disabled")
    _set(drill, "DISABLE_PROVIDERS=anthropic", 400.0)
    for t, model in {400.0 + ENV_DELAY / 2: None, 400.0 + ENV_DELAY + 1: "gpt-4-turbo"}.items():
        health = json.loads(run_one(drill, HEALTH.split(), t)[1])
        assert (health["providers"]["anthropic"]["status"] == "disabled") == (model is not None), (t, health)
        assert health["fallback_model"] == model, (t, health)
