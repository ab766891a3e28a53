"""A local stand-in for the Kubernetes API server, faithful enough that Debian's real ``kubectl``
works against it: real paths and JSON of apps/v1 and core/v1.

- discovery: ``/version``, ``/api``, ``/apis``, ``/api/v1``, ``/apis/apps/v1``,
  ``/apis/autoscaling/v1`` (legacy discovery: kubectl falls back to it when the aggregated kind
  is not offered);
- one namespace's deployments, replicasets, pods and events, shaped like the API's objects, with
  ``uid``, ``resourceVersion``, ``creationTimestamp`` and ``ownerReferences`` (a real
  ``kubectl rollout undo`` finds a deployment's ReplicaSets by their controller's uid);
- PATCH applied to the stored object: JSON merge patch (RFC 7386), JSON patch (RFC 6902) and
  strategic merge patch (lists of containers / env / ports merged by their key, ``$patch:
  delete``, ``$setElementOrder`` and ``$retainKeys`` directives), on the object and on the
  ``scale`` subresource; ``resourceVersion`` moves, ``generation`` moves with the spec;
- ``Table`` answers (``Accept: …;as=Table;g=meta.k8s.io``) for ``kubectl get``;
- every request recorded (tests assert on the exact bodies), and a kubeconfig pointing at itself.
"""

from __future__ import annotations

