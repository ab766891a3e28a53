"""A runbook's PromQL read by the drill's parser (``warroom.syntax.promql``, Prometheus 2.42's): lint says a named
query's, a verify gate's and a Go/No-Go criterion's parse error in Prometheus' own words (what ``promtool check
rules`` prints), at the line and column of the runbook file where the error stands. ``test_promql_differential``
holds the words to promtool itself; this holds the places, with no promtool needed."""

from __future__ import annotations

from pathlib import Path

import pytest

from warroom.runbook.gate import promql_problem
from warroom.runbook.lint import lint_paths
from warroom.syntax.promql import ParseError, parse

RUNBOOK = '''+++
id = "RB-TEST-PROMQL"
title = "PromQL errors"
severity = "P3"

[queries.share_429]
title = "429 share"
promql = "100 * max(rate(x{code=\\"429\\"}[5m])"
unit = "percent"

[queries.spread]
title = "Spread"
promql = """
sum(
  rate(x[5m]) by (a)
"""

[queries.smooth]
title = "Smoothed"
promql = 'holt_winters(x[10m], 0.5, 0.5)'
+++

# PromQL errors

## Mitigation

```bash {name="bare" verify="sum(rate(errors_total[5m]) < 0.5 within 5m"}
# A gate on bare PromQL, one parenthesis short
echo bare
```

```bash {name="range" verify="(rate(errors_total[5m])[10m:1m]) < 0.5 within 5m"}
# A gate on a range vector in parentheses
echo range
```

```decision
id = "rollback"
question = "Roll back?"
deadline = "15m"

[[go]]
text = "errors"
query = "sum(rate(errors_total{code=~\\"5..\\"}[5m])) > bool"
op = ">"
value = 1
```
'''


def test_lint_says_prometheus_own_parse_error_at_its_line_and_column(tmp_path: Path) -> None:
    """Red with promql-parser: 'invalid PromQL: unclosed left parenthesis', 'invalid promql query' (no position, not
    Prometheus' words); Prometheus 2.42's holt_winters refused as an unknown function; ``(x[5m:1m])`` taken."""
    path = tmp_path / "rb.md"
    path.write_text(RUNBOOK)
    found = {f.line: f.message for f in lint_paths([path]) if f.level == "error"}
    assert found[8] == ("queries.share_429: invalid PromQL at line 8, column 46 (the query's 1:34): parse error: "
                        "unclosed left parenthesis")         # the closing quote, past two escaped quotes
    assert found[13] == ("queries.spread: invalid PromQL at line 15, column 15 (the query's 2:15): parse error: "
                         "unexpected <by> in aggregation")   # a multi-line string: the line of its 'by'
    assert found[27].endswith("not PromQL (invalid PromQL at line 27, column 56 (the query's 1:27): parse error: "
                              "unclosed left parenthesis)")          # the end of the gate's PromQL, before its '<'
    assert found[32].endswith("not PromQL (a range vector has no single value to compare; wrap it, e.g. in rate() "
                              "or max_over_time())")
    assert found[44].endswith("not PromQL (invalid PromQL at line 44, column 59 (the query's 1:48): parse error: "
                              "unexpected end of input)")
    assert 20 not in found and set(found) == {8, 13, 27, 32, 44}, found     # holt_winters is Prometheus 2.42's
    lines = RUNBOOK.split("\n")
    assert (lines[7][45], lines[14][14:16], lines[26][54:57], lines[43][58]) == ('"', "by", ") <", '"')


def test_without_its_file_the_error_is_prometheus_own_words_and_place() -> None:
    assert promql_problem("sum(rate(x[5m])") == "invalid PromQL: 1:16: parse error: unclosed left parenthesis"
    assert promql_problem('"text"') == "a string has no value to compare; write a query of numbers"
    assert promql_problem("(" * 5000 + "1" + ")" * 5000) == "invalid PromQL: it nests too deeply to read"
    assert promql_problem("up == 1") is None and promql_problem("1") is None


def test_a_gate_may_use_prometheus_3_functions_the_drill_does_not() -> None:
    """promql-parser took Prometheus 3's functions; lint still does (a gate may watch a Prometheus 3), and checks their
    arguments; the drill, a Prometheus 2.42, refuses them as 2.42 does."""
    assert promql_problem('sort_by_label(x, "a")') is None and promql_problem("limitk(2, x)") is None
    assert promql_problem("mad_over_time(x)") == ("invalid PromQL: 1:15: parse error: expected type range vector in "
                                                 'call to function "mad_over_time", got instant vector')
    with pytest.raises(ParseError, match='unknown function with name "sort_by_label"'):
        parse('sort_by_label(x, "a")')
