"""``aws`` for drills: CloudWatch Logs, S3 context bundles, IAM, CloudTrail, an RDS snapshot, security groups.

AWS CLI v2's JSON, errors and exit codes (252 usage, 254 service error). CloudWatch holds the log
lines the FlowEngine pods print; S3 a context bundle per recent task. Anything else is an "Invalid
choice" listing what the drill answers; ``--query`` and non-JSON ``--output`` are refused.
"""

from __future__ import annotations

import base64
import bisect
import json
import math
import os
import re
from collections.abc import Callable
from fnmatch import fnmatchcase
from datetime import UTC, datetime
from typing import Any

from warroom.drill import fleet
from warroom.drill.activity import iso
from warroom.drill.cluster import short_hash
from warroom.drill.standins.base import Context, ToolError, read_input, refuse_unread

ACCOUNT = "414736215093"         # the drill's AWS account
Operation = Callable[[Context, list[str], "Params"], Any]         # (ctx, positional words, --params)
OPERATIONS: dict[str, dict[str, Operation]] = {}          # service -> operation -> handler
READS: dict[str, set[str]] = {}                           # "service operation" -> the parameters its answer reads
SWITCHES = {"human-readable", "summarize", "recursive", "no-paginate", "dry-run", "dryrun", "no-cli-pager", "debug",
            "no-verify-ssl", "quiet", "only-show-errors", "start-from-head", "no-start-from-head", "descending",
            "no-descending"}
# taken, and they change nothing in the drill's world: no answer but filter-log-events' (which reads it) outgrows a
# page (--no-paginate), no pager runs here (--no-cli-pager) and the drill's buckets hold no folders (s3 ls --recursive)
INERT = {"no-paginate", "no-cli-pager", "recursive"}
GLOBAL = {"output", "region", "no-paginate", "no-cli-pager"}        # every operation reads them (``run``)


def operation(*names: str, reads: str = "") -> Callable[[Operation], Operation]:
    """Register the handler of ``aws SERVICE OPERATION`` for each "service operation" named, and the
    parameters its answer reads (any other is refused: ``run``)."""
    def register(fn: Operation) -> Operation:
        for name in names:
            service, op = name.split()
            OPERATIONS.setdefault(service, {})[op] = fn
            READS[name] = {*reads.split(), *GLOBAL}
        return fn
    return register


class Params(dict[str, list[str]]):
    """The ``--name value...`` parameters by name (a switch has no values)."""

    def one(self, name: str) -> str | None:
        return " ".join(self[name]) if self.get(name) else None

    def required(self, *names: str) -> list[str]:
        if missing := [n for n in names if not self.one(n)]:        # argparse names the ones missing
            raise usage_error(f"the following arguments are required: {', '.join('--' + n for n in missing)}")
        return [str(self.one(n)) for n in names]

    def integer(self, name: str) -> int | None:
        """An integer parameter (``startTime`` is ``--start-time``), refused as the CLI's validation does."""
        value = self.one(re.sub(r"[A-Z]", lambda m: "-" + m.group().lower(), name))
        if value is not None and not value.isdecimal():
            raise ToolError(f"\nParameter validation failed:\nInvalid type for parameter {name}, value: {value}, "
                            "type: <class 'str'>, valid types: <class 'int'>", 252)
        return None if value is None else int(value)


def usage_error(message: str) -> ToolError:
    return ToolError("\nusage: aws [options] <command> <subcommand> [<subcommand> ...] [parameters]\n"
                     "To see help text, you can run:\n\n  aws help\n  aws <command> help\n"
                     f"  aws <command> <subcommand> help\n\naws: error: {message}\n", 252)


def service_error(code: str, op: str, message: str) -> ToolError:
    return ToolError(f"\nAn error occurred ({code}) when calling the {op} operation: {message}", 254)


def run(ctx: Context, argv: list[str]) -> int:
    pos: list[str] = []
    params = Params()
    taking: str | None = None              # the --name whose values (up to the next --name) follow
    for word in argv:
        if word.startswith("--"):
            name, eq, value = word[2:].partition("=")
            params[name], taking = ([value] if eq else []), (None if eq or name in SWITCHES else name)
        elif taking is not None:
            params[taking].append(word)
        else:
            pos.append(word)
    for name, values in params.items():     # any parameter's value read from a file, as aws-cli's paramfile does
        if len(values) == 1 and values[0].startswith(("file://", "fileb://")):
            params[name] = [paramfile(name, values[0])]
    for depth, what in ((0, "command"), (1, "operation")):
        choices = OPERATIONS if depth == 0 else OPERATIONS[pos[0]]
        if len(pos) <= depth:
            raise usage_error(f"the following arguments are required: {what}")
        if pos[depth] not in choices:
            raise usage_error(f"argument {what}: Invalid choice, valid choices are:\n\n"
                              + "\n".join(f"{c:<{20 if depth == 0 else 40}}" for c in choices))
    if "query" in params or params.one("output") not in (None, "json"):
        raise usage_error("drill: only the default JSON output is simulated (no --query, --output json only)")
    refuse_unread(params, READS[" ".join(pos[:2])], " ".join(["aws", *pos[:2]]), "aws: error: ", 252)
    if params.one("region") not in (None, "eu-west-1"):
        raise usage_error(f"drill: the drill's account is in eu-west-1; --region {params.one('region')} is not simulated")
    ctx.pause(0.4)
    result = OPERATIONS[pos[0]][pos[1]](ctx, pos, params)
    if isinstance(result, int):
        return result
    if result is not None:
        ctx.out(json.dumps(result, indent=4, ensure_ascii=False))
    return 0


