"""The drill's Kubernetes side, rebuilt from the recorded actions: deployments, revisions, config.

Stand-ins that change something (``kubectl set env``, ``rollout undo``, ``scale``, ``blocks config
set``) record an *operation* (``set_env``, ``rollout_undo``, ...) in ``actions.jsonl``; every later
stand-in replays those operations on the scenario's starting estate to answer ``kubectl get``,
``rollout history`` and friends. Like the metrics, the cluster is a pure function of the action
file, so two stand-ins never disagree and a resumed drill sees what was done before.

Rollouts follow Kubernetes' rules closely enough to teach the real lessons: every template change
(env, image, restart annotation) makes a new revision; ``rollout undo`` returns to the previous
*revision*, which after an env change is your own change, not the release before.
"""

from __future__ import annotations

import copy
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from warroom.drill import fleet
from warroom.drill.actions import Action
from warroom.drill.scenarios import Scenario

DAY = 86400.0
ROLLOUT_SECONDS = {"flowengine": 45.0, "audit-shipper": 20.0}
FLOWENGINE_ENV: dict[str, str] = {
    "LOG_LEVEL": "info",
    "DB_POOL_SIZE": "200",
    "MAX_CONCURRENT_FLOWS": "50",
    "CONTEXT_MAX_SIZE_KB": "180",
    "CONTEXT_PRUNING_ENABLED": "false",
    "ENABLE_CIRCUIT_BREAKER": "false",
    "PII_REDACTION_ENABLED": "true",
    "PRIMARY_MODEL": "claude-sonnet-4-5",
    "SCHEMA_VERSION": fleet.SCHEMA_VERSION,
}
OPERATIONS = frozenset({
    "set_env", "set_image", "rollout_restart", "rollout_undo", "scale", "config_set", "create",
    "delete", "patch", "apply",
})


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


@dataclass
class Revision:
    number: int
    image: str
    env: dict[str, str]
    cause: str
    at: float                           # scenario seconds the template was created
    annotations: dict[str, str] = field(default_factory=dict)

    @property
    def template_hash(self) -> str:
        return short_hash(self.image, sorted(self.env.items()), sorted(self.annotations.items()))


@dataclass
class Deployment:
    name: str
    namespace: str
    replicas: int
    history: list[Revision]
    container: str
    port: int = 8080
    scaled_at: float = -30 * DAY
    previous_replicas: int = 0

    @property
    def current(self) -> Revision:
        return self.history[-1]

    def revision(self, number: int) -> Revision | None:
        return next((r for r in self.history if r.number == number), None)

    @property
    def rollout_seconds(self) -> float:
        return ROLLOUT_SECONDS.get(self.name, 15.0)

    def rollout_done_at(self) -> float:
        """Scenario time at which the current revision is fully rolled out (and scaled)."""
        return max(self.current.at + self.rollout_seconds, self.scaled_at + self.rollout_seconds)

    def ready(self, t: float) -> int:
        """Ready replicas at ``t`` (a rollout replaces pods one by one)."""
        if t >= self.rollout_done_at() or self.replicas == 0:
            return self.replicas
        frac = max(0.0, (t - max(self.current.at, self.scaled_at)) / self.rollout_seconds)
        return min(self.replicas, max(self.replicas - 1, int(self.replicas * frac)))

    def updated(self, t: float) -> int:
        if t >= self.rollout_done_at():
            return self.replicas
        frac = max(0.0, (t - self.current.at) / self.rollout_seconds)
        return min(self.replicas, int(round(self.replicas * frac)))


