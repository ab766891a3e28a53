"""``kubectl`` for drills: get/describe/logs/top/rollout/set/scale/exec/apply/create/delete/patch.

Output shapes, messages and exit codes follow kubectl 1.28; changes are recorded as operations
(see ``warroom.drill.cluster``) and so reach both the cluster view and the simulator.
"""

from __future__ import annotations

import base64
import json
import shlex
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from warroom.drill import fleet
from warroom.drill.activity import iso
from warroom.drill.cluster import Deployment, undo_target
from warroom.drill.standins.base import Context, age, go_duration, table
from warroom.drill.standins.kubeobj import (
    NODES, JsonPathError, Pod, all_pods, as_list, deployment_obj, deployment_pods, jsonpath, pod_obj,
)

VALUE_FLAGS = {
    "-n": "namespace", "--namespace": "namespace", "-o": "output", "--output": "output",
    "-l": "selector", "--selector": "selector", "-c": "container", "--container": "container",
    "--context": "context", "--kubeconfig": "kubeconfig", "--sort-by": "sort_by",
    "--field-selector": "field_selector", "--tail": "tail", "--since": "since", "--since-time": "since_time",
    "--timeout": "timeout", "--replicas": "replicas", "--to-revision": "to_revision", "--revision": "revision",
    "--patch": "patch", "--type": "type", "--filename": "filename", "--from-literal": "from_literal",
    "--from": "from", "--min": "min", "--max": "max", "--cpu-percent": "cpu_percent",
    "--grace-period": "grace_period", "--env": "env", "-e": "env", "--limits": "limits",
    "--requests": "requests", "--request-timeout": "request_timeout", "--current-replicas": "current_replicas",
    "--image": "image", "--cluster": "cluster", "--user": "user", "--field-manager": "field_manager",
}
MULTI = {"from_literal", "env", "filename"}
BOOL_FLAGS = {
    "-A": "all_namespaces", "--all-namespaces": "all_namespaces", "-w": "watch", "--watch": "watch",
    "-i": "stdin", "--stdin": "stdin", "-t": "tty", "--tty": "tty", "-it": "stdin", "-ti": "stdin",
    "--timestamps": "timestamps", "--overwrite": "overwrite", "--ignore-daemonsets": "ignore_daemonsets",
    "--delete-emptydir-data": "delete_emptydir_data", "--force": "force", "--record": "record",
    "--no-headers": "no_headers", "--show-labels": "show_labels", "--all": "all", "--list": "list",
    "--local": "local", "-q": "quiet", "--quiet": "quiet", "--previous": "previous", "--follow": "follow",
    "--wait": "wait", "--ignore-not-found": "ignore_not_found", "--all-containers": "all_containers",
    "--prefix": "prefix",
}
COMMANDS = ("get", "describe", "logs", "top", "rollout", "set", "scale", "exec", "apply", "create", "delete",
            "patch", "autoscale", "cordon", "uncordon", "drain", "config", "version", "cluster-info", "auth",
            "annotate", "label", "edit", "port-forward", "explain", "api-resources", "wait")
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


