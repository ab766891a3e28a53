"""Two commands that mean one mitigation: the second is judged by the curves, not by the kind being in force.

redteam37, provider-outage ×60: RB-CORE-004's step 8 (``FALLBACK_MODEL`` + ``FALLBACK_ON_5XX``) then step 9
(``DISABLE_PROVIDERS=anthropic``), both recorded as ``fallback_routing``. Without step 9 the 5xx pane stayed near
18 %, with it it fell under 0.3 % (its own verify gate passed on that fall), yet the drill report and the PIR said
step 9 "did nothing — already in force".
"""

from __future__ import annotations

from pathlib import Path

from tests.unit.standins_corpus import warmed
from warroom.drill import fleet
from warroom.drill.actions import Action, append_actions
from warroom.drill.directory import create_drill
from warroom.incident.drill_report import drill_report

START = 1_800_000_000.0


def _set_env(t: float, keys: dict[str, str]) -> list[Action]:
    """``kubectl set env deployment/flowengine K=V…`` at ``t`` as the stand-in records it: the edit and its meaning."""
    argv = ("set", "env", f"deployment/{fleet.DEPLOYMENT}", *(f"{k}={v}" for k, v in keys.items()))
    return [Action("set_env", t, START + t, "kubectl", argv,
                   {"deployment": fleet.DEPLOYMENT, "namespace": "production", "set": keys, "unset": []}),
            Action("fallback_routing", t, START + t, "kubectl", argv, {"via": "set_env"})]


def test_a_second_command_of_a_mitigation_in_force_that_moved_the_panes_is_credited(state_dir: Path) -> None:
    d = warmed(create_drill(state_dir, "provider-outage", speed=1.0, start=START))
    append_actions(d.path, [*_set_env(300.0, {"FALLBACK_MODEL": "gpt-4-turbo", "FALLBACK_ON_5XX": "true"}),
                            *_set_env(600.0, {"DISABLE_PROVIDERS": "anthropic"})])
    later = 600.0 + 600.0
    without = d.simulator.what_if(d.actions()[:2])     # the first command alone
    moved = d.simulator.pane("error_5xx", later), without.pane("error_5xx", later)
    assert moved[0] < 1.0 < 10.0 < moved[1], moved       # the curves: the second command took the 5xx share down

    report = drill_report(d, None, at=START + 1500.0)
    first, second = [a for a in report.actions if a.action == "fallback_routing"]
    assert second.why != "already in force"
    assert second.effective and "Model API 5xx rate" in second.change and "without it" in second.change, second


def test_a_restart_after_a_scale_to_zero_says_there_was_no_pod_not_already_in_force(state_dir: Path) -> None:
    """redteam41 G4: the audit shipper restarted (in force), scaled to 0, restarted again: the report said the
    second restart "did nothing — already in force"; the scale to 0 had undone the first, and there was no pod."""
    d = warmed(create_drill(state_dir, "audit-gap", speed=10.0, start=START))
    ns = ("-n", "production")

    def restart(t: float) -> list[Action]:
        argv = ("rollout", "restart", "deployment/audit-shipper", *ns)
        return [Action("rollout_restart", t, d.wall_time(t), "kubectl", argv, {"deployment": "audit-shipper"}),
                Action("audit_restart", t, d.wall_time(t), "kubectl", argv, {"via": "rollout_restart"})]

    zero = Action("scale_to", 600.0, d.wall_time(600.0), "kubectl", ("scale", "deployment/audit-shipper",
                  "--replicas=0", *ns), {"deployment": "audit-shipper", "replicas": 0})
    append_actions(d.path, [*restart(300.0), zero, *restart(900.0)])
    first, second = [a for a in drill_report(d, None, at=d.wall_time(1500.0)).actions if a.action == "audit_restart"]
    assert first.effective and not second.effective
    assert second.why == ("audit-shipper had no pod to restart: scaled to 0 replicas at 08:01:00 UTC "
                          "(kubectl scale deployment/audit-shipper --replicas=0 -n production)"), second.why
