"""Read-only or mutating: the question asked before every runbook command runs.

The rule is conservative: a command is read-only only when *every* simple command in it
(each part of a pipeline or ``&&``/``;`` chain, every ``$( )`` / backtick substitution, the
remote command of ``ssh``/``kubectl exec``/``sudo``/``xargs``...) is known to only read, and
nothing redirects output into a file. Anything unknown is mutating. The reason string is shown
to the user before they confirm ("kubectl set changes cluster objects").
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

from warroom.runbook import shell


@dataclass(frozen=True)
class Classification:
    mutating: bool
    reason: str

    def __bool__(self) -> bool:  # pragma: no cover - convenience only
        return self.mutating


def classify(command: str | None, kind: str = "shell") -> Classification:
    """Classify a step's command. ``kind`` is the step kind (shell, promql, k8s, manual)."""
    if kind == "promql":
        return Classification(False, "a PromQL query only reads metrics")
    if kind == "k8s":
        from warroom.runbook.k8s import K8sSyntaxError, parse_action

        try:
            action = parse_action(command or "", allow_placeholders=True)
        except K8sSyntaxError:
            return Classification(True, "a native k8s action (unreadable, so assumed to change "
                                        "the cluster)")
        if not action.mutating:
            return Classification(False, f"{action.verb} only reads")
        return Classification(True, f"{action.verb} changes {action.kind}/{action.name}")
    if kind == "manual" or command is None:
        return Classification(False, "a manual step: nothing is run")
    return _classify_shell(command, depth=0)


# --------------------------------------------------------------------------------------------
# Shell

_RO, _RW = False, True

READ_ONLY_TOOLS = frozenset("""
cat tac head tail less more wc sort uniq cut tr jq column nl fold paste join comm diff cmp
grep egrep fgrep zgrep rg ag zcat bzcat xzcat echo printf date cal dig nslookup host
ping ping6 traceroute tracepath mtr ss netstat ps pgrep pstree top htop atop uptime free df du
ls ll tree stat file which whereis type id whoami groups hostname uname env printenv lsof
vmstat iostat mpstat pidstat sar nproc lscpu lsblk lsmem lspci lsusb blkid findmnt
getent base64 sha1sum sha256sum sha512sum md5sum cksum xxd od hexdump strings realpath
readlink basename dirname seq sleep true false test [ [[ expr bc dc numfmt cd pwd pushd popd
exit return set unset export local declare readonly shift wait history alias jobs
shopt umask ulimit getconf locale tty w who last lastlog iftop nethogs iotop
ntpq ntpstat strace ltrace pmap numastat ethtool arp systemd-analyze
""".split())

# Tools that run another command given as their arguments: classify that command instead.
_WRAPPERS = {"sudo", "doas", "nice", "ionice", "nohup", "time", "timeout", "env", "stdbuf",
             "chrt", "taskset", "watch", "xargs", "exec", "command", "builtin", "unbuffer",
             "setsid", "flock", "numactl", "caffeinate"}

_REDIRECT_OK = {"/dev/null", "/dev/stdout", "/dev/stderr", "/dev/tty", "-", "&1", "&2", "1", "2"}

_KUBECTL_RO = {"get", "describe", "logs", "log", "top", "explain", "api-resources",
               "api-versions", "version", "cluster-info", "events", "diff", "wait",
               "auth", "whoami", "status", "port-forward", "kustomize", "completion",
               "plugin", "options", "tree", "neat", "ctx-list", "images"}
_KUBECTL_FLAGS_WITH_VALUE = {"-n", "--namespace", "--context", "--kubeconfig", "-s", "--server",
                             "--cluster", "--user", "--token", "--as", "--as-group",
                             "--request-timeout", "--certificate-authority", "-v", "--v",
                             "--client-certificate", "--client-key", "--tls-server-name",
                             "--profile", "--cache-dir"}
_KUBECTL_MUTATE_REASON = {
    "apply": "applies a manifest to the cluster", "create": "creates cluster objects",
    "replace": "replaces cluster objects", "patch": "patches cluster objects",
    "edit": "edits cluster objects", "set": "changes cluster objects",
    "scale": "changes a replica count", "autoscale": "changes autoscaling",
    "delete": "deletes cluster objects", "label": "changes labels",
    "annotate": "changes annotations", "cordon": "marks a node unschedulable",
    "uncordon": "marks a node schedulable", "drain": "evicts pods from a node",
    "taint": "changes node taints", "expose": "creates a service", "run": "starts a pod",
    "exec": "runs a command inside a container", "cp": "copies files into/out of a container",
    "debug": "starts a debug container", "attach": "attaches to a running container",
    "rsh": "opens a shell in a container", "rollout": "changes a rollout",
    "adm": "runs an administrative action", "project": "switches the current project",
    "config": "changes the local kubeconfig", "new-app": "creates objects",
    "start-build": "starts a build", "import-image": "imports an image", "tag": "tags an image",
    "process": "processes a template", "certificate": "approves or denies certificates",
}

