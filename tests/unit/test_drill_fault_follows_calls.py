"""A provider's fault fails only the flows whose calls still reach that provider (route-7, issue 13 item 5).

Before: in rate-limit, ``ARCHITECT_FALLBACK_MODEL=gpt-4-turbo`` (the runbook's own step) sent every Anthropic call to
OpenAI (``request_rate(anthropic)`` 0), yet 6 % of flows kept failing with "anthropic 429 Too Many Requests": the
routing bend halved the fault, it did not follow the calls. In provider-outage a full fallback left 3 % of the
outage's failures blamed on Anthropic, and a fallback tried on a 5xx (``FALLBACK_ON_5XX``) bent the failures by a
time constant of its own instead of at the instant the calls move. Computed from ``Signals`` at a few moments.
(``ARCHITECT_FALLBACK_MODEL`` now moves only each flow's plan, redteam37 F16: ``test_drill_architect_role.py``.)
"""

from __future__ import annotations

import pytest

from warroom.drill import fleet
from warroom.drill.actions import Action
from warroom.drill.model import ENV_DELAY, Signals
from warroom.drill.scenarios import get_scenario

SET_AT = 600.0
AFTER = (SET_AT + ENV_DELAY + 1.0, 900.0, 1500.0)


def _signals(scenario: str, env: dict[str, str]) -> Signals:
    acts = [Action("set_env", SET_AT, detail={"deployment": fleet.DEPLOYMENT, "set": env})]
    if any(k in env for k in ("FALLBACK_MODEL", "ARCHITECT_FALLBACK_MODEL", "DISABLE_PROVIDERS", "FALLBACK_ON_5XX")):
        acts.append(Action("fallback_routing", SET_AT))
    return Signals(get_scenario(scenario), acts)


def _blamed(s: Signals, provider: str, t: float) -> float:
    """The share of flows failing at ``t`` with a cause that names ``provider`` (what psql and the logs would say)."""
    return max(sum(share for share, msgs in s.fail_causes(r, t) if any(f" {provider} " in f" {m} " for m in msgs))
               for r in fleet.REPOS)


@pytest.mark.parametrize(("scenario", "env"), [
    ("rate-limit", {"DISABLE_PROVIDERS": "anthropic"}),
    ("provider-outage", {"FALLBACK_MODEL": "gpt-4-turbo"}),
    ("provider-outage", {"DISABLE_PROVIDERS": "anthropic"}),
])
def test_no_failure_is_blamed_on_a_provider_no_call_goes_to(scenario: str, env: dict[str, str]) -> None:
    s = _signals(scenario, env)
    assert _blamed(s, "anthropic", SET_AT - 1.0) > 0.02        # the fault fails flows before the change
    for t in AFTER:
        assert s.request_rate(fleet.PRIMARY_PROVIDER, t) == 0.0, (scenario, env, t)
        assert _blamed(s, "anthropic", t) == 0.0, (scenario, env, t)
        assert s.fails(fleet.REPOS[1], t)[0] < 0.01, (scenario, env, t)


def test_a_5xx_tried_again_on_the_fallback_fails_no_flow_from_the_instant_the_calls_move() -> None:
    """``FALLBACK_ON_5XX=true``: Anthropic is still called first (its calls and its 5xx stay), but every call it
    answers 5xx is tried on the fallback, so the outage fails no flow, from when the env acts, as the calls move."""
    s = _signals("provider-outage", {"FALLBACK_ON_5XX": "true"})
    assert _blamed(s, "anthropic", SET_AT + ENV_DELAY - 1.0) > 0.02
    for t in AFTER:
        assert s.request_rate(fleet.PRIMARY_PROVIDER, t) > 0.0 and s.share_5xx(fleet.PRIMARY_PROVIDER, t) > 0.2
        assert _blamed(s, "anthropic", t) == 0.0, t


def test_a_throttled_call_is_not_a_5xx_so_fallback_on_5xx_saves_none_of_them() -> None:
    """Rate-limit's 429s are no 5xx: ``FALLBACK_ON_5XX`` moves none of those calls, so the flows they fail still fail;
    only the everyday 5xx (``BASE_5XX``, 0.2 % of the attempts) now go to the fallback instead of being tried again."""
    plain, tried = Signals(get_scenario("rate-limit")), _signals("rate-limit", {"FALLBACK_ON_5XX": "true"})
    for t in AFTER:
        assert tried.lost("anthropic", t) == tried.share_429(fleet.PRIMARY_PROVIDER, t)     # its 5xx: not tried again
        assert _blamed(tried, "anthropic", t) == pytest.approx(_blamed(plain, "anthropic", t), rel=0.05), t


def test_a_disabled_providers_flows_on_the_failing_one_fail_with_it() -> None:
    """``DISABLE_PROVIDERS=openai`` in provider-outage: OpenAI's flows run on Claude, so more flows reach the failing
    provider and more fail, in proportion to the flows it now carries (0.6 + 0.3 of them, against 0.6)."""
    plain, moved = Signals(get_scenario("provider-outage")), _signals("provider-outage", {"DISABLE_PROVIDERS": "openai"})
    for t in AFTER:
        assert _blamed(moved, "anthropic", t) == pytest.approx(_blamed(plain, "anthropic", t) * 1.5, rel=1e-6), t
