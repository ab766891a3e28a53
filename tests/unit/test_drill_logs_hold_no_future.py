"""FlowEngine's log holds no line from a time that has not happened, and -f prints none twice.

Seen (rate-limit x10, `kubectl logs deployment/flowengine --tail=2` at scenario 900 s, wall
14:14:50.000): the last line was stamped 14:14:50.300 — a periodic line trails its 30 s tick by up to
4 drill seconds and was written for a tick at "now" — and `-f --tail=2` printed it again as the first
followed line. A drill holds nothing from a time that has not happened (README), logs included.
"""

from __future__ import annotations

import json
import shlex
from datetime import datetime
from pathlib import Path

import pytest

from tests.unit.standins_corpus import START, run_one, warmed
from warroom.drill.directory import create_drill


def _stamps(out: str) -> list[float]:
    """kubectl's ISO stamps, or CloudWatch's event timestamps (ms)."""
    if out.lstrip().startswith("{"):
        return [e["timestamp"] / 1000 for e in json.loads(out)["events"]]
    return [datetime.fromisoformat(line.split()[0].replace("Z", "+00:00")).timestamp()
            for line in out.splitlines() if line[:2] == "20"]


@pytest.mark.parametrize("name", ["rate-limit", "provider-outage", "audit-gap"])
def test_no_log_line_is_stamped_after_now(name: str, tmp_path: Path) -> None:
    drill = warmed(create_drill(tmp_path, name, speed=10.0, start=START, name=f"l-{name}"))
    for t in (900.0, 901.0, 930.0, 1500.0):           # on a 30 s tick, just after one, and later
        now = drill.wall_time(t)
        since_ms = (int(now) - 60) * 1000
        cloudwatch = f"aws logs filter-log-events --log-group-name /aws/lambda/flowengine --start-time {since_ms}"
        for line in ("kubectl logs deployment/flowengine -n production --since=5m", cloudwatch):
            code, out, err = run_one(drill, shlex.split(line), t)
            assert code == 0 and _stamps(out), (line, err)
            late = [s - now for s in _stamps(out) if s > now + 1e-6]
            assert not late, f"{name} t={t}: {line} printed {len(late)} line(s) up to {max(late):.2f} wall s ahead"


def test_following_prints_no_line_twice(tmp_path: Path) -> None:
    drill = warmed(create_drill(tmp_path, "rate-limit", speed=10.0, start=START, name="follow"))
    code, out, _ = run_one(drill, shlex.split("kubectl logs deployment/flowengine -n production -f --tail=3"), 900.0)
    lines = [line for line in out.splitlines() if line[:2] == "20"]
    assert code == 0 and len(lines) > 3 and len(lines) == len(set(lines)), out
