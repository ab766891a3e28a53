"""The drill's Kubernetes side, rebuilt from the recorded actions: deployments, revisions, config.

Stand-ins that change something (``kubectl set env``, ``rollout undo``, ``scale``, ``blocks config
set``) record an *operation* (``set_env``, ``rollout_undo``, ...) in ``actions.jsonl``; every later
stand-in replays those operations on the scenario's starting estate, so two stand-ins never
disagree and a resumed drill sees what was done before.

Rollouts follow Kubernetes' rules closely enough to teach the real lessons: every template change
(env, image, restart annotation) makes a new revision; ``rollout undo`` returns to the previous
*revision*, which after an env change is your own change, not the release before.
"""

from __future__ import annotations

import functools
import hashlib
import math
import re
import zlib
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field, replace
from itertools import count, takewhile
from typing import Any

from warroom.drill import fleet
from warroom.drill.actions import ACTIONS, Action
from warroom.drill.scenarios import Scenario

DAY = 86400.0
Env = dict[str, str]
# FlowEngine's env before the drill; it reads its switches (true/1/yes/on) and DISABLE_PROVIDERS' names in any case
FLOWENGINE_ENV: Env = {"LOG_LEVEL": "info", "DB_POOL_SIZE": "200", "MAX_CONCURRENT_FLOWS": "50",
                       "CONTEXT_MAX_SIZE_KB": "180", "CONTEXT_PRUNING_ENABLED": "false",
                       "ENABLE_CIRCUIT_BREAKER": "false", "PII_REDACTION_ENABLED": "true",
                       "PRIMARY_MODEL": "claude-sonnet-4-5", "SCHEMA_VERSION": fleet.SCHEMA_VERSION}
# what FlowEngine reads for a key its env does not set (a step setting it to this changes nothing it reads)
UNREAD: Env = {"CIRCUIT_BREAKER_THRESHOLD": "85"}
TEMPLATE_OPS = ("set_env", "set_image", "rollout_restart", "rollout_undo")
# (``scale_to`` N replicas is the operation; ``scale``, replicas added, is what it may mean)
NODE_OPS = ("node_cordon", "node_uncordon", "node_drain")
OPERATIONS = frozenset({*TEMPLATE_OPS, *NODE_OPS, "scale_to", "config_set", "create", "delete", "patch", "apply"})
NODES = ("node-1", "node-2", "node-3", "node-4")
ESTATE = (fleet.DEPLOYMENT, fleet.AUDIT_DEPLOYMENT, "postgres")     # the deployments before the drill; others are applied
STORE_SECRET = "AUDIT_STORE_SECRET"     # the audit shipper's login to the audit store, by the secret's name
ESTATE_SECRET = "audit-store-2025-10"    # what it was before any scenario's rotation
CONFIG, EMIT = "flowengine-config", "schema.emit_version"     # FlowEngine's ConfigMap; the TaskObject schema it writes
PULL = "ErrImagePull"    # a revision's pods whose image was never built (``Cluster.pulls``): they never start
# the registry's FlowEngine builds besides a scenario's own: the estate's releases, and v1.2.0, the release
# RB-DEPLOY-002 canaries (``v1.2.0-canary``) before it promotes it
BUILDS = ("v1.0.2", "v1.0.3", fleet.GOOD_VERSION, "v1.2.0")
STARTED = 3.5           # a FlowEngine pod logs its start this long after it is created: its container started at 3
NodeLog = list[tuple[float, str, str]]          # (t, node, cordon|uncordon|drain), in order
Template = tuple[str, Env, Env, Env | None]      # a pod template: image, env, annotations, labels (``Revision``)
Secret = dict[str, str]         # a secret's keys, each to its value's ``fingerprint`` (its data, as the drill keeps it)


def _status(stalls: str, age: float, step: float) -> str:
    """What ``get pods`` says of a pod of a revision that ``stalls`` (``Revision.stalls``) ``age`` seconds after it was
    made: starting, then running (ready a step in, unless its probe fails), or, its image never built, the kubelet's
    failed pull and then its back-off."""
    if stalls == "ErrImagePull":
        return "ContainerCreating" if age < 2 else "ErrImagePull" if age < 20 else "ImagePullBackOff"
    return "Running" if age >= step else "ContainerCreating"


def short_hash(*parts: object, n: int = 10) -> str:
    """A stable lowercase alphanumeric id, like Kubernetes' pod-template hashes."""
    alphabet = "bcdfghjklmnpqrstvwxz2456789"
    value = zlib.crc32(":".join(str(p) for p in parts).encode())
    value = value * 2654435761 % (1 << 64)
    out = []
    for _ in range(n):
        value, r = divmod(value, len(alphabet))
        out.append(alphabet[r])
        if value == 0:
            value = zlib.crc32("".join(out).encode()) + 7
    return "".join(out)


@functools.lru_cache(maxsize=1024)
def _template_hash(image: str, env: tuple[tuple[str, str], ...], annotations: tuple[tuple[str, str], ...],
                   labels: tuple[tuple[str, str], ...] | None) -> str:
    """A pod template's hash (``Revision.template_hash``), kept per template: every stand-in answer replays every
    operation, and each rollout hashed its two templates again (a tenth of a stand-in's time)."""
    extra = [] if labels is None else [sorted(labels)]      # the estate's hashes stay
    return short_hash(image, sorted(env), sorted(annotations), *extra)


@dataclass
class Revision:
    number: int
    image: str
    env: Env
    cause: str
    at: float                           # scenario seconds the template was created
    annotations: Env = field(default_factory=dict)
    labels: Env | None = None           # its pods' labels as a manifest gave them; None: app=NAME (the estate's)
    #: why its pods never get ready, as the cluster judged when it rolled (``Cluster.fails``): "" they do,
    #: ``ErrImagePull`` its image was never built, ``Unready`` its readiness probe fails (the audit store refuses it)
    stalls: str = ""
    pods_at: float | None = None        # a rollout back onto the pods still serving: when those were made (``made_at``)

    @property
    def made_at(self) -> float:
        """When its rollout made its pods: ``at``, or the pods it went back to (``pods_at``: a stalled rollout undone
        keeps the old ReplicaSet's pods, as Kubernetes scales it back up without replacing them)."""
        return self.at if self.pods_at is None else self.pods_at

    @property
    def template(self) -> Template:
        return self.image, self.env, self.annotations, self.labels

    @property
    def template_hash(self) -> str:
        labels = None if self.labels is None else tuple(self.labels.items())
        try:
            return _template_hash(self.image, tuple(self.env.items()), tuple(self.annotations.items()), labels)
        except TypeError:       # a manifest's label value no dict key can hold (a list): hashed as it is, not kept
            return _template_hash.__wrapped__(self.image, tuple(self.env.items()), tuple(self.annotations.items()),
                                              labels)