import copy
import json
import re
from datetime import datetime, timezone
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
                          "uid": "rs-uid-1", "ownerReferences": owner,
                          "annotations": {"deployment.kubernetes.io/revision": "1",
                                          "deployment.kubernetes.io/desired-replicas": "3",
                                          "change-cause": "release 1.41.0"}},
             "spec": {"replicas": 1, "template": copy.deepcopy(TEMPLATE_V1)}},
            {"metadata": {"name": "flowengine-7f6d4b8c5", "namespace": NS, "labels": {"app": "flowengine"},
                          "uid": "rs-uid-2", "ownerReferences": owner,
                          "annotations": {"deployment.kubernetes.io/revision": "2",
                                          "change-cause": "release 1.42.0"}},
             "spec": {"replicas": 3, "template": tmpl2}},
            {"metadata": {"name": "other-abc", "namespace": NS, "labels": {"app": "flowengine"},
                          "uid": "rs-uid-9",
                          "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "other",
                                               "uid": "someone-else", "controller": True}],
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
        self.statefulsets = [
            {"metadata": {"name": "redis", "namespace": NS, "labels": {"app": "redis"}},
             "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "redis"}},
                      "template": {"metadata": {"labels": {"app": "redis"}},
                                   "spec": {"containers": [{"name": "redis", "image": "redis:7"}]}}},
             "status": {"replicas": 1, "readyReplicas": 1}},
        ]
        self.patches: list[Request] = []
        self.fail_with: Reply | None = None
        self._rv = 1000
        self.created = now_iso
        self._finish()
        self.http = FakeHTTP(self.handle)

    @staticmethod
    def _pod(name: str, ready: bool, restarts: int, state: dict[str, Any],
             last: dict[str, Any] | None = None) -> dict[str, Any]:
        return {"metadata": {"name": name, "namespace": NS, "labels": {"app": "flowengine"}},
                "spec": {"nodeName": "node-1", "containers": [{"name": "engine"}]},
                "status": {"phase": "Running" if ready else "Pending", "startTime": "2026-11-22T09:00:00Z",
                           "containerStatuses": [{"name": "engine", "ready": ready, "restartCount": restarts,
                                                  "state": state, "lastState": last or {}}]}}

    # ------------------------------------------------------------------ objects

    def _finish(self) -> None:
        """Give every object what a real API server would: kind, uid, resourceVersion, times."""
        for dep in self.deployments.values():
            _stamp(dep, "apps/v1", "Deployment", self)
        for sts in self.statefulsets:
            _stamp(sts, "apps/v1", "StatefulSet", self)
        for rs in self.replicasets:
            _stamp(rs, "apps/v1", "ReplicaSet", self)
            rs["spec"].setdefault("selector", {"matchLabels": dict(rs["metadata"]["labels"])})
            rs["spec"].setdefault("replicas", 0)
        for pod in self.pods:
            _stamp(pod, "v1", "Pod", self)
            owner = next((r for r in self.replicasets
                          if pod["metadata"]["name"].startswith(r["metadata"]["name"] + "-")), None)
            if owner is not None:
                pod["metadata"].setdefault("ownerReferences", [{
                    "apiVersion": "apps/v1", "kind": "ReplicaSet", "name": owner["metadata"]["name"],
                    "uid": owner["metadata"]["uid"], "controller": True, "blockOwnerDeletion": True}])
        for ev in self.events:
            _stamp(ev, "v1", "Event", self)

    def next_version(self) -> str:
        self._rv += 1
        return str(self._rv)

    def resource(self, kind: str) -> list[dict[str, Any]]:
        if kind == "deployments":
            return list(self.deployments.values())
        if kind == "replicasets":
            return self.replicasets
        if kind == "statefulsets":
            return self.statefulsets
        if kind == "pods":
            return self.pods
        if kind == "events":
            return self.events
        return []

    # ------------------------------------------------------------------ HTTP

    def handle(self, req: Request) -> Reply:
        if self.fail_with is not None:
            return self.fail_with
        if req.path in DISCOVERY:
            body = copy.deepcopy(DISCOVERY[req.path])
            if req.path == "/api":
                body["serverAddressByClientCIDRs"] = [{"clientCIDR": "0.0.0.0/0",
                                                        "serverAddress": f"127.0.0.1:{self.http.port}"}]
            return Reply(200, body)
        if req.path.startswith("/openapi/"):
            return _status(404, "NotFound", "the server could not find the requested resource")
        m = re.fullmatch(r"/(?:api/v1|apis/apps/v1)/namespaces/([^/]+)/([a-z]+)(?:/([^/]+))?(/scale)?", req.path)
        if not m:
            return _status(404, "NotFound", f"the server could not find the requested resource ({req.path})")
        ns, kind, name, scale = m.groups()
        group = "apps" if req.path.startswith("/apis/apps/") else ""
        if (kind in CORE_KINDS) != (group == ""):
            return _status(404, "NotFound", f"the server could not find the requested resource ({req.path})")
        if kind not in CORE_KINDS and kind not in APPS_KINDS:
            return _status(404, "NotFound", f"the server could not find the requested resource ({req.path})")
        items = [o for o in self.resource(kind) if o["metadata"].get("namespace") == ns]
        if name is None:
            if req.method != "GET":
                return _status(405, "MethodNotAllowed", "the server does not allow this method")
            sel = (req.query.get("labelSelector") or [None])[0]
            fs = (req.query.get("fieldSelector") or [""])[0]
            items = [o for o in items if _matches(o, sel) and _field_matches(o, fs)]
            if _wants_table(req):
                return Reply(200, _table(kind, items, self))
            list_kind = {"deployments": "DeploymentList", "replicasets": "ReplicaSetList",
                         "statefulsets": "StatefulSetList", "pods": "PodList", "events": "EventList"}[kind]
            return Reply(200, {"kind": list_kind, "apiVersion": "apps/v1" if group else "v1",
                               "metadata": {"resourceVersion": str(self._rv)}, "items": items})
        obj = next((o for o in items if o["metadata"]["name"] == name), None)
        if obj is None:
            what = f"{kind}.apps" if group else kind
            return _status(404, "NotFound", f'{what} "{name}" not found')
        if req.method == "PATCH":
            self.patches.append(req)
            ctype = req.headers.get("content-type", "").split(";")[0].strip()
            try:
                patch = json.loads(req.body or b"null")
            except ValueError:
                return _status(400, "BadRequest", "the patch is not JSON")
            dry = (req.query.get("dryRun") or [""])[0] == "All"
            target = copy.deepcopy(obj)
            try:
                if scale:
                    current = _scale(target)
                    patched = apply_patch(current, patch, ctype)
                    target["spec"]["replicas"] = int(patched["spec"]["replicas"])
                else:
                    target = apply_patch(target, patch, ctype)
            except PatchError as exc:
                return _status(422 if "invalid" in str(exc) else 415 if "type" in str(exc) else 400,
                               "Invalid" if "invalid" in str(exc) else "BadRequest", str(exc))
            target = _typed(target)
            if not dry:
                if target.get("spec") != obj.get("spec"):
                    target["metadata"]["generation"] = int(obj["metadata"].get("generation") or 1) + 1
                target["metadata"]["resourceVersion"] = self.next_version()
                target["metadata"]["uid"] = obj["metadata"]["uid"]
                obj.clear()
                obj.update(target)
            return Reply(200, _scale(target) if scale else target)
        if req.method != "GET":
            return _status(405, "MethodNotAllowed", "the server does not allow this method")
        if scale:
            return Reply(200, _scale(obj))
        if _wants_table(req):
            return Reply(200, _table(kind, [obj], self))
        return Reply(200, obj)

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


