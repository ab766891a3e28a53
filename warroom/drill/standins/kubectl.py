"""``kubectl`` for drills: the verbs runbooks run, answered from the drill cluster.

Output shapes, messages and exit codes follow kubectl 1.28. What exists and how it looks (kinds,
objects, pods, events) comes from ``kubeobj``; this module reads the command line and words the
answer. A change is recorded once as an operation (``ctx.apply``, see ``warroom.drill.cluster``),
so the cluster view and the simulator see it from the moment it happens. The drill keeps no
manifests, only that an object was made or removed, which is all runbooks' follow-ups look at.
"""

from __future__ import annotations

import base64
import json
import re
import shlex
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from warroom.drill import fleet
from warroom.drill.activity import iso
from warroom.drill.cluster import Deployment, undo_target
from warroom.drill.standins.base import Args, Context, OptionError, age, flags, go_duration, parse_args, table
from warroom.drill.standins.kubeobj import (
    KIND_TABLE, KINDS, NODES, JSONPathError, Pod, all_pods, api_name, cpu_percent, deployment_pods, events,
    jsonpath, objects,
)

FLAGS = flags(
    "n|namespace= o|output= l|selector= c|container= context= kubeconfig= sort-by= field-selector= tail= since= "
    "since-time= timeout= replicas= to-revision= revision= p|patch= type= f|filename=* from-literal=* from= min= "
    "max= cpu-percent= grace-period= e|env=* limits= requests= request-timeout= current-replicas= image= "
    "cluster= user= field-manager= dry-run? A|all-namespaces w|watch i|stdin t|tty timestamps overwrite "
    "ignore-daemonsets delete-emptydir-data force record no-headers show-labels all list local q|quiet previous "
    "follow wait ignore-not-found all-containers prefix")
LOGS_FLAGS = {**FLAGS, **flags("f:follow p:previous")}      # for ``logs`` -f follows and -p is --previous


class Fail(Exception):
    """A kubectl error: printed to stderr, exit code 1."""


def run(ctx: Context, argv: list[str]) -> int:
    """Find the verb (global flags may come before it, ``kubectl -n x get pods``), parse, answer."""
    if not argv or argv[0] in ("-h", "--help", "help"):
        ctx.out(USAGE)
        return 0
    sub, rest = argv[0], argv[1:]
    if sub.startswith("-"):
        first = next((i for i, a in enumerate(argv) if a in VERBS), None)
        if first is None:
            ctx.err('error: unknown command for "kubectl"\nRun \'kubectl --help\' for usage.')
            return 1
        sub, rest = argv[first], argv[:first] + argv[first + 1:]
    verb = VERBS.get(sub)
    if verb is None:
        close = [c for c in VERBS if c.startswith(sub[:2])]
        ctx.err(f'error: unknown command "{sub}" for "kubectl"'
                + ("\n\nDid you mean this?\n" + "\n".join(f"\t{c}" for c in close[:3]) if close else ""))
        return 1
    try:
        try:
            args = parse_args(rest, LOGS_FLAGS if sub == "logs" else FLAGS)
        except OptionError as exc:
            see = f"\nSee 'kubectl {sub} --help' for usage."
            if exc.kind == "needs-value":
                raise Fail(f"error: flag needs an argument: {exc.flag}{see}") from None
            if exc.flag.startswith("--"):
                raise Fail(f"error: unknown flag: {exc.flag}{see}") from None
            raise Fail(f"error: unknown shorthand flag: '{exc.flag[1]}' in {exc.token}{see}") from None
        ctx.pause(0.25)
        return verb(ctx, args, args.text("namespace") or fleet.NAMESPACE)
    except Fail as exc:
        ctx.err(str(exc))
        return 1


USAGE = """kubectl controls the Kubernetes cluster manager (the drill's cluster; nothing real is touched).

Commands the drill answers:
  get, describe (pods, nodes), logs, top, rollout (status, history, undo, restart), set (env, image),
  scale, autoscale, exec, apply, create secret, delete, patch, cordon, uncordon, drain, version

Usage:
  kubectl [flags] [options]"""


# ------------------------------------------------------------------------------ what a verb acts on


