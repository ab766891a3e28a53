"""``kubectl get svc`` and ``get endpoints`` in the drill.

Both were refused ("not simulated"), though the world has Services: FlowEngine's selects ``app=flowengine``,
which is how a canary applied beside it takes flows (``Cluster.serves``). Each Service's endpoints are the
ready pods it selects, so ``get endpoints``, ``get pods`` and the canary's share of flows agree at every
moment of a rollout.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.unit.standins_corpus import START, run_one
from tests.unit.test_blocks_metrics_compare import drill_with_canary
from warroom.drill.directory import Drill, create_drill


def ready_ips(drill: Drill, t: float, app: str, ns: str = "production") -> list[str]:
    pods = json.loads(run_one(drill, ["kubectl", "get", "pods", "-n", ns, "-o", "json"], t)[1])["items"]
    rows = {r.split()[0]: r.split()[2] for r in run_one(drill, ["kubectl", "get", "pods", "-n", ns], t)[1].splitlines()[1:]}
    return sorted(p["status"]["podIP"] for p in pods if p["metadata"]["labels"].get("app") == app      # by address,
                  and rows[p["metadata"]["name"]] == "Running" and p["status"]["containerStatuses"][0]["ready"])


def endpoints(drill: Drill, t: float, name: str, ns: str = "production") -> list[str]:
    ep = json.loads(run_one(drill, ["kubectl", "get", "endpoints", name, "-n", ns, "-o", "json"], t)[1])
    return [a["ip"] for s in ep["subsets"] for a in s["addresses"]]


@pytest.fixture(scope="module")
def drill(tmp_path_factory: pytest.TempPathFactory) -> Drill:
    d = create_drill(tmp_path_factory.mktemp("d"), "rate-limit", speed=10.0, start=START)
    assert run_one(d, "kubectl set env deployment/flowengine -n production MAX_CONCURRENT_FLOWS=3".split(), 600.0)[0] == 0
    assert run_one(d, "kubectl scale deployment/flowengine -n production --replicas=0".split(), 900.0)[0] == 0
    return d


@pytest.mark.parametrize("t", [590.0, 606.0, 613.0, 640.0, 905.0, 950.0])
def test_endpoints_are_the_ready_pods_each_service_selects(drill: Drill, t: float) -> None:
    for ns, name in (("production", "flowengine"), ("production", "postgres"), ("production", "audit-shipper"),
                     ("monitoring", "prometheus")):
        assert endpoints(drill, t, name, ns) == ready_ips(drill, t, name, ns), (t, name)
    row = run_one(drill, ["kubectl", "get", "ep", "flowengine", "-n", "production"], t)[1].splitlines()[1]
    ips = ready_ips(drill, t, "flowengine")
    assert row.split()[1] == (",".join(f"{ip}:8080" for ip in ips[:3]) or "<none>")
    assert (f"+ {len(ips) - 3} more..." in row) == (len(ips) > 3)


def test_a_canary_beside_flowengine_is_among_its_endpoints(tmp_path: Path) -> None:
    d = drill_with_canary(tmp_path, "mass-failure", "flowengine:v1.2.0-canary")
    canary = [r.split()[0] for r in run_one(d, ["kubectl", "get", "pods", "-n", "production", "-l", "track=canary"],
                                           400.0)[1].splitlines()[1:]]
    ip = json.loads(run_one(d, ["kubectl", "get", "pod", canary[0], "-n", "production", "-o", "json"], 400.0)[1])
    assert len(canary) == 1 and ip["status"]["podIP"] in endpoints(d, 400.0, "flowengine")


def test_services_list_as_kubectl_lists_them(drill: Drill) -> None:
    code, out, err = run_one(drill, ["kubectl", "get", "svc", "-A", "-o", "wide"], 600.0)
    assert code == 0 and out.splitlines()[0].split() == ["NAMESPACE", "NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP",
                                                         "PORT(S)", "AGE", "SELECTOR"], err
    rows = [r.split() for r in out.splitlines()[1:]]
    assert [(r[0], r[1], r[5], r[7]) for r in rows] == [
        ("monitoring", "prometheus", "9090/TCP", "app=prometheus"), ("production", "audit-shipper", "8080/TCP",
        "app=audit-shipper"), ("production", "flowengine", "8080/TCP", "app=flowengine"),
        ("production", "postgres", "5432/TCP", "app=postgres")]
    assert len({r[3] for r in rows}) == 4                          # each its own cluster IP
    code, _, err = run_one(drill, ["kubectl", "delete", "svc", "flowengine", "-n", "production"], 600.0)
    assert code == 1 and "`kubectl delete service` is not simulated" in err


@pytest.mark.parametrize("t", [590.0, 606.0, 640.0, 950.0])
def test_each_pod_has_its_own_address_and_each_endpoint_names_its_pod(drill: Drill, t: float) -> None:
    """A FlowEngine pod and postgres' were both 10.42.1.154 (the address hashed from the name), so endpoints
    of two services shared an address; and an address named no pod (no targetRef, no nodeName) to map it back."""
    pods = json.loads(run_one(drill, ["kubectl", "get", "pods", "-A", "-o", "json"], t)[1])["items"]
    ips = [p["status"]["podIP"] for p in pods if p["status"].get("podIP")]
    assert len(ips) == len(set(ips)), (t, sorted(ips))
    by_name = {p["metadata"]["name"]: p for p in pods}
    for ns, name in (("production", "flowengine"), ("production", "postgres"), ("monitoring", "prometheus")):
        ep = json.loads(run_one(drill, ["kubectl", "get", "endpoints", name, "-n", ns, "-o", "json"], t)[1])
        for a in (a for s in ep["subsets"] for a in s["addresses"]):
            pod = by_name[a["targetRef"]["name"]]
            assert (a["ip"], a["nodeName"]) == (pod["status"]["podIP"], pod["spec"]["nodeName"]), (t, a)
    scoped = json.loads(run_one(drill, ["kubectl", "get", "pods", "-n", "production", "-o", "json"], t)[1])["items"]
    assert all(p["status"].get("podIP") == by_name[p["metadata"]["name"]]["status"].get("podIP") for p in scoped)
