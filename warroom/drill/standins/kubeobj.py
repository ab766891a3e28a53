"""Kubernetes objects of the drill cluster as API-shaped dicts, and kubectl's jsonpath over them.

``kubectl get -o json|yaml|jsonpath=...`` needs the objects in the API's own shape; runbooks read
things like ``{.spec.template.spec.containers[0].image}`` or
``{.spec.template.spec.containers[0].env[?(@.name=="DB_POOL_SIZE")].value}`` from them.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from warroom.drill.activity import iso, pod_names
from warroom.drill.cluster import Deployment, short_hash
from warroom.drill.standins.base import Context

NODES = ("node-1", "node-2", "node-3", "node-4")


@dataclass(frozen=True)
class Pod:
    name: str
    namespace: str
    deployment: str
    template_hash: str
    ready: bool
    status: str
    restarts: int
    created: float              # scenario seconds
    node: str
    ip: str
    image: str
    container: str


def deployment_pods(ctx: Context, dep: Deployment) -> list[Pod]:
    """The pods a deployment has at the context's moment (old ones terminating during a rollout)."""
    t = ctx.t
    cur = dep.current
    out: list[Pod] = []
    if dep.replicas == 0 and t >= dep.scaled_at + 10:
        return out
    born = max(cur.at, dep.scaled_at if dep.replicas > dep.previous_replicas else cur.at)
    names = pod_names(dep.name, cur.template_hash, max(dep.replicas, 0))
    ready_n = dep.ready(t)
    for i, name in enumerate(names):
        created = born + i * (dep.rollout_seconds / max(1, dep.replicas))
        if created > t:
            continue
        ready = i < ready_n
        restarts = int(short_hash(name, "r", n=1) in "bcd") if created < t - 86400 else 0
        out.append(Pod(name, dep.namespace, dep.name, cur.template_hash, ready,
                       "Running" if ready else "ContainerCreating", restarts, created,
                       NODES[i % len(NODES)], _ip(name), cur.image, dep.container))
    if t < dep.rollout_done_at() and len(dep.history) > 1 and t >= cur.at:
        old = dep.history[-2]
        stale = dep.replicas - ready_n
        for i, name in enumerate(pod_names(dep.name, old.template_hash, stale)):
            out.append(Pod(name, dep.namespace, dep.name, old.template_hash, True, "Terminating", 0,
                           old.at, NODES[(i + 1) % len(NODES)], _ip(name), old.image, dep.container))
    return out


def _ip(name: str) -> str:
    h = sum(map(ord, name))
    return f"10.42.{h % 4}.{h % 250 + 3}"


def all_pods(ctx: Context, namespace: str | None) -> list[Pod]:
    pods: list[Pod] = []
    for dep in ctx.cluster.deployments.values():
        if namespace is None or dep.namespace == namespace:
            pods.extend(deployment_pods(ctx, dep))
    if namespace in (None, "monitoring"):
        pods.append(Pod("prometheus-0", "monitoring", "prometheus", "", True, "Running", 0,
                        -45 * 86400.0, "node-3", "10.42.3.17", "prom/prometheus:v2.48.1", "prometheus"))
    return pods


def deployment_obj(ctx: Context, dep: Deployment) -> dict[str, Any]:
    cur = dep.current
    ann = {"deployment.kubernetes.io/revision": str(cur.number)}
    if cur.cause and cur.cause != "<none>":
        ann["kubernetes.io/change-cause"] = cur.cause
    ready = dep.ready(ctx.t)
    updated = dep.updated(ctx.t)
    container = {
        "name": dep.container,
        "image": cur.image,
        "imagePullPolicy": "IfNotPresent",
        "ports": [{"containerPort": dep.port, "name": "http", "protocol": "TCP"}],
        "env": [{"name": k, "value": v} for k, v in cur.env.items()],
        "resources": {"limits": {"cpu": "1", "memory": "3Gi"}, "requests": {"cpu": "500m", "memory": "1Gi"}},
    }
    tmeta: dict[str, Any] = {"labels": {"app": dep.name}}
    if cur.annotations:
        tmeta["annotations"] = dict(cur.annotations)
    done = ctx.t >= dep.rollout_done_at()
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": dep.name, "namespace": dep.namespace, "labels": {"app": dep.name},
            "annotations": ann, "generation": cur.number + 3,
            "creationTimestamp": iso(ctx.wall(dep.history[0].at)),
        },
        "spec": {
            "replicas": dep.replicas,
            "selector": {"matchLabels": {"app": dep.name}},
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}},
            "template": {"metadata": tmeta, "spec": {"containers": [container]}},
        },
        "status": {
            "observedGeneration": cur.number + 3,
            "replicas": dep.replicas,
            "updatedReplicas": updated,
            "readyReplicas": ready,
            "availableReplicas": ready,
            "conditions": [
                {"type": "Available", "status": "True" if ready >= max(1, dep.replicas - 1) or dep.replicas == 0
                 else "False", "reason": "MinimumReplicasAvailable"},
                {"type": "Progressing", "status": "True",
                 "reason": "NewReplicaSetAvailable" if done else "ReplicaSetUpdated"},
            ],
        },
    }