def paramfile(name: str, value: str) -> str:
    """``file://PATH`` (or ``fileb://``): the file's contents in place of the value (A12: the usual way to give a policy
    document was "MalformedPolicyDocument"), PATH relative to where ``aws`` runs, ``~`` and ``$VAR`` expanded."""
    path = os.path.expandvars(os.path.expanduser(value.partition("://")[2]))
    try:
        return read_input(path, "\nError parsing parameter '--" + name + "': {path} is over {limit} characters", 252)
    except OSError as exc:
        raise ToolError(f"\nError parsing parameter '--{name}': Unable to load paramfile {value}: {exc}", 252) from None


# ------------------------------------------------------------------------------ CloudWatch Logs
def matches(pattern: str | None, message: str) -> bool:
    """CloudWatch filter patterns: terms (all must appear), "quoted phrases", ?alternatives."""
    terms = re.findall(r'"[^"]*"|\S+', (pattern or "").strip())
    alternatives = [t[1:].strip('"') for t in terms if t.startswith("?")]
    required_ = [t.strip('"') for t in terms if not t.startswith("?")]
    return (not alternatives or any(a in message for a in alternatives)) and all(t in message for t in required_)


def log_events(ctx: Context, t1: float, t2: float) -> list[dict[str, Any]]:
    """The group's events between scenario times ``t1`` and ``t2``: the lines the FlowEngine pods print, each in the
    stream of its scenario hour (a function's stream: its day, ``[$LATEST]``, an id), in time order."""
    out = []
    for t, line in sorted([*ctx.activity.flowengine_logs(t1, t2), *ctx.cluster.starts(max(t1, ctx.series.t0), t2)],
                          key=lambda x: x[0]):      # every pod's start too
        message, ms = f"{iso(ctx.wall(t))} {line}", int(ctx.wall(t) * 1000)
        stream = f"{iso(ctx.wall(t))[:10].replace('-', '/')}/[$LATEST]{short_hash('stream', int(t // 3600), n=32)}"
        out.append({"logStreamName": stream, "timestamp": ms, "message": message, "ingestionTime": ms + 412,
                    "eventId": str(ms) + short_hash(line, n=12)})
    return out


PAGE = (10_000, 1_048_576)      # a FilterLogEvents answer: at most 10,000 events, 1 MB (an event: its bytes + 26)
MANUAL, PAGING = ("limit", "next-token", "no-paginate"), ("starting-token", "page-size", "max-items")


def check_limit(value: int | None, op: str) -> None:
    """A page size as the CLI's parameter validation (below 1) and the service (above ``PAGE``)
    refuse it, in operation ``op``'s error."""
    if value is not None and value < 1:
        raise ToolError(f"\nParameter validation failed:\nInvalid value for parameter limit, value: {value}, "
                        "valid min value: 1", 252)
    if value is not None and value > PAGE[0]:
        raise service_error("InvalidParameterException", op, f"1 validation error detected: Value "
                            f"'{value}' at 'limit' failed to satisfy constraint: Member must have value less than "
                            f"or equal to {PAGE[0]}")


@operation("logs filter-log-events", reads=" ".join(("log-group-name filter-pattern start-time end-time",
                                                    *MANUAL, *PAGING)))
