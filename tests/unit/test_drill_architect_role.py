"""``ARCHITECT_FALLBACK_MODEL`` moves the architect role, each flow's planning call, not the flows (redteam37 F16).

RB-CORE-003 step 10 sends "the architect role to the secondary provider": "only new flows switch ... new flows plan
on gpt-4-turbo". Before: it was routed as ``FALLBACK_MODEL``: 0 of 110 new flows on Claude afterwards, Anthropic's
calls all gone, its quota frozen (97.9 %) so the exhaustion at ~7 h never came, and the router said "Using fallback
model" as for a full fallback. Now the plan (one of a flow's ``fleet.CALLS_PER_FLOW`` calls, ``PLAN_SHARE``) goes to
gpt-4-turbo and the work stays on Claude: the flows are still Claude's (tasks, logs), Anthropic gets half the calls,
and its quota keeps rising at half the rate.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.standins_corpus import SPEED, START, run_one, warmed
from warroom.drill import fleet
from warroom.drill.activity import Activity
from warroom.drill.cluster import build_cluster
from warroom.drill.directory import Drill, create_drill
from warroom.drill.model import ENV_DELAY

SET = "kubectl set env deployment/flowengine {} -n production"
BREAKER, STEP = 300.0, 1200.0
ACTS, LATE = STEP + ENV_DELAY + 30.0, 7200.0
PLAN_SHARE = 1.0 / fleet.CALLS_PER_FLOW     # the plan: one of a flow's calls
OPENAI = next(p for p in fleet.PROVIDERS if p.name == "openai")


def _drill(tmp_path: Path, name: str, architect: bool) -> Drill:
    drill = warmed(create_drill(tmp_path, "rate-limit", speed=SPEED, start=START, name=name))
    breaker = SET.format("ENABLE_CIRCUIT_BREAKER=true CIRCUIT_BREAKER_THRESHOLD=85")
    assert run_one(drill, breaker.split(), BREAKER)[0] == 0
    if architect:
        assert run_one(drill, SET.format("ARCHITECT_FALLBACK_MODEL=gpt-4-turbo").split(), STEP)[0] == 0
    return drill


def _claude(drill: Drill, t1: float, t2: float) -> float:
    """The share of the flows started in [t1, t2] whose model is Claude's, as psql's tasks and ``blocks`` list them."""
    flows = Activity(drill.simulator.refresh(), build_cluster(drill.scenario, drill.actions(), t2)).flows(t1, t2, t2)
    return sum("claude" in f.model for f in flows) / len(flows)


def test_the_architect_role_moves_the_plans_and_leaves_the_flows_on_claude(tmp_path: Path) -> None:
    routed, alone = _drill(tmp_path, "routed", True), _drill(tmp_path, "alone", False)
    s, u = routed.simulator.signals, alone.simulator.signals
    anthropic = fleet.PRIMARY_PROVIDER
    # the flows stay Claude's (their work runs there): about as many as without the step, not none (was 0 %); not
    # exactly as many: which flows fail differs (the breaker leaves the throttle's failures, redteam49 F8, and the
    # step halves them), and a flow failing on a 429 is one on Claude
    assert _claude(routed, ACTS, ACTS + 600.0) == pytest.approx(_claude(alone, ACTS, ACTS + 600.0), abs=0.1)
    assert _claude(routed, ACTS, ACTS + 600.0) > 0.4
    for t in (ACTS, 3600.0, LATE):      # Anthropic makes the work calls, OpenAI the plans besides its own flows'
        assert s.request_rate(anthropic, t) == pytest.approx(u.request_rate(anthropic, t) * (1 - PLAN_SHARE), rel=1e-9)
        assert s.request_rate(OPENAI, t) > u.request_rate(OPENAI, t) * 1.5
    # Anthropic's quota keeps climbing, at the rate its work calls spend (was: frozen from the step on)
    climbed = s.quota(anthropic, LATE) - s.quota(anthropic, ACTS)
    would = u.quota(anthropic, LATE) - u.quota(anthropic, ACTS)
    assert would > 0.005 and climbed == pytest.approx(would * (1 - PLAN_SHARE), rel=0.02), (climbed, would)
    # the router says the architect role moved, not a full fallback
    log = run_one(routed, "kubectl logs deploy/flowengine --since=60s".split(), 3600.0)[1]
    lines = [line for line in log.splitlines() if "Model routing" in line]
    assert lines and all("the architect role only" in line and "the rest stays on claude-sonnet-4-5" in line
                         for line in lines), lines
