"""``kubectl`` for drills: get/describe/logs/top (``read``), rollout/set/scale/apply/create/delete/
patch/exec and the node and config verbs (``change``).

Output shapes, messages and exit codes follow kubectl 1.28; changes are recorded as operations
(see ``warroom.drill.cluster``) and so reach both the cluster view and the simulator. This module
holds what every verb shares: the flag table, the resource kinds and their API names, and the
lookups with kubectl's own NotFound wording, so a message fixed once is fixed for every verb.
"""

from __future__ import annotations

from collections.abc import Callable

from warroom.drill import fleet
from warroom.drill.cluster import Deployment
from warroom.drill.standins.base import Args, Context, OptionError, flags, parse_args
from warroom.drill.standins.kubeobj import Pod, all_pods, deployment_pods

FLAGS = flags(
    "n|namespace= o|output= l|selector= c|container= context= kubeconfig= sort-by= field-selector= tail= since= "
    "since-time= timeout= replicas= to-revision= revision= p|patch= type= f|filename=* from-literal=* from= min= "
    "max= cpu-percent= grace-period= e|env=* limits= requests= request-timeout= current-replicas= image= "
    "cluster= user= field-manager= dry-run? A|all-namespaces w|watch i|stdin t|tty timestamps overwrite "
    "ignore-daemonsets delete-emptydir-data force record no-headers show-labels all list local q|quiet previous "
    "follow wait ignore-not-found all-containers prefix")
LOGS_FLAGS = {**FLAGS, **flags("f:follow p:previous")}      # for ``logs`` -f follows and -p is --previous

# canonical kind -> (other names kubectl accepts, API singular, API plural)
KIND_TABLE = {
    "pods": ("po pod", "pod", "pods"),
    "deployments": ("deploy deployment deployment.apps deployments.apps", "deployment.apps", "deployments.apps"),
    "events": ("ev event", "event", "events"),
    "nodes": ("no node", "node", "nodes"),
    "hpa": ("horizontalpodautoscaler horizontalpodautoscalers", "horizontalpodautoscaler.autoscaling",
            "horizontalpodautoscalers.autoscaling"),
    "replicasets": ("rs replicaset", "replicaset.apps", "replicasets.apps"),
    "services": ("svc service", "service", "services"),
    "configmaps": ("cm configmap", "configmap", "configmaps"),
    "secrets": ("secret", "secret", "secrets"),
    "namespaces": ("ns namespace", "namespace", "namespaces"),
    "networkpolicies": ("netpol networkpolicy", "networkpolicy.networking.k8s.io",
                        "networkpolicies.networking.k8s.io"),
    "statefulsets": ("sts statefulset", "statefulset.apps", "statefulsets.apps"),
    "persistentvolumeclaims": ("pvc persistentvolumeclaim", "persistentvolumeclaim", "persistentvolumeclaims"),
}
KINDS = {alias: kind for kind, (aliases, _, _) in KIND_TABLE.items() for alias in (kind, *aliases.split())}


class Fail(Exception):
    """A kubectl error: printed to stderr, exit code 1 (or ``code``)."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


Verb = Callable[[Context, Args, str], int]


def run(ctx: Context, argv: list[str]) -> int:
    """Find the verb (global flags may come before it, ``kubectl -n x get pods``), parse, answer."""
    from warroom.drill.standins.kubectl import change, read

    verbs: dict[str, Verb] = {**read.VERBS, **change.VERBS}
    if not argv or argv[0] in ("-h", "--help", "help"):
        ctx.out(USAGE)
        return 0
    sub, rest = argv[0], argv[1:]
    if sub.startswith("-"):
        first = next((i for i, a in enumerate(argv) if a in verbs), None)
        if first is None:
            ctx.err('error: unknown command for "kubectl"\nRun \'kubectl --help\' for usage.')
            return 1
        sub, rest = argv[first], argv[:first] + argv[first + 1:]
    verb = verbs.get(sub)
    if verb is None:
        close = [c for c in verbs if c.startswith(sub[:2])]
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
        return exc.code


# ------------------------------------------------------------------------------ lookups every verb shares


def split_target(args: Args, sub: str) -> tuple[str, str | None]:
    """``TYPE NAME`` / ``TYPE/NAME`` / ``TYPE`` -> (canonical kind, name)."""
    if not args.pos:
        raise Fail("error: you must specify the type of resource to get. Use \"kubectl api-resources\" for a "
                   "complete list of supported resources." if sub == "get" else
                   f"error: required resource not specified\nSee 'kubectl {sub} --help' for usage.")
    kind, slash, name = args.pos[0].partition("/")
    canon = KINDS.get(kind.lower())
    if canon is None:
        raise Fail(f'error: the server doesn\'t have a resource type "{kind}"')
    return canon, (name if slash else args.pos[1] if len(args.pos) > 1 else None)


def api_name(kind: str, plural: bool = False) -> str:
    names = KIND_TABLE.get(kind, ("", kind, kind))
    return names[2] if plural else names[1]


def not_found(kind: str, name: str) -> Fail:
    return Fail(f'Error from server (NotFound): {api_name(kind, plural=True)} "{name}" not found')


def need_deployment(ctx: Context, name: str | None, ns: str) -> Deployment:
    if not name:
        raise Fail("error: required resource not specified")
    dep = ctx.cluster.deployment(name, ns)
    if dep is None:
        raise not_found("deployments", name)
    return dep


def deployment_target(args: Args, sub: str) -> str:
    kind, name = split_target(args, sub)
    if kind != "deployments":
        raise Fail(f'error: no {sub} handler for resource type "{kind}" in the drill cluster')
    if not name:
        raise Fail("error: required resource not specified")
    return name


def match_selector(labels: dict[str, str], selector: object) -> bool:
    """Equality-based label selectors: ``a=b``, ``a==b``, ``a!=b``, ``a``, ``!a``, comma-joined."""
    for part in str(selector or "").split(","):
        part = part.strip()
        if not part:
            continue
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


def target_pods(ctx: Context, target: str, ns: str, *, wrong_kind: str, none_running: str, missing: str) -> list[Pod]:
    """The pods ``logs``/``exec`` act on: ``POD``/``pod/POD``, or the running pods of ``deployment/NAME``.

    The three messages are the verb's own kubectl wording for a kind it cannot resolve, a
    deployment with no running pod, and a pod that does not exist (``{kind}``/``{name}`` filled in).
    """
    kind, slash, name = target.partition("/")
    if not slash or kind == "pod":
        pods = [p for p in all_pods(ctx, ns) if p.name == (name if slash else target)][:1]
        if not pods:
            raise Fail(missing.format(name=name if slash else target, ns=ns))
        return pods
    if KINDS.get(kind) != "deployments":
        raise Fail(wrong_kind.format(kind=kind))
    pods = [p for p in deployment_pods(ctx, need_deployment(ctx, name, ns)) if p.status == "Running"]
    if not pods:
        raise Fail(none_running.format(name=name))
    return pods


USAGE = """kubectl controls the Kubernetes cluster manager (the drill's cluster; nothing real is touched).

Commands the drill answers:
  get, describe (pods, nodes), logs, top, rollout (status, history, undo, restart), set (env, image),
  scale, autoscale, exec, apply, create secret, delete, patch, cordon, uncordon, drain, version

Usage:
  kubectl [flags] [options]"""
