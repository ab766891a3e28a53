"""Checks a responder runs against one task or the audit pipeline: ``verify contract``,
``security scan``, ``audit status``.

They answer from the drill's history (which schema the image ships, when redaction was off, when
the audit sink stalled), so a check tells the truth about the scenario.
"""

from __future__ import annotations

from warroom.drill import fleet
from warroom.drill.activity import Flow
from warroom.drill.standins.base import Context
from warroom.drill.standins.blocks.options import Failed, parse_opts


def task(ctx: Context, task_id: str) -> Flow:
    """The flow ``--task-id`` names, or the error both checks give for an unknown (or missing) id."""
    flow = ctx.activity.find(task_id, ctx.t) if task_id else None
    if flow is None:
        raise Failed(f"task '{task_id}' not found")
    return flow


def verify_contract(ctx: Context, argv: list[str]) -> int:
    _, opts = parse_opts(argv, {"--verbose"}, {"--task-id"})
    task_id = str(opts.get("--task-id") or "")
    task(ctx, task_id)                       # an unknown task fails before the contract is checked
    schema = ctx.cluster.schema_version()
    if schema != fleet.SCHEMA_VERSION:
        if opts.get("--verbose"):
            ctx.out(f"TaskObject {task_id}: schema_version {schema}")
            ctx.out("block contract impl/v3 accepts: 20251104_001")
        raise Failed(f"contract violation: TaskObject schema_version {schema} is not accepted by block impl/v3 "
                     f"(expects {fleet.SCHEMA_VERSION})")
    ctx.out(f"✓ {task_id}: TaskObject valid against schema {schema}; contract impl/v3 satisfied")
    return 0


def security_scan(ctx: Context, argv: list[str]) -> int:
    _, opts = parse_opts(argv, set(), {"--task-id"})
    task_id = str(opts.get("--task-id") or "")
    flow = task(ctx, task_id)
    redaction_off_since = None
    for rev in ctx.cluster.flowengine.history:
        if rev.env.get("PII_REDACTION_ENABLED") == "false" and redaction_off_since is None:
            redaction_off_since = rev.at
        elif rev.env.get("PII_REDACTION_ENABLED") == "true":
            redaction_off_since = None
    ctx.out(f"Scanning context bundle ctx_{task_id}.json ({flow.context_kb:.0f}KB)...")
    if redaction_off_since is not None and flow.start >= redaction_off_since:
        ctx.out("  finding: email address (line 14)\n  finding: email address (line 61)\n  finding: US SSN (line 88)")
        raise Failed(f"3 PII findings in ctx_{task_id}.json; redaction was off when it was built")
    ctx.out("✓ no PII findings")
    return 0


def audit_cmd(ctx: Context, argv: list[str], action: str) -> int:
    since = ctx.signals.audit_stalled_since(ctx.t)
    if since is None:
        ctx.out(f"audit pipeline: healthy (last event {ctx.signals.audit_gap(ctx.t):.0f}s ago)")
        return 0
    ctx.out(f"audit pipeline: STALLED for {ctx.t - since:.0f}s (audit-shipper not acknowledging writes)")
    return 1
