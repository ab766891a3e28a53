"""Rules for tools that talk to remote APIs: curl, wget, aws, gcloud, az.

HTTP tools are read-only only for a plain GET/HEAD to an http(s) URL that saves nothing: every
option is in the table, methods other than GET/HEAD, bodies, uploads, output files, config files
and non-HTTP schemes (``gopher://``, ``dict://`` can send arbitrary bytes) refuse. Cloud CLIs are
judged by an exact verb rule (``describe-*``, ``list-*``, ``get-*`` with named exceptions that
mint credentials, print secrets or stream an object into a local file), not by any word that
happens to start with ``list``.
"""

from __future__ import annotations

import re

from warroom.execute.argspec import SINKS, parse_opts, table
from warroom.execute.rulebook import Call, rule
from warroom.execute.shparse import PWord, Unprovable

_CURL_FLAGS = table(
    "--abstract-unix-socket= --aws-sigv4= --cacert= --capath= -E= --cert= --cert-type= "
    "--ciphers= --connect-timeout= --connect-to= -b= --cookie= --create-file-mode= --crlfile= "
    "--curves= -d= --data= --data-ascii= --data-binary= --data-raw= --data-urlencode= "
    "--delegation= --dns-interface= --dns-ipv4-addr= --dns-ipv6-addr= --dns-servers= --doh-url= "
    "--etag-compare= --expect100-timeout= --happy-eyeballs-timeout-ms= -H= --header= "
    "--hostpubmd5= --hostpubsha256= --interface= --keepalive-time= --key= --key-type= "
    "--limit-rate= --local-port= --login-options= --max-filesize= --max-redirs= -m= --max-time= "
    "--netrc-file= --noproxy= --oauth2-bearer= --parallel-max= --pass= --pinnedpubkey= --proto= "
    "--proto-redir= --proxy-cacert= --proxy-capath= --proxy-cert= --proxy-cert-type= "
    "--proxy-ciphers= --proxy-crlfile= --proxy-header= --proxy-key= --proxy-key-type= "
    "--proxy-pass= --proxy-pinnedpubkey= --proxy-service-name= --proxy-tls13-ciphers= "
    "--proxy-tlsauthtype= --proxy-tlspassword= --proxy-tlsuser= -U= --proxy-user= --proxy1.0= "
    "--pubkey= -r= --range= --rate= -e= --referer= -X= --request= --request-target= --resolve= "
    "--retry= --retry-delay= --retry-max-time= --sasl-authzid= --service-name= --socks4= "
    "--socks4a= --socks5= --socks5-gssapi-service= --socks5-hostname= -Y= --speed-limit= -y= "
    "--speed-time= -z= --time-cond= --tls-max= --tls13-ciphers= --tlsauthtype= --tlspassword= "
    "--tlsuser= --unix-socket= --url= --url-query= -u= --user= -A= --user-agent= -w= "
    "--write-out= -x= --proxy= --preproxy= "
    "--anyauth --basic --cert-status --compressed --crlf --digest -q --disable "
    "--disallow-username-in-url --doh-cert-status --doh-insecure -f --fail --fail-early "
    "--fail-with-body --false-start -G --get -g --globoff --haproxy-protocol -I --head "
    "--http0.9 -0 --http1.0 --http1.1 --http2 --http2-prior-knowledge --http3 --http3-only "
    "--ignore-content-length -i --include -k --insecure -4 --ipv4 -6 --ipv6 -j "
    "--junk-session-cookies -L --location --location-trusted --negotiate -n --netrc "
    "--netrc-optional -N --no-buffer --no-alpn --no-keepalive --no-npn --no-progress-meter "
    "--no-sessionid --ntlm --ntlm-wb -Z --parallel --parallel-immediate --path-as-is --post301 "
    "--post302 --post303 -# --progress-bar --proxy-anyauth --proxy-basic --proxy-digest "
    "--proxy-insecure --proxy-negotiate --proxy-ntlm --proxy-ssl-allow-beast "
    "--proxy-ssl-auto-client-cert --proxy-tlsv1 -p --proxytunnel --raw --retry-all-errors "
    "--retry-connrefused --sasl-ir -S --show-error -s --silent --socks5-basic --socks5-gssapi "
    "--socks5-gssapi-nec --ssl --ssl-allow-beast --ssl-auto-client-cert --ssl-no-revoke "
    "--ssl-reqd --ssl-revoke-best-effort -1 --tlsv1 --tlsv1.0 --tlsv1.1 --tlsv1.2 --tlsv1.3 "
    "--tcp-fastopen --tcp-nodelay --tr-encoding --trace-time -v --verbose -V --version "
    "--styled-output --suppress-connect-headers -M --manual -h --help")
