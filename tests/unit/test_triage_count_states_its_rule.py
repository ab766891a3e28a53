"""The mass-failure triage count is true about the listing it sums, and the Go/No-Go reads that count.

issue 13 (attack13e D3): `blocks metrics query --metric flow_failures_total --group-by repo` listed
four repositories with one failure each, then said "Total affected repos: 0" (a hidden rule: only
repositories with 2 or more failures count), and RB-LAUNCH-005's GO criterion "The triage count says
5 or more repositories are affected" read that number. The total now states its rule and names the
repositories it counts; these tests run the shipped runbook's own step command through the stand-in
at several moments of every scenario, check the total against the listing above it, and judge the
shipped GO criterion on that very output.
"""

from __future__ import annotations

import re
import shlex
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.unit.standins_corpus import SCENARIOS, SPEED, START, run_one, warmed
from warroom.config import Config
from warroom.drill.fleet import PILOT_REPO, REPOS
from warroom.drill.standins.blocks import AFFECTED_FAILURES, affected_line
from warroom.drill.directory import create_drill
from warroom.incident import decisions as dec
from warroom.runbook.library import RunbookLibrary

LISTED = re.compile(r"^(?P<repo>[a-z-]+): (?P<n>\d+) (?P<noun>failures?)$", re.M)
AFFECTED = re.compile(r"^Affected repos \((?P<rule>[^)]*)\): (?P<n>\d+)(?: \((?P<names>[^)]*)\))?$", re.M)


def _shipped() -> tuple[str, object]:
    """The triage step's command and the GO criterion that reads its output, as RB-LAUNCH-005 ships them."""
    rb = RunbookLibrary.from_config(Config()).get("RB-LAUNCH-005")
    assert rb is not None
    step = next(s for s in rb.steps if s.id == "count-failing-repos")
    (decision,) = rb.decisions
    (crit,) = [c for c in decision.go if c.kind == "step" and c.step == step.id]
    assert step.command is not None
    command = next(ln for ln in step.command.splitlines() if ln.startswith("blocks "))
    return command, crit


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_the_total_counts_exactly_the_listed_repos_it_names_and_the_go_criterion_reads_it(
        tmp_path: Path, scenario: str) -> None:
    command, crit = _shipped()
    drill = warmed(create_drill(tmp_path, scenario, speed=SPEED, start=START, name=f"triage-{scenario}"))
    now = datetime.fromtimestamp(START, UTC)
    for t in (60.0, 240.0, 900.0, 1500.0):
        code, out, err = run_one(drill, shlex.split(command), t)
        assert code == 0, err
        listed = {m["repo"]: int(m["n"]) for m in LISTED.finditer(out)}
        every = {r.name for r in REPOS} | {o.name for o in drill.scenario.onboarded}     # and the story's new ones
        assert set(listed) == every, out                                 # every repository, the pilot too
        assert all((m["noun"] == "failure") == (m["n"] == "1") for m in LISTED.finditer(out)), out
        lines = list(AFFECTED.finditer(out))
        assert len(lines) == 1, out
        line = lines[0]
        counted = [name for name, n in listed.items() if n >= AFFECTED_FAILURES]
        assert line["rule"] == f"{AFFECTED_FAILURES} or more failures each", out   # the rule is said
        assert int(line["n"]) == len(counted), out                       # and it is the listing's count
        assert (line["names"] or "").split(", ") == (counted or [""]), out     # the same repos, same order
        # the shipped GO criterion reads that very number, under the same rule
        verdict = dec.judge(crit, "go", None, now, None, lambda _s, o=out: dec.StepOutput(o, "ok", 7, 0))
        assert verdict.value == len(counted), (verdict, out)
        assert verdict.state == (dec.MET if len(counted) >= 5 else dec.NOT_MET), (verdict, out)
        assert f"{AFFECTED_FAILURES} or more failures" in crit.text


def test_one_failure_in_a_repo_is_listed_but_not_counted_and_the_line_says_so() -> None:
    """The attacker's output: four repositories with one failure each. The line no longer reads as a
    contradiction: it says what it counts (none of them) and why a count of 0 sits under them."""
    assert affected_line([]) == f"Affected repos ({AFFECTED_FAILURES} or more failures each): 0"
    assert affected_line(["risk-engine", PILOT_REPO]) == (
        f"Affected repos ({AFFECTED_FAILURES} or more failures each): 2 (risk-engine, {PILOT_REPO})")


def test_the_go_criterion_is_unknown_rather_than_wrong_if_the_rule_and_the_runbook_part() -> None:
    """One rule: the criterion's pattern names the threshold, so a total stated under another rule
    (or the old unstated "Total affected repos") is no number for it, never a silently different count."""
    _command, crit = _shipped()
    now = datetime.fromtimestamp(START, UTC)
    for text in ("Total affected repos: 9\n", "Affected repos (3 or more failures each): 9 (a, b)\n"):
        verdict = dec.judge(crit, "go", None, now, None, lambda _s, o=text: dec.StepOutput(o, "ok", 7, 0))
        assert verdict.state == dec.UNKNOWN, verdict
