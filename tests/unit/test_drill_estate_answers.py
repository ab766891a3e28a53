"""What the estate does is what the stand-ins say it did (redteam42): a FlowEngine deleted and applied again runs again
(R13: ``kubectl apply -f`` of its Deployment answered "deployment.apps/flowengine created" and created nothing); a
repository off the allowlist runs no flow, a retry included (R17)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from tests.unit.standins_corpus import run_one, warm_drill

MANIFEST = """apiVersion: apps/v1
kind: Deployment
metadata: {name: flowengine, namespace: production, labels: {app: flowengine}}
spec:
  replicas: 5
  selector: {matchLabels: {app: flowengine}}
  template:
    metadata: {labels: {app: flowengine}}
    spec: {containers: [{name: flowengine, image: "registry.internal/flowengine:v1.1.0"}]}
"""


def test_a_deleted_flowengine_applied_again_is_created_and_runs_its_pods(tmp_path: Path) -> None:
    drill, manifest = warm_drill(tmp_path, "mass-failure"), tmp_path / "fe.yaml"
    manifest.write_text(MANIFEST)
    assert run_one(drill, shlex.split("kubectl delete deployment flowengine -n production"), 300.0)[0] == 0
    code, out, err = run_one(drill, ["kubectl", "apply", "-f", str(manifest), "-n", "production"], 400.0)
    assert (code, out) == (0, "deployment.apps/flowengine created\n"), err
    code, out, err = run_one(drill, shlex.split("kubectl get deployment flowengine -n production"), 700.0)
    assert code == 0 and " 5/5 " in out, (out, err)
    sim = drill.simulator
    sim.refresh()
    assert sim.signals.running(700.0) and not sim.signals.running(350.0)
    assert sim.signals.on_bad_release(700.0) == 0.0        # its pods run v1.1.0: off the bad release


def test_a_retry_of_a_flow_whose_repository_left_the_allowlist_is_refused(tmp_path: Path) -> None:
    """redteam42 R17: with the pilot alone on the allowlist, a new flow of another repository was refused and a retry
    of one of its failed flows ran on FlowEngine (and failed again, counted)."""
    drill = warm_drill(tmp_path, "mass-failure")
    failed = "psql -At -c \"select task_id from tasks where status = 'failed' and repo = 'risk-engine' limit 1\""
    task = run_one(drill, shlex.split(failed), 300.0)[1].strip()
    assert run_one(drill, shlex.split("blocks config set repos.allowlist compliance-service"), 300.0)[0] == 0
    code, out, err = run_one(drill, ["blocks", "flow", "retry", task], 400.0)
    assert code != 0 and "'risk-engine' is not on repos.allowlist" in err and "Retrying" not in out, (out, err)


def test_rollout_pause_is_refused_by_name_not_answered_paused(tmp_path: Path) -> None:
    """redteam42 R14: `kubectl rollout pause` answered "paused" and changed nothing (the next set env rolled out at
    once); the drill does not model a paused Deployment, so it says so, as for `set resources`."""
    drill = warm_drill(tmp_path, "mass-failure")
    for verb in ("pause", "resume"):
        code, out, err = run_one(drill, shlex.split(f"kubectl rollout {verb} deployment/flowengine -n production"), 300.0)
        assert (code, out) == (1, "") and f"`kubectl rollout {verb}` is not simulated" in err, (out, err)


def test_the_pilot_era_revisions_carry_the_pilots_pool(tmp_path: Path) -> None:
    """redteam42 R19: revisions 4 and 5 (the pilot's releases) showed DB_POOL_SIZE 200, the pool revision 6's cause
    says Phase 6 brought ("Phase 6 scaling (HPA, pool 200)"; RB-LAUNCH-002 puts "the pool back to the pilot's 100")."""
    drill = warm_drill(tmp_path, "mass-failure")
    history = "kubectl rollout history deployment/flowengine -n production --revision={}"
    pools = [re.search(r"DB_POOL_SIZE:\s+(\d+)", run_one(drill, shlex.split(history.format(n)), 240.0)[1])
             for n in (4, 5, 6)]
    assert [m[1] if m else None for m in pools] == ["100", "100", "200"]
