"""A double-quoted word is a name to PostgreSQL, never a string (issue 13 item 5: never silently wrong). SQLite,
under the drill's psql, reads a double-quoted word no column has as a string: ``status = "failed"``, a slip every
on-call engineer makes once, counted the failed tasks where PostgreSQL says ``column "failed" does not exist``, and
``SELECT "nosuch"`` printed the word as its value."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.standins_corpus import run_one, warm_drill
from warroom.drill.directory import Drill

T = 600.0


@pytest.fixture(scope="module")
def drill(tmp_path_factory: pytest.TempPathFactory) -> Drill:
    return warm_drill(tmp_path_factory.mktemp("quoted"), "timeout")


@pytest.mark.parametrize(("sql", "name"), [
    ('SELECT count(*) FROM tasks WHERE status = "failed"', "failed"),
    ('SELECT "nosuch" FROM tasks LIMIT 1', "nosuch"),
    ('SELECT count(*) FROM tasks WHERE "succeeded" = status', "succeeded"),
])
def test_a_quoted_word_no_column_has_is_postgresql_s_error(drill: Drill, sql: str, name: str) -> None:
    code, out, err = run_one(drill, ["psql", "-At", "-c", sql], T)
    assert (code, out) == (1, ""), (sql, out)
    assert err.startswith(f'ERROR:  column "{name}" does not exist\nLINE 1: '), err


def test_a_quoted_column_is_that_column(drill: Drill) -> None:
    def ask(sql: str) -> str:
        code, out, err = run_one(drill, ["psql", "-At", "-c", sql], T)
        assert code == 0 and not err, (sql, err)
        return out

    assert ask('SELECT "status", count(*) FROM tasks GROUP BY 1 ORDER BY 1') == \
        ask("SELECT status, count(*) FROM tasks GROUP BY 1 ORDER BY 1")
    assert ask("SELECT count(*) FROM tasks t WHERE t.\"status\" = 'failed'") == \
        ask("SELECT count(*) FROM tasks WHERE status = 'failed'")
