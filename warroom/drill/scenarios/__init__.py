"""Drill scenarios: one TOML file each in this directory (``rate-limit.toml`` is scenario ``rate-limit``).

A scenario is a story, the runbook and severity a declaration starts from, the panes it drives to
critical, the canonical actions that end it, and its *faults*: each fault's strength goes from 0
to 1 over scenario time and moves *signals*; canonical actions (``warroom.drill.actions``: what a
stand-in records for e.g. ``kubectl set env deployment/flowengine ENABLE_CIRCUIT_BREAKER=true``)
bend it down. Adding a scenario is one file here plus its runbook: nothing in the code names one.

The classes below are the format, each key explained where it is declared: ``msgspec`` reads a
file into them, and a misspelt key, a value of the wrong kind or an unknown name (each name is a
``Literal`` of what exists: ``Pane``, ``Action``, ``Signal``, ``Deployment``) is an error naming
the file and the key.
"""

from __future__ import annotations

import difflib
import functools
import re
import tomllib
from pathlib import Path
from typing import Annotated, Literal, get_args

import msgspec

from warroom.config import Severity, default_slos
from warroom.drill import fleet
from warroom.drill.actions import ACTIONS, BY_POD
from warroom.errors import NotFoundError, WarroomError

HERE = Path(__file__).resolve().parent
#: The names a scenario may use, as types (a misspelt one would otherwise silently do nothing).
_REPOS = [*(r.name for r in fleet.REPOS), "*"]
_PROVIDERS = [*fleet.PROVIDER_NAMES, "*"]
Pane = Literal[tuple(s.id for s in default_slos())]  # type: ignore[valid-type]
Action = Literal[tuple(ACTIONS)]  # type: ignore[valid-type]
#: What a fault's ``impacts`` move at full strength: ``fail:<repo>`` / ``fail:*``, extra share of that
#: repo's (every repo's) flows that fail; ``latency``, seconds added to the median flow duration (the
#: P95 follows; flows past the 180 s hard timeout fail); ``calls:<provider>``, a batch job's calls
#: to its model: the share of its daily quota their first attempts spend over the ramp (requests like the flows', tried
#: again alike, each counted on the quota: ``Signals._counted``); ``api_5xx:`` /
#: ``api_429:<provider|*>``, extra share of model API calls (each attempt) answered 5xx / 429 (a provider's 429s: at the
#: quota's end, from ``fleet.THROTTLE_FROM`` of it, ``Signals.throttle``): a provider's fault
#: declares no ``fail:``, its flows fail by ``model.call_law``; ``*`` (FlowEngine's own client) fails flows by its
#: ``fail:``; ``context_kb``, KB added to a typical context bundle (every call carries it: its tokens on the quota grow
#: with it, ``Signals._counted``); ``audit_stall``, the audit-shipper pods running at its onset lose their sink and
#: stop retrying, failing their readiness probe: every event is lost while no other pod is ready
#: (``Signals.audit_route``); a pod started since ships.
Signal = Literal[(  # type: ignore[valid-type]
    "latency", "context_kb", "audit_stall", *(f"fail:{r}" for r in _REPOS),
    *(f"calls:{p}" for p in fleet.PROVIDER_NAMES), *(f"{k}:{p}" for k in ("api_5xx", "api_429") for p in _PROVIDERS))]
Deployment = Literal[fleet.DEPLOYMENT, fleet.AUDIT_DEPLOYMENT]  # type: ignore[valid-type]
#: The harm to the flows a scenario's summary names, which the drill report counts with and without each action
#: (``warroom.incident.drill_report.harm``): ``unaudited``, flows that ran with an audit event of theirs lost.
Harm = Literal["unaudited"]
#: The numbers a scenario holds are finite (TOML allows inf and nan); amounts and durations are not
#: negative (a negative latency crashed the model), shares lie in [0, 1].
Seconds = Annotated[float, msgspec.Meta(ge=-1e9, le=1e9)]
Amount = Annotated[float, msgspec.Meta(ge=0, le=1e9)]
Share = Annotated[float, msgspec.Meta(ge=0, le=1)]


class ScenarioError(WarroomError):
    """A scenario file that cannot be read; the message names the file and the key."""