@dataclass
class Cluster:
    """The estate at one scenario moment, after replaying every operation recorded before it."""

    scenario: Scenario
    deployments: dict[str, Deployment]
    secrets: dict[str, list[str]]
    configmaps: dict[str, dict[str, str]]
    config: dict[str, str]
    hpa: dict[str, dict[str, Any]]
    extra: dict[str, str] = field(default_factory=dict)   # other created objects: "kind/name" -> ns
    log: list[Action] = field(default_factory=list)

    def deployment(self, name: str, namespace: str | None = None) -> Deployment | None:
        d = self.deployments.get(name)
        if d is None or (namespace is not None and d.namespace != namespace):
            return None
        return d

    @property
    def flowengine(self) -> Deployment:
        return self.deployments[fleet.DEPLOYMENT]

    def env(self, name: str = fleet.DEPLOYMENT) -> dict[str, str]:
        d = self.deployments.get(name)
        return dict(d.current.env) if d else {}

    def allowlist(self) -> list[str]:
        return [r for r in self.config.get("repos.allowlist", "").split(",") if r]

    def breaker(self) -> tuple[float, float, str] | None:
        """FlowEngine's circuit breaker as configured: (armed at, limit as a ratio, threshold as
        written); None while it is not enabled. It arms when the pods of the revision that turned
        it on are ready, one rollout after that revision."""
        fe = self.flowengine
        if fe.current.env.get("ENABLE_CIRCUIT_BREAKER", "").lower() != "true":
            return None
        since = fe.current.at
        for rev in reversed(fe.history):
            if rev.env.get("ENABLE_CIRCUIT_BREAKER", "").lower() != "true":
                break
            since = rev.at
        threshold = fe.current.env.get("CIRCUIT_BREAKER_THRESHOLD", "85")
        try:
            limit = float(threshold) / 100.0
        except ValueError:
            limit = 0.85
        return since + fe.rollout_seconds, limit, threshold

    def bad_release(self, image: str | None = None) -> bool:
        """Whether ``image`` (default: FlowEngine's current one) runs the scenario's bad version.

        Judged by the version tag, whatever registry the image is named from: ``set image
        flowengine=flowengine:v1.2.0`` runs the same bad code as ``registry.internal/flowengine:v1.2.0``.
        """
        bad = self.scenario.facts.get("bad_version")
        return bool(bad) and release(image or self.flowengine.current.image) == bad

    def schema_version(self) -> str:
        """The TaskObject schema FlowEngine writes: a property of the code it runs, not of its env."""
        if self.bad_release():
            return str(self.scenario.facts.get("bad_schema", fleet.SCHEMA_VERSION))
        return fleet.SCHEMA_VERSION

    # ------------------------------------------------------------------ replay

    def apply(self, a: Action) -> None:
        d = a.detail
        dep = self.deployments.get(str(d.get("deployment", "")))
        if a.action == "set_env" and dep is not None:
            env = env_after(dep.current.env, d)
            if env != dep.current.env:
                self._new_revision(dep, dep.current.image, env, dep.current.annotations, a.t)
        elif a.action == "set_image" and dep is not None:
            image = str(d.get("image"))
            if image != dep.current.image:
                self._new_revision(dep, image, dict(dep.current.env), dep.current.annotations, a.t)
        elif a.action == "rollout_restart" and dep is not None:
            ann = dict(dep.current.annotations)
            ann["kubectl.kubernetes.io/restartedAt"] = str(d.get("restarted_at", a.ts))
            self._new_revision(dep, dep.current.image, dict(dep.current.env), ann, a.t)
        elif a.action == "rollout_undo" and dep is not None:
            target = undo_target(dep, d.get("to_revision"))
            if target is not None:
                dep.history.remove(target)
                dep.history.append(Revision(
                    self._next_number(dep), target.image, dict(target.env), target.cause, a.t,
                    dict(target.annotations)))
        elif a.action == "scale" and dep is not None:
            dep.previous_replicas = dep.replicas
            dep.replicas = int(d.get("replicas", dep.replicas))
            dep.scaled_at = a.t
        elif a.action == "config_set":
            self.config[str(d.get("key"))] = str(d.get("value"))
        elif a.action == "patch" and str(d.get("kind")) == "hpa":
            spec = (d.get("patch") or {}).get("spec") or {}
            hpa = self.hpa.setdefault(str(d.get("name")), {"min": 1, "max": 1, "cpu": 70})
            hpa["min"] = int(spec.get("minReplicas", hpa["min"]))
            hpa["max"] = int(spec.get("maxReplicas", hpa["max"]))
            target = self.deployments.get(str(d.get("name")))
            if target is not None and target.replicas != hpa_replicas(target, hpa):
                # the autoscaler moves the deployment into its new bounds (never up from zero)
                target.previous_replicas, target.replicas, target.scaled_at = (
                    target.replicas, hpa_replicas(target, hpa), a.t)
        elif a.action == "create":
            kind, name = str(d.get("kind")), str(d.get("name"))
            if kind == "secret":
                self.secrets[name] = list(d.get("keys") or [])
            else:
                self.extra[f"{kind}/{name}"] = str(d.get("namespace", fleet.NAMESPACE))
        elif a.action == "delete":
            kind, name = str(d.get("kind")), str(d.get("name"))
            if kind == "secret":
                self.secrets.pop(name, None)
            elif kind == "deployment":
                self.deployments.pop(name, None)
            self.extra.pop(f"{kind}/{name}", None)
        self.log.append(a)

    @staticmethod
    def _next_number(dep: Deployment) -> int:
        return max(r.number for r in dep.history) + 1

    def _new_revision(self, dep: Deployment, image: str, env: dict[str, str], ann: dict[str, str],
                      t: float) -> None:
        # Kubernetes reuses a revision whose template matches exactly (it moves to the top)
        same = next((r for r in dep.history if r.image == image and r.env == env and r.annotations == ann), None)
        if same is not None:
            dep.history.remove(same)
        dep.history.append(Revision(self._next_number(dep), image, env, same.cause if same else "<none>", t,
                                    dict(ann)))


