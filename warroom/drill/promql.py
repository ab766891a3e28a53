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
from dataclasses import dataclass, field

from warroom.drill import fleet
from warroom.drill.series import BUCKET_LABELS, Series
from warroom.durations import parse_duration

Labels = tuple[tuple[str, str], ...]
Getter = Callable[[float], float]


class PromQLError(ValueError):
    """An expression the drill cannot evaluate; the message says where and why."""


@dataclass(frozen=True)
class Sample:
    labels: Labels
    value: float

    def label_dict(self) -> dict[str, str]:
        return dict(self.labels)


Vector = list[Sample]
Value = float | Vector


# ------------------------------------------------------------------------------ the catalogue

@dataclass(frozen=True)
class MetricSeries:
    labels: Labels
    get: Getter


@dataclass
class Catalog:
    """The metrics the drill exports, as (labels, value-at-scenario-time) pairs."""

    series: Series
    unix: Callable[[float], float]
    metrics: dict[str, list[MetricSeries]] = field(default_factory=dict)
    kinds: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        s = self.series
        sig = s.signals

        def counter(key: tuple[str, ...]) -> Getter:
            return lambda t: s.value(key, t)

        def add(name: str, kind: str, labels: dict[str, str], get: Getter) -> None:
            self.kinds[name] = kind
            lab = tuple(sorted({"__name__": name, **labels}.items()))
            self.metrics.setdefault(name, []).append(MetricSeries(lab, get))

        for r in fleet.REPOS:
            add("flowengine_flow_executions_total", "counter", {"repo": r.name}, counter(("exec", r.name)))
        for r in fleet.REPOS:
            add("flowengine_flow_failures_total", "counter", {"repo": r.name}, counter(("fail", r.name)))
        for p in fleet.PROVIDERS:
            for c in s.codes:
                add("flowengine_model_api_requests_total", "counter", {"provider": p.name, "code": c},
                    counter(("req", p.name, c)))
        for b in BUCKET_LABELS:
            add("flowengine_flow_duration_seconds_bucket", "counter", {"le": b}, counter(("bucket", b)))
        add("flowengine_flow_duration_seconds_count", "counter", {}, counter(("count",)))
        add("flowengine_flow_duration_seconds_sum", "counter", {}, counter(("sum",)))
        for p in fleet.PROVIDERS:
            add("flowengine_model_quota_used_ratio", "gauge", {"provider": p.name},
                (lambda prov: lambda t: sig.quota(prov, t))(p))
        add("flowengine_audit_log_last_event_timestamp_seconds", "gauge", {},
            lambda t: self.unix(t) - sig.audit_gap(t))


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


@dataclass(frozen=True)
class Tok:
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

@dataclass(frozen=True)
class Num:
    value: float


@dataclass(frozen=True)
class Selector:
    name: str | None
    matchers: tuple[tuple[str, str, str], ...]
    window: float | None = None
    offset: float = 0.0


@dataclass(frozen=True)
class Call:
    func: str
    args: tuple[object, ...]


@dataclass(frozen=True)
class Agg:
    op: str
    expr: object
    param: object | None
    by: tuple[str, ...] | None
    without: tuple[str, ...] | None


@dataclass(frozen=True)
class Binary:
    op: str
    left: object
    right: object
    bool_mode: bool = False
    on: tuple[str, ...] | None = None
    ignoring: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Neg:
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
        cat = self.catalog
        names = [sel.name] if sel.name else list(cat.metrics)
        matchers = list(sel.matchers)
        for label, op, value in sel.matchers:
            if label == "__name__" and op == "=":
                names = [value]
        if sel.name and sel.name not in cat.metrics:
            known = ", ".join(sorted(cat.metrics))
            raise PromQLError(f"unknown metric {sel.name!r} in the drill (known: {known})")
        out = []
        for name in names:
            for ms in cat.metrics.get(name, []):
                labels = dict(ms.labels)
                if all(_match(labels.get(lab, ""), op, val) for lab, op, val in matchers):
                    out.append(ms)
        return out

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
