"""``promtool query`` for drills: the drill's Prometheus answers it, never a real server (redteam42 R22).

``promtool query instant|range SERVER EXPR`` asks SERVER's HTTP API as the curl stand-in reaches it
(``curl.route``: ``http://localhost:9090`` from the drill shell or inside prometheus-0, the Service's names
from inside a pod), so it prints the numbers the panes show; any other server cannot be reached, as with curl.
Everything else promtool does (check, test, tsdb...) is refused by name.
"""

from __future__ import annotations

import json
import math
from urllib.parse import urlencode

from warroom.drill.standins import curl
from warroom.drill.standins.base import Context, ToolError, flags, parse_args
from warroom.sources.httpjson import parse_time

FLAGS = flags("time= start= end= step=")
WORDS = {"unknown": "promtool: error: unknown long flag '{flag}', try --help",
         "unknown-short": "promtool: error: unknown short flag '{flag}', try --help",
         "needs-value": "promtool: error: expected argument for flag '{flag}'"}
SIMULATED = "promtool: drill: only `promtool query instant [--time T] SERVER EXPR` and `promtool query range " \
            "[--start T] [--end T] [--step D] SERVER EXPR` are simulated (the drill's Prometheus answers them)"


def run(ctx: Context, argv: list[str]) -> int:
    if argv[:1] != ["query"] or argv[1:2] not in (["instant"], ["range"]):
        raise ToolError(SIMULATED)
    instant, opts = argv[1] == "instant", parse_args(argv[2:], FLAGS, words=WORDS)
    if set(opts.opts) - ({"time"} if instant else {"start", "end", "step"}):
        raise ToolError(SIMULATED)
    if len(opts.pos) != 2:          # in its own words (kingpin's)
        raise ToolError(f"promtool: error: unexpected {opts.pos[2]}, try --help" if opts.pos[2:] else
                        f"promtool: error: required argument '{('server', 'expr')[len(opts.pos)]}' not provided, "
                        "try --help")
    server, expr = opts.pos[0].rstrip("/"), opts.pos[1]
    if instant:
        form = {"query": expr} | ({"time": opts.text("time")} if opts.get("time") else {})
    else:       # promtool's defaults: the last five minutes, about 250 points
        end = unix(opts.text("end"), "end", ctx.at)
        start = unix(opts.text("start"), "start", end - 300.0)
        form = {"query": expr, "start": f"{start:.3f}", "end": f"{end:.3f}",
                "step": opts.text("step") or f"{max(math.floor((end - start) / 250), 1)}s"}
    path = "/api/v1/query" if instant else "/api/v1/query_range"
    try:
        body = json.loads(curl.route(ctx, "POST", server + path, {}, urlencode(form)).body)
    except (ToolError, ValueError) as exc:      # no such host, or no Prometheus answering there
        where = server.split("//")[-1]
        raise ToolError(f'query error: Post "{server}{path}": dial tcp' + (
            f": lookup {where.split(':')[0]}: no such host" if getattr(exc, "code", 0) == 6 else
            f" {where}: connect: connection refused")) from None
    if body.get("status") != "success":
        raise ToolError(f"query error: {body.get('errorType')}: {body.get('error')}")
    data = body["data"]
    if data["resultType"] == "scalar":
        ctx.out(f"scalar: {data['result'][1]} @[{when(data['result'][0])}]")
    for s in data["result"] if data["resultType"] != "scalar" else ():
        points = [s["value"]] if instant else s["values"]
        ctx.out(f"{metric(s['metric'])} =>" + (" " if instant else "\n") +
                "\n".join(f"{v} @[{when(t)}]" for t, v in points))
    return 0


def unix(text: str, which: str, default: float) -> float:
    """A ``--start``/``--end`` as promtool reads it: unix seconds or RFC 3339 (``default`` when not given)."""
    try:
        return float(text) if text else default
    except ValueError:
        if (at := parse_time(text)) is None:
            raise ToolError(f"promtool: error: error parsing {which} time: cannot parse {text!r}") from None
        return at


def metric(labels: dict[str, str]) -> str:
    """A series as promtool prints it (``model.Metric``): its name, then its other labels sorted."""
    rest = sorted(f"{k}={json.dumps(v)}" for k, v in labels.items() if k != "__name__")
    return labels.get("__name__", "") + (f"{{{', '.join(rest)}}}" if rest or "__name__" not in labels else "")


def when(t: float) -> str:
    """A timestamp as promtool prints it (``model.Time``): unix seconds, no trailing zeros."""
    return curl.sample(float(t))
