"""``aws`` for drills: the operations the runbooks use — CloudWatch Logs, S3 context bundles, IAM,
CloudTrail, an RDS snapshot and a security-group lookup.

Answers are AWS CLI v2's JSON with its error messages and exit codes (252 usage, 254 service
error, 1 for ``s3 ls`` of a missing key). CloudWatch holds the same FlowEngine log lines the pods
print; S3 holds a context bundle for every recent task. Anything else is an "Invalid choice"
listing what the drill answers (``--query``/``--output`` are refused rather than ignored).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from warroom.drill import fleet
from warroom.drill.activity import iso
from warroom.drill.cluster import short_hash
from warroom.drill.standins.base import Context

ACCOUNT = "414736215093"
Params = dict[str, list[str]]


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


SWITCHES = {"human-readable", "summarize", "recursive", "no-paginate", "dry-run", "no-cli-pager", "debug",
            "no-verify-ssl", "quiet", "only-show-errors"}


def parse(argv: list[str]) -> tuple[list[str], Params]:
    """``--name v1 v2`` (values up to the next ``--``), ``--name=v``, switches; the rest positional."""
    pos: list[str] = []
    params: Params = {}
    i = 0
    while i < len(argv):
        a = argv[i]
        if a.startswith("--"):
            name, eq, value = a[2:].partition("=")
            values: list[str] = [value] if eq else []
            while not eq and name not in SWITCHES and i + 1 < len(argv) and not argv[i + 1].startswith("--"):
                values.append(argv[i + 1])
                i += 1
            params[name] = values
        else:
            pos.append(a)
        i += 1
    return pos, params


def one(params: Params, name: str) -> str | None:
    v = params.get(name)
    return " ".join(v) if v else None


def run(ctx: Context, argv: list[str]) -> int:
    pos, params = parse(argv)
    services: dict[str, list[str]] = {}
    for svc, op_name in HANDLERS:
        services.setdefault(svc, []).append(op_name)
    try:
        if not pos:
            raise usage_error("the following arguments are required: command")
        if pos[0] not in services:
            raise usage_error("argument command: Invalid choice, valid choices are:\n\n"
                              + "\n".join(f"{s:<20}" for s in services))
        if len(pos) < 2:
            raise usage_error("the following arguments are required: operation")
        if pos[1] not in services[pos[0]]:
            raise usage_error("argument operation: Invalid choice, valid choices are:\n\n"
                              + "\n".join(f"{o:<40}" for o in services[pos[0]]))
        if "query" in params or one(params, "output") not in (None, "json"):
            raise usage_error("drill: only the default JSON output is simulated (no --query, --output json only)")
        ctx.pause(0.4)
        result = HANDLERS[(pos[0], pos[1])](ctx, pos[2:], params)
    except AwsError as exc:
        ctx.err(str(exc))
        return exc.code
    if isinstance(result, int):
        return result
    if result is not None:
        ctx.out(json.dumps(result, indent=4, ensure_ascii=False))
    return 0


# ------------------------------------------------------------------------------ CloudWatch Logs


def matches(pattern: str | None, message: str) -> bool:
    """CloudWatch filter patterns: terms (all must appear), "quoted phrases", ?alternatives."""
    terms = re.findall(r'"[^"]*"|\S+', (pattern or "").strip())
    alternatives = [t[1:].strip('"') for t in terms if t.startswith("?")]
    required = [t.strip('"') for t in terms if not t.startswith("?")]
    return (not alternatives or any(a in message for a in alternatives)) and all(t in message for t in required)


def filter_log_events(ctx: Context, args: list[str], params: Params) -> Any:
    group = one(params, "log-group-name")
    if not group:
        raise usage_error("the following arguments are required: --log-group-name")
    if group != fleet.LOG_GROUP:
        raise service_error("ResourceNotFoundException", "FilterLogEvents", "The specified log group does not exist.")
    start = one(params, "start-time")      # epoch ms, read through the drill clock; default: the last hour
    if start is not None and not re.fullmatch(r"\d+", start):
        raise AwsError(f"\nParameter validation failed:\nInvalid type for parameter startTime, value: {start}, "
                       "type: <class 'str'>, valid types: <class 'int'>", 252)
    t1 = ctx.t - 3600 if start is None else ctx.drill.scenario_time(int(start) / 1000.0)
    end = one(params, "end-time")
    t2 = min(ctx.t, ctx.drill.scenario_time(int(end) / 1000.0)) if end and end.isdigit() else ctx.t
    events = []
    for t, line in ctx.activity.flowengine_logs(max(t1, ctx.t - 7200), t2):
        message = f"{iso(ctx.wall(t))} {line}"
        if not matches(one(params, "filter-pattern"), message):
            continue
        ms = int(ctx.wall(t) * 1000)
        stream = f"{iso(ctx.wall(t))[:10].replace('-', '/')}/[$LATEST]{short_hash('stream', int(t // 3600), n=32)}"
        events.append({"logStreamName": stream, "timestamp": ms, "message": message, "ingestionTime": ms + 412,
                       "eventId": str(ms) + short_hash(line, n=12)})
        if len(events) >= int(one(params, "limit") or 10000):
            break
    return {"events": events, "searchedLogStreams": []}


# ------------------------------------------------------------------------------ S3


def bucket_objects(ctx: Context, bucket: str) -> dict[str, tuple[float, float]]:
    """key -> (KB, scenario time written): a bundle per recent task; quarantine holds what was moved."""
    moved = {str(a.detail.get("key")): (float(a.detail.get("kb", 180.0)), a.t)
             for a in ctx.drill.actions() if a.action == "s3_move"}
    if bucket != fleet.CONTEXT_BUCKET:
        return moved
    return {f"ctx_{f.task_id}.json": (f.context_kb, f.start) for f in ctx.activity.flows(ctx.t - 7200, ctx.t, ctx.t)
            if f"ctx_{f.task_id}.json" not in moved}


def human(kb: float) -> str:
    return f"{kb:.1f} KiB" if kb < 1024 else f"{kb / 1024:.1f} MiB"


def s3_ls(ctx: Context, args: list[str], params: Params) -> int:
    readable = "human-readable" in params
    if not args:
        for b in (fleet.CONTEXT_BUCKET, "quarantine-bucket", "flowengine-artifacts"):
            ctx.out(f"2025-09-02 10:14:31 {b}")
        return 0
    m = re.fullmatch(r"s3://([^/]+)/?(.*)", args[0])
    if not m:
        raise usage_error(f"argument path: Invalid S3 path: {args[0]}")
    if m.group(1) not in (fleet.CONTEXT_BUCKET, "quarantine-bucket"):
        raise AwsError("\nAn error occurred (NoSuchBucket) when calling the ListObjectsV2 operation: The specified "
                       "bucket does not exist", 1)
    hits = sorted((k, v) for k, v in bucket_objects(ctx, m.group(1)).items() if k.startswith(m.group(2)))
    if not hits:
        return 1
    for key, (kb, t) in hits[-1000:]:
        ctx.out(f"{iso(ctx.wall(t))[:19].replace('T', ' ')} {human(kb) if readable else str(int(kb * 1024)):>10} {key}")
    if "summarize" in params:
        total = sum(kb for _, (kb, _) in hits)
        ctx.out(f"\nTotal Objects: {len(hits)}\n   Total Size: {human(total) if readable else int(total * 1024)}")
    return 0


def s3_copy(ctx: Context, args: list[str], params: Params, verb: str) -> int:
    """``s3 cp|mv``: a move to quarantine is recorded (and the bundle leaves the context bucket)."""
    if len(args) < 2:
        raise usage_error("the following arguments are required: paths")
    m = re.fullmatch(r"s3://([^/]+)/(.+)", args[0])
    if not m:
        raise usage_error(f"argument paths: Invalid S3 path: {args[0]}")
    objects = bucket_objects(ctx, m.group(1))
    if m.group(2) not in objects:
        ctx.err(f"fatal error: An error occurred (404) when calling the HeadObject operation: Key \"{m.group(2)}\" "
                "does not exist")
        return 1
    if verb == "move":
        ctx.record("s3_move", key=m.group(2), kb=objects[m.group(2)][0], destination=args[1])
    ctx.out(f"{verb}: {args[0]} to {args[1]}")
    return 0


# ------------------------------------------------------------------------------ the rest


def iam_op(ctx: Context, args: list[str], params: Params) -> Any:
    user = one(params, "user-name")
    if not user:
        raise usage_error("the following arguments are required: --user-name")
    if user != "flowengine-sa":
        raise service_error("NoSuchEntity", "PutUserPolicy", f"The user with name {user} cannot be found.")
    doc = one(params, "policy-document")
    try:
        json.loads(doc) if doc is not None else None
    except ValueError:
        raise service_error("MalformedPolicyDocument", "PutUserPolicy", "Syntax errors in policy.") from None
    ctx.record("iam_change", user=user, policy=one(params, "policy-name") or one(params, "policy-arn"))
    return None


def lookup_events(ctx: Context, args: list[str], params: Params) -> Any:
    """FlowEngine's own S3 traffic, plus the secret rotations in the scenario's history (a change
    that sets a ``*_SECRET``, rotated just before it is rolled out)."""
    events = [{
        "EventId": short_hash("ct", k, n=32), "EventName": "GetObject" if k % 2 else "PutObject",
        "ReadOnly": "true" if k % 2 else "false", "EventTime": iso(ctx.wall(ctx.t - 300 - k * 480)),
        "EventSource": "s3.amazonaws.com", "Username": "flowengine-sa",
        "Resources": [{"ResourceType": "AWS::S3::Object", "ResourceName": fleet.CONTEXT_BUCKET}],
    } for k in range(6)]
    rotated: dict[str, float] = {}
    for change in ctx.drill.scenario.changes:
        for key, secret in change.env.items():
            if key.endswith("_SECRET"):
                rotated[secret] = min(rotated.get(secret, change.at), change.at)
    events += [{
        "EventId": short_hash("ct-rot", n=32), "EventName": "UpdateSecret", "ReadOnly": "false",
        "EventTime": iso(ctx.wall(at - 20)), "EventSource": "secretsmanager.amazonaws.com",
        "Username": "deploy-bot", "Resources": [{"ResourceType": "AWS::SecretsManager::Secret", "ResourceName": secret}],
    } for secret, at in rotated.items()]
    return {"Events": sorted(events, key=lambda e: e["EventTime"], reverse=True)}


def rds_snapshot(ctx: Context, args: list[str], params: Params) -> Any:
    db, snap = one(params, "db-instance-identifier"), one(params, "db-snapshot-identifier")
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


def security_groups(ctx: Context, args: list[str], params: Params) -> Any:
    ids = params.get("group-ids") or []
    if ids and not all(g.startswith("sg-") for g in ids):
        raise service_error("InvalidGroupId.Malformed", "DescribeSecurityGroups", f'Invalid id: "{ids[0]}"')
    return {"SecurityGroups": [{"GroupId": g, "GroupName": "flowengine-nodes", "IpPermissions": []} for g in ids]}


HANDLERS: dict[tuple[str, str], Callable[[Context, list[str], Params], Any]] = {
    ("logs", "filter-log-events"): filter_log_events,
    ("s3", "ls"): s3_ls,
    ("s3", "cp"): lambda c, a, p: s3_copy(c, a, p, "copy"),
    ("s3", "mv"): lambda c, a, p: s3_copy(c, a, p, "move"),
    ("iam", "put-user-policy"): iam_op,
    ("iam", "attach-user-policy"): iam_op,
    ("cloudtrail", "lookup-events"): lookup_events,
    ("rds", "create-db-snapshot"): rds_snapshot,
    ("ec2", "describe-security-groups"): security_groups,
}
