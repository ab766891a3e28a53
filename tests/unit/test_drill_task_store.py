"""FlowEngine's TaskDB is a state the drill world reads, so scaling it away moves every reading (redteam-13).

``kubectl scale deployment/postgres --replicas=0`` changed only ``psql``: FlowEngine's /health said ok,
``blocks status flows --active`` listed running flows and every curve was the baseline's to the digit. Now the
world reads the TaskDB's ready pods off the pod schedule ``kubectl get pods`` prints: while none is ready no flow
starts (nothing can claim or write a task), those in flight end, /health says the database is unreachable; once
its pod is ready again flows start again.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.unit.standins_corpus import START, run_one, warm_drill
from warroom.drill.directory import Drill, create_drill

NS = "-n production"
DOWN, BACK = 600.0, 1500.0
EXECS = "sum(rate(flowengine_flow_executions_total[2m]))"


def _drill(tmp_path: Path, name: str, plan: list[tuple[float, str]]) -> Drill:
    drill = create_drill(tmp_path / name, "rate-limit", speed=10.0, start=START, name=name)
    for t, command in plan:
        code, _, err = run_one(drill, f"{command} {NS}".split(), t)
        assert code == 0, (command, err)
    return drill


@pytest.fixture(scope="module")
def drills(tmp_path_factory: pytest.TempPathFactory) -> tuple[Drill, Drill]:
    tmp = tmp_path_factory.mktemp("taskdb")
    return _drill(tmp, "base", []), _drill(tmp, "pg", [(DOWN, "kubectl scale deployment/postgres --replicas=0"),
                                                       (BACK, "kubectl scale deployment/postgres --replicas=1")])


def _ready_pods(drill: Drill, t: float) -> int:
    code, out, _ = run_one(drill, f"kubectl get deployment postgres {NS} -o json".split(), t)
    assert code == 0
    return int(json.loads(out)["status"].get("readyReplicas") or 0)


def _health(drill: Drill, t: float) -> dict[str, str]:
    cmd = f"kubectl exec {NS} deployment/flowengine -- curl -s http://localhost:8080/health".split()
    code, out, err = run_one(drill, cmd, t)
    assert code == 0, err
    return json.loads(out)


def _active(drill: Drill, t: float) -> str:
    return run_one(drill, "blocks status flows --active".split(), t)[1]


def test_flowengine_health_follows_the_taskdb_pods(drills: tuple[Drill, Drill]) -> None:
    base, pg = drills
    for t in (DOWN - 30, DOWN + 1, 1200.0, BACK - 1, BACK + 5, BACK + 60, 2400.0):
        ready, health = _ready_pods(pg, t), _health(pg, t)
        assert (health["status"] == "ok") == (ready > 0), (t, ready, health)
        assert health.get("database") == (None if ready else "unreachable: connection refused")
        assert _health(base, t)["status"] == "ok"
    assert _ready_pods(pg, 1200.0) == 0 and _ready_pods(pg, BACK + 60) == 1


def test_no_flow_runs_while_the_taskdb_is_down_and_flows_resume_after(drills: tuple[Drill, Drill]) -> None:
    base, pg = drills
    assert _active(base, 1200.0) != "0 active flows\n" and _active(pg, DOWN - 30) == _active(base, DOWN - 30)
    for t in (DOWN + 1, 1200.0, BACK - 1):      # its API reads the TaskDB: it answers 503, as /health does (world2-2)
        code, out, err = run_one(pg, "blocks status flows --active".split(), t)
        assert (code, out) == (1, "") and "503 Service Unavailable: database unreachable" in err, (t, out, err)
    for t in (900.0, 1200.0, BACK):
        assert pg.source().instant(EXECS, at=pg.wall_time(t)).value == 0.0, t
        assert base.source().instant(EXECS, at=base.wall_time(t)).value > 0.0
    again = pg.source().instant(EXECS, at=pg.wall_time(BACK + 300)).value
    assert again is not None and again > 0.0
    assert pg.source().instant(EXECS, at=pg.wall_time(DOWN - 60)).value == \
        base.source().instant(EXECS, at=base.wall_time(DOWN - 60)).value


ROWS = ["psql", "-At", "-c", "SELECT task_id, status, error_message FROM tasks WHERE created_at > now() - interval '40 minutes'"]


def _rows(drill: Drill, t: float) -> dict[str, tuple[str, str]]:
    code, out, err = run_one(drill, ROWS, t)
    assert code == 0, err
    return {r.split("|")[0]: (r.split("|")[1], r.split("|")[2]) for r in out.splitlines()}


def test_an_outage_ends_flows_with_a_database_reason_and_flowengine_logs_it(drills: tuple[Drill, Drill]) -> None:
    """world2-2: its pods ran all through, so no flow ends 'FlowEngine pod terminated (SIGTERM)'; a real FlowEngine
    logs that it cannot reach its database while it is down, and only then."""
    from warroom.drill.model import DB_LOST

    base, pg = drills
    in_flight = {k for k, (status, _) in _rows(pg, DOWN - 1).items() if status == "running"}
    ended = {k: v for k, v in _rows(pg, BACK + 300).items() if k in in_flight}
    assert in_flight and ended.keys() == in_flight
    why = "cancelled: " + DB_LOST.removeprefix("flow interrupted: ")        # a cancelled flow says its reason too
    assert set(ended.values()) <= {("cancelled", why), ("failed", DB_LOST)}, ended
    since = str(int(pg.wall_time(DOWN - 100.0) * 1000))
    cloud = run_one(pg, ["aws", "logs", "filter-log-events", "--log-group-name", "/aws/lambda/flowengine",
                         "--start-time", since], BACK + 300)[1]
    cancelled = {k for k, (status, _) in ended.items() if status == "cancelled"}
    assert cancelled and all(f"{k} flow" in cloud for k in cancelled) and "SIGTERM" not in cloud
    assert cloud.count("cancelled: TaskDB unreachable") == len(cancelled)

    def unreachable(drill: Drill, t: float) -> bool:
        return "cannot reach TaskDB" in run_one(drill, f"kubectl logs deployment/flowengine {NS} --since=2m".split(), t)[1]
    assert [unreachable(pg, t) for t in (DOWN - 30, DOWN + 60, 1200.0, BACK - 1, BACK + 300)] == [False, True, True, True,
                                                                                                  False]
    assert not unreachable(base, 1200.0)


def test_one_active_flow_is_one_flow(drills: tuple[Drill, Drill]) -> None:
    """world2-4: the header counts the flows it lists, singular for one ('1 active flows' was printed)."""
    _, pg = drills
    counts = []
    for t in (BACK + 30, BACK + 40, BACK + 60):       # flows start again once the TaskDB's pod is ready
        head, *listed = _active(pg, t).splitlines()
        counts.append(len(listed))
        assert head == f"{len(listed)} active flow{'' if len(listed) == 1 else 's'}", (t, head)
    assert 1 in counts, counts


def test_a_drain_of_the_taskdbs_node_is_a_short_outage_every_standin_agrees_on(tmp_path: Path) -> None:
    """redteam50 F8: draining the node PostgreSQL ran on evicted it and its replacement was `1/1 Running` at 0 s, psql,
    /health and the flows never noticed. The evicted pod terminates while its successor starts (not ready a step, as
    a deleted pod's), and while none is ready psql is refused, /health is degraded and the flows in flight end."""
    from warroom.drill.model import DB_LOST

    drill = warm_drill(tmp_path / "drain", "rate-limit", speed=10.0, start=START, name="drain")
    wide = run_one(drill, f"kubectl get pods {NS} -o wide".split(), DOWN - 10)[1]
    node = next(line.split()[6] for line in wide.splitlines() if line.startswith("postgres-"))
    in_flight = {k for k, (status, _) in _rows(drill, DOWN - 1).items() if status == "running"}
    assert run_one(drill, f"kubectl drain {node} --ignore-daemonsets".split(), DOWN)[0] == 0
    pods = run_one(drill, f"kubectl get pods {NS}".split(), DOWN + 5)[1]
    assert [line.split()[1:3] for line in pods.splitlines() if line.startswith("postgres-")] == [
        ["0/1", "ContainerCreating"], ["0/1", "Terminating"]], pods
    assert _ready_pods(drill, DOWN + 5) == 0
    assert _health(drill, DOWN + 5)["database"] == "unreachable: connection refused"
    code, _, err = run_one(drill, ROWS, DOWN + 5)
    assert code == 2 and "Connection refused" in err
    assert _ready_pods(drill, DOWN + 60) == 1 and _health(drill, DOWN + 60)["status"] == "ok"
    ended = {v for k, v in _rows(drill, DOWN + 60).items() if k in in_flight}
    assert in_flight and ended and ended <= {("failed", DB_LOST), ("cancelled", "cancelled: " + DB_LOST[18:])}, ended
