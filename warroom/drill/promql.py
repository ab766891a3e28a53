"""A small PromQL evaluator over the drill world, so drill panes run the configured queries.

In drill mode there is no Prometheus, yet the panes' queries (``default_slos()`` or a user's own)
and the runbooks' ```promql steps should still work. This module parses the PromQL subset those
use and evaluates it against the simulated series, with Prometheus' semantics where they matter:
``rate``/``increase`` over a window are the exact windowed increase of the counter (what
Prometheus returns for evenly scraped data), ``histogram_quantile`` interpolates inside buckets
exactly as Prometheus does, aggregations keep the ``by`` labels, arithmetic matches series
one-to-one on their labels, comparisons filter.

Supported: selectors with ``= != =~ !~`` matchers, ``offset``; range functions ``rate irate
increase delta deriv *_over_time``; aggregations ``sum min max avg count topk bottomk`` with
``by``/``without``; functions ``histogram_quantile abs ceil floor round sqrt exp ln log10
clamp clamp_min clamp_max time vector scalar sort sort_desc timestamp``; binary arithmetic and
comparisons (``bool``), ``and or unless``, ``on``/``ignoring``. Anything else is a
``PromQLError`` naming what is not supported, never a wrong number.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable
from typing import NamedTuple

from warroom.drill import fleet
from warroom.drill.series import BUCKET_LABELS, Series
from warroom.durations import parse_duration

Labels = tuple[tuple[str, str], ...]
Getter = Callable[[float], float]


class PromQLError(ValueError):
    """An expression the drill cannot evaluate; the message says where and why."""


class Sample(NamedTuple):
    labels: Labels
    value: float

    def label_dict(self) -> dict[str, str]:
        return dict(self.labels)


Vector = list[Sample]
Value = float | Vector


# ------------------------------------------------------------------------------ the catalogue

class MetricSeries(NamedTuple):
    labels: Labels
    get: Getter
    col: int | None = None                    # a counter: its column in ``Series``
    get_many: Callable[[list[float]], list[float]] | None = None


class Catalog:
    """The metrics the drill exports, as (labels, value-at-scenario-time) pairs."""

    def __init__(self, series: Series, unix: Callable[[float], float]) -> None:
        self.series = series
        self.unix = unix
        self.metrics: dict[str, list[MetricSeries]] = {}
        self.kinds: dict[str, str] = {}
        s = series
        sig = s.signals
        self._selected: dict[Selector, list[MetricSeries]] = {}

        def counter(key: tuple[str, ...]) -> Getter:
            return lambda t: s.value(key, t)

        def add(name: str, kind: str, labels: dict[str, str], get: Getter, col: int | None = None,
                get_many: Callable[[list[float]], list[float]] | None = None) -> None:
            self.kinds[name] = kind
            lab = tuple(sorted({"__name__": name, **labels}.items()))
            self.metrics.setdefault(name, []).append(MetricSeries(lab, get, col, get_many))

        def add_counter(name: str, labels: dict[str, str], key: tuple[str, ...]) -> None:
            add(name, "counter", labels, counter(key), s.index[key])

        for r in fleet.REPOS:
            add_counter("flowengine_flow_executions_total", {"repo": r.name}, ("exec", r.name))
        for r in fleet.REPOS:
            add_counter("flowengine_flow_failures_total", {"repo": r.name}, ("fail", r.name))
        for p in fleet.PROVIDERS:
            for c in s.codes:
                add_counter("flowengine_model_api_requests_total", {"provider": p.name, "code": c},
                            ("req", p.name, c))
        for b in BUCKET_LABELS:
            add_counter("flowengine_flow_duration_seconds_bucket", {"le": b}, ("bucket", b))
        add_counter("flowengine_flow_duration_seconds_count", {}, ("count",))
        add_counter("flowengine_flow_duration_seconds_sum", {}, ("sum",))
        for p in fleet.PROVIDERS:
            add("flowengine_model_quota_used_ratio", "gauge", {"provider": p.name},
                (lambda prov: lambda t: sig.quota(prov, t))(p),
                get_many=(lambda prov: lambda ts: [sig.quota(prov, t) for t in ts])(p))
        unix = self.unix
        add("flowengine_audit_log_last_event_timestamp_seconds", "gauge", {},
            lambda t: unix(t) - sig.audit_gap(t),
            get_many=lambda ts: [unix(t) - sig.audit_gap(t) for t in ts])

    def select(self, sel: Selector) -> list[MetricSeries]:
        """The series ``sel`` matches (label matching done once per selector, then remembered)."""
        hit = self._selected.get(sel)
        if hit is not None:
            return hit
        names = [sel.name] if sel.name else list(self.metrics)
        matchers = list(sel.matchers)
        for label, op, value in sel.matchers:
            if label == "__name__" and op == "=":
                names = [value]
        if sel.name and sel.name not in self.metrics:
            known = ", ".join(sorted(self.metrics))
            raise PromQLError(f"unknown metric {sel.name!r} in the drill (known: {known})")
        out = []
        for name in names:
            for ms in self.metrics.get(name, []):
                labels = dict(ms.labels)
                if all(_match(labels.get(lab, ""), op, val) for lab, op, val in matchers):
                    out.append(ms)
        self._selected[sel] = out
        return out

    def values(self, series: list[MetricSeries], times: list[float]) -> list[list[float]]:
        """Each series' value at every time in ``times`` (counters read together from ``Series``)."""
        counters = [ms.col for ms in series if ms.col is not None]
        read = iter(self.series.columns(counters, times)) if counters else iter(())
        out = []
        for ms in series:
            if ms.col is not None:
                out.append(next(read))
            elif ms.get_many is not None:
                out.append([float(v) for v in ms.get_many(times)])
            else:
                out.append([float(ms.get(t)) for t in times])
        return out