# --------------------------------------------------------------------------- discovery

CORE_KINDS = {"pods": ("Pod", ["po"]), "events": ("Event", ["ev"])}
APPS_KINDS = {"deployments": ("Deployment", ["deploy"]), "replicasets": ("ReplicaSet", ["rs"]),
              "statefulsets": ("StatefulSet", ["sts"])}
_VERBS = ["get", "list", "patch", "update", "watch"]


def _resources(kinds: dict[str, tuple[str, list[str]]], group_version: str) -> dict[str, Any]:
    out: list[dict[str, Any]] = []
    for plural, (kind, short) in kinds.items():
        out.append({"name": plural, "singularName": kind.lower(), "namespaced": True, "kind": kind,
                    "verbs": _VERBS, "shortNames": short, "categories": ["all"]})
        if plural in ("deployments", "replicasets", "statefulsets"):
            out.append({"name": f"{plural}/scale", "singularName": "", "namespaced": True,
                        "group": "autoscaling", "version": "v1", "kind": "Scale",
                        "verbs": ["get", "patch", "update"]})
            out.append({"name": f"{plural}/status", "singularName": "", "namespaced": True,
                        "kind": kind, "verbs": ["get", "patch", "update"]})
    return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": group_version, "resources": out}


DISCOVERY: dict[str, dict[str, Any]] = {
    "/version": {"major": "1", "minor": "32", "gitVersion": "v1.32.0", "gitCommit": "stand-in",
                 "gitTreeState": "clean", "buildDate": "2026-01-01T00:00:00Z", "goVersion": "go1.23",
                 "compiler": "gc", "platform": "linux/amd64"},
    "/api": {"kind": "APIVersions", "versions": ["v1"]},
    "/apis": {"kind": "APIGroupList", "apiVersion": "v1", "groups": [
        {"name": "apps", "versions": [{"groupVersion": "apps/v1", "version": "v1"}],
         "preferredVersion": {"groupVersion": "apps/v1", "version": "v1"}},
        {"name": "autoscaling", "versions": [{"groupVersion": "autoscaling/v1", "version": "v1"}],
         "preferredVersion": {"groupVersion": "autoscaling/v1", "version": "v1"}},
    ]},
    "/api/v1": _resources(CORE_KINDS, "v1"),
    "/apis/apps/v1": _resources(APPS_KINDS, "apps/v1"),
    "/apis/autoscaling/v1": {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": "autoscaling/v1",
                             "resources": []},
}


def _stamp(obj: dict[str, Any], api_version: str, kind: str, api: FakeKubeAPI) -> None:
    obj.setdefault("apiVersion", api_version)
    obj.setdefault("kind", kind)
    meta = obj.setdefault("metadata", {})
    meta.setdefault("uid", f"{kind.lower()}-{meta.get('name')}-uid")
    meta.setdefault("resourceVersion", api.next_version())
    meta.setdefault("creationTimestamp", "2026-11-20T09:00:00Z")
    if kind in ("Deployment", "ReplicaSet", "StatefulSet"):
        meta.setdefault("generation", 1)


def _field_matches(obj: dict[str, Any], selector: str) -> bool:
    for part in filter(None, selector.split(",")):
        key, _, want = part.partition("=")
        node: Any = obj
        for piece in key.split("."):
            node = node.get(piece) if isinstance(node, dict) else None
        if str(node) != want.lstrip("="):
            return False
    return True


def _scale(obj: dict[str, Any]) -> dict[str, Any]:
    labels = (obj["spec"].get("selector") or {}).get("matchLabels") or {}
    return {"kind": "Scale", "apiVersion": "autoscaling/v1",
            "metadata": {"name": obj["metadata"]["name"], "namespace": obj["metadata"]["namespace"],
                         "uid": obj["metadata"]["uid"], "resourceVersion": obj["metadata"]["resourceVersion"],
                         "creationTimestamp": obj["metadata"]["creationTimestamp"]},
            "spec": {"replicas": obj["spec"].get("replicas", 1)},
            "status": {"replicas": (obj.get("status") or {}).get("replicas", 0),
                       "selector": ",".join(f"{k}={v}" for k, v in sorted(labels.items()))}}


