"""A retry runs one task again, and nothing else (world25 a).

``blocks flow retry TASK`` bent the whole throttled-flows fault to zero (a scenario mitigation with
factor 0): retrying one task of forty healed the other thirty-nine and every flow after them. A retry
is now one more run of its own task: FlowEngine's execution counter counts it, its failure counter
counts it again if it fails again, the duration histogram observes it, the tasks table shows that
task's last run (attempts, updated_at) and the logs keep the first run's error beside the retry's
line; no fault moves. In-process at chosen scenario moments, so nothing depends on the machine's speed.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest

from tests.unit.standins_corpus import SPEED, START, refused_retry, refuses, run_one, warm_drill, warm_simulator
from warroom.drill.actions import RETRIES
from warroom.drill.directory import Drill
from warroom.drill.model import Signals
from warroom.drill.promql import SCRAPE
from warroom.drill.simulator import Simulator

BREAKER = "kubectl set env deployment/flowengine -n production ENABLE_CIRCUIT_BREAKER=true".split()
THROTTLED = ["psql", "-At", "-c", "SELECT task_id, status, attempts, error_message FROM tasks WHERE "
                                  "error_message ILIKE '%429%' ORDER BY created_at"]
RUNS = "sum(increase(flowengine_flow_executions_total[30m]))"
FAILS = "sum(increase(flowengine_flow_failures_total[30m]))"


def _rows(drill: Drill, t: float, tasks: object = ()) -> dict[str, list[str]]:
    """The throttled tasks' rows, or those of ``tasks`` (a success clears a row's error: it matches no more)."""
    query = f"{THROTTLED[-1].split(' WHERE ')[0]} WHERE task_id IN ({', '.join(repr(t) for t in tasks)})"
    code, out, err = run_one(drill, [*THROTTLED[:-1], query] if tasks else THROTTLED, t)
    assert code == 0, err
    return {line.split("|")[0]: line.split("|")[1:] for line in out.splitlines()}


def _total(drill: Drill, argv: list[str], t: float) -> int:
    return int(run_one(drill, argv, t)[1].split("Total executions: ")[1].split()[0])


def _without_retries(drill: Drill) -> Simulator:
    return warm_simulator(drill.scenario.name, lambda: [a for a in drill.actions() if a.action not in RETRIES],
                          drill.wall_time)


def _value(sim: Simulator, expr: str, t: float) -> float:
    (sample,) = sim.evaluate(expr, t)       # type: ignore[misc]
    return float(sample.value)


def test_a_retry_of_two_tasks_changes_those_two_and_nothing_else(tmp_path: Path) -> None:
    drill = warm_drill(tmp_path, "rate-limit", speed=SPEED, start=START, name="two")
    assert run_one(drill, BREAKER, 600.0)[0] == 0
    before = _rows(drill, 1200.0)
    assert len(before) >= 4 and all(status == "failed" for status, *_ in before.values()), before
    chosen = list(before)[1:3]
    for i, task in enumerate(chosen):
        code, out, err = run_one(drill, ["blocks", "flow", "retry", task], 1200.0 + i)
        assert code == 0 and f"✓ {task} succeeded" in out, (out, err)

    after = _rows(drill, 1500.0, before)
    assert {k: v[0] for k, v in after.items()} == {k: "succeeded" if k in chosen else "failed" for k in before}
    assert {k for k, v in after.items() if v[1] == "2"} == set(chosen)      # attempts: the retried run
    assert all(after[k][2] == ("" if k in chosen else before[k][2]) for k in before)    # a success clears its error

    sig, bare = drill.simulator.signals, Signals(drill.scenario, [a for a in drill.actions() if a.action not in RETRIES])
    for i in range(len(drill.scenario.faults)):                             # no fault bent by them
        assert [sig.strength(i, t) for t in range(1100, 3000, 37)] == [bare.strength(i, t) for t in range(1100, 3000, 37)]
    other = _without_retries(drill)
    assert _value(drill.simulator, RUNS, 1500.0) - _value(other, RUNS, 1500.0) == pytest.approx(2.0)    # two runs more
    assert _value(drill.simulator, FAILS, 1500.0) == _value(other, FAILS, 1500.0)        # neither failed again
    assert _value(drill.simulator, RUNS, 1195.0) == _value(other, RUNS, 1195.0)          # nothing before them

    twin = warm_drill(tmp_path, "rate-limit", speed=SPEED, start=START, name="twin")     # the same, unretried
    assert run_one(twin, BREAKER, 600.0)[0] == 0
    query = "blocks metrics query --metric flow_executions_total --last 1h".split()
    assert _total(drill, query, 1500.0) == _total(twin, query, 1500.0) + 2
    logs = run_one(drill, "aws logs filter-log-events --log-group-name /aws/lambda/flowengine".split(), 1500.0)[1]
    for task in chosen:         # every pod's lines: the first run's error is history; the retry is a line of its own
        lines = [line for line in logs.splitlines() if task in line]
        assert any("ERROR" in line and "429" in line for line in lines), lines
        assert any(f"{task} retry succeeded" in line for line in lines), lines


def test_a_retry_that_fails_again_is_counted_again(tmp_path: Path) -> None:
    """Before the breaker the world refuses a quarter of Anthropic's calls: a retry refused fails with a 429, the task stays failed
    with one more attempt, and FlowEngine's counters count one more run and one more failure."""
    drill = warm_drill(tmp_path, "rate-limit", speed=SPEED, start=START, name="again")
    before = _rows(drill, 600.0)
    task, first = refused_retry(drill, 600.0)         # the world refuses its call then
    again = next(float(t) for t in range(int(first) + 30, 870) if refuses(drill, task, t))       # and again later
    assert task in before
    for attempt, t in ((2, first), (3, again)):
        code, out, err = run_one(drill, ["blocks", "flow", "retry", task, "--max-attempts", "1"], t)
        assert code == 1 and "429" in err, (out, err)
        assert _rows(drill, t + 30.0)[task][:2] == ["failed", str(attempt)]
    other = _without_retries(drill)
    assert _value(drill.simulator, RUNS, 900.0) - _value(other, RUNS, 900.0) == pytest.approx(2.0)
    assert _value(drill.simulator, FAILS, 900.0) - _value(other, FAILS, 900.0) == pytest.approx(2.0)
    assert drill.simulator.pane("failure_rate", 900.0) > other.pane("failure_rate", 900.0)
    from warroom.incident.drill_report import drill_report

    report = drill_report(drill, None, at=drill.wall_time(900.0))
    rows = [a for a in report.actions if a.action == "retry"]
    assert [a.effective for a in rows] == [False, False] and not any(a.mitigation for a in rows)
    assert rows[0].why.startswith(f"{task} failed again: rate limit exceeded"), rows[0].why


