"""``kubectl exec``/``logs`` on a deployment answer as the pod kubectl picks, from that pod's own revision.

What was asked inside FlowEngine read the deployment's spec: one second after ``kubectl rollout undo`` in
mass-failure, ``/health`` said v1.1.0 and ``/api/schemas/version`` the old schema while every ready pod still
ran v1.2.0 (the first new pod was ContainerCreating) and the flows kept failing on the new schema. kubectl
picks a deployment's most active pod (``sort.Reverse(ActivePods)``: ready first, then the oldest), and what
is asked inside a pod (``/health``, ``/api/schemas/version``, ``printenv``) is answered by the revision it
runs (``set image`` keeps the env: only the code goes back). Swept every 5 scenario seconds through a
rollout back and one forward to the old image, in-process at chosen moments.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.unit.standins_corpus import SPEED, START, run_one, warmed
from warroom.drill.directory import Drill, create_drill

EXEC = "kubectl exec -n production deployment/flowengine -- "


def _ask(drill: Drill, command: str, t: float) -> tuple[str, str]:
    code, out, err = run_one(drill, command.split(), t)
    assert code == 0, (command, t, err)
    return out, err


def _picked(drill: Drill, t: float) -> tuple[str, str]:
    """(name, image tag) of the pod kubectl picks at ``t``: of the Running pods, a ready one, the oldest."""
    table = _ask(drill, "kubectl get pods -n production -l app=flowengine", t)[0].splitlines()[1:]
    status = {line.split()[0]: line.split()[2] for line in table}
    items = json.loads(_ask(drill, "kubectl get pods -n production -l app=flowengine -o json", t)[0])["items"]
    pods = sorted((not i["status"]["containerStatuses"][0]["ready"], i["metadata"]["creationTimestamp"],
                   i["status"]["containerStatuses"][0]["image"].rsplit(":", 1)[-1], i["metadata"]["name"])
                  for i in items if status[i["metadata"]["name"]] == "Running")
    return pods[0][3], pods[0][2]


@pytest.mark.parametrize(("change", "env_goes_back"), [
    ("kubectl rollout undo deployment/flowengine -n production", True),     # the revision before the release
    ("kubectl set image deployment/flowengine flowengine=registry.internal/flowengine:v1.1.0 -n production", False)])
def test_what_is_asked_inside_flowengine_is_answered_by_the_pod_kubectl_picks(tmp_path: Path, change: str,
                                                                               env_goes_back: bool) -> None:
    drill = warmed(create_drill(tmp_path, "mass-failure", speed=SPEED, start=START, name="exec"))
    bad, schema = drill.scenario.facts["bad_version"], drill.scenario.facts["bad_schema"]
    _ask(drill, change, 600.0)
    seen = set()
    for t in [595.0 + 5.0 * k for k in range(25)]:
        name, version = _picked(drill, t)
        seen.add(version)
        health = json.loads(_ask(drill, EXEC + "curl -s http://localhost:8080/health", t)[0])
        assert health["version"] == version, (t, name, health)
        said = json.loads(_ask(drill, EXEC + "curl -s http://localhost:8080/api/schemas/version", t)[0])["version"]
        assert (said == schema) == (version == bad), (t, version, said)
        env = _ask(drill, EXEC + "printenv", t)[0]
        assert (f"SCHEMA_VERSION={schema}" in env) == (version == bad or not env_goes_back), (t, version, env)
        assert f"using pod/{name}" in _ask(drill, "kubectl logs deployment/flowengine -n production --tail=1", t)[1], t
    assert seen == {bad, "v1.1.0"}, seen            # the sweep saw the rollout from one release to the other
