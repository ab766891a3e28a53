"""kubectl answers as the real one would from the drill's world at the moment asked, or refuses naming what it does not
simulate (issue 13 item 5): never silently cut, never silently wrong.

``kubectl logs --since=3h`` / ``--since-time`` were cut to the last two drill hours without a word (redteam36 F9);
a pod's log now holds every line since it started or since the world began, whichever is later.
"""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from tests.unit.standins_corpus import run_one, warm_drill
from warroom.drill.activity import iso
from warroom.drill.directory import Drill


@pytest.fixture(scope="module")
def timeout(tmp_path_factory: pytest.TempPathFactory) -> Drill:
    return warm_drill(tmp_path_factory.mktemp("d"), "timeout")


def _ask(drill: Drill, command: str, t: float) -> str:
    code, out, err = run_one(drill, shlex.split(command), t)
    assert code == 0, (command, t, err)
    return out


def _stamps(out: str) -> list[str]:
    return [line.split()[0] for line in out.splitlines()]


def test_logs_since_further_back_than_two_hours_start_where_the_world_does(timeout: Drill) -> None:
    t = 9000.0
    since = _stamps(_ask(timeout, "kubectl logs deployment/audit-shipper -n production --since=3h", t))
    assert since[0] < iso(timeout.wall_time(t - 7200.0))            # it went back three hours, not two
    assert since[0] >= iso(timeout.wall_time(-7200.0))              # no line before the world began
    start = iso(timeout.wall_time(0.0)).replace(".000Z", "Z")
    since_time = _stamps(_ask(timeout, f"kubectl logs deployment/audit-shipper -n production --since-time={start}", t))
    assert since_time[0] >= iso(timeout.wall_time(0.0)) and since_time[0] < iso(timeout.wall_time(60.0))
    assert since_time == [s for s in since if s >= iso(timeout.wall_time(0.0))]
    # no --since: the whole log, as kubectl prints it
    assert _ask(timeout, "kubectl logs deployment/audit-shipper -n production", t) == _ask(
        timeout, "kubectl logs deployment/audit-shipper -n production --since=100h", t)


def test_a_restarted_pods_log_begins_at_its_start(tmp_path: Path) -> None:
    drill = warm_drill(tmp_path, "timeout")
    _ask(drill, "kubectl rollout restart deployment/audit-shipper -n production", 600.0)
    out = _ask(drill, "kubectl logs deployment/audit-shipper -n production --since=3h", 1500.0)
    assert "connected to audit-store" in out.splitlines()[0]
    assert out.splitlines()[0].split()[0] > iso(drill.wall_time(600.0))


def test_logs_of_a_pod_with_fixed_lines_keep_to_the_window(timeout: Drill) -> None:
    """postgres' checkpoint lines fell in the last 150 s whatever ``--since`` asked."""
    assert _ask(timeout, "kubectl logs deployment/postgres -n production --since=1m", 900.0).count("\n") == 2
