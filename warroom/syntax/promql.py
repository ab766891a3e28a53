"""PromQL read as Prometheus 2.42 reads it (promql/parser: lex.go, generated_parser.y, parse.go): its lexer, its
grammar, its type checks. Each token keeps its position, so an error is raised where Prometheus' parser stands when
it meets it, in its words (``L:C: parse error: …``, a byte column), and the first one Prometheus would record wins:
a lexer error when the token is read, a grammar action's when its rule is reduced, the type checks after the whole
query parsed. A syntax error names the token and the innermost rule that has an error production (``unexpected``).

The one PromQL parser of warroom: the drill's evaluator walks its tree (``warroom.drill.promql``), and a runbook's
verify gates, named queries and Go/No-Go criteria are checked with it (``warroom.runbook.gate``), so a typo reads the
same in lint, in a drill and in ``promtool check rules``; ``test_parse_errors_are_prometheus_own`` holds it to
promtool 2.42."""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass, field
from typing import Any, NamedTuple

AGGREGATORS = {"avg", "bottomk", "count", "count_values", "group", "max", "min", "quantile", "stddev", "stdvar",
               "sum", "topk"}
KEYWORDS = {"bool", "by", "group_left", "group_right", "ignoring", "offset", "on", "without"}   # shown "<by>"
OPERATORS = {"+", "-", "*", "/", "%", "^", "==", "!=", "<=", "<", ">=", ">", "=~", "!~", "@", "and", "or", "unless",
             "atan2"}                                                                         # shown "<op:+>"
WORDS = AGGREGATORS | KEYWORDS | {"and", "or", "unless", "atan2", "start", "end"}
#: the grammar's metric_identifier and maybe_label: the words that may name a metric, a grouping label
METRIC_NAMES = AGGREGATORS | {"by", "and", "or", "unless", "offset", "without", "start", "end"}
LABEL_WORDS = (AGGREGATORS | KEYWORDS | {"and", "or", "unless", "start", "end", "atan2"}) - {"without"}
#: binary operators by how tightly they bind, and the one that binds right to left
BINDS = {"or": 1, "and": 2, "unless": 2, "==": 3, "!=": 3, "<=": 3, "<": 3, ">=": 3, ">": 3, "+": 4, "-": 4, "*": 5,
         "/": 5, "%": 5, "atan2": 5, "^": 6}
COMPARISONS = {"==", "!=", "<=", "<", ">=", ">"}
SET_OPERATORS = {"and", "or", "unless"}
#: what may start an expression (a function call's next argument, or its trailing comma)
STARTS = METRIC_NAMES | {"IDENTIFIER", "METRIC_IDENTIFIER", "NUMBER", "STRING", "(", "{", "+", "-"}

S, V, M, STR = "scalar", "vector", "matrix", "string"
SHOWN = {V: "instant vector", M: "range vector"}          # Prometheus' DocumentedType
#: each function of Prometheus 2.42: its argument types, how many optional ones at the end (-1: any), its type
FUNCTIONS: dict[str, tuple[tuple[str, ...], int, str]] = {
    **{f: ((V,), 0, V) for f in "abs absent acos acosh asin asinh atan atanh ceil cos cosh deg exp floor "
       "histogram_count histogram_sum ln log10 log2 rad sgn sin sinh sort sort_desc sqrt tan tanh timestamp".split()},
    **{f: ((M,), 0, V) for f in "absent_over_time avg_over_time changes count_over_time delta deriv idelta increase "
       "irate last_over_time max_over_time min_over_time present_over_time rate resets stddev_over_time "
       "stdvar_over_time sum_over_time".split()},
    **{f: ((V,), 1, V) for f in "days_in_month day_of_month day_of_week day_of_year hour minute month year".split()},
    "clamp": ((V, S, S), 0, V), "clamp_max": ((V, S), 0, V), "clamp_min": ((V, S), 0, V),
    "histogram_fraction": ((S, S, V), 0, V), "histogram_quantile": ((S, V), 0, V),
    "holt_winters": ((M, S, S), 0, V), "label_replace": ((V, STR, STR, STR, STR), 0, V),
    "label_join": ((V, STR, STR, STR), -1, V), "pi": ((), 0, S), "predict_linear": ((M, S), 0, V),
    "quantile_over_time": ((S, M), 0, V), "round": ((V, S), 1, V), "scalar": ((V,), 0, S), "time": ((), 0, S),
    "vector": ((S,), 0, V),
}
#: the functions Prometheus 3 added (its promql/parser/functions.go; limitk and limit_ratio are its aggregations, read
#: here as calls): runbook lint takes them beside 2.42's, as a gate may watch a Prometheus 3; the drill does not
LATER_FUNCTIONS: dict[str, tuple[tuple[str, ...], int, str]] = {
    **{f: ((V,), 0, V) for f in "histogram_avg histogram_stddev histogram_stdvar".split()},
    **{f: ((M,), 0, V) for f in "first_over_time mad_over_time ts_of_first_over_time ts_of_last_over_time "
       "ts_of_max_over_time ts_of_min_over_time".split()},
    "double_exponential_smoothing": ((M, S, S), 0, V), "info": ((V, V), 1, V), "integral": ((M, S), 1, V),
    "histogram_quantiles": ((V, STR, S, S), 9, V), "sort_by_label": ((V, STR), -1, V),
    "sort_by_label_desc": ((V, STR), -1, V), "limitk": ((S, V), 0, V), "limit_ratio": ((S, V), 0, V),
}


