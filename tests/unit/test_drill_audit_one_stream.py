"""The audit events are one stream (redteam36 F4): the gap pane's last event, psql's audit_logs rows, the audit
shipper's batches and FlowEngine's audit errors are all the flows' own events. Four models described them at four
rates: in audit-gap the pane read a synthetic event every 7 s, audit_logs held ~10 rows a drill minute, the shipper
said "shipped batch of 200 events" every 30 s tick (400 a minute a pod) and FlowEngine "audit batch written (200
events)" every two minutes with a "queue depth" of 40 + s/7: a commander asking whether records were lost (the drill's
question) got three answers. Windows are whole shipper ticks, so a batch and the rows it shipped fall in one."""

from __future__ import annotations

import re
import shlex
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.unit.standins_corpus import run_one, warm_drill
from warroom.drill.activity import TICK
from warroom.drill.directory import Drill
from warroom.drill.standins.pgsql import moment
from warroom.drill.standins.psql import pg_ts

NS = "-n production"
RB_CORE_005 = ((600.0, f"kubectl scale deployment/flowengine --replicas=0 {NS}"),      # contain
               (660.0, f"kubectl rollout restart deployment/audit-shipper {NS}"),
               (900.0, f"kubectl scale deployment/flowengine --replicas=3 {NS}"))
# (scenario, actions, windows (t1, t2] and what each holds: stalled, no flow running, shipping)
# (FlowEngine restored at 900 takes flows from its first pod ready, 915: attack50 A5; it was 940)
CASES = {"audit-gap": (RB_CORE_005, ((300.0, 600.0, "stalled"), (630.0, 900.0, "no flows"), (1200.0, 1800.0, "ships"))),
         "timeout": ((), ((1200.0, 1800.0, "ships"),))}


def _ask(drill: Drill, command: str, t: float) -> str:
    code, out, err = run_one(drill, shlex.split(command), t)
    assert code == 0, (command, t, err)
    return out


def _iso(drill: Drill, t: float) -> str:
    return datetime.fromtimestamp(drill.wall_time(t), UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _logs(drill: Drill, app: str, t1: float, t2: float) -> list[str]:
    """Every pod's lines of ``app`` stamped in (t1, t2]."""
    out = _ask(drill, f"kubectl logs {NS} -l app={app} --tail=-1 --since-time={_iso(drill, t1)}", t2)
    return [line for line in out.splitlines() if line.split(" ", 1)[0] > _iso(drill, t1)]


@pytest.mark.parametrize("scenario", sorted(CASES))
def test_the_pane_psql_the_shipper_and_flowengine_count_the_same_events(tmp_path: Path, scenario: str) -> None:
    actions, windows = CASES[scenario]
    drill, todo = warm_drill(tmp_path, scenario), list(actions)
    for t1, t2, state in windows:       # asked as the drill goes: each window once the actions before its end are done
        while todo and todo[0][0] < t2:
            t, command = todo.pop(0)
            _ask(drill, command, t)
        assert t1 % TICK == 0 == t2 % TICK
        a, b = pg_ts(drill.wall_time(t1)), pg_ts(drill.wall_time(t2))
        rows = _ask(drill, "psql -At -c \"SELECT task_id || ' ' || event FROM audit_logs WHERE created_at > "
                           f"'{a}' AND created_at <= '{b}'\"", t2).split("\n")[:-1]
        batches = [int(m[1]) for line in _logs(drill, "audit-shipper", t1, t2)
                   if (m := re.search(r"shipped batch of (\d+) events?", line))]
        dropped = [m[1] for line in _logs(drill, "flowengine", t1, t2)
                   if (m := re.search(r"ERROR audit - (tsk_\w+ [\w.]+): audit event not acknowledged", line))]
        assert sum(batches) == len(rows), (scenario, t1, t2, batches, len(rows))     # a batch is the rows it wrote
        assert not set(dropped) & set(rows), (scenario, t1, t2)           # a dropped event never reaches the table
        if state == "ships":
            assert len(rows) > 30 and 0 not in batches and not dropped, (scenario, t1, t2, batches, dropped)
        else:           # stuck: FlowEngine says which events were lost; stopped: none was written
            assert not rows and not batches and (len(dropped) > 30) == (state == "stalled"), (state, dropped)
        last = _ask(drill, "psql -At -c 'SELECT max(created_at) FROM audit_logs'", t2).strip()
        gap = drill.simulator.pane("audit_gap", t2)
        assert gap is not None and t2 - gap == pytest.approx(drill.scenario_time(moment(last).timestamp()), abs=0.01), (t2, last)