def release(image: str) -> str:
    """The version an image reference names (``registry.internal/flowengine:v1.2.0`` -> ``v1.2.0``)."""
    name = image.rsplit("/", 1)[-1]
    return name.split(":", 1)[1] if ":" in name else "latest"


def hpa_replicas(dep: Deployment, hpa: dict[str, Any]) -> int:
    """The replicas an autoscaler with these bounds keeps the deployment at (zero stays zero)."""
    return min(max(dep.replicas, int(hpa["min"])), int(hpa["max"])) if dep.replicas else 0


def env_after(env: dict[str, str], detail: dict[str, Any]) -> dict[str, str]:
    """``env`` after a ``set_env`` operation's sets and unsets."""
    out = {**env, **{str(k): str(v) for k, v in (detail.get("set") or {}).items()}}
    for k in detail.get("unset") or ():
        out.pop(str(k), None)
    return out


def undo_target(dep: Deployment, to_revision: object = None) -> Revision | None:
    """The revision ``rollout undo`` would go back to (None: nothing to undo / not found)."""
    if to_revision not in (None, "", 0, "0"):
        try:
            number = int(str(to_revision))
        except ValueError:
            return None
        target = dep.revision(number)
        return None if target is None or target is dep.current else target
    return dep.history[-2] if len(dep.history) >= 2 else None


def initial_cluster(scenario: Scenario) -> Cluster:
    """The estate as it stood before the drill: revision history, replicas, config."""
    repo = fleet.IMAGE_REPO
    fe_history = [
        Revision(4, f"{repo}:v1.0.2", dict(FLOWENGINE_ENV), "pilot release v1.0.2", -21 * DAY),
        Revision(5, f"{repo}:v1.0.3", dict(FLOWENGINE_ENV), "v1.0.3: retry backoff fix", -12 * DAY),
        Revision(6, f"{repo}:{fleet.GOOD_VERSION}", dict(FLOWENGINE_ENV),
                 f"release {fleet.GOOD_VERSION}: Phase 6 scaling (HPA, pool 200)", -6 * DAY),
    ]
    audit_env = {"AUDIT_STORE_URL": "postgres://audit-store:5432/audit", "BATCH_SIZE": "200",
                 "AUDIT_STORE_SECRET": "audit-store-2025-10"}
    deployments = {
        fleet.DEPLOYMENT: Deployment(fleet.DEPLOYMENT, fleet.NAMESPACE, fleet.REPLICAS, fe_history, "flowengine"),
        fleet.AUDIT_DEPLOYMENT: Deployment(
            fleet.AUDIT_DEPLOYMENT, fleet.NAMESPACE, 2,
            [Revision(3, "registry.internal/audit-shipper:v2.3.1", audit_env, "audit-shipper v2.3.1", -40 * DAY)],
            "audit-shipper", port=9000),
        "postgres": Deployment("postgres", fleet.NAMESPACE, 1,
                               [Revision(2, "postgres:15.5", {"POSTGRES_DB": "flowengine_db"}, "<none>", -90 * DAY)],
                               "postgres", port=5432),
    }
    for change in scenario.changes:
        dep = deployments[change.deployment]
        env = dict(dep.current.env)
        env.update(change.env)
        image = f"{repo}:{change.image}" if change.image else dep.current.image
        dep.history.append(Revision(max(r.number for r in dep.history) + 1, image, env, change.cause, change.at))
    return Cluster(
        scenario=scenario,
        deployments=deployments,
        secrets={"model-api-keys": ["anthropic", "openai", "google"], "audit-store-2025-11": ["password"],
                 "taskdb-credentials": ["username", "password"]},
        configmaps={"flowengine-config": {"flows.default_timeout": "180s", "context.max_size_kb": "180"}},
        config={
            "repos.allowlist": ",".join(r.name for r in fleet.REPOS),
            "context.max_size_kb": "180",
            "retry.max_attempts": "3",
            "quota.alert_threshold": "0.80",
        },
        hpa={fleet.DEPLOYMENT: {"min": 5, "max": 20, "cpu": 70}},
    )


def build_cluster(scenario: Scenario, actions: Iterable[Action], t: float | None = None) -> Cluster:
    """Replay every recorded operation (up to scenario time ``t``) on the starting estate."""
    cluster = initial_cluster(scenario)
    for a in sorted(actions, key=lambda a: a.t):
        if t is not None and a.t > t:
            break
        if a.action in OPERATIONS:
            cluster.apply(copy.deepcopy(a))
    return cluster


