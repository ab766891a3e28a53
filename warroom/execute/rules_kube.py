"""Rules for verb-driven operations tools: kubectl/oc, helm, docker/podman/crictl, systemctl,
git, redis-cli, etcdctl, promtool.

The verb decides, so the verb must be found exactly: options before it must be the tool's
global options (``kubectl --username X get delete pod`` runs ``delete`` if ``--username`` takes a
value, so an option the table lacks refuses rather than being skipped), and the words after it
are checked against that verb's own option table.
"""

from __future__ import annotations

from warroom.execute.argspec import Opts, literal_words, parse_opts, table  # noqa: F401
from warroom.execute.rulebook import Call, rule
from warroom.execute.shparse import PWord, Unprovable

# -- kubectl ----------------------------------------------------------------------------------

_K_GLOBAL = ("--as= --as-group= --as-uid= --certificate-authority= --client-certificate= "
             "--client-key= --cluster= --context= --disable-compression "
             "--insecure-skip-tls-verify --kubeconfig= --log-flush-frequency= "
             "--match-server-version -n= --namespace= --password= --request-timeout= -s= "
             "--server= --tls-server-name= --token= --user= --username= -v= --v= --vmodule= "
             "--warnings-as-errors --help -h")
_K_DANGER = {"--profile-output": "writes a profiling file",
             "--cache-dir": "writes its discovery cache to another directory",
             "--log-file": "writes a log file", "--log-dir": "writes log files"}
_K_OUT = "-o= --output= --template= --allow-missing-template-keys --show-managed-fields "
_K_SEL = "-l= --selector= --field-selector= -A --all-namespaces "
_K_FILE = "-f= --filename= -k= --kustomize= -R --recursive "
_K_VERBS: dict[str, str] = {
    "get": _K_OUT + _K_SEL + _K_FILE + "--chunk-size= --ignore-not-found -L= --label-columns= "
           "--no-headers --output-watch-events --raw= --server-print --show-kind --show-labels "
           "--sort-by= --subresource= -w --watch --watch-only",
    "describe": _K_SEL + _K_FILE + "--chunk-size= --show-events",
    "logs": "--all-containers --all-pods -c= --container= -f --follow --ignore-errors "
            "--insecure-skip-tls-verify-backend --limit-bytes= --max-log-requests= "
            "--pod-running-timeout= --prefix -p --previous -l= --selector= --since= "
            "--since-time= --tail= --timestamps",
    "top pod": _K_SEL + "--containers --no-headers --sort-by= --sum --use-protocol-buffers",
    "top node": "-l= --selector= --no-headers --show-capacity --sort-by= --use-protocol-buffers",
    "rollout status": _K_FILE + "--revision= -l= --selector= --timeout= -w --watch",
    "rollout history": _K_OUT + _K_FILE + "--revision= -l= --selector=",
    "events": _K_OUT + "-A --all-namespaces --chunk-size= --for= --no-headers --types= -w "
              "--watch",
    "explain": "--api-version= -o= --output= --recursive",
    "api-resources": "--api-group= --cached --categories= --namespaced --no-headers -o= "
                     "--output= --sort-by= --verbs=",
    "api-versions": "",
    "version": "--client -o= --output=",
    "cluster-info": "",
    "cluster-info dump": _K_OUT + "-A --all-namespaces --namespaces= --pod-running-timeout=",
    "auth can-i": "-A --all-namespaces --list --no-headers -q --quiet --subresource=",
    "auth whoami": _K_OUT,
    "config view": _K_OUT + "--flatten --merge --minify --raw",
    "config get-contexts": "--no-headers -o= --output=",
    "config current-context": "",
    "config get-clusters": "",
    "config get-users": "",
    "wait": _K_OUT + _K_SEL + _K_FILE + "--all --for= --local --timeout=",
    "whoami": "",
    "status": "",
}
_K_SUBVERBS = {"top": {"pod": "top pod", "pods": "top pod", "po": "top pod", "node": "top node",
                       "nodes": "top node", "no": "top node"},
               "rollout": {"status": "rollout status", "history": "rollout history"},
               "auth": {"can-i": "auth can-i", "whoami": "auth whoami"},
               "config": {"view": "config view", "get-contexts": "config get-contexts",
                          "current-context": "config current-context",
                          "get-clusters": "config get-clusters", "get-users": "config get-users"}}
_K_EXEC = "-c= --container= -f= --filename= --pod-running-timeout= -q --quiet -i --stdin -t --tty"

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
    "rsh": "opens a shell in a container", "rollout": "changes the rollout",
    "adm": "runs an administrative action", "project": "switches the current project",
    "config": "changes the local kubeconfig", "new-app": "creates objects",
    "start-build": "starts a build", "import-image": "imports an image", "tag": "tags an image",
    "process": "processes a template", "certificate": "approves or denies certificates",
    "port-forward": "opens a tunnel into the cluster", "proxy": "opens a proxy to the API",
    "diff": "runs an external diff program", "plugin": "runs a plugin",
}
_K_PHRASE_SUB = {"set", "create", "rollout", "config", "auth", "adm", "certificate", "top"}


