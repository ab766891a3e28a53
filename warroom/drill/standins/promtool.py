"""``promtool query instant|range`` for drills: the drill's Prometheus answers, never a real server (redteam42 R22).

``promtool query instant [--time T] SERVER EXPR`` and ``promtool query range [--start] [--end] [--step] SERVER EXPR``
(attack43 A3: the README promised it) ask SERVER's ``/api/v1/query`` or ``query_range`` as the curl stand-in reaches
it (``curl.route``: ``http://localhost:9090`` from the drill shell or inside prometheus-0, the Service's names from
inside a pod), so they print the numbers the panes show; any other server cannot be reached, as with curl. Everything
else promtool does is refused by name.
"""

from __future__ import annotations

import json
import math
import re
from urllib.parse import urlencode

from warroom.drill.standins import curl, promtime
from warroom.drill.standins.base import Context, ToolError, flags, parse_args

WORDS = {"unknown": "promtool: error: unknown long flag '{flag}', try --help",
         "unknown-short": "promtool: error: unknown short flag '{flag}', try --help",
         "needs-value": "promtool: error: expected argument for flag '{flag}'"}


def run(ctx: Context, argv: list[str]) -> int:
    if argv[:2] not in (["query", "instant"], ["query", "range"]):
        raise ToolError("promtool: drill: only `promtool query instant|range … SERVER EXPR` is simulated (the "
                        "drill's Prometheus answers it)")
    ranged = argv[1] == "range"
    opts = parse_args(argv[2:], flags("o|format= " + ("start= end= step=" if ranged else "time=")), words=WORDS)
    if (form_at := opts.text("format", "promql")) not in ("promql", "json"):     # attack43 A3: -o json was refused
        raise ToolError(f"promtool: error: enum value must be one of promql,json, got '{form_at}', try --help")
    if len(opts.pos) != 2:          # in its own words (kingpin's)
        raise ToolError(f"promtool: error: unexpected {opts.pos[2]}, try --help" if opts.pos[2:] else
                        f"promtool: error: required argument '{('server', 'expr')[len(opts.pos)]}' not provided, "
                        "try --help")
    server, form = opts.pos[0].rstrip("/"), {"query": opts.pos[1]}
    if ranged:                      # its QueryRange: end (default now), start (5m before), step (a 250th, 1s at least)
        step = go_duration(opts.text("step")) if opts.text("step") else 0.0
        end = when(opts.text("end"), "end time") if opts.text("end") else ctx.at
        start = when(opts.text("start"), "start time") if opts.text("start") else end - 300.0
        if not start < end:
            raise ToolError("start time is not before end time")
        form |= {"start": repr(start), "end": repr(end), "step": repr(step or max(math.floor((end - start) / 250), 1))}
    elif opts.text("time"):
        form["time"] = repr(when(opts.text("time"), "evaluation time"))
    try:
        body = json.loads(text := curl.route(ctx, "POST", f"{server}/api/v1/query{'_range' * ranged}", {},
                                             urlencode(form)).body)
    except (ToolError, ValueError) as exc:      # no such host, or no Prometheus answering there
        where = server.split("//")[-1]
        raise ToolError(f'query error: Post "{server}/api/v1/query{"_range" * ranged}": dial tcp' + (
            f": lookup {where.split(':')[0]}: no such host" if getattr(exc, "code", 0) == 6 else
            f" {where}: connect: connection refused")) from None
    if body.get("status") != "success":
        raise ToolError(f"query error: {body.get('errorType')}: {body.get('error')}")
    kind, result = body["data"]["resultType"], body["data"]["result"]
    if kind == "string":        # its client library has no string value: jsoniter's words, about the data it read
        data = text[text.index('"data":') + 7:text.rindex("}", 0, text.find(',"warnings"') % len(text)) + 1]
        raise ToolError(f'query error: unmarshalerDecoder: unexpected value type "string", error found in #10 byte of '
                        f"...|{data[-10:]}|..., bigger context ...|{data[-50:]}|...")
    # as promtool prints them, a line even for none (attack44 A4): model.Matrix a series' name, then its points
    ctx.out(as_json(kind, result) if form_at == "json" else "\n".join(
        f"{metric(s['metric'])} =>\n" + "\n".join(f"{shown(v)} @[{stamp(at)}]" for at, v in s["values"])
        for s in result) if kind == "matrix" else "\n".join(f"{labels} {shown(value)} @[{stamp(at)}]" for labels, (
            at, value) in ([("scalar:", result)] if kind == "scalar" else [(metric(s["metric"]) + " =>", s["value"])
                                                                          for s in result])))
    return 0


def as_json(kind: str, result: list) -> str:  # type: ignore[type-arg]
    """The result as ``-o json`` prints it (Go's encoder of model.Value: compact, ``<>&`` escaped, stamps as
    ``model.Time`` writes them)."""
    def point(at: float, value: str) -> str:
        return f'[{stamp(at)},"{shown(value)}"]'

    def labels(metric: dict[str, str]) -> str:
        return curl.go_json(dict(sorted(metric.items())))
    if kind == "scalar":
        return point(*result)
    return "[" + ",".join(f'{{"metric":{labels(s["metric"])},' + (
        f'"values":[{",".join(point(*p) for p in s["values"])}]' if kind == "matrix" else
        f'"value":{point(*s["value"])}') + "}" for s in result) + "]"


def shown(value: str) -> str:
    """A sample's value as promtool prints it (``model.SampleValue``: read, then Go's 'f' format: ``1e+21`` in the
    API's JSON is 1000000000000000000000)."""
    return curl.sample(float(value))


def when(text: str, what: str) -> float:
    """A time promtool reads (its own ``parseTime``: no millisecond rounding) as the float it sends
    (``float64(t.Unix()) + t.Nanosecond()/1e9``), or its error."""
    if (t := promtime.parse_time(text, exact=True)) is None:
        raise ToolError(f"error parsing {what}: cannot parse {promtime.quoted(text)} to a valid timestamp")
    return promtime.wrap(t[0] - promtime.TO_INTERNAL) + t[1] / 1e9


def go_duration(text: str) -> float:
    """``--step`` as kingpin reads it (Go's ``time.ParseDuration``: ``15s``, ``1m30s``, ``1.5m``; no ``d``), seconds."""
    units = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
    body, sign = text.lstrip("+-"), -1.0 if text.startswith("-") else 1.0
    parts = re.findall(r"([0-9]*\.?[0-9]*)([^0-9.]*)", body)[:-1]
    why = "invalid duration" if body != "0" and (not parts or any(not n.strip(".") for n, _ in parts)) else ""
    if (bad := next((u for _, u in parts if u not in units), None) if not why and body != "0" else None) is not None:
        why = "missing unit" if bad == "" else f"unknown unit {promtime.quoted(bad)}"
    if why:
        raise ToolError(f"promtool: error: time: {why} {'in duration ' * (why != 'invalid duration')}"
                        f"{promtime.quoted(text)}, try --help")
    return sign * sum(float(n) * units[u] for n, u in parts) if body != "0" else 0.0


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