_CURL_OUTPUTS = ("-o", "--output", "-D", "--dump-header", "-c", "--cookie-jar", "--trace",
                 "--trace-ascii", "--stderr", "--libcurl", "--etag-save")
_CURL_DANGER = {"-O": "saves the download to a file", "--remote-name": "saves the download to "
                "a file", "--remote-name-all": "saves downloads to files", "-J": "saves the "
                "download to a file", "--remote-header-name": "saves the download to a file",
                "-K": "reads options from a config file, which cannot be checked",
                "--config": "reads options from a config file, which cannot be checked",
                "-F": "sends a form (an HTTP POST)", "--form": "sends a form (an HTTP POST)",
                "--form-string": "sends a form (an HTTP POST)", "--json": "sends JSON (an HTTP "
                "POST)", "-T": "uploads a file (an HTTP PUT)", "--upload-file": "uploads a file "
                "(an HTTP PUT)", "-Q": "sends commands to the server", "--quote": "sends "
                "commands to the server", "--hsts": "writes its HSTS cache file",
                "--alt-svc": "writes its alt-svc cache file", "--output-dir": "saves files",
                "--create-dirs": "creates directories", "-:": "starts another request",
                "--next": "starts another request", "--proto-default": "changes the default "
                "protocol", "--engine": "loads a crypto engine", "-t": "sends telnet options",
                "--telnet-option": "sends telnet options", "--mail-from": "sends mail",
                "--mail-rcpt": "sends mail", "-C": "resumes into a file", "--continue-at":
                "resumes into a file", "-a": "appends to an upload", "--append": "appends to "
                "an upload", "--ftp-create-dirs": "creates remote directories", "-P": "opens an "
                "FTP port", "--ftp-port": "opens an FTP port", "--xattr": "writes file "
                "attributes", "-R": "sets a file's time", "--remote-time": "sets a file's time",
                "--egd-file": "reads entropy from a socket", "--random-file": "reads entropy"}
_DATA = ("-d", "--data", "--data-ascii", "--data-binary", "--data-raw", "--data-urlencode")


def _check_url(tool: str, w: PWord) -> None:
    v = w.value if w.value is not None else w.prefix
    low = v.lower()
    if low.startswith(("http://", "https://")):
        return
    if w.value is not None and "://" not in v and re.match(r"[A-Za-z0-9\[]", v):
        return  # no scheme: curl and wget use HTTP
    raise Unprovable(f"{tool} {w.show()}: only http(s) URLs are known to be read-only (other "
                     "schemes can send arbitrary data)")


@rule("curl")
def _curl(call: Call) -> str:
    o = parse_opts("curl", call.args, _CURL_FLAGS, danger=_CURL_DANGER, outputs=_CURL_OUTPUTS)
    get = o.has("-G", "--get")
    for f, v in o.flags:
        if f in ("-X", "--request"):
            method = v.value if v is not None else None
            if method not in ("GET", "HEAD"):
                raise Unprovable(f"curl sends an HTTP {method or '(computed method)'}")
        elif f in _DATA and not get:
            raise Unprovable("curl sends data (an HTTP POST)")
        elif f in ("-w", "--write-out"):
            text = v.value if v is not None else None
            if text is None or text.startswith("@") or "%output{" in text:
                raise Unprovable("curl -w with a file or %output{} writes a file")
        elif f == "--url" and v is not None:
            _check_url("curl", v)
    for p in o.pos:
        _check_url("curl", p)
    return "curl makes a plain GET request"


_WGET_FLAGS = table("-q --quiet -O= --output-document= -S --server-response --spider -T= "
                    "--timeout= -t= --tries= --header= --no-check-certificate --user= "
                    "--password= --http-user= --http-password= -U= --user-agent= --max-redirect= "
                    "-nv --no-verbose -v --verbose -4 -6 --inet4-only --inet6-only "
                    "--ca-certificate= --certificate= --private-key= --no-proxy --dns-timeout= "
                    "--connect-timeout= --read-timeout= --wait= --waitretry= --retry-connrefused "
                    "--no-cache --no-dns-cache --compression= --auth-no-challenge --https-only "
                    "--content-on-error --show-progress --progress= -d --debug --help -h -V "
                    "--version")


