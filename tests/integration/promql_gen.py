"""A generator of PromQL over the drill's supported grammar, for the generated differential test.

Each expression is built typed (an instant vector, a scalar, a range vector) so the parser accepts
it, from the drill's metric names and label values plus the test's own series (NaN, ±Inf, a
counter that resets), and every construct the evaluator claims: selectors with each matcher, offsets
and ``@``, range functions over windows shorter and longer than the scrape, subqueries, the maths,
every aggregation with ``by``/``without``, arithmetic, comparisons (``bool``), set operators and
``on``/``ignoring``/``group_left``/``group_right``. The same seed gives the same queries.
"""

from __future__ import annotations

import random

# name -> {label: values}: the drill's metrics (a subset of labels suffices) and the test's own series
METRICS: dict[str, dict[str, list[str]]] = {
    "flowengine_flow_executions_total": {"repo": ["checkout-api", "nope", "billing"]},
    "flowengine_flow_failures_total": {"repo": ["checkout-api", "nope"]},
    "flowengine_model_api_requests_total": {"provider": ["openai", "anthropic"], "code": ["200", "429", "500"]},
    "flowengine_flow_duration_seconds_bucket": {"le": ["10.0", "+Inf", "1.0"]},
    "flowengine_flow_duration_seconds_count": {},
    "flowengine_model_quota_used_ratio": {"provider": ["openai", "anthropic", "nope"]},
    "flowengine_audit_log_last_event_timestamp_seconds": {},
    "warroom_test_odd": {"kind": ["nan", "inf", "neginf", "mixed"]},
    "warroom_test_resets_total": {"kind": ["saw", "drop"]},
}
WINDOWS = ["5s", "10s", "15s", "16s", "30s", "45s", "1m", "2m", "5m", "10m", "30m"]
OFFSETS = ["", "", "", " offset 1m", " offset 5m", " offset -1m", " offset 37s", " @ end()", " @ start()",
           " @ start() offset -2m"]
NUMBERS = ["0", "1", "2", "0.5", "-1", "100", "1e-3", "NaN", "Inf", "-Inf", "3.7"]
RANGE = ["rate", "increase", "delta", "irate", "idelta", "deriv", "changes", "resets", "avg_over_time",
         "sum_over_time", "min_over_time", "max_over_time", "count_over_time", "last_over_time",
         "stddev_over_time", "stdvar_over_time", "present_over_time"]
MATH = ["abs", "ceil", "floor", "exp", "ln", "log2", "log10", "sqrt", "sgn", "timestamp"]
AGGS = ["sum", "avg", "min", "max", "count", "stddev", "stdvar", "group"]
ARITH = ["+", "-", "*", "/", "%", "^", "atan2"]
COMPARE = ["==", "!=", "<", "<=", ">", ">="]
DATES = ["minute", "hour", "day_of_month", "day_of_week", "day_of_year", "days_in_month", "month", "year"]
LABELS = ["repo", "provider", "code", "le", "kind", "nothere"]


