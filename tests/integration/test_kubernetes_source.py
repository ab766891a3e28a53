"""The cluster pane's data and native k8s steps against a local API server speaking apps/v1 and core/v1."""

from __future__ import annotations

import copy
import re
from datetime import datetime, timezone
from pathlib import Path

import pytest

from tests.integration.sources_kubeapi import NS, TEMPLATE_V1, FakeKubeAPI
from tests.integration.sources_http import Reply
from warroom.config import KubernetesConfig
from warroom.sources.kubernetes import KubeError, KubeSource, describe_target
from warroom.sources.native import k8s_target, run_k8s_step

pytestmark = pytest.mark.integration


@pytest.fixture
def api():
    with FakeKubeAPI(datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")) as fake:
        yield fake


def _cfg(api: FakeKubeAPI, tmp_path: Path, **kw) -> KubernetesConfig:
    """A config for the tests of what is read and sent: a timeout no busy machine reaches (5 s, a 16 s deadline,
    failed test_cluster_pane_snapshot once at a load of 8 on 2 cores); the deadline has tests of its own."""
    kc = api.kubeconfig(tmp_path / "kubeconfig", current=kw.pop("current", True))
    return KubernetesConfig(kubeconfig=str(kc), namespace=NS, timeout=30.0, **kw)


def test_cluster_pane_snapshot(api: FakeKubeAPI, tmp_path: Path) -> None:
    src = KubeSource(_cfg(api, tmp_path))
    try:
        snap = src.snapshot()
    finally:
        src.close()
    assert snap.error is None, snap.error
    assert snap.target.context == "staging-eu" and snap.target.cluster == "eu-cluster"
    assert snap.target.namespace == NS and snap.target.server == api.http.url
    [dep] = snap.deployments
    assert (dep.name, dep.desired, dep.ready, dep.available, dep.updated, dep.revision) == (
        "flowengine", 3, 2, 2, 2, "2")
    assert dep.rolling_out and dep.rollout == "2 of 3 new replicas updated" and not dep.healthy
    assert dep.images == ("registry.local/flowengine:1.42.0",)
    pods = {p.name: p for p in snap.pods}
    assert len(pods) == 4
    crash = pods["flowengine-7f6d4b8c5-bbbbb"]
    assert (crash.reason, crash.restarts, crash.ready) == ("CrashLoopBackOff (OOMKilled)", 6, "0/1")
    assert "back-off 5m0s" in crash.message
    assert pods["flowengine-7f6d4b8c5-ccccc"].reason == "ImagePullBackOff"
    assert pods["flowengine-7f6d4b8c5-aaaaa"].reason is None
    assert [p.reason is not None for p in snap.pods] == [True, True, False, False]  # problems first
    assert [(e.reason, e.object, e.count) for e in snap.events] == [
        ("BackOff", "Pod/flowengine-7f6d4b8c5-bbbbb", 14)]
    # The client asked for warnings only, with the deployment's own selector for pods.
    paths = {(r.path, tuple(sorted((k, v[0]) for k, v in r.query.items()))) for r in api.http.requests}
    assert (f"/api/v1/namespaces/{NS}/pods", (("labelSelector", "app=flowengine"),)) in paths
    assert (f"/api/v1/namespaces/{NS}/events", (("fieldSelector", "type=Warning"),)) in paths
    assert all(r.headers.get("authorization") == "Bearer test-token" for r in api.http.requests)


def test_scale_request_body(api: FakeKubeAPI, tmp_path: Path) -> None:
    res = run_k8s_step("scale deployment/flowengine replicas=5", _cfg(api, tmp_path))
    assert res.ok and res.exit_code == 0 and res.mutating, res
    assert res.lines == ("deployment.apps/flowengine scaled (replicas 3 → 5)",)
    assert res.target == {"context": "staging-eu", "cluster": "eu-cluster", "namespace": NS,
                          "server": api.http.url}
    [patch] = api.patches
    assert patch.method == "PATCH"
    assert patch.path == f"/apis/apps/v1/namespaces/{NS}/deployments/flowengine/scale"
    assert patch.headers["content-type"] == "application/merge-patch+json"
    assert patch.json() == {"spec": {"replicas": 5}}


def test_rollout_restart_request_body(api: FakeKubeAPI, tmp_path: Path) -> None:
    src = KubeSource(_cfg(api, tmp_path))
    try:
        lines = src.restart("flowengine", now=datetime(2026, 11, 22, 14, 2, 3, tzinfo=timezone.utc))
    finally:
        src.close()
    assert lines == ["deployment.apps/flowengine restarted (restartedAt 2026-11-22T14:02:03Z)"]
    [patch] = api.patches
    assert patch.path == f"/apis/apps/v1/namespaces/{NS}/deployments/flowengine"
    assert patch.headers["content-type"] == "application/strategic-merge-patch+json"
    assert patch.json() == {"spec": {"template": {"metadata": {"annotations": {
        "kubectl.kubernetes.io/restartedAt": "2026-11-22T14:02:03Z"}}}}}
    # Through the step runner the stamp is "now", in the same RFC 3339 form.
    res = run_k8s_step("kubectl rollout restart deployment/flowengine -n production", _cfg(api, tmp_path))
    assert res.ok
    stamp = api.patches[-1].json()["spec"]["template"]["metadata"]["annotations"]["kubectl.kubernetes.io/restartedAt"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", stamp)


def test_rollout_undo_request_body(api: FakeKubeAPI, tmp_path: Path) -> None:
    res = run_k8s_step("rollout undo deployment/flowengine", _cfg(api, tmp_path))
    assert res.ok, res
    assert res.lines == ("deployment.apps/flowengine rolled back to revision 1 (was 2)",)
    [patch] = api.patches
    assert patch.path == f"/apis/apps/v1/namespaces/{NS}/deployments/flowengine"
    assert patch.headers["content-type"] == "application/json-patch+json"
    template = copy.deepcopy(TEMPLATE_V1)
    del template["metadata"]["labels"]["pod-template-hash"]
    assert patch.json() == [
        {"op": "replace", "path": "/spec/template", "value": template},
        {"op": "replace", "path": "/metadata/annotations", "value": {
            "kubectl.kubernetes.io/last-applied-configuration": "{}",
            "deployment.kubernetes.io/revision": "2",
            "change-cause": "release 1.41.0"}},
    ]
    rs_query = [r.query for r in api.http.requests if r.path.endswith("/replicasets")]
    assert rs_query == [{"labelSelector": ["app=flowengine"]}]


def test_rollout_undo_errors(api: FakeKubeAPI, tmp_path: Path) -> None:
    cfg = _cfg(api, tmp_path)
    res = run_k8s_step("rollout undo deployment/flowengine to-revision=7", cfg)
    assert res.status == "failed" and res.exit_code == 1
    assert res.error == "unable to find revision 7 of deployment flowengine (revisions: 1, 2)"
    api.replicasets = api.replicasets[1:]  # only the current revision left
    res = run_k8s_step("rollout undo deployment/flowengine", cfg)
    assert res.error == "no previous revision of deployment flowengine to roll back to (current revision 2)"
    assert api.patches == []


def test_set_env_request_body(api: FakeKubeAPI, tmp_path: Path) -> None:
    res = run_k8s_step("set env deployment/flowengine CIRCUIT_BREAKER=on DEBUG-", _cfg(api, tmp_path))
    assert res.ok, res
    [patch] = api.patches
    assert patch.headers["content-type"] == "application/strategic-merge-patch+json"
    assert patch.json() == {"spec": {"template": {"spec": {"containers": [{"name": "engine", "env": [
        {"name": "CIRCUIT_BREAKER", "value": "on"}, {"name": "DEBUG", "$patch": "delete"}]}]}}}}
    bad = run_k8s_step("set env deployment/flowengine X=1 container=sidecar", _cfg(api, tmp_path))
    assert bad.error == "deployment flowengine has no container 'sidecar' (containers: engine)"


def test_dry_run_and_status_and_not_found(api: FakeKubeAPI, tmp_path: Path) -> None:
    cfg = _cfg(api, tmp_path)
    dry = run_k8s_step("scale deployment/flowengine replicas=0", cfg, dry_run=True)
    assert dry.ok and dry.dry_run and dry.lines[0] == "dry run: would scale deployment/flowengine to 0 replicas"
    assert api.http.requests == []  # nothing reached the cluster
    st = run_k8s_step("rollout status deployment/flowengine", cfg)
    assert st.ok and not st.mutating
    assert st.lines == ("deployment flowengine: revision 2, 2/3 ready, 2 available, 2 updated",
                        "rollout: 2 of 3 new replicas updated")
    missing = run_k8s_step("scale deployment/nope replicas=1", cfg)
    assert missing.status == "failed" and missing.error == 'deployments.apps "nope" not found'


def test_blast_radius_and_contexts(api: FakeKubeAPI, tmp_path: Path) -> None:
    cfg = _cfg(api, tmp_path)
    t = k8s_target("scale deployment/flowengine replicas=2 namespace=canary", cfg, context="prod-eu")
    assert t["context"] == "prod-eu" and t["namespace"] == "canary" and t["cluster"] == "eu-cluster"
    assert t["describe"] == "cluster eu-cluster · context prod-eu · namespace canary"
    assert t["action"] == "scale deployment/flowengine to 2 replicas"
    # The context's own namespace applies only when config sets none.
    cfg2 = KubernetesConfig(kubeconfig=cfg.kubeconfig, namespace="")
    assert describe_target(cfg2).namespace == "staging"
    with pytest.raises(KubeError, match=r"context 'nope' is not in kubeconfig .* \(contexts: staging-eu, prod-eu\)"):
        describe_target(cfg, context="nope")


def test_no_current_context_is_a_clear_error(api: FakeKubeAPI, tmp_path: Path) -> None:
    cfg = _cfg(api, tmp_path, current=False)
    snap = KubeSource(cfg).snapshot()
    assert snap.target is None
    assert snap.error == (f"kubeconfig {cfg.kubeconfig} has no current context; pass --context or set "
                          "kubernetes.context (contexts: staging-eu, prod-eu)")
    res = run_k8s_step("rollout restart deployment/flowengine", cfg)
    assert res.status == "failed" and "no current context" in res.error
    # --context rescues it.
    assert KubeSource(cfg, context="prod-eu").snapshot().error is None


def test_401_and_dead_server_and_missing_kubeconfig(api: FakeKubeAPI, tmp_path: Path, dead_port: int) -> None:
    cfg = _cfg(api, tmp_path)
    api.fail_with = Reply(401, {"kind": "Status", "status": "Failure", "message": "Unauthorized",
                                "reason": "Unauthorized", "code": 401})
    snap = KubeSource(cfg).snapshot()
    assert snap.error == "deployment flowengine: unauthorized (HTTP 401; check the credentials of context 'staging-eu')"
    port = dead_port
    dead = tmp_path / "dead-kubeconfig"
    dead.write_text(Path(cfg.kubeconfig).read_text().replace(api.http.url, f"http://127.0.0.1:{port}"))
    snap = KubeSource(KubernetesConfig(kubeconfig=str(dead), namespace=NS, timeout=2.0)).snapshot()
    assert snap.error == (f"deployment flowengine: cannot connect to the API server"
                          f" http://127.0.0.1:{port}: connection refused")
    snap = KubeSource(KubernetesConfig(kubeconfig=str(tmp_path / "nope"))).snapshot()
    assert snap.error == f"no kubeconfig found at {tmp_path / 'nope'} (set kubernetes.kubeconfig or $KUBECONFIG)"


def test_label_selector_mode(api: FakeKubeAPI, tmp_path: Path) -> None:
    snap = KubeSource(_cfg(api, tmp_path, label_selector="app=flowengine")).snapshot()
    assert snap.error is None and [d.name for d in snap.deployments] == ["flowengine"]
    assert len(snap.pods) == 4 and {p.deployment for p in snap.pods} == {"flowengine"}


def test_statefulset_restart_and_set_env(api: FakeKubeAPI, tmp_path: Path) -> None:
    cfg = _cfg(api, tmp_path)
    res = run_k8s_step("rollout restart statefulset/redis", cfg)
    assert res.ok and res.lines[0].startswith("statefulset.apps/redis restarted")
    res = run_k8s_step("set env sts/redis MAXMEMORY=2gb", cfg)
    assert res.ok, res
    restart, env = api.patches
    assert restart.path == env.path == f"/apis/apps/v1/namespaces/{NS}/statefulsets/redis"
    assert "kubectl.kubernetes.io/restartedAt" in restart.json()["spec"]["template"]["metadata"]["annotations"]
    assert env.json() == {"spec": {"template": {"spec": {"containers": [
        {"name": "redis", "env": [{"name": "MAXMEMORY", "value": "2gb"}]}]}}}}
