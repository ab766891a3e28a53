"""The drill's one PromQL evaluator: any expression at one time or at many, as Prometheus answers it.

The drill world is continuous, but Prometheus only ever sees it through scrapes. To answer as a
real Prometheus scraping the drill would, this evaluator looks at the world the same way: samples
every ``SCRAPE`` scenario seconds on a fixed grid (the grid the OpenMetrics backfill
uses), instant selectors take the newest sample at or before the evaluation time (within the
5-minute lookback), and range selectors take the samples in ``[t - window, t]`` (both ends
included, Prometheus 2.x). On those samples the functions do what Prometheus does:
``rate``/``increase``/``delta`` extrapolate like ``extrapolatedRate``, ``irate`` uses the last two
samples, ``deriv`` is a least-squares slope, ``*_over_time`` fold the samples, ``min``/``max``
skip NaN unless every input is NaN, one-to-one matching with ``ignoring`` drops the ignored labels.
A differential test against a real Prometheus holds it to that
(``tests/integration/test_promql_differential.py``).

Many times at once is the normal case (a pane asks for its value and a 60-point sparkline each
poll), so every node's value is a column per series: ``None`` where the series has no value at
that time (a comparison filtered it, a window held fewer than two samples). Label work is done
once per node, not once per time. Anything outside the supported subset raises ``PromQLError``
naming it — never a wrong number.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Sequence
from typing import NamedTuple

from warroom.drill.promql.catalog import Catalog, MetricSeries
from warroom.drill.promql.syntax import (RANGE_FUNCS, Agg, Binary, Call, Labels, Neg, Num, PromQLError, Sample,
                                         Selector, Value, parse)
from warroom.drill.quantile import bucket_quantile

SCRAPE = 15.0          # scenario seconds between the samples a Prometheus scraping the drill would hold
_MAX_POINTS = 200_000  # samples one range selector may read (a [30d] window is refused, not computed)

Cell = float | None
Col = list[Cell]
Vec = list[tuple[Labels, Col]]


class Scalar(list[float]):
    """A scalar's value at every time (a type of its own: an empty vector is not a scalar)."""


_FIRST_LAST = {"rate", "increase", "delta", "irate", "idelta"}   # need only a window's ends


class Many(NamedTuple):
    """A query's result at many times. ``scalar``: one float per time; ``vector``: series with a
    value (or ``None``: absent) per time; ``order`` sorts each time's samples (``sort``)."""

    scalar: list[float] | None = None
    vector: Vec | None = None
    order: str | None = None

    def at(self, j: int) -> Value:
        """The ordinary result at the ``j``-th time: a float, or the samples present then."""
        if self.scalar is not None:
            return self.scalar[j]
        out = [Sample(labels, v) for labels, col in self.vector or () if (v := col[j]) is not None]
        if self.order is not None:
            out.sort(key=lambda s: (math.isnan(s.value), s.value), reverse=self.order == "sort_desc")
        return out


NAN_NOTE = "result is NaN (nothing happened in the window)"


def shown(result: Value) -> tuple[float | None, str | None]:
    """The single number a pane shows for a result, with a note when it had to choose: the
    highest of several series, nothing for NaN or an empty vector."""
    if isinstance(result, float):
        return (None, "result is NaN") if math.isnan(result) else (result, None)
    values = [s.value for s in result if not math.isnan(s.value)]
    if not result:
        return None, None
    if not values:
        return None, NAN_NOTE
    if len(result) == 1:
        return values[0], None
    return max(values), f"{len(result)} series returned; showing the highest"


def evaluate_many(catalog: Catalog, expr: str, times: Sequence[float]) -> Many:
    """``expr`` at every scenario time in ``times``; raises ``PromQLError``."""
    node = parse(expr)
    ev = _Eval(catalog, list(times))
    value = ev.eval(node)
    order = node.func if isinstance(node, Call) and node.func in ("sort", "sort_desc") else None
    return Many(scalar=value) if ev.is_scalar(value) else Many(vector=value, order=order)  # type: ignore[arg-type]


def evaluate(catalog: Catalog, expr: str, t: float) -> Value:
    """``expr`` at scenario time ``t``: a float or a list of samples; raises ``PromQLError``."""
    return evaluate_many(catalog, expr, [t]).at(0)


# ------------------------------------------------------------------------------------ labels


