"""Actions move the drill world as they would move the real one (issue 13 item 5): the autoscaler
acts on CPU, pods with no schedulable node stay Pending, routing moves calls and their quota, and
psql reads time spans on the drill's clock; every answer and every curve counts the same pods.

Run in-process at chosen scenario moments (``standins_corpus.run_one``): nothing depends on speed.
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest

from tests.unit.standins_corpus import SPEED, START, run_one, claude_5xx, warm_drill
from warroom.drill import fleet
from warroom.drill.directory import Drill, create_drill
from warroom.drill.scenarios import get_scenario


def sh(drill: Drill, command: str, t: float) -> str:
    code, out, err = run_one(drill, command.split(), t)
    assert code == 0, (command, err)
    return out


def test_the_autoscaler_scales_on_cpu_and_every_answer_and_curve_counts_its_pods(tmp_path: Path) -> None:
    """Timeout drill: CPU climbs past the HPA's 70 % (+10 % tolerance), so it asks for
    ceil(5 x CPU / 70) = 6 replicas: get hpa, get deployment, get pods, top, events and the P95 curve
    (a sixth pod takes its share of the work) all see six; it reported the CPU and never acted."""
    drill = warm_drill(tmp_path, "timeout", speed=SPEED, start=START, name="hpa")
    capped = warm_drill(tmp_path, "timeout", speed=SPEED, start=START, name="capped")
    # capped as the drill begins (a record before its start is none warroom writes: the drill refuses it)
    sh(capped, "kubectl patch hpa flowengine -n production -p {\"spec\":{\"maxReplicas\":5}}", 0.0)
    before = sh(drill, "kubectl get hpa flowengine -n production --no-headers", -600.0).split()
    assert before[-2:] == ["5", "21d"] and int(before[2].split("%")[0]) <= 77
    hpa = sh(drill, "kubectl get hpa flowengine -n production --no-headers", 600.0).split()
    util = int(hpa[2].split("%")[0])
    assert hpa[3:6] == ["5", "20", "6"] and abs(util / 70 - 1) <= 0.1, hpa
    assert sh(drill, "kubectl get deployment flowengine -n production --no-headers", 600.0).split()[1:3] == ["6/6", "6"]
    pods = sh(drill, "kubectl get pods -l app=flowengine -n production --no-headers", 600.0).splitlines()
    assert len(pods) == 6 and all(" Running " in p for p in pods)
    top = [int(line.split()[1][:-1]) for line in sh(drill, "kubectl top pods -l app=flowengine -n production",
                                                    600.0).splitlines()[1:]]
    assert len(top) == 6 and abs(sum(top) / len(top) / 5 - util) <= 1
    events = sh(drill, "kubectl get events -n production", 600.0)
    assert "SuccessfulRescale" in events and "New size: 6; reason: cpu resource utilization" in events
    sim, other = drill.simulator, capped.simulator
    assert sim.signals.capacity.ready(600.0) == 6 and other.signals.capacity.ready(600.0) == 5
    assert sim.pane("p95_latency", 900.0) < other.pane("p95_latency", 900.0) - 3.0
    # a manual scale below its minimum is taken back at its next sync, as a real HPA does
    sh(drill, "kubectl scale deployment/flowengine --replicas=2 -n production", 1000.0)
    assert sh(drill, "kubectl get deployment flowengine -n production --no-headers", 1004.0).split()[1] == "2/2"
    assert sh(drill, "kubectl get deployment flowengine -n production -o jsonpath={.spec.replicas}", 1020.0) == "6"
    assert sim.signals.capacity.ready(1010.0) == 2 and sim.signals.contention(1010.0) > 1.5
    # RB-CORE-002's scale-out raises the autoscaler's floor, so the replicas it asks for stay
    step = "kubectl patch hpa flowengine -n production -p '{\"spec\": {\"minReplicas\": 8 }}'"
    assert step.replace("flowengine", "{{ deployment }}").replace("production", "{{ namespace }}").replace(
        "8 }", "{{ replicas }} }") in (Path(__file__).parents[2] / "runbooks/RB-CORE-002-timeout-recovery.md").read_text()
    assert run_one(drill, shlex.split(step), 1100.0)[0] == 0
    assert sh(drill, "kubectl get deployment flowengine -n production --no-headers", 1500.0).split()[1] == "8/8"


def test_the_autoscaler_holds_within_tolerance_and_scales_down_after_five_minutes() -> None:
    """The HPA's rules on a CPU curve of our own: 75 % of a 70 % target is within its 10 %
    tolerance; 90 % asks for ceil(5 x 90 / 70) = 7; when the work falls away it scales down only
    once every recommendation of the last five minutes is lower (the last high one: 990 s)."""
    from warroom.drill.autoscale import START as LOOP_START
    from warroom.drill.autoscale import Capacity

    sc = get_scenario("rate-limit")
    steady = Capacity(sc, [], lambda t: 75.0)
    assert steady.decided(2000.0) == [] and steady.ready(2000.0) == 5
    busy = Capacity(sc, [], lambda t: 90.0 if t < 1000 else 40.0)
    assert [(a.t, a.detail["replicas"]) for a in busy.decided(3000.0)] == [(LOOP_START, 7), (1290.0, 5)]
    assert busy.ready(1200.0) == 7 and busy.ready(2000.0) == 5


def test_a_drain_with_every_node_cordoned_leaves_the_replacements_pending(tmp_path: Path) -> None:
    """Every node cordoned, a drain evicts node-1's pods and nothing may take their replacements:
    they are Pending with no node, READY is 3/5, rollout status waits, the HPA does not count them
    as capacity and the curves see three pods (the replacements ran on the cordoned node before);
    an uncordon schedules them and the curves see five again."""
    drill = warm_drill(tmp_path, "mass-failure", speed=SPEED, start=START, name="drain")
    plain = warm_drill(tmp_path, "mass-failure", speed=SPEED, start=START, name="plain")
    sh(drill, "kubectl cordon node-1 node-2 node-3 node-4", 100.0)
    evicted = sh(drill, "kubectl drain node-1 --ignore-daemonsets", 110.0)
    assert evicted.count("flowengine-") == 4            # evicting ..., ... evicted: two pods
    node = sh(drill, "kubectl describe node node-1", 120.0)
    assert "Unschedulable:      true" in node and "(0 in total)" in node and "flowengine-" not in node
    rows = [r.split() for r in sh(drill, "kubectl get pods -l app=flowengine -n production -o wide --no-headers",
                                  120.0).splitlines()]
    pending = [r for r in rows if r[2] == "Pending"]
    assert len(rows) == 5 and len(pending) == 2 and all(r[1] == "0/1" and r[6] == "<none>" for r in pending)
    assert sh(drill, "kubectl get deployment flowengine -n production --no-headers", 120.0).split()[1:4] == [
        "3/5", "5", "3"]
    assert "FailedScheduling" in sh(drill, f"kubectl describe pod {pending[0][0]} -n production", 120.0)
    code, out, err = run_one(drill, "kubectl rollout status deployment/flowengine -n production".split(), 120.0)
    assert code == 1 and "3 of 5 updated replicas are available" in out and "timed out" in err
    assert sh(drill, "kubectl get hpa flowengine -n production --no-headers", 200.0).split()[5] == "5"
    # node-1 held the TaskDB too: its replacement is Pending as well, so no flow runs (redteam50 F8: it was Running)
    signals = drill.simulator.signals
    assert signals.capacity.ready(200.0) == 3 and not signals.task_store(200.0) and signals.contention(200.0) == 1.0
    assert plain.simulator.signals.task_store(200.0)
    sh(drill, "kubectl uncordon node-3", 300.0)
    rows = [r.split() for r in sh(drill, "kubectl get pods -l app=flowengine -n production -o wide --no-headers",
                                  310.0).splitlines()]
    assert [r[2] for r in rows] == ["Running"] * 5 and {r[0] for r in pending} <= {r[0] for r in rows}
    assert {r[6] for r in rows if r[0] in {p[0] for p in pending}} == {"node-3"}
    assert drill.simulator.signals.capacity.ready(320.0) == 5 and drill.simulator.signals.contention(320.0) == 1.0
    assert drill.simulator.signals.task_store(320.0)


def test_routing_moves_the_primarys_calls_and_quota_to_the_fallbacks_provider(tmp_path: Path) -> None:
    """FALLBACK_MODEL moved which model flows and logs name, not the calls: now Anthropic's calls go
    to the provider of the model the env names (per-provider request rates), Anthropic's quota
    stands where it was while they do, and the fallback's carries the load, whichever it is."""
    rate = 'sum by (provider) (rate(flowengine_model_api_requests_total[1m]))'
    for model, to, idle in (("gemini-1.5-pro", "google", "openai"), ("gpt-4-turbo", "openai", "google")):
        drill = warm_drill(tmp_path, "provider-outage", speed=SPEED, start=START, name=to)
        sim = drill.simulator
        sh(drill, f"kubectl set env deployment/flowengine FALLBACK_MODEL={model} -n production", 300.0)
        was = {dict(s.labels)["provider"]: s.value for s in sim.evaluate(rate, 290.0)}
        now = {dict(s.labels)["provider"]: s.value for s in sim.evaluate(rate, 600.0)}
        assert now["anthropic"] == 0.0 and abs(now[to] - was[to] - was["anthropic"]) < 0.5, (was, now)
        assert abs(now[idle] - was[idle]) < 0.2 * was[idle]

        def used(p: str, t: float) -> float:
            return sim.evaluate(f'flowengine_model_quota_used_ratio{{provider="{p}"}}', t)[0].value

        argv = ["curl", "-s", "-H", "Authorization: Bearer sk-drill-key", "https://api.anthropic.com/v1/usage"]
        usage = [json.loads(run_one(drill, argv, t)[1]) for t in (400.0, 1300.0)]     # nobody calls it
        refused = drill.simulator.refresh().counter
        assert usage[0]["used_ratio"] == usage[1]["used_ratio"]     # the hour's refusals all came before the move:
        assert usage[1]["rate_limited_requests_last_hour"] == round(          # none since the routing acted
            refused(("req", "anthropic", "429"), 330.0) - refused(("req", "anthropic", "429"), 1300.0 - 3600.0))
        gained, idled = used(to, 1300.0) - used(to, 400.0), used(idle, 1300.0) - used(idle, 400.0)
        assert gained > 0.004 and 0.0 < idled < 0.003      # its own calls and Anthropic's (test_drill_quota_counted)
        fallback = next(p for p in fleet.PROVIDERS if p.name == to)     # the daily reset forgets it too
        assert sim.signals.quota(fallback, fleet.QUOTA_RESET + 60) < 0.01 < sim.signals.quota(fallback, 1300.0)
    # the primary's own burn (the batch job's calls) goes with its calls: Anthropic stops, OpenAI climbs
    drill = warm_drill(tmp_path, "rate-limit", speed=SPEED, start=START, name="storm")
    sh(drill, "kubectl set env deployment/flowengine FALLBACK_MODEL=gpt-4-turbo -n production", 300.0)
    quota = {t: {dict(s.labels)["provider"]: s.value for s in drill.simulator.evaluate(
        "flowengine_model_quota_used_ratio", t)} for t in (400.0, 1200.0)}
    assert quota[1200.0]["anthropic"] == quota[400.0]["anthropic"]
    assert quota[1200.0]["openai"] > quota[400.0]["openai"] + 0.03       # the batch job's calls of its last 200 s


