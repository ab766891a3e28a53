"""The verbs that only look: ``get``, ``describe``, ``logs``, ``top`` and the events they show.

``get`` is one mechanism for every kind: a kind lists its objects as rows (name, namespace, table
cells, labels, API object); name filters, NotFound, ``-A``, ``-o json|yaml|name|jsonpath|wide|
custom-columns``, ``--show-labels`` and ``--no-headers`` work the same for all. Events and log
lines are derived from the drill's history, so they tell the same story as the curves.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from warroom.drill import fleet
from warroom.drill.activity import iso
from warroom.drill.model import noise
from warroom.drill.standins.base import Args, Context, age, go_duration, table
from warroom.drill.standins.kubectl import (
    KINDS, Fail, Verb, api_name, match_selector, no_resources, not_found, split_target, target_pods,
)
from warroom.drill.standins.kubeobj import (
    NODES, JsonPathError, Pod, all_pods, as_list, deployment_obj, deployment_pods, jsonpath, pod_obj,
)


@dataclass
class Row:
    """One object as ``get`` shows it."""

    name: str
    namespace: str | None           # None: cluster-scoped
    cells: list[object]             # after NAME
    obj: dict[str, Any]
    wide: tuple[object, ...] = ()
    labels: str = ""


def _meta(kind: str, name: str, namespace: str | None, **rest: Any) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name} | ({"namespace": namespace} if namespace else {})
    return {"apiVersion": "v1", "kind": kind, "metadata": meta, **rest}


def _in_prod(scope: str | None) -> bool:
    return scope in (None, fleet.NAMESPACE)


def _pods(ctx: Context, args: Args, scope: str | None) -> list[Row]:
    out = []
    for p in all_pods(ctx, scope):
        labels = {"app": p.deployment, "pod-template-hash": p.template_hash}
        if not match_selector(labels, args.get("selector")):
            continue
        restarts = str(p.restarts) + (f" ({age(ctx.t - p.created - 3600)} ago)" if p.restarts else "")
        out.append(Row(p.name, p.namespace, ["1/1" if p.ready else "0/1", p.status, restarts, age(ctx.t - p.created)],
                       pod_obj(ctx, p), (p.ip, p.node, "<none>", "<none>"),
                       ",".join(f"{k}={v}" for k, v in labels.items())))
    return out


def _deployments(ctx: Context, args: Args, scope: str | None) -> list[Row]:
    return [Row(d.name, d.namespace, [f"{d.ready(ctx.t)}/{d.replicas}", d.updated(ctx.t), d.ready(ctx.t),
                                      age(ctx.t - d.history[0].at)],
                deployment_obj(ctx, d), (d.container, d.current.image, f"app={d.name}"), f"app={d.name}")
            for d in ctx.cluster.deployments.values()
            if (scope is None or d.namespace == scope) and match_selector({"app": d.name}, args.get("selector"))]


def _nodes(ctx: Context, args: Args, scope: str | None) -> list[Row]:
    cordoned = cordoned_nodes(ctx)
    return [Row(n, None, ["Ready,SchedulingDisabled" if n in cordoned else "Ready", "<none>", "63d", "v1.28.9"],
                _meta("Node", n, None, spec={"unschedulable": n in cordoned})) for n in NODES]


def _hpa(ctx: Context, args: Args, scope: str | None) -> list[Row]:
    replicas = ctx.cluster.flowengine.replicas
    cpu = f"{int(cpu_percent(ctx))}%" if replicas else "<unknown>"       # no pods, no metrics
    return [Row(n, fleet.NAMESPACE, [f"Deployment/{n}", f"cpu: {cpu}/{h['cpu']}%", h["min"], h["max"], replicas, "21d"],
                _meta("HorizontalPodAutoscaler", n, fleet.NAMESPACE, apiVersion="autoscaling/v2",
                      spec={"minReplicas": h["min"], "maxReplicas": h["max"]}))
            for n, h in ctx.cluster.hpa.items() if _in_prod(scope)]


def _secrets(ctx: Context, args: Args, scope: str | None) -> list[Row]:
    # the drill keeps only a secret's key names; -o shows them with the value withheld, as RBAC would
    return [Row(n, fleet.NAMESPACE, ["Opaque", len(keys), "34d"],
                _meta("Secret", n, fleet.NAMESPACE, type="Opaque", data={k: "" for k in keys}))
            for n, keys in ctx.cluster.secrets.items() if _in_prod(scope)]


def _configmaps(ctx: Context, args: Args, scope: str | None) -> list[Row]:
    return [Row(n, fleet.NAMESPACE, [len(d), "34d"], _meta("ConfigMap", n, fleet.NAMESPACE, data=d))
            for n, d in ctx.cluster.configmaps.items() if _in_prod(scope)]


Lister = Callable[[Context, Args, str | None], list[Row]]
# kind -> (lister, headers after NAME, -o wide headers)
LISTINGS: dict[str, tuple[Lister, list[str], list[str]]] = {
    "pods": (_pods, ["READY", "STATUS", "RESTARTS", "AGE"], ["IP", "NODE", "NOMINATED NODE", "READINESS GATES"]),
    "deployments": (_deployments, ["READY", "UP-TO-DATE", "AVAILABLE", "AGE"], ["CONTAINERS", "IMAGES", "SELECTOR"]),
    "nodes": (_nodes, ["STATUS", "ROLES", "AGE", "VERSION"], []),
    "hpa": (_hpa, ["REFERENCE", "TARGETS", "MINPODS", "MAXPODS", "REPLICAS", "AGE"], []),
    "secrets": (_secrets, ["TYPE", "DATA", "AGE"], []),
    "configmaps": (_configmaps, ["DATA", "AGE"], []),
}


def cmd_get(ctx: Context, args: Args, ns: str) -> int:
    kind, name = split_target(args, "get")
    all_ns = bool(args.get("all_namespaces"))
    scope = None if all_ns else ns
    if kind == "events":
        return print_events(ctx, args, scope, all_ns)
    if kind in ("namespaces", "services", "replicasets"):
        raise Fail(f"error: drill: `kubectl get {kind}` is not simulated in the drill")
    lister, headers, wide_headers = LISTINGS.get(kind, (lambda c, a, s: [], [], []))   # others: none exist
    rows = lister(ctx, args, scope)
    if name:
        rows = [r for r in rows if r.name == name]
        if not rows:
            raise not_found(kind, name)
    if output(ctx, args, [r.obj for r in rows], bool(name), [f"{api_name(kind)}/{r.name}" for r in rows]):
        return 0
    if not rows:
        return no_resources(ctx, scope)
    wide = args.get("output") == "wide"
    show_ns = all_ns and rows[0].namespace is not None
    heads = ["NAMESPACE"] * show_ns + ["NAME"] + headers + wide_headers * wide + ["LABELS"] * bool(args.get("show_labels"))
    cells = [[r.namespace] * show_ns + [r.name] + r.cells + list(r.wide) * wide
             + [r.labels] * bool(args.get("show_labels")) for r in rows]
    text = table(heads, cells)
    ctx.out("\n".join(text.splitlines()[1:]) if args.get("no_headers") else text)
    return 0


def output(ctx: Context, args: Args, objs: list[dict[str, Any]], single: bool, names: list[str]) -> bool:
    """``-o json|yaml|name|jsonpath=...``; False when the table should be printed.

    Scripts in runbooks parse these, so they match kubectl byte for byte where it matters.
    """
    fmt = args.text("output")
    if not fmt or fmt == "wide":
        return False
    data: Any = objs[0] if single and objs else as_list(objs)
    if fmt == "json":
        ctx.out(json.dumps(data, indent=4))
    elif fmt == "yaml":
        import yaml

        ctx.stdout.write(yaml.safe_dump(data, sort_keys=False, default_flow_style=False))
    elif fmt == "name":
        for n in names:
            ctx.out(n)
    elif fmt.startswith(("jsonpath=", "jsonpath-as-json=")):
        tpl = fmt.split("=", 1)[1]
        try:
            ctx.stdout.write(jsonpath(tpl, data))
        except JsonPathError as exc:
            raise Fail(f'error: error executing jsonpath "{tpl}": Error executing template: {exc}. '
                       "Printing more information for debugging the template:\n"
                       f"\ttemplate was:\n\t\t{tpl}") from None
    else:
        raise Fail(f"error: unable to match a printer suitable for the output format \"{fmt}\", allowed formats "
                   "are: custom-columns,custom-columns-file,go-template,go-template-file,json,jsonpath,"
                   "jsonpath-as-json,jsonpath-file,name,template,templatefile,wide,yaml")
    return True


def cordoned_nodes(ctx: Context) -> set[str]:
    out: set[str] = set()
    for a in ctx.drill.actions():
        if a.action in ("node_cordon", "node_uncordon"):
            (out.add if a.action == "node_cordon" else out.discard)(str(a.detail.get("node")))
    return out


# ------------------------------------------------------------------------------ events


Event = tuple[float, str, str, str, str, str]      # (scenario time, namespace, type, reason, object, message)


def events(ctx: Context, ns: str | None) -> list[Event]:
    """The last hour's events: rollouts, new pods, scaling, and the audit-shipper's failing probe."""
    out: list[Event] = []
    horizon = ctx.t - 3600
    for dep in ctx.cluster.deployments.values():
        if ns is not None and dep.namespace != ns:
            continue
        obj = f"deployment/{dep.name}"
        for prev, rev in zip(dep.history, dep.history[1:], strict=False):
            if horizon <= rev.at <= ctx.t:
                out.append((rev.at, dep.namespace, "Normal", "ScalingReplicaSet", obj,
                            f"Scaled up replica set {dep.name}-{rev.template_hash} to 1"))
                out.append((min(ctx.t, rev.at + dep.rollout_seconds), dep.namespace, "Normal", "ScalingReplicaSet",
                            obj, f"Scaled down replica set {dep.name}-{prev.template_hash} to 0 from {dep.replicas}"))
        for pod in deployment_pods(ctx, dep):
            if horizon <= pod.created <= ctx.t and pod.status != "Terminating":
                for dt, reason, message in (
                        (0, "Scheduled", f"Successfully assigned {dep.namespace}/{pod.name} to {pod.node}"),
                        (2, "Pulled", f'Container image "{pod.image}" already present on machine'),
                        (3, "Started", f"Started container {pod.container}")):
                    out.append((pod.created + dt, dep.namespace, "Normal", reason, f"pod/{pod.name}", message))
    in_prod = ns in (None, fleet.NAMESPACE)
    for a in ctx.cluster.log:
        if a.action == "scale" and horizon <= a.t and in_prod:
            out.append((a.t, fleet.NAMESPACE, "Normal", "ScalingReplicaSet", f"deployment/{a.detail.get('deployment')}",
                        f"Scaled replica set to {a.detail.get('replicas')}"))
    stalled = ctx.signals.audit_stalled_since(ctx.t)
    if in_prod and stalled is not None:
        audit = ctx.cluster.deployments.get(fleet.AUDIT_DEPLOYMENT)
        pods = deployment_pods(ctx, audit) if audit else []
        pod = pods[0].name if pods else fleet.AUDIT_DEPLOYMENT
        for k in range(6):
            if (t := ctx.t - 40 - k * 90) > stalled:
                out.append((t, fleet.NAMESPACE, "Warning", "Unhealthy", f"pod/{pod}",
                            "Readiness probe failed: audit sink not connected"))
    return sorted(out)


def print_events(ctx: Context, args: Args, ns: str | None, all_ns: bool) -> int:
    evs = events(ctx, ns)
    fs = args.text("field_selector")
    if fs.startswith("involvedObject.name="):
        evs = [e for e in evs if e[4].split("/", 1)[1] == fs.split("=", 1)[1]]
    if not evs:
        return no_resources(ctx, ns)
    rows = [[e[1]] * all_ns + [age(ctx.t - e[0]), e[2], e[3], e[4], e[5]] for e in evs]
    ctx.out(table(["NAMESPACE"] * all_ns + ["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"], rows))
    return 0


# ------------------------------------------------------------------------------ describe


def cmd_describe(ctx: Context, args: Args, ns: str) -> int:
    kind, name = split_target(args, "describe")
    if kind == "deployments":
        raise Fail("error: drill: `kubectl describe deployment` is not simulated; "
                   "`kubectl get deployment NAME -o yaml` shows it, `kubectl get events` its events")
    if kind == "pods":
        pods = [p for p in all_pods(ctx, ns) if (not name or p.name == name)
                and match_selector({"app": p.deployment}, args.get("selector"))]
        if name and not pods:
            raise not_found("pods", name)
        for p in pods:
            describe_pod(ctx, p)
        return 0 if pods else no_resources(ctx, ns)
    if kind == "nodes":
        nodes = [n for n in NODES if not name or n == name]
        if not nodes:
            raise not_found("nodes", name or "")
        for n in nodes:
            ctx.out(f"Name:               {n}\nRoles:              <none>\nConditions:\n"
                    "  Type             Status  Reason                       Message\n"
                    "  MemoryPressure   False   KubeletHasSufficientMemory   kubelet has sufficient memory available\n"
                    "  DiskPressure     False   KubeletHasNoDiskPressure     kubelet has no disk pressure\n"
                    "  Ready            True    KubeletReady                 kubelet is posting ready status\n"
                    "Allocatable:\n  cpu:     4\n  memory:  16Gi\n")
        return 0
    if name:
        raise not_found(kind, name)
    return no_resources(ctx, ns)


def describe_pod(ctx: Context, p: Pod) -> None:
    state = "Running" if p.status in ("Running", "Terminating") else "Waiting"
    ctx.out(f"Name:             {p.name}\nNamespace:        {p.namespace}\nNode:             {p.node}/{p.ip}\n"
            f"Start Time:       {iso(ctx.wall(p.created))}\nLabels:           app={p.deployment}\n"
            f"                  pod-template-hash={p.template_hash}\nStatus:           {p.status}\n"
            f"IP:               {p.ip}\nContainers:\n  {p.container}:\n    Image:          {p.image}\n"
            f"    State:          {state}\n    Ready:          {p.ready}\n    Restart Count:  {p.restarts}\n"
            f"    Limits:\n      cpu:     1\n      memory:  3Gi\n"
            f"Conditions:\n  Type              Status\n  Ready             {p.ready}\n"
            "Events:           <none>\n")


# ------------------------------------------------------------------------------ logs


def cmd_logs(ctx: Context, args: Args, ns: str) -> int:
    """Activity log lines of a pod, a deployment or a selector (``-f`` follows the drill clock)."""
    selector = args.get("selector")
    if selector:
        pods = [p for p in all_pods(ctx, ns) if p.status != "Terminating"
                and match_selector({"app": p.deployment, "pod-template-hash": p.template_hash}, selector)]
        if not pods:
            return no_resources(ctx, ns)
        targets, default_tail = [(p.name, p.deployment) for p in pods], 10
    else:
        if not args.pos:
            raise Fail("error: expected 'logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]'.\n"
                       "POD or TYPE/NAME is a required argument for the logs command\n"
                       "See 'kubectl logs -h' for help and examples")
        default_tail = -1
        pods = target_pods(
            ctx, args.pos[0], ns,
            wrong_kind="error: cannot get the logs from {kind}: selector for {kind} not implemented in the drill",
            none_running="error: timed out waiting for the condition (deployment {name} has no running pods)",
            missing='error: error from server (NotFound): pods "{name}" not found in namespace "{ns}"')
        if len(pods) > 1:
            ctx.err(f"Found {len(pods)} pods, using pod/{pods[0].name}")
        targets = [(pods[0].name, pods[0].deployment)]
    window = 3600.0
    if since := args.text("since"):
        secs = go_duration(since)
        if secs is None:
            raise Fail(f'error: invalid argument "{since}" for "--since" flag: time: invalid duration "{since}"')
        window = min(ctx.scenario_span(secs), 7200.0)
    tail = int(args.text("tail", str(default_tail)))
    for pod_name, dep_name in targets:
        lines = pod_lines(ctx, dep_name, pod_name, ctx.t - window, ctx.t, len(targets) > 1 or bool(selector))
        if tail >= 0:
            lines = lines[-tail:] if tail else []
        prefix = f"[pod/{pod_name}/{dep_name}] " if args.get("prefix") else ""
        for t, line in lines:
            ctx.out(f"{prefix}{iso(ctx.wall(t))} {line}")
    if args.get("follow"):
        follow(ctx, targets)
    return 0


def pod_lines(ctx: Context, deployment: str, pod: str, t1: float, t2: float, share: bool) -> list[tuple[float, str]]:
    if deployment == fleet.DEPLOYMENT:
        lines = ctx.activity.flowengine_logs(t1, t2)
        pods = deployment_pods(ctx, ctx.cluster.flowengine)
        names = [p.name for p in pods if p.status == "Running"]
        if share and pod in names:
            # each pod logs the flows its workers ran; periodic component lines appear on every pod
            idx = names.index(pod)
            lines = [(t, s) for t, s in lines
                     if " tsk_" not in s or int(s.split(" tsk_", 1)[1][:8], 16) % len(names) == idx]
        born = next((p.created for p in pods if p.name == pod), t1)
        return [(t, s) for t, s in lines if t >= born]
    if deployment == fleet.AUDIT_DEPLOYMENT:
        return ctx.activity.audit_logs(t1, t2)
    if deployment == "postgres":
        return [(t2 - 30 * k, "LOG:  checkpoint complete: wrote 412 buffers (2.5%)") for k in range(5, 0, -1)]
    return [(t2 - 60, "level=info msg=\"Completed loading of configuration file\"")]


def follow(ctx: Context, targets: list[tuple[str, str]]) -> None:
    """``-f``: keep printing new lines as the drill clock moves, until killed (like the real thing)."""
    last = ctx.t
    while True:
        ctx.stdout.flush()
        reached = ctx.wait_until(last + 5.0 * max(1.0, ctx.drill.speed), cap=2.0)
        if not reached and ctx.t <= last:
            continue
        for pod_name, dep_name in targets:
            for t, line in pod_lines(ctx, dep_name, pod_name, last, ctx.t, len(targets) > 1):
                if t > last:
                    ctx.out(f"{iso(ctx.wall(t))} {line}")
        last = ctx.t
        if ctx.no_delay:
            return


# ------------------------------------------------------------------------------ top


def cpu_percent(ctx: Context) -> float:
    """CPU follows the simulated latency (a slow service burns CPU), with seeded noise; with
    FlowEngine scaled to zero only the rest of the estate is left (about a fifth)."""
    base = 46.0 + 30.0 * max(0.0, ctx.signals.latency_median(ctx.t) / fleet.LATENCY_MEDIAN - 1.0)
    if not ctx.signals.running(ctx.t):
        base = 9.0
    return min(97.0, base * (1.0 + 0.05 * noise(f"{ctx.scenario}:cpu", ctx.t, 60.0)))


def cmd_top(ctx: Context, args: Args, ns: str) -> int:
    what = (args.pos or ["pods"])[0]
    kind = KINDS.get(what)
    cpu = cpu_percent(ctx)
    if kind == "nodes":
        rows = [[n, f"{int(cpu * (0.8 + 0.1 * i) * 40)}m", f"{int(cpu * (0.8 + 0.1 * i))}%", f"{8200 + 700 * i}Mi",
                 f"{52 + 4 * i}%"] for i, n in enumerate(NODES)]
        ctx.out(table(["NAME", "CPU(cores)", "CPU%", "MEMORY(bytes)", "MEMORY%"], rows))
        return 0
    if kind != "pods":
        raise Fail(f'error: unknown command "{what}" for "kubectl top"')
    pods = [p for p in all_pods(ctx, None if args.get("all_namespaces") else ns)
            if p.status == "Running" and match_selector({"app": p.deployment}, args.get("selector"))]
    if not pods:
        return no_resources(ctx, ns)
    ctx_kb = ctx.signals.context_kb(ctx.t)
    rows = []
    for i, p in enumerate(pods):
        if p.deployment == fleet.DEPLOYMENT:
            c, mem = cpu * (0.9 + 0.05 * (i % 4)) * 10, 1400 + ctx_kb * 2.2 + 60 * (i % 3)
        elif p.deployment == fleet.AUDIT_DEPLOYMENT:
            c, mem = 35 + 5 * i, 180 + 20 * i
        else:
            c, mem = 120 + 10 * i, 900 + 40 * i
        rows.append([p.name, f"{int(c)}m", f"{int(mem)}Mi"])
    ctx.out(table(["NAME", "CPU(cores)", "MEMORY(bytes)"], rows))
    return 0


VERBS: dict[str, Verb] = {"get": cmd_get, "describe": cmd_describe, "logs": cmd_logs, "top": cmd_top}
