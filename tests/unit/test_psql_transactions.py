"""BEGIN, COMMIT and ROLLBACK in the drill's psql, as PostgreSQL 15 answers them; and no write at all.

The stand-in refused ``BEGIN`` ("cannot start a transaction within a transaction", SQLite's words). Each
row below is what psql 15.18 printed against a scratch server for the same command line (stderr's
``LINE``/caret context aside), with a plain read (``SELECT 'u'``) where a statement runs inside the block.

The TaskDB's rows are made afresh at every action, so its world never followed a write: ``u`` was
answered, and the next query (and ``blocks``, and the panes) still showed the row as before. A write, in any
spelling, is now refused by name, nothing is recorded, and nothing outside the drill is touched.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.unit.standins_corpus import SPEED, START, run_one
from warroom.drill.directory import Drill, create_drill

T = 600.0
U = "SELECT 'u'"
NONE = "WARNING:  there is no transaction in progress"
ALREADY = "WARNING:  there is already a transaction in progress"
ABORTED = "ERROR:  current transaction is aborted, commands ignored until end of transaction block"
GONE = 'ERROR:  column "nope" does not exist'

CASES = [   # argv after `psql -At`, exit code, stdout, what stderr holds in order
    (["-c", f"BEGIN; {U}; ROLLBACK;"], 0, "BEGIN\nu\nROLLBACK\n", []),
    (["-c", f"BEGIN; {U}; COMMIT;"], 0, "BEGIN\nu\nCOMMIT\n", []),
    (["-c", f"begin work; {U}; end"], 0, "BEGIN\nu\nCOMMIT\n", []),
    (["-c", "BEGIN", "-c", U, "-c", "ROLLBACK"], 0, "BEGIN\nu\nROLLBACK\n", []),
    (["-c", "BEGIN", "-c", U], 0, "BEGIN\nu\n", []),                      # psql's exit rolls back
    (["-c", "BEGIN", "-c", "SELECT nope", "-c", "SELECT 1", "-c", "COMMIT"], 0, "BEGIN\nROLLBACK\n", [GONE, ABORTED]),
    (["-c", "BEGIN; SELECT nope; SELECT 2", "-c", "SELECT 3", "-c", "ROLLBACK", "-c", "SELECT 4"], 0,
     "BEGIN\nROLLBACK\n4\n", [GONE, ABORTED]),
    (["-c", f"BEGIN; {U}", "-c", "SELECT nope", "-c", "COMMIT"], 0, "BEGIN\nu\nROLLBACK\n", [GONE]),
    (["-c", "ROLLBACK"], 0, "ROLLBACK\n", [NONE]),
    (["-c", "ABORT"], 0, "ROLLBACK\n", [NONE]),
    (["-q", "-c", "COMMIT"], 0, "", [NONE]),
    (["-c", "BEGIN", "-c", "BEGIN", "-c", "COMMIT"], 0, "BEGIN\nBEGIN\nCOMMIT\n", [ALREADY]),
    (["-c", f"START TRANSACTION ISOLATION LEVEL SERIALIZABLE; {U}; ABORT"], 0, "START TRANSACTION\nu\nROLLBACK\n", []),
    (["-c", f"BEGIN READ ONLY; {U}; COMMIT"], 0, "BEGIN\nu\nCOMMIT\n", []),
    (["-c", f"{U}; ROLLBACK"], 0, "u\nROLLBACK\n", [NONE]),               # the string's own transaction
    (["-c", f"{U}; COMMIT; {U}; SELECT nope"], 1, "u\nCOMMIT\nu\n", [NONE, GONE]),
    (["-c", f"BEGIN; {U}; COMMIT; SELECT nope"], 1, "BEGIN\nu\nCOMMIT\n", [GONE]),
    (["-f", f"BEGIN;\n{U};\nROLLBACK;\n"], 0, "BEGIN\nu\nROLLBACK\n", []),
    (["-f", f"BEGIN;\n{U};\nSELECT nope;\nSELECT 5;\nCOMMIT;\nSELECT 6;\n"], 0, "BEGIN\nu\nROLLBACK\n6\n",
     [f":3: {GONE}", f":4: {ABORTED}"]),
    (["-v", "ON_ERROR_STOP=1", "-f", f"BEGIN;\n{U};\nSELECT nope;\nCOMMIT;\n"], 3, "BEGIN\nu\n", [f":3: {GONE}"]),
    (["-f", "SELECT 1;\nROLLBACK;\nBEGIN;\nBEGIN;\nCOMMIT;\n"], 0, "1\nROLLBACK\nBEGIN\nBEGIN\nCOMMIT\n",
     [f":2: {NONE}", f":4: {ALREADY}"]),
    (["-1", "-c", U, "-c", "COMMIT", "-c", U, "-c", "SELECT nope"], 1, "u\nCOMMIT\nu\n", [GONE, NONE]),
    (["-1", "-c", "ROLLBACK", "-c", "SELECT 7"], 0, "ROLLBACK\n7\n", [NONE]),
    (["-1", "-c", "BEGIN", "-c", "SELECT 8"], 0, "BEGIN\n8\n", [ALREADY]),
    (["-1", "-f", f"{U};\nROLLBACK;\nSELECT 9;\n"], 0, "u\nROLLBACK\n9\n", [NONE]),
]


@pytest.fixture(scope="module")
def drill(tmp_path_factory: pytest.TempPathFactory) -> Drill:
    return create_drill(tmp_path_factory.mktemp("d"), "rate-limit", speed=SPEED, start=START)


def writes(drill: Drill) -> int:
    path = drill.path / "actions.jsonl"
    lines = path.read_text().splitlines() if path.exists() else []
    return sum(json.loads(line).get("action") == "db_write" for line in lines)


@pytest.mark.parametrize(("argv", "code", "out", "said"), CASES, ids=range(len(CASES)))
def test_transactions_answer_what_postgresql_does(drill: Drill, tmp_path: Path, argv: list[str], code: int,
                                                  out: str, said: list[str]) -> None:
    if "-f" in argv:
        script = tmp_path / "s.sql"
        script.write_text(argv[argv.index("-f") + 1])
        argv = [str(script) if i == argv.index("-f") + 1 else a for i, a in enumerate(argv)]
    got_code, got_out, err = run_one(drill, ["psql", "-At", *argv], T)
    assert (got_code, got_out) == (code, out), err
    at = 0
    for piece in said:              # each in order; nothing else on stderr but their LINE/caret context
        at = err.index(piece, at) + len(piece)
    assert all(line.startswith(("ERROR", "WARNING", "LINE", " ", "psql:")) for line in err.splitlines()), err
    if not said:
        assert err == ""


@pytest.mark.parametrize("sql", ["SAVEPOINT a", "ROLLBACK TO SAVEPOINT a", "RELEASE a", "BEGIN; COMMIT AND CHAIN",
                                 "PREPARE TRANSACTION 'x'", "SET TRANSACTION READ ONLY"])
def test_what_the_drill_does_not_simulate_is_refused_by_name(drill: Drill, sql: str) -> None:
    code, _, err = run_one(drill, ["psql", "-At", "-c", sql], T)
    assert code != 0 and "not simulated" in err


STATUS = "SELECT status, count(*) FROM tasks GROUP BY status ORDER BY status"
WRITES = [   # (statement, the word the refusal names); {f} is a file a write might create outside the drill
    ("UPDATE tasks SET status = 'cancelled' WHERE status = 'failed'", "UPDATE"),
    ("update tasks set status = 'cancelled'", "UPDATE"),
    ("INSERT INTO tasks (task_id) VALUES ('forged')", "INSERT"),
    ("DELETE FROM tasks", "DELETE"),
    ("WITH gone AS (SELECT task_id FROM tasks) DELETE FROM tasks WHERE task_id IN (SELECT task_id FROM gone)", "DELETE"),
    ("WITH x AS (SELECT 1) UPDATE tasks SET repo = 'r'", "UPDATE"),
    ("CREATE TABLE notes (a TEXT)", "CREATE"),
    ("CREATE TEMP TABLE notes AS SELECT * FROM tasks", "CREATE"),
    ("CREATE VIEW v AS SELECT 1", "CREATE"),
    ("CREATE INDEX i ON tasks (status)", "CREATE"),
    ("DROP TABLE tasks", "DROP"),
    ("ALTER TABLE tasks ADD COLUMN x TEXT", "ALTER"),
    ("VACUUM INTO '{f}'", "VACUUM"),
    ("REINDEX", "REINDEX"),
    ("TRUNCATE tasks", "TRUNCATE"),
    ("COPY tasks FROM '{f}'", "COPY"),
    ("MERGE INTO tasks t USING tasks s ON t.task_id = s.task_id WHEN MATCHED THEN DELETE", "MERGE"),
    ("/* a comment */ -- and another\n  delete from tasks", "DELETE"),
]


@pytest.mark.parametrize(("sql", "word"), WRITES, ids=[w[0][:24] for w in WRITES])
def test_a_write_in_any_spelling_is_refused_and_changes_nothing(drill: Drill, tmp_path: Path, sql: str,
                                                               word: str) -> None:
    """Refused by name, in a block or not, before or after a read: the run stops there (a refusal is the
    drill's, not a server error a later statement could follow), nothing is journaled, the next query sees
    the same rows, and no file appears outside the drill."""
    side = tmp_path / "side.db"
    sql = sql.format(f=side)
    before = (writes(drill), run_one(drill, ["psql", "-At", "-c", STATUS], T))
    for argv, shown in ((["-c", sql], ""), (["-c", "BEGIN", "-c", sql, "-c", "COMMIT"], "BEGIN\n"),
                        (["-c", f"SELECT 'r'; {sql}; SELECT 'after'"], "r\n"), (["-1", "-c", sql], "")):
        code, out, err = run_one(drill, ["psql", "-At", *argv], T)
        assert (code, out) == (1, shown) and err.startswith(f"drill: {word} is not simulated"), (argv, code, out, err)
    assert (writes(drill), run_one(drill, ["psql", "-At", "-c", STATUS], T)) == before
    assert not side.exists()


@pytest.mark.parametrize("sql", ["SELECT count(*) FROM sqlite_master", "SELECT * FROM sqlite_temp_master",
                                 "WITH x AS (SELECT 1) SELECT name FROM sqlite_schema"])
def test_sqlites_own_tables_are_relations_postgresql_does_not_have(drill: Drill, sql: str) -> None:
    code, out, err = run_one(drill, ["psql", "-At", "-c", sql], T)
    assert (code, out) == (1, "") and err.startswith('ERROR:  relation "sqlite_'), err


@pytest.mark.parametrize(("sql", "token", "line", "caret"), [
    ("PRAGMA query_only = OFF", "PRAGMA", "LINE 1: PRAGMA query_only = OFF", 8),
    ("ATTACH DATABASE '{f}' AS side", "ATTACH", "LINE 1: ATTACH DATABASE '{f}' AS side", 8),
    ("-- why\n  SELCT 1", "SELCT", "LINE 2:   SELCT 1", 10),
    ("1 + 1", "1", "LINE 1: 1 + 1", 8),
])
def test_a_word_postgresql_has_no_command_for_is_its_syntax_error(drill: Drill, tmp_path: Path, sql: str, token: str,
                                                                 line: str, caret: int) -> None:
    """SQLite answered ``PRAGMA`` (its own tables' columns) and ``ATTACH`` (a file made anywhere); PostgreSQL
    has neither command, and says so with the caret under the word."""
    side = tmp_path / "side.db"
    code, out, err = run_one(drill, ["psql", "-At", "-c", sql.format(f=side)], T)
    line = line.format(f=side)
    line = line[:68] + "..." if len(line) > 68 else line         # psql cuts the line to 60 columns past "LINE 1: "
    assert (code, out, err) == (1, "", f'ERROR:  syntax error at or near "{token}"\n{line}\n' + " " * caret + "^\n")
    assert not side.exists()


@pytest.mark.parametrize("sql", ["SHOW statement_timeout", "SET statement_timeout = '5s'", "EXPLAIN SELECT 1",
                                 "LISTEN flows", "RESET ALL", "DISCARD ALL"])
def test_postgresqls_other_commands_are_refused_by_name_not_a_syntax_error(drill: Drill, sql: str) -> None:
    code, out, err = run_one(drill, ["psql", "-At", "-c", sql], T)
    word = sql.split()[0]
    assert (code, out) == (1, "") and err == (f"drill: {word} is not simulated: the drill's TaskDB answers queries "
                                              "(SELECT, WITH, VALUES, TABLE)\n"), err


def test_table_and_comments_are_queries(drill: Drill) -> None:
    first = run_one(drill, ["psql", "-At", "-c", "SELECT * FROM tasks LIMIT 2"], T)
    assert run_one(drill, ["psql", "-At", "-c", "TABLE tasks LIMIT 2"], T) == first
    assert run_one(drill, ["psql", "-At", "-c", "/* c */ -- d\nSELECT 3"], T) == (0, "3\n", "")
    assert run_one(drill, ["psql", "-At", "-c", "-- nothing else"], T) == (0, "", "")


@pytest.mark.parametrize("sql", ["SELECT sqlite_version()", "SELECT typeof(1)", "SELECT total_changes()",
                                 "SELECT datetime('now')", "SELECT randomblob(4)", "SELECT 1 WHERE 'a' GLOB 'a'",
                                 "WITH x AS (SELECT sqlite_source_id() AS v) SELECT v FROM x", "SELECT version()",
                                 "SELECT to_timestamp(1790000000)"])
def test_a_function_postgresql_does_not_compute_alike_is_refused_by_name(drill: Drill, sql: str) -> None:
    """SQLite answered its own functions (``sqlite_version()`` 3.40.1; ``total_changes()`` the rows the drill
    inserted; ``datetime('now')`` the machine's clock, not the drill's) and said PostgreSQL's ``version()`` did
    not exist: a function is computed only when PostgreSQL computes it alike, else refused by name."""
    code, out, err = run_one(drill, ["psql", "-At", "-c", sql], T)
    name = m[1] if (m := re.search(r"(\w+)\(", sql)) else "glob"
    assert (code, out) == (1, "") and err.startswith(f"drill: function {name.lower()}() is not simulated"), err


def test_a_pragma_in_a_cte_is_not_called_a_write(drill: Drill) -> None:
    code, out, err = run_one(drill, ["psql", "-At", "-c", "WITH x AS (SELECT * FROM pragma_table_info('tasks')) "
                                     "SELECT * FROM x"], T)
    assert (code, out) == (1, "") and err.startswith("drill: function pragma_table_info() is not simulated"), err


@pytest.mark.parametrize(("sql", "shown"), [
    ("/* a /* nested */ still a comment */ SELECT 1", "1\n"),       # PostgreSQL nests block comments
    ("SELECT /* ; */ 1", "1\n"),
    ("SELECT 1 -- ; SELECT 2", "1\n"),
    ("SELECT $$a;b$$; SELECT $t$c;$t$", "a;b\nc;\n"),
    (r"SELECT E'it\'s;\x41\n' || 'z'", "it's;A\nz\n"),
    ("/* c */ BEGIN; SELECT 1; COMMIT", "BEGIN\n1\nCOMMIT\n"),
])
def test_statements_end_where_postgresqls_lexer_ends_them(drill: Drill, tmp_path: Path, sql: str, shown: str) -> None:
    """A ``;`` in a comment or a dollar-quoted string split the statement there, a nested comment ended at its
    first ``*/`` (``COMMENT is not simulated``), and ``E'...'`` was a column named E; as -c and as a script."""
    assert run_one(drill, ["psql", "-At", "-c", sql], T) == (0, shown, "")
    (script := tmp_path / "q.sql").write_text(sql + ";\n")
    assert run_one(drill, ["psql", "-At", "-f", str(script)], T) == (0, shown, "")


def test_a_value_on_several_lines_and_the_drills_date(drill: Drill) -> None:
    """psql 15 marks a value that goes on below with "+" (`psql -c "SELECT E'a\\nbb' AS x, 1 AS y"` against a
    real server, its trailing blanks too); ``current_date`` was the machine's date, not the drill's."""
    assert run_one(drill, ["psql", "-c", r"SELECT E'a\nbb' AS x, 1 AS y"], T)[1].splitlines() == [
        " x  | y ", "----+---", " a +| 1", " bb | ", "(1 row)", ""]
    now = run_one(drill, ["psql", "-At", "-c", "SELECT now()"], T)[1]
    assert run_one(drill, ["psql", "-At", "-c", "SELECT current_date"], T)[1] == now[:10] + "\n"


def test_bit_strings_and_unicode_escapes_are_postgresqls(drill: Drill) -> None:
    """``x'41'`` printed Python's ``b'A'`` and ``U&'\\0041'`` was a column named U; psql 15 against a real server
    prints this line's answer."""
    assert run_one(drill, ["psql", "-At", "-c", r"SELECT x'41', U&'\0041\+0000e9', U&'d\0061t', U&'\0027'''"], T) == (
        0, "01000001|Aé|dat|''\n", "")