def drop_name(labels: Labels) -> Labels:
    """Labels without ``__name__``: what any function or arithmetic leaves of a series' labels."""
    return tuple(kv for kv in labels if kv[0] != "__name__")


def kept(labels: Labels, only: tuple[str, ...] | None, drop: tuple[str, ...] | None, *,
         name: bool = False) -> Labels:
    """A label set narrowed as PromQL narrows it: only the ``only`` labels (``on``, ``by``), or all
    but ``drop`` (``ignoring``, ``without``); the metric name kept only when ``name``."""
    return tuple(sorted((k, v) for k, v in labels if (name or k != "__name__")
                        and (only is None or k in only) and (drop is None or k not in drop)))


def match_key(labels: Labels, node: Binary) -> Labels:
    """The labels a binary operator matches series on."""
    return kept(labels, node.on, node.ignoring)


def group_key(labels: Labels, by: tuple[str, ...] | None, without: tuple[str, ...] | None) -> Labels:
    """The group an aggregation puts a series in: its ``by`` labels, or all but ``without``, or one group."""
    return () if by is None and without is None else kept(labels, by, without)


# ------------------------------------------------------------------------------------ samples


def _grid_index(t: float) -> int:
    """The index of the newest scrape at or before ``t``."""
    return math.floor(t / SCRAPE + 1e-9)


def extrapolated(first: tuple[float, float], last: tuple[float, float], count: int, change: float,
                 start: float, end: float, *, counter: bool, rate: bool) -> float | None:
    """Prometheus' ``extrapolatedRate`` (rate, increase, delta) from the first and last of the
    ``count`` samples in ``[start, end]``; ``change`` is last - first plus any counter resets."""
    if count < 2:
        return None
    (first_t, first_v), (last_t, _) = first, last
    result = change
    sampled = last_t - first_t
    avg_step = sampled / (count - 1)
    to_start = first_t - start
    to_end = end - last_t
    if counter and result > 0 and first_v >= 0:
        to_zero = sampled * (first_v / result)
        to_start = min(to_start, to_zero)
    threshold = avg_step * 1.1
    interval = sampled
    interval += to_start if to_start < threshold else avg_step / 2
    interval += to_end if to_end < threshold else avg_step / 2
    result *= interval / sampled
    return result / (end - start) if rate else result


def slope(samples: list[tuple[float, float]], at: float) -> float | None:
    """Prometheus' ``deriv``: the least-squares slope, per second, of the samples."""
    if len(samples) < 2:
        return None
    ys = [v for _, v in samples]
    if all(v == ys[0] for v in ys):
        return math.nan if math.isinf(ys[0]) else 0.0
    n = float(len(samples))
    xs = [t - at for t, _ in samples]
    sx, sy = math.fsum(xs), math.fsum(ys)
    sxy = math.fsum(x * y for x, y in zip(xs, ys, strict=True))
    sxx = math.fsum(x * x for x in xs)
    return (sxy - sx * sy / n) / (sxx - sx * sx / n)


def _nan_fold(better: Callable[[float, float], bool]) -> Callable[[list[float]], float]:
    """``min``/``max`` as Prometheus folds them: NaN only when every value is NaN."""
    def fold(values: list[float]) -> float:
        best = values[0]
        for v in values[1:]:
            if better(v, best) or math.isnan(best):
                best = v
        return best
    return fold


_nan_min, _nan_max = _nan_fold(operator.lt), _nan_fold(operator.gt)


def _stdvar(values: list[float]) -> float:
    mean = math.fsum(values) / len(values)
    return math.fsum((v - mean) ** 2 for v in values) / len(values)


OVER_TIME: dict[str, Callable[[list[float]], float]] = {
    "avg_over_time": lambda vs: math.fsum(vs) / len(vs),
    "sum_over_time": math.fsum,
    "min_over_time": _nan_min,
    "max_over_time": _nan_max,
    "count_over_time": lambda vs: float(len(vs)),
    "last_over_time": lambda vs: vs[-1],
    "stdvar_over_time": _stdvar,
    "stddev_over_time": lambda vs: math.sqrt(_stdvar(vs)),
    "present_over_time": lambda vs: 1.0,
}


