"""``aws`` for drills: CloudWatch Logs, S3 context bundles, IAM, CloudTrail, RDS snapshots, STS.

Answers in AWS CLI v2's shapes (JSON by default, ``--output text|table``, a small ``--query``
subset) with its error messages and exit codes (252 usage, 254 service error, 1 for ``s3 ls`` of a
missing key). CloudWatch holds the same FlowEngine log lines the pods print.
"""

from __future__ import annotations

import json
import re
from typing import Any

from warroom.drill import fleet
from warroom.drill.activity import iso
from warroom.drill.cluster import short_hash
from warroom.drill.standins.base import Context

ACCOUNT = "414736215093"


class AwsError(Exception):
    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


def usage_error(message: str) -> AwsError:
    return AwsError(
        "\nusage: aws [options] <command> <subcommand> [<subcommand> ...] [parameters]\n"
        "To see help text, you can run:\n\n  aws help\n  aws <command> help\n  aws <command> <subcommand> help\n\n"
        f"aws: error: {message}\n", 252)


def service_error(code: str, op: str, message: str) -> AwsError:
    return AwsError(f"\nAn error occurred ({code}) when calling the {op} operation: {message}", 254)


BOOLEAN = {"human-readable", "summarize", "recursive", "no-paginate", "dry-run", "no-cli-pager", "debug",
           "no-verify-ssl", "follow", "interleaved", "quiet", "only-show-errors"}


def parse(argv: list[str]) -> tuple[list[str], dict[str, list[str]]]:
    pos: list[str] = []
    params: dict[str, list[str]] = {}
    i = 0
    while i < len(argv):
        a = argv[i]
        if a.startswith("--"):
            name, eq, value = a[2:].partition("=")
            values: list[str] = [value] if eq else []
            while not eq and name not in BOOLEAN and i + 1 < len(argv) and not argv[i + 1].startswith("--"):
                values.append(argv[i + 1])
                i += 1
            params[name] = values
        else:
            pos.append(a)
        i += 1
    return pos, params


def one(params: dict[str, list[str]], name: str) -> str | None:
    v = params.get(name)
    return " ".join(v) if v else None


def run(ctx: Context, argv: list[str]) -> int:
    if argv and argv[0] == "--version":
        ctx.out("aws-cli/2.15.30 Python/3.11.8 Linux/6.1.0-18-amd64 exe/x86_64.debian.12 prompt/off")
        return 0
    pos, params = parse(argv)
    try:
        if not pos:
            raise usage_error("the following arguments are required: command")
        services: dict[str, list[str]] = {}
        for svc, op_name in HANDLERS:
            services.setdefault(svc, []).append(op_name)
        service = pos[0]
        if service not in services:
            raise usage_error("argument command: Invalid choice, valid choices are:\n\n"
                              + "\n".join(f"{s:<20}" for s in services))
        if len(pos) < 2:
            raise usage_error("the following arguments are required: operation")
        op = pos[1]
        if op not in services[service]:
            raise usage_error("argument operation: Invalid choice, valid choices are:\n\n"
                              + "\n".join(f"{o:<40}" for o in services[service]))
        ctx.pause(0.4)
        result = HANDLERS[(service, op)](ctx, pos[2:], params)
    except AwsError as exc:
        ctx.err(str(exc))
        return exc.code
    if result is None:
        return 0
    if isinstance(result, int):
        return result
    emit(ctx, result, params)
    return 0


def emit(ctx: Context, data: Any, params: dict[str, list[str]]) -> None:
    query = one(params, "query")
    if query:
        data = jmes(data, query)
    fmt = one(params, "output") or "json"
    if fmt == "text":
        for line in text_lines(data):
            ctx.out(line)
    elif fmt == "table":
        ctx.out(json.dumps(data, indent=4))
    else:
        ctx.out(json.dumps(data, indent=4, ensure_ascii=False))


def text_lines(data: Any) -> list[str]:
    if isinstance(data, list):
        if all(not isinstance(x, (dict, list)) for x in data):
            return ["\t".join(str(x) for x in data)]
        out = []
        for x in data:
            out.extend(text_lines(x))
        return out
    if isinstance(data, dict):
        scalars = [str(v) for v in data.values() if not isinstance(v, (dict, list))]
        out = ["\t".join(scalars)] if scalars else []
        for v in data.values():
            if isinstance(v, (dict, list)):
                out.extend(text_lines(v))
        return out
    return [str(data)]


