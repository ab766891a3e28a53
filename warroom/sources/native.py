"""Native runbook steps: ``k8s`` actions and ``promql`` queries, run without a shell.

A runbook's ```` ```warroom ```` fence holds one action per line (the runbook engine makes each a
step of kind ``k8s``); the grammar, kubectl-like and with an optional leading ``kubectl``:

    scale deployment/NAME replicas=N            (or --replicas=N)
    rollout restart deployment/NAME             (also statefulset/NAME, daemonset/NAME)
    rollout undo deployment/NAME [to-revision=N]   (revision=N too)
    rollout status deployment/NAME              (read-only)
    set env deployment/NAME KEY=VALUE... [KEY-] [container=NAME]   (also statefulset, daemonset)

This is a superset of the runbook engine's grammar (``warroom.syntax.k8s``), so every line its
linter accepts runs here.

Any of them may add ``namespace=NS`` (or ``-n NS``) to override ``kubernetes.namespace``.
``parse_k8s_action`` checks a line without touching a cluster (the linter can call it).

The incident engine runs a native step with ``run_native_step`` and journals the returned
``NativeResult`` exactly like a shell command's (status, exit code, output lines, duration, and
``target`` for the blast radius). Like the command runner, it never raises for a step failure.
"""

from __future__ import annotations

import math
import re
import shlex
from dataclasses import dataclass, field
from typing import Any, Literal

from warroom import scenario_time as stime
from warroom.config import Config, KubernetesConfig
from warroom.errors import WarroomError

NativeStatus = Literal["ok", "failed", "timed_out"]
EXIT_CODES = {"ok": 0, "failed": 1, "timed_out": 124}
_RESOURCE = re.compile(r"^(deployments?|deploy|statefulsets?|sts|daemonsets?|ds)(?:\.apps)?/"
                       r"([a-z0-9]([-a-z0-9.]*[a-z0-9])?)$")
_KINDS = {"deployment": "deployment", "deployments": "deployment", "deploy": "deployment",
          "statefulset": "statefulset", "statefulsets": "statefulset", "sts": "statefulset",
          "daemonset": "daemonset", "daemonsets": "daemonset", "ds": "daemonset"}
_ENV = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)=(.*)$", re.S)
_SPACED_OPTIONS = {"-n": "namespace", "--namespace": "namespace", "-c": "container",
                   "--container": "container", "--replicas": "replicas", "--to-revision": "to-revision"}
_UNSET = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)-$")


class ActionError(WarroomError):
    """A native step line that does not parse; the message says what was expected."""


@dataclass(frozen=True)
class K8sAction:
    verb: Literal["scale", "restart", "undo", "status", "set-env"]
    name: str
    replicas: int | None = None
    revision: int | None = None
    env: dict[str, str | None] = field(default_factory=dict)
    container: str | None = None
    namespace: str | None = None
    text: str = ""
    kind: str = "deployment"            # deployment; statefulset/daemonset for restart and set env

    @property
    def mutating(self) -> bool:
        return self.verb != "status"

    def describe(self) -> str:
        if self.verb == "scale":
            return f"scale {self.kind}/{self.name} to {self.replicas} replicas"
        if self.verb == "restart":
            return f"restart every pod of {self.kind}/{self.name} (rolling)"
        if self.verb == "undo":
            to = f"revision {self.revision}" if self.revision else "the previous revision"
            return f"roll {self.kind}/{self.name} back to {to}"
        if self.verb == "set-env":
            parts = ", ".join(f"{k}={v}" if v is not None else f"unset {k}" for k, v in self.env.items())
            return f"set {parts} on {self.kind}/{self.name}"
        return f"show the rollout state of {self.kind}/{self.name}"


