"""FlowEngine's counters count the flows the tasks table holds, at every instant (issue 13 item 5, redteam46 R3/R5).

The counters were integrated rates and a flow failed when its repo's fractional failure counter passed a whole number
since the flow before: the execution counter read 69.636 beside 69 rows (R3), and the first flow of a repo after a
halt carried the share of the minutes before it, so after RB-CORE-005's bucket deny and the restore psql listed flows
that succeeded on Claude while every flow failed in Prometheus and no model call was made (R5). One rule now: a flow
fails when its repo's failure count, raised by the flow's own failing share at its start, passes a whole number; the
exported failure counter is that count (its whole part the failed tasks'), the execution counter the flows begun.
These hold the tasks to the counters at random moments of worlds worked with random actions: each total failure
cause, partial ones, halts, caps, retries.
"""

from __future__ import annotations

import math
import random
from pathlib import Path

import pytest

from tests.unit.standins_corpus import SCENARIOS, run_one, warm_drill, warm_simulator
from tests.unit.test_aws_iam_deny import DENY, POLICY
from warroom.drill import fleet
from warroom.drill.activity import HELD, Activity
from warroom.drill.directory import Drill, open_drill
from warroom.drill.model import Signals
from warroom.drill.series import Series

SCALE = "kubectl scale deployment/flowengine -n production --replicas="
ENV = "kubectl set env deployment/flowengine -n production "
COMMANDS = [SCALE + "0", SCALE + "3", SCALE + "6", ENV + "DISABLE_PROVIDERS=anthropic,openai,google",
            ENV + "DISABLE_PROVIDERS-", ENV + "MANUAL_REVIEW_MODE=true", ENV + "MANUAL_REVIEW_MODE=false",
            ENV + "ENABLE_CIRCUIT_BREAKER=true", ENV + "MAX_CONCURRENT_FLOWS=2", ENV + "MAX_CONCURRENT_FLOWS=50",
            ENV + "FALLBACK_MODEL=gpt-4-turbo", "put", "delete", "retry"]


def _act(drill: Drill, command: str, t: float) -> None:
    argv = {"put": ["aws", "iam", "put-user-policy", *POLICY, "--policy-document", DENY],
            "delete": ["aws", "iam", "delete-user-policy", *POLICY]}.get(command) or command.split()
    if command == "retry":      # the last failed flow, run again
        failed = [f for f in Activity(drill.simulator.refresh()).flows(t - 600.0, t, t) if f.status == "failed"]
        if not failed:
            return
        argv = ["blocks", "flow", "retry", failed[-1].task_id]
    run_one(drill, argv, t)


def _counted(drill: Drill, t1: float, t2: float) -> None:
    """Between ``t1`` and ``t2`` each repo's execution counter (whole numbers) and the whole part of its failure counter
    rose by the flows whose run began then and the failed ones among them (plus the retries run); a flow that did not
    fail began
    while a model answered calls (its own calls are counted). A failed flow is counted as its run begins (its row
    says running until it ends): the walk's flags, which the rows that ended show."""
    series = drill.simulator.refresh()
    s, act = series.signals, Activity(series)
    for repo in s.repos:
        began = [(k, start, b, failed) for k, start, b, failed in act._starts(repo, series.t0 + 1.0, t2, t2)
                 if b is not None and t1 < b <= t2]
        retried = [r for r in s.retries if r.repo == repo.name and t1 < r.t <= t2]
        a, b = (series.counter(("exec", repo.name), t) for t in (t1, t2))
        assert a == int(a) and b == int(b) and b - a == len(began) + len(retried), (repo.name, t1, t2, a, b)
        a, b = (math.floor(series.counter(("fail", repo.name), t)) for t in (t1, t2))
        assert b - a == sum(failed for *_, failed in began) + sum(not r.ok for r in retried), (repo.name, t1, t2, a, b)
        for k, start, b, failed in began:
            flow = act._flow(repo, k, start, b, t2, failed=failed)      # drawn as psql lists it
            assert (flow.error is not None) == failed or flow.status == "running", flow
            if not failed and flow.stopped is None:
                assert sum(s.request_rate(p, b) for p in fleet.PROVIDERS) > 0.0, (flow, s.strands(b))


