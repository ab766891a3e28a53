"""Every stand-in that says where the primary's calls go, and why, tells one story (issue 13, world14).

FlowEngine's ``/health/models`` named the configured ``FALLBACK_MODEL`` (null under
``ARCHITECT_FALLBACK_MODEL`` or ``DISABLE_PROVIDERS=anthropic``, a model before routing acted), and
its router log line gave the fixed reason "primary returned 5xx" whether the primary was disabled,
throttled past its quota, or healthy again. Both now read the simulator: ``Signals.routed_model``
for the model, ``Signals.route_reason`` for why. Run in-process at chosen scenario moments.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.unit.standins_corpus import SPEED, START, run_one, warmed
from warroom.drill.directory import Drill, create_drill

HEALTH = "kubectl exec -n production deployment/flowengine -- curl -s http://localhost:8080/health/models"
ROUTER = re.compile(r"Model routing: Using fallback model: (\S+) \((.*)\)$")


def _story(drill: Drill, t: float) -> tuple[dict[str, object], list[tuple[str, str]]]:
    """(what /health/models says, the router lines the log holds for the last 30 s) asked at ``t``."""
    code, out, err = run_one(drill, HEALTH.split(), t)
    assert code == 0, err
    log = run_one(drill, "kubectl logs deploy/flowengine --since=30s".split(), t)[1]
    return json.loads(out), [m.groups() for line in log.splitlines() if (m := ROUTER.search(line))]


def test_health_and_router_log_name_the_routed_model_and_the_cause_the_state_holds(tmp_path: Path) -> None:
    cases = [  # scenario, setting, asked at, model, why
        ("provider-outage", "ARCHITECT_FALLBACK_MODEL=gemini-1.5-pro", 900.0, "gemini-1.5-pro",
         r"ARCHITECT_FALLBACK_MODEL=gemini-1\.5-pro: the architect role only, each new flow's plan, 50% of its calls; "
         r"the rest stays on claude-sonnet-4-5"),     # the plans alone (redteam37 F16), whatever the primary answers
        ("provider-outage", "DISABLE_PROVIDERS=anthropic", 900.0, "gpt-4-turbo", r"anthropic disabled"),
        ("provider-outage", "FALLBACK_MODEL=gemini-1.5-pro", 4800.0, "gemini-1.5-pro",   # the vendor healed
         r"FALLBACK_MODEL=gemini-1\.5-pro set"),
        ("rate-limit", "FALLBACK_MODEL=gpt-4-turbo", 1500.0, "gpt-4-turbo", r"primary quota (exhausted|[\d.]+% used, 429s)"),
    ]
    for i, (scenario, setting, t, model, why) in enumerate(cases):
        drill = warmed(create_drill(tmp_path / str(i), scenario, speed=SPEED, start=START, name="story"))
        before, lines = _story(drill, 390.0)
        assert before["fallback_model"] is None and before["fallback_reason"] is None and not lines, setting
        assert run_one(drill, ["kubectl", "set", "env", "deployment/flowengine", *setting.split()], 400.0)[0] == 0
        health, _ = _story(drill, 415.0)          # set, not yet acting (30 s): the calls still go to the primary
        assert health["fallback_model"] is None and drill.simulator.signals.routed_model(415.0) is None, setting
        health, lines = _story(drill, t)
        signals = drill.simulator.signals
        assert health["fallback_model"] == model == (signals.routed_model(t) or ("",))[0], (setting, health)
        assert re.fullmatch(why, str(health["fallback_reason"])), (setting, health)
        assert health["fallback_reason"] == signals.route_reason(t)
        assert lines and all(line == (model, health["fallback_reason"]) for line in lines[-1:]), (setting, lines)
        assert all(m == model and re.fullmatch(why, w) for m, w in lines), (setting, lines)
