"""What the drill cluster holds, as ``kubectl`` sees it: kinds, objects, pods, events.

Each kind lists its objects once, as ``Obj``: the API-shaped dict (what ``-o json|yaml|jsonpath``
print and runbook scripts parse, e.g. ``{.spec.template.spec.containers[0].image}``) beside its
``get`` row. ``get``, ``describe``, ``delete`` and ``patch`` all look objects up through
``objects``, so what one verb sees the others see. Pods and events are derived from the
deployments' revision history, so they tell the same story as the curves.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from warroom.drill import autoscale, fleet
from warroom.drill.activity import iso, unit
from warroom.drill.actions import Action
from warroom.drill.cluster import NODES, Deployment, Revision, build_cluster, cordoned, short_hash
from warroom.drill.standins.base import Context, Pod, age, tabwrite

# canonical kind -> (API singular and plural first, then other names kubectl accepts; API group;
#                    ``get`` columns after NAME, then after "|" the ones ``-o wide`` adds)
KIND_TABLE = {
    "pods": ("pod pods po", "", "READY,STATUS,RESTARTS,AGE|IP,NODE,NOMINATED NODE,READINESS GATES"),
    "deployments": ("deployment deployments deploy", "apps",
                    "READY,UP-TO-DATE,AVAILABLE,AGE|CONTAINERS,IMAGES,SELECTOR"),
    "events": ("event events ev", "", "LAST SEEN,TYPE,REASON,OBJECT,MESSAGE"),       # no NAME column
    "nodes": ("node nodes no", "", "STATUS,ROLES,AGE,VERSION"),
    "hpa": ("horizontalpodautoscaler horizontalpodautoscalers", "autoscaling",
            "REFERENCE,TARGETS,MINPODS,MAXPODS,REPLICAS,AGE"),
    "replicasets": ("replicaset replicasets rs", "apps", "DESIRED,CURRENT,READY,AGE|CONTAINERS,IMAGES,SELECTOR"),
    "services": ("service services svc", "", "TYPE,CLUSTER-IP,EXTERNAL-IP,PORT(S),AGE|SELECTOR"),
    "endpoints": ("endpoints endpoints ep", "", "ENDPOINTS,AGE"),
    "configmaps": ("configmap configmaps cm", "", "DATA,AGE"),
    "secrets": ("secret secrets", "", "TYPE,DATA,AGE"),
    "namespaces": ("namespace namespaces ns", "", "STATUS,AGE"),
    "networkpolicies": ("networkpolicy networkpolicies netpol", "networking.k8s.io", ""),
    "statefulsets": ("statefulset statefulsets sts", "apps", "READY,AGE"),
    "persistentvolumeclaims": ("persistentvolumeclaim persistentvolumeclaims pvc", "", ""),
    # kinds every cluster serves and the drill's estate has none of: kubectl says "No resources found"
    "ingresses": ("ingress ingresses ing", "networking.k8s.io", ""), "jobs": ("job jobs", "batch", ""),
    "cronjobs": ("cronjob cronjobs cj", "batch", ""), "daemonsets": ("daemonset daemonsets ds", "apps", ""),
    "poddisruptionbudgets": ("poddisruptionbudget poddisruptionbudgets pdb", "policy", ""),
}
KINDS = {alias: kind for kind, (names, group, _) in KIND_TABLE.items()
         for alias in (kind, *names.split(), *(f"{n}.{group}" for n in names.split()[:2] if group))}


def api_name(kind: str, plural: bool = False) -> str:
    """How kubectl names a kind in its answers: ``deployment.apps/x``, ``deployments.apps "x" not found``."""
    names, group, _ = KIND_TABLE.get(KINDS.get(kind.lower(), ""), (f"{kind} {kind}", "", ""))
    return names.split()[plural] + f".{group}" * bool(group)


@dataclass(frozen=True)
class Obj:
    """One object: its API shape and its ``get`` row (the cells after NAME, then the wide ones)."""

    api: dict[str, Any]
    row: tuple[object, ...]
    wide: tuple[object, ...] = ()
    describe: str | None = None         # ``kubectl describe``'s text; None: not simulated for the kind

    @property
    def name(self) -> str:
        return str(self.api["metadata"]["name"])

    @property
    def labels(self) -> dict[str, str]:
        return self.api["metadata"].get("labels", {})


def _api(ctx: Context, kind: str, name: str, namespace: str | None, created: float, meta: dict[str, Any] | None = None,
         **rest: Any) -> dict[str, Any]:
    """An object's API shape, made at scenario second ``created``: the moment its AGE counts from (``made``); ``meta``:
    its labels, annotations... after its name, namespace and creation."""
    head: dict[str, Any] = {"name": name} | ({"namespace": namespace} if namespace else {})
    return {"apiVersion": "v1", "kind": kind, "metadata": head | {"creationTimestamp": iso(ctx.wall(created))}
            | (meta or {}), **rest}


def made(ctx: Context, kind: str, name: str, before: float, namespace: str | None = None) -> float:
    """When ``kind/name`` was last created in the drill (``kubectl create``), else ``before`` (made before it began);
    ``namespace``: in that one alone (a record naming none: production's)."""
    return max((a.t for a in ctx.cluster.log if a.action == "create" and a.detail.get("name") == name
                and a.detail.get("kind") == kind and namespace in (None, a.detail.get("namespace") or fleet.NAMESPACE)),
               default=before)


# ------------------------------------------------------------------------------ pods
def deployment_pods(ctx: Context, dep: Deployment) -> list[Pod]:
    """The pods a deployment has at the context's moment (old ones terminating during a rollout), as
    the cluster places them (``Cluster.pods``: the schedule READY, the autoscaler and the curves count)."""
    out: list[Pod] = []
    for i, rev, created, status, node, replaced in ctx.cluster.pods(dep, ctx.t):
        name = f"{dep.name}-{rev.template_hash}-{short_hash(dep.name, rev.template_hash, i, n=5)}"
        # made in the drill (by its revision's rollout, a scale, or in place of one drained or deleted): a suffix of
        # its own, as a ReplicaSet draws one, so no name comes back after a scale to zero and up, or an undo
        born = dep.born.get(i, rev.made_at)      # (a later start of its index is another pod's)
        if replaced or (origin := max(rev.made_at, born if born <= created else rev.made_at)) >= 0:
            name = name[:-5] + short_hash(name, created if replaced else origin, n=5)
        restarts = int(short_hash(name, "r", n=1) in "bcd") if created < ctx.t - 86400 else 0
        ready = status == "Running" and not stuck(ctx, dep, created)
        out.append(Pod(name, dep.namespace, dep.name, rev.template_hash, ready, status, restarts,
                       created, node, _ip(name) if node else None, rev.image, dep.container, i,
                       tuple(dep.pod_labels(rev).items())))
    return out


def stuck(ctx: Context, dep: Deployment, created: float) -> bool:
    """Whether the pod of ``dep`` started at ``created`` is an audit shipper that lost its sink or whose login the
    store refuses: running, its readiness probe failing (``Signals.audit_held``: its Service sends it nothing)."""
    return dep.name == fleet.AUDIT_DEPLOYMENT and (ctx.signals.audit_stuck(created, ctx.t)
                                                   or ctx.signals.audit_refused(created))


def _ip(name: str) -> str:
    h = sum(map(ord, name))
    return f"10.42.{h % 4}.{h % 250 + 3}"


def all_pods(ctx: Context, namespace: str | None) -> list[Pod]:
    """Every pod of the cluster (in ``namespace``), each with an address of its own: two names that hash to one
    address (a FlowEngine pod and postgres' shared 10.42.1.154) are told apart as IPAM would, the older keeping
    it and the newer taking the next free one; over the whole cluster, so ``-n`` and ``-A`` agree."""
    # a deleted deployment's pods terminate, as a scale to zero's do (``Deployment.pods``)
    pods = [p for d in (*ctx.cluster.deployments.values(), *ctx.cluster.gone.values()) for p in deployment_pods(ctx, d)]
    # a stateful set's pod: drained, it terminates (a step), then its controller makes it again under its name, on
    # another node, starting a step (as a deployment's drained pod: ``Cluster.pods``; fix50f left it Running at once)
    spot, born, _, was = ctx.cluster.settle((-45 * 86400.0, "node-3"), 3, -45 * 86400.0, ctx.t)
    node = spot[1] if spot is not None and spot[0] <= ctx.t else None
    status = "Running" if node else "Pending"
    if was is not None and was[0] is not None and ctx.t < born + 2 * PROM_STEP:
        gone = ctx.t < born + PROM_STEP
        node, born, status = (was[0][1], was[1], "Terminating") if gone else (node, born + PROM_STEP, status)
        status = "ContainerCreating" if status == "Running" else status
    pods.append(Pod("prometheus-0", "monitoring", "prometheus", "", status == "Running", status, 0, born, node,
                    "10.42.3.17" if born < 0 else _ip(f"prometheus-0-{born}"), "prom/prometheus:v2.48.1", "prometheus"))
    used: dict[str, str] = {}
    for p in sorted((p for p in pods if p.ip), key=lambda p: (p.created, p.name)):
        ip = str(p.ip)
        while ip in used:
            head, last = ip.rsplit(".", 1)
            ip = f"{head}.{(int(last) - 2) % 252 + 3}"
        used[ip] = p.name
    mine = {name: ip for ip, name in used.items()}
    return [replace(p, ip=mine.get(p.name, p.ip)) for p in pods if namespace in (None, p.namespace)]


PROBE_FAILED = "Readiness probe failed: HTTP probe failed with statuscode: 503"     # an audit shipper stuck (``stuck``)
PROM_STEP = 15.0       # seconds Prometheus' pod takes to stop, and to start (a one-pod deployment's step)
PROGRESS_DEADLINE = 600    # seconds a rollout may make no progress before it is failed (progressDeadlineSeconds)
GRACE = 30             # seconds a deleted pod's containers have to stop (terminationGracePeriodSeconds' default)
DAY = 86400.0          # the estate was made N.5 days back: its AGE reads N days for 12 hours either side of 0
UNSCHEDULABLE = (f"0/{len(NODES)} nodes are available: {len(NODES)} node(s) were unschedulable. preemption: "
                 f"0/{len(NODES)} nodes are available: {len(NODES)} Preemption is not helpful for scheduling.")


def pod_obj(ctx: Context, p: Pod) -> Obj:
    restarts = str(p.restarts) + (f" ({age(ctx.t - p.created - 3600)} ago)" if p.restarts else "")
    containers = {"containers": [{"name": p.container, "image": p.image}]}
    status = {"phase": "Running" if p.status in ("Running", "Terminating") else "Pending", "podIP": p.ip,
              "containerStatuses": [{"name": p.container, "ready": p.ready, "restartCount": p.restarts,
                                     "image": p.image}], "startTime": iso(ctx.wall(p.created))} if p.node else {"phase": "Pending", "conditions": [
                  {"type": "PodScheduled", "status": "False", "reason": "Unschedulable", "message": UNSCHEDULABLE}]}
    api = _api(ctx, "Pod", p.name, p.namespace, p.created, {"labels": p.labels},
               spec={"nodeName": p.node, **containers} if p.node else containers, status=status)
    return Obj(api, ("1/1" if p.ready else "0/1", p.status, restarts, age(ctx.t - p.created)),
               (p.ip or "<none>", p.node or "<none>", "<none>", "<none>"))


def _lines(labels: dict[str, str], indent: int, sep: str = "") -> str:
    """Labels as ``describe`` prints them: one ``key=value`` a line, by key, under the first (after ``indent``
    spaces, or ``sep``: a tab for ``tabwrite``); ``<none>`` if none."""
    return ("\n" + " " * indent + sep).join(f"{k}={v}" for k, v in sorted(labels.items())) or "<none>"


def describe_pod(ctx: Context, o: Obj) -> str:
    """``kubectl describe pod``: its phase (Terminating once deleted), its container's state (Waiting while it is
    created), and the events ``kubectl get events`` lists about it."""
    p = next(p for p in all_pods(ctx, o.api["metadata"]["namespace"]) if p.name == o.name)
    state = "Running" if p.status in ("Running", "Terminating") else "Waiting"
    said = events(ctx, o.api["metadata"]["namespace"])
    status, w = [("Status", o.api["status"]["phase"])], 18
    if p.status == "Terminating":       # since its deletion timestamp: the delete (its Killing) and 30 s of grace
        gone = next((ctx.drill.scenario_time(datetime.fromisoformat(e.api["lastTimestamp"]).timestamp()) for e in said
                     if e.api["reason"] == "Killing" and e.api["involvedObject"]["name"] == p.name), ctx.t)
        status, w = [("Status", f"Terminating (lasts {age(ctx.t - gone - GRACE)})"),
                     ("Termination Grace Period", f"{GRACE}s")], 27
    head = [("Name", p.name), ("Namespace", p.namespace), ("Node", f"{p.node}/{p.ip}" if p.node else "<none>"),
            ("Start Time", iso(ctx.wall(p.created))), ("Labels", _lines(p.labels, w)), *status, ("IP", p.ip or "")]
    events_text = _said(ctx, o, said)
    return ("".join(f"{k + ':':<{w}}{v}\n" for k, v in head)
            + f"Containers:\n  {p.container}:\n    Image:          {p.image}\n"
            f"    State:          {state}\n"
            + f"      Reason:       {p.status}\n" * (state == "Waiting" and p.node is not None)
            + f"    Ready:          {p.ready}\n    Restart Count:  {p.restarts}\n"
            f"    Limits:\n      cpu:     1\n      memory:  3Gi\n"
            f"Conditions:\n  Type              Status\n  Ready             {p.ready}\n"
            + ("Events:           <none>\n" if events_text.startswith("Events:\t") else tabwrite(events_text)))


DESCRIBE_NODE = """Name:               {name}
Roles:              <none>
Taints:             {taints}
Unschedulable:      {off}
Conditions:
  Type             Status  Reason                       Message
  MemoryPressure   False   KubeletHasSufficientMemory   kubelet has sufficient memory available
  DiskPressure     False   KubeletHasNoDiskPressure     kubelet has no disk pressure
  Ready            True    KubeletReady                 kubelet is posting ready status
Allocatable:
  cpu:     4
  memory:  16Gi
Non-terminated Pods:          ({n} in total)
  Namespace                   Name
{pods}"""


# ------------------------------------------------------------------------------ the other kinds
def deployment_obj(ctx: Context, dep: Deployment) -> Obj:
    cur, ready, updated = dep.current, ctx.cluster.ready(dep, ctx.t), dep.updated(ctx.t)
    ready -= sum(status == "Running" and stuck(ctx, dep, created) for _, _, created, status, _, _ in
                 ctx.cluster.pods(dep, ctx.t))
    # its ReplicaSets' pods (``_replicasets``): mid-rollout old and new hold more than desired
    held = sum(status != "Terminating" for _, _, _, status, _, _ in ctx.cluster.pods(dep, ctx.t))
    ann = {"deployment.kubernetes.io/revision": str(cur.number)}
    if cur.cause and cur.cause != "<none>":
        ann["kubernetes.io/change-cause"] = cur.cause
    labels, selector = ({"app": dep.name} if m is None else m for m in (dep.labels, dep.selector))
    pods = {k: v for k, v in dep.pod_labels(cur).items() if k != "pod-template-hash"}     # the ReplicaSet adds it
    template_meta = {"labels": pods} | ({"annotations": dict(cur.annotations)} if cur.annotations else {})
    available = ready >= max(1, dep.replicas - 1) or dep.replicas == 0
    late = bool(cur.stalls) and ctx.t >= cur.at + PROGRESS_DEADLINE     # a stalled rollout (``Deployment.pods``)
    meta = ({"labels": labels} if labels else {}) | {"annotations": ann, "generation": cur.number + 3}
    api = _api(ctx, "Deployment", dep.name, dep.namespace, float(dep.created), meta, apiVersion="apps/v1", spec={
        "replicas": dep.replicas, "selector": {"matchLabels": selector},
        "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}},
        "template": {"metadata": template_meta, "spec": {"containers": [_container(dep, cur)]}}}, status={
        "observedGeneration": cur.number + 3, "replicas": held, "updatedReplicas": updated, "readyReplicas": ready,
        "availableReplicas": ready, **({"unavailableReplicas": held - ready} if held > ready else {}),  # none at 0
        "conditions": [{"type": "Available", "status": str(available),
                        "reason": f"MinimumReplicas{'' if available else 'Un'}available"},
                       {"type": "Progressing", "status": str(not late), "reason": "ProgressDeadlineExceeded" if late
                        else "NewReplicaSetAvailable" if ctx.t >= dep.rollout_done_at() else "ReplicaSetUpdated"}]})
    return Obj(api, (f"{ready}/{dep.replicas}", updated, ready, age(ctx.t - float(dep.created))),
               (dep.container, cur.image, ",".join(f"{k}={v}" for k, v in selector.items()) or "<none>"))


def _container(dep: Deployment, rev: Revision) -> dict[str, Any]:
    """The container a revision of ``dep`` runs, as its pod template holds it (the deployment's, its ReplicaSet's)."""
    return {"name": dep.container, "image": rev.image, "imagePullPolicy": "IfNotPresent",
            "ports": [{"containerPort": dep.port, "name": "http", "protocol": "TCP"}],
            "env": [{"name": k, "value": v} for k, v in rev.env.items()],
            "resources": {"limits": {"cpu": "1", "memory": "3Gi"}, "requests": {"cpu": "500m", "memory": "1Gi"}}} | (
        {"readinessProbe": {"httpGet": {"path": "/health", "port": dep.port}, "periodSeconds": 10}}    # ``stuck``
        if dep.name == fleet.AUDIT_DEPLOYMENT else {})


def _made(api: dict[str, Any]) -> str:
    """An object's creation as ``describe`` prints it (RFC 1123 with a numeric zone)."""
    return f"{datetime.fromisoformat(api['metadata']['creationTimestamp']):%a, %d %b %Y %H:%M:%S +0000}"


def _pod_template(template: dict[str, Any]) -> str:
    """``describe``'s Pod Template section (kubectl's DescribePodTemplate), for ``tabwrite``."""
    c = template["spec"]["containers"][0]
    resources = [f"    {title}:\n" + "".join(f"      {k}:\t{v}\n" for k, v in c["resources"][key].items())
                 for title, key in (("Limits", "limits"), ("Requests", "requests"))]
    return (f"Pod Template:\n  Labels:\t{_lines(template['metadata']['labels'], 0, sep=chr(9))}\n  Containers:\n"
            f"   {c['name']}:\n    Image:\t{c['image']}\n    Port:\t{c['ports'][0]['containerPort']}/TCP\n"
            "    Host Port:\t0/TCP\n" + "".join(resources) + "".join(
                f"    Readiness:\thttp-get http://:{probe['httpGet']['port']}{probe['httpGet']['path']} delay=0s "
                f"timeout=1s period={probe['periodSeconds']}s #success=1 #failure=3\n"
                for probe in c.get("readinessProbe") and [c["readinessProbe"]] or [])
            + "    Environment:" + ("\n" if c["env"] else "\t<none>\n")
            + "".join(f"      {e['name']}:\t{e['value']}\n" for e in c["env"])
            + "    Mounts:\t<none>\n  Volumes:\t<none>\n")


# who reports each event (``describe``'s From column)
SOURCES = {"Scheduled": "default-scheduler", "FailedScheduling": "default-scheduler", "Pulled": "kubelet",
           "Started": "kubelet", "Killing": "kubelet", "Unhealthy": "kubelet", "Failed": "kubelet",
           "BackOff": "kubelet",
           "SuccessfulCreate": "replicaset-controller",
           "SuccessfulDelete": "replicaset-controller",
           "ScalingReplicaSet": "deployment-controller", "SuccessfulRescale": "horizontal-pod-autoscaler"}


def _said(ctx: Context, o: Obj, listed: list[Obj] | None = None) -> str:
    """``describe``'s Events section: the events ``kubectl get events`` lists (``listed``) about ``o``."""
    said = [e.row for e in (events(ctx, o.api["metadata"]["namespace"]) if listed is None else listed)
            if e.api["involvedObject"] == {"kind": o.api["kind"], "name": o.name}]
    return ("Events:\n  Type\tReason\tAge\tFrom\tMessage\n  ----\t------\t----\t----\t-------\n"
            + "".join(f"  {k}\t{r}\t{a}\t{SOURCES[r]}\t{m}\n" for a, k, r, _, m in said) if said
            else "Events:\t<none>\n")


def describe_deployment(ctx: Context, o: Obj) -> str:
    """``kubectl describe deployment``, as kubectl's DeploymentDescriber writes it (a tab before each value, then
    its tabwriter: ``tabwrite``), drawn from the object ``get -o yaml`` shows so the two cannot disagree; its
    ReplicaSets from the pods that carry their hash, and the events about it from ``kubectl get events``."""
    meta, spec, status = o.api["metadata"], o.api["spec"], o.api["status"]
    n, ready = spec["replicas"], status["availableReplicas"]
    dep = ctx.cluster.deployments[o.name]
    rs = Counter(p.template_hash for p in deployment_pods(ctx, dep) if p.status != "Terminating")
    new = dep.current.template_hash
    return tabwrite(
        f"Name:\t{o.name}\nNamespace:\t{meta['namespace']}\nCreationTimestamp:\t{_made(o.api)}\n"
        f"Labels:\t{_lines(meta.get('labels', {}), 0, sep=chr(9))}\n"
        f"Annotations:\t{_lines(meta['annotations'], 0, sep=chr(9)).replace('=', ': ')}\n"
        f"Selector:\t{','.join(f'{k}={v}' for k, v in spec['selector']['matchLabels'].items())}\n"
        f"Replicas:\t{n} desired | {status['updatedReplicas']} updated | {status['replicas']} total | {ready} "
        f"available | {status.get('unavailableReplicas', 0)} unavailable\nStrategyType:\tRollingUpdate\nMinReadySeconds:\t0\n"
        "RollingUpdateStrategy:\t25% max unavailable, 25% max surge\n" + _pod_template(spec["template"])
        + "Conditions:\n  Type\tStatus\tReason\n  ----\t------\t------\n"
        + "".join(f"  {k['type']}\t{k['status']}\t{k['reason']}\n" for k in status["conditions"])
        + "OldReplicaSets:\t" + (", ".join(f"{o.name}-{h} ({k}/{k} replicas created)" for h, k in rs.items()
                                           if h != new) or "<none>")
        + f"\nNewReplicaSet:\t{o.name}-{new} ({rs.get(new, 0)}/{n} replicas created)\n"
        + _said(ctx, o))


def _replicasets(ctx: Context, scope: str | None) -> list[Obj]:
    """Each deployment's ReplicaSets, one per pod template it has had (the old ones kept at 0, as a
    deployment's revision history keeps them): its replicas are the pods that carry its hash and are not
    terminating, so its scaling is what the ``ScalingReplicaSet`` events and ``describe deployment`` say."""
    out = []
    for dep in (d for d in ctx.cluster.deployments.values() if scope in (None, d.namespace)):
        pods = [p for p in deployment_pods(ctx, dep) if p.status != "Terminating"]
        first = dep.sets_made                                                  # created with its first revision
        for rev in {r.template_hash: r for r in dep.history}.values():         # its latest revision
            h, mine = rev.template_hash, [p for p in pods if p.template_hash == rev.template_hash]
            n, ready, labels = len(mine), sum(p.ready for p in mine), dep.pod_labels(rev)
            # the controller's note of the replicas wanted when it last scaled it: now, or when a rollout left it
            left = max((at for at, was, _ in dep.rollouts if was == h and rev is not dep.current), default=None)
            wanted = dep.replicas if left is None else replicas_before(ctx, dep.name, left)
            meta = {"labels": labels, "annotations": {
                "deployment.kubernetes.io/desired-replicas": str(wanted),
                "deployment.kubernetes.io/max-replicas": str(wanted + -(-wanted // 4)),     # + maxSurge 25%, up
                "deployment.kubernetes.io/revision": str(rev.number)},
                    "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": dep.name,
                                         "controller": True}]}
            api = _api(ctx, "ReplicaSet", f"{dep.name}-{h}", dep.namespace, first[h], meta, apiVersion="apps/v1",
                       spec={"replicas": n, "selector": {"matchLabels": labels}, "template": {
                           "metadata": {"labels": labels}, "spec": {"containers": [_container(dep, rev)]}}},
                       status={"replicas": n, "readyReplicas": ready, "availableReplicas": ready})
            out.append(Obj(api, (n, n, ready, age(ctx.t - first[h])),
                           (dep.container, rev.image, ",".join(f"{k}={v}" for k, v in labels.items()))))
    return out


def describe_replicaset(ctx: Context, o: Obj) -> str:
    """``kubectl describe rs`` (kubectl's ReplicaSetDescriber) from the object ``get rs -o yaml`` shows, its pods
    counted from ``get pods``."""
    meta, spec, h = o.api["metadata"], o.api["spec"], o.labels["pod-template-hash"]
    pods = [p for p in all_pods(ctx, meta["namespace"]) if p.template_hash == h and p.status != "Terminating"]
    running = sum(p.status == "Running" for p in pods)
    owner = meta["ownerReferences"][0]
    return tabwrite(
        f"Name:\t{o.name}\nNamespace:\t{meta['namespace']}\n"
        f"Selector:\t{','.join(f'{k}={v}' for k, v in spec['selector']['matchLabels'].items())}\n"
        f"Labels:\t{_lines(o.labels, 0, sep=chr(9))}\n"
        f"Annotations:\t{_lines(meta['annotations'], 0, sep=chr(9)).replace('=', ': ')}\n"
        f"Controlled By:\t{owner['kind']}/{owner['name']}\n"
        f"Replicas:\t{o.api['status']['replicas']} current / {spec['replicas']} desired\n"
        f"Pods Status:\t{running} Running / {len(pods) - running} Waiting / 0 Succeeded / 0 Failed\n"
        + _pod_template(spec["template"]) + _said(ctx, o))


SERVICES = ((fleet.NAMESPACE, fleet.DEPLOYMENT, 8080, 8080), (fleet.NAMESPACE, fleet.AUDIT_DEPLOYMENT, 8080, 9000),
            (fleet.NAMESPACE, "postgres", 5432, 5432), ("monitoring", "prometheus", 9090, 9090))
# (namespace, name, port, the port its pods' container listens on: ``Deployment.port``)


def _services(ctx: Context, scope: str | None, endpoints: bool = False) -> list[Obj]:
    """The estate's Services, each selecting ``app=NAME`` (FlowEngine's also selects a canary applied beside
    it: ``Cluster.serves``), made with the estate and kept whatever happens to their pods; with ``endpoints``,
    their Endpoints: the pods each selects with an address, not terminating, the ready ones apart from the others
    (``notReadyAddresses``), each by address as the endpoints controller sorts them; its row the first three ready,
    then how many more."""
    out, pods = [], [p for p in all_pods(ctx, scope) if p.ip and p.status != "Terminating"]
    for ns, name, port, target in sorted(s for s in SERVICES if scope in (None, s[0])):
        made = -90.5 * DAY
        if endpoints:
            mine = sorted((p for p in pods if p.namespace == ns and p.labels.get("app") == name), key=lambda p: p.ip)
            ready = [p for p in mine if p.ready]
            shown = ",".join(f"{p.ip}:{target}" for p in ready[:3]) + f" + {len(ready) - 3} more..." * (len(ready) > 3)
            addresses = {key: [{"ip": p.ip, "nodeName": p.node, "targetRef": {"kind": "Pod", "name": p.name,
                                                                              "namespace": ns}} for p in these]
                         for key, these in (("addresses", ready),
                                            ("notReadyAddresses", [p for p in mine if not p.ready])) if these}
            subsets = [addresses | {"ports": [{"port": target, "protocol": "TCP"}]}] if mine else []
            api = _api(ctx, "Endpoints", name, ns, made, subsets=subsets)
            out.append(Obj(api, (shown or "<none>", age(ctx.t - made))))
            continue
        h = sum(map(ord, name))
        ip = f"10.96.{h % 200 + 10}.{h * 7 % 250 + 2}"
        api = _api(ctx, "Service", name, ns, made, {"labels": {"app": name}}, spec={
            "type": "ClusterIP", "clusterIP": ip, "clusterIPs": [ip], "ipFamilies": ["IPv4"],
            "ipFamilyPolicy": "SingleStack", "selector": {"app": name}, "sessionAffinity": "None",
            "ports": [{"name": "http" if port == 8080 else name, "port": port, "protocol": "TCP",
                       "targetPort": target}]})
        out.append(Obj(api, ("ClusterIP", ip, "<none>", f"{port}/TCP", age(ctx.t - made)), (f"app={name}",)))
    return out


def describe_service(ctx: Context, o: Obj) -> str:
    """``kubectl describe svc`` (kubectl's describeService) from the object ``get svc -o yaml`` shows, its endpoints
    as ``get endpoints`` lists them."""
    meta, spec, [port] = o.api["metadata"], o.api["spec"], o.api["spec"]["ports"]
    [ep] = [e for e in _services(ctx, meta["namespace"], endpoints=True) if e.name == o.name]
    return tabwrite(
        f"Name:\t{o.name}\nNamespace:\t{meta['namespace']}\nLabels:\t{_lines(o.labels, 0, sep=chr(9))}\n"
        f"Annotations:\t<none>\nSelector:\t{','.join(f'{k}={v}' for k, v in spec['selector'].items())}\n"
        f"Type:\t{spec['type']}\nIP Family Policy:\t{spec['ipFamilyPolicy']}\nIP Families:\t{spec['ipFamilies'][0]}\n"
        f"IP:\t{spec['clusterIP']}\nIPs:\t{','.join(spec['clusterIPs'])}\n"
        f"Port:\t{port['name']}\t{port['port']}/{port['protocol']}\n"
        f"TargetPort:\t{port['targetPort']}/{port['protocol']}\nEndpoints:\t{ep.row[0]}\n"
        f"Session Affinity:\t{spec['sessionAffinity']}\n" + _said(ctx, o))


def _nodes(ctx: Context, scope: str | None) -> list[Obj]:
    off, pods = cordoned(ctx.cluster.nodes, ctx.t), all_pods(ctx, None)
    return [Obj(_api(ctx, "Node", n, None, -63.5 * DAY, spec={"unschedulable": n in off}),
                ("Ready,SchedulingDisabled" if n in off else "Ready", "<none>", age(ctx.t + 63.5 * DAY), "v1.28.9"),
                describe=DESCRIBE_NODE.format(
                    name=n, off=str(n in off).lower(), n=len(here := [p for p in pods if p.node == n]),
                    taints="node.kubernetes.io/unschedulable:NoSchedule" if n in off else "<none>",
                    pods="".join(f"  {p.namespace:<28}{p.name}\n" for p in here))) for n in NODES]


def usage(ctx: Context, p: Pod, mates: list[Pod]) -> tuple[float, float]:
    """(CPU millicores, memory MiB) pod ``p`` uses now, among ``mates`` (its deployment's running pods):
    each pod's CPU spreads ±10 % around their mean (``autoscale.pod_cpu`` of its request), so their
    average is what the autoscaler reads; FlowEngine's memory follows the context size."""
    u, mean = unit(p.name, "top"), sum(unit(m.name, "top") for m in mates) / len(mates)
    cpu = autoscale.pod_cpu(p.deployment, len(mates), ctx.signals.cpu(ctx.t)) * autoscale.REQUEST / 100 * (
        1 + 0.2 * (u - mean))
    if p.deployment == fleet.DEPLOYMENT:
        return cpu, 1400 + ctx.signals.context_kb(ctx.t) * 2.2 + 120 * u
    return cpu, (180 + 40 * u) if p.deployment == fleet.AUDIT_DEPLOYMENT else (900 + 160 * u)


def _hpa(ctx: Context, scope: str | None) -> list[Obj]:
    """Each autoscaler with its bounds and CPU target; its utilisation is the mean CPU of its
    deployment's running pods over their request (as ``top pods`` shows them); no pods, no metrics;
    desired: the replicas it last set (``autoscale``); its conditions what the controller says of that (a
    recommendation outside its bounds limits it, none is made at zero replicas or without metrics)."""
    out = []
    for n, h in ctx.cluster.hpa.items():
        dep = ctx.cluster.deployments.get(n)
        ready, replicas = (ctx.cluster.ready(dep, ctx.t), dep.replicas) if dep else (0, None)
        cpu = int(autoscale.pod_cpu(n, ready, ctx.signals.cpu(ctx.t))) if ready else None
        target = {"type": "Utilization", "averageUtilization": h["cpu"]}
        spec = {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": n},
                "minReplicas": h["min"], "maxReplicas": h["max"],
                "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": target}}]}
        wants = autoscale.recommend(replicas, ready, cpu, h["cpu"]) if cpu is not None and replicas else 0
        current = {"averageUtilization": cpu, "averageValue": f"{int((cpu or 0) * autoscale.REQUEST / 100)}m"}
        status = {"currentReplicas": replicas or 0, "desiredReplicas": replicas or 0, "currentMetrics": [
            {"type": "Resource", "resource": {"name": "cpu", "current": current}}] * (cpu is not None),
            "conditions": [{"type": kind, "status": str(on), "reason": reason, "message": message}
                           for kind, on, reason, message in _hpa_conditions(n, replicas, cpu, wants, h)]}
        api = _api(ctx, "HorizontalPodAutoscaler", n, fleet.NAMESPACE, -21.5 * DAY, apiVersion="autoscaling/v2",
                   spec=spec, status=status)
        out.append(Obj(api, (f"Deployment/{n}", f"{'<unknown>' if cpu is None else f'{cpu}%'}/{h['cpu']}%",
                             h["min"], h["max"], replicas or 0, age(ctx.t + 21.5 * DAY))))
    return out