_AWS_RO_PREFIXES = ("describe", "list", "get", "head", "batch-get", "filter", "lookup", "search",
                    "scan", "query", "ls", "tail", "wait", "help", "simulate", "validate",
                    "estimate", "test-", "check")
_AWS_GLOBAL_WITH_VALUE = {"--region", "--profile", "--output", "--endpoint-url", "--query",
                          "--cli-read-timeout", "--cli-connect-timeout", "--color", "--ca-bundle"}
_GCLOUD_RO = ("list", "describe", "get", "get-iam-policy", "read", "print-access-token",
              "ls", "cat", "tail", "info", "version", "config-list")

_SQL_RO_START = re.compile(r"^\s*(select|with|show|explain|values|table|\\)", re.I)
# Inside a statement that starts with SELECT/WITH/SHOW/EXPLAIN, what can still write:
# data-modifying CTEs, SELECT INTO, row locks, and functions with side effects. (Statements that
# start with anything else are refused before this is consulted.)
_SQL_WRITE = re.compile(
    r"\b(insert\s+into|update\s+[\w.\"]+\s+set|delete\s+from|merge\s+into|truncate|"
    r"(create|alter|drop)\s+(table|index|view|schema|database|role|user|function|trigger|"
    r"sequence|extension|materialized)|grant|revoke|vacuum|reindex|copy\s+\w+\s+(from|to))\b|"
    r"\binto\b|\bfor\s+(update|share|no\s+key\s+update|key\s+share)\b|"
    r"pg_(terminate|cancel)_backend|pg_reload_conf|pg_switch_wal|pg_rotate_logfile|set_config|"
    r"nextval|setval|lo_unlink|lo_import|lo_export|pg_promote|pg_create|pg_drop|dblink|"
    r"pg_advisory_lock|pg_try_advisory_lock|pg_stat_reset|pg_sleep",
    re.I)
_PSQL_META_RO = re.compile(r"^\\(d\S*|l\+?|x|conninfo|timing|pset|echo|q|\?|h\b|c\b|connect\b|"
                           r"encoding|dn|du|dt|df|dv|di|ds|sf|sv)", re.I)

_REDIS_RO = {"get", "mget", "keys", "scan", "sscan", "hscan", "zscan", "info", "slowlog",
             "monitor", "ttl", "pttl", "type", "exists", "llen", "lrange", "lindex", "hget",
             "hgetall", "hkeys", "hvals", "hlen", "hexists", "hmget", "smembers", "scard",
             "sismember", "zrange", "zrangebyscore", "zrevrange", "zcard", "zscore", "zcount",
             "dbsize", "ping", "echo", "time", "strlen", "getrange", "bitcount", "memory",
             "latency", "role", "lastsave", "xlen", "xrange", "xrevrange", "xinfo", "pubsub",
             "command", "object", "randomkey", "dump", "client", "config", "cluster",
             "sentinel", "debug", "module", "acl"}
_REDIS_SUB_RO = {"client": {"list", "info", "getname", "id"},
                 "config": {"get"}, "cluster": {"info", "nodes", "slots", "shards", "myid"},
                 "slowlog": {"get", "len"}, "memory": {"usage", "stats", "doctor"},
                 "latency": {"latest", "history", "doctor"}, "object": {"encoding", "freq",
                                                                        "idletime", "refcount"},
                 "sentinel": {"masters", "master", "replicas", "slaves", "sentinels",
                              "get-master-addr-by-name", "ckquorum"},
                 "command": {"count", "info", "docs", "list"}, "acl": {"list", "whoami",
                                                                       "users", "cat"},
                 "module": {"list"}, "debug": set(), "pubsub": {"channels", "numsub",
                                                              "numpat"}}


def _ro(reason: str) -> Classification:
    return Classification(False, reason)


def _rw(reason: str) -> Classification:
    return Classification(True, reason)


def _classify_shell(command: str, depth: int) -> Classification:
    if depth > 6:
        return _rw("the command nests too deeply to check")
    result = shell.scan(command)
    if not result.commands:
        return _ro("nothing to run but comments")
    readers: list[str] = []
    reasons: list[str] = []
    for cmd in result.commands:
        c = _classify_simple(cmd, depth)
        if c.mutating:
            return c
        if cmd.argv and not shell.is_assignment(cmd.argv[0]):
            readers.append(_first_words(cmd.argv))
            reasons.append(c.reason)
    if not result.complete:
        return _rw(f"the command is incomplete ({result.problem()}), so it cannot be checked")
    if len(set(readers)) == 1:
        return _ro(reasons[0])
    names = ", ".join(dict.fromkeys(readers)) or "variable assignments"
    return _ro(f"read-only: {names}")


def _first_words(argv: list[str]) -> str:
    prog = _prog(argv[0])
    if prog in ("kubectl", "oc", "aws", "gcloud", "git", "helm", "systemctl", "docker",
                "crictl", "podman", "etcdctl", "redis-cli"):
        words = _positional(argv[1:], _KUBECTL_FLAGS_WITH_VALUE | _AWS_GLOBAL_WITH_VALUE)
        return " ".join([prog, *words[:1]])
    return prog