@rule("wget")
def _wget(call: Call) -> str:
    o = parse_opts("wget", call.args, _WGET_FLAGS, outputs=("-O", "--output-document"),
                   danger={"--post-data": "sends data (an HTTP POST)", "--post-file": "sends "
                           "data (an HTTP POST)", "--body-data": "sends data", "--body-file":
                           "sends data", "--method": "sends a request with another method",
                           "-o": "writes a log file", "--output-file": "writes a log file",
                           "-a": "appends to a log file", "--append-output": "appends to a log "
                           "file", "-e": "runs a wgetrc command", "--execute": "runs a wgetrc "
                           "command", "--config": "reads a config file", "-P": "saves files",
                           "-r": "downloads recursively", "-m": "mirrors a site", "-N": "saves "
                           "files", "-x": "creates directories", "-i": "reads URLs from a file"})
    if not (o.has("-O", "--output-document") or o.has("--spider")):
        raise Unprovable("wget without -O - or --spider saves the download to a file")
    if not o.pos:
        raise Unprovable("wget without a URL")
    for p in o.pos:
        _check_url("wget", p)
    return "wget prints the page" if not o.has("--spider") else "wget --spider only checks"


# -- aws --------------------------------------------------------------------------------------

_AWS_GLOBAL = table("--debug --endpoint-url= --no-verify-ssl --no-paginate --output= --query= "
                    "--profile= --region= --version --color= --no-sign-request --ca-bundle= "
                    "--cli-read-timeout= --cli-connect-timeout= --cli-binary-format= "
                    "--no-cli-pager --no-cli-auto-prompt")
_AWS_OP = re.compile(r"(describe|list|get)-[a-z0-9-]+\Z")
_AWS_EXTRA = {"dynamodb": {"scan", "query", "batch-get-item"}, "s3api": {"head-object",
              "head-bucket"}, "logs": {"filter-log-events", "tail"},
              "cloudtrail": {"lookup-events"}, "configure": {"list", "get", "list-profiles"},
              "sts": set(), "s3": {"ls"}}
#: Read-looking verbs that mint a credential, print a secret or write a local file.
_AWS_DENY = {"get-login-password": "mints a registry password", "get-login": "mints a "
             "registry password", "get-authorization-token": "mints a token",
             "get-session-token": "mints credentials", "get-federation-token": "mints "
             "credentials", "get-token": "mints a token", "get-credentials-for-identity":
             "mints credentials", "get-id": "creates an identity", "get-open-id-token": "mints a "
             "token", "get-secret-value": "prints a secret", "get-password-data": "prints a "
             "secret", "get-object": "writes the object to a local file", "get-object-torrent":
             "writes a local file", "get-job-output": "writes a local file", "get-media":
             "writes a local file", "get-clip": "writes a local file",
             "get-sdk": "writes a local file", "get-export": "writes a local file",
             "get-introspection-schema": "writes a local file", "get-data-key": "mints a key",
             "get-random-password": "mints a secret", "get-cluster-credentials": "mints "
             "credentials", "get-cluster-credentials-with-iam": "mints credentials",
             "get-temporary-credentials": "mints credentials", "get-role-credentials": "mints "
             "credentials", "get-db-auth-token": "mints a token", "get-console-output": ""}


