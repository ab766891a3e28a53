"""The evaluator's entry: ``parse``, then ``evaluate_many`` (``walk`` walks the tree over all the times
at once) and what a pane shows of the result (``shown``); ``test_promql_differential`` holds it to Prometheus."""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Sequence
from typing import NamedTuple

import promql_parser as pp

from warroom.drill.promql.catalog import Catalog, Labels, PromQLError
from warroom.drill.promql.columns import Scalar, Vec, bare
from warroom.drill.promql.walk import SHIFT, Walk

MAX_LENGTH = 4_000     # query characters: the parser recurses in native code, and far deeper nesting crashes it


class Sample(NamedTuple):
    labels: Labels
    value: float


Value = float | list[Sample]


class Many(NamedTuple):
    """A query's result at many times: a ``scalar`` column, or a ``vector`` of (labels, column);
    ``order`` sorts each time's samples (the query was ``sort``/``sort_desc``)."""

    scalar: list[float] | None = None
    vector: Vec | None = None
    order: str | None = None
    speed: float | None = None      # timestamps read at this drill speed (not x1): a span between two is drill time
    unknown: tuple[str, ...] = ()   # a note for each metric name no drill series has (read as none: ``lenient``)
    text: str | None = None         # a string literal's (``lenient``)

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
    or a type error is refused here, in Prometheus' words (``said``), and the evaluator only has to
    refuse, by name, what is valid PromQL but not evaluated in drills.
    """
    if len(expr) > MAX_LENGTH:
        raise PromQLError(f"the expression is {len(expr)} characters long; the drill reads at most {MAX_LENGTH}")
    if misread := _misread(expr):
        raise PromQLError(f"invalid PromQL: {misread}")
    try:
        return pp.parse(expr)
    except ValueError as exc:
        why = str(exc)
    if why == "unknown function with name 'holt_winters'":     # Prometheus 2's; the parser library lacks it
        raise PromQLError("function 'holt_winters' is not supported in drills")
    raise PromQLError(f"invalid PromQL: {said(expr, why)}")


#: the library's words where Prometheus 2.42 says "X" (Go's %q) and names the types otherwise
_QUOTED = re.compile(r"(call to function|call to|with name|set operator|for|twice:|or) '([^']*)'")
_TYPES = {"matrix": "range vector", "vector": "instant vector"}
_OPERATOR = r"(?:\+|-|\*|/|%|\^|==|!=|>=|<=|>|<|and|or|unless|atan2)"
_GRAMMAR = re.compile(r"invalid promql query|unexpected|unclosed|unterminated|escape sequence|bad number|no expression|"
                      r"invalid (label matcher|syntax)|illegal")
#: words the lexer reads as keywords, operators or aggregations (what may follow an expression, or start one that is
#: not finished): after a start that parses, only another word is surely Prometheus' root "unexpected …"
_KEYWORDS = set("and or unless atan2 by without on ignoring group_left group_right bool offset start end avg bottomk "
                "count count_values group max min quantile stddev stdvar sum topk".split())
#: what fills a string or a comment (blanked, so no bracket or name in one is read as the query's)
_FILLED = re.compile(r'"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'|`[^`]*`|#[^\n]*')


def said(expr: str, why: str) -> str:
    """``promql-parser``'s error ``why`` about ``expr`` as Prometheus 2.42's API says it (attack43 A4): ``L:C: parse
    error: …`` (line, byte column) where the drill can know the position (the end of the input, an unclosed quote,
    an unmatched bracket, an unknown function, no expression), ``parse error: …`` without one where the library does
    not say where (a type error's node), and for a grammar error, where it says neither where nor what, the longest
    start that parses."""
    blank = _FILLED.sub(lambda m: "s" * len(m[0]), expr)
    at: int | None = None

    def unmatched(close: str) -> int:
        depth = 0
        for i, c in enumerate(blank):
            depth += (c == "([{"[")]}".index(close)]) - (c == close)
            if depth < 0:
                return i
        return len(expr)
    if why == "invalid promql query":       # a grammar error, where the library says no more: the longest start
        n = next((i for i in range(len(expr) - 1, 0, -1)                                # that parses, then what
                  if not re.match(r"[\w:.]{2}", expr[i - 1:i + 1]) and _sound(expr[:i], whole=True)), 0)
        rest = re.sub(r"^(\s|#[^\n]*)*", "", expr[n:])                                   # follows it
        token = re.match(r"(\d+(ms|[smhdwy]))+|0[xX][0-9a-fA-F]+|(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|[a-zA-Z_:][\w:]*|"
                         r'"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'|=(?![=~])|[({,]', rest)
        word = token[0] if token else ""
        ending = re.fullmatch(rf"(?i)({_OPERATOR}(?:\s+bool)?(?:\s+(?:on|ignoring)\s*\([\w\s,]*\))?\s+)?"
                              r"(by|without|on|ignoring|group_left|group_right|offset\s*-?)\s*", rest)
        if ending and ending[1] and ending[2].lower() not in ("on", "ignoring", "group_left", "group_right"):
            ending = None                   # by, without, offset follow an expression, not an operator
        if word in ("(", "{") and re.search(r"[\w:]$", expr[:n].rstrip()):
            word = ""                       # a call's or a selector's: the error lies further in
        if n and word and word.lower() not in _KEYWORDS and expr[:n].strip().lower() not in _KEYWORDS:
            kind = "duration" if token[1] else "number" if word[0] in "0123456789." or word.lower() in ("inf", "nan") \
                else "string" if word[0] in "\"'" else "metric identifier" if ":" in word else "identifier" \
                if word[0] not in "=({," else ""
            at, why = len(expr) - len(rest), f"unexpected {kind + ' ' * bool(kind)}" + json.dumps(word,
                                                                                                  ensure_ascii=False)
        elif n and re.fullmatch(rf"{_OPERATOR}(\s+bool)?\s*", rest):
            at, why = len(expr), "unexpected end of input"          # an operator with nothing after it
        elif n and ending and (ending[2].lower() not in ("by", "without") or re.match(
                r"\s*(sum|avg|count|min|max|group|stddev|stdvar|topk|bottomk|quantile|count_values)\s*\(", blank)
                and not re.search(r"\b(by|without)\b", blank[:n])):        # an aggregation's first modifier
            at = len(expr)                  # a modifier or an offset with nothing after it
            why = "unexpected end of input in " + ('offset, expected duration' if ending[2].lower().startswith(
                "offset") else 'grouping opts, expected "("')
        elif n and expr[:n].strip().lower() in _KEYWORDS and re.fullmatch(r"(?i)(by|without)\s*", rest):
            at, why = len(expr), 'unexpected end of input in grouping opts, expected "("'     # ``sum by``
        elif n and word.lower() in ("bool", "by", "without", "on", "ignoring", "group_left", "group_right"):
            at, why = len(expr) - len(rest), f"unexpected <{word.lower()}>"        # a keyword where none may be
        elif (value := next((m for m in _MATCHED.finditer(blank) if expr[m.end():m.end() + 1] not in "\"'`"), None)) \
                and expr[value.end():value.end() + 1] in ("}", ","):
            at, why = value.end(), f'unexpected "{expr[value.end()]}" in label matching, expected string'
        elif twice := re.search(r"(?<![=!<>])[=!<>]==", blank):        # the lexer's "==" (or "!=") then "="
            at, why = twice.end() - 1, 'unexpected "="'
        else:
            why = f"syntax error after {expr[:n].rstrip()!r}" if n else "syntax error at the start"
    elif why == "no expression found in input":
        at = 0
    elif why == "unexpected end of input inside brackets" and re.search(r"\[\s*\d+[a-z]+\s*(:\s*(\d+[a-z]+)?\s*)?$",
                                                                        blank):
        at, why = len(expr) if any(_sound(expr + end) for end in ("", "1m")) else None, "unclosed left bracket"
    elif why == "unclosed left parenthesis" or why.startswith("unexpected end of input in") and "brackets" not in why:
        at = len(expr) if any(_sound(expr + end) for end in ("", " x", " 1m", " 1")) else None
    elif why.startswith("unterminated quoted string") or why == "escape sequence not terminated":
        at = min(blank.find(q) % (len(expr) + 1) for q in "\"'`")
        at = at if _sound(expr[:at] + '"s"') else None
        why = "unterminated raw string" if why.endswith("`") else why.rstrip("\"'` ")
    elif why.startswith("unexpected right "):
        close = why[-2]
        at = unmatched(close)
        at = at + (close == ")") if _sound(expr[:at]) else None   # its lexer has read past a ')' as it says so
        why = "unexpected character: '}'" if close == "}" else why
    elif (bad := re.fullmatch(r"not a valid duration string: (.*)", why)) and (at := blank.find(bad[1])) >= 0:
        at, why = at if _sound(expr[:at] + "1m") else None, f"not a valid duration string: {json.dumps(bad[1])}"
    elif name := re.fullmatch(r"unknown function with name '(.*)'", why):
        found = re.search(rf"(?<![\w:]){re.escape(name[1])}\s*\(", blank)
        at = found.start() if found and _sound(expr[:found.start()] + "vector" + expr[found.end() - 1:]) else None
    if (setop := re.fullmatch(r"set operator '(\w+)' not allowed in binary scalar expression", why)) and re.search(
            rf"(?<![\w:]){setop[1]}\s+(on|ignoring)\s*\(\s*\w", blank, re.I):     # checked first in Prometheus
        why = "vector matching only allowed between instant vectors"
    at = _where(expr, blank, why) if at is None else at
    why = re.sub(r"scalar or vector, got: (\w+)$",
                 lambda m: f'scalar or instant vector, got "{_TYPES.get(m[1], m[1])}"', why)
    why = re.sub(r"unexpected identifier '(.*)' in label", r'unexpected identifier "\1" in label', why)
    why = _QUOTED.sub(lambda m: f'{m[1]} "{m[2]}"', why)
    if kinds := re.fullmatch(r"expected type (\w+) in (.*), got (\w+)", why):
        where = "aggregation parameter" if kinds[2] == "aggregation expression" and kinds[1] != "vector" else kinds[2]
        why = f"expected type {_TYPES.get(kinds[1], kinds[1])} in {where}, got {_TYPES.get(kinds[3], kinds[3])}"
    return placed(expr, at, why)


_MATCHED = re.compile(r"[{,]\s*[A-Za-z_]\w*\s*(?:=~|!~|!=|=)\s*")    # a label matcher up to its value
_AGGREGATIONS = "sum|avg|count|min|max|group|stddev|stdvar|topk|bottomk|quantile|count_values"
#: an expression of each type, to try in a place (``_type``: which of them the place takes)
_TRIED = {"scalar": "vector({})", "vector": "abs({})", "matrix": "rate({})", "string": "count_values({}, x)"}
#: a binary operator with its modifiers
_OPS = (r"(?:[-+*/%^]|[=!<>]=|<|>|\b(?:and|or|unless|atan2)\b)"
        r"(?:\s*(?:bool|on|ignoring|group_left|group_right)\b\s*(?:\([^)]*\))?)*")
#: binary operators by how tightly they bind (Prometheus' grammar), loosest first
_BINDS = ("or", "and unless", "== != <= < >= >", "+ -", "* / % atan2")


def _where(expr: str, blank: str, why: str) -> int | None:
    """Where Prometheus places a type check's error the library gives without a place (attack44 A2's rest): the node
    it checks, found by reading ``expr`` (``blank``: its strings and comments blanked) for the call, aggregation,
    operand or selector the error names: a call's arguments counted at the call, an argument or an aggregation's
    parameter of the wrong type at it (its type tried in each function that takes only one), a set operator's or vector
    matching's binary expression at its left operand, a scalar comparison at its operator, a range of a non-selector
    at its bracket, an empty selector at its brace, a unary minus at its sign, a stray character at it."""
    def args(open_: int) -> list[tuple[int, int]]:         # a call's arguments, to its closing parenthesis
        out, start, depth = [], open_ + 1, 0
        for j in range(open_ + 1, len(blank)):
            depth += (blank[j] in "([{") - (blank[j] in ")]}")
            if depth < 0 or depth == 0 and blank[j] == ",":
                out.append((start, j))
                start = j + 1
            if depth < 0:
                break
        return [(a + len(blank[a:b]) - len(blank[a:b].lstrip()), b) for a, b in out if blank[a:b].strip()]

    def calls(names: str) -> list[tuple[int, list[tuple[int, int]]]]:
        return [(m.start(), args(m.end() - 1)) for m in re.finditer(
            rf"(?<![\w:])(?:{names})\s*(?:(?:by|without)\s*\([^()]*\)\s*)?\(", blank, re.I)]

    def kind(a: int, b: int) -> str | None:
        for name, form in _TRIED.items():
            try:
                pp.parse(form.format(expr[a:b]))
                return name
            except ValueError:
                continue
        return None
    if count := re.fullmatch(r"expected \d+ argument\(s\) in call to '(\w+)', got (\d+)", why):
        return next((at for at, given in calls(count[1]) if len(given) == int(count[2])), None)
    if typed := re.fullmatch(r"expected type (\w+) in (call to function '(\w+)'|aggregation expression), got (\w+)",
                             why):
        names = re.escape(typed[3]) if typed[3] else _AGGREGATIONS
        return next((a for _, given in calls(names) for a, b in given if kind(a, b) == typed[4]), None)
    if (named := re.fullmatch(r"unexpected identifier '(.*)' in label matching, expected string", why)) and (
            value := next((m for m in _MATCHED.finditer(blank) if expr.startswith(named[1], m.end())), None)):
        return value.end()
    if found := re.fullmatch(r"unexpected character (?:after '!'|inside braces): '(.)'", why):
        return blank.find("!" if "!" in why else found[1], blank.find("{") if "braces" in why else 0)
    if why == "vector selector must contain at least one non-empty matcher":
        return next((m.end() - 1 for m in re.finditer(r"(?<![\w:\s])\s*\{", blank)), None)
    if why == "ranges only allowed for vector selectors":
        return next((m.start(1) for m in re.finditer(r"[)\]]\s*(\[)[^:\]]*\]", blank)), None)
    if why.startswith("unary expression"):
        return next((m.end() - 1 for m in re.finditer(r"(?:^|[-+*/%^(,=<>]|\b(?:and|or|unless))\s*[-+]", blank)), None)
    if why == "binary expression must contain only scalar and instant vector types":    # a string's, a range's start
        spans = [(m.start(), m.end()) for m in _FILLED.finditer(expr) if m[0][0] in "\"'`"]
        for m in re.finditer(r"\[[^\]]*\]", blank):     # a range or subquery: back over its selector or group
            a = len(blank[:m.start()].rstrip())
            if a and blank[a - 1] in ")}":
                depth = 0
                while a > 0 and (depth := depth + (blank[a - 1] in ")}") - (blank[a - 1] in "({")) > 0:
                    a -= 1
                a -= 1
            spans.append((len(re.sub(r"[\w:]*$", "", blank[:a])), m.end()))
        return next((a for a, b in sorted(spans) if re.search(rf"(^|{_OPS})\s*$", blank[:a]) or re.match(
            rf"\s*({_OPS})", blank[b:])), None)
    if why == "comparisons between scalars must use BOOL modifier":
        return next((m.start() for m in re.finditer(r"==|!=|<=|>=|<|>", blank)), None)
    setop = re.fullmatch(r"set operator '(\w+)' not allowed in binary scalar expression", why)
    binary = re.search(rf"(?<![\w:])({setop[1]})(?![\w:])", blank, re.I) if setop else re.search(
        r"(?<![\w:])(and|or|unless|atan2|[-+*/%^]|[=!<>]=|<|>)\s*(?:bool\s*)?(?:on|ignoring)\s*\(\s*\w", blank,
        re.I) if why.startswith("vector matching") else None
    if binary is None:
        return None
    op, place = binary[1].lower(), binary.start()
    loose = " ".join(_BINDS[:next(i for i, ops in enumerate(_BINDS) if op in ops.split())]).split()
    depth, j = 0, place
    while j > 0:              # back to what opens its group, or an operator binding looser than it
        c = blank[j - 1]
        depth += (c in ")]}") - (c in "([{")
        if depth < 0 or depth == 0 and (c == "," or any(blank[:j].lower().endswith(f" {w}") for w in loose)):
            break
        j -= 1
    return j + len(blank[j:place]) - len(blank[j:place].lstrip())


def placed(expr: str, at: int | None, why: str) -> str:
    """Prometheus' parse error: ``why`` at the character ``at`` of ``expr``, as a line and a byte column."""
    if at is None:
        return f"parse error: {why}"
    before = expr[:at].encode()
    line, col = before.count(b"\n") + 1, len(before) - before.rfind(b"\n")
    return f"{line}:{col}: parse error: {why}"


