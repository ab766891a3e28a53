"""The drill's one PromQL evaluator: any expression (parsed by ``parse``) at one time or at many,
as Prometheus answers it.

Prometheus sees the drill world only through scrapes, so this evaluator does too: samples every
``SCRAPE`` s on the grid the tests' OpenMetrics backfill uses; an instant selector takes the newest
at or before the time, a range selector those in ``[t - window, t]`` (both ends, as Prometheus 2.x),
and each function does what Prometheus' does (``tests/integration/test_promql_differential.py``
holds it to a real one). A pane asks for a value and a 60-point sparkline each poll, so a node's
value is a column per series over all the times (``None``: no value then): label work is done once
per node, not once per time.
"""

from __future__ import annotations

import functools
import math
import operator
from collections.abc import Callable, Sequence
from typing import NamedTuple

import promql_parser as pp

from warroom.drill.promql.catalog import Catalog, Labels, MetricSeries, PromQLError

SCRAPE = 15.0          # scenario seconds between the samples a Prometheus scraping the drill would hold
_MAX_POINTS = 200_000  # samples one range selector may read (a [30d] window is refused, not computed)
MAX_LENGTH = 4_000     # query characters: the parser recurses in native code, and far deeper nesting crashes it

Cell = float | None
Col = list[Cell]
Vec = list[tuple[Labels, Col]]


class Sample(NamedTuple):
    labels: Labels
    value: float

    def label_dict(self) -> dict[str, str]:
        return dict(self.labels)


Value = float | list[Sample]


class Scalar(list[float]):
    """A scalar's value at every time (a type of its own: an empty vector is not a scalar)."""


class Many(NamedTuple):
    """A query's result at many times: a ``scalar`` column, or a ``vector`` of (labels, column);
    ``order`` sorts each time's samples (the query was ``sort``/``sort_desc``)."""

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


def shown(result: Value) -> tuple[float | None, str | None]:
    """The single number a pane shows for a result, with a note when it had to choose: the
    highest of several series, nothing for NaN or an empty vector."""
    if isinstance(result, float):
        return (None, "result is NaN") if math.isnan(result) else (result, None)
    values = [s.value for s in result if not math.isnan(s.value)]
    if not result:
        return None, None
    if not values:
        return None, "result is NaN (nothing happened in the window)"
    if len(result) == 1:
        return values[0], None
    return max(values), f"{len(result)} series returned; showing the highest"


@functools.lru_cache(maxsize=512)
def parse(expr: str) -> pp.Expr:
    """The syntax tree of ``expr`` (cached: panes evaluate the same queries every second).

    The tree is ``promql-parser``'s (a port of Prometheus' 2.45 grammar and type checks), so a typo
    or a type error is refused here with the library's message, and the evaluator only has to
    refuse, by name, what is valid PromQL but not evaluated in drills.
    """
    if len(expr) > MAX_LENGTH:
        raise PromQLError(f"the expression is {len(expr)} characters long; the drill reads at most {MAX_LENGTH}")
    try:
        return pp.parse(expr)
    except ValueError as exc:
        why = str(exc)
    if why == "invalid promql query":        # a grammar error, where the library says no more: say where
        n = next((i for i in range(len(expr) - 1, 0, -1) if _parses(expr[:i])), 0)
        why = f"syntax error after {expr[:n].rstrip()!r}" if n else "syntax error at the start"
    if why == "unknown function with name 'holt_winters'":     # Prometheus 2's; the parser library lacks it
        raise PromQLError("function 'holt_winters' is not supported in drills")
    raise PromQLError(f"invalid PromQL: {why}")


def _parses(text: str) -> bool:
    try:
        pp.parse(text)
    except ValueError:
        return False
    return True


def evaluate_many(catalog: Catalog, expr: str, times: Sequence[float]) -> Many:
    """``expr`` at every scenario time in ``times``; raises ``PromQLError``."""
    node = _bare(parse(expr))
    try:
        value = _Eval(catalog, list(times)).eval(node)
    except RecursionError:
        raise PromQLError("the expression nests too deeply for the drill") from None
    if isinstance(value, Scalar):
        return Many(scalar=value)
    sort = node.func.name if isinstance(node, pp.Call) else None
    return Many(vector=value, order=sort if sort in ("sort", "sort_desc") else None)