def _hpa_conditions(name: str, replicas: int | None, cpu: int | None, wants: int,
                    bounds: dict[str, Any]) -> list[tuple[str, bool, str, str]]:
    """(type, status, reason, message) of an autoscaler's conditions, in the controller's words (``replicas`` None:
    its deployment is gone)."""
    got = ("AbleToScale", True, "SucceededGetScale", "the HPA controller was able to get the target's current scale")
    if replicas is None:
        return [("AbleToScale", False, "FailedGetScale", "the HPA controller was unable to get the target's current "
                 f'scale: deployments/scale.apps "{name}" not found')]
    if not replicas:
        return [got, ("ScalingActive", False, "ScalingDisabled", "scaling is disabled since the replica count of the "
                                                                  "target is zero")]
    if cpu is None:
        return [got, ("ScalingActive", False, "FailedGetResourceMetric", "the HPA was unable to compute the replica "
                      "count: failed to get cpu utilization: did not receive metrics for any ready pods")]
    kept = min(max(wants, bounds["min"]), bounds["max"])
    return [("AbleToScale", True, "ReadyForNewScale", "recommended size matches current size") if kept == replicas
            else got, ("ScalingActive", True, "ValidMetricFound", "the HPA was able to successfully calculate a "
                       "replica count from cpu resource utilization (percentage of request)"),
            ("ScalingLimited", True, "TooManyReplicas", "the desired replica count is more than the maximum replica "
             "count") if wants > bounds["max"] else ("ScalingLimited", True, "TooFewReplicas", "the desired replica "
             "count is less than the minimum replica count") if wants < bounds["min"] else
            ("ScalingLimited", False, "DesiredWithinRange", "the desired count is within the acceptable range")]


