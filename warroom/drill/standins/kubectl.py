"""``kubectl`` for drills: the verbs runbooks run, answered from the drill cluster.

Output shapes, messages and exit codes follow kubectl 1.28. What exists and how it looks (kinds,
objects, pods, events) comes from ``kubeobj``; here a command line is read once into a
``Kubectl`` and the verb's method words the answer. A change is recorded once as an operation
(``ctx.apply``, see ``warroom.drill.cluster``), so the cluster view and the simulator see it from
the moment it happens. The drill keeps no manifests, only that an object was made or removed,
which is all the runbooks' follow-up commands look at.
"""

from __future__ import annotations

import base64
import json
import math
import re
import shlex
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from warroom import scenario_time as stime
from warroom.drill import fleet
from warroom.drill.actions import MAX_REPLICAS      # a deployment's pods are listed one by one: no more than this
from warroom.drill.activity import iso
from warroom.drill.cluster import STARTED, Deployment, cpu_target, fingerprint, undo_target
from warroom.drill.standins import run_tool
from warroom.drill.standins.base import (Args, Context, ToolError, flags, go_duration, parse_args, read_input,
                                         refuse_unread, table)
from warroom.drill.standins.jsonpath import JSONPathError, TemplateParseError, find, jsonpath
from warroom.drill.standins.kubeobj import (KIND_TABLE, KINDS, NODES, PROGRESS_DEADLINE, Obj, Pod, all_pods, api_name,
                                            DESCRIBERS, deployment_pods, objects, stuck, usage)

FLAGS = flags(
    "n|namespace= o|output= l|selector= c|container= context= kubeconfig= sort-by= field-selector= tail= since= "
    "since-time= timeout= replicas= to-revision= revision= p|patch= type= f|filename=* from-literal=* from= min= "
    "max= cpu-percent= grace-period= e|env=* limits= requests= request-timeout= current-replicas= image= "
    "cluster= user= field-manager= dry-run? A|all-namespaces w|watch i|stdin t|tty timestamps overwrite "
    "ignore-daemonsets delete-emptydir-data force record no-headers show-labels all list local q|quiet previous "
    "follow wait ignore-not-found all-containers prefix")
LOGS_FLAGS = {**FLAGS, **flags("f:follow p:previous")}      # for ``logs`` -f follows and -p is --previous
WORDS = {"needs-value": "error: flag needs an argument: {flag}", "unknown": "error: unknown flag: {flag}",
         "unknown-short": "error: unknown shorthand flag: '{letter}' in {token}"}
# the options each verb's answer reads (besides -n), by key: any other kubectl option is refused, never ignored
ACTS = {verb: set(keys.split()) for verb, keys in {
    "get": "output selector field_selector sort_by all_namespaces show_labels no_headers",
    "describe": "selector field_selector", "top": "selector all_namespaces sort_by",
    "logs": "selector since since_time tail prefix follow container timestamps",
    "rollout": "to_revision revision timeout watch dry_run", "set": "env list from dry_run",
    "scale": "replicas current_replicas dry_run", "autoscale": "min max cpu_percent dry_run",
    "exec": "container", "apply": "filename dry_run output", "create": "from_literal dry_run output",
    "delete": "ignore_not_found dry_run", "patch": "patch type dry_run", "node": "selector field_selector dry_run",
    "version": ""}.items()}
# taken, and they change nothing in the drill: it deletes and drains at once, has no daemonsets or emptyDir
# volumes, runs one container a pod, and answers exec without a terminal
INERT = {verb: set(keys.split()) for verb, keys in {
    "delete": "grace_period force wait", "node": "ignore_daemonsets delete_emptydir_data force timeout grace_period",
    "exec": "stdin tty", "logs": "all_containers"}.items()}
# verb -> the Kubectl method that answers it (in kubectl's order, which "Did you mean" follows)
VERBS = {**{v: v for v in "get describe logs top rollout set scale exec apply create delete patch autoscale".split()},
         **dict.fromkeys(("cordon", "uncordon", "drain"), "node"), "config": "not_simulated", "version": "version",
         **dict.fromkeys("cluster-info auth annotate label edit port-forward explain api-resources wait expose run "
                         "certificate taint attach proxy cp debug events diff replace kustomize api-versions "
                         "completion plugin alpha options".split(), "not_simulated")}
# the subcommands kubectl has and the drill leaves out (None: all but create secret), and what it answers instead
LEFT_OUT = {"rollout": ({"pause", "resume"}, "each set env or set image rolls out at once; restart, undo, status and "
                        "history are"),
            "set": ({"resources", "selector", "serviceaccount", "subject"}, "set env and set image are"),
            "create": (None, "create secret is")}
# what logs/exec say when their target does not resolve: a kind without pods, a deployment with no
# running pod, a pod that does not exist ({kind}/{name}/{ns} filled in)
POD_ERRORS = {
    "logs": ("error: cannot get the logs from {kind}: selector for {kind} not implemented in the drill",
             "error: timed out waiting for the condition (deployment {name} has no running pods)",
             'error: error from server (NotFound): pods "{name}" not found in namespace "{ns}"'),
    "exec": ("error: cannot attach to *v1.{kind}: selector for *v1.{kind} not implemented",
             "error: cannot exec into a container in a completed pod; current phase is Pending (deployment {name} "
             "has no running pods)", 'Error from server (NotFound): pods "{name}" not found'),
}
# kubectl's "all" category: the kinds ``get all`` lists (replication controllers aside: none in any drill)
ALL = ("pods", "services", "daemonsets", "deployments", "replicasets", "statefulsets", "hpa", "cronjobs", "jobs")
USAGE = """kubectl controls the Kubernetes cluster manager (the drill's cluster; nothing real is touched).

Commands the drill answers:
  get, describe (pods, nodes, deployments, rs, svc, hpa), logs, top, rollout (status, history, undo, restart),
  set (env, image), scale, autoscale, exec, apply, create secret, delete, patch, cordon, uncordon, drain, version

Usage:
  kubectl [flags] [options]"""


def run(ctx: Context, argv: list[str]) -> int:
    """Find the verb (global flags may come before it, ``kubectl -n x get pods``), parse, answer.
    A verb fails by raising ToolError; it exits 0 otherwise, but for ``exec``, whose exit code is the
    program's in the container."""
    if not argv or argv[0] in ("-h", "--help", "help"):
        ctx.out(USAGE)
        return 0
    sub, args = parsed(argv)
    ctx.pause(0.25)
    return int(getattr(Kubectl(ctx, args, sub), VERBS[sub])() or 0)


def parsed(argv: Sequence[str]) -> tuple[str, Args]:
    """(verb, its options) of kubectl ``argv`` as ``run`` reads them; kubectl's ToolError for what it refuses."""
    argv = list(argv)
    sub, rest = argv[0], argv[1:]
    if sub.startswith("-"):
        first = next((i for i, a in enumerate(argv) if a in VERBS), None)
        if first is None:
            raise ToolError('error: unknown command for "kubectl"\nRun \'kubectl --help\' for usage.')
        sub, rest = argv[first], argv[:first] + argv[first + 1:]
    if sub not in VERBS:
        close = [c for c in VERBS if c.startswith(sub[:2])]
        raise ToolError(f'error: unknown command "{sub}" for "kubectl"'
                        + ("\n\nDid you mean this?\n" + "\n".join(f"\t{c}" for c in close[:3]) if close else ""))
    if why := unanswered(sub, rest):          # before its options: they are the command's own, none a typo
        raise ToolError(f"error: drill: {why}")
    see = f"\nSee 'kubectl {sub} --help' for usage."
    args = parse_args(rest, LOGS_FLAGS if sub == "logs" else FLAGS, words={k: w + see for k, w in WORDS.items()})
    reads = ACTS.get(VERBS[sub], set(args.opts)) | INERT.get(VERBS[sub], set()) | {"namespace"}
    refuse_unread(args.opts, reads, f"kubectl {sub}", "error: ", table=FLAGS)
    return sub, args


def operation(argv: Sequence[str]) -> tuple[str, dict[str, Any]] | None:
    """``asked`` of kubectl ``argv`` (after ``kubectl``): what a typed call or a step's command changes, read as the
    stand-in records it (``by_hand.Meaning``); None for a read, a dry run, or words the stand-in refuses."""
    try:
        verb, args = parsed(argv) if argv else ("", Args([]))
        return None if args.get("dry_run") else asked(verb, args)
    except ToolError:
        return None


