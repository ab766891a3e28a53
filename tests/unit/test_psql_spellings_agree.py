"""Two spellings of one psql request get one answer (redteam49 F7, F11).

``PGHOST``/``PGPORT`` are the defaults of ``-h``/``-p``, as libpq reads them: ``-h 127.0.0.1`` was refused while
``PGHOST=127.0.0.1`` answered from the TaskDB. ``SELECT … INTO`` (PostgreSQL's CREATE TABLE AS) is refused by name as
every write is, not a syntax error; ``-o FILE`` is refused by name (the drill's psql writes no file), not an invalid
option. Nothing is written in any case.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.unit.standins_corpus import run_one, warm_drill
from warroom.drill.directory import Drill


@pytest.fixture(scope="module")
def drill(tmp_path_factory: pytest.TempPathFactory) -> Drill:
    return warm_drill(tmp_path_factory.mktemp("psql"), "audit-gap", name="p")


@pytest.fixture
def pg_env() -> Iterator[dict[str, str]]:
    """Set PG* variables for one test, then put the environment back as it was."""
    saved = {k: v for k, v in os.environ.items() if k.startswith("PG")}
    env: dict[str, str] = {}
    yield env
    for k in set(env) | set(saved):
        os.environ.pop(k, None)
    os.environ.update(saved)


def test_pghost_and_pgport_answer_as_h_and_p(drill: Drill, pg_env: dict[str, str]) -> None:
    by_flag = run_one(drill, ["psql", "-h", "127.0.0.1", "-p", "31259", "-c", "select 1"], 600.0)
    pg_env.update(PGHOST="127.0.0.1", PGPORT="31259")
    os.environ.update(pg_env)
    by_env = run_one(drill, ["psql", "-c", "select 1"], 600.0)
    assert by_env == by_flag and by_flag[0] == 2 and "Connection refused" in by_flag[2], (by_flag, by_env)
    pg_env.update(PGHOST="taskdb.drill.invalid", PGPORT="5432")       # what the drill shell exports
    os.environ.update(pg_env)
    assert run_one(drill, ["psql", "-At", "-c", "select 1"], 600.0)[:2] == (0, "1\n")


def test_select_into_and_o_are_refused_by_name(drill: Drill, tmp_path: Path) -> None:
    count = ["psql", "-At", "-c", "SELECT count(*) FROM audit_logs"]
    before = run_one(drill, count, 600.0)
    code, out, err = run_one(drill, ["psql", "-c", "SELECT * INTO evil FROM audit_logs"], 600.0)
    assert code != 0 and "SELECT … INTO is not simulated" in err and "syntax error" not in err, err
    assert run_one(drill, ["psql", "-At", "-c", "SELECT 'into' AS x"], 600.0)[:2] == (0, "into\n")   # a word in quotes
    target = tmp_path / "out.txt"
    code, out, err = run_one(drill, ["psql", "-o", str(target), "-c", "select 1"], 600.0)
    assert code == 1 and "`psql` does not simulate --output" in err and "invalid option" not in err, err
    assert not target.exists() and run_one(drill, count, 600.0) == before
