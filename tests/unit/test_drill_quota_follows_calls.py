"""Rate-limit's quota is what the world's requests spend, and the provider throttles by it (redteam40 R2, R3, R6).

The quota burn was a fault on its own clock (it ended 730 s in) and the 429s another (from 60 s, whatever the quota),
so after twelve drill minutes the retry storm raged on every counter yet burnt nothing (a breaker at 900 s or 1200 s
bought exactly nothing), and after the daily reset the provider throttled at 1% used while the same calls spent six
times the tokens. Now every request counts ``fleet.TOKENS_PER_CALL`` on its provider's quota (the batch job's burst is
the scenario's input, retries included) and the 429 share follows the quota: from 80%, all of it once used up, none
after the reset until the day's use passes 80% again. So the breaker's effect follows from the retries it holds,
whenever it goes on; and no tool says "100%" of a quota not used up (R6).
"""

from __future__ import annotations

import json

import pytest

from tests.unit.standins_corpus import run_one
from tests.unit.test_drill_breaker_words import drill
from tests.unit.test_drill_simulator import world
from warroom.drill import fleet
from warroom.config.schema import default_slos
from warroom.drill.model import quota_reset
from warroom.units import format_reading, format_value

CLAUDE = fleet.PRIMARY_PROVIDER
RESET = quota_reset(0.0)


@pytest.fixture(scope="module")
def storm():   # type: ignore[no-untyped-def]
    """The rate-limit drill nobody touches: the world every drill of the scenario starts from."""
    return drill(None)


def test_a_breaker_at_any_time_of_the_storm_makes_the_quota_last_longer() -> None:
    never = world("rate-limit").signals.runs_out(CLAUDE.name, 0.0)
    assert never is not None and never < RESET
    lasts = {on: world("rate-limit", ("circuit_breaker", on)).signals.runs_out(CLAUDE.name, 0.0) or RESET
             for on in (240.0, 480.0, 900.0, 2400.0)}
    assert all(t > never + 600.0 for t in lasts.values()), (never, lasts)      # ten minutes or more bought
    ons = sorted(lasts)
    assert all(lasts[a] > lasts[b] for a, b in zip(ons, ons[1:])), lasts      # the sooner, the longer


def test_after_the_reset_no_429_until_the_level_passes_80_again(storm) -> None:   # type: ignore[no-untyped-def]
    s = storm.simulator.signals
    before = [t for t in (600.0, 3600.0) if s.quota(CLAUDE, t) >= 0.9]
    assert before and all(s.share_429(CLAUDE, t) > 0.3 for t in before)        # the throttle of the quota's end
    for t in (RESET + 60.0, RESET + 3600.0, RESET + 6 * 3600.0):
        assert s.quota(CLAUDE, t) < fleet.THROTTLE_FROM
        assert s.share_429(CLAUDE, t) == pytest.approx(fleet.BASE_429), t


@pytest.mark.parametrize(("a", "b"), [(0.0, 600.0), (900.0, 3600.0)])
def test_the_quota_rises_by_the_requests_times_their_tokens(storm, a: float, b: float) -> None:  # type: ignore[no-untyped-def]
    """The burst's ten minutes (batch calls and their retries) and the storm after it (the flows' calls and retries):
    the tokens the quota gained are the requests FlowEngine counted, ``TOKENS_PER_CALL`` each (the healthy calls'
    part is the day's token rate, within a few percent of it: 0.998 and 0.985 of it)."""
    series, s = storm.simulator.refresh(), storm.simulator.signals
    requests = sum(series.counter(("req", CLAUDE.name, c), b) - series.counter(("req", CLAUDE.name, c), a)
                   for c in series.codes)
    tokens = (s.quota(CLAUDE, b) - s.quota(CLAUDE, a)) * CLAUDE.daily_tokens
    assert tokens == pytest.approx(requests * fleet.TOKENS_PER_CALL, rel=0.04), (tokens, requests)


def test_no_tool_nor_pane_says_100_percent_of_a_quota_not_used_up(storm) -> None:   # type: ignore[no-untyped-def]
    """From 99.95% the pane read "100%" (three significant digits, world40's left) while the tools said 99.9%: one
    form now (``units.format_value``), the pane's, and "100%" only once the quota is used up."""
    s = storm.simulator.signals
    end = s.runs_out(CLAUDE.name, 0.0)
    assert end is not None
    nearly = next(t for t in range(int(end) - 3600, int(end), 15) if s.quota(CLAUDE, float(t)) >= 0.9995)
    pane = next(slo for slo in default_slos() if slo.id == "quota")
    for t, full in ((float(nearly), False), (end + 60.0, True)):
        said = [run_one(storm, argv.split(), t)[1] for argv in (
            "blocks quota show", "blocks circuit-breaker status", "kubectl logs deployment/flowengine -n production --since=5m")]
        usage = json.loads(run_one(storm, ["curl", "-s", "-H", "Authorization: Bearer sk-test",
                                            "https://api.anthropic.com/v1/usage"], t)[1])
        shown = format_reading(storm.simulator.pane("quota", t), pane)
        assert ("100%" in said[0]) is full and (usage["used_percent"] == 100.0) is full, (t, said[0], usage)
        assert (shown == "100%") is full and f"({shown})" in said[0], (t, shown, said[0])
        assert full or not any("100%" in text for text in said), (t, said)
    assert [format_value(100 * q, "percent") for q in (0.42, 0.984, 0.9899, 0.995, 0.9995, 0.99999, 1.0)] == [
        "42%", "98.4%", "99%", "99.5%", "99.9%", "99.9%", "100%"]


@pytest.mark.parametrize("a,b", [(1200.0, 3600.0), (RESET + 600.0, RESET + 3600.0)])
def test_heavy_bundles_cost_tokens_per_call_not_a_clock(a: float, b: float) -> None:
    """timeout: every call carries its flow's bundle, so beyond the healthy use a provider's quota rises by its calls'
    extra KB in typical bundles' tokens. It was a level on a clock: 12% of Anthropic's quota in the ramp's 20 minutes,
    nothing from the same heavy calls after it, and after the reset the burst spent again (0.6% in [reset+10m,
    reset+1h]) with no request behind it; OpenAI's and Google's calls carry the bundles too."""
    s = world("timeout").signals
    for p in fleet.PROVIDERS:
        spent = (s.quota(p, b) - s._used(p, b)) - (s.quota(p, a) - s._used(p, a))
        calls = sum(s._requests(p, x)[0] * s.impact("context_kb", s.queue.shift(x)) / fleet.CONTEXT_KB
                    for x in (a + 7.5 + 15.0 * j for j in range(round((b - a) / 15.0))))
        assert calls > 0.0 and spent == pytest.approx(calls * 15.0 * fleet.TOKENS_PER_CALL / p.daily_tokens, rel=0.01)
