"""Scenarios are data: one TOML file each, read strictly (issue 13 item 7)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import REPO
from warroom.drill.scenarios import HERE, ScenarioError, list_scenarios, load_scenario
from warroom.drill.simulator import Simulator


def test_every_shipped_file_is_a_scenario_with_its_runbook() -> None:
    names = sorted(p.stem for p in HERE.glob("*.toml"))
    assert [s.name for s in list_scenarios()] == names and len(names) >= 5
    from warroom.runbook.parser import load_runbook

    shipped = {rb.id: rb for rb in map(load_runbook, sorted((REPO / "runbooks").glob("*.md")))}
    for sc in list_scenarios():
        assert sc.runbook in shipped, f"{sc.name}: runbook {sc.runbook} is not shipped"   # what declaring pre-fills
        assert sc.primary in sc.breaches and sc.resolution and sc.faults


def test_a_new_scenario_is_one_file(tmp_path: Path) -> None:
    text = (HERE / "timeout.toml").read_text(encoding="utf-8").replace("latency = 80.0", "latency = 110.0")
    path = tmp_path / "slow-model.toml"
    path.write_text(text, encoding="utf-8")
    sc = load_scenario(path)
    assert sc.name == "slow-model" and sc.faults[1].impacts["latency"] == 110.0
    sim = Simulator(sc)
    assert sim.pane("p95_latency", 900.0) > Simulator(load_scenario(HERE / "timeout.toml")).pane("p95_latency", 900.0)


@pytest.mark.parametrize(("old", "new", "said"), [
    ("ramp = 1200.0", "rammp = 1200.0", "unknown field `rammp` - at `$.faults[0]` (did you mean 'ramp'"),
    ('  { action = "fallback_routing",', '  { acton = "fallback_routing",',
     "unknown field `acton` - at `$.faults[1].mitigations[1]` (did you mean 'action'"),
    ('severity = "P3"', "", "missing required field `severity`"),
    ('severity = "P3"', 'severity = "high"', "Invalid enum value 'high' - at `$.severity`"),
    ('title = "Flow', 'title = Flow', "Invalid value"),
    ('action = "fallback_routing"', 'action = "fallback_rooting"',
     "Invalid enum value 'fallback_rooting' - at `$.faults[1].mitigations[1].action` (did you mean 'fallback_routing'"),
    ("context_kb = 460.0", "context_kbb = 460.0",
     "Invalid enum value 'context_kbb' - at `key` in `$.faults[0].impacts`"),
    ('primary = "p95_latency"', 'primary = "p95"', "Invalid enum value 'p95' - at `$.primary`"),
    ("onset = -640.0", 'onset = "-640"', "Expected `float`, got `str` - at `$.faults[0].onset`"),
    ("latency = 80.0", 'latency = "80"', "Expected `float`, got `str` - at `$.faults[1].impacts[...]`"),
    ('breaches = ["p95_latency", "failure_rate"]', 'breaches = "p95_latency"',
     "Expected `array`, got `str` - at `$.breaches`"),
    ("[[faults]]", "[faults]", "Cannot declare ('faults',) twice"),
    ('"context_pruning", "retry_pruned"]', '"context_pruning", "retry-pruned"]',
     "Invalid enum value 'retry-pruned' - at `$.resolution[1]` (did you mean 'retry_pruned'"),
    ('  { action = "fallback_routing",', '  { action = "fallback_routing", requires = ["scael"],',
     "Invalid enum value 'scael' - at `$.faults[1].mitigations[1].requires[0]`"),
    ('title = "Flow', 'name = "slow"\ntitle = "Flow', "name: a scenario is named after its file (broken)"),
    ("latency = 80.0", "latency = -80.0", "Expected `float` >= 0.0 - at `$.faults[1].impacts[...]`"),
    ("onset = -640.0", "onset = nan", "at `$.faults[0].onset`"),       # TOML has nan and inf; no curve has
    ("factor = 0.1", "factor = 1.5", "Expected `float` <= 1.0 - at `$.faults[0].mitigations[0].factor`"),
])
def test_a_bad_file_names_file_and_key(tmp_path: Path, old: str, new: str, said: str) -> None:
    text = (HERE / "timeout.toml").read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "broken.toml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert str(path) in str(err.value) and said in str(err.value)


def test_a_scenario_file_is_named_as_a_drill_can_be(tmp_path: Path) -> None:
    path = tmp_path / "Slow Model.toml"
    path.write_text((HERE / "timeout.toml").read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(ScenarioError, match="named like rate-limit.toml"):
        load_scenario(path)


def test_the_story_does_not_contradict_the_errors_it_prints() -> None:
    """The facilitator's root cause is what the PIR is written against, and the errors the failed
    tasks carry are what a responder reads in psql and the logs (redteam30-7: rate-limit's story said
    flows retry "without limit" while half its failed tasks read "retries exhausted after 3
    attempts"). A retry count the errors state is the one the story states, and no story calls
    retries unlimited when an error shows them exhausted."""
    import re

    for sc in list_scenarios():
        said = " ".join(m for f in sc.faults for m in f.messages)
        story = f"{sc.summary} {sc.root_cause}".lower()
        for n in re.findall(r"after (\d+) attempts", said):
            assert "without limit" not in story and "unlimited" not in story, sc.name
            words = {"2": "two", "3": "three", "4": "four", "5": "five"}.get(n, n)
            assert re.search(rf"\b({n}|{words}) attempts\b", story), f"{sc.name}: the errors say {n} attempts"