class PromQLError(ValueError):
    """A query refused: it does not parse (``ParseError``), or the drill cannot evaluate it; the message says why."""


#: what Go's ParseFloat reads (an le label Python's float() would take, such as 1_0 or ' 10', is no bucket)
GO_FLOAT = re.compile(r"[+-]?(?:(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|(?i:inf|infinity))|(?i:nan)")


#: RE2's words for a bad pattern where Go's regexp (Prometheus') has others
_GO_WORDS = {"missing )": "missing closing )", "missing ]": "missing closing ]", "trailing \\":
             "trailing backslash at end of expression", "bad repetition operator": "invalid nested repetition operator",
             "invalid repetition size": "invalid repeat count", "invalid named capture group": "invalid named capture",
             "no argument for repetition operator": "missing argument to repetition operator",
             "invalid perl operator": "invalid or unsupported Perl syntax"}
#: the scripts RE2 knows that Go 1.19's Unicode 13 tables do not (Prometheus 2.42 is built with it)
_NEWER_SCRIPTS = "Cypro_Minoan|Old_Uyghur|Tangsa|Toto|Vithkuqi|Kawi|Nag_Mundari"


def _go_refusal(pattern: str) -> tuple[int, str] | None:
    """Where and why Go's regexp refuses what RE2 takes (``\\C``, a script newer than Unicode 13, ``(?<name>``), the
    first such in the pattern; ``\\Q…\\E`` is literal text, ``(?<`` inside a character class too."""
    inclass = False
    for m in re.finditer(r"\\Q.*?(?:\\E|$)|\\[pP]\{[^}]*\}|\\.|\[:\^?[a-z]*:\]|\[\^?\]?|.", pattern, re.S):
        tok = m.group()
        if tok == "\\C" or re.fullmatch(rf"\\[pP]\{{\^?(?:{_NEWER_SCRIPTS})\}}", tok):
            return m.start(), f"invalid {'escape sequence' if tok[1] == 'C' else 'character class range'}: `{tok}`"
        if not inclass and pattern.startswith("(?<", m.start()):
            return m.start(), "invalid or unsupported Perl syntax: `(?<`"
        inclass = tok != "]" if inclass else tok.startswith("[") and not tok.endswith(":]")
    return None


@functools.lru_cache(maxsize=256)
def regex(pattern: str) -> Any:
    """``pattern`` anchored and compiled by RE2 like Prometheus' Go regexp: linear-time, so no query's pattern
    can stall a pane (Python's ``re`` took minutes on ``{__name__=~"(.|..)*z"}``); a bad one refused in Go's words,
    the first of RE2's and Go's own refusals (``_go_refusal``) as Go, reading from the left, meets it."""
    import re2      # here, not at the top: it costs every stand-in's start 20 ms, and few queries have a regex

    options = re2.Options()
    options.log_errors = False          # the error is ours to report, without absl noise on stderr
    refused = _go_refusal(pattern)
    try:
        compiled = re2.compile(f"^(?:{pattern})$", options)
    except re2.error as exc:
        words, _, where = (exc.args[0].decode(errors="replace") if exc.args else "").partition(": ")
        if words.startswith("pattern too large"):       # RE2's memory cap, which Go has not (attack47 Y11)
            raise PromQLError("error parsing regexp: too large for warroom's regexp engine (RE2's memory limit; "
                              "Prometheus may accept it): write it shorter") from None
        if not refused or where and 0 <= pattern.find(where) <= refused[0] - len(where):
            raise PromQLError(f"error parsing regexp: {_GO_WORDS.get(words, words)}: `{where}`") from None
    if refused:
        raise PromQLError(f"error parsing regexp: {refused[1]}")
    return compiled


def match_value(actual: str, op: str, value: str) -> bool:
    """One selector matcher (``= != =~ !~``); regexes are anchored, as in Prometheus."""
    if op in ("=", "!="):
        return (actual == value) == (op == "=")
    return (regex(value).fullmatch(actual) is None) == (op == "!~")


class ParseError(PromQLError):
    """Prometheus' parse error: ``why`` at character ``at`` of ``text``, as a line and a byte column (``place``);
    ``at`` is kept so a reader that knows where the query is written (runbook lint) can say where in its file."""

    def __init__(self, text: str, at: int, why: str) -> None:
        before, newline = text[:at].encode(), b"\n"
        self.at, self.why = at, why
        self.place = f"{before.count(newline) + 1}:{len(before) - before.rfind(newline)}"
        super().__init__(f"{self.place}: parse error: {why}")


