"""Flows manual review held end at its release, in the tasks table and in the duration histogram alike.

redteam47 F3 / redteam49 F10: with MANUAL_REVIEW_MODE switched off, ~250 flows held 5-56 minutes ended "succeeded" in
the tasks table (psql) at the release, and the histogram the P95 pane reads never observed them: the pane read 73 s OK
while the flows that had just ended took minutes. Now the release adds them, each with the time it waited
(``Series.releases``), with or without a concurrency cap (the slots' histogram too), so the P95 pane reads the top
bucket (CRIT) while they are in its five minutes, and the histogram's count rises by the flows the tasks table ends.
"""

from __future__ import annotations

import shlex
import tempfile
from pathlib import Path

import pytest

from tests.unit.standins_corpus import START, run_one, warm_drill
from warroom.drill.activity import Activity

SET = "kubectl set env deployment/flowengine -n production "
PLANS = {
    # no cap: the rows' histogram
    "audit-gap": ([(SET + "MANUAL_REVIEW_MODE=true", 300.0), (SET + "MANUAL_REVIEW_MODE-", 1200.0)], 1230.0),
    # a cap acting when it is released: the slots' histogram
    "rate-limit": ([(SET + "MANUAL_REVIEW_MODE=true", 300.0), (SET + "MAX_CONCURRENT_FLOWS=3", 500.0),
                    (SET + "MANUAL_REVIEW_MODE-", 900.0)], 930.0),
}


@pytest.mark.parametrize("scenario", sorted(PLANS))
def test_the_held_flows_end_at_the_release_in_the_histogram_as_in_the_tasks_table(scenario: str) -> None:
    plan, release = PLANS[scenario]
    d = warm_drill(Path(tempfile.mkdtemp()), scenario, speed=10.0, start=START)
    for command, t in plan:
        assert run_one(d, shlex.split(command), t)[0] == 0, command
    series = d.simulator.refresh()
    held = [f for f in Activity(series, series.signals.cluster).kept(release + 400.0) if f.held is not None]
    assert len(held) > 30 and {f.status for f in held} == {"succeeded"}
    # the tasks table ends them at the release (or as their plan ends, if later), having waited minutes
    assert min(f.start + f.duration for f in held) == pytest.approx(release)
    # the histogram's count rises by as many over the release (the rows' law: within two flows), none past it
    count = series.index[("count",)]
    before, at, after = series.columns([count], [release - 5.0, release + 5.0, release + 15.0])[0]
    assert at - before == pytest.approx(len(held), abs=2.0), (at - before, len(held))
    assert after - at < 3.0
    # most waited past the top bucket: the P95 pane reads it (CRIT) while they are in its window, not before
    p95 = d.simulator.panes("p95_latency", [release - 10.0, release + 30.0, release + 270.0, release + 330.0])
    assert p95[0] is not None and p95[0] < 100.0 and p95[1] == p95[2] == 300.0 and p95[3] < 100.0, p95
