"""What the generated differential test (tests/integration/test_promql_generated.py) found the drill's
PromQL answering unlike Prometheus 2, pinned here without a server (expected values: Prometheus' own
answers to the same queries on the same samples).

- ``math.fsum`` raises on +Inf and -Inf together (and on a finite overflow): ``sum``, ``avg``,
  ``sum_over_time``, ``avg_over_time`` and ``deriv`` crashed the evaluator; Prometheus answers NaN
  (and a finite mean).
- a counter reset after an +Inf sample: the running sums of resets made Inf - Inf, NaN, where
  Prometheus has a number (``irate``: the last value; ``increase``: +Inf).
- ``predict_linear`` over a subquery with ``@``, and an ``@`` inside a subquery with an offset:
  Prometheus 2 answers by rules of its own (see the test); the drill answered otherwise, now refuses by name.
- ``topk``/``bottomk`` ties follow the order of the argument (``a or b``: a's series first), not the
  label order.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable

import pytest

from tests.drill_backfill import scenario_catalog
from warroom.drill.promql import Catalog, PromQLError, evaluate, evaluate_many, parse
from warroom.drill.promql.catalog import MetricSeries


def _catalog(**gauges: Callable[[float], float]) -> Catalog:
    """The rate-limit drill's catalogue plus gauges ``odd{kind=NAME}`` of the given values at scenario time t."""
    catalog = scenario_catalog("rate-limit", 0.0)
    catalog.metrics["odd"] = [MetricSeries((("__name__", "odd"), ("kind", k)), "odd", None, get)
                              for k, get in sorted(gauges.items())]
    return catalog


def _cycle(*values: float) -> Callable[[float], float]:
    return lambda t: values[round(t / 15) % len(values)]


def test_inf_and_minus_inf_together_sum_to_nan_not_a_crash() -> None:
    catalog = _catalog(mixed=_cycle(1.0, math.inf, -math.inf), up=_cycle(math.inf), down=_cycle(-math.inf))
    for expr in ('sum_over_time(odd{kind="mixed"}[1m])', 'avg_over_time(odd{kind="mixed"}[1m])',
                 'deriv(odd{kind="mixed"}[1m])', 'sum(odd{kind=~"up|down"})', 'avg(odd{kind=~"up|down"})'):
        (sample,) = evaluate(catalog, expr, 900.0)
        assert math.isnan(sample.value), expr
    (sample,) = evaluate(catalog, 'sum_over_time(odd{kind="up"}[1m])', 900.0)
    assert sample.value == math.inf


def test_an_average_of_values_near_the_largest_float_stays_finite() -> None:
    catalog = _catalog(big=_cycle(1e308))
    (sample,) = evaluate(catalog, "avg_over_time(odd[1m])", 900.0)
    assert sample.value == 1e308
    (sample,) = evaluate(catalog, "avg(odd)", 900.0)
    assert sample.value == 1e308


def test_a_counter_reset_after_an_inf_sample_counts_as_prometheus_counts_it() -> None:
    catalog = _catalog(inf=_cycle(1.0, math.inf, 2.0))     # t = 900 is scrape 60: 1.0, then Inf, 2.0
    (sample,) = evaluate(catalog, "irate(odd[30s])", 930.0)  # Inf then 2: a reset, the last value over 15 s
    assert sample.value == 2.0 / 15
    (sample,) = evaluate(catalog, "increase(odd[30s])", 2460.0)   # 1, Inf, 2, long after the first Inf
    assert sample.value == math.inf


def test_what_prometheus_2_does_unlike_its_own_rules_is_refused_by_name() -> None:
    """predict_linear over a subquery with @ (Prometheus slides the window past the @ time but its
    inner selectors hold samples up to it only) and an @ inside a subquery with an offset (Prometheus
    2.42 moves the @ time by the offset at some evaluation times, not others), predict_linear of a
    selector with @ inside a subquery (its window slides from the subquery's own start), timestamp()
    of a selector with @ and an offset (Prometheus 2.42 drops the offset): the drill answered them
    otherwise; now it names them as not evaluated."""
    catalog = scenario_catalog("rate-limit", 0.0)
    for expr, construct in [
        ("predict_linear(flowengine_model_quota_used_ratio @ end()[10m:1m] @ end(), 60)",
         "predict_linear over a subquery with @"),
        ("max_over_time(flowengine_flow_duration_seconds_count @ start()[1m:15s] offset -1m)",
         "@ inside a subquery with an offset"),
        ("max_over_time(max_over_time(flowengine_flow_duration_seconds_count @ 600[1m:15s])[5m:1m] offset 5m)",
         "@ inside a subquery with an offset"),
        ("increase(predict_linear(flowengine_model_api_requests_total[30m] @ start(), 0)[1m:])",
         "predict_linear of a selector with @ inside a subquery"),
        ("timestamp(flowengine_flow_failures_total @ start() offset -2m)",
         "timestamp() of a selector with both @ and offset"),
    ]:
        with pytest.raises(PromQLError, match=f"^{re.escape(construct)} is not supported in drills"):
            evaluate_many(catalog, expr, [600.0, 720.0], now=1800.0)
    # still evaluated: @ on a subquery, predict_linear over a selector with @, @ in a subquery without offset
    for expr in ("max_over_time(flowengine_model_quota_used_ratio[10m:1m] @ end())",
                 "predict_linear(flowengine_model_quota_used_ratio[10m] @ end(), 60)",
                 "max_over_time(flowengine_flow_duration_seconds_count @ start()[1m:15s])",
                 "timestamp(flowengine_flow_failures_total @ start())",
                 "timestamp(flowengine_flow_failures_total offset 1m)",
                 "max_over_time(predict_linear(flowengine_model_quota_used_ratio[5m], 60)[5m:1m])"):
        assert evaluate_many(catalog, expr, [600.0, 720.0], now=1800.0).at(1)


