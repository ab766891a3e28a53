"""Issue 13 item 5: a Deployment applied in a drill (RB-DEPLOY-002's canary) keeps its manifest's labels, as a real
cluster does: the object its own (none in the runbook's manifest), its selector its ``matchLabels``, its pods their
template's plus the ``pod-template-hash`` their ReplicaSet adds; every selector (``=``, ``!=``, ``in``, ``notin``,
``key``, ``!key``) and every output form (``--show-labels``, ``-o wide``, ``-o json``, ``describe``, ``rollout
history``) reads those, and the Service's ``app=flowengine`` decides whether its pods take FlowEngine's flows.
Formats as Debian's kubectl prints them against an API server (labels by key; ``<none>`` for none). ~2 s."""

from __future__ import annotations

import json
from pathlib import Path

from tests.unit.standins_corpus import run_one
from tests.unit.test_blocks_metrics_compare import MANIFEST, drill_with_canary
from warroom.drill.cluster import build_cluster
from warroom.drill.directory import Drill

AT = 400.0


def kubectl(drill: Drill, *args: str) -> str:
    code, out, err = run_one(drill, ["kubectl", "-n", "production", *args], AT)
    assert code == 0, err
    return out


def names(drill: Drill, selector: str) -> set[str]:
    return set(kubectl(drill, "get", "pods", "-l", selector, "-o", "name").split())


def test_an_applied_canary_s_pods_carry_its_template_s_labels_for_every_selector(tmp_path: Path) -> None:
    drill = drill_with_canary(tmp_path, "mass-failure", "flowengine:v1.2.0-canary")
    canary = {n for n in names(drill, "app=flowengine") if n.startswith("pod/flowengine-canary-")}
    regular = names(drill, "app=flowengine") - canary
    assert len(canary) == 1 and len(regular) == 5
    assert names(drill, "track=canary") == names(drill, "track in (canary,other)") == names(drill, "track") == canary
    assert names(drill, "app=flowengine,track!=canary") == names(drill, "app==flowengine,!track") == regular
    assert names(drill, "app in (flowengine),track notin (canary)") == regular
    assert names(drill, "track=canary,app!=flowengine") == set()
    pod = next(iter(canary)).removeprefix("pod/")
    labels = json.loads(kubectl(drill, "get", "pod", pod, "-o", "jsonpath={.metadata.labels}"))
    template_hash = pod.split("-")[2]
    assert list(labels.items()) == [("app", "flowengine"), ("pod-template-hash", template_hash), ("track", "canary")]
    row = next(line for line in kubectl(drill, "get", "pods", "--show-labels").splitlines() if line.startswith(pod))
    assert row.split()[-1] == f"app=flowengine,pod-template-hash={template_hash},track=canary"
    assert (f"Labels:           app=flowengine\n                  pod-template-hash={template_hash}\n"
            "                  track=canary\nStatus:") in kubectl(drill, "describe", "pod", pod)
    assert names(drill, f"pod-template-hash={template_hash}") == canary
    assert pod in kubectl(drill, "top", "pods", "-l", "track=canary")
    history = kubectl(drill, "rollout", "history", "deployment/flowengine-canary", "--revision=1")
    assert f"  Labels:\tapp=flowengine\n\tpod-template-hash={template_hash}\n\ttrack=canary\n" in history


def test_the_deployment_object_keeps_its_own_labels_and_its_selector(tmp_path: Path) -> None:
    drill = drill_with_canary(tmp_path, "mass-failure", "flowengine:v1.2.0-canary")
    dep = json.loads(kubectl(drill, "get", "deployment", "flowengine-canary", "-o", "json"))
    assert "labels" not in dep["metadata"]                  # the runbook's manifest gives the object none
    assert dep["spec"]["selector"] == {"matchLabels": {"app": "flowengine", "track": "canary"}}
    assert dep["spec"]["template"]["metadata"]["labels"] == {"app": "flowengine", "track": "canary"}
    assert kubectl(drill, "get", "deploy", "-l", "app=flowengine", "-o", "name") == "deployment.apps/flowengine\n"
    row = next(line for line in kubectl(drill, "get", "deploy", "-o", "wide", "--show-labels").splitlines()
               if line.startswith("flowengine-canary "))
    assert row.split()[-2:] == ["app=flowengine,track=canary", "<none>"]


def test_labels_decide_whether_its_pods_serve_and_a_label_change_is_a_new_revision(tmp_path: Path) -> None:
    drill = drill_with_canary(tmp_path, "mass-failure", "flowengine:v1.2.0-canary")
    cluster = build_cluster(drill.scenario, drill.actions())
    assert cluster.serves(cluster.deployments["flowengine-canary"])
    (path := tmp_path / "other.yaml").write_text(MANIFEST.replace("app: flowengine", "app: shadow").format(
        image="flowengine:v1.2.0-canary"), encoding="utf-8")
    code, out, err = run_one(drill, ["kubectl", "apply", "-n", "production", "-f", str(path)], AT - 50)
    assert (code, out) == (0, "deployment.apps/flowengine-canary configured\n"), err
    cluster = build_cluster(drill.scenario, drill.actions())
    assert not cluster.serves(cluster.deployments["flowengine-canary"])      # the Service no longer selects them
    assert [r.number for r in cluster.deployments["flowengine-canary"].history] == [1, 2]
    assert names(drill, "app=shadow") and not names(drill, "app=flowengine,track=canary")
