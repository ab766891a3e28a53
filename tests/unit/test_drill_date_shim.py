"""A drill's ``date`` reads relative dates on the drill's clock (redteam39 F11).

RB-CORE-004 step 2 pulls "the last 15 minutes" of 5xx with ``--start-time "$(date -d '15 minutes ago' +%s)000"``; psql's
``now() - interval '15 minutes'`` is read in drill time. With the host's ``date`` the window was 15 wall minutes: at
x10, 150 drill minutes, the outage that ended two drill hours before.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

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


def test_another_drills_date_on_path_is_never_taken_for_the_hosts(state_dir: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """redteam46: with two drills' ``bin`` on PATH (a second drill shell eval'd in the first), each drill's date took
    the other's wrapper for the host's date and ran it, each run adding a process, until the host ran out of memory.
    The host's date is the first on PATH that is no drill's; a drill's date run as the host's refuses to go on."""
    from warroom.drill.directory import SHIPPED_BIN
    from warroom.drill.standins import date as shim

    d = make(state_dir, "provider-outage")
    other = make(state_dir / "other", "timeout")
    links = state_dir / "links"
    links.mkdir()
    (links / "date").symlink_to(SHIPPED_BIN / "date")            # the shipped stand-in by another link
    # another (older) warroom checkout's stand-in, by its own link (attack46 X4: it ran itself for ever)
    older = state_dir / "older" / "warroom" / "drill" / "bin"
    older.mkdir(parents=True)
    (older / "standin").write_text('#!/usr/bin/env python3\n"""warroom drill stand-in for kubectl, psql, aws, curl and '
                                   'blocks: the tool is the name it is run by\n"""\n')
    (older / "standin").chmod(0o755)
    (older / "date").symlink_to("standin")
    monkeypatch.setenv("PATH", f"{other.path / 'bin'}:{older}:{links}:{SHIPPED_BIN}:/usr/bin:/bin")
    assert shim.real_date() == "/usr/bin/date"
    # end to end, both drills' wrappers ahead of the host's date: the answer, in drill time
    env = {**d.env(base_path=f"{other.path / 'bin'}:{links}:/usr/bin:/bin"), "WARROOM_DRILL_NO_DELAY": "1",
           "WARROOM_DRILL_AT": repr(d.wall_time(3000.0))}
    done = subprocess.run(["bash", "-c", "date -d '15 minutes ago' +%s"], env=env, capture_output=True, text=True,
                          timeout=60)
    assert (done.returncode, done.stdout.strip()) == (0, str(int(d.wall_time(3000.0) - 900 / 10))), done.stderr
    # a drill's date run as the host's (by an older warroom's shim, say): an error, never a further process
    done = subprocess.run([str(d.path / "bin" / "date"), "+%s"], env={**env, shim.CALLED_AS_REAL: "1"},
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 127 and "a drill's date was run as the host's date" in done.stderr, done.stderr