def test_topk_ties_keep_the_order_of_its_argument() -> None:
    catalog = scenario_catalog("rate-limit", 0.0)
    for agg in ("topk", "bottomk"):
        (sample,) = evaluate(catalog, f'{agg}(1, label_replace(vector(1), "a", "b", "", "") or vector(1))', 900.0)
        assert sample.labels == (("a", "b"),), agg
        (sample,) = evaluate(catalog, f'{agg}(1, vector(1) or label_replace(vector(1), "a", "b", "", ""))', 900.0)
        assert sample.labels == (), agg


@pytest.mark.parametrize(("query", "values", "kept"), [
    ("topk(2, odd)", (0, 0, 1, 1, 1, 1, 2), "dg"),
    ("bottomk(3, odd)", (2, 2, 2, 2, 0, 2, 1), "beg"),
    ("topk(4, odd)", (0, 2, 0, math.nan, 0, math.nan, 1), "bceg"),
    ("bottomk(4, odd)", (math.nan, 0, math.nan, 1, math.nan), "abde"),
])
def test_topk_ties_among_unequal_values_fall_as_in_prometheus(query: str, values: tuple[float, ...],
                                                              kept: str) -> None:
    """Which of several equal samples a full heap keeps depends on how Go's heap is rearranged on each offer
    (``operators._heap_offer``: pop, then push); a top replaced in place would keep others. Expected: Prometheus
    2.42's answers on these samples (series a, b, ... in storage order), asked on a backfilled TSDB."""
    catalog = _catalog(**{chr(97 + i): (lambda t, v=v: float(v)) for i, v in enumerate(values)})
    assert "".join(sorted(dict(s.labels)["kind"] for s in evaluate(catalog, query, 900.0))) == kept


