"""``kubectl top`` and the CPU figure the HPA line shares with it.

Usage follows the simulated latency (a slow service burns CPU), with a little seeded noise so two
calls a minute apart do not print the same number.
"""

from __future__ import annotations

from warroom.drill import fleet
from warroom.drill.standins.base import Context, table
from warroom.drill.standins.kubectl.flags import Args, Fail
from warroom.drill.standins.kubectl.resources import KINDS, match_selector, no_resources
from warroom.drill.standins.kubeobj import NODES, all_pods


def cpu_percent(ctx: Context) -> float:
    sig = ctx.signals
    base = 46.0 + 30.0 * max(0.0, sig.latency_median(ctx.t) / fleet.LATENCY_MEDIAN - 1.0)
    return min(97.0, base * (1.0 + 0.05 * _wiggle(ctx)))


def _wiggle(ctx: Context) -> float:
    from warroom.drill.model import noise

    return noise(f"{ctx.scenario}:cpu", ctx.t, 60.0)


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
