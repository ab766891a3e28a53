"""Each psql invocation reads a copy of its own of the TaskDB's tables, made once per world and moment.

``psql.database`` made the tables afresh for every invocation (2,000-odd rows and INSERTs each); a corpus asks
many commands of one world at one moment, so it is now made once per world (``Signals``) and key (``image``) and
each invocation deserializes its own copy. These hold what made "afresh" safe: nothing one invocation, or one
statement, leaves behind is read by the next; and a kept image never answers another moment or another world (an
action taken at the very moment asked: a new record of actions, a new world).
"""

from __future__ import annotations

import io
import sqlite3
from pathlib import Path

import pytest

from tests.unit.standins_corpus import run_one, warm_drill
from warroom.drill.directory import Drill
from warroom.drill.standins import Context, psql, run_tool

T = 1140.0
LATER = 1200.0
UNION = "SELECT 1 UNION SELECT 2 ORDER BY 1"
HELD = 'SELECT * FROM "?set"'           # the table ``TaskDB.hold`` writes a set operation's rows into
GONE = 'ERROR:  relation "?set" does not exist'


def _ctx(drill: Drill, t: float) -> Context:
    ctx = Context("psql", [], drill, at=drill.wall_time(t))
    ctx.no_delay = True
    return ctx


def _rows(conn: sqlite3.Connection) -> dict[str, list[tuple[object, ...]]]:
    """Every row of the three tables, in their stored order."""
    return {name: conn.execute(f"SELECT * FROM {name}").fetchall() for name in psql.TABLES}


def _made_now(drill: Drill, t: float) -> dict[str, list[tuple[object, ...]]]:
    """The tables at ``t`` made afresh, with no kept image: what every invocation read before there was one."""
    ctx = _ctx(drill, t)
    conn = sqlite3.connect(":memory:")
    conn.deserialize(psql.tables(ctx, psql.connections(ctx.at, ctx.drill.speed, *psql.pool(ctx))))
    return _rows(conn)


def test_nothing_an_invocation_writes_reaches_the_next(tmp_path: Path) -> None:
    drill = warm_drill(tmp_path, "rate-limit")
    first = psql.database(_ctx(drill, T))
    kept = _rows(first)
    assert all(kept.values()), "a table is empty: a write to it could not show"
    first.set_authorizer(None)          # what no statement can do (the authorizer refuses it), done to its copy
    first.execute("DELETE FROM tasks")
    first.execute("UPDATE audit_logs SET event = 'written'")
    first.execute("INSERT INTO pg_stat_activity (pid) VALUES (1)")
    first.commit()
    assert _rows(psql.database(_ctx(drill, T))) == kept
    # through psql itself: a write is refused by name
    code, out, err = run_one(drill, ["psql", "-At", "-c", "BEGIN; UPDATE tasks SET status = 'x'; COMMIT"], T)
    assert (code, out) == (1, "BEGIN\n") and "UPDATE is not simulated" in err
    assert run_one(drill, ["psql", "-At", "-c", "SELECT count(*) FROM tasks"], T)[1] == f"{len(kept['tasks'])}\n"


def test_a_statements_held_rows_are_gone_after_it(tmp_path: Path) -> None:
    """A set operation's rows, held in a table its ORDER BY reads (``TaskDB.hold``), are its statement's alone: the
    next statement of the session reads no such relation, as PostgreSQL (and as the next invocation) answers; it
    read them back under the held table's name."""
    drill = warm_drill(tmp_path, "rate-limit")
    code, out, err = run_one(drill, ["psql", "-At", "-c", UNION, "-c", HELD, "-c", "SELECT 3"], T)
    assert (code, out) == (0, "1\n2\n3\n") and err.startswith(GONE), (out, err)
    (script := tmp_path / "held.sql").write_text(f"{UNION};\n{HELD};\n", encoding="utf-8")
    code, out, err = run_one(drill, ["psql", "-At", "-f", str(script)], T)
    assert (code, out) == (0, "1\n2\n") and err.startswith(f"psql:{script}:2: {GONE}"), (out, err)
    code, out, err = run_one(drill, ["psql", "-At", "-c", HELD], T)
    assert (code, out) == (1, "") and err.startswith(GONE)


def test_a_kept_image_answers_only_its_own_world_and_moment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two moments, and two worlds at one moment, whose pool reads the same estate (held still here: as it is read,
    the flows' latency differs from any moment to the next), so only the moment or the world tells them apart."""
    monkeypatch.setattr(psql, "pool", lambda ctx: (1.0, 5))
    drill = warm_drill(tmp_path, "rate-limit")
    seen = {}
    for t in (T, LATER, T):             # a moment, a later one, the first again (its image kept by then)
        seen[t] = _rows(psql.database(_ctx(drill, t)))
        assert seen[t] == _made_now(drill, t), t
    assert seen[T]["tasks"] != seen[LATER]["tasks"], "a flow's row changes between the two moments"
    # an action at the very moment asked: a world of its own (a record of actions), whose pool reads the same estate
    task = next(row[0] for row in seen[LATER]["tasks"] if row[3] == "failed" and row[9] == 1)
    assert run_one(drill, ["blocks", "flow", "retry", str(task)], LATER)[0] in (0, 1)     # recorded either way
    retried = _rows(psql.database(_ctx(drill, LATER)))
    assert retried == _made_now(drill, LATER)
    assert [row[3] for row in retried["tasks"] if row[0] == task] == ["running"]
    assert retried["pg_stat_activity"] == seen[LATER]["pg_stat_activity"]


def test_a_kept_image_follows_the_estate_its_context_holds(tmp_path: Path) -> None:
    """``kubectl exec ... -- psql`` answers from its kubectl's context: the same world object, and the estate that
    command changed in place (``Context.apply``); the pool's rows read it, so the image's key does."""
    drill = warm_drill(tmp_path, "rate-limit")
    ctx = _ctx(drill, LATER)
    assert len(_rows(psql.database(ctx))["pg_stat_activity"]) == 58
    scale = ctx.sub("kubectl", "scale deployment/flowengine -n production --replicas=0".split())
    scale.stdout = io.StringIO()
    assert run_tool(scale) == 0 and scale.signals is ctx.signals
    assert _rows(psql.database(ctx))["pg_stat_activity"] == []


def test_images_kept_are_bounded_and_follow_the_world(tmp_path: Path) -> None:
    drill = warm_drill(tmp_path, "rate-limit")
    for k in range(psql.IMAGES + 2):
        psql.database(_ctx(drill, T + 15.0 * k))
    assert len(psql._IMAGES[_ctx(drill, T).signals]) == psql.IMAGES
