"""psql's ``\\dt``, ``\\d`` and ``\\d NAME`` as psql 15 prints them (issue 13 item 5, redteam36 F7): an on-call engineer
types them first; they were refused. What they describe is what the drill's psql serves: each column ``\\d tasks``
lists is one ``SELECT *`` returns, of the type its values have."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.standins_corpus import run_one, warm_drill
from warroom.drill.directory import Drill

T = 600.0


@pytest.fixture(scope="module")
def drill(tmp_path_factory: pytest.TempPathFactory) -> Drill:
    return warm_drill(tmp_path_factory.mktemp("describe"), "timeout")


def psql(drill: Drill, *argv: str) -> tuple[int, str, str]:
    return run_one(drill, ["psql", *argv], T)


def test_dt_lists_the_tables(drill: Drill) -> None:
    assert psql(drill, "-c", "\\dt") == (0, " " * 15 + """List of relations
 Schema |    Name    | Type  |      Owner      
--------+------------+-------+-----------------
 public | audit_logs | table | flowengine_user
 public | tasks      | table | flowengine_user
(2 rows)

""", "")
    assert psql(drill, "-At", "-c", "\\dt") == (0, "public|audit_logs|table|flowengine_user\n"
                                                   "public|tasks|table|flowengine_user\n", "")
    assert psql(drill, "-c", "\\dt task*")[1].splitlines()[3] == " public | tasks | table | flowengine_user"
    assert psql(drill, "-c", "\\d")[1].splitlines()[0].strip() == "List of relations"
    assert psql(drill, "-c", "\\dt nope") == (0, "", 'Did not find any relation named "nope".\n')


def test_d_tasks_describes_the_columns_psql_serves(drill: Drill) -> None:
    code, out, err = psql(drill, "-c", "\\d tasks")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0].strip() == 'Table "public.tasks"'
    assert [c.strip() for c in lines[1].split("|")] == ["Column", "Type", "Collation", "Nullable", "Default"]
    rows = [[c.strip() for c in ln.split("|")] for ln in lines[3:lines.index("Indexes:")]]
    served = psql(drill, "-c", "SELECT * FROM tasks LIMIT 1")[1].splitlines()[0]
    assert [r[0] for r in rows] == [h.strip() for h in served.split("|")]
    assert rows[0] == ["task_id", "text", "", "not null", ""]
    assert ["created_at", "timestamp with time zone", "", "not null", "now()"] in rows
    assert lines[lines.index("Indexes:") + 1:] == ['    "tasks_pkey" PRIMARY KEY, btree (task_id)', ""]
    # each type is the type its values have: a date of a timestamp, a sum of numbers
    assert psql(drill, "-At", "-c", "SELECT created_at::date = current_date, attempts + 1 > 1 FROM tasks LIMIT 1")[1] \
        == "t|t\n"
    code, out, _ = psql(drill, "-c", "\\d public.audit_logs")
    assert out.splitlines()[0].strip() == 'Table "public.audit_logs"' and "id" in out and "bigint" in out


@pytest.mark.parametrize(("command", "said"), [
    ("\\d nope", 'Did not find any relation named "nope".'),
    ("\\d+ tasks", "drill: psql's \\d+ is not simulated"),
    ("\\dn", "drill: psql's \\dn is not simulated"),
    ("\\d pg_stat_activity", "drill: \\d pg_stat_activity is not simulated"),
])
def test_what_it_does_not_describe_is_said(drill: Drill, command: str, said: str) -> None:
    code, out, err = psql(drill, "-c", command)
    assert (code, out) == (1, "") and err.startswith(said), err


def test_a_table_is_described_aligned_whatever_x_says(drill: Drill) -> None:
    """psql 15 against a real server: ``psql -x -c '\\d tasks'`` prints the aligned description, not records."""
    assert psql(drill, "-x", "-c", "\\d tasks") == psql(drill, "-c", "\\d tasks")