def _prog(word: str) -> str:
    return word.rsplit("/", 1)[-1] if word else word


def _classify_simple(cmd: shell.SimpleCommand, depth: int) -> Classification:
    for op, target in cmd.redirects:
        if op in (">", ">>", ">|", "&>", "&>>", "<>") and target not in _REDIRECT_OK \
                and not target.startswith("&"):
            return _rw(f"writes to the file {target}")
        if op == ">&" and not (target.isdigit() or target in _REDIRECT_OK):
            return _rw(f"writes to the file {target}")
    argv = cmd.argv
    # Leading assignments (FOO=1 cmd) set the environment only.
    while argv and shell.is_assignment(argv[0]):
        argv = argv[1:]
    if not argv:
        return _ro("sets a variable")
    prog = _prog(argv[0])
    if prog.startswith("$") or argv[0].startswith("$"):
        return _rw(f"runs a command named by a variable ({argv[0]}), which cannot be checked")
    handler = _HANDLERS.get(prog)
    if handler is not None:
        return handler(argv, cmd, depth)
    if prog in _WRAPPERS:
        return _wrapper(argv, cmd, depth)
    if prog in READ_ONLY_TOOLS:
        return _ro(f"{prog} only reads")
    return _rw(f"{prog} is not a known read-only command")


def _sub(argv: list[str], depth: int, prefix: str) -> Classification:
    """Classify a command given as separate argv words (sudo CMD..., xargs CMD...)."""
    if not argv:
        return _ro(f"{prefix} with nothing to run")
    c = _classify_shell(" ".join(shlex.quote(a) if not _is_expansion(a) else a for a in argv),
                        depth + 1)
    return c


def _is_expansion(word: str) -> bool:
    return word.startswith("$")


def _wrapper(argv: list[str], cmd: shell.SimpleCommand, depth: int) -> Classification:
    prog = _prog(argv[0])
    rest = argv[1:]
    takes_value = {
        "sudo": {"-u", "-g", "-C", "-D", "-h", "-p", "-r", "-t", "-U", "-T", "--user", "--group"},
        "nice": {"-n", "--adjustment"}, "ionice": {"-c", "-n", "-p", "-P", "-u"},
        "timeout": {"-s", "-k", "--signal", "--kill-after"}, "watch": {"-n", "-d", "--interval"},
        "xargs": {"-I", "-L", "-n", "-P", "-s", "-d", "-E", "-a", "--max-args", "--delimiter",
                  "--max-procs", "--replace"},
        "stdbuf": set(), "env": {"-u", "-C", "--unset", "--chdir"}, "chrt": set(),
        "taskset": set(), "flock": {"-w", "-E", "--timeout"},
    }.get(prog, set())
    i = 0
    while i < len(rest):
        a = rest[i]
        if a == "--":
            i += 1
            break
        if prog == "env" and shell.is_assignment(a):
            i += 1
            continue
        if a.startswith("-"):
            if a in takes_value:
                i += 2
            else:
                i += 1
            continue
        if prog == "timeout" and re.fullmatch(r"[\d.]+[smhd]?", a):
            i += 1
            continue
        if prog in ("taskset", "chrt", "flock") and i == 0:
            i += 1
            continue
        break
    inner = rest[i:]
    if prog in ("sudo", "doas") and not inner and any(
            a in ("-i", "-s", "--login", "--shell") or (a.startswith("-") and not a.startswith("--")
                                                        and ("i" in a or "s" in a))
            for a in rest):
        return _rw(f"{prog} opens a root shell")
    if prog == "xargs" and not inner:
        return _ro("xargs echo only prints")
    c = _sub(inner, depth, prog)
    if prog == "sudo" and c.mutating:
        return _rw(f"sudo: {c.reason}")
    return c


# -- specific tools ----------------------------------------------------------------------------

def _kubectl(argv: list[str], cmd: shell.SimpleCommand, depth: int) -> Classification:
    prog = _prog(argv[0])
    words = _positional(argv[1:], _KUBECTL_FLAGS_WITH_VALUE)
    if not words:
        return _ro(f"{prog} with no subcommand only prints help")
    verb = words[0]
    if prog == "oc" and verb in ("whoami", "status", "version", "observe"):
        return _ro(f"oc {verb} only reads")
    if prog == "oc" and verb == "project" and len(words) == 1:
        return _ro("oc project only prints the current project")
    if prog == "oc" and verb == "adm" and len(words) > 1 and words[1] in ("top", "inspect"):
        return _ro(f"oc adm {words[1]} only reads")
    if verb == "rollout":
        sub = words[1] if len(words) > 1 else ""
        if sub in ("status", "history"):
            return _ro(f"{prog} rollout {sub} only reads")
        return _rw(f"{prog} rollout {sub} changes the rollout".replace("  ", " "))
    if verb == "config":
        sub = words[1] if len(words) > 1 else ""
        if sub in ("view", "get-contexts", "current-context", "get-clusters", "get-users"):
            return _ro(f"{prog} config {sub} only reads")
        return _rw(f"{prog} config {sub} changes the local kubeconfig".replace("  ", " "))
    if verb == "auth":
        sub = words[1] if len(words) > 1 else ""
        if sub in ("can-i", "whoami"):
            return _ro(f"{prog} auth {sub} only reads")
        return _rw(f"{prog} auth {sub} changes RBAC objects")
    if verb == "cluster-info" and "dump" in words[1:2] and _has_flag(argv, "--output-directory"):
        return _rw(f"{prog} cluster-info dump writes files")
    if verb == "exec":
        inner = _after_double_dash(argv)
        if inner is None:
            return _rw(f"{prog} exec runs a command inside a container")
        c = _sub(inner, depth, "exec")
        if c.mutating:
            return _rw(f"{prog} exec: {c.reason}")
        if _interactive_shell(inner):
            return _rw(f"{prog} exec opens an interactive shell in a container")
        return _ro(f"{prog} exec runs a read-only command ({c.reason})")
    if verb in _KUBECTL_RO:
        if verb == "get" and ("--raw" in argv and any(x in argv for x in ("-X", "--method"))):
            return _rw(f"{prog} get --raw with a method may change state")
        return _ro(f"{prog} {verb} only reads")
    return _rw(_kubectl_change(prog, words))