def evaluate(catalog: Catalog, expr: str, t: float) -> Value:
    """``expr`` at scenario time ``t``: a float or a list of samples; raises ``PromQLError``."""
    return evaluate_many(catalog, expr, [t]).at(0)


def _bare(node: pp.Expr) -> pp.Expr:
    """``node`` without the parentheses around it (they only group)."""
    while isinstance(node, pp.ParenExpr):
        node = node.expr
    return node


# ------------------------------------------------------------------------------------ labels
def kept(labels: Labels, only: list[str] | None, drop: list[str] | None, *, name: bool = False) -> Labels:
    """A label set narrowed as PromQL narrows it: only the ``only`` labels (``on``, ``by``), or all
    but ``drop`` (``ignoring``, ``without``); the metric name kept only when ``name`` (any function or
    arithmetic drops it: ``kept(labels, None, None)``)."""
    return tuple(sorted((k, v) for k, v in labels if (name or k != "__name__")
                        and (only is None or k in only) and (drop is None or k not in drop)))


def _split(modifier: pp.AggModifier | pp.LabelModifier | None) -> tuple[list[str] | None, list[str] | None]:
    """A ``by``/``on`` modifier as (its labels, None), a ``without``/``ignoring`` one as (None, its labels)."""
    if modifier is None:
        return None, None
    if modifier.type in (pp.AggModifierType.By, pp.LabelModifierType.Include):
        return list(modifier.labels), None
    return None, list(modifier.labels)


# ------------------------------------------------------------------------------------ samples
def _grid_index(t: float) -> int:
    """The index of the newest scrape at or before ``t``."""
    return math.floor(t / SCRAPE + 1e-9)


def extrapolated(first_t: float, first_v: float, last_t: float, count: int, change: float, start: float, end: float,
                 *, counter: bool, rate: bool) -> float:
    """Prometheus' ``extrapolatedRate`` (rate, increase, delta) from the first and last of ``count``
    samples in ``[start, end]``; ``change`` is last - first plus any counter resets."""
    sampled = last_t - first_t
    avg_step = sampled / (count - 1)
    to_start, to_end = first_t - start, end - last_t
    if counter and change > 0 and first_v >= 0:
        to_start = min(to_start, sampled * (first_v / change))      # a counter does not extrapolate below zero
    interval = sampled + (to_start if to_start < avg_step * 1.1 else avg_step / 2)
    interval += to_end if to_end < avg_step * 1.1 else avg_step / 2
    result = change * (interval / sampled)
    return result / (end - start) if rate else result


def slope(ts: list[float], vs: list[float], at: float) -> float | None:
    """Prometheus' ``deriv``: the least-squares slope, per second, of the samples (times ``ts``, values ``vs``)."""
    if len(vs) < 2:
        return None
    if all(v == vs[0] for v in vs):
        return math.nan if math.isinf(vs[0]) else 0.0
    n = float(len(vs))
    xs = [t - at for t in ts]
    sx, sy = math.fsum(xs), math.fsum(vs)
    sxy = math.fsum(x * y for x, y in zip(xs, vs, strict=True))
    sxx = math.fsum(x * x for x in xs)
    return (sxy - sx * sy / n) / (sxx - sx * sx / n)


def _stdvar(values: list[float]) -> float:
    mean = math.fsum(values) / len(values)
    return math.fsum((v - mean) ** 2 for v in values) / len(values)