def split_target(pos: list[str], verb: str) -> tuple[str, str | None]:
    """``TYPE NAME`` / ``TYPE/NAME`` / ``TYPE`` -> (canonical kind, name)."""
    if not pos:
        raise Fail("error: you must specify the type of resource to get. Use \"kubectl api-resources\" for a "
                   "complete list of supported resources." if verb == "get" else
                   f"error: required resource not specified\nSee 'kubectl {verb} --help' for usage.")
    kind, slash, name = pos[0].partition("/")
    if kind.lower() not in KINDS:
        raise Fail(f'error: the server doesn\'t have a resource type "{kind}"')
    return KINDS[kind.lower()], (name if slash else pos[1] if len(pos) > 1 else None)


def not_found(kind: str, name: str) -> Fail:
    return Fail(f'Error from server (NotFound): {api_name(kind, plural=True)} "{name}" not found')


def need_deployment(ctx: Context, name: str | None, ns: str) -> Deployment:
    if not name:
        raise Fail("error: required resource not specified")
    dep = ctx.cluster.deployment(name, ns)
    if dep is None:
        raise not_found("deployments", name)
    return dep


def deployment_target(ctx: Context, pos: list[str], verb: str, ns: str) -> Deployment:
    """The deployment ``rollout``/``set``/``autoscale`` act on: ``deployment/NAME`` or ``deployment NAME``."""
    kind, name = split_target(pos, verb)
    if kind != "deployments":
        raise Fail(f'error: no {verb} handler for resource type "{kind}" in the drill cluster')
    return need_deployment(ctx, name, ns)


def match_selector(labels: dict[str, str], selector: object) -> bool:
    """Equality-based label selectors: ``a=b``, ``a==b``, ``a!=b``, ``a``, ``!a``, comma-joined."""
    for part in filter(None, map(str.strip, str(selector or "").split(","))):
        key, op, value = (re.split(r"(!=|==?)", part, maxsplit=1) + ["", ""])[:3]
        key, value = key.strip(), value.strip()
        if op and (labels.get(key) == value) == (op == "!="):
            return False
        if not op and (key.lstrip("!") in labels) == key.startswith("!"):
            return False
    return True


def no_resources(ctx: Context, ns: str | None) -> int:
    ctx.err("No resources found" + (f" in {ns} namespace." if ns else ""))
    return 0


def target_pods(ctx: Context, target: str, ns: str, *, wrong_kind: str, none_running: str, missing: str) -> list[Pod]:
    """The pods ``logs``/``exec`` act on: ``POD``/``pod/POD``, or the running pods of ``deployment/NAME``.

    The three messages are the verb's own kubectl wording for a kind it cannot resolve, a
    deployment with no running pod, and a pod that does not exist (``{kind}``/``{name}`` filled in).
    """
    kind, slash, name = target.partition("/")
    if not slash or kind == "pod":
        name = name if slash else target
        pods = [p for p in all_pods(ctx, ns) if p.name == name][:1]
        if not pods:
            raise Fail(missing.format(name=name, ns=ns))
        return pods
    if KINDS.get(kind) != "deployments":
        raise Fail(wrong_kind.format(kind=kind))
    pods = [p for p in deployment_pods(ctx, need_deployment(ctx, name, ns)) if p.status == "Running"]
    if not pods:
        raise Fail(none_running.format(name=name))
    return pods


# ------------------------------------------------------------------------------ get, describe


def cmd_get(ctx: Context, args: Args, ns: str) -> int:
    kind, name = split_target(args.pos, "get")
    all_ns = bool(args.get("all_namespaces"))
    scope = None if all_ns else ns
    if kind == "events":
        return print_events(ctx, args, scope, all_ns)
    if kind in ("namespaces", "services", "replicasets"):
        raise Fail(f"error: drill: `kubectl get {kind}` is not simulated in the drill")
    objs = [o for o in objects(ctx, kind, scope)
            if match_selector(o.labels, args.get("selector")) and name in (None, o.name)]
    if name and not objs:
        raise not_found(kind, name)
    if output(ctx, args, kind, [o.api for o in objs], single=bool(name)):
        return 0
    if not objs:
        return no_resources(ctx, scope)
    columns, _, wide_columns = KIND_TABLE[kind][2].partition("|")
    wide, labels = args.get("output") == "wide", bool(args.get("show_labels"))
    show_ns = all_ns and objs[0].namespace is not None
    heads = ["NAMESPACE"] * show_ns + ["NAME", *columns.split(","), *filter(None, wide_columns.split(",") * wide)]
    rows = [[o.namespace] * show_ns + [o.name, *o.row, *o.wide * wide]
            + [",".join(f"{k}={v}" for k, v in o.labels.items())] * labels for o in objs]
    text = table(heads + ["LABELS"] * labels, rows)
    ctx.out("\n".join(text.splitlines()[1:]) if args.get("no_headers") else text)
    return 0


