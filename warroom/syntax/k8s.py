"""Native Kubernetes actions: the tiny language of ```` ```warroom ```` blocks.

One action per line (comment lines above it label it, as in shell blocks)::

    scale deployment/NAME replicas=N
    rollout restart deployment/NAME          (also statefulset/NAME, daemonset/NAME)
    rollout undo deployment/NAME [to-revision=N]
    rollout status deployment/NAME           (the only read-only one)
    set env deployment/NAME KEY=VALUE [KEY2=VALUE2 ...] [KEY-]

Every action also accepts ``namespace=NS`` (or ``-n NS``; default: the configured namespace);
a leading ``kubectl`` and the ``--replicas=N`` spelling are tolerated. Names and values may be
parameters (``{{ deployment }}``). The Kubernetes source (``warroom.sources.native``) executes
them through the official client, never through a shell; its grammar is a superset of this one,
so whatever lint accepts here runs there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

VERBS = ("scale", "rollout restart", "rollout undo", "rollout status", "set env")
READ_ONLY_VERBS = ("rollout status",)
_NAME = re.compile(r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
_PLACEHOLDER = re.compile(r"\{\{[^}]*\}\}|<[^>]+>")
_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")
_KINDS = {"deployment": "deployment", "deploy": "deployment", "deployments": "deployment",
          "statefulset": "statefulset", "sts": "statefulset", "statefulsets": "statefulset",
          "daemonset": "daemonset", "ds": "daemonset", "daemonsets": "daemonset"}


class K8sSyntaxError(ValueError):
    """A native action that does not follow the syntax above; the message says what is wrong."""


@dataclass
class K8sAction:
    verb: str  # one of VERBS
    kind: str  # "deployment" | "statefulset" | "daemonset"
    name: str
    namespace: str | None = None
    replicas: int | None = None
    revision: int | None = None
    env: dict[str, str | None] = field(default_factory=dict)  # None: unset the variable

    @property
    def mutating(self) -> bool:
        return self.verb not in READ_ONLY_VERBS

    def describe(self) -> str:
        ns = f" in namespace {self.namespace}" if self.namespace else ""
        if self.verb == "scale":
            return f"scale {self.kind}/{self.name} to {self.replicas} replicas{ns}"
        if self.verb == "set env":
            return f"set {', '.join(self.env)} on {self.kind}/{self.name}{ns}"
        return f"{self.verb} {self.kind}/{self.name}{ns}"


def _is_placeholder(token: str) -> bool:
    return bool(_PLACEHOLDER.fullmatch(token))


def parse_action(text: str, *, allow_placeholders: bool = False) -> K8sAction:
    """Parse one action line. With ``allow_placeholders`` unsubstituted parameters pass as values."""
    # A placeholder is one token even when written with spaces: `{{ name }}`, `<a name>`.
    text = re.sub(r"\{\{\s*([^{}]*?)\s*\}\}",
                  lambda m: "{{" + m.group(1).replace(" ", "_") + "}}", text)
    text = re.sub(r"<([A-Za-z_][^<>]*)>", lambda m: "<" + m.group(1).replace(" ", "_") + ">", text)
    words = text.split()
    if words[:1] == ["kubectl"]:
        words = words[1:]
    # -n NS / --namespace NS / --replicas N spellings -> key=value
    norm: list[str] = []
    i = 0
    while i < len(words):
        w = words[i]
        if w in ("-n", "--namespace", "--replicas", "--to-revision") and i + 1 < len(words):
            key = {"-n": "namespace", "--namespace": "namespace"}.get(w, w.lstrip("-"))
            norm.append(f"{key}={words[i + 1]}")
            i += 2
            continue
        norm.append(w[2:] if w.startswith("--") and "=" in w else w)
        i += 1
    words = norm
    if not words:
        raise K8sSyntaxError("empty action")
    verb = words[0]
    rest = words[1:]
    if verb in ("rollout", "set"):
        if not rest:
            raise K8sSyntaxError(f"{verb!r} needs a sub-action: "
                                 + ("restart, undo or status" if verb == "rollout" else "env"))
        verb = f"{verb} {rest[0]}"
        rest = rest[1:]
    if verb not in VERBS:
        raise K8sSyntaxError(f"unknown action {verb!r}; known: " + ", ".join(VERBS))
    if not rest:
        raise K8sSyntaxError(f"{verb} needs a target like deployment/NAME")
    target = rest[0]
    kind_word, _, name = target.partition("/")
    kind = _KINDS.get(kind_word, "")
    allowed = ("deployment", "statefulset", "daemonset") if verb in (
        "rollout restart", "set env") else ("deployment",)
    if kind not in allowed or not name:
        raise K8sSyntaxError(f"target {target!r} must look like " + (
            "deployment/NAME (or statefulset/NAME, daemonset/NAME)" if len(allowed) > 1
            else "deployment/NAME"))
    if not (_NAME.match(name) or (allow_placeholders and _PLACEHOLDER.search(name))):
        raise K8sSyntaxError(f"{name!r} is not a valid Kubernetes name")
    action = K8sAction(verb=verb, kind=kind, name=name)
    for token in rest[1:]:
        key, eq, value = token.partition("=")
        if verb == "set env" and not eq and token.endswith("-") and _KEY.match(token[:-1]):
            action.env[token[:-1]] = None
            continue
        if not eq:
            raise K8sSyntaxError(f"expected KEY=VALUE, got {token!r}")
        if key == "namespace":
            action.namespace = value
            continue
        if verb == "scale" and key == "replicas":
            if value.isdigit():
                action.replicas = int(value)
            elif allow_placeholders and _is_placeholder(value):
                action.replicas = -1
            else:
                raise K8sSyntaxError(f"replicas must be a whole number, got {value!r}")
            continue
        if verb == "rollout undo" and key in ("to-revision", "revision"):
            if value.isdigit():
                action.revision = int(value)
            elif not (allow_placeholders and _is_placeholder(value)):
                raise K8sSyntaxError(f"to-revision must be a whole number, got {value!r}")
            continue
        if verb == "set env":
            if key == "container":
                continue
            if not _KEY.match(key):
                raise K8sSyntaxError(f"{key!r} is not a valid environment variable name")
            action.env[key] = value
            continue
        raise K8sSyntaxError(f"{verb} does not take {key}=")
    if verb == "scale" and action.replicas is None:
        raise K8sSyntaxError("scale needs replicas=N")
    if verb == "set env" and not action.env:
        raise K8sSyntaxError("set env needs at least one KEY=VALUE")
    return action