def filter_log_events(ctx: Context, words: list[str], params: Params) -> Any:
    """Every event in the window (no ``--start-time``: all the group holds), as the CLI pages through FilterLogEvents
    (``--page-size`` events a call) for them, up to ``--max-items`` (then its ``NextToken``, which ``--starting-token``
    resumes); with ``--limit``, ``--next-token`` or ``--no-paginate`` (``MANUAL``) one call: a page and its
    ``nextToken``. An API token is the position of a page's first event (its millisecond, and how many before it
    share that), the CLI's the API's and how many of that page it gave (botocore's encoding)."""
    [group] = params.required("log-group-name")
    if group != fleet.LOG_GROUP:
        raise service_error("ResourceNotFoundException", "FilterLogEvents", "The specified log group does not exist.")
    if (manual := [n for n in MANUAL if n in params]) and (paging := [n for n in PAGING if n in params]):
        raise ToolError(f"\nCannot specify --no-paginate along with pagination arguments: --{', --'.join(paging)}\n",
                        252)
    start, end, limit = (params.integer(name) for name in ("startTime", "endTime", "limit"))
    size, most = (cli_integer(params, name) for name in ("page-size", "max-items"))
    if most is not None and most < 1:       # botocore: "undefined behavior"
        raise usage_error("drill: --max-items below 1 is not simulated (the CLI's behaviour is undefined)")
    for value in (limit, size):
        check_limit(value, "FilterLogEvents")
    t1 = -math.inf if start is None else ctx.drill.scenario_time(start / 1000.0)   # epoch ms, via the drill clock
    t2 = ctx.t if end is None else min(ctx.t, ctx.drill.scenario_time(end / 1000.0))
    events = [e for e in log_events(ctx, t1, t2) if matches(params.one("filter-pattern"), e["message"])]
    stamps = [e["timestamp"] for e in events]

    def token(i: int) -> str | None:        # the API's token of the page that starts at event i (the first: none)
        return None if i == 0 else base64.urlsafe_b64encode(
            f"{stamps[i]}/{i - bisect.bisect_left(stamps, stamps[i])}".encode()).decode()

    def position(text: str | None) -> int:
        if text is None:
            return 0
        try:
            ms, _, k = base64.urlsafe_b64decode(str(text).encode()).decode().partition("/")
            return bisect.bisect_left(stamps, int(ms)) + int(k)
        except ValueError:
            raise service_error("InvalidParameterException", "FilterLogEvents", "The specified nextToken is invalid.") \
                from None

    def page(i: int, most: int) -> int:     # where the page that starts at event i ends
        n, size = i, 0
        while n < len(events) and n - i < most and (size := size + len(events[n]["message"].encode()) + 26) <= PAGE[1]:
            n += 1
        return n

    if manual:
        first = position(params.one("next-token"))
        n = page(first, limit or PAGE[0])
        more = {"nextToken": token(n)} if n < len(events) else {}
        return {"events": events[first:n], "searchedLogStreams": []} | more
    at, skip = 0, 0
    if cli := params.one("starting-token"):
        try:
            said = json.loads(base64.b64decode(cli.encode(), validate=True))
            at, skip = position(said["nextToken"]), int(said.get("boto_truncate_amount", 0))
        except (ValueError, TypeError, KeyError):
            raise ToolError(f"\nBad starting token: {cli}", 255) from None
    stop = len(events) if most is None else min(len(events), at + skip + most)
    out: dict[str, Any] = {"events": events[at + skip:stop], "searchedLogStreams": []}
    while stop < len(events) and (n := page(at, size or PAGE[0])) <= stop:     # the page of the first event not given
        at = n
    if stop < len(events):
        resume = {"nextToken": token(at)} | ({"boto_truncate_amount": stop - at} if stop > at else {})
        out["NextToken"] = base64.b64encode(json.dumps(resume).encode()).decode()
    return out


@operation("logs get-log-events", reads="log-group-name log-stream-name start-time end-time limit next-token "
                                         "start-from-head no-start-from-head")