_NUMBER = re.compile(r"(?<![\w.:])((\d+(ms|[smhdwy]))+|0[xX][0-9a-fA-F]+|(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|inf|nan)"
                     r"(?![\w.])", re.I)


def _misread(expr: str) -> str | None:
    """Prometheus 2.42's error where the library reads a number for a duration (``offset 5``, ``[5]``, ``[5m:5]``:
    Prometheus 3's, and ``offset 1e30`` panics it) or a duration for a number (``1 + 5m``), or None."""
    blank = _FILLED.sub(lambda m: "s" * len(m[0]), expr)
    for m in sorted([*_NUMBER.finditer(blank), *re.finditer(r"[\"'`]", expr)], key=lambda m: m.start()):
        before = blank[:m.start()].rstrip()
        if m[0] in "\"'`":     # a quoted label name (Prometheus 3's)
            if before.endswith(("{", ",")) and before.rfind("{") > before.rfind("}") and blank[m.start()] == "s":
                word = json.dumps(_FILLED.match(expr, m.start())[0], ensure_ascii=False)       # type: ignore[index]
                why = f'unexpected string {word} in label matching, expected identifier or "}}"'
                return placed(expr, m.start() if _sound(expr[:m.start()] + 'a="b"') else None, why)
            continue
        duration, word = bool(m[2]), json.dumps(m[1])
        after = "offset" if re.search(r"offset\s*-?\s*$", before, re.I) else "[" if before.endswith("[") else \
            ":" if before.endswith(":") and before.rfind("[") > before.rfind("]") else "@" if before.endswith("@") \
            else ""
        if duration == (after not in ("", "@")) or not duration and m[1].lower() in ("inf", "nan") and not after:
            continue
        why = {"": f"unexpected duration {word}", "@": f"unexpected duration {word} in @, expected timestamp",
               "[": 'bad duration syntax: ""' if m[1].lower() in ("inf", "nan") else
                    "missing unit character in duration",
               "offset": f"unexpected number {word} in offset, expected duration",
               ":": f'unexpected number {word} in subquery selector, expected duration or "]"'}[after]
        return placed(expr, m.start() if _sound(expr[:m.start()] + ("1" if duration else "1m")) else None, why)
    return None


