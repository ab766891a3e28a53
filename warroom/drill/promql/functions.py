"""The arithmetic of PromQL: range functions, operators, maths functions, histogram quantiles.

Both evaluators call these same functions on every float, which is why the batched results are
identical to the point-by-point ones (the tests compare them bit for bit).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable

from warroom.drill.promql.labels import split_le
from warroom.drill.promql.values import Column, Columns, Getter, Labels, PromQLError, Sample, Vector
from warroom.drill.quantile import bucket_quantile, sorted_bucket_quantile

SAMPLE_STEP = 15.0          # the scrape interval the *_over_time and irate functions assume


def range_value(func: str, get: Getter, t: float, window: float) -> float:
    if func in ("rate", "increase", "delta", "deriv"):
        diff = get(t) - get(t - window)
        return diff / window if func in ("rate", "deriv") else diff
    if func == "irate":
        step = min(SAMPLE_STEP, window)
        return (get(t) - get(t - step)) / step
    n = max(1, int(window // SAMPLE_STEP))
    values = [get(t - window + (i + 1) * window / n) for i in range(n)]
    if func == "avg_over_time":
        return math.fsum(values) / len(values)
    if func == "max_over_time":
        return max(values)
    if func == "min_over_time":
        return min(values)
    if func == "sum_over_time":
        return math.fsum(values)
    if func == "count_over_time":
        return float(len(values))
    return values[-1]


def apply_op(op: str, a: float, b: float) -> float:
    try:
        if op == "+":
            return a + b
        if op == "-":
            return a - b
        if op == "*":
            return a * b
        if op == "/":
            if b == 0:
                return math.nan if a == 0 or math.isnan(a) else math.copysign(math.inf, a)
            return a / b
        if op == "%":
            return math.nan if b == 0 else math.fmod(a, b)
        if op == "^":
            return math.pow(a, b)
        if op == "atan2":
            return math.atan2(a, b)
    except (OverflowError, ValueError):
        return math.nan
    result = {"==": a == b, "!=": a != b, "<=": a <= b, "<": a < b, ">=": a >= b, ">": a > b}[op]
    return 1.0 if result else 0.0


def apply_op_many(op: str, xs: Column, ys: Column) -> Column:
    """``[apply_op(op, x, y) ...]`` with the common operators inlined (same results)."""
    try:
        if op == "+":
            return [a + b for a, b in zip(xs, ys, strict=True)]
        if op == "-":
            return [a - b for a, b in zip(xs, ys, strict=True)]
        if op == "*":
            return [a * b for a, b in zip(xs, ys, strict=True)]
        if op == "/":
            return [a / b if b != 0 else apply_op(op, a, b) for a, b in zip(xs, ys, strict=True)]
    except (OverflowError, ValueError):
        pass
    return [apply_op(op, a, b) for a, b in zip(xs, ys, strict=True)]


def math_func(name: str, params: list[float]) -> Callable[[float], float]:
    def guard(fn: Callable[[float], float]) -> Callable[[float], float]:
        def inner(x: float) -> float:
            try:
                return fn(x)
            except (ValueError, OverflowError):
                return math.nan
        return inner

    if name == "abs":
        return abs
    if name == "ceil":
        return guard(lambda x: float(math.ceil(x)))
    if name == "floor":
        return guard(lambda x: float(math.floor(x)))
    if name == "round":
        to = params[0] if params else 1.0
        return guard(lambda x: math.floor(x / to + 0.5) * to)
    if name == "sqrt":
        return guard(math.sqrt)
    if name == "exp":
        return guard(math.exp)
    if name == "ln":
        return guard(math.log)
    if name == "log10":
        return guard(math.log10)
    if name == "clamp_min":
        return lambda x: max(x, params[0])
    if name == "clamp_max":
        return lambda x: min(x, params[0])
    if name == "clamp":
        return lambda x: min(max(x, params[0]), params[1])
    raise PromQLError(f"function {name!r} is not supported in drills")


def histogram_quantile(q: float, v: Vector) -> Vector:
    groups: dict[Labels, list[tuple[float, float]]] = {}
    for s in v:
        bucket = split_le(s.labels)
        if bucket is not None:
            groups.setdefault(bucket[0], []).append((bucket[1], s.value))
    out = []
    for key, buckets in groups.items():
        value = bucket_quantile(q, buckets)
        out.append(Sample(key, math.nan if value is None else value))
    return out


def histogram_quantile_many(q: Column, v: Columns, n: int) -> Columns:
    groups: dict[Labels, list[tuple[float, Column]]] = {}
    for lab, col in v:
        bucket = split_le(lab)
        if bucket is not None:
            groups.setdefault(bucket[0], []).append((bucket[1], col))
    out: Columns = []
    for key, buckets in groups.items():
        bounds = sorted(b for b, _ in buckets)
        if len(set(bounds)) == len(bounds) and not any(math.isnan(b) for b in bounds):
            # distinct bounds: bucket_quantile's sort is by bound alone, so do it once
            cols = [col for _, col in sorted(buckets, key=lambda bc: bc[0])]
            quantile = functools.partial(sorted_bucket_quantile, bounds=bounds)
            values = [quantile(q[j], [col[j] for col in cols]) for j in range(n)]
        else:
            values = [bucket_quantile(q[j], [(bound, col[j]) for bound, col in buckets]) for j in range(n)]
        out.append((key, [math.nan if v is None else v for v in values]))
    return out
