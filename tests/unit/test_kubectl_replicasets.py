"""``kubectl get rs`` in the drill, and objects ``get`` lists that a verb cannot touch.

``describe deployment`` names its ReplicaSets, so an IC asks for them next; ``get rs`` was refused. Each
ReplicaSet's replicas are the pods carrying its hash that are not terminating, so ``get rs``, ``get pods``
and ``describe deployment`` agree at every moment of a rollout, a scale and an undo.

``kubectl delete node node-1`` (or a configmap, a ReplicaSet) said ``NotFound`` for an object ``get`` lists;
a kind every cluster serves (ingresses) was "the server doesn't have a resource type".
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.unit.standins_corpus import START, run_one, warm_drill
from warroom.drill.directory import Drill

NS = ["-n", "production"]
MOMENTS = [590.0, 603.0, 610.0, 618.0, 640.0, 905.0, 912.0, 1210.0, 1216.0, 1300.0]


@pytest.fixture(scope="module")
def drill(tmp_path_factory: pytest.TempPathFactory) -> Drill:
    d = warm_drill(tmp_path_factory.mktemp("d"), "rate-limit", speed=10.0, start=START)
    for t, argv in ((600.0, ["set", "env", "deployment/flowengine", "MAX_CONCURRENT_FLOWS=3"]),
                    (900.0, ["scale", "deployment/flowengine", "--replicas=7"]),
                    (1200.0, ["rollout", "undo", "deployment/flowengine"])):
        assert run_one(d, ["kubectl", *argv, *NS], t)[0] == 0
    return d


@pytest.mark.parametrize("t", MOMENTS)
def test_replicasets_count_the_pods_that_carry_their_hash(drill: Drill, t: float) -> None:
    sets = json.loads(run_one(drill, ["kubectl", "get", "rs", *NS, "-o", "json"], t)[1])["items"]
    pods = json.loads(run_one(drill, ["kubectl", "get", "pods", *NS, "-o", "json"], t)[1])["items"]
    table = run_one(drill, ["kubectl", "get", "rs", *NS], t)[1].splitlines()
    assert [row.split()[0] for row in table[1:]] == sorted(s["metadata"]["name"] for s in sets)
    for rs, row in zip(sets, table[1:], strict=True):
        h = rs["metadata"]["labels"]["pod-template-hash"]
        mine = [p for p in pods if p["metadata"]["labels"].get("pod-template-hash") == h]
        counted = [p for p in mine if p["metadata"]["name"] not in terminating(drill, t)]
        ready = sum(p["status"].get("containerStatuses", [{}])[0].get("ready", False) for p in counted)
        assert (rs["spec"]["replicas"], rs["status"]["replicas"], rs["status"]["readyReplicas"]) == (
            len(counted), len(counted), ready), (t, rs["metadata"]["name"])
        assert row.split()[1:4] == [str(len(counted)), str(len(counted)), str(ready)]
    text = run_one(drill, ["kubectl", "describe", "deployment", "flowengine", *NS], t)[1]
    m = re.search(r"^NewReplicaSet:\s+(\S+) \((\d+)/", text, re.M)
    assert m and any(s["metadata"]["name"] == m[1] and s["spec"]["replicas"] == int(m[2]) for s in sets)


def terminating(drill: Drill, t: float) -> set[str]:
    rows = run_one(drill, ["kubectl", "get", "pods", *NS], t)[1].splitlines()[1:]
    return {r.split()[0] for r in rows if r.split()[2] == "Terminating"}


@pytest.mark.parametrize(("argv", "said"), [
    (["delete", "node", "node-1"], "`kubectl delete node` is not simulated"),
    (["delete", "configmap", "flowengine-config", *NS], "`kubectl delete configmap` is not simulated"),
    (["delete", "rs", "flowengine-29m2pqbrh9", *NS], "`kubectl delete replicaset` is not simulated"),
    (["patch", "node", "node-1", "-p", "{}"], "`kubectl patch node` is not simulated"),
    (["patch", "rs", "flowengine-29m2pqbrh9", *NS, "-p", "{}"], "`kubectl patch replicaset` is not simulated"),
    (["delete", "configmap", "nope", *NS], 'configmaps "nope" not found'),
    (["patch", "node", "nope", "-p", "{}"], 'nodes "nope" not found'),
])
def test_an_object_get_lists_is_never_not_found(drill: Drill, argv: list[str], said: str) -> None:
    code, out, err = run_one(drill, ["kubectl", *argv], 500.0)
    assert (code, out) == (1, "") and said in err, err


@pytest.mark.parametrize("kind", ["ingress", "jobs", "cronjobs", "ds", "pdb"])
def test_a_kind_every_cluster_serves_has_none_here(drill: Drill, kind: str) -> None:
    assert run_one(drill, ["kubectl", "get", kind, *NS], 500.0) == (0, "", "No resources found in production namespace.\n")


@pytest.mark.parametrize("t", MOMENTS)
def test_the_deployment_counts_what_its_replicasets_hold(drill: Drill, t: float) -> None:
    """Mid-rollout the old and new sets hold six pods for five desired: ``status.replicas`` (describe's
    "total") is their sum, and "unavailable" the ones of those not available, as the deployment controller's
    calculateStatus makes them; it said "5 total | 0 unavailable" beside a get rs of 3 + 3."""
    sets = json.loads(run_one(drill, ["kubectl", "get", "rs", *NS, "-l", "app=flowengine", "-o", "json"], t)[1])["items"]
    dep = json.loads(run_one(drill, ["kubectl", "get", "deploy", "flowengine", *NS, "-o", "json"], t)[1])
    held, available = (sum(s["status"][k] for s in sets) for k in ("replicas", "availableReplicas"))
    assert dep["status"]["replicas"] == held, t
    assert dep["status"].get("unavailableReplicas", 0) == max(0, held - available), t
    text = run_one(drill, ["kubectl", "describe", "deployment", "flowengine", *NS], t)[1]
    assert f"| {held} total | {available} available | {max(0, held - available)} unavailable" in text, t


@pytest.fixture(scope="module")
def rescaled(tmp_path_factory: pytest.TempPathFactory) -> Drill:
    d = warm_drill(tmp_path_factory.mktemp("r"), "rate-limit", speed=10.0, start=START)
    for t, n in ((300.0, 0), (400.0, 2)):          # the autoscaler then brings it to its minimum, 5
        assert run_one(d, ["kubectl", "scale", "deployment/flowengine", f"--replicas={n}", *NS], t)[0] == 0
    return d


@pytest.mark.parametrize("t", [430.0, 440.0, 500.0, 900.0])
def test_a_pod_a_scale_started_keeps_its_age_through_the_next_scale(rescaled: Drill, t: float) -> None:
    """Scaled to 0 then 2, the two new pods read 30 s and 7 s; once the autoscaler took it to 5 they read 6d
    (the revision's age) and their Scheduled events were gone: a scale-up kept only the last scale in mind."""
    pods = json.loads(run_one(rescaled, ["kubectl", "get", "pods", *NS, "-l", "app=flowengine", "-o", "json"], t)[1])
    made = [p["metadata"]["creationTimestamp"] for p in pods["items"]]
    assert made and all(rescaled.wall_time(300.0) <= iso(m) <= rescaled.wall_time(t) for m in made), (t, made)


def iso(stamp: str) -> float:
    from datetime import datetime
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


@pytest.fixture(scope="module")
def undone(tmp_path_factory: pytest.TempPathFactory) -> Drill:
    d = warm_drill(tmp_path_factory.mktemp("u"), "rate-limit", speed=10.0, start=START)
    for t, argv in ((600.0, ["rollout", "restart", "deployment/flowengine"]),
                    (700.0, ["rollout", "undo", "deployment/flowengine"]),
                    (800.0, ["rollout", "undo", "deployment/flowengine", "--to-revision=4"])):
        assert run_one(d, ["kubectl", *argv, *NS], t)[0] == 0, argv
    return d


def test_an_undo_rewrites_no_past(undone: Drill) -> None:
    """An undo moves the revision it restores to the top of the history; the events, ReplicaSets and deployment
    were read off that reordered list, so after undoing a restart the restart's events scaled down v1.0.3's set
    (which had no pod), the restored set read AGE 60s (it is 6 days old), and undoing to the first revision
    made the deployment 12 days old instead of 21."""
    def made(kind: str, name: str, t: float) -> str:
        obj = json.loads(run_one(undone, ["kubectl", "get", kind, name, *NS, "-o", "json"], t)[1])
        return str(obj["metadata"]["creationTimestamp"])
    sets = json.loads(run_one(undone, ["kubectl", "get", "rs", *NS, "-l", "app=flowengine", "-o", "json"], 590.0)[1])
    before = next(s["metadata"]["name"] for s in sets["items"] if s["status"]["replicas"])
    events = run_one(undone, ["kubectl", "get", "events", *NS], 690.0)[1]
    assert re.findall(r"Scaled down replica set (\S+) to 4 from 5", events) == [before], events
    assert made("rs", before, 590.0) == made("rs", before, 760.0) == made("rs", before, 900.0)
    assert made("deployment", "flowengine", 590.0) == made("deployment", "flowengine", 900.0)
    later = run_one(undone, ["kubectl", "get", "events", *NS], 760.0)[1]
    assert re.findall(r"Scaled down replica set (\S+) to 4 from 5", later)[0] == before, later
