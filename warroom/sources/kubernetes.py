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

This module holds the connection and the reads; the actions are :mod:`warroom.sources.kube_actions`,
the pane's records :mod:`warroom.sources.kube_snapshot` and the kubeconfig target
:mod:`warroom.sources.kube_target`.
"""

from __future__ import annotations

import os
import threading
from typing import Any

from warroom import scenario_time as stime
from warroom.config import KubernetesConfig
from warroom.sources.deadline import MAX_BODY
from warroom.sources.httpjson import load_json, parse_time
from warroom.sources.kube_actions import KubeActions, _selector
from warroom.sources.kube_snapshot import ClusterSnapshot, KubeEvent, PodState, deployment_state, pod_state
from warroom.sources.kube_target import KubeError, KubeTarget, describe_target, kubeconfig_paths

# Names that used to be defined here, re-exported for callers that import them from this module.
from warroom.sources.kube_actions import HASH_LABEL as HASH_LABEL, RESTARTED_AT as RESTARTED_AT  # noqa: I001
from warroom.sources.kube_actions import UNDO_SKIP_ANNOTATIONS as UNDO_SKIP_ANNOTATIONS
from warroom.sources.kube_snapshot import BAD_REASONS as BAD_REASONS, REVISION as REVISION
from warroom.sources.kube_snapshot import DeploymentState as DeploymentState


class KubeSource(KubeActions):
    """One cluster connection (per kubeconfig context), reused; blocking, for worker threads."""

    def __init__(self, cfg: KubernetesConfig, context: str | None = None,
                 namespace: str | None = None) -> None:
        self.cfg = cfg
        self.context = context
        self.namespace_override = namespace
        self._lock = threading.Lock()
        self._api: Any = None
        self._target: KubeTarget | None = None
        self._reader: threading.Thread | None = None

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
        box: dict[str, Any] = {}

        def run() -> None:
            try:
                resp = getattr(impl, method)(*args, _preload_content=False,
                                             _request_timeout=self.cfg.timeout, **kwargs)
                # An answer is read up to MAX_BODY and no further (a hostile or broken server
                # announcing or streaming hundreds of MiB is refused, not held in memory).
                declared = str(resp.headers.get("Content-Length", "") or "")
                if declared.isdigit() and int(declared) > MAX_BODY:
                    box["too_big"] = int(declared)
                    resp.release_conn()
                    return
                data = resp.read(MAX_BODY + 1)
                resp.release_conn()
                if len(data) > MAX_BODY:
                    box["too_big"] = len(data)
                    return
                box["data"] = data
            except BaseException as exc:  # noqa: BLE001 - handed to the caller below
                box["exc"] = exc

        # The client's timeout bounds each socket read; a server dripping its answer would hold
        # the call for ever. The call runs on a daemon thread waited for only until the deadline.
        worker = threading.Thread(target=run, name="warroom-kube-call", daemon=True)
        worker.start()
        worker.join(self.cfg.timeout + 0.5)
        if worker.is_alive():
            writes = method.startswith(("patch", "create", "replace", "delete"))
            raise KubeError(f"no whole answer from the API server {self.target().server} within"
                            f" {self.cfg.timeout:g}s: too slow"
                            + ("; the change may or may not have been applied: check before retrying"
                               if writes else ""), "slow")
        if "too_big" in box:
            raise KubeError(f"the API server at {self.target().server} answered more than"
                            f" {MAX_BODY // 2**20} MiB; refused", "error")
        try:
            if "exc" in box:
                raise box["exc"]
            data = box["data"]
        except ApiException as exc:
            status = int(exc.status or 0)
            raise KubeError(self._explain_status(exc),
                            "unauthorized" if status in (401, 403) else "error") from None
        except Exception as exc:  # urllib3 transport errors: every one becomes the pane's sentence
            text = self._explain_transport(exc)
            kind = "slow" if "no answer" in text else "refused" if "refused" in text else "down"
            raise KubeError(text, kind) from None
        try:
            return load_json(data)
        except ValueError:
            raise KubeError(f"the API server at {self.target().server} did not answer JSON") from None

    def _explain_status(self, exc: Any) -> str:
        message = None
        try:
            body = load_json(exc.body or b"{}")
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
        """Deployments, their pods and recent warning events; never raises, and returns within
        ``kubernetes.timeout`` (+ a second) whatever the API server does.

        The client's timeout bounds each socket read, so a server trickling its answer could hold
        the read for ever: the reads run on a daemon thread that is waited for only until the
        deadline (a daemon never holds the process's exit). While an earlier snapshot's thread is
        still stuck, no new one is started, so stuck reads never pile up.
        """
        if not self.cfg.enabled:
            return ClusterSnapshot(None, error="kubernetes.enabled = false: not polled",
                                   fetched_at=stime.now(), error_kind="off")
        try:
            target = self.target()
        except KubeError as exc:
            return ClusterSnapshot(None, error=str(exc), fetched_at=stime.now(), error_kind=exc.kind)
        with self._lock:
            busy = self._reader is not None and self._reader.is_alive()
        if busy:
            return ClusterSnapshot(target, error=f"the API server {target.server} has not finished"
                                   " answering the previous poll: too slow", fetched_at=stime.now(),
                                   error_kind="slow")
        box: dict[str, Any] = {}

        def read() -> None:
            try:
                box["snap"] = self._snapshot(target)
            except KubeError as exc:
                box["snap"] = ClusterSnapshot(target, error=str(exc), fetched_at=stime.now(),
                                              error_kind=exc.kind)
            except Exception as exc:  # noqa: BLE001 - handed to the poll as the pane's sentence
                box["snap"] = ClusterSnapshot(target, error=f"reading the cluster failed: {exc}",
                                              fetched_at=stime.now(), error_kind="error")

        reader = threading.Thread(target=read, name="warroom-kube", daemon=True)
        with self._lock:
            self._reader = reader
        reader.start()
        # Several requests make a snapshot; each is bounded by the timeout, the whole by 3x.
        reader.join(self.cfg.timeout * 3 + 1.0)
        snap = box.get("snap")
        if snap is None:
            return ClusterSnapshot(target, error=f"no whole answer from the API server {target.server}"
                                   f" within {self.cfg.timeout * 3 + 1.0:g}s: too slow",
                                   fetched_at=stime.now(), error_kind="slow")
        return snap

    def _snapshot(self, target: KubeTarget) -> ClusterSnapshot:
        ns = target.namespace
        notes: list[str] = []
        deps: list[dict[str, Any]] = []
        if self.cfg.label_selector:
            deps = self._call("apps", "list_namespaced_deployment", ns,
                              label_selector=self.cfg.label_selector).get("items") or []
        else:
            kinds: list[str] = []
            for name in self.cfg.deployments:
                try:
                    deps.append(self.deployment(name))
                except KubeError as exc:
                    notes.append(f"deployment {name}: {exc}")
                    kinds.append(exc.kind)
            if not deps and notes:
                raise KubeError("; ".join(notes), kinds[0] if len(set(kinds)) == 1 else "error")
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
            notes=tuple(notes), fetched_at=stime.now(),
        )

    def _events(self, ns: str, names: list[str], notes: list[str], limit: int = 10,
                within: float = 3600.0) -> tuple[KubeEvent, ...]:
        try:
            items = self._call("core", "list_namespaced_event", ns,
                               field_selector="type=Warning").get("items") or []
        except KubeError as exc:
            notes.append(f"events: {exc}")
            return ()
        now = stime.now()
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