_TRUE = {"true", "1", "yes", "on"}
# env switches on FlowEngine -> (canonical action when turned on, when turned off)
SWITCHES = {"ENABLE_CIRCUIT_BREAKER": ("circuit_breaker", "circuit_breaker_off"),
            "CONTEXT_PRUNING_ENABLED": ("context_pruning", "context_pruning_off"),
            "PII_REDACTION_ENABLED": ("redaction", ""),
            "MANUAL_REVIEW_MODE": ("manual_review", "manual_review_off")}
ROUTING_KEYS = ("FALLBACK_MODEL", "ARCHITECT_FALLBACK_MODEL", "DISABLE_PROVIDERS")
# the order canonical actions are recorded in when one change means several
ORDER = ("circuit_breaker", "circuit_breaker_off", "fallback_routing", "fallback_routing_off", "context_pruning",
         "context_pruning_off", "redaction", "manual_review", "manual_review_off", "throttle")


def _env_meaning(before: dict[str, str], after: dict[str, str]) -> list[str]:
    """Canonical actions an env change on the FlowEngine deployment amounts to."""
    def on(env: dict[str, str], key: str) -> bool:
        return env.get(key, "").lower() in _TRUE

    def routed(env: dict[str, str]) -> bool:
        return any(env.get(k) for k in ROUTING_KEYS) or on(env, "FALLBACK_ON_5XX")

    found = {up if on(after, key) else down for key, (up, down) in SWITCHES.items() if on(after, key) != on(before, key)}
    # routing counts again whenever the fallback target changes, not only when it first appears
    if any(after.get(k) and after.get(k) != before.get(k) for k in ROUTING_KEYS) or (
            on(after, "FALLBACK_ON_5XX") and not on(before, "FALLBACK_ON_5XX")):
        found.add("fallback_routing")
    if routed(before) and not routed(after):
        found.add("fallback_routing_off")
    try:
        if int(after.get("MAX_CONCURRENT_FLOWS", "0")) < int(before.get("MAX_CONCURRENT_FLOWS", "0")):
            found.add("throttle")
    except ValueError:
        pass
    return [k for k in ORDER if k in found]


def _release_change(cluster: Cluster, image: str) -> list[str]:
    """Leaving the scenario's bad release is a ``rollback``; going back to it undoes one."""
    was, now = cluster.bad_release(), cluster.bad_release(image)
    return ["rollback"] if was and not now else ["rollback_off"] if now and not was else []


def meaning(cluster: Cluster, op: Action) -> list[str]:
    """What an operation means to the scenario, judged on the cluster *before* it is applied.

    ``kubectl rollout undo`` is a ``rollback`` only if it replaces the scenario's bad release
    with a good image; undoing your own env change is not.
    """
    d = op.detail
    name = str(d.get("deployment", ""))
    dep = cluster.deployments.get(name)
    if op.action == "patch" and d.get("kind") == "hpa" and str(d.get("name")) == fleet.DEPLOYMENT:
        spec = (d.get("patch") or {}).get("spec") or {}
        old = cluster.hpa.get(fleet.DEPLOYMENT, {"min": 1, "max": 1})
        fe = cluster.flowengine
        new = hpa_replicas(fe, {"min": spec.get("minReplicas", old["min"]), "max": spec.get("maxReplicas", old["max"])})
        return ["scale"] if new > fe.replicas else []
    if op.action == "config_set":
        if d.get("key") == "repos.allowlist":
            repos = [r for r in str(d.get("value", "")).split(",") if r]
            if repos and set(repos) <= {fleet.PILOT_REPO}:
                return ["rollback_to_pilot"]
        return []
    if dep is None:
        return []
    is_fe = name == fleet.DEPLOYMENT
    is_audit = "audit" in name
    if op.action == "set_env":
        if not is_fe:
            return ["audit_restart"] if is_audit else []
        return _env_meaning(dep.current.env, env_after(dep.current.env, d))
    if op.action == "rollout_restart":
        return ["restart"] if is_fe else (["audit_restart"] if is_audit else [])
    if op.action == "rollout_undo":
        target = undo_target(dep, d.get("to_revision"))
        if target is None:
            return []
        out = []
        if is_fe and _release_change(cluster, target.image):
            out.extend(_release_change(cluster, target.image))
        elif is_fe and target.image != dep.current.image:
            out.append("set_image")
        if is_fe:
            out.extend(_env_meaning(dep.current.env, target.env))
        if is_audit:
            out.append("audit_restart")
        return out
    if op.action == "set_image":
        return _release_change(cluster, str(d.get("image"))) if is_fe else []
    if op.action == "scale" and is_fe:
        new = int(d.get("replicas", dep.replicas))
        if new == 0 and dep.replicas > 0:
            return ["flowengine_stop"]
        if new > 0 and dep.replicas == 0:
            return ["flowengine_start"]
        if new > dep.replicas:
            return ["scale"]
    return []