#: query -> Prometheus 2.42's parse error (its API's, after ``invalid parameter "query": ``), asked of Debian's
#: prometheus, at Prometheus' position (the type checks the parser library places nowhere: ``said``'s ``_where``)
PARSE_ERRORS = {
    "1 1": '1:3: parse error: unexpected number "1"', "foo bar": '1:5: parse error: unexpected identifier "bar"',
    "foo +": "1:6: parse error: unexpected end of input", "sum((": "1:6: parse error: unclosed left parenthesis",
    "sum(\n(": "2:2: parse error: unclosed left parenthesis", "": "1:1: parse error: no expression found in input",
    'x + "abc': "1:5: parse error: unterminated quoted string", "`abc": "1:1: parse error: unterminated raw string",
    "x + nosuch(1)": '1:5: parse error: unknown function with name "nosuch"',
    "foo)": "1:5: parse error: unexpected right parenthesis ')'",
    "foo]": "1:4: parse error: unexpected right bracket ']'",
    "foo offset 1e30": '1:12: parse error: unexpected number "1e30" in offset, expected duration',   # panicked
    "foo[5]": "1:5: parse error: missing unit character in duration",
    "5m": '1:1: parse error: unexpected duration "5m"',
    'foo{"a"="b"}': '1:5: parse error: unexpected string "\\"a\\"" in label matching, expected identifier or "}"',
    "foo[5m:1m": "1:10: parse error: unclosed left bracket",
    "rate(x)": '1:6: parse error: expected type range vector in call to function "rate", got instant vector',
    "count_values(1, x)": "1:14: parse error: expected type string in aggregation parameter, got scalar",
    # attack44 A2: an end of input after a modifier or offset, a duration's own words; a selector's "{" never placed
    "sum(x) by": '1:10: parse error: unexpected end of input in grouping opts, expected "("',
    "x + ignoring": '1:13: parse error: unexpected end of input in grouping opts, expected "("',
    "x offset -": "1:11: parse error: unexpected end of input in offset, expected duration",
    "x offset 1e30s": '1:10: parse error: not a valid duration string: "1e30s"',
    "foo{bar=}": '1:9: parse error: unexpected "}" in label matching, expected string',
    # fix45: attack44 A2's rest, the type checks the library places nowhere, at the node Prometheus names
    "abs(1,2)": '1:1: parse error: expected 1 argument(s) in call to "abs", got 2',
    "sum(x) + abs(1, 2)": '1:10: parse error: expected 1 argument(s) in call to "abs", got 2',
    "sum by (a) (1)": "1:13: parse error: expected type instant vector in aggregation expression, got scalar",
    "topk(x, y)": "1:6: parse error: expected type scalar in aggregation parameter, got instant vector",
    "x + rate(y)": '1:10: parse error: expected type range vector in call to function "rate", got instant vector',
    "label_join(x, \"a\", 1)": '1:20: parse error: expected type string in call to function "label_join", got scalar',
    "x + (1 and 1)": '1:6: parse error: set operator "and" not allowed in binary scalar expression',
    "sum(rate(x[5m])) + (x unless on(a) 1)": "1:21: parse error: vector matching only allowed between instant vectors",
    "1 > 2": "1:3: parse error: comparisons between scalars must use BOOL modifier",
    "x{a=\"b\"} > \"c\"": "1:12: parse error: binary expression must contain only scalar and instant vector types",
    "x[5m] + 1": "1:1: parse error: binary expression must contain only scalar and instant vector types",
    "x + -\"a\"": '1:5: parse error: unary expression only allowed on expressions of type scalar or instant vector, '
                 'got "string"',
    "-x[5m]": '1:1: parse error: unary expression only allowed on expressions of type scalar or instant vector, got '
              '"range vector"',
    "foo + {a=\"\"}": "1:7: parse error: vector selector must contain at least one non-empty matcher",
    "rate(x[5m])[1m] + 1": "1:12: parse error: ranges only allowed for vector selectors",
    "x!}": "1:2: parse error: unexpected character after '!': '}'",
    "foo{bar~\"a\"}": "1:8: parse error: unexpected character inside braces: '~'",
    "foo{a=b}": '1:7: parse error: unexpected identifier "b" in label matching, expected string',
    "x{a=\"}\",b=}": '1:11: parse error: unexpected "}" in label matching, expected string',
    "x !== 1": '1:5: parse error: unexpected "="', "x on(a) y": "1:3: parse error: unexpected <on>",
    "sum without": '1:12: parse error: unexpected end of input in grouping opts, expected "("',
    # attack45 X5: 12 neighbours the regex layer placed or named otherwise, and neighbours of those (fix46promql:
    # a parser keeping each token's position, syntax.py); each asked of promtool 2.42 (check rules)
    "clamp(up, up, 1)": "1:11: parse error: expected type scalar in call to function \"clamp\", got instant vector",
    "group_left": "1:1: parse error: unexpected <group_left>",
    "bool": "1:1: parse error: unexpected <bool>",
    "on": "1:1: parse error: unexpected <on>",
    "and up": "1:5: parse error: unexpected identifier \"up\"",
    "up ==== 1": "1:6: parse error: unexpected <op:==>",
    "up $ 1": "1:4: parse error: unexpected character: '$'",
    "up + on(a) group_left 1": "1:1: parse error: vector matching only allowed between instant vectors",
    "up{a}": "1:5: parse error: unexpected \"}\" in label matching, expected label matching operator",
    "sum by up": "1:8: parse error: unexpected identifier \"up\" in grouping opts, expected \"(\"",
    "avg_over_time(up[5m:1m:1m])": "1:23: parse error: unexpected colon ':'",
    "up @ \"a\"": "1:6: parse error: unexpected string \"\\\"a\\\"\" in @, expected timestamp",
    "sum(rate(x[5m] 1))": "1:16: parse error: unexpected number \"1\" in aggregation",
    "sum by (a) up": "1:12: parse error: unexpected identifier \"up\" in aggregation",
    "x > on(a) group_left [5m]": "1:22: parse error: unexpected \"[\" in grouping opts, expected \"(\"",
    "sum by (a:b) (x)": "1:9: parse error: unexpected metric identifier \"a:b\" in grouping opts, expected label",
    "x{a=~\"a**\"}": "1:3: parse error: error parsing regexp: invalid nested repetition operator: `**`",
    "x{a=~\"(?<n>a)\"}": "1:3: parse error: error parsing regexp: invalid or unsupported Perl syntax: `(?<`",
    "x[99999999999999999999y]": "1:3: parse error: duration out of range",
    "up @ start 1": "1:12: parse error: unexpected number \"1\" in @, expected timestamp",
    "sum(x) 1": "1:8: parse error: unexpected number \"1\"",
    "abs(up,,)": "1:7: parse error: trailing commas not allowed in function call args",
    "x[5m:1m 1]": "1:9: parse error: unexpected number \"1\" in subquery selector, expected \"]\"",
    "1e400": "1:1: parse error: error parsing number: strconv.ParseFloat: parsing \"1e400\": value out of range",
    "up @ -inf": "1:1: parse error: timestamp out of bounds for @ modifier: -Inf",
    "0x1.5": "1:1: parse error: error parsing number: strconv.ParseFloat: parsing \"0x1.5\": invalid syntax",
    "topk(1)": "1:1: parse error: wrong number of arguments for aggregate expression provided, expected 2, got 1",
    "up{a=\"b\" c=\"d\"}": "1:10: parse error: unexpected identifier \"c\" in label matching, expected \",\" or \"}\"",
    "up == bool on(a) group_left(a) up": "1:4: parse error: label \"a\" must not occur in ON and GROUP clause at once",
    "x offset 5m [5m]": "1:13: parse error: no offset modifiers allowed before range",
    "(up) @ 1":
        "1:1: parse error: @ modifier must be preceded by an instant vector selector or range vector"
        " selector or a subquery",
    "x[1d1y]": "1:3: parse error: bad duration syntax: \"1d1\"",
    "x[0s]": "1:3: parse error: duration must be greater than 0",
    "x !": "1:3: parse error: unexpected character after '!': '�'",
    "\"\\q\"": "1:1: parse error: unknown escape sequence U+0071 'q'",
    "x @ 1 @ 2": "1:1: parse error: @ <timestamp> may not be set multiple times",
    "x[5m] @": "1:8: parse error: unexpected end of input in @, expected timestamp",
    "{a=\"\"} or x": "1:1: parse error: vector selector must contain at least one non-empty matcher",
    "-{a=~\".*\"}": "1:2: parse error: vector selector must contain at least one non-empty matcher",
    # attack46 X6 and the other patterns RE2 takes and Go 1.19 refuses (fix46x8, each asked of promtool 2.42): \\C,
    # a script newer than Unicode 13, wherever it stands, the first refusal from the left; \\Q…\\E is literal
    "up{a=~\"\\\\C\"}": "1:4: parse error: error parsing regexp: invalid escape sequence: `\\C`",
    "up{a=~\"(?P<n>\\\\C)\"}": "1:4: parse error: error parsing regexp: invalid escape sequence: `\\C`",
    "up{a=~\"\\\\C{1001}\"}": "1:4: parse error: error parsing regexp: invalid escape sequence: `\\C`",
    "up{a=~\"x{1001}\\\\C\"}": "1:4: parse error: error parsing regexp: invalid repeat count: `{1001}`",
    "up{a=~\"\\\\C(?<n>a)\"}": "1:4: parse error: error parsing regexp: invalid escape sequence: `\\C`",
    "up{a=~\"\\\\p{Toto}\"}": "1:4: parse error: error parsing regexp: invalid character class range: `\\p{Toto}`",
    "up{a=~\"[^\\\\P{Kawi}a]\"}": "1:4: parse error: error parsing regexp: invalid character class range: "
                                 "`\\P{Kawi}`",
    "up{a=~\"\\\\p{^Vithkuqi}\"}": "1:4: parse error: error parsing regexp: invalid character class range: "
                                   "`\\p{^Vithkuqi}`",
}