_KUBECTL_SUBVERBS = {"set", "create", "rollout", "config", "auth", "adm", "certificate", "top"}


def _kubectl_change(prog: str, words: list[str]) -> str:
    """"kubectl set env changes deployment/web", or the generic reason when no target shows."""
    verb = words[0]
    phrase = [verb]
    rest = words[1:]
    if verb in _KUBECTL_SUBVERBS and rest:
        phrase.append(rest[0])
        rest = rest[1:]
    target = next((w for w in rest if "/" in w and not w.startswith(("-", "/", "."))), None)
    eff = phrase[-1]  # `oc adm cordon`: the action is the last word
    if target is None and len(rest) >= 2 and eff in ("delete", "scale", "label", "annotate",
                                                      "patch", "edit", "cordon", "drain",
                                                      "uncordon", "taint", "expose"):
        target = f"{rest[0]} {rest[1]}"
    if target is None and len(rest) == 1 and eff in ("cordon", "uncordon", "drain"):
        target = f"node {rest[0]}"
    what = f"{prog} {' '.join(phrase)}"
    if target is None or "=" in target:
        return f"{what} {_KUBECTL_MUTATE_REASON.get(verb, 'is not a read-only command')}"
    if eff == "delete":
        return f"{what} deletes {target}"
    if verb in ("exec", "cp", "attach", "debug", "rsh"):
        return f"{what} {_KUBECTL_MUTATE_REASON.get(verb, 'runs in')} ({target})"
    return f"{what} changes {target}"


def _positional(args: list[str], with_value: set[str]) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(args):
        a = args[i]
        if a == "--":
            break
        if a.startswith("-"):
            if a in with_value:
                i += 2
                continue
            i += 1
            continue
        out.append(a)
        i += 1
    return out


def _has_flag(argv: list[str], flag: str) -> bool:
    return any(a == flag or a.startswith(flag + "=") for a in argv)


def _after_double_dash(argv: list[str]) -> list[str] | None:
    if "--" in argv:
        return argv[argv.index("--") + 1:]
    return None


def _interactive_shell(inner: list[str]) -> bool:
    if not inner:
        return True
    prog = _prog(inner[0])
    return prog in ("sh", "bash", "zsh", "ash", "dash", "psql", "mysql", "redis-cli", "python",
                    "python3", "irb", "rails") and len(inner) == 1


def _shell_c(argv: list[str], cmd: shell.SimpleCommand, depth: int) -> Classification:
    if "-c" in argv:
        i = argv.index("-c")
        if i + 1 < len(argv):
            return _classify_shell(argv[i + 1], depth + 1)
    if cmd.heredocs:
        return _classify_shell(cmd.heredocs[0], depth + 1)
    return _rw(f"{_prog(argv[0])} runs a script or an interactive shell, which cannot be checked")


def _psql(argv: list[str], cmd: shell.SimpleCommand, depth: int) -> Classification:
    prog = _prog(argv[0])
    sql: list[str] = []
    for i, a in enumerate(argv):
        if a in ("-c", "--command") and i + 1 < len(argv):
            sql.append(argv[i + 1])
        elif a.startswith("--command="):
            sql.append(a.split("=", 1)[1])
        elif a.startswith("-c") and len(a) > 2 and prog != "mysql":
            sql.append(a[2:])
        elif prog == "mysql" and a in ("-e", "--execute") and i + 1 < len(argv):
            sql.append(argv[i + 1])
        elif a in ("-f", "--file") or a.startswith("--file="):
            return _rw(f"{prog} runs an SQL file, which cannot be checked")
    sql.extend(cmd.heredocs)
    for op, target in cmd.redirects:
        if op == "<<<":
            sql.append(target)
        elif op == "<":
            return _rw(f"{prog} runs SQL from {target}, which cannot be checked")
    if not sql:
        return _rw(f"{prog} without -c opens an interactive session, which cannot be checked")
    for text in sql:
        why = _sql_writes(text)
        if why:
            return _rw(f"{prog}: {why}")
    return _ro(f"{prog} runs SELECT-only SQL")