def asked(verb: str, args: Args) -> tuple[str, dict[str, Any]] | None:
    """(operation, detail) a call of ``verb`` records on the estate (``Kubectl.record``), off its words alone:
    ``scale``, ``set env`` (not ``--from``: the estate's secret), ``set image``, ``rollout undo``/``restart``, ``patch``
    (a deployment's replicas, an HPA, a ConfigMap); None for any other. One reading, so a typed call's meaning is never
    read a second way beside the stand-in (fix50c's leftover)."""
    pos = args.pos
    if verb == "scale":
        kind, name = resource(verb, pos, named=True)
        text = args.text("replicas")
        ok = kind == "deployments" and re.fullmatch(r"-?\d+", text) and int(text) >= 0     # ``Kubectl.number``'s
        return ("scale_to", {"deployment": name, "replicas": int(text)}) if ok else None
    if verb == "set" and pos[:1] in (["env"], ["image"]):
        targets, assignments = set_targets(pos[1:])
        kind, name = resource(verb, targets)
        if kind != "deployments" or not name:
            return None
        if pos[0] == "image":
            ok = bool(assignments) and "=" in assignments[0]
            return ("set_image", {"deployment": name, "image": assignments[0].split("=", 1)[1]}) if ok else None
        sets, unset = env_changes(assignments, args)
        if args.get("list") or args.text("from") or not sets and not unset:
            return None
        return "set_env", {"deployment": name, "namespace": args.text("namespace") or fleet.NAMESPACE, "set": sets,
                           "unset": unset}
    if verb == "rollout" and pos[:1] in (["undo"], ["restart"]):
        kind, name = resource(verb, pos[1:])
        if kind != "deployments" or not name:
            return None
        more = {"to_revision": args.get("to_revision")} if pos[0] == "undo" else {"restarted_at": ""}
        return f"rollout_{pos[0]}", {"deployment": name, **more}
    if verb == "patch":
        kind, name = resource(verb, pos, named=True)
        body = patch_body(args)
        if kind == "deployments":
            spec = body.get("spec") if isinstance(body, dict) else None
            replicas = spec.get("replicas") if isinstance(spec, dict) else None
            ok = body == {"spec": {"replicas": replicas}} and type(replicas) is int and 0 <= replicas <= MAX_REPLICAS
            return ("scale_to", {"deployment": name, "replicas": replicas}) if ok else None
        return ("patch", {"kind": kind, "name": name, "patch": body}) if kind in ("hpa", "configmaps") else None
    return None


def set_targets(rest: list[str]) -> tuple[list[str], list[str]]:
    """``set env``/``set image``'s words after the subcommand: (the resource, TYPE/NAME or TYPE NAME; the rest)."""
    if rest and "=" not in rest[0] and "/" in rest[0]:
        return rest[:1], rest[1:]
    if len(rest) >= 2 and rest[0] in KINDS:
        return rest[:2], rest[2:]
    raise ToolError("error: one or more resources must be specified as <resource> <name> or <resource>/<name>")


def env_changes(assignments: list[str], args: Args) -> tuple[dict[str, str], list[str]]:
    """(what ``set env`` sets, what it unsets: ``K-``) of its words and ``-e``/``--env``, later ones winning."""
    sets: dict[str, str] = {}
    unset: list[str] = []
    for a in assignments + args.all("env"):
        if a.endswith("-") and "=" not in a:
            unset.append(a[:-1])
        elif "=" not in a:
            raise ToolError(f"error: all resources must be specified before environment changes: {a}")
        else:
            sets.update([a.split("=", 1)])
    return sets, unset


def resource(verb: str, pos: list[str], named: bool = False) -> tuple[str, str | None]:
    """``TYPE NAME`` / ``TYPE/NAME`` / ``TYPE`` -> (canonical kind, name); ``named``: a name is required."""
    if not pos:
        raise ToolError("error: you must specify the type of resource to get. Use \"kubectl api-resources\" for "
                        "a complete list of supported resources." if verb == "get" else
                        f"error: required resource not specified\nSee 'kubectl {verb} --help' for usage.")
    kind, slash, name = pos[0].partition("/")
    if "," in kind or kind == "all" or len(pos) > 2 - bool(slash):       # only get answers these
        raise ToolError(f"error: drill: the drill answers one resource type (and name) per command: `kubectl "
                        f"{verb} {' '.join(pos)}` is not simulated; ask for each")
    if kind.lower() not in KINDS:
        raise ToolError(f'error: the server doesn\'t have a resource type "{kind}"')
    name = name if slash else pos[1] if len(pos) > 1 else ""
    if named and not name:
        raise ToolError("error: resource(s) were provided, but no name was specified")
    return KINDS[kind.lower()], name or None


def patch_body(args: Args) -> Any:
    """The object ``--patch`` gives, read as kubectl reads it (YAML or JSON, as JSON): ToolError for what it cannot."""
    if (patch := args.get("patch")) is None:
        raise ToolError("error: must specify --patch or --patch-file containing the contents of the patch")
    if (how := args.text("type", "strategic")) not in ("merge", "strategic"):   # alike on the drill's fields
        raise ToolError("error: drill: `kubectl patch --type json` is not simulated (--type merge or strategic is)"
                        if how == "json" else f'error: --type must be one of [json merge strategic], not "{how}"')
    import yaml

    try:
        if too_deep(str(patch)):
            raise RecursionError      # PyYAML's own end for it, told without its seconds of look-ahead
        body = json.loads(json.dumps(yaml.safe_load(str(patch)), default=str))   # YAML as JSON, like kubectl
    except (yaml.YAMLError, RecursionError, ValueError) as exc:      # ValueError: an alias inside itself
        raise ToolError(f'error: unable to parse "{patch}": yaml: {yaml_error(exc)}') from None
    if body is not None and not isinstance(body, dict):
        raise ToolError(f'error: unable to parse "{patch}": a patch is a JSON (or YAML) object')
    return body


def unanswered(sub: str, rest: list[str]) -> str | None:
    """Why the drill does not answer a command kubectl has (``VERBS``' not_simulated, ``LEFT_OUT``), judged before any
    option is read (redteam50 F4: `kubectl wait --for=condition=Available` was told `--for` was an unknown flag, as if
    mistyped). The subcommand is the first word no option takes (an option the drill does not know: a switch)."""
    if VERBS[sub] == "not_simulated":
        return (f"`kubectl {sub}` is not simulated in the drill (it answers get, describe pods/nodes/deployments/rs/"
                "svc/hpa, logs, top, rollout, set, scale, autoscale, exec, apply, create secret, delete, patch, "
                "cordon, drain)"
                + "; to wait for a deployment to be ready: `kubectl rollout status deployment/NAME`" * (sub == "wait"))
    left_out, answered = LEFT_OUT.get(sub, (set(), ""))
    words = iter(rest)
    for a in words:
        if a == "--":
            return None
        if a.startswith("-") and len(a) > 1:      # one whose value is the next word: --name, -n, a bundle's last
            takes = [FLAGS.get(f, ("", ""))[1].startswith("=") for f in ([a] if a.startswith("--") else
                                                                         [f"-{c}" for c in a[1:]])]
            if "=" not in a and True in takes and takes.index(True) == len(takes) - 1:
                next(words, None)
            continue
        return f"`kubectl {sub} {a}` is not simulated ({answered})" if (
            a in left_out if left_out is not None else a != "secret") else None
    return None


def dump_yaml(data: object) -> str:
    """``-o yaml``. kubectl writes each object whole: a dict met twice (a ReplicaSet's labels, selector and template
    labels) is written twice, never as PyYAML's ``&id001``/``*id001``. PyYAML is imported here, by the commands that
    read or write YAML: every other kubectl process (``get pods``, ``rollout status``) is ~10 ms cheaper without it."""
    import yaml

    class Whole(yaml.SafeDumper):
        def ignore_aliases(self, data: Any) -> bool:
            return True

    return str(yaml.dump(data, Dumper=Whole, sort_keys=False))


def read_manifest(path: str | Path) -> str:
    """``-f``: more than the API server's request limit (3 MiB, ``base.MAX_INPUT``) is refused."""
    try:
        return read_input(path, 'Error from server (RequestEntityTooLarge): error when creating "{path}": Request '
                                "entity too large: limit is {limit}")
    except OSError as exc:
        raise ToolError(f"error: open {path}: {(exc.strerror or str(exc)).lower()}") from None


MAX_DEPTH = 10_000      # Go's YAML reader nests no deeper


def yaml_error(exc: Exception) -> str:
    """What Go's YAML reader says; PyYAML recurses where it counts nesting."""
    return f"exceeded max depth of {MAX_DEPTH}" if isinstance(exc, RecursionError) else str(exc)


def too_deep(text: str) -> bool:
    """Whether ``text`` opens more than ``MAX_DEPTH`` flow collections (``[``, ``{``) before anything else: Go's reader
    refuses it, and PyYAML is sure to raise RecursionError (its composer recurses per level, and its scanner reads at
    most ~1 kB ahead of the level it is at: never past the brackets, so nothing else can be found wrong first), but only
    after seconds of that look-ahead (each bracket leaves a possible simple key, all of them checked at every token:
    4 s of the fuzz corpus' two such lines). Only a text PyYAML's reader takes: it refuses a non-printable character,
    anywhere, before any of that (``Reader.check_printable``)."""
    import yaml

    return len(text) - len(text.lstrip("[{")) > MAX_DEPTH and yaml.reader.Reader.NON_PRINTABLE.search(text) is None