def jmes(data: Any, query: str) -> Any:
    """The JMESPath forms people type at a shell: ``a.b``, ``a[].b``, ``a[*].b``, ``a[0]``, ``length(a)``."""
    query = query.strip()
    m = re.fullmatch(r"length\((.*)\)", query)
    if m:
        value = jmes(data, m.group(1))
        return len(value) if isinstance(value, (list, dict, str)) else None
    node: Any = data
    projected = False
    for part in re.findall(r"[A-Za-z_][A-Za-z0-9_]*|\[\*?\]|\[-?\d+\]", query):
        if part in ("[]", "[*]"):
            projected = True
            node = node if isinstance(node, list) else []
            continue
        if part.startswith("["):
            i = int(part[1:-1])
            node = node[i] if isinstance(node, list) and -len(node) <= i < len(node) else None
            continue
        if projected and isinstance(node, list):
            node = [x.get(part) for x in node if isinstance(x, dict) and part in x]
        else:
            node = node.get(part) if isinstance(node, dict) else None
    return node


def start_time(ctx: Context, value: str | None, op: str) -> float:
    """CloudWatch ``--start-time`` (epoch ms) as scenario time; default: one hour ago."""
    if value is None:
        return ctx.t - 3600
    if not re.fullmatch(r"\d+", value):
        raise AwsError(f"\nParameter validation failed:\nInvalid type for parameter startTime, value: {value}, "
                       "type: <class 'str'>, valid types: <class 'int'>", 252)
    return ctx.drill.scenario_time(int(value) / 1000.0)


def matches(pattern: str | None, message: str) -> bool:
    """CloudWatch filter patterns: terms (all must appear), "quoted phrases", ?alternatives."""
    if not pattern:
        return True
    terms = re.findall(r'"[^"]*"|\S+', pattern.strip())
    alternatives = [t[1:] for t in terms if t.startswith("?")]
    required = [t for t in terms if not t.startswith("?")]
    if alternatives and not any(a.strip('"') in message for a in alternatives):
        return False
    return all(t.strip('"') in message for t in required)


def lambda_lines(ctx: Context, t1: float, t2: float) -> list[tuple[float, str]]:
    return ctx.activity.flowengine_logs(max(t1, ctx.t - 7200), t2)


def filter_log_events(ctx: Context, args: list[str], params: dict[str, list[str]]) -> Any:
    group = one(params, "log-group-name")
    if not group:
        raise usage_error("the following arguments are required: --log-group-name")
    if group != fleet.LOG_GROUP:
        raise service_error("ResourceNotFoundException", "FilterLogEvents", "The specified log group does not exist.")
    t1 = start_time(ctx, one(params, "start-time"), "FilterLogEvents")
    end = one(params, "end-time")
    t2 = min(ctx.t, ctx.drill.scenario_time(int(end) / 1000.0)) if end and end.isdigit() else ctx.t
    pattern = one(params, "filter-pattern")
    events = []
    limit = int(one(params, "limit") or 10000)
    for t, line in lambda_lines(ctx, t1, t2):
        message = f"{iso(ctx.wall(t))} {line}"
        if not matches(pattern, message):
            continue
        ms = int(ctx.wall(t) * 1000)
        stream = f"{iso(ctx.wall(t))[:10].replace('-', '/')}/[$LATEST]{short_hash('stream', int(t // 3600), n=32)}"
        events.append({"logStreamName": stream, "timestamp": ms, "message": message, "ingestionTime": ms + 412,
                       "eventId": str(ms) + short_hash(line, n=12)})
        if len(events) >= limit:
            break
    return {"events": events, "searchedLogStreams": []}


def logs_tail(ctx: Context, args: list[str], params: dict[str, list[str]]) -> int:
    group = args[0] if args else None
    if group != fleet.LOG_GROUP:
        raise service_error("ResourceNotFoundException", "FilterLogEvents", "The specified log group does not exist.")
    since = one(params, "since") or "10m"
    m = re.fullmatch(r"(\d+)([smhdw])", since)
    secs = int(m.group(1)) * {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}[m.group(2)] if m else 600
    pattern = one(params, "filter-pattern")
    for t, line in lambda_lines(ctx, ctx.t - ctx.scenario_span(secs), ctx.t):
        if matches(pattern, line):
            ctx.out(f"{iso(ctx.wall(t))} 2026/[$LATEST]{short_hash('stream', int(t // 3600), n=8)} {line}")
    return 0


# ------------------------------------------------------------------------------ S3


