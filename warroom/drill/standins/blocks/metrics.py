"""``metrics query|latency|model-latency|compare``: counts and quantiles from the drill's series.

Windows reaching back before the simulated history are filled with the healthy estate's volume,
so "the last 24h" reads like a real day, not an empty one.
"""

from __future__ import annotations

from datetime import UTC, datetime

from warroom.drill import fleet
from warroom.drill.activity import unit
from warroom.drill.quantile import bucket_quantile
from warroom.drill.standins.base import Context, table
from warroom.drill.standins.blocks.options import Failed, Usage, parse_opts, span_label, window


def healthy_count(ctx: Context, repo: fleet.Repo, t1: float, t2: float, failures: bool) -> float:
    """Counts from before the simulated history: the healthy estate's volume (same noise)."""
    from warroom.drill.model import noise

    total = 0.0
    n = max(1, int((t2 - t1) // 60.0))
    for i in range(n):
        t = t1 + (i + 0.5) * (t2 - t1) / n
        rate = repo.rate * (1.0 + 0.12 * noise(f"{ctx.scenario}:exec:{repo.name}", t, 120.0))
        total += rate * (t2 - t1) / n * (fleet.BASE_FAILURE if failures else 1.0)
    return total


def count(ctx: Context, metric: str, repo: fleet.Repo, t1: float, t2: float) -> float:
    key = ("fail" if "failures" in metric else "exec", repo.name)
    s = ctx.series
    inside_from = max(t1, s.t0)
    value = s.value(key, t2) - s.value(key, inside_from) if t2 > s.t0 else 0.0
    if t1 < s.t0:
        value += healthy_count(ctx, repo, t1, min(t2, s.t0), "failures" in metric)
    return value


def metrics_query(ctx: Context, argv: list[str]) -> int:
    _, opts = parse_opts(argv, set(), {"--metric", "--last", "--group-by", "--sort", "--repo"})
    metric = str(opts.get("--metric") or "")
    known = ("flow_failures_total", "flow_executions_total", "flow_cost_dollars_total")
    if metric not in known:
        raise Failed(f"unknown metric '{metric}'; available: {', '.join(known)}")
    span = window(ctx, opts)
    group = str(opts.get("--group-by") or "repo")
    t1, t2 = ctx.t - span, ctx.t
    cost = metric == "flow_cost_dollars_total"
    source = "flow_executions_total" if cost else metric
    per_flow = {r.name: 0.08 + 0.1 * unit(r.name, "cost") for r in fleet.REPOS}
    if group == "repo":
        rows = []
        for r in fleet.REPOS:
            v = count(ctx, source, r, t1, t2) * (per_flow[r.name] * (1 + ctx.signals.context_kb(t2) / 600) if cost else 1)
            rows.append((r.name, v))
        if opts.get("--sort", "desc") == "desc":
            rows.sort(key=lambda x: -x[1])
        else:
            rows.sort(key=lambda x: x[1])
        noun = {"flow_failures_total": "failures", "flow_executions_total": "executions"}.get(metric, "")
        for name, v in rows:
            ctx.out(f"{name}: ${v:,.2f}" if cost else f"{name}: {int(round(v))} {noun}")
        total = sum(v for _, v in rows)
        ctx.out("")
        if cost:
            ctx.out(f"Total cost (last {span_label(span)}): ${total:,.2f}")
        else:
            affected = sum(1 for _, v in rows if round(v) >= 1 and (metric != "flow_failures_total" or
                                                                  round(v) >= 2))
            if metric == "flow_failures_total":
                ctx.out(f"Total affected repos: {affected}")
            ctx.out(f"Total {noun}: {int(round(total))} (last {span_label(span)})")
        return 0
    if group == "hour":
        hours = max(1, int(round(span / 3600)))
        rows = []
        for h in range(hours - 1, -1, -1):
            w1, w2 = ctx.t - (h + 1) * 3600, ctx.t - h * 3600
            v = sum(count(ctx, source, r, w1, w2) for r in fleet.REPOS)
            label = datetime.fromtimestamp(ctx.wall(w1), UTC).strftime("%Y-%m-%d %H:%M")
            rows.append([label, int(round(v)) if not cost else f"${v * 0.13:,.2f}"])
        ctx.out(table(["HOUR FROM (UTC)", "COST" if cost else "COUNT"], rows, gap=2))
        return 0
    raise Failed(f"cannot group {metric} by '{group}'; use repo or hour")


def latency(ctx: Context, argv: list[str]) -> int:
    _, opts = parse_opts(argv, set(), {"--last"})
    span = window(ctx, opts)
    s = ctx.series
    t1 = max(ctx.t - span, s.t0)
    from warroom.drill.series import BOUNDS, BUCKET_LABELS

    counts = [s.value(("bucket", b), ctx.t) - s.value(("bucket", b), t1) for b in BUCKET_LABELS]
    buckets = list(zip(BOUNDS, counts, strict=True))
    ctx.out(f"Flow latency, last {span_label(ctx.t - t1 if span > 0 else span)} ({int(counts[-1])} flows)")
    for q in (0.5, 0.9, 0.95, 0.99):
        v = bucket_quantile(q, buckets)
        label = f"P{int(q * 100)}"
        if v is None:
            ctx.out(f"{label}: n/a")
            continue
        mark = "  ⚠️  (exceeds 120s target)" if q == 0.95 and v > 120 else ""
        ctx.out(f"{label}: {v:.0f}s{mark}")
    return 0


def model_latency(ctx: Context, argv: list[str]) -> int:
    _, opts = parse_opts(argv, set(), {"--last"})
    span = window(ctx, opts)
    sig = ctx.signals
    base = sig.latency_median(ctx.t) * 0.42
    rows = []
    for p in fleet.PROVIDERS:
        slow = 1.0 + 4.0 * sig.share_5xx(p, ctx.t)
        factor = {"anthropic": 1.0, "openai": 0.78, "google": 0.6}[p.name] * slow
        rows.append([f"{p.model} ({p.name})", f"{base * factor:.1f}s", f"{base * factor * 1.8:.1f}s",
                     f"{sig.share_5xx(p, ctx.t) * 100:.1f}%"])
    ctx.out(f"Model API latency, last {span_label(span)}")
    ctx.out(table(["MODEL", "P50", "P95", "5XX"], rows, gap=2))
    return 0


def metrics_compare(ctx: Context, argv: list[str]) -> int:
    _, opts = parse_opts(argv, set(), {"--baseline", "--canary", "--duration"})
    base, canary = opts.get("--baseline"), opts.get("--canary")
    if not base or not canary:
        raise Usage("Missing option '--baseline' / '--canary'.", "blocks metrics compare [OPTIONS]")
    if f"deployment/{canary}" not in ctx.cluster.extra and canary not in ctx.cluster.deployments:
        raise Failed(f"no metrics for '{canary}': deployment not found")
    fr = ctx.series.pane("failure_rate", ctx.t) or 0.0
    p95 = ctx.series.pane("p95_latency", ctx.t) or 0.0
    ctx.out(table(["METRIC", str(base), str(canary), "VERDICT"],
                  [["failure rate", f"{fr:.2f}%", f"{fr * 0.9:.2f}%", "ok"],
                   ["p95 latency", f"{p95:.0f}s", f"{p95 * 0.97:.0f}s", "ok"]], gap=2))
    return 0