def _sound(text: str, whole: bool = False) -> bool:
    """Whether ``text`` (with its open brackets closed, unless ``whole``) parses but for a type check: no grammar or
    lexer error lies in it, so Prometheus, which reads left to right, meets the error being placed first. The library
    takes a duration for a number and a number for a duration, where Prometheus 2.42 takes neither."""
    stack: list[str] = []
    for c in "" if whole else _FILLED.sub("s", text):
        if c in "([{":
            stack.append(")]}"["([{".index(c)])
        elif c in ")]}" and stack:
            stack.pop()
    if re.search(r"(offset\s*-?|\[|:)\s*[\d.]+([eE][+-]?\d+)?(?![\w.])", text, re.I):     # (offset 1e30 panics it)
        return False
    try:
        pp.parse(text + "".join(reversed(stack)))
    except ValueError as exc:
        if _GRAMMAR.match(str(exc)):
            return False
    blank = _FILLED.sub("s", text)      # (after the parse: most starts a grammar error ends are refused there)
    return not re.search(r"(?<![\w.])(\d+(ms|[smhdwy]))+(?![\w.])", re.sub(r"(offset\s*-?|\[|:)\s*(\d+(ms|[smhdwy]))+",
                                                                       "", blank, flags=re.I))


UNIX_SPAN = 20 * 365 * 86400.0     # seconds from the drill's start within which a number may be a unix time


