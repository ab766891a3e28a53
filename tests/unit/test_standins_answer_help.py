"""A stand-in asked for help answers it; it never refuses the flag and sends you to the same command.

Seen (redteam29-2): `kubectl get --help` -> "error: unknown flag: --help / See 'kubectl get --help' for
usage." (exit 1); `blocks quota show --help` -> "Try 'blocks quota show --help' for help. Error: No such
option: --help"; `curl --help` -> "option --help: is unknown / curl: try 'curl --help'"; `aws help`
-> "To see help text, you can run: aws help … Invalid choice". One rule in standins.base.run_tool: a
line that asks for help gets the tool's usage (what the drill answers), exit 0; other errors are kept.
"""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from tests.unit.standins_corpus import START, run_one
from warroom.drill.directory import create_drill

ASKED = ["kubectl get --help", "kubectl logs --help", "kubectl help", "blocks quota show --help",
         "blocks flow retry --help", "curl --help", "aws help", "aws logs help", "psql --help", "psql -?",
         "psql -c 'SELECT 1' --help"]


@pytest.fixture(scope="module")
def drill(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    return create_drill(Path(tmp_path_factory.mktemp("help")), "rate-limit", speed=10.0, start=START, name="help")


@pytest.mark.parametrize("line", ASKED)
def test_asked_for_help_every_stand_in_answers_it(drill, line: str) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run_one(drill, shlex.split(line), 300.0)
    assert (code, err) == (0, ""), f"{line}: exit {code}, stderr {err!r}"
    assert line.split()[0] in out and not any(w in out for w in ("unknown", "No such option", "Invalid choice"))


@pytest.mark.parametrize("line, code, words", [
    ("kubectl get pods --badflag", 1, "unknown flag: --badflag"),
    ("psql -h taskdb.drill.invalid -c 'SELEC 1'", 1, 'syntax error at or near "SELEC"'),
    ("psql -h nowhere -c 'SELECT 1'", 2, 'could not translate host name "nowhere"'),
    ("aws nosuch", 252, "Invalid choice"),
    ("blocks quota show --nosuch", 2, "No such option: --nosuch"),
])
def test_a_line_that_asks_no_help_keeps_its_error(drill, line: str, code: int, words: str) -> None:  # type: ignore[no-untyped-def]
    got, out, err = run_one(drill, shlex.split(line), 300.0)
    assert got == code and words in err and out == ""