def test_psql_extracts_epochs_and_a_timestamp_difference_is_a_drill_span(tmp_path: Path) -> None:
    """``extract(epoch from now() - created_at)`` (what a runbook author types) was a syntax error:
    it is the drill span ``now() - created_at`` prints, at any speed; a task's
    ``updated_at - created_at`` is its duration; an interval compares with a typed one."""
    drill = warm_drill(tmp_path, "timeout", speed=SPEED, start=START, name="epoch")
    out = run_one(drill, [
        "psql", "-At", "-c", "SELECT now() - created_at, extract(epoch from now() - created_at), "
        "EXTRACT(EPOCH FROM (updated_at - created_at)), duration_s FROM tasks WHERE status <> 'running' "
        "AND now() - created_at < interval '10 minutes' ORDER BY created_at"], 1500.0)[1]
    rows = [r.split("|") for r in out.splitlines()]
    assert len(rows) > 5
    for age, seconds, took, duration in rows:
        h, m, s = age.split(":")
        assert abs(int(h) * 3600 + int(m) * 60 + float(s) - float(seconds)) < 0.1 and float(seconds) < 600
        # duration_s holds the run to a tenth; the timestamps hold it to the microsecond (psql prints each's digits)
        assert abs(float(took) - float(duration)) <= 0.05 + 1e-9, (took, duration)
    assert float(run_one(drill, ["psql", "-At", "-c", "SELECT date_part('epoch', now())"], 1500.0)[1]) == \
        pytest.approx(drill.wall_time(1500.0), abs=1e-6)
    # another field is the drill clock's, as the timestamp psql prints (it was refused; psql37 computes it)
    hour = run_one(drill, ["psql", "-At", "-c", "SELECT extract(hour from now()), now()"], 1500.0)[1].strip()
    assert hour.split("|")[0] == str(int(hour.split("|")[1][11:13]))
    code, _, err = run_one(drill, ["psql", "-c", "SELECT extract(julian from now())"], 1500.0)
    assert code == 1 and err.startswith("drill: extract(julian from ...) is not simulated"), err