def _unix_literal(node: pp.Expr, u0: float) -> float | None:
    """The first number in ``node`` that may be a unix time (within ``UNIX_SPAN`` of ``u0``, the drill's start). Beside
    a timestamp at a speed other than x1 the drill cannot tell a unix time typed in a query (``time() - $(date +%s)``)
    from a count of that size, so it refuses rather than answer in the wrong frame."""
    if isinstance(node, pp.NumberLiteral):
        return node.val if math.isfinite(node.val) and abs(node.val - u0) <= UNIX_SPAN else None
    kids = [getattr(node, k, None) for k in ("lhs", "rhs", "expr", "param")] + list(getattr(node, "args", None) or ())
    return next((found for k in kids if isinstance(k, pp.Expr) and (found := _unix_literal(k, u0)) is not None), None)


def evaluate_many(catalog: Catalog, expr: str, times: Sequence[float], now: float | None = None,
                  lenient: bool = False) -> Many:
    """``expr`` at every scenario time in ``times``, a range query from the first to the last
    (``@ start()``, ``@ end()``), with no sample after ``now`` (the drill's clock; at least the
    latest time asked: asking about a moment makes it now). Raises ``PromQLError``. Timestamps are read in the drill
    frame (``Walk.stamp``) and a result that has one is mapped back to the wall clock by its degree (``Walk.to_wall``),
    so a span between two is drill seconds whatever operators lie between; x1 walks once, as Prometheus.
    ``lenient``: as Prometheus' API answers (attack43 A4), an unknown metric is no series (named in ``unknown``), not
    a typo refused, and a string literal is its text."""
    node, times = bare(parse(expr)), list(times)
    if lenient and isinstance(node, pp.StringLiteral):
        return Many(text=node.val)
    latest = max([*times, now] if now is not None else times, default=0.0)

    def walk(shift: float) -> tuple[Walk, Scalar | Vec]:
        w = Walk(catalog, times, latest, min(times, default=0.0), max(times, default=0.0), lenient, shift=shift)
        return w, w.eval(node)
    try:
        walked, value = walk(0.0)
        if walked.stamped and walked.scale != 1.0 and (unix := _unix_literal(node, catalog.unix(0.0))) is not None:
            raise PromQLError(f"a number like a unix time ({unix:.0f}) beside a timestamp is not simulated in a drill "
                              "faster than the wall clock: its timestamps run on the drill's clock and a number in a "
                              "query is drill seconds; ask for a span between two timestamps instead "
                              "(time() - max(…))")
        if walked.stamped and walked.scale != 1.0:
            value = walked.to_wall(value, walk(SHIFT)[1], walk(-SHIFT)[1])
    except RecursionError:
        raise PromQLError("the expression nests too deeply for the drill") from None
    known = ", ".join(catalog.metrics)
    speed, unknown = walked.span_speed, tuple(f"no metric {name!r} in the drill: read as no series, as Prometheus "
                                              f"reads a name it holds none of (the drill's: {known})"
                                              for name in sorted(walked.unknown))
    if isinstance(value, Scalar):
        return Many(scalar=value, speed=speed, unknown=unknown)
    sort = node.func.name if isinstance(node, pp.Call) else None
    return Many(vector=value, order=sort if sort in ("sort", "sort_desc") else None, speed=speed, unknown=unknown)


def evaluate(catalog: Catalog, expr: str, t: float, now: float | None = None) -> Value:
    """``expr`` at scenario time ``t``: a float or a list of samples; raises ``PromQLError``."""
    return evaluate_many(catalog, expr, [t], now).at(0)
