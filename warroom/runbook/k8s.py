"""Native Kubernetes actions: the tiny language of ```` ```warroom ```` blocks.

One action per line (comment lines above it label it, as in shell blocks)::

    scale deployment/NAME replicas=N
    rollout restart deployment/NAME
    rollout undo deployment/NAME [to-revision=N]
    set env deployment/NAME KEY=VALUE [KEY2=VALUE2 ...]

Every action also accepts ``namespace=NS`` (default: the configured namespace). Names and
values may be parameters (``{{ deployment }}``). These steps always count as mutating; the
Kubernetes source executes them through the official client, never through a shell.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

VERBS = ("scale", "rollout restart", "rollout undo", "set env")
_NAME = re.compile(r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
_PLACEHOLDER = re.compile(r"\{\{[^}]*\}\}|<[^>]+>")
_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")


class K8sSyntaxError(ValueError):
    """A native action that does not follow the syntax above; the message says what is wrong."""


@dataclass
class K8sAction:
    verb: str  # "scale" | "rollout restart" | "rollout undo" | "set env"
    kind: str  # "deployment" (also statefulset/daemonset for restart/undo/set env)
    name: str
    namespace: str | None = None
    replicas: int | None = None
    revision: int | None = None
    env: dict[str, str] = field(default_factory=dict)

    def describe(self) -> str:
        ns = f" in namespace {self.namespace}" if self.namespace else ""
        if self.verb == "scale":
            return f"scale {self.kind}/{self.name} to {self.replicas} replicas{ns}"
        if self.verb == "set env":
            keys = ", ".join(self.env)
            return f"set {keys} on {self.kind}/{self.name}{ns}"
        return f"{self.verb} {self.kind}/{self.name}{ns}"


def _is_placeholder(token: str) -> bool:
    return bool(_PLACEHOLDER.fullmatch(token))


def parse_action(text: str, *, allow_placeholders: bool = False) -> K8sAction:
    """Parse one action line. With ``allow_placeholders`` unsubstituted parameters pass as values."""
    # A placeholder is one token even when written with spaces: `{{ name }}`, `<a name>`.
    text = re.sub(r"\{\{\s*([^{}]*?)\s*\}\}", lambda m: "{{" + m.group(1).replace(" ", "_") + "}}",
                  text)
    text = re.sub(r"<([A-Za-z_][^<>]*)>", lambda m: "<" + m.group(1).replace(" ", "_") + ">", text)
    words = text.split()
    if not words:
        raise K8sSyntaxError("empty action")
    verb = words[0]
    rest = words[1:]
    if verb in ("rollout", "set"):
        if not rest:
            raise K8sSyntaxError(f"{verb!r} needs a sub-action: "
                                 + ("restart or undo" if verb == "rollout" else "env"))
        verb = f"{verb} {rest[0]}"
        rest = rest[1:]
    if verb not in VERBS:
        raise K8sSyntaxError(f"unknown action {verb!r}; known: " + ", ".join(VERBS))
    if not rest:
        raise K8sSyntaxError(f"{verb} needs a target like deployment/NAME")
    target = rest[0]
    kind, _, name = target.partition("/")
    kind = {"deploy": "deployment", "deployments": "deployment", "sts": "statefulset",
            "ds": "daemonset"}.get(kind, kind)
    allowed_kinds = ("deployment",) if verb == "scale" else ("deployment", "statefulset",
                                                               "daemonset")
    if kind not in allowed_kinds or not name:
        raise K8sSyntaxError(f"target {target!r} must look like " + (
            "deployment/NAME" if verb == "scale" else "deployment/NAME (or statefulset/NAME)"))
    if not (_NAME.match(name) or (allow_placeholders and _PLACEHOLDER.search(name))):
        raise K8sSyntaxError(f"{name!r} is not a valid Kubernetes name")
    action = K8sAction(verb=verb, kind=kind, name=name)
    for token in rest[1:]:
        key, eq, value = token.partition("=")
        if not eq:
            raise K8sSyntaxError(f"expected KEY=VALUE, got {token!r}")
        if key == "namespace":
            action.namespace = value
            continue
        if verb == "scale" and key in ("replicas", "--replicas"):
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
