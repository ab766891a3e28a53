"""``blocks``, the FlowEngine CLI, for drills: retries, metrics, quota, breaker, test flows, config.

A click-style command line (``Usage:``/``Error: No such command`` and exit code 2 for usage
errors, 1 for failures). Outcomes depend on the drill: retrying while the quota is exhausted
fails with a 429, a test flow succeeds on the fallback model once routing is on, and so on.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime

from warroom.drill import fleet
from warroom.drill.activity import Flow, unit
from warroom.drill.cluster import short_hash
from warroom.drill.series import bucket_quantile
from warroom.drill.standins.base import Context, table

VERSION = "blocks 2.4.1 (flowengine client)"


class Usage(Exception):
    def __init__(self, message: str, usage: str = "blocks [OPTIONS] COMMAND [ARGS]...", code: int = 2) -> None:
        super().__init__(message)
        self.usage = usage
        self.code = code


class Failed(Exception):
    """A command that ran and failed: message on stderr, exit 1."""


def parse_opts(argv: list[str], flags: set[str], values: set[str]) -> tuple[list[str], dict[str, str | bool]]:
    pos: list[str] = []
    opts: dict[str, str | bool] = {}
    i = 0
    while i < len(argv):
        a = argv[i]
        if a.startswith("--"):
            name, eq, value = a.partition("=")
            if name in flags or re.fullmatch(r"--last-\d+(min|m|h|d)", name):
                opts[name] = True
            elif name in values:
                if not eq:
                    i += 1
                    if i >= len(argv):
                        raise Usage(f"Option '{name}' requires an argument.")
                    value = argv[i]
                opts[name] = value
            else:
                raise Usage(f"No such option: {name}")
        else:
            pos.append(a)
        i += 1
    return pos, opts


def run(ctx: Context, argv: list[str]) -> int:
    if not argv or argv[0] in ("--help", "-h"):
        ctx.out(HELP)
        return 0
    if argv[0] == "--version":
        ctx.out(VERSION)
        return 0
    try:
        cmd = argv[0]
        if cmd in GROUPS:
            if len(argv) < 2 or argv[1] in ("--help", "-h"):
                ctx.out(f"Usage: blocks {cmd} [OPTIONS] COMMAND [ARGS]...\n\nCommands:\n"
                        + "\n".join(f"  {c}" for c in GROUPS[cmd]))
                return 0 if len(argv) >= 2 else 2
            sub = argv[1]
            handler = GROUPS[cmd].get(sub)
            if handler is None:
                raise Usage(f"No such command '{sub}'.", f"blocks {cmd} [OPTIONS] COMMAND [ARGS]...")
            ctx.pause(0.6)
            return handler(ctx, argv[2:])
        handler = COMMANDS.get(cmd)
        if handler is None:
            raise Usage(f"No such command '{cmd}'.")
        ctx.pause(0.6)
        return handler(ctx, argv[1:])
    except Usage as exc:
        words = exc.usage.split(" [")[0]
        ctx.err(f"Usage: {exc.usage}\nTry '{words} --help' for help.\n\nError: {exc}")
        return exc.code
    except Failed as exc:
        ctx.err(f"Error: {exc}")
        return 1


# ------------------------------------------------------------------------------ helpers


def window(ctx: Context, opts: dict[str, str | bool], default: float = 3600.0) -> float:
    """``--last 1h`` / ``--last-15min`` as scenario seconds (a wall duration, like the timestamps)."""
    text = opts.get("--last")
    for k in opts:
        m = re.fullmatch(r"--last-(\d+)(min|m|h|d)", k)
        if m:
            text = m.group(1) + m.group(2)
    if not text or text is True:
        return ctx.scenario_span(default)
    m = re.fullmatch(r"(\d+)\s*(s|sec|m|min|h|d)", str(text))
    if not m:
        raise Usage(f"Invalid value for '--last': '{text}' is not a duration like 15m, 1h or 24h.")
    secs = int(m.group(1)) * {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "d": 86400}[m.group(2)]
    return ctx.scenario_span(secs)


def span_label(seconds: float) -> str:
    return f"{seconds / 3600:g}h" if seconds >= 3600 else f"{seconds / 60:g}m"


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


# ------------------------------------------------------------------------------ flow


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


# ------------------------------------------------------------------------------ metrics


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
    from warroom.drill.series import BUCKET_LABELS, bucket_bounds

    counts = [s.value(("bucket", b), ctx.t) - s.value(("bucket", b), t1) for b in BUCKET_LABELS]
    buckets = list(zip(bucket_bounds(), counts, strict=True))
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
    fr = ctx.series.failure_rate(ctx.t) or 0.0
    p95 = ctx.series.p95_latency(ctx.t) or 0.0
    ctx.out(table(["METRIC", str(base), str(canary), "VERDICT"],
                  [["failure rate", f"{fr:.2f}%", f"{fr * 0.9:.2f}%", "ok"],
                   ["p95 latency", f"{p95:.0f}s", f"{p95 * 0.97:.0f}s", "ok"]], gap=2))
    return 0


# ------------------------------------------------------------------------------ quota / breaker / status


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
    if ctx.t < ready_at + 60:
        return "OPEN", f"pausing new flows (threshold {threshold}%)"
    return "HALF_OPEN", f"monitoring quota (threshold {threshold}%)"


def breaker(ctx: Context, argv: list[str], action: str) -> int:
    if action == "status":
        state, why = breaker_state(ctx)
        q = max(ctx.signals.quota(p, ctx.t) for p in fleet.PROVIDERS)
        ctx.out(f"CircuitBreaker: {state} ({why})" if state != "HALF_OPEN" else
                "CircuitBreaker: HALF_OPEN (monitoring quota)")
        ctx.out(f"  highest quota use: {q * 100:.0f}%")
        return 0
    value = "true" if action == "enable" else "false"
    ctx.apply("set_env", deployment=fleet.DEPLOYMENT, namespace=fleet.NAMESPACE,
              set={"ENABLE_CIRCUIT_BREAKER": value, "CIRCUIT_BREAKER_THRESHOLD": "85"}, unset=[])
    ctx.out(f"✓ circuit breaker {'enabled' if value == 'true' else 'disabled'} on deployment/{fleet.DEPLOYMENT} "
            "(pods restarting)")
    return 0


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


# ------------------------------------------------------------------------------ the rest


def notify(ctx: Context, argv: list[str]) -> int:
    pos, opts = parse_opts(argv, set(), {"--channel", "--message"})
    if not pos or pos[0] not in ("slack", "email", "pagerduty"):
        raise Usage("Missing argument 'TARGET' (slack, email or pagerduty).", "blocks notify [OPTIONS] TARGET")
    if not opts.get("--message"):
        raise Usage("Missing option '--message'.", "blocks notify [OPTIONS] TARGET")
    channel = str(opts.get("--channel") or "ops-alerts").lstrip("#")
    ctx.record("notify", channel=channel, message=str(opts["--message"])[:300])
    ctx.out(f"✓ posted to #{channel} ({pos[0]})")
    return 0


def incident_create(ctx: Context, argv: list[str]) -> int:
    _, opts = parse_opts(argv, set(), {"--severity", "--title", "--assignee"})
    if not opts.get("--title"):
        raise Usage("Missing option '--title'.", "blocks incident create [OPTIONS]")
    number = 48000 + int(unit(ctx.at, "inc") * 999)
    ctx.record("page", severity=str(opts.get("--severity") or "P2"), assignee=str(opts.get("--assignee") or ""))
    ctx.out(f"✓ created incident PD-{number} ({opts.get('--severity') or 'P2'}): {opts['--title']}")
    if opts.get("--assignee"):
        ctx.out(f"  paged {opts['--assignee']} (2 responders notified)")
    return 0


def verify_contract(ctx: Context, argv: list[str]) -> int:
    _, opts = parse_opts(argv, {"--verbose"}, {"--task-id"})
    task_id = str(opts.get("--task-id") or "")
    flow = ctx.activity.find(task_id, ctx.t) if task_id else None
    if flow is None:
        raise Failed(f"task '{task_id}' not found")
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
    flow = ctx.activity.find(task_id, ctx.t) if task_id else None
    if flow is None:
        raise Failed(f"task '{task_id}' not found")
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


def config_cmd(ctx: Context, argv: list[str], action: str) -> int:
    if action == "list":
        for k, v in sorted(ctx.cluster.config.items()):
            ctx.out(f"{k} = {v}")
        return 0
    if not argv:
        raise Usage("Missing argument 'KEY'.", f"blocks config {action} [OPTIONS] KEY" + (" VALUE" if action == "set"
                                                                                             else ""))
    key = argv[0]
    if action == "get":
        if key not in ctx.cluster.config:
            raise Failed(f"no such config key '{key}'")
        ctx.out(ctx.cluster.config[key])
        return 0
    if len(argv) < 2:
        raise Usage("Missing argument 'VALUE'.", "blocks config set [OPTIONS] KEY VALUE")
    value = argv[1]
    if key == "repos.allowlist":
        unknown = [r for r in value.split(",") if r and r not in {x.name for x in fleet.REPOS}]
        if unknown:
            raise Failed(f"unknown repositories in allowlist: {', '.join(unknown)}")
    elif not re.fullmatch(r"[a-z_]+(\.[a-z0-9_\-]+)+", key):
        raise Failed(f"no such config key '{key}'")
    ctx.apply("config_set", key=key, value=value)
    ctx.out(f"{key} = {value}")
    return 0


def audit_cmd(ctx: Context, argv: list[str], action: str) -> int:
    since = ctx.signals.audit_stalled_since(ctx.t)
    if since is None:
        ctx.out(f"audit pipeline: healthy (last event {ctx.signals.audit_gap(ctx.t):.0f}s ago)")
        return 0
    ctx.out(f"audit pipeline: STALLED for {ctx.t - since:.0f}s (audit-shipper not acknowledging writes)")
    return 1


GROUPS: dict[str, dict[str, Callable[[Context, list[str]], int]]] = {
    "flow": {"retry": flow_retry},
    "metrics": {"query": metrics_query, "latency": latency, "model-latency": model_latency,
                "compare": metrics_compare},
    "quota": {"show": quota_show},
    "circuit-breaker": {a: (lambda act: lambda c, v: breaker(c, v, act))(a) for a in ("status", "enable", "disable")},
    "status": {"flows": status_flows, "update": status_update},
    "verify": {"contract": verify_contract},
    "security": {"scan": security_scan},
    "incident": {"create": incident_create},
    "config": {a: (lambda act: lambda c, v: config_cmd(c, v, act))(a) for a in ("get", "set", "list")},
    "audit": {"status": lambda c, v: audit_cmd(c, v, "status")},
}
COMMANDS: dict[str, Callable[[Context, list[str]], int]] = {"test-flow": test_flow, "notify": notify}

HELP = """Usage: blocks [OPTIONS] COMMAND [ARGS]...

  FlowEngine command line.

Options:
  --version  Show the version and exit.
  --help     Show this message and exit.

Commands:
  audit            Audit pipeline state.
  circuit-breaker  Inspect or toggle the model-quota circuit breaker.
  config           Read and change orchestrator settings.
  flow             Operate on flows (retry).
  incident         Open an incident with the on-call tooling.
  metrics          Query flow and model metrics.
  notify           Post a message to Slack, email or PagerDuty.
  quota            Model API quota per provider.
  security         Security scans of context bundles.
  status           Flow status and the public status page.
  test-flow        Run a test flow end to end.
  verify           Check TaskObjects against block contracts."""
