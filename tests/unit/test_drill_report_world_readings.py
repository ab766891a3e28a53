"""What an action changed in the drill's world besides the SLO panes, from the world's own record (fix50b's leftover).

rate-limit's circuit breaker turned on after the batch burst holds every throttled call's retries: Anthropic's 429
share falls from ~50 % to ~12.6 % and its requests by the retries they were, while the failure rate (the provider still
refuses the calls it has no room for) and the quota (spent is spent) stay. Its row read only "Flow failure rate and
Model API quota used unchanged within 10m00s". One mechanism for every action: each reading of the world's record
(``drill_report.world.READINGS``, PromQL over the counters the simulator integrated) weighed with and without it.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from tests.unit.standins_corpus import START, run_one, warm_drill, warm_simulator
from warroom.drill.actions import Action
from warroom.incident.drill_report import drill_report
from warroom.incident.drill_report.world import changes

BREAKER = "kubectl set env deployment/flowengine ENABLE_CIRCUIT_BREAKER=true CIRCUIT_BREAKER_THRESHOLD=85 -n production"


def test_the_breaker_s_row_says_the_retries_it_held_when_no_pane_moved() -> None:
    d = warm_drill(Path(tempfile.mkdtemp()), "rate-limit", speed=60.0, start=START, name="held")
    assert run_one(d, BREAKER.split(), 775.0)[0] == 0      # after the burst: the IC's ×60 demo, step 6 at +10m
    # asked while the incident is open, once its window is over (no running out told before it happens)
    (row,) = [a for a in drill_report(d, at=d.wall_time(1400.0)).actions if a.action == "circuit_breaker"]
    assert row.effective and not row.moved, row
    said = re.fullmatch(r"Flow failure rate and Model API quota used unchanged within 10m00s drill time \(10s wall\); "
                        r"Anthropic \(Claude\) requests answered 429 ([\d.]+)% \(([\d.]+)% without it\); "
                        r"Anthropic \(Claude\) requests ([\d.]+)/min \(([\d.]+)/min without it\)", row.change)
    assert said is not None, row.change
    share, share_without, rate, rate_without = (float(x) for x in said.groups())
    assert abs(share - 12.6) < 0.5 and abs(share_without - 50.1) < 1.0, said.groups()   # 0.5³ + everyday; a half
    assert abs(rate_without / rate - 1.75) < 0.1, said.groups()      # 1 + s + s² requests a call: the retries gone


def test_a_halt_says_the_flows_it_kept_from_starting_not_every_provider_s_calls_with_them() -> None:
    """The readings that follow from another (a provider's requests from the flows started) are said only where they
    moved beyond it; one moved alike at every provider (no call made at all) is said once, summed."""
    halt = [Action("flowengine_stop", 300.0, START + 300.0, "kubectl", ("scale",))]
    actual, other = warm_simulator("audit-gap", lambda: halt), warm_simulator("audit-gap")
    said = changes(actual, other, 900.0)
    assert len(said) == 1 and re.fullmatch(r"Flows started 0/min \([\d.]+/min without it\)", said[0]), said
    assert changes(other, other, 900.0) == ()
