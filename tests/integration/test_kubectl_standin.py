"""The Kubernetes stand-in is faithful enough for Debian's real ``kubectl``: ``get`` (discovery and
Table answers), ``scale`` and ``rollout undo`` work against it, and warroom's native actions leave
the cluster in exactly the state the same ``kubectl`` commands do."""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from tests.integration.sources_kubeapi import NS, TEMPLATE_V1, FakeKubeAPI
from warroom.config import KubernetesConfig
from warroom.sources.native import run_k8s_step

pytestmark = pytest.mark.integration

KUBECTL = shutil.which("kubectl") or "/usr/bin/kubectl"


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def kubectl(api: FakeKubeAPI, tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    if not Path(KUBECTL).exists():
        pytest.skip("kubectl not installed (Debian package kubectl; .ci/run installs it)")
    kc = api.kubeconfig(tmp / "kubeconfig")
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp), "KUBECONFIG": str(kc)}
    return subprocess.run([KUBECTL, "--cache-dir", str(tmp / "kube-cache"), "--request-timeout=20s",
                           "--context", "prod-eu", "-n", NS, *args],
                          capture_output=True, text=True, env=env, timeout=60)


def _state(api: FakeKubeAPI) -> dict[str, Any]:
    """The deployment as a client would read it, without what only counts requests."""
    dep = copy.deepcopy(api.deployments["flowengine"])
    dep["metadata"].pop("resourceVersion", None)
    return dep


def test_kubectl_get_reads_discovery_and_tables(tmp_path: Path) -> None:
    with FakeKubeAPI(_now()) as api:
        deps = kubectl(api, tmp_path, "get", "deployments")
        pods = kubectl(api, tmp_path, "get", "pods")
        one = kubectl(api, tmp_path, "get", "deploy", "flowengine", "-o", "json")
        rs = kubectl(api, tmp_path, "get", "rs", "-l", "app=flowengine")
        paths = [r.path for r in api.http.requests]
    assert deps.returncode == 0, deps.stderr
    header, row = deps.stdout.splitlines()
    assert header.split() == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]
    assert row.split()[:4] == ["flowengine", "2/3", "2", "2"]
    assert pods.returncode == 0, pods.stderr
    assert "CrashLoopBackOff" in pods.stdout and "ImagePullBackOff" in pods.stdout
    assert json.loads(one.stdout)["metadata"]["uid"] == "dep-uid-1"
    assert rs.returncode == 0 and len(rs.stdout.splitlines()) == 4, rs.stdout + rs.stderr
    assert {"/api", "/apis", "/api/v1", "/apis/apps/v1"} <= set(paths)   # discovery, as for a real server


def test_scale_and_rollout_undo_same_result_natively_and_through_kubectl(tmp_path: Path) -> None:
    with FakeKubeAPI(_now()) as native, FakeKubeAPI(_now()) as real:
        kc = native.kubeconfig(tmp_path / "native-kubeconfig")
        cfg = KubernetesConfig(kubeconfig=str(kc), context="prod-eu", namespace=NS, timeout=10.0)
        scaled = run_k8s_step("scale deployment/flowengine replicas=5", cfg)
        assert scaled.ok, scaled
        undone = run_k8s_step("rollout undo deployment/flowengine", cfg)
        assert undone.ok, undone

        (tmp_path / "k").mkdir()
        r1 = kubectl(real, tmp_path / "k", "scale", "deployment/flowengine", "--replicas=5")
        assert r1.returncode == 0 and "scaled" in r1.stdout, r1.stderr
        r2 = kubectl(real, tmp_path / "k", "rollout", "undo", "deployment/flowengine")
        assert r2.returncode == 0 and "rolled back" in r2.stdout, r2.stderr

        # The same requests reached the server, and the same objects resulted.
        kinds = lambda api: [(r.path, r.headers["content-type"]) for r in api.patches]  # noqa: E731
        assert kinds(native) == kinds(real)
        mine, theirs = _state(native), _state(real)
    assert mine == theirs
    assert mine["spec"]["replicas"] == 5
    template = copy.deepcopy(TEMPLATE_V1)
    del template["metadata"]["labels"]["pod-template-hash"]
    template["spec"]["containers"][0]["resources"] = {}
    assert mine["spec"]["template"] == template            # revision 1's template, without its hash
    assert mine["metadata"]["annotations"]["change-cause"] == "release 1.41.0"


def test_patches_are_applied_like_a_real_server(tmp_path: Path) -> None:
    """Strategic merge by key (env by name, $patch: delete), JSON merge, and the scale subresource."""
    with FakeKubeAPI(_now()) as api:
        kc = api.kubeconfig(tmp_path / "kubeconfig")
        cfg = KubernetesConfig(kubeconfig=str(kc), context="prod-eu", namespace=NS, timeout=10.0)
        assert run_k8s_step("set env deployment/flowengine CIRCUIT_BREAKER=on", cfg).ok
        env = api.deployments["flowengine"]["spec"]["template"]["spec"]["containers"][0]["env"]
        assert env == [{"name": "LOG_LEVEL", "value": "info"}, {"name": "CIRCUIT_BREAKER", "value": "on"}]
        assert run_k8s_step("set env deployment/flowengine LOG_LEVEL-", cfg).ok
        env = api.deployments["flowengine"]["spec"]["template"]["spec"]["containers"][0]["env"]
        assert env == [{"name": "CIRCUIT_BREAKER", "value": "on"}]
        gen = api.deployments["flowengine"]["metadata"]["generation"]
        assert run_k8s_step("rollout restart deployment/flowengine", cfg).ok
        dep = api.deployments["flowengine"]
        assert "kubectl.kubernetes.io/restartedAt" in dep["spec"]["template"]["metadata"]["annotations"]
        assert dep["metadata"]["generation"] == gen + 1
        # kubectl reads back what warroom wrote.
        out = kubectl(api, tmp_path, "get", "deploy", "flowengine", "-o", "json")
        assert json.loads(out.stdout)["spec"]["template"]["spec"]["containers"][0]["env"] == env