def range_function(func: str, samples: list[tuple[float, float]], t: float, window: float) -> Cell:
    """A folding range function (``deriv``, ``*_over_time``) over the samples of
    ``[t - window, t]``; ``None`` where Prometheus has no result (too few samples)."""
    if func == "deriv":
        return slope(samples, t)
    if not samples:
        return None
    return OVER_TIME[func]([v for _, v in samples])


def _resets(row: list[float]) -> list[float]:
    """Running sum of counter resets along a row: what ``rate`` adds back between two samples."""
    out = [0.0]
    prev = row[0] if row else 0.0
    for v in row[1:]:
        out.append(out[-1] + (prev if v < prev else 0.0))
        prev = v
    return out


# ------------------------------------------------------------------------------------ arithmetic


_ARITHMETIC: dict[str, Callable[[float, float], float]] = {
    "+": operator.add, "-": operator.sub, "*": operator.mul, "^": math.pow, "atan2": math.atan2,
    "%": lambda a, b: math.nan if b == 0 else math.fmod(a, b),
    "/": lambda a, b: a / b if b != 0 else (math.nan if a == 0 or math.isnan(a) else math.copysign(math.inf, a)),
}
_COMPARISONS: dict[str, Callable[[float, float], bool]] = {
    "==": operator.eq, "!=": operator.ne, "<=": operator.le, "<": operator.lt, ">=": operator.ge, ">": operator.gt,
}


def apply_op(op: str, a: float, b: float) -> float:
    """A binary operator on two numbers as Prometheus computes it (comparisons give 1 or 0)."""
    if op in _COMPARISONS:
        return 1.0 if _COMPARISONS[op](a, b) else 0.0
    try:
        return _ARITHMETIC[op](a, b)
    except (OverflowError, ValueError):
        return math.nan


def _guard(fn: Callable[[float], float]) -> Callable[[float], float]:
    def inner(x: float) -> float:
        try:
            return fn(x)
        except (ValueError, OverflowError):
            return math.nan
    return inner


def math_func(name: str, params: list[float]) -> Callable[[float], float]:
    simple: dict[str, Callable[[float], float]] = {
        "abs": abs, "ceil": lambda x: float(math.ceil(x)), "floor": lambda x: float(math.floor(x)),
        "sqrt": math.sqrt, "exp": math.exp, "ln": math.log, "log10": math.log10, "log2": math.log2,
    }
    if name in simple:
        return _guard(simple[name])
    if name == "round":
        to = params[0] if params else 1.0
        return _guard(lambda x: math.floor(x / to + 0.5) * to)
    if name == "clamp_min":
        return lambda x: max(x, params[0])
    if name == "clamp_max":
        return lambda x: min(x, params[0])
    if name == "clamp":
        return lambda x: min(max(x, params[0]), params[1]) if params[0] <= params[1] else math.nan
    raise PromQLError(f"function {name!r} is not supported in drills")


# ------------------------------------------------------------------------------------ the walk


