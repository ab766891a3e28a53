"""psql runs its ``-c`` and ``-f`` actions in the order the command line gives them, as psql does since 9.6.

The stand-in ran every ``-c`` before every ``-f``, stopped at the first ``-c`` error whatever ON_ERROR_STOP
said, and recorded a write that its transaction undid. Each expectation below is what psql 15 answered
against a scratch PostgreSQL (issue-13-fidelity.md has the commands): the exit code is the last action's;
a ``-c`` string is one transaction; ``-1`` makes the whole run one, which an error aborts. (The drill's TaskDB
takes no write at all: test_psql_transactions.)
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from tests.unit.standins_corpus import SPEED, START, run_one
from warroom.drill.directory import Drill, create_drill
from warroom.drill.standins.base import Context, run_tool

T = 600.0
BAD = "SELECT nope FROM tasks"
GONE = 'ERROR:  column "nope" does not exist'
ABORTED = "ERROR:  current transaction is aborted, commands ignored until end of transaction block"
READ = "SELECT 'w'"


@pytest.fixture(scope="module")
def drill(tmp_path_factory: pytest.TempPathFactory) -> Drill:
    return create_drill(tmp_path_factory.mktemp("d"), "rate-limit", speed=SPEED, start=START)


def script(tmp_path: Path, text: str) -> str:
    (path := tmp_path / "s.sql").write_text(text)
    return str(path)


def test_c_and_f_run_in_command_line_order(drill: Drill, tmp_path: Path) -> None:
    f = script(tmp_path, "SELECT 'file';\n")
    assert run_one(drill, ["psql", "-At", "-c", "SELECT 'c1'", "-f", f, "-c", "SELECT 'c2'"], T) == (0, "c1\nfile\nc2\n", "")


def test_an_error_ends_only_its_action_unless_on_error_stop(drill: Drill, tmp_path: Path) -> None:
    f = script(tmp_path, f"SELECT 1;\n{BAD};\nSELECT 2;\n")
    code, out, err = run_one(drill, ["psql", "-At", "-c", BAD, "-c", "SELECT 'after'"], T)
    assert (code, out) == (0, "after\n") and err.startswith(GONE), err
    code, out, err = run_one(drill, ["psql", "-At", "-c", "SELECT 'first'", "-c", BAD], T)
    assert (code, out) == (1, "first\n") and err.startswith(GONE), err
    code, out, err = run_one(drill, ["psql", "-At", "-f", f, "-c", "SELECT 'after'"], T)
    assert (code, out) == (0, "1\n2\nafter\n") and err.startswith(f"psql:{f}:2: {GONE}"), err
    code, out, err = run_one(drill, ["psql", "-At", "-v", "ON_ERROR_STOP=1", "-f", f, "-c", "SELECT 'after'"], T)
    assert (code, out) == (3, "1\n"), (code, out, err)
    code, out, err = run_one(drill, ["psql", "-At", "-v", "ON_ERROR_STOP=1", "-c", BAD, "-f", f], T)
    assert (code, out) == (1, ""), (code, out, err)
    code, out, err = run_one(drill, ["psql", "-At", "-c", "SELECT 1", "-f", "/nonexistent.sql", "-c", "SELECT 2"], T)
    assert (code, out, err) == (0, "1\n2\n", "psql: error: /nonexistent.sql: No such file or directory\n")
    code, out, err = run_one(drill, ["psql", "-At", "-f", str(tmp_path), "-c", "SELECT 2"], T)    # opened, unread
    assert (code, out, err) == (0, "2\n", f"psql:{tmp_path}: error: could not read from input file: Is a directory\n")


def test_single_transaction_aborts_after_an_error(drill: Drill, tmp_path: Path) -> None:
    code, out, err = run_one(drill, ["psql", "-At", "-1", "-c", READ, "-c", BAD, "-c", "SELECT 'after'"], T)
    assert (code, out) == (1, "w\n") and err.startswith(GONE) and err.endswith(f"\n{ABORTED}\n"), err
    f = script(tmp_path, f"{READ};\n{BAD};\nSELECT 2;\n")
    code, out, err = run_one(drill, ["psql", "-At", "--single-transaction", "-f", f], T)
    assert (code, out) == (0, "w\n") and f"psql:{f}:3: {ABORTED}" in err, err
    code, out, err = run_one(drill, ["psql", "-At", "-c", f"{READ}; {BAD}"], T)     # one -c string: one transaction
    assert (code, out) == (1, "w\n"), (code, out, err)
    assert run_one(drill, ["psql", "-At", "-1", "-c", READ, "-c", "SELECT 1"], T) == (0, "w\n1\n", "")
    code, out, err = run_one(drill, ["psql", "-At", "-f", f], T)     # without -1 each statement is its own
    assert (code, out) == (0, "w\n2\n") and err.startswith(f"psql:{f}:2: {GONE}"), err


def test_piped_stdin_errors_carry_no_file_prefix(drill: Drill, monkeypatch: pytest.MonkeyPatch) -> None:
    """psql names ``<stdin>`` in an error's place only for ``-f -``; a script piped in has no place."""
    for argv, prefix in ((["-At"], ""), (["-At", "-f", "-"], "psql:<stdin>:1: ")):
        monkeypatch.setattr(sys, "stdin", io.StringIO(f"{BAD};\nSELECT 2;\n"))
        out, err = io.StringIO(), io.StringIO()
        ctx = Context("psql", argv, drill, at=drill.wall_time(T), stdout=out, stderr=err)
        ctx.no_delay = True
        assert (run_tool(ctx), out.getvalue()) == (0, "2\n") and err.getvalue().startswith(prefix + GONE), err.getvalue()


@pytest.mark.parametrize(("value", "stops"), [("", True), ("On", True), ("tRu", True), ("of", False), ("n", False),
                                               ("0", False)])
def test_on_error_stop_reads_a_boolean_as_psql_does(drill: Drill, value: str, stops: bool) -> None:
    """psql's ParseVariableBool: a prefix of true/false/yes/no, on, of(f), 1, 0; empty is on
    (``-v ON_ERROR_STOP=`` stops in psql 15; the stand-in read it, and 'o', as off)."""
    code, out, _ = run_one(drill, ["psql", "-At", "-v", f"ON_ERROR_STOP={value}", "-c", BAD, "-c", "SELECT 9"], T)
    assert (code, out) == ((1, "") if stops else (0, "9\n"))


def test_on_error_stop_not_a_boolean_is_refused(drill: Drill) -> None:
    assert run_one(drill, ["psql", "-At", "-v", "ON_ERROR_STOP=o", "-c", "SELECT 9"], T) == (
        1, "", 'psql: error: unrecognized value "o" for "ON_ERROR_STOP": Boolean expected\n')