def get_log_events(ctx: Context, words: list[str], params: Params) -> Any:
    """One stream's events, as GetLogEvents gives them (the CLI does not page through it): a page of at most
    ``--limit`` events, 10,000 and 1 MB, in time order, the last of the window (``--start-from-head``: the first); a
    ``nextForwardToken`` to the newer ones and a ``nextBackwardToken`` to the older ones, each the place in the stream
    it points at, given back as it came at the stream's end."""
    group, name = params.required("log-group-name", "log-stream-name")
    if group != fleet.LOG_GROUP:
        raise service_error("ResourceNotFoundException", "GetLogEvents", "The specified log group does not exist.")
    start, end, limit = (params.integer(n) for n in ("startTime", "endTime", "limit"))
    check_limit(limit, "GetLogEvents")
    hour = next((h for h in range(int(ctx.series.t0 // 3600) - 1, int(ctx.t // 3600) + 1)
                 if name.endswith(f"/[$LATEST]{short_hash('stream', h, n=32)}")), None)
    events = [] if hour is None else [{k: e[k] for k in ("timestamp", "message", "ingestionTime")} for e in log_events(
        ctx, hour * 3600.0, min(ctx.t, hour * 3600.0 + 3600)) if e["logStreamName"] == name]
    if not events:
        raise service_error("ResourceNotFoundException", "GetLogEvents", "The specified log stream does not exist.")
    stamps = [e["timestamp"] for e in events]
    low = 0 if start is None else bisect.bisect_left(stamps, start)
    high = len(events) if end is None else max(low, bisect.bisect_left(stamps, end))       # the end is not in it
    token = params.one("next-token")
    if token is not None and not re.fullmatch(r"[fb]/\d{56}", token):
        raise service_error("InvalidParameterException", "GetLogEvents", "The specified nextToken is invalid.")
    forward = token[0] == "f" if token else "start-from-head" in params and "no-start-from-head" not in params
    at = min(max(int(token[2:]), low), high) if token else low if forward else high
    first, last, size = at, at, 0
    while (last < high if forward else first > low) and last - first < (limit or PAGE[0]):
        if (size := size + len(events[last if forward else first - 1]["message"].encode()) + 26) > PAGE[1]:
            break
        first, last = (first, last + 1) if forward else (first - 1, last)
    return {"events": events[first:last], "nextForwardToken": f"f/{last:056d}", "nextBackwardToken": f"b/{first:056d}"}


@operation("logs describe-log-streams", reads="log-group-name log-stream-name-prefix order-by descending "
                                              "no-descending limit next-token")
def describe_log_streams(ctx: Context, words: list[str], params: Params) -> Any:
    """The group's streams (``log_events``: one a scenario hour that has events) by name or by their last event
    (``--descending``: the other way), as the CLI pages through DescribeLogStreams for every one; with ``--limit`` or
    ``--next-token`` one call, its ``nextToken`` (the place of the next stream) when more remain."""
    [group] = params.required("log-group-name")
    order, prefix, limit = params.one("order-by") or "LogStreamName", params.one("log-stream-name-prefix"), \
        params.integer("limit")
    if group != fleet.LOG_GROUP:
        raise service_error("ResourceNotFoundException", "DescribeLogStreams",
                            "The specified log group does not exist.")
    if order not in ("LogStreamName", "LastEventTime"):
        raise service_error("InvalidParameterException", "DescribeLogStreams", f"1 validation error detected: Value "
                            f"'{order}' at 'orderBy' failed to satisfy constraint: Member must satisfy enum value set: "
                            "[LogStreamName, LastEventTime]")
    if order == "LastEventTime" and prefix is not None:
        raise service_error("InvalidParameterException", "DescribeLogStreams",
                            "Cannot order by LastEventTime with a logStreamNamePrefix.")
    if limit is not None and not 1 <= limit <= 50:
        raise service_error("InvalidParameterException", "DescribeLogStreams", f"1 validation error detected: Value "
                            f"'{limit}' at 'limit' failed to satisfy constraint: Member must have value "
                            f"{'less' if limit > 50 else 'greater'} than or equal to {50 if limit > 50 else 1}")
    streams: dict[str, dict[str, Any]] = {}
    for e in log_events(ctx, -math.inf, ctx.t):
        s = streams.setdefault(e["logStreamName"], {
            "logStreamName": e["logStreamName"], "creationTime": e["timestamp"], "firstEventTimestamp": e["timestamp"],
            "arn": f"arn:aws:logs:eu-west-1:{ACCOUNT}:log-group:{group}:log-stream:{e['logStreamName']}",
            "storedBytes": 0})
        s |= {"lastEventTimestamp": e["timestamp"], "lastIngestionTime": e["ingestionTime"]}
    found = sorted((s for name, s in streams.items() if name.startswith(prefix or "")), reverse="descending" in params
                   and "no-descending" not in params, key=lambda s: s["lastEventTimestamp" if order != "LogStreamName"
                                                                      else "logStreamName"])
    first = 0
    if (token := params.one("next-token")) is not None:
        if not token.isdecimal():
            raise service_error("InvalidParameterException", "DescribeLogStreams",
                                "The specified nextToken is invalid.")
        first = int(token)
    last = len(found) if limit is None and token is None else first + (limit or 50)
    keys = ("logStreamName", "creationTime", "firstEventTimestamp", "lastEventTimestamp", "lastIngestionTime", "arn",
            "storedBytes")
    return {"logStreams": [{k: s[k] for k in keys} for s in found[first:last]]} | (
        {"nextToken": str(last)} if last < len(found) else {})


def cli_integer(params: Params, name: str) -> int | None:
    """A paging argument of the CLI's own (``--max-items``), read by argparse's ``int``."""
    if (value := params.one(name)) is None:
        return None
    try:
        return int(value)
    except ValueError:
        raise usage_error(f"argument --{name}: invalid int value: '{value}'") from None


# ------------------------------------------------------------------------------ S3
def bucket_objects(ctx: Context, bucket: str) -> dict[str, tuple[float, float]]:
    """key -> (KB, scenario time written): a bundle per recent task (none while a Deny keeps FlowEngine from the
    bucket: ``Signals.bundles_denied``); quarantine holds what was moved."""
    moved = {str(a.detail.get("key")): (float(a.detail.get("kb", 180.0)), a.t)
             for a in ctx.drill.actions() if a.action == "s3_move"}
    if bucket != fleet.CONTEXT_BUCKET:
        return moved
    return {f"ctx_{f.task_id}.json": (f.context_kb, f.began) for f in ctx.activity.kept(ctx.t)      # written as
            if f"ctx_{f.task_id}.json" not in moved and f.status != "queued"                      # it runs
            and not ctx.signals.bundles_denied(f.began)}


@operation("s3 ls", reads="human-readable summarize recursive")     # --recursive: the buckets hold no folders
def s3_ls(ctx: Context, words: list[str], params: Params) -> int:
    def size(kb: float) -> str:
        if "human-readable" not in params:
            return str(int(kb * 1024))
        return f"{kb:.1f} KiB" if kb < 1024 else f"{kb / 1024:.1f} MiB"

    if len(words) < 3:
        for b in (fleet.CONTEXT_BUCKET, "quarantine-bucket", "flowengine-artifacts"):
            ctx.out(f"2025-09-02 10:14:31 {b}")
        return 0
    if not (m := re.fullmatch(r"s3://([^/]+)/?(.*)", words[2])):
        raise usage_error(f"argument path: Invalid S3 path: {words[2]}")
    if m.group(1) not in (fleet.CONTEXT_BUCKET, "quarantine-bucket"):
        raise ToolError("\nAn error occurred (NoSuchBucket) when calling the ListObjectsV2 operation: The specified "
                        "bucket does not exist")
    hits = sorted((k, v) for k, v in bucket_objects(ctx, m.group(1)).items() if k.startswith(m.group(2)))
    for key, (kb, t) in hits:                 # the CLI pages through ListObjectsV2: every key, not the first 1000
        ctx.out(f"{iso(ctx.wall(t))[:19].replace('T', ' ')} {size(kb):>10} {key}")
    if hits and "summarize" in params:
        ctx.out(f"\nTotal Objects: {len(hits)}\n   Total Size: {size(sum(kb for _, (kb, _) in hits))}")
    return 0 if hits else 1


@operation("s3 cp", "s3 mv", reads="dryrun quiet only-show-errors")
def s3_copy(ctx: Context, words: list[str], params: Params) -> int:
    """``s3 cp|mv``: a move (to quarantine) is recorded, and the bundle leaves the context bucket; with
    ``--dryrun`` only said, with ``--quiet`` (or ``--only-show-errors``) done without a word. A download (to a local
    path or ``-``) is refused by name: the drill's buckets hold a listing, no bytes, so no file could be written
    (redteam49 F5: it said ``copy: … to ./A1``, exit 0, and wrote nothing, where curl -o writes its file)."""
    if len(words) < 4:
        raise usage_error("the following arguments are required: paths")
    source, destination = words[2:4]
    if not (m := re.fullmatch(r"s3://([^/]+)/(.+)", source)):
        raise usage_error(f"argument paths: Invalid S3 path: {source}")
    if (found := bucket_objects(ctx, m.group(1)).get(m.group(2))) is None:
        raise ToolError(f"fatal error: An error occurred (404) when calling the HeadObject operation: Key "
                        f"\"{m.group(2)}\" does not exist")
    local = not destination.startswith("s3://")
    if local and "dryrun" not in params:
        raise ToolError(f"aws: drill: a download (`aws s3 {words[1]}` to {destination}) is not simulated: the drill's "
                        "buckets hold each object's name and size, not its bytes, so nothing was written"
                        + " and the object stays where it is" * (words[1] == "mv"), 1)
    if words[1] == "mv" and "dryrun" not in params:
        ctx.record("s3_move", key=m.group(2), kb=found[0], destination=destination)
    if not {"quiet", "only-show-errors"} & set(params):
        said = "download" if local else "move" if words[1] == "mv" else "copy"
        ctx.out(f"{'(dryrun) ' * ('dryrun' in params)}{said}: {source} to {destination}")
    return 0


# ------------------------------------------------------------------------------ the rest
@operation("iam put-user-policy", reads="user-name policy-name policy-document")
@operation("iam attach-user-policy", reads="user-name policy-arn")
@operation("iam delete-user-policy", reads="user-name policy-name")
@operation("iam detach-user-policy", reads="user-name policy-arn")
def iam_policy(ctx: Context, words: list[str], params: Params) -> Any:
    """A policy of FlowEngine's service account put, attached, deleted or detached: recorded (``iam_change``), with
    whether it denies the account the bundles' bucket, which the world follows (``Signals.bundles_denied``: redteam44
    A2, an explicit Deny changed nothing); a put of the same name replaces the document, as IAM's inline policies do.
    An attached policy is a managed one, by its ARN, apart from the inline ones (A12: AWSDenyAll was listed as an
    inline policy and denied nothing); the drill's account holds AWS's managed policies only."""
    op, verb = "".join(w.capitalize() for w in words[1].split("-")), words[1].split("-")[0]
    arn = verb in ("attach", "detach")
    user, name = params.required("user-name", *{"put": ("policy-name", "policy-document"), "attach": ("policy-arn",),
                                                 "delete": ("policy-name",), "detach": ("policy-arn",)}[verb])[:2]
    if user != "flowengine-sa":
        raise service_error("NoSuchEntity", op, f"The user with name {user} cannot be found.")
    if verb in ("delete", "detach") and name not in user_policies(ctx, arn):
        raise service_error("NoSuchEntity", op, f"Policy {name} was not found." if arn else
                            f"The user policy with name {name} cannot be found.")
    if verb == "attach" and not name.startswith(MANAGED):
        raise service_error("NoSuchEntity", op, f"Policy {name} does not exist or is not attachable.")
    try:
        document = AWS_DENY_ALL if name == MANAGED + "AWSDenyAll" else json.loads(
            params.one("policy-document") or "null")
    except ValueError:
        raise service_error("MalformedPolicyDocument", op, "Syntax errors in policy.") from None
    if verb == "put" and (wrong := malformed(document)):
        raise service_error("MalformedPolicyDocument", op, wrong)
    ctx.record("iam_change", user=user, policy=name, document=document, deleted=verb in ("delete", "detach"),
               denies_bundles=denies(document, fleet.CONTEXT_BUCKET), op=op, **({"attached": True} if arn else {}))
    return None


MANAGED = "arn:aws:iam::aws:policy/"        # AWS's managed policies; AWSDenyAll's the one whose document denies
AWS_DENY_ALL = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]}


