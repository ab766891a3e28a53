"""``blocks``, the FlowEngine CLI, for drills, with click's usage errors (exit 2) and failures (exit 1).

Every answer comes from the drill at that moment (a retry under an exhausted quota fails with a
429, the breaker follows the simulator's quota, counts are the panes' series); notifications,
pages and status-page updates are only recorded in ``actions.jsonl``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import replace

from warroom.config import default_slos
from warroom.drill import fleet
from warroom.drill.activity import HELD, Flow, pruned, unit
from warroom.drill.cluster import fallback_of, short_hash, switched_on, threshold
from warroom.drill.model import DB_LOST, HELD_BY_BREAKER, PUSH_REJECTED, Signals, quota_reset
from warroom.drill.promql import bucket_quantile
from warroom.drill.series import BOUNDS, BUCKET_LABELS, NOWHERE, Series
from warroom.drill.standins.base import Args, Context, ToolError, flags, parse_args, table, utc
from warroom.durations import format_duration
from warroom.sources.evaluate import past
from warroom.units import format_value

Handler = Callable[[Context, Args], None]           # prints the answer; a failure is raised
# (group, command) -> (handler, options as a ``base.flags`` spec with "!" for required ones, required arguments)
COMMANDS: dict[tuple[str, str], tuple[Handler, str, tuple[str, ...]]] = {}
STORE: set[tuple[str, str]] = set()        # the commands FlowEngine's API answers from its TaskDB


def command(path: str, options: str = "", arguments: str = "", store: bool = False) -> Callable[[Handler], Handler]:
    """Register the handler of ``blocks [GROUP] NAME`` (``store``: it reads or writes flows, in FlowEngine's TaskDB)."""
    def register(fn: Handler) -> Handler:
        group, _, name = path.rpartition(" ")
        COMMANDS[(group, name)] = (fn, options, tuple(arguments.split()))
        if store:
            STORE.add((group, name))
        return fn
    return register


WORDS = {"unknown": "No such option: {flag}", "needs-value": "Option '{flag}' requires an argument."}


class Usage(Exception):
    """A usage error: ``run`` prints it under the command's usage line, exit 2."""


def failed(message: str) -> ToolError:
    return ToolError(f"Error: {message}")


def run(ctx: Context, argv: list[str]) -> int:
    if not argv or argv[0] in ("--help", "--version"):          # click's: no -h (no context_settings say so)
        ctx.out("blocks 2.4.1 (flowengine client)" if argv and argv[0] == "--version" else USAGE)
        return 0
    group, rest = (argv[0], argv[1:]) if argv[0] in {g for g, _ in COMMANDS if g} else ("", argv)
    line = f"blocks {group} [OPTIONS] COMMAND [ARGS]...".replace("  ", " ")
    if group and (not rest or rest[0] == "--help"):
        usage = f"Usage: {line}\n\nCommands:\n" + "\n".join(f"  {c}" for g, c in COMMANDS if g == group)
        (ctx.out if rest else ctx.err)(usage)       # a group alone is click's usage error: stderr, exit 2
        return 0 if rest else 2
    try:
        if rest[0].startswith("-"):                 # click names the option, as a command's parser does (``options``)
            raise Usage(f"No such option: {rest[0].partition('=')[0] if rest[0][1] == '-' else rest[0][:2]}")
        if (group, rest[0]) not in COMMANDS:
            raise Usage(f"No such command '{rest[0]}'.")
        handler, spec, arguments = COMMANDS[(group, rest[0])]
        line = " ".join(w for w in ("blocks", group, rest[0], "[OPTIONS]", *arguments) if w)
        if "--help" in rest[1:]:                  # click answers --help wherever it is, before reading the rest
            ctx.out(command_help(line, spec))
            return 0
        ctx.pause(0.6)
        if (group, rest[0]) in STORE and ctx.signals.interruption(ctx.t) == DB_LOST:    # its /health says the same
            raise failed("FlowEngine API answered 503 Service Unavailable: database unreachable: connection refused")
        handler(ctx, options(rest[1:], spec, arguments))
        return 0
    except Usage as exc:
        raise ToolError(f"Usage: {line}\nTry '{line.split(' [')[0]} --help' for help.\n\nError: {exc}", 2) from None


def command_help(line: str, spec: str) -> str:
    """A command's ``--help`` as click prints it: its usage line, then each option (a value option with its
    metavar, a required one marked so) and ``--help``."""
    rows = [(f"--{w.rstrip('=!')}" + " TEXT" * ("=" in w), "[required]" * w.endswith("!")) for w in spec.split()]
    rows.append(("--help", "Show this message and exit."))
    width = max(len(name) for name, _ in rows)
    return f"Usage: {line}\n\nOptions:\n" + "\n".join(f"  {name:<{width}}  {what}".rstrip() for name, what in rows)


def options(argv: list[str], spec: str, arguments: tuple[str, ...]) -> Args:
    """click's reading (``--last-15min`` means ``--last 15min``; a word starting with ``-`` is an option, or
    "No such option", up to ``--``), then the required arguments and options."""
    argv = [re.sub(r"^--last-(?=\d+(min|m|h|d)$)", "--last=", w) for w in argv]
    try:
        args = parse_args(argv, flags(spec.replace("!", "")), words=WORDS)
    except ToolError as exc:
        raise Usage(str(exc)) from None
    args.pos += args.rest
    if len(args.pos) < len(arguments):
        raise Usage(f"Missing argument '{arguments[len(args.pos)]}'.")
    if extra := args.pos[len(arguments):]:          # click refuses what no argument takes
        raise Usage(f"Got unexpected extra argument{'s' if len(extra) > 1 else ''} ({' '.join(extra)})")
    for name in (w.rstrip("=!") for w in spec.split() if w.endswith("!")):
        if not args.get(name.replace("-", "_")):
            raise Usage(f"Missing option '--{name}'.")
    return args


def choice(value: str, name: str, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise Usage(f"Invalid value for '{name}': '{value}' is not one of {', '.join(map(repr, choices))}.")
    return value


def window(args: Args, key: str = "last") -> float:
    """``--last 1h`` (the default) / ``--last-15min`` (or ``--duration``) in scenario seconds; at most the
    30 days kept (a longer window would also take minutes to count)."""
    if not (m := re.fullmatch(r"(\d+)\s*(s|sec|m|min|h|d)", text := args.text(key, "1h"))):
        raise Usage(f"Invalid value for '--{key}': '{text}' is not a duration like 15m, 1h or 24h.")
    seconds = int(m.group(1)) * {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "d": 86400}[m.group(2)]
    if seconds > 30 * 86400:
        raise Usage(f"Invalid value for '--{key}': '{text}' is more than the 30d of metrics kept.")
    return seconds


def kilobytes(args: Args) -> float:
    """``--max-context-size`` (``180KB``, ``180``, ``1MB``) in KB (asked only when given)."""
    if not (m := re.fullmatch(r"(\d+(?:\.\d+)?)\s*(KB|K|MB|M)?", text := args.text("max_context_size"), re.I)):
        raise Usage(f"Invalid value for '--max-context-size': '{text}' is not a size like 180KB.")
    return float(m[1]) * (1024 if (m[2] or "k").lower().startswith("m") else 1)


def span_label(seconds: float) -> str:
    return f"{seconds / 3600:g}h" if seconds >= 3600 else f"{seconds / 60:g}m"


# ------------------------------------------------------------------------------ flows
ATTEMPTS = range(1, 11)      # the attempts a retry may make: --max-attempts, and retry.max_attempts when it is set


def attempts(text: str) -> int | None:
    """``text`` as a number of attempts in ``ATTEMPTS``, ASCII digits only (``int`` takes "３" and ``isdigit`` "²",
    which ``int`` then refuses); None when it is not one."""
    return int(text) if re.fullmatch(r"[0-9]+", text) and int(text) in ATTEMPTS else None


@command("flow retry", "enable-pruning dry-run max-context-size= model= max-attempts=", "TASK_ID", store=True)
def flow_retry(ctx: Context, args: Args) -> None:
    task_id = args.pos[0]
    if (flow := ctx.activity.find(task_id, ctx.t)) is None:
        raise failed(f"task '{task_id}' not found "
                     "(list the failed ones with psql: SELECT task_id FROM tasks WHERE status = 'failed')")
    if flow.status == "succeeded":      # attack43 A14: re-run, it was '✓ succeeded' and credited as a retried failure
        raise failed(f"task {task_id} succeeded; nothing to retry (only a failed task is run again)")
    if flow.status == "running":        # nothing to run again yet (no stand-in cancels a task: none is offered)
        raise failed(f"task {task_id} is still running; nothing to retry until it ends")
    if flow.status == "queued":
        raise failed(f"task {task_id} has not run yet: it is queued {waiting(ctx)}; nothing to retry")
    if flow.status == HELD:
        raise failed(f"task {task_id} is awaiting review: approve or reject its plan in the web UI "
                     "(MANUAL_REVIEW_MODE)")
    if flow.repo not in ctx.cluster.allowlist():        # as a new flow of it is (``test_flow``): the orchestrator's
        raise failed(f"repository '{flow.repo}' is not on repos.allowlist; flows from it are refused")
    # --max-context-size prunes this run to that size; else pruning cuts to the knob's, as the flows' (context_cap)
    sized = bool(args.get("max_context_size"))
    asked = bool(args.get("enable_pruning")) or sized or switched_on(ctx.cluster.env(), "CONTEXT_PRUNING_ENABLED")
    cap = kilobytes(args) if sized else ctx.signals.context_cap(ctx.t, pruning=True) if asked else None
    pruning = cap is not None
    kb = flow.context_kb if cap is None else pruned(flow.context_kb, cap, unit(flow.repo, flow.k, "kbp"))
    model, answered = (args.text("model"), False) if args.text("model") else routed(ctx, flow.model, task_id, flow.repo)
    tries = args.text("max_attempts", str(ctx.signals.attempts(ctx.t)))    # else the orchestrator's retry.max_attempts
    if attempts(tries) is None:     # as blocks' option parser (click) says each: a number out of range, or none
        raise Usage(f"Invalid value for '--max-attempts': '{tries}' " + (
            f"is not in the range {ATTEMPTS[0]}<=x<={ATTEMPTS[-1]}." if re.fullmatch(r"[+-]?[0-9]+", tries)
            else "is not a valid integer."))
    ctx.out(f"{'Would retry' if args.get('dry_run') else 'Retrying'} {task_id} ({flow.flow_type} flow, repo {flow.repo}, model {model})")
    if pruning:
        ctx.out(f"  context pruning: {flow.context_kb:.0f}KB -> {kb:.0f}KB")
    if args.get("dry_run"):         # nothing run, nothing recorded
        return ctx.out(f"  dry run: not retried (up to {tries} attempts)")
    said: list[str] = []
    ok, why, seconds = outcome(ctx, replace(flow, context_kb=kb), pruning, model, answered, int(tries), said)
    ctx.record("retry_pruned" if pruning else "retry", task_id=task_id, ok=ok, model=model,
               repo=flow.repo, seconds=round(seconds, 1), kb=round(kb), error=None if ok else why)   # ``Retry``
    if not ran_out(ctx, seconds, f"the retry of {task_id}", f"psql (its row in tasks) or `blocks status flows`"):
        return
    ctx.out("\n".join([*said, f"  run: {'succeeded' if ok else 'failed'} in {seconds:.1f}s"]))
    if not ok:
        raise failed(f"retry of {task_id} failed: {why}")
    ctx.out(f"✓ {task_id} succeeded (quality gates 5/5 passed)")


#: wall seconds a run (a retry, a test flow) is waited for before the command hands the terminal back
RUN_WAIT = 6.0


def ran_out(ctx: Context, seconds: float, what: str, follow: str) -> bool:
    """Wait for a run of ``seconds`` drill time begun now, at most ``RUN_WAIT`` wall seconds: whether it ended, so its
    outcome may be told. Else it is said still running and how to follow it, never its outcome: the TaskDB and the
    logs say "running" until it ends (redteam48 F10: "failed in 180.0s" printed 6 wall seconds in, two drill minutes
    before psql and the logs said so)."""
    began = ctx.t
    if ctx.wait_until(began + seconds, RUN_WAIT):
        return True
    ctx.out(f"  {what} is still running after {format_duration(max(0.0, ctx.t - began))} drill time; its outcome is"
            f" not known yet: follow it with {follow}")
    return False


def routed(ctx: Context, model: str, call: str, repo: str) -> tuple[str, bool]:
    """The model one ``call`` of ``repo`` asking for ``model`` runs on now, as FlowEngine's routing moves calls, and
    whether the primary answered it: every call to the primary goes to the fallback when the env names
    one; under ``FALLBACK_ON_5XX=true`` a call is tried on the primary first and moves only if that
    answered 5xx (drawn against the share that do, as ``Activity`` draws each flow's; past a latency threshold, its
    repo's calls' share); a run whose plan alone moves (``plan_only``) is still the primary's, as its work runs
    there."""
    if (to := ctx.signals.routed_model(ctx.t) if "claude" in model else None) is None or ctx.signals.plan_only(ctx.t):
        return model, False
    moved = unit(call, ctx.t, "route") < ctx.signals.route_share(ctx.t, next((r for r in ctx.signals.repos
                                                                              if r.name == repo), None))
    return (to[0], False) if moved else (model, True)


THROTTLED = "429 Too Many Requests"


def drawn(sig: Signals, task_id: str, t: float, provider: fleet.Provider, tries: int,
          answered: bool = False) -> tuple[list[tuple[int, int, str]], bool]:
    """(each failed attempt as (call, attempt, "429" or "5xx"), whether a call failed) of ``task_id``'s run at ``t``: its
    ``CALLS_PER_FLOW`` calls to ``provider``, each tried up to ``tries`` times, failing when every attempt does; one
    draw per task, call, attempt and second against that provider's shares now (``code_shares``: what the breaker
    bends), so a run fails as often as ``model.call_law`` fails a flow started now. ``answered``: tried first on the
    primary under ``FALLBACK_ON_5XX``, a 5xx moves the call to the fallback instead (``Signals.lost``). While the
    circuit breaker holds retries (``Signals.holding``) a 429 is not tried again: the call fails (``call_law``)."""
    s5 = sig.share_5xx(provider, t)
    s429 = min(sig.share_429(provider, t), 1.0 - s5)
    out: list[tuple[int, int, str]] = []
    for call in range(1, fleet.CALLS_PER_FLOW + 1):
        for attempt in range(1, tries + 1):
            u = unit(task_id, round(t), "call", call, attempt)
            if u >= s429 + (0.0 if answered else s5):
                break
            out.append((call, attempt, "429" if u < s429 else "5xx"))
            if u < s429 and sig.holding(t):
                return out, True
        else:
            return out, True
    return out, False


def outcome(ctx: Context, flow: Flow, pruning: bool, model: str, answered: bool = False, tries: int = 0,
            said: list[str] | None = None) -> tuple[bool, str, float]:
    """Would a flow run now succeed? (ok, reason, seconds it takes) — failing the way real flows fail: its
    ``CALLS_PER_FLOW`` calls, each tried up to ``tries`` times (0: the orchestrator's ``retry.max_attempts``) and failing
    when every attempt is refused or answered 5xx (``drawn``: the world's law, ``model.call_law``), so a run fails as
    often as a flow started now; each failed attempt said in ``said``. ``answered``: see ``drawn``."""
    sig, t = ctx.signals, ctx.t
    provider = next((p for p in fleet.PROVIDERS if p.name == fleet.provider_of(model)), None)
    repo = next((r for r in sig.repos if r.name == flow.repo), None)       # its repo's flows' time (an onboarded one's)
    seconds = sig.latency_median(t, repo) * (0.8 + 0.4 * unit(flow.task_id, "retry"))
    if not ctx.cluster.flowengine.replicas:
        return False, "no FlowEngine replicas are running (deployment scaled to 0)", 1.0
    if provider is None:            # its first call is answered 404, as a routed flow's is (``Signals.strands``)
        return False, fleet.unserved(model), 1.0
    env, stranded = ctx.cluster.env(), next((why for _, why, asks in sig.strands(t) if provider.name in asks), None)
    if stranded == fleet.unserved(fallback_of(env)) and (moved := sig.to_nowhere(t)) > 1e-6:    # tried first: only
        slow, limit = sig.slow_share(env, t, repo), threshold(env) or 0.0  # a slow (or 5xx) call goes to the typo (A21:
        for call in range(fleet.CALLS_PER_FLOW):                        # every run failed at once, as if all went)
            if (u := unit(flow.task_id, round(t), "nowhere", call)) < moved:    # answered 404 past the threshold it
                return False, stranded, call * seconds / 2 + (limit if u < slow else 8.0)   # waited, or a 5xx's
    elif stranded is not None:
        return False, stranded, 1.0      # no provider answers a call on this model now, as the flows on it fail
    tries = tries or sig.attempts(t)
    said_5xx = next((m for f in sig.scenario.faults if {f"api_5xx:{provider.name}", "api_5xx:*"} & set(f.impacts)
                     for m in f.messages if "5xx" in m), f"model API 5xx: {provider.name} 503 Service Unavailable")
    used = format_value(ctx.quota(provider) * 100, "percent")
    throttled = f"rate limit exceeded: {provider.name} {THROTTLED} (quota {used} used)"
    attempts, failed_call = drawn(sig, flow.task_id, t, provider, tries, answered)
    why = ""
    for call, attempt, code in attempts:      # in the words of the fault behind a 5xx: an outage, a gateway client
        why = (f"{throttled}, {HELD_BY_BREAKER}" if sig.holding(t) else throttled) if code == "429" else said_5xx
        if said is not None:
            said.append(f"  call {call}/{fleet.CALLS_PER_FLOW}, attempt {attempt}/{tries}: {why}")
    spent = sum(3.0 if code == "429" else 8.0 for *_, code in attempts)
    if failed_call:
        return False, why, spent
    if flow.error == PUSH_REJECTED:     # the branch still wants a review: the run ends where the first one did
        return False, PUSH_REJECTED, seconds + spent
    u = unit(flow.task_id, round(t), "code")      # the release's own faults fail it as often as its repo's flows now
    for share, message in sig.code_fails(repo, t) if repo else ():
        if (u := u - share) < 0.0:
            return False, message, 4.0 + spent
    if pruning and flow.context_kb <= 500:        # pruned below the size at which flows time out
        seconds = min(seconds, 40 + 18 * unit(flow.task_id, "p"))
    elif "gpt-4" in model:
        seconds *= 0.7
    elif flow.context_kb > 500 and seconds > 100:
        return False, f"timeout exceeded: flow killed at 180s (context_size_kb={flow.context_kb:.0f})", 180.0 + spent
    return True, "", seconds + spent


@command("test-flow", "dry-run model= input= repo=", store=True)
def test_flow(ctx: Context, args: Args) -> None:
    repo, source, env = args.text("repo") or fleet.PILOT_REPO, args.text("input") or "test_case.md", ctx.cluster.env()
    if repo not in {r.name for r in ctx.signals.repos}:
        raise failed(f"repository '{repo}' is not onboarded (see repos.allowlist)")
    if repo not in ctx.cluster.allowlist():
        raise failed(f"repository '{repo}' is not on repos.allowlist; flows from it are refused")
    if args.get("dry_run"):
        if not ctx.cluster.flowengine.replicas:     # a FlowEngine pod builds the bundle, dry run or not (redteam46 R6)
            raise failed("dry run failed: no FlowEngine replicas are running (deployment scaled to 0) to build the "
                         "context bundle")
        if "pii" not in source.lower():
            plan = args.text("model") if args.text("model") not in ("", "auto") else env.get("PRIMARY_MODEL")
            return ctx.out(f"dry run: {source} -> context bundle 12KB, plan would run on {plan}")
        ctx.out(f"dry run: {source} -> context bundle 14KB")
        if not switched_on(env, "PII_REDACTION_ENABLED"):
            raise failed("PII NOT redacted: 2 email addresses, 1 SSN, 1 card number present in the context bundle "
                         "(PII_REDACTION_ENABLED is not true)")
        return ctx.out("✓ PII redacted in context bundle: 2 email addresses, 1 SSN, 1 card number masked")
    wanted, task = args.text("model") or "auto", f"tsk_test{short_hash(ctx.at, n=4)}"
    model, answered = (wanted, False) if wanted != "auto" else routed(ctx, "claude-sonnet-4-5", task, repo)
    via = " via fallback routing" if wanted == "auto" and "claude" not in model else ""   # as the flows are routed
    probe = Flow(task, repo, 0, "impl", ctx.t, 0.0, "succeeded", None, model, fleet.provider_of(model) or "", 120.0, 1)
    ok, why, seconds = outcome(ctx, probe, switched_on(env, "CONTEXT_PRUNING_ENABLED"), model, answered)
    ctx.out(f"Running test flow on {repo} ({source}), model {wanted}...")
    ctx.record("test_flow", repo=repo, ok=ok, model=model)
    if not ran_out(ctx, seconds, f"test flow {task}", "a new `blocks test-flow` (a test flow is in no table)"):
        return
    if not ok:
        raise failed(f"test flow failed: {why}")
    ctx.out(f"✓ flow succeeded in {seconds:.1f}s on {model}{via}; quality gates 5/5 passed")


# ------------------------------------------------------------------------------ metrics
def count(ctx: Context, metric: str, repo: fleet.Repo, t1: float, t2: float) -> float:
    """Flow runs (or failed runs) of ``repo`` in ``(t1, t2]``: whole counter steps, because a run is one
    step of its counter: the tasks psql lists (``Activity.flows``) and each retry of one (``Signals.retries``).
    Before the simulated history, the healthy estate's volume at the model's own rate, so "the
    last 24h" reads like a real day, not an empty one."""
    failures, s = "failures" in metric, ctx.series
    key = ("fail" if failures else "exec", repo.name)
    value = float(math.floor(s.counter(key, t2)) - math.floor(s.counter(key, max(t1, s.t0)))) if t2 > s.t0 else 0.0
    if t1 < s.t0:
        t2 = min(t2, s.t0)
        n = max(1, int((t2 - t1) // 60.0))
        value += sum(ctx.signals.exec_rate(repo, t1 + (i + 0.5) * (t2 - t1) / n) * (t2 - t1) / n
                     * (fleet.BASE_FAILURE if failures else 1.0) for i in range(n))
    return value


@command("metrics query", "metric=! last= group-by= sort= repo=")
def metrics_query(ctx: Context, args: Args) -> None:
    metric = args.text("metric")
    known = ("flow_failures_total", "flow_executions_total", "flow_cost_dollars_total")
    if metric not in known:
        raise failed(f"unknown metric '{metric}'; available: {', '.join(known)}")
    span, group, cost = window(args), args.text("group_by") or "repo", metric == "flow_cost_dollars_total"
    if not (repos := [r for r in ctx.signals.repos if args.text("repo") in ("", r.name)]):
        raise failed(f"unknown repository '{args.text('repo')}'")
    source = "flow_executions_total" if cost else metric
    if group == "hour":
        rows = []
        for h in range(max(1, int(round(span / 3600))) - 1, -1, -1):
            v = sum(count(ctx, source, r, ctx.t - (h + 1) * 3600, ctx.t - h * 3600) for r in repos)
            rows.append([f"{utc(ctx.wall(ctx.t - (h + 1) * 3600)):%Y-%m-%d %H:%M}",
                         f"${v * 0.13:,.2f}" if cost else int(round(v))])
        return ctx.out(table(["HOUR FROM (UTC)", "COST" if cost else "COUNT"], rows, gap=2))
    if group != "repo":
        raise failed(f"cannot group {metric} by '{group}'; use repo or hour")
    totals = [(r.name, count(ctx, source, r, ctx.t - span, ctx.t)       # a flow costs more the larger its repo's
               * ((0.08 + 0.1 * unit(r.name, "cost")) * (1 + ctx.signals.context_kb(ctx.t, r) / 600) if cost else 1))
              for r in repos]                                               # bundles (an onboarded repo's: its own)
    totals.sort(key=lambda x: -x[1] if args.text("sort", "desc") == "desc" else x[1])
    noun = {"flow_failures_total": "failure", "flow_executions_total": "execution"}.get(metric, "")
    for name, v in totals:
        ctx.out(f"{name}: ${v:,.2f}" if cost else f"{name}: {round(v)} {noun}{'s' * (round(v) != 1)}")
    total = sum(v for _, v in totals)
    ctx.out("")
    if cost:
        return ctx.out(f"Total cost (last {span_label(span)}): ${total:,.2f}")
    if metric == "flow_failures_total":
        ctx.out(affected_line([name for name, v in totals if round(v) >= AFFECTED_FAILURES]))
    ctx.out(f"Total {noun}s: {int(round(total))} (last {span_label(span)})")


# a repository counts as affected at this many failed flows in the window: a healthy hour fails
# about one flow in a repository (0.3 %), so a single failure is noise, not an outage
AFFECTED_FAILURES = 2


def affected_line(names: list[str]) -> str:
    """The triage total, its rule and the repositories it counts, in one line, so the count can never
    read as contradicting the per-repository listing above it (RB-LAUNCH-005's GO criterion reads
    this line, rule included, so the runbook and the tool cannot hold two definitions)."""
    counted = f" ({', '.join(names)})" if names else ""
    return f"Affected repos ({AFFECTED_FAILURES} or more failures each): {len(names)}{counted}"


@command("metrics latency", "last=")
def latency(ctx: Context, args: Args) -> None:
    span, s = window(args), ctx.series
    t1 = max(ctx.t - span, s.t0)
    counts = [s.counter(("bucket", b), ctx.t) - s.counter(("bucket", b), t1) for b in BUCKET_LABELS]
    ctx.out(f"Flow latency, last {span_label(ctx.t - t1 if span > 0 else span)} ({int(counts[-1])} flows)")
    for q in (0.5, 0.9, 0.95, 0.99):
        v = bucket_quantile(q, list(zip(BOUNDS, counts, strict=True)))
        mark = "  ⚠️  (exceeds 120s target)" if q == 0.95 and v is not None and v > 120 else ""
        ctx.out(f"P{int(q * 100)}: " + ("n/a" if v is None else f"{v:.0f}s{mark}"))


@command("metrics model-latency", "last=")
def model_latency(ctx: Context, args: Args) -> None:
    """Each model's call latency now; its 5xx share is of the calls FlowEngine made in the window (the
    request counters: none, none to count)."""
    span, s = window(args), ctx.series
    rows = []
    for p in fleet.PROVIDERS:
        calls = {c: s.value(("req", p.name, c), ctx.t) - s.value(("req", p.name, c), max(ctx.t - span, s.t0))
                 for c in s.codes}
        bad, total = sum(n for c, n in calls.items() if c.startswith("5")), sum(calls.values())
        p50 = s.signals.call_latency(p, ctx.t)
        rows.append([f"{p.model} ({p.name})", f"{p50:.1f}s", f"{p50 * 1.8:.1f}s",
                     f"{bad / total * 100:.1f}%" if total >= 1 else "-"])
    if (key := ("req", NOWHERE, "404")) in s.index:     # the calls to a model no provider serves: each a 404
        lost = s.value(key, ctx.t) - s.value(key, max(ctx.t - span, s.t0))
        rows.append([f"{fallback_of(ctx.cluster.env())} (no provider)", "-", "-", f"{lost:.0f} answered 404"])
    ctx.out(f"Model API latency, last {span_label(span)}\n" + table(["MODEL", "P50", "P95", "5XX"], rows, gap=2))


# "worse": the canary's failure rate above the baseline's by more than this many points, its P95 by more than this share
WORSE_BY = (0.1, 0.05)


@command("metrics compare", "baseline=! canary=! duration=")
def metrics_compare(ctx: Context, args: Args) -> None:
    """The canary's flows against FlowEngine's over the same span (``--duration``, 1h; from when the canary's oldest
    ready pod became ready), each column counted as the panes count: the canary's flows see FlowEngine's world but a
    fault of the release code by whether its own pods run the scenario's bad release (``Signals.on_release``). A
    verdict is "worse" past the baseline (``WORSE_BY``), "breach" past the pane's critical threshold (the product's
    SLO, ``default_slos``): any but "ok", or nothing to compare, exits 1, so no one reads a GO nobody measured."""
    base, name = args.text("baseline"), args.text("canary")
    if base != fleet.DEPLOYMENT:
        raise failed(f"no flow metrics for '{base}': only deployment/{fleet.DEPLOYMENT}'s pods run flows")
    if (dep := ctx.cluster.deployments.get(name)) is None:
        raise failed(f"no metrics for '{name}': " + ("its manifest names no image, so it runs no pods"
                                                     if f"deployment/{name}" in ctx.cluster.extra else "deployment not found"))
    ready = [(created, rev.image) for _, rev, created, status, _, _ in ctx.cluster.pods(dep, ctx.t) if status == "Running"]
    if not ready:
        raise failed(f"no metrics for '{name}': 0/{dep.replicas} pods ready, so no flows reach it")
    series, step = ctx.series, dep.rollout_seconds / max(1, dep.replicas)       # a pod is ready a step after it starts
    start = max(ctx.t - window(args, "duration"), min(c for c, _ in ready) + step, series.t0)
    held = sum(map(ctx.cluster.bad_release, (image for _, image in ready))) / len(ready)
    same = name == fleet.DEPLOYMENT or not ctx.drill.scenario.facts.get("bad_version")   # nothing of the release differs
    # the panes count every pod's flows, the canary's among them: the baseline is FlowEngine's pods alone
    pair = (series, series) if same else (Series(series.signals.on_release(), start),
                                          Series(series.signals.on_release(held), start))
    columns = [measured(s, start, ctx.t) for s in pair]
    slos = {s.id: s for s in default_slos()}
    rows, bad = [], []
    for (metric, pane, unit), was, now in zip((("failure rate", "failure_rate", "%"), ("p95 latency", "p95_latency", "s")),
                                              *columns, strict=True):
        said = ["unknown: no flow ended in the span"] if now is None or was is None else [
            *["worse"] * (now > was + WORSE_BY[0] if unit == "%" else now > was * (1 + WORSE_BY[1])),
            *["breach"] * past(now, slos[pane].crit, slos[pane].direction)]
        rows.append([metric, *("-" if v is None else f"{v:.2f}%" if unit == "%" else f"{v:.0f}s" for v in (was, now)),
                     ", ".join(said) or "ok"])
        bad += [f"{metric} {' and '.join(w.split(':')[0] for w in said)}"] * bool(said)
    images = ", ".join(sorted({image for _, image in ready}))
    ctx.out(f"{name}: {len(ready)}/{dep.replicas} ready ({images}); the flows of the last {format_duration(ctx.t - start)}, "
            f"since {utc(ctx.wall(start)):%Y-%m-%d %H:%M:%S} UTC\n" + table(["METRIC", base, name, "VERDICT"], rows, gap=2))
    ctx.out(f"worse: above {base} by more than {WORSE_BY[0]:g} points (failure rate) or {WORSE_BY[1]:.0%} (p95); breach: "
            f"past the SLO (failure rate {slos['failure_rate'].crit:g}%, P95 {slos['p95_latency'].crit:g}s)")
    if bad:
        raise failed(f"canary not ok: {'; '.join(bad)}")


def measured(series: Series, start: float, t: float) -> tuple[float | None, float | None]:
    """(failure rate in percent, P95 seconds) of the flows ``series`` counts in ``[start, t]``, as the panes read
    their counters (the same histogram law, ``bucket_quantile``); None where no flow ended."""
    runs = sum(series.counter(("exec", r.name), t) - series.counter(("exec", r.name), start) for r in series.repos)
    fails = sum(series.counter(("fail", r.name), t) - series.counter(("fail", r.name), start) for r in series.repos)
    buckets = [(b, series.counter(("bucket", k), t) - series.counter(("bucket", k), start))
               for b, k in zip(BOUNDS, BUCKET_LABELS, strict=True)]
    return (fails / runs * 100 if runs > 0 else None), bucket_quantile(0.95, buckets)


# ------------------------------------------------------------------------------ quota and breaker
@command("quota show", "all all-providers provider=")
def quota_show(ctx: Context, args: Args) -> None:
    wanted = args.text("provider")
    if wanted and wanted not in fleet.PROVIDER_NAMES:
        raise failed(f"unknown provider '{wanted}'; known: {', '.join(fleet.PROVIDER_NAMES)}")
    every = args.get("all") or args.get("all_providers")
    reset = quota_reset(ctx.t)                  # a moment of the drill's world, counted down in its time
    hours, rem = divmod(int(reset - ctx.t), 3600)
    for i, p in enumerate(fleet.PROVIDERS):
        if wanted == p.name or (not wanted and (every or i == 0)):
            used = ctx.quota(p)
            ctx.out(f"Provider: {p.title}\n  Used: {int(used * p.daily_tokens):,} / {p.daily_tokens:,} tokens "
                    f"({format_value(used * 100, 'percent')}) {'⚠️' if used >= 0.8 else '✅'}\n"
                    f"  Resets: {utc(ctx.wall(reset)):%Y-%m-%d %H:%M:%S} UTC ({hours}h {rem // 60:02d}m)\n")


def breaker_state(ctx: Context) -> tuple[str, str]:
    """The breaker's state from the deployment's env history and the quota it protects, once armed
    (enabled, its pods ready) by ``Signals.breaker_state``: OPEN (holding retries) for a minute after
    a quota reaches its threshold and while one is used up, HALF_OPEN while it stays there, else CLOSED."""
    if (breaker := ctx.cluster.breaker()) is None:
        return "DISABLED", "ENABLE_CIRCUIT_BREAKER is not true on deployment/flowengine"
    armed_at, limit, threshold = breaker
    if ctx.t < armed_at:
        return "CLOSED", "rollout in progress; the breaker arms when the new pods are ready"
    # told from the line (units' one rule): 98.55% under 99% reads "98.55%", never "99% under the threshold 99%"
    now = format_value(max(ctx.quota(p) for p in fleet.PROVIDERS) * 100, "percent", against=(limit * 100,))
    state, spent = ctx.signals.breaker_state(armed_at, ctx.t), ctx.signals.spent(ctx.t)
    if state == "OPEN" and spent:
        return state, f"quota exhausted: calls to {spent} fail fast until the reset at " \
                      f"{utc(ctx.wall(quota_reset(ctx.t))):%H:%M} UTC"
    return state, {"OPEN": f"holding retries of throttled calls: quota {now} at or above the threshold {threshold}%",
                   "HALF_OPEN": "monitoring quota",
                   "CLOSED": f"armed: quota {now} under the threshold {threshold}%"}[state]


@command("circuit-breaker status")
def breaker_status(ctx: Context, args: Args) -> None:
    ctx.out("CircuitBreaker: {} ({})".format(*breaker_state(ctx)))
    ctx.out(f"  highest quota use: {format_value(max(ctx.quota(p) for p in fleet.PROVIDERS) * 100, 'percent')}")


# ------------------------------------------------------------------------------ status, config, checks, comms
#: How many flows ``status flows`` lists (the newest; its first line counts them all)
LISTED = 20


@command("status flows", "active", store=True)
def status_flows(ctx: Context, args: Args) -> None:
    """The flows running now (``--active``: however long they waited for a slot), or those and every flow of the last
    ten minutes; none runs while FlowEngine does not."""
    flows = ctx.activity.flows(ctx.t - 7200, ctx.t, ctx.t)      # the runs and the backlog, however long they waited
    shown = [f for f in flows if f.status == "running" and ctx.signals.running(ctx.t)
             or not args.get("active") and f.status != "running" and f.start >= ctx.t - 600]
    ctx.out(f"{len(shown)} {'active ' * bool(args.get('active'))}flow{'s' * (len(shown) != 1)}"
            + " in the last 10m" * (not args.get("active")) + f", the latest {LISTED} below" * (len(shown) > LISTED))
    for f in shown[-LISTED:]:                    # the newest: what a commander looks for, the count says the rest
        ctx.out(f"  {f.task_id}  {f.flow_type:<6}  {f.repo:<20}  {f.status} {f.ran[1]:.0f}s"      # as psql's row
                + f" (waited {f.wait:.0f}s)" * (f.wait >= 0.5 and f.status != "queued"))
    # the backlog, however old (the listing above is ten minutes' worth): every task asked for and not started
    if queued := [f for f in flows if f.status == "queued"]:
        ctx.out(f"{len(queued)} queued {waiting(ctx)}, the oldest waiting {queued[0].duration:.0f}s")
    if held := ctx.activity.awaiting_review(ctx.t):     # however old: no one in the drill approves them
        ctx.out(f"{len(held)} awaiting review in the web UI (MANUAL_REVIEW_MODE), the oldest held "
                f"{ctx.t - held[0].held:.0f}s")


def waiting(ctx: Context) -> str:
    """What a queued task waits for now: a slot under the cap, or a FlowEngine to claim it (a stop, its TaskDB gone),
    as ``Signals.interruption`` says (the rule the logs and tasks follow)."""
    return {None: "for a slot (MAX_CONCURRENT_FLOWS)", DB_LOST: "(none starts: TaskDB unreachable)"}.get(
        ctx.signals.interruption(ctx.t), "(none starts: FlowEngine runs no pod)")


@command("status update", "status=! message=! component=")
def status_update(ctx: Context, args: Args) -> None:
    status = choice(args.text("status"), "--status",
                    ("operational", "degraded", "partial_outage", "major_outage", "maintenance"))
    ctx.record("status_page", status=status, message=args.text("message")[:300], component=args.text("component"))
    ctx.out(f"✓ status page updated: {status}" + f" ({args.text('component')})" * bool(args.text("component")))


@command("config get", arguments="KEY")
def config_get(ctx: Context, args: Args) -> None:
    if args.pos[0] not in ctx.cluster.config:
        raise failed(f"no such config key '{args.pos[0]}'")
    ctx.out(ctx.cluster.config[args.pos[0]])


# The orchestrator holds more settings than the two the drill's world reads (``config_set``): each other one is
# refused by name with the knob the world does read (set, it would say "✓" and change nothing: issue 13 item 5)
INSTEAD = {"context.max_size_kb": "its pods prune bundles to CONTEXT_MAX_SIZE_KB in their env while "
                                  "CONTEXT_PRUNING_ENABLED=true (kubectl set env deployment/flowengine "
                                  "CONTEXT_PRUNING_ENABLED=true CONTEXT_MAX_SIZE_KB=120)",
           "quota.alert_threshold": "no alert of the orchestrator's is simulated; the quota pane's thresholds warn",
           "max_concurrent_flows": "FlowEngine takes no per-repository limit; MAX_CONCURRENT_FLOWS in its env caps "
                                   "the whole fleet (kubectl set env deployment/flowengine MAX_CONCURRENT_FLOWS=5)"}


@command("config set", arguments="KEY VALUE")
def config_set(ctx: Context, args: Args) -> None:
    """The settings the world reads: the repo allowlist (the pilot rollback) and the attempts ``flow retry`` makes."""
    key, value = args.pos[:2]
    per_repo = re.fullmatch(r"repos\.([a-z0-9\-]+)\.max_concurrent_flows", key)
    if key == "repos.allowlist":
        if unknown := [r for r in value.split(",") if r and r not in {x.name for x in ctx.signals.repos}]:
            raise failed(f"unknown repositories in allowlist: {', '.join(unknown)}")
    elif key == "retry.max_attempts":
        if attempts(value) is None:
            raise failed(f"retry.max_attempts takes a whole number from {ATTEMPTS[0]} to {ATTEMPTS[-1]}, not '{value}'")
    elif per_repo and per_repo[1] not in {x.name for x in ctx.signals.repos}:
        raise failed(f"unknown repository '{per_repo[1]}'")
    elif per_repo or key in INSTEAD:
        raise failed(f"drill: `blocks config set {key}` is not simulated: nothing in the drill's FlowEngine reads it; "
                     + INSTEAD[key.rsplit(".", 1)[-1] if per_repo else key])
    else:
        raise failed(f"no such config key '{key}'")
    ctx.apply("config_set", key=key, value=value)
    ctx.out(f"{key} = {value}")


def task(ctx: Context, args: Args) -> tuple[str, Flow]:
    """The flow ``--task-id`` names; an unknown (or missing) id fails before anything is checked."""
    if (flow := ctx.activity.find(task_id, ctx.t) if (task_id := args.text("task_id")) else None) is None:
        raise failed(f"task '{task_id}' not found")
    return task_id, flow


@command("verify contract", "verbose task-id=", store=True)
def verify_contract(ctx: Context, args: Args) -> None:
    task_id, _ = task(ctx, args)
    schema = ctx.cluster.schema_version()
    if args.get("verbose"):
        ctx.out(f"TaskObject {task_id}: schema_version {schema}\nblock contract impl/v3 accepts: {fleet.SCHEMA_VERSION}")
    if schema != fleet.SCHEMA_VERSION:
        raise failed(f"contract violation: TaskObject schema_version {schema} is not accepted by block impl/v3 "
                     f"(expects {fleet.SCHEMA_VERSION})")
    ctx.out(f"✓ {task_id}: TaskObject valid against schema {schema}; contract impl/v3 satisfied")


@command("security scan", "task-id=", store=True)
def security_scan(ctx: Context, args: Args) -> None:
    """PII in a task's context bundle exactly when redaction was off while it was built: in the revision in force
    when its run began (``Cluster.env_at``), whatever came after, since a bundle is written once (redteam49 F1: a
    later switch-on cleared bundles built unredacted). A switch is on however the journal reads it
    (``cluster.switched_on``)."""
    task_id, flow = task(ctx, args)
    if flow.status == "queued":
        raise failed(f"task {task_id} is queued for a slot: no context bundle is built before its run begins")
    ctx.out(f"Scanning context bundle ctx_{task_id}.json ({flow.context_kb:.0f}KB)...")
    if not switched_on(ctx.cluster.env_at(flow.began), "PII_REDACTION_ENABLED"):
        ctx.out("  finding: email address (line 14)\n  finding: email address (line 61)\n  finding: US SSN (line 88)")
        raise failed(f"3 PII findings in ctx_{task_id}.json; redaction was off when it was built")
    ctx.out("✓ no PII findings")


@command("notify", "channel= message=!", "TARGET")
def notify(ctx: Context, args: Args) -> None:
    target = choice(args.pos[0], "TARGET", ("slack", "email", "pagerduty"))
    channel = (args.text("channel") or "ops-alerts").lstrip("#")
    ctx.record("notify", channel=channel, message=args.text("message")[:300])
    ctx.out(f"✓ posted to #{channel} ({target})")


@command("incident create", "severity= title=! assignee=")
def incident_create(ctx: Context, args: Args) -> None:
    severity, assignee = args.text("severity") or "P2", args.text("assignee")
    ctx.record("page", severity=severity, assignee=assignee)
    ctx.out(f"✓ created incident PD-{48000 + int(unit(ctx.at, 'inc') * 999)} ({severity}): {args.text('title')}")
    if assignee:
        ctx.out(f"  paged {assignee} (2 responders notified)")


SUMMARY = {          # what ``blocks --help`` lists: each group or top-level command and what it is for
    "circuit-breaker": "The model-quota circuit breaker's state.", "config": "Read and change orchestrator settings.",
    "flow": "Operate on flows (retry).", "incident": "Open an incident with the on-call tooling.",
    "metrics": "Query flow and model metrics.", "notify": "Post a message to Slack, email or PagerDuty.",
    "quota": "Model API quota per provider.", "security": "Security scans of context bundles.",
    "status": "Flow status and the public status page.", "test-flow": "Run a test flow end to end.",
    "verify": "Check TaskObjects against block contracts.",
}
USAGE = ("Usage: blocks [OPTIONS] COMMAND [ARGS]...\n\n  FlowEngine command line.\n\nOptions:\n"
        "  --version  Show the version and exit.\n  --help     Show this message and exit.\n\nCommands:\n"
        + "\n".join(f"  {name:<15}  {text}" for name, text in SUMMARY.items()))
