"""Where a step acts (cluster and namespace, or host), guessed from its final command line.

The guess is only shown and journaled, never enforced; it is kept apart from the incident API
because it reads command lines and the config, not the journal.
"""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlparse

from warroom.config import Config

if TYPE_CHECKING:
    pass


_KUBE_TOOLS = ("kubectl", "helm", "kubectx", "oc")

_SSH_ARG_OPTS = set("BbcDEeFIiJLlmOoPpQRSWw")


def _flag_value(words: list[str], names: tuple[str, ...]) -> str | None:
    for i, w in enumerate(words):
        for n in names:
            if w == n and i + 1 < len(words):
                return words[i + 1]
            if n.startswith("--") and w.startswith(n + "="):
                return w[len(n) + 1:]
            if not n.startswith("--") and w.startswith(n) and len(w) > len(n):
                return w[len(n):]
    return None


def detect_target(command: str, params: dict[str, str], config: Config) -> dict[str, str]:
    """Where a command acts, as far as we can tell: kube context/namespace, host.

    Read from the command's own flags first, then well-known parameter names, then the config
    (``[kubernetes]`` context/namespace for kube tools). Unknown stays absent: the UI shows
    what it knows, never a guess dressed as fact.
    """
    try:
        words = shlex.split(command, comments=True)
    except ValueError:
        words = command.split()
    target: dict[str, str] = {}
    tools = {Path(w).name for w in words}
    if tools & set(_KUBE_TOOLS):
        ctx = _flag_value(words, ("--context", "--kube-context")) or params.get("context") \
            or config.kubernetes.context
        ns = _flag_value(words, ("--namespace", "-n")) or params.get("namespace") or config.kubernetes.namespace
        if "--all-namespaces" in words or "-A" in words:
            ns = "(all namespaces)"
        target["context"] = ctx or "(current context)"
        if ns:
            target["namespace"] = ns
    host = None
    if "ssh" in tools:
        i = next(i for i, w in enumerate(words) if Path(w).name == "ssh")
        rest = words[i + 1:]
        while rest and rest[0].startswith("-"):
            opt = rest.pop(0)
            if len(opt) == 2 and opt[1] in _SSH_ARG_OPTS and rest:
                rest.pop(0)
        host = rest[0] if rest else None
    elif tools & {"psql", "redis-cli", "mysql"}:
        host = _flag_value(words, ("-h", "--host"))
    elif tools & {"curl", "wget", "http"}:
        url = next((w for w in words if w.startswith(("http://", "https://"))), None)
        host = urlparse(url).hostname if url else None
    host = host or params.get("host") or params.get("hostname")
    if host:
        target["host"] = host
    return target