@operation("iam list-user-policies", reads="user-name")
@operation("iam get-user-policy", reads="user-name policy-name")
@operation("iam list-attached-user-policies", reads="user-name")
def iam_read(ctx: Context, words: list[str], params: Params) -> Any:
    """The inline (or attached) policies of FlowEngine's service account, as the puts and deletes left them."""
    user, *name = params.required("user-name", *(("policy-name",) if words[1].startswith("get") else ()))
    op, held = "".join(w.capitalize() for w in words[1].split("-")), user_policies(ctx, "attached" in words[1])
    if user != "flowengine-sa" or name and name[0] not in held:
        raise service_error("NoSuchEntity", op, f"The user with name {user} cannot be found." if name == [] or
                            user != "flowengine-sa" else f"The user policy with name {name[0]} cannot be found.")
    if "attached" in words[1]:
        return {"AttachedPolicies": [{"PolicyName": a.removeprefix(MANAGED), "PolicyArn": a} for a in held]}
    return {"UserName": user, "PolicyName": name[0], "PolicyDocument": held[name[0]]} if name else {
        "PolicyNames": sorted(held)}


def user_policies(ctx: Context, attached: bool = False) -> dict[str, Any]:
    """Name (an attached one's ARN) -> document of the service account's inline (or attached) policies now."""
    held: dict[str, Any] = {}
    for a in ctx.drill.actions():
        if a.action == "iam_change" and "document" in a.detail and a.t <= ctx.t and a.detail.get(
                "attached", False) == attached:
            held.pop(str(a.detail["policy"]), None) if a.detail.get("deleted") else held.update(
                {str(a.detail["policy"]): a.detail["document"]})
    return held