def test_no_audit_shipper_pod_running_is_an_audit_gap_and_psql_and_postgres_agree(tmp_path: Path) -> None:
    """The audit shipper scaled to zero: the audit-gap pane grows, psql's audit_logs get nothing,
    FlowEngine logs unacknowledged audit events; scaled back, events flow again (the gap stays in
    the table). The TaskDB's pod not running, psql cannot connect (it answered from nowhere)."""
    drill = warm_drill(tmp_path, "rate-limit", speed=SPEED, start=START, name="audit")
    sh(drill, "kubectl scale deployment/audit-shipper --replicas=0 -n production", 300.0)
    recent = ["psql", "-At", "-c", "SELECT count(*) FROM audit_logs WHERE created_at > now() - interval '4 minutes'"]
    assert drill.simulator.pane("audit_gap", 600.0) > 280 and run_one(drill, recent, 600.0)[1] == "0\n"
    assert "audit event not acknowledged" in sh(drill, "kubectl logs deployment/flowengine --tail=5", 600.0)
    sh(drill, "kubectl scale deployment/audit-shipper --replicas=2 -n production", 700.0)
    assert drill.simulator.pane("audit_gap", 800.0) < 30 and int(run_one(drill, recent, 800.0)[1]) > 0
    sh(drill, "kubectl scale deployment/postgres --replicas=0 -n production", 900.0)
    code, out, err = run_one(drill, ["psql", "-c", "SELECT count(*) FROM tasks"], 930.0)
    assert code == 2 and out == "" and "Connection refused" in err


