"""``curl`` for drills: provider usage APIs, status pages, FlowEngine health endpoints, a Slack hook.

No request leaves the machine: a known host is answered from the drill world, any other fails to
resolve (exit 6); ``localhost:8080`` answers only inside a pod (``kubectl exec``), else exit 7; ``localhost:9090`` is
the drill's Prometheus (``prometheus_api``), from the shell as after a port-forward, and in its own pod.
"""

from __future__ import annotations

import json
import math
import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from http import HTTPStatus
from urllib.parse import parse_qsl, urljoin, urlsplit

from warroom import scenario_time as stime
from warroom.drill import fleet
from warroom.drill.activity import iso
from warroom.drill.cluster import ROUTING_KEYS, disabled, fallback_of, moved_primary
from warroom.drill.model import quota_reset, unit
from warroom.drill.promql import PromQLError
from warroom.drill.standins import promtime
from warroom.drill.standins.base import (Args, Context, ToolError, flags, go_json, parse_args, read_input,
                                         refuse_unread, utc)

# Every other option curl 7.88 has (``curl --help all``; ``-h``: help, ``base.HELP``): refused by name, as not
# simulated (``READS``), never "is unknown", which curl says only of an option it does not have
REAL = flags(
    "abstract-unix-socket= alt-svc= anyauth a|append aws-sigv4= basic capath= E|cert= cert-status cert-type= "
    "ciphers= compressed-ssh K|config= connect-to= C|continue-at= b|cookie= c|cookie-jar= create-dirs "
    "create-file-mode= crlf crlfile= curves= data-ascii= delegation= digest q|disable disable-eprt disable-epsv "
    "disallow-username-in-url dns-interface= dns-ipv4-addr= dns-ipv6-addr= dns-servers= doh-cert-status "
    "doh-insecure doh-url= egd-file= engine= etag-compare= etag-save= expect100-timeout= fail-early "
    "false-start F|form= form-escape form-string= ftp-account= ftp-alternative-to-user= ftp-create-dirs ftp-method= "
    "ftp-pasv P|ftp-port= ftp-pret ftp-skip-pasv-ip ftp-ssl-ccc ftp-ssl-ccc-mode= ftp-ssl-control g|globoff "
    "happy-eyeballs-timeout-ms= haproxy-protocol hostpubmd5= hostpubsha256= hsts= http0.9 0|http1.0 "
    "http2-prior-knowledge http3 http3-only ignore-content-length interface= 4|ipv4 6|ipv6 j|junk-session-cookies "
    "keepalive-time= key= key-type= krb= libcurl= limit-rate= l|list-only local-port= location-trusted "
    "login-options= mail-auth= mail-from= mail-rcpt= mail-rcpt-allowfails M|manual max-filesize= max-redirs= "
    "metalink negotiate n|netrc netrc-file= netrc-optional next no-alpn no-clobber no-keepalive no-npn no-sessionid "
    "noproxy= ntlm ntlm-wb oauth2-bearer= output-dir= Z|parallel parallel-immediate parallel-max= pass= path-as-is "
    "pinnedpubkey= post301 post302 post303 preproxy= proto= proto-default= proto-redir= x|proxy= proxy-anyauth "
    "proxy-basic proxy-cacert= proxy-capath= proxy-cert= proxy-cert-type= proxy-ciphers= proxy-crlfile= "
    "proxy-digest proxy-header= proxy-insecure proxy-key= proxy-key-type= proxy-negotiate proxy-ntlm proxy-pass= "
    "proxy-pinnedpubkey= proxy-service-name= proxy-ssl-allow-beast proxy-ssl-auto-client-cert proxy-tls13-ciphers= "
    "proxy-tlsauthtype= proxy-tlspassword= proxy-tlsuser= proxy-tlsv1 U|proxy-user= proxy1.0= p|proxytunnel pubkey= "
    "Q|quote= random-file= r|range= rate= raw J|remote-header-name remote-name-all R|remote-time "
    "remove-on-error request-target= retry-all-errors retry-connrefused retry-max-time= sasl-authzid= sasl-ir "
    "service-name= socks4= socks4a= socks5= socks5-basic socks5-gssapi socks5-gssapi-nec socks5-gssapi-service= "
    "socks5-hostname= Y|speed-limit= y|speed-time= ssl ssl-allow-beast ssl-auto-client-cert ssl-no-revoke ssl-reqd "
    "ssl-revoke-best-effort 2|sslv2 3|sslv3 stderr= styled-output suppress-connect-headers tcp-fastopen tcp-nodelay "
    "t|telnet-option= tftp-blksize= tftp-no-options z|time-cond= tls-max= tls13-ciphers= tlsauthtype= tlspassword= "
    "tlsuser= 1|tlsv1 tlsv1.0 tlsv1.1 tlsv1.2 tlsv1.3 tr-encoding trace= trace-ascii= trace-time unix-socket= "
    "url-query= B|use-ascii V|version xattr v|verbose resolve= T|upload-file=")
FLAGS = REAL | {"-:": REAL["--next"]} | flags(
    "s|silent S|show-error f|fail fail-with-body i|include I|head L|location k|insecure compressed G|get N|no-buffer "
    "#|progress-bar:progress progress-meter no-progress-meter http2 http1.1 X|request= H|header=* "
    "d|data|data-raw|data-binary=* data-urlencode=* json= o|output=* O|remote-name D|dump-header= w|write-out= "
    "m|max-time= connect-timeout= retry= retry-delay= u|user= A|user-agent= url=* e|referer= cacert=")
TRY = "\ncurl: try 'curl --help' or 'curl --manual' for more information"
# curl 7.88's long names: the help's ``--no-alpn``... are ``--no-`` before a boolean's name (``--alpn``)
NAMES = {n[2:].removeprefix("no-") for n in FLAGS if n.startswith("--")}
# its switches that are no booleans ("used '--no-' for option that isn't a boolean"; asked of /usr/bin/curl 7.88.1)
NOT_BOOL = set("http1.0 http1.1 http2 http2-prior-knowledge http3 http3-only ipv4 ipv6 next proxy-tlsv1 sslv2 sslv3 "
               "tlsv1 tlsv1.0 tlsv1.1 tlsv1.2 tlsv1.3".split())
WORDS = {"unknown": "curl: option {flag}: is unknown" + TRY, "unknown-short": "curl: option {token}: is unknown" + TRY,
         "needs-value": "curl: option {flag}: requires parameter" + TRY}
# taken, and they change nothing in the drill's world (-L: only the drill's Prometheus redirects, ``route`` follows
# it): no drill answer is served over a certificate that fails (-k, --cacert); bodies arrive decoded either way
# (--compressed); an https server speaks HTTP/2 anyway and a plain-http one answers 1.1 either way (--http2); -N
# only changes when output is flushed; no drill server reads who asks (-A, -e). -v, -T, --resolve... are refused
# (``READS``). -u user:password is read only to be answered as no key (no drill server takes Basic auth); -u user
# alone is refused (``run``).
INERT = {"location", "insecure", "cacert", "compressed", "http2", "no_buffer", "user_agent", "referer"}
READS = {"silent", "show_error", "globoff", "fail", "fail_with_body", "include", "head", "get", "request", "header",
         "data", "data_urlencode", "json", "output", "remote_name", "dump_header", "write_out", "url", "max_time",
         "user", "retry", "retry_delay",
         "connect_timeout", "http1.1", "progress", "progress_meter", "no_progress_meter", *INERT}
