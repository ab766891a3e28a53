"""Scaling FlowEngine to zero ends the flows in flight: every stand-in says so at the same moment.

Was: a flow in flight when the pods stopped ran on and "succeeded" afterwards, with no pod left to
run it. ``blocks status flows --active`` hid it (no FlowEngine running) while psql still listed it
'running' (timeout scenario, 50 s after the stop: 0 vs 1), and the audit table gained events after
the stop while the audit-gap curve had stopped at it. Now ``Activity`` ends such a flow at the stop
(``Signals.stop_between``), logged by its pod: 'cancelled', or, if the failure counter counted it
(flows are counted at their start), 'failed' with ``INTERRUPTED``, so psql and ``blocks metrics``
still count the same failures; the drill report does not count an interruption as the incident's.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from tests.unit.standins_corpus import SPEED, START, run_one, warm_drill
from warroom.drill.model import INTERRUPTED
from warroom.drill.standins.psql import pg_ts
from warroom.incident.drill_report.actions import unretried

ROWS = ["psql", "-At", "-c", "SELECT task_id, status, updated_at, error_message FROM tasks WHERE created_at > now() - interval '20 minutes'"]


def test_flows_in_flight_at_a_stop_are_cancelled_there_and_every_answer_agrees(tmp_path: Path) -> None:
    interrupted = 0
    # the timeout drill's failures are its onboarded repos' (from ~790 s): at 900 s a failing flow is in flight too
    for scenario, at in (("timeout", 900.0), ("rate-limit", 900.0), ("mass-failure", 600.0)):
        drill = warm_drill(tmp_path / scenario, scenario, speed=SPEED, start=START, name="stop")
        assert run_one(drill, "kubectl scale deployment/flowengine --replicas=0 -n production".split(), at)[0] == 0
        stop = drill.simulator.signals.stop_between(at, at + 100.0)
        assert stop is not None and at < stop < at + 60.0
        before = {r.split("|")[0]: r.split("|")[1] for r in run_one(drill, ROWS, stop - 1)[1].splitlines()}
        in_flight = {task for task, status in before.items() if status == "running"}
        active = run_one(drill, "blocks status flows --active".split(), stop - 1)[1]
        assert in_flight and active.startswith(f"{len(in_flight)} active flow{'s' * (len(in_flight) != 1)}\n"), (scenario, active, in_flight)
        for t in (stop, stop + 50.0, stop + 600.0):
            rows = {r.split("|")[0]: r.split("|")[1:] for r in run_one(drill, ROWS, t)[1].splitlines()}
            assert not [k for k, (status, *_) in rows.items() if status == "running"], (scenario, t)
            ended = {k: (status, error) for k, (status, _, error) in rows.items() if k in in_flight}
            cancelled_why = "cancelled: " + INTERRUPTED.removeprefix("flow interrupted: ")   # its pod's reason
            assert set(ended.values()) <= {("cancelled", cancelled_why), ("failed", INTERRUPTED)}, (scenario, t, ended)
            assert {k for k, (status, _, error) in rows.items() if status == "cancelled" or error == INTERRUPTED} \
                == in_flight, (scenario, t)
            assert {rows[k][1] for k in in_flight} == {pg_ts(drill.wall_time(stop))}, (scenario, t)
            assert run_one(drill, "blocks status flows --active".split(), t)[1].startswith("0 active flows")
            last = run_one(drill, ["psql", "-At", "-c", "SELECT max(created_at) FROM audit_logs"], t)[1].strip()
            assert last <= pg_ts(drill.wall_time(stop)), (scenario, t, last)
            interrupted = max(interrupted, sum(1 for status, _ in ended.values() if status == "failed"))
        killed = {k for k, (status, error) in ended.items() if error == INTERRUPTED}
        assert not killed & set(unretried(drill, at - 600.0, stop + 600.0)[1]), scenario    # not the incident's
        # a flow the failure counter counted (at its start) is failed in psql, stop or no stop
        window = (f"SELECT count(*) FROM tasks WHERE status = 'failed' AND created_at > "
                  f"'{pg_ts(drill.wall_time(stop - 1200))}' AND created_at <= '{pg_ts(drill.wall_time(stop))}'")
        untouched = warm_drill(tmp_path / f"{scenario}-untouched", scenario, speed=SPEED, start=START, name="go")
        failed = [run_one(d, ["psql", "-At", "-c", window], stop + 600.0)[1] for d in (drill, untouched)]
        assert failed[0] == failed[1] and int(failed[0]) > 0, (scenario, failed)
        since = str(int(drill.wall_time(at - 100.0) * 1000))
        cloud = run_one(drill, ["aws", "logs", "filter-log-events", "--log-group-name", "/aws/lambda/flowengine",
                                "--start-time", since], stop + 600.0)[1]
        cancelled = set(re.findall(r"(tsk_\w+) (?:flow \w+ cancelled: FlowEngine|flow interrupted: FlowEngine) pod "
                                   r"terminated \(SIGTERM\)", cloud))
        assert cancelled == in_flight and not re.search(f"({'|'.join(in_flight)})[^\\n]*succeeded", cloud), scenario
    assert interrupted, "no failing flow was in flight at a stop: the failed path went untested"


def test_no_flow_is_admitted_once_every_pod_is_terminating(tmp_path: Path) -> None:
    """redteam49 F7: a flow was created 1.2 drill s after ``kubectl scale --replicas=0`` (every pod Terminating), and
    up to 5 s before the pods ran again: the flows asked for in a grid step were spread across it whatever FlowEngine's
    gate did inside it. Now none is created from the command until FlowEngine runs again, and flows come either side."""
    drill = warm_drill(tmp_path, "timeout", speed=SPEED, start=START, name="gate")
    cycles = [(600.2 + 200.0 * n, 651.3 + 200.0 * n) for n in range(6)]    # inside grid steps, as a command typed is
    for stop, start in cycles:
        for t, n in ((stop, 0), (start, 5)):
            scale = f"kubectl scale deployment/flowengine --replicas={n} -n production"
            assert run_one(drill, scale.split(), t)[0] == 0
    sig, shut = drill.simulator.refresh().signals, []
    for stop, start in cycles:
        up = next(t / 10.0 for t in range(int(start * 10), int(start * 10) + 1200)    # its pods run and one is ready
                  if sig.running(t / 10.0) and sig.capacity.ready(t / 10.0) > 0)
        assert start < up < start + 60.0, up
        shut.append((stop, up))
    lo, hi = (pg_ts(drill.wall_time(t)) for t in (cycles[0][0] - 60.0, up + 60.0))
    created = ["psql", "-At", "-c", f"SELECT created_at FROM tasks WHERE created_at > '{lo}' AND created_at < '{hi}'"]
    wall = [datetime.fromisoformat(line.replace("+00", "+00:00")).timestamp()
            for line in run_one(drill, created, up + 300.0)[1].splitlines()]
    times = [round(drill.scenario_time(w), 3) for w in wall]     # scenario seconds
    assert not [(t, stop, up) for t in times for stop, up in shut if stop <= t < up]
    assert all(any(up <= t < up + 60.0 for t in times) for _, up in shut), (shut, times)   # it runs flows again
