"""Each FlowEngine pod that starts logs its own start, naming the schema it serves (redteam48 F2).

mass-failure, RB-LAUNCH-005's hot-patch (``kubectl apply -f schema-hotfix.yaml``) then a restart: the schema
rejections end and ``/api/schemas/version`` says 20251104_001, but the one start line the logs held named the bad
schema (the env's ``SCHEMA_VERSION``, not what the pods read at start), and four of the five restarted pods logged no
start at all (one line at the revision's time, kept by the pods born before it). Now the line is each pod's, at its
creation as ``get pods`` dates it, in the schema ``Cluster.schema_version`` says (the one rule the flows and ``curl``
read); CloudWatch holds every pod's.
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path

from tests.unit.standins_corpus import run_one, warm_drill
from warroom.drill.cluster import STARTED

APPLY = "kubectl apply -f schema-hotfix.yaml -n production"
RESTART = "kubectl rollout restart deployment/flowengine -n production"
STARTS = "FlowEngine v1.2.0 started (schema "


def sh(drill, command: str, t: float) -> str:
    code, out, err = run_one(drill, shlex.split(command), t)
    assert code == 0, (command, out, err)
    return out


def test_every_restarted_pod_logs_its_own_start_in_the_schema_it_serves(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)         # the drill's own schema-hotfix.yaml
    drill = warm_drill(tmp_path, "mass-failure", name="start-lines")
    sh(drill, APPLY, 300.0)
    sh(drill, RESTART, 310.0)
    at = 400.0
    served = json.loads(sh(drill, "kubectl exec -n production deployment/flowengine -- curl -s "
                                  "http://localhost:8080/api/schemas/version", at))["version"]
    assert served == "20251104_001"
    pods = sh(drill, "kubectl get pods -n production -l app=flowengine -o json", at)
    made = {p["metadata"]["name"]: p["metadata"]["creationTimestamp"] for p in json.loads(pods)["items"]}
    assert len(made) == 5
    for name, created in made.items():
        lines = sh(drill, f"kubectl logs {name} -n production --timestamps", at).splitlines()
        starts = [ln for ln in lines if " started (schema " in ln]
        assert len(starts) == 1 and lines[0] == starts[0], (name, lines[:2])    # its own, and its first line
        assert f"{STARTS}{served}, replicas 5)" in starts[0], starts
        # logged STARTED s after the pod was created (``get pods``' AGE, the events' Started container a second before)
        stamp = drill.scenario_time(_unix(starts[0].split()[1]))
        assert abs(stamp - (drill.scenario_time(_unix(created)) + STARTED)) < 1.0, (name, starts[0], created)
    head = [ln for ln in sh(drill, "kubectl logs deployment/flowengine -n production", at).splitlines() if STARTS in ln]
    assert len(head) == 1 and served in head[0]
    events = json.loads(sh(drill, "aws logs filter-log-events --log-group-name /aws/lambda/flowengine "
                                  f"--filter-pattern started --start-time {int(drill.wall_time(305.0) * 1000)}", at))
    said = [e["message"] for e in events["events"]]
    assert len(said) == 5 and all(f"{STARTS}{served}," in m for m in said), said      # every pod's, in CloudWatch


def test_a_pod_a_scale_starts_logs_its_start_and_the_replicas_then(tmp_path: Path) -> None:
    drill = warm_drill(tmp_path, "timeout", name="scaled")
    sh(drill, "kubectl scale deployment/flowengine --replicas=7 -n production", 300.0)
    at = 320.0
    rows = sh(drill, "kubectl get pods -n production -l app=flowengine --no-headers", at).splitlines()
    young = [r.split()[0] for r in rows if r.split()[-1] == "20s"]
    assert len(young) == 1, rows
    lines = sh(drill, f"kubectl logs {young[0]} -n production", at).splitlines()
    assert lines and "FlowEngine v1.1.0 started (schema 20251104_001, replicas 7)" in lines[0], lines[:2]


def _unix(stamp: str) -> float:
    from datetime import datetime
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()