def describe_hpa(ctx: Context, o: Obj) -> str:
    """``kubectl describe hpa`` (kubectl's autoscaling/v2 describer) from the object ``get hpa -o yaml`` shows."""
    meta, spec, status = o.api["metadata"], o.api["spec"], o.api["status"]
    ref, [metric] = spec["scaleTargetRef"], spec["metrics"]
    now = next((f"{c['averageUtilization']}% ({c['averageValue']})" for m in status["currentMetrics"]
                if (c := m["resource"]["current"])), "<unknown>")
    return tabwrite(
        f"Name:\t{o.name}\nNamespace:\t{meta['namespace']}\nLabels:\t<none>\nAnnotations:\t<none>\n"
        f"CreationTimestamp:\t{_made(o.api)}\nReference:\t{ref['kind']}/{ref['name']}\nMetrics:\t( current / target )\n"
        f"  resource cpu on pods  (as a percentage of request):\t{now} / "
        f"{metric['resource']['target']['averageUtilization']}%\nMin replicas:\t{spec['minReplicas']}\n"
        f"Max replicas:\t{spec['maxReplicas']}\n{ref['kind']} pods:\t{status['currentReplicas']} current / "
        f"{status['desiredReplicas']} desired\nConditions:\n"
        "  Type\tStatus\tReason\tMessage\n  ----\t------\t------\t-------\n"
        + "".join(f"  {c['type']}\t{c['status']}\t{c['reason']}\t{c['message']}\n" for c in status["conditions"])
        + _said(ctx, o))


