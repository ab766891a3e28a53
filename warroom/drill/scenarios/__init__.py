"""Drill scenarios: one TOML file each in this directory (``rate-limit.toml`` is scenario ``rate-limit``).

A scenario is a story (``title``, the ``symptom`` responders see first, ``summary`` read out at the
start, the ``root_cause`` the facilitator knows), the ``runbook`` and ``severity`` a declaration
starts from, the ``primary`` pane that breaches first and the ``breaches`` it drives to critical,
the ``resolution`` (canonical actions that end it), and a set of *faults*. Adding a scenario is
one file here plus its runbook: nothing in the code names a scenario.

Each fault has a strength between 0 and 1 over scenario time: it starts at ``onset`` (seconds from
the drill's start; negative means the trouble began before the IC sat down, so the sparklines
already show it coming) or ``onset`` seconds after ``onset_action`` is taken, ramps up over
``ramp`` seconds, may fade by itself after ``until`` (over ``fade`` s: a vendor fixing its outage),
and is bent down by its ``mitigations``. A mitigation names a canonical action (see
``warroom.drill.actions``: what a stand-in records when someone runs e.g. ``kubectl set env
deployment/flowengine ENABLE_CIRCUIT_BREAKER=true``); ``delay`` seconds after it is taken (a rollout,
a config propagating) it multiplies the fault's strength by a factor falling from 1 towards
``factor`` with time constant ``tau``. ``requires`` makes it useless until another action was taken
first (retrying while the quota is still exhausted fails again); ``why`` is what the drill report
says it did.

A fault moves *signals* by its ``impacts`` at full strength:

* ``fail:<repo>`` / ``fail:*``: extra share of that repo's (every repo's) flows that fail;
* ``latency``: seconds added to the median flow duration (the P95 follows; flows past the 180 s
  hard timeout fail, so slow flows also raise the failure rate);
* ``quota:<provider>``: extra share of the provider's daily token quota in use;
* ``api_5xx:<provider|*>`` / ``api_429:<provider|*>``: extra share of model API calls answered 5xx / 429;
* ``context_kb``: KB added to a typical context bundle;
* ``audit_stall``: the audit log stops receiving events while the fault is above half strength.

``messages`` are the error texts of the flows a fault kills (the stand-ins print them in logs, the
tasks table and retry output, so what responders read matches the panes). ``codes_5xx`` splits
5xx answers by status code, ``facts`` are names the stand-ins quote, and ``changes`` are the
releases the cluster's rollout history shows. A misspelt key is an error naming file and key.
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from warroom.errors import NotFoundError, WarroomError

HERE = Path(__file__).resolve().parent


class ScenarioError(WarroomError):
    """A scenario file that cannot be read; the message names the file and the key."""


@dataclass(frozen=True)
class Mitigation:
    action: str
    factor: float = 0.0          # share of the fault left once the action has fully acted
    delay: float = 0.0           # scenario seconds before it starts to act
    tau: float = 60.0            # time constant of the decay (scenario seconds)
    requires: tuple[str, ...] = ()
    why: str = ""


@dataclass(frozen=True)
class Fault:
    name: str
    impacts: Mapping[str, float]
    onset: float = 0.0
    ramp: float = 60.0
    onset_action: str | None = None
    until: float | None = None
    fade: float = 300.0
    mitigations: tuple[Mitigation, ...] = ()
    messages: tuple[str, ...] = ()


@dataclass(frozen=True)
class Change:
    """A change made to a deployment before the drill started (the release that broke things)."""

    deployment: str
    at: float                             # scenario seconds (negative: before the drill)
    cause: str                            # the change-cause annotation shown by rollout history
    image: str | None = None              # new image tag, e.g. "v1.2.0"
    env: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Scenario:
    name: str
    title: str
    runbook: str
    severity: str
    primary: str
    breaches: tuple[str, ...]
    summary: str
    symptom: str
    root_cause: str
    faults: tuple[Fault, ...]
    resolution: tuple[str, ...]
    codes_5xx: Mapping[str, float] = field(default_factory=lambda: {"503": 0.6, "500": 0.25, "502": 0.15})
    facts: Mapping[str, str] = field(default_factory=dict)
    changes: tuple[Change, ...] = ()

    def mitigating_actions(self) -> tuple[str, ...]:
        """Every action that bends at least one fault, in the order the faults list them."""
        return tuple(dict.fromkeys(m.action for f in self.faults for m in f.mitigations))


#: What each field's annotation accepts from TOML (the nested tables are built separately).
_NUMBER = (int, float)
_ACCEPTS: dict[str, Callable[[Any], bool]] = {
    "str": lambda v: isinstance(v, str),
    "float": lambda v: isinstance(v, _NUMBER) and not isinstance(v, bool),
    "str | None": lambda v: isinstance(v, str),
    "float | None": lambda v: isinstance(v, _NUMBER) and not isinstance(v, bool),
    "tuple[str, ...]": lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v),
    "Mapping[str, str]": lambda v: isinstance(v, dict) and all(isinstance(x, str) for x in v.values()),
    "Mapping[str, float]": lambda v: isinstance(v, dict) and all(
        isinstance(x, _NUMBER) and not isinstance(x, bool) for x in v.values()),
}


def _build(cls: type, data: Any, where: str, nested: Mapping[str, tuple[type, str]] | None = None) -> Any:
    """``cls(**data)`` with lists as tuples and ``nested`` keys built as ``cls`` items; an unknown
    or missing key, or a value of the wrong kind, is a ``ScenarioError`` naming ``where``."""
    if not isinstance(data, dict):
        raise ScenarioError(f"{where}: expected a table")
    types = {f.name: str(f.type) for f in fields(cls)}
    unknown = sorted(set(data) - set(types))
    if unknown:
        raise ScenarioError(f"{where}: unknown key {unknown[0]!r} (known: {', '.join(sorted(types))})")
    args = {}
    for key, value in data.items():
        if nested and key in nested:
            item_cls, label = nested[key]
            if not isinstance(value, list):
                raise ScenarioError(f"{where}: {key} must be an array of tables ([[{key}]] or [{{...}}, ...])")
            value = [_build(item_cls, v, f"{where}.{label}[{i}]") for i, v in enumerate(value)]
        elif key in types and types[key] in _ACCEPTS and not _ACCEPTS[types[key]](value):
            raise ScenarioError(f"{where}: {key} = {value!r}: expected {types[key]}")
        args[key] = tuple(value) if isinstance(value, list) else value
    try:
        return cls(**args)
    except TypeError as exc:
        raise ScenarioError(f"{where}: {exc}") from None


def load_scenario(path: Path) -> Scenario:
    """The scenario in ``path`` (named after the file); ``ScenarioError`` naming file and key."""
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,40}", path.stem):
        raise ScenarioError(f"{path}: a scenario file is named like rate-limit.toml (lower-case letters, digits, '-')")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ScenarioError(f"{path}: {exc}") from None
    faults = data.get("faults")
    if not isinstance(faults, list) or not faults:
        raise ScenarioError(f"{path}: faults: expected at least one [[faults]] table")
    data["faults"] = [_build(Fault, f, f"{path}: faults[{i}]", {"mitigations": (Mitigation, "mitigations")})
                      for i, f in enumerate(faults)]
    sc: Scenario = _build(Scenario, {"name": path.stem, **data}, str(path), {"changes": (Change, "changes")})
    _check_names(sc, path)
    return sc


def _check_names(sc: Scenario, path: Path) -> None:
    """Every name a scenario uses must mean something, or it would silently do nothing: panes,
    canonical actions, signals, deployments."""
    from warroom.config import default_slos
    from warroom.drill import fleet
    from warroom.drill.actions import ACTIONS

    panes = [s.id for s in default_slos()]
    repos, providers = {r.name for r in fleet.REPOS} | {"*"}, {p.name for p in fleet.PROVIDERS}
    signals = ({"latency", "context_kb", "audit_stall"} | {f"fail:{r}" for r in repos}
               | {f"quota:{p}" for p in providers}
               | {f"{k}:{p}" for k in ("api_5xx", "api_429") for p in providers | {"*"}})
    named: list[tuple[str, object, Any]] = [("primary", sc.primary, panes), ("runbook", sc.runbook, None)]
    named += [("breaches", b, panes) for b in sc.breaches] + [("resolution", a, ACTIONS) for a in sc.resolution]
    named += [("changes.deployment", c.deployment, (fleet.DEPLOYMENT, fleet.AUDIT_DEPLOYMENT)) for c in sc.changes]
    for i, f in enumerate(sc.faults):
        named += [(f"faults[{i}].impacts", k, signals) for k in f.impacts]
        named += [(f"faults[{i}].onset_action", f.onset_action, ACTIONS)] if f.onset_action else []
        for j, m in enumerate(f.mitigations):
            named += [(f"faults[{i}].mitigations[{j}].action", a, ACTIONS) for a in (m.action, *m.requires)]
    for key, value, known in named:
        if not isinstance(value, str) or (known is not None and value not in known):
            choices = f" (known: {', '.join(sorted(known))})" if known is not None else ""
            raise ScenarioError(f"{path}: {key}: unknown name {value!r}{choices}")


@functools.cache
def _registry() -> dict[str, Scenario]:
    return {p.stem: load_scenario(p) for p in sorted(HERE.glob("*.toml"))}


def __getattr__(name: str) -> Any:
    if name == "SCENARIOS":          # read on first use, so importing the package stays cheap
        return _registry()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def get_scenario(name: str) -> Scenario:
    """The scenario called ``name``; a clear error listing the known ones otherwise."""
    try:
        return _registry()[name]
    except KeyError:
        raise NotFoundError(f"unknown drill scenario {name!r}; known scenarios: {', '.join(_registry())}") from None


def list_scenarios() -> list[Scenario]:
    return list(_registry().values())