def malformed(document: Any) -> str | None:
    """IAM's refusal of an identity policy's grammar, None if it takes it (attack45 X4: a Principal was judged and
    denied every flow, an ``"Effect": "deny"`` was taken and denied nothing while the IC believed it in place)."""
    statements = document.get("Statement") if isinstance(document, dict) else None
    for s in statements if isinstance(statements, list) else [statements]:
        if not isinstance(s, dict) or s.get("Effect") not in ("Allow", "Deny"):     # case-sensitive, as IAM's grammar
            return "Syntax errors in policy."
        if "Principal" in s or "NotPrincipal" in s:
            return "Policy document should not specify a principal."
        if "Action" not in s and "NotAction" not in s:
            return "Policy statement must contain actions."
        if "Resource" not in s and "NotResource" not in s:
            return "Policy statement must contain resources."
    return None


def wildcard(value: str, pattern: str) -> bool:
    """IAM's match: ``*`` and ``?`` are its only wildcards, so a ``[`` is itself (fnmatch would read a class)."""
    return fnmatchcase(value, pattern.replace("[", "[[]"))


def denies(document: Any, bucket: str) -> bool:
    """Whether an IAM policy document explicitly denies reading or writing ``bucket``'s objects (``*``/``?``
    wildcards; actions case-blind, as IAM matches them; ``NotAction``/``NotResource``; a ``Condition`` as FlowEngine's
    request meets it, ``met``: A12, a Deny of plain HTTP only stopped every flow)."""
    def listed(value: Any) -> list[str]:
        return [str(v) for v in (value if isinstance(value, list) else [value])]

    def hit(s: dict[str, Any], key: str, match: Callable[[str], bool]) -> bool:
        return any(map(match, listed(s[key]))) if key in s else f"Not{key}" in s and not any(
            map(match, listed(s[f"Not{key}"])))
    statements = document.get("Statement", []) if isinstance(document, dict) else []
    return any(isinstance(s, dict) and s.get("Effect") == "Deny" and any(
        hit(s, "Action", lambda a, op=op: wildcard(op, a.lower())) for op in ("s3:getobject", "s3:putobject"))
        and hit(s, "Resource", lambda r: wildcard(f"arn:aws:s3:::{bucket}/ctx_x.json", r))
        and met(s.get("Condition"))
        for s in (statements if isinstance(statements, list) else [statements]))


