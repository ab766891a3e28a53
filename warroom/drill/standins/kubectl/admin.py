"""Cluster-level verbs with no workload behind them: cordon/uncordon/drain, ``config``, ``version``
and the other one-liners.

Cordons are recorded so ``get nodes`` shows them; the rest only needs to answer believably.
"""

from __future__ import annotations

from warroom.drill import fleet
from warroom.drill.standins.base import Context, table
from warroom.drill.standins.kubectl.flags import Args, Fail
from warroom.drill.standins.kubectl.resources import API_NAME, not_found, split_target
from warroom.drill.standins.kubeobj import NODES, all_pods


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