def _sql_writes(text: str) -> str | None:
    """None when every statement only reads; otherwise a short reason."""
    body = re.sub(r"--[^\n]*", " ", text)
    body = re.sub(r"/\*.*?\*/", " ", body, flags=re.S)
    # Blank out string literals so a WHERE name = 'drop' does not count.
    body = re.sub(r"'(?:[^']|'')*'", "''", body)
    statements = [s.strip() for s in re.split(r";|\n(?=\\)", body) if s.strip()]
    if not statements:
        return "no SQL statement found"
    for st in statements:
        if st.startswith("\\"):
            if _PSQL_META_RO.match(st):
                continue
            return f"the psql command {st.split()[0]} may change state"
        if not _SQL_RO_START.match(st):
            return f"{st.split()[0].upper()} is not a SELECT"
        m = _SQL_WRITE.search(st)
        if m:
            return f"the statement uses {' '.join(m.group(0).split()[:2]).upper()}"
        if re.match(r"(?i)explain\s+\(?\s*analy[sz]e", st):
            rest = re.sub(r"(?i)^explain\s+(\([^)]*\)|analy[sz]e)\s*(verbose\s*)?", "", st)
            if not re.match(r"(?i)(select|with|values|table)\b", rest):
                return "EXPLAIN ANALYZE runs the statement"
    return None


def _aws(argv: list[str], cmd: shell.SimpleCommand, depth: int) -> Classification:
    words = _positional(argv[1:], _AWS_GLOBAL_WITH_VALUE)
    if len(words) < 2:
        return _ro("aws help or configuration listing") if not words or words[0] in (
            "help", "--version") else _rw(f"aws {' '.join(words)} is not a read-only command")
    service, op = words[0], words[1]
    if service == "configure" and op in ("list", "get"):
        return _ro(f"aws configure {op} only reads")
    if service == "s3" and op in ("cp", "sync", "mv") and len(words) >= 3 and words[-1] == "-":
        return _ro("aws s3 cp to stdout only reads")
    if op.startswith(_AWS_RO_PREFIXES) or (service == "logs" and op in ("tail", "filter-log-events")):
        return _ro(f"aws {service} {op} only reads")
    return _rw(f"aws {service} {op} changes AWS resources")


def _gcloud(argv: list[str], cmd: shell.SimpleCommand, depth: int) -> Classification:
    words = _positional(argv[1:], {"--project", "--zone", "--region", "--format", "--filter",
                                   "--account", "--configuration", "--limit"})
    if "get-credentials" in words:
        return _rw("gcloud get-credentials changes the local kubeconfig")
    if any(w.startswith(_GCLOUD_RO) for w in words[-2:]) or words[-1:] == ["list"]:
        return _ro(f"gcloud {' '.join(words[:3])} only reads")
    if "ssh" in words:
        return _rw("gcloud compute ssh opens a remote shell")
    return _rw(f"gcloud {' '.join(words[:3])} may change cloud resources")


def _curl(argv: list[str], cmd: shell.SimpleCommand, depth: int) -> Classification:
    i = 1
    while i < len(argv):
        a = argv[i]
        low = a
        if low in ("-X", "--request") and i + 1 < len(argv):
            method = argv[i + 1].upper()
            if method not in ("GET", "HEAD", "OPTIONS"):
                return _rw(f"curl sends an HTTP {method}")
            i += 2
            continue
        if low.startswith("-X") and len(low) > 2:
            method = low[2:].upper()
            if method not in ("GET", "HEAD", "OPTIONS"):
                return _rw(f"curl sends an HTTP {method}")
        if low.startswith("--request="):
            method = low.split("=", 1)[1].upper()
            if method not in ("GET", "HEAD", "OPTIONS"):
                return _rw(f"curl sends an HTTP {method}")
        if low in ("-d", "-F", "-T", "--json", "--form", "--upload-file") or low.startswith(
                ("--data", "--form", "--json", "--upload-file")) or (
                re.match(r"^-[a-zA-Z]*[dFT]", low) and not low.startswith("--")):
            if "--get" in argv or any(re.fullmatch(r"-[a-zA-Z]*G[a-zA-Z]*", x) for x in argv):
                i += 1
                continue
            return _rw("curl sends data (an HTTP POST/PUT)")
        if low in ("-o", "--output") and i + 1 < len(argv):
            if argv[i + 1] not in _REDIRECT_OK:
                return _rw(f"curl writes to the file {argv[i + 1]}")
            i += 2
            continue
        if low in ("-O", "--remote-name", "--remote-name-all"):
            return _rw("curl saves the download to a file")
        i += 1
    return _ro("curl makes a plain GET request")


def _wget(argv: list[str], cmd: shell.SimpleCommand, depth: int) -> Classification:
    if "--spider" in argv:
        return _ro("wget --spider only checks the URL")
    for i, a in enumerate(argv):
        if a in ("-O", "--output-document") and i + 1 < len(argv) and argv[i + 1] in ("-", "/dev/null"):
            if any(x.startswith(("--post", "--method")) for x in argv):
                return _rw("wget sends data")
            return _ro("wget prints the page")
        if a.startswith("-O") and a[2:] in ("-", "/dev/null") or a in ("-qO-",):
            return _ro("wget prints the page")
    return _rw("wget saves files")