# ------------------------------------------------------------------------------ tokens

_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<num>0x[0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<str>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
  | (?P<range>\[[^\]]*\])
  | (?P<ident>[A-Za-z_:][A-Za-z0-9_:]*)
  | (?P<op>=~|!~|==|!=|<=|>=|[-+*/%^<>=(){},])
""", re.VERBOSE)

_AGGS = {"sum", "min", "max", "avg", "count", "topk", "bottomk"}
_RANGE_FUNCS = {"rate", "irate", "increase", "delta", "deriv", "avg_over_time", "max_over_time",
                "min_over_time", "sum_over_time", "count_over_time", "last_over_time"}
_FUNCS = {"histogram_quantile", "abs", "ceil", "floor", "round", "sqrt", "exp", "ln", "log10",
          "clamp", "clamp_min", "clamp_max", "time", "vector", "scalar", "sort", "sort_desc",
          "timestamp"} | _RANGE_FUNCS
_BINARY = [  # lowest precedence first
    {"or"}, {"and", "unless"}, {"==", "!=", "<=", "<", ">=", ">"}, {"+", "-"}, {"*", "/", "%", "atan2"}, {"^"},
]


class Tok(NamedTuple):
    kind: str
    text: str
    pos: int


def tokenize(expr: str) -> list[Tok]:
    out: list[Tok] = []
    pos = 0
    while pos < len(expr):
        m = _TOKEN.match(expr, pos)
        if m is None:
            raise PromQLError(f"unexpected character {expr[pos]!r} at position {pos + 1}")
        kind = m.lastgroup or ""
        if kind != "ws":
            out.append(Tok(kind, m.group(), pos))
        pos = m.end()
    out.append(Tok("eof", "", len(expr)))
    return out


# ------------------------------------------------------------------------------ syntax tree

class Num(NamedTuple):
    value: float


class Selector(NamedTuple):
    name: str | None
    matchers: tuple[tuple[str, str, str], ...]
    window: float | None = None
    offset: float = 0.0


class Call(NamedTuple):
    func: str
    args: tuple[object, ...]


class Agg(NamedTuple):
    op: str
    expr: object
    param: object | None
    by: tuple[str, ...] | None
    without: tuple[str, ...] | None


class Binary(NamedTuple):
    op: str
    left: object
    right: object
    bool_mode: bool = False
    on: tuple[str, ...] | None = None
    ignoring: tuple[str, ...] | None = None


class Neg(NamedTuple):
    expr: object


class Parser:
    def __init__(self, expr: str) -> None:
        self.expr = expr
        self.toks = tokenize(expr)
        self.i = 0

    @property
    def tok(self) -> Tok:
        return self.toks[self.i]

    def fail(self, message: str, tok: Tok | None = None) -> PromQLError:
        tok = tok or self.tok
        where = "end of expression" if tok.kind == "eof" else f"position {tok.pos + 1} ({tok.text!r})"
        return PromQLError(f"{message} at {where}")

    def take(self, text: str) -> Tok:
        if self.tok.text != text:
            raise self.fail(f"expected {text!r}")
        tok = self.tok
        self.i += 1
        return tok

    def accept(self, text: str) -> bool:
        if self.tok.text == text and self.tok.kind in ("op", "ident"):
            self.i += 1
            return True
        return False

    def parse(self) -> object:
        if self.tok.kind == "eof":
            raise PromQLError("empty expression")
        node = self.binary(0)
        if self.tok.kind != "eof":
            raise self.fail("unexpected token")
        return node

    def binary(self, level: int) -> object:
        if level == len(_BINARY):
            return self.unary()
        left = self.binary(level + 1)
        while self.tok.text in _BINARY[level] and self.tok.kind in ("op", "ident"):
            op = self.tok.text
            self.i += 1
            bool_mode = self.accept("bool")
            on = ignoring = None
            if self.tok.text in ("on", "ignoring"):
                which = self.tok.text
                self.i += 1
                labels = self.label_list()
                on, ignoring = (labels, None) if which == "on" else (None, labels)
            if self.tok.text in ("group_left", "group_right"):
                raise self.fail("many-to-one matching (group_left/group_right) is not supported in drills")
            right = self.binary(level) if op == "^" else self.binary(level + 1)
            left = Binary(op, left, right, bool_mode, on, ignoring)
        return left

    def unary(self) -> object:
        if self.accept("-"):
            return Neg(self.unary())
        if self.accept("+"):
            return self.unary()
        return self.postfix(self.primary())

    def postfix(self, node: object) -> object:
        if self.tok.kind == "range":
            if not isinstance(node, Selector):
                raise self.fail("subqueries are not supported in drills")
            text = self.tok.text[1:-1].strip()
            if ":" in text:
                raise self.fail("subqueries are not supported in drills")
            node = Selector(node.name, node.matchers, self.duration(text), node.offset)
            self.i += 1
        if self.tok.text == "offset" and isinstance(node, Selector):
            self.i += 1
            tok = self.tok
            if tok.kind not in ("num", "ident"):
                raise self.fail("expected a duration after offset")
            text = tok.text
            self.i += 1
            while self.tok.kind in ("num", "ident") and self.tok.pos == tok.pos + len(text):
                text += self.tok.text
                self.i += 1
            node = Selector(node.name, node.matchers, node.window, self.duration(text))
        return node

    def duration(self, text: str) -> float:
        try:
            return parse_duration(text)
        except ValueError:
            raise self.fail(f"bad duration {text!r}") from None

    def label_list(self) -> tuple[str, ...]:
        self.take("(")
        labels: list[str] = []
        while not self.accept(")"):
            if self.tok.kind != "ident":
                raise self.fail("expected a label name")
            labels.append(self.tok.text)
            self.i += 1
            if not self.accept(","):
                self.take(")")
                break
        return tuple(labels)

    def primary(self) -> object:
        tok = self.tok
        if tok.kind == "num":
            self.i += 1
            return Num(float(int(tok.text, 16)) if tok.text.lower().startswith("0x") else float(tok.text))
        if tok.kind == "str":
            raise self.fail("string literals are not supported here")
        if self.accept("("):
            node = self.binary(0)
            self.take(")")
            return node
        if tok.text == "{":
            return self.selector(None)
        if tok.kind != "ident":
            raise self.fail("expected an expression")
        name = tok.text
        low = name.lower()
        if low in ("inf", "nan"):
            self.i += 1
            return Num(math.inf if low == "inf" else math.nan)
        if low in _AGGS:
            self.i += 1
            return self.aggregation(low)
        if self.toks[self.i + 1].text == "(":
            if name not in _FUNCS:
                raise self.fail(f"function {name!r} is not supported in drills")
            self.i += 2
            args: list[object] = []
            while not self.accept(")"):
                args.append(self.binary(0))
                if not self.accept(","):
                    self.take(")")
                    break
            return Call(name, tuple(args))
        self.i += 1
        return self.selector(name)

    def selector(self, name: str | None) -> Selector:
        matchers: list[tuple[str, str, str]] = []
        if self.accept("{"):
            while not self.accept("}"):
                if self.tok.kind != "ident":
                    raise self.fail("expected a label name")
                label = self.tok.text
                self.i += 1
                op = self.tok.text
                if op not in ("=", "!=", "=~", "!~"):
                    raise self.fail("expected =, !=, =~ or !~")
                self.i += 1
                if self.tok.kind != "str":
                    raise self.fail("expected a quoted label value")
                value = _unquote(self.tok.text)
                self.i += 1
                matchers.append((label, op, value))
                if not self.accept(","):
                    self.take("}")
                    break
        if name is None and not matchers:
            raise self.fail("a selector needs a metric name or a matcher")
        return Selector(name, tuple(matchers))

    def aggregation(self, op: str) -> Agg:
        by = without = None
        if self.tok.text in ("by", "without"):
            which = self.tok.text
            self.i += 1
            labels = self.label_list()
            by, without = (labels, None) if which == "by" else (None, labels)
        self.take("(")
        param = None
        if op in ("topk", "bottomk"):
            param = self.binary(0)
            self.take(",")
        expr = self.binary(0)
        self.take(")")
        if self.tok.text in ("by", "without"):
            which = self.tok.text
            self.i += 1
            labels = self.label_list()
            by, without = (labels, None) if which == "by" else (None, labels)
        return Agg(op, expr, param, by, without)


def _unquote(text: str) -> str:
    body = text[1:-1]
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), body)


@functools.lru_cache(maxsize=512)
def parse(expr: str) -> object:
    """The syntax tree of ``expr`` (cached: panes evaluate the same queries every second)."""
    return Parser(expr).parse()


# ------------------------------------------------------------------------------ evaluation

_SAMPLE_STEP = 15.0


class Evaluator:
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
            return [Sample(_drop_name(s.labels), -s.value) for s in v]
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
        if f in _RANGE_FUNCS:
            if len(args) != 1:
                raise PromQLError(f"{f}() takes exactly one argument")
            series, window, offset = self.range_arg(args[0], f)
            t = self.t - offset
            out = []
            for ms in series:
                out.append(Sample(_drop_name(ms.labels), float(_range_value(f, ms.get, t, window))))
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
            return _histogram_quantile(q, v)
        if f == "timestamp":
            v = self.eval(args[0])
            if isinstance(v, float):
                raise PromQLError("timestamp() expects a vector")
            return [Sample(_drop_name(s.labels), float(self.catalog.unix(self.t))) for s in v]
        v = self.eval(args[0]) if args else math.nan
        if isinstance(v, float):
            raise PromQLError(f"{f}() expects an instant vector")
        if f in ("sort", "sort_desc"):
            return sorted(v, key=lambda s: s.value, reverse=f == "sort_desc")
        extra = [self.eval(a) for a in args[1:]]
        if any(not isinstance(e, float) for e in extra):
            raise PromQLError(f"{f}() expects scalar parameters")
        fn = _math_func(f, [float(e) for e in extra])  # type: ignore[arg-type]
        return [Sample(_drop_name(s.labels), fn(s.value)) for s in v]

    def aggregate(self, node: Agg) -> Vector:
        v = self.eval(node.expr)
        if isinstance(v, float):
            raise PromQLError(f"{node.op}() expects an instant vector")
        groups: dict[Labels, list[Sample]] = {}
        for s in v:
            labels = dict(s.labels)
            labels.pop("__name__", None)
            if node.by is not None:
                key = tuple(sorted((k, labels[k]) for k in node.by if k in labels))
            elif node.without is not None:
                key = tuple(sorted((k, val) for k, val in labels.items() if k not in node.without))
            else:
                key = ()
            groups.setdefault(key, []).append(s)
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
            rkeys = {self._match_key(s.labels, node) for s in right}
            if op == "and":
                return [s for s in left if self._match_key(s.labels, node) in rkeys]
            if op == "unless":
                return [s for s in left if self._match_key(s.labels, node) not in rkeys]
            lkeys = {self._match_key(s.labels, node) for s in left}
            return left + [s for s in right if self._match_key(s.labels, node) not in lkeys]
        comparison = op in ("==", "!=", "<=", "<", ">=", ">")
        if isinstance(left, float) and isinstance(right, float):
            if comparison and not node.bool_mode:
                raise PromQLError("comparisons between scalars need the bool modifier")
            return _apply(op, left, right)
        if isinstance(left, float) or isinstance(right, float):
            vec: Vector = right if isinstance(left, float) else left  # type: ignore[assignment]
            scalar = left if isinstance(left, float) else right
            out = []
            for s in vec:
                a, b = (scalar, s.value) if isinstance(left, float) else (s.value, scalar)
                r = _apply(op, a, b)  # type: ignore[arg-type]
                if comparison and not node.bool_mode:
                    if r:
                        out.append(s)
                else:
                    out.append(Sample(_drop_name(s.labels), r))
            return out
        index: dict[Labels, Sample] = {}
        for s in right:
            key = self._match_key(s.labels, node)
            if key in index:
                raise PromQLError(f"many-to-many matching: several series on the right match {dict(key)}; "
                                  "aggregate first (e.g. sum by (...))")
            index[key] = s
        out = []
        seen: set[Labels] = set()
        for s in left:
            key = self._match_key(s.labels, node)
            other = index.get(key)
            if other is None:
                continue
            if key in seen:
                raise PromQLError(f"many-to-many matching: several series on the left match {dict(key)}")
            seen.add(key)
            r = _apply(op, s.value, other.value)
            if comparison and not node.bool_mode:
                if r:
                    out.append(s)
            else:
                labels = key if node.on is not None else _drop_name(s.labels)
                out.append(Sample(labels, r))
        return out

    @staticmethod
    def _match_key(labels: Labels, node: Binary) -> Labels:
        d = dict(labels)
        d.pop("__name__", None)
        if node.on is not None:
            return tuple(sorted((k, v) for k, v in d.items() if k in node.on))
        if node.ignoring is not None:
            return tuple(sorted((k, v) for k, v in d.items() if k not in node.ignoring))
        return tuple(sorted(d.items()))


def _drop_name(labels: Labels) -> Labels:
    return tuple(kv for kv in labels if kv[0] != "__name__")


def _match(actual: str, op: str, value: str) -> bool:
    if op == "=":
        return actual == value
    if op == "!=":
        return actual != value
    try:
        hit = re.fullmatch(value, actual) is not None
    except re.error as exc:
        raise PromQLError(f"bad regular expression {value!r}: {exc}") from None
    return hit if op == "=~" else not hit


def _range_value(func: str, get: Getter, t: float, window: float) -> float:
    if func in ("rate", "increase", "delta", "deriv"):
        diff = get(t) - get(t - window)
        return diff / window if func in ("rate", "deriv") else diff
    if func == "irate":
        step = min(_SAMPLE_STEP, window)
        return (get(t) - get(t - step)) / step
    n = max(1, int(window // _SAMPLE_STEP))
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


def _apply(op: str, a: float, b: float) -> float:
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


def _math_func(name: str, params: list[float]) -> Callable[[float], float]:
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


def _histogram_quantile(q: float, v: Vector) -> Vector:
    from warroom.drill.series import bucket_quantile

    groups: dict[Labels, list[tuple[float, float]]] = {}
    for s in v:
        labels = dict(s.labels)
        le = labels.pop("le", None)
        labels.pop("__name__", None)
        if le is None:
            continue
        try:
            bound = float(le)
        except ValueError:
            continue
        groups.setdefault(tuple(sorted(labels.items())), []).append((bound, s.value))
    out = []
    for key, buckets in groups.items():
        value = bucket_quantile(q, buckets)
        out.append(Sample(key, math.nan if value is None else value))
    return out


def evaluate(catalog: Catalog, expr: str, t: float) -> Value:
    """Evaluate ``expr`` at scenario time ``t``; raises PromQLError for what it cannot do."""
    return Evaluator(catalog, t).eval(parse(expr))


# ------------------------------------------------------------------------------ many times at once
#
# A pane asks the same query at 61 times every poll (its value and a 60-point sparkline). Done
# point by point, each time re-selects series, rebuilds label sets and allocates a Sample per
# series, and interpolates every counter on its own. ``evaluate_many`` walks the syntax tree once
# for all the times: label work is done once, each node's value is a list of floats per series,
# and counters are read from the integration together. The arithmetic on each float is exactly
# the point-by-point evaluator's, so the numbers are identical (tests compare them bit for bit).
# Where the *shape* of a result depends on the values (filtering comparisons, topk/bottomk,
# sort), it falls back to evaluating point by point.


class _Pointwise(Exception):
    """The result's series depend on the values: evaluate this expression point by point."""


