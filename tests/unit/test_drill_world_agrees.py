"""The drill world agrees with itself at any moment (issue 13 item 5, world25 b).

For each of the five scenarios, its own runbook is worked (the stand-in commands of its shell steps,
as ``test_drill_standins_sweep`` works them), then the world is asked at moments drawn at random (a
fixed seed per scenario, so a failure names a moment that reproduces) the same facts several ways:

- the failure rate: the pane (PromQL over FlowEngine's counters) against the tasks table (psql's
  failed and finished tasks of the hour) and ``blocks metrics query``: a failed task is one step of
  the failure counter, so the three count the same flows (within the fraction of a flow per repo the
  integrated counters hold: FINDINGS W25-1);
- the P95: the pane against ``blocks metrics latency`` (the same histogram);
- the circuit breaker: ``blocks circuit-breaker status`` against the quota pane and its threshold
  (OPEN or HALF_OPEN only at or over it: a breaker that never tripped is CLOSED) and against the
  state the FlowEngine log says at the same scrape;
- the pods: ``kubectl get pods`` Running against the deployment's READY and ``kubectl top pods``;
- each provider's 5xx: the share of FlowEngine's calls to it answered 5xx over five minutes (PromQL over
  the request counters) lies within what the vendor answered in those minutes, as ``/health/models``
  reports it: FlowEngine's actions move its calls, never a vendor's answers (W25-2).

In-process at chosen scenario moments (``run_one``), so nothing depends on the machine's speed.
"""

from __future__ import annotations

import json
import math
import random
import re
from pathlib import Path

import pytest

from tests.unit.standins_corpus import SCENARIOS, SPEED, START, run_one, warm_drill
from tests.unit.test_drill_standins_sweep import HEALTH, _steps
from warroom.drill import fleet
from warroom.drill.directory import Drill
from warroom.drill.model import VENDOR_OWN

MOMENTS = 5                 # random moments per scenario after its runbook was worked
FINISHED = ["psql", "-At", "-c", "SELECT status, count(*) FROM tasks WHERE created_at > now() - interval '1 hour' "
                                 "GROUP BY status"]


def _ask(drill: Drill, command: str | list[str], t: float) -> str:
    code, out, err = run_one(drill, command.split() if isinstance(command, str) else command, t)
    assert code == 0, (command, t, err)
    return out


def _total(out: str, noun: str) -> int:
    return int(out.split(f"Total {noun}: ")[1].split()[0])