def _ssh(argv: list[str], cmd: shell.SimpleCommand, depth: int) -> Classification:
    with_value = set("-b -c -D -E -e -F -I -i -J -L -l -m -O -o -p -Q -R -S -W -w -B".split())
    i = 1
    while i < len(argv) and argv[i].startswith("-") and argv[i] != "--":
        i += 2 if argv[i] in with_value else 1
    if i < len(argv) and argv[i] == "--":
        i += 1
    host_i = i
    if i < len(argv) and argv[i] == "--":
        i += 1
    remote = argv[host_i + 1:]
    if remote and remote[0] == "--":
        remote = remote[1:]
    if not remote:
        return _rw("ssh opens an interactive shell on a remote host")
    c = _classify_shell(" ".join(remote), depth + 1)
    return _rw(f"ssh: {c.reason}") if c.mutating else _ro(f"ssh runs a read-only command ({c.reason})")


def _knife(argv: list[str], cmd: shell.SimpleCommand, depth: int) -> Classification:
    words = _positional(argv[1:], {"-C", "--concurrency", "-x", "-a", "-i", "-c", "--config",
                                   "-E", "--environment"})
    if words[:1] == ["ssh"] and len(words) >= 3:
        c = _classify_shell(words[2], depth + 1)
        return _rw(f"knife ssh: {c.reason}") if c.mutating else _ro(
            f"knife ssh runs a read-only command ({c.reason})")
    if words[-1:] == ["list"] or words[1:2] in (["show"], ["list"]) or words[:1] == ["search"]:
        return _ro(f"knife {' '.join(words[:2])} only reads")
    return _rw(f"knife {' '.join(words[:2])} changes Chef state")


def _subcommand(ro: dict[str, set[str] | None], flags_with_value: set[str] = frozenset(),
                what: str = "state"):
    """Handler for tools whose first positional word decides (``systemctl status``...).

    ``ro`` maps a read-only subcommand to None (any arguments) or a set of allowed second words.
    """
    def handler(argv: list[str], cmd: shell.SimpleCommand, depth: int) -> Classification:
        prog = _prog(argv[0])
        words = _positional(argv[1:], set(flags_with_value))
        if not words:
            if "" in ro:
                return _ro(f"{prog} only reads")
            return _rw(f"{prog} without a subcommand cannot be checked")
        sub = words[0]
        if sub in ro:
            allowed = ro[sub]
            if allowed is None or (len(words) > 1 and words[1] in allowed):
                return _ro(f"{prog} {sub} only reads")
        return _rw(f"{prog} {sub} changes {what}")
    return handler


def _find(argv: list[str], cmd: shell.SimpleCommand, depth: int) -> Classification:
    for a in argv:
        if a in ("-delete", "-exec", "-execdir", "-ok", "-okdir", "-fprint", "-fprintf", "-fls",
                 "-fprint0"):
            return _rw(f"find {a} changes or runs things")
    return _ro("find only lists files")


def _sed(argv: list[str], cmd: shell.SimpleCommand, depth: int) -> Classification:
    if any(a == "-i" or a.startswith("-i") or a.startswith("--in-place") for a in argv[1:]):
        return _rw("sed -i edits files in place")
    return _ro("sed only prints")


def _awk(argv: list[str], cmd: shell.SimpleCommand, depth: int) -> Classification:
    prog_text = " ".join(argv[1:])
    if "system(" in prog_text or re.search(r"print[^;}]*>", prog_text) or "|&" in prog_text \
            or re.search(r"\|\s*\"", prog_text) or "-i inplace" in prog_text:
        return _rw("the awk program runs commands or writes files")
    return _ro("awk only prints")


def _tee(argv: list[str], cmd: shell.SimpleCommand, depth: int) -> Classification:
    files = [a for a in argv[1:] if not a.startswith("-") and a not in _REDIRECT_OK]
    if files:
        return _rw(f"tee writes to {files[0]}")
    return _ro("tee only prints")


def _sort(argv: list[str], cmd: shell.SimpleCommand, depth: int) -> Classification:
    if any(a == "-o" or a.startswith("--output") for a in argv):
        return _rw("sort -o writes a file")
    return _ro("sort only prints")


def _yq(argv: list[str], cmd: shell.SimpleCommand, depth: int) -> Classification:
    if any(a in ("-i", "--inplace") or (a.startswith("-") and not a.startswith("--") and "i" in a)
           for a in argv[1:]):
        return _rw("yq -i edits files in place")
    return _ro("yq only prints")


def _crontab(argv: list[str], cmd: shell.SimpleCommand, depth: int) -> Classification:
    if "-l" in argv and not any(a in ("-r", "-e") for a in argv):
        return _ro("crontab -l only lists")
    return _rw("crontab changes scheduled jobs")


