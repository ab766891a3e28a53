"""The stand-ins agree with the drill world at the moment they are asked (issue 13 item 5).

Run in-process (``standins_corpus.run_one``) at chosen scenario moments, so nothing depends on the
machine's speed. Each test's drill is its own (directory, record, simulator); the world before any action it starts
from is its scenario's one in this process (``standins_corpus.pristine``), its first action builds its own.
"""

from __future__ import annotations

import shlex
from pathlib import Path

from tests.unit.standins_corpus import SPEED, START, claude_5xx, pristine_drill, run_one
from warroom.drill.directory import Drill

FAILED = ["psql", "-At", "-c", "SELECT task_id, status, error_message, created_at, updated_at FROM tasks "
                               "WHERE status = 'failed' ORDER BY created_at"]


def test_a_failed_task_stays_failed_in_every_later_triage(tmp_path: Path) -> None:
    """Once psql lists a failed task, every later query lists it identically (the table keeps every row:
    no two-hour archive), before and after a mitigation; and a triage never comes back empty while
    the same table holds failures in its window."""
    for scenario, act in (("rate-limit", "kubectl set env deployment/flowengine ENABLE_CIRCUIT_BREAKER=true"),
                          ("mass-failure", "kubectl rollout undo deployment/flowengine")):
        drill = pristine_drill(tmp_path, scenario, speed=SPEED, start=START, name=scenario)
        seen: dict[str, str] = {}
        for t in range(120, 1800, 60):
            if t == 600:
                assert run_one(drill, act.split(), float(t))[0] == 0
            code, out, _ = run_one(drill, FAILED, float(t))
            assert code == 0
            rows = {line.split("|")[0]: line for line in out.splitlines()}
            for task, row in seen.items():
                assert rows.get(task) == row, (scenario, t, row, rows.get(task))
            seen.update(rows)
            recent = ["psql", "-At", "-c", "SELECT count(*) FROM tasks WHERE status = 'failed' "
                                           "AND created_at > now() - interval '15 minutes'"]
            listed = sum(1 for r in rows.values() if r.split("|")[3] > _pg(drill.wall_time(t - 900)))
            assert int(run_one(drill, recent, float(t))[1]) == listed, (scenario, t)
        assert seen, scenario


def _pg(wall: float) -> str:
    from warroom.drill.standins.psql import pg_ts

    return pg_ts(wall)


def test_scaling_flowengine_to_zero_reaches_every_answer(tmp_path: Path) -> None:
    drill = pristine_drill(tmp_path, "audit-gap", speed=SPEED, start=START, name="zero")
    conns = ["psql", "-At", "-c", "SELECT count(*) FROM pg_stat_activity WHERE datname = 'flowengine_db'"]

    def answer(command: str | list[str], t: float) -> str:
        code, out, err = run_one(drill, command.split() if isinstance(command, str) else command, t)
        return out + err

    before = int(answer(conns, 100.0))
    hpa_before = answer("kubectl get hpa flowengine -n production", 100.0)
    assert before > 0 and "<unknown>" not in hpa_before
    assert answer("kubectl scale deployment/flowengine --replicas=0 -n production", 100.0).strip() \
        == "deployment.apps/flowengine scaled"
    assert int(answer(conns, 300.0)) == 0                     # the pool went with the pods
    assert "No resources found" in answer("kubectl get pods -l app=flowengine -n production", 300.0)
    assert answer("blocks status flows --active", 300.0).startswith("0 active flows")
    assert " <unknown>/70% " in answer("kubectl get hpa flowengine -n production", 300.0)
    def node_cpu(t: float) -> int:
        return sum(int(line.split()[1].rstrip("m")) for line in answer("kubectl top nodes", t).splitlines()[1:])

    assert node_cpu(300.0) < node_cpu(90.0) - 1000          # five FlowEngine pods' CPU left the nodes
    answer("kubectl scale deployment/flowengine --replicas=5 -n production", 400.0)
    assert int(answer(conns, 800.0)) > 0                     # back with the pods