# ------------------------------------------------------------------------------ events
def replicas_before(ctx: Context, name: str, t: float, also: list[Action] | None = None) -> int:
    """Deployment ``name``'s replicas just before ``t`` (and the operations ``also`` made at ``t``), the cluster
    replayed to then: a past event says what was true then, not what is now (redteam30-6)."""
    ops = [a for a in ctx.drill.actions() if a.t < t] + (also or [])
    decided = [a for a in ctx.signals.capacity.decided(t) if a.t < t]
    dep = build_cluster(ctx.drill.scenario, ops, t, decided=decided).deployments.get(name)
    return dep.replicas if dep else 0


def events(ctx: Context, ns: str | None) -> list[Obj]:
    """The last hour's events: rollouts, new pods, scaling, and the audit-shipper's failing probe."""
    out: list[tuple[float, str, str, str, str, str]] = []      # (t, namespace, type, reason, object, message)
    horizon = ctx.t - 3600
    # a deleted deployment's too: an event outlives its object (its hour)
    for dep in (d for d in (*ctx.cluster.deployments.values(), *ctx.cluster.gone.values())
                if ns in (None, d.namespace)):
        obj = f"deployment/{dep.name}"
        stalls = {(r.at, r.template_hash): r.stalls for r in dep.history}
        serving, stalled = None, ""
        for at, prev, new in dep.rollouts:      # as they happened: an undo reorders ``history``, not the past
            # a rolling update a pod at a time (``Deployment.pods``): the new set up by one, a step later the
            # old one down by one; only the steps taken by now, as every event (a rollout half done says so, not
            # "to 0"); onto pods never ready it stalls (maxSurge + maxUnavailable up, maxUnavailable down); after one
            # that did, the stalled set goes at once and the pods still serving are the old ones
            n = replicas_before(ctx, dep.name, at) if horizon <= at <= ctx.t else 0
            step, up, down, left = dep.rollout_seconds / max(1, n), -(-n // 4), n // 4, n - (n // 4) * bool(stalled)
            if stalled and n:
                out.append((at, dep.namespace, "Normal", "ScalingReplicaSet", obj, f"Scaled down replica set "
                            f"{dep.name}-{prev} to 0 from {min(n, up + down)}"))
            prev, stalled = (serving or prev) if stalled else prev, stalls.get((at, new), "")
            serving = prev if stalled else new
            for i in range(min(n, up + down) if stalled else n):
                out.append((at + i * step, dep.namespace, "Normal", "ScalingReplicaSet", obj,
                            f"Scaled up replica set {dep.name}-{new} to {i + 1}" + f" from {i}" * (i > 0)))
            for i in range(n - left, down if stalled else n):
                out.append((at + (i + 1) * step, dep.namespace, "Normal", "ScalingReplicaSet", obj,
                            f"Scaled down replica set {dep.name}-{prev} to {n - 1 - i} from {n - i}"))
        pods = deployment_pods(ctx, dep)
        out += [(p.created + 2, dep.namespace, "Warning", "Failed", f"pod/{p.name}", f'Failed to pull image '
                 f'"{p.image}": rpc error: code = NotFound desc = failed to pull and unpack image "{p.image}": failed '
                 f'to resolve reference "{p.image}": {p.image}: not found') for p in pods
                if p.status in ("ErrImagePull", "ImagePullBackOff")]
        out += [(p.created + 20, dep.namespace, "Normal", "BackOff", f"pod/{p.name}", f'Back-off pulling image '
                 f'"{p.image}"') for p in pods if p.status == "ImagePullBackOff"]
        out += [(ctx.t - 1, dep.namespace, "Warning", "FailedScheduling", f"pod/{p.name}", UNSCHEDULABLE)
                for p in pods if p.node is None]
        out += [(ctx.t - 1, dep.namespace, "Warning", "Unhealthy", f"pod/{p.name}", PROBE_FAILED)
                for p in pods if p.status == "Running" and stuck(ctx, dep, p.created)]
    out += _comings_and_goings(ctx, ns, horizon)
    in_prod = ns in (None, fleet.NAMESPACE)
    for i, a in enumerate(ctx.cluster.log):
        if a.action != "scale_to" or a.t < horizon or not in_prod:
            continue
        name, n, was = str(a.detail.get("deployment")), int(a.detail.get("replicas", 0)), 0
        if (dep := ctx.cluster.deployments.get(name) or ctx.cluster.gone.get(name)) and n != (was := replicas_before(
                ctx, name, a.t, [b for b in ctx.cluster.log[:i] if b.t == a.t])):   # kubectl's words, the set it scaled
            rs = next((new for at, _, new in reversed(dep.rollouts) if at <= a.t),
                      dep.rollouts[0][1] if dep.rollouts else dep.current.template_hash)
            out.append((a.t, fleet.NAMESPACE, "Normal", "ScalingReplicaSet", f"deployment/{name}",
                        f"Scaled {'up' if n > was else 'down'} replica set {name}-{rs} to {n} from {was}"))
    out += [(a.t, fleet.NAMESPACE, "Normal", "SuccessfulRescale", f"horizontalpodautoscaler/{a.detail['deployment']}",
             f"New size: {a.detail['replicas']}; reason: {a.detail['hpa']}") for a in ctx.cluster.log
            if "hpa" in a.detail and horizon <= a.t and in_prod]
    return [Obj(_api(ctx, "Event", f"{obj.split('/')[1]}.{int(t * 1000):x}", namespace, t, type=kind, reason=reason,
                     message=message, lastTimestamp=iso(ctx.wall(t)),
                     involvedObject={"kind": KIND_NAMES[obj.split("/")[0]], "name": obj.split("/")[1]}),
                (age(ctx.t - t), kind, reason, obj, message))
            for t, namespace, kind, reason, obj, message in sorted(out) if t <= ctx.t]     # none yet to come


Said = tuple[float, str, str, str, str, str]         # an event: (t, namespace, type, reason, object, message)


def _then(ctx: Context, t: float) -> dict[str, tuple[Pod, float]]:
    """The deployments' pods at scenario second ``t`` (no later than now) by name, each with its rollout's step: the
    cluster the operations up to then made."""
    then = ctx
    if t < ctx.t:
        then = Context(ctx.tool, [], ctx.drill, at=ctx.wall(t))
        then.__dict__["series"] = ctx.series
    every = (*then.cluster.deployments.values(), *then.cluster.gone.values())
    return {p.name: (p, d.rollout_seconds / max(1, d.replicas)) for d in every for p in deployment_pods(then, d)}


def _comings_and_goings(ctx: Context, ns: str | None, horizon: float) -> list[Said]:
    """The events of the pods of the hour, those gone since too (an event outlives its object): a pod's creation
    (its ReplicaSet's SuccessfulCreate, Scheduled, then Pulled and Started once it runs) and its end (the kubelet's
    Killing, and its ReplicaSet's SuccessfulDelete when it scaled the pod away, not when it was deleted, evicted or
    its deployment went). The pods are read just before and after each moment one may go: an operation, and each
    step of a rollout (a new pod ready, an old one goes)."""
    by_hand = {(a.t, str(a.detail.get("deployment") or a.detail.get("name") if a.action == "delete" else
                        a.detail.get("node"))) for a in ctx.cluster.log if a.action in ("delete", "node_drain")}
    seen: dict[str, tuple[Pod, bool]] = {}              # name -> (the pod, whether its container ran)
    gone: dict[str, tuple[float, Pod]] = {}
    lists: dict[float, dict[str, tuple[Pod, float]]] = {}
    todo, done = sorted({a.t for a in ctx.cluster.log if horizon <= a.t <= ctx.t}) + [ctx.t], set()
    while todo and len(done) < 400:                     # (an hour's operations and rollout steps are far fewer)
        x = todo.pop()
        if x in done:
            continue
        done.add(x)
        before, after = ({name: p for name, (p, _) in lists.setdefault(y, _then(ctx, y)).items()}
                         for y in (max(x - 0.01, horizon), min(x + 0.01, ctx.t)))
        for p in (*before.values(), *after.values()):
            seen[p.name] = seen.get(p.name, (p, False))[0], seen.get(p.name, (p, False))[1] or p.status in (
                "Running", "Terminating")
        gone |= {name: (x, p) for name, p in before.items() if name not in gone and p.status != "Terminating"
                 and (name not in after or after[name].status == "Terminating")}
        todo += [y for p, step in lists[min(x + 0.01, ctx.t)].values() if horizon <= (y := p.created + step) < ctx.t
                 and y not in done and any(o.deployment == p.deployment and o.template_hash != p.template_hash
                                           for o in after.values())]      # a rollout under way: its next step
    out: list[Said] = []
    for p, ran in (s for s in seen.values() if ns in (None, s[0].namespace)):
        if horizon <= p.created <= ctx.t and p.node:
            out += [(p.created + dt, p.namespace, "Normal", reason, obj, said) for dt, reason, obj, said in (
                (0, "SuccessfulCreate", f"replicaset/{p.deployment}-{p.template_hash}", f"Created pod: {p.name}"),
                (0, "Scheduled", f"pod/{p.name}", f"Successfully assigned {p.namespace}/{p.name} to {p.node}"),
                (2, "Pulled", f"pod/{p.name}", f'Container image "{p.image}" already present on machine'),
                (3, "Started", f"pod/{p.name}", f"Started container {p.container}")) if dt < 2 or ran]
        if p.name in gone:
            x, was = gone[p.name]
            out += [(x, p.namespace, "Normal", "Killing", f"pod/{p.name}", f"Stopping container {p.container}")] * (
                was.status == "Running")
            out += [(x, p.namespace, "Normal", "SuccessfulDelete", f"replicaset/{p.deployment}-{p.template_hash}",
                     f"Deleted pod: {p.name}")] * ((x, p.deployment) not in by_hand and (x, was.node) not in by_hand)
    return out


KIND_NAMES = {"pod": "Pod", "deployment": "Deployment", "replicaset": "ReplicaSet",
              "horizontalpodautoscaler": "HorizontalPodAutoscaler"}
NAMESPACES = ("default", "kube-node-lease", "kube-public", "kube-system", "monitoring", fleet.NAMESPACE)
LISTERS: dict[str, Callable[[Context, str | None], list[Obj]]] = {
    "pods": lambda ctx, scope: [pod_obj(ctx, p) for p in all_pods(ctx, scope)],
    "deployments": lambda ctx, scope: [deployment_obj(ctx, d) for d in ctx.cluster.deployments.values()
                                       if scope in (None, d.namespace)],
    "nodes": _nodes, "hpa": _hpa, "events": events, "replicasets": _replicasets, "services": _services,
    "endpoints": lambda ctx, scope: _services(ctx, scope, endpoints=True),
    # Prometheus is a stateful set's one pod (``all_pods``)
    "statefulsets": lambda ctx, scope: [
        Obj(_api(ctx, "StatefulSet", p.deployment, p.namespace, -45 * DAY, apiVersion="apps/v1",
                 spec={"replicas": 1, "serviceName": p.deployment, "selector": {"matchLabels": {"app": p.deployment}}},
                 status={"replicas": 1, "readyReplicas": int(p.ready)}), (f"{int(p.ready)}/1", age(ctx.t + 45 * DAY)))
        for p in all_pods(ctx, scope) if p.name == "prometheus-0"],
    # -o shows a secret's keys (sorted, as the API's maps are) with the value withheld, as RBAC would
    "secrets": lambda ctx, scope: [Obj(_api(ctx, "Secret", n, ns, made(ctx, "secret", n, -34.5 * DAY, ns),
                                            type="Opaque", data=dict.fromkeys(sorted(k), "")),
                                       ("Opaque", len(k), age(ctx.t - made(ctx, "secret", n, -34.5 * DAY, ns))))
                                   for (ns, n), k in ctx.cluster.secrets.items() if scope in (None, ns)],
    "configmaps": lambda ctx, scope: [Obj(_api(ctx, "ConfigMap", n, fleet.NAMESPACE, -34.5 * DAY, data=d),
                                          (len(d), age(ctx.t + 34.5 * DAY))) for n, d in ctx.cluster.configmaps.items()],
    "namespaces": lambda ctx, scope: [Obj(_api(ctx, "Namespace", n, None, -90.5 * DAY, {"labels": {
        "kubernetes.io/metadata.name": n}}, spec={"finalizers": ["kubernetes"]}, status={"phase": "Active"}),
        ("Active", age(ctx.t + 90.5 * DAY))) for n in NAMESPACES],
}
# kind -> its ``describe`` text from its object (nodes' is made with the object: ``Obj.describe``)
DESCRIBERS: dict[str, Callable[[Context, Obj], str]] = {
    "pods": describe_pod, "deployments": describe_deployment, "hpa": describe_hpa, "replicasets": describe_replicaset,
    "services": describe_service}


def objects(ctx: Context, kind: str, scope: str | None) -> list[Obj]:
    """Every object of ``kind`` in namespace ``scope`` (None: all), by namespace and name as the API server lists
    them (events as they happened); kinds the drill has none of list none.

    The drill keeps HPAs and configmaps in the production namespace only; secrets in the namespace each was made in."""
    if kind in ("hpa", "configmaps") and scope not in (None, fleet.NAMESPACE):
        return []
    objs = LISTERS.get(kind, lambda ctx, scope: [])(ctx, scope)
    return objs if kind == "events" else sorted(objs, key=lambda o: (o.api["metadata"].get("namespace", ""), o.name))