def test_deleting_flowengine_stops_its_flows_and_breaks_no_answer(tmp_path: Path) -> None:
    """``kubectl delete deployment flowengine`` took its pods away but flows kept running (and, with
    routing modelled, the simulator itself failed): its flows stop and every answer still answers."""
    drill = warm_drill(tmp_path, "rate-limit", speed=SPEED, start=START, name="gone")
    sh(drill, "kubectl delete deployment flowengine -n production", 300.0)
    assert drill.simulator.pane("quota", 400.0) is not None and "flowengine_stop" in [a.action for a in drill.actions()]
    assert sh(drill, "blocks status flows --active", 400.0).startswith("0 active flows")
    for argv in (["kubectl", "get", "hpa"], ["kubectl", "top", "pods"], ["psql", "-c", "SELECT 1"],
                 ["blocks", "circuit-breaker", "status"]):
        assert run_one(drill, argv, 400.0)[0] == 0, argv


def test_health_and_model_latency_agree_with_the_vendor_and_the_calls_made(tmp_path: Path) -> None:
    """Routed away from Anthropic in its outage, FlowEngine's /health/models said Anthropic 'healthy'
    (1 % errors) while its status page said major outage, and model-latency gave it a 5xx share for a
    window with no call to it; the two gave one model two P50s. Health is what a probe of the vendor
    sees; the 5xx share is of the calls made in the window; one P50 per model."""
    drill = warm_drill(tmp_path, "provider-outage", speed=SPEED, start=START, name="health")
    sh(drill, "kubectl set env deployment/flowengine FALLBACK_MODEL=gemini-1.5-pro -n production", 300.0)
    health = json.loads(sh(drill, "kubectl exec -n production deployment/flowengine -- curl -s "
                                  "http://localhost:8080/health/models", 900.0))["providers"]
    page = json.loads(sh(drill, "curl -s https://status.anthropic.com/api/v2/status.json", 900.0))
    # 40% of calls failing in under a minute: degraded by RB-CORE-004's words, not down (redteam37 F13)
    assert health["anthropic"]["status"] == "degraded" and page["status"]["indicator"] == "major"
    rows = {r.split()[1]: r.split() for r in sh(drill, "blocks metrics model-latency --last 5m", 900.0).splitlines()[2:]}
    assert rows["(anthropic)"][4] == "-" and rows["(google)"][4] != "-"
    assert all(float(rows[f"({p})"][2][:-1]) == health[p]["p50_latency_s"] for p in ("anthropic", "openai", "google"))


