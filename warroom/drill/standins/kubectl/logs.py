"""``kubectl logs``: the activity log lines of a pod, a deployment or a selector, and ``-f``.

Lines come from ``warroom.drill.activity`` so the errors a responder greps for match the curves.
"""

from __future__ import annotations

from warroom.drill import fleet
from warroom.drill.activity import iso
from warroom.drill.standins.base import Context, go_duration
from warroom.drill.standins.kubectl.flags import Args, Fail
from warroom.drill.standins.kubectl.resources import match_selector, no_resources, running_pods
from warroom.drill.standins.kubeobj import all_pods, deployment_pods


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
            pods = running_pods(
                ctx, kind, name, ns,
                wrong_kind=f"error: cannot get the logs from {kind}: selector for {kind} not implemented in the drill",
                none_running=f"error: timed out waiting for the condition (deployment {name} has no running pods)")
            if len(pods) > 1:
                ctx.err(f"Found {len(pods)} pods, using pod/{pods[0].name}")
            targets = [(pods[0].name, pods[0].deployment)]
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
