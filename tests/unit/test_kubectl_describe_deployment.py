"""``kubectl describe deployment`` in the drill: the command an IC types after ``set env`` or during a rollout.

It was refused ("not simulated; use get -o yaml"). It is drawn from the same object ``get -o json`` shows
and the same pods and events ``get pods`` and ``get events`` list, so the three cannot disagree; a rollout
half done shows both ReplicaSets, and its events say only the steps taken by then.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.unit.standins_corpus import START, run_one
from warroom.drill.directory import Drill, create_drill
from warroom.drill.standins.base import tabwrite

NS = ["-n", "production"]


@pytest.fixture(scope="module")
def drill(tmp_path_factory: pytest.TempPathFactory) -> Drill:
    d = create_drill(tmp_path_factory.mktemp("d"), "rate-limit", speed=10.0, start=START)
    assert run_one(d, ["kubectl", "set", "env", "deployment/flowengine", *NS, "MAX_CONCURRENT_FLOWS=3"], 600.0)[0] == 0
    return d


def field(text: str, name: str) -> str:
    m = re.search(rf"^{name}:\s+(.*)$", text, re.M)
    assert m, (name, text)
    return m[1]


@pytest.mark.parametrize("t", [590.0, 610.0, 627.0, 700.0])
def test_describe_agrees_with_get_pods_and_events(drill: Drill, t: float) -> None:
    code, text, err = run_one(drill, ["kubectl", "describe", "deployment", "flowengine", *NS], t)
    assert code == 0, err
    api = json.loads(run_one(drill, ["kubectl", "get", "deployment", "flowengine", *NS, "-o", "json"], t)[1])
    spec, status, c = api["spec"], api["status"], api["spec"]["template"]["spec"]["containers"][0]
    assert field(text, "Replicas") == (f"{spec['replicas']} desired | {status['updatedReplicas']} updated | "
                                       f"{status['replicas']} total | {status['availableReplicas']} available | "
                                       f"{status.get('unavailableReplicas', 0)} unavailable")
    assert field(text, "    Image") == c["image"]
    assert [(m[1], m[2]) for m in re.finditer(r"^      (\w+):\s+(\S*)$", text.split("Environment:")[1].split(
        "Mounts:")[0], re.M)] == [(e["name"], e["value"]) for e in c["env"]]
    assert f"deployment.kubernetes.io/revision: {api['metadata']['annotations']['deployment.kubernetes.io/revision']}" in text
    pods = run_one(drill, ["kubectl", "get", "pods", *NS, "-l", "app=flowengine"], t)[1].splitlines()[1:]
    live: dict[str, int] = {}
    for row in pods:
        name, _, state = row.split()[:3]
        if state != "Terminating":
            live[name.rsplit("-", 2)[1]] = live.get(name.rsplit("-", 2)[1], 0) + 1
    new = re.fullmatch(r"flowengine-(\w+) \((\d+)/(\d+) replicas created\)", field(text, "NewReplicaSet"))
    assert new and int(new[2]) == live.pop(new[1], 0) and int(new[3]) == spec["replicas"]
    old = field(text, "OldReplicaSets")
    assert old == (", ".join(f"flowengine-{h} ({k}/{k} replicas created)" for h, k in live.items()) or "<none>")
    said = [ln.split(None, 4)[4] for ln in text.split("\nEvents:")[1].splitlines()[3:] if ln.strip()]
    listed = [ln.split(None, 4)[4] for ln in run_one(drill, ["kubectl", "get", "events", *NS], t)[1].splitlines()
              if "deployment/flowengine " in ln]
    assert said == listed                     # the same events, each a step already taken


def test_a_rollout_half_done_says_so_and_the_set_env_is_in_the_template(drill: Drill) -> None:
    text = run_one(drill, ["kubectl", "describe", "deploy/flowengine", *NS], 610.0)[1]
    assert "MAX_CONCURRENT_FLOWS:     3" in text and "ReplicaSetUpdated" in text
    assert field(text, "OldReplicaSets") != "<none>"
    assert "to 0 from" not in text.split("\nEvents:")[1]      # the old set is not scaled to 0 before it is
    done = run_one(drill, ["kubectl", "describe", "deployments", *NS], 900.0)[1]
    names = run_one(drill, ["kubectl", "get", "deployments", *NS, "-o", "name"], 900.0)[1].split()
    assert re.findall(r"^Name:\s+(\S+)$", done, re.M) == [n.split("/")[1] for n in names]
    assert done.count("NewReplicaSetAvailable") == len(names)


def test_a_deployment_that_is_not_there_is_kubectls_not_found(drill: Drill) -> None:
    code, out, err = run_one(drill, ["kubectl", "describe", "deployment", "nope", *NS], 600.0)
    assert (code, out) == (1, "") and 'deployments.apps "nope" not found' in err, err


def test_tabwrite_aligns_each_run_of_tabbed_lines_as_gos_tabwriter() -> None:
    assert tabwrite("a:\t1\nlong key:\t2\nno tab\nb:\t3\n") == "a:         1\nlong key:  2\nno tab\nb:  3\n"
    assert tabwrite("  T\tS\tR\n  Available\tTrue\tok\nOld:\tx") == "  T          S     R\n  Available  True  ok\nOld:         x"