# --------------------------------------------------------------------------- Table

def _wants_table(req: Request) -> bool:
    accept = req.headers.get("accept", "")
    return "as=Table" in accept and "g=meta.k8s.io" in accept


def _age(ts: str | None, now: str) -> str:
    if not ts:
        return "<unknown>"
    parse = lambda t: datetime.fromisoformat(t.replace("Z", "+00:00"))  # noqa: E731
    secs = max(0, int((parse(now) - parse(ts)).total_seconds()))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if secs >= size:
            return f"{secs // size}{unit}"
    return f"{secs}s"


_COLUMNS: dict[str, list[tuple[str, str]]] = {
    "deployments": [("Name", "string"), ("Ready", "string"), ("Up-to-date", "integer"),
                    ("Available", "integer"), ("Age", "string")],
    "replicasets": [("Name", "string"), ("Desired", "integer"), ("Current", "integer"),
                    ("Ready", "integer"), ("Age", "string")],
    "statefulsets": [("Name", "string"), ("Ready", "string"), ("Age", "string")],
    "pods": [("Name", "string"), ("Ready", "string"), ("Status", "string"), ("Restarts", "string"),
             ("Age", "string")],
    "events": [("Last Seen", "string"), ("Type", "string"), ("Reason", "string"),
               ("Object", "string"), ("Message", "string")],
}


def _cells(kind: str, o: dict[str, Any], now: str) -> list[Any]:
    meta, spec, status = o["metadata"], o.get("spec") or {}, o.get("status") or {}
    age = _age(meta.get("creationTimestamp"), now)
    if kind == "deployments":
        return [meta["name"], f"{status.get('readyReplicas', 0)}/{spec.get('replicas', 1)}",
                status.get("updatedReplicas", 0), status.get("availableReplicas", 0), age]
    if kind == "replicasets":
        return [meta["name"], spec.get("replicas", 0), status.get("replicas", 0),
                status.get("readyReplicas", 0), age]
    if kind == "statefulsets":
        return [meta["name"], f"{status.get('readyReplicas', 0)}/{spec.get('replicas', 1)}", age]
    if kind == "pods":
        cs = status.get("containerStatuses") or []
        ready = sum(1 for c in cs if c.get("ready"))
        waiting = next((c["state"]["waiting"].get("reason") for c in cs
                        if (c.get("state") or {}).get("waiting")), None)
        return [meta["name"], f"{ready}/{len(cs)}", waiting or status.get("phase", ""),
                str(sum(int(c.get("restartCount") or 0) for c in cs)), age]
    inv = o.get("involvedObject") or {}
    return [_age(o.get("lastTimestamp"), now), o.get("type", ""), o.get("reason", ""),
            f"{inv.get('kind', '').lower()}/{inv.get('name', '')}", o.get("message", "")]


def _table(kind: str, items: list[dict[str, Any]], api: FakeKubeAPI) -> dict[str, Any]:
    return {
        "kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": {"resourceVersion": str(api._rv)},
        "columnDefinitions": [{"name": n, "type": t, "format": "name" if n == "Name" else "",
                               "description": n, "priority": 0} for n, t in _COLUMNS[kind]],
        "rows": [{"cells": _cells(kind, o, api.created),
                  "object": {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
                             "metadata": copy.deepcopy(o["metadata"])}} for o in items],
    }


# --------------------------------------------------------------------------- patches

def _typed(obj: Any) -> Any:
    """What decoding into the API's Go types and encoding again does to a patched object: a null
    optional field (kubectl's ``"creationTimestamp": null`` in a pod template) is simply absent,
    and a container's ``resources`` (a struct, so never omitted) is ``{}`` when unset."""
    if isinstance(obj, dict):
        out = {k: _typed(v) for k, v in obj.items() if v is not None}
        for c in out.get("containers") or []:
            if isinstance(c, dict):
                c.setdefault("resources", {})   # a struct, not a pointer: always encoded
        return out
    if isinstance(obj, list):
        return [_typed(v) for v in obj]
    return obj


class PatchError(Exception):
    pass


