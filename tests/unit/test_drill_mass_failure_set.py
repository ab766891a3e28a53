"""Which repositories mass-failure fails is the scenario's, not the minute's (issue 13, redteam37 F6).

billing-gateway carried 4% failures (about 1.4 an hour), so the triage step's "Affected repos (2 or more failures
each)" read 4 or 5 by the minute it ran, and the Go/No-Go criterion "the triage count says 5 or more" with it: GO
or not by the clock. The scenario fails four repositories, as its summary says; every other repo's hour is a
healthy one (under one failure), so the count reads 4 whenever it is run before a mitigation.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from tests.unit.standins_corpus import SPEED, START, run_one
from warroom.drill.directory import create_drill
from warroom.drill.scenarios import get_scenario

TRIAGE = "blocks metrics query --metric flow_failures_total --last 1h --group-by repo --sort desc".split()


def test_the_triage_count_reads_the_four_failing_repositories_at_every_minute() -> None:
    assert "four repositories" in get_scenario("mass-failure").summary
    d = create_drill(Path(tempfile.mkdtemp()), "mass-failure", speed=SPEED, start=START, name="set")
    counts = {t: int(re.search(r"Affected repos \(2 or more failures each\): (\d+)", run_one(d, TRIAGE, t)[1])[1])
              for t in range(300, 4 * 3600, 600)}
    assert set(counts.values()) == {4}, counts
