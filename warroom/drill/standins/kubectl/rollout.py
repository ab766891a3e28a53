"""``kubectl rollout``: history, status (which waits on the drill clock), undo, restart.

Undo and restart are the mitigations most runbooks reach for; they are recorded as actions so the
simulator bends the curves from the moment they happen.
"""

from __future__ import annotations

from warroom.drill.activity import iso
from warroom.drill.cluster import Deployment, undo_target
from warroom.drill.standins.base import Context, go_duration, table
from warroom.drill.standins.kubectl.flags import Args, Fail
from warroom.drill.standins.kubectl.resources import deployment_target, need_deployment


def cmd_rollout(ctx: Context, args: Args, ns: str) -> int:
    if not args.pos:
        raise Fail("error: required subcommand: history, pause, restart, resume, status, undo\n"
                   "See 'kubectl rollout -h' for help and examples")
    action, rest = args.pos[0], args.pos[1:]
    sub_args = Args(rest, args.flags, args.rest)
    if action not in ("status", "history", "undo", "restart", "pause", "resume"):
        raise Fail(f'error: unknown command "{action}" for "kubectl rollout"\nSee \'kubectl rollout -h\' for help')
    name = deployment_target(sub_args, "rollout")
    dep = need_deployment(ctx, name, ns)
    if action == "history":
        rev = args.get("revision")
        if rev:
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
        ctx.out(f"deployment.apps/{dep.name} ")
        ctx.out(table(["REVISION", "CHANGE-CAUSE"], [[r.number, r.cause] for r in dep.history], gap=2))
        ctx.out("")
        return 0
    if action == "status":
        return rollout_status(ctx, args, dep)
    if action == "undo":
        target = undo_target(dep, args.get("to_revision"))
        if target is None:
            if args.get("to_revision"):
                raise Fail(f"error: unable to find specified revision {args.get('to_revision')} in history")
            raise Fail(f'error: no rollout history found for deployment "{dep.name}"')
        if args.get("dry_run"):
            ctx.out(f"deployment.apps/{dep.name} Pod Template:\n  Containers:\n   {dep.container}:\n"
                    f"    Image:\t{target.image} (dry run)")
            return 0
        ctx.apply("rollout_undo", deployment=dep.name, to_revision=args.get("to_revision"))
        ctx.out(f"deployment.apps/{dep.name} rolled back")
        return 0
    if action == "restart":
        ctx.apply("rollout_restart", deployment=dep.name, restarted_at=iso(ctx.at))
        ctx.out(f"deployment.apps/{dep.name} restarted")
        return 0
    ctx.out(f"deployment.apps/{dep.name} {'paused' if action == 'pause' else 'resumed'}")
    return 0


def rollout_status(ctx: Context, args: Args, dep: Deployment) -> int:
    timeout = go_duration(args.get("timeout", "0s")) or 0.0
    deadline = ctx.at + timeout if timeout else None
    printed: set[str] = set()
    while True:
        done_at = dep.rollout_done_at()
        if ctx.t >= done_at or dep.replicas == 0:
            ctx.out(f'deployment "{dep.name}" successfully rolled out')
            return 0
        updated, ready = dep.updated(ctx.t), dep.ready(ctx.t)
        if updated < dep.replicas:
            msg = (f'Waiting for deployment "{dep.name}" rollout to finish: {updated} out of {dep.replicas} '
                   "new replicas have been updated...")
        elif ready < dep.replicas:
            msg = (f'Waiting for deployment "{dep.name}" rollout to finish: {ready} of {dep.replicas} '
                   "updated replicas are available...")
        else:
            msg = f'Waiting for deployment "{dep.name}" rollout to finish: 1 old replicas are pending termination...'
        if msg not in printed:
            ctx.out(msg)
            ctx.stdout.flush()
            printed.add(msg)
        if args.get("watch") is False:
            return 0
        step_t = min(done_at, ctx.t + dep.rollout_seconds / max(1, dep.replicas))
        cap = 1.0 if deadline is None else max(0.0, min(1.0, deadline - ctx.at))
        if deadline is not None and ctx.at >= deadline:
            ctx.err("error: timed out waiting for the condition")
            return 1
        ctx.wait_until(step_t, cap=cap)
