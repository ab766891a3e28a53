"""``blocks`` reads an env switch as the rest of the drill does, however it is spelt (R26-shrinkB-3).

``CONTEXT_PRUNING_ENABLED=1`` was journaled as ``context_pruning`` (the flows' contexts were pruned, the
drill report and the PIR counted it: ``cluster.switched_on``) while ``blocks flow retry`` and
``blocks test-flow`` pruned only under ``true``; ``PII_REDACTION_ENABLED=1`` was journaled as
``redaction`` while ``blocks test-flow --dry-run`` said 'PII NOT redacted' and ``blocks security scan``
kept finding PII in bundles built after it (it waited for ``true``, and took only ``false`` as off).
Each spelling must answer exactly as its canonical ``true``/``false`` does. In-process, at fixed
scenario moments: nothing depends on the box.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.standins_corpus import SPEED, START, run_one, warm_drill
from warroom.drill.activity import Activity
from warroom.drill.cluster import build_cluster
from warroom.drill.directory import Drill

SET_AT, ASKED_AT = 300.0, 1500.0
CASES = [(key, scenario, value, on)
         for key, scenario in (("CONTEXT_PRUNING_ENABLED", "timeout"), ("PII_REDACTION_ENABLED", "audit-gap"))
         for value, on in (("1", True), ("yes", True), ("On", True), ("0", False), ("off", False))]


def _answers(root: Path, scenario: str, key: str, value: str, probe: list[list[str]] | None = None
             ) -> tuple[list[str], list[tuple[int, str, str]], list[list[str]]]:
    """The journaled actions and blocks' answers after ``key=value`` is set at ``SET_AT``; ``probe``:
    the commands to ask (default: made from the drill's own flows, to be asked of the others too)."""
    drill: Drill = warm_drill(root, scenario, speed=SPEED, start=START, name=f"{key}-{value}")
    code, _, err = run_one(drill, ["kubectl", "set", "env", "deployment/flowengine", f"{key}={value}"], SET_AT)
    assert code == 0, err
    if probe is None:
        world = Activity(drill.simulator.refresh(), build_cluster(drill.scenario, drill.actions(), ASKED_AT))
        built_after = world.flows(SET_AT + 120.0, ASKED_AT - 200.0, ASKED_AT)[0]     # once the rollout is done
        failed = next(f for f in world.flows(ASKED_AT - 7000.0, ASKED_AT, ASKED_AT) if f.status == "failed")
        probe = [["blocks", "test-flow", "--dry-run", "--input", "pii_case.md"],
                 ["blocks", "test-flow", "--repo", "compliance-service"],
                 ["blocks", "security", "scan", "--task-id", built_after.task_id],
                 ["blocks", "flow", "retry", failed.task_id]]
    said = [run_one(drill, argv, ASKED_AT) for argv in probe]
    return [a.action for a in drill.actions()], said, probe


@pytest.fixture(scope="module")
def canonical(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """The canonical ``true``/``false`` drill of each switch, made once for the spellings that share
    it (ten cases, four canonical answers: each was made again per case) in one directory that the
    spellings' drills (named after key and value, so never the same) are made in too, as before."""
    root = tmp_path_factory.mktemp("spellings")
    made: dict[tuple[str, str, str], tuple[list[str], list[tuple[int, str, str]], list[list[str]]]] = {}

    def answers(scenario: str, key: str, value: str) -> tuple[Path, tuple[list[str], list[tuple[int, str, str]], list[list[str]]]]:
        if (scenario, key, value) not in made:
            made[scenario, key, value] = _answers(root, scenario, key, value)
        return root, made[scenario, key, value]

    return answers


@pytest.mark.parametrize(("key", "scenario", "value", "on"), CASES)
def test_blocks_answers_a_spelling_as_its_canonical_value(canonical, key: str, scenario: str,  # type: ignore[no-untyped-def]
                                                         value: str, on: bool) -> None:
    root, (journal, said, probe) = canonical(scenario, key, "true" if on else "false")
    assert _answers(root, scenario, key, value, probe)[:2] == (journal, said)


def test_a_bundle_built_unredacted_keeps_its_findings_after_redaction_is_switched_back_on(tmp_path: Path) -> None:
    """A context bundle is written once, when its flow's run begins: turning redaction on (and off and on again)
    later changes new bundles only. Found by redteam49 (F1): the scan found PII only while redaction was still off,
    and only for the last off-period, so a forensic check after the fix read '✓ no PII findings'."""
    drill = warm_drill(tmp_path, "audit-gap", speed=SPEED, start=START, name="pii-after")
    world = Activity(drill.simulator.refresh(), build_cluster(drill.scenario, drill.actions(), ASKED_AT))
    unredacted = world.flows(200.0, 260.0, 300.0)[0]          # built while the scenario's change had it off
    for value, at in (("true", SET_AT), ("false", SET_AT + 300.0), ("true", SET_AT + 600.0)):
        assert run_one(drill, ["kubectl", "set", "env", "deployment/flowengine", f"PII_REDACTION_ENABLED={value}"],
                       at)[0] == 0
    world = Activity(drill.simulator.refresh(), build_cluster(drill.scenario, drill.actions(), ASKED_AT))
    redacted = world.flows(SET_AT + 120.0, SET_AT + 280.0, SET_AT + 290.0)[0]     # on, its rollout done
    second_off = world.flows(SET_AT + 420.0, SET_AT + 580.0, SET_AT + 590.0)[0]
    scan = ["blocks", "security", "scan", "--task-id"]
    assert run_one(drill, [*scan, unredacted.task_id], ASKED_AT)[0] == 1
    assert "redaction was off when it was built" in run_one(drill, [*scan, second_off.task_id], ASKED_AT)[2]
    code, out, _ = run_one(drill, [*scan, redacted.task_id], ASKED_AT)
    assert (code, out.splitlines()[-1]) == (0, "✓ no PII findings")