def output(ctx: Context, args: Args, kind: str, objs: list[dict[str, Any]], single: bool) -> bool:
    """``-o json|yaml|name|jsonpath=...``; False when the table should be printed.

    Scripts in runbooks parse these, so they match kubectl byte for byte where it matters.
    """
    fmt = args.text("output")
    if fmt in ("", "wide"):
        return False
    data = objs[0] if single and objs else {"apiVersion": "v1", "kind": "List", "items": objs,
                                            "metadata": {"resourceVersion": ""}}
    if fmt == "json":
        ctx.out(json.dumps(data, indent=4))
    elif fmt == "yaml":
        ctx.stdout.write(yaml.safe_dump(data, sort_keys=False))
    elif fmt == "name":
        for o in objs:
            ctx.out(f"{api_name(kind)}/{o['metadata']['name']}")
    elif fmt.startswith(("jsonpath=", "jsonpath-as-json=")):
        tpl = fmt.split("=", 1)[1]
        try:
            ctx.stdout.write(jsonpath(tpl, data))
        except JSONPathError as exc:
            raise Fail(f'error: error executing jsonpath "{tpl}": Error executing template: {exc}. '
                       f"Printing more information for debugging the template:\n\ttemplate was:\n\t\t{tpl}") from None
    else:
        raise Fail(f"error: unable to match a printer suitable for the output format \"{fmt}\", allowed formats "
                   "are: custom-columns,custom-columns-file,go-template,go-template-file,json,jsonpath,"
                   "jsonpath-as-json,jsonpath-file,name,template,templatefile,wide,yaml")
    return True


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


def cmd_describe(ctx: Context, args: Args, ns: str) -> int:
    """Pods and nodes in kubectl's words; any other kind that exists points at ``get -o yaml``."""
    kind, name = split_target(args.pos, "describe")
    if kind == "pods":
        texts = [describe_pod(ctx, p) for p in all_pods(ctx, ns)
                 if name in (None, p.name) and match_selector({"app": p.deployment}, args.get("selector"))]
    else:
        names = [o.name for o in objects(ctx, kind, ns) if name in (None, o.name)]
        if names and kind != "nodes":
            singular = api_name(kind).split(".")[0]
            raise Fail(f"error: drill: `kubectl describe {singular}` is not simulated; "
                       f"`kubectl get {singular} NAME -o yaml` shows it, `kubectl get events` its events")
        texts = [DESCRIBE_NODE.format(name=n) for n in names]
    if name and not texts:
        raise not_found(kind, name)
    for text in texts:
        ctx.out(text)
    return 0 if texts else no_resources(ctx, ns)


DESCRIBE_NODE = """Name:               {name}
Roles:              <none>
Conditions:
  Type             Status  Reason                       Message
  MemoryPressure   False   KubeletHasSufficientMemory   kubelet has sufficient memory available
  DiskPressure     False   KubeletHasNoDiskPressure     kubelet has no disk pressure
  Ready            True    KubeletReady                 kubelet is posting ready status
Allocatable:
  cpu:     4
  memory:  16Gi
"""


def describe_pod(ctx: Context, p: Pod) -> str:
    return (f"Name:             {p.name}\nNamespace:        {p.namespace}\nNode:             {p.node}/{p.ip}\n"
            f"Start Time:       {iso(ctx.wall(p.created))}\nLabels:           app={p.deployment}\n"
            f"                  pod-template-hash={p.template_hash}\nStatus:           {p.status}\n"
            f"IP:               {p.ip}\nContainers:\n  {p.container}:\n    Image:          {p.image}\n"
            f"    State:          {'Running' if p.status in ('Running', 'Terminating') else 'Waiting'}\n"
            f"    Ready:          {p.ready}\n    Restart Count:  {p.restarts}\n"
            f"    Limits:\n      cpu:     1\n      memory:  3Gi\n"
            f"Conditions:\n  Type              Status\n  Ready             {p.ready}\nEvents:           <none>\n")


# ------------------------------------------------------------------------------ logs, top