def _agree(drill: Drill, t: float) -> None:
    where, sim = (drill.scenario.name, round(t, 1)), drill.simulator
    # the failure rate: one failed flow is one step of the failure counter, whoever counts it
    failures = _total(_ask(drill, "blocks metrics query --metric flow_failures_total --last 1h", t), "failures")
    runs = _total(_ask(drill, "blocks metrics query --metric flow_executions_total --last 1h", t), "executions")
    tasks = dict(line.split("|") for line in _ask(drill, FINISHED, t).splitlines())
    listed = sum(int(n) for n in tasks.values())
    assert abs(runs - listed) <= 6 and abs(failures - int(tasks.get("failed", 0))) <= 6, (where, runs, failures, tasks)
    pane = sim.pane("failure_rate", t)
    assert pane is not None and runs
    assert abs(pane - 100.0 * failures / runs) <= 200.0 / runs, (where, pane, failures, runs)    # 2 flows
    # over the hour up to a scrape, each repo's failure counter rose by the failures ``blocks`` counts for
    # it (which psql lists as failed tasks), give or take the fraction of a flow the counters hold: they
    # are integrated rates, and a flow is counted when its counter passes the next whole number
    scrape = t - t % 15.0
    per_repo = _ask(drill, "blocks metrics query --metric flow_failures_total --last 1h --group-by repo", scrape)
    counted = {line.split(":")[0]: int(line.split()[1]) for line in per_repo.splitlines() if line.endswith(("failure",
                                                                                                             "failures"))}
    for repo, n in counted.items():
        expr = f"flowengine_flow_failures_total{{repo='{repo}'}}"
        (now,), (then,) = sim.evaluate(expr, scrape), sim.evaluate(expr, scrape - 3600.0)    # type: ignore[misc]
        assert abs(now.value - then.value - n) < 1.0, (where, repo, now.value - then.value, n)
    # the P95: the pane and ``blocks metrics latency`` read one histogram
    p95, said = sim.pane("p95_latency", t), _ask(drill, "blocks metrics latency --last 5m", t)
    shown = re.search(r"P95: (\d+)s", said)
    assert (p95 is None) == (shown is None), (where, p95, said)
    assert p95 is None or shown is not None and abs(int(shown[1]) - p95) <= 0.03 * p95 + 1, (where, p95, said)
    # the breaker: its state, the quota it protects and the log line of the same scrape
    status = _ask(drill, "blocks circuit-breaker status", t)
    state = status.split("CircuitBreaker: ")[1].split()[0]
    highest = float(status.split("highest quota use: ")[1].split("%")[0])
    assert abs(highest - sim.pane("quota", t)) <= 0.1, (where, status, sim.pane("quota", t))
    armed = drill.simulator.signals.cluster.breaker()
    if state in ("OPEN", "HALF_OPEN"):
        assert armed is not None
        assert state == "OPEN" or sim.pane("quota", t) >= armed[1] * 100.0 - 0.5, (where, status)
    logs = _ask(drill, "aws logs filter-log-events --log-group-name /aws/lambda/flowengine", t)
    said_states = re.findall(r"CircuitBreaker: (\w+)", logs)
    if said_states and t % 30.0 >= 0.5 and t - t % 30.0 > (armed or (t,))[0]:
        assert said_states[-1] == state or state == "OPEN" != said_states[-1] and t % 30.0 > 15.0, \
            (where, state, said_states[-3:])
    if state == "DISABLED":
        assert armed is None and not said_states, where
    # the pods: Running, READY and top
    pods = _ask(drill, "kubectl get pods -n production -l app=flowengine", t).splitlines()[1:]
    running = sum(1 for line in pods if line.split()[1:3] == ["1/1", "Running"])
    ready = _ask(drill, "kubectl get deployment flowengine -n production", t).splitlines()[1].split()[1]
    top = [line for line in _ask(drill, "kubectl top pods -n production", t).splitlines() if line.startswith("flowengine-")]
    assert running == int(ready.split("/")[0]) == len(top), (where, running, ready, len(top))
    # each provider's 5xx: what the calls FlowEngine made were answered, against what the vendor answers
    code, out, _ = run_one(drill, HEALTH.split(), t)
    health = json.loads(out)["providers"] if code == 0 else {}
    for p in fleet.PROVIDERS:
        calls = 'sum(rate(flowengine_model_api_requests_total{provider="%s"%s}[5m]))'
        got = sim.evaluate(calls % (p.name, ',code=~"5.."') + " / " + calls % (p.name, ""), t)
        if not got or math.isnan(got[0].value):      # type: ignore[index,union-attr]
            continue                                # no call to it in five minutes (disabled, stopped)
        answered = [sim.signals.share_5xx(p, t - s) for s in range(0, 301, 5)]
        assert min(answered) - 0.005 <= got[0].value <= max(answered) + 0.005, (  # type: ignore[index,union-attr]
            where, p.name, got, min(answered), max(answered))
        if p.name in health:
            # its error rate (RB-CORE-004's, redteam37 F13): the calls not answered, 5xx or 429
            assert health[p.name]["error_rate"] == round(1.0 - sim.signals.code_shares(p, t)["200"], 3), (
                where, p.name, health[p.name])


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_at_random_moments_every_answer_agrees(tmp_path: Path, scenario: str) -> None:
    drill = warm_drill(tmp_path, scenario, speed=SPEED, start=START, name="agree")
    rng = random.Random(f"world25:{scenario}")
    t = 200.0
    _agree(drill, t + rng.uniform(0.0, 100.0))              # before anyone did anything
    for commands in _steps(drill):
        for argv in commands:
            run_one(drill, argv, t)
        t += 40.0
    for moment in sorted(t + rng.uniform(5.0, 3600.0) for _ in range(MOMENTS)):
        _agree(drill, moment)


#: What each action can move in reality (a fault's impact kinds: ``fail:repo`` is ``fail``): routing moves
#: calls, not the bundles they carry; a restart clears connections, not code; the breaker and a throttle
#: pace calls. Rollbacks change the code itself and may move anything.
REACH: dict[str, set[str]] = {
    "context_pruning": {"context_kb", "latency", "quota", "fail"},
    "fallback_routing": {"latency", "api_429", "fail", "quota"},
    "circuit_breaker": {"quota", "api_429", "fail", "latency"},
    "throttle": {"quota", "api_429", "fail", "latency"},
    "restart": {"api_5xx", "latency", "fail"},
    "manual_review": {"fail", "latency"},
    "audit_restart": {"audit_stall"},
}
CODE_CHANGES = {"rollback", "rollback_to_pilot", "schema_hotfix"}     # what fixes a flow the code itself rejects


def test_each_action_bends_only_what_it_reaches_in_reality() -> None:
    """Every shipped scenario: a mitigation bends a whole fault, so a fault may list an action only if the
    action reaches every impact of it (fallback routing shrank timeout's context bundles, 618 -> 216 KB in
    the logs; a restart cut the schema rejections mass-failure's release causes), and flows the code
    rejects (``validation failed``) heal only by a code change."""
    from warroom.drill.scenarios import list_scenarios

    for sc in list_scenarios():
        for fault in sc.faults:
            kinds = {k.split(":")[0] for k in fault.impacts if k not in VENDOR_OWN}    # no action bends those
            rejected = any(m.startswith("validation failed") for m in fault.messages)
            for m in fault.mitigations:
                if m.action in CODE_CHANGES or CODE_CHANGES & set(m.requires):     # (the restart after a hot-patch)
                    continue
                assert not rejected, (sc.name, fault.name, m.action)
                assert kinds <= REACH.get(m.action, set()), (sc.name, fault.name, m.action, kinds - REACH.get(m.action, set()))