def test_disabling_another_provider_routes_none_of_the_primarys_calls(tmp_path: Path) -> None:
    """``DISABLE_PROVIDERS=openai`` counted as fallback routing: the curves healed Anthropic's outage
    and moved its calls to OpenAI, the provider just disabled, while a test flow still failed on it."""
    drill = warm_drill(tmp_path, "provider-outage", speed=SPEED, start=START, name="other")
    sh(drill, "kubectl set env deployment/flowengine DISABLE_PROVIDERS=openai -n production", 300.0)
    assert "fallback_routing" not in [a.action for a in drill.actions()]
    assert drill.simulator.pane("error_5xx", 900.0) > 5.0 and drill.simulator.signals.route(900.0) is None
    answers = {t: run_one(drill, ["blocks", "test-flow"], t) for t in range(900, 910)}   # on Claude, as it answers
    assert {t for t, (code, _, err) in answers.items() if code == 1 and "model API 5xx: anthropic 5" in err} == \
        {t for t in answers if claude_5xx(drill, t)} != set()


def test_no_flowengine_pod_scheduled_starts_no_flow(tmp_path: Path) -> None:
    """Every node cordoned and drained: FlowEngine is 0/5 (all Pending), so no flow starts (they kept
    starting, ten times slower); one node back, they start again."""
    drill = warm_drill(tmp_path, "rate-limit", speed=SPEED, start=START, name="none")
    sh(drill, "kubectl cordon node-1 node-2 node-3 node-4", 100.0)
    sh(drill, "kubectl drain node-1 node-2 node-3 node-4 --ignore-daemonsets", 110.0)
    rate = "sum(rate(flowengine_flow_executions_total[2m]))"
    assert sh(drill, "kubectl get deployment flowengine -n production --no-headers", 400.0).split()[1] == "0/5"
    assert drill.simulator.evaluate(rate, 400.0)[0].value == 0.0
    # the TaskDB's pod has no node either: FlowEngine's API answers 503 (redteam50 F8: it listed 0 active flows)
    code, _, err = run_one(drill, "blocks status flows --active".split(), 400.0)
    assert code == 1 and "database unreachable" in err
    sh(drill, "kubectl uncordon node-1", 500.0)
    assert drill.simulator.evaluate(rate, 700.0)[0].value > 0.05


def test_the_autoscaler_top_and_get_hpa_read_one_cpu_rule(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A pod's CPU is ``autoscale.pod_cpu`` for the loop that scales on it and for the answers that
    show it: postgres's pods idle at 140m (28 % of a 500m request) stay at one replica under a 50 %
    target; when the rule says they burn 200 %, the loop scales postgres to its maximum, get hpa
    shows 200 % and top shows a mean of 1000m."""
    from warroom.drill import autoscale

    drill = warm_drill(tmp_path, "rate-limit", speed=SPEED, start=START, name="rule")
    sh(drill, "kubectl autoscale deployment/postgres --min=1 --max=4 --cpu-percent=50", 100.0)

    def figures(drill: Drill, at: float) -> tuple[list[str], list[int]]:
        hpa = next(r.split() for r in sh(drill, "kubectl get hpa --no-headers", at).splitlines() if "postgres" in r)
        top = [int(r.split()[1][:-1]) for r in sh(drill, "kubectl top pods -l app=postgres -n production",
                                                  at).splitlines()[1:]]
        return hpa, top

    hpa, top = figures(drill, 400.0)
    assert hpa[2] == "28%/50%" and hpa[5] == "1" and abs(sum(top) / len(top) - 140) <= 1
    idle = autoscale.pod_cpu
    monkeypatch.setattr(autoscale, "pod_cpu", lambda d, n, cpu: 200.0 if d == "postgres" else idle(d, n, cpu))
    busy = create_drill(tmp_path, "rate-limit", speed=SPEED, start=START, name="busy")
    sh(busy, "kubectl autoscale deployment/postgres --min=1 --max=4 --cpu-percent=50", 100.0)
    hpa, top = figures(busy, 400.0)
    assert hpa[2] == "200%/50%" and hpa[5] == "4", hpa
    assert len(top) == 4 and abs(sum(top) / len(top) - 1000) <= 1, top
    assert [a.detail["replicas"] for a in busy.simulator.signals.capacity.decided(400.0)
            if a.detail["deployment"] == "postgres"] == [4]