def cmd_logs(ctx: Context, args: Args, ns: str) -> int:
    """Activity log lines of a pod, a deployment or a selector (``-f`` follows the drill clock)."""
    selector = args.get("selector")
    if selector:
        pods = [p for p in all_pods(ctx, ns) if p.status != "Terminating" and match_selector(p.labels, selector)]
        if not pods:
            return no_resources(ctx, ns)
        default_tail = 10
    elif not args.pos:
        raise Fail("error: expected 'logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]'.\n"
                   "POD or TYPE/NAME is a required argument for the logs command\n"
                   "See 'kubectl logs -h' for help and examples")
    else:
        pods, default_tail = target_pods(
            ctx, args.pos[0], ns,
            wrong_kind="error: cannot get the logs from {kind}: selector for {kind} not implemented in the drill",
            none_running="error: timed out waiting for the condition (deployment {name} has no running pods)",
            missing='error: error from server (NotFound): pods "{name}" not found in namespace "{ns}"'), -1
        if len(pods) > 1:
            ctx.err(f"Found {len(pods)} pods, using pod/{pods[0].name}")
            pods = pods[:1]
    window = 3600.0
    if since := args.text("since"):
        secs = go_duration(since)
        if secs is None:
            raise Fail(f'error: invalid argument "{since}" for "--since" flag: time: invalid duration "{since}"')
        window = min(ctx.scenario_span(secs), 7200.0)
    tail = int(args.text("tail", str(default_tail)))
    for p in pods:
        lines = pod_lines(ctx, p, ctx.t - window, ctx.t, len(pods) > 1 or bool(selector))
        prefix = f"[pod/{p.name}/{p.deployment}] " if args.get("prefix") else ""
        for t, line in (lines if tail < 0 else lines[-tail:] if tail else []):
            ctx.out(f"{prefix}{iso(ctx.wall(t))} {line}")
    if args.get("follow"):
        follow(ctx, pods)
    return 0


def pod_lines(ctx: Context, pod: Pod, t1: float, t2: float, share: bool) -> list[tuple[float, str]]:
    if pod.deployment == fleet.DEPLOYMENT:
        lines = ctx.activity.flowengine_logs(t1, t2)
        pods = deployment_pods(ctx, ctx.cluster.flowengine)
        names = [p.name for p in pods if p.status == "Running"]
        if share and pod.name in names:
            # each pod logs the flows its workers ran; periodic component lines appear on every pod
            idx = names.index(pod.name)
            lines = [(t, s) for t, s in lines
                     if " tsk_" not in s or int(s.split(" tsk_", 1)[1][:8], 16) % len(names) == idx]
        born = next((p.created for p in pods if p.name == pod.name), t1)
        return [(t, s) for t, s in lines if t >= born]
    if pod.deployment == fleet.AUDIT_DEPLOYMENT:
        return ctx.activity.audit_logs(t1, t2)
    if pod.deployment == "postgres":
        return [(t2 - 30 * k, "LOG:  checkpoint complete: wrote 412 buffers (2.5%)") for k in range(5, 0, -1)]
    return [(t2 - 60, "level=info msg=\"Completed loading of configuration file\"")]


def follow(ctx: Context, pods: list[Pod]) -> None:
    """``-f``: keep printing new lines as the drill clock moves, until killed (like the real thing)."""
    last = ctx.t
    while True:
        ctx.stdout.flush()
        reached = ctx.wait_until(last + 5.0 * max(1.0, ctx.drill.speed), cap=2.0)
        if not reached and ctx.t <= last:
            continue
        for p in pods:
            for t, line in pod_lines(ctx, p, last, ctx.t, len(pods) > 1):
                if t > last:
                    ctx.out(f"{iso(ctx.wall(t))} {line}")
        last = ctx.t
        if ctx.no_delay:
            return


def cmd_top(ctx: Context, args: Args, ns: str) -> int:
    """Usage follows the simulation: FlowEngine's CPU its latency, its memory the context size."""
    what = (args.pos or ["pods"])[0]
    cpu = cpu_percent(ctx)
    if KINDS.get(what) == "nodes":
        ctx.out(table(["NAME", "CPU(cores)", "CPU%", "MEMORY(bytes)", "MEMORY%"], [
            [n, f"{int(cpu * (0.8 + 0.1 * i) * 40)}m", f"{int(cpu * (0.8 + 0.1 * i))}%", f"{8200 + 700 * i}Mi",
             f"{52 + 4 * i}%"] for i, n in enumerate(NODES)]))
        return 0
    if KINDS.get(what) != "pods":
        raise Fail(f'error: unknown command "{what}" for "kubectl top"')
    pods = [p for p in all_pods(ctx, None if args.get("all_namespaces") else ns)
            if p.status == "Running" and match_selector({"app": p.deployment}, args.get("selector"))]
    if not pods:
        return no_resources(ctx, ns)
    context_kb, rows = ctx.signals.context_kb(ctx.t), []
    for i, p in enumerate(pods):
        c, mem = {fleet.DEPLOYMENT: (cpu * (0.9 + 0.05 * (i % 4)) * 10, 1400 + context_kb * 2.2 + 60 * (i % 3)),
                  fleet.AUDIT_DEPLOYMENT: (35 + 5 * i, 180 + 20 * i)}.get(p.deployment, (120 + 10 * i, 900 + 40 * i))
        rows.append([p.name, f"{int(c)}m", f"{int(mem)}Mi"])
    ctx.out(table(["NAME", "CPU(cores)", "MEMORY(bytes)"], rows))
    return 0


