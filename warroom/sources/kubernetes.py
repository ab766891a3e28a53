"""Kubernetes: the cluster pane's data and native runbook actions, with the official client.

The ``kubernetes`` package costs about half a second to import, so it is imported inside the
functions that talk to a cluster, which run in worker threads. Responses are read as plain JSON
(``_preload_content=False``) rather than the client's generated models: the pane needs a handful
of fields, and raw JSON keeps working across API and client versions.

The blast radius of every mutating action (cluster, context, namespace) comes from
``describe_target``, which reads only the kubeconfig (no network), so it can be shown before the
IC confirms. The actions do what kubectl does, request for request:

- scale: a merge patch ``{"spec": {"replicas": N}}`` on the deployment's ``scale`` subresource;
- rollout restart: a strategic merge patch setting the pod template annotation
  ``kubectl.kubernetes.io/restartedAt`` to now;
- rollout undo: the ReplicaSet of the previous revision (``deployment.kubernetes.io/revision``),
  its pod template without the ``pod-template-hash`` label, written back with a JSON patch that
  replaces ``/spec/template`` and ``/metadata/annotations``, exactly like ``kubectl rollout undo``;
- set env: a strategic merge patch of the containers' ``env`` (``KEY-`` removes a variable).
"""

from __future__ import annotations

import json
import os
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from warroom.config import KubernetesConfig
from warroom.errors import WarroomError
from warroom.sources.httpjson import parse_time

REVISION = "deployment.kubernetes.io/revision"
RESTARTED_AT = "kubectl.kubernetes.io/restartedAt"
HASH_LABEL = "pod-template-hash"
#: Deployment annotations ``kubectl rollout undo`` keeps from the deployment, not the ReplicaSet.
UNDO_SKIP_ANNOTATIONS = (
    "kubectl.kubernetes.io/last-applied-configuration",
    REVISION,
    "deployment.kubernetes.io/revision-history",
    "deployment.kubernetes.io/desired-replicas",
    "deployment.kubernetes.io/max-replicas",
    "deprecated.deployment.rollback.to",
)
#: Container states worth a word on the pane, most telling first.
BAD_REASONS = ("CrashLoopBackOff", "OOMKilled", "ImagePullBackOff", "ErrImagePull",
               "CreateContainerConfigError", "CreateContainerError", "InvalidImageName",
               "RunContainerError", "Error", "ContainerCannotRun", "Evicted")


#: The client's method suffix for each workload kind native steps can touch.
_API_KIND = {"deployment": "deployment", "statefulset": "stateful_set", "daemonset": "daemon_set"}


class KubeError(WarroomError):
    """A kubeconfig or cluster problem, worded for the IC."""

    exit_code = 3


# ---------------------------------------------------------------------------------- kubeconfig


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


# ---------------------------------------------------------------------------------- pane data


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


# ---------------------------------------------------------------------------------- client


