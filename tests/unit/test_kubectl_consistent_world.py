"""kubectl answers as the real one would from the drill's world at the moment asked, or refuses naming what it does not
simulate (issue 13 item 5): never silently cut, never silently wrong.

``kubectl logs --since=3h`` / ``--since-time`` were cut to the last two drill hours without a word (redteam36 F9);
a pod's log now holds every line since it started or since the world began, whichever is later.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from tests.unit.standins_corpus import run_one, warm_drill
from warroom.drill.activity import iso
from warroom.drill.directory import Drill


@pytest.fixture(scope="module")
def timeout(tmp_path_factory: pytest.TempPathFactory) -> Drill:
    return warm_drill(tmp_path_factory.mktemp("d"), "timeout")


def _ask(drill: Drill, command: str, t: float) -> str:
    code, out, err = run_one(drill, shlex.split(command), t)
    assert code == 0, (command, t, err)
    return out


def _stamps(out: str) -> list[str]:
    return [line.split()[0] for line in out.splitlines()]


def test_logs_since_further_back_than_two_hours_start_where_the_world_does(timeout: Drill) -> None:
    t = 9000.0
    since = _stamps(_ask(timeout, "kubectl logs deployment/audit-shipper -n production --since=3h", t))
    assert since[0] < iso(timeout.wall_time(t - 7200.0))            # it went back three hours, not two
    assert since[0] >= iso(timeout.wall_time(-7200.0))              # no line before the world began
    start = iso(timeout.wall_time(0.0)).replace(".000Z", "Z")
    since_time = _stamps(_ask(timeout, f"kubectl logs deployment/audit-shipper -n production --since-time={start}", t))
    assert since_time[0] >= iso(timeout.wall_time(0.0)) and since_time[0] < iso(timeout.wall_time(60.0))
    assert since_time == [s for s in since if s >= iso(timeout.wall_time(0.0))]
    # no --since: the whole log, as kubectl prints it
    assert _ask(timeout, "kubectl logs deployment/audit-shipper -n production", t) == _ask(
        timeout, "kubectl logs deployment/audit-shipper -n production --since=100h", t)


def test_a_restarted_pods_log_begins_at_its_start(tmp_path: Path) -> None:
    drill = warm_drill(tmp_path, "timeout")
    _ask(drill, "kubectl rollout restart deployment/audit-shipper -n production", 600.0)
    out = _ask(drill, "kubectl logs deployment/audit-shipper -n production --since=3h", 1500.0)
    assert "connected to audit-store" in out.splitlines()[0]
    assert out.splitlines()[0].split()[0] > iso(drill.wall_time(600.0))


def test_logs_of_a_pod_with_fixed_lines_keep_to_the_window(timeout: Drill) -> None:
    """postgres' checkpoint lines fell in the last 150 s whatever ``--since`` asked."""
    assert _ask(timeout, "kubectl logs deployment/postgres -n production --since=1m", 900.0).count("\n") == 2


def _json(drill: Drill, command: str, t: float) -> dict:
    import json

    return json.loads(_ask(drill, command, t))


def _field(text: str, key: str) -> str:
    return next(line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith(key + ":"))


def test_describe_hpa_reads_the_object_get_shows(timeout: Drill) -> None:
    """redteam36 F5: refused, though "raise the HPA floor" is a runbook's option."""
    hpa = _json(timeout, "kubectl get hpa flowengine -n production -o json", 1500.0)
    text = _ask(timeout, "kubectl describe hpa flowengine -n production", 1500.0)
    spec, status = hpa["spec"], hpa["status"]
    current = status["currentMetrics"][0]["resource"]["current"]
    assert text.startswith("Name:                                                  flowengine\n")
    assert _field(text, "Reference") == "Deployment/flowengine"
    assert (f"  resource cpu on pods  (as a percentage of request):  {current['averageUtilization']}% "
            f"({current['averageValue']}) / 70%\n") in text
    assert (_field(text, "Min replicas"), _field(text, "Max replicas")) == (str(spec["minReplicas"]),
                                                                            str(spec["maxReplicas"]))
    pods = f"{status['currentReplicas']} current / {status['desiredReplicas']} desired"
    assert _field(text, "Deployment pods") == pods
    for c in status["conditions"]:
        assert f"  {c['type']}" in text and c["message"] in text
    assert [c["type"] for c in status["conditions"]] == ["AbleToScale", "ScalingActive", "ScalingLimited"]