# ---------------------------------------------------------------------------------------------------- the syntax tree

@dataclass(eq=False)
class Node:
    start: int          # where it begins in the query (a character index), for the type checks' errors


@dataclass(eq=False)
class Number(Node):
    val: float


@dataclass(eq=False)
class String(Node):
    val: str


@dataclass(eq=False)
class Selector(Node):
    name: str | None
    matchers: tuple[tuple[str, str, str], ...]     # (label, one of = != =~ !~, value), the metric name's not among them
    offset: float = 0.0                            # seconds back
    at: float | str | None = None                  # a unix time, "start" or "end"


@dataclass(eq=False)
class Matrix(Node):
    selector: Node
    range: float


@dataclass(eq=False)
class Subquery(Node):
    expr: Node
    range: float
    step: float | None
    offset: float = 0.0
    at: float | str | None = None


@dataclass(eq=False)
class Call(Node):
    func: str
    args: list[Node]


@dataclass(eq=False)
class Aggregate(Node):
    op: str
    expr: Node | None = None
    param: Node | None = None
    grouping: list[str] | None = None      # by (…) or without (…): its labels
    without: bool = False


@dataclass(eq=False)
class Binary(Node):
    op: str
    lhs: Node
    rhs: Node
    at: int = 0                            # the operator's place: the first character after the left operand
    bool: bool = False
    on: bool = False                       # on (…), else ignoring (…) or neither
    matching: list[str] = field(default_factory=list)
    card: str = "one-to-one"               # or many-to-one (group_left), one-to-many (group_right), many-to-many
    include: list[str] = field(default_factory=list)      # group_left (…)'s labels


@dataclass(eq=False)
class Unary(Node):
    op: str
    expr: Node


@dataclass(eq=False)
class Paren(Node):
    expr: Node


# ---------------------------------------------------------------------------------------------------- the lexer

class Token(NamedTuple):
    kind: str       # IDENTIFIER, METRIC_IDENTIFIER, NUMBER, STRING, DURATION, EOF, or the text of a word or symbol
    text: str
    pos: int

    @property
    def end(self) -> int:
        return self.pos + len(self.text)

    def desc(self) -> str:
        """The token as Prometheus' ``unexpected`` names it (lex.go's ``Item.desc``)."""
        if self.kind == "EOF":
            return "end of input"
        if self.kind in ("IDENTIFIER", "METRIC_IDENTIFIER"):
            return f"{'metric identifier' if self.kind[0] == 'M' else 'identifier'} {go_quote(self.text)}"
        if self.kind in KEYWORDS:
            return f"<{self.text}>"
        if self.kind in OPERATORS:       # "@" is the one token Prometheus 2.42 has no name for: its number shows
            return f"<op:{self.text}>" if self.kind != "@" else '"<Item 57385>" <op:@>'
        if self.kind in AGGREGATORS:
            return f"<aggr:{self.text}>"
        shown = go_quote(self.text[:10]) + "..." if len(self.text.encode()) > 10 else go_quote(self.text)
        return shown if self.kind not in ("NUMBER", "STRING", "DURATION") else f"{self.kind.lower()} {shown}"


_ESCAPES = {"\a": r"\a", "\b": r"\b", "\f": r"\f", "\n": r"\n", "\r": r"\r", "\t": r"\t", "\v": r"\v", "\\": r"\\"}


def go_quote(text: str, quote: str = '"') -> str:
    """Go's ``%q`` of a string (``quote`` ``'``: of a rune)."""
    def one(c: str) -> str:
        if c in _ESCAPES or c == quote:
            return _ESCAPES.get(c, "\\" + c)
        if c.isprintable():
            return c
        return f"\\x{ord(c):02x}" if ord(c) < 0x80 else f"\\u{ord(c):04x}" if ord(c) < 0x10000 else f"\\U{ord(c):08x}"
    return quote + "".join(map(one, text)) + quote


def _u(c: str) -> str:
    """Go's ``%#U`` of a rune."""
    return f"U+{ord(c):04X}" + (f" '{c}'" if c.isprintable() else "")


_SKIP = re.compile(r"(?:[ \t\n\r]+|#[^\r\n]*)*")                 # spaces and comments between tokens
_NUMBER = re.compile(r"(?:0[xX][0-9a-fA-F]*(?:\.[0-9a-fA-F]*)?|[0-9]*(?:\.[0-9]*)?)(?:[eE][+-]?[0-9]*)?")
_UNITS = re.compile(r"[smhdwy]s?(?:[0-9]+[smhdw]s?)*([0-9]*)")     # a duration's units after its first number
_WORD, _LABEL = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*"), re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")


def _rune(c: str) -> str:
    """Go's ``%q`` of a rune; the end of the input is Go's -1, shown as U+FFFD."""
    return go_quote(c or "\ufffd", "'")


def _alnum(text: str, i: int) -> bool:
    """Whether ``text[i]`` is a letter, a digit or ``_`` (lex.go's isAlphaNumeric; past the end: no)."""
    return i < len(text) and (text[i] in "_0123456789" or text[i].isascii() and text[i].isalpha())