class _Table(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A TOML table: every key known, none missing."""


class Mitigation(_Table):
    """A canonical action that bends a fault: ``delay`` s after it is taken (a rollout, a config
    propagating) it multiplies the fault's strength by a factor falling from 1 towards ``factor``. A ``rollback``
    (a fault of ``facts.bad_version``'s code) and an ``audit_restart`` act as their pods are replaced: no delay, tau
    (``actions.BY_POD``)."""

    action: Action
    factor: Share = 0.0          # share of the fault left once the action has fully acted
    delay: Amount = 0.0          # scenario seconds before it starts to act
    tau: Amount = 60.0           # time constant of the decay (scenario seconds)
    requires: tuple[Action, ...] = ()   # useless until these were taken (retrying on an exhausted quota fails)
    why: str = ""                # what the drill report says it did


class Fault(_Table):
    """Trouble whose strength goes from 0 to 1: from ``onset`` it ramps up over ``ramp`` s, may fade by
    itself after ``until`` (over ``fade`` s: a vendor fixing its outage), and is bent by ``mitigations``."""

    name: str
    impacts: dict[Signal, Amount]        # what it moves at full strength
    onset: Seconds = 0.0                 # scenario s; negative: it began before the IC sat down
    ramp: Amount = 60.0
    until: Seconds | None = None
    fade: Amount = 300.0
    mitigations: tuple[Mitigation, ...] = ()
    messages: tuple[str, ...] = ()       # the error texts of the flows it kills (logs, tasks, retries)
    under_load: bool = False             # it comes with FlowEngine's load: as strong as the share of the calls still
    #                                      made (``Signals.load``: the pilot alone, a cap, a stop), a client's 502s
    onboarded: bool = False              # its impacts hit the flows of the scenario's ``onboarded`` repos alone
    #                                      (their bundles, their time): a triage by repo finds them (redteam44 T1)


class Onboarded(_Table):
    """A repo onboarded during the story: it runs no flow before ``since`` (scenario s), then ``flows_per_hour``; its
    flows alone carry the faults marked ``onboarded`` (``Signals.repos``)."""

    name: str
    flows_per_hour: Amount
    since: Seconds


class Change(_Table):
    """A change made to a deployment before the drill started (the release that broke things)."""

    deployment: Deployment
    at: Seconds                           # scenario seconds (negative: before the drill)
    cause: str                            # the change-cause annotation shown by rollout history
    image: str | None = None              # new image tag, e.g. "v1.2.0"
    env: dict[str, str] = {}


class Scenario(_Table):
    name: str                            # the file's name
    title: str
    runbook: str                         # the runbook and severity a declaration starts from
    severity: Severity
    primary: Pane                        # the impact: its breach starts it, its recovery ends the drill
    breaches: tuple[Pane, ...]           # the panes it drives to critical
    summary: str                         # read out at the start
    symptom: str                         # what responders see first (a declaration's title)
    root_cause: str                      # what the facilitator knows
    faults: Annotated[tuple[Fault, ...], msgspec.Meta(min_length=1)]
    resolution: tuple[Action, ...]       # the canonical actions that end it
    #: how 5xx answers split by status code
    codes_5xx: dict[str, Share] = msgspec.field(default_factory=lambda: {"503": 0.6, "500": 0.25, "502": 0.15})
    facts: dict[str, str] = {}           # names the stand-ins quote
    changes: tuple[Change, ...] = ()     # the releases the cluster's rollout history shows
    harm: Harm | None = None             # what it does to the flows that no pane counts (``Harm``)
    onboarded: tuple[Onboarded, ...] = ()    # repos new in the story, beside the estate's (``fleet.REPOS``)
    #: the files its runbook applies by name (``kubectl apply -f NAME``), read where the working directory has none
    files: dict[str, str] = {}

    def __post_init__(self) -> None:
        if any(m.action in BY_POD and (m.delay or m.tau != 60.0 or m.action == "rollback" and not self.facts.get(
                "bad_version")) for f in self.faults for m in f.mitigations):
            raise ValueError(f"{'/'.join(BY_POD)} act as the pods are replaced: no delay, tau; a rollback, of"
                             " facts.bad_version's pods: name it")
        if any(k.startswith("fail:") for f in self.faults if any(k.startswith("api_") and not k.endswith("*")
                                                                 for k in f.impacts) for k in f.impacts):
            raise ValueError("a fault of one provider's answers (api_5xx:<p>, api_429:<p>) declares the share of calls"
                             " only: the flows it fails follow from it (model.call_law), not from a fail: impact")

        if any(o.name in _REPOS for o in self.onboarded) or any(f.onboarded for f in self.faults) > bool(
                self.onboarded):
            raise ValueError("onboarded: a repo new in the story has a name of its own, and a fault marked onboarded"
                             " needs such repos")

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
    except UnicodeDecodeError as exc:      # a ValueError, not an OSError: it escaped as a traceback
        raise ScenarioError(f"{path}: not UTF-8 text (byte {exc.start}: {exc.reason})") from None
    except (OSError, tomllib.TOMLDecodeError, msgspec.ValidationError) as exc:
        raise ScenarioError(f"{path}: {exc}{_did_you_mean(str(exc))}") from None


def _did_you_mean(message: str) -> str:
    """The ``(did you mean 'ramp'?)`` after a misspelt key or name, as the config's own errors say it."""
    bad = re.search(r"(?:unknown field `|Invalid enum value ')([^`']+)", message)
    spellings = [*(f for c in (Mitigation, Fault, Change, Onboarded, Scenario) for f in c.__struct_fields__),
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
