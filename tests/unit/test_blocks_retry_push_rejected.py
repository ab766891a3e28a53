"""redteam43 R8: ``blocks flow retry`` cleared a flow that failed on the repository's branch protection ("git push
rejected: branch protection requires review"): a retry generates the change again and pushes it to the same protected
branch, so it is rejected again (a quality gate or a plan's validation is the generated output's, and a retry
generates anew: those may pass). In-process at a chosen scenario moment, nothing waits on the wall clock."""

from __future__ import annotations

from pathlib import Path

from tests.unit.standins_corpus import START, run_one
from warroom.drill.activity import Activity
from warroom.drill.cluster import build_cluster
from warroom.drill.directory import create_drill
from warroom.drill.model import BACKGROUND_ERRORS

PUSH_REJECTED = "git push rejected: branch protection requires review"     # the repository's rule, in its words


def test_a_retry_meets_the_branch_protection_again_and_a_generation_failure_may_pass(tmp_path: Path) -> None:
    drill = create_drill(tmp_path, "rate-limit", speed=10.0, start=START)
    t = 600.0
    flows = Activity(drill.simulator.refresh(), build_cluster(drill.scenario, drill.actions(), t)).flows(-6 * 3600.0, t, t)
    by_error = {e: [f.task_id for f in flows if f.status == "failed" and f.error == e] for e in BACKGROUND_ERRORS}
    assert by_error[PUSH_REJECTED], "no flow failed on branch protection in the six hours before: pick a longer window"
    code, out, err = run_one(drill, ["blocks", "flow", "retry", by_error[PUSH_REJECTED][0]], t)
    assert code == 1 and f"failed: {PUSH_REJECTED}" in err and "succeeded" not in out.split("run:")[-1], (out, err)
    generated = [task for e in BACKGROUND_ERRORS[:2] for task in by_error[e]][:4]
    answers = [run_one(drill, ["blocks", "flow", "retry", task, "--model", "gpt-4-turbo"], t + 1 + i)[0]
               for i, task in enumerate(generated)]     # on OpenAI: Anthropic's quota (97.9%) refuses most calls
    assert 0 in answers, answers         # a generation failure is not the repository's rule: a new run may pass