class Lexer:
    """lex.go, one token a call: its state (``(`` and ``[`` opened, a ``{`` open, a ``:`` read in brackets) decides
    what a character starts (inside braces every word is an identifier; after ``[`` a duration). An error raises
    ``ParseError`` at the token it stops (after a ``)`` too many: its lexer has read it)."""

    def __init__(self, text: str) -> None:
        self.text, self.pos = text, 0
        self.parens, self.brace, self.bracket, self.colon, self.duration = 0, False, False, False, False

    def token(self, kind: str, start: int, end: int) -> Token:
        self.pos = end
        return Token(kind, self.text[start:end], start)

    def units(self, at: int) -> tuple[int, bool]:
        """acceptRemainingDuration after a number that ends at ``at``: where it stops, and whether on a duration."""
        if (units := _UNITS.match(self.text, at)) is None:
            return at, False
        if units[1] or _alnum(self.text, units.end()):        # a number with no unit, or a letter after the last
            return units.end() + (not units[1]), False
        return units.end(), True

    def next(self) -> Token:
        """The next token, comments skipped (the parser's ``Lex``)."""
        text = self.text
        if self.duration:               # after "[" (only spaces skipped)
            self.duration = False
            start = len(text) - len(text[self.pos:].lstrip(" \t\n\r"))
            if not _alnum(text, number := _NUMBER.match(text, start).end()):
                raise ParseError(text, start, "missing unit character in duration")
            if not (ends := self.units(number))[1]:
                raise ParseError(text, start, f"bad duration syntax: {go_quote(text[start:ends[0]])}")
            return self.token("DURATION", start, ends[0])
        start = _SKIP.match(text, self.pos).end()
        c, after = text[start:start + 1], text[start + 1:start + 2]
        if self.brace:
            return self.in_braces(start, c, after)
        if c == "":
            if self.parens or self.bracket:
                raise ParseError(text, start, f"unclosed left {'parenthesis' if self.parens else 'bracket'}")
            return self.token("EOF", start, start)
        if c in "0123456789" or c == "." and after != "" and after in "0123456789":
            if not _alnum(text, end := _NUMBER.match(text, start).end()):
                return self.token("NUMBER", start, end)
            end, duration = self.units(end)
            if not duration:
                raise ParseError(text, start, f"bad number or duration syntax: {go_quote(text[start:end])}")
            return self.token("DURATION", start, end)
        if c in "\"'`":
            return self.string(start, c)
        if _alnum(text, start) or c == ":":
            if not self.bracket:
                word = text[start:_WORD.match(text, start).end()]
                kind = word.lower() if word.lower() in WORDS else "NUMBER" if word.lower() in ("inf", "nan") else \
                    "METRIC_IDENTIFIER" if ":" in word else "IDENTIFIER"
                return self.token(kind, start, start + len(word))
            if self.colon:              # any letter after the ":" of a subquery, or a second ":"
                raise ParseError(text, start, f"unexpected colon {_rune(c)}")
            self.colon = True
            return self.token(":", start, start + 1)       # a letter in brackets is read as its ":"
        if c == "=" and after == "~":
            raise ParseError(text, start, "unexpected character after '=': '~'")
        if c == "!" and after != "=":
            raise ParseError(text, start, f"unexpected character after '!': {_rune(after)}")
        if c in "=!<>":
            return self.token(c + "=" if after == "=" else c, start, start + 1 + (after == "="))
        if c == ")" and self.parens == 0:
            raise ParseError(text, start + 1, "unexpected right parenthesis ')'")
        if c == "[" and self.bracket or c == "]" and not self.bracket:
            raise ParseError(text, start, f"unexpected {'left' if c == '[' else 'right'} bracket '{c}'")
        if c not in "()[]{,*/%+-^@":
            raise ParseError(text, start, f"unexpected character: {_rune(c)}")
        self.parens += (c == "(") - (c == ")")
        self.brace |= c == "{"
        if c in "[]":
            self.bracket = self.duration = c == "["
            self.colon = False
        return self.token(c, start, start + 1)

    def in_braces(self, start: int, c: str, after: str) -> Token:
        text = self.text
        if c == "":
            raise ParseError(text, start, "unexpected end of input inside braces")
        if _alnum(text, start) and c not in "0123456789":
            return self.token("IDENTIFIER", start, _LABEL.match(text, start).end())
        if c in "\"'`":
            return self.string(start, c)
        if c == "!" and after not in ("~", "="):
            raise ParseError(text, start, f"unexpected character after '!' inside braces: {_rune(after)}")
        if c in "=!":
            op = c + after if after == "~" or c == "!" else c
            return self.token(op, start, start + len(op))
        if c == "{":
            raise ParseError(text, start, "unexpected left brace '{'")
        if c not in ",}":
            raise ParseError(text, start, f"unexpected character inside braces: {_rune(c)}")
        self.brace = c != "}"
        return self.token(c, start, start + 1)

    def string(self, start: int, quote: str) -> Token:
        """A quoted string, its escapes checked as lexString and lexEscape check them."""
        text, i = self.text, start + 1
        while (c := text[i:i + 1]) != quote:
            if c == "\ufffd":
                raise ParseError(text, start, "invalid UTF-8 rune")
            if c == "" or c == "\n" and quote != "`":
                raise ParseError(text, start, f"unterminated {'raw' if quote == '`' else 'quoted'} string")
            i = self.escape(start, i + 1, quote) if c == "\\" and quote != "`" else i + 1
        return self.token("STRING", start, i + 1)

    def escape(self, start: int, i: int, quote: str) -> int:
        """Where the escape after the backslash at ``i - 1`` ends, or its error."""
        text, c = self.text, self.text[i:i + 1]
        if c != "" and c in "abfnrtv\\" + quote:
            return i + 1
        if c == "" or c not in "01234567xuU":
            raise ParseError(text, start, "escape sequence not terminated" if c == "" else
                             f"unknown escape sequence {_u(c)}")
        n, base, most = {"x": (2, 16, 255), "u": (4, 16, 0x10FFFF), "U": (8, 16, 0x10FFFF)}.get(c, (3, 8, 255))
        i += base == 16
        for d in (digits := text[i:i + n]):
            if d not in "0123456789abcdefABCDEF" or int(d, 16) >= base:
                raise ParseError(text, start, f"illegal character {_u(d)} in escape sequence")
        if len(digits) < n:
            raise ParseError(text, start, "escape sequence not terminated")
        if (value := int(digits, base)) > most or 0xD800 <= value < 0xE000:
            raise ParseError(text, start, "escape sequence is an invalid Unicode code point")
        return i + n


