"""psql heads a column of the clock with the word typed: ``SELECT now()`` is a column named ``now``, as PostgreSQL
names it (redteam36: the drill's psql said ``?column?``, its name for an expression). The clock is the drill's, and
arithmetic on it still counts drill time."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.standins_corpus import run_one, warm_drill


@pytest.mark.parametrize("typed, header", [("now()", "now"), ("NOW()", "now"),
                                           ("current_timestamp", "current_timestamp"),
                                           ("localtimestamp", "localtimestamp"), ("current_date", "current_date"),
                                           ("current_time", "current_time"), ("now() - interval '1 hour'", "?column?"),
                                           ("'2026-01-01 00:00:00+00'", "?column?")])
def test_clock_column_is_named_as_postgresql_names_it(tmp_path: Path, typed: str, header: str) -> None:
    drill = warm_drill(tmp_path, "audit-gap")
    code, out, err = run_one(drill, ["psql", "-c", f"SELECT {typed}"], 600.0)
    assert code == 0, err
    assert out.splitlines()[0].strip() == header


def test_clock_is_the_drills_and_counts_drill_time(tmp_path: Path) -> None:
    drill = warm_drill(tmp_path, "mass-failure")
    ask = ["psql", "-At", "-c", "SELECT now(), current_timestamp, current_date, count(*) FROM tasks "
                                "WHERE created_at > now() - interval '10 minutes'"]
    now, stamp, day, count = run_one(drill, ask, 600.0)[1].strip().split("|")
    assert now == stamp and now.startswith(day)
    blocks = run_one(drill, "blocks status flows".split(), 600.0)[1].split()
    assert int(count) in range(int(blocks[0]) - 1, int(blocks[0]) + 2)     # the same ten drill minutes
