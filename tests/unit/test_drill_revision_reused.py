"""An env change back to an earlier pod template leaves the past as it was (redteam45 R1).

Kubernetes reuses the ReplicaSet of a template that matches exactly, renumbered to the top of the history: the drill
moved that revision to the top re-dated to the change, so the stretch it first ran (FALLBACK_ON_5XX, the primary tried
first) read as the revision before it: Anthropic's used quota went down, the router's logged reasons changed, 45 drill
minutes after the fact. An action changes the world only from when it is taken.
"""

from __future__ import annotations

from pathlib import Path

from tests.unit.standins_corpus import run_one, warm_drill

SET = ["kubectl", "set", "env", "deployment/flowengine", "-n", "production"]


def test_a_template_used_again_does_not_rewrite_when_it_ran_before(tmp_path: Path) -> None:
    drill = warm_drill(tmp_path, "provider-outage", name="reused")
    assert run_one(drill, [*SET, "FALLBACK_MODEL=gpt-4-turbo", "FALLBACK_ON_5XX=true"], 300.0)[0] == 0
    assert run_one(drill, [*SET, "DISABLE_PROVIDERS=anthropic"], 420.0)[0] == 0
    drill.simulator.refresh()
    sim = drill.simulator
    before = (sim.signals.env(360.0), sim.signals.env(480.0), sim.pane("quota", 600.0), sim.signals.route_reason(360.0))
    assert run_one(drill, [*SET, "DISABLE_PROVIDERS-"], 700.0)[0] == 0         # rev N's template again: reused
    history = run_one(drill, ["kubectl", "rollout", "history", "deployment/flowengine", "-n", "production"], 710.0)[1]
    drill.simulator.refresh()
    sim = drill.simulator
    after = (sim.signals.env(360.0), sim.signals.env(480.0), sim.pane("quota", 600.0), sim.signals.route_reason(360.0))
    assert after == before, (before, after, history)
    assert "DISABLE_PROVIDERS" not in sim.signals.env(760.0) and "FALLBACK_ON_5XX" in sim.signals.env(760.0)
