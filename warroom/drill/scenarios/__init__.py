"""Drill scenarios: one TOML file each in this directory (``rate-limit.toml`` is scenario ``rate-limit``).

A scenario is a story (``title``, the ``symptom`` responders see first, the ``summary`` read out at
the start, the ``root_cause`` the facilitator knows), the ``runbook`` and ``severity`` a
declaration starts from, the ``primary`` pane that breaches first and the ``breaches`` it drives
to critical, the ``resolution`` (canonical actions that end it), and its *faults*. Adding a
scenario is one file here plus its runbook: nothing in the code names a scenario.

A fault's strength goes from 0 to 1 over scenario time: it starts at ``onset`` (seconds from the
drill's start; negative: the trouble began before the IC sat down, so the sparklines already show
it coming), or ``onset`` seconds after ``onset_action`` is taken; it ramps up over ``ramp`` seconds,
may fade by itself after ``until`` (over ``fade`` s: a vendor fixing its outage), and is bent down
by its ``mitigations``. A mitigation names a canonical action (``warroom.drill.actions``: what a
stand-in records for e.g. ``kubectl set env deployment/flowengine ENABLE_CIRCUIT_BREAKER=true``);
``delay`` s after it is taken (a rollout, a config propagating) it multiplies the fault's strength
by a factor falling from 1 towards ``factor`` with time constant ``tau``. ``requires``: useless
until that action was taken first (a retry while the quota is still exhausted fails again);
``why``: what the drill report says it did. A fault's ``impacts`` move *signals* at full strength:

* ``fail:<repo>`` / ``fail:*``: extra share of that repo's (every repo's) flows that fail;
* ``latency``: seconds added to the median flow duration (the P95 follows; flows past the 180 s
  hard timeout fail, so slow flows also raise the failure rate);
* ``quota:<provider>``: extra share of the provider's daily token quota in use;
* ``api_5xx:<provider|*>`` / ``api_429:<provider|*>``: extra share of model API calls answered 5xx / 429;
* ``context_kb``: KB added to a typical context bundle;
* ``audit_stall``: the audit log stops receiving events while the fault is above half strength.

``messages`` are the error texts of the flows a fault kills (the stand-ins print them, so what
responders read matches the panes); ``codes_5xx`` splits 5xx answers by status code; ``facts`` are
names the stand-ins quote; ``changes`` are the releases the rollout history shows. A misspelt key
or name is an error naming file and key.
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


def _names(kind: str, **default: Any) -> Any:
    """A field whose values (a table's keys) must be ``_known`` names: a misspelt one does nothing."""
    return field(metadata={"names": kind}, **default)


@dataclass(frozen=True)
class Mitigation:
    action: str = _names("actions")
    factor: float = 0.0          # share of the fault left once the action has fully acted
    delay: float = 0.0           # scenario seconds before it starts to act
    tau: float = 60.0            # time constant of the decay (scenario seconds)
    requires: tuple[str, ...] = _names("actions", default=())
    why: str = ""


@dataclass(frozen=True)
class Fault:
    name: str
    impacts: Mapping[str, float] = _names("signals")
    onset: float = 0.0
    ramp: float = 60.0
    onset_action: str | None = _names("actions", default=None)
    until: float | None = None
    fade: float = 300.0
    mitigations: tuple[Mitigation, ...] = ()
    messages: tuple[str, ...] = ()


@dataclass(frozen=True)
class Change:
    """A change made to a deployment before the drill started (the release that broke things)."""

    deployment: str = _names("deployments")
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
    primary: str = _names("panes")
    breaches: tuple[str, ...] = _names("panes")
    summary: str
    symptom: str
    root_cause: str
    faults: tuple[Fault, ...]
    resolution: tuple[str, ...] = _names("actions")
    codes_5xx: Mapping[str, float] = field(default_factory=lambda: {"503": 0.6, "500": 0.25, "502": 0.15})
    facts: Mapping[str, str] = field(default_factory=dict)
    changes: tuple[Change, ...] = ()

    def mitigating_actions(self) -> tuple[str, ...]:
        """Every action that bends at least one fault, in the order the faults list them."""
        return tuple(dict.fromkeys(m.action for f in self.faults for m in f.mitigations))


#: The keys whose value is an array of tables, and what each table is.
_NESTED: dict[str, type] = {"faults": Fault, "mitigations": Mitigation, "changes": Change}
#: What each field's annotation (less its ``| None``) accepts from TOML; ``type(v) in (int, float)``
#: keeps booleans out of numbers.
_ACCEPTS: dict[str, Callable[[Any], bool]] = {
    "str": lambda v: isinstance(v, str),
    "float": lambda v: type(v) in (int, float),
    "tuple[str, ...]": lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v),
    "Mapping[str, str]": lambda v: isinstance(v, dict) and all(isinstance(x, str) for x in v.values()),
    "Mapping[str, float]": lambda v: isinstance(v, dict) and all(type(x) in (int, float) for x in v.values()),
}