def test_the_release_is_judged_by_its_version_whatever_the_image_is_called(tmp_path: Path) -> None:
    """``set image flowengine=flowengine:v1.2.0`` runs the bad release like the registry's own
    name for it: not a rollback, and deploying it again after a rollback undoes the rollback (the
    curves and every answer go back to failing); the schema follows the code, not the env."""
    from tests.unit.test_drill_standins import untouched

    drill = pristine_drill(tmp_path, "mass-failure", speed=SPEED, start=START, name="release")
    version = "kubectl exec -n production deployment/flowengine -- curl -s http://localhost:8080/api/schemas/version"

    def kinds() -> list[str]:
        return [a.action for a in drill.actions()]

    assert run_one(drill, "kubectl set image deployment/flowengine flowengine=flowengine:v1.2.0".split(), 200.0)[0] == 0
    assert "rollback" not in kinds()
    assert run_one(drill, ["kubectl", "set", "image", "deployment/flowengine",
                           "flowengine=registry.internal/flowengine:v1.1.0"], 300.0)[0] == 0
    assert kinds().count("rollback") == 1
    assert '"20251104_001"' in run_one(drill, version.split(), 500.0)[1]
    assert run_one(drill, "blocks verify contract --task-id".split() + [_failed_task(drill, 500.0)], 500.0)[0] == 0
    healed = drill.simulator.pane("failure_rate", 1500.0)
    assert run_one(drill, "kubectl set image deployment/flowengine flowengine=flowengine:v1.2.0".split(), 900.0)[0] == 0
    assert kinds()[-1] == "rollback_off"
    assert '"20251120_002"' in run_one(drill, version.split(), 1200.0)[1]
    again = drill.simulator.pane("failure_rate", 1500.0)
    assert again is not None and healed is not None and again > healed + 1.0, (healed, again)
    unmitigated = untouched(drill).pane("failure_rate", 1500.0)
    assert unmitigated is not None and again < unmitigated


def _failed_task(drill: Drill, t: float) -> str:
    from warroom.drill.activity import Activity
    from warroom.drill.cluster import build_cluster

    flows = Activity(drill.simulator.refresh(), build_cluster(drill.scenario, drill.actions(), t)).flows(t - 3600, t, t)
    return next(f.task_id for f in reversed(flows) if f.status == "failed")


def test_bounding_the_autoscaler_moves_the_deployment_into_its_bounds(tmp_path: Path) -> None:
    """``kubectl patch hpa`` (RB-LAUNCH-002 pins FlowEngine at 3) changes the replicas every
    answer shows, as the real autoscaler would; raising the floor again scales back up."""
    drill = pristine_drill(tmp_path, "mass-failure", speed=SPEED, start=START, name="hpa")
    patch = ["kubectl", "patch", "hpa", "flowengine", "-n", "production", "-p"]
    assert run_one(drill, patch + ['{"spec":{"minReplicas":3,"maxReplicas":3}}'], 200.0)[0] == 0
    assert "3/3" in run_one(drill, "kubectl get deployment flowengine -n production".split(), 400.0)[1]
    hpa = run_one(drill, "kubectl get hpa flowengine -n production".split(), 400.0)[1].splitlines()[1].split()
    assert hpa[-2:] == ["3", "21d"] and hpa[-4:-2] == ["3", "3"]
    running = run_one(drill, "kubectl get pods -l app=flowengine -n production --no-headers".split(), 400.0)[1]
    assert len(running.splitlines()) == 3
    assert run_one(drill, patch + ['{"spec":{"minReplicas":5,"maxReplicas":20}}'], 500.0)[0] == 0
    assert [a.action for a in drill.actions()][-1] == "scale"
    assert "5/5" in run_one(drill, "kubectl get deployment flowengine -n production".split(), 800.0)[1]


