"""Which cluster, context and namespace an action would touch, read from the kubeconfig alone.

The IC confirms a mutating action against this blast radius, so it must be known before any
network call and without importing the ``kubernetes`` client; keeping it here lets the confirm
dialog use it cheaply.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from warroom.config import KubernetesConfig
from warroom.errors import WarroomError


class KubeError(WarroomError):
    """A kubeconfig or cluster problem, worded for the IC; ``kind`` as ``httpjson.SourceError``
    (unauthorized / slow / refused / down / error)."""

    exit_code = 3

    def __init__(self, message: str, kind: str = "error") -> None:
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True)
class KubeTarget:
    """The blast radius of a cluster action: shown before any mutating step runs."""

    context: str
    cluster: str
    namespace: str
    server: str | None = None
    user: str | None = None
    kubeconfig: str | None = None

    def describe(self) -> str:
        return f"cluster {self.cluster} · context {self.context} · namespace {self.namespace}"

    def journal(self) -> dict[str, Any]:
        """The ``target`` object of a ``step.started`` event."""
        return {"context": self.context, "cluster": self.cluster, "namespace": self.namespace,
                "server": self.server}


def kubeconfig_paths(cfg: KubernetesConfig) -> list[Path]:
    """kubernetes.kubeconfig, else every file in $KUBECONFIG, else ~/.kube/config."""
    if cfg.kubeconfig:
        return [Path(os.path.expanduser(cfg.kubeconfig))]
    env = os.environ.get("KUBECONFIG", "")
    if env.strip():
        return [Path(os.path.expanduser(p)) for p in env.split(os.pathsep) if p.strip()]
    return [Path.home() / ".kube" / "config"]


def _load_kubeconfig(paths: list[Path]) -> dict[str, Any]:
    """The kubeconfig files merged the way kubectl does: first file wins for each name."""
    import yaml

    merged: dict[str, Any] = {"contexts": [], "clusters": [], "users": [], "current-context": None}
    seen: dict[str, set[str]] = {"contexts": set(), "clusters": set(), "users": set()}
    found = False
    for path in paths:
        if not path.exists():
            continue
        found = True
        try:
            doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise KubeError(f"kubeconfig {path} cannot be read: {exc}") from None
        if not isinstance(doc, dict):
            raise KubeError(f"kubeconfig {path} is not a kubeconfig (expected a mapping)")
        if not merged["current-context"] and doc.get("current-context"):
            merged["current-context"] = doc["current-context"]
        for key in ("contexts", "clusters", "users"):
            for item in doc.get(key) or []:
                if isinstance(item, dict) and item.get("name") and item["name"] not in seen[key]:
                    seen[key].add(item["name"])
                    merged[key].append(item)
    if not found:
        where = ", ".join(str(p) for p in paths)
        raise KubeError(f"no kubeconfig found at {where} (set kubernetes.kubeconfig or $KUBECONFIG)")
    return merged


def describe_target(cfg: KubernetesConfig, context: str | None = None,
                    namespace: str | None = None) -> KubeTarget:
    """Which cluster, context and namespace actions would hit; reads the kubeconfig only."""
    paths = kubeconfig_paths(cfg)
    kc = _load_kubeconfig(paths)
    names = [c["name"] for c in kc["contexts"]]
    where = str(paths[0]) if len(paths) == 1 else os.pathsep.join(str(p) for p in paths)
    chosen = context or cfg.context or kc["current-context"]
    if not chosen:
        listing = ", ".join(names) or "none defined"
        raise KubeError(f"kubeconfig {where} has no current context; pass --context or set "
                        f"kubernetes.context (contexts: {listing})")
    ctx = next((c for c in kc["contexts"] if c["name"] == chosen), None)
    if ctx is None:
        listing = ", ".join(names) or "none defined"
        raise KubeError(f"context {chosen!r} is not in kubeconfig {where} (contexts: {listing})")
    body = ctx.get("context") or {}
    cluster_name = body.get("cluster") or "?"
    cluster = next((c for c in kc["clusters"] if c["name"] == cluster_name), None)
    server = (cluster or {}).get("cluster", {}).get("server") if cluster else None
    ns = namespace or cfg.namespace or body.get("namespace") or "default"
    return KubeTarget(context=chosen, cluster=cluster_name, namespace=ns, server=server,
                      user=body.get("user"), kubeconfig=where)