@dataclass
class Deployment:
    name: str
    namespace: str
    replicas: int
    history: list[Revision]
    container: str
    port: int = 8080
    rollout_seconds: float = 15.0       # a rollout replaces every pod in this long
    scaled_at: float = -30 * DAY
    previous_replicas: int = 0
    deleted: list[tuple[float, int, str]] = field(default_factory=list)    # (t, pod index, template hash): kubectl delete pod
    labels: Env | None = None           # an applied manifest's own labels; None: app=NAME, as the estate was made
    selector: Env | None = None         # its spec.selector.matchLabels; None: app=NAME
    born: dict[int, float] = field(default_factory=dict)    # pod index -> when a scale-up last started it
    # what an undo (which moves a revision to the top of ``history``) leaves as it was: when the deployment and each
    # ReplicaSet were made, and each rollout (t, from template hash, to template hash) as it happened
    created: float | None = None
    sets_made: dict[str, float] = field(default_factory=dict)
    rollouts: tuple[tuple[float, str, str], ...] = ()
    #: (from when, env) of each revision as it came into force, as it happened: a template used again (``_new_revision``
    #: moves it to the top) still ran when it first did (redteam45 R1: the quota spent then went down)
    ran: tuple[tuple[float, Env], ...] = ()
    #: the pod indices it runs when a scale-down kept others than the first ``replicas`` (a pod failing its readiness
    #: probe goes before a ready one, ``scale``); empty: ``range(replicas)``. An index is a pod's name and node.
    slots: tuple[int, ...] = ()
    dropped: tuple[int, ...] = ()       # the pod indices the last scale took away (terminating for 10 s)
    #: the revision whose pods the current one's rollout replaces: the one before it, or, when that one stalled (its
    #: pods never ready: ``Revision.stalls``), the one still serving then (``serving``)
    before: Revision | None = None

    def __post_init__(self) -> None:
        if self.created is None:
            self.before = self.history[-2] if len(self.history) > 1 else None
            if self.scaled_at > self.history[-1].at:     # the estate's pods, started by a scale after their revision
                self.born = {i: self.scaled_at + i * self.rollout_seconds / self.replicas for i in range(self.replicas)}
            self.created = self.history[0].at
            self.sets_made = {r.template_hash: r.at for r in reversed(self.history)}
            self.rollouts = tuple((r.at, p.template_hash, r.template_hash)
                                  for p, r in zip(self.history, self.history[1:], strict=False))
            self.ran = tuple((r.at, r.env) for r in self.history)

    def pod_labels(self, rev: Revision) -> Env:
        """The labels a pod of ``rev`` carries: its template's, and the ``pod-template-hash`` its ReplicaSet adds."""
        labels = {"app": self.name} if rev.labels is None else rev.labels
        return dict(sorted({**labels, "pod-template-hash": rev.template_hash}.items()))

    @property
    def moved(self) -> float:
        """The last change to its pods: a revision, a scale, a pod deleted (its replacement is ready a step later)."""
        return max(self.current.at, self.scaled_at, *(t for t, _, _ in self.deleted[-1:]))

    def roll(self, rev: Revision) -> None:
        """``rev`` becomes the current revision: a rollout from the one before, remembered as it happened."""
        was, now = self.current.template_hash, rev.template_hash
        self.before = self.serving
        self.history.append(rev)
        self.rollouts = (*self.rollouts, (rev.at, was, now))     # new ones: copies keep theirs
        self.ran = (*self.ran, (rev.at, rev.env)) if rev.stalls != "ErrImagePull" else self.ran     # none ran it
        self.sets_made = {now: rev.at, **self.sets_made}

    @property
    def current(self) -> Revision:
        return self.history[-1]

    @property
    def serving(self) -> Revision:
        """The revision whose pods serve once the rollout has done what it can: the current one, or, while its
        rollout stalls (its pods never ready), the one it was to replace (``before``)."""
        return self.before if self.current.stalls and self.before is not None else self.current

    def env_at(self, t: float) -> Env:
        """The env of the revision in force at ``t`` (``ran``): what a pod started then runs with."""
        return next((env for at, env in reversed(self.ran) if at <= t), self.ran[0][1] if self.ran else {})

    def revision(self, number: int) -> Revision | None:
        return next((r for r in self.history if r.number == number), None)

    def rollout_done_at(self) -> float:
        """Scenario time at which the current revision is fully rolled out (and scaled): never while it stalls."""
        if self.current.stalls:
            return math.inf
        return max(self.current.at + self.rollout_seconds, self.scaled_at + self.rollout_seconds)

    def indices(self) -> tuple[int, ...]:
        """The indices of the pods it runs (``slots``)."""
        return self.slots or tuple(range(self.replicas))

    def pods(self, t: float) -> list[tuple[int, Revision, float, str]]:
        """(index, revision, created, status) of each pod at ``t``: the one schedule ``get pods``,
        ``get deployment`` and ``rollout status`` read. A rollout replaces its k-th pod at ``k`` steps in
        (``rollout_seconds / replicas``): the new one starts, is ready a step later, and only then
        does the old one terminate (a step); a scale-up's pods start the same way; scaled down,
        the pods it drops (``dropped``) terminate for 10 s. A revision whose pods never get ready (``stalls``) stalls
        its rollout as RollingUpdate's maxSurge 25% (up) and maxUnavailable 25% (down) leave it: that many new pods
        started, the old ones past maxUnavailable serving on (attack50 A6: onto a credential the store refuses, the
        ready audit shippers were replaced by pods that never got ready); the next rollout ends its pods (a step)."""
        cur, n, was, idx = self.current, self.replicas, self.previous_replicas, self.indices()
        def made(i: int, rev: Revision = cur, kept: int | None = None) -> float:
            """When pod i of ``rev`` started: a scale-up's since ``rev`` (``born``), else ``rev``'s rollout's step
            for it among the pods it rolled (those a scale-up since found, or all)"""
            at = self.born.get(i, rev.made_at - 1)
            kept = kept or (was if self.scaled_at > rev.made_at and n > was else n)
            k = idx.index(i) if self.slots and i in idx else i
            return at if at > rev.made_at else rev.made_at + k * self.rollout_seconds / max(1, kept)
        gone = [(i, cur, at, "Terminating") for i in self.dropped    # (those it had started)
                if t < self.scaled_at + 10 and (at := made(i, kept=was)) < self.scaled_at]
        if n == 0:
            return gone
        up, step = self.scaled_at > cur.at and n > was, self.rollout_seconds / n    # the pods it kept stay as old
        old = self.before if not up or cur.stalls else None
        prev = self.history[-2] if len(self.history) > 1 and self.history[-2].stalls else None     # it stalled
        surge, down = -(-n // 4), n // 4 if old is not None else n          # maxSurge, maxUnavailable
        out = []
        for k, i in enumerate(idx):
            born, after = made(i), self.born.get(i, cur.at) > cur.at       # (a pod a scale started since succeeds none)
            kept = cur.stalls and k >= down                                 # an old pod the stalled rollout keeps
            if kept and after and old is not None:      # scaled while it stalls: the ReplicaSet that serves grows
                out += [(i, old, born, _status("", t - born, step))] if born <= t else []
                continue
            # old pod i, as old as it was when the revision came, until its successor is up (or for good: ``kept``);
            # one a stalled rollout before this one took away (maxUnavailable) stays away
            if old is not None and not after and (kept or t < born + 2 * step) and not (prev and k < n // 4):
                # itself ready a step after it started (a scale's since its revision: then); one its rollout had yet
                # to make stands for an older one
                c = b if old.made_at <= (b := self.born.get(i, -math.inf)) <= cur.at else made(i, old)
                out.append((i, old, min(c, cur.at), ("Running" if c > cur.at else _status("", t - c, step))
                            if kept or t < born + step else "Terminating"))
            if born <= t and (not cur.stalls or k < surge + down or after):
                out.append((i, cur, born, _status(cur.stalls, t - born, step)))
            if prev is not None and k < surge + n // 4 and (c := prev.made_at + k * step) < cur.at <= t < cur.at + step:
                out.append((i, prev, c, "Terminating"))
        return out + gone

    def updated(self, t: float) -> int:
        """Pods of the current revision at ``t`` (started or ready)."""
        return sum(rev is self.current and status != "Terminating" for _, rev, _, status in self.pods(t))

    def scale(self, replicas: int, t: float, unready: Collection[int] = ()) -> None:
        """A scale at ``t``; the pods it starts are remembered (``born``), so a later scale-up keeps their age:
        scaled to 0, then 2, then (the autoscaler) 5, the first two were made at the second scale, not with the
        revision 6 days ago. A new dict each time: copies of the deployment (``_kept``) keep theirs. Scaled down, its
        ReplicaSet deletes the pods failing their readiness probe (``unready``, their indices) before the ready ones,
        then the newest (kube-controller-manager's ranking): scaled up to get fresh audit shippers and back down, the
        stuck ones go (redteam50 F1). A scale-up's pods take the lowest free indices."""
        now = self.indices()
        if replicas < len(now):
            order = [*(i for i in reversed(now) if i in unready), *(i for i in reversed(now) if i not in unready)]
            self.dropped = tuple(sorted(order[:len(now) - replicas]))
            kept = tuple(i for i in now if i not in self.dropped)
        else:
            free = (i for i in count() if i not in now)
            added = [next(free) for _ in range(replicas - len(now))]
            self.born = self.born | dict.fromkeys(added, t)     # its ReplicaSet makes them all at once
            self.dropped, kept = (), tuple(sorted((*now, *added)))
        self.slots = () if kept == tuple(range(replicas)) else kept
        self.previous_replicas, self.replicas, self.scaled_at = self.replicas, replicas, t

    def template_after(self, op: Action) -> Template | None:
        """(image, env, annotations, labels) a template operation gives the pods; None if it changes nothing."""
        cur, d = self.current, op.detail
        if op.action == "rollout_restart":
            restarted = {"kubectl.kubernetes.io/restartedAt": str(d.get("restarted_at", op.ts))}
            return cur.image, cur.env, {**cur.annotations, **restarted}, cur.labels
        if op.action == "rollout_undo":
            if "landed" in d:       # pinned where it landed when typed (``pinned``): a what-if re-means no undo
                landed = None if d["landed"] is None else tuple(d["landed"])
                if landed is not None and d.get("kept"):    # a what-if without what set these keys: as they stand
                    env = {k: v for k, v in landed[1].items() if k not in d["kept"]}
                    landed = (landed[0], env | {k: cur.env[k] for k in d["kept"] if k in cur.env}, *landed[2:])
                return None if landed is None or landed == cur.template else landed
            target = undo_target(self, d.get("to_revision"))
            return None if target is None or target is cur else target.template
        new = (str(d.get("image")), cur.env) if op.action == "set_image" else (cur.image, env_after(cur.env, d))
        return None if new == (cur.image, cur.env) else (*new, cur.annotations, cur.labels)


@dataclass
class Cluster:
    """The estate at one scenario moment, after replaying every operation recorded before it."""

    scenario: Scenario
    deployments: dict[str, Deployment]
    secrets: dict[tuple[str, str], Secret]      # by (namespace, name): kubectl's one object is one of a namespace
    configmaps: dict[str, Env]
    config: Env
    hpa: dict[str, dict[str, Any]]
    extra: dict[str, str] = field(default_factory=dict)   # other created objects: "kind/name" -> ns
    log: list[Action] = field(default_factory=list)
    nodes: NodeLog = field(default_factory=list)
    gone: dict[str, Deployment] = field(default_factory=dict)       # deleted deployments
    timeline: list[tuple[float, bool, Deployment]] = field(default_factory=list)  # FlowEngine after each change
    canaries: list[tuple[float, tuple[Deployment, ...]]] = field(default_factory=list)  # ``serves`` ones, ditto
    emit: tuple[float, str] | None = None       # when flowengine-config's ``EMIT`` was last set, and to what
    built: frozenset[tuple[str, str]] = frozenset()     # (repository, release) of every image built (``pulls``)

    def unready(self, dep: Deployment, t: float) -> frozenset[int]:
        """The indices of ``dep``'s running pods failing their readiness probe at ``t``: an audit shipper's that lost
        its sink (``sink_lost``) or whose login the store refuses (``refused``), what a scale-down deletes first
        (``Deployment.scale``)."""
        if dep.name != fleet.AUDIT_DEPLOYMENT:
            return frozenset()
        return frozenset(i for i, rev, created, status, _, _ in self.pods(dep, t) if status == "Running" and rev is
                         dep.current and (sink_lost(self.scenario, created, t)
                                          or refused(self.scenario, dep, created, self.log)))

    def pods(self, dep: Deployment, t: float) -> list[tuple[int, Revision, float, str, str | None, bool]]:
        """(index, revision, created, status, node, replaced by a drain?) of ``dep``'s pods at ``t``: its
        schedule (``Deployment.pods``) placed by the scheduler. A pod evicted by a drain terminates a step while
        its replacement starts, ready a step after it is placed, as a deleted pod's (redteam50 F8: the TaskDB's was
        ready at once); a pod with no schedulable node is Pending (no node) until a node is uncordoned."""
        out, step = [], dep.rollout_seconds / max(1, dep.replicas)
        for i, rev, created, status in dep.pods(t):
            spot, created, replaced, was = self.settle(place(self.nodes, i + (rev is not dep.current), created), i,
                                                       created, t)
            if was is not None and spot is not None and status != "Terminating":
                if t < created + step and was[0] is not None:
                    out.append((i, rev, was[1], "Terminating", was[0][1], was[2]))
                status = "ContainerCreating" if status == "Running" and t < spot[0] + step else status
            for when in (w for w, k, h in dep.deleted if (k, h) == (i, rev.template_hash) and created < w <= t):
                if t < when + step:         # deleted: Terminating a step while its ReplicaSet starts another
                    out.append((i, rev, created, "Terminating", None if spot is None else spot[1], replaced))
                if rev is not dep.current or status == "Terminating":   # an old revision's pod is not replaced
                    status = "gone"
                    break
                spot, created, replaced = place(self.nodes, i, when), when, True
                status = "Running" if t >= when + step else "ContainerCreating"
            placed = spot is not None and spot[0] <= t
            if status != "gone":
                out.append((i, rev, created, status if placed else "Pending", spot[1] if placed else None, replaced))
        return out

    def settle(self, spot: tuple[float, str] | None, k: int, created: float, t: float) -> tuple[
            tuple[float, str] | None, float, bool, tuple[tuple[float, str] | None, float, bool] | None]:
        """(spot, created, replaced?, the pod the last drain evicted as (spot, created, replaced?) or None) at ``t`` of
        the ``k``-th pod placed at ``spot``: each drain of the node it is on evicts it and the scheduler places its
        replacement (``place``), again and again."""
        replaced, was = False, None
        for when, node, what in self.nodes:
            if what == "drain" and spot is not None and spot[1] == node and spot[0] <= when <= t and created < when:
                was = spot, created, replaced
                spot, created, replaced = place(self.nodes, k, when), when, True
        return spot, created, replaced, was

    def ready(self, dep: Deployment, t: float) -> int:
        """Ready replicas at ``t``: the running, placed pods (what READY, the HPA and the curves count)."""
        return sum(status == "Running" for _, _, _, status, _, _ in self.pods(dep, t))

    def on_bad_release(self, t: float, canaries: bool = True) -> float:
        """The share of the ready pods serving FlowEngine's flows at ``t`` on the bad release, as ``get pods`` lists them
        after the operations up to ``t`` and the autoscaler's decisions before it (at its sample it decides on what it
        saw): FlowEngine's and, unless not ``canaries``, those of the deployments applied beside it (``serves``: the
        Service spreads flows over every ready pod, so a one-pod canary beside six takes a seventh). None ready: the
        release FlowEngine's next pod runs. What a fault of that release's code is multiplied by (``Signals.bent``)."""
        dep = next(dep for when, hpa, dep in reversed(self.timeline) if when < t or when == t and not hpa)
        beside = next((deps for when, deps in reversed(self.canaries) if when <= t), ()) if canaries else ()
        settled = not beside and not self.nodes and t >= dep.moved + 2 * dep.rollout_seconds + 10   # all current
        images = [] if settled else [rev.image for d in (dep, *beside)
                                     for _, rev, _, status, _, _ in self.pods(d, t) if status == "Running"]
        return sum(map(self.bad_release, images)) / len(images) if images else float(
            self.bad_release(dep.serving.image))

    def serves(self, dep: Deployment) -> bool:
        """Whether an applied deployment's pods take FlowEngine's flows: its Service selects them (app=flowengine, the
        label RB-DEPLOY-002's canary pods carry), so they are among the pods it spreads the flows over."""
        return dep.name not in ESTATE and {"app": fleet.DEPLOYMENT}.items() <= dep.pod_labels(dep.current).items()

    @property
    def flowengine(self) -> Deployment:
        """FlowEngine's deployment (deleted: as it was, scaled to zero, so its history still answers)."""
        return self.deployments.get(fleet.DEPLOYMENT) or self.gone[fleet.DEPLOYMENT]

    def env(self, name: str = fleet.DEPLOYMENT) -> Env:
        return dict(d.current.env) if (d := self.deployments.get(name)) else {}

    def env_at(self, t: float | None = None) -> Env:
        """FlowEngine's env in the revision in force at ``t`` (default now)."""
        fe = self.flowengine
        return next((env for at, env in reversed(fe.ran) if t is None or at <= t), fe.current.env)

    def allowlist(self) -> list[str]:
        return [r for r in self.config.get("repos.allowlist", "").split(",") if r]

    def breaker(self) -> tuple[float, float, str] | None:
        """FlowEngine's circuit breaker as configured: (armed at, limit as a ratio, threshold as
        written); None while it is not enabled. It arms when the pods of the revision that turned
        it on are ready, one rollout after that revision."""
        fe = self.flowengine    # its revisions on without a break up to now (the rule its journaled action follows)
        on = list(takewhile(lambda rev: switched_on(rev.env, "ENABLE_CIRCUIT_BREAKER"), reversed(fe.history)))
        if not on:
            return None
        env = fe.current.env
        return on[-1].at + fe.rollout_seconds, breaker_limit(env), {**UNREAD, **env}["CIRCUIT_BREAKER_THRESHOLD"]

    def bad_release(self, image: str | None = None) -> bool:
        """Whether ``image`` (default: FlowEngine's current one) runs the scenario's bad version, judged
        by the tag whatever the registry: ``flowengine:v1.2.0`` is ``registry.internal/flowengine:v1.2.0``."""
        bad = self.scenario.facts.get("bad_version")
        return bool(bad) and release(image or self.flowengine.serving.image) == bad

    def schema_version(self, image: str | None = None, made: float | None = None) -> str:
        """The TaskObject schema FlowEngine (``image``: a pod of it, of the revision ``made`` then; default the current
        one) writes: a property of its code, unless its revision rolled out after flowengine-config's ``EMIT`` was set
        (RB-LAUNCH-005's hot-patch: read at start, not live; the scenario's ``restart`` after it is what mends)."""
        if not self.bad_release(image):
            return fleet.SCHEMA_VERSION
        made = self.flowengine.serving.at if made is None else made
        if self.emit is not None and made >= self.emit[0]:      # (a restart in the same second)
            return self.emit[1]
        return str(self.scenario.facts.get("bad_schema", fleet.SCHEMA_VERSION))

    def start_line(self, dep: Deployment, rev: Revision, created: float) -> str:
        """What a FlowEngine pod of ``dep`` (its own, or one serving beside it) on ``rev`` logs as it starts at
        ``created``: its release, the schema it writes (``schema_version``: the one rule the flows, ``curl
        /api/schemas/version`` and this line read; redteam48 F2: the line named the env's, the patched one replaced)
        and its deployment's replicas then."""
        n = next(d for when, _, d in reversed(self.timeline) if when <= created).replicas \
            if dep.name == fleet.DEPLOYMENT else dep.replicas
        return (f"INFO main - FlowEngine {rev.image.rsplit(':', 1)[-1]} started "
                f"(schema {self.schema_version(rev.image, rev.at)}, replicas {n})")

    def starts(self, t1: float, t2: float) -> list[tuple[float, str]]:
        """(when, line) of the start of every FlowEngine pod (and every pod serving beside it) started in [t1, t2]
        (``STARTED`` s after it was created, as ``get pods`` dates it): what CloudWatch holds of every pod, the pods
        each deployment state had until the next change (``timeline``, ``canaries``), a pod with no node never
        started."""
        out: dict[tuple[str, int, float], tuple[float, str]] = {}
        for states in ([(w, (d,)) for w, _, d in self.timeline], self.canaries):
            for (when, deps), until in zip(states, [*(w for w, _ in states[1:]), math.inf]):    # (none: none)
                if until < t1 - STARTED or when > t2:
                    continue
                for dep in deps:
                    for i, rev, created, _, node, _ in self.pods(dep, min(until, t2)):
                        if node is not None and when <= created < until and t1 <= created + STARTED <= t2:
                            out[(dep.name, i, created)] = (created + STARTED, self.start_line(dep, rev, created))
        return sorted(out.values(), key=lambda x: x[0])

    def _configure(self, name: str, data: Env, t: float) -> list[str]:
        """ConfigMap ``name`` now holds ``data``; a ``schema_hotfix`` when it sets FlowEngine's ``EMIT`` to the schema
        the block contracts accept (its pods read it at their next start: ``schema_version``, the scenario's
        mitigation)."""
        was, self.configmaps[name] = self.configmaps[name].get(EMIT), data
        if name != CONFIG or data.get(EMIT) == was:
            return []
        self.emit = None if EMIT not in data else (t, data[EMIT])
        return ["schema_hotfix"] if data.get(EMIT) == fleet.SCHEMA_VERSION else []

    def apply(self, a: Action, *, meaning: bool = True) -> list[str]:
        """Replay one recorded operation on the estate; returns what it means to the scenario: the
        canonical actions it amounts to, judged on the estate before it. ``kubectl rollout undo`` is
        a ``rollback`` only if it replaces the scenario's bad release; undoing your own change is not.
        Not ``meaning``: the estate alone, [] (a replay: ``build_cluster`` and the autoscaler's loop replay every
        operation again for each stand-in answer, and judging each template change was a third of that work)."""
        d = a.detail
        dep = self.deployments.get(str(d.get("deployment", "")))
        kind, name = str(d.get("kind")), str(d.get("name"))
        meant: list[str] = []
        if a.action in TEMPLATE_OPS and dep is not None:
            template = dep.template_after(a)
            stalls = "" if template is None else self.fails(dep, template[0], template[1], a.t)
            meant = self._template_meaning(dep, a.action, template, a.t, stalls) if meaning else []
            if template is not None:
                _new_revision(dep, template, a.t, stalls)
        elif a.action == "scale_to" and dep is not None:
            replicas = int(d.get("replicas", dep.replicas))
            meant = _scaling(dep.replicas, replicas) if dep.name == fleet.DEPLOYMENT else []
            dep.scale(replicas, a.t, self.unready(dep, a.t))
        elif a.action in NODE_OPS:
            self.nodes.append((a.t, str(d.get("node")), a.action[5:]))
        elif a.action == "config_set":
            repos = [r for r in str(d.get("value", "")).split(",") if r]
            if d.get("key") == "repos.allowlist" and repos and set(repos) <= {fleet.PILOT_REPO}:
                meant = ["rollback_to_pilot"]
            elif d.get("key") == "retry.max_attempts" and _whole(d.get("value")) not in (None, _whole(self.config.get(
                    "retry.max_attempts"))):
                meant = ["retry_attempts"]       # call_law's A (model.Signals.attempts reads it alike): requests, failures
            self.config[str(d.get("key"))] = str(d.get("value"))
        elif a.action == "patch" and kind == "hpa":
            spec = (d.get("patch") or {}).get("spec") or {}
            hpa = self.hpa.setdefault(name, {"min": 1, "max": 1, "cpu": 80})      # the API's default target
            hpa.update(min=int(spec.get("minReplicas", hpa["min"])), max=int(spec.get("maxReplicas", hpa["max"])),
                       cpu=cpu_target(spec["metrics"]) if "metrics" in spec else hpa["cpu"])
            target = self.deployments.get(name)     # the autoscaler moves it into its new bounds; zero stays zero
            kept = min(max(target.replicas, int(hpa["min"])), int(hpa["max"])) if target and target.replicas else 0
            if target is not None and target.replicas != kept:
                meant = _scaling(target.replicas, kept) if name == fleet.DEPLOYMENT else []
                target.scale(kept, a.t, self.unready(target, a.t))
        elif a.action == "patch" and kind == "configmaps" and name in self.configmaps:
            data = (d.get("patch") or {}).get("data") or {}     # a merge patch: null removes the key
            data = data if isinstance(data, dict) else {}
            kept = {k: v for k, v in self.configmaps[name].items() if data.get(k, "") is not None}
            meant = self._configure(name, kept | {str(k): str(v) for k, v in data.items() if v is not None}, a.t)
        elif (a.action == "create" and kind == "configmap" and name in self.configmaps
              and isinstance(d.get("data"), dict)):
            meant = self._configure(name, {str(k): str(v) for k, v in d["data"].items()}, a.t)     # applied whole
        elif a.action == "create" and kind == "secret":
            self.secrets[secret_key(d)] = secret_data(d)
        elif a.action == "create" and kind == "deployment" and d.get("image") and name in self.gone:
            # an estate deployment deleted and applied again (redteam42 R13): back with its pods, as the manifest says
            dep = self.deployments[name] = self.gone.pop(name)
            template = (str(d["image"]), dep.current.env, dep.current.annotations, d.get("template_labels"))
            stalls = self.fails(dep, template[0], template[1], a.t)
            meant = self._template_meaning(dep, "set_image", template, a.t, stalls) if meaning else []
            if template[0::3] != (dep.current.image, dep.current.labels):
                _new_revision(dep, template, a.t, stalls)
            replicas = int(d.get("replicas", 1))
            meant += _scaling(0, replicas) if name == fleet.DEPLOYMENT else []
            dep.scale(replicas, a.t)
        elif a.action == "create" and kind == "deployment" and d.get("image") and name not in ESTATE:
            # an applied Deployment (RB-DEPLOY-002's canary) runs its pods: get pods, rollout status, the world's flows;
            # applied again, a new image or pod labels is a new revision and new replicas a scale, as Kubernetes does;
            # its labels are the manifest's (a drill recorded before they were kept: app=NAME, as it was shown then)
            image, replicas, pods = str(d["image"]), int(d.get("replicas", 1)), d.get("template_labels")
            if (dep := self.deployments.get(name)) is None:
                dep = self.deployments[name] = Deployment(name, str(d.get("namespace", fleet.NAMESPACE)), replicas, [
                    Revision(1, image, {}, "<none>", a.t, labels=pods, stalls="" if self.pulls(image) else PULL)],
                    str(d.get("container", name)), scaled_at=a.t)
            else:
                if (image, pods) != (dep.current.image, dep.current.labels):
                    _new_revision(dep, (image, dep.current.env, dep.current.annotations, pods), a.t,
                                  self.fails(dep, image, dep.current.env, a.t))
                if replicas != dep.replicas:
                    dep.scale(replicas, a.t)
            dep.labels, dep.selector = d.get("labels"), d.get("selector")
        elif a.action == "create":
            self.extra[f"{kind}/{name}"] = str(d.get("namespace", fleet.NAMESPACE))
        elif a.action == "delete":
            self.extra.pop(f"{kind}/{name}", None)
            if kind == "pod" and dep is not None:      # its ReplicaSet replaces it: a fresh process (``Cluster.pods``)
                dep.deleted.append((a.t, int(d.get("index", 0)), str(d.get("template"))))
                meant = ["audit_restart"] if "audit" in dep.name and logs_in(self.scenario, dep.current.env, self.log,
                                                                              a.t) else []
            elif kind == "secret":
                self.secrets.pop(secret_key(d), None)
            elif kind == "deployment" and (dep := self.deployments.pop(name, None)) is not None:
                meant = _scaling(dep.replicas, 0) if name == fleet.DEPLOYMENT else []    # its pods go with it
                self.gone[name] = dep
                dep.scale(0, a.t)
            elif kind == "horizontalpodautoscaler":
                self.hpa.pop(name, None)
        self.log.append(a)
        if fleet.DEPLOYMENT in (d.get("deployment"), name):
            self.timeline.append((a.t, a.tool == "hpa", _kept(self.flowengine)))
        touched = self.deployments.get(str(d.get("deployment") or name)) or self.gone.get(name)
        if touched is not None and self.serves(touched):
            before = self.canaries[-1][1] if self.canaries else ()
            self.canaries.append((a.t, tuple(_kept(x) for x in self.deployments.values() if self.serves(x))))
            # a canary's pods on the bad release take their share of FlowEngine's flows (``on_bad_release``): that is
            # an action on the scenario, which the report names and reads the panes without, as it does a rollback's
            was, now = (any(x.replicas and self.bad_release(x.current.image) for x in deps)
                        for deps in (before, self.canaries[-1][1]))
            meant += ["canary"] if now and not was else ["canary_off"] if was and not now else []
        return meant if meaning else []

    def pulls(self, image: str) -> bool:
        """Whether ``image`` pulls: a tag of the estate's own repositories (FlowEngine, the audit shipper, its
        TaskDB) that was built (``built``, whatever the registry), a canary's build of one, a bare digest (none can
        tell), or another repository's (the drill does not model public registries). ``set image …:v9.9.9`` never
        built: ErrImagePull (attack50 A12: it ran 6/6)."""
        named, _, digest = image.partition("@")
        repo, tagged = (name := named.rsplit("/", 1)[-1]).split(":")[0], ":" in name
        return repo not in {r for r, _ in self.built} or not tagged and bool(digest) or (repo, release(image)) in \
            self.built

    def fails(self, dep: Deployment, image: str, env: Env, t: float) -> str:
        """Why the pods of a template of ``dep`` (``image``, ``env``) rolled out at ``t`` never get ready
        (``Revision.stalls``): "" they do; its image does not pull; an audit shipper the store refuses (``logs_in``)."""
        if not self.pulls(image):
            return PULL
        return "Unready" if dep.name == fleet.AUDIT_DEPLOYMENT and not logs_in(self.scenario, env, self.log, t) else ""

    def _template_meaning(self, dep: Deployment, op: str, template: Template | None, t: float,
                          stalls: str = "") -> list[str]:
        """What a change of ``dep``'s pod template (``template``: None if it stays) means: nothing when its pods
        never get ready (``stalls``), the pods serving as they were (its rollout stalls)."""
        if stalls:
            return []
        if "audit" in dep.name:
            restarted = op in ("set_env", "rollout_restart") or (op == "rollout_undo" and template is not None)
            # only a shipper that logs in is a restart of the audit pipeline (attack50 A11: one onto a refused
            # credential was "audit pipeline restarted", credited as the runbook's restart; its pods never reconnect)
            env = (template or dep.current.template)[1]
            return ["audit_restart"] if restarted and logs_in(self.scenario, env, self.log, t) else []
        if dep.name != fleet.DEPLOYMENT:
            return []
        if op == "rollout_restart":
            return ["restart"]
        if template is None:
            return []
        image, env = template[:2]
        was, now = self.bad_release(), self.bad_release(image)
        # leaving the scenario's bad release is a rollback; going back to it undoes one
        out = ["rollback"] if was and not now else ["rollback_off"] if now and not was else []
        if not out and op == "rollout_undo" and image != dep.serving.image:
            out = ["set_image"]
        return out + _env_meaning(dep.serving.env, env)


def refused(scenario: Scenario, dep: Deployment, created: float, log: Iterable[Action] = ()) -> bool:
    """Whether the audit store refuses the audit-shipper pod of ``dep`` started at ``created``: its template named a
    credential other than the one the store takes, the one in force when the drill began (a rotation's, else the
    estate's). A rollback past a rotation brings the rotated-out password back (redteam50 F6): the pod fails its
    login, its readiness probe, and ships nothing, whenever it started; so does one started once the store's secret
    was deleted (``log``: the operations recorded, ``logs_in``)."""
    return dep.name == fleet.AUDIT_DEPLOYMENT and not logs_in(scenario, dep.env_at(created), log, created)


def logs_in(scenario: Scenario, env: Env, log: Iterable[Action] = (), t: float = math.inf) -> bool:
    """Whether an audit shipper started on ``env`` at ``t`` logs in to the audit store: the secret its env names, as it
    stood then (a process starting reads it: ``log``'s creates and deletes of it up to ``t``; attack50 A7: a restart
    after the delete still shipped), holds the password the store takes (``store_password``). The store checks the
    password, not the secret's name: one deleted and made again with another password is refused (redteam51 R4: any
    password logged in), one made with the store's logs in, whatever its name."""
    name = env.get(STORE_SECRET)
    held = estate_secrets(scenario).get(str(name))
    for a in log:       # the shipper's own namespace's secret (attack52 F2: one made in monitoring replaced it)
        if a.t <= t and a.action in ("create", "delete") and a.detail.get("kind") == "secret" and \
                secret_key(a.detail) == (fleet.NAMESPACE, name):
            held = None if a.action == "delete" else secret_data(a.detail)
    return held is not None and held.get("password") == store_password(scenario)


def secret_key(detail: dict[str, Any]) -> tuple[str, str]:
    """The secret a recorded ``create`` or ``delete`` of one names: (its namespace, its name), production's when the
    record names none (a drill recorded before namespaces were kept). Kubernetes keeps one per namespace and name:
    ``kubectl create secret`` in monitoring makes another object and leaves production's, and the shipper's login,
    alone (attack52 F2: keyed by name, it replaced production's while kubectl's "already exists" looked in
    monitoring)."""
    return str(detail.get("namespace") or fleet.NAMESPACE), str(detail.get("name"))


def fingerprint(value: str) -> str:
    """What the drill keeps of a secret's value in the operation: its SHA-256, enough to compare a password with the
    store's (``logs_in``); no stand-in shows a secret's data."""
    return hashlib.sha256(value.encode()).hexdigest()


def secret_data(detail: dict[str, Any]) -> Secret:
    """The keys of a secret as a recorded ``create`` of it made them, each to its value's fingerprint (``values``); a
    drill recorded before values were kept gives its keys alone (``keys``): values none can match ("")."""
    values = detail.get("values")
    if isinstance(values, dict):
        return {str(k): str(v) for k, v in values.items()}
    return dict.fromkeys(map(str, detail.get("keys") or []), "")


def estate_secrets(scenario: Scenario) -> dict[str, Secret]:
    """The estate's secrets before the drill (shared: copy before changing one). Their values are the estate's own
    (``estate_value``): no stand-in shows them (``get secret -o yaml`` withholds data, as RBAC would), so a copy
    typed by hand holds them only if they were known."""
    return _estate_secrets(store_credential(scenario))


@functools.cache
def _estate_secrets(store: str) -> dict[str, Secret]:
    """``estate_secrets`` by the store's credential, made once (every audit-shipper pod's login reads them)."""
    keys = {"model-api-keys": ("anthropic", "openai", "google"), store: ("password",),
            "taskdb-credentials": ("username", "password")}
    return {name: {k: fingerprint(estate_value(name, k)) for k in ks} for name, ks in keys.items()}


def estate_value(secret: str, key: str) -> str:
    """The value the estate's ``secret`` held at ``key`` before the drill: made by whoever set it up, never shown."""
    return f"{secret}-{key}-{short_hash('estate', secret, key, n=16)}"


def store_password(scenario: Scenario) -> str:
    """The fingerprint of the one password the audit store takes: the one the secret of its credential in force when
    the drill began held (``store_credential``: a rotation's, else the estate's). The drill changes no password in
    the store (no stand-in reaches its roles), so a shipper logs in only with that password."""
    return _estate_secrets(store := store_credential(scenario))[store]["password"]


def store_credential(scenario: Scenario) -> str:
    """The one credential the audit store takes, the estate's one secret of it: the last the scenario's changes before
    the drill gave the audit shipper (a rotation's), else the estate's."""
    return next((c.env[STORE_SECRET] for c in sorted(scenario.changes, key=lambda c: -c.at)
                 if c.deployment == fleet.AUDIT_DEPLOYMENT and c.at <= 0 and STORE_SECRET in c.env), ESTATE_SECRET)


def sink_lost(scenario: Scenario, created: float, t: float, index: int | None = None) -> bool:
    """Whether an audit-shipper pod started at ``created`` is stuck at ``t`` (by fault ``index``, None: any): an
    ``audit_stall`` began after it did. Its process lost its sink then and stopped retrying, so only a new process (a
    pod deleted and replaced, a rollout, a drain) ships again; a pod started since connects fresh. Stuck, it fails its
    readiness probe: the one rule the world's audit trail (``Signals.audit_stuck``) and a scale-down read."""
    return any(created < f.onset <= t and index in (None, i) for i, f in enumerate(scenario.faults)
               if "audit_stall" in f.impacts)


def _kept(dep: Deployment) -> Deployment:
    """A copy of ``dep`` later operations leave as it is (they change its history in place): its fields as they are,
    as ``dataclasses.replace`` copies them (its ``__post_init__`` does nothing to a made one), at a quarter of the
    cost (every operation on FlowEngine keeps one, and each stand-in answer replays them all)."""
    out = Deployment.__new__(Deployment)
    out.__dict__.update(dep.__dict__, history=list(dep.history))
    return out


def _new_revision(dep: Deployment, template: Template, t: float, stalls: str = "") -> None:
    # Kubernetes reuses a revision whose template matches exactly (it moves to the top); a new one takes the
    # Deployment's change-cause, its latest revision's (redteam45 R8). Back onto the pods a stalled rollout left
    # serving, their ReplicaSet scales up again: they stay (``Revision.pods_at``)
    if (same := next((r for r in dep.history if r.template == template), None)) is not None:
        dep.history.remove(same)
    image, env, annotations, labels = template
    number = max(r.number for r in dep.history) + 1
    back = dep.serving.made_at if dep.current.stalls and dep.serving.template == template and not stalls else None
    if back is not None:        # bar those the stalled rollout took away (maxUnavailable): made again
        dep.born = dep.born | {i: t for i in dep.indices()[:dep.replicas // 4]}
    dep.roll(Revision(number, image, dict(env), (same or dep.current).cause, t, dict(annotations), labels, stalls,
                      back))


def cordoned(log: NodeLog, t: float) -> set[str]:
    last = {node: what for when, node, what in log if when <= t and what != "drain"}     # each node's last say
    return {node for node, what in last.items() if what == "cordon"}


def place(log: NodeLog, k: int, t: float) -> tuple[float, str] | None:
    """When and where the scheduler puts the ``k``-th pod made at ``t``: then, on a node not cordoned;
    with every node cordoned, at the first uncordon after (None: none yet, it is Pending)."""
    for when in [t, *sorted(w for w, _, what in log if what == "uncordon" and w > t)]:
        off = cordoned(log, when)        # read once a moment, not once a node
        if nodes := [n for n in NODES if n not in off]:
            return when, nodes[k % len(nodes)]
    return None


def release(image: str) -> str:
    """The version an image reference names (``registry.internal/flowengine:v1.2.0`` -> ``v1.2.0``). A ``-canary``
    tag is a build of that release for its canary track, the same code (RB-DEPLOY-002 tests ``v1.2.0-canary``
    before it promotes ``v1.2.0``), so it runs what the release runs, faults and schema alike; so is a numbered
    one (``-canary2``) and a tag pinned to a digest (``:v1.2.0@sha256:…``, what a careful deploy writes)."""
    named, _, digest = image.partition("@")          # a digest pins a build of the tag before it: the same code
    name = named.rsplit("/", 1)[-1]                  # a registry's port is no tag
    tag = name.split(":", 1)[1] if ":" in name else digest or "latest"    # a bare digest: a build of its own
    return re.sub(r"-canary(?:[.-]?\d+)?$", "", tag, flags=re.IGNORECASE)   # -canary, -canary2, -CANARY.3


def cpu_target(metrics: object) -> int | None:
    """The CPU utilisation target (percent of the pods' request) of an HPA's ``spec.metrics`` when
    that is the one metric it holds, as the drill models; None for anything else."""
    try:
        [m] = metrics                                   # type: ignore[misc]
        target = m["resource"]["target"]
        value = target["averageUtilization"]
        ok = (m["type"], m["resource"]["name"], target["type"]) == ("Resource", "cpu", "Utilization")
    except (TypeError, ValueError, KeyError):
        return None
    return value if ok and type(value) is int and value > 0 else None


def env_after(env: Env, detail: dict[str, Any]) -> Env:
    """``env`` after a ``set_env`` operation's sets and unsets."""
    out = {**env, **{str(k): str(v) for k, v in (detail.get("set") or {}).items()}}
    for k in detail.get("unset") or ():
        out.pop(str(k), None)
    return out


def undo_target(dep: Deployment, to_revision: object = None) -> Revision | None:
    """The revision ``rollout undo`` goes back to (None: none; the current one, asked by number: a skip)."""
    if to_revision not in (None, "", 0, "0"):
        try:
            return dep.revision(int(str(to_revision)))
        except ValueError:
            return None
    return dep.history[-2] if len(dep.history) >= 2 else None


def initial_cluster(scenario: Scenario) -> Cluster:
    """The estate as it stood before the drill: revision history, replicas, config."""
    repo = fleet.IMAGE_REPO
    pilot = {**FLOWENGINE_ENV, "DB_POOL_SIZE": "100"}       # RB-LAUNCH-002's "back to the pilot's 100"
    fe_history = [Revision(number, f"{repo}:{version}", dict(pilot if number < 6 else FLOWENGINE_ENV), cause,
                           days * DAY)
                  for number, version, cause, days in (
                      (4, BUILDS[0], "pilot release v1.0.2", -21), (5, BUILDS[1], "v1.0.3: retry backoff fix", -12),
                      (6, BUILDS[2], f"release {BUILDS[2]}: Phase 6 scaling (HPA, pool 200)", -6))]
    audit_env = {"AUDIT_STORE_URL": "postgres://audit-store:5432/audit", "BATCH_SIZE": "200",
                 STORE_SECRET: ESTATE_SECRET}
    audit = [Revision(3, "registry.internal/audit-shipper:v2.3.1", audit_env, "audit-shipper v2.3.1", -40 * DAY)]
    postgres = [Revision(2, "postgres:15.5", {"POSTGRES_DB": "flowengine_db"}, "<none>", -90 * DAY)]
    deployments = {
        fleet.DEPLOYMENT: Deployment(fleet.DEPLOYMENT, fleet.NAMESPACE, fleet.REPLICAS, fe_history, "flowengine",
                                     rollout_seconds=45.0),
        fleet.AUDIT_DEPLOYMENT: Deployment(fleet.AUDIT_DEPLOYMENT, fleet.NAMESPACE, 2, audit, "audit-shipper",
                                           port=9000, rollout_seconds=20.0),
        "postgres": Deployment("postgres", fleet.NAMESPACE, 1, postgres, "postgres", port=5432),
    }
    for change in scenario.changes:
        dep = deployments[change.deployment]
        image = f"{repo}:{change.image}" if change.image else dep.current.image
        number = max(r.number for r in dep.history) + 1
        dep.roll(Revision(number, image, {**dep.current.env, **change.env}, change.cause, change.at))
    return Cluster(scenario, deployments,
                   secrets={(fleet.NAMESPACE, name): dict(data) for name, data in estate_secrets(scenario).items()},
                   configmaps={CONFIG: {"flows.default_timeout": "180s", "context.max_size_kb": "180"}},
                   config={"repos.allowlist": ",".join([*(r.name for r in fleet.REPOS),
                                                        *(o.name for o in scenario.onboarded)]),
                           "context.max_size_kb": "180",
                           "retry.max_attempts": str(fleet.MAX_ATTEMPTS), "quota.alert_threshold": "0.80"},
                   hpa={fleet.DEPLOYMENT: {"min": 5, "max": 20, "cpu": 70}},
                   built=frozenset({*((fleet.DEPLOYMENT, v) for v in BUILDS), *(
                       (r.image.rsplit("/", 1)[-1].split(":")[0], release(r.image)) for d in deployments.values()
                       for r in d.history)}),
                   timeline=[(-math.inf, False, _kept(deployments[fleet.DEPLOYMENT]))])


def build_cluster(scenario: Scenario, actions: Iterable[Action], t: float | None = None,
                  decided: Iterable[Action] = ()) -> Cluster:
    """Replay every recorded operation (up to scenario time ``t``) on the starting estate, and the
    autoscaler's decisions ``decided`` each after the operations taken at its moment, as its loop
    made them (``autoscale.Capacity``: it decides on what it saw). Mixed in one list, a decision came
    first at a tie: `kubectl scale --replicas=1` under an HPA with min 5 was answered 1/1 for good,
    while the curves ran on the five pods the autoscaler put back at once."""
    return Replay(scenario, actions, decided).upto(math.inf if t is None else t)


class Replay:
    """``build_cluster`` read forward: ``upto(t)`` is the estate after the operations up to ``t``, each applied once
    however many moments are asked, in increasing order (``Signals._ready_pods`` asked the estate after each of n
    operations, replaying all of them each time: a fifth of a stand-in corpus run's CPU). The one cluster is
    changed in place by the next ``upto``: read what is needed of it before."""

    def __init__(self, scenario: Scenario, actions: Iterable[Action], decided: Iterable[Action] = ()) -> None:
        self.cluster = initial_cluster(scenario)
        self._ordered = [a for _, _, a in sorted([(a.t, 0, a) for a in actions] + [(a.t, 1, a) for a in decided],
                                                 key=lambda x: x[:2])]
        self._applied = 0           # of ``_ordered``: the operations and decisions replayed so far

    def upto(self, t: float) -> Cluster:
        """The estate after every operation (and decision) at or before ``t``, no earlier than the last asked."""
        return self.first(next((n for n in range(self._applied, len(self._ordered)) if self._ordered[n].t > t),
                               len(self._ordered)))

    def first(self, n: int) -> Cluster:
        """The estate after the first ``n`` operations and decisions in ``build_cluster``'s order (``n`` no fewer
        than already replayed)."""
        assert n >= self._applied, (n, self._applied)       # the past is not replayed backwards
        for a in self._ordered[self._applied:n]:
            if a.action in OPERATIONS:
                self.cluster.apply(a, meaning=False)
        self._applied = n
        return self.cluster


def pinned(scenario: Scenario, actions: Iterable[Action]) -> list[Action]:
    """``actions`` (in their order) with each ``rollout undo`` pinned to the pod template it landed on (``landed``;
    None: it changed nothing), resolved on the operations recorded before it. An undo names no release: it goes back
    a revision (or to a number), which the operations before it decide, so a what-if without an earlier one (the
    drill report's "without it") would re-mean it: without a restart, a plain undo typed to leave that restart went
    back to v1.1.0 instead of v1.2.0, and the restart was credited with the rollback's effect (redteam37 F11)."""
    listed = list(actions)
    out, cluster = list(listed), initial_cluster(scenario)
    for i in sorted(range(len(listed)), key=lambda i: listed[i].t):      # ``build_cluster``'s order
        a = listed[i]
        if a.action == "rollout_undo" and (dep := cluster.deployments.get(str(a.detail.get("deployment", "")))):
            landed = dep.template_after(a)
            out[i] = replace(a, detail={**a.detail, "landed": landed})
        if a.action in OPERATIONS:
            cluster.apply(a, meaning=False)
    return out


# env switches on FlowEngine -> (canonical action when turned on, when turned off)
SWITCHES = {"ENABLE_CIRCUIT_BREAKER": ("circuit_breaker", "circuit_breaker_off"), "PII_REDACTION_ENABLED": ("redaction", ""),
            "CONTEXT_PRUNING_ENABLED": ("context_pruning", "context_pruning_off"),
            "MANUAL_REVIEW_MODE": ("manual_review", "manual_review_off")}
ROUTING_KEYS = ("FALLBACK_MODEL", "ARCHITECT_FALLBACK_MODEL", "DISABLE_PROVIDERS")


def switched_on(env: Env, key: str) -> bool:
    """Whether the env turns switch ``key`` on (``true``, ``1``, ``yes``, ``on``, in any case)."""
    return env.get(key, "").lower() in {"true", "1", "yes", "on"}


# knob -> (its key in FlowEngine's env, the value a runbook sets, the value at which it does nothing, or the
# scenario's fact that says it): how hard a mitigation set through it acts (``dose``). MAX_CONCURRENT_FLOWS is no
# knob of a bend: it sizes FlowEngine's queue (``cap``, ``queue``), which every scenario's flows pass through.
KNOBS = {"context_pruning": ("CONTEXT_MAX_SIZE_KB", 180.0, "context_kb")}


def cap(env: Env) -> int:
    """How many flows FlowEngine with ``env`` runs at once across its deployment (``MAX_CONCURRENT_FLOWS``, a whole
    number from 1; its default 50 when unset or unreadable, as FlowEngine falls back to it). Read up to 1000: far
    more than this estate ever has in flight, so a larger one runs the same (and the queue's sums stay short)."""
    return min(1000, _whole(env.get("MAX_CONCURRENT_FLOWS", "").strip()) or int(FLOWENGINE_ENV["MAX_CONCURRENT_FLOWS"]))


def dose(action: str, env: Env, scenario: Scenario) -> float:
    """How hard ``action`` acts with ``env``: 1 at the runbook's value of its knob (the scenario's ``factor``), 0 at
    a value that does nothing (a size above the bundles), in proportion between, more past the runbook's (a smaller
    size prunes harder); 1 for an action no knob sizes, 0 for a value FlowEngine cannot read. The one reading the
    curves take of a knob (``Signals._steps``)."""
    if action not in KNOBS:
        return 1.0
    key, full, nothing = KNOBS[action]
    try:
        value, nothing = float(env.get(key, "")), float(scenario.facts[nothing] if isinstance(nothing, str) else nothing)
    except (ValueError, KeyError):
        return 0.0
    return max(0.0, (nothing - value) / (nothing - full)) if math.isfinite(value) else 0.0


def breaker_limit(env: Env) -> float:
    """The quota share at which the circuit breaker of ``env`` trips (``CIRCUIT_BREAKER_THRESHOLD`` percent, 85 unread)."""
    try:
        return float({**UNREAD, **env}["CIRCUIT_BREAKER_THRESHOLD"]) / 100.0
    except ValueError:
        return 0.85


def disabled(env: Env) -> set[str]:
    """The providers ``DISABLE_PROVIDERS`` turns off: the one reading of it (routing, why, ``/health/models``). FlowEngine
    reads it as provider names, comma-separated, in any case, spaces ignored (``Anthropic, OpenAI``), as its switches."""
    if (names := env.get("DISABLE_PROVIDERS", "")) == "":      # unset, as most envs leave it (asked for every flow)
        return set()
    return {p.strip().lower() for p in names.split(",")} - {""}


def moved_primary(env: Env) -> str | None:
    """The model ``PRIMARY_MODEL`` names when it is not the primary's own: FlowEngine's flows then plan and run on it,
    every call the primary's flows make going there first, as ``FALLBACK_MODEL`` sends them (redteam43 R11: switching
    it to gpt-4-turbo moved nothing, every new Claude flow still failing on the spent quota)."""
    return model if (model := env.get("PRIMARY_MODEL", "")) and model != fleet.PRIMARY_PROVIDER.model else None


def fallback_of(env: Env) -> str:
    """The model FlowEngine falls back to under ``env``: the flows' label and the provider its calls go to."""
    return moved_primary(env) or env.get("FALLBACK_MODEL") or env.get("ARCHITECT_FALLBACK_MODEL") or "gpt-4-turbo"


def route_of(env: Env, away: bool = False) -> str | None:
    """The provider FlowEngine with ``env`` sends the primary's calls to when the env names a fallback or disables the
    primary (or ``away``): the fallback model's, else (disabled too) the first provider still enabled; None when none
    is (the calls fail, ``Signals.fails``) or the fallback is the primary (``DISABLE_PROVIDERS=openai`` alone);
    ``fleet.UNSERVED`` for a fallback model no provider serves (its calls fail: ``Signals.strands``)."""
    to, off = fleet.provider_of(fallback_of(env)) or fleet.UNSERVED, disabled(env)
    away = away or fleet.PRIMARY in off or any(env.get(k) for k in ROUTING_KEYS[:2]) or bool(moved_primary(env)) or \
        switched_on(env, "FALLBACK_ON_5XX") or threshold(env) is not None
    if to in off or to == fleet.PRIMARY in off:
        to = next((p for p in fleet.PROVIDER_NAMES if p != fleet.PRIMARY and p not in off), fleet.PRIMARY)
    return to if away and to != fleet.PRIMARY else None


_SECONDS = re.compile(r"\d+(\.\d*)?")     # ``threshold``'s spelling, compiled once: the world asks it for every flow


def threshold(env: Env) -> float | None:
    """``FALLBACK_THRESHOLD_LATENCY`` in seconds: a call to the primary slower than it is tried on the fallback."""
    if (value := env.get("FALLBACK_THRESHOLD_LATENCY", "")) == "":      # unset, as most envs leave it
        return None
    return float(value) if _SECONDS.fullmatch(value) else None


def tried_first(env: Env) -> bool:
    """Whether ``env`` moves only the primary's calls that got a 5xx (``FALLBACK_ON_5XX=true``) or ran slower than
    ``threshold``, the primary still enabled: FlowEngine calls the primary first and tries those on the fallback."""
    return (switched_on(env, "FALLBACK_ON_5XX") or threshold(env) is not None) and fleet.PRIMARY not in disabled(env) \
        and not moved_primary(env)


# The architect role is one call of a flow's ``fleet.CALLS_PER_FLOW`` (its plan, then the work): the share of its calls
# and tokens ``ARCHITECT_FALLBACK_MODEL`` moves off the primary, the work staying there
PLAN_SHARE = 1.0 / fleet.CALLS_PER_FLOW
#: What ``ARCHITECT_FALLBACK_MODEL`` moves, in its own words (the seeds': the architect role routed for new flows, the
#: flows' work staying on Claude), not ``FALLBACK_MODEL``'s every call: the router's reason and the drill report's why
PLAN_WORDS = (f"the architect role only, each new flow's plan, {PLAN_SHARE * 100:.0f}% of its calls; the rest stays on "
              f"{fleet.PRIMARY_PROVIDER.model}")


def plan_only(env: Env) -> bool:
    """Whether ``env`` moves only the architect role (each flow's planning call, ``PLAN_SHARE``) off the primary:
    ``ARCHITECT_FALLBACK_MODEL`` with no ``FALLBACK_MODEL``, the primary enabled and not tried first."""
    return bool(env.get("ARCHITECT_FALLBACK_MODEL")) and not env.get("FALLBACK_MODEL") and \
        fleet.PRIMARY not in disabled(env) and not tried_first(env) and not moved_primary(env)


def _env_meaning(before: Env, after: Env) -> list[str]:
    """Canonical actions an env change on the FlowEngine deployment amounts to."""
    found = {up if switched_on(after, key) else down
             for key, (up, down) in SWITCHES.items() if switched_on(after, key) != switched_on(before, key)}
    # routing counts again whenever the fallback target changes, not only when it first appears; to a model no
    # provider serves it routes nowhere (the world fails those calls, ``Signals.route``): no fallback routing
    routed = route_of(after) not in (None, fleet.UNSERVED)
    if routed and (any(after.get(k) and after.get(k) != before.get(k) for k in ROUTING_KEYS) or (
            switched_on(after, "FALLBACK_ON_5XX") and not switched_on(before, "FALLBACK_ON_5XX")) or (
            moved_primary(after) not in (None, moved_primary(before)))):
        found.add("fallback_routing")
    if route_of(before) not in (None, fleet.UNSERVED) and not routed:
        found.add("fallback_routing_off")
    if cap(after) != cap(before):      # as FlowEngine reads it: 0, a word or unset leave its default in force
        found.add("throttle" if cap(after) < cap(before) else "throttle_off")
    return [k for k in ACTIONS if k in found]


def meaning_keys(detail: dict[str, Any], meanings: Collection[str]) -> set[str]:
    """The keys a ``set_env`` operation (its ``detail``) sets that alone mean one of ``meanings``: each key's value
    against the rest of what the operation sets (``_env_meaning``). What the drill report takes out of one command to
    weigh some of what it meant without the rest (``MAX_CONCURRENT_FLOWS=1 ENABLE_CIRCUIT_BREAKER=true`` is a throttle
    and a breaker: either's "without it" keeps the other's key)."""
    after = {str(k): str(v) for k, v in (detail.get("set") or {}).items()}
    return {k for k in after if set(_env_meaning({key: v for key, v in after.items() if key != k}, after)) & set(meanings)}


def _whole(value: object) -> int | None:
    """A setting as a whole number from 1 (ASCII digits), None when FlowEngine could not read it as one."""
    return int(text) if (text := str(value)).isascii() and text.isdigit() and int(text) > 0 else None


def _scaling(old: int, new: int) -> list[str]:
    """What scaling FlowEngine from ``old`` to ``new`` replicas means, by hand or by its autoscaler's bounds:
    fewer pods are an action too (one pod at 180% CPU slows and fails flows), never nothing."""
    if new == 0 < old:
        return ["flowengine_stop"]
    if old == 0 < new:
        return ["flowengine_start"]
    return ["scale"] if new > old else ["scale_down"] if new < old else []
