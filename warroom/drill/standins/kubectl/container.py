"""``kubectl exec``: the few programs a runbook runs inside a pod.

``curl`` and ``psql`` are the drill's own stand-ins run as if from inside the pod, and ``promtool``
is answered by the simulator's PromQL; anything else fails the way a missing binary does.
"""

from __future__ import annotations

import shlex
from pathlib import Path

from warroom.drill import fleet
from warroom.drill.activity import iso
from warroom.drill.standins.base import Context
from warroom.drill.standins.kubectl.flags import Args, Fail
from warroom.drill.standins.kubectl.resources import running_pods
from warroom.drill.standins.kubeobj import Pod, all_pods


def cmd_exec(ctx: Context, args: Args, ns: str) -> int:
    if not args.pos:
        raise Fail("error: pod, type/name or --filename must be specified")
    target = args.pos[0]
    command = args.rest or args.pos[1:]
    if not command:
        raise Fail("error: you must specify at least one command for the container")
    if "/" in target and not target.startswith("pod/"):
        kind, _, name = target.partition("/")
        pod = running_pods(
            ctx, kind, name, ns,
            wrong_kind=f'error: cannot attach to *v1.{kind}: selector for *v1.{kind} not implemented',
            none_running=f"error: cannot exec into a container in a completed pod; current phase is Pending "
                         f"(deployment {name} has no running pods)")[0]
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