def test_blocks_counts_the_failures_psql_lists(tmp_path: Path) -> None:
    """``blocks metrics query --metric flow_failures_total`` and the tasks table count the same
    failures: per repo, the failed tasks started in the last hour, plus at most the ones still in
    flight (the task reads failed only when it ends), give or take the one failure whose counter
    step and flow start fall on either side of the window's start or end (the counter steps
    between the previous flow's start and the failing flow's)."""
    for scenario in ("rate-limit", "mass-failure"):
        drill = pristine_drill(tmp_path, scenario, speed=SPEED, start=START, name=f"count-{scenario}")
        for t in (240.0, 900.0, 1500.0):
            out = run_one(drill, "blocks metrics query --metric flow_failures_total --last 1h --group-by repo".split(), t)[1]
            counted = {line.split(":")[0]: int(line.split()[1]) for line in out.splitlines() if line.endswith(" failures")}
            rows = run_one(drill, ["psql", "-At", "-c", "SELECT repo, status FROM tasks WHERE status IN ('failed', "
                                   "'running') AND created_at > now() - interval '1 hour'"], t)[1].splitlines()
            for repo, n in counted.items():
                failed = sum(1 for r in rows if r == f"{repo}|failed")
                running = sum(1 for r in rows if r == f"{repo}|running")
                assert failed - 1 <= n <= failed + running + 1, (scenario, t, repo, n, failed, running)
            assert sum(counted.values()) >= 1 or scenario != "mass-failure"


def test_an_open_breaker_holds_retries_not_new_flows(tmp_path: Path) -> None:
    """OPEN means "holding retries of throttled calls" (lead29-5): the world's flows keep starting, so a test
    flow while the status says OPEN is refused only as the world refuses that provider's calls (a 429 drawn
    against its share), never "circuit breaker OPEN" (it was, while every flow of the world ran)."""
    drill = pristine_drill(tmp_path, "rate-limit", speed=SPEED, start=START, name="breaker")
    assert run_one(drill, ["kubectl", "set", "env", "deployment/flowengine", "ENABLE_CIRCUIT_BREAKER=true",
                           "CIRCUIT_BREAKER_THRESHOLD=80"], 300.0)[0] == 0
    seen, ran = set(), 0
    for t in range(360, 900, 20):
        status = run_one(drill, "blocks circuit-breaker status".split(), float(t))[1]
        code, out, err = run_one(drill, "blocks test-flow --model claude-sonnet-4-5".split(), float(t))
        seen.add(status.split()[1])
        # refused by a 429 (its call held, not sent again: redteam49 F8), never by the breaker "OPEN" itself
        assert "circuit breaker open" not in err.lower() and (code == 0 or "429" in err), (t, status, err)
        ran += "CircuitBreaker: OPEN" in status and code == 0
    assert {"OPEN", "HALF_OPEN"} <= seen and ran, (seen, ran)


def test_malformed_input_is_refused_the_way_the_tool_refuses_it(tmp_path: Path) -> None:
    """A URL or a number the real tool would reject is an exit code and its message, never a traceback;
    a runaway query or window stops (by a count of work, not wall time) instead of pinning a core."""
    drill = pristine_drill(tmp_path, "rate-limit", speed=SPEED, start=START, name="malformed")
    cases = [("curl -sS http://localhost:abc/health", 3, "curl: (3) URL rejected"),
             ("curl -sS http://[::1/health", 3, "curl: (3) bad range specification in URL position 9"),  # a glob
             ("aws logs filter-log-events --log-group-name /aws/lambda/flowengine --limit ten", 252,
              "Invalid type for parameter limit, value: ten"),
             ("aws logs filter-log-events --log-group-name /aws/lambda/flowengine --end-time soon", 252,
              "Invalid type for parameter endTime, value: soon"),
             ("curl -sS -o /nonexistent/dir/out.json https://status.openai.com/api/v2/status.json", 23,
              "curl: (23) Failure writing output"),
             ("blocks ''", 2, "Error: No such command ''."),
             ("blocks metrics query --metric flow_executions_total --last 9999d", 2, "more than the 30d"),
             ("psql -c 'SELECT count(*) FROM tasks a, tasks b, tasks c'", 1, "canceling statement due to statement")]
    for command, code, message in cases:
        got, _, err = run_one(drill, shlex.split(command), 300.0)
        assert (got, message in err) == (code, True), (command, got, err)