def test_describe_hpa_of_a_deployment_at_zero(tmp_path: Path) -> None:
    drill = warm_drill(tmp_path, "timeout")
    _ask(drill, "kubectl scale deployment/flowengine -n production --replicas=0", 600.0)
    text = _ask(drill, "kubectl describe hpa flowengine -n production", 700.0)
    assert "(as a percentage of request):  <unknown> / 70%" in text
    assert "Deployment pods:                                       0 current / 0 desired" in text
    assert re.search(r"\n  ScalingActive +False +ScalingDisabled +scaling is disabled since the replica count of "
                     "the target is zero\n", text)


def test_describe_replicaset_and_service_agree_with_get(timeout: Drill) -> None:
    sets = _json(timeout, "kubectl get rs -n production -o json", 1500.0)["items"]
    rs = next(s for s in sets if s["metadata"]["name"].startswith("flowengine-") and s["spec"]["replicas"])
    text = _ask(timeout, f"kubectl describe rs {rs['metadata']['name']} -n production", 1500.0)
    n = rs["spec"]["replicas"]
    assert text.startswith(f"Name:           {rs['metadata']['name']}\nNamespace:      production\n")
    assert f"Replicas:       {n} current / {n} desired\n" in text
    assert f"Pods Status:    {n} Running / 0 Waiting / 0 Succeeded / 0 Failed\n" in text
    assert "Controlled By:  Deployment/flowengine\n" in text and "    Image:      " in text
    assert _ask(timeout, "kubectl describe rs -n production", 1500.0).count("Name:  ") == len(sets)
    svc = _json(timeout, "kubectl get svc flowengine -n production -o json", 1500.0)
    row = _ask(timeout, "kubectl get endpoints flowengine -n production", 1500.0).splitlines()[1].split(None, 1)[1]
    text = _ask(timeout, "kubectl describe svc flowengine -n production", 1500.0)
    assert _field(text, "IP") == svc["spec"]["clusterIP"] and _field(text, "Selector") == "app=flowengine"
    assert _field(text, "Endpoints") == row.rsplit(None, 1)[0]
    assert "Port:              http  8080/TCP\nTargetPort:        8080/TCP\n" in text


def test_namespaces_are_listed(timeout: Drill) -> None:
    rows = _ask(timeout, "kubectl get namespaces", 1500.0).splitlines()
    assert rows[0].split() == ["NAME", "STATUS", "AGE"]
    names = [r.split()[0] for r in rows[1:]]
    assert {"production", "monitoring", "default", "kube-system"} <= set(names) and names == sorted(names)
    assert all(r.split()[1] == "Active" for r in rows[1:])
    assert _ask(timeout, "kubectl get ns production -o jsonpath={.status.phase}", 1500.0) == "Active"


def test_lists_come_in_the_api_servers_order(timeout: Drill) -> None:
    for what in ("pods", "deployments", "secrets"):
        names = [r.split()[0] for r in _ask(timeout, f"kubectl get {what} -n production", 1500.0).splitlines()[1:]]
        assert names == sorted(names), what
    rows = [r.split()[:2] for r in _ask(timeout, "kubectl get pods -A", 1500.0).splitlines()[1:]]
    assert rows == sorted(rows)