def _kubectl_change(prog: str, words: list[str]) -> str:
    """"kubectl set env changes deployment/web", or the generic reason when no target shows."""
    verb = words[0]
    phrase = [verb]
    rest = words[1:]
    if verb in _K_PHRASE_SUB and rest:
        phrase.append(rest[0])
        rest = rest[1:]
    target = next((w for w in rest if "/" in w and not w.startswith(("-", "/", "."))), None)
    eff = phrase[-1]
    if target is None and len(rest) >= 2 and eff in ("delete", "scale", "label", "annotate",
                                                      "patch", "edit", "cordon", "drain",
                                                      "uncordon", "taint", "expose"):
        target = f"{rest[0]} {rest[1]}"
    if target is None and len(rest) == 1 and eff in ("cordon", "uncordon", "drain"):
        target = f"node {rest[0]}"
    what = f"{prog} {' '.join(phrase)}"
    if target is None or "=" in target:
        return f"{what} {_KUBECTL_MUTATE_REASON.get(verb, 'is not a known read-only command')}"
    if eff == "delete":
        return f"{what} deletes {target}"
    if verb in ("exec", "cp", "attach", "debug", "rsh"):
        return f"{what} {_KUBECTL_MUTATE_REASON.get(verb, 'runs in')} ({target})"
    return f"{what} changes {target}"


def _split_verb(tool: str, args: list[PWord], global_flags: dict[str, str],
                danger: dict[str, str], pflag: bool) -> tuple[Opts, str | None, list[PWord]]:
    """Global options up to the verb; returns (their parse, the verb, the words after it)."""
    k = 0
    head: list[PWord] = []
    while k < len(args):
        w = args[k]
        v = w.value
        if v is None:
            if w.may_dash or w.prefix.startswith("-"):
                head.append(w)
                k += 1
                continue
            raise Unprovable(f"the verb of {tool} ({w.text}) is computed, so it cannot be checked")
        if v == "--" or not v.startswith("-") or v == "-":
            break
        head.append(w)
        k += 1
        if not v.startswith("--") and len(v) > 2:
            continue  # -nVALUE / -n=VALUE / a cluster: the value, if any, is attached
        kind = global_flags.get(v.split("=", 1)[0])
        if kind == "v" and "=" not in v and k < len(args):
            head.append(args[k])
            k += 1
    g = parse_opts(tool, head, global_flags, danger=danger, pflag=pflag)
    if k >= len(args) or args[k].value == "--":
        return g, None, []
    return g, args[k].value, args[k + 1:]


@rule("kubectl", "oc", "kubecolor")
def _kubectl(call: Call) -> str:
    prog = call.prog
    gtab = table(_K_GLOBAL)
    g, verb, rest = _split_verb(prog, call.args, gtab, _K_DANGER, pflag=True)
    for v in g.values("--profile"):
        if v is None or v.value != "none":
            raise Unprovable(f"{prog} --profile writes a profiling file")
    if verb is None:
        return f"{prog} with no subcommand only prints help"
    if prog == "oc" and verb in ("whoami", "status", "version", "project") and not [
            w for w in rest if not (w.value or "").startswith("-")]:
        parse_opts(prog, rest, {**gtab, **table("-o= --output= --short -q --show-server "
                                                "--show-token --show-context --show-console")},
                   danger=_K_DANGER, pflag=True)
        return f"oc {verb} only reads"
    if verb == "exec":
        return _kubectl_exec(call, prog, gtab, rest)
    key = verb
    args = rest
    if verb in _K_SUBVERBS:
        sub = _first_positional(prog, rest, gtab)
        if sub is None or sub[0] not in _K_SUBVERBS[verb]:
            words = [verb] + ([sub[0]] if sub else [])
            raise Unprovable(_kubectl_change(prog, words + _values(rest)))
        key = _K_SUBVERBS[verb][sub[0]]
        args = rest[:sub[1]] + rest[sub[1] + 1:]
    elif verb == "cluster-info" and (_first_positional(prog, rest, gtab) or ("",))[0] == "dump":
        sub = _first_positional(prog, rest, gtab)
        assert sub is not None
        key = "cluster-info dump"
        args = rest[:sub[1]] + rest[sub[1] + 1:]
    if key not in _K_VERBS:
        raise Unprovable(_kubectl_change(prog, [verb] + _values(rest)))
    o = parse_opts(prog, args, {**gtab, **table(_K_VERBS[key])},
                   danger={**_K_DANGER, "--output-directory": "writes files"}, pflag=True,
                   dash_values=("--tail", "--since"))
    if key == "get":
        for v in o.values("-o", "--output"):
            if v is not None and v.value is not None and v.value.split("=", 1)[0] not in (
                    "json", "yaml", "wide", "name", "custom-columns", "custom-columns-file",
                    "go-template", "go-template-file", "jsonpath", "jsonpath-file",
                    "jsonpath-as-json", "template", "templatefile", "kyaml"):
                raise Unprovable(f"{prog} get -o {v.value}: an output format the check does "
                                 "not know")
    return f"{prog} {key} only reads"


