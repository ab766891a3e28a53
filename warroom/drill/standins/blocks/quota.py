"""``quota show`` and ``circuit-breaker``: the model quota and the switch that protects it.

The breaker's state is derived from the deployment's env history (when it was enabled, when the
pods with it became ready), the same facts the simulator bends the quota curve with.
"""

from __future__ import annotations

from datetime import UTC, datetime

from warroom.drill import fleet
from warroom.drill.standins.base import Context
from warroom.drill.standins.blocks.options import Failed, parse_opts


def quota_show(ctx: Context, argv: list[str]) -> int:
    _, opts = parse_opts(argv, {"--all", "--all-providers"}, {"--provider"})
    wanted = str(opts.get("--provider") or "")
    if wanted and wanted not in fleet.PROVIDER_NAMES:
        raise Failed(f"unknown provider '{wanted}'; known: {', '.join(fleet.PROVIDER_NAMES)}")
    d = datetime.fromtimestamp(ctx.at, UTC)
    reset = d.replace(hour=23, minute=59, second=59, microsecond=0)
    left = reset - d
    for i, p in enumerate(fleet.PROVIDERS):
        if wanted and p.name != wanted:
            continue
        if not wanted and not (opts.get("--all") or opts.get("--all-providers")) and i > 0:
            break
        used = ctx.signals.quota(p, ctx.t)
        mark = "⚠️" if used >= 0.8 else "✅"
        label = {"anthropic": "Anthropic (Claude)", "openai": "OpenAI (GPT-4)", "google": "Google (Gemini)"}[p.name]
        ctx.out(f"Provider: {label}")
        ctx.out(f"  Used: {int(used * p.daily_tokens):,} / {p.daily_tokens:,} tokens ({used * 100:.0f}%) {mark}")
        hours, rem = divmod(int(left.total_seconds()), 3600)
        ctx.out(f"  Resets: {reset:%Y-%m-%d %H:%M:%S} UTC ({hours}h {rem // 60:02d}m)")
        ctx.out("")
    return 0


def breaker_state(ctx: Context) -> tuple[str, str]:
    env = ctx.cluster.env()
    if env.get("ENABLE_CIRCUIT_BREAKER", "").lower() != "true":
        return "DISABLED", "ENABLE_CIRCUIT_BREAKER is not true on deployment/flowengine"
    fe = ctx.cluster.flowengine
    since = None
    for rev in fe.history:
        on = rev.env.get("ENABLE_CIRCUIT_BREAKER", "").lower() == "true"
        since = (rev.at if since is None else since) if on else None
    ready_at = (since if since is not None else fe.current.at) + fe.rollout_seconds
    threshold = env.get("CIRCUIT_BREAKER_THRESHOLD", "85")
    if ctx.t < ready_at:
        return "CLOSED", "rollout in progress; the breaker arms when the new pods are ready"
    # Armed, the breaker follows the quota it protects (the busiest provider): OPEN (pausing new
    # flows) only at or above its threshold, else HALF_OPEN, monitoring the quota.
    try:
        limit = float(threshold) / 100.0
    except ValueError:
        limit = 0.85

    def used(t: float) -> float:
        return max(ctx.signals.quota(p, t) for p in fleet.PROVIDERS)

    now = used(ctx.t)
    if now >= limit:
        return "OPEN", f"pausing new flows: quota {now * 100:.0f}% at or above the threshold {threshold}%"
    return "HALF_OPEN", "monitoring quota"


def breaker(ctx: Context, argv: list[str], action: str) -> int:
    if action == "status":
        state, why = breaker_state(ctx)
        q = max(ctx.signals.quota(p, ctx.t) for p in fleet.PROVIDERS)
        ctx.out(f"CircuitBreaker: {state} ({why})")
        ctx.out(f"  highest quota use: {q * 100:.0f}%")
        return 0
    value = "true" if action == "enable" else "false"
    ctx.apply("set_env", deployment=fleet.DEPLOYMENT, namespace=fleet.NAMESPACE,
              set={"ENABLE_CIRCUIT_BREAKER": value, "CIRCUIT_BREAKER_THRESHOLD": "85"}, unset=[])
    ctx.out(f"✓ circuit breaker {'enabled' if value == 'true' else 'disabled'} on deployment/{fleet.DEPLOYMENT} "
            "(pods restarting)")
    return 0
