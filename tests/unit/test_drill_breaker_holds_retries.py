"""The circuit breaker holds FlowEngine's retries; it does not make the provider serve them (redteam49 F8).

With the breaker on, rate-limit's Anthropic answered every call 200 up to 99.99 % of its day's quota: the breaker bent
the scenario's throttle (``throttled_flows``) to nothing, so the 429 share, the retries, the quota they burn and the
flows' failures all fell together, and the runbook's gate (429 share < 10 %) passed because the provider stopped
refusing. The breaker is FlowEngine's: a call answered 429 waits instead of being sent again at once. By the world's
own capacity law (``Signals.share_429``: the provider lets as many calls through however often each is tried) it is
``retry.max_attempts=1`` for throttled calls: the provider still has no room for the same calls (an eighth at full
throttle, 0.5 ** 3), their flows still fail, while the refused retries, their requests and the quota they burn are gone.
"""

from __future__ import annotations

import pytest

from warroom.drill import fleet
from warroom.drill.actions import Action
from warroom.drill.model import Signals, call_law
from warroom.drill.scenarios import get_scenario

CLAUDE = fleet.PRIMARY_PROVIDER
ON, T = 300.0, 1800.0       # on at ~90 % of the quota; half an hour on, the throttle at full, the quota not used up


def _world(*actions: Action) -> Signals:
    return Signals(get_scenario("rate-limit"), actions)


def test_the_breaker_cuts_the_retries_not_the_providers_refusals() -> None:
    without, held = _world(), _world(Action("circuit_breaker", ON))
    once = _world(Action("config_set", ON, detail={"key": "retry.max_attempts", "value": "1"}))
    assert held.quota(CLAUDE, T) < 1.0 and without.throttle(CLAUDE.name, T) == held.throttle(CLAUDE.name, T) == 1.0
    declared = without.share_429(CLAUDE, T) - fleet.BASE_429        # the throttle's half, at three attempts a call
    assert declared == pytest.approx(0.5, abs=0.01)
    # the provider still refuses the first attempts it has no room for: the capacity law's share at one attempt, as
    # with retry.max_attempts=1, never the everyday BASE_429 alone (F8: 429=0 on every line)
    assert held.share_429(CLAUDE, T) == pytest.approx(once.share_429(CLAUDE, T), rel=1e-9)
    assert held.share_429(CLAUDE, T) - fleet.BASE_429 == pytest.approx(declared ** fleet.MAX_ATTEMPTS, rel=1e-6)
    assert held.code_shares(CLAUDE, T)["429"] > 0.12
    # so the same calls never get through and the same Claude flows fail (F8: every Claude flow succeeded)...
    fails = [s.fails(fleet.REPOS[1], T)[0] for s in (without, held)]
    assert fails[1] == pytest.approx(fails[0], rel=0.03) and fails[1] > 0.2 * CLAUDE.flow_share
    # ...while each call is sent once: no retry, so fewer requests (1 a call against 1.75) and less quota burnt
    law = held.law(CLAUDE.name, T)
    assert 1.0 <= law[1] < 1.01                  # a 5xx (0.2 %) still tried again
    ratio = held.request_rate(CLAUDE, T) / without.request_rate(CLAUDE, T)
    assert ratio == pytest.approx(1.0 / call_law(declared, fleet.MAX_ATTEMPTS)[1], rel=0.03)
    assert held.quota(CLAUDE, T) < without.quota(CLAUDE, T)
    assert held.holding(T) and not without.holding(T) and not held.holding(ON)


def test_a_held_429_is_not_sent_again_but_a_5xx_still_is() -> None:
    """``call_law``'s ``held``: the part of the failing answers not retried."""
    assert call_law(0.3, 3, 2, held=0.0) == call_law(0.3, 3, 2)
    fails, sent = call_law(0.125, 3, 2, held=0.125)      # every failing answer a 429 held: one attempt a call
    assert sent == 1.0 and fails == pytest.approx(1 - (1 - 0.125) ** 2)
    fails, sent = call_law(0.2, 3, 1, held=0.1)          # half of them 5xx, tried again
    assert sent == pytest.approx(1 + 0.1 + 0.01) and fails == pytest.approx(1 - 0.8 * sent)


def test_a_flow_or_a_retry_failing_while_held_says_its_call_was_not_sent_again() -> None:
    """The tasks and a retry's run say what happened: one attempt refused and held, not "every attempt refused"."""
    from warroom.drill.standins.blocks import drawn

    held = _world(Action("circuit_breaker", ON))
    causes = [m for share, messages in held.fail_causes(fleet.REPOS[1], T) if share > 0.01 for m in messages]
    assert any("429" in m and "held by the circuit breaker" in m for m in causes), causes
    assert not any("every attempt" in m for m in causes), causes
    runs = [drawn(held, f"tsk_{i:08x}", T, CLAUDE, 3) for i in range(2000)]
    assert all(sum(code == "429" for c, _, code in out if c == call) <= 1 for out, _ in runs for call in (1, 2))
    failed = sum(ok for _, ok in runs) / len(runs)
    assert failed == pytest.approx(held.law(CLAUDE.name, T)[0], abs=0.03)


def test_the_runbook_s_path_ends_the_failures_by_moving_the_calls_not_by_the_breaker() -> None:
    """README step 4 and RB-CORE-003: the breaker alone leaves the flows failing while Anthropic throttles (above); the
    runbook's routing step (``FALLBACK_MODEL``: every Claude call to GPT-4 Turbo) ends the failures."""
    from warroom.paths import shipped_runbooks_dir
    from warroom.runbook.library import RunbookLibrary

    book = RunbookLibrary([shipped_runbooks_dir()]).get("RB-CORE-003")
    assert book is not None
    steps = {s.id: s for s in book.steps}
    assert (steps["enable-circuit-breaker"].verify or "").startswith("share_429 < 15 ")
    actions = []
    for t, (name, meant) in zip((ON, ON + 120.0), (("enable-circuit-breaker", "circuit_breaker"),
                                                   ("route-to-secondary", "fallback_routing")), strict=True):
        env = dict(w.split("=", 1) for w in steps[name].command.split() if "=" in w)     # as ``set env`` records
        actions += [Action("set_env", t, detail={"deployment": fleet.DEPLOYMENT, "set": env, "unset": []}),
                    Action(meant, t, detail={"via": "set_env"})]
    routed = _world(*actions)
    assert routed.request_rate(CLAUDE, 3000.0) == 0.0 and routed.fails(fleet.REPOS[1], 3000.0)[0] < 0.01
