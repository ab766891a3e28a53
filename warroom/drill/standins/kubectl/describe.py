"""``kubectl describe`` for deployments, pods and nodes.

The deployment view is where responders check the environment and the last rollout, so it carries
the current revision's env and the deployment's events.
"""

from __future__ import annotations

from warroom.drill.activity import iso
from warroom.drill.cluster import Deployment
from warroom.drill.standins.base import Context, age
from warroom.drill.standins.kubectl.events import events
from warroom.drill.standins.kubectl.flags import Args
from warroom.drill.standins.kubectl.resources import (
    match_selector, need_deployment, no_resources, not_found, split_target,
)
from warroom.drill.standins.kubeobj import NODES, Pod, all_pods


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
