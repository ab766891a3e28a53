"""A recursive-descent parser for the PromQL subset drills support.

Errors name the position and token, because the queries come from users' config and runbooks.
"""

from __future__ import annotations

import functools
import math
import re

from warroom.drill.promql.nodes import Agg, Binary, Call, Neg, Num, Selector
from warroom.drill.promql.tokens import AGGS, BINARY_LEVELS, FUNCS, Tok, tokenize
from warroom.drill.promql.values import PromQLError
from warroom.durations import parse_duration


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
        if low in AGGS:
            self.i += 1
            return self.aggregation(low)
        if self.toks[self.i + 1].text == "(":
            if name not in FUNCS:
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
