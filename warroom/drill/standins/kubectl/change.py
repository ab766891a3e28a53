"""The verbs that act: ``rollout``, ``set``, ``scale``, ``autoscale``, ``apply``/``create``/``delete``/
``patch``, the node verbs, ``exec`` and the cluster one-liners.

Each change is recorded once as an operation (``ctx.apply``; see ``warroom.drill.cluster``), so
the cluster view and the simulator see the same change from the moment it happens. The drill
keeps no manifests, only that an object was made or removed, which is all the runbooks' follow-up
commands look at.
"""

from __future__ import annotations

import base64
import json
import shlex
import sys
from pathlib import Path

from warroom.drill import fleet
from warroom.drill.activity import iso
from warroom.drill.cluster import Deployment, undo_target
from warroom.drill.standins.base import Args, Context, go_duration, table
from warroom.drill.standins.kubectl import (
    KINDS, Fail, Verb, api_name, deployment_target, need_deployment, not_found, split_target, target_pods,
)
from warroom.drill.standins.kubeobj import NODES, Pod, all_pods

# ------------------------------------------------------------------------------ rollout


def cmd_rollout(ctx: Context, args: Args, ns: str) -> int:
    if not args.pos:
        raise Fail("error: required subcommand: history, pause, restart, resume, status, undo\n"
                   "See 'kubectl rollout -h' for help and examples")
    action = args.pos[0]
    if action not in ("status", "history", "undo", "restart", "pause", "resume"):
        raise Fail(f'error: unknown command "{action}" for "kubectl rollout"\nSee \'kubectl rollout -h\' for help')
    dep = need_deployment(ctx, deployment_target(Args(args.pos[1:]), "rollout"), ns)
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
        ctx.out(f"deployment.apps/{dep.name} rolled back")
        return 0
    if action == "restart":
        ctx.apply("rollout_restart", deployment=dep.name, restarted_at=iso(ctx.at))
    ctx.out(f"deployment.apps/{dep.name} {dict(restart='restarted', pause='paused', resume='resumed')[action]}")
    return 0


def rollout_history(ctx: Context, args: Args, dep: Deployment) -> int:
    rev = args.text("revision")
    if not rev:
        ctx.out(f"deployment.apps/{dep.name} ")
        ctx.out(table(["REVISION", "CHANGE-CAUSE"], [[r.number, r.cause] for r in dep.history], gap=2))
        ctx.out("")
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
        waiting = f'Waiting for deployment "{dep.name}" rollout to finish: '
        if updated < dep.replicas:
            msg = f"{waiting}{updated} out of {dep.replicas} new replicas have been updated..."
        elif ready < dep.replicas:
            msg = f"{waiting}{ready} of {dep.replicas} updated replicas are available..."
        else:
            msg = f"{waiting}1 old replicas are pending termination..."
        if msg not in printed:
            ctx.out(msg)
            ctx.stdout.flush()
            printed.add(msg)
        if args.get("watch") is False:
            return 0
        if deadline is not None and ctx.at >= deadline:
            ctx.err("error: timed out waiting for the condition")
            return 1
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
    dep = need_deployment(ctx, deployment_target(Args(targets), "set"), ns)
    if what == "env":
        return set_env(ctx, args, dep, assignments, ns)
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
    kind, name = split_target(args, "scale")
    if kind != "deployments" or not name:
        if name:
            raise not_found(kind, name)
        raise Fail("error: resource(s) were provided, but no name was specified")
    dep = need_deployment(ctx, name, ns)
    ctx.apply("scale", deployment=dep.name, replicas=int(str(replicas)))
    ctx.out(f"deployment.apps/{dep.name} scaled")
    return 0


def cmd_autoscale(ctx: Context, args: Args, ns: str) -> int:
    name = deployment_target(args, "autoscale")
    need_deployment(ctx, name, ns)
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
    import yaml

    for f in files:
        if f == "-":
            text = sys.stdin.read()
        elif not Path(f).exists():
            raise Fail(f'error: the path "{f}" does not exist')
        else:
            text = Path(f).read_text(errors="replace")
        try:
            docs = [d for d in yaml.safe_load_all(text) if d]
        except yaml.YAMLError as exc:
            raise Fail(f"error: error parsing {f}: error converting YAML to JSON: {exc}") from None
        for d in docs:
            if not isinstance(d, dict) or "kind" not in d or not (d.get("metadata") or {}).get("name"):
                raise Fail(f"error: error validating \"{f}\": error validating data: [apiVersion not set, "
                           "kind not set]; if you choose to ignore these errors, turn validation off with "
                           "--validate=false")
            kind, name = str(d["kind"]), str(d["metadata"]["name"])
            api = {"Deployment": "deployment.apps"}.get(kind, kind.lower())
            exists = f"{kind.lower()}/{name}" in ctx.cluster.extra or (
                kind == "Deployment" and name in ctx.cluster.deployments) or (
                kind == "ConfigMap" and name in ctx.cluster.configmaps)
            if not args.get("dry_run"):
                ctx.apply("create", kind=kind.lower(), name=name, namespace=ns)
            ctx.out(f"{api}/{name} {'configured' if exists else 'created'}" + " (dry run)" * bool(args.get("dry_run")))
    return 0


