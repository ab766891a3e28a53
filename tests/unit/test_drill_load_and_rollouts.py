"""A fault "under load" follows the load, and every rollout of FlowEngine's pods is the restart it is (redteam39 F13).

mass-failure's gateway client "answers 502 under load"; after the GO (pilot only, 87 % less load) its 502 share stayed
10.2 % to four digits. A ``kubectl set env`` that rolled new pods (revision 8) left the "stuck connections" the
scenario's ``restart`` clears, because only ``kubectl rollout restart`` was recorded as one.
"""

from __future__ import annotations

from tests.unit.standins_corpus import warm_simulator
from warroom.drill import fleet
from warroom.drill.actions import Action
from warroom.drill.scenarios import get_scenario
from warroom.drill.simulator import Simulator

PILOT = [Action("config_set", 3600.0, detail={"key": "repos.allowlist", "value": "compliance-service"}),
         Action("rollback_to_pilot", 3600.0, detail={"via": "config_set"})]


def world(actions: list[Action]) -> Simulator:
    return warm_simulator("mass-failure", lambda: actions)


def test_the_gateway_clients_502s_fall_with_the_load() -> None:
    before, sim = world([]).pane("error_5xx", 4500.0), world(PILOT)
    assert before is not None and before > 9.0
    after = sim.pane("error_5xx", 4500.0)
    assert after is not None and after < 2.0            # the pilot's share of the load: ~13 % of the 502s
    assert 0.10 < sim.signals.traffic_share(4500.0) < 0.16


def test_a_set_env_that_rolls_new_pods_is_a_restart() -> None:
    env = Action("set_env", 3000.0, detail={"deployment": "flowengine", "set": {"DB_POOL_SIZE": "100"}})
    same = Action("set_env", 3000.0, detail={"deployment": "flowengine", "set": {}})       # no new pods
    plain, rolled, unchanged = (world(a).pane("error_5xx", 3600.0) for a in ([], [env], [same]))
    assert plain is not None and rolled is not None and unchanged == plain
    assert rolled < plain * 0.95                            # the restart's bend (factor 0.9 of the fault's part)
    sc = get_scenario("mass-failure")
    restart = next(m for f in sc.faults for m in f.mitigations if m.action == "restart" and not m.requires)
    assert world([env]).signals.stretches(restart) == [(3000.0, None)]


def test_a_concurrency_cap_that_halves_the_calls_halves_the_gateway_clients_502s() -> None:
    """redteam42 R10: MAX_CONCURRENT_FLOWS=2 (RB-LAUNCH-005 step 26's throttle) halved the model API's requests and left
    the 502 share to 0.01 %: only the pilot allowlist counted as less load."""
    cap = Action("set_env", 3000.0, detail={"deployment": "flowengine", "set": {"MAX_CONCURRENT_FLOWS": "2"}})
    plain, capped = world([]), world([cap])
    calls = [sum(sim.signals.request_rate(p, 4500.0) for p in fleet.PROVIDERS) for sim in (plain, capped)]
    assert calls[1] < 0.7 * calls[0], calls
    share = [sim.pane("error_5xx", 4500.0) for sim in (plain, capped)]
    assert share[0] is not None and share[1] is not None and share[1] < 0.8 * share[0], share