def _values(words: list[PWord]) -> list[str]:
    return [w.value for w in words if w.value is not None and not w.value.startswith("-")]


def _first_positional(tool: str, words: list[PWord], gtab: dict[str, str]) -> tuple[str, int] | None:
    k = 0
    while k < len(words):
        w = words[k]
        v = w.value
        if v is None:
            if w.may_dash:
                raise Unprovable(f"{w.text} may expand to an option of {tool}")
            raise Unprovable(f"the subcommand of {tool} ({w.text}) is computed")
        if v == "--":
            return None
        if v.startswith("-") and v != "-":
            name = v.split("=", 1)[0]
            if name not in gtab:
                raise Unprovable(f"{tool} {name} before the subcommand: an option the check "
                                 "does not know there")
            k += 2 if gtab[name] == "v" and "=" not in v else 1
            continue
        return v, k
    return None


def _kubectl_exec(call: Call, prog: str, gtab: dict[str, str], rest: list[PWord]) -> str:
    dd = next((k for k, w in enumerate(rest) if w.value == "--"), None)
    if dd is None:
        raise Unprovable(f"{prog} exec without -- runs a command that cannot be checked")
    o = parse_opts(prog, rest[:dd], {**gtab, **table(_K_EXEC)}, danger=_K_DANGER, pflag=True)
    if len(o.pos) != 1:
        raise Unprovable(f"{prog} exec needs exactly one pod before --")
    inner = rest[dd + 1:]
    if o.has("-i", "--stdin") and not inner[1:] and inner and inner[0].value in (
            "sh", "bash", "ash", "dash", "zsh", "psql", "mysql", "redis-cli"):
        raise Unprovable(f"{prog} exec opens an interactive shell in a container")
    reason = call.argv(inner, f"{prog} exec")
    return f"{prog} exec runs a read-only command ({reason})"


# -- helm -------------------------------------------------------------------------------------

_HELM_GLOBAL = ("--debug --kube-context= --kubeconfig= -n= --namespace= --kube-apiserver= "
                "--kube-as-group= --kube-as-user= --kube-ca-file= --kube-insecure-skip-tls-verify "
                "--kube-tls-server-name= --kube-token= --registry-config= --repository-cache= "
                "--repository-config= --burst-limit= --qps= -h --help --content-cache=")
_HELM_VERBS = {
    "list": "-a --all -A --all-namespaces -d --date --deployed --failed -f= --filter= -m= --max= "
            "--no-headers --offset= -o= --output= --pending -r --reverse -l= --selector= -q "
            "--short --superseded --time-format= --uninstalled --uninstalling",
    "status": "-o= --output= --revision= --show-desc --show-resources",
    "history": "--max= -o= --output=",
    "get all": "--revision= --template=", "get values": "-a --all -o= --output= --revision=",
    "get manifest": "--revision=", "get notes": "--revision=", "get hooks": "--revision=",
    "get metadata": "-o= --output= --revision=",
    "version": "--short --template=", "env": "",
}


@rule("helm")
def _helm(call: Call) -> str:
    gtab = table(_HELM_GLOBAL)
    g, verb, rest = _split_verb("helm", call.args, gtab, {}, pflag=True)
    if verb is None:
        return "helm only prints help"
    verb = {"ls": "list", "hist": "history"}.get(verb, verb)
    key = verb
    args = rest
    if verb == "get":
        sub = _first_positional("helm", rest, gtab)
        if sub is None:
            raise Unprovable("helm get without a subcommand")
        key = f"get {sub[0]}"
        args = rest[:sub[1]] + rest[sub[1] + 1:]
    if key not in _HELM_VERBS:
        raise Unprovable(f"helm {key} changes releases")
    parse_opts("helm", args, {**gtab, **table(_HELM_VERBS[key])}, pflag=True)
    return f"helm {key} only reads"


# -- docker / podman / crictl -----------------------------------------------------------------

_DOCKER_GLOBAL = ("-H= --host= --context= -l= --log-level= -D --debug --tls --tlsverify "
                  "--tlscacert= --tlscert= --tlskey= --help")