def test_a_pod_name_is_never_used_twice(tmp_path: Path) -> None:
    drill = warm_drill(tmp_path, "timeout")

    def names(t: float) -> set[str]:
        return set(_ask(drill, "kubectl get pods -n production -l app=flowengine -o name", t).split())

    before = names(590.0)
    _ask(drill, "kubectl scale deployment/flowengine -n production --replicas=0", 600.0)
    _ask(drill, "kubectl scale deployment/flowengine -n production --replicas=5", 700.0)
    after = names(800.0)
    assert len(after) >= 5 and not after & before


def test_a_deleted_deployments_pods_terminate_then_go(tmp_path: Path) -> None:
    drill = warm_drill(tmp_path, "timeout")
    _ask(drill, "kubectl delete deployment audit-shipper -n production", 600.0)
    rows = _ask(drill, "kubectl get pods -n production", 601.0).splitlines()[1:]
    assert [r.split()[2] for r in rows if r.startswith("audit-shipper-")] == ["Terminating", "Terminating"]
    assert "audit-shipper-" not in _ask(drill, "kubectl get pods -n production", 620.0)


def test_endpoints_list_pods_not_ready_apart(tmp_path: Path) -> None:
    drill = warm_drill(tmp_path, "timeout")
    _ask(drill, "kubectl scale deployment/flowengine -n production --replicas=8", 600.0)
    pods = _json(drill, "kubectl get pods -n production -l app=flowengine -o json", 605.0)["items"]
    ep = _json(drill, "kubectl get endpoints flowengine -n production -o json", 605.0)
    [subset] = ep["subsets"]
    ready = [a["ip"] for a in subset["addresses"]]
    waiting = [a["ip"] for a in subset.get("notReadyAddresses", [])]
    assert waiting and ready == sorted(ready) and waiting == sorted(waiting)
    assert waiting == sorted(p["status"]["podIP"] for p in pods if p["status"].get("podIP") and not p["status"][
        "containerStatuses"][0]["ready"])


def test_a_scale_down_terminates_only_the_pods_it_had_started(tmp_path: Path) -> None:
    """Scaled up to 20 and at once to 0, the pods the scale-up had not started yet were listed Terminating or Pending
    with AGE <invalid> (made in the future)."""
    drill = warm_drill(tmp_path, "timeout")
    _ask(drill, "kubectl delete hpa flowengine -n production", 590.0)
    _ask(drill, "kubectl scale deployment/flowengine -n production --replicas=20", 600.0)
    _ask(drill, "kubectl scale deployment/flowengine -n production --replicas=0", 602.0)
    rows = [r.split() for r in _ask(drill, "kubectl get pods -n production -l app=flowengine", 603.0).splitlines()[1:]]
    # (its ReplicaSet made all 20 at once: attack50 A5, it made one every 2.25 s)
    assert len(rows) == 20 and all(r[2] == "Terminating" and r[4] != "<invalid>" for r in rows), rows


def test_events_have_happened_and_a_replicaset_says_what_it_created(tmp_path: Path) -> None:
    """A pod started a second ago had its "Pulled" and "Started" events listed already, aged <invalid> (in the
    future); ``describe rs`` said ``Events: <none>`` for the ReplicaSet that had just created it."""
    drill = warm_drill(tmp_path, "timeout")
    _ask(drill, "kubectl rollout restart deployment/audit-shipper -n production", 600.0)
    rows = _ask(drill, "kubectl get events -n production", 601.0).splitlines()
    assert not [r for r in rows if "<invalid>" in r]
    pod = next(r.split()[3].removeprefix("pod/") for r in rows if " Scheduled " in r and "audit-shipper" in r)
    rs = pod.rsplit("-", 1)[0]
    assert f"replicaset/{rs}" in _ask(drill, "kubectl get events -n production", 601.0)
    assert re.search(rf"Normal +SuccessfulCreate +\S+ +replicaset-controller +Created pod: {pod}\n",
                     _ask(drill, f"kubectl describe rs {rs} -n production", 601.0))


