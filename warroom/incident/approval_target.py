"""The target an approval covers, made concrete: a kube step that acts on "(current context)"
acts on whatever kubectl's current context is when it runs, so the approval covers that context
by name (read from the kubeconfig, as ``sources.kube_target`` does for the confirm dialog).

Switching ``kubectl config use-context`` between the approval and the run changes the hash of
the prepared step, and the run needs a new approval: the approver said yes to one cluster.
"""

from __future__ import annotations

from typing import Any

from warroom.config import Config

CURRENT = "(current context)"
_cache: dict[tuple[Any, ...], str] = {}


def _current_context(config: Config) -> str:
    from warroom.sources.kube_target import KubeError, describe_target, kubeconfig_paths

    paths = kubeconfig_paths(config.kubernetes)
    stamp: list[Any] = []
    for p in paths:
        try:
            st = p.stat()
            stamp.append((str(p), st.st_mtime_ns, st.st_size, st.st_ino))
        except OSError:
            stamp.append((str(p), None))
    key = (tuple(stamp), config.kubernetes.context)
    if key not in _cache:
        try:
            _cache.clear()
            _cache[key] = describe_target(config.kubernetes).context
        except (KubeError, OSError) as exc:
            _cache[key] = f"unknown ({exc})"
    return _cache[key]


def resolved_target(target: dict[str, Any], config: Config, *, drill: bool = False) -> dict[str, Any]:
    """``target`` with "(current context)" replaced by the context it is now (a drill's commands
    only ever reach its stand-ins, whatever the kubeconfig says: left as it is)."""
    out = dict(target)
    if out.get("context") == CURRENT and not drill:
        name = _current_context(config)
        out["context"] = f"{CURRENT}: {name}" if name.startswith("unknown") else f"{name} {CURRENT}"
    return out
