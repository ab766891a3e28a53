"""A drill's ``date`` reads relative dates on the drill's clock (redteam39 F11).

RB-CORE-004 step 2 pulls "the last 15 minutes" of 5xx with ``--start-time "$(date -d '15 minutes ago' +%s)000"``; psql's
``now() - interval '15 minutes'`` is read in drill time. With the host's ``date`` the window was 15 wall minutes: at
x10, 150 drill minutes, the outage that ended two drill hours before.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.unit.test_drill_standins import make, sh


def test_relative_dates_are_drill_time_and_the_rest_the_real_date(state_dir: Path) -> None:
    d = make(state_dir, "provider-outage")          # x10
    now = d.wall_time(3000.0)
    said = sh(d, "date -d '15 minutes ago' +%s; date --date='-2 hours' +%s.%N; date -ud now +%s; date +%s;"
                 " date -d @1700000000 +%s; date -u -d '2026-12-05 00:40:00' +%H:%M", 3000.0)
    assert said.returncode == 0, said.stderr
    lines = said.stdout.split()
    assert int(lines[0]) == int(now - 900 / 10)          # 15 drill minutes back: 90 wall seconds at x10
    assert abs(float(lines[1]) - (now - 7200 / 10)) < 1e-3
    assert int(lines[2]) == int(lines[3]) == int(now)     # now is the drill's clock (pinned here)
    assert lines[4:] == ["1700000000", "00:40"]           # absolute dates: the real date's answer


def test_rb_core_004_reads_the_last_15_drill_minutes(state_dir: Path) -> None:
    d = make(state_dir, "provider-outage")
    at = 3000.0
    done = sh(d, "aws logs filter-log-events --log-group-name /aws/lambda/flowengine --filter-pattern 5xx "
                 "--start-time \"$(date -d '15 minutes ago' +%s)000\"", at)
    assert done.returncode == 0, done.stderr
    stamps = [e["timestamp"] / 1000 for e in json.loads(done.stdout)["events"]]
    assert stamps and min(d.scenario_time(s) for s in stamps) >= at - 900 - 1