def test_get_hpa_targets_as_a_1_28_server_prints_them(timeout: Drill) -> None:
    """The drill's server is v1.28.9 (``kubectl version``): its HPA table names no metric in TARGETS ("cpu: 70%/70%"
    is how v1.30 and later print it)."""
    hpa = _json(timeout, "kubectl get hpa flowengine -n production -o json", 1500.0)
    now = hpa["status"]["currentMetrics"][0]["resource"]["current"]["averageUtilization"]
    row = _ask(timeout, "kubectl get hpa flowengine -n production", 1500.0).splitlines()[1].split()
    assert row[2] == f"{now}%/70%"


def test_describe_pod_says_what_get_and_get_events_say(tmp_path: Path) -> None:
    """A pod being created was described "Status: ContainerCreating" (kubectl: its phase, Pending; the container
    Waiting for that reason) with "Events: <none>" beside the Scheduled, Pulled and Started ``get events`` listed."""
    drill = warm_drill(tmp_path, "timeout")
    _ask(drill, "kubectl rollout restart deployment/audit-shipper -n production", 600.0)
    rows = [r.split() for r in _ask(drill, "kubectl get pods -n production", 605.0).splitlines()[1:]]
    pod = next(r[0] for r in rows if r[2] == "ContainerCreating")
    text = _ask(drill, f"kubectl describe pod {pod} -n production", 605.0)
    assert "\nStatus:           Pending\n" in text
    assert "    State:          Waiting\n      Reason:       ContainerCreating\n" in text
    assert re.search(rf"\n  Normal  Scheduled  \S+ +default-scheduler  Successfully assigned production/{pod} to", text)
    assert " Started " not in text          # its container starts as it becomes Running, not while being created
    later = _ask(drill, f"kubectl describe pod {pod} -n production", 700.0)
    assert "\nStatus:           Running\n" in later
    assert re.search(r"\n  Normal  Started +\S+ +kubelet +Started container", later)


def test_a_deleted_deployment_keeps_its_events_and_its_autoscaler_says_so(tmp_path: Path) -> None:
    """Events live an hour whatever happens to their object: a deleted deployment's rollouts vanished from
    ``get events`` at once; its autoscaler, left behind, said "scaling is disabled since the replica count of the
    target is zero" though there is no target (kubectl: it cannot get the target's scale)."""
    drill = warm_drill(tmp_path, "timeout")
    _ask(drill, "kubectl rollout restart deployment/flowengine -n production", 600.0)
    said = _ask(drill, "kubectl get events -n production", 700.0)
    assert "deployment/flowengine" in said
    _ask(drill, "kubectl delete deployment flowengine -n production", 710.0)
    assert [r.split()[1:] for r in said.splitlines() if "deployment/flowengine" in r] == [
        r.split()[1:] for r in _ask(drill, "kubectl get events -n production", 710.0).splitlines()
        if "deployment/flowengine" in r]
    text = _ask(drill, "kubectl describe hpa flowengine -n production", 720.0)
    assert re.search(r"\n  AbleToScale +False +FailedGetScale +the HPA controller was unable to get the target's "
                     r'current scale: deployments/scale.apps "flowengine" not found\n', text)


def test_a_scale_down_after_a_scale_up_brings_back_no_old_release(tmp_path: Path) -> None:
    """Scaled 6 -> 8 and taken back to 7 by the autoscaler, a pod of the release before (12 days old, Running) was
    listed beside the scale-up's: the scale-down took the scale-up's new pods for a rollout's, each replacing an old
    one."""
    drill = warm_drill(tmp_path, "timeout")
    _ask(drill, "kubectl scale deployment/flowengine -n production --replicas=8", 600.0)
    current = _json(drill, "kubectl get deployment flowengine -n production -o json", 605.0)["spec"]["template"]
    for t in (601.0, 605.0, 610.0, 630.0):
        pods = _json(drill, "kubectl get pods -n production -l app=flowengine -o json", t)["items"]
        assert {p["spec"]["containers"][0]["image"] for p in pods} == {current["spec"]["containers"][0]["image"]}, t