def test_the_quota_resets_on_the_drills_clock_and_every_answer_reads_the_panes_figure(tmp_path: Path) -> None:
    """``blocks quota show`` counts down to the providers' reset in the drill's time (it counted to
    midnight on the machine's clock: at --speed 10 an hour of the drill took six minutes off it);
    the usage API names the same moment; at the reset the quota curve itself starts again, and
    the usage figures and the breaker read what the quota pane shows at that moment."""
    import json

    from warroom.drill import fleet
    from warroom.drill.standins.base import utc
    from warroom.units import format_value

    drill = pristine_drill(tmp_path, "rate-limit", speed=SPEED, start=START, name="reset")
    reset = f"{utc(drill.wall_time(fleet.QUOTA_RESET)):%Y-%m-%d %H:%M:%S}"
    assert run_one(drill, ["kubectl", "set", "env", "deployment/flowengine", "ENABLE_CIRCUIT_BREAKER=true"],
                   600.0)[0] == 0
    for t in (300.0, 3900.0, 7517.0, fleet.QUOTA_RESET - 60, fleet.QUOTA_RESET + 45, fleet.QUOTA_RESET + 7200):
        shown = run_one(drill, "blocks quota show".split(), t)[1]
        left = (fleet.QUOTA_RESET - t) % 86400 or 86400
        after = t > fleet.QUOTA_RESET
        when = f"{utc(drill.wall_time(fleet.QUOTA_RESET + 86400 * after)):%Y-%m-%d %H:%M:%S}" if after else reset
        assert f"Resets: {when} UTC ({int(left) // 3600}h {int(left) % 3600 // 60:02d}m)" in shown, (t, shown)
        usage = json.loads(run_one(drill, ["curl", "-s", "-H", "x-api-key: k", "https://api.anthropic.com/v1/usage"],
                                   t)[1])
        assert usage["resets_at"].replace("T", " ")[:19] == when
        pane = drill.simulator.pane("quota", t)
        assert f"({format_value(pane, 'percent')})" in shown and abs(usage["used_percent"] - pane) < 0.06
        breaker = run_one(drill, "blocks circuit-breaker status".split(), t)[1]
        assert f"highest quota use: {format_value(pane, 'percent')}" in breaker, (t, breaker)
        assert "CircuitBreaker: OPEN" not in breaker or pane >= 85.0, (t, breaker)       # OPEN only over the threshold
    assert drill.simulator.pane("quota", fleet.QUOTA_RESET - 60) > 60 > 10 > drill.simulator.pane(
        "quota", fleet.QUOTA_RESET + 45)


def test_a_pods_log_is_the_same_however_it_is_asked_for_and_the_pods_add_up_to_cloudwatch(
        tmp_path: Path) -> None:
    """``kubectl logs deployment/X`` says "using pod/P" and prints P's log, the very lines ``logs P``
    and ``logs -l --prefix`` print for P (it printed every pod's flows, so one failure showed in
    two pods' logs); every failure in CloudWatch is in exactly one running pod's log."""
    import re

    drill = pristine_drill(tmp_path, "mass-failure", speed=SPEED, start=START, name="logs")
    t, errors = 600.0, re.compile(r"ERROR worker-\d+ (tsk_\w+)")
    names = run_one(drill, "kubectl get pods -l app=flowengine -n production -o name".split(), t)[1].split()
    code, out, err = run_one(drill, "kubectl logs deployment/flowengine -n production --since=10m".split(), t)
    chosen = err.split("using ")[1].strip()
    assert code == 0 and chosen in names and out == run_one(
        drill, f"kubectl logs {chosen} -n production --since=10m".split(), t)[1]
    prefixed = run_one(drill, "kubectl logs -l app=flowengine -n production --since=10m --tail=-1 --prefix".split(),
                       t)[1].splitlines()
    per_pod = {}
    for name in names:
        alone = run_one(drill, f"kubectl logs {name} -n production --since=10m".split(), t)[1]
        assert alone.splitlines() == [line.split("] ", 1)[1] for line in prefixed if line.startswith(f"[{name}/")]
        per_pod[name] = errors.findall(alone)
    aws = run_one(drill, ["aws", "logs", "filter-log-events", "--log-group-name", "/aws/lambda/flowengine",
                          "--start-time", str(int(drill.wall_time(t - 600) * 1000))], t)[1]
    everywhere = [task for found in per_pod.values() for task in found]
    assert len(everywhere) == len(set(everywhere)) and sorted(everywhere) == sorted(errors.findall(aws)), per_pod
    assert sum(1 for found in per_pod.values() if found) > 1          # spread over the pods, not all on one


