"""MAX_CONCURRENT_FLOWS is a queue at every instant, as the stand-ins answer (issue 13 item 5, redteam34b-5).

A fluid law drove the started count while each run was its own draw, so psql listed flows queued beside a free slot
(cap 5: 40 of 60 moments) and more running than the cap. ``queue.Slots`` now decides flow by flow when each runs:
first in, first out, a flow begins at the later of its arrival and the first moment fewer than the cap run. These
sample psql, ``blocks status flows`` and the gauge at many moments and hold them to that rule."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.unit.standins_corpus import START, run_one, warmed
from warroom.drill.directory import Drill, create_drill
from warroom.drill.model import ENV_DELAY

SAMPLES = [345.0 + 45.0 * j for j in range(27)]        # on the 15 s scrape grid, from the cap's acting (330 s) on
# PostgreSQL has no sum(boolean): the count since the cap acted is a CASE (the drill's psql refuses sum of a boolean
# as PostgreSQL does since attackpg37, and this query, SQLite's idiom, answered until then)
ACTIVE = "SELECT status, count(*), min(created_at), max(created_at), " \
         "sum(CASE WHEN updated_at > '{acts}' THEN 1 ELSE 0 END) FROM tasks " \
         "WHERE status IN ('queued', 'running') GROUP BY status"
ACTS = 300.0 + ENV_DELAY        # when the cap set at 300 s is what FlowEngine runs with


def drill(tmp_path: Path, steps: list[tuple[str, float]]) -> Drill:
    d = warmed(create_drill(tmp_path, "rate-limit", speed=10.0, start=START, name="slots"))
    for argv, t in steps:
        assert run_one(d, f"kubectl {argv} -n production".split(), t)[0] == 0, argv
    return d


def slots(d: Drill, t: float) -> tuple[int, int, bool]:
    """(running, queued, first in first out) as psql lists the tasks at ``t``: no running task asked for after a
    queued one (it would have jumped the queue), and none begun since the cap acted while more than it run (a lower
    cap stops no run in flight: those end, and none begins until fewer than the cap run)."""
    acts = datetime.fromtimestamp(d.wall_time(ACTS), UTC).strftime("%Y-%m-%d %H:%M:%S.%f+00")    # as psql prints it
    rows = {line.split("|")[0]: line.split("|")[1:]
            for line in run_one(d, ["psql", "-At", "-c", ACTIVE.format(acts=acts)], t)[1].split("\n") if line}
    running, queued = (int(rows[s][0]) if s in rows else 0 for s in ("running", "queued"))
    fifo = not (running and queued) or rows["running"][2] <= rows["queued"][1]
    return running, queued, fifo and (running <= cap_at(d, t) or rows["running"][3] == "0")


def cap_at(d: Drill, t: float) -> int:
    """The cap FlowEngine runs with at ``t``: the last MAX_CONCURRENT_FLOWS set ``ENV_DELAY`` before (50 unset)."""
    sets = [(a.t, int(a.detail["set"]["MAX_CONCURRENT_FLOWS"])) for a in d.simulator.refresh().signals.actions
            if a.action == "set_env" and "MAX_CONCURRENT_FLOWS" in a.detail.get("set", {})]
    return next((c for at, c in reversed(sets) if at + ENV_DELAY <= t), 50)


def blocks(d: Drill, t: float) -> tuple[int, int, bool]:
    """(running, queued, FlowEngine runs) as ``blocks status flows --active`` says at ``t``."""
    said = run_one(d, "blocks status flows --active".split(), t)[1]
    running, queued = re.match(r"(\d+) active flow", said), re.search(r"^(\d+) queued ", said, re.M)
    assert running and len(re.findall(r"  running \d+s", said)) == min(20, int(running[1])), said    # lists 20 at most
    return int(running[1]), int(queued[1]) if queued else 0, "FlowEngine runs no pod" not in said


@pytest.mark.parametrize("cap", [1, 3, 5])
def test_no_flow_waits_while_a_slot_is_free_and_none_runs_over_the_cap(tmp_path: Path, cap: int) -> None:
    d = drill(tmp_path, [(f"set env deployment/flowengine MAX_CONCURRENT_FLOWS={cap}", 300.0)])
    seen, listed = [], {}
    for t in SAMPLES:
        listed[t] = running, queued, fifo = slots(d, t)
        assert (queued == 0 or running >= cap) and fifo, (t, running, queued)
        seen.append(queued)
    if cap < 5:         # under the load (~3.8 flows in flight): the rule is tested with a backlog most of the time
        assert sum(q > 0 for q in seen) > len(seen) // 2, seen
    # the other answers at the same moments: blocks, and the gauge (a scrape's: on its grid), each held to psql's
    # listing at that moment, read above (psql asked again at the same moment of the same drill read it twice more)
    for t in SAMPLES[::8]:
        gauge = d.simulator.evaluate("flowengine_flows_queued", t)[0].value     # type: ignore[index]
        assert blocks(d, t) == (*listed[t][:2], True) and gauge == listed[t][1], t


def test_the_rule_holds_through_a_stop_a_restart_and_the_cap_lifted(tmp_path: Path) -> None:
    """Cap 1, scaled to zero (the backlog waits for a pod, none runs), back to 5 pods (one slot again), then lifted to
    50: the backlog drains with every slot busy while any flow waits, and is gone."""
    d = drill(tmp_path, [("set env deployment/flowengine MAX_CONCURRENT_FLOWS=1", 300.0),
                         ("scale deployment/flowengine --replicas=0", 900.0),
                         ("scale deployment/flowengine --replicas=5", 1200.0),
                         ("set env deployment/flowengine MAX_CONCURRENT_FLOWS=50", 1500.0)])
    stopped = drained = 0
    for t in [*SAMPLES[::2], 1590.0, 1650.0, 1800.0, 2100.0]:
        running, queued, fifo = slots(d, t)
        said_running, said_queued, up = blocks(d, t)
        assert (said_running, said_queued) == (running, queued) and fifo, t
        assert (queued == 0 or running >= cap_at(d, t) or not up) and (up or running == 0), (t, running, queued)
        stopped += not up and queued > 0
        drained += t > 1530.0 and queued == 0
    assert stopped and drained and queued == 0, (stopped, drained)         # psql at 2100 s, the loop's last


def test_a_backlog_older_than_two_hours_is_listed_whole(tmp_path: Path) -> None:
    """The tasks table lists two hours of flows; under cap 1 held for hours the oldest queued task waited longer. psql
    and blocks listed 600 queued where the gauge counted 725 (3.5 h in): every flow still waiting is listed."""
    d = drill(tmp_path, [("set env deployment/flowengine MAX_CONCURRENT_FLOWS=1", 300.0)])
    running, queued, fifo = slots(d, 12600.0)
    said = run_one(d, "blocks status flows".split(), 12600.0)[1]
    oldest = re.search(r"^(\d+) queued for a slot \(MAX_CONCURRENT_FLOWS\), the oldest waiting (\d+)s", said, re.M)
    gauge = d.simulator.evaluate("flowengine_flows_queued", 12600.0)[0].value       # type: ignore[index]
    assert oldest and int(oldest[1]) == queued == gauge > 650 and int(oldest[2]) > 7200 and running == 1 and fifo, said
