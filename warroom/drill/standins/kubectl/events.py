"""Cluster events, derived from the drill's history rather than stored.

Rollouts, new pods, scaling and the audit stall each leave the events a real cluster would show, so
``get events`` and ``describe`` tell the same story as the curves without a second source of truth.
"""

from __future__ import annotations

from warroom.drill import fleet
from warroom.drill.standins.base import Context, age, table
from warroom.drill.standins.kubectl.flags import Args
from warroom.drill.standins.kubectl.resources import no_resources
from warroom.drill.standins.kubeobj import deployment_pods


def events(ctx: Context, ns: str | None) -> list[tuple[float, str, str, str, str, str]]:
    """(scenario time, namespace, type, reason, object, message) for the last hour."""
    out = []
    horizon = ctx.t - 3600
    for dep in ctx.cluster.deployments.values():
        if ns is not None and dep.namespace != ns:
            continue
        for prev, rev in zip(dep.history, dep.history[1:], strict=False):
            if horizon <= rev.at <= ctx.t:
                new_rs, old_rs = f"{dep.name}-{rev.template_hash}", f"{dep.name}-{prev.template_hash}"
                out.append((rev.at, dep.namespace, "Normal", "ScalingReplicaSet", f"deployment/{dep.name}",
                            f"Scaled up replica set {new_rs} to 1"))
                done = min(ctx.t, rev.at + dep.rollout_seconds)
                out.append((done, dep.namespace, "Normal", "ScalingReplicaSet", f"deployment/{dep.name}",
                            f"Scaled down replica set {old_rs} to 0 from {dep.replicas}"))
        for pod in deployment_pods(ctx, dep):
            if horizon <= pod.created <= ctx.t and pod.status != "Terminating":
                obj = f"pod/{pod.name}"
                out.append((pod.created, dep.namespace, "Normal", "Scheduled", obj,
                            f"Successfully assigned {dep.namespace}/{pod.name} to {pod.node}"))
                out.append((pod.created + 2, dep.namespace, "Normal", "Pulled", obj,
                            f'Container image "{pod.image}" already present on machine'))
                out.append((pod.created + 3, dep.namespace, "Normal", "Started", obj,
                            f"Started container {pod.container}"))
    for a in ctx.cluster.log:
        if a.action == "scale" and horizon <= a.t and (ns in (None, fleet.NAMESPACE)):
            out.append((a.t, fleet.NAMESPACE, "Normal", "ScalingReplicaSet", f"deployment/{a.detail.get('deployment')}",
                        f"Scaled replica set to {a.detail.get('replicas')}"))
    sig = ctx.signals
    if ns in (None, fleet.NAMESPACE) and sig.audit_stalled_since(ctx.t) is not None:
        for k in range(6):
            t = ctx.t - 40 - k * 90
            if t > (sig.audit_stalled_since(ctx.t) or t):
                out.append((t, fleet.NAMESPACE, "Warning", "Unhealthy", "pod/" + _first_pod(ctx, fleet.AUDIT_DEPLOYMENT),
                            "Readiness probe failed: audit sink not connected"))
    return sorted(out)


def _first_pod(ctx: Context, deployment: str) -> str:
    dep = ctx.cluster.deployments.get(deployment)
    pods = deployment_pods(ctx, dep) if dep else []
    return pods[0].name if pods else deployment


def print_events(ctx: Context, args: Args, ns: str | None, all_ns: bool) -> int:
    evs = events(ctx, ns)
    fs = args.get("field_selector") or ""
    if fs.startswith("involvedObject.name="):
        want = fs.split("=", 1)[1]
        evs = [e for e in evs if e[4].split("/", 1)[1] == want]
    if not evs:
        return no_resources(ctx, ns)
    headers = ["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]
    rows = [([e[1]] if all_ns else []) + [age(ctx.t - e[0]), e[2], e[3], e[4], e[5]] for e in evs]
    ctx.out(table((["NAMESPACE"] if all_ns else []) + headers, rows))
    return 0
