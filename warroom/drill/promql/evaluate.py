"""The drill's one PromQL evaluator: any expression (parsed by ``parse``) at one time or at many,
as Prometheus answers it.

Prometheus sees the drill world only through scrapes, so this evaluator does too: samples every
``SCRAPE`` s on the grid the tests' OpenMetrics backfill uses, none after the drill's now (Prometheus
holds no future: ``offset -5m`` or ``@`` at now reads up to now, never the simulator's later state); an
instant selector takes the newest at or before the time (at most ``LOOKBACK`` old), a range selector
those in ``[t - window, t]`` (both ends, as Prometheus 2.x), and each function does what Prometheus'
does (``tests/integration/test_promql_differential.py`` holds it to a real one). A pane asks for a
value and a 60-point sparkline each poll, so a node's value is a column per series over all the
times (``None``: no value then): label work is done once per node, not once per time.
"""

from __future__ import annotations

import bisect
import calendar
import decimal
import functools
import math
import operator
import re
import time
from collections.abc import Callable, Sequence
from typing import NamedTuple

import promql_parser as pp

from warroom.drill.promql.catalog import Catalog, Labels, MetricSeries, PromQLError, regex

SCRAPE = 15.0          # scenario seconds between the samples a Prometheus scraping the drill would hold
_MAX_POINTS = 200_000  # samples one range selector may read (a [30d] window is refused, not computed)
MAX_LENGTH = 4_000     # query characters: the parser recurses in native code, and far deeper nesting crashes it
LOOKBACK = 300.0       # Prometheus' lookback delta: an instant selector takes no sample older than this
SUBQUERY_STEP = 60.0   # a subquery's default resolution: Prometheus' default evaluation interval

Cell = float | None
Col = list[Cell]
Vec = list[tuple[Labels, Col]]
Matrix = list[tuple[Labels, list[float], list[float]]]     # per series: its sample times and values


class Sample(NamedTuple):
    labels: Labels
    value: float


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
            out.sort(key=lambda s: (math.isnan(s.value), -s.value if self.order == "sort_desc" else s.value))
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


def evaluate_many(catalog: Catalog, expr: str, times: Sequence[float], now: float | None = None) -> Many:
    """``expr`` at every scenario time in ``times``, a range query from the first to the last
    (``@ start()``, ``@ end()``), with no sample after ``now`` (the drill's clock; at least the
    latest time asked: asking about a moment makes it now). Raises ``PromQLError``."""
    node, times = _bare(parse(expr)), list(times)
    try:
        value = _Eval(catalog, times, max([*times, now] if now is not None else times, default=0.0),
                      min(times, default=0.0), max(times, default=0.0)).eval(node)
    except RecursionError:
        raise PromQLError("the expression nests too deeply for the drill") from None
    if isinstance(value, Scalar):
        return Many(scalar=value)
    sort = node.func.name if isinstance(node, pp.Call) else None
    return Many(vector=value, order=sort if sort in ("sort", "sort_desc") else None)


def evaluate(catalog: Catalog, expr: str, t: float, now: float | None = None) -> Value:
    """``expr`` at scenario time ``t``: a float or a list of samples; raises ``PromQLError``."""
    return evaluate_many(catalog, expr, [t], now).at(0)


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


def _sum(values: list[float]) -> float:
    """``math.fsum``, or Prometheus' answer where it raises: NaN for +Inf with -Inf, ±Inf past the largest float."""
    try:
        return math.fsum(values)
    except ValueError:
        return math.nan
    except OverflowError:
        return sum(values)


def _avg(values: list[float]) -> float:
    """The mean; finite where only the sum overflows, as Prometheus' running mean is."""
    total = _sum(values)
    return _sum([v / len(values) for v in values]) if math.isinf(total) and all(map(math.isfinite, values)) \
        else total / len(values)


def regression(ts: list[float], vs: list[float], at: float) -> tuple[float, float] | None:
    """Prometheus' ``linearRegression`` (``deriv``, ``predict_linear``): the least-squares slope, per
    second, of the samples (times ``ts``, values ``vs``) and the line's value at ``at``."""
    if len(vs) < 2:
        return None
    if all(v == vs[0] for v in vs):
        return (math.nan, math.nan) if math.isinf(vs[0]) else (0.0, vs[0])
    n = float(len(vs))
    xs = [t - at for t in ts]
    sx, sy = math.fsum(xs), _sum(vs)
    sxy = _sum([x * y for x, y in zip(xs, vs, strict=True)])
    sxx = math.fsum(x * x for x in xs)
    slope = (sxy - sx * sy / n) / (sxx - sx * sx / n)
    return slope, sy / n - slope * sx / n