#: what FlowEngine's bundle reads and writes carry that a Condition can test (lower-case keys): the rest is refused
REQUEST = {"aws:securetransport": "true", "aws:username": "flowengine-sa", "aws:requestedregion": "eu-west-1",
           "aws:principaltype": "User", "aws:principalaccount": ACCOUNT,
           "aws:principalarn": f"arn:aws:iam::{ACCOUNT}:user/flowengine-sa"}
TESTS: dict[str, Callable[[str, str], bool]] = {
    "Bool": lambda v, w: v == w.lower(), "StringEquals": str.__eq__, "StringLike": wildcard,
    "StringEqualsIgnoreCase": lambda v, w: v.lower() == w.lower(), "Null": lambda v, w: w.lower() == "false"}


def met(condition: Any) -> bool:
    """Whether FlowEngine's bundle request (``REQUEST``) meets a statement's ``Condition`` block as IAM evaluates it:
    every operator and key, any of a key's values (``StringNot...``: none). An operator or key the drill does not
    model is refused by name, never guessed (each key modelled is in the request: ``Null`` is true of none)."""
    for operator, keys in (condition or {}).items():
        base = operator.removesuffix("IfExists")
        test = TESTS.get(base.replace("StringNot", "String"))
        for key, want in (keys or {}).items() if isinstance(keys, dict) else ():
            if test is None or key.lower() not in REQUEST:
                raise ToolError(f"aws: error: drill: a Condition's {operator} on {key} is not simulated (it evaluates "
                                f"{', '.join(TESTS)} and StringNot... on {', '.join(sorted(REQUEST))})", 252)
            found = any(test(REQUEST[key.lower()], str(w).lower() if isinstance(w, bool) else str(w))
                        for w in (want if isinstance(want, list) else [want]))
            if found == base.startswith("StringNot"):
                return False
    return True


@operation("cloudtrail lookup-events", reads="lookup-attributes start-time end-time")
def lookup_events(ctx: Context, words: list[str], params: Params) -> Any:
    """The trail as the world wrote it, as far as it has happened, in ``--start-time``..``--end-time`` and matching
    the one ``--lookup-attributes`` CloudTrail takes: FlowEngine's bundle traffic every ``TRAIL_EVERY`` s of the
    scenario's clock while its pods run (AccessDenied while a Deny holds), the drill's own bundle moves and policy
    changes (``s3_move``, ``iam_change``) by the responder, and the secret rotations in the scenario's history (a
    change that sets a ``*_SECRET``, rotated just before it is rolled out). redteam44 A5: six events dated back from
    the moment asked, FlowEngine's while it was scaled to zero and denied, the team's own moves absent."""
    sig = ctx.signals

    def event(key: object, name: str, t: float, user: str, kind: str, resource: str, source: str = "s3",
              denied: bool = False) -> dict[str, Any]:      # "EventTime" in scenario seconds until it is answered
        return {"EventId": short_hash("ct", key, n=32), "EventName": name, "ReadOnly": str(name.startswith(
            ("Get", "List"))).lower(), "EventTime": t, "EventSource": f"{source}.amazonaws.com", "Username": user,
            "Resources": [{"ResourceType": kind, "ResourceName": resource}]} | (
            {"ErrorCode": "AccessDenied"} if denied else {})
    events = [event(k, "GetObject" if k % 2 else "PutObject", k * TRAIL_EVERY, "flowengine-sa", "AWS::S3::Object",
                    fleet.CONTEXT_BUCKET, denied=sig.bundles_denied(k * TRAIL_EVERY))
              for k in range(math.ceil(-TRAIL_HOURS * 3600 / TRAIL_EVERY), math.floor(ctx.t / TRAIL_EVERY) + 1)
              if sig.running(k * TRAIL_EVERY)]
    for a in ctx.drill.actions():
        if a.action == "s3_move":
            events += [event((a.t, name), name, a.t, RESPONDER, "AWS::S3::Object", bucket) for name, bucket in (
                ("CopyObject", str(a.detail.get("destination", "")).removeprefix("s3://").split("/")[0]),
                ("DeleteObject", fleet.CONTEXT_BUCKET))]
        elif a.action == "iam_change":
            name = a.detail.get("op") or ("DeleteUserPolicy" if a.detail.get("deleted") else "PutUserPolicy")
            events.append(event(a.t, str(name), a.t, RESPONDER, "AWS::IAM::User", str(a.detail.get("user")), "iam"))
    rotated: dict[str, float] = {}
    for change in ctx.drill.scenario.changes:
        for key, secret in change.env.items():
            if key.endswith("_SECRET"):
                rotated[secret] = min(rotated.get(secret, change.at), change.at)
    events += [event(("rot", secret), "UpdateSecret", at - 20, "deploy-bot", "AWS::SecretsManager::Secret", secret,
                     "secretsmanager") for secret, at in rotated.items()]
    start, end, wanted = instant(params, "StartTime"), instant(params, "EndTime"), attribute(params.one("lookup-attributes"))
    return {"Events": [{**e, "EventTime": iso(ctx.wall(t))} for e in sorted(events, key=lambda e: -e["EventTime"])
                       if (t := e["EventTime"]) <= ctx.t and start <= ctx.wall(t) <= end
                       and (wanted is None or wanted in matching(e))]}


