"""The mutating native actions (scale, rollout restart, rollout undo, set env) and rollout status.

Each one does what kubectl does, request for request (see :mod:`warroom.sources.kubernetes`), so
the exact patches are kept together where they can be compared with kubectl's; the connection,
error wording and the pane's reads stay in :class:`~warroom.sources.kubernetes.KubeSource`,
which this mixin is part of.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

from warroom import scenario_time as stime
from warroom.sources.kube_snapshot import REVISION, deployment_state
from warroom.sources.kube_target import KubeError

RESTARTED_AT = "kubectl.kubernetes.io/restartedAt"
HASH_LABEL = "pod-template-hash"

#: Deployment annotations ``kubectl rollout undo`` keeps from the deployment, not the ReplicaSet.
UNDO_SKIP_ANNOTATIONS = (
    "kubectl.kubernetes.io/last-applied-configuration",
    REVISION,
    "deployment.kubernetes.io/revision-history",
    "deployment.kubernetes.io/desired-replicas",
    "deployment.kubernetes.io/max-replicas",
    "deprecated.deployment.rollback.to",
)

#: The client's method suffix for each workload kind native steps can touch.
_API_KIND = {"deployment": "deployment", "statefulset": "stateful_set", "daemonset": "daemon_set"}


def _selector(dep: dict[str, Any]) -> str:
    labels = (((dep.get("spec") or {}).get("selector") or {}).get("matchLabels") or {})
    return ",".join(f"{k}={v}" for k, v in sorted(labels.items()))


def _equal_ignoring_hash(a: dict[str, Any], b: dict[str, Any]) -> bool:
    def strip(t: dict[str, Any]) -> dict[str, Any]:
        t = json.loads(json.dumps(t))
        ((t.get("metadata") or {}).get("labels") or {}).pop(HASH_LABEL, None)
        return t

    return strip(a) == strip(b)


class KubeActions:
    """The writes of :class:`~warroom.sources.kubernetes.KubeSource`, which supplies ``_call``,
    ``deployment`` and ``namespace``."""

    def scale(self, name: str, replicas: int) -> list[str]:
        if replicas < 0:
            raise KubeError("replicas must be 0 or more")
        before = self._call("apps", "read_namespaced_deployment_scale", name, self.namespace)
        self._call("apps", "patch_namespaced_deployment_scale", name, self.namespace,
                   {"spec": {"replicas": replicas}}, _content_type="application/merge-patch+json")
        was = (before.get("spec") or {}).get("replicas")
        return [f"deployment.apps/{name} scaled (replicas {was} → {replicas})"]

    def restart(self, name: str, now: datetime | None = None, kind: str = "deployment") -> list[str]:
        stamp = (now or stime.utcnow()).astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        body = {"spec": {"template": {"metadata": {"annotations": {RESTARTED_AT: stamp}}}}}
        self._call("apps", f"patch_namespaced_{_API_KIND[kind]}", name, self.namespace, body,
                   _content_type="application/strategic-merge-patch+json")
        return [f"{kind}.apps/{name} restarted (restartedAt {stamp})"]

    def undo(self, name: str, to_revision: int | None = None) -> list[str]:
        dep = self.deployment(name)
        current = (dep["metadata"].get("annotations") or {}).get(REVISION)
        uid = dep["metadata"].get("uid")
        selector = _selector(dep)
        rss = self._call("apps", "list_namespaced_replica_set", self.namespace,
                         label_selector=selector).get("items") or []
        owned = [rs for rs in rss if not uid or any(
            o.get("uid") == uid for o in (rs.get("metadata") or {}).get("ownerReferences") or [])]
        by_rev: dict[int, dict[str, Any]] = {}
        for rs in owned:
            rev = (rs["metadata"].get("annotations") or {}).get(REVISION)
            if rev and rev.isdigit():
                by_rev[int(rev)] = rs
        if not by_rev:
            raise KubeError(f"no rollout history found for deployment {name}")
        if to_revision:
            if to_revision not in by_rev:
                raise KubeError(f"unable to find revision {to_revision} of deployment {name}"
                                f" (revisions: {', '.join(map(str, sorted(by_rev)))})")
            target_rev = to_revision
        else:
            cur = int(current) if current and current.isdigit() else max(by_rev)
            older = [r for r in by_rev if r < cur]
            if not older:
                raise KubeError(f"no previous revision of deployment {name} to roll back to"
                                f" (current revision {cur})")
            target_rev = max(older)
        rs = by_rev[target_rev]
        template = json.loads(json.dumps(rs["spec"]["template"]))
        labels = (template.get("metadata") or {}).get("labels") or {}
        labels.pop(HASH_LABEL, None)
        if _equal_ignoring_hash(template, dep["spec"]["template"]):
            return [f"deployment.apps/{name}: skipped rollback"
                    f" (current template already matches revision {target_rev})"]
        dep_ann = dep["metadata"].get("annotations") or {}
        annotations = {k: dep_ann[k] for k in UNDO_SKIP_ANNOTATIONS if k in dep_ann}
        for k, v in (rs["metadata"].get("annotations") or {}).items():
            if k not in UNDO_SKIP_ANNOTATIONS:
                annotations[k] = v
        patch = [
            {"op": "replace", "path": "/spec/template", "value": template},
            {"op": "replace", "path": "/metadata/annotations", "value": annotations},
        ]
        self._call("apps", "patch_namespaced_deployment", name, self.namespace, patch,
                   _content_type="application/json-patch+json")
        return [f"deployment.apps/{name} rolled back to revision {target_rev} (was {current})"]

    def set_env(self, name: str, env: dict[str, str | None], container: str | None = None,
                kind: str = "deployment") -> list[str]:
        dep = self._call("apps", f"read_namespaced_{_API_KIND[kind]}", name, self.namespace)
        containers = [c.get("name") for c in dep["spec"]["template"]["spec"].get("containers") or []]
        if container is not None and container not in containers:
            raise KubeError(f"{kind} {name} has no container {container!r}"
                            f" (containers: {', '.join(map(str, containers))})")
        targets = [container] if container else containers
        entries = [{"name": k, "value": v} if v is not None else {"name": k, "$patch": "delete"}
                   for k, v in env.items()]
        body = {"spec": {"template": {"spec": {"containers": [
            {"name": c, "env": entries} for c in targets]}}}}
        self._call("apps", f"patch_namespaced_{_API_KIND[kind]}", name, self.namespace, body,
                   _content_type="application/strategic-merge-patch+json")
        changes = ", ".join(f"{k}={v}" if v is not None else f"{k} removed" for k, v in env.items())
        return [f"{kind}.apps/{name} env updated ({changes}) in {', '.join(map(str, targets))}"]

    def rollout_status(self, name: str) -> list[str]:
        state = deployment_state(self.deployment(name))
        return [f"deployment {name}: revision {state.revision or '?'}, {state.ready}/{state.desired} ready,"
                f" {state.available} available, {state.updated} updated",
                f"rollout: {state.rollout}"]