@rule("aws")
def _aws(call: Call) -> str:
    g_words: list[PWord] = []
    k = 0
    args = call.args
    while k < len(args) and (args[k].value or args[k].prefix).startswith("--"):
        g_words.append(args[k])
        name = (args[k].value or args[k].prefix).split("=", 1)[0]
        k += 1
        if _AWS_GLOBAL.get(name) == "v" and "=" not in (args[k - 1].value or "="):
            if k < len(args):
                g_words.append(args[k])
            k += 1
    if any(w.value == "--cli-auto-prompt" for w in g_words):
        raise Unprovable("aws --cli-auto-prompt is interactive")
    parse_opts("aws", g_words, _AWS_GLOBAL)
    rest = args[k:]
    if not rest:
        if any(w.value == "--version" for w in g_words):
            return "aws --version only prints"
        raise Unprovable("aws without a service")
    svc = rest[0].value
    if svc is None:
        raise Unprovable("aws with a computed service name")
    if svc == "help":
        return "aws help only prints"
    if len(rest) < 2 or rest[1].value is None:
        raise Unprovable(f"aws {svc} without a literal operation")
    op = rest[1].value
    if op == "help":
        return f"aws {svc} help only prints"
    if op in _AWS_DENY and _AWS_DENY[op]:
        raise Unprovable(f"aws {svc} {op} {_AWS_DENY[op]}")
    allowed = op in _AWS_EXTRA.get(svc, set()) or (_AWS_OP.match(op) is not None and
                                                    svc not in ("s3", "configure"))
    if svc == "s3" and op == "cp" and len(rest) >= 4 and rest[-1].value == "-" and \
            (rest[2].value or rest[2].prefix).startswith("s3://"):
        allowed = True
    if op == "wait" and len(rest) >= 3 and rest[2].value and re.fullmatch(r"[a-z0-9-]+",
                                                                          rest[2].value):
        allowed = True
        rest = rest[:2] + rest[3:]
    if not allowed:
        raise Unprovable(f"aws {svc} {op} changes AWS resources")
    if op.startswith("get-parameter") and any((w.value or w.prefix).startswith(
            "--with-decryption") for w in rest[2:]):
        raise Unprovable(f"aws {svc} {op} --with-decryption prints a secret")
    # operation arguments: --name [value]...; a bare word not after an option is an output file
    prev_flag = False
    pos_ok = svc == "s3" or (svc == "logs" and op == "tail") or (svc == "configure")
    for w in rest[2:]:
        v = w.value if w.value is not None else w.prefix
        if v.startswith("--"):
            name = v.split("=", 1)[0]
            if name in ("--cli-auto-prompt", "--generate-cli-skeleton") and name != \
                    "--generate-cli-skeleton":
                raise Unprovable(f"aws {name} is interactive")
            if w.value is None and w.may_split:
                raise Unprovable(f"aws {w.text} may split into several words")
            prev_flag = "=" not in v
            continue
        if w.may_split:
            raise Unprovable(f"aws: {w.text} may split into several words")
        if w.may_dash and not prev_flag:
            raise Unprovable(f"aws: {w.text} may expand to an option")
        if not prev_flag and not pos_ok:
            raise Unprovable(f"aws {svc} {op} {w.show()}: a bare argument names an output file")
        prev_flag = False
    return f"aws {svc} {op} only reads"


@rule("gcloud", "az")
def _cloud_path(call: Call) -> str:
    tool = call.prog
    path: list[str] = []
    k = 0
    args = call.args
    while k < len(args):
        w = args[k]
        if w.value is None:
            if w.prefix.startswith("--"):
                break
            raise Unprovable(f"{tool}: a computed command word ({w.text})")
        if w.value.startswith("-"):
            break
        path.append(w.value)
        k += 1
    ro_last = {"gcloud": {"list", "describe", "get-value", "read", "get-iam-policy", "info",
                          "version", "list-tags", "list-grantable-roles"},
               "az": {"list", "show", "list-locations", "version"}}[tool]
    deny = {"get-credentials", "print-access-token", "print-identity-token",
            "get-access-token", "ssh", "scp", "connect", "login"}
    if not path:
        raise Unprovable(f"{tool} without a command")
    if tool == "az" and path[:2] == ["keyvault", "secret"] and path[-1] == "show":
        raise Unprovable("az keyvault secret show prints a secret")
    if any(p in deny for p in path) or path[-1] not in ro_last and path != ["version"] and \
            path != ["info"]:
        raise Unprovable(f"{tool} {' '.join(path)} may change cloud resources")
    if tool == "gcloud" and path[:1] == ["config"] and path[-1] not in ("list", "get-value",
                                                                       "describe"):
        raise Unprovable(f"gcloud {' '.join(path)} changes the local configuration")
    for w in args[k:]:
        v = w.value if w.value is not None else w.prefix
        if v.startswith("--"):
            name = v.split("=", 1)[0]
            if name in ("--flags-file", "--log-http", "--impersonate-service-account"):
                raise Unprovable(f"{tool} {name} is not accepted by the check")
            if w.value is None and w.may_split:
                raise Unprovable(f"{tool} {w.text} may split into several words")
            continue
        if w.may_dash:
            raise Unprovable(f"{tool}: {w.text} may expand to an option")
        if v.startswith("-") and w.value is not None and len(v) == 2:
            continue  # short options such as -o json (values follow)
    return f"{tool} {' '.join(path)} only reads"
