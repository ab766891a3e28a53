"""PromQL text to a syntax tree: the values and the one error, the tokens, the tree, the parser.

Errors name the position and token, because the queries come from users' config and runbooks. The
lexicon below lists every function and aggregation the drill evaluates; the parser refuses any
other, which is how unsupported PromQL becomes a clear error instead of a wrong number. Trees are
plain hashable tuples: selectors are cache keys in the catalogue, and parsed trees are cached.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable
from typing import NamedTuple, TypeVar

from warroom.durations import parse_duration

Labels = tuple[tuple[str, str], ...]
_T = TypeVar("_T")
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

_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<num>0x[0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<str>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
  | (?P<range>\[[^\]]*\])
  | (?P<ident>[A-Za-z_:][A-Za-z0-9_:]*)
  | (?P<op>=~|!~|==|!=|<=|>=|[-+*/%^<>=(){},])
""", re.VERBOSE)

AGGS = {"sum", "min", "max", "avg", "count", "topk", "bottomk", "stddev", "stdvar", "group"}
RANGE_FUNCS = {"rate", "irate", "increase", "delta", "idelta", "deriv", "avg_over_time", "max_over_time",
               "min_over_time", "sum_over_time", "count_over_time", "last_over_time", "stddev_over_time",
               "stdvar_over_time", "present_over_time"}
FUNCS = {"histogram_quantile", "abs", "ceil", "floor", "round", "sqrt", "exp", "ln", "log10", "log2",
         "clamp", "clamp_min", "clamp_max", "time", "vector", "scalar", "sort", "sort_desc",
         "timestamp", "absent"} | RANGE_FUNCS
BINARY_LEVELS = [  # lowest precedence first
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
    """One method a grammar level, lowest precedence first; ``i`` is the current token."""

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

    def listed(self, close: str, item: Callable[[], _T]) -> list[_T]:
        """Items separated by commas up to ``close`` (a trailing comma allowed, as in Prometheus)."""
        out: list[_T] = []
        while not self.accept(close):
            out.append(item())
            if not self.accept(","):
                self.take(close)
                break
        return out

    def modifier(self, words: tuple[str, str]) -> tuple[tuple[str, ...] | None, tuple[str, ...] | None]:
        """``by (...)``/``without (...)`` or ``on (...)``/``ignoring (...)``: the labels under the word said."""
        if self.tok.text not in words:
            return None, None
        which = self.tok.text
        self.i += 1
        labels = self.label_list()
        return (labels, None) if which == words[0] else (None, labels)

    def parse(self) -> object:
        if self.tok.kind == "eof":
            raise PromQLError("empty expression")
        node = self.binary(0)
        if self.tok.kind != "eof":
            raise self.fail("unexpected token")
        return node

    def binary(self, level: int) -> object:
        if level == len(BINARY_LEVELS):
            return self.unary()
        left = self.binary(level + 1)
        while self.tok.text in BINARY_LEVELS[level] and self.tok.kind in ("op", "ident"):
            op = self.tok.text
            self.i += 1
            bool_mode = self.accept("bool")
            on, ignoring = self.modifier(("on", "ignoring"))
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
        return tuple(self.listed(")", self.label_name))

    def label_name(self) -> str:
        if self.tok.kind != "ident":
            raise self.fail("expected a label name")
        self.i += 1
        return self.toks[self.i - 1].text

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
        if low in AGGS:
            self.i += 1
            return self.aggregation(low)
        if self.toks[self.i + 1].text == "(":
            if name not in FUNCS:
                raise self.fail(f"function {name!r} is not supported in drills")
            self.i += 2
            return Call(name, tuple(self.listed(")", lambda: self.binary(0))))
        self.i += 1
        return self.selector(name)

    def selector(self, name: str | None) -> Selector:
        matchers = self.listed("}", self.matcher) if self.accept("{") else []
        if name is None and not matchers:
            raise self.fail("a selector needs a metric name or a matcher")
        return Selector(name, tuple(matchers))

    def matcher(self) -> tuple[str, str, str]:
        label = self.label_name()
        op = self.tok.text
        if op not in ("=", "!=", "=~", "!~"):
            raise self.fail("expected =, !=, =~ or !~")
        self.i += 1
        if self.tok.kind != "str":
            raise self.fail("expected a quoted label value")
        self.i += 1
        return label, op, _unquote(self.toks[self.i - 1].text)

    def aggregation(self, op: str) -> Agg:
        by, without = self.modifier(("by", "without"))      # before the parentheses or after them
        self.take("(")
        param = None
        if op in ("topk", "bottomk"):
            param = self.binary(0)
            self.take(",")
        expr = self.binary(0)
        self.take(")")
        if by is None and without is None:
            by, without = self.modifier(("by", "without"))
        return Agg(op, expr, param, by, without)


def _unquote(text: str) -> str:
    body = text[1:-1]
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), body)


@functools.lru_cache(maxsize=512)
def parse(expr: str) -> object:
    """The syntax tree of ``expr`` (cached: panes evaluate the same queries every second)."""
    return Parser(expr).parse()