_DOCKER_VERBS = {
    "ps": "-a --all -q --quiet -n= --last= -l --latest -f= --filter= --format= --no-trunc -s "
          "--size",
    "images": "-a --all -q --quiet -f= --filter= --format= --no-trunc --digests --tree",
    "logs": "-f --follow --since= --until= -n= --tail= -t --timestamps --details",
    "inspect": "-f= --format= -s --size --type=",
    "stats": "--no-stream -a --all --format= --no-trunc",
    "top": "", "version": "-f= --format=", "info": "-f= --format=", "port": "",
    "history": "-H --human=? -q --quiet --no-trunc --format=", "diff": "",
    "events": "-f= --filter= --format= --since= --until=",
}
_DOCKER_GROUPS = {"container": {"ls": "ps", "list": "ps", "ps": "ps", "inspect": "inspect",
                                "logs": "logs", "top": "top", "stats": "stats", "port": "port",
                                "diff": "diff"},
                  "image": {"ls": "images", "list": "images", "inspect": "inspect",
                            "history": "history"},
                  "network": {"ls": "ls", "list": "ls", "inspect": "inspect"},
                  "volume": {"ls": "ls", "list": "ls", "inspect": "inspect"},
                  "system": {"df": "df", "info": "info", "events": "events"},
                  "pod": {"ps": "ps", "ls": "ps", "list": "ps", "inspect": "inspect"}}
_DOCKER_EXTRA = {"ls": "-q --quiet -f= --filter= --format= --no-trunc", "df": "-v --verbose "
                 "--format="}


@rule("docker", "podman", "nerdctl")
def _docker(call: Call) -> str:
    prog = call.prog
    gtab = table(_DOCKER_GLOBAL)
    g, verb, rest = _split_verb(prog, call.args, gtab, {"--config": "reads a client "
                                                        "configuration with credential helpers"},
                                pflag=True)
    if verb is None:
        return f"{prog} only prints help"
    key = verb
    args = rest
    if verb in _DOCKER_GROUPS:
        sub = _first_positional(prog, rest, gtab)
        if sub is None or sub[0] not in _DOCKER_GROUPS[verb]:
            raise Unprovable(f"{prog} {verb} {sub[0] if sub else ''} changes containers".replace(
                "  ", " "))
        key = _DOCKER_GROUPS[verb][sub[0]]
        args = rest[:sub[1]] + rest[sub[1] + 1:]
    flags = _DOCKER_VERBS.get(key, _DOCKER_EXTRA.get(key))
    if flags is None:
        raise Unprovable(f"{prog} {verb} changes containers")
    parse_opts(prog, args, {**gtab, **table(flags)}, pflag=True)
    return f"{prog} {verb if key == verb else verb + ' ' + key} only reads"


_CRICTL_VERBS = {"ps": "-a --all -q --quiet -n= --namespace= -l= --label= --name= -p= --pod= "
                       "-s= --state= -o= --output= --no-trunc --last= --latest -v --verbose "
                       "--image=",
                 "pods": "-q --quiet -n= --namespace= -l= --label= --name= -s= --state= -o= "
                         "--output= --no-trunc --last= --latest -v --verbose",
                 "images": "-q --quiet -o= --output= --no-trunc --digests -v --verbose",
                 "img": "-q --quiet -o= --output= --no-trunc --digests -v --verbose",
                 "logs": "-f --follow --since= --tail= -t --timestamps -p --previous "
                         "--limit-bytes=",
                 "inspect": "-o= --output= --template=", "inspectp": "-o= --output= --template=",
                 "inspecti": "-o= --output= --template=", "stats": "-a --all -o= --output= "
                 "-l= --label= -p= --pod= -s= --seconds= --watch -w", "statsp": "-o= --output=",
                 "info": "-o= --output=", "version": "", "imagefsinfo": "-o= --output="}


@rule("crictl")
def _crictl(call: Call) -> str:
    gtab = table("-r= --runtime-endpoint= -i= --image-endpoint= -t= --timeout= -c= --config= "
                 "-D --debug --help -h")
    g, verb, rest = _split_verb("crictl", call.args, gtab, {}, pflag=True)
    if verb is None:
        return "crictl only prints help"
    if verb not in _CRICTL_VERBS:
        raise Unprovable(f"crictl {verb} changes containers")
    parse_opts("crictl", rest, {**gtab, **table(_CRICTL_VERBS[verb])}, pflag=True)
    return f"crictl {verb} only reads"


# -- systemctl ----------------------------------------------------------------------------------

_SYSTEMCTL_FLAGS = ("-a --all -l --full --no-pager --no-legend -t= --type= --state= -p= "
                    "--property= -P= --value --plain -r --recursive --user --system -H= --host= "
                    "-M= --machine= -q --quiet --failed --reverse --before --after "
                    "--with-dependencies --legend= --show-types --no-ask-password -n= --lines= "
                    "-o= --output= --timestamp= --check-inhibitors= --wait --global -h --help "
                    "--version")
_SYSTEMCTL_RO = {"status", "show", "is-active", "is-enabled", "is-failed", "is-system-running",
                 "list-units", "list-unit-files", "list-timers", "list-sockets",
                 "list-dependencies", "list-jobs", "list-machines", "list-paths",
                 "list-automounts", "cat", "show-environment", "get-default", "help"}


@rule("systemctl")
def _systemctl(call: Call) -> str:
    o = parse_opts("systemctl", call.args, table(_SYSTEMCTL_FLAGS))
    if not o.pos:
        return "systemctl only lists units"
    verb = literal_words("systemctl", o.pos[:1], "verb")[0]
    if verb not in _SYSTEMCTL_RO:
        raise Unprovable(f"systemctl {verb} changes a service's state")
    return f"systemctl {verb} only reads"


