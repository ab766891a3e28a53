"""``blocks config set retry.max_attempts N`` is an action of the drill report's, with what it changed (redteam34b).

call_law makes the attempts move provider-outage's failures (A = 1: 7.9 % -> 38.7 % of flows) and the requests of
both provider faults, yet the report listed no row for it: an IC who made the outage five times worse read nothing
of it in "what each action changed". A setting that leaves the attempts as they were means nothing."""

from __future__ import annotations

import tempfile
from pathlib import Path

from tests.unit.standins_corpus import START, run_one
from warroom.drill.directory import create_drill
from warroom.incident.drill_report import drill_report


def test_setting_the_attempts_is_reported_with_the_failures_it_moved() -> None:
    d = create_drill(Path(tempfile.mkdtemp()), "provider-outage", speed=10.0, start=START, name="a")
    for value, t in (("3", 200.0), ("1", 300.0), ("1", 320.0)):      # 3 is the default: no change, nor is 1 twice
        assert run_one(d, ["blocks", "config", "set", "retry.max_attempts", value], t)[0] == 0
    rows = [a for a in drill_report(d, None, at=d.wall_time(1500.0)).actions if a.action == "retry_attempts"]
    assert [r.t for r in rows] == [300.0], rows
    [row] = rows
    assert not row.effective and "Flow failure rate" in row.change and "without it" in row.change, row