# ------------------------------------------------------------------------------ rollout


def cmd_rollout(ctx: Context, args: Args, ns: str) -> int:
    if not args.pos:
        raise Fail("error: required subcommand: history, pause, restart, resume, status, undo\n"
                   "See 'kubectl rollout -h' for help and examples")
    action = args.pos[0]
    if action not in ("status", "history", "undo", "restart", "pause", "resume"):
        raise Fail(f'error: unknown command "{action}" for "kubectl rollout"\nSee \'kubectl rollout -h\' for help')
    dep = deployment_target(ctx, args.pos[1:], "rollout", ns)
    if action == "history":
        return rollout_history(ctx, args, dep)
    if action == "status":
        return rollout_status(ctx, args, dep)
    if action == "undo":
        to = args.get("to_revision")
        target = undo_target(dep, to)
        if target is None:
            raise Fail(f"error: unable to find specified revision {to} in history" if to else
                       f'error: no rollout history found for deployment "{dep.name}"')
        if args.get("dry_run"):
            ctx.out(f"deployment.apps/{dep.name} Pod Template:\n  Containers:\n   {dep.container}:\n"
                    f"    Image:\t{target.image} (dry run)")
            return 0
        ctx.apply("rollout_undo", deployment=dep.name, to_revision=to)
    elif action == "restart":
        ctx.apply("rollout_restart", deployment=dep.name, restarted_at=iso(ctx.at))
    done = dict(undo="rolled back", restart="restarted", pause="paused", resume="resumed")[action]
    ctx.out(f"deployment.apps/{dep.name} {done}")
    return 0


def rollout_history(ctx: Context, args: Args, dep: Deployment) -> int:
    rev = args.text("revision")
    if not rev:
        ctx.out(f"deployment.apps/{dep.name} ")
        ctx.out(table(["REVISION", "CHANGE-CAUSE"], [[r.number, r.cause] for r in dep.history], gap=2) + "\n")
        return 0
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


def rollout_status(ctx: Context, args: Args, dep: Deployment) -> int:
    """Wait on the drill clock for the rollout, printing kubectl's progress lines once each."""
    timeout = go_duration(args.text("timeout", "0s")) or 0.0
    deadline = ctx.at + timeout if timeout else None
    printed: set[str] = set()
    while True:
        done_at = dep.rollout_done_at()
        if ctx.t >= done_at or dep.replicas == 0:
            ctx.out(f'deployment "{dep.name}" successfully rolled out')
            return 0
        updated, ready = dep.updated(ctx.t), dep.ready(ctx.t)
        msg = f'Waiting for deployment "{dep.name}" rollout to finish: ' + (
            f"{updated} out of {dep.replicas} new replicas have been updated..." if updated < dep.replicas else
            f"{ready} of {dep.replicas} updated replicas are available..." if ready < dep.replicas else
            "1 old replicas are pending termination...")
        if msg not in printed:
            ctx.out(msg)
            ctx.stdout.flush()
            printed.add(msg)
        if args.get("watch") is False:
            return 0
        if deadline is not None and ctx.at >= deadline:
            raise Fail("error: timed out waiting for the condition")
        cap = 1.0 if deadline is None else max(0.0, min(1.0, deadline - ctx.at))
        ctx.wait_until(min(done_at, ctx.t + dep.rollout_seconds / max(1, dep.replicas)), cap=cap)