# -w's variables curl 7.88 has that no drill answer holds (``write_out`` answers the rest; others are unknown to curl)
UNSIMULATED = {"certs", "num_certs", "header_json", "json", "local_ip", "local_port", "remote_ip", "remote_port",
               "onerror", "stderr", "stdout", "size_request"}
STATUS = {"none": "All Systems Operational", "minor": "Partially Degraded Service", "major": "Partial System Outage"}
TRANSIENT = {408, 429, 500, 502, 503, 504}        # the answers --retry asks again after (with a timeout)
CONNECT = 0.012408                      # seconds to connect, in the drill world (-w %{time_connect})
METER = ("  % Total    % Received % Xferd  Average Speed   Time    Time     Time  Current\n"
         "                                 Dload  Upload   Total   Spent    Left  Speed\n")
BAR = "\r" + "#" * 72 + " 100.0%"         # -#: a direction's bar once done, 79 columns when stderr is no terminal


@dataclass
class Response:
    status: int
    body: str
    content_type: str = "application/json"
    seconds: float = 0.08               # how long the request takes in the drill world (-w %{time_total})
    location: str = ""                  # a redirect's Location header
    hops: int = 0                       # the redirects -L followed to it
    url: str = ""                       # the URL -L last followed to it (-w %{url_effective})


def js(data: object, status: int = 200) -> Response:
    return Response(status, json.dumps(data, indent=2) + "\n")


def limit(opts: Args, key: str, whole: bool = False) -> float:
    """``-m``/``--connect-timeout`` in seconds (0: none), as curl reads the number: an unsigned decimal
    (``3``, ``0.5``, ``3e1``), so "-1", "nan" or "inf" (which ``float`` takes) never read as no limit at all;
    ``whole``: a count (``--retry``, ``--retry-delay``), which may not be negative."""
    text = opts.text(key, "0")
    if not re.fullmatch(r"-?[0-9]+" if whole else r"([0-9]*\.?[0-9]+|[0-9]+\.)([eE][+-]?[0-9]+)?", text):
        raise ToolError(f"curl: option --{key.replace('_', '-')}: expected a proper numerical parameter{TRY}", 2)
    if text.startswith("-"):
        raise ToolError(f"curl: option --{key.replace('_', '-')}: expected a positive numerical parameter{TRY}", 2)
    return float(text)


def long_names(argv: list[str]) -> list[str]:
    """``argv`` with each long option as curl 7.88's parser reads it, in the names ``FLAGS`` holds: a unique start of a
    name is the name (``--verb``: ``--verbose``; two names or more: ambiguous), ``--no-NAME`` (the whole name) turns a
    boolean off (``--NAME=false``; ``--no-alpn``... as ``FLAGS`` has them; ``--alpn``..., a default, drops), and a word
    with ``=`` names no option. A value is left as it is (``-H --x``)."""
    out, i = [], 0
    while i < len(argv):
        word, i = argv[i], i + 1
        if word == "--":                    # the rest are URLs
            return out + argv[i - 1:]
        if not word.startswith("--"):
            out.append(word)
            letters = enumerate(word[1:], 2) if word.startswith("-") else iter(())
            if taking := next((j for j, c in letters if FLAGS.get(f"-{c}", ("", ""))[1]), None):
                out += argv[i:i + 1] * (taking == len(word))          # a bundle's last letter takes the next word
                i += taking == len(word)
            continue
        name, off = (word[5:].lower(), True) if word.startswith("--no-") else (word[2:].lower(), False)   # any case
        hits = [name] if name in NAMES else [] if off else [n for n in NAMES if n.startswith(name)]
        if len(hits) != 1:
            raise ToolError(f"curl: option {word}: is {'ambiguous' if hits else 'unknown'}{TRY}", 2)
        kind = FLAGS.get(f"--{hits[0]}", ("", ""))[1]
        if off and (kind or hits[0] in NOT_BOOL):
            raise ToolError(f"curl: option {word}: used '--no-' for option that isn't a boolean{TRY}", 2)
        if f"--{'no-' * off}{hits[0]}" in FLAGS:
            out.append(f"--{'no-' * off}{hits[0]}")
            out += argv[i:i + 1] * bool(kind)
            i += bool(kind)
        elif off:
            out.append(f"--{hits[0]}=false")
    return out


