"""A pod that goes (scaled away, replaced by a rollout, its deployment deleted) is the pod it was until it is gone:
its creation stays where it was, and ``get events`` says it went, as kubectl 1.28 shows it (issue 13 item 5).

The estate's audit-shipper pods read 30d while running and 40d (their revision's age) while terminating; postgres'
read 30d, then 90d once a rollout replaced them; nothing in ``get events`` said a pod had been stopped.
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest

from tests.unit.standins_corpus import run_one, warm_drill
from warroom.drill.directory import Drill


def _ask(drill: Drill, command: str, t: float) -> str:
    code, out, err = run_one(drill, shlex.split(command), t)
    assert code == 0, (command, t, err)
    return out


def _made(drill: Drill, t: float) -> dict[str, tuple[str, str]]:
    """Each production pod's (creationTimestamp, status) at ``t``."""
    items = json.loads(_ask(drill, "kubectl get pods -n production -o json", t))["items"]
    table = _ask(drill, "kubectl get pods -n production", t).splitlines()[1:]
    rows = {line.split()[0]: line.split()[2] for line in table}
    return {p["metadata"]["name"]: (p["metadata"]["creationTimestamp"], rows[p["metadata"]["name"]]) for p in items}


@pytest.mark.parametrize("command", [
    "kubectl scale deployment/audit-shipper --replicas=0 -n production",
    "kubectl scale deployment/audit-shipper --replicas=1 -n production",
    "kubectl delete deployment audit-shipper -n production",
    "kubectl rollout restart deployment/audit-shipper -n production",
    "kubectl rollout restart deployment/postgres -n production",
    "kubectl set env deployment/flowengine LOG_LEVEL=debug -n production",   # its sixth pod the autoscaler's
])
def test_a_pod_keeps_its_creation_while_it_terminates(tmp_path: Path, command: str) -> None:
    drill = warm_drill(tmp_path, "timeout")
    before = _made(drill, 599.0)
    _ask(drill, command, 600.0)
    seen = set()
    for t in (600.5, 601.0, 605.0, 611.0, 625.0, 641.0):
        for name, (made, status) in _made(drill, t).items():
            if name in before:
                assert made == before[name][0], (command, t, name, status)
                seen.add(status)
    assert "Terminating" in seen, command


