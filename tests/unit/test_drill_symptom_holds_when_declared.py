"""A drill's symptom (the title `incident new --drill` and the dashboard declare with) states nothing
the drill's world has not reached when it is declared.

Seen: `incident new --drill timeout` declares at scenario 0s titled "P95 flow latency above 2
minutes" while the P95 pane reads 110 s, and the PIR of that incident says "declared before P95
flow latency reached critical"; rate-limit's "Model API quota usage climbing past 80%" was declared
at 73.7%. A threshold the symptom claims is crossed ("past 80%", "above 2 minutes") must be crossed
by a pane of that unit at scenario 0s, the moment the CLI declares.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from warroom.config import default_slos
from warroom.drill.directory import create_drill
from warroom.drill.scenarios import get_scenario

SCENARIOS = ("rate-limit", "provider-outage", "timeout", "mass-failure", "audit-gap")
CLAIM = re.compile(r"\b(?:past|above|over|exceeds?|beyond)\s+(\d+(?:\.\d+)?)\s*(%|minutes?|seconds?|s\b)", re.I)
UNITS = {"%": ("percent", 1.0), "minute": ("seconds", 60.0), "minutes": ("seconds", 60.0),
         "second": ("seconds", 1.0), "seconds": ("seconds", 1.0), "s": ("seconds", 1.0)}


def test_the_claim_pattern_reads_the_forms_a_symptom_uses() -> None:
    said = [(m[1], m[2]) for m in CLAIM.finditer("quota climbing past 80%, P95 above 2 minutes, gap over 300 s")]
    assert said == [("80", "%"), ("2", "minutes"), ("300", "s")]
    assert not CLAIM.findall("Model API quota usage climbing towards 80%")


@pytest.mark.parametrize("name", SCENARIOS)
def test_every_threshold_a_symptom_claims_is_crossed_at_the_declaration(name: str, tmp_path: Path) -> None:
    sc = get_scenario(name)
    drill = create_drill(tmp_path, name, speed=10.0, start=1_800_000_000.0, name=f"s-{name}")
    slos = default_slos()
    for number, word in CLAIM.findall(sc.symptom):
        unit, scale = UNITS[word.lower()]
        line = float(number) * scale
        readings = {s.title: drill.simulator.panes(s.id, [0.0])[0] for s in slos if s.unit == unit}
        assert any(v is not None and v > line for v in readings.values()), (
            f"{name}: symptom {sc.symptom!r} claims past {line:g} {unit}; at the declaration {readings}")
