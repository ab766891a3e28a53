"""Read-only or mutating: the question asked before every runbook command runs.

The rule is conservative: a command is read-only only when *every* simple command in it
(each part of a pipeline or ``&&``/``;`` chain, every ``$( )`` / backtick substitution, the
remote command of ``ssh``/``kubectl exec``/``sudo``/``xargs``...) is known to only read, and
nothing redirects output into a file. Anything unknown is mutating. The reason string is shown
to the user before they confirm ("kubectl set changes cluster objects").

This module holds the recursion (pipelines, wrappers, ``bash -c``, ``ssh``, ``kubectl exec``)
and the table that maps a program to its rule; rules that only read their own argv live in
``classify_tools``, ``classify_remote`` and ``classify_data``, shared helpers in ``classify_argv``.
"""

from __future__ import annotations

import re
import shlex

from warroom.execute.classify_argv import (
    _REDIRECT_OK,
    Classification,
    Handler,
    _after_double_dash,
    _has_flag,
    _interactive_shell,
    _is_expansion,
    _positional,
    _prog,
    _ro,
    _rw,
    _subcommand,
)
from warroom.execute.classify_data import _etcdctl, _psql, _redis
from warroom.execute.classify_kubectl import _KUBECTL_FLAGS_WITH_VALUE, _KUBECTL_RO, _kubectl_change
from warroom.execute.classify_remote import _AWS_GLOBAL_WITH_VALUE, _aws, _curl, _gcloud, _wget
from warroom.execute.classify_tools import (
    _awk,
    _crontab,
    _dmesg,
    _echo_like_prompt,
    _find,
    _git,
    _helm,
    _ip,
    _journalctl,
    _nc,
    _openssl,
    _sed,
    _sort,
    _sysctl,
    _tee,
    _yq,
)
from warroom.runbook import shell


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


def _shell_c(argv: list[str], cmd: shell.SimpleCommand, depth: int) -> Classification:
    if "-c" in argv:
        i = argv.index("-c")
        if i + 1 < len(argv):
            return _classify_shell(argv[i + 1], depth + 1)
    if cmd.heredocs:
        return _classify_shell(cmd.heredocs[0], depth + 1)
    return _rw(f"{_prog(argv[0])} runs a script or an interactive shell, which cannot be checked")


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


_HANDLERS: dict[str, Handler] = {
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