# ------------------------------------------------------------------------------ set, scale, autoscale


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
    dep = deployment_target(ctx, targets, "set", ns)
    if what == "env":
        return set_env(ctx, args, dep, assignments, ns)
    if what == "image":
        if not assignments or "=" not in assignments[0]:
            raise Fail("error: expected CONTAINER=IMAGE")
        container, image = assignments[0].split("=", 1)
        if container not in (dep.container, "*"):
            raise Fail(f'error: unable to find container named "{container}"')
        ctx.apply("set_image", deployment=dep.name, image=image)
    ctx.out(f"deployment.apps/{dep.name} " + ("image updated" if what == "image" else "resource requirements updated"))
    return 0


def set_env(ctx: Context, args: Args, dep: Deployment, assignments: list[str], ns: str) -> int:
    if args.get("list"):
        ctx.out(f"# deployment {dep.name}, container {dep.container}")
        for k, v in dep.current.env.items():
            ctx.out(f"{k}={v}")
        return 0
    sets: dict[str, str] = {}
    unset: list[str] = []
    for a in assignments + args.all("env"):
        if a.endswith("-") and "=" not in a:
            unset.append(a[:-1])
        elif "=" in a:
            k, v = a.split("=", 1)
            sets[k] = v
        else:
            raise Fail(f"error: all resources must be specified before environment changes: {a}")
    if source := args.text("from"):
        kind, _, sname = source.partition("/")
        if kind != "secret" or sname not in ctx.cluster.secrets:
            raise Fail(f'error: secrets "{sname}" not found')
        for key in ctx.cluster.secrets[sname]:
            sets[key.upper().replace("-", "_")] = f"<set to the key '{key}' in secret '{sname}'>"
    if not sets and not unset:
        raise Fail("error: at least one environment variable must be provided")
    if not args.get("dry_run"):
        ctx.apply("set_env", deployment=dep.name, namespace=ns, set=sets, unset=unset)
    ctx.out(f"deployment.apps/{dep.name} env updated" + " (dry run)" * bool(args.get("dry_run")))
    return 0


def cmd_scale(ctx: Context, args: Args, ns: str) -> int:
    replicas = args.get("replicas")
    if replicas is None:
        raise Fail('error: required flag(s) "replicas" not set')
    if not str(replicas).isdigit():
        raise Fail(f'error: invalid argument "{replicas}" for "--replicas" flag: strconv.ParseInt: parsing '
                   f'"{replicas}": invalid syntax')
    kind, name = split_target(args.pos, "scale")
    if kind != "deployments" and name:
        raise not_found(kind, name)
    if not name:
        raise Fail("error: resource(s) were provided, but no name was specified")
    ctx.apply("scale", deployment=need_deployment(ctx, name, ns).name, replicas=int(str(replicas)))
    ctx.out(f"deployment.apps/{name} scaled")
    return 0


def cmd_autoscale(ctx: Context, args: Args, ns: str) -> int:
    name = deployment_target(ctx, args.pos, "autoscale", ns).name
    if name in ctx.cluster.hpa:
        raise Fail(f'Error from server (AlreadyExists): horizontalpodautoscalers.autoscaling "{name}" already exists')
    ctx.apply("patch", kind="hpa", name=name, patch={"spec": {"minReplicas": int(args.text("min", "1")),
                                                             "maxReplicas": int(args.text("max", "1"))}})
    ctx.out(f"horizontalpodautoscaler.autoscaling/{name} autoscaled")
    return 0


# ------------------------------------------------------------------------------ whole objects


def cmd_apply(ctx: Context, args: Args, ns: str) -> int:
    files = args.all("filename")
    if not files:
        raise Fail("error: must specify one of -f and -k")
    dry = " (dry run)" * bool(args.get("dry_run"))
    for f in files:
        if f != "-" and not Path(f).exists():
            raise Fail(f'error: the path "{f}" does not exist')
        text = sys.stdin.read() if f == "-" else Path(f).read_text(errors="replace")
        try:
            docs = [d for d in yaml.safe_load_all(text) if d]
        except yaml.YAMLError as exc:
            raise Fail(f"error: error parsing {f}: error converting YAML to JSON: {exc}") from None
        for d in docs:
            if not isinstance(d, dict) or "kind" not in d or not (d.get("metadata") or {}).get("name"):
                raise Fail(f"error: error validating \"{f}\": error validating data: [apiVersion not set, "
                           "kind not set]; if you choose to ignore these errors, turn validation off with "
                           "--validate=false")
            kind, name = str(d["kind"]).lower(), str(d["metadata"]["name"])
            exists = f"{kind}/{name}" in ctx.cluster.extra or name in {
                "deployment": ctx.cluster.deployments, "configmap": ctx.cluster.configmaps}.get(kind, {})
            if not dry:
                ctx.apply("create", kind=kind, name=name, namespace=ns)
            ctx.out(f"{'deployment.apps' if kind == 'deployment' else kind}/{name} "
                    f"{'configured' if exists else 'created'}{dry}")
    return 0