def cmd_create(ctx: Context, args: Args, ns: str) -> int:
    if not args.pos:
        raise Fail("error: must specify one of -f and -k")
    what = args.pos[0]
    if what != "secret":
        raise Fail(f'error: drill: `kubectl create {what}` is not simulated (create secret is)')
    if len(args.pos) < 3 or args.pos[1] not in ("generic", "tls", "docker-registry"):
        raise Fail("error: NAME is required")
    name = args.pos[2]
    literals = args.all("from_literal")
    if args.get("dry_run"):
        import yaml

        data = {k: base64.b64encode(v.encode()).decode() for k, _, v in (lit.partition("=") for lit in literals)}
        obj = {"apiVersion": "v1", "data": data, "kind": "Secret",
               "metadata": {"creationTimestamp": None, "name": name, "namespace": ns}}
        fmt = args.get("output")
        ctx.stdout.write(yaml.safe_dump(obj, sort_keys=True) if fmt == "yaml" else json.dumps(obj, indent=4) + "\n"
                         if fmt == "json" else f"secret/{name} created (dry run)\n")
        return 0
    if name in ctx.cluster.secrets:
        raise Fail(f'error: failed to create secret secrets "{name}" already exists')
    ctx.apply("create", kind="secret", name=name, keys=[lit.split("=", 1)[0] for lit in literals], namespace=ns)
    ctx.out(f"secret/{name} created")
    return 0


def cmd_delete(ctx: Context, args: Args, ns: str) -> int:
    kind, name = split_target(args, "delete")
    if not name:
        raise Fail('error: resource(s) were provided, but no name was specified')
    present = ((kind == "secrets" and name in ctx.cluster.secrets)
               or (kind == "deployments" and name in ctx.cluster.deployments)
               or (kind == "pods" and any(p.name == name for p in all_pods(ctx, ns)))
               or f"{kind.rstrip('s')}/{name}" in ctx.cluster.extra or f"{kind}/{name}" in ctx.cluster.extra)
    if not present:
        if args.get("ignore_not_found"):
            return 0
        raise not_found(kind, name)
    if kind != "pods":          # a deleted pod is replaced by its deployment: nothing changes
        ctx.apply("delete", kind={"secrets": "secret", "deployments": "deployment"}.get(kind, kind.rstrip("s")),
                  name=name, namespace=ns)
    ctx.out(f'{api_name(kind).split(".")[0]} "{name}" deleted')
    return 0


def cmd_patch(ctx: Context, args: Args, ns: str) -> int:
    kind, name = split_target(args, "patch")
    patch = args.get("patch")
    if not name:
        raise Fail("error: resource(s) were provided, but no name was specified")
    if patch is None:
        raise Fail("error: must specify --patch or --patch-file containing the contents of the patch")
    try:
        body = json.loads(str(patch))
    except ValueError:
        import yaml

        try:
            body = yaml.safe_load(str(patch))
        except yaml.YAMLError as exc:
            raise Fail(f'error: unable to parse "{patch}": yaml: {exc}') from None
    objects = {"deployments": ctx.cluster.deployments, "hpa": ctx.cluster.hpa, "configmaps": ctx.cluster.configmaps}
    if name not in objects.get(kind, {}):
        raise not_found(kind, name)
    ctx.apply("patch", kind=kind, name=name, patch=body)
    ctx.out(f"{api_name(kind)}/{name} patched")
    return 0


# ------------------------------------------------------------------------------ nodes, exec, one-liners


def cmd_node(ctx: Context, args: Args, verb: str) -> int:
    """cordon/uncordon/drain: recorded so ``get nodes`` shows SchedulingDisabled."""
    if not args.pos:
        raise Fail(f"error: USAGE: {verb} NODE [flags]")
    node = args.pos[0].split("/", 1)[-1]
    if node not in NODES:
        raise not_found("nodes", node)
    ctx.record("node_uncordon" if verb == "uncordon" else "node_cordon", node=node)
    if verb != "drain":
        ctx.out(f"node/{node} {verb}ed")
        return 0
    ctx.out(f"node/{node} cordoned")
    evicted = [p for p in all_pods(ctx, None) if p.node == node]
    for p in evicted:
        ctx.out(f"evicting pod {p.namespace}/{p.name}")
    for p in evicted:
        ctx.out(f"pod/{p.name} evicted")
    ctx.out(f"node/{node} drained")
    return 0


def cmd_exec(ctx: Context, args: Args, ns: str) -> int:
    if not args.pos:
        raise Fail("error: pod, type/name or --filename must be specified")
    target = args.pos[0]
    command = args.rest or args.pos[1:]
    if not command:
        raise Fail("error: you must specify at least one command for the container")
    pod = target_pods(
        ctx, target, ns, wrong_kind="error: cannot attach to *v1.{kind}: selector for *v1.{kind} not implemented",
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

    try:
        result = ctx.drill.simulator.evaluate(argv[3], ctx.t)
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


def not_simulated(ctx: Context, args: Args, sub: str) -> int:
    if sub == "version":
        ctx.out("Client Version: v1.28.9\nKustomize Version: v5.0.4-0.20230601165947-6ce0bf390ce3\n"
                "Server Version: v1.28.9")
        return 0
    ctx.err(f"error: drill: `kubectl {sub}` is not simulated in the drill (it answers get, describe pods/nodes, "
            "logs, top, rollout, set, scale, autoscale, exec, apply, create secret, delete, patch, cordon, drain)")
    return 1


VERBS: dict[str, Verb] = {
    "rollout": cmd_rollout, "set": cmd_set, "scale": cmd_scale, "exec": cmd_exec, "apply": cmd_apply,
    "create": cmd_create, "delete": cmd_delete, "patch": cmd_patch, "autoscale": cmd_autoscale,
    **{v: (lambda v: lambda c, a, n: cmd_node(c, a, v))(v) for v in ("cordon", "uncordon", "drain")},
    **{s: (lambda s: lambda c, a, n: not_simulated(c, a, s))(s)
       for s in ("config", "version", "cluster-info", "auth", "annotate", "label", "edit", "port-forward", "explain",
                 "api-resources", "wait")},
}
