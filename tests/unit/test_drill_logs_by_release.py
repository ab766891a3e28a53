"""A failure belongs to the release that produced it: a pod of another release never logs it (redteam39 F2).

mass-failure, rolled back with ``kubectl rollout undo``: in the ~45 s the rollout takes, flows still run on the v1.2.0
pods, and some fail with the bad release's errors (psql lists them: the fading failures). The v1.1.0 pods that
replaced them logged those failures as their own ("schema_version 20251120_002 rejected" from a pod serving
20251104_001) and the gateway client's 502 warning, so the runbook's own check of the rollback read "the old release
still rejects the new schema".
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from tests.unit.standins_corpus import START, run_one
from warroom.drill.activity import Activity
from warroom.drill.cluster import build_cluster
from warroom.drill.directory import create_drill

UNDO = 900.0
SCHEMA = "schema_version 20251120_002 rejected"
GATEWAY = "model API 5xx from model-gateway"


def test_the_new_release_never_logs_the_old_ones_errors() -> None:
    d = create_drill(Path(tempfile.mkdtemp()), "mass-failure", speed=10.0, start=START, name="undo")
    assert run_one(d, "kubectl rollout undo deployment/flowengine -n production".split(), UNDO)[0] == 0
    at = UNDO + 180.0
    flows = Activity(d.simulator.refresh(), build_cluster(d.scenario, d.actions(), at)).kept(at)
    fading = [f for f in flows if f.start >= UNDO and f.error and SCHEMA in f.error]
    assert fading, "the old pods fail flows while the rollout replaces them (the test needs some)"
    code, pods, _ = run_one(d, "kubectl get pods -n production -l app=flowengine --no-headers".split(), at)
    names = [line.split()[0] for line in pods.splitlines() if line.strip()]
    assert code == 0 and names
    logs = []
    for target in (*names, "deployment/flowengine"):
        code, out, err = run_one(d, ["kubectl", "logs", target, "-n", "production", "--since=10m"], at)
        assert code == 0, err
        assert SCHEMA not in out and GATEWAY not in out, (target, [ln for ln in out.splitlines()
                                                                   if SCHEMA in ln or GATEWAY in ln][:3])
        logs.append(out)
    assert "FlowEngine v1.1.0 started (schema 20251104_001" in logs[-1] and any(" tsk_" in out for out in logs)
    # CloudWatch holds every pod's lines: the old pods' failures are there
    code, out, _ = run_one(d, ["aws", "logs", "filter-log-events", "--log-group-name", "/aws/lambda/flowengine",
                               "--filter-pattern", "rejected", "--start-time", f"{int(d.wall_time(UNDO) * 1000)}"], at)
    assert code == 0 and any(f.task_id in out for f in fading)