def cmd_create(ctx: Context, args: Args, ns: str) -> int:
    """``create secret``; with ``--dry-run`` it prints the Secret it would make (``-o yaml`` is how
    runbooks show a new secret before applying it)."""
    if not args.pos:
        raise Fail("error: must specify one of -f and -k")
    if args.pos[0] != "secret":
        raise Fail(f'error: drill: `kubectl create {args.pos[0]}` is not simulated (create secret is)')
    if len(args.pos) < 3 or args.pos[1] not in ("generic", "tls", "docker-registry"):
        raise Fail("error: NAME is required")
    name, literals = args.pos[2], [lit.partition("=") for lit in args.all("from_literal")]
    if args.get("dry_run"):
        data = dict(sorted({k: base64.b64encode(v.encode()).decode() for k, _, v in literals}.items()))
        secret = {"apiVersion": "v1", "data": data, "kind": "Secret",
                  "metadata": {"creationTimestamp": None, "name": name, "namespace": ns}}
        if not output(ctx, args, "secrets", [secret], single=True):
            ctx.out(f"secret/{name} created (dry run)")
        return 0
    if name in ctx.cluster.secrets:
        raise Fail(f'error: failed to create secret secrets "{name}" already exists')
    ctx.apply("create", kind="secret", name=name, keys=[k for k, _, _ in literals], namespace=ns)
    ctx.out(f"secret/{name} created")
    return 0


def cmd_delete(ctx: Context, args: Args, ns: str) -> int:
    kind, name = split_target(args.pos, "delete")
    if not name:
        raise Fail('error: resource(s) were provided, but no name was specified')
    singular = api_name(kind).split(".")[0]
    removable = kind in ("secrets", "deployments", "pods") and any(o.name == name for o in objects(ctx, kind, ns))
    if not removable and f"{singular}/{name}" not in ctx.cluster.extra:
        if args.get("ignore_not_found"):
            return 0
        raise not_found(kind, name)
    if kind != "pods":          # a deleted pod is replaced by its deployment: nothing changes
        ctx.apply("delete", kind=singular, name=name, namespace=ns)
    ctx.out(f'{singular} "{name}" deleted')
    return 0


def cmd_patch(ctx: Context, args: Args, ns: str) -> int:
    """Deployments, HPAs and configmaps take a patch (an HPA's bounds move the deployment)."""
    kind, name = split_target(args.pos, "patch")
    patch = args.get("patch")
    if not name:
        raise Fail("error: resource(s) were provided, but no name was specified")
    if patch is None:
        raise Fail("error: must specify --patch or --patch-file containing the contents of the patch")
    try:
        body = yaml.safe_load(str(patch))        # JSON is YAML
    except yaml.YAMLError as exc:
        raise Fail(f'error: unable to parse "{patch}": yaml: {exc}') from None
    if kind not in ("deployments", "hpa", "configmaps") or all(o.name != name for o in objects(ctx, kind, ns)):
        raise not_found(kind, name)
    ctx.apply("patch", kind=kind, name=name, patch=body)
    ctx.out(f"{api_name(kind)}/{name} patched")
    return 0


# ------------------------------------------------------------------------------ nodes, exec, the rest


def cmd_node(ctx: Context, args: Args, verb: str) -> int:
    """cordon/uncordon/drain: recorded so ``get nodes`` shows SchedulingDisabled."""
    if not args.pos:
        raise Fail(f"error: USAGE: {verb} NODE [flags]")
    node = args.pos[0].split("/", 1)[-1]
    if node not in NODES:
        raise not_found("nodes", node)
    ctx.record("node_uncordon" if verb == "uncordon" else "node_cordon", node=node)
    ctx.out(f"node/{node} {'cordoned' if verb == 'drain' else verb + 'ed'}")
    if verb == "drain":
        evicted = [p for p in all_pods(ctx, None) if p.node == node]
        ctx.out("".join(f"evicting pod {p.namespace}/{p.name}\n" for p in evicted)
                + "".join(f"pod/{p.name} evicted\n" for p in evicted) + f"node/{node} drained")
    return 0