@rule("service")
def _service(call: Call) -> str:
    vals = [w.value for w in call.args]
    if vals == ["--status-all"] or (len(vals) == 2 and vals[1] == "status" and vals[0]
                                    and not vals[0].startswith("-")):
        return "service status only reads"
    raise Unprovable("service changes a service's state")


# -- git ----------------------------------------------------------------------------------------

_GIT_GLOBAL = ("-C= --no-pager -P --git-dir= --work-tree= --no-optional-locks "
               "--literal-pathspecs --glob-pathspecs --noglob-pathspecs --icase-pathspecs "
               "--no-replace-objects --bare --namespace= --help --version")
_GIT_DANGER = {"-c": "sets configuration that can run programs (core.pager, core.fsmonitor...)",
               "--config-env": "sets configuration that can run programs",
               "--exec-path": "runs git programs from another directory",
               "-p": "runs a pager", "--paginate": "runs a pager"}
_GIT_LOGDIFF = ("--oneline -n= --max-count= --skip= --since= --until= --after= --before= "
                "--author= --committer= --grep= -i --regexp-ignore-case --all --branches=? "
                "--tags=? --remotes=? --graph --decorate=? --no-decorate --stat=? --shortstat "
                "--numstat --name-only --name-status -p -u --patch -s --no-patch --format= "
                "--pretty=? --abbrev-commit --no-abbrev-commit --no-merges --merges "
                "--first-parent --reverse --date= --relative-date --follow -L= -S= -G= "
                "--pickaxe-regex --cached --staged --color=? --no-color -U= --unified= "
                "--word-diff=? -w --ignore-all-space -b --ignore-space-change --exit-code "
                "--quiet --no-ext-diff --no-textconv --diff-filter= -M=? -C=? --summary --raw "
                "--full-index --abbrev=? --left-right --cherry-pick --boundary --topo-order "
                "--date-order --simplify-by-decoration -z --dirstat=? --compact-summary "
                "--no-renames --find-renames=? --minimal --patience --histogram -R --text -a "
                "--ignore-blank-lines --function-context -W --name-rev --source --use-mailmap "
                "--mailmap --full-diff --log-size --ancestry-path --no-walk=? --do-walk "
                "--cherry --count --walk-reflogs -g --remerge-diff --dense --sparse")
_GIT_VERBS = {
    "log": _GIT_LOGDIFF, "show": _GIT_LOGDIFF, "diff": _GIT_LOGDIFF, "whatchanged": _GIT_LOGDIFF,
    "status": "-s --short -b --branch --porcelain=? --long -v --verbose -u=? "
              "--untracked-files=? --ignored=? --ignore-submodules=? -z --column=? --no-column "
              "--ahead-behind --no-ahead-behind --renames --no-renames --show-stash",
    "rev-parse": "--short=? --abbrev-ref=? --show-toplevel --verify -q --quiet --git-dir "
                 "--absolute-git-dir --is-inside-work-tree --is-bare-repository --symbolic "
                 "--symbolic-full-name --show-prefix --show-cdup --all --branches=? --tags=? "
                 "--default= --sq --local-env-vars --path-format= --git-common-dir "
                 "--show-superproject-working-tree --show-object-format=?",
    "describe": "--tags --all --always --abbrev= --long --exact-match --contains --dirty=? "
                "--broken=? --match= --exclude= --first-parent --candidates=",
    "ls-files": "-c --cached -d --deleted -m --modified -o --others -i --ignored -s --stage "
                "-u --unmerged -k --killed -z -t -v -f --full-name --recurse-submodules "
                "--error-unmatch --exclude= -x= --exclude-standard --directory "
                "--no-empty-directory --eol --deduplicate --format= --abbrev=?",
    "ls-tree": "-d -r -t -l --long -z --name-only --name-status --object-only --full-name "
               "--full-tree --abbrev=? --format=",
    "cat-file": "-t -s -e -p --batch-check=? --allow-unknown-type --follow-symlinks",
    "rev-list": "--count --all -n= --max-count= --since= --until= --reverse --first-parent "
                "--no-merges --merges --objects --left-right --ancestry-path --topo-order",
    "shortlog": "-s --summary -n --numbered -e --email -c --committer --group= --format= "
                "--all --since= --until= --no-merges",
    "blame": "-L= -w -M=? -C=? -e --show-email -s -l -t -f --show-name -n --show-number -p "
             "--porcelain --line-porcelain --incremental --root -b --date= --abbrev=? "
             "--ignore-rev= --first-parent --reverse= -c",
    "branch": "-a --all -r --remotes -v -vv --verbose -l --list --show-current --contains= "
              "--no-contains= --merged=? --no-merged=? --points-at= --sort= --format= --color=? "
              "--no-color --column=? --no-column -i --ignore-case",
    "tag": "-l --list -n=? --contains= --no-contains= --merged=? --no-merged= --points-at= "
           "--sort= --format= --color=? --column=? --no-column -i --ignore-case",
    "remote": "-v --verbose",
    "reflog": "", "version": "--build-options", "count-objects": "-v --verbose -H "
              "--human-readable",
    "name-rev": "--tags --refs= --exclude= --all --name-only --no-undefined --always",
    "merge-base": "--all --octopus --independent --is-ancestor --fork-point",
    "for-each-ref": "--count= --sort= --format= --color=? --shell --perl --python --tcl "
                    "--points-at= --merged=? --no-merged=? --contains= --no-contains= "
                    "--ignore-case",
    "show-ref": "--head --heads --branches --tags -d --dereference -s --hash=? --abbrev=? "
                "--verify -q --quiet --exists",
    "grep": "-i --ignore-case -w --word-regexp -v --invert-match -n --line-number -c --count -l "
            "--files-with-matches -L --files-without-match -E --extended-regexp -F "
            "--fixed-strings -P --perl-regexp -e= --cached --untracked --no-index -h -H "
            "--full-name -A= -B= -C= --context= --after-context= --before-context= --heading "
            "--break --max-depth= -r --recursive -o --only-matching -q --quiet --all-match "
            "--and --or --not -z --null --column -a --text -I --color=? --no-color "
            "--threads= -m= --max-count=",
    "config": "--get= --get-all= --get-regexp= -l --list --show-origin --show-scope --global "
              "--system --local --worktree --name-only -z --null --type= --bool --int "
              "--bool-or-int --path --default= --includes --no-includes --get-urlmatch=",
    "stash": "", "help": "-a --all -g --guides -i --info -m --man -w --web",
}
_GIT_DANGER_VERB = {"--output": "writes its output to a file", "--ext-diff": "runs an external "
                    "diff program", "--textconv": "runs a textconv program",
                    "-O": "opens a pager or editor", "--open-files-in-pager": "opens a pager",
                    "--show-signature": "runs gpg", "--exec": "runs a command",
                    "--upload-pack": "runs a program", "--receive-pack": "runs a program"}


