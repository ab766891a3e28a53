"""Switching a mitigation off again (``<action>_off``) un-bends the curves it had bent."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

from tests.unit.standins_corpus import warm_drill, warm_simulator
from warroom.drill.actions import Action, read_actions
from warroom.drill.directory import Drill


# what the breaker bends: the requests refused 429, its held retries gone (redteam49 F8: not the flows' failures)
REFUSED = ("100 * max(sum by (provider) (rate(flowengine_model_api_requests_total{code='429'}[5m])) / "
           "sum by (provider) (rate(flowengine_model_api_requests_total[5m])))")


def test_switching_the_circuit_breaker_off_unbends_the_curves() -> None:
    """On the refused retries (what the breaker bends; the quota it saved stays saved, spent is spent)."""
    def quota(*actions: tuple[str, float]) -> list[float]:
        s = warm_simulator("rate-limit", lambda: [Action(a, t) for a, t in actions])
        return [s.evaluate(REFUSED, float(t))[0].value for t in range(0, 2400, 30)]

    never = quota()
    on = quota(("circuit_breaker", 150.0))
    off = quota(("circuit_breaker", 150.0), ("circuit_breaker_off", 600.0))
    again = quota(("circuit_breaker", 150.0), ("circuit_breaker_off", 600.0), ("circuit_breaker", 1200.0))
    cut = 620 // 30 + 1                     # the off acts after the same 20 s rollout as the on
    assert off[:cut] == on[:cut]            # the past is untouched
    late = range(1500 // 30, 2400 // 30)
    assert all(off[i] > on[i] + 5 for i in late)               # the refused retries come back ...
    assert all(abs(off[i] - never[i]) < 1.0 for i in range(2000 // 30, 2400 // 30))  # ... back to unmitigated
    assert again[:1220 // 30 + 1] == off[:1220 // 30 + 1]
    assert all(again[i] < off[i] - 5 for i in range(1800 // 30, 2400 // 30))      # on again: bent again
    # an off with nothing on, or at the very moment of the on, changes nothing / ends it at once
    assert quota(("circuit_breaker_off", 100.0)) == never
    assert quota(("circuit_breaker", 150.0), ("circuit_breaker_off", 150.0)) == quota(
        ("circuit_breaker_off", 150.0), ("circuit_breaker", 150.0))


def sh(d: Drill, command: str, at_t: float) -> None:
    """Run ``command`` through the drill's stand-ins as of scenario second ``at_t``."""
    env = {k: v for k, v in os.environ.items() if k in ("HOME", "LANG", "LC_ALL", "TMPDIR", "USER")}
    env.update(d.env(base_path="/usr/local/bin:/usr/bin:/bin"))
    env["WARROOM_DRILL_NO_DELAY"] = "1"
    env["WARROOM_DRILL_AT"] = repr(d.wall_time(at_t))
    done = subprocess.run(["bash", "-c", command], env=env, capture_output=True, text=True, timeout=60, cwd=d.path)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr


def test_kubectl_switching_things_off_records_the_off_actions(state_dir: Path) -> None:
    d = warm_drill(state_dir, "provider-outage", speed=10.0, start=time.time() - 3600)
    dep = "deployment/flowengine -n production"
    sh(d, f"kubectl set env {dep} ENABLE_CIRCUIT_BREAKER=true FALLBACK_MODEL=gpt-4-turbo MANUAL_REVIEW_MODE=true", 100)
    sh(d, f"kubectl set env {dep} ENABLE_CIRCUIT_BREAKER=false MANUAL_REVIEW_MODE=false", 400)
    sh(d, f"kubectl set env {dep} FALLBACK_MODEL-", 700)
    kinds = [(a.action, round(a.t)) for a in read_actions(d.path) if a.action in (
        "circuit_breaker", "circuit_breaker_off", "fallback_routing", "fallback_routing_off",
        "manual_review", "manual_review_off")]
    assert sorted(kinds) == sorted([("circuit_breaker", 100), ("fallback_routing", 100), ("manual_review", 100),
                                    ("circuit_breaker_off", 400), ("manual_review_off", 400),
                                    ("fallback_routing_off", 700)])
    # the 5xx the fallback had cut comes back once routing is removed (the outage is still on)
    routed = warm_simulator(d.scenario.name, lambda: [a for a in d.actions() if a.action != "fallback_routing_off"],
                            d.wall_time)
    now = d.simulator
    assert now.pane("error_5xx", 650.0) == routed.pane("error_5xx", 650.0)
    assert now.pane("error_5xx", 1500.0) > routed.pane("error_5xx", 1500.0) + 5