def test_a_stopped_flowengine_spends_no_quota_and_writes_no_audit_events(tmp_path: Path) -> None:
    """Scaled to zero, FlowEngine burns no tokens (the quota pane climbed on regardless, 88% -> 98%)
    and writes no audit events (the audit-gap pane said an event came seconds ago while psql's
    audit_logs had none for ten minutes); started again, the quota goes on from where it stood."""
    from datetime import datetime

    drill = pristine_drill(tmp_path, "rate-limit", speed=SPEED, start=START, name="stopped")
    pane = drill.simulator.pane
    assert run_one(drill, "kubectl scale deployment/flowengine --replicas=0 -n production".split(), 300.0)[0] == 0
    stood = pane("quota", 330.0)
    for t in (600.0, 900.0, 1200.0):
        assert pane("quota", t) == stood, t
        last = run_one(drill, ["psql", "-At", "-c", "SELECT max(created_at) FROM audit_logs"], t)[1].strip()
        psql_gap = (drill.wall_time(t) - datetime.fromisoformat(last.replace("+00", "+00:00")).timestamp()) * SPEED
        assert pane("audit_gap", t) > t - 330 and abs(pane("audit_gap", t) - psql_gap) < 60, (t, psql_gap)
        assert drill.simulator.evaluate("sum(rate(flowengine_flow_executions_total[5m]))", t)[0].value == 0.0 or t < 620
    assert run_one(drill, "kubectl scale deployment/flowengine --replicas=5 -n production".split(), 1200.0)[0] == 0
    assert abs(pane("quota", 1260.0) - stood) < 1.0 and pane("audit_gap", 1500.0) < 30


def test_a_new_pod_logs_only_flows_started_since_it_was_created(tmp_path: Path) -> None:
    """After a rollback, a pod of the new revision logged the failure of a flow that started before
    the pod existed (so it ran on the old release): each flow line is in the log of a pod that
    was there when the flow started."""
    import json
    import re

    drill = pristine_drill(tmp_path, "mass-failure", speed=SPEED, start=START, name="born")
    assert run_one(drill, "kubectl rollout undo deployment/flowengine -n production".split(), 600.0)[0] == 0
    t = 700.0
    pods = json.loads(run_one(drill, "kubectl get pods -l app=flowengine -n production -o json".split(), t)[1])
    rows = run_one(drill, ["psql", "-At", "-c", "SELECT task_id, created_at FROM tasks"], t)[1].splitlines()
    started = dict(row.split("|") for row in rows)
    checked = 0
    for pod in pods["items"]:
        born = pod["metadata"]["creationTimestamp"].replace("T", " ")
        log = run_one(drill, ["kubectl", "logs", pod["metadata"]["name"], "-n", "production", "--since=3m"], t)[1]
        for task in re.findall(r" (tsk_\w+) ", log):
            assert started[task][:23] >= born[:23], (pod["metadata"]["name"], task, started[task], born)
            checked += 1
    assert checked