# How each aggregation and each ``*_over_time`` folds the values it is given (never none).
FOLDS: dict[str, Callable[[list[float]], float]] = {
    "sum": math.fsum, "min": lambda vs: min((v for v in vs if not math.isnan(v)), default=math.nan),
    "max": lambda vs: max((v for v in vs if not math.isnan(v)), default=math.nan),   # NaN only if all are NaN
    "avg": lambda vs: math.fsum(vs) / len(vs), "count": lambda vs: float(len(vs)), "group": lambda vs: 1.0,
    "stdvar": _stdvar, "stddev": lambda vs: math.sqrt(_stdvar(vs)), "last": lambda vs: vs[-1],
}
OVER_TIME = {f"{name}_over_time": name for name in ("avg", "sum", "min", "max", "count", "last", "stdvar", "stddev")}
OVER_TIME["present_over_time"] = "group"
RANGE_FUNCS = {"rate", "increase", "delta", "irate", "idelta", "deriv"} | set(OVER_TIME)


def _resets(row: list[float]) -> list[float]:
    """Running sum of counter resets along a row: what ``rate`` adds back between two samples."""
    out = [0.0]
    for prev, v in zip(row, row[1:]):
        out.append(out[-1] + (prev if v < prev else 0.0))
    return out


def _present(cols: list[Col], n: int) -> list[list[float]]:
    """For each of the ``n`` times, the values the columns hold then."""
    return [[c[j] for c in cols if c[j] is not None] for j in range(n)]  # type: ignore[misc]


def bucket_quantile(q: float, buckets: list[tuple[float, float]]) -> float | None:
    """Prometheus' ``bucketQuantile``: linear interpolation inside the bucket holding the rank; the
    one implementation, so the panes, ``blocks`` and a real Prometheus fed the buckets agree to the last bit.

    ``buckets`` are (upper bound, cumulative count) pairs. Returns None where Prometheus returns
    NaN (no observations, no +Inf bucket, fewer than two buckets).
    """
    bounds: list[float] = []
    m: list[float] = []
    for bound, count in sorted(buckets):         # coalesce equal bounds
        if bounds and bounds[-1] == bound:
            m[-1] += count
        else:
            bounds.append(bound)
            m.append(count)
    if math.isnan(q):
        return None
    if not 0 <= q <= 1:
        return math.inf if q > 1 else -math.inf
    for i in range(1, len(m)):                   # ensure monotonic
        if m[i] < m[i - 1]:
            m[i] = m[i - 1]
    if len(m) < 2 or not math.isinf(bounds[-1]) or m[-1] == 0:
        return None
    rank = q * m[-1]
    b = next((i for i in range(len(m) - 1) if m[i] >= rank), len(m) - 1)
    if b == len(m) - 1:
        return bounds[-2]
    if b == 0 and bounds[0] <= 0:
        return bounds[0]
    start, below = (bounds[b - 1], m[b - 1]) if b else (0.0, 0.0)
    if m[b] == below:                            # q = 0 and an empty first bucket: 0/0, Prometheus' NaN
        return None
    return start + (bounds[b] - start) * ((rank - below) / (m[b] - below))


# ------------------------------------------------------------------------------------ arithmetic
def _pow(a: float, b: float) -> float:
    """Go's ``math.Pow`` where Python's raises: overflow and 0 to a negative power are ±Inf."""
    try:
        return math.pow(a, b)
    except (OverflowError, ValueError):
        if a < 0 and not b.is_integer():
            return math.nan
        return -math.inf if a < 0 and b % 2 == 1 else math.inf


_COMPARISONS = ("==", "!=", "<=", "<", ">=", ">")
# Every binary operator on two numbers as Prometheus computes it (comparisons give 1 or 0).
_OPS: dict[str, Callable[[float, float], float]] = {
    "+": operator.add, "-": operator.sub, "*": operator.mul, "^": _pow, "atan2": math.atan2,
    "%": lambda a, b: math.nan if b == 0 or math.isinf(a) else math.fmod(a, b),
    "/": lambda a, b: a / b if b != 0 else (math.nan if a == 0 or math.isnan(a) else math.copysign(math.inf, a)),
    "==": lambda a, b: float(a == b), "!=": lambda a, b: float(a != b), "<=": lambda a, b: float(a <= b),
    "<": lambda a, b: float(a < b), ">=": lambda a, b: float(a >= b), ">": lambda a, b: float(a > b),
}


