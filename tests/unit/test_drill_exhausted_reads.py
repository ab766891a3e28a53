"""``Signals.exhausted`` reads the quota a few times a day, not at every scrape (095bcbb), also where the quota's burn is
already summed (suite41).

2365e09 read the quota at the very scrape asked whenever ``_spent`` had summed that far, so as not to sum past what it
had (a look-ahead there re-entered the sums being built). Two hours of flows ask ``strands`` -> ``exhausted`` at ~500
scrapes per provider, so every drill world read the quota ~1,500 times again (``_used`` each time): 10-20% more CPU for
every scenario's drill, rate-limit's quota storm or not. The look-ahead now stops at the last scrape summed, so it never
sums further, and the answers are the same: quota use never goes down within a day."""

from __future__ import annotations

import pytest

from warroom.drill import fleet
from warroom.drill.model import SPEND, Signals
from warroom.drill.scenarios import get_scenario

SCRAPES = range(-40, int(7200 // SPEND))      # two hours of a drill, from before its start


@pytest.mark.parametrize("scenario", ["mass-failure", "rate-limit"])
def test_exhausted_reads_a_few_scrapes_and_answers_as_a_read_at_every_scrape(scenario: str) -> None:
    s, each = Signals(get_scenario(scenario)), Signals(get_scenario(scenario))
    for p in fleet.PROVIDERS:           # summed past the two hours, as a drill's panes sum them
        s.quota(p, SCRAPES[-1] * SPEND + 3600.0)
        each.quota(p, SCRAPES[-1] * SPEND + 3600.0)
    before = len(s._levels)           # what summing read (rate-limit's throttle reads the quota at each step it sums)
    for p in fleet.PROVIDERS:
        asked = [s.exhausted(p.name, k * SPEND) for k in SCRAPES]
        assert asked == [each.quota(p, k * SPEND) >= 1.0 for k in SCRAPES], p.name
    # before: one read per scrape asked and provider not read yet (~1,500); a look-ahead and a bisection per day: a few
    assert len(s._levels) - before <= 40 * len(fleet.PROVIDERS), len(s._levels) - before
    if scenario == "rate-limit":        # the bisection is exercised: Anthropic's quota runs out within the two hours
        assert any(s.exhausted(fleet.PRIMARY, k * SPEND) for k in SCRAPES)
