"""Verbs that create, delete or patch whole objects: ``apply``, ``create``, ``delete``, ``patch``.

The drill keeps no manifests, only that an object was made or removed (``cluster.extra``), which is
all the runbooks' follow-up commands look at.
"""

from __future__ import annotations

import base64
import json
import sys
from pathlib import Path

from warroom.drill.standins.base import Context
from warroom.drill.standins.kubectl.flags import Args, Fail
from warroom.drill.standins.kubectl.resources import API_NAME, KINDS, not_found, split_target
from warroom.drill.standins.kubeobj import all_pods


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