def cmd_exec(ctx: Context, args: Args, ns: str) -> int:
    if not args.pos:
        raise Fail("error: pod, type/name or --filename must be specified")
    command = args.rest or args.pos[1:]
    if not command:
        raise Fail("error: you must specify at least one command for the container")
    pod = target_pods(
        ctx, args.pos[0], ns, wrong_kind="error: cannot attach to *v1.{kind}: selector for *v1.{kind} not implemented",
        none_running="error: cannot exec into a container in a completed pod; current phase is Pending "
                     "(deployment {name} has no running pods)",
        missing='Error from server (NotFound): pods "{name}" not found')[0]
    return in_container(ctx, pod, command)


def in_container(ctx: Context, pod: Pod, command: list[str]) -> int:
    """The few programs a runbook runs inside a pod: the drill's own curl and psql as if from inside
    it, promtool answered by the simulator's PromQL, env/printenv and date; anything else fails the
    way a missing binary does."""
    prog = Path(command[0]).name
    if prog in ("sh", "bash") and len(command) >= 3 and command[1] == "-c":
        return in_container(ctx, pod, shlex.split(command[2]))
    if prog == "curl" or (prog == "psql" and pod.deployment in ("postgres", fleet.DEPLOYMENT)):
        from warroom.drill.standins import run_tool

        return run_tool(ctx.sub(prog, command[1:], in_pod=pod.deployment))
    if prog == "promtool" and pod.deployment == "prometheus":
        return promtool(ctx, command[1:])
    if prog in ("env", "printenv"):
        dep = ctx.cluster.deployments.get(pod.deployment)
        ctx.stdout.write("".join(f"{k}={v}\n" for k, v in (dep.current.env if dep else {}).items()))
        return 0
    if prog == "date":
        ctx.out(iso(ctx.at))
        return 0
    ctx.err(f'error: Internal error occurred: error executing command in container: failed to exec in container: '
            f'failed to start exec: OCI runtime exec failed: exec failed: unable to start container process: '
            f'exec: "{command[0]}": executable file not found in $PATH: unknown\ncommand terminated with exit code 126')
    return 126


def promtool(ctx: Context, argv: list[str]) -> int:
    """``promtool query instant URL EXPR`` inside the Prometheus pod, answered by the simulator."""
    if len(argv) < 4 or argv[:2] != ["query", "instant"]:
        raise Fail("promtool: error: drill: only `promtool query instant URL EXPR` is simulated")
    from warroom.drill.promql import PromQLError

    try:
        result = ctx.drill.simulator.evaluate(argv[3], ctx.t)
    except PromQLError as exc:
        raise Fail(f"query error: bad_data: {exc}") from None
    stamp = f"{ctx.at:.3f}"
    if isinstance(result, float):
        ctx.out(f"scalar: {result:g} @[{stamp}]")
        return 0
    for s in result:
        labels = ", ".join(f'{k}="{v}"' for k, v in s.labels)
        ctx.out(f"{{{labels}}} => {s.value:g} @[{stamp}]")
    return 0


def cmd_version(ctx: Context, args: Args, ns: str) -> int:
    ctx.out("Client Version: v1.28.9\nKustomize Version: v5.0.4-0.20230601165947-6ce0bf390ce3\nServer Version: v1.28.9")
    return 0


def not_simulated(verb: str) -> Verb:
    def answer(ctx: Context, args: Args, ns: str) -> int:
        raise Fail(f"error: drill: `kubectl {verb}` is not simulated in the drill (it answers get, describe "
                   "pods/nodes, logs, top, rollout, set, scale, autoscale, exec, apply, create secret, delete, "
                   "patch, cordon, drain)")
    return answer


Verb = Callable[[Context, Args, str], int]
VERBS: dict[str, Verb] = {
    "get": cmd_get, "describe": cmd_describe, "logs": cmd_logs, "top": cmd_top, "rollout": cmd_rollout,
    "set": cmd_set, "scale": cmd_scale, "exec": cmd_exec, "apply": cmd_apply, "create": cmd_create,
    "delete": cmd_delete, "patch": cmd_patch, "autoscale": cmd_autoscale,
    **{v: (lambda v: lambda c, a, n: cmd_node(c, a, v))(v) for v in ("cordon", "uncordon", "drain")},
    **{v: cmd_version if v == "version" else not_simulated(v) for v in (
        "config", "version", "cluster-info", "auth", "annotate", "label", "edit", "port-forward", "explain",
        "api-resources", "wait")},
}