def pod_obj(ctx: Context, pod: Pod) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": pod.name, "namespace": pod.namespace,
            "labels": {"app": pod.deployment, "pod-template-hash": pod.template_hash},
            "creationTimestamp": iso(ctx.wall(pod.created)),
        },
        "spec": {"nodeName": pod.node, "containers": [{"name": pod.container, "image": pod.image}]},
        "status": {
            "phase": "Running" if pod.status in ("Running", "Terminating") else "Pending",
            "podIP": pod.ip,
            "containerStatuses": [{"name": pod.container, "ready": pod.ready, "restartCount": pod.restarts,
                                   "image": pod.image}],
        },
    }


def as_list(items: list[dict[str, Any]]) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "List", "items": items, "metadata": {"resourceVersion": ""}}


# ------------------------------------------------------------------------------ jsonpath


class JsonPathError(Exception):
    pass


_SEG = re.compile(r"""
    \.(?P<field>[A-Za-z0-9_\-/]+)
  | \[(?P<index>-?\d+)\]
  | \[(?P<star>\*)\]
  | \[\?\(@\.(?P<fkey>[A-Za-z0-9_.\-]+)\s*(?P<fop>==|!=)\s*(?P<fval>"[^"]*"|'[^']*'|[^)\s]+)\)\]
  | \['(?P<qfield>[^']+)'\]
  | \.(?=\[)
""", re.VERBOSE)


def _walk(nodes: list[Any], expr: str) -> list[Any]:
    """One ``{...}`` path: fields, ``[i]``, ``[*]``, ``[?(@.k=="v")]`` filters (no ``..`` descent)."""
    expr = expr.strip().removeprefix("$")
    pos = 0
    while expr not in ("", ".") and pos < len(expr):
        m = _SEG.match(expr, pos)
        if m is None:
            raise JsonPathError(f"unrecognized identifier {expr[pos:]}")
        pos = m.end()
        nxt: list[Any] = []
        if m.group("field") or m.group("qfield"):
            name = m.group("field") or m.group("qfield")
            for n in nodes:
                if not isinstance(n, dict) or name not in n:
                    raise JsonPathError(f"{name} is not found")
                nxt.append(n[name])
        elif m.group("index"):
            i = int(m.group("index"))
            for n in nodes:
                if isinstance(n, list):
                    if not -len(n) <= i < len(n):
                        raise JsonPathError(f"array index out of bounds: index {i}, length {len(n)}")
                    nxt.append(n[i])
        elif m.group("star"):
            for n in nodes:
                nxt.extend(n if isinstance(n, list) else list(n.values()) if isinstance(n, dict) else [])
        elif m.group("fkey"):
            want, equal = m.group("fval").strip("\"'"), m.group("fop") == "=="
            for n in nodes:
                for item in n if isinstance(n, list) else []:
                    value: Any = item
                    for part in m.group("fkey").split("."):
                        value = value.get(part) if isinstance(value, dict) else None
                    if (value is not None and str(value) == want) == equal:
                        nxt.append(item)
        else:
            continue
        nodes = nxt
    return nodes


def _fmt(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def jsonpath(template: str, data: Any) -> str:
    """kubectl's jsonpath templates: ``{path}`` segments, ``{"literal"}`` and plain text between.

    ``{range}``/``{end}`` loops are not simulated (no runbook uses them); they are refused.
    """
    template = template.strip()
    if template.startswith("'") and template.endswith("'"):
        template = template[1:-1]
    parts = re.split(r"(\{[^{}]*\})", template) if "{" in template else ["{" + template + "}"]
    out: list[str] = []
    for p in parts:
        inner = p[1:-1].strip() if p.startswith("{") and p.endswith("}") else None
        if inner is None:
            out.append(p)
        elif inner.startswith("range ") or inner == "end":
            raise JsonPathError("drill: {range}/{end} is not simulated")
        elif len(inner) >= 2 and inner[0] == inner[-1] and inner[0] in "\"'":
            out.append(inner[1:-1].encode().decode("unicode_escape"))
        else:
            out.append(" ".join(_fmt(v) for v in _walk([data], inner)))
    return "".join(out)
