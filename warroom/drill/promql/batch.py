"""Evaluating an expression at many times at once, for panes and their sparklines.

A pane asks the same query at 61 times every poll (its value and a 60-point sparkline). Done
point by point, each time re-selects series, rebuilds label sets and allocates a Sample per
series, and interpolates every counter on its own. ``evaluate_many`` walks the syntax tree once
for all the times: label work is done once, each node's value is a list of floats per series,
and counters are read from the integration together. The arithmetic on each float is exactly
the point-by-point evaluator's, so the numbers are identical (tests compare them bit for bit).
Where the *shape* of a result depends on the values (filtering comparisons, topk/bottomk,
sort), it falls back to evaluating point by point.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from warroom.drill.promql.catalog import Catalog
from warroom.drill.promql.functions import (
    SAMPLE_STEP, apply_op_many, histogram_quantile_many, math_func, range_value,
)
from warroom.drill.promql.instant import Evaluator
from warroom.drill.promql.labels import drop_name, group_key, match_key, one_to_one
from warroom.drill.promql.nodes import Agg, Binary, Call, Neg, Num, Selector
from warroom.drill.promql.parser import parse
from warroom.drill.promql.tokens import RANGE_FUNCS
from warroom.drill.promql.values import Column, Columns, Labels, PromQLError, Sample, Value


class _Pointwise(Exception):
    """The result's series depend on the values: evaluate this expression point by point."""


class Many:
    """A query's result at many times: a scalar per time, a fixed set of series with a value per
    time, or (``points``) one ordinary ``Value`` per time."""

    __slots__ = ("points", "scalar", "vector")

    def __init__(self, scalar: Column | None = None, vector: Columns | None = None,
                 points: list[Value] | None = None) -> None:
        self.scalar = scalar
        self.vector = vector
        self.points = points

    def at(self, j: int) -> Value:
        """The ordinary result at the ``j``-th time (what ``evaluate`` returns there)."""
        if self.points is not None:
            return self.points[j]
        if self.scalar is not None:
            return self.scalar[j]
        return [Sample(labels, col[j]) for labels, col in self.vector or ()]


_POINTWISE: set[str] = set()


def evaluate_many(catalog: Catalog, expr: str, times: list[float]) -> Many:
    """``evaluate(catalog, expr, t)`` for every ``t`` in ``times``; raises PromQLError likewise."""
    node = parse(expr)
    if expr not in _POINTWISE:
        try:
            scalar, value = _Batch(catalog, times).eval(node)
        except _Pointwise:
            _POINTWISE.add(expr)
        else:
            return Many(scalar=value) if scalar else Many(vector=value)  # type: ignore[arg-type]
    return Many(points=[Evaluator(catalog, t).eval(node) for t in times])