def bundle_sizes(ctx: Context) -> dict[str, tuple[float, float]]:
    """ctx_<task>.json -> (KB, scenario time written) for the recent flows."""
    out = {}
    moved = {str(a.detail.get("key")) for a in ctx.drill.actions() if a.action == "s3_move"}
    for f in ctx.activity.flows(ctx.t - 7200, ctx.t, ctx.t):
        key = f"ctx_{f.task_id}.json"
        if key not in moved:
            out[key] = (f.context_kb, f.start)
    return out


def human(kb: float) -> str:
    return f"{kb:.1f} KiB" if kb < 1024 else f"{kb / 1024:.1f} MiB"


def s3_ls(ctx: Context, args: list[str], params: dict[str, list[str]]) -> int:
    readable = "human-readable" in params
    if not args:
        for b in (fleet.CONTEXT_BUCKET, "quarantine-bucket", "flowengine-artifacts"):
            ctx.out(f"2025-09-02 10:14:31 {b}")
        return 0
    m = re.fullmatch(r"s3://([^/]+)/?(.*)", args[0])
    if not m:
        raise usage_error(f"argument path: Invalid S3 path: {args[0]}")
    bucket, prefix = m.group(1), m.group(2)
    if bucket not in (fleet.CONTEXT_BUCKET, "quarantine-bucket"):
        raise AwsError("\nAn error occurred (NoSuchBucket) when calling the ListObjectsV2 operation: The specified "
                       "bucket does not exist", 1)
    objects = bundle_sizes(ctx) if bucket == fleet.CONTEXT_BUCKET else quarantined(ctx)
    hits = sorted((k, v) for k, v in objects.items() if k.startswith(prefix))
    if not hits:
        return 1
    for key, (kb, t) in hits[-1000:]:
        stamp = iso(ctx.wall(t))[:19].replace("T", " ")
        size = human(kb) if readable else str(int(kb * 1024))
        ctx.out(f"{stamp} {size:>10} {key}")
    if "summarize" in params:
        total = sum(kb for _, (kb, _) in hits)
        ctx.out(f"\nTotal Objects: {len(hits)}\n   Total Size: {human(total) if readable else int(total * 1024)}")
    return 0


def quarantined(ctx: Context) -> dict[str, tuple[float, float]]:
    return {str(a.detail.get("key")): (float(a.detail.get("kb", 180.0)), a.t)
            for a in ctx.drill.actions() if a.action == "s3_move"}


def s3_copy(ctx: Context, args: list[str], params: dict[str, list[str]], verb: str) -> int:
    if len(args) < 2:
        raise usage_error("the following arguments are required: paths")
    src, dst = args[0], args[1]
    m = re.fullmatch(r"s3://([^/]+)/(.+)", src)
    if not m:
        raise usage_error(f"argument paths: Invalid S3 path: {src}")
    bucket, key = m.group(1), m.group(2)
    objects = bundle_sizes(ctx) if bucket == fleet.CONTEXT_BUCKET else quarantined(ctx)
    if key not in objects:
        ctx.err(f"fatal error: An error occurred (404) when calling the HeadObject operation: Key \"{key}\" does "
                "not exist")
        return 1
    if verb == "move":
        ctx.record("s3_move", key=key, kb=objects[key][0], destination=dst)
    ctx.out(f"{verb}: {src} to {dst}")
    return 0


# ------------------------------------------------------------------------------ the rest


def iam_op(ctx: Context, args: list[str], params: dict[str, list[str]]) -> Any:
    user = one(params, "user-name")
    if not user:
        raise usage_error("the following arguments are required: --user-name")
    if user != "flowengine-sa":
        raise service_error("NoSuchEntity", "PutUserPolicy", f"The user with name {user} cannot be found.")
    doc = one(params, "policy-document")
    if doc is not None:
        try:
            json.loads(doc)
        except ValueError:
            raise service_error("MalformedPolicyDocument", "PutUserPolicy", "Syntax errors in policy.") from None
    ctx.record("iam_change", user=user, policy=one(params, "policy-name") or one(params, "policy-arn"))
    return None


def lookup_events(ctx: Context, args: list[str], params: dict[str, list[str]]) -> Any:
    events = []
    for k in range(6):
        t = ctx.t - 300 - k * 480
        events.append({
            "EventId": short_hash("ct", k, n=32), "EventName": "GetObject" if k % 2 else "PutObject",
            "ReadOnly": "true" if k % 2 else "false", "EventTime": iso(ctx.wall(t)),
            "EventSource": "s3.amazonaws.com", "Username": "flowengine-sa",
            "Resources": [{"ResourceType": "AWS::S3::Object", "ResourceName": fleet.CONTEXT_BUCKET}],
        })
    if ctx.scenario == "audit-gap":
        events.append({
            "EventId": short_hash("ct-rot", n=32), "EventName": "UpdateSecret", "ReadOnly": "false",
            "EventTime": iso(ctx.wall(-1520.0)), "EventSource": "secretsmanager.amazonaws.com",
            "Username": "deploy-bot",
            "Resources": [{"ResourceType": "AWS::SecretsManager::Secret", "ResourceName": "audit-store-2025-11"}],
        })
    return {"Events": sorted(events, key=lambda e: e["EventTime"], reverse=True)}