class Fail(Exception):
    """A kubectl error: printed to stderr, exit code 1 (or ``code``)."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


class Args:
    def __init__(self, pos: list[str], flags: dict[str, Any], rest: list[str]) -> None:
        self.pos = pos
        self.flags = flags
        self.rest = rest

    def get(self, name: str, default: Any = None) -> Any:
        return self.flags.get(name, default)


def parse(argv: list[str], sub: str) -> Args:
    pos: list[str] = []
    flags: dict[str, Any] = {}
    rest: list[str] = []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--":
            rest = argv[i + 1:]
            break
        if not a.startswith("-") or a == "-":
            pos.append(a)
            i += 1
            continue
        name, eq, value = a.partition("=")
        if sub == "logs" and name == "-f":
            flags["follow"] = True
            i += 1
            continue
        if sub == "logs" and name == "-p":
            flags["previous"] = True
            i += 1
            continue
        if name == "-f":
            name = "--filename"
        if name == "-p":
            name = "--patch"
        if name == "--dry-run":
            flags["dry_run"] = value or "client"
            i += 1
            continue
        if name in BOOL_FLAGS:
            flags[BOOL_FLAGS[name]] = value.lower() != "false" if eq else True
            i += 1
            continue
        if name not in VALUE_FLAGS and len(name) > 2 and name[:2] in ("-n", "-o", "-l", "-c") and name[1] != "-":
            name, value, eq = name[:2], name[2:].lstrip("="), "="
        key = VALUE_FLAGS.get(name)
        if key is None:
            if name.startswith("--"):
                raise Fail(f"error: unknown flag: {name}\nSee 'kubectl {sub} --help' for usage.")
            raise Fail(f"error: unknown shorthand flag: '{name[1:2]}' in {a}\nSee 'kubectl {sub} --help' for usage.")
        if not eq:
            if i + 1 >= len(argv):
                raise Fail(f"error: flag needs an argument: {name}\nSee 'kubectl {sub} --help' for usage.")
            value = argv[i + 1]
            i += 1
        if key in MULTI:
            flags.setdefault(key, []).append(value)
        else:
            flags[key] = value
        i += 1
    return Args(pos, flags, rest)


def run(ctx: Context, argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help", "help"):
        ctx.out(USAGE)
        return 0
    sub, args_ = argv[0], argv[1:]
    if sub.startswith("-"):
        # global flags before the subcommand: move them after it
        first = next((i for i, a in enumerate(argv) if a in COMMANDS), None)
        if first is None:
            ctx.err(USAGE_ERROR)
            return 1
        sub, args_ = argv[first], argv[:first] + argv[first + 1:]
    handler = HANDLERS.get(sub)
    if handler is None:
        close = [c for c in COMMANDS if c.startswith(sub[:2])]
        msg = f'error: unknown command "{sub}" for "kubectl"'
        if close:
            msg += "\n\nDid you mean this?\n" + "\n".join(f"\t{c}" for c in close[:3])
        ctx.err(msg)
        return 1
    try:
        args = parse(args_, sub)
        ns = args.get("namespace") or fleet.NAMESPACE
        ctx.pause(0.25)
        return handler(ctx, args, ns)
    except Fail as exc:
        ctx.err(str(exc))
        return exc.code


# ------------------------------------------------------------------------------ helpers


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


def output(ctx: Context, args: Args, objs: list[dict[str, Any]], single: bool,
           names: list[str]) -> bool:
    """Handle -o json|yaml|name|jsonpath=...; False when the default table should be printed."""
    fmt = args.get("output")
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
    elif fmt.startswith("jsonpath=") or fmt.startswith("jsonpath-as-json="):
        tpl = fmt.split("=", 1)[1]
        try:
            ctx.stdout.write(jsonpath(tpl, data))
        except JsonPathError as exc:
            raise Fail(f'error: error executing jsonpath "{tpl}": Error executing template: {exc}. '
                       "Printing more information for debugging the template:\n"
                       f"\ttemplate was:\n\t\t{tpl}") from None
    elif fmt.startswith("custom-columns="):
        spec = fmt.split("=", 1)[1]
        cols = [c.split(":", 1) for c in spec.split(",")]
        rows = []
        for o in objs:
            row = []
            for _, path in cols:
                try:
                    row.append(jsonpath("{" + path + "}", o) or "<none>")
                except JsonPathError:
                    row.append("<none>")
            rows.append(row)
        ctx.out(table([c[0] for c in cols], rows))
    else:
        raise Fail(f"error: unable to match a printer suitable for the output format \"{fmt}\", allowed formats "
                   "are: custom-columns,custom-columns-file,go-template,go-template-file,json,jsonpath,"
                   "jsonpath-as-json,jsonpath-file,name,template,templatefile,wide,yaml")
    return True


def no_resources(ctx: Context, ns: str | None) -> int:
    ctx.err("No resources found" + (f" in {ns} namespace." if ns else ""))
    return 0


# ------------------------------------------------------------------------------ get


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


def fail_nf(kind: str, name: str) -> int:
    raise not_found(kind, name)


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


def cpu_percent(ctx: Context) -> float:
    sig = ctx.signals
    base = 46.0 + 30.0 * max(0.0, sig.latency_median(ctx.t) / fleet.LATENCY_MEDIAN - 1.0)
    return min(97.0, base * (1.0 + 0.05 * _wiggle(ctx)))


def _wiggle(ctx: Context) -> float:
    from warroom.drill.model import noise

    return noise(f"{ctx.scenario}:cpu", ctx.t, 60.0)


# ------------------------------------------------------------------------------ describe / top


def cmd_describe(ctx: Context, args: Args, ns: str) -> int:
    kind, name = split_target(args, "describe")
    if kind == "deployments":
        deps = [need_deployment(ctx, name, ns)] if name else [d for d in ctx.cluster.deployments.values()
                                                             if d.namespace == ns]
        for d in deps:
            describe_deployment(ctx, d)
        return 0
    if kind == "pods":
        pods = [p for p in all_pods(ctx, ns) if (not name or p.name == name)
                and match_selector({"app": p.deployment}, args.get("selector"))]
        if name and not pods:
            raise not_found("pods", name)
        if not pods:
            return no_resources(ctx, ns)
        for p in pods:
            describe_pod(ctx, p)
        return 0
    if kind == "nodes":
        for n in [x for x in NODES if not name or x == name] or [None]:
            if n is None:
                raise not_found("nodes", name or "")
            ctx.out(f"Name:               {n}\nRoles:              <none>\nConditions:\n"
                    "  Type             Status  Reason                       Message\n"
                    "  MemoryPressure   False   KubeletHasSufficientMemory   kubelet has sufficient memory available\n"
                    "  DiskPressure     False   KubeletHasNoDiskPressure     kubelet has no disk pressure\n"
                    "  Ready            True    KubeletReady                 kubelet is posting ready status\n"
                    f"Allocatable:\n  cpu:     4\n  memory:  16Gi\n")
        return 0
    if name:
        raise not_found(kind, name)
    return no_resources(ctx, ns)


def describe_deployment(ctx: Context, d: Deployment) -> None:
    cur = d.current
    env = "\n".join(f"      {k}:\t{v}" for k, v in cur.env.items()) or "      <none>"
    ready = d.ready(ctx.t)
    ctx.out(f"Name:                   {d.name}\nNamespace:              {d.namespace}\n"
            f"CreationTimestamp:      {iso(ctx.wall(d.history[0].at))}\nLabels:                 app={d.name}\n"
            f"Annotations:            deployment.kubernetes.io/revision: {cur.number}\n"
            f"Selector:               app={d.name}\n"
            f"Replicas:               {d.replicas} desired | {d.updated(ctx.t)} updated | {d.replicas} total | "
            f"{ready} available | {d.replicas - ready} unavailable\n"
            f"StrategyType:           RollingUpdate\nPod Template:\n  Labels:  app={d.name}\n  Containers:\n"
            f"   {d.container}:\n    Image:      {cur.image}\n    Port:       {d.port}/TCP\n"
            f"    Environment:\n{env}\n"
            f"NewReplicaSet:   {d.name}-{cur.template_hash} ({d.replicas}/{d.replicas} replicas created)")
    evs = [e for e in events(ctx, d.namespace) if e[4] == f"deployment/{d.name}"]
    ctx.out("Events:\n" + ("\n".join(f"  {e[2]}  {e[3]}  {age(ctx.t - e[0])}  deployment-controller  {e[5]}"
                                      for e in evs) or "  <none>"))


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


def cmd_top(ctx: Context, args: Args, ns: str) -> int:
    what = (args.pos or ["pods"])[0]
    kind = KINDS.get(what)
    if kind == "nodes":
        cpu = cpu_percent(ctx)
        rows = []
        for i, n in enumerate(NODES):
            c = cpu * (0.8 + 0.1 * i)
            rows.append([n, f"{int(c * 40)}m", f"{int(c)}%", f"{8200 + 700 * i}Mi", f"{52 + 4 * i}%"])
        ctx.out(table(["NAME", "CPU(cores)", "CPU%", "MEMORY(bytes)", "MEMORY%"], rows))
        return 0
    if kind != "pods":
        raise Fail(f'error: unknown command "{what}" for "kubectl top"')
    pods = [p for p in all_pods(ctx, None if args.get("all_namespaces") else ns)
            if p.status == "Running" and match_selector({"app": p.deployment}, args.get("selector"))]
    if not pods:
        return no_resources(ctx, ns)
    rows = []
    cpu = cpu_percent(ctx)
    ctx_kb = ctx.signals.context_kb(ctx.t)
    for i, p in enumerate(pods):
        if p.deployment == fleet.DEPLOYMENT:
            c = cpu * (0.9 + 0.05 * (i % 4)) * 10
            mem = 1400 + ctx_kb * 2.2 + 60 * (i % 3)
        elif p.deployment == fleet.AUDIT_DEPLOYMENT:
            c, mem = 35 + 5 * i, 180 + 20 * i
        else:
            c, mem = 120 + 10 * i, 900 + 40 * i
        rows.append([p.name, f"{int(c)}m", f"{int(mem)}Mi"])
    ctx.out(table(["NAME", "CPU(cores)", "MEMORY(bytes)"], rows))
    return 0


# ------------------------------------------------------------------------------ logs


def cmd_logs(ctx: Context, args: Args, ns: str) -> int:
    selector = args.get("selector")
    targets: list[tuple[str, str]] = []             # (pod name, deployment)
    if selector:
        pods = [p for p in all_pods(ctx, ns) if p.status != "Terminating"
                and match_selector({"app": p.deployment, "pod-template-hash": p.template_hash}, selector)]
        if not pods:
            return no_resources(ctx, ns)
        targets = [(p.name, p.deployment) for p in pods]
        default_tail = 10
    else:
        if not args.pos:
            raise Fail("error: expected 'logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]'.\n"
                       "POD or TYPE/NAME is a required argument for the logs command\n"
                       "See 'kubectl logs -h' for help and examples")
        target = args.pos[0]
        default_tail = -1
        if "/" in target and not target.startswith("pod/"):
            kind, _, name = target.partition("/")
            if KINDS.get(kind) != "deployments":
                raise Fail(f"error: cannot get the logs from {kind}: selector for {kind} not implemented in the drill")
            dep = need_deployment(ctx, name, ns)
            pods = [p for p in deployment_pods(ctx, dep) if p.status == "Running"]
            if not pods:
                raise Fail(f"error: timed out waiting for the condition (deployment {name} has no running pods)")
            if len(pods) > 1:
                ctx.err(f"Found {len(pods)} pods, using pod/{pods[0].name}")
            targets = [(pods[0].name, dep.name)]
        else:
            name = target.split("/", 1)[-1]
            pod = next((p for p in all_pods(ctx, ns) if p.name == name), None)
            if pod is None:
                raise Fail(f'error: error from server (NotFound): pods "{name}" not found in namespace "{ns}"')
            targets = [(pod.name, pod.deployment)]
    since = args.get("since")
    window = 3600.0
    if since:
        secs = go_duration(since)
        if secs is None:
            raise Fail(f'error: invalid argument "{since}" for "--since" flag: time: invalid duration "{since}"')
        window = min(ctx.scenario_span(secs), 7200.0)
    tail = int(args.get("tail", default_tail))
    for pod_name, dep_name in targets:
        lines = pod_lines(ctx, dep_name, pod_name, ctx.t - window, ctx.t, len(targets) > 1 or bool(selector))
        if tail >= 0:
            lines = lines[-tail:] if tail else []
        for t, line in lines:
            stamp = iso(ctx.wall(t))
            prefix = f"[pod/{pod_name}/{dep_name}] " if args.get("prefix") else ""
            ctx.out(f"{prefix}{stamp} {line}")
    if args.get("follow"):
        follow(ctx, targets)
    return 0


def pod_lines(ctx: Context, deployment: str, pod: str, t1: float, t2: float, share: bool) -> list[tuple[float, str]]:
    if deployment == fleet.DEPLOYMENT:
        lines = ctx.activity.flowengine_logs(t1, t2)
        dep = ctx.cluster.flowengine
        names = [p.name for p in deployment_pods(ctx, dep) if p.status == "Running"]
        if share and names and pod in names:
            # each pod logs the flows its workers ran; periodic component lines appear on every pod
            idx = names.index(pod)
            lines = [(t, s) for t, s in lines if " tsk_" not in s or int(s.split(" tsk_", 1)[1][:8], 16) % len(names) == idx]
        born = next((p.created for p in deployment_pods(ctx, dep) if p.name == pod), t1)
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


# ------------------------------------------------------------------------------ rollout / set / scale


def cmd_rollout(ctx: Context, args: Args, ns: str) -> int:
    if not args.pos:
        raise Fail("error: required subcommand: history, pause, restart, resume, status, undo\n"
                   "See 'kubectl rollout -h' for help and examples")
    action, rest = args.pos[0], args.pos[1:]
    sub_args = Args(rest, args.flags, args.rest)
    if action not in ("status", "history", "undo", "restart", "pause", "resume"):
        raise Fail(f'error: unknown command "{action}" for "kubectl rollout"\nSee \'kubectl rollout -h\' for help')
    name = deployment_target(sub_args, "rollout")
    dep = need_deployment(ctx, name, ns)
    if action == "history":
        rev = args.get("revision")
        if rev:
            r = dep.revision(int(rev)) if rev.isdigit() else None
            if r is None:
                raise Fail(f"error: unable to find the specified revision {rev}")
            env = "\n".join(f"      {k}:\t{v}" for k, v in r.env.items())
            ann = f"kubernetes.io/change-cause: {r.cause}" if r.cause != "<none>" else "<none>"
            ctx.out(f"deployment.apps/{dep.name} with revision #{r.number}\nPod Template:\n"
                    f"  Labels:\tapp={dep.name}\n\tpod-template-hash={r.template_hash}\n  Annotations:\t{ann}\n"
                    f"  Containers:\n   {dep.container}:\n    Image:\t{r.image}\n    Port:\t{dep.port}/TCP\n"
                    f"    Host Port:\t0/TCP\n    Environment:\n{env}\n    Mounts:\t<none>\n  Volumes:\t<none>\n")
            return 0
        ctx.out(f"deployment.apps/{dep.name} ")
        ctx.out(table(["REVISION", "CHANGE-CAUSE"], [[r.number, r.cause] for r in dep.history], gap=2))
        ctx.out("")
        return 0
    if action == "status":
        return rollout_status(ctx, args, dep)
    if action == "undo":
        target = undo_target(dep, args.get("to_revision"))
        if target is None:
            if args.get("to_revision"):
                raise Fail(f"error: unable to find specified revision {args.get('to_revision')} in history")
            raise Fail(f'error: no rollout history found for deployment "{dep.name}"')
        if args.get("dry_run"):
            ctx.out(f"deployment.apps/{dep.name} Pod Template:\n  Containers:\n   {dep.container}:\n"
                    f"    Image:\t{target.image} (dry run)")
            return 0
        ctx.apply("rollout_undo", deployment=dep.name, to_revision=args.get("to_revision"))
        ctx.out(f"deployment.apps/{dep.name} rolled back")
        return 0
    if action == "restart":
        ctx.apply("rollout_restart", deployment=dep.name, restarted_at=iso(ctx.at))
        ctx.out(f"deployment.apps/{dep.name} restarted")
        return 0
    ctx.out(f"deployment.apps/{dep.name} {'paused' if action == 'pause' else 'resumed'}")
    return 0


def rollout_status(ctx: Context, args: Args, dep: Deployment) -> int:
    timeout = go_duration(args.get("timeout", "0s")) or 0.0
    deadline = ctx.at + timeout if timeout else None
    printed: set[str] = set()
    while True:
        done_at = dep.rollout_done_at()
        if ctx.t >= done_at or dep.replicas == 0:
            ctx.out(f'deployment "{dep.name}" successfully rolled out')
            return 0
        updated, ready = dep.updated(ctx.t), dep.ready(ctx.t)
        if updated < dep.replicas:
            msg = (f'Waiting for deployment "{dep.name}" rollout to finish: {updated} out of {dep.replicas} '
                   "new replicas have been updated...")
        elif ready < dep.replicas:
            msg = (f'Waiting for deployment "{dep.name}" rollout to finish: {ready} of {dep.replicas} '
                   "updated replicas are available...")
        else:
            msg = f'Waiting for deployment "{dep.name}" rollout to finish: 1 old replicas are pending termination...'
        if msg not in printed:
            ctx.out(msg)
            ctx.stdout.flush()
            printed.add(msg)
        if args.get("watch") is False:
            return 0
        step_t = min(done_at, ctx.t + dep.rollout_seconds / max(1, dep.replicas))
        cap = 1.0 if deadline is None else max(0.0, min(1.0, deadline - ctx.at))
        if deadline is not None and ctx.at >= deadline:
            ctx.err("error: timed out waiting for the condition")
            return 1
        ctx.wait_until(step_t, cap=cap)


def cmd_set(ctx: Context, args: Args, ns: str) -> int:
    if not args.pos:
        raise Fail("error: required subcommand: env, image, resources, selector, serviceaccount, subject")
    what, rest = args.pos[0], args.pos[1:]
    if what not in ("env", "image", "resources"):
        raise Fail(f'error: unknown command "{what}" for "kubectl set"')
    if rest and "=" not in rest[0] and "/" in rest[0]:
        targets, assignments = rest[:1], rest[1:]
    elif len(rest) >= 2 and rest[0] in KINDS:
        targets, assignments = rest[:2], rest[2:]
    else:
        raise Fail("error: one or more resources must be specified as <resource> <name> or <resource>/<name>")
    name = deployment_target(Args(targets, {}, []), "set")
    dep = need_deployment(ctx, name, ns)
    if what == "env":
        if args.get("list"):
            ctx.out(f"# deployment {dep.name}, container {dep.container}")
            for k, v in dep.current.env.items():
                ctx.out(f"{k}={v}")
            return 0
        sets: dict[str, str] = {}
        unset: list[str] = []
        for a in assignments + list(args.get("env") or []):
            if a.endswith("-") and "=" not in a:
                unset.append(a[:-1])
            elif "=" in a:
                k, v = a.split("=", 1)
                sets[k] = v
            else:
                raise Fail(f"error: all resources must be specified before environment changes: {a}")
        source = args.get("from")
        if source:
            kind, _, sname = source.partition("/")
            if kind != "secret" or sname not in ctx.cluster.secrets:
                raise Fail(f'error: secrets "{sname}" not found')
            for key in ctx.cluster.secrets[sname]:
                sets[key.upper().replace("-", "_")] = f"<set to the key '{key}' in secret '{sname}'>"
        if not sets and not unset:
            raise Fail("error: at least one environment variable must be provided")
        if args.get("dry_run"):
            ctx.out(f"deployment.apps/{dep.name} env updated (dry run)")
            return 0
        ctx.apply("set_env", deployment=dep.name, namespace=ns, set=sets, unset=unset)
        ctx.out(f"deployment.apps/{dep.name} env updated")
        return 0
    if what == "image":
        if not assignments or "=" not in assignments[0]:
            raise Fail("error: expected CONTAINER=IMAGE")
        container, image = assignments[0].split("=", 1)
        if container not in (dep.container, "*"):
            raise Fail(f'error: unable to find container named "{container}"')
        ctx.apply("set_image", deployment=dep.name, image=image)
        ctx.out(f"deployment.apps/{dep.name} image updated")
        return 0
    ctx.out(f"deployment.apps/{dep.name} resource requirements updated")
    return 0


def cmd_scale(ctx: Context, args: Args, ns: str) -> int:
    replicas = args.get("replicas")
    if replicas is None:
        raise Fail('error: required flag(s) "replicas" not set')
    if not str(replicas).isdigit():
        raise Fail(f'error: invalid argument "{replicas}" for "--replicas" flag: strconv.ParseInt: parsing '
                   f'"{replicas}": invalid syntax')
    kind, name = split_target(args, "scale")
    if kind != "deployments" or not name:
        if name:
            raise not_found(kind, name)
        raise Fail("error: resource(s) were provided, but no name was specified")
    dep = need_deployment(ctx, name, ns)
    ctx.apply("scale", deployment=dep.name, replicas=int(replicas))
    ctx.out(f"deployment.apps/{dep.name} scaled")
    return 0


# ------------------------------------------------------------------------------ exec


def cmd_exec(ctx: Context, args: Args, ns: str) -> int:
    if not args.pos:
        raise Fail("error: pod, type/name or --filename must be specified")
    target = args.pos[0]
    command = args.rest or args.pos[1:]
    if not command:
        raise Fail("error: you must specify at least one command for the container")
    if "/" in target and not target.startswith("pod/"):
        kind, _, name = target.partition("/")
        if KINDS.get(kind) != "deployments":
            raise Fail(f'error: cannot attach to *v1.{kind}: selector for *v1.{kind} not implemented')
        dep = need_deployment(ctx, name, ns)
        pods = [p for p in deployment_pods(ctx, dep) if p.status == "Running"]
        if not pods:
            raise Fail(f"error: cannot exec into a container in a completed pod; current phase is Pending "
                       f"(deployment {name} has no running pods)")
        pod = pods[0]
    else:
        name = target.split("/", 1)[-1]
        found = next((p for p in all_pods(ctx, ns) if p.name == name), None)
        if found is None:
            raise Fail(f'Error from server (NotFound): pods "{name}" not found')
        pod = found
    return in_container(ctx, pod, command)


def in_container(ctx: Context, pod: Pod, command: list[str]) -> int:
    prog = Path(command[0]).name
    if prog in ("sh", "bash") and len(command) >= 3 and command[1] == "-c":
        return in_container(ctx, pod, shlex.split(command[2]))
    if prog == "curl":
        from warroom.drill.standins import curl

        return curl.run(ctx.sub("curl", command[1:], in_pod=pod.deployment), command[1:])
    if prog == "psql" and pod.deployment in ("postgres", fleet.DEPLOYMENT):
        from warroom.drill.standins import psql

        return psql.run(ctx.sub("psql", command[1:], in_pod=pod.deployment), command[1:])
    if prog == "promtool" and pod.deployment == "prometheus":
        return promtool(ctx, command[1:])
    if prog in ("env", "printenv"):
        dep = ctx.cluster.deployments.get(pod.deployment)
        for k, v in (dep.current.env if dep else {}).items():
            ctx.out(f"{k}={v}")
        return 0
    if prog == "date":
        ctx.out(iso(ctx.at))
        return 0
    ctx.err(f'error: Internal error occurred: error executing command in container: failed to exec in container: '
            f'failed to start exec: OCI runtime exec failed: exec failed: unable to start container process: '
            f'exec: "{command[0]}": executable file not found in $PATH: unknown')
    ctx.err("command terminated with exit code 126")
    return 126


def promtool(ctx: Context, argv: list[str]) -> int:
    """``promtool query instant URL EXPR`` inside the Prometheus pod, answered by the simulator."""
    if len(argv) < 4 or argv[:2] != ["query", "instant"]:
        ctx.err("promtool: error: drill: only `promtool query instant URL EXPR` is simulated")
        return 1
    from warroom.drill.promql import PromQLError

    expr = argv[3]
    try:
        result = ctx.drill.simulator.evaluate(expr, ctx.t)
    except PromQLError as exc:
        ctx.err(f"query error: bad_data: {exc}")
        return 1
    stamp = f"{ctx.at:.3f}"
    if isinstance(result, float):
        ctx.out(f"scalar: {result:g} @[{stamp}]")
        return 0
    for s in result:
        labels = ", ".join(f'{k}="{v}"' for k, v in s.labels)
        ctx.out(f"{{{labels}}} => {s.value:g} @[{stamp}]")
    return 0


# ------------------------------------------------------------------------------ apply / create / delete / patch


def cmd_apply(ctx: Context, args: Args, ns: str) -> int:
    files = args.get("filename") or []
    if not files:
        raise Fail("error: must specify one of -f and -k")
    import yaml

    for f in files:
        if f == "-":
            text = sys.stdin.read()
        else:
            p = Path(f)
            if not p.exists():
                raise Fail(f'error: the path "{f}" does not exist')
            text = p.read_text(errors="replace")
        try:
            docs = [d for d in yaml.safe_load_all(text) if d]
        except yaml.YAMLError as exc:
            raise Fail(f"error: error parsing {f}: error converting YAML to JSON: {exc}") from None
        for d in docs:
            if not isinstance(d, dict) or "kind" not in d or not (d.get("metadata") or {}).get("name"):
                raise Fail(f"error: error validating \"{f}\": error validating data: [apiVersion not set, "
                           "kind not set]; if you choose to ignore these errors, turn validation off with "
                           "--validate=false")
            kind = str(d["kind"])
            name = str(d["metadata"]["name"])
            api = {"Deployment": "deployment.apps", "ConfigMap": "configmap", "Secret": "secret",
                   "Service": "service"}.get(kind, kind.lower())
            key = f"{kind.lower()}/{name}"
            exists = key in ctx.cluster.extra or (kind == "Deployment" and name in ctx.cluster.deployments) \
                or (kind == "ConfigMap" and name in ctx.cluster.configmaps)
            if args.get("dry_run"):
                ctx.out(f"{api}/{name} {'configured' if exists else 'created'} (dry run)")
                continue
            ctx.apply("create", kind=kind.lower(), name=name, namespace=ns)
            ctx.out(f"{api}/{name} {'configured' if exists else 'created'}")
    return 0


def cmd_create(ctx: Context, args: Args, ns: str) -> int:
    if not args.pos:
        raise Fail("error: must specify one of -f and -k")
    what = args.pos[0]
    if what == "secret":
        if len(args.pos) < 3 or args.pos[1] not in ("generic", "tls", "docker-registry"):
            raise Fail("error: NAME is required")
        name = args.pos[2]
        literals = args.get("from_literal") or []
        keys = [lit.split("=", 1)[0] for lit in literals]
        if args.get("dry_run"):
            import yaml

            data = {k: base64.b64encode(v.encode()).decode() for k, _, v in (lit.partition("=") for lit in literals)}
            obj = {"apiVersion": "v1", "data": data, "kind": "Secret",
                   "metadata": {"creationTimestamp": None, "name": name, "namespace": ns}}
            if args.get("output") == "yaml":
                ctx.stdout.write(yaml.safe_dump(obj, sort_keys=True))
            elif args.get("output") == "json":
                ctx.out(json.dumps(obj, indent=4))
            else:
                ctx.out(f"secret/{name} created (dry run)")
            return 0
        if name in ctx.cluster.secrets:
            raise Fail(f'error: failed to create secret secrets "{name}" already exists')
        ctx.apply("create", kind="secret", name=name, keys=keys, namespace=ns)
        ctx.out(f"secret/{name} created")
        return 0
    if what in ("namespace", "ns", "configmap", "cm"):
        name = args.pos[1] if len(args.pos) > 1 else ""
        if not name:
            raise Fail("error: exactly one NAME is required, got 0")
        ctx.apply("create", kind=KINDS.get(what, what), name=name, namespace=ns)
        ctx.out(f"{API_NAME[KINDS[what]][0]}/{name} created")
        return 0
    raise Fail(f'error: unknown command "{what}" for "kubectl create"')


def cmd_delete(ctx: Context, args: Args, ns: str) -> int:
    kind, name = split_target(args, "delete")
    if not name:
        raise Fail('error: resource(s) were provided, but no name was specified')
    singular = API_NAME.get(kind, (kind, kind))[0]
    present = (
        (kind == "secrets" and name in ctx.cluster.secrets)
        or (kind == "deployments" and name in ctx.cluster.deployments)
        or (kind == "pods" and any(p.name == name for p in all_pods(ctx, ns)))
        or f"{kind.rstrip('s')}/{name}" in ctx.cluster.extra
        or f"{KINDS.get(kind, kind)}/{name}" in ctx.cluster.extra
    )
    if not present:
        if args.get("ignore_not_found"):
            return 0
        raise not_found(kind, name)
    op_kind = {"secrets": "secret", "deployments": "deployment", "pods": "pod"}.get(kind, kind.rstrip("s"))
    if kind != "pods":
        ctx.apply("delete", kind=op_kind, name=name, namespace=ns)
    ctx.out(f'{singular.split(".")[0]} "{name}" deleted')
    return 0


def cmd_patch(ctx: Context, args: Args, ns: str) -> int:
    kind, name = split_target(args, "patch")
    patch = args.get("patch")
    if not name:
        raise Fail("error: resource(s) were provided, but no name was specified")
    if patch is None:
        raise Fail("error: must specify --patch or --patch-file containing the contents of the patch")
    try:
        body = json.loads(patch)
    except ValueError:
        import yaml

        try:
            body = yaml.safe_load(patch)
        except yaml.YAMLError as exc:
            raise Fail(f'error: unable to parse "{patch}": yaml: {exc}') from None
    exists = {
        "deployments": name in ctx.cluster.deployments,
        "hpa": name in ctx.cluster.hpa,
        "configmaps": name in ctx.cluster.configmaps,
    }.get(kind, False)
    if not exists:
        raise not_found(kind, name)
    ctx.apply("patch", kind="hpa" if kind == "hpa" else kind, name=name, patch=body)
    ctx.out(f"{API_NAME[kind][0]}/{name} patched")
    return 0


def cmd_autoscale(ctx: Context, args: Args, ns: str) -> int:
    name = deployment_target(args, "autoscale")
    need_deployment(ctx, name, ns)
    if name in ctx.cluster.hpa:
        raise Fail(f'Error from server (AlreadyExists): horizontalpodautoscalers.autoscaling "{name}" already exists')
    ctx.apply("patch", kind="hpa", name=name, patch={"spec": {"minReplicas": int(args.get("min", 1)),
                                                             "maxReplicas": int(args.get("max", 1))}})
    ctx.out(f"horizontalpodautoscaler.autoscaling/{name} autoscaled")
    return 0


def cmd_node(ctx: Context, args: Args, ns: str, verb: str) -> int:
    if not args.pos:
        raise Fail(f"error: USAGE: {verb} NODE [flags]")
    node = args.pos[0].split("/", 1)[-1]
    if node not in NODES:
        raise not_found("nodes", node)
    ctx.record("node_uncordon" if verb == "uncordon" else "node_cordon", node=node)
    if verb == "drain":
        ctx.out(f"node/{node} cordoned")
        for p in all_pods(ctx, None):
            if p.node == node:
                ctx.out(f"evicting pod {p.namespace}/{p.name}")
        for p in all_pods(ctx, None):
            if p.node == node:
                ctx.out(f"pod/{p.name} evicted")
        ctx.out(f"node/{node} drained")
    else:
        ctx.out(f"node/{node} {verb}ed")
    return 0


def cmd_config(ctx: Context, args: Args, ns: str) -> int:
    what = args.pos[0] if args.pos else ""
    if what == "current-context":
        ctx.out("drill")
    elif what == "get-contexts":
        ctx.out(table(["CURRENT", "NAME", "CLUSTER", "AUTHINFO", "NAMESPACE"],
                      [["*", "drill", "drill", "drill", fleet.NAMESPACE]]))
    elif what == "view":
        ctx.stdout.write((ctx.drill.path / "kubeconfig").read_text().replace("drill-not-a-real-token", "REDACTED"))
    elif what == "use-context":
        name = args.pos[1] if len(args.pos) > 1 else ""
        if name != "drill":
            raise Fail(f'error: no context exists with the name: "{name}"')
        ctx.out('Switched to context "drill".')
    else:
        raise Fail(f'error: unknown command "{what}" for "kubectl config"')
    return 0


def cmd_simple(ctx: Context, args: Args, ns: str, sub: str) -> int:
    if sub == "version":
        ctx.out("Client Version: v1.28.9\nKustomize Version: v5.0.4-0.20230601165947-6ce0bf390ce3\n"
                "Server Version: v1.28.9")
    elif sub == "cluster-info":
        ctx.out("Kubernetes control plane is running at https://drill-cluster.invalid:6443\n"
                "CoreDNS is running at https://drill-cluster.invalid:6443/api/v1/namespaces/kube-system/services/"
                "kube-dns:dns/proxy\n\nTo further debug and diagnose cluster problems, use 'kubectl cluster-info dump'.")
    elif sub == "auth":
        ctx.out("yes")
    elif sub in ("annotate", "label"):
        kind, name = split_target(args, sub)
        ctx.out(f"{API_NAME.get(kind, (kind,))[0]}/{name} {sub}d" if name else "")
    else:
        ctx.err(f"error: drill: `kubectl {sub}` needs an interactive session, which a drill does not simulate")
        return 1
    return 0


HANDLERS: dict[str, Callable[[Context, Args, str], int]] = {
    "get": cmd_get, "describe": cmd_describe, "logs": cmd_logs, "top": cmd_top, "rollout": cmd_rollout,
    "set": cmd_set, "scale": cmd_scale, "exec": cmd_exec, "apply": cmd_apply, "create": cmd_create,
    "delete": cmd_delete, "patch": cmd_patch, "autoscale": cmd_autoscale, "config": cmd_config,
    "cordon": lambda c, a, n: cmd_node(c, a, n, "cordon"),
    "uncordon": lambda c, a, n: cmd_node(c, a, n, "uncordon"),
    "drain": lambda c, a, n: cmd_node(c, a, n, "drain"),
    **{s: (lambda sub: lambda c, a, n: cmd_simple(c, a, n, sub))(s)
       for s in ("version", "cluster-info", "auth", "annotate", "label", "edit", "port-forward", "explain",
                 "api-resources", "wait")},
}

USAGE = """kubectl controls the Kubernetes cluster manager.

 Find more information at: https://kubernetes.io/docs/reference/kubectl/

Basic Commands (Beginner):
  create          Create a resource from a file or from stdin
  get             Display one or many resources
  delete          Delete resources by file names, stdin, resources and names, or by resources and label selector

Deploy Commands:
  rollout         Manage the rollout of a resource
  scale           Set a new size for a deployment, replica set, or replication controller
  autoscale       Auto-scale a deployment, replica set, stateful set, or replication controller

Cluster Management Commands:
  top             Display resource (CPU/memory) usage
  cordon          Mark node as unschedulable
  uncordon        Mark node as schedulable
  drain           Drain node in preparation for maintenance

Troubleshooting and Debugging Commands:
  describe        Show details of a specific resource or group of resources
  logs            Print the logs for a container in a pod
  exec            Execute a command in a container

Advanced Commands:
  apply           Apply a configuration to a resource by file name or stdin
  patch           Update fields of a resource

Settings Commands:
  set             Set specific features on objects

Usage:
  kubectl [flags] [options]

Use "kubectl <command> --help" for more information about a given command."""

USAGE_ERROR = 'error: unknown command for "kubectl"\nRun \'kubectl --help\' for usage.'