def test_parse_errors_in_prometheus_words() -> None:
    """attack43 A4: a parse error was the drill's own ("invalid PromQL: syntax error after '1'"); it is Prometheus'."""
    for query, want in PARSE_ERRORS.items():
        with pytest.raises(PromQLError) as caught:
            parse(query)
        assert str(caught.value) == f"invalid PromQL: {want}", query
    for taken in ('up{a=~"\\\\Q(?<\\\\C\\\\p{Toto}\\\\E"}', 'up{a=~"[(?<]\\\\\\\\C"}', 'up{a=~"[[:alpha:]\\\\pC]"}'):
        parse(taken)                        # what promtool 2.42 takes as well: literal text, a class, an escaped \\


def test_a_regexp_past_re2s_memory_limit_is_said_as_warroom_s_limit_not_go_s() -> None:
    """attack47 Y11: ``\\p{L}{447}`` (RE2's program-size cap; Go's regexp, so promtool 2.42, takes it) was refused as
    "error parsing regexp: pattern too large - compile failed: ``", RE2's words with an empty quote, said as
    Prometheus'. It is warroom's limit, and says so; one repeat fewer is taken."""
    with pytest.raises(PromQLError) as caught:
        parse('up{a=~"\\\\p{L}{447}"}')
    assert "too large for warroom's regexp engine" in str(caught.value) and "``" not in str(caught.value)
    parse('up{a=~"\\\\p{L}{446}"}')