def _clamp(x: float, lo: float = -math.inf, hi: float = math.inf) -> float | None:
    """Prometheus' clamps: Go's ``math.Max(lo, math.Min(hi, x))`` (NaN if any is NaN), no sample if hi < lo."""
    if hi < lo:
        return None
    return math.nan if math.isnan(x) or math.isnan(lo) or math.isnan(hi) else max(lo, min(hi, x))


# The element-wise functions: the sample's value, then the function's scalar parameters; None drops the sample.
MATH: dict[str, Callable[..., float | None]] = {
    "abs": abs, "ceil": lambda x: float(math.ceil(x)), "floor": lambda x: float(math.floor(x)),
    "sqrt": math.sqrt, "exp": math.exp, "ln": lambda x: math.log(x) if x else -math.inf,
    "log10": lambda x: math.log10(x) if x else -math.inf, "log2": lambda x: math.log2(x) if x else -math.inf,
    "round": lambda x, to=1.0: math.floor(x * (1 / to) + 0.5) / (1 / to),   # Prometheus' order of operations
    "clamp": _clamp, "clamp_min": lambda x, lo: _clamp(x, lo), "clamp_max": lambda x, hi: _clamp(x, hi=hi),
}


def _math(fn: Callable[..., float | None], x: float, params: list[float]) -> float | None:
    """``fn`` answering as Go's maths does where Python raises: overflow is ±Inf (``exp(1000)``,
    ``ceil(-Inf)``), anything out of its domain NaN (``sqrt(-1)``, ``round(x, 0)``)."""
    try:
        return fn(x, *params)
    except OverflowError:
        return math.copysign(math.inf, x)
    except (ValueError, ZeroDivisionError):
        return math.nan


# ------------------------------------------------------------------------------------ the walk
_MATCH_OPS = {"MatchOp.Equal": "=", "MatchOp.NotEqual": "!=", "MatchOp.Re": "=~", "MatchOp.NotRe": "!~"}
_OTHER_FUNCS = {"time", "vector", "scalar", "histogram_quantile", "absent", "sort", "sort_desc", "timestamp"}
_REFUSED = {
    pp.MatrixSelector: "a range vector (selector[window]) can only be passed to a range function such as rate()",
    pp.SubqueryExpr: "subqueries are not supported in drills",
    pp.StringLiteral: "string literals are not supported here",
}


def _refuse(node: pp.Expr) -> PromQLError:
    return PromQLError(_REFUSED.get(type(node), f"{type(node).__name__} is not supported in drills"))


def _each(v: Vec, fn: Callable[[float, int], float | None]) -> Vec:
    """An element-wise function of a vector, ``fn(value, time index)``: the metric name goes."""
    return _unique([(kept(lab, None, None), [None if x is None else fn(x, j) for j, x in enumerate(col)])
                    for lab, col in v])


def _unique(v: Vec) -> Vec:
    """``v``, unless two of its series have one label set at one time: Prometheus' error when a
    function or arithmetic drops the names of several metrics (``rate({__name__=~"a|b"}[5m])``)."""
    seen: dict[Labels, Col] = {}
    for lab, col in v:
        if (other := seen.setdefault(lab, col)) is not col and any(
                a is not None and b is not None for a, b in zip(other, col, strict=True)):
            raise PromQLError("vector cannot contain metrics with the same labelset")
    return v