def yaml_documents(text: str) -> list[Any]:
    """The YAML documents of one manifest, ``too_deep`` told as PyYAML would tell it (RecursionError), at once."""
    import yaml

    if too_deep(text):
        raise RecursionError      # PyYAML's own end for it, told without its seconds of look-ahead
    return list(yaml.safe_load_all(text))


def pod_template(doc: dict[str, Any]) -> dict[str, object]:
    """What an applied Deployment runs (``replicas``, its first container's ``image`` and name) and its labels (its
    own, its selector's ``matchLabels``, its pods'), recorded so the cluster schedules its pods (``Cluster.apply``),
    selectors find them and the world knows their release (``blocks metrics compare``); {} when the manifest does not
    say: the object is kept, with no pods."""
    spec, meta = doc.get("spec"), doc.get("metadata")
    try:
        container = spec["template"]["spec"]["containers"][0]       # type: ignore[index]
        image, replicas, name = container["image"], spec.get("replicas", 1), container.get("name", "app")
        labels = [(where or {}).get(key) or {} for where, key in (
            (meta, "labels"), (spec.get("selector"), "matchLabels"), (spec["template"].get("metadata"), "labels"))]
    except (KeyError, IndexError, TypeError, AttributeError):
        return {}
    ok = isinstance(image, str) and type(replicas) is int and replicas >= 0 and isinstance(name, str) and all(
        isinstance(m, dict) and all(isinstance(x, str) for x in (*m, *m.values())) for m in labels)
    return {"image": image, "replicas": replicas, "container": name,
            **{k: dict(sorted(m.items())) for k, m in zip(("labels", "selector", "template_labels"), labels)}
            } if ok else {}


def go_map(labels: dict[str, str]) -> str:
    """Go's ``%#v`` of a ``map[string]string`` (keys in order), as the API server's refusals print one."""
    return "map[string]string{" + ", ".join(f"{json.dumps(k)}:{json.dumps(v)}" for k, v in labels.items()) + "}"


def not_found(kind: str, name: str) -> ToolError:
    return ToolError(f'Error from server (NotFound): {api_name(kind, plural=True)} "{name}" not found')


Requirement = tuple[str, str, frozenset[str]]          # (key, op: = != in notin exists ! gt lt, values)
_OPS = {"in": "in", "notin": "notin", "=": "=", "==": "=", "!=": "!=", ">": "gt", "<": "lt"}
_NAME, _EXAMPLES = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]", "'MyName',  or 'my.name',  or '123-abc'"
_VALUES = "'MyValue',  or 'my_value',  or '12345'"
_DNS = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*"


def _name_errors(text: str, lead: str, examples: str, rule: str) -> list[str]:
    """apimachinery's words for a name or label value that breaks ``rule`` or is longer than 63 characters."""
    return ["must be no more than 63 characters"] * (len(text) > 63) + [
        f"{lead}consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric "
        f"character (e.g. {examples}, regex used for validation is '{rule}')"] * (not re.fullmatch(rule, text))


def _key_errors(key: str) -> list[str]:
    """Why ``key`` is no label key (apimachinery's IsQualifiedName: [DNS subdomain "/"] name), in its words."""
    *prefix, name = key.split("/")
    if len(prefix) > 1:                         # ("/" breaks the name rule: the one sentence that says it)
        return [f"a qualified name {m} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
                for m in _name_errors("/", "must ", _EXAMPLES, _NAME)]
    dns = (f"a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must "
           f"start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '{_DNS}')")
    errors = [f"prefix part {e}" for p in prefix for e in (["must be non-empty"] if not p else [
        "must be no more than 253 characters"] * (len(p) > 253) + [dns] * (not re.fullmatch(_DNS, p)))]
    return errors + [f"name part {e}" for e in (_name_errors(name, "must ", _EXAMPLES, _NAME) if name else
                                                ["must be non-empty"])]


def parse_selector(text: object) -> list[Requirement]:
    """A label selector as the API server reads it, apimachinery's ``labels.Parse`` step for step (its lexer, grammar,
    checks of keys and values, and words): ``a=b``, ``a==b``, ``a!=b``, ``a``, ``!a``, ``a in (x,y)``, ``a notin (x)``,
    ``a>1``, ``a<1``, comma-joined. A ValueError says why, as kubectl prints it after the request."""
    lexed = re.findall(r"[ \t\r\n]*(?:(==|!=|[=!(),><])|([^ \t\r\n=!(),><]+))", str(text or ""))  # longest symbols
    toks = [(sym or (word if word in ("in", "notin") else "id"), sym or word) for sym, word in lexed] + [("end", "")]
    at, out = 0, []

    def take(step: int = 1, values: bool = True) -> tuple[str, str]:
        """The next token (``step`` 0: a look ahead); "in"/"notin" are words where a value goes ("in in (in)")."""
        nonlocal at
        at += step
        kind, word = toks[at - step]
        return ("id" if values and kind in ("in", "notin") else kind), word

    def requirement() -> Requirement:
        kind, key = take()
        if absent := kind == "!":
            kind, key = take()
        if kind != "id":
            raise ValueError(f"found '{key}', expected: identifier")
        if errors := _key_errors(key):
            raise ValueError(f"<nil>: Invalid value: {json.dumps(key, ensure_ascii=False)}: {'; '.join(errors)}")
        if absent or take(0)[0] in ("end", ","):
            return key, "!" if absent else "exists", frozenset()
        kind, word = take(values=False)
        if (op := _OPS.get(kind)) is None:
            raise ValueError(f"found '{word}', expected: in, notin, =, ==, !=, gt, lt")
        values: set[str] = set()
        if op in ("in", "notin"):
            if (opened := take())[0] != "(":
                raise ValueError(f"found '{opened[1]}' expected: '('")
            if take(0)[0] not in ("id", ",", ")"):
                raise ValueError(f"found '{take(0)[1]}', expected: ',', ')' or identifier")
            while (kind := take())[0] != ")":       # values between commas, "" where there is none: "(,a,,b,)"
                if kind[0] not in ("id", ","):
                    raise ValueError(f"found '{kind[1]}', expected: ',', or identifier")
                if kind[0] == "id" and take(0)[0] not in (",", ")"):
                    raise ValueError(f"found '{take(0)[1]}', expected: ',' or ')'")
                if kind[0] == "id":
                    values.add(kind[1])
                elif not values or take(0)[0] in (",", ")"):
                    values.add("")
            values = values or {""}
        elif take(0)[0] in ("end", ","):
            values = {""}
        elif (kind := take())[0] == "id":
            values = {kind[1]}
        else:
            raise ValueError(f"found '{kind[1]}', expected: identifier")
        ordered = sorted(values)
        errors = [f"values[{i}]: Invalid value: {json.dumps(v)}: for 'Gt', 'Lt' operators, the value must be an integer"
                  for i, v in enumerate(ordered) if op in ("gt", "lt") and not re.fullmatch(r"[+-]?[0-9]+", v)]
        errors += [f"values[{i}][{key}]: Invalid value: {json.dumps(v, ensure_ascii=False)}: {'; '.join(e)}"
                   for i, v in enumerate(ordered) if (e := _name_errors(v, "a valid label must be an empty string or ",
                                                                        _VALUES, f"({_NAME})?"))]
        if errors:
            raise ValueError(errors[0] if len(errors) == 1 else f"[{', '.join(errors)}]")
        return key, op, frozenset(values)

    while (kind := take(0))[0] != "end":
        if kind[0] not in ("id", "!"):
            raise ValueError(f"found '{kind[1]}', expected: !, identifier, or 'end of string'")
        try:
            out.append(requirement())
        except ValueError as exc:
            raise ValueError(f"unable to parse requirement: {exc}") from None
        if (kind := take())[0] == "end":
            break
        if kind[0] != ",":
            raise ValueError(f"found '{kind[1]}', expected: ',' or 'end of string'")
        if take(0)[0] not in ("id", "!"):
            raise ValueError(f"found '{take(0)[1]}', expected: identifier after ','")
    return out


def match_selector(labels: dict[str, str], selector: object) -> bool:
    """Whether ``labels`` satisfy every requirement of a selector (text, or ``parse_selector``'s list); ``gt``/``lt``
    compare a label's value as a whole number, and a label that is none fails them."""
    for key, op, values in selector if isinstance(selector, list) else parse_selector(selector):
        value = labels.get(key)
        number = int(value) if op in ("gt", "lt") and re.fullmatch(r"[+-]?[0-9]+", value or "") else None
        if {"=": value in values, "in": value in values, "!=": value not in values, "notin": value not in values,
                "exists": key in labels, "!": key not in labels, "gt": number is not None and number > int(min(values)),
                "lt": number is not None and number < int(min(values))}[op] is False:
            return False
    return True


