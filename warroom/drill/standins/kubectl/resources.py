"""Resource kinds and names: the aliases kubectl knows, and the lookups every verb shares.

Each verb needs the same "TYPE NAME or TYPE/NAME" reading, the same NotFound message and the same
label-selector matching; keeping them here means a message fixed once is fixed for every verb.
"""

from __future__ import annotations

from warroom.drill import fleet
from warroom.drill.cluster import Deployment
from warroom.drill.standins.base import Context
from warroom.drill.standins.kubectl.flags import Args, Fail
from warroom.drill.standins.kubeobj import Pod, deployment_pods

KINDS = {
    "po": "pods", "pod": "pods", "pods": "pods",
    "deploy": "deployments", "deployment": "deployments", "deployments": "deployments",
    "deployment.apps": "deployments", "deployments.apps": "deployments",
    "ev": "events", "event": "events", "events": "events",
    "no": "nodes", "node": "nodes", "nodes": "nodes",
    "hpa": "hpa", "horizontalpodautoscaler": "hpa", "horizontalpodautoscalers": "hpa",
    "rs": "replicasets", "replicaset": "replicasets", "replicasets": "replicasets",
    "svc": "services", "service": "services", "services": "services",
    "cm": "configmaps", "configmap": "configmaps", "configmaps": "configmaps",
    "secret": "secrets", "secrets": "secrets",
    "ns": "namespaces", "namespace": "namespaces", "namespaces": "namespaces",
    "netpol": "networkpolicies", "networkpolicy": "networkpolicies", "networkpolicies": "networkpolicies",
    "sts": "statefulsets", "statefulset": "statefulsets", "statefulsets": "statefulsets",
    "pvc": "persistentvolumeclaims", "persistentvolumeclaim": "persistentvolumeclaims",
    "persistentvolumeclaims": "persistentvolumeclaims",
}
API_NAME = {
    "pods": ("pod", "pods"), "deployments": ("deployment.apps", "deployments.apps"),
    "hpa": ("horizontalpodautoscaler.autoscaling", "horizontalpodautoscalers.autoscaling"),
    "services": ("service", "services"), "configmaps": ("configmap", "configmaps"),
    "secrets": ("secret", "secrets"), "nodes": ("node", "nodes"), "namespaces": ("namespace", "namespaces"),
    "networkpolicies": ("networkpolicy.networking.k8s.io", "networkpolicies.networking.k8s.io"),
    "statefulsets": ("statefulset.apps", "statefulsets.apps"), "replicasets": ("replicaset.apps", "replicasets.apps"),
    "persistentvolumeclaims": ("persistentvolumeclaim", "persistentvolumeclaims"),
    "events": ("event", "events"),
}
NAMESPACES = (fleet.NAMESPACE, "monitoring", "kube-system", "default")


def split_target(args: Args, sub: str) -> tuple[str, str | None]:
    """``TYPE NAME`` / ``TYPE/NAME`` / ``TYPE`` -> (kind, name)."""
    if not args.pos:
        raise Fail("error: you must specify the type of resource to get. Use \"kubectl api-resources\" for a "
                   "complete list of supported resources." if sub == "get" else
                   f"error: required resource not specified\nSee 'kubectl {sub} --help' for usage.")
    first = args.pos[0]
    if "/" in first:
        kind, _, name = first.partition("/")
    else:
        kind, name = first, (args.pos[1] if len(args.pos) > 1 else None)
    canon = KINDS.get(kind.lower())
    if canon is None:
        raise Fail(f'error: the server doesn\'t have a resource type "{kind}"')
    return canon, name


def not_found(kind: str, name: str, ns: str | None = None) -> Fail:
    plural = API_NAME.get(kind, (kind, kind))[1]
    return Fail(f'Error from server (NotFound): {plural} "{name}" not found')


def need_deployment(ctx: Context, name: str | None, ns: str) -> Deployment:
    if not name:
        raise Fail("error: required resource not specified")
    dep = ctx.cluster.deployment(name, ns)
    if dep is None:
        raise not_found("deployments", name, ns)
    return dep


def deployment_target(args: Args, sub: str) -> str:
    kind, name = split_target(args, sub)
    if kind != "deployments":
        raise Fail(f'error: no {sub} handler for resource type "{kind}" in the drill cluster')
    if not name:
        raise Fail("error: required resource not specified")
    return name


def match_selector(labels: dict[str, str], selector: str | None) -> bool:
    if not selector:
        return True
    for part in selector.split(","):
        part = part.strip()
        if "!=" in part:
            k, v = part.split("!=", 1)
            if labels.get(k.strip()) == v.strip():
                return False
        elif "=" in part:
            k, v = part.split("=", 1)
            if labels.get(k.strip().rstrip("=")) != v.strip().lstrip("="):
                return False
        elif part.startswith("!"):
            if part[1:] in labels:
                return False
        elif part not in labels:
            return False
    return True


def no_resources(ctx: Context, ns: str | None) -> int:
    ctx.err("No resources found" + (f" in {ns} namespace." if ns else ""))
    return 0


def fail_nf(kind: str, name: str) -> int:
    raise not_found(kind, name)


def running_pods(ctx: Context, kind: str, name: str, ns: str, wrong_kind: str, none_running: str) -> list[Pod]:
    """The running pods behind ``KIND/NAME`` for verbs that pick one pod (``logs``, ``exec``).

    Only deployments are resolved; ``wrong_kind`` and ``none_running`` are the verb's own kubectl
    messages for the two ways this fails.
    """
    if KINDS.get(kind) != "deployments":
        raise Fail(wrong_kind)
    dep = need_deployment(ctx, name, ns)
    pods = [p for p in deployment_pods(ctx, dep) if p.status == "Running"]
    if not pods:
        raise Fail(none_running)
    return pods