class _Eval:
    """Walks a syntax tree over all the times at once. The parser has checked every type, so
    each node gets the kind of value (``Scalar`` or ``Vec``) it expects."""

    def __init__(self, catalog: Catalog, times: list[float]) -> None:
        self.catalog = catalog
        self.times = times
        self.n = len(times)

    def eval(self, node: pp.Expr) -> Scalar | Vec:
        node = _bare(node)
        if isinstance(node, pp.NumberLiteral):
            return Scalar([node.val] * self.n)
        if isinstance(node, pp.UnaryExpr):                  # the parser folds a unary + away: this is -
            v = self.eval(node.expr)
            return Scalar(-x for x in v) if isinstance(v, Scalar) else _each(v, lambda x, j: -x)
        if isinstance(node, pp.VectorSelector):
            return self.instant(node)
        if isinstance(node, pp.Call):
            return self.call(node)
        if isinstance(node, pp.AggregateExpr):
            return self.aggregate(node)
        if isinstance(node, pp.BinaryExpr):
            return self.binary(node)
        raise _refuse(node)

    # -- selectors
    def select(self, sel: pp.VectorSelector) -> tuple[list[MetricSeries], float]:
        """The series ``sel`` matches, and its offset in seconds."""
        if sel.at is not None:
            raise PromQLError("the @ modifier is not supported in drills")
        if sel.matchers.or_matchers:
            raise PromQLError("'or' between label matchers is not supported in drills")
        matchers = tuple((m.name, _MATCH_OPS[str(m.op)], m.value) for m in sel.matchers.matchers)
        return self.catalog.select(sel.name, matchers), sel.offset.total_seconds() if sel.offset else 0.0

    def read(self, series: list[MetricSeries], needed: set[int]) -> tuple[dict[int, int], list[list[float]]]:
        """Every series' samples at the scrape indexes ``needed``, in one read: where each index
        sits in the rows, and the rows. Only what the windows hold is read, so a few points over a
        long incident cost their windows, not every scrape in between."""
        if len(needed) > _MAX_POINTS // max(1, len(series)):
            raise PromQLError("range too long for the drill's history (it keeps two hours)")
        ks = sorted(needed)
        return {k: i for i, k in enumerate(ks)}, self.catalog.values(series, [k * SCRAPE for k in ks])

    def instant(self, sel: pp.VectorSelector) -> Vec:
        series, offset = self.select(sel)
        idx = [_grid_index(t - offset) for t in self.times]
        pos, rows = self.read(series, set(idx))
        return [(ms.labels, [row[pos[k]] for k in idx]) for ms, row in zip(series, rows, strict=True)]

    def range_call(self, func: str, arg: pp.Expr) -> Vec:
        """A range function at every time, over the scrapes ``a..b`` inside that time's window."""
        if not isinstance(arg, pp.MatrixSelector):
            raise _refuse(arg)
        series, offset = self.select(arg.vector_selector)
        window = arg.range.total_seconds()
        ends = [t - offset for t in self.times]
        spans = [(math.ceil((t - window) / SCRAPE - 1e-9), _grid_index(t)) for t in ends]
        pos, rows = self.read(series, {k for a, b in spans for k in range(a, b + 1)})
        counter = func in ("rate", "increase", "irate")
        out: Vec = []
        for ms, row in zip(series, rows, strict=True):
            # A window's scrapes are consecutive in the row, so a first-and-last function reads its
            # two ends and the resets between from a running sum: 61 one-hour rates cost 61 steps.
            resets = _resets(row)
            col: Col = []
            for t, (a, b) in zip(ends, spans, strict=True):
                if func in ("irate", "idelta"):
                    a = max(a, b - 1)
                i, j = (pos[a], pos[b] + 1) if b >= a else (0, 0)        # the window's samples: row[i:j]
                if func == "deriv":
                    col.append(slope([k * SCRAPE for k in range(a, b + 1)], row[i:j], t))
                elif func in OVER_TIME:
                    col.append(FOLDS[OVER_TIME[func]](row[i:j]) if j > i else None)
                elif j - i < 2:
                    col.append(None)
                else:
                    change = row[j - 1] - row[i] + (resets[j - 1] - resets[i] if counter else 0.0)
                    if func in ("irate", "idelta"):
                        col.append(change / SCRAPE if func == "irate" else change)
                    else:
                        col.append(extrapolated(a * SCRAPE, row[i], b * SCRAPE, b - a + 1, change, t - window, t,
                                                counter=counter, rate=func == "rate"))
            out.append((ms.labels if func == "last_over_time" else kept(ms.labels, None, None), col))
        return _unique(out)

    # -- functions
    def call(self, node: pp.Call) -> Scalar | Vec:
        f, args = node.func.name, [_bare(a) for a in node.args]
        if f in RANGE_FUNCS:
            return self.range_call(f, args[0])
        if f not in MATH and f not in _OTHER_FUNCS:
            raise PromQLError(f"function {f!r} is not supported in drills")
        values = [self.eval(a) for a in args]
        v, unix = values[0] if values else [], self.catalog.unix
        if f == "time":
            return Scalar(float(unix(t)) for t in self.times)
        if f == "vector":
            return [((), list(v))]
        if f == "scalar":
            return Scalar(p[0] if len(p) == 1 else math.nan for p in _present([c for _, c in v], self.n))
        if f == "histogram_quantile":
            return self.histogram_quantile(v, values[1])  # type: ignore[arg-type]
        if f == "absent":
            labels: Labels = ()
            if isinstance(args[0], pp.VectorSelector):     # absent(x{job="a"}) says which series is absent
                labels = tuple(sorted((m.name, m.value) for m in args[0].matchers.matchers
                                      if str(m.op) == "MatchOp.Equal" and m.name != "__name__"))
            return [(labels, [None if p else 1.0 for p in _present([c for _, c in v], self.n)])]
        if f in ("sort", "sort_desc"):
            return v
        if f == "timestamp":
            if isinstance(args[0], pp.VectorSelector):      # a sample's own scrape time: the age of the data
                offset = self.select(args[0])[1]
                stamps = [float(unix(_grid_index(t - offset) * SCRAPE)) for t in self.times]
            else:
                stamps = [float(unix(t)) for t in self.times]
            return _each(v, lambda x, j: stamps[j])
        return _each(v, lambda x, j: _math(MATH[f], x, [p[j] for p in values[1:]]))  # type: ignore[misc]

    def histogram_quantile(self, q: Scalar, v: Vec) -> Vec:
        """Per label set without ``le``, Prometheus' quantile of the buckets present at each time."""
        groups: dict[Labels, list[tuple[float, Col]]] = {}
        for lab, col in v:
            try:
                bound = float(dict(lab)["le"])
            except (KeyError, ValueError):
                continue
            groups.setdefault(kept(lab, None, ["le"]), []).append((bound, col))

        def at(buckets: list[tuple[float, Col]], j: int) -> Cell:
            present = [(b, c[j]) for b, c in buckets if c[j] is not None]
            if not present:
                return None
            value = bucket_quantile(q[j], present)  # type: ignore[arg-type]
            return math.nan if value is None else value       # Prometheus' NaN: no observations, no +Inf
        return [(key, [at(buckets, j) for j in range(self.n)]) for key, buckets in groups.items()]

    # -- aggregations
    def aggregate(self, node: pp.AggregateExpr) -> Vec:
        op = str(node.op)
        if op not in FOLDS and op not in ("topk", "bottomk"):
            raise PromQLError(f"aggregation {op!r} is not supported in drills")
        v = self.eval(node.expr)
        by, without = _split(node.modifier)
        name = by is not None and "__name__" in by             # by (__name__) keeps it; without drops it
        keys = [() if node.modifier is None else kept(lab, by, without, name=name) for lab, _ in v]
        if op in ("topk", "bottomk"):
            return self.top(v, keys, self.eval(node.param), op == "topk")  # type: ignore[arg-type]
        groups: dict[Labels, list[Col]] = {}
        for key, (_, col) in zip(keys, v, strict=True):
            groups.setdefault(key, []).append(col)
        return [(key, [FOLDS[op](p) if p else None for p in _present(cols, self.n)]) for key, cols in groups.items()]

    def top(self, v: Vec, keys: list[Labels], k: Scalar, highest: bool) -> Vec:
        """topk/bottomk: per time, the k highest (lowest) of each group; the others absent then."""
        cols: list[Col] = [list(col) for _, col in v]
        for j in range(self.n):
            if abs(k[j]) >= 2.0 ** 63:
                raise PromQLError(f"scalar value {k[j]} overflows int64 (the k of {'topk' if highest else 'bottomk'})")
            limit = 0 if math.isnan(k[j]) else max(0, int(k[j]))
            by_group: dict[Labels, list[int]] = {}
            for i, col in enumerate(cols):
                if col[j] is not None:
                    by_group.setdefault(keys[i], []).append(i)
            for members in by_group.values():
                ranked = sorted(members, key=lambda i: (math.isnan(cols[i][j]), -cols[i][j] if highest else cols[i][j]))
                for i in ranked[limit:]:
                    cols[i][j] = None
        return [(lab, col) for (lab, _), col in zip(v, cols, strict=True) if any(x is not None for x in col)]

    # -- binary operators
    def binary(self, node: pp.BinaryExpr) -> Scalar | Vec:
        op, mod = str(node.op), node.modifier
        if mod is not None and mod.card in (pp.VectorMatchCardinality.ManyToOne, pp.VectorMatchCardinality.OneToMany):
            raise PromQLError("many-to-one matching (group_left/group_right) is not supported in drills")
        on, ignoring = _split(mod.matching if mod is not None else None)
        left, right = self.eval(node.lhs), self.eval(node.rhs)
        if op in ("and", "or", "unless"):
            return self.set_op(op, left, right, on, ignoring)  # type: ignore[arg-type]
        if isinstance(left, Scalar) and isinstance(right, Scalar):
            return Scalar(_OPS[op](a, b) for a, b in zip(left, right, strict=True))
        # (labels, left column, right column, the column a true comparison keeps: the vector's, or the left)
        if isinstance(left, Scalar):
            pairs = [(lab, left, col, col) for lab, col in right]
        elif isinstance(right, Scalar):
            pairs = [(lab, col, right, col) for lab, col in left]
        else:
            pairs = self.match(left, right, on, ignoring)
        filtering = op in _COMPARISONS and not (mod is not None and mod.return_bool)
        out: Vec = []
        for lab, a_col, b_col, keep in pairs:
            res: Col = []
            for a, b, x in zip(a_col, b_col, keep, strict=True):
                r = None if a is None or b is None else _OPS[op](a, b)
                res.append((x if r else None) if filtering else r)
            out.append((kept(lab, on, ignoring, name=filtering), res))  # Prometheus' resultMetric
        return _unique(out)

    def match(self, left: Vec, right: Vec, on: list[str] | None,
              ignoring: list[str] | None) -> list[tuple[Labels, Col, Col, Col]]:
        """One-to-one matching: each left series with the right series of the same match labels."""
        index: dict[Labels, Col] = {}
        for lab, col in right:
            key = kept(lab, on, ignoring)
            if key in index:
                raise PromQLError(f"many-to-many matching: several series on the right match {dict(key)}; "
                                  "aggregate first (e.g. sum by (...))")
            index[key] = col
        out, seen = [], set()
        for lab, col in left:
            key = kept(lab, on, ignoring)
            if key not in index:
                continue
            if key in seen:
                raise PromQLError(f"many-to-many matching: several series on the left match {dict(key)}")
            seen.add(key)
            out.append((lab, col, index[key], col))
        return out

    def set_op(self, op: str, left: Vec, right: Vec, on: list[str] | None, ignoring: list[str] | None) -> Vec:
        """``and``/``or``/``unless``, decided per time on the series present then."""
        rkeys = [kept(lab, on, ignoring) for lab, _ in right]
        lkeys = [kept(lab, on, ignoring) for lab, _ in left]
        present_r = [{rkeys[i] for i, (_, c) in enumerate(right) if c[j] is not None} for j in range(self.n)]
        if op in ("and", "unless"):
            return [(lab, [x if x is not None and ((key in present_r[j]) == (op == "and")) else None
                           for j, x in enumerate(col)]) for (lab, col), key in zip(left, lkeys, strict=True)]
        present_l = [{lkeys[i] for i, (_, c) in enumerate(left) if c[j] is not None} for j in range(self.n)]
        return left + [(lab, [x if x is not None and key not in present_l[j] else None for j, x in enumerate(col)])
                       for (lab, col), key in zip(right, rkeys, strict=True)]