@rule("git")
def _git(call: Call) -> str:
    gtab = table(_GIT_GLOBAL)
    g, verb, rest = _split_verb("git", call.args, gtab, _GIT_DANGER, pflag=False)
    if verb is None:
        return "git only prints help"
    if verb not in _GIT_VERBS:
        raise Unprovable(f"git {verb} changes the repository")
    o = parse_opts("git", rest, table(_GIT_VERBS[verb]), danger=_GIT_DANGER_VERB,
                   numeric=verb in ("log", "shortlog", "rev-list", "whatchanged"))
    pos = [p.value for p in o.pos]
    if verb == "stash" and pos[:1] not in ([], ["list"], ["show"]):
        raise Unprovable(f"git stash {pos[0]} changes the repository")
    if verb == "reflog" and pos[:1] and pos[0] in ("expire", "delete", "drop"):
        raise Unprovable(f"git reflog {pos[0]} changes the repository")
    if verb == "remote" and pos[:1] not in ([], ["show"], ["get-url"]):
        raise Unprovable(f"git remote {pos[0]} changes the repository")
    if verb in ("branch", "tag") and pos and not o.has("-l", "--list", "--contains", "--merged",
                                                       "--no-merged", "--points-at"):
        raise Unprovable(f"git {verb} NAME creates a {verb}")
    if verb == "config" and not o.has("--get", "--get-all", "--get-regexp", "-l", "--list",
                                      "--get-urlmatch") and not (
            len(pos) == 1 or (pos[:1] in (["get"], ["list"]) and len(pos) <= 2)):
        raise Unprovable("git config NAME VALUE changes configuration")
    return f"git {verb} only reads"


# -- redis-cli / etcdctl / promtool -----------------------------------------------------------

_REDIS_RO = {"get", "mget", "keys", "scan", "sscan", "hscan", "zscan", "info", "ttl", "pttl",
             "type", "exists", "llen", "lrange", "lindex", "hget", "hgetall", "hkeys", "hvals",
             "hlen", "hexists", "hmget", "smembers", "scard", "sismember", "zrange",
             "zrangebyscore", "zrevrange", "zcard", "zscore", "zcount", "dbsize", "ping", "echo",
             "time", "strlen", "getrange", "bitcount", "role", "lastsave", "xlen", "xrange",
             "xrevrange", "randomkey", "dump"}
_REDIS_SUB_RO = {"client": {"list", "info", "getname", "id"}, "config": {"get"},
                 "cluster": {"info", "nodes", "slots", "shards", "myid"},
                 "slowlog": {"get", "len"}, "memory": {"usage", "stats", "doctor"},
                 "latency": {"latest", "history", "doctor"},
                 "object": {"encoding", "freq", "idletime", "refcount"},
                 "sentinel": {"masters", "master", "replicas", "slaves", "sentinels",
                              "get-master-addr-by-name", "ckquorum"},
                 "command": {"count", "info", "docs", "list"},
                 "acl": {"list", "whoami", "users", "cat"}, "module": {"list"},
                 "pubsub": {"channels", "numsub", "numpat"}, "xinfo": {"stream", "groups",
                                                                      "consumers"}}


