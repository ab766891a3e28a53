"""The healthy FlowEngine estate every drill scenario starts from, before anything goes wrong.

Which repositories run flows and how often, which model providers carry how much traffic and
quota, how long a flow takes, what the Kubernetes side is called. The figures follow the seeds'
Phase 6 picture (a pilot repo plus a handful of onboarded ones, three providers, P95 well under the
120 s target), so the panes and the stand-ins' output look like a real estate.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Repo:
    name: str
    flows_per_hour: float
    pilot: bool = False

    @property
    def rate(self) -> float:
        """Flow executions per second."""
        return self.flows_per_hour / 3600.0


@dataclass(frozen=True)
class Provider:
    name: str
    title: str                   # as ``blocks quota show`` names it
    model: str
    quota_used: float            # share of the daily token quota its healthy calls spent by the drill's start
    daily_tokens: int
    flow_share: float            # the share of flows that call its model
    call_share: float            # a call to its model takes this share of a flow's median duration

    @property
    def requests_per_second(self) -> float:
        """The calls a healthy estate makes to its model a second: its flows, ``CALLS_PER_FLOW`` each (the one
        source of calls per flow: the request rate, each flow's calls and their durations read it)."""
        return ESTATE_RATE * self.flow_share * CALLS_PER_FLOW


REPOS: tuple[Repo, ...] = (
    Repo("compliance-service", 40, pilot=True),
    Repo("financial-reporting", 70),
    Repo("customer-analytics", 60),
    Repo("risk-engine", 50),
    Repo("inventory-mgmt", 45),
    Repo("billing-gateway", 35),
)
PILOT_REPO = next(r.name for r in REPOS if r.pilot)
ESTATE_RATE = sum(r.rate for r in REPOS)       # the flows a second the estate asks for

PROVIDERS: tuple[Provider, ...] = (
    Provider("anthropic", "Anthropic (Claude)", "claude-sonnet-4-5", 0.42, 2_000_000, 0.6, 0.42),
    Provider("openai", "OpenAI (GPT-4)", "gpt-4-turbo", 0.31, 1_500_000, 0.3, 0.33),
    Provider("google", "Google (Gemini)", "gemini-1.5-pro", 0.18, 1_000_000, 0.1, 0.25),
)
# A flow makes its model calls one after the other (its plan, then the work), each its provider's ``call_share`` of
# the flow's median: 2 calls take 50-84 % of it, the rest is the flow's own work (the calls fit in the duration).
CALLS_PER_FLOW = 2
MAX_ATTEMPTS = 3                        # the orchestrator's retry.max_attempts before anyone sets it
PROVIDER_NAMES = tuple(p.name for p in PROVIDERS)
PRIMARY = "anthropic"                   # FlowEngine's PRIMARY_MODEL's provider: routing moves its calls
PRIMARY_PROVIDER = next(p for p in PROVIDERS if p.name == PRIMARY)
# A provider's state by RB-CORE-004's words, as FlowEngine's /health/models reports it: degraded above 10% of calls
# not answered (5xx or 429) or a median call above 60 s; down when nine calls in ten or more fail (it cannot be reached)
DEGRADED_ERRORS, DEGRADED_LATENCY, DOWN_ERRORS = 0.10, 60.0, 0.9


#: Where FlowEngine sends a call for a model no provider serves (a typo: ``gpt-4-trubo``): the vendor answers it 404
#: ``model_not_found``; no provider's name, so no call, token or answer of a provider counts it
UNSERVED = "model_not_found"


def provider_of(model: str) -> str | None:
    """The provider that serves ``model``: the one whose ``/v1/models`` lists it (ids are exact, case and all); None
    for a model no provider serves (``GPT-4-TURBO``, ``claude-sonet``), whose calls are answered 404."""
    return next((p.name for p in PROVIDERS if p.model == model), None)


def unserved(model: str) -> str:
    """Why a call for ``model``, which no provider serves, fails: the one wording flows, logs and stand-ins say."""
    return f"model not found: {model} (no provider serves it)"

# Flow duration: log-normal around a median; sigma 0.38 puts P95 at ~1.87x the median, so the
# healthy median of 38 s gives a P95 near 71 s (warn at 90, crit at 120).
LATENCY_MEDIAN = 38.0
LATENCY_SIGMA = 0.38
HARD_TIMEOUT = 180.0                    # flows running longer than this are killed and fail
LATENCY_BUCKETS: tuple[float, ...] = (5, 10, 15, 20, 30, 45, 60, 75, 90, 105, 120, 135, 150, 180, 240, 300)

QUOTA_RESET = 8 * 3600.0                # the providers' daily token quotas reset at this scenario second, then daily
BASE_FAILURE = 0.003                    # 0.3 % of flows fail on a good day
BASE_5XX = 0.002                        # share of model API calls answered with a 5xx
BASE_429 = 0.001
THROTTLE_FROM = 0.8                     # a provider answers 429 from this share of its day's quota (``Signals.throttle``)
TOKENS_PER_CALL = 55                    # what one request counts on its provider's quota: the healthy calls' ~1%/h
CONTEXT_KB = 160.0                      # typical context bundle size (KB)

NAMESPACE = "production"
DEPLOYMENT = "flowengine"
AUDIT_DEPLOYMENT = "audit-shipper"
REPLICAS = 5
IMAGE_REPO = "registry.internal/flowengine"
GOOD_VERSION = "v1.1.0"
SCHEMA_VERSION = "20251104_001"
LOG_GROUP = "/aws/lambda/flowengine"
CONTEXT_BUCKET = "context-bundles"