def test_flows_test_flows_and_logs_route_to_the_fallback_the_env_names_and_the_vendor_stays_down(
        tmp_path: Path) -> None:
    """With FALLBACK_MODEL=gemini-1.5-pro the logs said gemini while every routed task said
    gpt-4-turbo; a test flow ran on claude once routing had brought the 5xx pane down, and a call
    to claude succeeded while the vendor's status page said 'major' (routing heals our 5xx rate,
    not the vendor)."""
    import json

    drill = pristine_drill(tmp_path, "provider-outage", speed=SPEED, start=START, name="fallback")
    assert run_one(drill, ["kubectl", "set", "env", "deployment/flowengine", "FALLBACK_MODEL=gemini-1.5-pro"],
                   400.0)[0] == 0
    t = 600.0
    rows = run_one(drill, ["psql", "-At", "-c", "SELECT provider, count(*) FROM tasks WHERE created_at > now() - "
                                               "interval '2 minutes' GROUP BY provider"], t)[1]
    counts = dict(row.split("|") for row in rows.split())        # 60% of flows were anthropic's, 10% google's
    assert "anthropic" not in counts and int(counts["google"]) > int(counts.get("openai", 0)), rows
    assert "Using fallback model: gemini-1.5-pro" in run_one(drill, "kubectl logs deploy/flowengine --tail=20"
                                                             .split(), t)[1]
    assert "on gemini-1.5-pro via fallback routing" in run_one(drill, "blocks test-flow".split(), t)[1]
    status = json.loads(run_one(drill, ["curl", "-s", "https://status.anthropic.com/api/v2/status.json"], t)[1])
    claude = {s: run_one(drill, "blocks test-flow --model claude-sonnet-4-5".split(), s) for s in range(600, 610)}
    assert status["status"]["indicator"] == "major"         # a call to Claude is answered 5xx as the vendor answers
    assert {s for s, (code, _, err) in claude.items() if code == 1 and "anthropic 503" in err} == \
        {s for s in claude if claude_5xx(drill, s)} != set()
    assert run_one(drill, "blocks test-flow --model claude-sonnet-4-5".split(), 3600.0)[0] == 0   # the vendor is back


def test_scaling_down_is_not_replicas_added(tmp_path: Path) -> None:
    """The operation 'scale to N' and the canonical 'scale' (replicas added) shared one name in
    actions.jsonl, so scaling FlowEngine down bent the latency curve as if replicas were added (found
    by time13): the pods running set the curves (fewer for the load, slower flows); a drill recorded
    before keeps replaying its scales."""
    import json

    from warroom.drill.actions import ACTIONS_FILE

    drill = pristine_drill(tmp_path, "timeout", speed=SPEED, start=START, name="down")
    assert run_one(drill, "kubectl delete hpa flowengine -n production".split(), 100.0)[0] == 0   # it would undo them
    assert run_one(drill, "kubectl scale deployment/flowengine --replicas=2 -n production".split(), 300.0)[0] == 0
    assert [a.action for a in drill.actions()] == ["delete", "scale_to", "scale_down"]   # fewer pods: an action
    assert drill.simulator.signals.contention(350.0) > 1.5          # two pods carry five pods' work
    assert run_one(drill, "kubectl scale deployment/flowengine --replicas=8 -n production".split(), 400.0)[0] == 0
    assert [a.action for a in drill.actions()][-1] == "scale" and drill.simulator.signals.contention(480.0) < 0.98
    # an older drill's record of the operation ("scale" with a replica count) still replays as one
    lines = (drill.path / ACTIONS_FILE).read_text().splitlines()
    old = [json.dumps({**json.loads(line), "action": "scale"}) if json.loads(line)["action"] == "scale_to" else line
           for line in lines]
    (drill.path / ACTIONS_FILE).write_text("\n".join(old) + "\n")
    assert [a.action for a in drill.actions()] == ["delete", "scale_to", "scale_down", "scale_to", "scale"]
    assert run_one(drill, "kubectl get deployment flowengine -n production --no-headers".split(), 500.0)[1].split()[1] \
        == "8/8"


