"""Evaluating an expression at one time: the reference semantics.

The batched evaluator (``batch``) must give the very same numbers and falls back to this one where
a result's shape depends on its values.
"""

from __future__ import annotations

import math

from warroom.drill.promql.catalog import Catalog, MetricSeries
from warroom.drill.promql.functions import apply_op, histogram_quantile, math_func, range_value
from warroom.drill.promql.labels import drop_name, group_key, match_key, one_to_one
from warroom.drill.promql.nodes import Agg, Binary, Call, Neg, Num, Selector
from warroom.drill.promql.parser import parse
from warroom.drill.promql.tokens import RANGE_FUNCS
from warroom.drill.promql.values import Labels, PromQLError, Sample, Value, Vector


class Evaluator:
    """Walks a syntax tree at scenario time ``t``; every node's value is a float or a vector."""

    def __init__(self, catalog: Catalog, t: float) -> None:
        self.catalog = catalog
        self.t = t

    def eval(self, node: object) -> Value:
        if isinstance(node, Num):
            return node.value
        if isinstance(node, Neg):
            v = self.eval(node.expr)
            if isinstance(v, float):
                return -v
            return [Sample(drop_name(s.labels), -s.value) for s in v]
        if isinstance(node, Selector):
            if node.window is not None:
                raise PromQLError("a range vector (selector[window]) can only be passed to a range function "
                                  "such as rate()")
            return [Sample(ms.labels, float(ms.get(self.t - node.offset))) for ms in self.select(node)]
        if isinstance(node, Call):
            return self.call(node)
        if isinstance(node, Agg):
            return self.aggregate(node)
        if isinstance(node, Binary):
            return self.binary(node)
        raise PromQLError(f"cannot evaluate {node!r}")

    def select(self, sel: Selector) -> list[MetricSeries]:
        return self.catalog.select(sel)

    def range_arg(self, node: object, func: str) -> tuple[list[MetricSeries], float, float]:
        if not isinstance(node, Selector) or node.window is None:
            raise PromQLError(f"{func}() expects a range vector such as metric[5m]")
        return self.select(node), node.window, node.offset

    def call(self, node: Call) -> Value:
        f = node.func
        args = node.args
        if f in RANGE_FUNCS:
            if len(args) != 1:
                raise PromQLError(f"{f}() takes exactly one argument")
            series, window, offset = self.range_arg(args[0], f)
            t = self.t - offset
            out = []
            for ms in series:
                out.append(Sample(drop_name(ms.labels), float(range_value(f, ms.get, t, window))))
            return out
        if f == "time":
            return float(self.catalog.unix(self.t))
        if f == "vector":
            v = self.eval(args[0])
            if not isinstance(v, float):
                raise PromQLError("vector() expects a scalar")
            return [Sample((), v)]
        if f == "scalar":
            v = self.eval(args[0])
            if isinstance(v, float):
                return v
            return v[0].value if len(v) == 1 else math.nan
        if f == "histogram_quantile":
            if len(args) != 2:
                raise PromQLError("histogram_quantile() takes (quantile, buckets)")
            q = self.eval(args[0])
            v = self.eval(args[1])
            if not isinstance(q, float) or isinstance(v, float):
                raise PromQLError("histogram_quantile() takes a scalar quantile and a vector of buckets")
            return histogram_quantile(q, v)
        if f == "timestamp":
            v = self.eval(args[0])
            if isinstance(v, float):
                raise PromQLError("timestamp() expects a vector")
            return [Sample(drop_name(s.labels), float(self.catalog.unix(self.t))) for s in v]
        v = self.eval(args[0]) if args else math.nan
        if isinstance(v, float):
            raise PromQLError(f"{f}() expects an instant vector")
        if f in ("sort", "sort_desc"):
            return sorted(v, key=lambda s: s.value, reverse=f == "sort_desc")
        extra = [self.eval(a) for a in args[1:]]
        if any(not isinstance(e, float) for e in extra):
            raise PromQLError(f"{f}() expects scalar parameters")
        fn = math_func(f, [float(e) for e in extra])  # type: ignore[arg-type]
        return [Sample(drop_name(s.labels), fn(s.value)) for s in v]

    def aggregate(self, node: Agg) -> Vector:
        v = self.eval(node.expr)
        if isinstance(v, float):
            raise PromQLError(f"{node.op}() expects an instant vector")
        groups: dict[Labels, list[Sample]] = {}
        for s in v:
            groups.setdefault(group_key(s.labels, node.by, node.without), []).append(s)
        if node.op in ("topk", "bottomk"):
            k = self.eval(node.param)
            if not isinstance(k, float):
                raise PromQLError(f"{node.op}() expects a scalar k")
            out: Vector = []
            for members in groups.values():
                ranked = sorted(members, key=lambda s: s.value, reverse=node.op == "topk")
                out.extend(ranked[: max(0, int(k))])
            return out
        result = []
        for key, members in groups.items():
            values = [s.value for s in members]
            if node.op == "sum":
                agg = math.fsum(values)
            elif node.op == "min":
                agg = min(values)
            elif node.op == "max":
                agg = max(values)
            elif node.op == "avg":
                agg = math.fsum(values) / len(values)
            else:
                agg = float(len(values))
            result.append(Sample(key, agg))
        return result

    def binary(self, node: Binary) -> Value:
        left = self.eval(node.left)
        right = self.eval(node.right)
        op = node.op
        if op in ("and", "or", "unless"):
            if isinstance(left, float) or isinstance(right, float):
                raise PromQLError(f"'{op}' needs vectors on both sides")
            rkeys = {match_key(s.labels, node) for s in right}
            if op == "and":
                return [s for s in left if match_key(s.labels, node) in rkeys]
            if op == "unless":
                return [s for s in left if match_key(s.labels, node) not in rkeys]
            lkeys = {match_key(s.labels, node) for s in left}
            return left + [s for s in right if match_key(s.labels, node) not in lkeys]
        comparison = op in ("==", "!=", "<=", "<", ">=", ">")
        if isinstance(left, float) and isinstance(right, float):
            if comparison and not node.bool_mode:
                raise PromQLError("comparisons between scalars need the bool modifier")
            return apply_op(op, left, right)
        if isinstance(left, float) or isinstance(right, float):
            vec: Vector = right if isinstance(left, float) else left  # type: ignore[assignment]
            scalar = left if isinstance(left, float) else right
            out = []
            for s in vec:
                a, b = (scalar, s.value) if isinstance(left, float) else (s.value, scalar)
                r = apply_op(op, a, b)  # type: ignore[arg-type]
                if comparison and not node.bool_mode:
                    if r:
                        out.append(s)
                else:
                    out.append(Sample(drop_name(s.labels), r))
            return out
        out = []
        for key, labels, a, b in one_to_one(left, right, node):
            r = apply_op(op, a, b)
            if comparison and not node.bool_mode:
                if r:
                    out.append(Sample(labels, a))
            else:
                out.append(Sample(key if node.on is not None else drop_name(labels), r))
        return out


def evaluate(catalog: Catalog, expr: str, t: float) -> Value:
    """Evaluate ``expr`` at scenario time ``t``; raises PromQLError for what it cannot do."""
    return Evaluator(catalog, t).eval(parse(expr))