TRAIL_EVERY, TRAIL_HOURS = 480.0, 2.0   # FlowEngine's bundle traffic in the trail: one event so often, this far back
RESPONDER = "oncall-responder"          # the drill's own AWS principal (the commander's shell)


def instant(params: Params, name: str) -> float:
    """A timestamp parameter (``--start-time``: ISO 8601, naive is UTC, or epoch seconds) as a wall time."""
    if (text := params.one(re.sub(r"(?<=.)[A-Z]", lambda m: "-" + m.group(), name).lower())) is None:
        return -math.inf if name.startswith("Start") else math.inf
    try:
        if re.fullmatch(r"\d+(\.\d+)?", text):
            return float(text)
        at = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ToolError(f"\nParameter validation failed:\nInvalid type for parameter {name}, value: {text}, type: "
                        "<class 'str'>, valid types: <class 'datetime.datetime'>, timestamp-string", 252) from None
    return (at if at.tzinfo else at.replace(tzinfo=UTC)).timestamp()


LOOKUP_KEYS = ("EventId", "EventName", "ReadOnly", "Username", "ResourceType", "ResourceName", "EventSource",
               "AccessKeyId")


def attribute(text: str | None) -> tuple[str, str] | None:
    """``--lookup-attributes``, shorthand (``AttributeKey=K,AttributeValue=V``) or JSON: (key, value)."""
    if text is None:
        return None
    try:
        given = json.loads(text) if text.lstrip()[:1] in ("[", "{") else dict(p.split("=", 1) for p in text.split(","))
        given = given[0] if isinstance(given, list) else given
        key, value = str(given["AttributeKey"]), str(given["AttributeValue"])
    except (ValueError, KeyError, IndexError, TypeError):
        raise usage_error(f"Error parsing parameter '--lookup-attributes': {text}") from None
    if key not in LOOKUP_KEYS:
        raise ToolError(f"\nParameter validation failed:\nValue '{key}' at 'lookupAttributes.1.member.attributeKey' "
                        f"failed to satisfy constraint: Member must satisfy enum value set: [{', '.join(LOOKUP_KEYS)}]", 252)
    return key, value


def matching(event: dict[str, Any]) -> set[tuple[str, str]]:
    """The (key, value) lookups an event answers."""
    return {(k, v) for k, v in event.items() if isinstance(v, str)} | {
        (k, r[k]) for r in event["Resources"] for k in ("ResourceType", "ResourceName")}


@operation("rds create-db-snapshot", reads="db-snapshot-identifier db-instance-identifier")
def rds_snapshot(ctx: Context, words: list[str], params: Params) -> Any:
    snap, db = params.required("db-snapshot-identifier", "db-instance-identifier")
    if db != "flowengine-db":
        raise service_error("DBInstanceNotFound", "CreateDBSnapshot", f"DBInstance {db} not found.")
    ctx.record("db_snapshot", snapshot=snap)
    return {"DBSnapshot": {
        "DBSnapshotIdentifier": snap, "DBInstanceIdentifier": db, "Engine": "postgres", "AllocatedStorage": 200,
        "Status": "creating", "Port": 5432, "AvailabilityZone": "eu-west-1a", "EngineVersion": "15.5",
        "SnapshotType": "manual", "PercentProgress": 0,
        "DBSnapshotArn": f"arn:aws:rds:eu-west-1:{ACCOUNT}:snapshot:{snap}"}}


@operation("ec2 describe-security-groups", reads="group-ids")
def security_groups(ctx: Context, words: list[str], params: Params) -> Any:
    ids = params.get("group-ids") or []
    if ids and not all(g.startswith("sg-") for g in ids):
        raise service_error("InvalidGroupId.Malformed", "DescribeSecurityGroups", f'Invalid id: "{ids[0]}"')
    return {"SecurityGroups": [{"GroupId": g, "GroupName": "flowengine-nodes", "IpPermissions": []} for g in ids]}
