"""The TaskDB stand-in reads PostgreSQL's dollar quoting as a string, as PostgreSQL does (world-6).

``WHERE status = $$failed$$`` is valid PostgreSQL; the stand-in passed it to SQLite, which read ``$failed``
as a parameter and answered "Incorrect number of bindings supplied" (words no PostgreSQL says) instead of
the failed tasks. A dollar-quoted string, tagged or not and holding a quote, answers what the same string
in single quotes does, at several moments of two scenarios, in-process.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.standins_corpus import SPEED, START, run_one, warmed
from warroom.drill.directory import create_drill

QUERIES = [
    ("SELECT count(*) FROM tasks WHERE status = $$failed$$",
     "SELECT count(*) FROM tasks WHERE status = 'failed'"),
    ("SELECT task_id, repo FROM tasks WHERE status = $q$failed$q$ AND error_message <> $e$it's$e$ ORDER BY task_id",
     "SELECT task_id, repo FROM tasks WHERE status = 'failed' AND error_message <> 'it''s' ORDER BY task_id"),
    ("SELECT $$a $ b$$ AS x, $t$'$t$ AS y", "SELECT 'a $ b' AS x, '''' AS y"),
]


@pytest.mark.parametrize("scenario", ["rate-limit", "mass-failure"])
def test_a_dollar_quoted_string_reads_as_the_same_string_in_quotes(tmp_path: Path, scenario: str) -> None:
    drill = warmed(create_drill(tmp_path, scenario, speed=SPEED, start=START, name="quoting"))
    for t in (300.0, 1200.0):
        for dollar, plain in QUERIES:
            got, want = (run_one(drill, ["psql", "-At", "-c", q], t) for q in (dollar, plain))
            assert got == want and got[0] == 0 and got[1], (scenario, t, dollar, got, want)
