"""``kubectl get``: the default tables for every kind the drill cluster has.

``-o`` formats are handed to ``formats.output``; what stays here is the column layout of each kind,
which is what a responder reads.
"""

from __future__ import annotations

from warroom.drill import fleet
from warroom.drill.standins.base import Context, age, table
from warroom.drill.standins.kubectl.events import print_events
from warroom.drill.standins.kubectl.flags import Args
from warroom.drill.standins.kubectl.formats import output
from warroom.drill.standins.kubectl.resources import (
    NAMESPACES, fail_nf, match_selector, no_resources, not_found, split_target,
)
from warroom.drill.standins.kubectl.top import cpu_percent
from warroom.drill.standins.kubeobj import NODES, Pod, all_pods, deployment_obj, pod_obj


def cmd_get(ctx: Context, args: Args, ns: str) -> int:
    kind, name = split_target(args, "get")
    all_ns = bool(args.get("all_namespaces"))
    scope = None if all_ns else ns
    if kind == "pods":
        pods = [p for p in all_pods(ctx, scope) if match_selector(
            {"app": p.deployment, "pod-template-hash": p.template_hash}, args.get("selector"))]
        if name:
            pods = [p for p in pods if p.name == name]
            if not pods:
                raise not_found("pods", name)
        if output(ctx, args, [pod_obj(ctx, p) for p in pods], bool(name), [f"pod/{p.name}" for p in pods]):
            return 0
        if not pods:
            return no_resources(ctx, scope)
        return print_pods(ctx, args, pods, all_ns)
    if kind == "deployments":
        deps = [d for d in ctx.cluster.deployments.values() if scope is None or d.namespace == scope]
        deps = [d for d in deps if match_selector({"app": d.name}, args.get("selector"))]
        if name:
            deps = [d for d in deps if d.name == name]
            if not deps:
                raise not_found("deployments", name)
        if output(ctx, args, [deployment_obj(ctx, d) for d in deps], bool(name),
                  [f"deployment.apps/{d.name}" for d in deps]):
            return 0
        if not deps:
            return no_resources(ctx, scope)
        headers = ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]
        rows = []
        for d in deps:
            row = [d.name, f"{d.ready(ctx.t)}/{d.replicas}", d.updated(ctx.t), d.ready(ctx.t),
                   age(ctx.t - d.history[0].at)]
            if args.get("output") == "wide":
                row += [d.container, d.current.image, f"app={d.name}"]
            rows.append(([d.namespace] if all_ns else []) + row)
        if args.get("output") == "wide":
            headers += ["CONTAINERS", "IMAGES", "SELECTOR"]
        ctx.out(table((["NAMESPACE"] if all_ns else []) + headers, rows))
        return 0
    if kind == "events":
        return print_events(ctx, args, scope, all_ns)
    if kind == "nodes":
        nodes = [n for n in NODES if not name or n == name]
        if name and not nodes:
            raise not_found("nodes", name)
        cordoned = cordoned_nodes(ctx)
        rows = [[n, "Ready,SchedulingDisabled" if n in cordoned else "Ready", "<none>", "63d", "v1.28.9"]
                for n in nodes]
        ctx.out(table(["NAME", "STATUS", "ROLES", "AGE", "VERSION"], rows))
        return 0
    if kind == "hpa":
        items = [(n, h) for n, h in ctx.cluster.hpa.items() if (not name or n == name) and ns == fleet.NAMESPACE]
        if name and not items:
            raise not_found("hpa", name)
        if not items:
            return no_resources(ctx, scope)
        fe = ctx.cluster.flowengine
        cpu = int(cpu_percent(ctx))
        rows = [[n, f"Deployment/{n}", f"cpu: {cpu}%/{h['cpu']}%", h["min"], h["max"], fe.replicas, "21d"]
                for n, h in items]
        ctx.out(table(["NAME", "REFERENCE", "TARGETS", "MINPODS", "MAXPODS", "REPLICAS", "AGE"], rows))
        return 0
    if kind == "secrets":
        if ns != fleet.NAMESPACE:
            return no_resources(ctx, ns) if not name else fail_nf("secrets", name)
        items = [(n, keys) for n, keys in ctx.cluster.secrets.items() if not name or n == name]
        if name and not items:
            raise not_found("secrets", name)
        ctx.out(table(["NAME", "TYPE", "DATA", "AGE"], [[n, "Opaque", len(k), "34d"] for n, k in items]))
        return 0
    if kind == "configmaps":
        items = {n: d for n, d in ctx.cluster.configmaps.items() if (not name or n == name) and ns == fleet.NAMESPACE}
        if name and not items:
            raise not_found("configmaps", name)
        objs = [{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": n, "namespace": ns}, "data": d}
                for n, d in items.items()]
        if output(ctx, args, objs, bool(name), [f"configmap/{n}" for n in items]):
            return 0
        ctx.out(table(["NAME", "DATA", "AGE"], [[n, len(d), "34d"] for n, d in items.items()]))
        return 0
    if kind == "namespaces":
        ctx.out(table(["NAME", "STATUS", "AGE"], [[n, "Active", "120d"] for n in NAMESPACES]))
        return 0
    if kind == "services":
        if ns != fleet.NAMESPACE:
            return no_resources(ctx, ns)
        rows = [[d.name, "ClusterIP", f"10.96.{i}.{40 + i}", "<none>", f"{d.port}/TCP", "90d"]
                for i, d in enumerate(ctx.cluster.deployments.values()) if not name or d.name == name]
        if name and not rows:
            raise not_found("services", name)
        ctx.out(table(["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"], rows))
        return 0
    if kind == "replicasets":
        rows = []
        for d in ctx.cluster.deployments.values():
            if d.namespace != ns:
                continue
            for r in d.history:
                cur = r is d.current
                n = d.replicas if cur else 0
                rows.append([f"{d.name}-{r.template_hash}", n, n, d.ready(ctx.t) if cur else 0, age(ctx.t - r.at)])
        if not rows:
            return no_resources(ctx, ns)
        ctx.out(table(["NAME", "DESIRED", "CURRENT", "READY", "AGE"], rows))
        return 0
    if name:
        raise not_found(kind, name)
    return no_resources(ctx, scope)


def print_pods(ctx: Context, args: Args, pods: list[Pod], all_ns: bool) -> int:
    headers = ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    wide = args.get("output") == "wide"
    if wide:
        headers += ["IP", "NODE", "NOMINATED NODE", "READINESS GATES"]
    if args.get("show_labels"):
        headers.append("LABELS")
    rows = []
    for p in pods:
        restarts = str(p.restarts) + (f" ({age(ctx.t - p.created - 3600)} ago)" if p.restarts else "")
        row: list[object] = [p.name, "1/1" if p.ready else "0/1", p.status, restarts, age(ctx.t - p.created)]
        if wide:
            row += [p.ip, p.node, "<none>", "<none>"]
        if args.get("show_labels"):
            row.append(f"app={p.deployment},pod-template-hash={p.template_hash}")
        rows.append(([p.namespace] if all_ns else []) + row)
    text = table((["NAMESPACE"] if all_ns else []) + headers, rows)
    if args.get("no_headers"):
        text = "\n".join(text.splitlines()[1:])
    ctx.out(text)
    return 0


def cordoned_nodes(ctx: Context) -> set[str]:
    out: set[str] = set()
    for a in ctx.drill.actions():
        if a.action == "node_cordon":
            out.add(str(a.detail.get("node")))
        elif a.action == "node_uncordon":
            out.discard(str(a.detail.get("node")))
    return out
