"""Verbs that change a deployment's spec in place: ``set env|image|resources``, ``scale``, ``autoscale``.

Each records one operation (see ``warroom.drill.cluster``) so the cluster view and the simulator see
the same change.
"""

from __future__ import annotations

from warroom.drill.standins.base import Context
from warroom.drill.standins.kubectl.flags import Args, Fail
from warroom.drill.standins.kubectl.resources import KINDS, deployment_target, need_deployment, not_found, split_target


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


def cmd_autoscale(ctx: Context, args: Args, ns: str) -> int:
    name = deployment_target(args, "autoscale")
    need_deployment(ctx, name, ns)
    if name in ctx.cluster.hpa:
        raise Fail(f'Error from server (AlreadyExists): horizontalpodautoscalers.autoscaling "{name}" already exists')
    ctx.apply("patch", kind="hpa", name=name, patch={"spec": {"minReplicas": int(args.get("min", 1)),
                                                             "maxReplicas": int(args.get("max", 1))}})
    ctx.out(f"horizontalpodautoscaler.autoscaling/{name} autoscaled")
    return 0
