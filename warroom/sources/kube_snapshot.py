"""What the cluster pane shows: deployments, pods and events reduced to the few fields that matter.

The pane reads raw API JSON (not the client's generated models), so the reduction from JSON to
these records is kept in plain functions that tests can feed with recorded responses.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from warroom.sources.httpjson import parse_time
from warroom.sources.kube_target import KubeTarget

#: The annotation holding a deployment's (and its ReplicaSets') rollout revision.
REVISION = "deployment.kubernetes.io/revision"
#: Container states worth a word on the pane, most telling first.
BAD_REASONS = ("CrashLoopBackOff", "OOMKilled", "ImagePullBackOff", "ErrImagePull",
               "CreateContainerConfigError", "CreateContainerError", "InvalidImageName",
               "RunContainerError", "Error", "ContainerCannotRun", "Evicted")


@dataclass(frozen=True)
class DeploymentState:
    name: str
    desired: int
    ready: int
    available: int
    updated: int
    revision: str | None
    rolling_out: bool
    rollout: str                      # "complete" or what the rollout is waiting for
    images: tuple[str, ...] = ()
    paused: bool = False

    @property
    def healthy(self) -> bool:
        return not self.rolling_out and self.available >= self.desired


@dataclass(frozen=True)
class PodState:
    name: str
    phase: str
    ready: str                        # "1/2"
    restarts: int
    reason: str | None = None         # CrashLoopBackOff, OOMKilled, ImagePullBackOff, ...
    message: str | None = None
    node: str | None = None
    started: float | None = None
    deployment: str | None = None


@dataclass(frozen=True)
class KubeEvent:
    reason: str
    object: str                       # "Pod/flowengine-7d9c-abcde"
    message: str
    count: int
    last_seen: float | None
    type: str = "Warning"


@dataclass(frozen=True)
class ClusterSnapshot:
    """What the cluster pane renders; ``error`` set means the cluster could not be read."""

    target: KubeTarget | None
    deployments: tuple[DeploymentState, ...] = ()
    pods: tuple[PodState, ...] = ()
    events: tuple[KubeEvent, ...] = ()
    error: str | None = None
    notes: tuple[str, ...] = ()
    fetched_at: float = 0.0
    error_kind: str | None = None        # unauthorized | slow | refused | down | error


def deployment_state(dep: dict[str, Any]) -> DeploymentState:
    """Replica counts and rollout progress the way ``kubectl rollout status`` judges them."""
    meta = dep.get("metadata") or {}
    spec = dep.get("spec") or {}
    status = dep.get("status") or {}
    desired = int(spec.get("replicas", 1) if spec.get("replicas") is not None else 1)
    updated = int(status.get("updatedReplicas") or 0)
    total = int(status.get("replicas") or 0)
    available = int(status.get("availableReplicas") or 0)
    ready = int(status.get("readyReplicas") or 0)
    rollout = "complete"
    for cond in status.get("conditions") or []:
        if cond.get("type") == "Progressing" and cond.get("reason") == "ProgressDeadlineExceeded":
            rollout = "stuck: progress deadline exceeded"
    if rollout == "complete":
        if int(meta.get("generation") or 0) > int(status.get("observedGeneration") or 0):
            rollout = "waiting for the controller to see the new spec"
        elif updated < desired:
            rollout = f"{updated} of {desired} new replicas updated"
        elif total > updated:
            rollout = f"{total - updated} old replicas pending termination"
        elif available < updated:
            rollout = f"{available} of {updated} updated replicas available"
    containers = ((spec.get("template") or {}).get("spec") or {}).get("containers") or []
    return DeploymentState(
        name=str(meta.get("name")), desired=desired, ready=ready, available=available,
        updated=updated, revision=(meta.get("annotations") or {}).get(REVISION),
        rolling_out=rollout != "complete", rollout=rollout,
        images=tuple(str(c.get("image")) for c in containers if c.get("image")),
        paused=bool(spec.get("paused")),
    )


def pod_state(pod: dict[str, Any], deployment: str | None = None) -> PodState:
    meta = pod.get("metadata") or {}
    status = pod.get("status") or {}
    statuses = status.get("containerStatuses") or []
    n = len((pod.get("spec") or {}).get("containers") or statuses)
    ready = sum(1 for c in statuses if c.get("ready"))
    restarts = sum(int(c.get("restartCount") or 0) for c in statuses)
    reason, message = _pod_reason(status, statuses)
    return PodState(
        name=str(meta.get("name")), phase=str(status.get("phase") or "Unknown"),
        ready=f"{ready}/{n}", restarts=restarts, reason=reason, message=message,
        node=(pod.get("spec") or {}).get("nodeName"), started=parse_time(status.get("startTime")),
        deployment=deployment,
    )


def _pod_reason(status: dict[str, Any], statuses: list[dict[str, Any]]) -> tuple[str | None, str | None]:
    """The most telling problem: waiting reason (with the last crash's cause), else terminated."""
    if status.get("reason"):  # Evicted, NodeLost, ...
        return str(status["reason"]), status.get("message")
    for c in statuses:
        state = c.get("state") or {}
        last = (c.get("lastState") or {}).get("terminated") or {}
        waiting = state.get("waiting") or {}
        if waiting.get("reason") and waiting["reason"] not in ("ContainerCreating", "PodInitializing"):
            why = str(waiting["reason"])
            if last.get("reason") and last["reason"] != why:
                why = f"{why} ({last['reason']})"  # CrashLoopBackOff (OOMKilled)
            return why, waiting.get("message")
        term = state.get("terminated") or {}
        if term.get("reason") and term.get("reason") != "Completed":
            return str(term["reason"]), term.get("message")
        if last.get("reason") == "OOMKilled":
            return "OOMKilled", f"container {c.get('name')} was OOM-killed (now {next(iter(state), 'unknown')})"
    return None, None