def _stdvar(values: list[float]) -> float:
    """Welford's running variance, as Prometheus computes it (so a constant series is exactly 0)."""
    mean = aux = 0.0
    for n, v in enumerate(values, 1):
        delta = v - mean
        mean += delta / n
        aux += delta * (v - mean)
    return aux / len(values)


def quantile(q: float, values: list[float]) -> float:
    """Prometheus' ``quantile`` (the aggregation, ``quantile_over_time``): interpolated between ranks, NaNs first."""
    if not 0 <= q <= 1:
        return math.nan if math.isnan(q) else math.inf if q > 1 else -math.inf
    vs = sorted(values, key=lambda v: (not math.isnan(v), 0.0 if math.isnan(v) else v))
    rank = q * (len(vs) - 1)
    lo = math.floor(rank)
    return vs[lo] * (1 - (rank - lo)) + vs[min(len(vs) - 1, lo + 1)] * (rank - lo)


# How each aggregation and each ``*_over_time`` folds the values it is given (never none).
FOLDS: dict[str, Callable[[list[float]], float]] = {
    "sum": _sum, "min": lambda vs: min((v for v in vs if not math.isnan(v)), default=math.nan),
    "max": lambda vs: max((v for v in vs if not math.isnan(v)), default=math.nan),   # NaN only if all are NaN
    "avg": _avg, "count": lambda vs: float(len(vs)), "group": lambda vs: 1.0,
    "stdvar": _stdvar, "stddev": lambda vs: math.sqrt(_stdvar(vs)), "last": lambda vs: vs[-1],
    "changes": lambda vs: float(sum(a != b and not (math.isnan(a) and math.isnan(b)) for a, b in zip(vs, vs[1:]))),
    "resets": lambda vs: float(sum(b < a for a, b in zip(vs, vs[1:]))),
}
OVER_TIME = {f"{name}_over_time": name for name in ("avg", "sum", "min", "max", "count", "last", "stdvar", "stddev")}
OVER_TIME |= {"present_over_time": "group", "changes": "changes", "resets": "resets"}
RANGE_FUNCS = {"rate", "increase", "delta", "irate", "idelta", "deriv", "predict_linear", "quantile_over_time",
               "absent_over_time"} | set(OVER_TIME)


def _resets(row: list[float]) -> list[float]:
    """Running sum of counter resets along a row: what ``rate`` adds back between two samples."""
    out = [0.0]
    for prev, v in zip(row, row[1:]):
        out.append(out[-1] + (prev if v < prev else 0.0))
    return out


def _change(row: list[float], a: int, b: int, resets: list[float]) -> float:
    """A counter's increase over ``row[a:b]``: last - first plus the value before each reset; from the
    running sums while finite, else added up as Prometheus does (after +Inf they would give Inf - Inf)."""
    if math.isfinite(resets[b - 1]):
        return row[b - 1] - row[a] + (resets[b - 1] - resets[a])
    return functools.reduce(lambda c, p: c + (p[0] if p[1] < p[0] else 0.0), zip(row[a:b - 1], row[a + 1:b]),
                            row[b - 1] - row[a])


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
    """Prometheus' clamps: Go's ``math.Max(lo, math.Min(hi, x))`` (±Inf there wins over NaN), no sample if hi < lo."""
    if hi < lo:
        return None
    low = -math.inf if -math.inf in (hi, x) else math.nan if math.isnan(hi) or math.isnan(x) else min(hi, x)
    return math.inf if math.inf in (lo, low) else math.nan if math.isnan(lo) or math.isnan(low) else max(lo, low)


# The element-wise functions: the sample's value, then the function's scalar parameters; None drops the sample.
MATH: dict[str, Callable[..., float | None]] = {
    "abs": abs, "ceil": lambda x: float(math.ceil(x)), "floor": lambda x: float(math.floor(x)),
    "sqrt": math.sqrt, "exp": math.exp, "ln": lambda x: math.log(x) if x else -math.inf,
    "log10": lambda x: math.log10(x) if x else -math.inf, "log2": lambda x: math.log2(x) if x else -math.inf,
    "round": lambda x, to=1.0: math.floor(x * (1 / to) + 0.5) / (1 / to),   # Prometheus' order of operations
    "clamp": _clamp, "clamp_min": lambda x, lo: _clamp(x, lo), "clamp_max": lambda x, hi: _clamp(x, hi=hi),
}