def run(ctx: Context, argv: list[str]) -> int:
    argv = long_names(argv)
    opts = parse_args(argv, FLAGS, words=WORDS, code=2)        # (-- ends the options: URLs follow)
    opts.opts = {k: v for k, v in opts.opts.items() if v is not False}        # --no-verbose: as if not given
    refuse_unread(opts.opts, READS, "curl", "curl: ", 2, FLAGS)
    if not (urls := opts.pos + opts.all("url") + opts.rest):
        raise ToolError(f"curl: no URL specified!{TRY}", 2)
    show_errors = not opts.get("silent") or bool(opts.get("show_error"))
    try:        # (which URL argument, a URL its glob makes, the attempt): --retry adds attempts; -o pairs by argument
        todo = [(n, u, 0) for n, url in enumerate(urls) for u in ([url] if opts.get("globoff") else globbed(url))]
    except ToolError as exc:
        ctx.stderr.write(f"{exc}\n" * show_errors)
        return exc.code
    if any(d.startswith("@") for d in opts.all("data") + [opts.text("json")]):
        raise ToolError("curl: drill: `curl` does not simulate -d/--json @FILE (it reads the data on the line)", 2)
    if opts.get("user") and ":" not in opts.text("user"):
        raise ToolError("curl: drill: `curl` does not simulate -u without a password (curl asks for it)", 2)
    method = opts.text("request") or ("HEAD" if opts.get("head") else "POST" if (
        opts.get("data") or opts.get("json") or opts.get("data_urlencode")) and not opts.get("get") else "GET")
    headers = {k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in opts.all("header"))}
    data, code = opts.text("json") or "&".join(v if k == "data" else urlencoded(v) for k, v in opts.given
                                               if k in ("data", "data_urlencode")), 0
    fmt = write_format(opts.text("write_out")) if opts.get("write_out") else None
    timeouts = ((limit(opts, "connect_timeout"), "Connection timed out after {} milliseconds"),
                (limit(opts, "max_time"), "Operation timed out after {} milliseconds with 0 bytes received"))
    # curl's progress meter (-#: its bar) on stderr, unless -s, --no-progress-meter (the last of it and
    # --progress-meter: long-only switches, so argv's words) or the body goes to a terminal
    quiet = [a for a in argv if a in ("--progress-meter", "--no-progress-meter")][-1:] == ["--no-progress-meter"]
    outputs = opts.all("output")           # curl pairs each -o with a URL in order; the rest go to stdout
    if opts.get("remote_name"):             # -O: the URL's file name, in the current directory
        if outputs or len(todo) > 1:
            raise ToolError("curl: drill: `curl` does not simulate -O beside -o or another URL", 2)
        if not (outputs := [urlsplit(todo[0][1]).path.rpartition("/")[2]])[0]:
            ctx.stderr.write("curl: Remote file name has no length!\n" * (not opts.get("silent")) +
                             "curl: (23) Failed writing received data to disk/application\n" * show_errors)
            return 23
    retries, delay = (int(limit(opts, key, whole=True)) for key in ("retry", "retry_delay"))
    while todo:
        n, raw, attempt = todo.pop(0)
        target = outputs[n] if n < len(outputs) else ""
        shown = not opts.get("silent") and not quiet and not (target in ("", "-") and ctx.stdout.isatty())
        url = raw if "://" in raw else "http://" + raw
        url += (("&" if "?" in url else "?") + data) * bool(opts.get("get") and data)      # -G: the data as a query
        ctx.pause(0.25)
        errors: list[str] = []                 # this transfer's, printed after its progress
        unresolved, code = False, 0            # curl's exit status is its last transfer's
        try:
            resp: Response | None = route(ctx, method, url, headers, data, follow=bool(opts.get("location")))
        except ToolError as exc:               # could not resolve / connect
            resp, code, unresolved = None, exc.code, exc.code == 6
            errors.append(str(exc))
        took = max(resp.seconds if resp else 0.0, 0.08)
        # -m / --connect-timeout against how long the drill world takes to connect and to answer
        if resp and (late := next(((s, words) for (s, words), phase in zip(timeouts, (CONNECT, took), strict=True)
                                   if 0 < s < phase), None)):
            resp, took, code = None, late[0], 28
            errors.append(f"curl: (28) {late[1].format(int(late[0] * 1000))}")
        fail = resp is not None and resp.status >= 400 and bool(opts.get("fail") or opts.get("fail_with_body"))
        warning = ""                           # -o's file would not open: said (unless -s) as the body arrives
        version = "1.1" if opts.get("http1.1") or url.startswith("http:") else "2"
        head = "" if resp is None else (
            f"HTTP/{version} {resp.status} {HTTPStatus(resp.status).phrase if version == '1.1' else ''}\r\n" +
            f"content-type: {resp.content_type}\r\n" * bool(resp.content_type) +
            f"location: {resp.location}\r\n" * bool(resp.location) +
            f"date: {utc(ctx.at):%a, %d %b %Y %H:%M:%S GMT}\r\n\r\n")
        if resp is not None:
            out = head if opts.get("include") or opts.get("head") else ""
            ctx.stdout.write(head * (opts.get("dump_header") == "-"))     # -D: the headers as they arrive
            if method != "HEAD" and (not fail or opts.get("fail_with_body")):
                out += resp.body
            ctx.stdout.write(out * (target in ("", "-")))
            files = [(opts.text("dump_header"), head, "a" if n or attempt else "w")] * (
                opts.text("dump_header") not in ("", "-"))
            if target not in ("", "-", "/dev/null") and (not fail or opts.get("fail_with_body")):   # -f: no file
                files.append((target, out, "w"))
            try:
                for path, text, mode in files:
                    with open(path, mode) as stream:
                        stream.write(text)
            except OSError as exc:
                code = 23
                warning = f"Warning: Failed to open the file {path}: {exc.strerror}\n" * (not opts.get("silent"))
                errors.append("curl: (23) Failure writing output to destination")
            if fail:
                code = 22
                errors.append(f"curl: (22) The requested URL returned error: {resp.status}")
        if shown:                              # what arrived (not a HEAD's or -f's body) and went up
            size = len(resp.body.encode()) if resp else 0
            got = size * (method != "HEAD" and (not fail or bool(opts.get("fail_with_body"))))
            sent = len(data.encode()) * (resp is not None and method != "GET" and not opts.get("get"))
            last = "" if unresolved else f"\r{meter(size, got, sent, took)}\n"
            ctx.stderr.write(warning + BAR * (sent > 0) + BAR * (got > 0) if opts.get("progress") else
                             f"{METER * (not attempt)}\r{meter(0, 0, 0, 0.0)}{warning}{last}")
        else:
            ctx.stderr.write(warning)
        for line in errors * show_errors:
            ctx.err(line)
        if shown and opts.get("progress"):     # the bar's line ends after the transfer's errors
            ctx.stderr.write("\n")
        if (again := attempt < retries and (code == 28 or resp is not None and resp.status in TRANSIENT)) and ctx.held:
            # a held clock never reaches the retry (each would re-read the same world): this answer stands (attack50 A4)
            ctx.stderr.write(f"curl: drill: ${stime.AT_ENV} holds the clock at {stime.utc_said(ctx.at)}, so no retry "
                             "is asked: the world answers as of that moment; unset it to retry\n")
        elif again:
            wait = delay or min(2 ** attempt, 600)         # curl's back-off: 1 s, doubling, at most 10 minutes
            # what went to the -o file (curl truncates it before it asks again, and cannot truncate /dev/null)
            thrown = len(out.encode()) if resp is not None and target not in ("", "-") and (
                not fail or opts.get("fail_with_body")) else 0
            said = (f"Warning: Problem : {'timeout' if code == 28 else 'HTTP error'}. Will retry in {wait} seconds. "
                    f"{retries - attempt} retries left.\n" + f"Throwing away {thrown} bytes\n" * bool(thrown))
            ctx.stderr.write(said * (not opts.get("silent")))
            if thrown and target == "/dev/null":
                ctx.stderr.write("curl: (23) Failed to truncate file\n" * show_errors)
                return 23
            ctx.wait_until(ctx.t + stime.drill_seconds(wait, ctx.drill.speed), cap=wait)   # and asks the world then
            for view in ("cluster", "activity"):
                ctx.__dict__.pop(view, None)
            todo.insert(0, (n, raw, attempt + 1))
            continue
        if fmt is not None:        # the phases reached: a name resolved, a connection made (not refused, nor
            # timed out before), TLS (https); each the drill world's time, not the machine's
            connect = CONNECT * bool(resp or code == 28 and took >= CONNECT)
            size, tls = len(resp.body.encode()) if resp else 0, 0.041215 * bool(connect and version == "2")
            ctx.stdout.write(write_out(ctx, fmt, {
                "http_code": f"{resp.status if resp else 0:03d}", "response_code": str(resp.status if resp else 0),
                "time_total": f"{took:.6f}", "time_namelookup": f"{0.001912 * bool(resp or code in (7, 28)):.6f}",
                "time_connect": f"{connect:.6f}", "time_appconnect": f"{tls:.6f}", "time_redirect": "0.000000",
                "time_pretransfer": f"{tls or connect:.6f}",
                "time_starttransfer": f"{max(took - 0.01, 0.07) if resp else 0:.6f}", "size_download": str(size),
                "size_header": str(len(head)), "size_upload": str(len(data.encode()) * (method != "GET")),
                "speed_download": str(int(size / took)), "speed_upload": "0", "url_effective": resp and resp.url or url,
                "url": raw,
                "urlnum": str(n), "content_type": resp.content_type if resp else "", "method": method,
                "scheme": url.partition(":")[0].upper(), "http_version": version if resp else "0",
                "num_redirects": str(resp.hops if resp else 0), "redirect_url": "",
                "num_connects": str(int(bool(resp))), "http_connect": "000",
                "ssl_verify_result": "0", "proxy_ssl_verify_result": "0", "ftp_entry_path": "",
                "exitcode": str(code), "errormsg": errors[-1].partition(") ")[2] if errors else "",
                "filename_effective": "" if target == "-" else target, "referer": opts.text("referer"),
                "num_headers": str(max(head.count("\r\n") - 2, 0))}))
    return code