def test_no_flow_is_observed_past_the_hard_timeout(tmp_path: Path) -> None:
    """A flow still running at 180 s is killed then (psql lists it at 180 s), so the latency
    histogram holds no flow past 180 s: 'blocks metrics latency' said P99 217 s in the timeout drill."""
    drill = pristine_drill(tmp_path, "timeout", speed=SPEED, start=START, name="kill")
    for t in (600.0, 900.0, 1500.0):
        p99 = drill.simulator.evaluate("histogram_quantile(0.99, sum by (le) (rate(flowengine_flow_duration_seconds_"
                                       "bucket[5m])))", t)[0].value
        shown = run_one(drill, "blocks metrics latency --last 5m".split(), t)[1]
        assert p99 <= 180.0 and int(shown.split("P99: ")[1].split("s")[0]) <= 180, (t, p99, shown)
        longest = run_one(drill, ["psql", "-At", "-c", "SELECT max(duration_s) FROM tasks"], t)[1]
        assert float(longest) <= 180.0
    mean = drill.simulator.evaluate("sum(rate(flowengine_flow_duration_seconds_sum[5m])) / "
                                    "sum(rate(flowengine_flow_duration_seconds_count[5m]))", 900.0)[0].value
    assert mean < drill.simulator.evaluate("histogram_quantile(0.95, sum by (le) (rate(flowengine_flow_duration_"
                                           "seconds_bucket[5m])))", 900.0)[0].value


def test_the_audit_shipper_says_it_reconnected_whatever_ended_the_stall(tmp_path: Path) -> None:
    """Any change that restarts the shipper ends the stall (set env, undo, restart); its log said
    'connected ... replaying' only after a 'rollout restart' (noted by world7): the line now comes
    from the stall itself, at the tick it ends, before the first shipped batch."""
    drill = pristine_drill(tmp_path, "audit-gap", speed=SPEED, start=START, name="reconnect")
    assert run_one(drill, ["kubectl", "set", "env", "deployment/audit-shipper", "BATCH_SIZE=100"], 300.0)[0] == 0
    lines = run_one(drill, "kubectl logs deploy/audit-shipper --since=3m".split(), 420.0)[1].splitlines()
    kinds = [("ERROR" if " ERROR " in ln else "connected" if "connected to audit-store" in ln else "shipped")
             for ln in lines if " shipper - " in ln]
    assert "connected" in kinds and kinds.index("connected") == kinds.count("ERROR"), kinds
    assert drill.simulator.pane("audit_gap", 420.0) < 60


