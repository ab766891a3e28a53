"""A fix typed again while it was in force is credited once, to its first run (attack43 A7).

provider-outage: ``DISABLE_PROVIDERS=anthropic`` (the fix) typed, then the same command twice more seconds later (unsure
it took, a second terminal). Each run was weighed alone, the others still in the world: without the first the repeat
3 s later did the same, so every row's effect was ~0 and the report said "Model API 5xx rate … unchanged" after the
fix took it from 28% to 0.2%. The first run is weighed with its repeats; each repeat's row says it is the same command.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from tests.unit.standins_corpus import START, run_one
from warroom.drill.directory import create_drill
from warroom.incident.drill_report import drill_report

FIX = "kubectl set env deployment/flowengine DISABLE_PROVIDERS=anthropic -n production"


def test_a_fix_typed_again_while_in_force_leaves_its_effect_with_the_first_run() -> None:
    d = create_drill(Path(tempfile.mkdtemp()), "provider-outage", speed=10.0, start=START, name="again")
    for t in (700.0, 730.0, 760.0):
        assert run_one(d, FIX.split(), t)[0] == 0
    rows = drill_report(d, at=d.wall_time(2400.0)).actions
    assert len(rows) == 3, rows
    first, *repeats = rows
    assert first.action == "fallback_routing" and first.effective and "Model API 5xx rate" in first.change, first
    assert "unchanged" not in first.change and "without it" in first.change, first
    assert all(r.why.startswith("the same command again (first at ") and not r.effective for r in repeats), repeats
