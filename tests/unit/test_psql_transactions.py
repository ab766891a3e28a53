"""BEGIN, COMMIT and ROLLBACK in the drill's psql, as PostgreSQL 15 answers them.

The stand-in refused ``BEGIN`` ("cannot start a transaction within a transaction", SQLite's words) and,
in a script, recorded a write that the script's ``ROLLBACK`` had undone, so the drill's world (and its
report) took a rolled-back fix for a done one. Each row below is what psql 15.18 printed against a
scratch server for the same command line (stderr's ``LINE``/caret context aside); ``writes`` is how many
writes the world records, which must be how many PostgreSQL kept.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.unit.standins_corpus import SPEED, START, run_one
from warroom.drill.directory import Drill, create_drill

T = 600.0
U = "UPDATE tasks SET repo = repo WHERE task_id = (SELECT min(task_id) FROM tasks)"
NONE = "WARNING:  there is no transaction in progress"
ALREADY = "WARNING:  there is already a transaction in progress"
ABORTED = "ERROR:  current transaction is aborted, commands ignored until end of transaction block"
GONE = 'ERROR:  column "nope" does not exist'

CASES = [   # argv after `psql -At`, exit code, stdout, what stderr holds in order, writes kept
    (["-c", f"BEGIN; {U}; ROLLBACK;"], 0, "BEGIN\nUPDATE 1\nROLLBACK\n", [], 0),
    (["-c", f"BEGIN; {U}; COMMIT;"], 0, "BEGIN\nUPDATE 1\nCOMMIT\n", [], 1),
    (["-c", f"begin work; {U}; end"], 0, "BEGIN\nUPDATE 1\nCOMMIT\n", [], 1),
    (["-c", "BEGIN", "-c", U, "-c", "ROLLBACK"], 0, "BEGIN\nUPDATE 1\nROLLBACK\n", [], 0),
    (["-c", "BEGIN", "-c", U], 0, "BEGIN\nUPDATE 1\n", [], 0),                      # psql's exit rolls back
    (["-c", "BEGIN", "-c", "SELECT nope", "-c", "SELECT 1", "-c", "COMMIT"], 0, "BEGIN\nROLLBACK\n", [GONE, ABORTED], 0),
    (["-c", "BEGIN; SELECT nope; SELECT 2", "-c", "SELECT 3", "-c", "ROLLBACK", "-c", "SELECT 4"], 0,
     "BEGIN\nROLLBACK\n4\n", [GONE, ABORTED], 0),
    (["-c", f"BEGIN; {U}", "-c", "SELECT nope", "-c", "COMMIT"], 0, "BEGIN\nUPDATE 1\nROLLBACK\n", [GONE], 0),
    (["-c", "ROLLBACK"], 0, "ROLLBACK\n", [NONE], 0),
    (["-c", "ABORT"], 0, "ROLLBACK\n", [NONE], 0),
    (["-q", "-c", "COMMIT"], 0, "", [NONE], 0),
    (["-c", "BEGIN", "-c", "BEGIN", "-c", "COMMIT"], 0, "BEGIN\nBEGIN\nCOMMIT\n", [ALREADY], 0),
    (["-c", f"START TRANSACTION ISOLATION LEVEL SERIALIZABLE; {U}; ABORT"], 0, "START TRANSACTION\nUPDATE 1\nROLLBACK\n", [], 0),
    (["-c", f"{U}; ROLLBACK"], 0, "UPDATE 1\nROLLBACK\n", [NONE], 0),               # the string's own transaction
    (["-c", f"{U}; COMMIT; {U}; SELECT nope"], 1, "UPDATE 1\nCOMMIT\nUPDATE 1\n", [NONE, GONE], 1),
    (["-c", f"BEGIN; {U}; COMMIT; SELECT nope"], 1, "BEGIN\nUPDATE 1\nCOMMIT\n", [GONE], 1),
    (["-f", f"BEGIN;\n{U};\nROLLBACK;\n"], 0, "BEGIN\nUPDATE 1\nROLLBACK\n", [], 0),
    (["-f", f"BEGIN;\n{U};\nSELECT nope;\nSELECT 5;\nCOMMIT;\nSELECT 6;\n"], 0, "BEGIN\nUPDATE 1\nROLLBACK\n6\n",
     [f":3: {GONE}", f":4: {ABORTED}"], 0),
    (["-v", "ON_ERROR_STOP=1", "-f", f"BEGIN;\n{U};\nSELECT nope;\nCOMMIT;\n"], 3, "BEGIN\nUPDATE 1\n", [f":3: {GONE}"], 0),
    (["-f", "SELECT 1;\nROLLBACK;\nBEGIN;\nBEGIN;\nCOMMIT;\n"], 0, "1\nROLLBACK\nBEGIN\nBEGIN\nCOMMIT\n",
     [f":2: {NONE}", f":4: {ALREADY}"], 0),
    (["-1", "-c", U, "-c", "COMMIT", "-c", U, "-c", "SELECT nope"], 1, "UPDATE 1\nCOMMIT\nUPDATE 1\n", [GONE, NONE], 2),
    (["-1", "-c", "ROLLBACK", "-c", "SELECT 7"], 0, "ROLLBACK\n7\n", [NONE], 0),
    (["-1", "-c", "BEGIN", "-c", "SELECT 8"], 0, "BEGIN\n8\n", [ALREADY], 0),
    (["-1", "-f", f"{U};\nROLLBACK;\nSELECT 9;\n"], 0, "UPDATE 1\nROLLBACK\n9\n", [NONE], 0),
]


@pytest.fixture(scope="module")
def drill(tmp_path_factory: pytest.TempPathFactory) -> Drill:
    return create_drill(tmp_path_factory.mktemp("d"), "rate-limit", speed=SPEED, start=START)


def writes(drill: Drill) -> int:
    path = drill.path / "actions.jsonl"
    lines = path.read_text().splitlines() if path.exists() else []
    return sum(json.loads(line).get("action") == "db_write" for line in lines)


@pytest.mark.parametrize(("argv", "code", "out", "said", "kept"), CASES, ids=range(len(CASES)))
def test_transactions_answer_and_keep_what_postgresql_does(drill: Drill, tmp_path: Path, argv: list[str], code: int,
                                                          out: str, said: list[str], kept: int) -> None:
    if "-f" in argv:
        script = tmp_path / "s.sql"
        script.write_text(argv[argv.index("-f") + 1])
        argv = [str(script) if i == argv.index("-f") + 1 else a for i, a in enumerate(argv)]
    before = writes(drill)
    got_code, got_out, err = run_one(drill, ["psql", "-At", *argv], T)
    assert (got_code, got_out) == (code, out), err
    at = 0
    for piece in said:              # each in order; nothing else on stderr but their LINE/caret context
        at = err.index(piece, at) + len(piece)
    assert all(line.startswith(("ERROR", "WARNING", "LINE", " ", "psql:")) for line in err.splitlines()), err
    if not said:
        assert err == ""
    assert writes(drill) - before == kept


def test_a_rollback_is_seen_by_the_statements_after_it(drill: Drill) -> None:
    code, out, _ = run_one(drill, ["psql", "-At", "-c", "BEGIN; DELETE FROM tasks; SELECT count(*) FROM tasks; "
                                   "ROLLBACK; SELECT count(*) > 0 FROM tasks"], T)
    assert (code, out.split("\n")[2:]) == (0, ["0", "ROLLBACK", "1", ""])


@pytest.mark.parametrize("sql", ["SAVEPOINT a", "ROLLBACK TO SAVEPOINT a", "RELEASE a", "BEGIN; COMMIT AND CHAIN",
                                 "BEGIN READ ONLY", "PREPARE TRANSACTION 'x'", "SET TRANSACTION READ ONLY"])
def test_what_the_drill_does_not_simulate_is_refused_by_name(drill: Drill, sql: str) -> None:
    before = writes(drill)
    code, _, err = run_one(drill, ["psql", "-At", "-c", sql], T)
    assert code != 0 and "not simulated" in err and writes(drill) == before