#: Strategic merge: the key that identifies an element of these lists (as in the Go types).
MERGE_KEYS = {"containers": "name", "initContainers": "name", "env": "name", "ports": "containerPort",
              "volumes": "name", "volumeMounts": "mountPath", "imagePullSecrets": "name",
              "tolerations": None, "args": None, "command": None}


def apply_patch(obj: Any, patch: Any, content_type: str) -> Any:
    if content_type == "application/merge-patch+json":
        return merge_patch(obj, patch)
    if content_type == "application/strategic-merge-patch+json":
        return strategic_merge(obj, patch)
    if content_type == "application/json-patch+json":
        return json_patch(obj, patch)
    raise PatchError(f"the body of the request was in an unknown format (content type {content_type!r})")


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    out = copy.deepcopy(target) if isinstance(target, dict) else {}
    for k, v in patch.items():
        if v is None:
            out.pop(k, None)
        else:
            out[k] = merge_patch(out.get(k), v)
    return out


def strategic_merge(target: Any, patch: Any, field: str | None = None) -> Any:
    """Kubernetes' strategic merge patch, for the fields warroom and kubectl send."""
    if isinstance(patch, dict):
        if patch.get("$patch") == "replace":
            return {k: v for k, v in patch.items() if k != "$patch"}
        out = copy.deepcopy(target) if isinstance(target, dict) else {}
        retain = patch.get("$retainKeys")
        for k, v in patch.items():
            if k.startswith("$setElementOrder/") or k in ("$retainKeys", "$patch"):
                continue
            if v is None:
                out.pop(k, None)
            else:
                out[k] = strategic_merge(out.get(k), v, k)
        if isinstance(retain, list):
            out = {k: v for k, v in out.items() if k in retain}
        return out
    if isinstance(patch, list):
        key = MERGE_KEYS.get(field or "")
        if key is None or not isinstance(target, list):
            return [e for e in copy.deepcopy(patch) if not (isinstance(e, dict) and "$patch" in e)]
        out = copy.deepcopy(target)
        for item in patch:
            if not isinstance(item, dict) or key not in item:
                raise PatchError(f"invalid strategic merge patch: element of {field} without {key}")
            idx = next((i for i, e in enumerate(out) if isinstance(e, dict) and e.get(key) == item[key]), None)
            if item.get("$patch") == "delete":
                if idx is not None:
                    del out[idx]
                continue
            if idx is None:
                out.append({k: v for k, v in item.items() if k != "$patch"})
            else:
                out[idx] = strategic_merge(out[idx], item, field)
        return out
    return copy.deepcopy(patch)


def _pointer(path: str) -> list[str]:
    if not path.startswith("/"):
        raise PatchError(f"invalid JSON patch path {path!r}")
    return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]


def json_patch(doc: Any, ops: Any) -> Any:
    """RFC 6902 (add, remove, replace, test, copy, move)."""
    if not isinstance(ops, list):
        raise PatchError("invalid JSON patch: not a list of operations")
    out = copy.deepcopy(doc)
    for op in ops:
        parts = _pointer(op.get("path", ""))
        parent: Any = out
        for p in parts[:-1]:
            parent = parent[int(p)] if isinstance(parent, list) else parent.get(p)
            if parent is None:
                raise PatchError(f"invalid JSON patch: {op['path']} does not exist")
        last = parts[-1]
        kind = op.get("op")
        if kind in ("add", "replace"):
            if isinstance(parent, list):
                i = len(parent) if last == "-" else int(last)
                if kind == "add":
                    parent.insert(i, copy.deepcopy(op["value"]))
                else:
                    parent[i] = copy.deepcopy(op["value"])
            else:
                if kind == "replace" and last not in parent:
                    raise PatchError(f"invalid JSON patch: replace of missing {op['path']}")
                parent[last] = copy.deepcopy(op["value"])
        elif kind == "remove":
            if isinstance(parent, list):
                del parent[int(last)]
            elif last in parent:
                del parent[last]
            else:
                raise PatchError(f"invalid JSON patch: remove of missing {op['path']}")
        elif kind == "test":
            current = parent[int(last)] if isinstance(parent, list) else parent.get(last)
            if current != op.get("value"):
                raise PatchError(f"invalid JSON patch: test failed at {op['path']}")
        else:
            raise PatchError(f"invalid JSON patch: unsupported op {kind!r}")
    return out