def _redis(argv: list[str], cmd: shell.SimpleCommand, depth: int) -> Classification:
    with_value = {"-h", "-p", "-a", "-n", "-u", "-s", "-r", "-i", "--user", "--pass",
                  "--tls-cert", "--cacert", "--key", "--cert", "-c-", "--pattern",
                  "--memkeys-samples", "--count"}
    words = _positional(argv[1:], with_value)
    if not words:
        if any(a in ("--bigkeys", "--memkeys", "--hotkeys", "--stat", "--latency",
                     "--latency-history", "--scan", "--intrinsic-latency") for a in argv):
            return _ro("redis-cli analysis mode only reads")
        if cmd.heredocs:
            return _rw("redis-cli runs commands from a heredoc, which cannot be checked")
        return _rw("redis-cli without a command opens an interactive session")
    sub = words[0].lower()
    if sub in _REDIS_RO:
        subs = _REDIS_SUB_RO.get(sub)
        if subs is None or (len(words) > 1 and words[1].lower() in subs):
            return _ro(f"redis-cli {sub.upper()} only reads")
    return _rw(f"redis-cli {sub.upper()} changes data")


def _etcdctl(argv: list[str], cmd: shell.SimpleCommand, depth: int) -> Classification:
    words = _positional(argv[1:], {"--endpoints", "--cacert", "--cert", "--key", "-w",
                                   "--write-out", "--command-timeout", "--user"})
    ro = {("endpoint", "health"), ("endpoint", "status"), ("endpoint", "hashkv"),
          ("member", "list"), ("alarm", "list"), ("check", "perf"), ("check", "datascale"),
          ("user", "list"), ("role", "list")}
    if words[:1] in (["get"], ["version"], ["watch"]) or tuple(words[:2]) in ro:
        return _ro(f"etcdctl {' '.join(words[:2])} only reads")
    return _rw(f"etcdctl {' '.join(words[:2])} changes etcd")


def _git(argv: list[str], cmd: shell.SimpleCommand, depth: int) -> Classification:
    words = _positional(argv[1:], {"-C", "-c", "--git-dir", "--work-tree"})
    ro = {"status", "log", "diff", "show", "rev-parse", "blame", "describe", "ls-files",
          "ls-remote", "shortlog", "grep", "cat-file", "reflog", "fsck", "version", "help",
          "whatchanged", "ls-tree", "rev-list", "name-rev", "count-objects"}
    if not words or words[0] in ro:
        return _ro(f"git {words[0] if words else ''} only reads".replace("  ", " "))
    if words[0] in ("branch", "tag", "remote", "stash") and len(words) == 1:
        return _ro(f"git {words[0]} only lists")
    if words[0] == "stash" and words[1:2] == ["list"]:
        return _ro("git stash list only lists")
    return _rw(f"git {words[0]} changes the repository")


def _helm(argv: list[str], cmd: shell.SimpleCommand, depth: int) -> Classification:
    words = _positional(argv[1:], {"-n", "--namespace", "--kube-context", "--kubeconfig"})
    ro = {"list", "ls", "status", "get", "history", "show", "inspect", "template", "version",
          "search", "diff", "lint", "env", "verify", "dependency-list"}
    if not words or words[0] in ro:
        return _ro(f"helm {words[0] if words else ''} only reads".strip())
    return _rw(f"helm {words[0]} changes releases")


def _ip(argv: list[str], cmd: shell.SimpleCommand, depth: int) -> Classification:
    words = _positional(argv[1:], set())
    if len(words) <= 1 or words[1] in ("show", "list", "ls", "get"):
        return _ro("ip only shows")
    return _rw(f"ip {' '.join(words[:2])} changes the network configuration")


def _nc(argv: list[str], cmd: shell.SimpleCommand, depth: int) -> Classification:
    if any(a.startswith("-") and "z" in a for a in argv[1:]):
        return _ro("nc -z only checks a port")
    return _rw("nc sends data")


def _dmesg(argv: list[str], cmd: shell.SimpleCommand, depth: int) -> Classification:
    if any(a in ("-c", "-C", "--clear", "--read-clear", "-n", "--console-level") for a in argv):
        return _rw("dmesg with this option changes the kernel log")
    return _ro("dmesg only reads")


def _journalctl(argv: list[str], cmd: shell.SimpleCommand, depth: int) -> Classification:
    if any(a.startswith(("--vacuum", "--rotate", "--flush", "--sync", "--relinquish")) for a in argv):
        return _rw("journalctl with this option changes the journal")
    return _ro("journalctl only reads")


def _sysctl(argv: list[str], cmd: shell.SimpleCommand, depth: int) -> Classification:
    if "-w" in argv or "-p" in argv or any("=" in a for a in argv[1:]):
        return _rw("sysctl changes kernel settings")
    return _ro("sysctl only reads")


def _openssl(argv: list[str], cmd: shell.SimpleCommand, depth: int) -> Classification:
    if len(argv) > 1 and argv[1] in ("s_client", "x509", "version", "verify", "req", "crl",
                                     "asn1parse", "ciphers") and not _has_flag(argv, "-out"):
        return _ro(f"openssl {argv[1]} only reads")
    return _rw("openssl may write keys or files")


