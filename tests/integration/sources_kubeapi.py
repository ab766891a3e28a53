"""A local stand-in for the Kubernetes API server: real paths and JSON of apps/v1 and core/v1.

It serves one namespace's deployments, replicasets, pods and events from dicts shaped exactly
like the API's objects, answers the scale subresource and PATCH, records every request (tests
assert on the exact bodies), and writes a kubeconfig pointing at itself.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

from tests.integration.sources_http import FakeHTTP, Reply, Request

NS = "production"
TEMPLATE_V1 = {
    "metadata": {"labels": {"app": "flowengine", "pod-template-hash": "5d8f7c9b6"},
                 "annotations": {"kubectl.kubernetes.io/default-container": "engine"}},
    "spec": {"containers": [{"name": "engine", "image": "registry.local/flowengine:1.41.0",
                             "env": [{"name": "LOG_LEVEL", "value": "info"}]}]},
}
TEMPLATE_V2 = {
    "metadata": {"labels": {"app": "flowengine"}},
    "spec": {"containers": [{"name": "engine", "image": "registry.local/flowengine:1.42.0",
                             "env": [{"name": "LOG_LEVEL", "value": "info"}]}]},
}


def _status(code: int, reason: str, message: str) -> Reply:
    return Reply(code, {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                        "message": message, "reason": reason, "code": code})


def _matches(obj: dict[str, Any], selector: str | None) -> bool:
    if not selector:
        return True
    labels = obj.get("metadata", {}).get("labels") or {}
    for part in selector.split(","):
        k, _, v = part.partition("=")
        if labels.get(k) != v:
            return False
    return True


class FakeKubeAPI:
    def __init__(self, now_iso: str) -> None:
        tmpl2 = copy.deepcopy(TEMPLATE_V2)
        tmpl2["metadata"]["labels"]["pod-template-hash"] = "7f6d4b8c5"
        self.deployments: dict[str, dict[str, Any]] = {"flowengine": {
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "flowengine", "namespace": NS, "uid": "dep-uid-1", "generation": 7,
                         "labels": {"app": "flowengine"},
                         "annotations": {"deployment.kubernetes.io/revision": "2",
                                         "kubectl.kubernetes.io/last-applied-configuration": "{}"}},
            "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "flowengine"}},
                     "template": copy.deepcopy(TEMPLATE_V2)},
            "status": {"observedGeneration": 7, "replicas": 4, "updatedReplicas": 2,
                       "readyReplicas": 2, "availableReplicas": 2, "unavailableReplicas": 2,
                       "conditions": [{"type": "Progressing", "status": "True",
                                       "reason": "ReplicaSetUpdated"}]},
        }}
        owner = [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "flowengine",
                  "uid": "dep-uid-1", "controller": True}]
        self.replicasets = [
            {"metadata": {"name": "flowengine-5d8f7c9b6", "namespace": NS, "labels": {"app": "flowengine"},
                          "ownerReferences": owner,
                          "annotations": {"deployment.kubernetes.io/revision": "1",
                                          "deployment.kubernetes.io/desired-replicas": "3",
                                          "change-cause": "release 1.41.0"}},
             "spec": {"replicas": 1, "template": copy.deepcopy(TEMPLATE_V1)}},
            {"metadata": {"name": "flowengine-7f6d4b8c5", "namespace": NS, "labels": {"app": "flowengine"},
                          "ownerReferences": owner,
                          "annotations": {"deployment.kubernetes.io/revision": "2",
                                          "change-cause": "release 1.42.0"}},
             "spec": {"replicas": 3, "template": tmpl2}},
            {"metadata": {"name": "other-abc", "namespace": NS, "labels": {"app": "flowengine"},
                          "ownerReferences": [{"uid": "someone-else"}],
                          "annotations": {"deployment.kubernetes.io/revision": "9"}},
             "spec": {"template": {"metadata": {}, "spec": {"containers": []}}}},
        ]
        self.pods = [
            self._pod("flowengine-7f6d4b8c5-aaaaa", True, 0, {"running": {}}),
            self._pod("flowengine-7f6d4b8c5-bbbbb", False, 6,
                      {"waiting": {"reason": "CrashLoopBackOff",
                                   "message": "back-off 5m0s restarting failed container=engine"}},
                      last={"terminated": {"reason": "OOMKilled", "exitCode": 137}}),
            self._pod("flowengine-7f6d4b8c5-ccccc", False, 0,
                      {"waiting": {"reason": "ImagePullBackOff",
                                   "message": "Back-off pulling image \"registry.local/flowengine:1.42.0\""}}),
            self._pod("flowengine-5d8f7c9b6-ddddd", True, 1, {"running": {}}),
        ]
        self.events = [
            {"metadata": {"name": "e1", "namespace": NS}, "type": "Warning", "reason": "BackOff",
             "message": "Back-off restarting failed container engine",
             "involvedObject": {"kind": "Pod", "name": "flowengine-7f6d4b8c5-bbbbb"},
             "count": 14, "lastTimestamp": now_iso},
            {"metadata": {"name": "e2", "namespace": NS}, "type": "Warning", "reason": "FailedScheduling",
             "message": "0/3 nodes are available", "involvedObject": {"kind": "Pod", "name": "unrelated-x"},
             "count": 1, "lastTimestamp": now_iso},
            {"metadata": {"name": "e3", "namespace": NS}, "type": "Warning", "reason": "Old",
             "message": "long ago", "involvedObject": {"kind": "Pod", "name": "flowengine-x"},
             "count": 1, "lastTimestamp": "2020-01-01T00:00:00Z"},
        ]
        self.patches: list[Request] = []
        self.fail_with: Reply | None = None
        self.http = FakeHTTP(self.handle)

    @staticmethod
    def _pod(name: str, ready: bool, restarts: int, state: dict[str, Any],
             last: dict[str, Any] | None = None) -> dict[str, Any]:
        return {"metadata": {"name": name, "namespace": NS, "labels": {"app": "flowengine"}},
                "spec": {"nodeName": "node-1", "containers": [{"name": "engine"}]},
                "status": {"phase": "Running" if ready else "Pending", "startTime": "2026-11-22T09:00:00Z",
                           "containerStatuses": [{"name": "engine", "ready": ready, "restartCount": restarts,
                                                  "state": state, "lastState": last or {}}]}}

    def handle(self, req: Request) -> Reply:
        if self.fail_with is not None:
            return self.fail_with
        sel = (req.query.get("labelSelector") or [None])[0]
        base_apps = f"/apis/apps/v1/namespaces/{NS}"
        m = re.fullmatch(base_apps + r"/deployments/([^/]+)(/scale)?", req.path)
        if m:
            dep = self.deployments.get(m.group(1))
            if dep is None:
                return _status(404, "NotFound", f'deployments.apps "{m.group(1)}" not found')
            if req.method == "PATCH":
                self.patches.append(req)
            if m.group(2):
                return Reply(200, {"kind": "Scale", "apiVersion": "autoscaling/v1",
                                   "metadata": {"name": dep["metadata"]["name"], "namespace": NS},
                                   "spec": {"replicas": dep["spec"]["replicas"]},
                                   "status": {"replicas": dep["status"]["replicas"], "selector": "app=flowengine"}})
            return Reply(200, dep)
        m = re.fullmatch(base_apps + r"/statefulsets/([^/]+)", req.path)
        if m:
            if m.group(1) != "redis":
                return _status(404, "NotFound", f'statefulsets.apps "{m.group(1)}" not found')
            if req.method == "PATCH":
                self.patches.append(req)
            return Reply(200, {"apiVersion": "apps/v1", "kind": "StatefulSet",
                               "metadata": {"name": "redis", "namespace": NS},
                               "spec": {"template": {"spec": {"containers": [{"name": "redis"}]}}}})
        if req.path == base_apps + "/deployments":
            return Reply(200, {"kind": "DeploymentList", "apiVersion": "apps/v1", "metadata": {},
                               "items": [d for d in self.deployments.values() if _matches(d, sel)]})
        if req.path == base_apps + "/replicasets":
            return Reply(200, {"kind": "ReplicaSetList", "apiVersion": "apps/v1", "metadata": {},
                               "items": [r for r in self.replicasets if _matches(r, sel)]})
        if req.path == f"/api/v1/namespaces/{NS}/pods":
            return Reply(200, {"kind": "PodList", "apiVersion": "v1", "metadata": {},
                               "items": [p for p in self.pods if _matches(p, sel)]})
        if req.path == f"/api/v1/namespaces/{NS}/events":
            fs = (req.query.get("fieldSelector") or [""])[0]
            items = [e for e in self.events if fs != "type=Warning" or e["type"] == "Warning"]
            return Reply(200, {"kind": "EventList", "apiVersion": "v1", "metadata": {}, "items": items})
        return _status(404, "NotFound", f"the server could not find the requested resource ({req.path})")

    def __enter__(self) -> FakeKubeAPI:
        self.http.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.http.close()

    def kubeconfig(self, path: Path, *, current: bool = True, token: str = "test-token") -> Path:
        current_line = "current-context: staging-eu\n" if current else ""
        path.write_text(
            "apiVersion: v1\nkind: Config\n" + current_line +
            "clusters:\n"
            f"- name: eu-cluster\n  cluster:\n    server: {self.http.url}\n"
            "contexts:\n"
            "- name: staging-eu\n  context:\n    cluster: eu-cluster\n    user: sre\n    namespace: staging\n"
            "- name: prod-eu\n  context:\n    cluster: eu-cluster\n    user: sre\n"
            f"users:\n- name: sre\n  user:\n    token: {token}\n",
            encoding="utf-8")
        return path