def match_fields(api: dict[str, Any], selector: str) -> bool:
    """Field selectors (``involvedObject.name=node-2``, ``status.phase!=Running``) on the API object: ``path=value``,
    ``==``, ``!=``, comma-joined."""
    terms = re.findall(r"([^,!=]+?)\s*(!=|==|=)\s*([^,]*)", selector)
    return all((jsonpath("{." + path.strip() + "}", api) == value.strip()) != (op == "!=") for path, op, value in terms)


class Kubectl:
    """One kubectl invocation: its options, read once, and a method per verb."""

    def __init__(self, ctx: Context, args: Args, verb: str) -> None:
        self.ctx, self.args, self.verb = ctx, args, verb
        self.ns = args.text("namespace") or fleet.NAMESPACE
        self.all_ns = bool(args.get("all_namespaces"))
        self.scope = None if self.all_ns else self.ns         # where get/top look
        cluster_wide = KINDS.get((args.pos or [""])[0].split("/")[0].lower()) in ("nodes", "namespaces")
        if self.scope == "kube-system" and not cluster_wide:
            # every cluster runs its DNS, kube-proxy and metrics server there: "No resources found" would say it runs
            # none; the drill models the estate's namespaces only
            raise ToolError("error: drill: the kube-system namespace is not simulated (the drill's cluster is the "
                            f"{fleet.NAMESPACE} and monitoring namespaces)")
        try:
            self.selector = None if args.get("selector") is None else parse_selector(args.get("selector"))
        except ValueError as exc:           # the server refuses the list, kubectl names what it asked for
            kind = KINDS.get((args.pos or ["pods"])[0].split("/")[0].lower(), "pods") * (verb not in ("logs", "top"))
            names, group, _ = KIND_TABLE[kind or "pods"]
            raise ToolError(f'Error from server (BadRequest): Unable to find "{group}/{"v2" * (kind == "hpa") or "v1"}, '
                            f'Resource={names.split()[1]}" that match label selector "{args.get("selector")}", field '
                            f'selector "{args.text("field_selector")}": {exc}') from None
        self.dry = " (dry run)" * bool(args.get("dry_run"))

    # ------------------------------------------------------------------ what a verb acts on
    def target(self, pos: list[str] | None = None, named: bool = False) -> tuple[str, str | None]:
        """``resource`` of this call's words (``pos``: others)."""
        return resource(self.verb, self.args.pos if pos is None else pos, named)

    def deployment(self, kind: str, name: str | None) -> Deployment:
        if kind != "deployments":
            raise ToolError(f'error: no {self.verb} handler for resource type "{kind}" in the drill cluster')
        if not name:
            raise ToolError("error: required resource not specified")
        dep = self.ctx.cluster.deployments.get(name)
        if dep is None or dep.namespace != self.ns:
            raise not_found("deployments", name)
        return dep

    def pods_of(self, target: str) -> list[Pod]:
        """The pods ``logs``/``exec`` act on: ``POD``/``pod/POD``, or the running pods of ``deployment/NAME``."""
        wrong_kind, none_running, missing = POD_ERRORS[self.verb]
        kind, _, name = target.rpartition("/")
        if kind in ("", "pod"):
            pods, error = [p for p in all_pods(self.ctx, self.ns) if p.name == name][:1], missing
        elif KINDS.get(kind) == "deployments":
            pods = sorted((p for p in deployment_pods(self.ctx, self.deployment("deployments", name))    # the one
                           if p.status == "Running"), key=lambda p: (p.created, p.name))    # kubectl picks: oldest ready
            error = none_running
        else:
            raise ToolError(wrong_kind.format(kind=kind))
        if not pods:
            raise ToolError(error.format(name=name, ns=self.ns))
        return pods

    def find(self, kind: str, name: str | None, scope: str | None) -> list[Obj]:
        """The objects a verb names (``TYPE NAME``) or selects (``-l``, ``--field-selector``); kubectl's
        NotFound for a missing name."""
        fields = self.args.text("field_selector")
        objs = [o for o in objects(self.ctx, kind, scope) if name in (None, o.name)
                and match_selector(o.labels, self.selector) and match_fields(o.api, fields)]
        if name and not objs:
            raise not_found(kind, name)
        return objs

    def exists(self, kind: str, name: str | None, ns: str | None = None) -> bool:
        """Whether ``kind/name`` is in namespace ``ns`` (this call's when None)."""
        return any(o.name == name for o in objects(self.ctx, kind, ns or self.ns))

    def done(self, kind: str, name: str, what: str, op: str = "", /, **detail: object) -> None:
        """Record operation ``op`` (not under ``--dry-run``) and answer kubectl's ``KIND/NAME WHAT``."""
        if op and not self.dry:
            self.ctx.apply(op, **detail)
        self.ctx.out(f"{api_name(kind)}/{name} {what}{self.dry}")

    def record(self, kind: str, name: str, what: str, **more: object) -> None:
        """``done`` with the operation this call's words ask for (``asked``, the one reading a typed call's meaning is
        read with too), ``more`` what only the cluster gives (a restart's instant): asked once the verb's checks
        passed, so it reads the change they took."""
        op, detail = asked(self.verb, self.args) or ("", {})
        assert op, f"kubectl {self.verb}: a change its words do not say"
        self.done(kind, name, what, op, **{**detail, **more})

    def number(self, key: str, default: str, minimum: int = -1) -> int:
        """An integer option, or kubectl's (Go's) parse error naming the flag."""
        text = self.args.text(key, default)
        if not re.fullmatch(r"-?\d+", text) or int(text) < minimum:
            raise ToolError(f'error: invalid argument "{text}" for "--{key.replace("_", "-")}" flag: '
                            f'strconv.ParseInt: parsing "{text}": invalid syntax')
        return int(text)

    def duration(self, key: str, default: str) -> float:
        """A Go duration option (``5m``, ``1h30m``) in seconds, or kubectl's error naming the flag."""
        text = self.args.text(key, default)
        if (seconds := go_duration(text)) is None:
            raise ToolError(f'error: invalid argument "{text}" for "--{key}" flag: time: invalid duration "{text}"')
        return seconds

    def check_hpa(self, name: str, spec: object, current: dict[str, Any] | None = None) -> None:
        """What the API server refuses in an autoscaler's bounds (the drill would otherwise replay it),
        and what the drill does not model (any field but the bounds and one CPU utilisation target)."""
        current, bounds = current or {"min": 1, "max": 1}, spec if isinstance(spec, dict) else {}
        low, high = bounds.get("minReplicas", current["min"]), bounds.get("maxReplicas", current["max"])
        if not (bounds is spec and type(low) is int and type(high) is int and 1 <= low <= high <= MAX_REPLICAS):
            raise ToolError(f'The HorizontalPodAutoscaler "{name}" is invalid: spec: Invalid value: '
                            f"{json.dumps(spec, default=str)}: minReplicas and maxReplicas are whole numbers, "
                            f"1 <= min <= max <= {MAX_REPLICAS}")
        if set(bounds) - {"minReplicas", "maxReplicas", "metrics"} or (
                "metrics" in bounds and cpu_target(bounds["metrics"]) is None):
            raise ToolError(f"error: drill: only minReplicas, maxReplicas and one CPU target (metrics: [{{type: "
                            "Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: N}}}]) "
                            f"of hpa/{name} can be patched in the drill")

    def no_resources(self, ns: str | None) -> None:
        self.ctx.err("No resources found" + (f" in {ns} namespace." if ns else ""))

    # ------------------------------------------------------------------ get, describe
    def get(self) -> None:
        """``get KIND [NAME]``; ``get pods,svc`` and ``get all`` (kubectl's category ``ALL``) list each kind that has
        objects in turn, its names prefixed with the kind (``deployment.apps/flowengine``), a blank line between;
        ``-o`` prints them all as one List."""
        pos = self.args.pos
        many = len(pos) == 1 and "/" not in pos[0] and ("," in pos[0] or pos[0] == "all")
        words = [k for w in pos[0].split(",") for k in (ALL if w == "all" else (w,))] if many else []
        if unknown := [w for w in words if w.lower() not in KINDS]:
            raise ToolError(f'error: the server doesn\'t have a resource type "{unknown[0]}"')
        kind, name = ("", None) if many else self.target()
        kinds = list(dict.fromkeys(KINDS[w.lower()] for w in words)) or [kind]
        found = [(k, objs) for k in kinds if (objs := self.sorted(self.find(k, name, self.scope)))]
        if many and self.args.text("output") == "name":
            return self.ctx.out("\n".join(f"{api_name(k)}/{o.name}" for k, objs in found for o in objs))
        if self.output(kind, [o.api for _, objs in found for o in objs], single=bool(name)):
            return
        if not found:
            return self.no_resources(self.scope)
        for i, (k, objs) in enumerate(found):
            if i:
                self.ctx.out("")
            self.print_table(k, objs, prefix=f"{api_name(k)}/" * many)

    def print_table(self, kind: str, objs: list[Obj], prefix: str = "") -> None:
        columns, _, wide_columns = KIND_TABLE[kind][2].partition("|")
        wide, labels = self.args.get("output") == "wide", bool(self.args.get("show_labels"))
        show_ns = self.all_ns and "namespace" in objs[0].api["metadata"]        # not for cluster-scoped kinds
        named = kind != "events"                                                # events have no NAME column
        heads = ["NAMESPACE"] * show_ns + ["NAME"] * named + [*columns.split(","),
                                                              *filter(None, wide_columns.split(",") * wide)]
        rows = [[o.api["metadata"].get("namespace")] * show_ns + [prefix + o.name] * named + [*o.row, *o.wide * wide]
                + [",".join(f"{k}={v}" for k, v in o.labels.items()) or "<none>"] * labels for o in objs]
        text = table(heads + ["LABELS"] * labels, rows)
        self.ctx.out("\n".join(text.splitlines()[1:]) if self.args.get("no_headers") else text)

    def sorted(self, objs: list[Obj]) -> list[Obj]:
        """``--sort-by``: kubectl's order by the first value a JSONPath finds in each object (one with none
        first), numbers as numbers, text in natural order; a path no object holds is kubectl's error."""
        text = self.args.text("sort_by")
        if not text or not objs:
            return objs
        if (m := re.fullmatch(r"\{\.?([^{}]+)\}|\.?([^{}]+)", text)) is None:
            raise ToolError("error: unexpected path string, expected a 'name1.name2' or '.name1.name2' or "
                            "'{name1.name2}' or '{.name1.name2}'")
        field = "{." + (m[1] or m[2]) + "}"

        def key(value: Any) -> tuple[int, Any]:
            if isinstance(value, dict):
                raise ToolError(f"error: Field {field} in *unstructured.Unstructured is an unsortable type: map, "
                                "err: unsortable type: map")
            return ((1, value) if isinstance(value, int | float) else (3, [key(v) for v in value])
                    if isinstance(value, list) else (2, [int(w) if w.isdigit() else w for w in re.split(r"(\d+)",
                                                                                                  str(value))]))
        try:                # a missing key is no value; an index past a list's end is an error
            found = [[v for v in find(field[1:-1], o.api) if v is not None] for o in objs]
        except JSONPathError as exc:
            raise ToolError(f"error: {exc}") from None
        if not any(found):
            raise ToolError(f'error: couldn\'t find any field with path "{field}" in the list of objects')
        return [o for o, _ in sorted(zip(objs, found), key=lambda pair: key(pair[1][0]) if pair[1] else (0, None))]

    def output(self, kind: str, objs: list[dict[str, Any]], single: bool) -> bool:
        """``-o json|yaml|name|jsonpath=...``; False when the table should be printed.

        Scripts in runbooks parse these, so they match kubectl byte for byte where it matters.
        """
        fmt, out = self.args.text("output"), self.ctx.stdout.write
        if fmt in ("", "wide"):
            return False
        data = objs[0] if single and objs else {"apiVersion": "v1", "kind": "List", "items": objs,
                                                "metadata": {"resourceVersion": ""}}
        if fmt in ("json", "yaml", "name"):
            out(json.dumps(data, indent=4) + "\n" if fmt == "json" else dump_yaml(data)
                if fmt == "yaml" else "".join(f"{api_name(kind)}/{o['metadata']['name']}\n" for o in objs))
        elif (printer := fmt.partition("=")[0]) in ("jsonpath", "jsonpath-as-json"):
            if not (tpl := fmt.partition("=")[2]):
                raise ToolError("error: template format specified but no template given")
            try:
                out(jsonpath(tpl, data, as_json=printer == "jsonpath-as-json"))
            except TemplateParseError as exc:
                raise ToolError(f"error: error parsing jsonpath {tpl}, {exc}") from None
            except JSONPathError as exc:            # the template Go-quoted (%q), as kubectl prints it
                raise ToolError(f"error: error executing jsonpath {json.dumps(tpl, ensure_ascii=False)}: Error "
                                f"executing template: {exc}. Printing more information for debugging the template:"
                                f"\n\ttemplate was:\n\t\t{tpl}") from None
        else:
            raise ToolError(f"error: unable to match a printer suitable for the output format \"{fmt}\", allowed "
                            "formats are: custom-columns,custom-columns-file,go-template,go-template-file,json,"
                            "jsonpath,jsonpath-as-json,jsonpath-file,name,template,templatefile,wide,yaml")
        return True

    def describe(self) -> None:
        """Pods, nodes, deployments, ReplicaSets, Services and autoscalers in kubectl's words; any other kind that
        exists points at ``get -o yaml``."""
        kind, name = self.target()
        objs = self.find(kind, name, self.ns)
        texts = [DESCRIBERS[kind](self.ctx, o) if kind in DESCRIBERS else o.describe for o in objs]
        if None in texts:
            singular = api_name(kind).split(".")[0]
            raise ToolError(f"error: drill: `kubectl describe {singular}` is not simulated; "
                            f"`kubectl get {singular} NAME -o yaml` shows it, `kubectl get events` its events")
        for text in texts:
            self.ctx.out(str(text))
        if not objs:
            self.no_resources(self.ns)

    # ------------------------------------------------------------------ logs, top
    def logs(self) -> None:
        """Activity log lines of a pod, a deployment or a selector (``-f`` follows the drill clock)."""
        ctx = self.ctx
        if self.selector:
            pods = [p for p in all_pods(ctx, self.ns)
                    if p.status != "Terminating" and match_selector(p.labels, self.selector)]
            if not pods:
                return self.no_resources(self.ns)
        elif not self.args.pos:
            raise ToolError("error: expected 'logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]'.\n"
                            "POD or TYPE/NAME is a required argument for the logs command\n"
                            "See 'kubectl logs -h' for help and examples")
        else:
            pods = self.pods_of(self.args.pos[0])
            if len(pods) > 1:
                ctx.err(f"Found {len(pods)} pods, using pod/{pods[0].name}")
                pods = pods[:1]
        if (c := self.args.text("container")) and (p := next((p for p in pods if p.container != c), None)):
            raise ToolError(f"error: container {c} is not valid for pod {p.name}")      # one container a pod
        window = self.duration("since", "0s") or math.inf      # drill seconds (0: the whole log, as kubectl reads it)
        if self.args.get("since_time") is not None:            # a wall instant (what --timestamps prints)
            if self.args.get("since") is not None:
                raise ToolError("error: at most one of `sinceTime` or `sinceSeconds` may be specified")
            text = self.args.text("since_time")
            try:
                if not re.fullmatch(r"\d{4}-\d\d-\d\dT.*(Z|[+-]\d\d:\d\d)", text):
                    raise ValueError(text)
                at = datetime.fromisoformat(text).timestamp()
            except ValueError:
                raise ToolError(f'error: parsing time "{text}" as "2006-01-02T15:04:05Z07:00": cannot parse '
                                f'"{text}"') from None
            window = max(0.0, ctx.t - ctx.drill.scenario_time(at))
        tail = self.number("tail", "10" if self.selector else "-1")

        def say(p: Pod, t: float, line: str) -> None:       # --timestamps: kubelet's stamp before the app's own
            ctx.out(f"[pod/{p.name}/{p.container}] " * bool(self.args.get("prefix")) + f"{iso(ctx.wall(t))[:-1]}"
                    "000000Z " * bool(self.args.get("timestamps")) + f"{iso(ctx.wall(t))} {line}")
        for p in pods:
            lines = pod_lines(ctx, p, ctx.t - window, ctx.t)
            for t, line in (lines if tail < 0 else lines[-tail:] if tail else []):
                say(p, t, line)
        last = ctx.t
        while self.args.get("follow") and not ctx.held:    # -f: new lines as the clock moves, until killed (held: none)
            ctx.stdout.flush()
            ctx.wait_until(last + 5.0 * max(1.0, ctx.drill.speed), cap=2.0)     # (a clock that did not move: no line)
            for p in pods:
                for t, line in pod_lines(ctx, p, last, ctx.t):
                    if t > last:
                        say(p, t, line)
            last = ctx.t
            if ctx.no_delay:
                break

    def top(self) -> None:
        """Usage follows the simulation: FlowEngine's CPU is its work shared by its running pods, its
        memory the context size; a node's is its pods' on top of what else it runs."""
        word = (self.args.pos or ["pods"])[0]
        if (what := KINDS.get(word)) not in ("nodes", "pods"):
            raise ToolError(f'error: unknown command "{word}" for "kubectl top"')
        if (by := self.args.text("sort_by")) not in ("", "cpu", "memory"):
            raise ToolError("error: --sort-by accepts only cpu or memory")
        running = [p for p in all_pods(self.ctx, None if what == "nodes" else self.scope) if p.status == "Running"]
        used = {p.name: usage(self.ctx, p, [q for q in running if q.deployment == p.deployment]) for p in running}
        rows: list[tuple[str, float, float]] = [(p.name, *used[p.name]) for p in running
                                                if match_selector(p.labels, self.selector)]
        if what == "nodes":
            rows = [(n, *(base + sum(used[p.name][k] for p in running if p.node == n)
                          for k, base in ((0, 1200 + 200 * i), (1, 6000 + 500 * i)))) for i, n in enumerate(NODES)]
        if not rows:
            return self.no_resources(self.ns)
        rows.sort(key=lambda r: -r[1 + (by == "memory")] if by else 0)       # the heaviest first, as kubectl sorts
        node = what == "nodes"      # a node's share of its 4 cores and 16Gi beside what it uses
        self.ctx.out(table(["NAME", "CPU(cores)", *["CPU%"] * node, "MEMORY(bytes)", *["MEMORY%"] * node],
                           [[n, f"{int(cpu)}m", *[f"{int(cpu / 40)}%"] * node, f"{int(mem)}Mi",
                             *[f"{int(mem / 163.84)}%"] * node] for n, cpu, mem in rows]))

    # ------------------------------------------------------------------ rollout
    def rollout(self) -> None:
        pos = self.args.pos
        if not pos:
            raise ToolError("error: required subcommand: history, pause, restart, resume, status, undo\n"
                            "See 'kubectl rollout -h' for help and examples")
        if pos[0] not in ("status", "history", "undo", "restart"):     # pause, resume: ``LEFT_OUT``
            raise ToolError(f'error: unknown command "{pos[0]}" for "kubectl rollout"\n'
                            "See 'kubectl rollout -h' for help")
        dep = self.deployment(*self.target(pos[1:]))
        if pos[0] in ("history", "status"):
            return getattr(self, f"rollout_{pos[0]}")(dep)
        if pos[0] == "undo":
            to = self.args.get("to_revision")
            target = undo_target(dep, to)
            if target is None:
                raise ToolError(f"error: unable to find specified revision {to} in history" if to else
                                f'error: no rollout history found for deployment "{dep.name}"')
            if self.dry:
                return self.ctx.out(f"deployment.apps/{dep.name} Pod Template:\n  Containers:\n   {dep.container}:\n"
                                    f"    Image:\t{target.image} (dry run)")
            if target is dep.current:
                return self.ctx.out(f"deployment.apps/{dep.name} skipped rollback (current template already matches"
                                    f" revision {target.number})")
            return self.record("deployments", dep.name, "rolled back")
        return self.record("deployments", dep.name, "restarted", restarted_at=iso(self.ctx.at))

    def rollout_history(self, dep: Deployment) -> None:
        if not (rev := self.args.text("revision")):
            history = table(["REVISION", "CHANGE-CAUSE"], [[r.number, r.cause] for r in dep.history], gap=2)
            return self.ctx.out(f"deployment.apps/{dep.name} \n{history}\n")
        r = dep.revision(int(rev)) if rev.isdigit() else None
        if r is None:
            raise ToolError(f"error: unable to find the specified revision {rev}")
        env = "\n".join(f"      {k}:\t{v}" for k, v in r.env.items())
        ann = f"kubernetes.io/change-cause: {r.cause}" if r.cause != "<none>" else "<none>"
        labels = "\n\t".join(f"{k}={v}" for k, v in dep.pod_labels(r).items())
        self.ctx.out(f"deployment.apps/{dep.name} with revision #{r.number}\nPod Template:\n"
                     f"  Labels:\t{labels}\n  Annotations:\t{ann}\n"
                     f"  Containers:\n   {dep.container}:\n    Image:\t{r.image}\n    Port:\t{dep.port}/TCP\n"
                     f"    Host Port:\t0/TCP\n    Environment:\n{env}\n    Mounts:\t<none>\n  Volumes:\t<none>\n")

    def rollout_status(self, dep: Deployment) -> None:
        """Wait on the drill clock for the rollout, printing kubectl's progress lines once each. A held clock
        (``Context.held``) never gets there: the rollout's state then, and kubectl's end of a watch that does not
        (its --timeout's error, exit 1; none sleeps). A wait the clock did not move ends so too: no loop spins."""
        ctx, printed = self.ctx, set[str]()
        timeout = self.duration("timeout", "0s")
        deadline = ctx.at + timeout if timeout else None
        while dep.replicas:         # the pods as placed: a Pending one (no schedulable node) is not available
            pods = [(rev is dep.current, status == "Running" and not stuck(ctx, dep, created))   # ready
                    for _, rev, created, status, _, _ in ctx.cluster.pods(dep, ctx.t) if status != "Terminating"]
            updated, available = sum(new for new, _ in pods), pods.count((True, True))
            old, late = len(pods) - updated, ctx.t >= dep.rollout_done_at()      # late: only a node can help
            if late and available >= dep.replicas:
                break
            msg = f'Waiting for deployment "{dep.name}" rollout to finish: ' + (     # kubectl's order of checks
                f"{updated} out of {dep.replicas} new replicas have been updated..." if updated < dep.replicas else
                f"{old} old replicas are pending termination..." if old else
                f"{available} of {dep.replicas} updated replicas are available...")
            if msg not in printed:
                ctx.out(msg)
                ctx.stdout.flush()
                printed.add(msg)
            if self.args.get("watch") is False:
                return
            if dep.current.stalls and ctx.t >= dep.current.at + PROGRESS_DEADLINE:    # stalled (``Deployment.pods``)
                raise ToolError(f'error: deployment "{dep.name}" exceeded its progress deadline')
            if deadline is not None and ctx.at >= deadline or late and ctx.no_delay and deadline is None:
                raise ToolError("error: timed out waiting for the condition")
            cap, before = 1.0 if deadline is None else max(0.0, min(1.0, deadline - ctx.at)), ctx.t
            step = ctx.t + dep.rollout_seconds / max(1, dep.replicas)
            ctx.wait_until(step if late else min(dep.rollout_done_at(), step), cap=cap)
            if ctx.t <= before:         # a clock that did not move (held: none does) never gets there
                raise ToolError("error: timed out waiting for the condition" + f" (drill: ${stime.AT_ENV} holds the "
                                f"clock at {stime.utc_said(ctx.at)}, so a watch answers as of that moment; unset it to "
                                "watch the rollout)" * ctx.held)
        ctx.out(f'deployment "{dep.name}" successfully rolled out')

    # ------------------------------------------------------------------ set, scale, autoscale
    def set(self) -> None:
        if not self.args.pos:
            raise ToolError("error: required subcommand: env, image, resources, selector, serviceaccount, subject")
        what, rest = self.args.pos[0], self.args.pos[1:]
        if what not in ("env", "image"):          # resources (the drill models no requests or limits)...: ``LEFT_OUT``
            raise ToolError(f'error: unknown command "{what}" for "kubectl set"')
        targets, assignments = set_targets(rest)
        dep = self.deployment(*self.target(targets))
        if what == "env":
            return self.set_env(dep, assignments)
        if not assignments or "=" not in assignments[0]:
            raise ToolError("error: expected CONTAINER=IMAGE")
        container, image = assignments[0].split("=", 1)
        if container not in (dep.container, "*"):
            raise ToolError(f'error: unable to find container named "{container}"')
        self.record("deployments", dep.name, "image updated")

    def set_env(self, dep: Deployment, assignments: list[str]) -> None:
        if self.args.get("list"):
            return self.ctx.out("\n".join([f"# deployment {dep.name}, container {dep.container}",
                                           *(f"{k}={v}" for k, v in dep.current.env.items())]))
        sets, unset = env_changes(assignments, self.args)
        if source := self.args.text("from"):
            kind, _, secret = source.partition("/")
            if kind != "secret" or (self.ns, secret) not in self.ctx.cluster.secrets:
                raise ToolError(f'error: secrets "{secret}" not found')
            sets |= {k.upper().replace("-", "_"): f"<set to the key '{k}' in secret '{secret}'>"
                     for k in self.ctx.cluster.secrets[(self.ns, secret)]}
        if not sets and not unset:
            raise ToolError("error: at least one environment variable must be provided")
        if source:          # read off the estate: its secret's keys
            return self.done("deployments", dep.name, "env updated", "set_env", deployment=dep.name, namespace=self.ns,
                             set=sets, unset=unset)
        self.record("deployments", dep.name, "env updated")

    def scale(self) -> None:
        if self.args.get("replicas") is None:
            raise ToolError('error: required flag(s) "replicas" not set')
        replicas = self.number("replicas", "", minimum=0)
        if replicas > MAX_REPLICAS:
            raise ToolError(f"error: drill: the drill cluster runs at most {MAX_REPLICAS} replicas of a deployment")
        kind, name = self.target(named=True)
        if kind != "deployments":
            raise not_found(kind, str(name))
        dep = self.deployment(kind, name)
        if self.args.get("current_replicas") is not None and self.number("current_replicas", "") != dep.replicas:
            raise ToolError(f"error: Expected replicas to be {self.args.text('current_replicas')}, was {dep.replicas}")
        self.record(kind, dep.name, "scaled")

    def autoscale(self) -> None:
        name = self.deployment(*self.target()).name
        if name in self.ctx.cluster.hpa:
            raise ToolError(f'Error from server (AlreadyExists): horizontalpodautoscalers.autoscaling "{name}" '
                            "already exists")
        bounds: dict[str, Any] = {"minReplicas": self.number("min", "1"), "maxReplicas": self.number("max", "-1")}
        if bounds["maxReplicas"] < 1:               # kubectl's own check: --max has no default
            raise ToolError(f"error: --max=MAXPODS is required and must be at least 1, max: {bounds['maxReplicas']}")
        if (cpu := self.number("cpu_percent", "-1")) > 0:         # none: the API's default target (80%)
            bounds["metrics"] = [{"type": "Resource", "resource": {"name": "cpu", "target": {
                "type": "Utilization", "averageUtilization": cpu}}}]
        self.check_hpa(name, bounds)
        self.done("hpa", name, "autoscaled", "patch", kind="hpa", name=name, patch={"spec": bounds})

    # ------------------------------------------------------------------ whole objects
    def apply(self) -> None:
        files = self.args.all("filename")
        if not files:
            raise ToolError("error: must specify one of -f and -k")
        for f in files:
            provided = self.ctx.drill.scenario.files.get(f) if f != "-" and not Path(f).exists() else None
            if f != "-" and not Path(f).exists() and provided is None:     # a file the runbook names: the drill's
                raise ToolError(f'error: the path "{f}" does not exist')
            path = Path(f)                                  # a directory: the manifests in it, as kubectl reads
            paths = [path] if not path.is_dir() else sorted(
                p for p in path.iterdir() if p.is_file() and p.suffix in (".yaml", ".yml", ".json"))
            texts = [provided] if provided is not None else [read_manifest(f if f == "-" else p) for p in paths]
            import yaml

            try:        # file by file, as kubectl reads them: the first file wrong is the one told (audit57 F2)
                docs = [d for text in texts for d in yaml_documents(text) if d]
            except (yaml.YAMLError, RecursionError) as exc:
                raise ToolError(f"error: error parsing {f}: error converting YAML to JSON: {yaml_error(exc)}") from None
            for d in docs:
                meta = d.get("metadata") if isinstance(d, dict) else None
                name = meta.get("name") if isinstance(meta, dict) else None
                if not isinstance(name, str) or not isinstance(d.get("kind"), str):
                    raise ToolError(f"error: error validating \"{f}\": error validating data: [apiVersion not set, "
                                    "kind not set]; if you choose to ignore these errors, turn validation off with "
                                    "--validate=false")
                given = meta.get("namespace") if isinstance(meta, dict) else None
                if isinstance(given, str) and given != self.ns and self.args.text("namespace"):
                    # kubectl's resource builder, with --namespace given: nothing is applied (attack42 A20: the
                    # hot-patch "created" in staging changed production)
                    raise ToolError(f'error: the namespace from the provided object "{given}" does not match the '
                                    f'namespace "{self.ns}". You must pass \'--namespace={given}\' to perform this '
                                    "operation.")
                kind = d["kind"].lower()
                # where kubectl puts it: the namespace its manifest names, else the call's (attack52 F2: a Secret for
                # monitoring was recorded in production's and replaced the audit store's)
                ns = given if isinstance(given, str) and given else self.ns
                exists = f"{kind}/{name}" in self.ctx.cluster.extra or self.exists(KINDS.get(kind, ""), name, ns)
                if template := pod_template(d) if kind == "deployment" else {}:
                    self.check_selector(name, d["spec"], template)
                data = {"data": d["data"]} if kind == "configmap" and isinstance(d.get("data"), dict) else {}
                data = secret_manifest(f, d) if kind == "secret" else data
                detail = {"kind": kind, "name": name, "namespace": ns, **template, **data,
                          **({"configured": True} if exists else {})}
                if self.args.text("output"):    # the object as applied: the hot-patch read before it is (redteam45 R6)
                    if not self.dry:
                        self.ctx.apply("create", **detail)
                    self.output(kind, [d], single=True)
                else:
                    self.done(kind, name, "configured" if exists else "created", "create", **detail)

    def check_selector(self, name: str, spec: dict[str, Any], template: dict[str, Any]) -> None:
        """What the API server refuses in an applied Deployment's selector, in its words: none; one its pods' labels do
        not match (it would not own them); another than it was made with (it is immutable)."""
        selector, pods, dep = template["selector"], template["template_labels"], self.ctx.cluster.deployments.get(name)
        if "selector" not in spec:
            error = "spec.selector: Required value"
        elif not selector.items() <= pods.items():
            error = (f"spec.template.metadata.labels: Invalid value: {go_map(pods)}: `selector` does not match "
                     "template `labels`")
        elif dep is not None and selector != ({"app": name} if dep.selector is None else dep.selector):
            error = (f"spec.selector: Invalid value: v1.LabelSelector{{MatchLabels:{go_map(selector)}, "
                     "MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable")
        else:
            return
        raise ToolError(f'The Deployment "{name}" is invalid: {error}')

    def create(self) -> None:
        """``create secret``; with ``--dry-run`` it prints the Secret it would make (``-o yaml`` is how
        runbooks show a new secret before applying it)."""
        pos = self.args.pos
        if not pos:
            raise ToolError("error: must specify one of -f and -k")
        if len(pos) < 3 or pos[1] not in ("generic", "tls", "docker-registry"):
            raise ToolError("error: NAME is required")
        name, literals = pos[2], [lit.partition("=") for lit in self.args.all("from_literal")]
        if self.dry:
            data = dict(sorted({k: base64.b64encode(v.encode()).decode() for k, _, v in literals}.items()))
            secret = {"apiVersion": "v1", "data": data, "kind": "Secret",
                      "metadata": {"creationTimestamp": None, "name": name, "namespace": self.ns}}
            if not self.output("secrets", [secret], single=True):
                self.done("secrets", name, "created")
            return
        if self.exists("secrets", name):
            raise ToolError(f'error: failed to create secret secrets "{name}" already exists')
        self.done("secrets", name, "created", "create", kind="secret", name=name, keys=[k for k, _, _ in literals],
                  values={k: fingerprint(v) for k, _, v in literals}, namespace=self.ns)     # what a login compares

    def delete(self) -> None:
        kind, name = self.target(named=True)
        singular = api_name(kind).split(".")[0]
        # what the drill cluster can take away: its secrets, deployments, autoscalers, pods, objects made by apply
        there = kind in ("secrets", "deployments", "hpa", "pods") and self.exists(kind, name)
        if not there and f"{singular}/{name}" not in self.ctx.cluster.extra:
            if self.exists(kind, name):         # listed by get: NotFound would be a lie
                raise ToolError(f"error: drill: `kubectl delete {singular}` is not simulated (it deletes pods, "
                                "deployments, secrets, autoscalers and what apply or create made)")
            if self.args.get("ignore_not_found"):
                return
            raise not_found(kind, name)
        pod = next((p for p in all_pods(self.ctx, self.ns) if p.name == name), None) if kind == "pods" else None
        if not self.dry and (pod is None or pod.deployment in self.ctx.cluster.deployments):   # its ReplicaSet
            self.ctx.apply("delete", kind=singular, name=name, namespace=self.ns,    # replaces a deleted pod
                           **({"deployment": pod.deployment, "index": pod.index, "template": pod.template_hash} if pod else {}))
        self.ctx.out(f'{singular} "{name}" deleted{self.dry}')

    def patch(self) -> None:
        """Deployments, HPAs and configmaps take a patch (an HPA's bounds move the deployment)."""
        kind, name = self.target(named=True)
        body = patch_body(self.args)
        if kind not in ("deployments", "hpa", "configmaps") and self.exists(kind, name):    # listed by get
            raise ToolError(f"error: drill: `kubectl patch {api_name(kind).split('.')[0]}` is not simulated (it "
                            "patches deployments, autoscalers and configmaps)")
        if not self.exists(kind, name):
            raise not_found(kind, name)
        if kind == "hpa" and body and "spec" in body:
            self.check_hpa(str(name), body["spec"], self.ctx.cluster.hpa[str(name)])
        if kind == "deployments":
            return self.patch_deployment(str(name), body or {})
        if kind == "configmaps":
            data = (body or {}).get("data", {})
            if set(body or {}) - {"data"} or not isinstance(data, dict) or not all(
                    isinstance(v, str | None) for v in data.values()):
                raise ToolError(f"error: drill: only data (string values, null to remove) of configmap/{name} can "
                                "be patched in the drill")
        self.record(kind, str(name), "patched")

    def patch_deployment(self, name: str, body: dict[str, Any]) -> None:
        """The drill models a deployment's replicas, so ``{"spec":{"replicas":N}}`` is a scale; any
        other field is refused rather than answered "patched" with nothing changed (the pod
        template changes the drill follows are ``set env``/``set image``/``rollout``)."""
        spec = body.get("spec")
        replicas = spec.get("replicas") if isinstance(spec, dict) else None
        if body != {"spec": {"replicas": replicas}} or isinstance(replicas, bool) or not isinstance(replicas, int):
            raise ToolError(f"error: drill: only spec.replicas of deployment/{name} can be patched in the drill "
                            "(use kubectl set env / set image / scale)")
        if not 0 <= replicas <= MAX_REPLICAS:
            raise ToolError(f"The Deployment \"{name}\" is invalid: spec.replicas: Invalid value: {replicas}: must be "
                            f"between 0 and {MAX_REPLICAS} in the drill")
        self.record("deployments", name, "patched")

    # ------------------------------------------------------------------ nodes, exec, the rest
    def node(self) -> None:
        """cordon/uncordon/drain of every node named (or selected): recorded so ``get nodes`` shows
        SchedulingDisabled; one that is missing fails the command before any is changed, as kubectl does."""
        if not self.args.pos and self.selector is None:
            raise ToolError(f"error: USAGE: {self.verb} NODE [flags]")
        nodes = [o for name in self.args.pos or [None] for o in self.find("nodes", name and name.split("/")[-1], None)]
        off, word = self.verb != "uncordon", self.verb.replace("drain", "cordon")
        for o in nodes:
            already = o.api["spec"]["unschedulable"] == off
            if not already and not self.dry:
                self.ctx.record(f"node_{word}", node=o.name)
            self.ctx.out(f"node/{o.name} already {word}ed" if already else f"node/{o.name} {word}ed{self.dry}")
            if self.verb == "drain":
                evicted = [p for p in all_pods(self.ctx, None) if p.node == o.name]
                if not self.dry:           # their deployments start them again elsewhere
                    self.ctx.record("node_drain", node=o.name)
                self.ctx.out("".join(f"evicting pod {p.namespace}/{p.name}\n" for p in evicted)
                             + "".join(f"pod/{p.name} evicted\n" for p in evicted) + f"node/{o.name} drained{self.dry}")

    def exec(self) -> int:
        if not self.args.pos:
            raise ToolError("error: pod, type/name or --filename must be specified")
        if not (command := self.args.rest or self.args.pos[1:]):
            raise ToolError("error: you must specify at least one command for the container")
        pod = self.pods_of(self.args.pos[0])[0]
        if self.args.text("container") not in ("", pod.container):
            raise ToolError(f'error: unable to upgrade connection: container not found ("{self.args.text("container")}")')
        return self.in_container(pod, command)

    def in_container(self, pod: Pod, command: list[str]) -> int:
        """The few programs a runbook runs inside a pod: the drill's own curl and psql as if from inside
        it, promtool answered by the simulator's PromQL, env/printenv and date; anything else fails the
        way a missing binary does."""
        prog, ctx = Path(command[0]).name, self.ctx
        if prog in ("sh", "bash") and len(command) >= 3 and command[1] == "-c":
            try:
                words = shlex.split(command[2])
            except ValueError:
                raise ToolError(f"{prog}: 1: Syntax error: Unterminated quoted string", 2) from None
            return self.in_container(pod, words) if words else 0
        if prog == "curl" or (prog == "psql" and pod.deployment in ("postgres", fleet.DEPLOYMENT)):
            return run_tool(ctx.sub(prog, command[1:], in_pod=pod))
        if prog == "promtool" and pod.deployment == "prometheus":     # asking its own localhost:9090
            return run_tool(ctx.sub(prog, command[1:], in_pod=pod))
        if prog in ("env", "printenv"):
            dep = ctx.cluster.deployments.get(pod.deployment)      # the env of the revision the pod runs
            env = next((r.env for r in dep.history if r.template_hash == pod.template_hash), {}) if dep else {}
            ctx.stdout.write("".join(f"{k}={v}\n" for k, v in env.items()))
            return 0
        if prog == "date":
            ctx.out(iso(ctx.at))
            return 0
        raise ToolError("error: Internal error occurred: error executing command in container: failed to exec in "
                        "container: failed to start exec: OCI runtime exec failed: exec failed: unable to start "
                        f'container process: exec: "{command[0]}": executable file not found in $PATH: unknown\n'
                        "command terminated with exit code 126", 126)

    def version(self) -> None:
        self.ctx.out("Client Version: v1.28.9\nKustomize Version: v5.0.4-0.20230601165947-6ce0bf390ce3\n"
                     "Server Version: v1.28.9")