class KubeSource:
    """One cluster connection (per kubeconfig context), reused; blocking, for worker threads."""

    def __init__(self, cfg: KubernetesConfig, context: str | None = None,
                 namespace: str | None = None) -> None:
        self.cfg = cfg
        self.context = context
        self.namespace_override = namespace
        self._lock = threading.Lock()
        self._api: Any = None
        self._target: KubeTarget | None = None

    # ------------------------------------------------------------------ connection

    def target(self) -> KubeTarget:
        if self._target is None:
            self._target = describe_target(self.cfg, self.context, self.namespace_override)
        return self._target

    @property
    def namespace(self) -> str:
        return self.target().namespace

    def _client(self) -> Any:
        with self._lock:
            if self._api is not None:
                return self._api
            target = self.target()
            from kubernetes import client, config
            from kubernetes.config.config_exception import ConfigException

            conf = client.Configuration()
            paths = kubeconfig_paths(self.cfg)
            try:
                config.load_kube_config(
                    config_file=os.pathsep.join(str(p) for p in paths if p.exists()),
                    context=target.context, client_configuration=conf, persist_config=False)
            except (ConfigException, OSError, ValueError, TypeError) as exc:
                raise KubeError(f"kubeconfig context {target.context!r} cannot be used: {exc}") from None
            # One try per request: a dead API server must fail within the timeout, not retry.
            conf.retries = False
            self._api = client.ApiClient(conf)
            return self._api

    def close(self) -> None:
        with self._lock:
            api, self._api = self._api, None
        if api is not None:
            api.close()

    def _call(self, group: str, method: str, *args: Any, **kwargs: Any) -> Any:
        """Call a client API method and return the JSON body; KubeError with the API's words."""
        from kubernetes import client
        from kubernetes.client.exceptions import ApiException

        api = self._client()
        impl = client.AppsV1Api(api) if group == "apps" else client.CoreV1Api(api)
        try:
            resp = getattr(impl, method)(*args, _preload_content=False,
                                         _request_timeout=self.cfg.timeout, **kwargs)
            data = resp.data
        except ApiException as exc:
            raise KubeError(self._explain_status(exc)) from None
        except Exception as exc:  # urllib3 transport errors: every one becomes the pane's sentence
            raise KubeError(self._explain_transport(exc)) from None
        try:
            return json.loads(data)
        except ValueError:
            raise KubeError(f"the API server at {self.target().server} did not answer JSON") from None

    def _explain_status(self, exc: Any) -> str:
        message = None
        try:
            body = json.loads(exc.body or b"{}")
            message = body.get("message") if isinstance(body, dict) else None
        except (ValueError, TypeError):
            message = None
        status = int(exc.status or 0)
        if status == 401:
            return f"unauthorized (HTTP 401; check the credentials of context {self.target().context!r})"
        if status == 403:
            return f"forbidden: {message or exc.reason}"
        if status == 0:
            return f"request failed: {exc.reason}"
        return message or f"HTTP {status}: {exc.reason}"

    def _explain_transport(self, exc: BaseException) -> str:
        text = str(exc)
        server = self.target().server
        if "timed out" in text.lower() or "timeout" in type(exc).__name__.lower():
            return f"no answer from the API server {server} within {self.cfg.timeout:g}s"
        if "refused" in text.lower():
            return f"cannot connect to the API server {server}: connection refused"
        return f"cannot reach the API server {server}: {type(exc).__name__}"

    # ------------------------------------------------------------------ reads

    def deployment(self, name: str) -> dict[str, Any]:
        return self._call("apps", "read_namespaced_deployment", name, self.namespace)

    def snapshot(self) -> ClusterSnapshot:
        """Deployments, their pods and recent warning events; never raises."""
        try:
            target = self.target()
        except KubeError as exc:
            return ClusterSnapshot(None, error=str(exc), fetched_at=time.time())
        try:
            return self._snapshot(target)
        except KubeError as exc:
            return ClusterSnapshot(target, error=str(exc), fetched_at=time.time())

    def _snapshot(self, target: KubeTarget) -> ClusterSnapshot:
        ns = target.namespace
        notes: list[str] = []
        deps: list[dict[str, Any]] = []
        if self.cfg.label_selector:
            deps = self._call("apps", "list_namespaced_deployment", ns,
                              label_selector=self.cfg.label_selector).get("items") or []
        else:
            for name in self.cfg.deployments:
                try:
                    deps.append(self.deployment(name))
                except KubeError as exc:
                    notes.append(f"deployment {name}: {exc}")
            if not deps and notes:
                raise KubeError("; ".join(notes))
        pods: list[PodState] = []
        if self.cfg.label_selector:
            items = self._call("core", "list_namespaced_pod", ns,
                               label_selector=self.cfg.label_selector).get("items") or []
            owner = deps[0]["metadata"]["name"] if len(deps) == 1 else None
            pods.extend(pod_state(p, owner) for p in items)
        else:
            for dep in deps:
                selector = _selector(dep)
                if not selector:
                    continue
                items = self._call("core", "list_namespaced_pod", ns,
                                   label_selector=selector).get("items") or []
                pods.extend(pod_state(p, dep["metadata"]["name"]) for p in items)
        events = self._events(ns, [d["metadata"]["name"] for d in deps], notes)
        return ClusterSnapshot(
            target, tuple(deployment_state(d) for d in deps),
            tuple(sorted(pods, key=lambda p: (p.reason is None, p.name))), events,
            notes=tuple(notes), fetched_at=time.time(),
        )

    def _events(self, ns: str, names: list[str], notes: list[str], limit: int = 10,
                within: float = 3600.0) -> tuple[KubeEvent, ...]:
        try:
            items = self._call("core", "list_namespaced_event", ns,
                               field_selector="type=Warning").get("items") or []
        except KubeError as exc:
            notes.append(f"events: {exc}")
            return ()
        now = time.time()
        out: list[KubeEvent] = []
        for ev in items:
            obj = ev.get("involvedObject") or {}
            obj_name = str(obj.get("name") or "")
            if names and not any(obj_name == n or obj_name.startswith(n + "-") for n in names):
                continue
            seen = (parse_time(ev.get("lastTimestamp")) or parse_time(ev.get("eventTime"))
                    or parse_time((ev.get("metadata") or {}).get("creationTimestamp")))
            if seen is not None and now - seen > within:
                continue
            out.append(KubeEvent(reason=str(ev.get("reason") or ""),
                                 object=f"{obj.get('kind', '?')}/{obj_name}",
                                 message=str(ev.get("message") or "").strip(),
                                 count=int(ev.get("count") or 1), last_seen=seen,
                                 type=str(ev.get("type") or "Warning")))
        out.sort(key=lambda e: -(e.last_seen or 0.0))
        return tuple(out[:limit])

    # ------------------------------------------------------------------ actions (mutating)

    def scale(self, name: str, replicas: int) -> list[str]:
        if replicas < 0:
            raise KubeError("replicas must be 0 or more")
        before = self._call("apps", "read_namespaced_deployment_scale", name, self.namespace)
        self._call("apps", "patch_namespaced_deployment_scale", name, self.namespace,
                   {"spec": {"replicas": replicas}}, _content_type="application/merge-patch+json")
        was = (before.get("spec") or {}).get("replicas")
        return [f"deployment.apps/{name} scaled (replicas {was} → {replicas})"]

    def restart(self, name: str, now: datetime | None = None, kind: str = "deployment") -> list[str]:
        stamp = (now or datetime.now(timezone.utc)).astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        body = {"spec": {"template": {"metadata": {"annotations": {RESTARTED_AT: stamp}}}}}
        self._call("apps", f"patch_namespaced_{_API_KIND[kind]}", name, self.namespace, body,
                   _content_type="application/strategic-merge-patch+json")
        return [f"{kind}.apps/{name} restarted (restartedAt {stamp})"]

    def undo(self, name: str, to_revision: int | None = None) -> list[str]:
        dep = self.deployment(name)
        current = (dep["metadata"].get("annotations") or {}).get(REVISION)
        uid = dep["metadata"].get("uid")
        selector = _selector(dep)
        rss = self._call("apps", "list_namespaced_replica_set", self.namespace,
                         label_selector=selector).get("items") or []
        owned = [rs for rs in rss if not uid or any(
            o.get("uid") == uid for o in (rs.get("metadata") or {}).get("ownerReferences") or [])]
        by_rev: dict[int, dict[str, Any]] = {}
        for rs in owned:
            rev = (rs["metadata"].get("annotations") or {}).get(REVISION)
            if rev and rev.isdigit():
                by_rev[int(rev)] = rs
        if not by_rev:
            raise KubeError(f"no rollout history found for deployment {name}")
        if to_revision:
            if to_revision not in by_rev:
                raise KubeError(f"unable to find revision {to_revision} of deployment {name}"
                                f" (revisions: {', '.join(map(str, sorted(by_rev)))})")
            target_rev = to_revision
        else:
            cur = int(current) if current and current.isdigit() else max(by_rev)
            older = [r for r in by_rev if r < cur]
            if not older:
                raise KubeError(f"no previous revision of deployment {name} to roll back to"
                                f" (current revision {cur})")
            target_rev = max(older)
        rs = by_rev[target_rev]
        template = json.loads(json.dumps(rs["spec"]["template"]))
        labels = (template.get("metadata") or {}).get("labels") or {}
        labels.pop(HASH_LABEL, None)
        if _equal_ignoring_hash(template, dep["spec"]["template"]):
            return [f"deployment.apps/{name}: skipped rollback"
                    f" (current template already matches revision {target_rev})"]
        dep_ann = dep["metadata"].get("annotations") or {}
        annotations = {k: dep_ann[k] for k in UNDO_SKIP_ANNOTATIONS if k in dep_ann}
        for k, v in (rs["metadata"].get("annotations") or {}).items():
            if k not in UNDO_SKIP_ANNOTATIONS:
                annotations[k] = v
        patch = [
            {"op": "replace", "path": "/spec/template", "value": template},
            {"op": "replace", "path": "/metadata/annotations", "value": annotations},
        ]
        self._call("apps", "patch_namespaced_deployment", name, self.namespace, patch,
                   _content_type="application/json-patch+json")
        return [f"deployment.apps/{name} rolled back to revision {target_rev} (was {current})"]

    def set_env(self, name: str, env: dict[str, str | None], container: str | None = None,
                kind: str = "deployment") -> list[str]:
        dep = self._call("apps", f"read_namespaced_{_API_KIND[kind]}", name, self.namespace)
        containers = [c.get("name") for c in dep["spec"]["template"]["spec"].get("containers") or []]
        if container is not None and container not in containers:
            raise KubeError(f"{kind} {name} has no container {container!r}"
                            f" (containers: {', '.join(map(str, containers))})")
        targets = [container] if container else containers
        entries = [{"name": k, "value": v} if v is not None else {"name": k, "$patch": "delete"}
                   for k, v in env.items()]
        body = {"spec": {"template": {"spec": {"containers": [
            {"name": c, "env": entries} for c in targets]}}}}
        self._call("apps", f"patch_namespaced_{_API_KIND[kind]}", name, self.namespace, body,
                   _content_type="application/strategic-merge-patch+json")
        changes = ", ".join(f"{k}={v}" if v is not None else f"{k} removed" for k, v in env.items())
        return [f"{kind}.apps/{name} env updated ({changes}) in {', '.join(map(str, targets))}"]

    def rollout_status(self, name: str) -> list[str]:
        state = deployment_state(self.deployment(name))
        return [f"deployment {name}: revision {state.revision or '?'}, {state.ready}/{state.desired} ready,"
                f" {state.available} available, {state.updated} updated",
                f"rollout: {state.rollout}"]


def _selector(dep: dict[str, Any]) -> str:
    labels = (((dep.get("spec") or {}).get("selector") or {}).get("matchLabels") or {})
    return ",".join(f"{k}={v}" for k, v in sorted(labels.items()))


def _equal_ignoring_hash(a: dict[str, Any], b: dict[str, Any]) -> bool:
    def strip(t: dict[str, Any]) -> dict[str, Any]:
        t = json.loads(json.dumps(t))
        ((t.get("metadata") or {}).get("labels") or {}).pop(HASH_LABEL, None)
        return t

    return strip(a) == strip(b)