def test_a_retry_refused_for_another_cause_is_the_error_the_tasks_table_shows(tmp_path: Path) -> None:
    """A task throttled early and retried once the quota is used up fails again for that new cause: its row says the
    last run's error, as FlowEngine's UPDATE writes it (redteam40 R7: psql kept the first run's "(rate_limit_error)"
    beside a moved updated_at), while the flow's own first cause, which the drill report counts by, stays."""
    from warroom.drill.activity import Activity
    from warroom.drill.cluster import build_cluster

    drill = warm_drill(tmp_path, "rate-limit", name="refused")
    task = next(iter(_rows(drill, 600.0)))
    later = drill.simulator.refresh().signals.runs_out("anthropic", 0.0) + 60.0     # every Anthropic call refused
    code, out, err = run_one(drill, ["blocks", "flow", "retry", task], later)
    assert code == 1 and "(daily quota exhausted)" in err, (out, err)
    assert _rows(drill, later + 30.0)[task] == [
        "failed", "2", "rate limit exceeded: anthropic 429 Too Many Requests (daily quota exhausted)"]
    flow = Activity(drill.simulator.refresh(), build_cluster(drill.scenario, drill.actions(), later)).find(task, later + 30)
    assert flow is not None and flow.error is not None and flow.error.endswith("(rate_limit_error)")


def test_a_pruned_retry_that_succeeds_is_the_run_the_tasks_row_describes(tmp_path: Path) -> None:
    """``blocks flow retry --enable-pruning`` said "617KB -> 178KB" and "succeeded in 40.1s"; psql's row of that task
    kept the first run's 617 KB, 180.0 s and its timeout error beside "succeeded" (redteam41 T2). FlowEngine's UPDATE
    writes the run that ended last: its bundle size and duration, no error on a success, one attempt more."""
    drill = warm_drill(tmp_path, "timeout", name="pruned")       # (the onboarded repos' first timeout ends at ~970 s)
    row = ["psql", "-At", "-c", "SELECT task_id, status, context_size_kb, duration_s, error_message, attempts FROM tasks "
                                "WHERE status = 'failed' AND context_size_kb > 500 ORDER BY created_at LIMIT 1"]
    task, status, kb, took, error, tries = run_one(drill, row, 1200.0)[1].strip().split("|")
    assert (status, tries) == ("failed", "1") and int(kb) > 500 and error.startswith("timeout"), (task, kb, error)
    code, out, err = run_one(drill, ["blocks", "flow", "retry", task, "--enable-pruning"], 1200.0)
    assert code == 0 and f"✓ {task} succeeded" in out, (out, err)
    pruned = re.search(r"context pruning: \d+KB -> (\d+)KB", out)
    ran = re.search(r"run: succeeded in ([\d.]+)s", out)
    assert pruned is not None and ran is not None, out
    query = ["psql", "-At", "-c", "SELECT status, context_size_kb, duration_s, error_message IS NULL, attempts "
                                  f"FROM tasks WHERE task_id = '{task}'"]
    assert run_one(drill, query, 1500.0)[1].strip() == f"succeeded|{pruned.group(1)}|{ran.group(1)}|t|2"


def test_a_retry_fails_in_the_counters_when_its_row_says_it_failed(tmp_path: Path) -> None:
    """redteam49 F6: a retry's failure (and its duration) entered FlowEngine's counters as it began, ~40 s before its
    row turned failed, so the SLO pane breached while psql said running. Its run counts as it begins, its failure and
    its duration as it ends, the instant its row says so."""
    drill = warm_drill(tmp_path, "rate-limit", speed=SPEED, start=START, name="ends")
    task, t = refused_retry(drill, 607.0)       # its run (12 s) spans the scrape of 615 s
    assert run_one(drill, ["blocks", "flow", "retry", task], t)[0] == 1
    (retry,) = drill.simulator.refresh().signals.retries
    end, other = retry.t + retry.seconds, _without_retries(drill)
    before, after = math.ceil(end / SCRAPE) * SCRAPE - SCRAPE, math.ceil(end / SCRAPE) * SCRAPE     # the scrapes around
    assert before > retry.t, retry          # its end (a sample is a scrape's: ``promql.walk``)
    counts = "sum(flowengine_flow_executions_total)", "sum(flowengine_flow_failures_total)", \
        "sum(flowengine_flow_duration_seconds_count)"
    for at, status, more in ((before, "running", (1, 0, 0)), (end - 0.01, "running", (1, 0, 0)),
                             (after, "failed", (1, 1, 1))):
        assert _rows(drill, at, [task])[task][0] == status, at
        assert tuple(_value(drill.simulator, q, at) - _value(other, q, at) for q in counts) == \
            pytest.approx(more), (at, status)