@functools.cache
def _known() -> dict[str, frozenset[str]]:
    """The names a scenario may use, by kind: panes, canonical actions, signals, deployments."""
    from warroom.config import default_slos
    from warroom.drill import fleet
    from warroom.drill.actions import ACTIONS

    repos, providers = {r.name for r in fleet.REPOS} | {"*"}, {p.name for p in fleet.PROVIDERS}
    signals = ({"latency", "context_kb", "audit_stall"} | {f"fail:{r}" for r in repos}
               | {f"quota:{p}" for p in providers}
               | {f"{k}:{p}" for k in ("api_5xx", "api_429") for p in providers | {"*"}})
    return {"panes": frozenset(s.id for s in default_slos()), "actions": frozenset(ACTIONS),
            "signals": frozenset(signals), "deployments": frozenset((fleet.DEPLOYMENT, fleet.AUDIT_DEPLOYMENT))}


def _build(cls: type, data: Any, file: Path, at: str = "") -> Any:
    """``cls(**data)`` with lists as tuples and ``_NESTED`` tables built in turn; an unknown or
    missing key, a value of the wrong kind or an unknown name is a ``ScenarioError`` naming the
    file and the key (``at``: where the table is, e.g. ``faults[0].mitigations[3]``)."""
    where = f"{file}: {at}" if at else str(file)
    if not isinstance(data, dict):
        raise ScenarioError(f"{where}: expected a table")
    known = {f.name: f for f in fields(cls)}
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise ScenarioError(f"{where}: unknown key {unknown[0]!r} (known: {', '.join(sorted(known))})")
    args = {}
    for key, value in data.items():
        if key in _NESTED:
            if not isinstance(value, list):
                raise ScenarioError(f"{where}: {key} must be an array of tables ([[{key}]] or [{{...}}, ...])")
            value = [_build(_NESTED[key], v, file, f"{at}.{key}[{i}]".lstrip(".")) for i, v in enumerate(value)]
        elif not _ACCEPTS[str(known[key].type).removesuffix(" | None")](value):
            raise ScenarioError(f"{where}: {key} = {value!r}: expected {known[key].type}")
        names = _known().get(known[key].metadata.get("names", ""))
        bad = [n for n in (value if isinstance(value, (list, dict)) else [value]) if n not in names] if names else []
        if bad:
            raise ScenarioError(f"{file}: {at + '.' if at else ''}{key}: unknown name {bad[0]!r}"
                                f" (known: {', '.join(sorted(names))})")
        args[key] = tuple(value) if isinstance(value, list) else value
    try:
        return cls(**args)
    except TypeError as exc:
        raise ScenarioError(f"{where}: {exc}") from None


def load_scenario(path: Path) -> Scenario:
    """The scenario in ``path``, named after the file; ``ScenarioError`` naming file and key."""
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,40}", path.stem):
        raise ScenarioError(f"{path}: a scenario file is named like rate-limit.toml (lower-case letters, digits, '-')")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ScenarioError(f"{path}: {exc}") from None
    if "name" in data:
        raise ScenarioError(f"{path}: name: a scenario is named after its file ({path.stem})")
    if not isinstance(data.get("faults"), list) or not data["faults"]:
        raise ScenarioError(f"{path}: faults: expected at least one [[faults]] table")
    return _build(Scenario, {**data, "name": path.stem}, path)


@functools.cache
def _registry() -> dict[str, Scenario]:
    """Every shipped scenario, read on first use so importing the package stays cheap."""
    return {p.stem: load_scenario(p) for p in sorted(HERE.glob("*.toml"))}


def get_scenario(name: str) -> Scenario:
    """The scenario called ``name``; a clear error listing the known ones otherwise."""
    try:
        return _registry()[name]
    except KeyError:
        raise NotFoundError(f"unknown drill scenario {name!r}; known scenarios: {', '.join(_registry())}") from None


def list_scenarios() -> list[Scenario]:
    return list(_registry().values())