def _echo_like_prompt(argv: list[str], cmd: shell.SimpleCommand, depth: int) -> Classification:
    return _ro(f"{argv[0]} only reads input")


_HANDLERS = {
    "kubectl": _kubectl, "oc": _kubectl, "kubecolor": _kubectl, "k": _kubectl,
    "bash": _shell_c, "sh": _shell_c, "zsh": _shell_c, "dash": _shell_c, "ash": _shell_c,
    "psql": _psql, "gitlab-psql": _psql, "mysql": _psql,
    "aws": _aws, "gcloud": _gcloud, "curl": _curl, "wget": _wget,
    "ssh": _ssh, "knife": _knife, "find": _find, "sed": _sed, "awk": _awk, "gawk": _awk,
    "mawk": _awk, "tee": _tee, "sort": _sort, "yq": _yq, "crontab": _crontab,
    "redis-cli": _redis, "etcdctl": _etcdctl, "git": _git, "helm": _helm, "ip": _ip,
    "nc": _nc, "ncat": _nc, "dmesg": _dmesg, "journalctl": _journalctl, "sysctl": _sysctl,
    "openssl": _openssl, "read": _echo_like_prompt,
    "systemctl": _subcommand({"status": None, "show": None, "is-active": None,
                              "is-enabled": None, "is-failed": None, "list-units": None,
                              "list-unit-files": None, "list-timers": None, "cat": None,
                              "list-dependencies": None, "list-sockets": None, "": None},
                             {"-H", "--host", "-M", "--machine", "-p", "--property", "-t",
                              "--type", "--state", "-n", "--lines", "-o", "--output"},
                             "a service's state"),
    "service": lambda argv, cmd, depth: (
        _ro("service status only reads") if "status" in argv[2:3] or argv[1:2] == ["--status-all"]
        else _rw("service changes a service's state")),
    "docker": _subcommand({"ps": None, "images": None, "logs": None, "inspect": None,
                           "stats": None, "top": None, "version": None, "info": None,
                           "events": None, "diff": None, "history": None, "port": None,
                           "container": {"ls", "list", "inspect", "logs", "top", "stats",
                                         "port", "diff"},
                           "image": {"ls", "list", "inspect", "history"},
                           "network": {"ls", "inspect"}, "volume": {"ls", "inspect"},
                           "system": {"df", "info", "events"}},
                          {"-H", "--host", "--context", "--config", "-l", "--log-level"},
                          "containers"),
    "crictl": _subcommand({"ps": None, "pods": None, "images": None, "img": None, "logs": None,
                           "inspect": None, "inspectp": None, "inspecti": None, "stats": None,
                           "statsp": None, "info": None, "version": None, "imagefsinfo": None},
                          {"-r", "--runtime-endpoint", "-i", "--image-endpoint", "-t",
                           "--timeout", "-c", "--config"}, "containers"),
    "podman": _subcommand({"ps": None, "images": None, "logs": None, "inspect": None,
                           "stats": None, "top": None, "version": None, "info": None,
                           "events": None, "history": None, "port": None, "pod": {"ps", "ls"},
                           "container": {"ls", "list", "inspect", "logs"},
                           "image": {"ls", "list", "inspect"}}, set(), "containers"),
    "gitlab-ctl": _subcommand({"status": None, "tail": None, "show-config": None},
                              set(), "GitLab services"),
    "sv": _subcommand({"status": None, "s": None, "check": None}, {"-w"}, "a service"),
    "patronictl": _subcommand({"list": None, "ls": None, "history": None, "topology": None,
                               "show-config": None, "version": None, "dsn": None,
                               "query": None}, {"-c", "--config-file"}, "the Patroni cluster"),
    "gitlab-patronictl": _subcommand({"list": None, "ls": None, "history": None,
                                      "topology": None, "show-config": None, "version": None},
                                     {"-c"}, "the Patroni cluster"),
    "consul": _subcommand({"members": None, "info": None, "catalog": {"services", "nodes",
                                                                      "datacenters"},
                           "kv": {"get", "export"}, "operator": {"raft"}, "version": None,
                           "monitor": None}, set(), "Consul"),
    "amtool": _subcommand({"alert": {"query"}, "silence": {"query"}, "check-config": None,
                           "config": {"show", "routes"}, "cluster": {"show"}},
                          {"--alertmanager.url", "-o", "--output"}, "Alertmanager"),
    "promtool": _subcommand({"check": None, "query": None, "test": None, "debug": None},
                            set(), "Prometheus"),
    "vault": _subcommand({"status": None, "read": None, "list": None, "version": None,
                          "kv": {"get", "list", "metadata"}, "token": {"lookup"},
                          "secrets": {"list"}, "auth": {"list"}}, {"-address", "-namespace"},
                         "Vault"),
    "terraform": _subcommand({"plan": None, "show": None, "output": None, "validate": None,
                              "version": None, "state": {"list", "show", "pull"},
                              "providers": None, "graph": None, "fmt": None},
                             {"-chdir"}, "infrastructure"),
}