class _Batch:
    """``Evaluator`` over many times. Mirrors it node for node: same checks, same errors, same
    float operations; values are (True, column) for scalars, (False, [(labels, column)]) for
    vectors."""

    def __init__(self, catalog: Catalog, times: list[float]) -> None:
        self.catalog = catalog
        self.times = times
        self.n = len(times)
        self.memo: dict[tuple[str, float, float, int], Column] = {}

    def eval(self, node: object) -> tuple[bool, Column | Columns]:
        if isinstance(node, Num):
            return True, [node.value] * self.n
        if isinstance(node, Neg):
            scalar, v = self.eval(node.expr)
            if scalar:
                return True, [-x for x in v]  # type: ignore[operator]
            return False, [(drop_name(lab), [-x for x in col]) for lab, col in v]  # type: ignore[misc]
        if isinstance(node, Selector):
            if node.window is not None:
                raise PromQLError("a range vector (selector[window]) can only be passed to a range function "
                                  "such as rate()")
            series = self.catalog.select(node)
            cols = self.catalog.values(series, [t - node.offset for t in self.times])
            return False, [(ms.labels, col) for ms, col in zip(series, cols, strict=True)]
        if isinstance(node, Call):
            return self.call(node)
        if isinstance(node, Agg):
            return False, self.aggregate(node)
        if isinstance(node, Binary):
            return self.binary(node)
        raise PromQLError(f"cannot evaluate {node!r}")

    def vector(self, node: object, message: str) -> Columns:
        scalar, v = self.eval(node)
        if scalar:
            raise PromQLError(message)
        return v  # type: ignore[return-value]

    def call(self, node: Call) -> tuple[bool, Column | Columns]:
        f = node.func
        args = node.args
        times = self.times
        unix = self.catalog.unix
        if f in RANGE_FUNCS:
            if len(args) != 1:
                raise PromQLError(f"{f}() takes exactly one argument")
            sel = args[0]
            if not isinstance(sel, Selector) or sel.window is None:
                raise PromQLError(f"{f}() expects a range vector such as metric[5m]")
            series = self.catalog.select(sel)
            window = sel.window
            ts = [t - sel.offset for t in times]
            labels = [drop_name(ms.labels) for ms in series]
            if f in ("rate", "increase", "delta", "deriv", "irate"):
                span = min(SAMPLE_STEP, window) if f == "irate" else window
                # the same series over the same window often appear twice (5xx / all requests)
                memo = self.memo
                keys = [(f, span, sel.offset, id(ms)) for ms in series]
                todo = [ms for ms, key in zip(series, keys, strict=True) if key not in memo]
                if todo:
                    n = len(ts)
                    both = self.catalog.values(todo, ts + [t - span for t in ts])
                    for ms, col in zip(todo, both, strict=True):
                        pairs = zip(col[:n], col[n:], strict=True)
                        memo[(f, span, sel.offset, id(ms))] = (
                            [(x - y) / span for x, y in pairs] if f in ("rate", "deriv", "irate")
                            else [x - y for x, y in pairs])
                return False, [(lab, memo[key]) for lab, key in zip(labels, keys, strict=True)]
            return False, [(lab, [float(range_value(f, ms.get, t, window)) for t in ts])
                           for lab, ms in zip(labels, series, strict=True)]
        if f == "time":
            return True, [float(unix(t)) for t in times]
        if f == "vector":
            scalar, v = self.eval(args[0])
            if not scalar:
                raise PromQLError("vector() expects a scalar")
            return False, [((), v)]  # type: ignore[list-item]
        if f == "scalar":
            scalar, v = self.eval(args[0])
            if scalar:
                return True, v
            return True, (v[0][1] if len(v) == 1 else [math.nan] * self.n)  # type: ignore[index, return-value]
        if f == "histogram_quantile":
            if len(args) != 2:
                raise PromQLError("histogram_quantile() takes (quantile, buckets)")
            q_scalar, q = self.eval(args[0])
            v_scalar, v = self.eval(args[1])
            if not q_scalar or v_scalar:
                raise PromQLError("histogram_quantile() takes a scalar quantile and a vector of buckets")
            return False, histogram_quantile_many(q, v, self.n)  # type: ignore[arg-type]
        if f == "timestamp":
            v = self.vector(args[0], "timestamp() expects a vector")
            stamps = [float(unix(t)) for t in times]
            return False, [(drop_name(lab), list(stamps)) for lab, _ in v]
        if not args:
            raise PromQLError(f"{f}() expects an instant vector")
        v = self.vector(args[0], f"{f}() expects an instant vector")
        if f in ("sort", "sort_desc"):
            raise _Pointwise
        extra = [self.eval(a) for a in args[1:]]
        if any(not scalar for scalar, _ in extra):
            raise PromQLError(f"{f}() expects scalar parameters")
        cols = [col for _, col in extra]
        fns: dict[tuple[float, ...], Callable[[float], float]] = {}
        per_time = []
        for j in range(self.n):
            params = tuple(float(c[j]) for c in cols)  # type: ignore[arg-type]
            fn = fns.get(params)
            if fn is None:
                fn = fns[params] = math_func(f, list(params))
            per_time.append(fn)
        return False, [(drop_name(lab), [fn(x) for fn, x in zip(per_time, col, strict=True)]) for lab, col in v]

    def aggregate(self, node: Agg) -> Columns:
        v = self.vector(node.expr, f"{node.op}() expects an instant vector")
        groups: dict[Labels, list[Column]] = {}
        for lab, col in v:
            groups.setdefault(group_key(lab, node.by, node.without), []).append(col)
        if node.op in ("topk", "bottomk"):
            raise _Pointwise
        out: Columns = []
        fsum = math.fsum
        for key, members in groups.items():
            if len(members) == 1 and node.op != "count":
                # fsum of one value is the value (and -0.0 becomes 0.0: so does x + 0.0); min, max
                # and avg of one value are the value
                col = members[0]
                out.append((key, [x + 0.0 for x in col] if node.op in ("sum", "avg") else list(col)))
                continue
            rows = list(zip(*members, strict=True))
            if node.op == "sum":
                agg = [fsum(r) for r in rows]
            elif node.op == "min":
                agg = [min(r) for r in rows]
            elif node.op == "max":
                agg = [max(r) for r in rows]
            elif node.op == "avg":
                agg = [fsum(r) / len(r) for r in rows]
            else:
                agg = [float(len(members))] * self.n
            out.append((key, agg))
        return out

    def binary(self, node: Binary) -> tuple[bool, Column | Columns]:
        l_scalar, left = self.eval(node.left)
        r_scalar, right = self.eval(node.right)
        op = node.op
        if op in ("and", "or", "unless"):
            if l_scalar or r_scalar:
                raise PromQLError(f"'{op}' needs vectors on both sides")
            key = match_key
            rkeys = {key(lab, node) for lab, _ in right}  # type: ignore[misc]
            if op == "and":
                return False, [s for s in left if key(s[0], node) in rkeys]  # type: ignore[index, union-attr]
            if op == "unless":
                return False, [s for s in left if key(s[0], node) not in rkeys]  # type: ignore[index, union-attr]
            lkeys = {key(lab, node) for lab, _ in left}  # type: ignore[misc]
            return False, left + [s for s in right if key(s[0], node) not in lkeys]  # type: ignore[index, operator, union-attr]
        comparison = op in ("==", "!=", "<=", "<", ">=", ">")
        if l_scalar and r_scalar:
            if comparison and not node.bool_mode:
                raise PromQLError("comparisons between scalars need the bool modifier")
            return True, apply_op_many(op, left, right)  # type: ignore[arg-type]
        if comparison and not node.bool_mode:
            raise _Pointwise
        if l_scalar or r_scalar:
            scalar: Column = left if l_scalar else right  # type: ignore[assignment]
            vec: Columns = right if l_scalar else left  # type: ignore[assignment]
            if l_scalar:
                return False, [(drop_name(lab), apply_op_many(op, scalar, col)) for lab, col in vec]
            return False, [(drop_name(lab), apply_op_many(op, col, scalar)) for lab, col in vec]
        out: Columns = [(key if node.on is not None else drop_name(lab), apply_op_many(op, col, other))
                        for key, lab, col, other in one_to_one(left, right, node)]  # type: ignore[arg-type]
        return False, out