def parse_k8s_action(command: str) -> K8sAction:
    """One ``warroom`` fence line as an action; raises ActionError naming the problem."""
    text = command.strip()
    try:
        words = shlex.split(text)
    except ValueError as exc:
        raise ActionError(f"k8s step {text!r}: {exc}") from None
    if words and words[0] == "kubectl":
        words = words[1:]
    opts: dict[str, str] = {}
    rest: list[str] = []
    i = 0
    while i < len(words):
        w = words[i]
        if w in _SPACED_OPTIONS:
            if i + 1 >= len(words):
                raise ActionError(f"k8s step {text!r}: {w} needs a value")
            opts[_SPACED_OPTIONS[w]] = words[i + 1]
            i += 2
            continue
        if w.startswith("--") and "=" in w:
            k, v = w[2:].split("=", 1)
            opts[k] = v
        elif w.split("=", 1)[0] in ("namespace", "container", "replicas", "to-revision", "revision") and "=" in w:
            k, v = w.split("=", 1)
            opts[k] = v
        else:
            rest.append(w)
        i += 1
    usage = ("expected one of: scale deployment/NAME replicas=N | rollout restart|undo|status "
             "deployment/NAME | set env deployment/NAME KEY=VALUE...")
    if not rest:
        raise ActionError(f"k8s step is empty; {usage}")
    if rest[0] == "rollout" and len(rest) >= 2:
        verb_word, args = rest[1], rest[2:]
        verb = {"restart": "restart", "undo": "undo", "status": "status"}.get(verb_word)
    elif rest[0] == "set" and len(rest) >= 2 and rest[1] == "env":
        verb, args = "set-env", rest[2:]
    elif rest[0] == "scale":
        verb, args = "scale", rest[1:]
    else:
        verb, args = None, []
    if verb is None:
        raise ActionError(f"k8s step {text!r}: unknown action; {usage}")
    if args and args[0] in _KINDS and len(args) >= 2:
        args = [f"{args[0]}/{args[1]}", *args[2:]]
    match = _RESOURCE.match(args[0]) if args else None
    if match is None:
        got = repr(args[0]) if args else "nothing"
        raise ActionError(f"k8s step {text!r}: expected deployment/NAME, got {got}")
    name, kind = match.group(2), _KINDS[match.group(1)]
    if kind != "deployment" and verb not in ("restart", "set-env"):
        raise ActionError(f"k8s step {text!r}: {verb} works on deployments only; for a {kind}"
                          " use kubectl in a bash block")
    extra = args[1:]
    if "revision" in opts and verb == "undo":
        opts["to-revision"] = opts.pop("revision")
    kw: dict[str, Any] = {"name": name, "kind": kind, "namespace": opts.pop("namespace", None),
                          "text": text}
    if verb == "scale":
        raw = opts.pop("replicas", None)
        if raw is None or not raw.isdigit():
            raise ActionError(f"k8s step {text!r}: scale needs replicas=N (a whole number >= 0)")
        kw["replicas"] = int(raw)
    elif verb == "undo":
        raw = opts.pop("to-revision", None)
        if raw is not None:
            if not raw.isdigit():
                raise ActionError(f"k8s step {text!r}: to-revision must be a whole number")
            kw["revision"] = int(raw) or None
    elif verb == "set-env":
        env: dict[str, str | None] = {}
        for item in extra:
            m, u = _ENV.match(item), _UNSET.match(item)
            if m:
                env[m.group(1)] = m.group(2)
            elif u:
                env[u.group(1)] = None
            else:
                raise ActionError(f"k8s step {text!r}: expected KEY=VALUE or KEY-, got {item!r}")
        if not env:
            raise ActionError(f"k8s step {text!r}: set env needs at least one KEY=VALUE")
        kw["env"] = env
        kw["container"] = opts.pop("container", None)
        extra = []
    if extra:
        raise ActionError(f"k8s step {text!r}: unexpected {' '.join(extra)!r}")
    if opts:
        raise ActionError(f"k8s step {text!r}: option {next(iter(opts))!r} does not apply to {verb}")
    return K8sAction(verb=verb, **kw)  # type: ignore[arg-type]


@dataclass(frozen=True)
class NativeResult:
    """A native step's outcome, shaped like a command's so it is journaled the same way."""

    kind: str
    command: str
    status: NativeStatus
    lines: tuple[str, ...] = ()
    error: str | None = None
    started_at: float = 0.0
    ended_at: float = 0.0
    target: dict[str, Any] | None = None
    mutating: bool = False
    dry_run: bool = False

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.status]

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def duration(self) -> float:
        return max(0.0, self.ended_at - self.started_at)


def k8s_target(command: str, cfg: KubernetesConfig, context: str | None = None) -> dict[str, Any]:
    """The blast radius of a k8s step, for the confirmation prompt; raises a WarroomError."""
    from warroom.sources.kubernetes import describe_target

    action = parse_k8s_action(command)
    target = describe_target(cfg, context, action.namespace)
    return {**target.journal(), "describe": target.describe(), "action": action.describe()}