@rule("redis-cli")
def _redis(call: Call) -> str:
    o = parse_opts("redis-cli", call.args, table(
        "-h= -p= -a= -n= -u= -s= --user= --pass= --askpass --tls --sni= --cacert= --cacertdir= "
        "--cert= --key= --insecure -c --raw --no-raw --csv --quoted-input --show-pushes= "
        "--no-auth-warning -r= -i= -e -3 -2 -t= --verbose --help --version --bigkeys --memkeys "
        "--memkeys-samples= --hotkeys --scan --pattern= --count= --quoted-pattern= --stat "
        "--latency --latency-history --latency-dist --intrinsic-latency= --keystats "
        "--keystats-samples= --top="),
        danger={"--rdb": "writes a dump file", "--functions-rdb": "writes a dump file",
                "--pipe": "sends its input as commands", "--eval": "runs a Lua script",
                "--ldb": "runs a Lua script", "--ldb-sync-mode": "runs a Lua script",
                "--replica": "becomes a replica", "-x": "reads the last argument from input",
                "-X": "reads an argument from input", "--cluster": "runs cluster management"},
        stop_at_positional=True)
    if not o.pos:
        if o.has("--bigkeys", "--memkeys", "--hotkeys", "--stat", "--latency",
                 "--latency-history", "--latency-dist", "--scan", "--intrinsic-latency",
                 "--keystats", "--help", "--version"):
            return "redis-cli analysis only reads"
        raise Unprovable("redis-cli without a command reads commands from its input")
    words = literal_words("redis-cli", o.pos[:2], "command")
    sub = words[0].lower()
    if sub in _REDIS_RO:
        return f"redis-cli {sub.upper()} only reads"
    if sub in _REDIS_SUB_RO and len(words) > 1 and words[1].lower() in _REDIS_SUB_RO[sub]:
        return f"redis-cli {sub.upper()} only reads"
    raise Unprovable(f"redis-cli {sub.upper()} changes data")


@rule("etcdctl")
def _etcdctl(call: Call) -> str:
    o = parse_opts("etcdctl", call.args, table(
        "--endpoints= --cacert= --cert= --key= -w= --write-out= --command-timeout= "
        "--dial-timeout= --user= --password= --insecure-skip-tls-verify --insecure-transport "
        "--keepalive-time= --keepalive-timeout= --discovery-srv= --discovery-srv-name= --hex "
        "--debug --prefix --keys-only --limit= --rev= --sort-by= --order= --print-value-only "
        "--from-key --count-only --consistency= --max-create-rev= --min-create-rev= "
        "--max-mod-rev= --min-mod-rev= --cluster -h --help"), pflag=True)
    words = literal_words("etcdctl", o.pos[:2], "command")
    ro = {("endpoint", "health"), ("endpoint", "status"), ("endpoint", "hashkv"),
          ("member", "list"), ("alarm", "list"), ("user", "list"), ("role", "list")}
    if words[:1] in (["get"], ["version"], ["watch"]) or tuple(words[:2]) in ro:
        return f"etcdctl {' '.join(words[:2])} only reads"
    raise Unprovable(f"etcdctl {' '.join(words[:2])} changes etcd")


@rule("promtool")
def _promtool(call: Call) -> str:
    words = [w.value for w in call.args[:2]]
    if words[:1] == ["query"] and words[1:2] and words[1] in ("instant", "range", "series",
                                                               "labels"):
        parse_opts("promtool", call.args[2:], table("--time= --start= --end= --step= "
                                                    "--match= -o= --format= --http.config.file="),
                   dash_values=())
        return "promtool query only reads"
    if words[:1] == ["check"] and words[1:2] and words[1] in ("config", "rules", "metrics",
                                                               "healthy", "ready",
                                                               "web-config"):
        parse_opts("promtool", call.args[2:], table("--syntax-only --lint= --lint-fatal "
                                                    "--ignore-unknown-fields --agent "
                                                    "--http.config.file= --url="))
        return "promtool check only reads"
    if words[:1] in (["--version"], ["--help"]):
        return "promtool only prints help"
    raise Unprovable(f"promtool {' '.join(w or '' for w in words)} is not a known read-only form")


# -- blocks (FlowEngine's own CLI, used by the shipped runbooks) --------------------------------

_BLOCKS_RO = {
    ("metrics", "latency"): "--last= --last-1h --last-15min --last-24h --verbose",
    ("metrics", "model-latency"): "--last= --last-1h --last-15min --last-24h --verbose",
    ("metrics", "query"): "--metric= --last= --group-by= --sort= --verbose",
    ("metrics", "compare"): "--baseline= --canary= --duration= --verbose",
    ("quota", "show"): "--all --all-providers --verbose",
    ("config", "get"): "--verbose",
    ("circuit-breaker", "status"): "--verbose",
    ("status", "flows"): "--active --verbose",
    ("verify", "contract"): "--task-id= --verbose",
    ("security", "scan"): "--task-id= --verbose",
}