class Gen:
    """Random well-typed PromQL, deeper with ``depth``."""

    def __init__(self, seed: int) -> None:
        self.r = random.Random(seed)

    def pick(self, xs: list[str]) -> str:
        return self.r.choice(xs)

    def selector(self) -> str:
        name = self.pick(list(METRICS))
        labels = METRICS[name]
        matchers = []
        for lab, values in labels.items():
            if self.r.random() < 0.3:
                op = self.pick(["=", "!=", "=~", "!~"])
                value = self.pick(values) if op in ("=", "!=") else self.pick([values[0], values[0][:3] + ".*", ""])
                matchers.append(f'{lab}{op}"{value}"')
        return name + ("{" + ",".join(matchers) + "}" if matchers else "")

    def grouping(self) -> str:
        if self.r.random() < 0.4:
            return ""
        labs = self.r.sample(LABELS, self.r.randint(0, 2))
        return f" {self.pick(['by', 'without'])} ({', '.join(labs)})"

    def scalar(self, depth: int, ordered: bool = False) -> str:
        roll = self.r.random()
        if depth <= 0 or roll < 0.5:
            return self.pick(NUMBERS)
        if roll < 0.7:
            return f"scalar({self.vector(depth - 1, ordered)})"
        if roll < 0.8:
            return "time()"
        return f"({self.scalar(depth - 1, ordered)} {self.pick(ARITH[:5])} {self.scalar(depth - 1, ordered)})"

    def range_arg(self, depth: int, ordered: bool = False) -> str:
        if depth > 0 and self.r.random() < 0.25:
            step = self.pick(["", "15s", "30s", "1m", "7s"])
            return f"{self.vector(depth - 1, ordered)}[{self.pick(['1m', '5m', '10m'])}:{step}]{self.pick(OFFSETS)}"
        return f"{self.selector()}[{self.pick(WINDOWS)}]{self.pick(OFFSETS)}"

    def vector(self, depth: int, ordered: bool = False) -> str:
        """An instant vector; ``ordered``: under topk/bottomk, whose ties follow the input's order,
        nothing that orders its output by a Go map (count_values: random in Prometheus itself)."""
        roll = self.r.random()
        if depth <= 0 or roll < 0.15:
            return self.selector() + self.pick(OFFSETS)
        d = depth - 1
        if roll < 0.35:
            f = self.pick(RANGE + ["predict_linear", "quantile_over_time"])
            if f == "predict_linear":
                return f"predict_linear({self.range_arg(d, ordered)}, {self.pick(['60', '0', '-30'])})"
            if f == "quantile_over_time":
                return f"quantile_over_time({self.pick(['0.5', '0.9', '0', '1'])}, {self.range_arg(d, ordered)})"
            return f"{f}({self.range_arg(d, ordered)})"
        if roll < 0.45:
            f = self.pick(MATH + ["round", "clamp", "clamp_min", "clamp_max"])
            extra = {"round": [", 0.1", ", 3", ""], "clamp": [", 0, 1", ", 1, 0"], "clamp_min": [", 0.5"],
                     "clamp_max": [", 0.5"]}.get(f, [""])
            return f"{f}({self.vector(d, ordered)}{self.pick(extra)})"
        if roll < 0.6:
            op = self.pick(AGGS + ["topk", "bottomk", "quantile"] + ([] if ordered else ["count_values"]))
            param = {"topk": "2, ", "bottomk": "1, ", "quantile": f"{self.pick(['0.5', '0.9', '0'])}, "}.get(op, "")
            if op == "count_values":        # its label is the value's text: exact only for exact values
                return f'count_values{self.grouping()} ("v", round({self.vector(d, ordered)}, 0.5))'
            return f"{op}{self.grouping()} ({param}{self.vector(d, ordered or op in ('topk', 'bottomk'))})"
        if roll < 0.8:
            ops = ARITH + COMPARE + [f"{c} bool" for c in COMPARE]
            op = self.pick(ops)
            if self.r.random() < 0.3:
                side = self.scalar(d, ordered)
                vec = self.vector(d, ordered)
                return f"({side} {op} {vec})" if self.r.random() < 0.5 else f"({vec} {op} {side})"
            match = ""
            if self.r.random() < 0.5:
                labs = ", ".join(self.r.sample(LABELS, self.r.randint(0, 2)))
                match = f" {self.pick(['on', 'ignoring'])}({labs})"
                if self.r.random() < 0.4:
                    match += f" {self.pick(['group_left', 'group_right'])}" + self.pick(["()", "(code)", "(repo)"])
            return f"({self.vector(d, ordered)} {op}{match} {self.vector(d, ordered)})"
        if roll < 0.88:
            op = self.pick(["and", "or", "unless"])
            match = self.pick(["", "", " on(provider)", " ignoring(code)", " on()"])
            return f"({self.vector(d, ordered)} {op}{match} {self.vector(d, ordered)})"
        if roll < 0.94:
            buckets = self.pick(["flowengine_flow_duration_seconds_bucket", 'flowengine_flow_duration_seconds_bucket'
                                 '{le!="+Inf"}', 'flowengine_flow_duration_seconds_bucket{le=~"1.*|\\\\+Inf"}'])
            inner = self.pick([f"rate({buckets}[{self.pick(WINDOWS)}])", buckets, f"increase({buckets}[5m] offset 1m)"])
            return f"histogram_quantile({self.pick(['0.5', '0.99', '0', '1', '-1', '2', 'NaN'])}, " \
                   f"{self.pick(['sum by (le) ', 'max by (le) ', ''])}({inner}))"
        if roll < 0.965:
            return f'label_replace({self.vector(d, ordered)}, "x", "$1", "{self.pick(LABELS)}", "(.*)")'
        if roll < 0.975:
            return f"absent({self.vector(d, ordered)})"
        if roll < 0.98:
            return f"absent_over_time({self.range_arg(d, ordered)})"
        if roll < 0.985:
            return f'label_join({self.vector(d, ordered)}, "x", "-", "{self.pick(LABELS)}", "{self.pick(LABELS)}")'
        if roll < 0.99:
            return f"{self.pick(DATES)}({self.vector(d, ordered)})"
        if roll < 0.995:
            return f"timestamp({self.selector()}{self.pick(OFFSETS)})"
        return f"vector({self.scalar(d, ordered)})"