Column = list[float]
Columns = list[tuple[Labels, Column]]


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


def _apply_many(op: str, xs: Column, ys: Column) -> Column:
    """``[_apply(op, x, y) ...]`` with the common operators inlined (same results)."""
    try:
        if op == "+":
            return [a + b for a, b in zip(xs, ys, strict=True)]
        if op == "-":
            return [a - b for a, b in zip(xs, ys, strict=True)]
        if op == "*":
            return [a * b for a, b in zip(xs, ys, strict=True)]
        if op == "/":
            return [a / b if b != 0 else _apply(op, a, b) for a, b in zip(xs, ys, strict=True)]
    except (OverflowError, ValueError):
        pass
    return [_apply(op, a, b) for a, b in zip(xs, ys, strict=True)]


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
            return False, [(_drop_name(lab), [-x for x in col]) for lab, col in v]  # type: ignore[misc]
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
        if f in _RANGE_FUNCS:
            if len(args) != 1:
                raise PromQLError(f"{f}() takes exactly one argument")
            sel = args[0]
            if not isinstance(sel, Selector) or sel.window is None:
                raise PromQLError(f"{f}() expects a range vector such as metric[5m]")
            series = self.catalog.select(sel)
            window = sel.window
            ts = [t - sel.offset for t in times]
            labels = [_drop_name(ms.labels) for ms in series]
            if f in ("rate", "increase", "delta", "deriv", "irate"):
                span = min(_SAMPLE_STEP, window) if f == "irate" else window
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
            return False, [(lab, [float(_range_value(f, ms.get, t, window)) for t in ts])
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
            return False, _histogram_quantile_many(q, v, self.n)  # type: ignore[arg-type]
        if f == "timestamp":
            v = self.vector(args[0], "timestamp() expects a vector")
            stamps = [float(unix(t)) for t in times]
            return False, [(_drop_name(lab), list(stamps)) for lab, _ in v]
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
                fn = fns[params] = _math_func(f, list(params))
            per_time.append(fn)
        return False, [(_drop_name(lab), [fn(x) for fn, x in zip(per_time, col, strict=True)]) for lab, col in v]

    def aggregate(self, node: Agg) -> Columns:
        v = self.vector(node.expr, f"{node.op}() expects an instant vector")
        groups: dict[Labels, list[Column]] = {}
        for lab, col in v:
            labels = dict(lab)
            labels.pop("__name__", None)
            if node.by is not None:
                key = tuple(sorted((k, labels[k]) for k in node.by if k in labels))
            elif node.without is not None:
                key = tuple(sorted((k, val) for k, val in labels.items() if k not in node.without))
            else:
                key = ()
            groups.setdefault(key, []).append(col)
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
            key = Evaluator._match_key
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
            return True, _apply_many(op, left, right)  # type: ignore[arg-type]
        if comparison and not node.bool_mode:
            raise _Pointwise
        if l_scalar or r_scalar:
            scalar: Column = left if l_scalar else right  # type: ignore[assignment]
            vec: Columns = right if l_scalar else left  # type: ignore[assignment]
            if l_scalar:
                return False, [(_drop_name(lab), _apply_many(op, scalar, col)) for lab, col in vec]
            return False, [(_drop_name(lab), _apply_many(op, col, scalar)) for lab, col in vec]
        index: dict[Labels, Column] = {}
        for lab, col in right:  # type: ignore[misc]
            k = Evaluator._match_key(lab, node)
            if k in index:
                raise PromQLError(f"many-to-many matching: several series on the right match {dict(k)}; "
                                  "aggregate first (e.g. sum by (...))")
            index[k] = col
        out: Columns = []
        seen: set[Labels] = set()
        for lab, col in left:  # type: ignore[misc]
            k = Evaluator._match_key(lab, node)
            other = index.get(k)
            if other is None:
                continue
            if k in seen:
                raise PromQLError(f"many-to-many matching: several series on the left match {dict(k)}")
            seen.add(k)
            out.append((k if node.on is not None else _drop_name(lab), _apply_many(op, col, other)))
        return False, out


def _histogram_quantile_many(q: Column, v: Columns, n: int) -> Columns:
    from warroom.drill.series import bucket_quantile

    groups: dict[Labels, list[tuple[float, Column]]] = {}
    for lab, col in v:
        labels = dict(lab)
        le = labels.pop("le", None)
        labels.pop("__name__", None)
        if le is None:
            continue
        try:
            bound = float(le)
        except ValueError:
            continue
        groups.setdefault(tuple(sorted(labels.items())), []).append((bound, col))
    out: Columns = []
    for key, buckets in groups.items():
        bounds = sorted(b for b, _ in buckets)
        if len(set(bounds)) == len(bounds) and not any(math.isnan(b) for b in bounds):
            # distinct bounds: bucket_quantile's sort is by bound alone, so do it once
            cols = [col for _, col in sorted(buckets, key=lambda bc: bc[0])]
            quantile = functools.partial(_sorted_bucket_quantile, bounds=bounds)
            values = [quantile(q[j], [col[j] for col in cols]) for j in range(n)]
        else:
            values = [bucket_quantile(q[j], [(bound, col[j]) for bound, col in buckets]) for j in range(n)]
        out.append((key, [math.nan if v is None else v for v in values]))
    return out


def _sorted_bucket_quantile(q: float, counts: list[float], bounds: list[float]) -> float | None:
    """``bucket_quantile`` for buckets whose bounds are distinct and sorted: the same steps and
    arithmetic, without sorting and coalescing on every call."""
    if math.isnan(q):
        return None
    if q < 0:
        return -math.inf
    if q > 1:
        return math.inf
    if not bounds or not math.isinf(bounds[-1]):
        return None
    m = counts
    for i in range(1, len(m)):                   # ensure monotonic (counts is ours to change)
        if m[i] < m[i - 1]:
            m[i] = m[i - 1]
    last = len(m) - 1
    if last < 1:
        return None
    observations = m[-1]
    if observations == 0:
        return None
    rank = q * observations
    b = next((i for i in range(last) if m[i] >= rank), last)
    if b == last:
        return bounds[-2]
    if b == 0 and bounds[0] <= 0:
        return bounds[0]
    start = 0.0
    end = bounds[b]
    count = m[b]
    if b > 0:
        start = bounds[b - 1]
        count -= m[b - 1]
        rank -= m[b - 1]
    return start + (end - start) * (rank / count)
