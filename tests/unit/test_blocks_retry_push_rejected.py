"""redteam43 R8: ``blocks flow retry`` cleared a flow that failed on the repository's branch protection ("git push
rejected: branch protection requires review"): a retry generates the change again and pushes it to the same protected
branch, so it is rejected again (a quality gate or a plan's validation is the generated output's, and a retry
generates anew: those may pass). In-process at a chosen scenario moment, nothing waits on the wall clock."""

from __future__ import annotations

import pytest

from tests.unit.standins_corpus import START, run_one
from warroom.drill.activity import Activity, Flow
from warroom.drill.cluster import build_cluster
from warroom.drill.directory import Drill, create_drill
from warroom.drill.model import BACKGROUND_ERRORS

T = 600.0
PUSH_REJECTED = "git push rejected: branch protection requires review"     # the repository's rule, in its words


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Drill, list[Flow]]:
    """The rate-limit drill and its flows of the six hours before scenario second 600, asked once."""
    drill = create_drill(tmp_path_factory.mktemp("retry"), "rate-limit", speed=10.0, start=START)
    return drill, Activity(drill.simulator.refresh(), build_cluster(drill.scenario, [], T)).flows(-6 * 3600.0, T, T)


def test_a_retry_meets_the_branch_protection_again_and_a_generation_failure_may_pass(
        world: tuple[Drill, list[Flow]]) -> None:
    (drill, flows), t = world, T
    by_error = {e: [f.task_id for f in flows if f.status == "failed" and f.error == e] for e in BACKGROUND_ERRORS}
    assert by_error[PUSH_REJECTED], "no flow failed on branch protection in the six hours before: pick a longer window"
    code, out, err = run_one(drill, ["blocks", "flow", "retry", by_error[PUSH_REJECTED][0]], t)
    assert code == 1 and f"failed: {PUSH_REJECTED}" in err and "succeeded" not in out.split("run:")[-1], (out, err)
    generated = [task for e in BACKGROUND_ERRORS[:2] for task in by_error[e]][:4]
    answers = [run_one(drill, ["blocks", "flow", "retry", task, "--model", "gpt-4-turbo"], t + 1 + i)[0]
               for i, task in enumerate(generated)]     # on OpenAI: Anthropic's quota (97.9%) refuses most calls
    assert 0 in answers, answers         # a generation failure is not the repository's rule: a new run may pass


def test_a_task_that_succeeded_is_not_retried(world: tuple[Drill, list[Flow]]) -> None:
    """attack43 A14: ``blocks flow retry`` of a task that had succeeded ran it again, said '✓ succeeded' and recorded
    a retry, which the drill report counted as failed flows retried."""
    (drill, flows), recorded = world, len(world[0].actions())
    done = next(f.task_id for f in reversed(flows) if f.status == "succeeded")
    code, out, err = run_one(drill, ["blocks", "flow", "retry", done], T + 30.0)
    assert (code, out) == (1, "") and f"task {done} succeeded; nothing to retry" in err, err
    assert len(drill.actions()) == recorded