# ---------------------------------------------------------------------------------------------------- the parser

_DURATION = re.compile(r"(?:([0-9]+)y)?(?:([0-9]+)w)?(?:([0-9]+)d)?(?:([0-9]+)h)?(?:([0-9]+)m)?(?:([0-9]+)s)?"
                       r"(?:([0-9]+)ms)?")
_UNIT_MS = (31_536_000_000, 604_800_000, 86_400_000, 3_600_000, 60_000, 1000, 1)
_ESCAPE = re.compile(rb"\\(?:([0-7]{3})|x(..)|u(....)|U(.{8})|(.))", re.S)
_SIMPLE = {b"a": b"\a", b"b": b"\b", b"f": b"\f", b"n": b"\n", b"r": b"\r", b"t": b"\t", b"v": b"\v"}
_INT64 = 2 ** 63


def unquote(text: str) -> str:
    """A string token's value (strutil.Unquote); the lexer has checked its escapes."""
    if text[0] == "`":
        return text[1:-1]

    def one(m: re.Match[bytes]) -> bytes:
        if m[1] or m[2]:
            return bytes([int(m[1] or m[2], 8 if m[1] else 16)])
        if m[3] or m[4]:
            return chr(int(m[3] or m[4], 16)).encode()
        return _SIMPLE.get(m[5], m[5])
    return _ESCAPE.sub(one, text[1:-1].encode()).decode(errors="replace")


