"""``curl`` for drills: provider usage APIs, status pages, FlowEngine health endpoints, a Slack hook.

No request leaves the machine: each known host is answered from the drill world, anything else
fails to resolve (exit 6) exactly as an unreachable name would. ``localhost:8080`` answers only
inside a FlowEngine pod (through ``kubectl exec``); from the bastion it is connection refused.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from warroom.drill import fleet
from warroom.drill.activity import iso
from warroom.drill.standins.base import Context, OptionError, flags, parse_args

FLAGS = flags(
    "s|silent S|show-error f|fail fail-with-body i|include I|head L|location k|insecure v|verbose compressed G|get "
    "N|no-buffer #:progress http2 http1.1 X|request= H|header=* d|data|data-raw|data-binary=* data-urlencode=* json= "
    "o|output= w|write-out= m|max-time= connect-timeout= u|user= A|user-agent= retry= url=* e|referer= cacert= "
    "T|upload= retry-delay= resolve=")
TRY = "\ncurl: try 'curl --help' or 'curl --manual' for more information"


class CurlError(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass
class Response:
    status: int
    body: str
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"
    seconds: float = 0.08               # how long the request takes in the drill world (-w %{time_total})


def run(ctx: Context, argv: list[str]) -> int:
    try:
        opts = parse_args(argv, FLAGS, double_dash=False)
    except OptionError as exc:
        ctx.err(f"curl: option {exc.flag}: requires parameter{TRY}" if exc.kind == "needs-value" else
                f"curl: option {exc.flag if exc.flag.startswith('--') else exc.token}: is unknown{TRY}")
        return 2
    urls = opts.pos + opts.all("url")
    if not urls:
        ctx.err(f"curl: no URL specified!{TRY}")
        return 2
    silent = bool(opts.get("silent"))
    show_errors = not silent or bool(opts.get("show_error"))
    code = 0
    for raw in urls:
        url = raw if "://" in raw else "http://" + raw
        method = str(opts.get("request") or ("HEAD" if opts.get("head") else
                                            "POST" if (opts.get("data") or opts.get("json")) and not opts.get("get")
                                            else "GET"))
        headers = {}
        for h in opts.all("header"):
            k, _, v = str(h).partition(":")
            headers[k.strip().lower()] = v.strip()
        data = "&".join(opts.all("data"))
        if opts.get("json"):
            data = opts.text("json")
        ctx.pause(0.25)
        try:
            resp = route(ctx, method, url, headers, data)
        except CurlError as exc:
            if show_errors:
                ctx.err(str(exc))
            code = exc.code
            if opts.get("write_out"):
                ctx.stdout.write(write_out(opts.text("write_out"), url, None))
            continue
        fail = resp.status >= 400 and (opts.get("fail") or opts.get("fail_with_body"))
        head = "HTTP/2 %d \r\n" % resp.status + "".join(
            f"{k}: {v}\r\n" for k, v in {"content-type": resp.content_type, "date": _http_date(ctx.at),
                                          **resp.headers}.items()) + "\r\n"
        body = "" if method == "HEAD" else resp.body
        out = ""
        if opts.get("include") or opts.get("head"):
            out += head
        if not fail or opts.get("fail_with_body"):
            out += body
        target = opts.get("output")
        if target and str(target) != "-":
            if str(target) != "/dev/null":
                Path(str(target)).write_text(out)
        else:
            ctx.stdout.write(out)
        if opts.get("write_out"):
            ctx.stdout.write(write_out(opts.text("write_out"), url, resp))
        if fail:
            if show_errors:
                ctx.err(f"curl: (22) The requested URL returned error: {resp.status}")
            code = 22
    return code


def write_out(fmt: str, url: str, resp: Response | None) -> str:
    """``-w``: timings are the drill world's (a provider in trouble answers slowly), not the machine's."""
    elapsed = resp.seconds if resp else 0.0
    if fmt.startswith("@"):
        try:
            fmt = Path(fmt[1:]).read_text()
        except OSError:
            return ""
    values = {
        "http_code": f"{resp.status:03d}" if resp else "000", "response_code": str(resp.status if resp else 0),
        "time_total": f"{max(elapsed, 0.08):.6f}", "time_connect": "0.012408", "time_namelookup": "0.001912",
        "time_starttransfer": f"{max(elapsed - 0.01, 0.07):.6f}", "time_appconnect": "0.041215",
        "size_download": str(len(resp.body.encode()) if resp else 0), "url_effective": url,
        "content_type": resp.content_type if resp else "",
    }
    out = fmt
    for k, v in values.items():
        out = out.replace("%{" + k + "}", v)
    return out.replace("\\n", "\n").replace("\\t", "\t").replace("\\r", "\r")


def _http_date(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%a, %d %b %Y %H:%M:%S GMT")


def js(data: object, status: int = 200) -> Response:
    return Response(status, json.dumps(data, indent=2) + "\n")


# ------------------------------------------------------------------------------ routing


def route(ctx: Context, method: str, url: str, headers: dict[str, str], data: str) -> Response:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    path = parts.path or "/"
    port = parts.port
    if host in ("localhost", "127.0.0.1", "::1") or host.startswith(f"{fleet.DEPLOYMENT}."):
        if host.startswith(f"{fleet.DEPLOYMENT}.") and ctx.in_pod is None:
            raise CurlError(6, f"curl: (6) Could not resolve host: {host}")
        return pod_endpoint(ctx, host, port or 80, path)
    if host in ("api.anthropic.com", "api.openai.com"):
        return provider_api(ctx, host, method, path, headers)
    if host in ("status.anthropic.com", "status.openai.com"):
        return status_page(ctx, host.split(".")[1], path)
    if host == "status.cloud.google.com":
        return google_status(ctx, path)
    if host == "hooks.slack.com":
        if method != "POST":
            return Response(400, "invalid_payload", content_type="text/html")
        ctx.record("notify", channel="slack-webhook", message=data[:300])
        return Response(200, "ok", content_type="text/html")
    raise CurlError(6, f"curl: (6) Could not resolve host: {host}")


def provider_api(ctx: Context, host: str, method: str, path: str, headers: dict[str, str]) -> Response:
    """A provider's API: the usage endpoint reports the quota the simulator holds; the rest answers
    503 while the provider is failing, 404 otherwise, as slowly as the provider is struggling."""
    name = "anthropic" if "anthropic" in host else "openai"
    provider = next(p for p in fleet.PROVIDERS if p.name == name)
    share_5xx = ctx.signals.share_5xx(provider, ctx.t)
    if path.rstrip("/") == "/v1/usage":
        auth = headers.get("authorization", "")
        if not (auth.lower().startswith("bearer ") and len(auth) > 10) and not headers.get("x-api-key"):
            resp = js({"type": "error", "error": {"type": "authentication_error", "message": "invalid x-api-key"}}, 401)
        else:
            used = ctx.signals.quota(provider, ctx.t)
            resp = js({
                "provider": name, "period": "daily", "limit_tokens": provider.daily_tokens,
                "used_tokens": int(used * provider.daily_tokens), "used_ratio": round(used, 4),
                "used_percent": round(100 * used, 1), "resets_at": iso(_next_midnight(ctx.at)),
                "rate_limited_requests_last_hour": int(ctx.signals.share_429(provider, ctx.t) * 3600 *
                                                       provider.requests_per_second),
            })
    elif share_5xx > 0.2:
        resp = js({"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}, 503)
    else:
        resp = js({"type": "error", "error": {"type": "not_found_error", "message": "Not Found"}}, 404)
    resp.seconds = 0.08 + 1.5 * share_5xx
    return resp


def _next_midnight(ts: float) -> float:
    d = datetime.fromtimestamp(ts, UTC)
    return (d.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)).timestamp() - 1


def vendor_state(ctx: Context, provider: str) -> str:
    """Statuspage indicator for a provider: what the vendor says, lagging the real trouble a minute."""
    sig = ctx.signals
    worst = 0.0
    for index, fault in enumerate(sig.scenario.faults):
        if f"api_5xx:{provider}" in fault.impacts:
            worst = max(worst, sig.raw_strength(index, ctx.t - 60))
    if worst > 0.6:
        return "major"
    if worst > 0.1:
        return "minor"
    return "none"


DESCRIPTIONS = {"none": "All Systems Operational", "minor": "Partially Degraded Service",
                "major": "Partial System Outage", "critical": "Major System Outage"}


def status_page(ctx: Context, provider: str, path: str) -> Response:
    indicator = vendor_state(ctx, provider)
    page = {"id": {"anthropic": "tymt9n04zgry", "openai": "01JMYB4G9RMV3Y4WN6AYYXRHYF"}[provider],
            "name": provider.capitalize() if provider != "openai" else "OpenAI",
            "url": f"https://status.{provider}.com", "time_zone": "Etc/UTC", "updated_at": iso(ctx.at)}
    status = {"indicator": indicator, "description": DESCRIPTIONS[indicator]}
    if path == "/api/v2/status.json":
        return js({"page": page, "status": status})
    if path in ("/", ""):
        return Response(200, f"<!DOCTYPE html><html><head><title>{page['name']} Status</title></head><body>"
                             f"<h1>{DESCRIPTIONS[indicator]}</h1></body></html>\n", content_type="text/html")
    return Response(404, "<html><body>Not Found</body></html>\n", content_type="text/html")


def google_status(ctx: Context, path: str) -> Response:
    if path != "/incidents.json":
        return Response(404, "Not Found\n", content_type="text/plain")
    past = ctx.at - 9 * 86400
    return js([{
        "id": "Ec4z4ZpQ", "number": "4711", "begin": iso(past), "end": iso(past + 5400),
        "external_desc": "Vertex AI Gemini API elevated latency", "severity": "low",
        "service_name": "Vertex Gemini API", "status_impact": "SERVICE_DISRUPTION"}])


def pod_endpoint(ctx: Context, host: str, port: int, path: str) -> Response:
    pod = ctx.in_pod
    if pod is None or (pod == fleet.DEPLOYMENT and port != 8080):
        raise CurlError(7, f"curl: (7) Failed to connect to {host} port {port} after 0 ms: Couldn't connect to "
                           "server")
    if pod != fleet.DEPLOYMENT:
        if path.startswith("/health"):
            stalled = ctx.signals.audit_stalled_since(ctx.t) is not None and pod == fleet.AUDIT_DEPLOYMENT
            return js({"status": "degraded" if stalled else "ok",
                       "sink": "disconnected" if stalled else "connected"}, 503 if stalled else 200)
        raise CurlError(7, f"curl: (7) Failed to connect to {host} port {port} after 0 ms: Couldn't connect to server")
    sig = ctx.signals
    env = ctx.cluster.env()
    if path == "/health":
        return js({"status": "ok", "version": ctx.cluster.flowengine.current.image.rsplit(":", 1)[-1]})
    if path == "/health/models":
        disabled = {p.strip() for p in env.get("DISABLE_PROVIDERS", "").split(",") if p.strip()}
        out = {}
        for p in fleet.PROVIDERS:
            s5 = sig.share_5xx(p, ctx.t)
            if p.name in disabled:
                state = "disabled"
            elif s5 > 0.2:
                state = "down"
            elif s5 > 0.03 or sig.share_429(p, ctx.t) > 0.05:
                state = "degraded"
            else:
                state = "healthy"
            out[p.name] = {"status": state, "model": p.model, "error_rate": round(s5, 3),
                           "p50_latency_s": round(sig.latency_median(ctx.t) * 0.35, 1)}
        fallback = env.get("FALLBACK_MODEL")
        return js({"providers": out, "fallback_model": fallback or None})
    if path == "/api/schemas/version":
        return js({"version": ctx.cluster.schema_version(), "service": "flowengine"})
    return js({"error": "not found", "path": path}, 404)
