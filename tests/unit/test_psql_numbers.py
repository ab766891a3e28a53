"""The drill's psql prints a computed number to the digits it carries, as PostgreSQL does.

Every float was printed to one decimal, so ``round(avg(duration_s), 2)`` answered 41.4 for 41.43 and an average lost
its digits; now 15 significant digits (no binary noise: a sum of tenths is 24857.9, not 24857.900000000005), a whole
number keeps its ``.0`` (``duration_s`` holds tenths), and infinity and NaN read as PostgreSQL spells them."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.standins_corpus import SPEED, START, run_one
from warroom.drill.directory import Drill, create_drill
from warroom.drill.standins.psql import number

T = 600.0


@pytest.fixture(scope="module")
def drill(tmp_path_factory: pytest.TempPathFactory) -> Drill:
    return create_drill(tmp_path_factory.mktemp("d"), "rate-limit", speed=SPEED, start=START)


def test_aggregates_keep_their_digits(drill: Drill) -> None:
    code, out, err = run_one(drill, ["psql", "-At", "-c", "SELECT duration_s FROM tasks"], T)
    values = [float(v) for v in out.split()]
    assert code == 0 and len(values) > 100 and all(v == round(v, 1) for v in values), err
    mean = sum(values) / len(values)
    code, out, err = run_one(drill, ["psql", "-At", "-c", "SELECT avg(duration_s), round(avg(duration_s)::numeric, 2), "
                                     "sum(duration_s), min(duration_s) FROM tasks"], T)
    avg, rounded, total, least = out.strip().split("|")
    assert code == 0 and float(avg) == pytest.approx(mean, rel=1e-14) and len(avg.replace(".", "")) >= 14, out
    assert rounded == f"{round(mean, 2):g}" and total == f"{round(sum(values), 1):g}", out
    assert least == f"{min(values):.1f}", out


@pytest.mark.parametrize(("value", "text"), [(71.0, "71.0"), (70.8, "70.8"), (0.1 + 0.2, "0.3"), (1 / 3, "0.333333333333333"),
                                             (1e300 * 1e300, "Infinity"), (-1e300 * 1e300, "-Infinity"),
                                             (float("nan"), "NaN"), (1e20, "1e+20"), (-2.5, "-2.5")])
def test_number_as_postgresql_prints_it(value: float, text: str) -> None:
    assert number(value) == text


@pytest.mark.parametrize("sql", [
    "SELECT count(*) FROM (SELECT 1 INTERSECT ALL SELECT 1) s",
    "SELECT count(*) FROM (SELECT 1 UNION SELECT 2 INTERSECT SELECT 2) s",
    "SELECT 1 UNION (SELECT 2 ORDER BY 1 LIMIT 1)", "SELECT 'ab'::char", "SELECT 1::numeric(3,-1)",
    "SELECT 1::numeric(a)"])
def test_what_the_drill_does_not_compute_is_refused_by_name(drill: Drill, sql: str) -> None:
    """attack45 X1: a set operation SQLite reads otherwise (ALL of INTERSECT and EXCEPT, INTERSECT after UNION, in
    a subquery), and a type the drill does not hold, are refused by name: never SQLite's answer nor a false syntax
    error."""
    code, out, err = run_one(drill, ["psql", "-c", sql], T)
    assert (code, out) == (1, "") and err.startswith("drill: ") and "not simulated" in err, err
