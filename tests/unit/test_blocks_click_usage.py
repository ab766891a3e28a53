"""redteam29-9 (blocks part): `blocks` is a click CLI; click refuses a word no argument takes ("Got
unexpected extra argument (…)", exit 2) and names a required option that is missing. The stand-in
ignored extra words, so `blocks metrics query flow_failures_total` (the metric given as an argument)
answered "unknown metric ''" as if it had been asked for a metric called nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.standins_corpus import START, run_one
from warroom.drill.directory import create_drill


@pytest.fixture(scope="module")
def drill(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    return create_drill(Path(tmp_path_factory.mktemp("d")), "mass-failure", speed=10.0, start=START)


@pytest.mark.parametrize(("line", "error"), [
    ("blocks metrics query flow_failures_total", "Error: Got unexpected extra argument (flow_failures_total)"),
    ("blocks metrics query", "Error: Missing option '--metric'."),
    ("blocks config set repos.allowlist a b", "Error: Got unexpected extra argument (b)"),
    ("blocks test-flow --repo risk-engine x y", "Error: Got unexpected extra arguments (x y)"),
])
def test_words_no_argument_takes_are_refused_as_click_does(drill, line: str, error: str) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run_one(drill, line.split(), 900.0)
    assert (code, out) == (2, "") and err.startswith("Usage: blocks ") and error in err, (code, out, err)


def test_the_metric_asked_by_its_option_still_answers(drill) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run_one(drill, "blocks metrics query --metric flow_failures_total --last 1h".split(), 900.0)
    assert code == 0 and "Total failures:" in out