class Parser:
    """generated_parser.y read top-down: binary operators by how tightly they bind, ``offset``, ``@`` and ``[…]``
    binding tightest, a unary sign as ``*``. Tokens are read only when the grammar needs them, as yacc reads its
    lookahead, so a lexer error and a grammar action's error come in Prometheus' order."""

    def __init__(self, text: str, functions: dict[str, tuple[tuple[str, ...], int, str]] | None = None) -> None:
        self.text, self.lexer = text, Lexer(text)
        self.functions = FUNCTIONS if functions is None else functions
        self.ahead: Token | None = None
        self.last = Token("EOF", "", 0)     # the last token taken: where a node ends
        self.aggregations = 0               # aggregations being read: their rule catches a syntax error inside
        self.type = ""                      # the whole query's, once parsed

    def peek(self) -> Token:
        if self.ahead is None:
            self.ahead = self.lexer.next()
        return self.ahead

    def take(self) -> Token:
        self.last, self.ahead = self.peek(), None
        return self.last

    def fail(self, at: int, why: str) -> ParseError:
        return ParseError(self.text, at, why)

    def unexpected(self, context: str = "", expected: str = "") -> ParseError:
        """A syntax error at the next token, in the words of the error rule that catches it (parse.go)."""
        if not context and self.aggregations:
            context = "aggregation"
        token = self.peek()
        why = f"unexpected {token.desc()}" + (f" in {context}" if context else "") + \
            (f", expected {expected}" if expected else "")
        return self.fail(token.pos, why)

    def need(self, kind: str, context: str = "", expected: str = "") -> Token:
        if self.peek().kind != kind:
            raise self.unexpected(context, expected)
        return self.take()

    def parse(self) -> Node:
        if self.peek().kind == "EOF":
            raise self.fail(0, "no expression found in input")
        node = self.expr()
        self.need("EOF")
        self.type = self.check(node)
        return node

    def expr(self, binds: int = 0) -> Node:
        """An expression whose binary operators bind at least as tightly as ``binds``."""
        if self.peek().kind in ("+", "-"):
            sign = self.take()
            left = self.expr(BINDS["^"])            # a sign binds as "*": only "^" goes with its operand
            if isinstance(left, Number):            # folded into the number, as Prometheus does
                left.val, left.start = -left.val if sign.kind == "-" else left.val, sign.pos
            else:
                left = Unary(sign.pos, sign.kind, left)
        else:
            left = self.postfix(self.primary())
        while (op := self.peek().kind) in BINDS and BINDS[op] >= binds:
            at = len(self.text) - len(self.text[self.last.end:].lstrip(" \t\n\r"))     # after the left operand
            self.take()
            node = Binary(left.start, op, left, left, at)
            if self.peek().kind == "bool":
                self.take()
                node.bool = True
            if self.peek().kind in ("on", "ignoring"):
                node.on, node.matching = self.take().kind == "on", self.labels()
                if self.peek().kind in ("group_left", "group_right"):
                    node.card = "many-to-one" if self.take().kind == "group_left" else "one-to-many"
                    node.include = [] if self.peek().kind in STARTS - {"("} else self.labels()
            node.rhs = self.expr(BINDS[op] + (op != "^"))       # "^" binds right to left
            left = node
        return left

    def primary(self) -> Node:
        token = self.peek()
        if token.kind not in STARTS:
            raise self.unexpected()
        self.take()
        if token.kind == "NUMBER":
            return Number(token.pos, self.number(token))
        if token.kind == "STRING":
            return String(token.pos, unquote(token.text))
        if token.kind == "(":
            inner = self.expr()
            self.need(")")
            return Paren(token.pos, inner)
        if token.kind in AGGREGATORS and self.peek().kind in ("(", "by", "without"):
            return self.aggregate(token)
        if token.kind == "IDENTIFIER" and self.peek().kind == "(":
            args = self.body()
            if token.text not in self.functions:
                raise self.fail(token.pos, f"unknown function with name {go_quote(token.text)}")
            return Call(token.pos, token.text, args)
        return self.selector(token)

    def selector(self, first: Token) -> Selector:
        """A metric name and/or ``{label="value", …}`` (``first``: the name or the ``{``, taken)."""
        name = None if first.kind == "{" else first.text
        matchers = []
        if name is None or self.peek().kind == "{":
            if name is not None:
                self.take()
            while self.peek().kind != "}":
                label = self.need("IDENTIFIER", "label matching", 'identifier or "}"')
                op = self.peek().kind
                if op not in ("=", "!=", "=~", "!~"):
                    raise self.unexpected("label matching", "label matching operator")
                self.take()
                value = unquote(self.need("STRING", "label matching", "string").text)
                if op in ("=~", "!~"):
                    try:
                        regex(value)
                    except PromQLError as exc:
                        raise self.fail(label.pos, str(exc)) from None
                matchers.append((label.text, op, value))
                if self.peek().kind != "}":
                    self.need(",", "label matching", '"," or "}"')
            self.take()
        return Selector(first.pos, name, tuple(matchers))

    def aggregate(self, op: Token) -> Aggregate:
        """``sum by (…) (…)`` or ``sum (…) by (…)``; a syntax error inside it is "in aggregation"."""
        self.aggregations += 1
        node = Aggregate(op.pos, op.kind)
        if self.peek().kind in ("by", "without"):
            node.without, node.grouping = self.take().kind == "without", self.labels()
        args = self.body()
        if node.grouping is None and self.peek().kind in ("by", "without"):
            node.without, node.grouping = self.take().kind == "without", self.labels()
        self.aggregations -= 1
        want = 2 if op.kind in ("topk", "bottomk", "count_values", "quantile") else 1
        if not args:
            raise self.fail(op.pos, "no arguments for aggregate expression provided")
        if len(args) != want:
            raise self.fail(op.pos, f"wrong number of arguments for aggregate expression provided, expected {want}, "
                                    f"got {len(args)}")
        node.param, node.expr = args[0] if want == 2 else None, args[-1]
        return node

    def body(self) -> list[Node]:
        """A call's or an aggregation's ``(arguments)``."""
        self.need("(")
        args = []
        while self.peek().kind != ")" or self.last.kind == ",":
            if self.last.kind == "," and self.peek().kind not in STARTS:
                raise self.fail(self.last.pos, "trailing commas not allowed in function call args")
            args.append(self.expr())
            if self.peek().kind != ")":
                self.need(",")
        self.take()
        return args

    def labels(self) -> list[str]:
        """``by``'s, ``on``'s, ``group_left``'s ``(label, …)``."""
        names: list[str] = []
        self.need("(", "grouping opts", '"("')
        while self.peek().kind != ")":
            token = self.peek()
            if token.kind not in LABEL_WORDS and token.kind not in ("IDENTIFIER", "METRIC_IDENTIFIER"):
                raise self.unexpected("grouping opts", "label")
            if token.kind == "METRIC_IDENTIFIER":           # a word the lexer reads, but no label name
                raise self.fail(token.pos, f"unexpected {token.desc()} in grouping opts, expected label")
            names.append(self.take().text)
            if self.peek().kind != ")":
                self.need(",", "grouping opts", '"," or ")"')
        self.take()
        return names

    def postfix(self, node: Node) -> Node:
        """``node`` with its ``[range]``, ``[range:step]``, ``offset`` and ``@`` modifiers."""
        while self.peek().kind in ("[", "offset", "@"):
            modifier = self.take()
            if modifier.kind == "[":
                node = self.bracket(node, modifier)
                continue
            target = node.selector if isinstance(node, Matrix) else node
            if modifier.kind == "offset":
                sign = -1 if self.peek().kind == "-" else 1
                if sign < 0:
                    self.take()
                seconds = sign * self.duration(self.need("DURATION", "offset", "duration"))
                if not isinstance(target, (Selector, Subquery)):
                    raise self.fail(node.start, "offset modifier must be preceded by an instant vector selector or "
                                                "range vector selector or a subquery")
                if target.offset:
                    raise self.fail(node.start, "offset may not be set multiple times")
                target.offset = seconds
            else:
                at = self.at()
                if isinstance(at, float) and not -_INT64 < at < _INT64:
                    shown = f"{at:f}" if math.isfinite(at) else "NaN" if math.isnan(at) else f"{at:+f}".title()
                    raise self.fail(node.start, f"timestamp out of bounds for @ modifier: {shown}")
                if not isinstance(target, (Selector, Subquery)):
                    raise self.fail(node.start, "@ modifier must be preceded by an instant vector selector or range "
                                                "vector selector or a subquery")
                if target.at is not None:
                    raise self.fail(node.start, "@ <timestamp> may not be set multiple times")
                target.at = at if isinstance(at, str) else math.copysign(math.floor(abs(at) * 1000 + 0.5), at) / 1000
        return node

    def at(self) -> float | str:
        """What follows ``@``: a number (a unix time), or ``start()`` / ``end()``."""
        if self.peek().kind in ("start", "end"):
            word = self.take().kind
            self.need("(", "@", "timestamp")
            self.need(")", "@", "timestamp")
            return word
        sign = -1.0 if self.peek().kind == "-" else 1.0
        if self.peek().kind in ("+", "-"):
            self.take()
        return sign * self.number(self.need("NUMBER", "@", "timestamp"))

    def bracket(self, node: Node, opened: Token) -> Node:
        """``node[range]`` (a range of a selector) or ``node[range:step]`` (a subquery)."""
        window = self.duration(self.take())         # the lexer reads a duration after "[", or fails
        if self.peek().kind == "]":
            self.take()
            why = "ranges only allowed for vector selectors" if not isinstance(node, Selector) else \
                "no offset modifiers allowed before range" if node.offset else \
                "no @ modifiers allowed before range" if isinstance(node.at, float) else None   # (start() is)
            if why:
                raise self.fail(opened.pos, why)
            return Matrix(node.start, node, window)
        self.need(":", "subquery or range", '":" or "]"')
        step = self.duration(self.take()) if self.peek().kind == "DURATION" else None
        self.need("]", "subquery selector", 'duration or "]"' if step is None else '"]"')
        return Subquery(node.start, node, window, step)

    def number(self, token: Token) -> float:
        """A number as Prometheus reads it: Go's ParseInt (base 0: ``0x1f``, ``017`` octal), else its ParseFloat."""
        text = token.text
        base = 16 if re.fullmatch("0[xX][0-9a-fA-F]+", text) else 8 if re.fullmatch("0[0-7]+", text) else \
            10 if text.isdigit() else 0
        if base and int(text, base) < _INT64:
            return float(int(text, base))
        if GO_FLOAT.fullmatch(text):
            if math.isinf(value := float(text)) and "n" not in text.lower():
                raise self.fail(token.pos, f"error parsing number: strconv.ParseFloat: parsing {go_quote(text)}: "
                                           "value out of range")
            return value
        raise self.fail(token.pos, f"error parsing number: strconv.ParseFloat: parsing {go_quote(text)}: "
                                   "invalid syntax")

    def duration(self, token: Token) -> float:
        """A duration in seconds, as Prometheus' model.ParseDuration reads it (Go's int64 nanoseconds)."""
        if (parts := _DURATION.fullmatch(token.text)) is None:
            raise self.fail(token.pos, f"not a valid duration string: {go_quote(token.text)}")
        nanos = 0
        for part, ms in zip(parts.groups(), _UNIT_MS, strict=True):
            if part and int(part) > (_INT64 - 1) // ms // 1_000_000 or nanos >= _INT64:
                raise self.fail(token.pos, "duration out of range")
            nanos += int(part or 0) * ms * 1_000_000
        if nanos == 0:
            raise self.fail(token.pos, "duration must be greater than 0")
        if nanos >= _INT64:
            raise self.fail(token.pos, "duration out of range")
        return nanos / 1e9

    def check(self, node: Node) -> str:
        """``node``'s type, its operands' checked first (parse.go's ``checkAST``, after a whole query parsed)."""
        if isinstance(node, (Number, String)):
            return S if isinstance(node, Number) else STR
        if isinstance(node, Paren):
            return self.check(node.expr)
        if isinstance(node, Matrix):
            self.check(node.selector)
            return M
        if isinstance(node, Selector):
            if node.name is not None and any(label == "__name__" for label, _, _ in node.matchers):
                value = next(v for label, _, v in node.matchers if label == "__name__")
                raise self.fail(node.start, f"metric name must not be set twice: {go_quote(node.name)} or "
                                            f"{go_quote(value)}")
            if node.name is None and all(match_value("", op, value) for _, op, value in node.matchers):
                raise self.fail(node.start, "vector selector must contain at least one non-empty matcher")
            return V
        if isinstance(node, Subquery):
            if (kind := self.check(node.expr)) != V:
                raise self.fail(node.start, f"subquery is only allowed on instant vector, got {kind} instead")
            return M
        if isinstance(node, Unary):
            if (kind := self.check(node.expr)) not in (S, V):
                raise self.fail(node.start, "unary expression only allowed on expressions of type scalar or instant "
                                            f'vector, got "{SHOWN.get(kind, kind)}"')
            return kind
        if isinstance(node, Aggregate):
            self.expect(node.expr, V, "aggregation expression")          # (its operand before its parameter)
            if node.op in ("topk", "bottomk", "quantile", "count_values"):
                self.expect(node.param, STR if node.op == "count_values" else S, "aggregation parameter")
            return V
        if isinstance(node, Call):
            return self.check_call(node)
        assert isinstance(node, Binary)
        return self.check_binary(node)

    def expect(self, node: Node | None, want: str, where: str) -> None:
        assert node is not None
        if (kind := self.check(node)) != want:
            raise self.fail(node.start, f"expected type {SHOWN.get(want, want)} in {where}, got "
                                        f"{SHOWN.get(kind, kind)}")

    def check_call(self, node: Call) -> str:
        types, optional, kind = self.functions[node.func]
        given, name = len(node.args), go_quote(node.func)
        if optional == 0 and given != len(types):
            raise self.fail(node.start, f"expected {len(types)} argument(s) in call to {name}, got {given}")
        if optional and given < len(types) - 1:
            raise self.fail(node.start, f"expected at least {len(types) - 1} argument(s) in call to {name}, "
                                        f"got {given}")
        if optional > 0 and given > len(types) - 1 + optional:
            raise self.fail(node.start, f"expected at most {len(types) - 1 + optional} argument(s) in call to "
                                        f"{name}, got {given}")
        for i, arg in enumerate(node.args):
            self.expect(arg, types[min(i, len(types) - 1)], f"call to function {name}")
        return kind

    def check_binary(self, node: Binary) -> str:
        left, right = self.check(node.lhs), self.check(node.rhs)
        if node.bool and node.op not in COMPARISONS:
            raise self.fail(node.at, "bool modifier can only be used on comparison operators")
        if node.op in COMPARISONS and not node.bool and left == right == S:
            raise self.fail(node.at, "comparisons between scalars must use BOOL modifier")
        if node.op in SET_OPERATORS and node.card == "one-to-one":
            node.card = "many-to-many"
        if node.on and (both := next((label for label in node.matching if label in node.include), None)):
            raise self.fail(node.at, f"label {go_quote(both)} must not occur in ON and GROUP clause at once")
        for kind, side in ((left, node.lhs), (right, node.rhs)):
            if kind not in (S, V):
                raise self.fail(side.start, "binary expression must contain only scalar and instant vector types")
        if (left != V or right != V) and node.matching:
            raise self.fail(node.start, "vector matching only allowed between instant vectors")
        if left == right == V and node.op in SET_OPERATORS and node.card != "many-to-many":
            raise self.fail(node.start, f"no grouping allowed for {go_quote(node.op)} operation")
        if S in (left, right) and node.op in SET_OPERATORS:
            raise self.fail(node.start, f"set operator {go_quote(node.op)} not allowed in binary scalar expression")
        return S if left == right == S else V


def parse(text: str) -> Node:
    """``text``'s syntax tree, or ``ParseError`` where and as Prometheus 2.42 refuses it."""
    return Parser(text).parse()


def value_type(text: str, later: bool = False) -> str:
    """What ``text`` evaluates to (``scalar``, ``vector``, ``matrix`` or ``string``) by Prometheus' type checks, or
    ``ParseError`` where and as Prometheus 2.42 refuses it: a verify gate compares a scalar or a vector only.
    ``later``: Prometheus 3's functions are known too (``LATER_FUNCTIONS``)."""
    parser = Parser(text, FUNCTIONS | LATER_FUNCTIONS if later else FUNCTIONS)
    parser.parse()
    return parser.type