def rds_snapshot(ctx: Context, args: list[str], params: dict[str, list[str]]) -> Any:
    db = one(params, "db-instance-identifier")
    snap = one(params, "db-snapshot-identifier")
    if not db or not snap:
        raise usage_error("the following arguments are required: --db-snapshot-identifier, --db-instance-identifier")
    if db != "flowengine-db":
        raise service_error("DBInstanceNotFound", "CreateDBSnapshot", f"DBInstance {db} not found.")
    ctx.record("db_snapshot", snapshot=snap)
    return {"DBSnapshot": {
        "DBSnapshotIdentifier": snap, "DBInstanceIdentifier": db, "Engine": "postgres", "AllocatedStorage": 200,
        "Status": "creating", "Port": 5432, "AvailabilityZone": "eu-west-1a", "EngineVersion": "15.5",
        "SnapshotType": "manual", "PercentProgress": 0,
        "DBSnapshotArn": f"arn:aws:rds:eu-west-1:{ACCOUNT}:snapshot:{snap}"}}


def rds_describe(ctx: Context, args: list[str], params: dict[str, list[str]]) -> Any:
    snaps = [a for a in ctx.drill.actions() if a.action == "db_snapshot"]
    return {"DBSnapshots": [{"DBSnapshotIdentifier": a.detail.get("snapshot"), "DBInstanceIdentifier": "flowengine-db",
                             "Status": "available" if ctx.t - a.t > 300 else "creating"} for a in snaps]}


def security_groups(ctx: Context, args: list[str], params: dict[str, list[str]]) -> Any:
    ids = params.get("group-ids") or []
    if ids and not all(g.startswith("sg-") for g in ids):
        raise service_error("InvalidGroupId.Malformed", "DescribeSecurityGroups", f'Invalid id: "{ids[0]}"')
    return {"SecurityGroups": [{"GroupId": g, "GroupName": "flowengine-nodes", "IpPermissions": []} for g in ids]}


HANDLERS = {
    ("logs", "filter-log-events"): filter_log_events,
    ("logs", "tail"): logs_tail,
    ("logs", "describe-log-groups"): lambda c, a, p: {"logGroups": [{
        "logGroupName": fleet.LOG_GROUP, "retentionInDays": 30, "storedBytes": 812734112,
        "arn": f"arn:aws:logs:eu-west-1:{ACCOUNT}:log-group:{fleet.LOG_GROUP}:*"}]},
    ("logs", "get-log-events"): filter_log_events,
    ("s3", "ls"): s3_ls,
    ("s3", "cp"): lambda c, a, p: s3_copy(c, a, p, "copy"),
    ("s3", "mv"): lambda c, a, p: s3_copy(c, a, p, "move"),
    ("s3", "rm"): lambda c, a, p: (c.out(f"delete: {a[0]}") or 0) if a else 1,
    ("iam", "put-user-policy"): iam_op,
    ("iam", "attach-user-policy"): iam_op,
    ("iam", "detach-user-policy"): iam_op,
    ("iam", "list-attached-user-policies"): lambda c, a, p: {"AttachedPolicies": []},
    ("iam", "get-user"): lambda c, a, p: {"User": {"UserName": one(p, "user-name") or "oncall-drill"}},
    ("cloudtrail", "lookup-events"): lookup_events,
    ("rds", "create-db-snapshot"): rds_snapshot,
    ("rds", "describe-db-snapshots"): rds_describe,
    ("rds", "describe-db-instances"): lambda c, a, p: {"DBInstances": [{"DBInstanceIdentifier": "flowengine-db",
                                                                         "DBInstanceStatus": "available"}]},
    ("sts", "get-caller-identity"): lambda c, a, p: {
        "UserId": "AIDAW3DRILL0EXAMPLE", "Account": ACCOUNT, "Arn": f"arn:aws:iam::{ACCOUNT}:user/oncall-drill"},
    ("ec2", "describe-security-groups"): security_groups,
    ("ec2", "describe-instances"): lambda c, a, p: {"Reservations": []},
}
