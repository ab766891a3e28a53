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
names the stand-ins quote; ``changes`` are the releases the rollout history shows.

The classes below are the schema: ``msgspec`` reads a file into them, and a misspelt key, a value
of the wrong kind or an unknown name (each name is a ``Literal`` of what exists: ``Pane``,
``Action``, ``Signal``, ``Deployment``) is an error naming the file and the key.
"""

from __future__ import annotations

import difflib
import functools
import re
import tomllib
from pathlib import Path
from typing import Annotated, Literal, get_args

import msgspec

from warroom.config import default_slos
from warroom.drill import fleet
from warroom.drill.actions import ACTIONS
from warroom.errors import NotFoundError, WarroomError

HERE = Path(__file__).resolve().parent
#: The names a scenario may use, as types (a misspelt one would otherwise silently do nothing).
_REPOS = [*(r.name for r in fleet.REPOS), "*"]
_PROVIDERS = [*fleet.PROVIDER_NAMES, "*"]
Pane = Literal[tuple(s.id for s in default_slos())]  # type: ignore[valid-type]
Action = Literal[tuple(ACTIONS)]  # type: ignore[valid-type]
Signal = Literal[(  # type: ignore[valid-type]
    "latency", "context_kb", "audit_stall", *(f"fail:{r}" for r in _REPOS),
    *(f"quota:{p}" for p in fleet.PROVIDER_NAMES), *(f"{k}:{p}" for k in ("api_5xx", "api_429") for p in _PROVIDERS))]
Deployment = Literal[fleet.DEPLOYMENT, fleet.AUDIT_DEPLOYMENT]  # type: ignore[valid-type]


class ScenarioError(WarroomError):
    """A scenario file that cannot be read; the message names the file and the key."""


class _Table(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A TOML table: every key known, none missing."""


class Mitigation(_Table):
    action: Action
    factor: float = 0.0          # share of the fault left once the action has fully acted
    delay: float = 0.0           # scenario seconds before it starts to act
    tau: float = 60.0            # time constant of the decay (scenario seconds)
    requires: tuple[Action, ...] = ()
    why: str = ""


class Fault(_Table):
    name: str
    impacts: dict[Signal, float]
    onset: float = 0.0
    ramp: float = 60.0
    onset_action: Action | None = None
    until: float | None = None
    fade: float = 300.0
    mitigations: tuple[Mitigation, ...] = ()
    messages: tuple[str, ...] = ()


class Change(_Table):
    """A change made to a deployment before the drill started (the release that broke things)."""

    deployment: Deployment
    at: float                             # scenario seconds (negative: before the drill)
    cause: str                            # the change-cause annotation shown by rollout history
    image: str | None = None              # new image tag, e.g. "v1.2.0"
    env: dict[str, str] = {}


class Scenario(_Table):
    name: str
    title: str
    runbook: str
    severity: str
    primary: Pane
    breaches: tuple[Pane, ...]
    summary: str
    symptom: str
    root_cause: str
    faults: Annotated[tuple[Fault, ...], msgspec.Meta(min_length=1)]
    resolution: tuple[Action, ...]
    codes_5xx: dict[str, float] = msgspec.field(default_factory=lambda: {"503": 0.6, "500": 0.25, "502": 0.15})
    facts: dict[str, str] = {}
    changes: tuple[Change, ...] = ()

    def mitigating_actions(self) -> tuple[str, ...]:
        """Every action that bends at least one fault, in the order the faults list them."""
        return tuple(dict.fromkeys(m.action for f in self.faults for m in f.mitigations))


def load_scenario(path: Path) -> Scenario:
    """The scenario in ``path``, named after the file; ``ScenarioError`` naming file and key."""
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,40}", path.stem):
        raise ScenarioError(f"{path}: a scenario file is named like rate-limit.toml (lower-case letters, digits, '-')")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        if "name" in data:
            raise ScenarioError(f"{path}: name: a scenario is named after its file ({path.stem})")
        return msgspec.convert({**data, "name": path.stem}, Scenario, strict=True)
    except (OSError, tomllib.TOMLDecodeError, msgspec.ValidationError) as exc:
        raise ScenarioError(f"{path}: {exc}{_did_you_mean(str(exc))}") from None


def _did_you_mean(message: str) -> str:
    """The ``(did you mean 'ramp'?)`` after a misspelt key or name, as the config's own errors say it."""
    bad = re.search(r"(?:unknown field `|Invalid enum value ')([^`']+)", message)
    spellings = [*(f for c in (Mitigation, Fault, Change, Scenario) for f in c.__struct_fields__),
                 *(n for names in (Pane, Action, Signal, Deployment) for n in get_args(names))]
    close = difflib.get_close_matches(bad[1], spellings, n=3) if bad else []
    return f" (did you mean {' or '.join(map(repr, close))}?)" if close else ""


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