def test_kubectl_logs_since_time_is_the_instant_the_timestamps_print(tmp_path: Path) -> None:
    """``--since-time`` was accepted and ignored: asked from 08:01:50 the drill printed lines from
    07:56 (x10). It is the wall instant ``--timestamps`` prints, so it answers what ``--since`` of
    the same drill span does; a bad instant or both flags are kubectl's errors."""
    from datetime import UTC, datetime

    drill = pristine_drill(tmp_path, "rate-limit", speed=10.0, start=START, name="since-time")
    since = datetime.fromtimestamp(drill.wall_time(1200.0 - 300.0), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    base = "kubectl logs deployment/flowengine -n production --timestamps".split()
    code, by_time, _ = run_one(drill, [*base, "--since-time", since], 1200.0)
    assert code == 0 and by_time.strip()
    assert all(line[:19] >= since[:19] for line in by_time.splitlines()), by_time[:300]
    assert by_time == run_one(drill, [*base, "--since=5m"], 1200.0)[1]
    assert run_one(drill, [*base, "--since-time", "08:01"], 1200.0)[0] != 0
    assert "at most one" in run_one(drill, [*base, "--since-time", since, "--since=1m"], 1200.0)[2]


def test_a_timestamp_difference_is_a_drill_span_like_a_typed_interval(tmp_path: Path) -> None:
    """At x10, ``created_at > now() - interval '10 minutes'`` keeps the last ten drill minutes, so
    ``now() - created_at`` of what it keeps must read up to ten minutes, not one (it was wall time)."""
    drill = pristine_drill(tmp_path, "rate-limit", speed=SPEED, start=START, name="ages")
    code, out, err = run_one(drill, ["psql", "-At", "-c", "SELECT now() - created_at FROM tasks WHERE "
                                     "created_at > now() - interval '10 minutes' ORDER BY 1"], 1500.0)
    assert code == 0, err
    ages = [sum(float(x) * m for x, m in zip(line.lstrip("-").split(":"), (3600, 60, 1), strict=True))
            for line in out.split()]
    assert len(ages) > 20 and max(ages) > 9 * 60 and max(ages) <= 10 * 60 + 1


def test_every_routing_key_reaches_the_logs_tasks_and_test_flows_when_the_simulator_routes(tmp_path: Path) -> None:
    """``DISABLE_PROVIDERS=anthropic`` or ``FALLBACK_ON_5XX`` routed the simulator's calls to the
    fallback, but the FlowEngine log never said so (its router line read only FALLBACK_MODEL, of the
    env now), and ``blocks test-flow`` routed on DISABLE_PROVIDERS before the flows did. Every answer
    now reads the simulator's ``routed_model``: nothing before the routing acts, the same model after."""
    from datetime import datetime

    from warroom.drill.activity import TICK
    from warroom.drill.fleet import provider_of

    def log_times(drill: Drill, t: float) -> list[float]:
        """The scenario seconds of the router lines the log holds as asked at ``t`` (last 10 minutes)."""
        log = run_one(drill, "kubectl logs deploy/flowengine --timestamps --since=10m".split(), t)[1]
        stamps = [line.split()[0] for line in log.splitlines() if "Model routing: Using fallback model" in line]
        return [round((datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp() - drill.wall_time(0.0)) * SPEED
                      - 1.0) for s in stamps]         # a router line is written 1 s after its tick

    cases = {"FALLBACK_MODEL=gemini-1.5-pro": "gemini-1.5-pro", "ARCHITECT_FALLBACK_MODEL=gemini-1.5-pro":
             "gemini-1.5-pro", "DISABLE_PROVIDERS=anthropic": "gpt-4-turbo", "FALLBACK_ON_5XX=true": "gpt-4-turbo",
             "DISABLE_PROVIDERS=openai": None,
             "DISABLE_PROVIDERS=openai FALLBACK_MODEL=gemini-1.5-pro": "gemini-1.5-pro"}
    for i, (setting, model) in enumerate(cases.items()):
        drill = pristine_drill(tmp_path / str(i), "provider-outage", speed=SPEED, start=START, name="routing")
        assert not log_times(drill, 390.0)
        assert run_one(drill, ["kubectl", "set", "env", "deployment/flowengine", *setting.split()], 400.0)[0] == 0
        routes = drill.simulator.signals.route      # the provider the simulator sends the calls to
        assert not log_times(drill, 420.0) and routes(420.0) is None        # not yet in force: as the curves
        after = log_times(drill, 900.0)
        ticks = [k * TICK for k in range(14, 30) if routes(k * TICK)]   # 900's router line is at 901: not yet
        assert after == [round(t) for t in ticks], (setting, after, ticks)
        rows = run_one(drill, ["psql", "-At", "-c", "SELECT DISTINCT model FROM tasks WHERE created_at > "
                                                    "now() - interval '3 minutes'"], 900.0)[1].split()
        flow = run_one(drill, "blocks test-flow".split(), 900.0)
        if model is None:
            assert not ticks and "claude-sonnet-4-5" in rows and "via fallback routing" not in flow[1]
            continue
        assert ticks and {routes(t) for t in ticks} == {provider_of(model)}, setting
        log = run_one(drill, "kubectl logs deploy/flowengine --since=1m".split(), 900.0)[1]
        assert f"Using fallback model: {model}" in log and "openai disabled" not in log, setting   # not the why
        if setting.startswith("ARCHITECT_"):    # the plans alone moved: the flows and a test flow are still claude's
            assert "claude-sonnet-4-5" in rows and "via fallback routing" not in flow[1], (setting, rows, flow)
            continue
        # FALLBACK_ON_5XX moves only the calls the primary answered 5xx: the rest still run on claude
        assert ("claude-sonnet-4-5" in rows) == (setting == "FALLBACK_ON_5XX=true") and model in rows, (setting, rows)
        # and a test flow as one call: under FALLBACK_ON_5XX on the fallback only if the primary answered it 5xx
        assert f"on {model} via fallback routing" in flow[1] or (
            setting == "FALLBACK_ON_5XX=true" and "on claude-sonnet-4-5;" in flow[1]), (setting, flow)
