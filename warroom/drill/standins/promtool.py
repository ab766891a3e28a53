"""``promtool query instant`` for drills: the drill's Prometheus answers it, never a real server (redteam42 R22).

``promtool query instant [--time T] SERVER EXPR`` asks SERVER's ``/api/v1/query`` as the curl stand-in reaches it
(``curl.route``: ``http://localhost:9090`` from the drill shell or inside prometheus-0, the Service's names from inside
a pod), so it prints the numbers the panes show; any other server cannot be reached, as with curl. Everything else
promtool does is refused by name (a range: ``curl …/api/v1/query_range``).
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

from warroom.drill.standins import curl, promtime
from warroom.drill.standins.base import Context, ToolError, flags, parse_args

WORDS = {"unknown": "promtool: error: unknown long flag '{flag}', try --help",
         "unknown-short": "promtool: error: unknown short flag '{flag}', try --help",
         "needs-value": "promtool: error: expected argument for flag '{flag}'"}


def run(ctx: Context, argv: list[str]) -> int:
    if argv[:2] != ["query", "instant"]:
        raise ToolError("promtool: drill: only `promtool query instant [--time T] SERVER EXPR` is simulated (the "
                        "drill's Prometheus answers it; a range: curl 'http://localhost:9090/api/v1/query_range?…')")
    opts = parse_args(argv[2:], flags("time="), words=WORDS)
    if len(opts.pos) != 2:          # in its own words (kingpin's)
        raise ToolError(f"promtool: error: unexpected {opts.pos[2]}, try --help" if opts.pos[2:] else
                        f"promtool: error: required argument '{('server', 'expr')[len(opts.pos)]}' not provided, "
                        "try --help")
    server, form = opts.pos[0].rstrip("/"), {"query": opts.pos[1]}
    if when := opts.text("time"):                                 # promtool reads it (no millisecond rounding) and
        if (t := promtime.parse_time(when, exact=True)) is None:  # sends float64(t.Unix()) + t.Nanosecond()/1e9
            raise ToolError(f"error parsing evaluation time: cannot parse {promtime.quoted(when)} to a valid timestamp")
        form["time"] = repr(promtime.wrap(t[0] - promtime.TO_INTERNAL) + t[1] / 1e9)
    try:
        body = json.loads(curl.route(ctx, "POST", f"{server}/api/v1/query", {}, urlencode(form)).body)
    except (ToolError, ValueError) as exc:      # no such host, or no Prometheus answering there
        where = server.split("//")[-1]
        raise ToolError(f'query error: Post "{server}/api/v1/query": dial tcp' + (
            f": lookup {where.split(':')[0]}: no such host" if getattr(exc, "code", 0) == 6 else
            f" {where}: connect: connection refused")) from None
    if body.get("status") != "success":
        raise ToolError(f"query error: {body.get('errorType')}: {body.get('error')}")
    kind, result = body["data"]["resultType"], body["data"]["result"]
    for labels, (at, value) in [("scalar:", result)] if kind == "scalar" else [(metric(s["metric"]) + " =>", s[
            "value"]) for s in result]:          # as promtool prints them
        ctx.out(f"{labels} {value} @[{stamp(at)}]")
    return 0


def stamp(at: float) -> str:
    """A stamp as promtool prints it: ``model.Time`` read from the JSON's text, whose fraction it adds to the
    seconds whatever their sign (a real promtool prints -1.5 as -0.5, -0.5 as -0.5)."""
    whole, _, frac = json.dumps(at).partition(".")
    ms = int(whole) * 1000 + int(frac[:3].ljust(3, "0"))
    return curl.sample((-ms if whole.startswith("-") and ms > 0 else ms) / 1000)     # its care for -0.1's sign


def metric(labels: dict[str, str]) -> str:
    """A series as promtool prints it (``model.Metric``): its name, then its other labels sorted."""
    rest = sorted(f"{k}={json.dumps(v)}" for k, v in labels.items() if k != "__name__")
    return labels.get("__name__", "") + (f"{{{', '.join(rest)}}}" if rest or "__name__" not in labels else "")