def _psql_agrees(drill: Drill, t: float) -> None:
    """psql's tasks table at ``t`` and each repo's counters since the world's first moment (its first row): the runs
    the rows say (``attempts``) are the executions counted; the failures counted lie between the runs the rows say
    failed (a retried row's runs before its last, a failed row's every one) and those plus the runs in flight (a
    failed run is counted as it begins, its row says running until it ends)."""
    code, out, err = run_one(drill, ["psql", "-At", "-c", "SELECT repo, status, count(*), sum(attempts) FROM tasks "
                                     "GROUP BY repo, status"], t)
    assert code == 0, err
    rows: dict[str, dict[str, tuple[int, int]]] = {}
    for line in out.splitlines():
        repo, status, n, runs = line.split("|")
        rows.setdefault(repo, {})[status] = (int(n), int(runs))
    series = drill.simulator.refresh()
    for repo in series.repos:
        mine = rows.get(repo.name, {})
        n, runs = (sum(v[j] for v in mine.values()) for j in (0, 1))
        ended_failed = mine.get("failed", (0, 0))[1] + sum(r - n for n, r in (mine.get(k, (0, 0)) for k in (
            "succeeded", "running", HELD)))
        first = series.t0 + 1.0             # the first moment the tasks table holds flows from
        execs, fails = (series.counter((kind, repo.name), t) - series.counter((kind, repo.name), first) for kind in (
            "exec", "fail"))
        failed = math.floor(series.counter(("fail", repo.name), t)) - math.floor(series.counter(("fail", repo.name),
                                                                                                  first))
        assert execs == runs, (repo.name, t, execs, mine)
        assert ended_failed <= failed <= ended_failed + mine.get("running", (0, 0))[0], (repo.name, t, fails, mine)


def test_after_the_deny_and_the_restore_every_flow_fails_and_is_counted(tmp_path: Path) -> None:
    """R5 as the red team worked it: halt, deny the bundles' bucket, restore: no flow succeeds until the delete."""
    drill = warm_drill(tmp_path, "audit-gap", name="r5")
    for command, t in ((SCALE + "0", 300.0), ("put", 400.0), (SCALE + "3", 600.0), ("delete", 1100.0)):
        _act(drill, command, t)
    flows = Activity(drill.simulator.refresh()).flows(600.0, 1100.0, 1300.0)
    assert flows and all(f.status == "failed" for f in flows if f.began < 1100.0), [
        (f.repo, f.status, f.began) for f in flows if f.status != "failed"]
    _counted(drill, 590.0, 1300.0)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_at_random_moments_the_counters_count_the_tasks(tmp_path: Path, scenario: str) -> None:
    rng = random.Random(f"counted:{scenario}")
    drill = warm_drill(tmp_path, scenario, name="c")
    t = 120.0
    for _ in range(6):
        t += rng.uniform(30.0, 240.0)
        _act(drill, rng.choice(COMMANDS), t)
    for _ in range(3):
        t1 = rng.uniform(0.0, t)
        _counted(drill, t1, t2 := t1 + rng.uniform(15.0, 900.0))
        _psql_agrees(drill, t2)


def test_a_healthy_world_reads_no_warn_on_its_failure_rate() -> None:
    """The failure counter keeps the fraction of a flow its whole part has not reached (whole counters, each repo
    dithered on its own, put two failures of ~300 in some hours: the healthy audit-gap world's Flow failure rate pane
    read 0.67%, WARN, from its tenth minute); its whole part is the failed tasks' (``_psql_agrees``)."""
    sim = warm_simulator("audit-gap")
    times = [15.0 * j for j in range(101)]
    assert max(sim.panes("failure_rate", times)) < 0.5


def test_a_commands_work_does_not_grow_with_the_worlds_age(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A stand-in is a process of its own: it reads a repo's failure count off the row before the moment asked (each
    row holds it: ``Series.steps``, kept in the cache file), so its work is the same at the incident's first minutes
    as later. Stop 46's walk began at the world's first moment, a failing share asked of every flow since (720 at
    1400 s): a command's work grew with the incident's age (``test_history_memo``: 840 rows where 243 bound it)."""
    drill = warm_drill(tmp_path, "audit-gap", name="aged")
    work = [0, 0]
    rates, fails = Series.rates, Signals.fails

    def counted_rates(series: Series, t: float) -> list[float]:
        work[0] += 1
        return rates(series, t)

    def counted_fails(signals: Signals, repo: fleet.Repo, t: float) -> tuple[float, float]:
        work[1] += 1
        return fails(signals, repo, t)

    monkeypatch.setattr(Series, "rates", counted_rates)
    monkeypatch.setattr(Signals, "fails", counted_fails)
    per_age = []
    for t in (300.0, 1400.0):               # both within the rows the cache file holds (``warmed``)
        now = open_drill(drill.path).simulator
        now.evaluate("sum by (repo) (increase(flowengine_flow_failures_total[5m]))", t)
        Activity(now.refresh()).flows(t - 120.0, t, t)          # psql's "the last two minutes"
        per_age.append(tuple(work))
        work[:] = [0, 0]
    assert all(rows <= 2 and calls <= 40 for rows, calls in per_age), per_age