_DATE = {"minute": "tm_min", "hour": "tm_hour", "day_of_month": "tm_mday", "day_of_year": "tm_yday",
         "month": "tm_mon", "year": "tm_year", "day_of_week": "", "days_in_month": ""}
MATH |= {f: (lambda x, a=a: float(getattr(time.gmtime(math.trunc(x)), a))) for f, a in _DATE.items() if a}
MATH |= {"day_of_week": lambda x: float((time.gmtime(math.trunc(x)).tm_wday + 1) % 7),    # Go: Sunday is 0
         "days_in_month": lambda x: float(calendar.monthrange(*time.gmtime(math.trunc(x))[:2])[1]),
         "sgn": lambda x: 1.0 if x > 0 else -1.0 if x < 0 else x}


def _math(fn: Callable[..., float | None], x: float, params: list[float]) -> float | None:
    """``fn`` answering as Go's maths does where Python raises: overflow is ±Inf (``exp(1000)``,
    ``ceil(-Inf)``), anything out of its domain NaN (``sqrt(-1)``, ``round(x, 0)``)."""
    try:
        return fn(x, *params)
    except OverflowError:
        return math.copysign(math.inf, x)
    except (ValueError, ZeroDivisionError, OSError):
        return math.nan


# ------------------------------------------------------------------------------------ the walk
_MATCH_OPS = {"MatchOp.Equal": "=", "MatchOp.NotEqual": "!=", "MatchOp.Re": "=~", "MatchOp.NotRe": "!~"}
_OTHER_FUNCS = {"time", "vector", "scalar", "histogram_quantile", "sort", "sort_desc", "timestamp"}
_REFUSED = {
    pp.MatrixSelector: "a range vector (selector[window]) can only be passed to a range function such as rate()",
    pp.SubqueryExpr: "a subquery (expr[range:step]) can only be passed to a range function such as max_over_time()",
    pp.StringLiteral: "a string literal as a value is not supported in drills",
}


def _refuse(node: pp.Expr) -> PromQLError:
    return PromQLError(_REFUSED.get(type(node), f"{type(node).__name__} is not supported in drills"))


_LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
# what Go's ParseFloat reads (an le label Python's float() would take, such as 1_0 or ' 10', is no bucket)
_GO_FLOAT = re.compile(r"[+-]?(?:(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|(?i:inf|infinity))|(?i:nan)")


def _go_float(x: float) -> str:
    """Go's ``strconv.FormatFloat(x, 'f', -1, 64)`` (``count_values``' label): shortest digits, no exponent."""
    if not math.isfinite(x):
        return "NaN" if math.isnan(x) else "+Inf" if x > 0 else "-Inf"
    return format(decimal.Decimal(repr(x)).normalize(), "f")


def _expand(template: str, match: object) -> str:
    """Go's ``Regexp.Expand`` (``label_replace``): ``$1``, ``${1}``, ``$name``, ``${name}``, ``$$``; a
    group that did not take part, or does not exist, is empty (``$1x`` is the group named ``1x``)."""
    def one(m: re.Match[str]) -> str:
        name = m.group(1) or m.group(2)
        if name is None:
            return "$"
        number = name.isdigit() and (name == "0" or name[0] != "0")      # Go: no leading zero
        try:
            return match.group(int(name) if number else name) or ""  # type: ignore[attr-defined]
        except (IndexError, KeyError, ValueError):
            return ""
    return re.sub(r"\$(?:\$|\{(\w+)\}|(\w+))", one, template)


def _relabelled(labels: Labels, dst: str, value: str) -> Labels:
    """``labels`` with ``dst`` set to ``value`` (removed if empty, as Prometheus' labels builder does)."""
    return tuple(sorted((k, v) for k, v in {**dict(labels), dst: value}.items() if v))