def pod_lines(ctx: Context, pod: Pod, t1: float, t2: float) -> list[tuple[float, str]]:
    """A pod's log lines between two scenario moments, from the drill's activity: the same lines
    however the pod is named (``POD``, ``deployment/NAME``, ``-l``); CloudWatch holds every pod's. A pod the Service
    sends FlowEngine's flows to (``Cluster.serves``: a canary) logs its share of them, as FlowEngine's own do. A pod's
    log holds every line since it started, or since the world's first moment for an older pod (``Series.t0``: what
    came before is nowhere in the drill, as a real log rotated away)."""
    t1 = max(t1, ctx.series.t0)
    serving = [d for d in ctx.cluster.deployments.values() if ctx.cluster.serves(d)]
    if pod.deployment in {fleet.DEPLOYMENT, *(d.name for d in serving)}:
        pods = [p for d in (ctx.cluster.flowengine, *serving) for p in deployment_pods(ctx, d)]
        born = next((p.created for p in pods if p.name == pod.name), t1)
        release = ctx.cluster.bad_release(pod.image) if ctx.drill.scenario.facts.get("bad_version") else None
        lines = ctx.activity.flowengine_logs(t1, t2, born, release)     # a flow started before the pod ran elsewhere
        running = [p for p in pods if p.status == "Running"]
        if pod.name in (names := [p.name for p in running]):
            # each pod logs the flows its workers ran; periodic component lines appear on every pod; a failure of the
            # bad release's code ran on one of its pods (``Activity.flowengine_logs``)
            bad = [p.name for p in running if ctx.cluster.bad_release(p.image)]
            ours = ctx.activity.release_errors

            def ran_here(line: str) -> bool:
                group = bad if any(e in line for e in ours) else names
                task = int(line.split(" tsk_", 1)[1][:8], 16)
                return pod.name in group and task % len(group) == group.index(pod.name)
            lines = [(t, s) for t, s in lines if " tsk_" not in s or ran_here(s)]
        dep = next(d for d in (ctx.cluster.flowengine, *serving) if d.name == pod.deployment)
        rev = next(r for r in dep.history if r.template_hash == pod.template_hash)
        started = pod.created + STARTED       # its own start first (redteam48 F2: one pod of five logged one)
        return [(started, ctx.cluster.start_line(dep, rev, pod.created))] * (t1 <= started <= t2) + [
            (t, s) for t, s in lines if t >= started]
    if pod.deployment == fleet.AUDIT_DEPLOYMENT:        # its rank among the pods started with it: its share of events
        twins = deployment_pods(ctx, ctx.cluster.deployments[pod.deployment])
        rank = sum(p.created == pod.created and p.index < pod.index and p.status == "Running" for p in twins)
        return ctx.activity.audit_logs(t1, t2, pod.created, rank)
    fixed = [(t2 - 30 * k, "LOG:  checkpoint complete: wrote 412 buffers (2.5%)") for k in range(5, 0, -1)] if (
        pod.deployment == "postgres") else [(t2 - 60, "level=info msg=\"Completed loading of configuration file\"")]
    return [(t, line) for t, line in fixed if t >= t1]


def secret_manifest(path: str, doc: dict[str, Any]) -> dict[str, Any]:
    """What an applied Secret holds, as ``create secret`` records it: its keys and each value's fingerprint, ``data``
    (base64, refused in the API server's words when it is not) and ``stringData`` over it (a login reads them)."""
    data, plain = doc.get("data") or {}, doc.get("stringData") or {}
    if not isinstance(data, dict) or not isinstance(plain, dict):
        raise ToolError(f'Error from server (BadRequest): error when creating "{path}": Secret in version "v1" '
                        "cannot be handled as a Secret: json: cannot unmarshal into Go struct field Secret.data")
    values: dict[str, str] = {}
    for key, text in data.items():
        try:
            values[str(key)] = base64.b64decode(str(text), validate=True).decode("utf-8", "replace")
        except ValueError:
            raise ToolError(f'Error from server (BadRequest): error when creating "{path}": Secret in version "v1" '
                            "cannot be handled as a Secret: illegal base64 data") from None
    values |= {str(k): str(v) for k, v in plain.items()}
    return {"keys": list(values), "values": {k: fingerprint(v) for k, v in values.items()}}
