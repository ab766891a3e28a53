"""``status flows`` and ``status update``: what is running now, and the public status page.

An update is recorded as an action, so the drill report lists when the customers were told.
"""

from __future__ import annotations

from warroom.drill.standins.base import Context
from warroom.drill.standins.blocks.options import Usage, parse_opts


def status_flows(ctx: Context, argv: list[str]) -> int:
    _, opts = parse_opts(argv, {"--active", "--failed"}, {"--last"})
    flows = ctx.activity.flows(ctx.t - 600, ctx.t, ctx.t)
    if not ctx.signals.running(ctx.t):
        active = []
    else:
        active = [f for f in flows if f.status == "running"]
    if opts.get("--failed"):
        failed = [f for f in flows if f.status == "failed"]
        ctx.out(f"{len(failed)} failed flows (last 10m)")
        return 0
    ctx.out(f"{len(active)} active flows")
    for f in active[:20]:
        ctx.out(f"  {f.task_id}  {f.flow_type:<6}  {f.repo:<20}  running {f.duration:.0f}s")
    return 0


def status_update(ctx: Context, argv: list[str]) -> int:
    _, opts = parse_opts(argv, set(), {"--status", "--message", "--component"})
    status = str(opts.get("--status") or "")
    if status not in ("operational", "degraded", "partial_outage", "major_outage", "maintenance"):
        raise Usage(f"Invalid value for '--status': '{status}' is not one of 'operational', 'degraded', "
                    "'partial_outage', 'major_outage', 'maintenance'.", "blocks status update [OPTIONS]")
    if not opts.get("--message"):
        raise Usage("Missing option '--message'.", "blocks status update [OPTIONS]")
    ctx.record("status_page", status=status, message=str(opts["--message"])[:300])
    ctx.out(f"✓ status page updated: {status}")
    return 0
