"""Used tokens are a count: they never go down within a quota day, and they go with the calls (world-8).

A provider's healthy quota use was a level with a ±0.8 % wiggle, so `blocks quota show --provider openai`
in rate-limit read 470,164 -> 464,901 -> 461,870 tokens at t=300/400/500 with no reset (the README: "tokens
already used stay used"), and routing Anthropic's calls elsewhere moved only the faults' burn: OpenAI carried
all of Anthropic's calls and its quota wandered down. Now the healthy use is each provider's token rate
integrated over the time its calls ran, reset only at the day's reset; routing moves the rate (and its
tokens) to the provider that carries the calls. Every reader (the pane's series, `blocks quota show`,
curl's usage API, the breaker) reads ``Signals.quota``, so one sweep of it, plus the readers at a few
instants, holds for all of them.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from tests.unit.standins_corpus import SPEED, START, run_one, warm_drill
from warroom.drill import fleet, model
from warroom.drill.directory import Drill
from warroom.drill.scenarios import list_scenarios

SET = "kubectl set env deployment/flowengine {} -n production"
MENU = (        # what a responder may do to the estate, each a command a runbook or an IC would type
    *(SET.format(env) for env in (
        "ENABLE_CIRCUIT_BREAKER=true CIRCUIT_BREAKER_THRESHOLD=85", "ENABLE_CIRCUIT_BREAKER=false",
        "FALLBACK_MODEL=gpt-4-turbo", "FALLBACK_MODEL=gemini-1.5-pro", "FALLBACK_MODEL-", "DISABLE_PROVIDERS=anthropic",
        "DISABLE_PROVIDERS-", "FALLBACK_ON_5XX=true", "FALLBACK_ON_5XX=false", "MAX_CONCURRENT_FLOWS=2",
        "CONTEXT_PRUNING_ENABLED=true")),
    "kubectl scale deployment/flowengine --replicas=0 -n production",
    "kubectl scale deployment/flowengine --replicas=5 -n production",
    "kubectl rollout undo deployment/flowengine -n production",
    "blocks config set repos.allowlist compliance-service",
)
RESET = fleet.QUOTA_RESET


def _drill(tmp_path: Path, scenario: str, seed: int) -> tuple[Drill, list[str]]:
    """A drill of ``scenario`` with a seeded sequence of responder commands in its first hour."""
    rng = random.Random(f"{scenario}:{seed}")
    drill = warm_drill(tmp_path, scenario, speed=SPEED, start=START, name=f"q{seed}")
    done = []
    for t in sorted(rng.uniform(0.0, 3000.0) for _ in range(rng.randint(2, 7))):
        command = rng.choice(MENU)
        run_one(drill, command.split(), t)
        done.append(f"{t:.0f}: {command}")
    return drill, done


def _instants() -> list[float]:
    """Every 5 s through the first 80 minutes (off the scrape grid too), then every 10 minutes past the next
    reset: the drill as worked and as left running."""
    later = range(int((RESET + 7200.0 - 4800.0) // 600.0))
    return [k * 5.0 + 2.5 * (k % 2) for k in range(960)] + [4800.0 + k * 600.0 for k in later]


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("scenario", [s.name for s in list_scenarios()])
def test_used_tokens_never_go_down_within_a_quota_day(tmp_path: Path, scenario: str, seed: int) -> None:
    drill, done = _drill(tmp_path, scenario, seed)
    signals = drill.simulator.signals
    for p in fleet.PROVIDERS:
        last, day = -1.0, model.quota_reset(0.0, after=False)
        for t in _instants():
            if (reset := model.quota_reset(t, after=False)) != day:       # a reset: the count starts again at 0
                assert signals.quota(p, reset) == 0.0, (p.name, reset, done)
                last, day = 0.0, reset
            used = signals.quota(p, t)
            assert used >= last, (p.name, t, used, last, done)   # was: openai 31.3% -> 31.0% at t=300/400
            last = used


def _tokens(drill: Drill, t: float) -> dict[str, int]:
    """What `blocks quota show --all-providers` says each provider used at ``t`` (the IC's reading)."""
    out = run_one(drill, "blocks quota show --all-providers".split(), t)[1]
    titles = {p.title: p.name for p in fleet.PROVIDERS}
    found, provider = {}, ""
    for line in out.splitlines():
        if line.startswith("Provider: "):
            provider = titles[line.removeprefix("Provider: ")]
        elif line.strip().startswith("Used: "):
            found[provider] = int(line.split()[1].replace(",", ""))
    return found


def test_blocks_reads_a_count_in_the_rate_limit_drill(tmp_path: Path) -> None:
    """The finding's own reading: OpenAI's used tokens at t=300/400/500 (was 470,164 -> 464,901 -> 461,870)."""
    drill = warm_drill(tmp_path, "rate-limit", speed=SPEED, start=START, name="blocks")
    reads = [_tokens(drill, t) for t in (300.0, 400.0, 500.0)]
    for p in fleet.PROVIDER_NAMES:
        assert reads[0][p] < reads[1][p] < reads[2][p], (p, reads)


@pytest.mark.parametrize("scenario", ["mass-failure", "provider-outage"])
@pytest.mark.parametrize("env", ["FALLBACK_MODEL=gpt-4-turbo", "DISABLE_PROVIDERS=anthropic"])
def test_routing_moves_the_primarys_healthy_tokens_to_the_provider_carrying_its_calls(
        tmp_path: Path, scenario: str, env: str) -> None:
    """Neither scenario burns quota by a fault, so every token is a healthy call's: with Anthropic's calls sent to
    OpenAI, Anthropic's count stands still, OpenAI's climbs by what Anthropic would have spent, and the tokens
    spent in all (the same calls) are those of the drill nobody routed, to a token per provider and read.
    provider-outage added a fault of its own for this (``fallback_load``, 24% of OpenAI's quota): counted twice."""
    routed = warm_drill(tmp_path, scenario, speed=SPEED, start=START, name="routed")
    alone = warm_drill(tmp_path, scenario, speed=SPEED, start=START, name="alone")
    assert run_one(routed, SET.format(env).split(), 300.0)[0] == 0
    acts = 300.0 + model.ENV_DELAY + 15.0      # the rollout, then a scrape
    before, after = _tokens(routed, acts), _tokens(routed, acts + 1800.0)
    was, now = _tokens(alone, acts), _tokens(alone, acts + 1800.0)
    assert after["anthropic"] == before["anthropic"] < now["anthropic"]
    assert after["google"] - before["google"] == now["google"] - was["google"] > 0
    carried = (after["openai"] - before["openai"]) - (now["openai"] - was["openai"])
    assert carried == pytest.approx(now["anthropic"] - was["anthropic"], abs=3), (carried, was, now)  # was: 0
    argv = ["curl", "-s", "-H", "Authorization: Bearer sk-drill-key", "https://api.openai.com/v1/usage"]
    usage = json.loads(run_one(routed, argv, acts + 1800.0)[1])            # another reader, the same count
    assert usage["used_ratio"] == pytest.approx(after["openai"] / 1_500_000, abs=1e-3), usage


def test_fallback_on_5xx_sends_only_the_5xx_share_and_keeps_the_primary_spending(tmp_path: Path) -> None:
    """FALLBACK_ON_5XX in mass-failure (its bad gateway client answers 5xx to ~10 % of calls, no quota fault):
    the primary is still called first, so its count climbs as if nothing were routed; the calls it answered
    5xx are tried again on OpenAI, whose count climbs by Anthropic's tokens times that share, no more, no less."""
    routed = warm_drill(tmp_path, "mass-failure", speed=SPEED, start=START, name="on5xx")
    alone = warm_drill(tmp_path, "mass-failure", speed=SPEED, start=START, name="alone")
    assert run_one(routed, SET.format("FALLBACK_ON_5XX=true").split(), 300.0)[0] == 0
    s, u = routed.simulator.signals, alone.simulator.signals
    a, b, primary = 400.0, 1600.0, fleet.PRIMARY_PROVIDER
    openai = next(p for p in fleet.PROVIDERS if p.name == "openai")
    spent = u.quota(primary, b) - u.quota(primary, a)           # what all of Anthropic's calls spent
    assert s.quota(primary, b) - s.quota(primary, a) == pytest.approx(spent, abs=1e-12) and spent > 0.0
    moved = (s.quota(openai, b) - s.quota(openai, a)) - (u.quota(openai, b) - u.quota(openai, a))
    shares = [s.share_5xx(primary, a + k * 15.0 + 7.5) for k in range(int((b - a) // 15.0))]
    tokens = spent * primary.daily_tokens / openai.daily_tokens
    assert 0.05 < min(shares), shares
    assert min(shares) * tokens * 0.97 <= moved <= max(shares) * tokens * 1.03, (moved, tokens, shares)
