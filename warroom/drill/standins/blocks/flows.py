"""Running flows: ``flow retry`` and ``test-flow``, and whether a retry would succeed right now.

The outcome follows the drill: quota, 5xx, a bad image or a huge context each fail a retry the way
they fail real flows, so a responder learns whether the mitigation took.
"""

from __future__ import annotations

from warroom.drill import fleet
from warroom.drill.activity import Flow, unit
from warroom.drill.cluster import short_hash
from warroom.drill.standins.base import Context
from warroom.drill.standins.blocks.options import Failed, Usage, parse_opts


def flow_retry(ctx: Context, argv: list[str]) -> int:
    pos, opts = parse_opts(argv, {"--enable-pruning", "--dry-run"},
                           {"--max-context-size", "--model", "--max-attempts"})
    if not pos:
        raise Usage("Missing argument 'TASK_ID'.", "blocks flow retry [OPTIONS] TASK_ID")
    task_id = pos[0]
    flow = ctx.activity.find(task_id, ctx.t)
    if flow is None:
        raise Failed(f"task '{task_id}' not found (tasks older than 2h are archived; list recent failures with "
                     "psql)")
    if flow.status == "running":
        raise Failed(f"task {task_id} is still running; cancel it before retrying")
    pruning = bool(opts.get("--enable-pruning")) or ctx.cluster.env().get("CONTEXT_PRUNING_ENABLED") == "true"
    model = str(opts.get("--model") or flow.model)
    ctx.out(f"Retrying {task_id} ({flow.flow_type} flow, repo {flow.repo}, model {model})")
    if pruning:
        ctx.out(f"  context pruning: {flow.context_kb:.0f}KB -> {min(flow.context_kb, 176):.0f}KB")
    ok, why, seconds = retry_outcome(ctx, flow, pruning, model)
    kind = "retry_pruned" if opts.get("--enable-pruning") else "retry"
    ctx.pause(seconds, cap=6.0)
    ctx.record(kind, task_id=task_id, ok=ok, model=model)
    if ok:
        ctx.out(f"  attempt 1/{opts.get('--max-attempts') or 3}: succeeded in {seconds:.1f}s")
        ctx.out(f"✓ {task_id} succeeded (quality gates 5/5 passed)")
        return 0
    ctx.out(f"  attempt 1/{opts.get('--max-attempts') or 3}: {why}")
    raise Failed(f"retry of {task_id} failed: {why}")


def retry_outcome(ctx: Context, flow: Flow, pruning: bool, model: str) -> tuple[bool, str, float]:
    """Would a retry succeed right now? (ok, reason, seconds it takes)."""
    sig = ctx.signals
    t = ctx.t
    anthropic = fleet.PROVIDERS[0]
    median = sig.latency_median(t)
    seconds = median * (0.8 + 0.4 * unit(flow.task_id, "retry"))
    if not ctx.cluster.flowengine.replicas:
        return False, "no FlowEngine replicas are running (deployment scaled to 0)", 1.0
    uses_claude = "claude" in model
    if uses_claude and sig.quota(anthropic, t) >= 0.85 and not sig.effective("circuit_breaker"):
        return False, (f"rate limit exceeded: anthropic 429 Too Many Requests (quota "
                       f"{sig.quota(anthropic, t) * 100:.0f}% used)"), 3.0
    if uses_claude and sig.share_5xx(anthropic, t) > 0.2:
        return False, "model API 5xx: anthropic 503 Service Unavailable (overloaded_error)", 8.0
    bad = ctx.cluster.bad_image()
    if bad and ctx.cluster.flowengine.current.image == bad and flow.repo != fleet.PILOT_REPO:
        return False, (f"validation failed: TaskObject schema_version {ctx.cluster.schema_version()} rejected by "
                       "block contract impl/v3"), 4.0
    if pruning:
        seconds = min(seconds, 40 + 18 * unit(flow.task_id, "p"))
    elif "gpt-4" in model:
        seconds *= 0.7
    elif flow.context_kb > 500 and seconds > 100:
        return False, f"timeout exceeded: flow killed at 180s (context_size_kb={flow.context_kb:.0f})", 180.0
    return True, "", seconds


def test_flow(ctx: Context, argv: list[str]) -> int:
    _, opts = parse_opts(argv, {"--dry-run", "--verbose"}, {"--model", "--input", "--repo", "--config", "--output"})
    repo = str(opts.get("--repo") or fleet.PILOT_REPO)
    if repo not in {r.name for r in fleet.REPOS}:
        raise Failed(f"repository '{repo}' is not onboarded (see repos.allowlist)")
    if repo not in ctx.cluster.allowlist():
        raise Failed(f"repository '{repo}' is not on repos.allowlist; flows from it are refused")
    source = str(opts.get("--input") or "test_case.md")
    env = ctx.cluster.env()
    if opts.get("--dry-run"):
        if "pii" in source.lower():
            if env.get("PII_REDACTION_ENABLED") == "true":
                ctx.out(f"dry run: {source} -> context bundle 14KB")
                ctx.out("✓ PII redacted in context bundle: 2 email addresses, 1 SSN, 1 card number masked")
                return 0
            ctx.out(f"dry run: {source} -> context bundle 14KB")
            raise Failed("PII NOT redacted: 2 email addresses, 1 SSN, 1 card number present in the context bundle "
                         "(PII_REDACTION_ENABLED is not true)")
        ctx.out(f"dry run: {source} -> context bundle 12KB, plan would run on {env.get('PRIMARY_MODEL')}")
        return 0
    model_opt = str(opts.get("--model") or "auto")
    sig = ctx.signals
    anthropic = fleet.PROVIDERS[0]
    routed = env.get("FALLBACK_MODEL") or env.get("ARCHITECT_FALLBACK_MODEL")
    disabled = "anthropic" in env.get("DISABLE_PROVIDERS", "")
    model = model_opt if model_opt != "auto" else "claude-sonnet-4-5"
    via = ""
    if model_opt == "auto" and (disabled or (routed and sig.share_5xx(anthropic, ctx.t) > 0.03)):
        model, via = str(routed or "gpt-4-turbo"), " via fallback routing"
    fake = Flow(f"tsk_test{short_hash(ctx.at, n=4)}", repo, 0, "impl", ctx.t, 0.0, "succeeded", None, model,
                "openai" if "gpt" in model else "anthropic", 120.0, 1)
    ok, why, seconds = retry_outcome(ctx, fake, env.get("CONTEXT_PRUNING_ENABLED") == "true", model)
    ctx.out(f"Running test flow on {repo} ({source}), model {model_opt}...")
    ctx.pause(min(seconds, 60.0), cap=5.0)
    ctx.record("test_flow", repo=repo, ok=ok, model=model)
    if not ok:
        raise Failed(f"test flow failed: {why}")
    ctx.out(f"✓ flow succeeded in {seconds:.1f}s on {model}{via}; quality gates 5/5 passed")
    return 0