def run_k8s_step(command: str, cfg: KubernetesConfig, *, context: str | None = None,
                 dry_run: bool = False, source: Any = None) -> NativeResult:
    """Parse and run one k8s action; blocking (worker thread); never raises for a failure."""
    from warroom.sources.kubernetes import KubeError, KubeSource

    started = stime.now()

    def done(status: NativeStatus, lines: list[str], error: str | None = None,
             target: dict[str, Any] | None = None, mutating: bool = False) -> NativeResult:
        return NativeResult("k8s", command, status, tuple(lines), error, started, stime.now(),
                            target, mutating, dry_run)

    try:
        action = parse_k8s_action(command)
    except ActionError as exc:
        return done("failed", [str(exc)], str(exc))
    if not cfg.enabled:
        why = "kubernetes.enabled = false in the config: no request is sent to any cluster"
        return done("failed", [why], why, mutating=action.mutating)
    kube = source
    own = False
    try:
        if kube is None or (action.namespace and action.namespace != kube.namespace):
            kube = KubeSource(cfg, context=context, namespace=action.namespace)
            own = True
        target = kube.target()
        tgt = target.journal()
        if dry_run:
            return done("ok", [f"dry run: would {action.describe()}", f"target: {target.describe()}"],
                        target=tgt, mutating=action.mutating)
        if action.verb == "scale":
            lines = kube.scale(action.name, int(action.replicas or 0))
        elif action.verb == "restart":
            lines = kube.restart(action.name, kind=action.kind)
        elif action.verb == "undo":
            lines = kube.undo(action.name, action.revision)
        elif action.verb == "set-env":
            lines = kube.set_env(action.name, action.env, action.container, kind=action.kind)
        else:
            lines = kube.rollout_status(action.name)
        return done("ok", lines, target=tgt, mutating=action.mutating)
    except KubeError as exc:
        status: NativeStatus = "timed_out" if "within" in str(exc) and "no answer" in str(exc) else "failed"
        return done(status, [f"error: {exc}"], str(exc), mutating=action.mutating)
    finally:
        if own and kube is not None:
            kube.close()


def sample_text(value: float) -> str:
    """A sample's value as Prometheus writes it (Go's ``FormatFloat(v, 'f', -1, 64)``: the shortest digits that
    read back as the same float, never an exponent; ``+Inf``, ``-Inf``, ``NaN``). A step's output is what the
    commander compares with Prometheus and what its expectation is judged on: three significant digits printed
    98.953 as "99" and 80.04 as "80", which then failed "above 80" (redteam40 R9d)."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    from decimal import Decimal

    text = format(Decimal(repr(value)), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text       # 3.0 is "3", as Go writes it


def run_promql_step(expr: str, source: Any, at: float | None = None) -> NativeResult:
    """Evaluate a ```` ```promql ```` step and list every series it returns."""

    started = stime.now()
    if source is None:
        msg = "no Prometheus configured (set prometheus.url)"
        return NativeResult("promql", expr, "failed", (msg,), msg, started, stime.now())
    query = getattr(source, "query", None)
    lines: list[str] = []
    if callable(query):
        from warroom.sources.prometheus import format_labels

        try:
            series = query(expr, at)
        except Exception as exc:  # any source's query error (QueryError, the drill's PromQLError) is the step's output
            return NativeResult("promql", expr, "timed_out" if "no answer" in str(exc) else "failed",
                                (f"error: {exc}",), str(exc), started, stime.now())
        # Prometheus gives (labels, value, time), the drill (labels, value): only the first two matter.
        rows = [(s[0], float(s[1])) for s in series]
        for labels, value in sorted(rows, key=lambda r: -r[1] if math.isfinite(r[1]) else 0):
            lines.append(f"{format_labels(labels) or '{}'}  {sample_text(value)}")
        if not rows:
            lines.append("(no series)")
    else:
        sample = source.instant(expr, at)
        if sample.error:
            return NativeResult("promql", expr, "failed", (f"error: {sample.error}",), sample.error,
                                started, stime.now())
        lines.append(sample_text(sample.value) if sample.value is not None else "(no series)")
        if sample.note:
            lines.append(f"note: {sample.note}")
    return NativeResult("promql", expr, "ok", tuple(lines), None, started, stime.now())


def run_native_step(kind: str, command: str, cfg: Config, *, context: str | None = None,
                    dry_run: bool = False, metric_source: Any = None, kube: Any = None) -> NativeResult:
    """Entry point for the incident engine: run a step of kind ``k8s`` or ``promql``."""
    if kind == "k8s":
        return run_k8s_step(command, cfg.kubernetes, context=context, dry_run=dry_run, source=kube)
    if kind == "promql":
        if dry_run:
            now = stime.now()
            return NativeResult("promql", command, "ok", (f"dry run: would query {command}",),
                                None, now, now, dry_run=True)
        return run_promql_step(command, metric_source)
    now = stime.now()
    return NativeResult(kind, command, "failed", (f"not a native step kind: {kind}",),
                        f"not a native step kind: {kind}", now, now)
