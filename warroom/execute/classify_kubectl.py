"""kubectl's vocabulary: which verbs read, which flags take a value, and how a change is worded.

The kubectl rule itself stays in :mod:`warroom.execute.classify` because ``kubectl exec``
classifies the command it carries; these tables and the wording do not recurse.
"""

from __future__ import annotations

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