def test_a_replicaset_says_the_replicas_its_deployment_wanted_of_it(tmp_path: Path) -> None:
    """The deployment controller annotates each ReplicaSet it scales with the deployment's replicas and those plus
    the surge (25%, rounded up), beside its revision; an old one keeps what was wanted when it was scaled down."""
    drill = warm_drill(tmp_path, "timeout")
    was = json.loads(_ask(drill, "kubectl get deployment flowengine -n production -o json", 599.0))["spec"]["replicas"]
    _ask(drill, "kubectl set env deployment/flowengine LOG_LEVEL=debug -n production", 600.0)
    _ask(drill, "kubectl scale deployment/flowengine --replicas=7 -n production", 700.0)
    sets = json.loads(_ask(drill, "kubectl get rs -n production -o json", 800.0))["items"]
    revision = {s["metadata"]["annotations"]["deployment.kubernetes.io/revision"]: s for s in sets
                if s["metadata"]["name"].startswith("flowengine-")}
    new, old = revision["7"]["metadata"], revision["6"]["metadata"]
    assert new["annotations"] == {"deployment.kubernetes.io/desired-replicas": "7",
                                  "deployment.kubernetes.io/max-replicas": "9",
                                  "deployment.kubernetes.io/revision": "7"}
    assert old["annotations"]["deployment.kubernetes.io/desired-replicas"] == str(was)
    assert old["annotations"]["deployment.kubernetes.io/max-replicas"] == str(was + -(-was // 4))
    text = _ask(drill, f"kubectl describe rs {new['name']} -n production", 800.0)
    assert "Annotations:    deployment.kubernetes.io/desired-replicas: 7\n" in text
    assert "\n                deployment.kubernetes.io/max-replicas: 9\n" in text


def test_yaml_has_no_anchors(tmp_path: Path) -> None:
    """kubectl writes each object whole: a ReplicaSet's labels, selector and template labels were ``&id001`` and
    ``*id001`` (PyYAML's anchors for one dict met thrice), which no kubectl prints."""
    out = _ask(warm_drill(tmp_path, "timeout"), "kubectl get rs -n production -o yaml", 600.0)
    assert "&id" not in out and "*id" not in out


def _events(drill: Drill, t: float) -> list[list[str]]:
    """``get events`` rows at ``t``: [LAST SEEN, TYPE, REASON, OBJECT, MESSAGE]."""
    rows = _ask(drill, "kubectl get events -n production", t).splitlines()[1:]
    return [line.split(None, 4) for line in rows]


def _said(rows: list[list[str]], reason: str) -> set[tuple[str, str]]:
    return {(r[3], r[4]) for r in rows if r[2] == reason}


@pytest.mark.parametrize(("command", "deleted"), [
    ("kubectl scale deployment/audit-shipper --replicas=0 -n production", True),
    ("kubectl rollout restart deployment/audit-shipper -n production", True),
    ("kubectl delete deployment audit-shipper -n production", False),      # the garbage collector deletes them
])
def test_a_pod_that_goes_is_killed_and_its_replicaset_says_so(tmp_path: Path, command: str, deleted: bool) -> None:
    """kubectl 1.28 lists ``Normal Killing pod/NAME Stopping container NAME`` (the kubelet) for each pod that goes,
    and ``Normal SuccessfulDelete replicaset/RS Deleted pod: NAME`` when its ReplicaSet was scaled down."""
    drill = warm_drill(tmp_path, "timeout")
    pods = [p for p in _made(drill, 599.0) if p.startswith("audit-shipper-")]
    _ask(drill, command, 600.0)
    rows = _events(drill, 700.0)
    assert {(f"pod/{p}", "Stopping container audit-shipper") for p in pods} <= _said(rows, "Killing"), rows
    [rs] = {f"replicaset/{p.rsplit('-', 1)[0]}" for p in pods}
    assert ({(rs, f"Deleted pod: {p}") for p in pods} <= _said(rows, "SuccessfulDelete")) is deleted
    assert rows == _events(drill, 700.0)
    if deleted:         # and describe names who said it
        text = _ask(drill, f"kubectl describe {rs} -n production", 700.0)
        assert f"  Normal  SuccessfulDelete  " in text and "replicaset-controller  Deleted pod: " in text, text


def test_a_pod_made_and_gone_within_the_hour_keeps_its_events(tmp_path: Path) -> None:
    """Events outlive their pod (their hour): a pod a restart made and the next one replaced kept no Scheduled,
    Pulled, Started or SuccessfulCreate row once it was gone."""
    drill = warm_drill(tmp_path, "timeout")
    _ask(drill, "kubectl rollout restart deployment/postgres -n production", 600.0)
    made = [p for p in _made(drill, 650.0) if p.startswith("postgres-")]
    _ask(drill, "kubectl rollout restart deployment/postgres -n production", 700.0)
    rows = _events(drill, 800.0)
    [pod] = made
    for reason in ("Scheduled", "Pulled", "Started", "Killing"):
        assert any(obj == f"pod/{pod}" for obj, _ in _said(rows, reason)), (reason, rows)
    assert any(said == f"Created pod: {pod}" for _, said in _said(rows, "SuccessfulCreate"))
    assert any(said == f"Deleted pod: {pod}" for _, said in _said(rows, "SuccessfulDelete"))


def test_describe_says_a_terminating_pod_lasts_past_its_grace(tmp_path: Path) -> None:
    """kubectl 1.28's describe of a pod being deleted: ``Terminating (lasts D)``, D the time since its deletion
    timestamp (the delete plus the 30 s grace period: ``<invalid>`` until the grace runs out), then its grace period;
    the drill said ``Terminating`` alone."""
    drill = warm_drill(tmp_path, "timeout")
    [pod, *_] = [p for p in _made(drill, 599.0) if p.startswith("audit-shipper-")]
    _ask(drill, "kubectl scale deployment/audit-shipper --replicas=0 -n production", 600.0)
    text = _ask(drill, f"kubectl describe pod {pod} -n production", 605.0)
    assert "\nStatus:                    Terminating (lasts <invalid>)\nTermination Grace Period:  30s\n" in text
    assert text.startswith(f"Name:                      {pod}\n")