def globbed(url: str) -> list[str]:
    """The URLs curl 7.88 makes of ``url``'s globs (tool_urlglob.c): ``{a,b}`` sets, ``[1-3]``, ``[01-10:2]`` and
    ``[a-z]`` ranges, the last varying fastest; ``\\`` escapes a bracket, ``[]`` and an IPv6 literal stay. A
    malformed one is its error 3 at its 1-based position, as curl points at it: PromQL's ``rate(x[5m])`` unescaped
    in a URL fails (-g: none read)."""
    parts: list[list[str]] = []
    literal, i, pos = "", 0, 1

    def error(why: str, at: int) -> ToolError:
        return ToolError(f"curl: (3) {why} in URL position {at}:\n{url}\n{' ' * max(at - 1, 1)}^", 3)
    while i < len(url):
        c = url[i]
        if c == "[" and (v6 := re.match(r"\[[0-9a-fA-F:.]*(%[^\]]*)?\]", url[i:])) and v6[0].count(":") >= 2 \
                or url[i:i + 2] == "[]":
            literal, i, pos = literal + (skip := v6[0] if url[i + 1] != "]" else "[]"), i + len(skip), pos + len(skip)
            continue
        if c in "}]":
            raise error("unmatched close brace/bracket", pos)
        if c not in "{[":
            escaped = c == "\\" and url[i + 1:i + 2] in ("{", "[", "}", "]")
            literal, i, pos = literal + url[i + escaped], i + 1 + escaped, pos + 1 + escaped
            continue
        parts.append([literal])
        literal, i, pos, start = "", i + 1, pos + 1, pos
        if c == "{":                  # a set: its elements up to "}"
            elements, element = [], ""
            while True:
                if i >= len(url):
                    raise error("unmatched brace", start)
                if url[i] in "{[" or url[i] == "]":
                    raise error("nested brace" if url[i] != "]" else "unexpected close bracket", pos)
                if url[i] == "}" and not elements and not element:
                    raise error("empty string within braces", pos)
                if url[i] in ",}":
                    elements.append(element)
                    element, i, pos = "", i + 1, pos + (url[i] == ",")
                    if url[i - 1] == "}":
                        break
                    continue
                escaped = url[i] == "\\" and i + 1 < len(url)
                element, i, pos = element + url[i + escaped], i + 1 + escaped, pos + 1 + escaped
            parts.append(elements)
            continue
        values, moved = glob_range(url, i)
        if values is None:
            raise error("bad range" if moved >= 0 else "bad range specification", pos + max(moved, 0))
        parts.append(values)
        i, pos = i + moved, pos + moved
    parts.append([literal])
    urls = [""]
    for part in parts:
        if len(urls) * len(part) > 1000:
            raise ToolError("curl: drill: `curl` does not simulate a glob of more than 1000 URLs", 2)
        urls = [u + p for u in urls for p in part]
    return urls


def glob_range(url: str, i: int) -> tuple[list[str] | None, int]:
    """The range at ``url[i:]`` (after its ``[``) as curl 7.88's glob_range reads it: its values and how far it read,
    or None and how far it read before finding it malformed (-1: neither a letter nor a digit starts it)."""
    if (c := url[i:i + 1]).isascii() and c.isalpha():       # sscanf("%c-%c%c"), then a step up to "]"
        if url[i + 1:i + 2] != "-" or len(url) < i + 4 or url[i + 3] not in ":]":
            return None, 0
        step = re.match(r"\d+(?=\])", url[i + 4:]) if url[i + 3] == ":" else None
        a, b, n, moved = ord(c), ord(url[i + 2]), int(step[0]) if step else int(url[i + 3] == "]"), \
            (4 + len(step[0]) + 1 if step else 4 * (url[i + 3] == "]"))
    elif c.isascii() and c.isdigit():          # strtoul, "-", blanks, strtoul, then "]" or ":" strtoul "]"
        low = re.match(r"\d+", url[i:])[0]  # type: ignore[index]
        if url[i + len(low):i + len(low) + 1] != "-":
            return None, 0
        j = i + len(low) + 1 + len(url[i + len(low) + 1:]) - len(url[i + len(low) + 1:].lstrip(" \t"))
        if not (high := re.match(r"\d+", url[j:])):
            return None, j - i
        k, n = j + len(high[0]), 1
        if url[k:k + 1] == ":":
            step = re.match(r"\d*", url[k + 1:])[0]  # type: ignore[index]
            j, k, n = k + 1, k + 1 + len(step), int(step or 0)
        if url[k:k + 1] != "]":
            return None, j - i
        a, b, moved = int(low), int(high[0]), k + 1 - i
    else:
        return None, -1
    if not n or a == b and n != 1 or a != b and (a > b or n > b - a or c.isalpha() and b - a > 25):
        return None, moved
    pad = len(low) if c.isdigit() and low.startswith("0") else 0
    return [str(v).zfill(pad) if c.isdigit() else chr(v) for v in range(a, b + 1, n)], moved


def urlencoded(text: str) -> str:
    """``--data-urlencode``'s ``content``, ``=content`` or ``name=content``, encoded as curl 7.88 does (a space is
    ``+``, the rest but ``A-Za-z0-9-._~`` ``%xx``); ``[name]@file`` is refused, as ``-d @file`` is."""
    if "=" not in text and "@" in text:
        raise ToolError("curl: drill: `curl` does not simulate --data-urlencode [name]@FILE (it reads the data on "
                        "the line)", 2)
    name, eq, content = text.partition("=")
    encoded = re.sub(r"[^A-Za-z0-9\-._~ ]", lambda m: "".join(f"%{b:02x}" for b in m[0].encode()),
                     content if eq else text).replace(" ", "+")
    return f"{name}={encoded}" if eq and name else encoded


def write_format(fmt: str) -> str:
    """``-w``'s format (``@file``: read from it; unreadable: none, as curl), refused if it asks for a variable
    no drill answer holds."""
    if fmt.startswith("@"):
        try:
            fmt = read_input(fmt[1:], "curl: (27) Out of memory", 27)
        except OSError:
            return ""
    if unsimulated := sorted(UNSIMULATED & set(re.findall(r"%\{([^}]*)\}", fmt))):
        raise ToolError(f"curl: drill: `curl` does not simulate -w %{{{'}, %{'.join(unsimulated)}}} (no drill answer "
                        "holds it)", 2)
    return fmt


def write_out(ctx: Context, fmt: str, values: dict[str, str]) -> str:
    """``-w`` as curl 7.88 writes it: ``%{name}`` (one it does not know: warned of, and nothing), ``%%``, and the
    escapes ``\\n``, ``\\r``, ``\\t`` (any other backslash pair stays as it is). Timings are the drill world's
    (a provider in trouble answers slowly), not the machine's."""
    def one(m: re.Match[str]) -> str:
        if m[0] == "%%" or m[2]:
            return "%" if m[0] == "%%" else {"n": "\n", "r": "\r", "t": "\t"}.get(m[2], m[0])
        if m[1] not in values:
            ctx.err(f"curl: unknown --write-out variable: '{m[1]}'")
        return values.get(m[1], "")
    return re.sub(r"%%|%\{([^}]*)\}|\\(.)", one, fmt, flags=re.S)