class _Eval:
    """Walks a syntax tree over all the times at once. A scalar is a list of floats; a vector is a
    list of (labels, column) with ``None`` for absent."""

    def __init__(self, catalog: Catalog, times: list[float]) -> None:
        self.catalog = catalog
        self.times = times
        self.n = len(times)

    @staticmethod
    def is_scalar(value: object) -> bool:
        return isinstance(value, Scalar)

    def eval(self, node: object) -> Scalar | Vec:
        if isinstance(node, Num):
            return Scalar([node.value] * self.n)
        if isinstance(node, Neg):
            v = self.eval(node.expr)
            if self.is_scalar(v):
                return Scalar(-x for x in v)  # type: ignore[union-attr]
            return [(drop_name(lab), [None if x is None else -x for x in col]) for lab, col in v]  # type: ignore[misc]
        if isinstance(node, Selector):
            if node.window is not None:
                raise PromQLError("a range vector (selector[window]) can only be passed to a range function "
                                  "such as rate()")
            return self.instant(node)
        if isinstance(node, Call):
            return self.call(node)
        if isinstance(node, Agg):
            return self.aggregate(node)
        if isinstance(node, Binary):
            return self.binary(node)
        raise PromQLError(f"cannot evaluate {node!r}")

    def vector(self, node: object, message: str) -> Vec:
        v = self.eval(node)
        if self.is_scalar(v):
            raise PromQLError(message)
        return v  # type: ignore[return-value]

    def scalar(self, node: object, message: str) -> Scalar:
        v = self.eval(node)
        if not self.is_scalar(v):
            raise PromQLError(message)
        return v  # type: ignore[return-value]

    # -- selectors

    def _read(self, series: list[MetricSeries], needed: set[int]) -> tuple[dict[int, int], list[list[float]]]:
        """Every series' samples at the scrape indexes ``needed``, in one read: where each index
        sits in the rows, and the rows. Only what the windows hold is read, so a few points over a
        long incident cost their windows, not every scrape in between."""
        if len(needed) > _MAX_POINTS // max(1, len(series)):
            raise PromQLError("range too long for the drill's history (it keeps two hours)")
        ks = sorted(needed)
        return {k: i for i, k in enumerate(ks)}, self.catalog.values(series, [k * SCRAPE for k in ks])

    def sample_times(self, offset: float) -> list[int]:
        return [_grid_index(t - offset) for t in self.times]

    def instant(self, sel: Selector) -> Vec:
        series = self.catalog.select(sel)
        idx = self.sample_times(sel.offset)
        if not series or not idx:
            return [(ms.labels, []) for ms in series]
        pos, rows = self._read(series, set(idx))
        return [(ms.labels, [row[pos[k]] for k in idx]) for ms, row in zip(series, rows, strict=True)]

    def range_call(self, func: str, sel: Selector) -> Vec:
        series = self.catalog.select(sel)
        window = sel.window or 0.0
        ends = [t - sel.offset for t in self.times]
        spans = [(math.ceil((t - window) / SCRAPE - 1e-9), _grid_index(t)) for t in ends]
        if not series or not spans:
            return [(drop_name(ms.labels), []) for ms in series]
        needed: set[int] = set()
        for a, b in spans:
            needed.update(range(a, b + 1))
        pos, rows = self._read(series, needed)
        out: Vec = []
        for ms, row in zip(series, rows, strict=True):
            col: Col = []
            if func in _FIRST_LAST:
                # first and last sample of each window, counter resets from a running sum (each
                # window's indexes are consecutive in the rows): a sparkline's 61 one-hour rates
                # cost 61 steps, not 61 × 240 samples
                counter = func in ("rate", "increase", "irate")
                resets = _resets(row) if counter else None
                for t, (a, b) in zip(ends, spans, strict=True):
                    if b - a < 1:
                        col.append(None)
                        continue
                    if func in ("irate", "idelta"):
                        a = b - 1
                    first, last = row[pos[a]], row[pos[b]]
                    change = last - first + (resets[pos[b]] - resets[pos[a]] if resets else 0.0)
                    if func == "idelta":
                        col.append(change)
                    elif func == "irate":
                        col.append(change / SCRAPE)
                    else:
                        col.append(extrapolated((a * SCRAPE, first), (b * SCRAPE, last), b - a + 1, change,
                                                t - window, t, counter=counter, rate=func == "rate"))
            else:
                for t, (a, b) in zip(ends, spans, strict=True):
                    samples = [(k * SCRAPE, row[pos[k]]) for k in range(a, b + 1)]
                    col.append(range_function(func, samples, t, window))
            out.append((drop_name(ms.labels), col))
        return out

    # -- functions

    def call(self, node: Call) -> Scalar | Vec:
        f, args = node.func, node.args
        unix = self.catalog.unix
        if f in RANGE_FUNCS:
            if len(args) != 1:
                raise PromQLError(f"{f}() takes exactly one argument")
            sel = args[0]
            if not isinstance(sel, Selector) or sel.window is None:
                raise PromQLError(f"{f}() expects a range vector such as metric[5m]")
            return self.range_call(f, sel)
        if f == "time":
            return Scalar(float(unix(t)) for t in self.times)
        if f == "vector":
            return [((), list(self.scalar(args[0], "vector() expects a scalar")))]  # type: ignore[arg-type]
        if f == "scalar":
            v = self.vector(args[0], "scalar() expects an instant vector")
            out = Scalar()
            for j in range(self.n):
                present = [col[j] for _, col in v if col[j] is not None]
                out.append(float(present[0]) if len(present) == 1 else math.nan)  # type: ignore[arg-type]
            return out
        if f == "histogram_quantile":
            if len(args) != 2:
                raise PromQLError("histogram_quantile() takes (quantile, buckets)")
            q = self.scalar(args[0], "histogram_quantile() takes a scalar quantile and a vector of buckets")
            v = self.vector(args[1], "histogram_quantile() takes a scalar quantile and a vector of buckets")
            return self.histogram_quantile(q, v)
        if f == "timestamp":
            v = self.vector(args[0], "timestamp() expects a vector")
            if isinstance(args[0], Selector):
                # a selector's samples carry their scrape time: the age of the data, not the query's
                stamps: Col = [float(unix(k * SCRAPE)) for k in self.sample_times(args[0].offset)]
            else:
                stamps = [float(unix(t)) for t in self.times]
            return [(drop_name(lab), [None if x is None else s for x, s in zip(col, stamps, strict=True)])
                    for lab, col in v]
        if f == "absent":
            return self.absent(args)
        if not args:
            raise PromQLError(f"{f}() expects an instant vector")
        v = self.vector(args[0], f"{f}() expects an instant vector")
        if f in ("sort", "sort_desc"):
            return v
        params = [self.scalar(a, f"{f}() expects scalar parameters") for a in args[1:]]
        fns: dict[tuple[float, ...], Callable[[float], float]] = {}
        per_time = []
        for j in range(self.n):
            key = tuple(p[j] for p in params)
            fn = fns.get(key)
            if fn is None:
                fn = fns[key] = math_func(f, list(key))
            per_time.append(fn)
        return [(drop_name(lab), [None if x is None else fn(x) for fn, x in zip(per_time, col, strict=True)])
                for lab, col in v]

    def absent(self, args: tuple[object, ...]) -> Vec:
        if len(args) != 1:
            raise PromQLError("absent() takes exactly one argument")
        v = self.vector(args[0], "absent() expects an instant vector")
        labels: Labels = ()
        if isinstance(args[0], Selector):
            labels = tuple(sorted((k, val) for k, op, val in args[0].matchers if op == "=" and k != "__name__"))
        col: Col = [None if any(c[j] is not None for _, c in v) else 1.0 for j in range(self.n)]
        return [(labels, col)]

    def histogram_quantile(self, q: Scalar, v: Vec) -> Vec:
        groups: dict[Labels, list[tuple[float, Col]]] = {}
        for lab, col in v:
            d = dict(lab)
            d.pop("__name__", None)
            le = d.pop("le", None)
            try:
                bound = float(le) if le is not None else None
            except ValueError:
                bound = None
            if bound is not None:
                groups.setdefault(tuple(sorted(d.items())), []).append((bound, col))
        out: Vec = []
        for key, buckets in groups.items():
            col_out: Col = []
            for j in range(self.n):
                present = [(b, c[j]) for b, c in buckets if c[j] is not None]
                if not present:
                    col_out.append(None)
                    continue
                value = bucket_quantile(q[j], present)  # type: ignore[arg-type]
                col_out.append(math.nan if value is None else value)
            out.append((key, col_out))
        return out

    # -- aggregations

    def aggregate(self, node: Agg) -> Vec:
        v = self.vector(node.expr, f"{node.op}() expects an instant vector")
        groups: dict[Labels, list[Col]] = {}
        for lab, col in v:
            groups.setdefault(group_key(lab, node.by, node.without), []).append(col)
        if node.op in ("topk", "bottomk"):
            k = self.scalar(node.param, f"{node.op}() expects a scalar k")
            return self.top(v, node, k)
        fold: Callable[[list[float]], float] = {
            "sum": math.fsum, "min": _nan_min, "max": _nan_max, "avg": lambda vs: math.fsum(vs) / len(vs),
            "count": lambda vs: float(len(vs)), "stdvar": _stdvar, "stddev": lambda vs: math.sqrt(_stdvar(vs)),
            "group": lambda vs: 1.0,
        }[node.op]
        out: Vec = []
        for key, members in groups.items():
            col: Col = []
            for j in range(self.n):
                present = [m[j] for m in members if m[j] is not None]
                col.append(fold(present) if present else None)  # type: ignore[arg-type]
            out.append((key, col))
        return out

    def top(self, v: Vec, node: Agg, k: Scalar) -> Vec:
        """topk/bottomk: per time, the k highest (lowest) of each group; the others absent then."""
        cols: list[Col] = [list(col) for _, col in v]
        keys = [group_key(lab, node.by, node.without) for lab, _ in v]
        for j in range(self.n):
            limit = max(0, int(k[j])) if not math.isnan(k[j]) else 0
            by_group: dict[Labels, list[int]] = {}
            for i, col in enumerate(cols):
                if col[j] is not None:
                    by_group.setdefault(keys[i], []).append(i)
            for members in by_group.values():
                def rank(i: int) -> tuple[bool, float]:
                    x = float(cols[i][j])  # type: ignore[arg-type]
                    return (math.isnan(x), -x if node.op == "topk" else x)
                for i in sorted(members, key=rank)[limit:]:
                    cols[i][j] = None
        return [(lab, col) for (lab, _), col in zip(v, cols, strict=True) if any(x is not None for x in col)]

    # -- binary operators

    def binary(self, node: Binary) -> Scalar | Vec:
        left, right = self.eval(node.left), self.eval(node.right)
        op = node.op
        l_scalar, r_scalar = self.is_scalar(left), self.is_scalar(right)
        if op in ("and", "or", "unless"):
            if l_scalar or r_scalar:
                raise PromQLError(f"'{op}' needs vectors on both sides")
            return self.set_op(op, left, right, node)  # type: ignore[arg-type]
        comparison = op in ("==", "!=", "<=", "<", ">=", ">")
        filtering = comparison and not node.bool_mode
        if l_scalar and r_scalar:
            if filtering:
                raise PromQLError("comparisons between scalars need the bool modifier")
            return Scalar(apply_op(op, a, b) for a, b in zip(left, right, strict=True))  # type: ignore[arg-type]
        if l_scalar or r_scalar:
            scalar: Scalar = left if l_scalar else right  # type: ignore[assignment]
            vec: Vec = right if l_scalar else left  # type: ignore[assignment]
            out: Vec = []
            for lab, col in vec:
                res: Col = []
                for x, s in zip(col, scalar, strict=True):
                    if x is None:
                        res.append(None)
                        continue
                    r = apply_op(op, s, x) if l_scalar else apply_op(op, x, s)
                    res.append((x if r else None) if filtering else r)
                out.append((lab if filtering else drop_name(lab), res))
            return out
        return self.match(op, left, right, node, filtering)  # type: ignore[arg-type]

    def match(self, op: str, left: Vec, right: Vec, node: Binary, filtering: bool) -> Vec:
        index: dict[Labels, Col] = {}
        for lab, col in right:
            key = match_key(lab, node)
            if key in index:
                raise PromQLError(f"many-to-many matching: several series on the right match {dict(key)}; "
                                  "aggregate first (e.g. sum by (...))")
            index[key] = col
        out: Vec = []
        seen: set[Labels] = set()
        for lab, col in left:
            key = match_key(lab, node)
            other = index.get(key)
            if other is None:
                continue
            if key in seen:
                raise PromQLError(f"many-to-many matching: several series on the left match {dict(key)}")
            seen.add(key)
            res: Col = []
            for a, b in zip(col, other, strict=True):
                if a is None or b is None:
                    res.append(None)
                    continue
                r = apply_op(op, a, b)
                res.append((a if r else None) if filtering else r)
            out.append((kept(lab, node.on, node.ignoring, name=filtering), res))  # Prometheus' resultMetric
        return out

    def set_op(self, op: str, left: Vec, right: Vec, node: Binary) -> Vec:
        """``and``/``or``/``unless``, decided per time on the series present then."""
        rkeys = [match_key(lab, node) for lab, _ in right]
        lkeys = [match_key(lab, node) for lab, _ in left]
        present_r = [{rkeys[i] for i, (_, c) in enumerate(right) if c[j] is not None} for j in range(self.n)]
        if op in ("and", "unless"):
            keep_if = op == "and"
            return [(lab, [x if x is not None and ((key in present_r[j]) == keep_if) else None
                           for j, x in enumerate(col)])
                    for (lab, col), key in zip(left, lkeys, strict=True)]
        present_l = [{lkeys[i] for i, (_, c) in enumerate(left) if c[j] is not None} for j in range(self.n)]
        out = list(left)
        for (lab, col), key in zip(right, rkeys, strict=True):
            out.append((lab, [x if x is not None and key not in present_l[j] else None for j, x in enumerate(col)]))
        return out
