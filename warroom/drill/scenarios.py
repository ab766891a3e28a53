"""Drill scenarios, written as data.

A scenario is a set of *faults*. Each fault has a strength between 0 and 1 over scenario time: it
starts at ``onset`` (seconds relative to the moment the drill starts; negative means the trouble
began before the IC sat down, so the sparklines already show it coming), ramps up over ``ramp``
seconds, may fade by itself after ``until`` (a vendor fixing its outage), and is bent down by the
*mitigations* the responders apply. A mitigation names a canonical action (see
``warroom.drill.actions``: what a stand-in records when someone runs e.g. ``kubectl set env
deployment/flowengine ENABLE_CIRCUIT_BREAKER=true``); once taken, after ``delay`` seconds (a rollout,
a config propagating) it multiplies the fault's strength by a factor that decays from 1 towards
``factor`` with time constant ``tau``. ``requires`` makes an action useless until another was
taken first (retrying while the quota is still exhausted fails again).

A fault moves *signals* by its ``impacts`` at full strength:

* ``fail:<repo>`` / ``fail:*``: extra share of that repo's (every repo's) flows that fail;
* ``latency``: seconds added to the median flow duration (the P95 follows; flows past the
  180 s hard timeout fail, so slow flows also raise the failure rate);
* ``quota:<provider>``: extra share of the provider's daily token quota in use;
* ``api_5xx:<provider|*>`` / ``api_429:<provider|*>``: extra share of model API calls answered 5xx / 429;
* ``context_kb``: KB added to a typical context bundle;
* ``audit_stall``: the audit log stops receiving events while the fault is above half strength.

``messages`` are the error texts of the flows a fault kills; the stand-ins print them in logs,
the tasks table and retry output, so what responders read matches what the panes show.

The simulator turns signals into the counters, histograms and gauges Prometheus would scrape, so
the five SLO panes are computed exactly as their PromQL computes them (a 1 h failure-rate window
falls slowly after the fix, as it does in production).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from warroom.errors import NotFoundError


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
    onset_action: str | None = None      # the fault begins when this action is taken (+ onset)
    until: float | None = None           # it fades by itself after this scenario time
    fade: float = 300.0
    mitigations: tuple[Mitigation, ...] = ()
    messages: tuple[str, ...] = ()       # how flows this fault kills fail (logs, tasks table)


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
    primary: str                          # the pane that breaches first
    breaches: tuple[str, ...]             # panes driven to crit when nobody acts
    summary: str                          # the briefing read out at the start of the drill
    symptom: str                          # what the responders see first: a declare title that gives nothing away
    root_cause: str                       # what the facilitator knows and the responders must find
    faults: tuple[Fault, ...]
    resolution: tuple[str, ...]           # actions (canonical names) that end the scenario
    codes_5xx: Mapping[str, float] = field(default_factory=lambda: {"503": 0.6, "500": 0.25, "502": 0.15})
    facts: Mapping[str, str] = field(default_factory=dict)
    changes: tuple[Change, ...] = ()      # what the cluster's rollout history shows

    def mitigating_actions(self) -> tuple[str, ...]:
        """Every action that bends at least one fault, in the order the faults list them."""
        seen: list[str] = []
        for fault in self.faults:
            for m in fault.mitigations:
                if m.action not in seen:
                    seen.append(m.action)
        return tuple(seen)

    def fault(self, name: str) -> Fault:
        return next(f for f in self.faults if f.name == name)


# --------------------------------------------------------------------------------- scenarios

RATE_LIMIT = Scenario(
    name="rate-limit",
    title="Model API quota exhaustion (Anthropic)",
    symptom="Model API quota usage climbing past 80%",
    runbook="RB-CORE-003",
    severity="P3",
    primary="quota",
    breaches=("quota", "failure_rate"),
    summary=(
        "A retry storm from the newly onboarded repos is burning the Anthropic token quota. Usage "
        "is past 70 % and climbing; once it passes 80 % the provider starts answering 429 and "
        "flows fail."
    ),
    root_cause=(
        "Flows retry 429s immediately and without limit, so every throttled call is repeated and "
        "the quota burns faster; no circuit breaker was enabled for Phase 6."
    ),
    faults=(
        Fault(
            name="quota_burn",
            impacts={"quota:anthropic": 0.56, "latency": 4.0},
            onset=-870.0, ramp=1600.0,
            mitigations=(
                Mitigation("circuit_breaker", factor=0.45, delay=20.0, tau=90.0,
                           why="pauses new requests near the threshold, so usage stops climbing"),
                Mitigation("throttle", factor=0.8, delay=20.0, tau=120.0,
                           why="fewer concurrent flows burn tokens more slowly"),
                Mitigation("fallback_routing", factor=0.75, delay=30.0, tau=120.0,
                           why="moves part of the load to another provider"),
                Mitigation("rollback_to_pilot", factor=0.3, delay=30.0, tau=120.0,
                           why="only the pilot repo keeps running"),
            ),
        ),
        Fault(
            name="throttled_flows",
            impacts={"fail:*": 0.12, "api_429:anthropic": 0.25},
            onset=60.0, ramp=240.0,
            mitigations=(
                Mitigation("circuit_breaker", factor=0.3, delay=20.0, tau=60.0,
                           why="requests wait for the half-open circuit instead of failing"),
                Mitigation("retry", factor=0.0, delay=10.0, tau=45.0, requires=("circuit_breaker",),
                           why="failed flows are retried once the breaker protects the quota"),
                Mitigation("retry_pruned", factor=0.0, delay=10.0, tau=45.0,
                           requires=("circuit_breaker",), why="as retry, with smaller contexts"),
                Mitigation("fallback_routing", factor=0.5, delay=30.0, tau=60.0,
                           why="calls that would be throttled go to another provider"),
            ),
            messages=(
                "rate limit exceeded: anthropic 429 Too Many Requests (rate_limit_error)",
                "rate limit exceeded: retries exhausted after 3 attempts (429)",
            ),
        ),
    ),
    resolution=("circuit_breaker", "retry"),
    facts={"provider": "anthropic", "error": "429 rate_limit_error"},
)

PROVIDER_OUTAGE = Scenario(
    name="provider-outage",
    title="Anthropic API outage (5xx burst)",
    symptom="Model API calls failing with 5xx errors",
    runbook="RB-CORE-004",
    severity="P2",
    primary="error_5xx",
    breaches=("error_5xx", "failure_rate"),
    summary=(
        "The Anthropic API has started answering 503 and 500 to a large share of calls. Flows "
        "routed to Claude fail or hang in retries; the other providers look healthy."
    ),
    root_cause=(
        "Vendor-side outage at Anthropic (status page: partial outage); FlowEngine had no fallback "
        "model configured, so every Claude call kept failing."
    ),
    faults=(
        Fault(
            name="anthropic_down",
            impacts={"api_5xx:anthropic": 0.32, "fail:*": 0.07, "latency": 14.0},
            onset=-40.0, ramp=90.0, until=3000.0, fade=300.0,
            mitigations=(
                Mitigation("fallback_routing", factor=0.03, delay=30.0, tau=40.0,
                           why="traffic moves to the fallback model, away from the failing provider"),
                Mitigation("manual_review", factor=0.6, delay=10.0, tau=60.0,
                           why="flows queue for humans instead of failing"),
                Mitigation("rollback_to_pilot", factor=0.4, delay=30.0, tau=60.0,
                           why="only the pilot repo keeps calling the API"),
            ),
            messages=(
                "model API 5xx: anthropic 503 Service Unavailable (overloaded_error)",
                "model API 5xx: anthropic 500 Internal Server Error (api_error)",
                "timeout exceeded: anthropic did not answer within 60s",
            ),
        ),
        Fault(
            name="fallback_load",
            impacts={"quota:openai": 0.24},
            onset_action="fallback_routing", onset=30.0, ramp=900.0,
        ),
    ),
    resolution=("fallback_routing",),
    facts={"provider": "anthropic", "fallback_model": "gpt-4-turbo", "error": "503 overloaded_error"},
)

TIMEOUT = Scenario(
    name="timeout",
    title="Flow timeouts from oversized context bundles",
    symptom="P95 flow latency above 2 minutes",
    runbook="RB-CORE-002",
    severity="P3",
    primary="p95_latency",
    breaches=("p95_latency", "failure_rate"),
    summary=(
        "Flow durations have been creeping up for the last quarter hour. The P95 is near 120 s "
        "and the slowest flows are hitting the 180 s hard timeout."
    ),
    root_cause=(
        "Repos onboarded this week ship context bundles over 500 KB (vendored dependencies) and "
        "context pruning is disabled by default, so every model call carries the whole bundle."
    ),
    faults=(
        Fault(
            name="context_bloat",
            impacts={"latency": 46.0, "context_kb": 460.0, "quota:anthropic": 0.12},
            onset=-640.0, ramp=1200.0,
            mitigations=(
                Mitigation("context_pruning", factor=0.1, delay=30.0, tau=150.0,
                           why="new flows send pruned bundles (<=180 KB)"),
                Mitigation("retry_pruned", factor=0.75, delay=0.0, tau=60.0,
                           why="stuck flows are re-run with pruned context"),
                Mitigation("fallback_routing", factor=0.65, delay=30.0, tau=120.0,
                           why="a faster model answers large prompts sooner"),
                Mitigation("scale", factor=0.85, delay=45.0, tau=120.0,
                           why="more replicas relieve CPU contention a little"),
            ),
        ),
    ),
    resolution=("context_pruning", "retry_pruned"),
    facts={"context_kb": "612", "pruned_kb": "176"},
)

MASS_FAILURE = Scenario(
    name="mass-failure",
    title="Mass flow failure across repositories after v1.2.0",
    symptom="Flows failing across many repositories",
    runbook="RB-LAUNCH-005",
    severity="P1",
    primary="failure_rate",
    breaches=("failure_rate", "error_5xx"),
    summary=(
        "Flows are failing in four repositories at once, minutes after FlowEngine v1.2.0 rolled "
        "out. The pilot repo is still healthy. The Go/No-Go on rollback is due at 15 minutes."
    ),
    root_cause=(
        "FlowEngine v1.2.0 shipped a TaskObject schema change (20251120_002) that older block "
        "contracts reject, and its new model-gateway client answers 502 under load."
    ),
    faults=(
        Fault(
            name="bad_release",
            impacts={
                "fail:financial-reporting": 0.62, "fail:customer-analytics": 0.55,
                "fail:risk-engine": 0.52, "fail:inventory-mgmt": 0.30,
                "fail:billing-gateway": 0.04, "api_5xx:*": 0.10, "latency": 8.0,
            },
            onset=-100.0, ramp=60.0,
            mitigations=(
                Mitigation("rollback", factor=0.0, delay=45.0, tau=20.0,
                           why="the previous version (v1.1.0) comes back in about 45 s"),
                Mitigation("rollback_to_pilot", factor=0.0, delay=30.0, tau=30.0,
                           why="only the pilot repo, which the release does not break, keeps running"),
                Mitigation("restart", factor=0.9, delay=30.0, tau=30.0,
                           why="a restart clears stuck connections but keeps the bad version"),
                Mitigation("fallback_routing", factor=0.9, delay=30.0, tau=60.0,
                           why="the provider is not the problem; barely helps"),
            ),
            messages=(
                "validation failed: TaskObject schema_version 20251120_002 rejected by block contract impl/v3",
                "validation failed: TaskObject schema_version 20251120_002 rejected by block contract impl/v3",
                "validation failed: TaskObject schema_version 20251120_002 rejected by block contract impl/v3",
                "model API 5xx: model-gateway 502 Bad Gateway (upstream connect error)",
            ),
        ),
    ),
    resolution=("rollback",),
    codes_5xx={"502": 0.8, "503": 0.2},
    facts={"bad_version": "v1.2.0", "bad_schema": "20251120_002"},
    changes=(
        Change("flowengine", -160.0, "release v1.2.0: TaskObject schema 20251120_002, new model-gateway client",
               image="v1.2.0", env={"SCHEMA_VERSION": "20251120_002"}),
    ),
)

AUDIT_GAP = Scenario(
    name="audit-gap",
    title="Audit log stopped receiving events",
    symptom="Audit log gap growing",
    runbook="RB-CORE-005",
    severity="P1",
    primary="audit_gap",
    breaches=("audit_gap",),
    summary=(
        "No audit events have arrived for four minutes while flows keep running. Unaudited "
        "flows are a compliance breach: contain first, then restore the audit trail."
    ),
    root_cause=(
        "The audit shipper lost its connection to the audit store after a credential rotation "
        "and stopped retrying; PII redaction had been switched off by the same config change."
    ),
    faults=(
        Fault(
            name="audit_down",
            impacts={"audit_stall": 1.0},
            onset=-240.0, ramp=0.0,
            mitigations=(
                Mitigation("audit_restart", factor=0.0, delay=20.0, tau=5.0,
                           why="the audit shipper reconnects and events flow again"),
            ),
        ),
    ),
    resolution=("flowengine_stop", "redaction", "audit_restart", "flowengine_start"),
    facts={"audit_deployment": "audit-shipper"},
    changes=(
        Change("flowengine", -1500.0, "config: rotate audit-store credentials",
               env={"PII_REDACTION_ENABLED": "false", "AUDIT_STORE_SECRET": "audit-store-2025-11"}),
        Change("audit-shipper", -1500.0, "config: rotate audit-store credentials",
               env={"AUDIT_STORE_SECRET": "audit-store-2025-11"}),
    ),
)

SCENARIOS: dict[str, Scenario] = {
    s.name: s for s in (RATE_LIMIT, PROVIDER_OUTAGE, TIMEOUT, MASS_FAILURE, AUDIT_GAP)
}
DEFAULT_SCENARIO = "rate-limit"


def get_scenario(name: str) -> Scenario:
    """The scenario called ``name``; a clear error listing the known ones otherwise."""
    try:
        return SCENARIOS[name]
    except KeyError:
        known = ", ".join(SCENARIOS)
        raise NotFoundError(f"unknown drill scenario {name!r}; known scenarios: {known}") from None


def list_scenarios() -> list[Scenario]:
    return list(SCENARIOS.values())