def meter(size: int, got: int, sent: int, took: float) -> str:
    """A line of curl 7.88's progress meter (progress.c): of ``size`` bytes to come ``got`` arrived, and
    ``sent`` went (the whole upload), in the drill world's ``took`` seconds. curl draws the header, a line of
    zeros, then this transfer's line (a host that did not resolve: none; the error follows the zeros);
    a slow answer's intermediate seconds are not drawn, only its last."""
    def five(n: int) -> str:          # max5data (a drill answer is far below 100 MB)
        kb, mb = 1024, 2**20
        return f"{n:5d}" if n < 100000 else f"{n // kb:4d}k" if n < 10000 * kb else f"{n // mb:2d}.{n % mb * 10 // mb}M"

    def clock(s: int) -> str:         # time2str
        return "--:--:--" if s <= 0 else f"{s // 3600:2d}:{s % 3600 // 60:02d}:{s % 60:02d}"
    down, up = (int(got / took), int(sent / took)) if took else (0, 0)
    whole = max(size // down if down else 0, sent // up if up else 0)      # the estimated total
    spent = int(took)
    return (f"{100 * (got + sent) // (size + sent) if size + sent else 0:3d} {five(size + sent)}  "
            f"{100 * got // size if size else 0:3d} {five(got)}  {100 if sent else 0:3d} "
            f"{five(sent)}  {five(down)}  {five(up)} {clock(whole)} {clock(spent)} {clock(whole - spent)} "
            f"{five(int((got + sent) / took) if took else 0)}")


def route(ctx: Context, method: str, url: str, headers: dict[str, str], data: str, follow: bool = False) -> Response:
    """The answer to ``method url``; ``follow`` (-L): a redirect's Location asked in turn (a 301/302 POST as a GET,
    as curl 7.88 does), at most 50 times."""
    resp = answer(ctx, method, url, headers, data)
    while follow and resp.location and resp.hops < 50:
        method, hops = "GET" if method == "POST" and resp.status in (301, 302, 303) else method, resp.hops + 1
        url = urljoin(url, resp.location)
        resp = answer(ctx, method, url, headers, data * (method != "GET"))
        resp.hops, resp.url = hops, url
    return resp


def answer(ctx: Context, method: str, url: str, headers: dict[str, str], data: str) -> Response:
    try:
        parts = urlsplit(url)
        host, path, port = (parts.hostname or "").lower(), dotless(parts.path or "/"), parts.port or 80
    except ValueError:                       # a port that is not a number, a broken [IPv6] host
        raise ToolError("curl: (3) URL rejected: Malformed input to a URL function", 3) from None
    local = host in ("localhost", "127.0.0.1", "::1")
    if port == 9090 and (local and getattr(ctx.in_pod, "deployment", "prometheus") == "prometheus" or
                         host in PROMETHEUS and ctx.in_pod):
        form: dict[str, str] = {}       # Go's FormValue: a POST body's first, then the URL's; a repeat's first value
        for key, value in [*(parse_qsl(data, keep_blank_values=True) if method == "POST" else ()),
                           *parse_qsl(parts.query, keep_blank_values=True)]:
            form.setdefault(key, value)
        return prometheus_path(ctx, method, path, parts.query) or prometheus_api(ctx, path, form)
    if local or (host.startswith(f"{fleet.DEPLOYMENT}.") and ctx.in_pod):
        return pod_endpoint(ctx, host, port, path)
    if host in ("api.anthropic.com", "api.openai.com"):
        return provider_api(ctx, host.split(".")[1], path, headers, data)
    if host in ("status.anthropic.com", "status.openai.com"):
        return status_page(ctx, host.split(".")[1], path)
    if host == "status.cloud.google.com":
        if path != "/incidents.json":
            return Response(404, "Not Found\n", content_type="text/plain")
        past = ctx.at - 9 * 86400
        return js([{"id": "Ec4z4ZpQ", "number": "4711", "begin": iso(past), "end": iso(past + 5400),
                    "external_desc": "Vertex AI Gemini API elevated latency", "severity": "low",
                    "service_name": "Vertex Gemini API", "status_impact": "SERVICE_DISRUPTION"}])
    if host == "hooks.slack.com":
        if method == "POST":
            ctx.record("notify", channel="slack-webhook", message=data[:300])
        return Response(200 if method == "POST" else 400, "ok" if method == "POST" else "invalid_payload",
                        content_type="text/html")
    raise ToolError(f"curl: (6) Could not resolve host: {host}", 6)


def dotless(path: str) -> str:
    """The path as curl 7.88 sends it: its ``.`` and ``..`` segments removed (RFC 3986; ``--path-as-is`` is not
    simulated)."""
    segments, out = path.split("/")[1:], [""]
    for i, seg in enumerate(segments):
        if seg in (".", ".."):
            del out[len(out) - (seg == ".." and len(out) > 1):]
            out += [""] * (i == len(segments) - 1)
        else:
            out.append(seg)
    return "/".join(out) or "/"


#: The drill's Prometheus (monitoring/prometheus-0) by its Service's names: in a pod as the cluster's DNS resolves them
PROMETHEUS = {"prometheus.monitoring", "prometheus.monitoring.svc", "prometheus.monitoring.svc.cluster.local"}
API_PATHS = ("/api/v1/query", "/api/v1/query_range")


def prometheus_path(ctx: Context, method: str, path: str, query: str) -> Response | None:
    """Prometheus 2.42's answer to a path or method its API does not serve (asked of Debian's prometheus), or None:
    a path Go's mux would clean (``//``) or ``/api/v1`` is moved (301) to it; ``/api/v1/query/`` by its router to
    ``/query`` (its prefix stripped: 301 for a GET, 307 for a POST, 404 otherwise); another method on the API 405;
    any other path 404."""
    clean = re.sub(r"/{2,}", "/", path)
    if clean != path or path == "/api/v1":
        clean = "/api/v1/" if path == "/api/v1" else clean
        return moved(301, clean + f"?{query}" * bool(query), method)
    if path.rstrip("/") in API_PATHS and path.endswith("/"):
        to = path.rstrip("/").removeprefix("/api/v1") + f"?{query}" * bool(query)
        return moved(301, to, method) if method == "GET" else moved(307, to, method) if method == "POST" else \
            Response(404, "404 page not found\n", content_type="text/plain; charset=utf-8")
    if path in API_PATHS and method not in ("GET", "POST"):       # its router's (HEAD, PUT…)
        return Response(405, "Method Not Allowed\n", content_type="text/plain; charset=utf-8")
    if path not in API_PATHS:
        return Response(404, "404 page not found\n", content_type="text/plain; charset=utf-8")
    return None


def moved(status: int, to: str, method: str) -> Response:
    """Go's ``http.Redirect``: a body (and its type) only for a GET or HEAD."""
    href = to.translate({ord(c): f"&{e};" for c, e in zip("&<>\"'", ("amp", "lt", "gt", "#34", "#39"), strict=True)})
    body = f'<a href="{href}">{HTTPStatus(status).phrase}</a>.\n\n' if method in ("GET", "HEAD") else ""
    return Response(status, body, content_type="text/html; charset=utf-8" if body else "", location=to)


def prometheus_api(ctx: Context, path: str, form: dict[str, str]) -> Response:
    """Prometheus' HTTP API on the drill's series, by the evaluator the panes read (R22: a commander's ad-hoc PromQL
    got no drill number): ``/api/v1/query`` (at ``time``, default now) and ``/api/v1/query_range``, as Prometheus 2.42
    writes them (``go_json``, ``stamp``, ``value``); an unknown metric is no series (a warning names it), a string is
    its text; what Prometheus refuses (a parse error in its words) or the evaluator does not evaluate is its
    ``bad_data`` (400). Like the panes it holds nothing after the drill's now: an instant there is refused, a range
    stops at now."""
    def said(code: int, status: str = "error", data: str = "", warnings: list[str] | None = None,
             **error: str) -> Response:      # compact, in Prometheus' order
        return Response(code, f'{{"status":"{status}"' + f',"data":{data}' * bool(data) + "".join(
            f',"{k}":{go_json(v)}' for k, v in error.items()) + f',"warnings":{go_json(warnings)}' * bool(warnings)
            + "}")

    def bad(why: str) -> Response:      # 2.42 names the parameter of an instant query's parse error, not a range's
        return said(400, errorType="bad_data", error=why.replace(
            "invalid PromQL: ", 'invalid parameter "query": ' * (path == "/api/v1/query"), 1))

    def stamp(key: str) -> tuple[int, int]:
        if (when := promtime.parse_time(text := form.get(key, ""))) is None:
            raise ValueError(f'invalid parameter "{key}": ' + ("Invalid time value for 'time': " if key == "time" else
                             "") + f"cannot parse {promtime.quoted(text)} to a valid timestamp")
        return when
    try:            # at the millisecond Prometheus' engine evaluates (Go's overflow wraps inf, nan, 1e20 to 1677, 1970)
        if path == "/api/v1/query":
            ms = [promtime.engine_ms(stamp("time")) if form.get("time") else math.floor(ctx.at * 1000)]
            if ms[0] > ctx.at * 1000:
                return bad(f'invalid parameter "time": {unix(ms[0] / 1000)} is after the drill\'s now '
                           f"({unix(ctx.at)}, {stime.utc_said(ctx.at)}); a source holds nothing from the future")
        else:
            start, end = stamp("start"), stamp("end")
            if end < start:
                return bad('invalid parameter "end": end timestamp must not be before start time')
            if isinstance(step := promtime.parse_step(form.get("step", "")), str) or step <= 0:
                return bad('invalid parameter "step": ' + (step if isinstance(step, str) else "zero or negative query "
                           "resolution step widths are not accepted. Try a positive integer"))
            if promtime.span(end, start) // step > 11000:
                return bad("exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query "
                           "resolution (?step=XX)")
            if not (every := step // 10**6):         # Go's integer milliseconds: its engine divides by zero
                return said(422, errorType="execution", error="unexpected error: runtime error: integer divide by zero")
            first, last = promtime.engine_ms(start), min(promtime.engine_ms(end), math.floor(ctx.at * 1000))
            ms = list(range(first, last + 1, every))          # past the drill's now: none (as the panes)
        many = ctx.drill.simulator.evaluate_many(form.get("query", ""), [ctx.drill.scenario_time(m / 1000) for m in ms],
                                                 lenient=True)
    except (ValueError, PromQLError) as exc:
        return bad(str(exc))
    kind = "string" if many.text is not None else "scalar" if many.scalar is not None else "vector"
    if path == "/api/v1/query_range" and kind == "string":
        return bad('invalid expression type "string" for range query, must be Scalar or instant Vector')
    if path == "/api/v1/query":             # a scalar's or string's stamp is model.Time's, a sample's jsonutil's
        at, value = ms[0], many.at(0) if many.text is None else many.text
        data = f"[{unix(at / 1000)},{go_json(value)}]" if isinstance(value, str) else \
            f'[{unix(at / 1000)},"{sample(value)}"]' if isinstance(value, float) else "[" + ",".join(
                f'{{"metric":{go_json(dict(s.labels))},"value":[{stamp_ms(at)},"{value_of(s.value)}"]}}'
                for s in value) + "]"
    else:
        kind, rows = "matrix", [({}, many.scalar)] if many.scalar is not None else [(dict(k), c) for k, c in
                                                                                     many.vector or ()]
        data = "[" + ",".join(f'{{"metric":{go_json(labels)},"values":[{points}]}}' for labels, col in rows if (
            points := ",".join(f'[{stamp_ms(m)},"{value_of(v)}"]' for m, v in zip(ms, col, strict=True)
                               if v is not None))) + "]"
    # attack43 A17: time() and a *_timestamp_seconds sample are wall unix times, time() - it drill seconds (as the
    # panes read it): in Prometheus' own place for a caveat, so a hand check finding a tenth of it is told why
    return said(200, "success", f'{{"resultType":"{kind}","result":{data}}}', [*many.unknown, *[
        f"drill at x{many.speed:g}: a timestamp here is a wall unix time, but a span between two (time() - max(…)) "
        f"is drill seconds, {many.speed:g} times the wall's" for _ in range(bool(many.speed))]])


def unix(wall: float) -> float | int:
    """A timestamp as Prometheus writes a scalar's (``model.Time``): unix seconds to the millisecond, shortest."""
    return int(at) if (at := round(wall, 3)) == int(at) else at


def stamp_ms(ms: int) -> str:
    """A sample's timestamp as Prometheus' ``jsonutil.MarshalTimestamp`` writes it: three decimals when any."""
    return f"{'-' * (ms < 0)}{abs(ms) // 1000}" + f".{abs(ms) % 1000:03d}" * bool(abs(ms) % 1000)


def value_of(value: float) -> str:
    """A sample's value as ``jsonutil.MarshalValue`` writes it: ``sample``'s, but Go's 'e' below 1e-6 or from 1e21."""
    return repr(value) if math.isfinite(value) and 0 < abs(value) and not 1e-6 <= abs(value) < 1e21 else sample(value)


def sample(value: float) -> str:
    """A value as Prometheus writes a scalar (Go's ``FormatFloat(v, 'f', -1, 64)``: no exponent), ``NaN``, ``+Inf``."""
    if not math.isfinite(value):
        return "NaN" if math.isnan(value) else "+Inf" if value > 0 else "-Inf"
    text = format(Decimal(repr(value)), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


#: a model call a hand probe may make: answered as the world answers FlowEngine's calls at that instant
CALLS = {"/v1/messages", "/v1/chat/completions", "/v1/completions", "/v1/responses"}


#: each vendor's words for what a probe meets, (type, message[, OpenAI's code]): Anthropic's, then OpenAI's
ERRORS = {"overloaded": (("overloaded_error", "Overloaded"),
                         ("server_error", "The server is overloaded or not ready yet.")),
          "rate": (("rate_limit_error", "Rate limited"),
                   ("requests", "Rate limit reached for requests", "rate_limit_exceeded")),
          "model": (("not_found_error", "model: {model}"), ("invalid_request_error",
                    "The model `{model}` does not exist or you do not have access to it.", "model_not_found")),
          "path": (("not_found_error", "Not Found"), ("invalid_request_error", "Invalid URL")),
          "auth": (("authentication_error", "invalid x-api-key"), ("invalid_request_error", "You didn't provide an "
                                                                   "API key."))}


def provider_api(ctx: Context, name: str, path: str, headers: dict[str, str], data: str = "") -> Response:
    """A provider's API: the usage endpoint reports the quota the simulator holds; a model call is refused as often
    as the world refuses FlowEngine's calls at that instant (a draw seeded on it, as the logs draw: 503 for the 5xx
    share, 429 for the throttled share), else answered; the model list answers unless the vendor is down (RB-CORE-004:
    90% of calls failing); any other path is the API's 404. As slowly as the provider is struggling. A probe answered
    503 for every call while the world failed 40% of them, and 404 for a well-formed call once the vendor was back
    (redteam42 R15). A call's model is read: one this vendor does not serve is its 404, as FlowEngine's calls to a
    typo are (attack43 A9: a hand probe of ``gpt-4-trubo`` was answered); each vendor answers in its own shape."""
    provider = next(p for p in fleet.PROVIDERS if p.name == name)
    share_5xx, auth = ctx.signals.share_5xx(provider, ctx.t), headers.get("authorization", "")
    where, openai = path.rstrip("/"), name == "openai"
    try:                            # a body that is no JSON object names no model: answered as the vendor's default
        model = str(json.loads(data).get("model") or provider.model) if where in CALLS and data else provider.model
    except (ValueError, AttributeError):
        model = provider.model

    def error(status: int, kind: str) -> Response:
        what, message, *code = (w.format(model=model) for w in ERRORS[kind][openai])
        return js({"error": {"message": message, "type": what, "param": None, "code": (code or [None])[0]}} if openai
                  else {"type": "error", "error": {"type": what, "message": message}}, status)
    draw = unit("probe", name, where, round(ctx.t, 1))
    if where == "/v1/models":
        resp = error(503, "overloaded") if share_5xx >= 0.9 else js(
            {"object": "list", "data": [{"id": provider.model, "object": "model", "owned_by": name}]} if openai else
            {"data": [{"id": provider.model, "type": "model"}], "has_more": False})
    elif where in CALLS and fleet.provider_of(model) != name:
        resp = error(404, "model")
    elif where in CALLS and draw < share_5xx:
        resp = error(503, "overloaded")
    elif where in CALLS and draw < share_5xx + ctx.signals.share_429(provider, ctx.t):
        resp = error(429, "rate")
    elif where in CALLS:
        text, ident = "(a drill: the call was answered)", f"{int(draw * 1e8):08d}"
        resp = js({"id": f"chatcmpl-drill{ident}", "object": "chat.completion", "model": model, "choices": [
            {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}]} if openai else
                  {"id": f"msg_drill_{ident}", "type": "message", "role": "assistant", "model": model,
                   "stop_reason": "end_turn", "content": [{"type": "text", "text": text}]})
    elif where != "/v1/usage":
        resp = error(404, "path")
    elif not (auth.lower().startswith("bearer ") and len(auth) > 10) and not headers.get("x-api-key"):
        resp = error(401, "auth")
    else:       # the calls it refused in the hour: FlowEngine's 429 counter, as increase(...[1h]) reads it
        def said(x: float, digits: int, full: float = 1.0) -> float:    # never "all used" while some is left (R6)
            return round(x, digits) if x >= full or round(x, digits) < full else full - 10.0 ** -digits
        used, refused = ctx.quota(provider), lambda t: ctx.series.counter(("req", name, "429"), t)
        resp = js({"provider": name, "period": "daily", "limit_tokens": provider.daily_tokens,
                   "used_tokens": int(used * provider.daily_tokens), "used_ratio": said(used, 4),
                   "used_percent": said(100 * used, 1, 100.0),
                   "resets_at": iso(ctx.wall(quota_reset(ctx.t))),
                   "rate_limited_requests_last_hour": round(refused(ctx.t) - refused(ctx.t - 3600.0))})
    resp.seconds = 0.08 + 1.5 * share_5xx
    return resp


def status_page(ctx: Context, provider: str, path: str) -> Response:
    """The vendor's Statuspage (v2 API): what the vendor says, lagging the real trouble by a minute, and its incident's
    updates with the ETA an IC weighs "wait or fail over" by (redteam45 R3: the page had no incident, no ETA, and
    ``updated_at`` moved with every call)."""
    sig = ctx.signals
    worst = max((sig.raw_strength(i, ctx.t - LAG) for i, fault in enumerate(sig.scenario.faults)
                 if f"api_5xx:{provider}" in fault.impacts), default=0.0)
    name = "OpenAI" if provider == "openai" else provider.capitalize()
    told = [(i, said) for i in range(len(sig.scenario.faults)) if (said := _said(ctx, provider, i))]
    # the page changes with each post and each move of its indicator past "major" (redteam49 F11: it went major ->
    # minor at the fade while ``updated_at`` kept the last post's time)
    changed = max((t for i, said in told for t in (*(p[0] for p in said), *_major(ctx, i)) if t <= ctx.t),
                  default=ctx.series.t0)
    page = {"id": {"anthropic": "tymt9n04zgry", "openai": "01JMYB4G9RMV3Y4WN6AYYXRHYF"}[provider], "name": name,
            "url": f"https://status.{provider}.com", "time_zone": "Etc/UTC", "updated_at": iso(ctx.wall(changed))}
    incidents = [_incident(ctx, provider, name, i, said) for i, said in reversed(told)]
    unresolved = [x for x in incidents if x["status"] != "resolved"]
    # green only once every incident is resolved, the errors back at the everyday share (``_said``): redteam47 F7, it
    # read "All Systems Operational" while the fault's fade still failed 1.8% of Claude calls, nine times that share
    indicator = "major" if worst > MAJOR else "minor" if worst > 0.1 or unresolved else "none"
    status = {"indicator": indicator, "description": STATUS[indicator]}
    answers: dict[str, object] = {
        "/api/v2/status.json": {"page": page, "status": status},
        "/api/v2/summary.json": {"page": page, "components": [], "incidents": unresolved,
                                 "scheduled_maintenances": [], "status": status},
        "/api/v2/incidents.json": {"page": page, "incidents": incidents},
        "/api/v2/incidents/unresolved.json": {"page": page, "incidents": unresolved}}
    if path in answers:
        return js(answers[path])
    if path in ("/", ""):
        return Response(200, f"<!DOCTYPE html><html><head><title>{name} Status</title></head><body>"
                             f"<h1>{STATUS[indicator]}</h1>"
                             + "".join(f"<h2>{x['name']}</h2><p>{x['incident_updates'][0]['body']}</p>"
                                       for x in unresolved)
                             + "</body></html>\n", content_type="text/html")
    return Response(404, "<html><body>Not Found</body></html>\n", content_type="text/html")


LAG = 60.0                  # scenario s the vendor's page lags its own trouble
MAJOR = 0.6                 # the fault's strength over which the page's indicator says "major" (else "minor")


def _major(ctx: Context, index: int) -> list[float]:
    """When the page's indicator went past "major" for fault ``index``, up in its ramp and down in its fade (each a
    minute late, as the page lags): moments the page changed, as its posts are."""
    sig, fault = ctx.signals, ctx.signals.scenario.faults[index]
    onset, out = sig.onsets[index], []
    if onset is None:
        return out
    if sig.raw_strength(index, top := onset + max(fault.ramp, 1.0)) > MAJOR:
        out.append(_crossing(lambda t: sig.raw_strength(index, t) > MAJOR, onset, top) + LAG)
        if fault.until is not None and sig.raw_strength(index, end := fault.until + 20 * fault.fade) <= MAJOR:
            out.append(_crossing(lambda t: sig.raw_strength(index, t) <= MAJOR, fault.until, end) + LAG)
    return out
IDENTIFIED = 600.0          # scenario s from its first post to naming the cause (and, for an outage that ends, an ETA)


def _said(ctx: Context, provider: str, index: int) -> list[tuple[float, str, str]]:
    """(scenario time, status, body) of the vendor's posts about fault ``index`` up to now, oldest first: it posts once
    the fault is visible (strength 0.1, a minute late), names the cause ten minutes on with an ETA (the fault's full
    recovery rounded up to a scenario quarter hour: a vendor promises what it will keep, and keeps it, at any
    --speed), watches once it is gone (strength 0.1 again), closes when it adds no more than the everyday 5xx share
    (``fleet.BASE_5XX``): recovered. An outage that does not end by itself gets no ETA."""
    sig, fault = ctx.signals, ctx.signals.scenario.faults[index]
    onset = sig.onsets[index]
    if f"api_5xx:{provider}" not in fault.impacts or onset is None:
        return []
    seen = _crossing(lambda t: sig.raw_strength(index, t) > 0.1, onset, onset + max(fault.ramp, 1.0))
    posts = [(seen + LAG, "investigating", "We are investigating elevated error rates on API requests.")]
    if fault.until is None:
        posts.append((seen + LAG + IDENTIFIED, "identified",
                      "The issue has been identified and a fix is being worked on. We will post an update "
                      "within 30 minutes."))
    else:
        gone, well = (_crossing(lambda t: sig.raw_strength(index, t) <= x, fault.until, fault.until + 20 * fault.fade)
                      for x in (0.1, min(0.1, fleet.BASE_5XX / fault.impacts[f"api_5xx:{provider}"])))
        eta = math.ceil(ctx.wall(math.ceil(well / 900.0) * 900.0) / 60.0) * 60.0     # a scenario quarter, to the minute
        posts += [(seen + LAG + IDENTIFIED, "identified",
                   f"The issue has been identified and a fix is being implemented. We expect full recovery by "
                   f"{utc(eta):%H:%M} UTC."),
                  (gone + LAG, "monitoring", "A fix has been implemented and we are monitoring the results."),
                  (well + LAG, "resolved", "This incident has been resolved.")]
    return [p for p in posts if p[0] <= ctx.t]


def _crossing(holds: Callable[[float], bool], lo: float, hi: float) -> float:
    """The first scenario second in [lo, hi] where ``holds`` (false at ``lo``, monotone) becomes true, to a second."""
    if holds(lo):
        return lo
    while hi - lo > 1.0:
        mid = (lo + hi) / 2
        lo, hi = (lo, mid) if holds(mid) else (mid, hi)
    return hi


def _incident(ctx: Context, provider: str, name: str, index: int,
              said: list[tuple[float, str, str]]) -> dict[str, object]:
    """One Statuspage incident from the vendor's posts (``_said``): the newest update first, as the API lists them."""
    ident = f"{zlib.crc32(f'{provider}:{index}'.encode()):08x}"
    updates = [{"id": f"{ident}{k}", "status": status, "body": body, "created_at": iso(ctx.wall(t))}
               for k, (t, status, body) in enumerate(said)]
    return {"id": ident, "name": f"Elevated error rates on {name} API", "status": said[-1][1],
            "impact": "major", "shortlink": f"https://stspg.io/{ident[:5]}",
            "created_at": iso(ctx.wall(said[0][0])), "updated_at": iso(ctx.wall(said[-1][0])),
            "resolved_at": iso(ctx.wall(said[-1][0])) if said[-1][1] == "resolved" else None,
            "incident_updates": updates[::-1]}


def pod_endpoint(ctx: Context, host: str, port: int, path: str) -> Response:
    """From inside a pod: FlowEngine's API on 8080; another pod answers only its ``/health``."""
    pod, image = (ctx.in_pod.deployment, ctx.in_pod.image) if ctx.in_pod else (None, "")     # its revision answers
    if pod is None or (pod == fleet.DEPLOYMENT and port != 8080) or (
            pod != fleet.DEPLOYMENT and not path.startswith("/health")):
        raise ToolError(f"curl: (7) Failed to connect to {host} port {port} after 0 ms: Couldn't connect to server", 7)
    sig, env = ctx.signals, ctx.signals.env(ctx.t)     # the env the pods run with now, as the routing reads it
    if pod != fleet.DEPLOYMENT:
        created = ctx.in_pod.created     # type: ignore[union-attr]
        refused = pod == fleet.AUDIT_DEPLOYMENT and sig.audit_refused(created)
        stalled = refused or pod == fleet.AUDIT_DEPLOYMENT and sig.audit_stuck(created, ctx.t)
        return js({"status": "degraded" if stalled else "ok",
                   "sink": "auth failed" if refused else "disconnected" if stalled else "connected"},
                  503 if stalled else 200)
    if path == "/health":       # its readiness checks the TaskDB it keeps every flow in (redteam-13)
        down = {} if sig.task_store(ctx.t) else {"status": "degraded", "database": "unreachable: connection refused"}
        return js({"status": "ok", "version": image.rsplit(":", 1)[-1]} | down, 503 if down else 200)
    if path == "/api/schemas/version":
        return js({"version": ctx.cluster.schema_version(image), "service": "flowengine"})
    if path != "/health/models":
        return js({"error": "not found", "path": path}, 404)
    providers = {}
    for p in fleet.PROVIDERS:
        errors, p50 = 1.0 - sig.code_shares(p, ctx.t)["200"], sig.call_latency(p, ctx.t)
        seen = {"status": "down" if errors >= fleet.DOWN_ERRORS else "degraded" if errors > fleet.DEGRADED_ERRORS
                or p50 > fleet.DEGRADED_LATENCY else "healthy", "model": p.model, "error_rate": round(errors, 3),
                "p50_latency_s": round(p50, 1)}
        # a disabled provider gets no flow's call, so it has no call error rate (redteam39 F16); its health probe
        # still tells whether putting it back into routing is safe, and says it is a probe
        providers[p.name] = seen if p.name not in disabled(env) else {
            "status": "disabled", "model": p.model, "error_rate": None, "p50_latency_s": None,
            "probe": {k: v for k, v in seen.items() if k != "model"}}
    routed = sig.routed_model(ctx.t)        # where the primary's calls go now, and why: as the logs and flows say
    named = fallback_of(env) if any(env.get(k) for k in ROUTING_KEYS[:2]) or moved_primary(env) else ""   # unserved:
    return js({"providers": providers, "fallback_model": routed and routed[0],        # each call to it fails (A12)
               "fallback_reason": sig.route_reason(ctx.t)} | ({"fallback_error": fleet.unserved(named)}
                                                              if named and fleet.provider_of(named) is None else {}))