def _heap_offer(heap: list[int], i: int, values: list[float], k: int, highest: bool) -> None:
    """Offer sample ``i`` to one group's topk (bottomk) heap of at most ``k``, as Prometheus 2 does with
    Go's container/heap (ties and NaNs fall as there): the weakest on top, NaN weakest; a full heap
    takes a stronger one, or any over a NaN top, by popping its top."""
    def less(a: int, b: int) -> bool:
        return math.isnan(values[a]) or (values[a] < values[b] if highest else values[a] > values[b])
    if not (len(heap) < k or (heap and less(heap[0], i))):
        return
    if len(heap) >= k:
        heap[0], j = heap[-1], 0                    # Go's heap.Pop: the last on top, sifted down
        heap.pop()
        while (c := 2 * j + 1) < len(heap):
            c += c + 1 < len(heap) and less(heap[c + 1], heap[c])
            if not less(heap[c], heap[j]):
                break
            heap[j], heap[c], j = heap[c], heap[j], c
    heap.append(i)                                  # Go's heap.Push: sifted up
    j = len(heap) - 1
    while j and less(heap[j], heap[(j - 1) // 2]):
        heap[j], heap[(j - 1) // 2], j = heap[(j - 1) // 2], heap[j], (j - 1) // 2


def _absent_labels(node: pp.Expr) -> Labels:
    """The labels ``absent()`` gives its 1: the selector's ``=`` matchers, as Prometheus'
    createLabelsForAbsentFunction (a label matched twice, or also otherwise, is left out)."""
    sel, out, seen = getattr(node, "vector_selector", node), {}, set()
    for m in sel.matchers.matchers if isinstance(sel, pp.VectorSelector) else ():
        if m.name != "__name__" and str(m.op) == "MatchOp.Equal" and m.name not in seen:
            out[m.name] = m.value
            seen.add(m.name)
        elif m.name != "__name__":
            out.pop(m.name, None)
    return tuple(sorted((k, v) for k, v in out.items() if v))


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

    def __init__(self, catalog: Catalog, times: list[float], now: float, start: float, end: float,
                 lenient: bool = False, inside: float | None = None) -> None:
        self.catalog, self.times, self.n = catalog, times, len(times)
        self.now, self.start, self.end = now, start, end
        self.first = math.ceil(catalog.series.t0 / SCRAPE - 1e-9)   # the oldest scrape the drill keeps
        self.last = _grid_index(now)                                 # the newest: none after now
        self.lenient = lenient      # inside absent(): an unknown metric is absent, not a typo to report
        self.inside = inside        # inside a subquery: its offset (s); where Prometheus 2 moves an @ (refused)
        self.u0 = catalog.unix(0.0)         # the drill's clock runs at a constant speed: unix = u0 + scale * t
        self.scale = (catalog.unix(1e6) - self.u0) / 1e6

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
    def select(self, sel: pp.VectorSelector) -> list[MetricSeries]:
        """The series ``sel`` matches."""
        if sel.matchers.or_matchers:
            raise PromQLError("'or' between label matchers is not supported in drills")
        if self.lenient and sel.name and sel.name not in self.catalog.metrics:
            return []
        matchers = tuple((m.name, _MATCH_OPS[str(m.op)], m.value) for m in sel.matchers.matchers)
        return self.catalog.select(sel.name, matchers)

    def moments(self, node: pp.VectorSelector | pp.SubqueryExpr) -> list[float]:
        """The moment ``node`` reads at each time: its ``@`` time, or the time itself, less its offset."""
        back = node.offset.total_seconds() if node.offset else 0.0
        if node.at is None:
            return [t - back for t in self.times]
        if self.inside:
            raise PromQLError("@ inside a subquery with an offset is not supported in drills "
                              "(Prometheus 2 moves the @ time by the offset only in some cases)")
        kind = node.at.type
        if kind in (pp.AtModifierType.Start, pp.AtModifierType.End):
            at = self.start if kind == pp.AtModifierType.Start else self.end
        else:       # read from the printed tree: the library panics reading an @ before 1970 (printed 0)
            printed = re.search(r" @ (\S+)(?: offset \S+)?$", str(node))
            at = (float(printed.group(1)) - self.u0) / self.scale  # type: ignore[union-attr]
        return [at - back] * self.n

    def read(self, series: list[MetricSeries], ks: list[int]) -> list[list[float]]:
        """Every series' samples at the scrape indexes ``ks``, in one read: only what the windows
        hold, so a few points over a long incident cost their windows, not every scrape between."""
        if len(ks) > _MAX_POINTS // max(1, len(series)):
            raise PromQLError("range too long for the drill's history (it keeps two hours)")
        return self.catalog.values(series, [k * SCRAPE for k in ks])

    def instant(self, sel: pp.VectorSelector, stamps: bool = False) -> Vec:
        """Each series' newest sample at each moment (or, ``stamps``, its unix time: ``timestamp()``)."""
        series = self.select(sel)
        idx = [k if self.first <= (k := min(_grid_index(m), self.last)) and m - k * SCRAPE <= LOOKBACK + 1e-9
               else None for m in self.moments(sel)]
        ks = sorted({k for k in idx if k is not None})
        pos, rows = {k: i for i, k in enumerate(ks)}, self.read(series, ks)
        return [(ms.labels, [None if k is None else float(self.catalog.unix(k * SCRAPE)) if stamps else row[pos[k]]
                             for k in idx]) for ms, row in zip(series, rows, strict=True)]

    def matrix(self, node: pp.Expr, slide: bool = False) -> tuple[Matrix, float, list[float]]:
        """A range argument: its series' samples, its window, and the end of each time's window;
        ``slide``: an ``@`` window moved by each time's distance from the start (``predict_linear``)."""
        if isinstance(node, pp.SubqueryExpr):
            if slide:
                raise PromQLError("predict_linear over a subquery with @ is not supported in drills (Prometheus 2 "
                                  "slides its window past the @ time, over samples up to it only)")
            return self.subquery(node)
        if not isinstance(node, pp.MatrixSelector):
            raise _refuse(node)
        series, ends, window = self.select(node.vector_selector), self.moments(node.vector_selector), \
            node.range.total_seconds()
        ks = sorted({k for m in ends for k in range(max(self.first, math.ceil((m - window) / SCRAPE - 1e-9)),
                                                      min(self.last, _grid_index(m)) + 1)})
        ts = [k * SCRAPE for k in ks]        # a selector's samples stop at its @ time, even when the window slides
        return [(ms.labels, ts, row) for ms, row in zip(series, self.read(series, ks), strict=True)], window, \
            [m + t - self.start for m, t in zip(ends, self.times, strict=True)] if slide else ends

    def subquery(self, node: pp.SubqueryExpr) -> tuple[Matrix, float, list[float]]:
        """``expr[range:step]``: ``expr`` evaluated every step through each window, the steps aligned
        on the unix clock as Prometheus aligns them, then read like a range selector's samples."""
        window, ends, unix = node.range.total_seconds(), self.moments(node), self.catalog.unix
        step = (node.step.total_seconds() if node.step else SUBQUERY_STEP) * self.scale     # in unix seconds
        if (steps := (max(ends) - min(ends) + window) / step) > _MAX_POINTS // 10:
            raise PromQLError(f"a subquery of {steps:.0f} steps is too fine for the drill: use a coarser step")
        ks = {k for m in ends for k in range(math.ceil(unix(m - window) / step - 1e-7),
                                              math.floor(unix(m) / step + 1e-7) + 1)}
        inner = [(k * step - self.u0) / self.scale for k in sorted(ks)]
        cols = _Eval(self.catalog, inner, self.now, self.start, self.end, self.lenient,
                     (self.inside or 0.0) + (node.offset.total_seconds() if node.offset else 0.0)).eval(node.expr)
        return [(lab, [t for t, x in zip(inner, col) if x is not None], [x for x in col if x is not None])
                for lab, col in cols], window, ends  # type: ignore[union-attr]

    def range_call(self, func: str, args: list[pp.Expr]) -> Vec:
        """A range function at every time, over the samples in that time's window ``[end - window, end]``."""
        arg = args[1] if func == "quantile_over_time" else args[0]
        param = self.eval(args[0 if func == "quantile_over_time" else 1]) if len(args) > 1 else None
        # Prometheus 2 evaluates predict_linear (it uses the time) at every step over an @ range read
        # once (samples up to the @ time): the window slides by the step's distance from the start.
        slide = func == "predict_linear" and getattr(getattr(arg, "vector_selector", arg), "at", None) is not None
        if slide and self.inside is not None:     # there it slides from the subquery's own start
            raise PromQLError("predict_linear of a selector with @ inside a subquery is not supported in drills")
        matrix, window, ends = self.matrix(arg, slide)
        counter = func in ("rate", "increase", "irate")
        spans: dict[int, list[tuple[int, int]]] = {}
        out: Vec = []
        for lab, ts, row in matrix:
            if id(ts) not in spans:         # a selector's series share their times: one search for them all
                spans[id(ts)] = [(bisect.bisect_left(ts, m - window - 1e-9), bisect.bisect_right(ts, m + 1e-9))
                                 for m in ends]
            resets = _resets(row) if counter else []
            col: Col = []
            for j, (m, (a, b)) in enumerate(zip(ends, spans[id(ts)], strict=True)):
                if func in ("irate", "idelta"):
                    a = max(a, b - 2)
                if func in OVER_TIME or func == "quantile_over_time":
                    vs = row[a:b]
                    col.append(None if not vs else quantile(param[j], vs) if param else FOLDS[OVER_TIME[func]](vs))
                elif b - a < 2:
                    col.append(None)
                elif func in ("deriv", "predict_linear"):
                    fit = regression(ts[a:b], row[a:b], self.times[j] if func == "predict_linear" else ts[a])
                    col.append(fit[0] if func == "deriv" else fit[0] * param[j] + fit[1])  # type: ignore[index]
                else:
                    change = _change(row, a, b, resets) if counter and func != "irate" else \
                        row[b - 1] if func == "irate" and row[b - 1] < row[a] else row[b - 1] - row[a]
                    if func in ("irate", "idelta"):
                        col.append(change / (ts[b - 1] - ts[a]) if func == "irate" else change)
                    else:
                        col.append(extrapolated(ts[a], row[a], ts[b - 1], b - a, change, m - window, m,
                                                counter=counter, rate=func == "rate"))
            out.append((lab if func == "last_over_time" else kept(lab, None, None), col))
        return _unique(out)

    # -- functions
    def call(self, node: pp.Call) -> Scalar | Vec:
        f, args = node.func.name, [_bare(a) for a in node.args]
        lenient, self.lenient = self.lenient, self.lenient or f in ("absent", "absent_over_time")
        value = self.function(f, args)
        self.lenient = lenient
        return value

    def function(self, f: str, args: list[pp.Expr]) -> Scalar | Vec:
        if f in ("absent", "absent_over_time"):     # 1 when nothing is there, labelled by the selector's = matchers
            v = self.range_call("last_over_time", args) if f == "absent_over_time" else self.eval(args[0])
            return [(_absent_labels(args[0]), [None if p else 1.0 for p in _present([c for _, c in v], self.n)])]
        if f in RANGE_FUNCS:
            return self.range_call(f, args)
        if f in ("label_replace", "label_join"):
            return self.relabel(f, self.eval(args[0]), [a.val for a in args[1:]])  # type: ignore[attr-defined,arg-type]
        if f not in MATH and f not in _OTHER_FUNCS:
            raise PromQLError(f"function {f!r} is not supported in drills")
        if f == "timestamp" and isinstance(args[0], pp.VectorSelector):    # a sample's own time: the data's age
            if args[0].at is not None and args[0].offset:           # Prometheus 2.42 drops the offset there
                raise PromQLError("timestamp() of a selector with both @ and offset is not supported in drills")
            return _each(self.instant(args[0], stamps=True), lambda x, j: x)
        values, unix = [self.eval(a) for a in args], self.catalog.unix
        stamps = [float(unix(t)) for t in self.times]
        v = values[0] if values else [((), stamps)]   # hour() is hour(vector(time()))
        if f in _DATE and not all(abs(x) < 2**63 for _, c in v for x in c if x is not None):  # type: ignore[union-attr]
            raise PromQLError(f"{f}() of NaN, ±Inf or past int64 (Go's date: an artefact) is not supported in drills")
        if f in ("time", "timestamp"):
            return Scalar(stamps) if f == "time" else _each(v, lambda x, j: stamps[j])
        if f == "vector":
            return [((), list(v))]
        if f == "scalar":
            return Scalar(p[0] if len(p) == 1 else math.nan for p in _present([c for _, c in v], self.n))
        if f == "histogram_quantile":
            return self.histogram_quantile(v, values[1])  # type: ignore[arg-type]
        if f in ("sort", "sort_desc"):
            return v
        return _each(v, lambda x, j: _math(MATH[f], x, [p[j] for p in values[1:]]))  # type: ignore[misc]

    def relabel(self, f: str, v: Vec, params: list[str]) -> Vec:
        """``label_replace(v, dst, replacement, src, regex)``, ``label_join(v, dst, separator, src...)``."""
        dst = params[0]
        for name in [dst, *(params[2:] if f == "label_join" else ())]:
            if not _LABEL_NAME.fullmatch(name):
                raise PromQLError(f"invalid {'destination' if name is dst else 'source'} label name in {f}(): {name}")
        if f == "label_join":
            return _unique([(_relabelled(lab, dst, params[1].join(dict(lab).get(s, "") for s in params[2:])), col)
                            for lab, col in v])
        rx, out = regex(params[3]), []
        for lab, col in v:
            m = rx.fullmatch(dict(lab).get(params[2], ""))
            out.append((lab if m is None else _relabelled(lab, dst, _expand(params[1], m)), col))
        return _unique(out)

    def histogram_quantile(self, q: Scalar, v: Vec) -> Vec:
        """Per label set without ``le``, Prometheus' quantile of the buckets present at each time."""
        groups: dict[Labels, list[tuple[float, Col]]] = {}
        for lab, col in v:
            if _GO_FLOAT.fullmatch(le := dict(lab).get("le", "")):       # else no bucket, as in Prometheus
                groups.setdefault(kept(lab, None, ["le"]), []).append((float(le), col))

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
        if op not in FOLDS and op not in ("topk", "bottomk", "quantile", "count_values"):
            raise PromQLError(f"aggregation {op!r} is not supported in drills")
        v = self.eval(node.expr)
        by, without = _split(node.modifier)
        name = by is not None and "__name__" in by             # by (__name__) keeps it; without drops it
        if op == "count_values":       # a group per value (Go's shortest decimal) in a label named by the param
            label = node.param.val
            if not _LABEL_NAME.fullmatch(label):
                raise PromQLError(f"invalid label name {label!r}")
            v = [(tuple(sorted({**dict(lab), label: text}.items())), [1.0 if x == text else None for x in texts])
                 for lab, col in v for texts in [[None if y is None else _go_float(y) for y in col]]
                 for text in dict.fromkeys(texts) if text is not None]
            by, op = (None if without is not None else [*(by or []), label]), "count"
        keys = [() if by is None and without is None else kept(lab, by, without, name=name) for lab, _ in v]
        if op in ("topk", "bottomk"):
            return self.top(v, keys, self.eval(node.param), op == "topk")  # type: ignore[arg-type]
        groups: dict[Labels, list[Col]] = {}
        for key, (_, col) in zip(keys, v, strict=True):
            groups.setdefault(key, []).append(col)
        q = self.eval(node.param) if op == "quantile" else None
        fold = FOLDS.get(op) if op[:3] != "std" else lambda vs: FOLDS[op](vs) if len(vs) > 1 else 0.0  # Welford's 0
        return [(key, [(quantile(q[j], p) if q else fold(p)) if p else None  # type: ignore[misc]
                       for j, p in enumerate(_present(cols, self.n))]) for key, cols in groups.items()]

    def top(self, v: Vec, keys: list[Labels], k: Scalar, highest: bool) -> Vec:
        """topk/bottomk: per time, the k highest (lowest) of each group; the others absent then. Ties
        go as in Prometheus: its heap of k, fed the series in the order its argument gives them (a
        selector's: storage order, by label set; ``a or b``: a's, then b's), as an instant query does."""
        cols: list[Col] = [list(col) for _, col in v]
        for j in range(self.n):
            if not abs(k[j]) < 2.0 ** 63:
                raise PromQLError(f"scalar value {k[j]} overflows int64 (the k of {'topk' if highest else 'bottomk'})")
            heaps: dict[Labels, list[int]] = {}
            now = [c[j] for c in cols]          # this time's column, once (not once per series offered)
            for i in range(len(v)):
                if now[i] is not None:
                    _heap_offer(heaps.setdefault(keys[i], []), i, now, int(k[j]), highest)
            kept_now = {i for heap in heaps.values() for i in heap}
            for i, col in enumerate(cols):
                if i not in kept_now:
                    col[j] = None
        return [(lab, col) for (lab, _), col in zip(v, cols, strict=True) if any(x is not None for x in col)]

    # -- binary operators
    def binary(self, node: pp.BinaryExpr) -> Scalar | Vec:
        op, mod = str(node.op), node.modifier
        left, right = self.eval(node.lhs), self.eval(node.rhs)
        if op in ("and", "or", "unless"):
            on, ignoring = _split(mod.matching if mod is not None else None)
            return self.set_op(op, left, right, on, ignoring)  # type: ignore[arg-type]
        if isinstance(left, Scalar) and isinstance(right, Scalar):
            return Scalar(_OPS[op](a, b) for a, b in zip(left, right, strict=True))
        filtering = op in _COMPARISONS and not (mod is not None and mod.return_bool)
        name = filtering or op == "atan2"        # Prometheus 2 drops the name for arithmetic and bool only
        # (result labels, what must be unique at a time, left column, right column, the column a true
        # comparison keeps: the vector's, or the left)
        if isinstance(left, Scalar):
            pairs = [(kept(lab, None, None, name=name), lab, left, col, col) for lab, col in right]
        elif isinstance(right, Scalar):
            pairs = [(kept(lab, None, None, name=name), lab, col, right, col) for lab, col in left]
        else:
            pairs = self.match(left, right, mod, name)
        out: dict[Labels, Col] = {}
        taken: dict[Labels, list[bool]] = {}
        for lab, unique, a_col, b_col, keep in pairs:       # as Prometheus: a result, then its uniqueness
            res, seen = out.setdefault(lab, [None] * self.n), taken.setdefault(unique, [False] * self.n)
            for j, (a, b, x) in enumerate(zip(a_col, b_col, keep, strict=True)):
                r = None if a is None or b is None else _OPS[op](a, b)
                if (r := (x if r else None) if filtering else r) is None:
                    continue
                if res[j] is not None or seen[j]:
                    raise PromQLError("vector cannot contain metrics with the same labelset" if res[j] is not None
                                      else f"several series match {dict(unique)}: many-to-one matching must be "
                                      "explicit (group_left/group_right)")
                res[j], seen[j] = r, True
        return list(out.items())

    def match(self, left: Vec, right: Vec, mod: pp.BinModifier | None,
              name: bool) -> list[tuple[Labels, Labels, Col, Col, Col]]:
        """Vector matching, per time as Prometheus matches (nothing when a side is empty then): each
        series of the "many" side (the left, unless ``group_right``) with the series of the other
        side of the same match labels; labels as Prometheus' resultMetric."""
        on, ignoring = _split(mod.matching if mod is not None else None)
        card = mod.card if mod is not None else pp.VectorMatchCardinality.OneToOne
        flip = card == pp.VectorMatchCardinality.OneToMany
        many, one = (right, left) if flip else (left, right)
        mkeys, okeys = [kept(lab, on, ignoring) for lab, _ in many], [kept(lab, on, ignoring) for lab, _ in one]
        pairs: dict[tuple[int, int], tuple[Col, Col]] = {}
        for j in range(self.n):
            if all(c[j] is None for _, c in many):
                continue
            index: dict[Labels, int] = {}
            for i, (key, (_, col)) in enumerate(zip(okeys, one, strict=True)):
                if col[j] is not None and index.setdefault(key, i) != i:
                    raise PromQLError(f"many-to-many matching: several series on the {'left' if flip else 'right'} "
                                      f"match {dict(key)}; aggregate first (e.g. sum by (...))")
            for i, (key, (_, col)) in enumerate(zip(mkeys, many, strict=True)):
                if col[j] is not None and (o := index.get(key)) is not None:
                    pair = pairs.setdefault((i, o), ([None] * self.n, [None] * self.n))
                    pair[0][j], pair[1][j] = col[j], one[o][1][j]
        out = []
        for (i, o), (m, other) in pairs.items():
            if card == pp.VectorMatchCardinality.OneToOne:
                res, unique = kept(many[i][0], on, ignoring, name=name), mkeys[i]
            else:       # group_left/right(labels): the many side's labels, those named taken from the one side
                res = kept(many[i][0], None, None, name=name)
                for ln in mod.group_labels:  # type: ignore[union-attr]
                    res = _relabelled(res, ln, dict(one[o][0]).get(ln, ""))
                unique = res
            out.append((res, unique, other, m, other) if flip else (res, unique, m, other, m))
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