# a dry run of what changes things (``--dry-run``: the flow is planned or the task looked up, nothing run, nothing
# recorded): it only reads, so no ⚠ and no confirmation, and typed by hand it is a read (redteam49 F2: RB-CORE-005's
# ``blocks test-flow --input test_with_pii.md --dry-run`` was ⚠ mutating and, typed verbatim, credited nowhere)
_BLOCKS_DRY = {
    ("test-flow",): ("--dry-run --model= --input= --repo= --verbose", 0),
    ("flow", "retry"): ("--dry-run --enable-pruning --max-context-size= --model= --max-attempts= --verbose", 1),
}


@rule("blocks")
def _blocks(call: Call) -> str:
    words = [w.value for w in call.args[:2]]
    for verb, (spec, positional) in _BLOCKS_DRY.items():
        if tuple(words[:len(verb)]) == verb:
            dry = parse_opts("blocks", call.args[len(verb):], table(spec))
            if dry.has("--dry-run") and len(dry.pos) == positional:
                return f"blocks {' '.join(verb)} --dry-run only reads (a dry run changes nothing)"
    key = (words[0] or "", words[1] or "") if len(words) == 2 else ("", "")
    if key not in _BLOCKS_RO:
        raise Unprovable(f"blocks {' '.join(w or '?' for w in words)} changes FlowEngine state"
                         .rstrip())
    o = parse_opts("blocks", call.args[2:], table(_BLOCKS_RO[key]))
    if key == ("config", "get"):
        if len(o.pos) != 1:
            raise Unprovable("blocks config get takes exactly one key")
    elif o.pos:
        raise Unprovable(f"blocks {' '.join(key)} with an argument the check does not know")
    return f"blocks {' '.join(key)} only reads"


# -- small verb-driven tools --------------------------------------------------------------------

def _verb_tool(names: tuple[str, ...], verbs: dict[str, str], global_flags: str = "",
               what: str = "state") -> None:
    """``TOOL [global options] VERB [SUBVERB] [options] [args]`` where ``verbs`` maps the read-only
    ``"verb"`` or ``"verb sub"`` to its option table."""
    gtab = table(global_flags)

    def fn(call: Call) -> str:
        prog = call.prog
        g, verb, rest = _split_verb(prog, call.args, gtab, {}, pflag=False)
        if verb is None:
            raise Unprovable(f"{prog} without a command")
        key = verb
        args = rest
        if verb not in verbs:
            sub = _first_positional(prog, rest, gtab)
            if sub is not None and f"{verb} {sub[0]}" in verbs:
                key = f"{verb} {sub[0]}"
                args = rest[:sub[1]] + rest[sub[1] + 1:]
            else:
                raise Unprovable(f"{prog} {verb} changes {what}")
        o = parse_opts(prog, args, {**gtab, **table(verbs[key])})
        if any(p.may_dash for p in o.pos):
            raise Unprovable(f"{prog}: an argument may expand to an option")
        return f"{prog} {key} only reads"

    rule(*names)(fn)


_verb_tool(("gitlab-ctl",), {"status": "", "tail": "", "show-config": "", "service-list": ""},
           what="GitLab services")
_verb_tool(("sv",), {"status": "", "s": "", "check": ""}, "-w= -v", what="a service")
_verb_tool(("patronictl", "gitlab-patronictl"),
           {"list": "-e --extended -t --timestamp -W -w= -f= --format=",
            "ls": "-e --extended -t --timestamp -W -w= -f= --format=",
            "history": "-f= --format=", "topology": "-W -w=", "show-config": "",
            "version": ""}, "-c= --config-file= -d= --dcs-url=", what="the Patroni cluster")
_verb_tool(("amtool",), {"alert query": "-a --active -s --silenced -i --inhibited -u "
                                        "--unprocessed -r= --receiver=",
                         "alert": "", "silence query": "-a --active -e --expired -q --quiet "
                                                       "--within=",
                         "silence": "", "check-config": "", "config show": "",
                         "config routes": "", "cluster show": ""},
           "--alertmanager.url= -o= --output= --timeout= --http.config.file= -v --verbose "
           "--version-check", what="Alertmanager")
_verb_tool(("consul",), {"members": "-detailed -status= -wan -http-addr= -token=",
                         "info": "-http-addr= -token=",
                         "catalog services": "-node= -tags -http-addr= -token=",
                         "catalog nodes": "-service= -detailed -http-addr= -token=",
                         "catalog datacenters": "-http-addr= -token=",
                         "kv get": "-recurse -keys -detailed -http-addr= -token=",
                         "operator raft": "", "version": ""}, what="Consul")
