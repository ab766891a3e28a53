"""PostgreSQL's SQL on the drill's SQLite TaskDB, typed as PostgreSQL types it.

A statement is read token by token (a literal, a quoted name and a comment are never looked inside) and its
expressions parsed with PostgreSQL's operator precedence, each typed (``timestamptz``, ``date``, ``interval``...).
An operator on the clock's types becomes a function that computes what PostgreSQL computes, a literal compared
with a timestamp is read as one (as PostgreSQL reads it), and what the drill does not compute is refused by name.
A timestamp is text in PostgreSQL's output form (wall time: the moment every tool prints), a date ``YYYY-MM-DD``,
an interval a number of drill seconds (``now() - interval '15 minutes'`` is the drill's last fifteen minutes at
any speed); ``show`` prints each as psql does. Each select item is named as PostgreSQL names its column.
"""

from __future__ import annotations

import itertools
from collections import Counter
import math
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, localcontext
from datetime import UTC, date, datetime, time, timedelta
from typing import NoReturn

from warroom import scenario_time as stime
from warroom.drill.standins.base import ToolError

TOKEN = re.compile(r"""(?sx)
    (?P<space>\s+)
  | (?P<estr>[Ee]'(?:[^'\\]|\\.|'')*')
  | (?P<ustr>[Uu]&'(?:[^']|'')*')
  | (?P<bits>[BbXx]'[^']*')
  | (?P<str>'(?:[^']|'')*')
  | (?P<ident>"(?:[^"]|"")*")
  | (?P<dollar>\$(?P<tag>(?:[A-Za-z_]\w*)?)\$.*?\$(?P=tag)\$)
  | (?P<param>\$\d+|:[A-Za-z_]\w*)
  | (?P<junk>(?>(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)[^\W\d]\w*)
  | (?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)
  | (?P<word>[^\W\d]\w*(?:\$\w*)*)
  | (?P<op>::|<=|>=|<>|!=|\|\||->>?|!?~\*?|[^\s])""")
TEMPORAL = {"timestamptz", "timestamp", "date", "time", "timetz", "interval"}
STAMPS = {"timestamptz", "timestamp", "date"}
# words that are not an expression: what a statement is made of around its expressions
CLAUSES = frozenset("select distinct all from where group by having order asc desc nulls first last limit offset "
                    "union intersect except with recursive as join inner left right full outer cross natural on "
                    "using lateral values window partition rows range groups preceding following unbounded current "
                    "row fetch next only for into returning then else end when and escape".split()) - {"left", "right"}
NONE = "?no columns"          # the one column SQLite is given for an empty select list, which psql shows none of
ENDS_ITEMS = frozenset("from where group having order limit offset union intersect except window fetch into for"
                       .split())
# PostgreSQL's name for a type (a column of one, cast from a literal, is headed with it), by the drill's name
PGNAMES = {"timestamptz": "timestamp with time zone", "timestamp": "timestamp without time zone", "date": "date",
           "time": "time without time zone", "timetz": "time with time zone", "interval": "interval",
           "text": "text", "int": "integer", "num": "numeric", "float": "double precision", "bool": "boolean"}
# a type's names (a cast's, a typed literal's): the drill's kind of it and PostgreSQL's own name
CASTS = {n: (k, t) for k, t, names in (
    ("text", "text", "text"), ("text", "varchar", "varchar"),
    ("int", "int4", "int integer int4"), ("int", "int8", "bigint int8"), ("int", "int2", "smallint int2"),
    ("num", "numeric", "numeric decimal"), ("float", "float4", "real float4"), ("bool", "bool", "bool boolean"),
    ("float", "float8", "float float8 double"), *((k, k, k) for k in TEMPORAL)) for n in names.split()}
CLOCK_WORDS = {"current_timestamp": "timestamptz", "localtimestamp": "timestamp", "current_date": "date",
               "current_time": "timetz", "localtime": "time"}
CLOCK_CALLS = {"now", "transaction_timestamp", "statement_timestamp", "clock_timestamp"}
UNITS = {"microsecond": 1e-6, "us": 1e-6, "usec": 1e-6, "millisecond": 1e-3, "ms": 1e-3, "msec": 1e-3,
         "second": 1, "sec": 1, "s": 1, "minute": 60, "min": 60, "m": 60, "hour": 3600, "hr": 3600, "h": 3600,
         "day": 86400, "d": 86400, "week": 604800, "w": 604800}
CALENDAR = ("month", "mon", "year", "yr", "y", "decade", "century", "millennium")
# a field's or unit's names as PostgreSQL reads them (extract, date_part, date_trunc), each to its own name
FIELDS = {alias: name for name, aliases in {
    "microseconds": "microsecond us usec usecs useconds usecond microsecon", "milliseconds":
    "millisecond ms msec msecs mseconds msecond millisecon", "second": "seconds s sec secs",
    "minute": "minutes m min mins", "hour": "hours h hr hrs", "day": "days d", "week": "weeks w",
    "month": "months mon mons", "quarter": "qtr", "year": "years y yr yrs", "decade": "decades dec decs",
    "century": "centuries c cent", "millennium": "millennia mil mils"}.items() for alias in [name, *aliases.split()]}
# the parameters of the functions SQLite computes alike, by name (t: text, i: integer, n: a number), each spelling
SIGNATURES = {**dict.fromkeys(("lower", "upper", "length"), "t"), **dict.fromkeys(("trim", "ltrim", "rtrim"), "t tt"),
              **dict.fromkeys(("abs", "floor", "ceil", "ceiling", "sign"), "n"), "round": "n mi", "trunc": "n mi",
              "replace": "ttt", "left": "ti", "right": "ti", "strpos": "tt", "regexp_replace": "ttt tttt",
              "position": "tt", "substr": "ti tii", "split_part": "tti"}
HINT_NONE = "\nHINT:  No function matches the given name and argument types. You might need to add explicit type casts."
HINT_MANY = "\nHINT:  Could not choose a best candidate %s. You might need to add explicit type casts."
# SQLite's window functions, PostgreSQL's alike, by their parameters (x: a value, of its type; i: an integer)
VALUED = {"lag": "x xi xix", "lead": "x xi xix", "first_value": "x", "last_value": "x", "nth_value": "xi", "ntile": "i",
          **dict.fromkeys(("row_number", "rank", "dense_rank", "percent_rank", "cume_dist"), "")}
# PostgreSQL's functions SQLite computes alike, and those the reader spells for SQLite as ``pg_`` calls of its own
COMPUTED = frozenset("count sum avg min max lower upper length abs round ceil ceiling floor sign coalesce nullif "
                     "substr substring replace trim ltrim rtrim".split()) | set(VALUED)
SPELT = frozenset("date_part date_trunc to_char concat concat_ws split_part left right strpos position now string_agg "
                  "percentile_cont percentile_disc mode greatest least trunc regexp_replace age".split())
# an ARE's escapes and classes (in brackets) that Python spells otherwise
ARE = {"\\\\": "\\\\", "\\B": "\\\\", "\\y": r"\b", "\\Y": r"\B", "\\m": r"\b(?=\w)", "\\M": r"\b(?<=\w)",
       "\\b": r"\x08", "[[:<:]]": r"\b(?=\w)", "[[:>:]]": r"\b(?<=\w)",
       "alpha": "a-zA-Z", "digit": "0-9", "alnum": "a-zA-Z0-9", "upper": "A-Z", "lower": "a-z", "space": r"\s",
       "xdigit": "0-9a-fA-F", "missing )": "parentheses ()", "unbalanced parenthesis": "parentheses ()",
       "unterminated character set": "brackets []"}      # and Python's words for what PostgreSQL says is not balanced
ESCAPES = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}
# PostgreSQL's aggregates (those the drill does not compute are refused by name, after the grouping's check)
AGGREGATES = frozenset("count sum avg min max string_agg array_agg percentile_cont percentile_disc mode bool_and "
                       "bool_or every stddev stddev_pop stddev_samp variance var_pop var_samp json_agg jsonb_agg "
                       "json_object_agg bit_and bit_or corr covar_pop covar_samp regr_slope".split())
JOINS = frozenset("join inner left right full outer cross natural on using lateral".split())
# binding power of each infix operator, as PostgreSQL 15 ranks them (its "Operator Precedence" table)
POWER = {"or": 1, "and": 2, "is": 4, "isnull": 4, "notnull": 4, "=": 5, "<": 5, ">": 5, "<=": 5, ">=": 5, "<>": 5,
         "!=": 5, "not": 6, "between": 6, "in": 6, "like": 6, "ilike": 6, "similar": 6, "+": 8, "-": 8, "*": 9,
         "/": 9, "%": 9, "^": 10, "at": 11, "collate": 11, "::": 13}


class PgError(ToolError):
    """PostgreSQL's error at a place in the statement (``at``: its offset), where psql prints the line and a caret."""

    def __init__(self, message: str, at: int) -> None:
        super().__init__(message)
        self.at = at


class Refusal(ToolError):
    """SQL or a psql command the drill does not answer: it ends the run whatever the transaction or
    ON_ERROR_STOP, as no server said anything a later statement could follow."""


@dataclass(frozen=True)
class Tok:
    kind: str            # word ident str num param bits op
    text: str            # as typed
    value: str           # a word lower-cased; a literal's or a quoted name's text
    at: int = 0          # its offset in the statement


@dataclass(frozen=True)
class Expr:
    sql: str             # for SQLite
    # PostgreSQL's, as the drill names it (TEMPORAL, text, num, int, float, bool, unknown: a literal)
    type: str | None
    name: str = ""       # the column's name PostgreSQL gives it ("": ?column?)
    weak: bool = False   # a type's name (a typed literal's, a cast's) or "case": a cast names it by its own type
    at: int = -1         # where it begins in the statement (-1: not known)
    wide: bool = False   # an integer that is a bigint (else an integer: PostgreSQL's int4)
    small: bool = False  # an integer that is a smallint (int2)
    exact: str | None = None     # a numeric's SQL as PostgreSQL's numeric computes it: its decimal digits, as text
    degree: float | None = 0     # how much of it is a point in time (extract(epoch from a stamp): 1; None: unknown)

    def digits(self) -> str | None:
        """The SQL of this number's exact digits (an integer's are its own), None where the drill has none."""
        return self.sql if self.type == "int" else self.exact


def tokens(sql: str) -> list[Tok]:
    out = []
    for m in TOKEN.finditer(sql):
        kind, text = m.lastgroup or "op", m[0]
        if kind == "space":
            continue
        if kind == "junk" or kind == "ident" and text == '""':      # PostgreSQL 15's lexer: 1_000, 0x10, 1as
            said = "trailing junk after numeric literal" if kind == "junk" else "zero-length delimited identifier"
            raise PgError(f'ERROR:  {said} at or near "{text}"', m.start())
        if kind == "op" and text in "'\"":
            raise PgError(f'ERROR:  unterminated quoted {"string" if text == chr(39) else "identifier"} at or '
                          f'near "{sql[m.start():m.start() + 40]}"', m.start())
        value = {"word": text.lower(), "ident": text[1:-1].replace('""', '"'), "str": text[1:-1].replace("''", "'"),
                 "estr": unescape(text[2:-1]), "ustr": uescape(text[3:-1]),
                 "dollar": text[len(m["tag"] or "") + 2:-len(m["tag"] or "") - 2]}.get(kind, text)
        out.append(Tok("str" if kind in ("estr", "ustr", "dollar") else kind, text, value, m.start()))
    return out


def unescape(body: str) -> str:
    """An ``E'...'`` string's text: PostgreSQL's backslash escapes (``\\n``, ``\\x41``, ``\\101``, ``\\u00e9``)."""
    def one(m: re.Match[str]) -> str:
        if m[2] is not None:                  # any other character stands for itself
            return ESCAPES.get(m[2], m[2])
        if m[1]:
            return chr(int(m[1][1:], 16) if m[1][0] in "xuU" else int(m[1], 8))
        return "'"
    return re.sub(r"''|\\(x[0-9A-Fa-f]{1,2}|u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|[0-7]{1,3}|(.))", one, body, flags=re.S)


def uescape(body: str) -> str:
    """A ``U&'...'`` string's text: ``\\XXXX`` and ``\\+XXXXXX`` are code points, ``\\\\`` a backslash."""
    return re.sub(r"\\(\\|[0-9A-Fa-f]{4}|\+[0-9A-Fa-f]{6})",
                  lambda e: "\\" if e[1] == "\\" else chr(int(e[1].lstrip("+"), 16)), body.replace("''", "'"))


def quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@dataclass
class Query:
    sql: str
    items: list[tuple[str, str | None]]     # the outermost select list: each column's name and type (None: a star)
    names: dict[str, str | None]            # every select item's name in the statement, by type
    columns: dict[str, str]                 # the tables' columns, by type
    exact: list[int]                        # the select items whose exact digits follow the select list, hidden
    clocks: set[str]                        # what the outermost list shows of the clock: an epoch, a span of epochs
    sets: list[str]                         # a set operation's SELECTs, whose rows ``combined`` combines
    setops: list[str]                       # and the operations between them

    def types(self, headers: list[str]) -> list[str | None]:
        """Each result column's type: its select item's, or (after a star) its name's."""
        if len(self.items) == len(headers) and all(n != "*" for n, _ in self.items):
            return [t for _, t in self.items]
        return [self.columns[h] if h in self.columns else self.names.get(h) for h in headers]


@dataclass
class Select:
    """One SELECT of a statement, where PostgreSQL looks for a column neither grouped nor aggregated: its clauses'
    expressions, each as (its first token, past its last, its SQL; a select item's name and whether it is a star)."""
    start: int
    items: list[tuple[int, int, str, str, bool]]
    groups: list[tuple[int, int, str]]
    having: list[tuple[int, int, str]]
    order: list[tuple[int, int, str]]
    source: tuple[int, int] = (0, 0)           # the FROM clause's tokens


def translate(sql: str, now: float, columns: dict[str, str],
              tables: dict[str, tuple[str, ...]] | None = None, wide: frozenset[str] = frozenset(),
              warn: Callable[[PgError], None] | None = None) -> Query:
    """``sql`` for SQLite, with the drill's clock at unix time ``now`` and the tables' ``columns`` of each type. Read
    twice: the first reading learns the type of every select item's name, which the second reads wherever it is
    referred to (a CTE's, a subquery's). ``tables``: each table's columns, its primary key first; ``wide``: the
    bigint columns. ``public.tasks`` is ``tasks``: the drill's tables are in PostgreSQL's schema public."""
    toks = tokens(sql)
    public = {i for i, t in enumerate(toks[:-2]) if t.value == "public" and toks[i + 1].text == "." and
              toks[i + 2].value in (tables or {}) and toks[i + 2].kind in ("word", "ident")}
    toks = [replace(t, at=toks[i - 2].at) if i - 2 in public else t for i, t in enumerate(toks)
            if not {i, i - 1} & public]
    toks = unwrapped(toks)
    first = Reader(toks, now, columns, {}, lenient=True)
    first.end, first.wide = len(sql.rstrip()), wide
    try:
        first.seq()
    except PgError:               # said by the second reading, in the order PostgreSQL says it
        pass
    reader = Reader(toks, now, columns, first.names)
    reader.end, reader.tables, reader.wide, reader.known_degrees = first.end, tables or {}, wide, first.degrees
    reader.warn = warn or reader.warn
    body, items = reader.seq()
    rest = " ".join(t.text for t in toks[reader.i:])     # past a stray ")": SQLite says what is wrong
    return Query(f"{body} {rest}".strip(), items, reader.names, columns, reader.exact, reader.clocks, reader.sets,
                 reader.setops)


SETOPS = ("union", "intersect", "except")
ALONE = ("", ";", "order", "limit", "offset", "fetch")         # what may follow a whole statement's parenthesis


def unwrapped(toks: list[Tok]) -> list[Tok]:
    """``toks`` without the parentheses a SELECT of a set operation, or a whole statement, may stand in (``(SELECT 1.0)
    UNION (SELECT 1.00)``), which SQLite does not take; one whose own ORDER BY or LIMIT, WITH or set operation would
    then read otherwise is refused by name."""
    k = 0
    while k < len(toks) - 1:
        quantified = k > 1 and toks[k - 1].value in ("all", "distinct") and toks[k - 2].value in SETOPS
        before = toks[k - 1 - quantified].value if k else ""
        end = closing(toks, k)
        if toks[k].text != "(" or toks[k + 1].value not in ("select", "values", "(") or end == len(toks):
            k += 1
            continue
        depths = itertools.accumulate((t.text == "(") - (t.text == ")") for t in toks[k:end])
        own, after = {t.value for t, d in zip(toks[k:end], depths) if d == 1}, toks[end + 1:end + 2]
        after = after[0].value if after else ""
        if not (before in SETOPS and after in (*SETOPS, *ALONE, ")") or before in ("", "(") and after in SETOPS
                or before == "" and after in ALONE):
            if k == 0:                  # a statement is a query in parentheses, and then nothing but these
                raise PgError(f'ERROR:  syntax error at or near "{toks[end + 1].text}"', toks[end + 1].at)
            k += 1
            continue
        joined = before in SETOPS or after in SETOPS
        if own & {"order", "limit", "offset", "fetch"} and (joined or after) or own & {"with", *SETOPS} and joined:
            raise Refusal("drill: a parenthesised SELECT with an ORDER BY, LIMIT, WITH or set operation of its own is "
                          "not simulated in a set operation, nor followed by ORDER BY or LIMIT (without them it is)")
        toks = toks[:k] + toks[k + 1:end] + toks[end + 1:]
    return toks


def closing(toks: list[Tok], k: int) -> int:
    """Where the ")" that closes the "(" at ``k`` is (past the last token: none does)."""
    depth = 0
    for end in range(k, len(toks)):
        depth += (toks[end].text == "(") - (toks[end].text == ")")
        if depth == 0:
            return end
    return len(toks)


class Reader:
    def __init__(self, toks: list[Tok], now: float, columns: dict[str, str], names: dict[str, str | None],
                 lenient: bool = False) -> None:
        self.toks, self.i, self.now, self.columns, self.known, self.lenient = toks, 0, now, columns, names, lenient
        self.names: dict[str, str | None] = {}
        self.degrees: dict[str, float | None] = {}    # each select item's name: its point in time (Expr.degree)
        self.known_degrees: dict[str, float | None] = {}          # the first reading's (a subquery in FROM is later)
        self.end = 0                            # the statement's length: where "end of input" is
        self.tables: dict[str, tuple[str, ...]] = {}
        self.wide: frozenset[str] = frozenset()    # the bigint columns
        # for the grouping's check, each in the reading of a parenthesis (a scope: a subquery's columns are its own):
        self.refs: list[tuple[int, str, str, int, bool]] = []     # columns: first token, qualifier, name, scope, in
        self.spans: list[tuple[int, int, str, int]] = []          # an aggregate; expressions: tokens, SQL, scope
        self.aggs: list[tuple[int, int]] = []                     # aggregates: token, scope
        self.scope = self.scopes = self.inagg = 0
        self.clause = ""                                          # the clause being read (where, group...)
        self.exact: list[int] = []
        self.sets: list[str] = []
        self.setops: list[str] = []
        self.clocks: set[str] = set()
        self.named: dict[int, set[str]] = {}                      # each scope's FROM items, by the name given
        self.inner: list[tuple[str, str | None]] = []            # the last subquery's columns: name, type
        self.warn: Callable[[PgError], None] = lambda warning: None     # PostgreSQL's WARNING, said as read

    # -------------------------------------------------------------------------------------------- tokens
    def peek(self, k: int = 0) -> Tok:
        return self.toks[self.i + k] if self.i + k < len(self.toks) else Tok("end", "", "", self.end)

    def take(self) -> Tok:
        tok = self.peek()
        self.i += 1
        return tok

    def at(self, *words: str) -> bool:
        return self.peek().kind in ("word", "op") and self.peek().value in words

    def expect(self, *texts: str) -> None:
        if not self.at(*texts):
            raise self.error()
        self.take()

    def error(self) -> PgError:
        return PgError(f'ERROR:  syntax error at or near "{self.peek().text}"' if self.peek().kind != "end" else
                       "ERROR:  syntax error at end of input", self.peek().at)

    def operand(self, floor: int) -> Expr:
        """The expression an operator needs on its right: none there is PostgreSQL's syntax error."""
        if not (e := self.expr(floor)).sql:
            raise self.error()
        return e

    # -------------------------------------------------------------------------------------------- statements
    def seq(self) -> tuple[str, list[tuple[str, str | None]]]:
        """A statement (or what a parenthesis holds) up to its closing parenthesis: clause words as typed, each
        expression translated, each select item of its first select list named as PostgreSQL names it."""
        out: list[str] = []
        items: list[tuple[str, str | None]] = []
        listing = done = compound = False
        block: Select | None = None
        clause = ""
        bounds = ["", ""]           # LIMIT's and OFFSET's, for SQLite's LIMIT x OFFSET y at the end
        self.scopes += 1
        outer, self.scope, inagg, self.inagg = self.scope, self.scopes, self.inagg, 0
        was, self.clause = self.clause, ""
        windows: set[str] = set()
        rows = False            # a VALUES list first: read through SELECT * FROM (...) until its ORDER BY or LIMIT
        branches: list[list[tuple[int, Expr, str]]] = []     # each SELECT's items: where in out, and their AS
        ops: list[str] = []                                  # UNION [ALL], INTERSECT [ALL], EXCEPT [ALL] between them
        cuts: list[int] = []                                 # where in out each of those is
        head = tail = 0                  # where in out the first SELECT is (after WITH), a set operation's ORDER BY
        nulls = ""          # in ORDER BY, where the item puts NULLs unless it says: PostgreSQL's last ascending, first
        while (tok := self.peek()).kind != "end" and tok.text != ")":   # descending; SQLite's the other way round
            if tok.text in (",", ";") or tok.kind == "word" and tok.value in CLAUSES and self.peek(1).text != ".":
                if tok.value in SETOPS and clause in ("order", "limit", "offset", "fetch"):
                    raise self.error()          # an operand is a plain SELECT: these only after the last one
                self.take()
                if rows and tok.kind == "word" and tok.value != "values":     # SQLite's VALUES takes no ORDER BY
                    out, rows = [*out, ")"], False
                if tok.value == "values" and not out:
                    out, rows = ["SELECT * FROM ("], True
                if tok.value == "on" and out[-1:] == ["DISTINCT"]:
                    raise Refusal("drill: SELECT DISTINCT ON is not simulated (SELECT DISTINCT is)")
                if nulls and tok.value not in ("asc", "desc", "nulls"):
                    out.append(nulls * (nulls != "-"))
                    nulls = "NULLS LAST" if tok.text == "," else ""
                elif nulls:
                    nulls = "-" if tok.value == "nulls" else "NULLS FIRST" if tok.value == "desc" else nulls
                if tok.value == "by" and out[-1:] == ["ORDER"]:
                    nulls = "NULLS LAST"
                out.append(tok.text.upper() if tok.kind == "word" else tok.text)
                if tok.value in ("select", "union", "intersect", "except"):
                    self.grouped(block)
                    if tok.value == "select":
                        head = head if branches else len(out) - 1
                        branches.append([])
                    else:                           # UNION DISTINCT is SQLite's UNION
                        quantifier = self.take().text.upper() if self.at("all", "distinct") else ""
                        ops.append(f"{tok.text.upper()} {quantifier}".replace(" DISTINCT", "").strip())
                        out[-1] = ops[-1]
                    block, compound = (Select(self.i, [], [], [], []), compound) if tok.value == "select" else (
                        None, True)
                if tok.value in ("from", "where", "group", "having", "order", "limit", "offset", "fetch", "window",
                                 "for", "into", "select", "values") and tok.kind == "word":
                    if block and clause == "from":
                        block.source = (block.source[0], self.i - 1)
                    clause = self.clause = tok.value
                    if block and clause == "from":
                        block.source = (self.i, len(self.toks))
                if tok.value == "select":
                    listing = not done
                    if self.at(*ENDS_ITEMS, ";", ")") or self.peek().kind == "end":    # SELECT FROM t: no column
                        out.append(f'NULL AS "{NONE}"')
                elif tok.value in ENDS_ITEMS:
                    done = done or listing
                    listing = False
                if tok.kind == "word" and tok.value in ("limit", "offset", "fetch"):
                    out.pop()
                    if bounds[tok.value == "offset"]:         # LIMIT 1 LIMIT 2, LIMIT 1 FETCH ...
                        self.i -= 1
                        raise self.error()
                    bounds[tok.value == "offset"] = self.bound(tok.value)
                cuts += [len(out) - 1] * (tok.value in ("union", "intersect", "except"))
                tail = len(out) - 1 if tok.value == "order" and compound and not tail else tail
                continue
            start = self.i
            if clause == "window" and tok.kind in ("word", "ident") and self.peek(1).value == "as":
                if tok.value in windows:
                    raise PgError(f'ERROR:  window "{tok.value}" is already defined', self.peek(2).at)
                windows.add(tok.value)
            if clause == "window" and tok.text == "(":          # WINDOW w AS (...): a window's, as OVER (...)'s
                out.append(self.window("", "(")[1:])
                continue
            if clause == "values" and tok.text == "(" and self.toks[start - 1].value in ("values", ","):
                self.take()                     # a row: its values typed as a UNION's are (VALUES types ...)
                row = self.listing()
                self.expect(")")
                ops += ["VALUES"] * bool(branches)
                branches.append([(len(out) + 1 + k, e, "," * (k < len(row) - 1)) for k, e in enumerate(row)])
                out += ["(", *(e.sql + x for _, e, x in branches[-1]), ")"]
                items[:] = [(f"column{k + 1}", None) for k in range(len(branches[0]))]
                continue
            if clause == "from" and tok.value == "generate_series" and self.peek(1).text == "(":
                out.append(self.series())
                continue
            e = self.expr(0)
            if clause == "from" and e.sql.startswith(("(SELECT", "(VALUES")) and (
                    self.peek(self.at("as")).kind in ("word", "ident") and self.peek(1 + self.at("as")).text == "("):
                out.append(self.renamed(e))   # (VALUES (1)) v(x): its columns named
                continue
            if self.i == start:              # not an expression: SQLite says what is wrong with it
                out.append(self.take().text)
                continue
            if self.toks[start - 1].value in ("where", "having", "on") and self.toks[start - 1].kind == "word" and (
                    self.peek().kind == "end" or self.peek().text in (")", ";") or self.peek().value in CLAUSES):
                e = self.truth(e, {"on": "JOIN/ON"}.get(self.toks[start - 1].value, clause.upper()))
            if clause != "select" or block is None:
                listed = items if compound else block.items if block else []     # by position: in the list
                if clause in ("group", "order") and re.fullmatch(r"-?\d+", e.sql) and listed and not any(
                        n[-1] is True or n[0] == "*" for n in listed) and not 0 < int(e.sql) <= len(listed):
                    raise PgError(f"ERROR:  {clause.upper()} BY position {e.sql} is not in select list", e.at)
                if compound and clause == "order" and self.i - start > 1:
                    raise PgError("ERROR:  invalid UNION/INTERSECT/EXCEPT ORDER BY clause\nDETAIL:  Only result "
                                  "column names can be used, not expressions or functions.\nHINT:  Add the "
                                  "expression/function to every SELECT, or move the UNION into a FROM clause.", e.at)
                out.append(e.sql)
                if block and clause in ("group", "having", "order") and not (compound and clause == "order"):
                    getattr(block, {"group": "groups"}.get(clause, clause)).append((start, self.i, e.sql))
                continue
            alias = e.name
            if self.at("as"):
                self.take()
                alias = self.take().value
            elif self.peek().kind == "ident" or self.peek().kind == "word" and self.peek().value not in POWER \
                    and self.peek().value not in CLAUSES:
                alias = self.take().value
            block.items.append((start, self.i, e.sql, alias, e.name == "*"))
            if e.name == "*":
                out.append(e.sql)
                branches[-1].append((-1, e, "*"))
            else:
                alias = alias or "?column?"
                branches[-1].append((len(out), e, f' AS "{alias.replace(chr(34), chr(34) * 2)}"'))
                out.append(e.sql + branches[-1][-1][2])
                if listing:
                    was = self.names.get(alias, e.type)           # a type not known yet (None) takes none's place
                    self.names[alias] = e.type if was in (e.type, None) else was if e.type is None else None
                    self.degrees[alias] = e.degree if self.degrees.get(alias, e.degree) == e.degree else None
            if listing:
                items.append((alias, e.type))
                self.clocks |= {w for w, shown in (("epoch", e.degree), ("span", "pg_drill(" in e.sql))
                                if shown and self.scope == 1}
        if block and clause == "from":
            block.source = (block.source[0], self.i)
        out += [")"] * rows
        united = branches and (ops or block is None) and not any(x == "*" for b in branches for _, _, x in b)
        if united:
            items[:] = [(name, kind) for (name, _), kind in zip(items, self.united(branches, ops, out), strict=False)]
        plain = self.scope == 1 and len(branches) == 1 and not ops and all(x != "*" for _, _, x in branches[0])
        numerics = [j for j, (_, kind) in enumerate(items) if str(kind).startswith("num")] if united else [
            j for j, (_, e, _) in enumerate(branches[0]) if e.exact] if plain else []
        sets = [op for op in ops if op != "VALUES"]
        if (united or plain) and self.scope == 1:       # the outermost list's numerics (each SELECT's, each row's):
            self.exact = numerics                           # their digits, hidden after the list
            for b in branches * bool(numerics):
                out[b[-1][0]] += "".join(f", {b[j][1].digits() or b[j][1].sql}" + f' AS "?exact{j}"' * bool(b[-1][2])
                                         for j in numerics)
        if united and self.scope == 1 and sets:     # the SELECTs apart, combined as PostgreSQL combines them
            tail = tail or len(out)                     # (``combined``); ORDER BY and LIMIT read their rows
            self.sets = [" ".join(out[:head] * (a > 0) + out[a:b]) for a, b in zip(
                [0, *(c + 1 for c in cuts)], [*cuts, tail], strict=True)]
            self.setops = sets
            names = [*(name for name, _ in items), *(f"?exact{j}" for j in numerics)]
            out = ["SELECT " + ", ".join(f'c{k} AS "{n.replace(chr(34), chr(34) * 2)}"' for k, n in enumerate(names))
                   + ' FROM temp."?set"', *out[tail:]]
        elif re.search(r"(INTERSECT|EXCEPT) ALL|(UNION|EXCEPT).*INTERSECT", " ".join(sets)):
            raise Refusal("drill: INTERSECT ALL, EXCEPT ALL and INTERSECT after UNION or EXCEPT are not simulated in "
                          "a subquery or beside SELECT * (at the top of a statement they are)")
        self.grouped(block)
        self.scope, self.inagg, self.clause = outer, inagg, was
        limit = f"LIMIT {bounds[0] or -1} OFFSET {bounds[1] or 0}" * any(bounds)
        return " ".join([*out, nulls * (nulls != "-"), limit]).strip(), items

    def united(self, branches: list[list[tuple[int, Expr, str]]], ops: list[str], out: list[str]) -> list[str | None]:
        """A UNION's (INTERSECT's, EXCEPT's) column types as PostgreSQL resolves them, a pair of SELECTs at a time from
        the left: each column's common type (``common``), a literal read as it where it stands in ``out`` (``'a'
        UNION 1.5`` is numeric's input error), kinds no cast joins its error; the same number of columns in each."""
        kept = [e for _, e, _ in branches[0]]
        for k, (op, branch) in enumerate(zip((op.split()[0] for op in ops), branches[1:], strict=False)):
            if len(branch) != len(kept):
                said = "ERROR:  VALUES lists must all be the same length" if op == "VALUES" else \
                    f"ERROR:  each {op} query must have the same number of columns"
                raise PgError(said, branch[0][1].at) if branch else ToolError(said)
            for j, (place, e, alias) in enumerate(branch):
                kind, (left, right) = self.common(op, [kept[j], e])
                for b, now, was in ((branches[0], left, kept[j] if k == 0 else left), (branch, right, e)):
                    if now is not was:                  # a literal read as the type: in out, and its digits
                        where, _, given = b[j]
                        out[where], b[j] = now.sql + given, (where, now, given)
                kept[j] = Expr("NULL", kind or left.type, wide=left.wide or right.wide)
        return ["text" if e.type == "unknown" else e.type for e in kept]

    def series(self) -> str:
        """``generate_series(start, stop[, step]) [AS] name[(column)]`` in FROM, of integers or of timestamps by an
        interval (the minutes an audit log's gap holds none in): SQLite's recursive CTE, its column typed by name."""
        at = self.take().at
        self.take()
        args = self.listing()
        self.expect(")")
        kinds = [family(a.type) for a in args if a.type not in ("unknown", None)]
        stamps = "stamp" in kinds
        if stamps and (len(args) != 3 or args[2].type not in ("interval", "unknown")):
            raise no_function("generate_series", args, at)
        args = [self.cast(a, ("timestamptz", "timestamptz") if stamps and k < 2 else ("interval", "interval") if stamps
                          else ("int", "int4")) if a.type == "unknown" else a for k, a in enumerate(args)]
        if len(args) not in (2, 3) or not stamps and any(a.type not in ("int", None) for a in args):
            raise Refusal("drill: generate_series() is simulated of integers and of timestamps by an interval")
        start, stop, step = (self.stamp(a, None) if k < 2 else a for k, a in enumerate(args)) if stamps else (
            *args[:2], args[2] if len(args) == 3 else Expr("1", "int"))
        alias = self.take().value if self.at("as") and self.take() or self.peek().kind == "ident" or self.peek(
        ).kind == "word" and self.peek().value not in CLAUSES | JOINS else "generate_series"
        column = alias
        if self.at("("):
            self.take()
            column = self.take().value
            self.expect(")")
        self.names[column] = "timestamptz" if stamps else "int"
        if re.fullmatch(r"-?0*\.?0*", step.sql.strip("()")):
            raise ToolError("ERROR:  step size cannot equal zero")
        following = f"pg_shift(v, {step.sql})" if stamps else f"v + {step.sql}"
        return (f'(WITH RECURSIVE "?series"(v) AS (SELECT {start.sql} UNION ALL SELECT {following} FROM "?series" '
                f"WHERE CASE WHEN {step.sql} > 0 THEN {following} <= {stop.sql} ELSE {following} >= {stop.sql} END) "
                f'SELECT v AS "{column}" FROM "?series") AS "{alias}"')

    def renamed(self, e: Expr) -> str:
        """A subquery in FROM given its name and its columns' (``(VALUES (1, 'a')) v(n, s)``): SQLite takes no column
        names there, so it is read through a SELECT that names them (their types known by their new names)."""
        if self.at("as"):
            self.take()
        alias, names = self.take(), []
        while not names or self.at(","):
            self.take()
            names.append(self.take())
        self.expect(")")
        if len(names) > len(self.inner):
            raise ToolError(f'ERROR:  table "{alias.value}" has {len(self.inner)} columns available but {len(names)} '
                            "columns specified")
        for (_, kind), name in zip(self.inner, names, strict=False):
            self.names[name.value] = kind
        cols = [f'"{was}"' + (f' AS "{name.value}"' if name else "") for (was, _), name in itertools.zip_longest(
            self.inner, names)]
        return f"(SELECT {', '.join(cols)} FROM {e.sql}) AS {alias.text}"

    def bound(self, word: str) -> str:
        """``LIMIT n|ALL``, ``OFFSET n [ROWS]``, ``FETCH FIRST|NEXT [n] ROW|ROWS ONLY``: the count, for SQLite (NULL is
        none; a negative one is PostgreSQL's error)."""
        if word == "fetch":
            self.expect("first", "next")
        if word == "limit" and self.at("all"):
            self.take()
            return "-1"
        e = Expr("1", "int") if word == "fetch" and self.at("row", "rows") else self.operand(0)
        if word == "fetch" and not self.at("row", "rows"):
            raise self.error()
        if word != "limit" and self.at("row", "rows"):
            self.take()
        if word == "fetch" and self.at("with"):
            raise Refusal("drill: FETCH ... WITH TIES is not simulated (FETCH ... ONLY and LIMIT are)")
        if word == "fetch":
            self.expect("only")
        return f"coalesce(pg_bound({e.sql}, '{word.replace('fetch', 'limit').upper()}'), {-(word != 'offset')})"

    def grouped(self, block: Select | None) -> None:
        """PostgreSQL's rule for a grouped SELECT (one with GROUP BY, HAVING or an aggregate): a column its select list,
        HAVING or ORDER BY reads outside an aggregate is in an expression GROUP BY names (by itself, a select item's
        number or name), or its table's primary key is grouped; any other is PostgreSQL's error, where SQLite answers
        with an arbitrary row of each group."""
        if block is None or self.lenient:
            return
        froms = self.sources(*block.source)
        self.named[self.scope] = {n for _, n in froms}      # what a subquery's outer reference is not
        end = max([block.source[1], *(e for part in (block.items, block.groups, block.having, block.order)
                                      for _, e, *_ in part)], default=block.start)
        if not (block.groups or block.having or any(block.start <= i < end and s == self.scope for i, s in self.aggs)) \
                or any(self.toks[a].value in ("rollup", "cube", "grouping") for a, _, _ in block.groups):
            return                                  # grouping sets: refused by name as SQLite has none
        strip = {n for pair in froms for n in pair} if len(froms) == 1 else set()

        def key(sql: str) -> str:               # a column with and without its one table's name are the same
            return re.sub(r"\b(\w+)\.(?=[\w`])", lambda m: "" if m[1] in strip else m[0], sql)
        names = {alias: (a, b, sql) for a, b, sql, alias, _ in block.items}
        grouped, plain = set(), set()
        for a, b, sql in block.groups:
            if sql.isdigit() and 0 < int(sql) <= len(block.items):
                a, b, sql = block.items[int(sql) - 1][:3]
            elif b - a == 1 and self.toks[a].value in names and self.toks[a].value not in self.columns:
                a, b, sql = names[self.toks[a].value]
            if " OVER " in sql:            # GROUP BY 1 of a window function's item (SQLite: "misuse of window")
                k = next(k for k in range(a, b) if self.toks[k].value == "over")
                while self.toks[k - 1].text == ")":     # back past its parentheses (and FILTER's) to its name
                    depth, k = 1, k - 2
                    while depth := depth + (self.toks[k].text == ")") - (self.toks[k].text == "("):
                        k -= 1
                    k -= self.toks[k - 1].value == "filter"
                raise PgError("ERROR:  window functions are not allowed in GROUP BY", self.toks[k - 1].at)
            if self.toks[a].text == "(" and self.toks[b - 1].text == ")":       # (a, b): each of them
                inner = {(x, y): sql for x, y, sql, sc in self.spans if a < x and y < b and sc == self.scope}
                grouped |= {key(sql) for (x, y), sql in inner.items()
                            if not any(u <= x and y <= v and (u, v) != (x, y) for u, v in inner)}
            grouped.add(key(sql))
            plain |= {self.source(froms, q, n) + (n,) for i, q, n, sc, _ in self.refs
                      if sc == self.scope and i == a and (b - a == 1 or b - a == 3 and self.toks[a + 1].text == ".")}
        kept = {t for t, a, n in plain if n == self.tables.get(t, ("",))[0]}     # a table grouped by its primary key
        ranges = [(a, b) for a, b, *_ in block.items]
        ranges += [(a, b) for a, b, sql in block.order if not sql.isdigit() and not (
            b - a == 1 and self.toks[a].value in names)] + [(a, b) for a, b, _ in block.having]
        for a, b in ranges:
            if any(star for x, _, _, _, star in block.items if x == a):            # a star: each table's columns
                found = [(a, alias, c, self.scope) for table, alias in froms for c in self.tables.get(table, ())]
            else:                                   # and a subquery's reference to this SELECT's (t.x), outside its
                found = [(i, q, n, sc) for i, q, n, sc, inagg in self.refs if a <= i < b and (   # aggregates
                    not inagg and (sc == self.scope or q in self.named[self.scope] and q not in
                    self.named.get(sc, ()) and not any(x <= i < y for x, y, _, s in self.spans if (x, s) in self.aggs
                                                       and s == self.scope)))]
            for i, q, n, sc in found:
                where = self.source(froms, q, n)
                if where[0] in kept or any(x <= i < y and sc == self.scope and key(sql) in grouped
                                           for x, y, sql, sc in self.spans) or (*where, n) in plain:
                    continue
                raise PgError(f'ERROR:  subquery uses ungrouped column "{where[1]}.{n}" from outer query' if (
                    sc != self.scope) else f'ERROR:  column "{where[1]}.{n}" must appear in the GROUP BY clause or be '
                              "used in an aggregate function", self.toks[i].at)

    def sources(self, start: int, end: int) -> list[tuple[str, str]]:
        """A FROM clause's items (its tokens ``start`` to ``end``): each (table or "", the name it is known by)."""
        out, i = [], start
        while i < end:
            tok, table = self.toks[i], ""
            if tok.text == "(":
                subquery, i = self.toks[i + 1].value in ("select", "with", "values"), min(closing(self.toks, i), end)
                after = self.toks[i + 1] if i + 1 < len(self.toks) else Tok("end", "", "")
                if subquery and (after.kind not in ("word", "ident") or after.value in JOINS | CLAUSES - {"as"}):
                    raise PgError("ERROR:  subquery in FROM must have an alias\nHINT:  For example, FROM (SELECT "
                                  "...) [AS] foo.", tok.at)
            elif tok.kind not in ("word", "ident") or tok.value in JOINS or tok.value in CLAUSES:
                i += 1
                continue
            elif self.toks[i + 1:i + 2] and self.toks[i + 1].text == ".":
                i += 2
            table = self.toks[i].value * (self.toks[i].text != ")")
            i += 1 + (i + 1 < end and self.toks[i + 1].value == "as")
            name = table
            if i < end and self.toks[i].kind in ("word", "ident") and self.toks[i].value not in JOINS | CLAUSES:
                name = self.toks[i].value
            out.append((table, name))
            depth = 0
            while i < end and not (depth == 0 and (self.toks[i].text == "," or self.toks[i].value == "join")):
                depth += (self.toks[i].text == "(") - (self.toks[i].text == ")")
                i += 1
            i += 1
        return out

    def source(self, froms: list[tuple[str, str]], qualifier: str, name: str) -> tuple[str, str]:
        """The FROM item (table, name) a column reads: the one its qualifier names, else the one table that has it."""
        if qualifier:
            return next((f for f in froms if f[1] == qualifier), ("", qualifier))
        having = [f for f in froms if name in self.tables.get(f[0], ())]
        return having[0] if len(having) == 1 else froms[0] if len(froms) == 1 else ("", "")

    # -------------------------------------------------------------------------------------------- expressions
    def expr(self, floor: int) -> Expr:
        """An expression whose operators bind tighter than ``floor`` (Pratt's parser), placed where PostgreSQL places
        it: its first token, past any parenthesis."""
        start = next((self.toks[k].at for k in range(self.i, len(self.toks)) if self.toks[k].text != "("), self.end)
        first = self.i
        left = self.prefix()
        if not left.sql:
            return left
        left = replace(left, at=start) if left.at < 0 else left
        self.spans.append((first, self.i, left.sql, self.scope))
        while True:
            tok = self.peek()
            op = tok.value if tok.kind in ("word", "op") else ""
            if op in ("similar", "["):
                raise Refusal("drill: SIMILAR TO is not simulated (LIKE, ILIKE and the ~ match are)" if op != "[" else
                              "drill: an array's subscript (x[1]) is not simulated")
            power = POWER.get(op, 7 if tok.kind == "op" and op not in (",", ";", "(", ")", "[", "]", ".") else 0)
            if power <= floor:
                return left
            self.take()
            left = replace(self.infix(op, left, power), at=start)
            self.spans.append((first, self.i, left.sql, self.scope))

    def infix(self, op: str, left: Expr, power: int) -> Expr:
        at = self.toks[self.i - 1].at               # the operator's: where PostgreSQL says an operator does not exist
        if op in ("or", "and"):           # the left's type said first, but after a syntax error on the right
            left, failed = self.checked(lambda: self.truth(left, op.upper()), left)
            right = self.after(failed, lambda: self.truth(self.operand(power), op.upper()))
            if failed:
                raise failed
            return Expr(f"{left.sql} {op.upper()} {right.sql}", "bool")
        if op == "::":
            return self.cast(left, at=at)
        if op in ("isnull", "notnull"):
            return Expr(f"{left.sql} IS {'NOT ' * (op == 'notnull')}NULL", "bool")
        if op == "is":
            words = [self.take().value]
            if words[0] == "not":
                words.append(self.take().value)
            if words[-1] == "distinct":
                self.expect("from")
                right = self.expr(power)
                return Expr(f"{left.sql} IS {'' if 'not' in words else 'NOT '}{right.sql}", "bool")
            said = " ".join(w.upper() for w in words)
            left = left if words[-1] == "null" else self.truth(left, f"IS {said}")
            return Expr(f"{left.sql} IS {said.replace('UNKNOWN', 'NULL')}", "bool")
        if op == "at":
            self.expect("time")
            self.expect("zone")
            zone = self.expr(power)
            if left.type not in ("timestamptz", "timestamp"):
                raise Refusal("drill: AT TIME ZONE is simulated on timestamps only")
            return Expr(f"pg_at({left.sql}, {zone.sql})",
                        "timestamp" if left.type == "timestamptz" else "timestamptz", "timezone")
        if op == "collate":
            collation = self.take()                 # "C", "POSIX", the database's: SQLite's BINARY (byte order)
            binary = collation.value in ("C", "POSIX", "default")
            return Expr(f"{left.sql} COLLATE {'BINARY' if binary else collation.text}", left.type, left.name)
        negated = op == "not"
        if negated:
            op = self.take().value
        no = "NOT " * negated
        if op == "between":
            low = self.operand(POWER["and"])
            self.expect("and")
            high = self.operand(power)
            low = self.compared(left, "<" if negated else ">=", low, at)[1]
            high = self.compared(left, ">" if negated else "<=", high, at)[1]
            kind = left.type if left.type == low.type == high.type else None
            return Expr(f"{self.stamp(left, kind).sql} {no}BETWEEN {self.stamp(low, kind).sql} AND "
                        f"{self.stamp(high, kind).sql}", "bool")
        if op == "in":
            self.expect("(")
            if self.at("select", "with", "values"):
                body = self.seq()[0]
            else:
                body = ", ".join(self.compared(left, "<>" if negated else "=", e, at)[1].sql
                                 for e in self.listing())
            self.expect(")")
            return Expr(f"{left.sql} {no}IN ({body})", "bool")
        if op in ("like", "ilike"):                 # PostgreSQL's LIKE escapes with \ unless told otherwise
            def like(e: Expr, escape: str = "'\\'") -> str:
                return (f"{left.sql} {no}LIKE {e.sql}" if op == "like" else
                        f"lower({left.sql}) {no}LIKE lower({e.sql})") + f" ESCAPE {escape}"
            if self.at("any", "some", "all") and self.peek(1).text == "(":
                return self.quantified(op, left, at, like)
            right = self.operand(power)
            if {left.type, right.type} - {"text", "unknown", None}:
                raise no_operator(left.type, f"{'!' * negated}~~{'*' * (op == 'ilike')}", right.type, at)
            return Expr(like(right, self.expr(power).sql if self.at("escape") and self.take() else "'\\'"), "bool")
        if power == 5 and self.at("any", "some", "all") and self.peek(1).text == "(":
            return self.quantified(op, left, at)
        right = self.operand(power)
        if "array" in (left.type, right.type):
            raise Refusal(f"drill: {op} of an array is not simulated (ARRAY[...] in a select list, ANY and ALL are)")
        if op in ("+", "-", "*", "/", "%", "^"):
            return self.timed(op, left, right, at)
        if op == "||":
            if not {left.type, right.type} & {"text", "unknown", None}:
                raise no_operator(left.type, op, right.type, at)
            return Expr(f"{self.text(left)} || {self.text(right)}", "text")
        if op.lstrip("!") in ("~", "~*"):
            if {left.type, right.type} - {"text", "unknown", None}:
                raise no_operator(left.type, op, right.type, at)
            return Expr(f"{'NOT ' * (op[0] == '!')}pg_regex({left.sql}, {right.sql}, '{op.lstrip('!')}')", "bool")
        if power == 5:
            return Expr(self.comparison(left, op, right, at), "bool")
        return Expr(f"{left.sql} {op} {right.sql}", None)

    def comparison(self, left: Expr, op: str, right: Expr, at: int) -> str:
        left, right = self.compared(left, op, right, at)
        kind = left.type if left.type == right.type else None
        return f"{self.stamp(left, kind).sql} {op} {self.stamp(right, kind).sql}"

    def quantified(self, op: str, left: Expr, at: int, pair: Callable[[Expr], str] | None = None) -> Expr:
        """``x op ANY|SOME|ALL (ARRAY[a, b] | '{a,b}' | a subquery)``: ``x op a`` for each element, joined by OR (ANY)
        or AND (ALL), whose NULLs are PostgreSQL's too (``pair``: LIKE's); of a subquery, ``= ANY`` is IN and ``<> ALL``
        NOT IN."""
        every = self.take().value == "all"
        self.expect("(")
        if self.at("select", "with", "values") and (op, every) in (("=", False), ("<>", True), ("!=", True)):
            body = self.seq()[0]
            self.expect(")")
            return Expr(f"{left.sql} {'NOT ' * every}IN ({body})", "bool")
        items = self.elements("drill: ANY and ALL are simulated of ARRAY[...], a '{...}' literal and, as = ANY and <> "
                              "ALL, a subquery")[0]
        self.expect(")")
        parts = [pair(e) if pair else self.comparison(left, op, e, at) for e in items]
        return Expr(f"({(' AND ' if every else ' OR ').join(parts)})" if parts else str(int(every)), "bool")

    def elements(self, refused: str) -> tuple[list[Expr], str]:
        """``ARRAY[a, b]`` or a ``'{a,b}'`` literal, either cast to ``t[]`` or not: its elements and their type
        (``unknown``: a literal's); anything else is ``refused``."""
        if literal := (tok := self.peek()).kind == "str":
            self.take()
            if not tok.value.lstrip().startswith("{"):
                raise PgError(f'ERROR:  malformed array literal: "{tok.value}"\nDETAIL:  Array value must start with '
                              '"{" or dimension information.', tok.at)
            items = [Expr("NULL", None) if not q and b.strip().upper() == "NULL" else Expr(quote(
                re.sub(r"\\(.)", r"\1", q) if q or not b else b.strip()), "unknown", at=tok.at)
                for q, b in re.findall(r'"((?:[^"\\]|\\.)*)"|([^,\s"{}][^,"{}]*)', tok.value)]
        elif self.at("array") and self.peek(1).text == "[":
            items = self.array()
        else:
            raise Refusal(refused)
        kind = next((e.type for e in items if e.type), "unknown" if items or literal else "text")
        if self.at("::") and self.peek(1).value in CASTS and self.peek(2).text == "[":     # '{1,2}'::int[]: each
            self.take()
            target = CASTS[self.take().value]
            self.expect("[")
            self.expect("]")
            items, kind = [self.cast(e, target) for e in items], target[0]
        return items, kind

    def array(self) -> list[Expr]:
        """``ARRAY[a, b]``'s elements, a literal read as the others' type (text, if all are literals)."""
        at = self.take().at
        self.take()
        if self.at("]") and self.peek(1).text == "::":         # ARRAY[]::text[]: as its cast reads it
            self.take()
            return []
        if self.at("]"):
            raise PgError("ERROR:  cannot determine type of empty array\nHINT:  Explicitly cast to the desired type, "
                          "for example ARRAY[]::integer[].", at)
        items = self.listing()
        self.expect("]")
        kind = next((e.type for e in items if e.type not in ("unknown", None)), "text")
        return [self.cast(e, (kind, kind)) if e.type == "unknown" else e for e in items]

    def prefix(self) -> Expr:
        tok = self.peek()
        if tok.kind == "end" or tok.text in (")", ",", ";") or tok.kind == "word" and tok.value in CLAUSES and \
                self.peek(1).text != ".":                  # last.at: a name (FROM tasks, last)
            return Expr("", None)
        self.take()
        if tok.kind == "num":
            whole = tok.text.isdigit() and int(tok.text) < 2 ** 63           # a bigint past int4's, a numeric past
            return Expr(tok.text, "int" if whole else "num", wide=whole and int(tok.text) >= 2 ** 31,  # int8's
                        exact=None if whole else quote(f"{Decimal(tok.text):f}"))
        if tok.kind == "str":
            return Expr(quote(tok.value), "unknown")
        if tok.kind in ("bits", "param"):
            return Expr(tok.text, None)
        if tok.text in ("-", "+"):
            e = self.operand(12)
            if e.type == "unknown" and tok.text == "+":        # read as a double; - is also an interval's
                e = self.cast(e, ("float", "float8"))
            if e.type in ("text", "bool", "unknown"):
                raise no_operator("", tok.text, e.type, tok.at, unique=e.type == "unknown")
            digits = e.digits()
            minus = f"({e.sql}) * -1" if tok.text == "-" and e.type in ("float", "float8") else None   # -0 is -0
            return Expr(minus or f"{tok.text}{e.sql}", e.type, wide=e.wide,
                        exact=f"pg_exact('{tok.text}', 0, {digits})" if digits and e.type != "int" else None)
        if tok.text == "*":
            return Expr("*", None, "*")
        if tok.text == "(":
            if self.at("select", "with", "values"):
                body, items = self.seq()
                self.expect(")")
                self.inner, (name, kind) = items, items[0] if items else ("", None)
                return Expr(f"({body})", kind, name, degree=self.degrees.get(name, 0))
            inner = self.listing()
            self.expect(")")
            return (replace(inner[0], sql=f"({inner[0].sql})" * (inner[0].type != "unknown") or inner[0].sql)
                    if len(inner) == 1 else           # where its inside begins, as PostgreSQL places it
                    Expr(f"({', '.join(e.sql for e in inner)})", None))
        if tok.kind in ("word", "ident") and self.at("."):          # t.status, "T".status, t.*, pg_catalog.now()
            self.take()
            if self.peek().kind not in ("word", "ident") and not self.at("*"):
                raise self.error()
            qualified = self.take()
            if qualified.text == "*":
                return Expr(f"{tok.text}.*", None, "*")
            if self.at("("):
                return self.call(qualified.value, schema=tok.value)
            name = self.cased(qualified.value, tok.value, tok.at) if qualified.kind == "ident" else qualified.value
            if tok.value == tok.value.lower() and self.recased(tok.value, "."):
                raise PgError(f'ERROR:  missing FROM-clause entry for table "{tok.value}"', tok.at)
            return self.column(name, f"{tok.text}.{qualified.text}")
        if tok.kind == "ident":
            return self.call(tok.value) if self.at("(") else self.column(self.cased(tok.value, at=tok.at))
        if tok.kind != "word":
            return Expr(tok.text, None)
        word = tok.value
        if word == "not":
            return Expr(f"NOT {self.truth(self.operand(3), 'NOT').sql}", "bool")
        if word in ("true", "false"):
            return Expr(str(int(word == "true")), "bool")
        if word == "null":
            return Expr("NULL", None)
        if word == "exists":
            self.expect("(")
            body = self.seq()[0]
            self.expect(")")
            return Expr(f"EXISTS ({body})", "bool", "exists")
        if word == "case":
            return self.case()
        if word == "array" and self.at("["):             # its text: psql prints nothing else of an array
            self.i -= 1
            items = self.array()
            double = {"float", "float8"} & {e.type for e in items}      # PostgreSQL's common type: a double
            return Expr("pg_array(" + ", ".join(f"CASE WHEN {e.sql} THEN 't' WHEN NOT {e.sql} THEN 'f' END" if (
                e.type == "bool") else self.text(replace(e, type="float") if double else e) for e in items) + ")",
                        "array", "array")
        if word in ("cast", "extract") and self.at("("):
            self.take()
            if word == "extract":
                field = self.take().value
                self.expect("from")
                return self.part(field, "extract")
            e = self.expr(0)
            self.expect("as")
            e = self.cast(e, at=tok.at)
            self.expect(")")
            return e
        ahead = self.peek(closing(self.toks, self.i) + 1 - self.i) if self.at("(") else self.peek()   # time(2) '...'
        if word in CASTS and word not in ("int", "double") and (ahead.kind == "str" or word in ("time", "timestamp")
                                                                and ahead.value in ("with", "without")):
            return self.typed()
        if word in CLOCK_WORDS:                         # current_time(2): to its precision
            precision = self.modifiers(tok) if word != "current_date" else None
            return self.clock(CLOCK_WORDS[word], precision[0][0] if precision else 6, word)
        if word in ("current_user", "session_user", "current_role", "user", "current_schema", "current_catalog") \
                and not self.at("("):           # PostgreSQL's session values: not a column (a false "does not exist")
            raise Refusal(f"drill: {word} is not simulated")
        return self.call(word) if self.at("(") else self.column(word, tok.text)

    def listing(self) -> list[Expr]:
        out = [self.expr(0)]
        while self.at(","):
            self.take()
            out.append(self.expr(0))
        return out

    def column(self, name: str, text: str | None = None) -> Expr:
        """A column by name; a quoted name is written in backquotes, which SQLite reads as a name only: in
        double quotes a name no column has is a string to it, and ``status = "failed"`` counted the failed."""
        sql = (text if '"' in text else text.lower()) if text else "`" + name.replace("`", "``") + "`"  # TASKS: tasks
        qualified = self.i >= 3 and self.toks[self.i - 2].text == "."
        self.refs.append((self.i - 1 - 2 * qualified, self.toks[self.i - 3].value * qualified, name, self.scope,
                          self.inagg > 0))
        kind = self.columns[name] if name in self.columns else self.known.get(name)
        if name not in self.columns and text and "." not in text and self.recased(name, "as"):
            raise PgError(f'ERROR:  column "{name}" does not exist', self.toks[self.i - 1].at)
        return Expr(sql, kind, name, wide=name in self.wide, exact=sql if kind == "num" and name in self.columns else
                    None, degree=0 if name in self.columns else self.degrees.get(name, self.known_degrees.get(name, 0)))

    def recased(self, name: str, given: str) -> bool:
        """Whether the statement gives ``name`` only in quotes of another case (``AS "S"``, ``tasks "T"``), so that an
        unquoted ``s`` (``t.x``) names nothing, where SQLite matches it in any case; ``given``: what follows or
        precedes an unquoted giving (``AS s``; a table alias ``t`` is not followed by ``.``)."""
        near = (lambda i: self.toks[i - 1].value == "as") if given == "as" else (
            lambda i: i + 1 >= len(self.toks) or self.toks[i + 1].text != ".")
        return not self.lenient and any(t.kind == "ident" and t.value != name and t.value.lower() == name
                                        for t in self.toks) and not any(
            t.kind == "word" and t.value == name and near(i) for i, t in enumerate(self.toks))

    def cased(self, name: str, table: str = "", at: int = 0) -> str:
        """A double-quoted name keeps its case, where SQLite matches a name in any: the drill's tables and columns
        are all lower case, so a name in capitals is only one the statement gives (``AS "Status"``, ``tasks "T"``)."""
        given = {t.value for i, t in enumerate(self.toks) if t.kind == "ident" and i and (
            (before := self.toks[i - 1]).value == "as" or before.text == ")" or before.kind == "ident"
            or before.kind == "word" and before.value not in CLAUSES and before.value not in POWER)}
        if name == name.lower() or name in given:
            return name
        if not table and self.toks[self.i - 2].value in ("from", "join"):
            raise PgError(f'ERROR:  relation "{name}" does not exist', at)
        tables = {t.value for i, t in enumerate(self.toks) if i and self.toks[i - 1].value in ("from", "join")}
        near = table or (tables.pop() if len(tables) == 1 else "")
        hint = (f'\nHINT:  Perhaps you meant to reference the column "{near}.{name.lower()}".'
                if near and name.lower() in self.columns and sum(map(str.isupper, name)) <= len(name) // 2 else "")
        raise PgError(f"ERROR:  column {f'{table}.{name}' if table else chr(34) + name + chr(34)} does not exist"
                      + hint, at)

    def case(self) -> Expr:
        """``CASE [x] WHEN ... THEN ... ELSE ... END`` of its results' common type (``common``, the ELSE's first, as
        PostgreSQL lists them), a numeric with the exact digits of each result; each WHEN a boolean, or x's equal."""
        subject = None if self.at("when") else self.operand(0)        # CASE x WHEN 1 ...
        parts: list[tuple[str, Expr]] = []
        failed: PgError | None = None
        while not self.at("end"):
            if not self.at("when", "then", "else"):
                raise self.error()
            at, word = self.peek().at, self.take().text.upper()
            e = self.after(failed, lambda: self.expr(0))
            if word == "WHEN" and failed is None:
                e, failed = self.checked(lambda: self.truth(e, "CASE/WHEN") if subject is None else self.compared(
                    subject, "=", e, at)[1], e)
            parts.append((word, e))
        self.take()
        if failed:
            raise failed
        order = sorted(range(len(parts)), key=lambda k: parts[k][0] != "ELSE")
        kind, results = self.common("CASE", [parts[k][1] for k in order if parts[k][0] != "WHEN"])
        for k, e in zip([k for k in order if parts[k][0] != "WHEN"], results, strict=True):
            parts[k] = parts[k][0], e
        exact = str(kind).startswith("num") and all(e.digits() or e.sql == "NULL" for e in results)
        head = ["CASE", subject.sql if subject else ""]
        return Expr(" ".join(head + [x for w, e in parts for x in (w, e.sql)] + ["END"]), "num" if exact else kind,
                    "case", True, exact=" ".join(head + [x for w, e in parts for x in (w, e.sql if w == "WHEN" else str(
                        e.digits() or e.sql * (e.sql == "NULL")))] + ["END"]) if exact else None)

    def call(self, name: str, schema: str = "") -> Expr:
        at, header = self.toks[self.i - 1 - 2 * bool(schema)].at, "btrim" if name == "trim" else name
        self.expect("(")
        if name.startswith("pg_") or schema not in ("", "pg_catalog"):
            raise Refusal(f"drill: function {f'{schema}.' * bool(schema)}{name}() is not simulated")
        if name in ("rollup", "cube", "grouping") and self.clause == "group":
            raise Refusal("drill: GROUP BY ROLLUP, CUBE and GROUPING SETS are not simulated (GROUP BY is)")
        end = closing(self.toks, self.i - 1)    # a window function (OVER after its parentheses) groups nothing
        if name not in COMPUTED | SPELT | CLOCK_CALLS | AGGREGATES and self.peek(end + 1 - self.i).value != "as":
            raise not_computed(name)             # an aggregate after the grouping's check; WITH r(n) AS is a name
        if name in CLOCK_CALLS:
            self.expect(")")
            return self.clock("timestamptz", 6, name)
        if name == "position":                    # position(x IN s)
            needle = self.operand(POWER["in"])
            self.expect("in")
            hay = self.operand(0)
            self.expect(")")
            hay, needle = self.signed(name, [hay, needle], at, "pg_catalog.position")
            return Expr(f"pg_strpos({hay.sql}, {needle.sql})", "int", name)
        if name == "date_part":
            field = self.expr(0)
            self.expect(",")
            return self.part(field.sql.strip("'").lower(), "date_part")
        if name == "date_trunc":
            return self.trunc(at)
        args: list[Expr] = []
        words: list[str] = []
        after = end + 1                         # past its FILTER (WHERE ...): OVER makes it a window's
        while after < len(self.toks) - 1 and self.toks[after].value == "filter" and self.toks[after + 1].text == "(":
            after = closing(self.toks, after + 1) + 1
        aggregate = name in AGGREGATES and not schema and self.peek(after - self.i).value != "over"
        if aggregate:
            self.aggs.append((self.i - 2, self.scope))
        self.inagg += aggregate
        keys: list[str] = []              # ORDER BY in an aggregate's parentheses (string_agg's): its keys' SQL
        while not self.at(")"):
            if self.peek().kind == "end":
                raise self.error()
            if aggregate and self.at("order"):
                self.take()
                self.expect("by")
                keys = self.keys()[0]
                break
            if self.at(",") or self.peek().kind == "word" and self.peek().value in CLAUSES:
                words.append(self.take().text)
                continue
            if self.at("variadic") and self.take():         # concat(VARIADIC ARRAY[a, b]) is concat(a, b)
                place = self.peek().at
                if name not in ("concat", "concat_ws"):
                    raise Refusal(f"drill: VARIADIC is not simulated in {name}() (in concat and concat_ws it is)")
                items, kind = self.elements("drill: VARIADIC is simulated of an ARRAY[...] or a '{...}' literal")
                if kind == "unknown":
                    raise PgError("ERROR:  VARIADIC argument must be an array", place)
                if not self.at(")"):                        # VARIADIC is the last argument; the array all of concat's
                    raise self.error()
                if len(args) != (name == "concat_ws") or not kind:
                    raise no_function(name, [*map(named, args), pgname(kind or "text") + "[]"], at)
                args, words = args + items, [*words, "variadic"]
                continue
            e = self.expr(0)
            if not e.sql:
                words.append(self.take().text)
                continue
            args.append(e)
            words.append(e.sql)
        self.expect(")")
        kinds = [a.type for a in args if a.type not in (None, "unknown")]
        kind = kinds[0] if kinds else None
        if self.at("within") or name == "string_agg" or keys:
            e = self.ordered(name, args, keys, "distinct" in (w.lower() for w in words), at)
            self.inagg -= aggregate
            return replace(e, sql=self.window(e.sql, at=at))
        self.inagg -= aggregate
        if name in ("sum", "avg") and kind in ("text", "bool", *STAMPS):
            raise no_function(name, args, at)
        if name in ("concat", "concat_ws", "split_part"):
            return self.texts(name, args, at, "variadic" in words)
        if name == "to_char":
            return self.to_char(args, at)
        if name == "age":               # a span in days as subtraction's, where it has no month (the calendar's)
            if len(args) not in (1, 2) or {a.type for a in args} - STAMPS - {"unknown"}:
                raise no_function(name, args, at)
            pair = [self.cast(a, ("timestamptz", "timestamptz")) if a.type == "unknown" else a for a in args]
            e = self.arith("-", *(pair if len(pair) == 2 else [self.clock("date", 0, "current_date"), *pair]), at)
            return Expr(self.window(f"pg_age({e.sql})", at=at), "interval", name)
        common, typed = kind, {}
        if name == "trunc" and any(a.type == "unknown" for a in args[:1]):   # trunc(macaddr) too
            raise no_function(name, args, at, unique=True)
        if name == "regexp_replace" and len(args) > 3 and args[3].type == "int":
            raise Refusal("drill: regexp_replace()'s start and N are not simulated (its flags are)")
        if name in SIGNATURES and [w for w in words if w != ","] == [a.sql for a in args] and name != "substring":
            args = self.signed(name, args, at, "pg_catalog.btrim" * (name == "trim"))
            words, kind = [", ".join(a.sql for a in args)], args[0].type if args else None
        if name in ("coalesce", "greatest", "least"):
            common, args = self.common(name.upper(), args)
            words = [f"'{name}', " * (name != "coalesce") + ", ".join(a.sql for a in args)]
            name = name if name == "coalesce" else "pg_pick"
        elif name in VALUED:                # lag(x, n, default): x's type (and default's with it), n an integer
            if args and name in ("rank", "dense_rank", "percent_rank", "cume_dist"):     # hypothetical-set aggregates
                raise PgError(f"ERROR:  WITHIN GROUP is required for ordered-set aggregate {name}", at)
            if not self.at("over"):
                raise PgError(f"ERROR:  window function {name} requires an OVER clause", at)
            params = next((p for p in VALUED[name].split(" ") if len(p) == len(args)), None)
            try:
                common, values = self.common(name, [a for a, p in zip(args, params or "") if p == "x"])
            except PgError as exc:
                if "cannot be matched" not in str(exc):
                    raise
                params = None
            if params and params[0] == "x" and args[0].type == "unknown":
                raise ToolError("ERROR:  could not determine polymorphic type because input has type unknown")
            if params is None or any(a.type not in ("int", "unknown", None) for a, p in zip(args, params) if p == "i"):
                raise no_function(name, args, at)
            args = [values.pop(0) if p == "x" else self.cast(a, ("int", "int4")) if a.type == "unknown" else a
                    for a, p in zip(args, params, strict=True)]
            kind, words = common if "x" in params else "int", [", ".join(a.sql for a in args)]
            typed[name] = "float8" if name in ("percent_rank", "cume_dist") else kind
        elif name == "regexp_replace":
            name, words = "pg_regex", [", ".join([args[0].sql, args[1].sql, "'replace'", *(a.sql for a in args[2:])])]
        elif name == "nullif" and len(args) == 2:
            words = [", ".join(e.sql for e in self.compared(args[0], "=", args[1], at))]
        elif name in ("left", "right", "substr", "substring", "strpos"):  # substring(s FROM n FOR m), (s FROM 'regex')
            order = [w.lower() for w in words if w.lower() in ("from", "for")]
            if order == ["for"]:
                args.insert(1, Expr("1", "int"))
            elif order == ["for", "from"]:                          # PostgreSQL takes FOR n FROM m too
                args[1:3] = args[2:0:-1]
            regex = name == "substring" and len(args) == 2 and args[1].type in ("text", "unknown")
            if not regex:
                args = self.signed("substr", args, at, "pg_catalog.substring" if name == "substring" else name)
            name = "pg_regex" if regex else f"pg_{name.replace('substring', 'substr')}"
            words = [", ".join([a.sql for a in args] + ["'substring'"] * regex)]
        integer = name == "sum" and kind == "int" and not args[0].wide      # sum(integer) is a bigint, not a numeric
        typed |= {"count": "int", "min": kind, "max": kind, "nullif": kind, "length": "int", "pg_strpos": "int",
                 "sum": "interval" if kind == "interval" else "int" if integer else "num",
                 "avg": "interval" if kind == "interval" else "num", "coalesce": common, "pg_pick": common,
                 # a double's, a numeric's; round(numeric, n) n decimals
                 **dict.fromkeys(("round", "trunc"), "float8" if kind in ("float", "float8") or kind == "int" and len(
                     args) == 1 else "num" if len(args) == 2 and not args[1].sql.isdigit() else
                     f"numeric{args[1].sql if len(args) == 2 else 0}"),
                 **dict.fromkeys(("ceil", "ceiling", "floor"), "float8" if kind == "float" else "numeric0"),
                 **dict.fromkeys(("lower", "upper", "pg_left", "pg_right", "pg_substr", "replace", "pg_regex", "trim",
                                  "ltrim", "rtrim"), "text"),
                 "abs": {"float": "float8", "int": "int"}.get(kind or "", "num"),
                 "sign": "float8" if kind == "float" else "num"}
        exact, digits = None, [a.digits() or a.sql * (a.sql == "NULL") for a in args]
        numeric = any(str(a.type).startswith(("num", "int")) for a in args) and all(digits)
        if (name in ("avg", "sum") or name in ("min", "max") and str(kind).startswith("num")) and len(args) == 1 \
                and words == [args[0].sql] and numeric:
            exact = f"pg_ordered('{name}', NULL, {args[0].digits()})"
        elif name == "abs" and numeric:
            exact = f"pg_exact('a', 0, {digits[0]})"
        elif name in ("round", "trunc") and numeric and (len(args) == 1 and kind != "int" or len(args) == 2 and
                                                         re.fullmatch(r"-?\d+", args[1].sql)):    # half away from 0
            exact = f"pg_exact('{'qz'[name == 'trunc']}', {args[1].sql if len(args) == 2 else 0}, {digits[0]})"
        elif name in ("coalesce", "pg_pick") and numeric and str(common).startswith("num"):     # each its own digits
            exact = f"{name}({f'{chr(39)}{header}#{chr(39)}, ' * (name != 'coalesce')}{', '.join(map(str, digits))})"
        if name == "round" and len(args) == 1 and typed["round"] == "float8":     # a double's: rint, half to even
            name, typed["pg_rint"] = "pg_rint", "float8"
        if name == "trunc":                 # toward zero: as the digits' 't', of any number SQLite holds
            name, words, typed["pg_cut"] = "pg_cut", [f"{args[1].sql if len(args) == 2 else 0}, {args[0].sql}"], \
                typed["trunc"]
        point = name in ("floor", "ceil", "ceiling", "round", "pg_rint", "pg_cut") and len(args) == 1 and args[0].degree
        if point:                               # a point in time rounded on the drill's clock (attack42 A1b)
            words, exact = [f"{'0, ' * (name == 'pg_cut')}pg_todrill({args[0].sql}, {args[0].degree})"], None
        sql = self.window(f"{name}({' '.join(words)})", at=at)
        suffix = sql[len(f"{name}({' '.join(words)})"):]          # FILTER's; a window's: SQLite's aggregate
        exact = exact + suffix if exact and ("OVER" not in suffix or exact.startswith("pg_ordered(")) else None
        sql = f"pg_towall({sql}, {args[0].degree})" if point else sql
        wide = name in ("count", "row_number", "rank", "dense_rank") or integer or name in (
            "min", "max", "coalesce", "abs") and any(a.wide for a in args)
        of_time = args and header in ("min", "max", "avg", "round", "trunc", "floor", "ceil", "ceiling", "coalesce",
                                      "greatest", "least")               # a time's
        return Expr(sql, typed.get(name), header, wide=wide, exact=exact, degree=args[0].degree if of_time else 0)

    def window(self, sql: str, *words: str, at: int = -1) -> str:
        """A call's FILTER (WHERE ...) and OVER (...) after it (``words``: a WINDOW clause's ``(...)``); a window
        function where PostgreSQL takes none (in an aggregate, WHERE, GROUP BY, HAVING) is its error at ``at``."""
        while words or self.at("filter", "over"):
            word = Tok("word", "", words[0]) if words else self.take()
            words, sql = (), sql + f" {word.text.upper()} "
            if word.value == "over" and (self.inagg or self.clause in ("where", "group", "having")):
                raise PgError("ERROR:  aggregate function calls cannot contain window function calls" if self.inagg
                              else f"ERROR:  window functions are not allowed in {self.clause.upper()}"
                              f"{' BY' * (self.clause == 'group')}", at)
            first = self.i
            if self.at("("):
                frame = self.toks[self.i:closing(self.toks, self.i)]
                if "range" in (t.value for t in frame) and any(t.kind == "str" for t in frame):   # an interval's:
                    raise Refusal("drill: a RANGE frame with an interval's offset is not simulated (ROWS frames are, "
                                  "and RANGE of a number)")      # SQLite's offset of a text timestamp
                self.take()
                sql += f"({self.seq()[0]})"
                self.expect(")")
                if word.value in ("over", "("):    # PARTITION BY's, ORDER BY's columns and expressions are the
                    self.refs = [(i, q, n, self.scope if i >= first and s > self.scope else s, g)   # SELECT's
                                 for i, q, n, s, g in self.refs]
                    self.spans = [(x, y, q, self.scope if x >= first and s > self.scope else s)
                                  for x, y, q, s in self.spans]
            else:
                sql += self.take().text
        return sql

    def keys(self) -> tuple[list[str], list[Expr]]:
        """An aggregate's ORDER BY: each key's SQL then its direction, ``pg_ordered``'s (+1 descending, +2 its NULLs
        first), and the keys."""
        out, exprs = [], []
        while True:
            e = self.operand(0)
            desc = self.at("desc")
            if self.at("asc", "desc"):
                self.take()
            first = desc
            if self.at("nulls"):
                self.take()
                first = self.take().value == "first"
            out += [e.sql, str(int(desc) + 2 * int(first))]
            exprs.append(e)
            if not self.at(","):
                return out, exprs
            self.take()

    def ordered(self, name: str, args: list[Expr], keys: list[str], distinct: bool, at: int) -> Expr:
        """string_agg (its ORDER BY too) and ``percentile_cont``, ``percentile_disc``, ``mode`` ``WITHIN GROUP (ORDER
        BY x)``, as ``pg_ordered`` computes them; another aggregate's ORDER BY is refused by name."""
        if name == "string_agg" and len(args) == 2 and not (distinct and keys and keys[0] != args[0].sql):  # PG's
            if {args[0].type, args[1].type} - {"text", "unknown"}:
                raise no_function(name, args, at)
            keys = keys or [args[0].sql, "0"] * distinct       # DISTINCT sorts by its value, as PostgreSQL does
            return Expr(f"pg_ordered('string_agg{'_distinct' * distinct}', {args[1].sql}, {args[0].sql}"
                        + "".join(f", {k}" for k in keys) + ")", "text", name)
        if not self.at("within") or name not in ("percentile_cont", "percentile_disc", "mode") or keys:
            raise Refusal(f"drill: {name}() {'WITHIN GROUP' if self.at('within') else 'with ORDER BY'} is not "
                          "simulated (string_agg's ORDER BY, and percentile_cont, "
                          "percentile_disc and mode WITHIN GROUP are)")
        self.take()
        for word in ("group", "(", "order", "by"):
            self.expect(word)
        keys, exprs = self.keys()
        self.expect(")")
        fraction, key = args[0] if args else Expr("NULL", None), exprs[0]
        number = key.type in ("int", "num", "float", "interval") or str(key.type).startswith("numeric")
        if len(exprs) > 1 or name == "percentile_cont" and not number and not self.lenient:    # later, in FROM
            raise no_function(name, [*args, *exprs], at)
        if len(args) != (name != "mode") or fraction.type not in ("num", "int", "float", None):
            raise Refusal(f"drill: {name}() is simulated of one fraction, WITHIN GROUP (ORDER BY one value)")
        kind = key.type if name != "percentile_cont" else "interval" if key.type == "interval" else "float8"
        if self.at("over"):
            raise PgError(f"ERROR:  OVER is not supported for ordered-set aggregate {name}", at)
        return Expr(f"pg_ordered('{name}', {fraction.sql}, {key.sql}, {', '.join(keys)})", kind, name)

    # -------------------------------------------------------------------------------------------- the clock's types
    def clock(self, kind: str, precision: int, name: str) -> Expr:
        moment = datetime.fromtimestamp(round(self.now, precision), UTC)
        return Expr(quote(form(moment, kind)), kind, name)

    def typed(self) -> Expr:
        """A typed literal (``interval '15 minutes'``, ``time(2) '01:02:03.456'``): its value, read now."""
        self.i -= 1
        (kind, pgname), mods = self.typename()
        if self.peek().kind != "str":
            raise self.error()
        literal = self.take()
        e = self.cast(Expr(quote(literal.value), "unknown", at=literal.at), (kind, pgname), mods=mods)
        if kind == "interval" and self.peek().kind == "word" and self.peek().value.rstrip("s") in UNITS:
            raise Refusal("drill: an interval's field qualifier (interval '10' minute) is not simulated; "
                          "write interval '10 minutes'")
        return replace(e, name=pgname, weak=True)

    def typename(self) -> tuple[tuple[str, str], list[tuple[int, int]]]:
        """A cast's type as PostgreSQL's grammar reads it (``timestamp(0) with time zone``, ``double precision``,
        ``numeric(10, 2)``): the drill's kind and PostgreSQL's name, and its modifiers (each with its place), checked
        as PostgreSQL checks them (a precision past 6 is 6, said in a warning); a type the drill does not hold is
        refused by name."""
        if self.peek().kind not in ("word", "ident"):
            raise self.error()
        first = self.take()
        words, mods = [first.value], self.modifiers(first) if first.value in ("timestamp", "time") else None
        if words[0] in ("timestamp", "time", "double", "character") and self.at("with", "without", "precision",
                                                                                   "varying"):
            words.append(self.take().value)
            if words[-1] in ("with", "without"):
                self.expect("time")
                self.expect("zone")
        mods = self.modifiers(first) if mods is None else mods
        if self.at("["):
            raise Refusal("drill: arrays are not simulated")
        name = {("timestamp", "with"): "timestamptz", ("time", "with"): "timetz",
                ("character", "varying"): "varchar"}.get(tuple(words), words[0])
        if name not in CASTS:
            raise Refusal(f"drill: a cast to {' '.join(words)} is not simulated (to "
                          f"{', '.join(sorted({k for k, _ in CASTS.values()} - {'num', 'int', 'float'}))}, varchar "
                          "and numbers it is)")
        (kind, sqlname), said = CASTS[name], ""
        if not mods or kind == "num" and 0 < mods[0][0] <= 1000 and len(mods) < 3 and mods[-1][0] >= 0:
            return (kind, sqlname), mods                    # numeric(p, s): its scale, and p checked as it is read
        value, at = mods[0]
        label = f"{'TIMESTAMP' if kind in STAMPS else kind.upper().removesuffix('TZ')}({value})" + \
            " WITH TIME ZONE" * kind.endswith("tz")
        if kind == "num":
            if len(mods) < 3 and 0 < value <= 1000:
                raise Refusal("drill: a numeric's negative scale is not simulated")
            said = "invalid NUMERIC type modifier" if len(mods) > 2 else \
                f"NUMERIC precision {value} must be between 1 and 1000"
        elif sqlname == "float8" and name == "float":       # float(p): p bits, a real's up to 24
            if not 0 < value < 54:
                bits = "at least 1 bit" if value < 1 else "less than 54 bits"
                raise PgError(f"ERROR:  precision for type float must be {bits}", at)
            return CASTS["real" if value < 25 else "float8"], []
        elif kind not in TEMPORAL - {"date"} and sqlname != "varchar" or len(mods) > 1:
            said = f'type modifier is not allowed for type "{sqlname}"' if len(mods) == 1 else "invalid type modifier"
        elif value < (sqlname == "varchar"):
            said = "length for type varchar must be at least 1" if sqlname == "varchar" else \
                f"{label} precision must not be negative"
        elif value > 6 and sqlname != "varchar":
            self.warn(PgError(f"WARNING:  {label} precision reduced to maximum allowed, 6", first.at))
            return (kind, sqlname), [(6, at)]
        if said:
            raise PgError(f"ERROR:  {said}", first.at)
        return (kind, sqlname), mods

    def modifiers(self, first: Tok) -> list[tuple[int, int]] | None:
        """A type's modifiers, ``(10, 2)``, each an integer (where it is), as PostgreSQL's grammar takes them after
        the type ``first``: after a keyword one unsigned integer (none after int, real, boolean...), after a type's
        name integers; None: no parenthesis."""
        if not self.at("("):
            return None
        at, out = self.take().at, []
        if first.value in ("int", "integer", "smallint", "bigint", "real", "boolean", "double"):
            raise PgError('ERROR:  syntax error at or near "("', at)
        one = first.value in ("time", "timestamp", "interval", "varchar", "character", "char", "float", *CLOCK_WORDS)
        while not out or self.at(",") and not one and self.take():
            sign = -1 if not one and self.at("-") and self.take() else 1
            if not self.peek().text.isdigit():
                if one or self.peek().kind == "end" or self.at(",", ")"):
                    raise self.error()
                raise Refusal("drill: a type modifier other than an integer is not simulated")
            out.append((sign * int(self.peek().text), self.take().at))
        self.expect(")")
        return out

    def cast(self, e: Expr, target: tuple[str, str] | None = None, at: int | None = None,
             mods: list[tuple[int, int]] | None = None) -> Expr:
        """``e::type`` as PostgreSQL casts it (``at``: where its error is, the ``::``; else where ``e`` begins): a
        literal or a text read by the type's input function, a cast PostgreSQL has not its error; a type the drill
        does not hold is refused by name."""
        if target is None:
            target, mods = self.typename()
        if mods and target[0] in TEMPORAL | {"text"}:     # timestamp(0): to its fraction's digits (an interval too);
            done = self.cast(e, target)                     # varchar(10): its length
            return replace(done, sql=f"substr({done.sql}, 1, {mods[0][0]})" if target[1] == "varchar" else
                           f"pg_precise({done.sql}, {mods[0][0]})")
        kind, sqlname = target
        wide = sqlname == "int8" or kind == "int" and e.wide and sqlname != "int4"
        if kind == "num" and mods:                                  # numeric(p, s): to its scale, and its precision
            target = kind, sqlname = f"numeric{mods[1][0] if len(mods) > 1 else 0}", sqlname
        strong = bool(e.name) and e.name != "*" and not e.weak
        header = e.name if strong else sqlname
        base, was = (k if k is None else "num" if k.startswith("num") else "float" if k == "float8" else k
                     for k in (kind, e.type))
        reads = {"int": sqlname if sqlname == "int2" else "int8" if wide else "int4", "num": "numeric",  # the input
                 "float": "float4" if sqlname == "float4" else "float8"}.get(base, base)   # function that reads a text
        if was not in ("unknown", "text", None) and base != "text" and not castable(was, base, e.wide, wide):
            raise PgError(f"ERROR:  cannot cast type {'bigint' if e.wide else pgname(was)} to {pgname(base)}",
                          e.at if at is None else at)
        small = sqlname == "int2"
        if e.type == kind and not (kind == "int" and (e.wide and not wide or small and not e.small)):   # its range
            return Expr(e.sql, kind, header, not strong, wide=wide, exact=e.exact, degree=e.degree, small=small)
        if {was, base} == {"interval", "time"}:
            raise Refusal("drill: a cast between an interval and a time of day is not simulated")
        if was == "unknown" and base != "text":          # a literal is read now: PostgreSQL's error under it
            try:
                value = given(unquote(e.sql), reads, self.now)
            except Refusal:
                raise
            except ToolError as exc:
                raise PgError(str(exc), e.at) from None
            e = Expr(literal(float(value) if base == "num" else value), base,  # type: ignore[arg-type]
                     exact=quote(str(value)) if base == "num" else None)
            if e.type == kind:
                return replace(e, name=header, weak=not strong, wide=wide, small=small)
        if was == "text" and base not in ("text", "num") or base in TEMPORAL or was in ("interval", "bool") and \
                base == "text":
            return Expr(f"pg_cast({e.sql}, '{reads}', '{e.type}')", kind, header, not strong, wide=wide)
        if was == "text" and base == "num":
            e = Expr(f"CAST(pg_cast({e.sql}, 'numeric', 'text') AS REAL)", "num",
                     exact=f"pg_cast({e.sql}, 'numeric', 'text')")
        value = f"pg_exact('r', 0, {e.exact})" if e.exact else f"pg_rint({e.sql})" if was == "float" else e.sql
        value = f"pg_todrill({value}, {e.degree})" if base == "int" and e.degree else value    # as floor's
        sql = {"int": f"pg_range(pg_int({value}), {8 if wide else 2 if sqlname == 'int2' else 4})",
               "float": f"CAST({value} AS REAL)",
               "text": f"pg_exact('t', 0, {e.sql})" if e.type == "float" else f"CAST({e.exact or e.sql} AS TEXT)",
               "num": e.sql if e.type in ("int", "num", "float") else f"CAST({e.sql} AS NUMERIC)",
               "bool": f"({e.sql}) <> 0"}.get(base, e.sql)
        exact = None if base != "num" else e.digits() if e.type in ("int", "num") else (
            f"pg_exact('f', 0, {e.sql})" if was == "float" else None)       # a float8 to numeric: 15 digits
        exact = f"pg_exact('q', {kind[7:]}, {exact})" if exact and kind.startswith("numeric") else exact
        exact = f"pg_exact('p', '{mods[0][0]},{kind[7:]}', {exact})" if exact and mods else exact
        sql = f"pg_towall({sql}, {e.degree})" if base == "int" and e.degree else sql
        return Expr(sql, kind, header, not strong, wide=wide, exact=exact,
                    degree=e.degree if base in ("int", "num", "float") else 0, small=small and base == "int")

    def compared(self, left: Expr, op: str, right: Expr, at: int) -> tuple[Expr, Expr]:
        """``left`` and ``right`` as compared: a literal beside a typed value is read as one ('1' = 1 is true, 'x' = 1
        and true = 'x' errors), and two kinds no operator takes (text and a number, a boolean and an integer) are
        PostgreSQL's error, not SQLite's answer."""
        sides = [self.cast(e, (o.type, "int8" if o.wide else o.type)) if e.type == "unknown" and o.type not in (
            "unknown", "text", "array", None) else e for e, o in ((left, right), (right, left))]
        if None not in (a := family(sides[0].type), b := family(sides[1].type)) and a != b:
            raise no_operator(left.type, op, right.type, at)
        if left.degree and left.degree == right.degree and op in POWER and POWER[op] == 5:   # two points: any
            return settled(sides[0]), settled(sides[1])            # number moving one is drill seconds (timed)
        return sides[0], sides[1]

    def checked(self, check: Callable[[], Expr], e: Expr) -> tuple[Expr, PgError | None]:
        """``check()``, or ``e`` and the error it found: PostgreSQL types a statement once it has read all of it."""
        try:
            return check(), None
        except PgError as exc:
            return e, exc

    def after(self, failed: PgError | None, parse: Callable[[], Expr]) -> Expr:
        """``parse()`` after an error ``failed`` found before it: a syntax error in it is said first (PostgreSQL reads a
        statement before it types it), any other after ``failed``."""
        try:
            return parse()
        except PgError as exc:
            raise exc if failed is None or "syntax error" in str(exc) else failed from None

    def truth(self, e: Expr, what: str) -> Expr:
        """``e`` where PostgreSQL takes a boolean (``what``: AND, WHERE, CASE/WHEN...): a literal read as one."""
        if e.type == "unknown":
            return self.cast(e, ("bool", "bool"))
        if e.type not in ("bool", None):
            raise PgError(f"ERROR:  argument of {what} must be type boolean, not type {named(e)}", e.at)
        return e

    def common(self, what: str, exprs: list[Expr]) -> tuple[str | None, list[Expr]]:
        """The common type of ``what``'s values as PostgreSQL chooses it (a double's, else a numeric's, else the
        first's), each literal read as it; two kinds no implicit cast joins are its error, under the second."""
        known = [e for e in exprs if e.type not in ("unknown", None)]
        for e in known[1:]:
            if family(e.type) != family(known[0].type):
                raise PgError(f"ERROR:  {what} types {named(known[0])} and {named(e)} cannot be matched", e.at)
        kinds = [str(e.type) for e in known]
        kind = "float8" if {"float", "float8"} & set(kinds) else next((k for k in kinds if k.startswith("num")),
                                                                      known[0].type if known else None)
        kind = kind or "text" * any(e.type == "unknown" for e in exprs) or None      # literals alone: text
        if kind is None or kind == "text":
            return kind, exprs
        target = ("num", "num") if kind.startswith("num") else (kind, "int8" if any(e.wide for e in known) else kind)
        return kind, [self.cast(e, target) if e.type == "unknown" else e for e in exprs]

    def signed(self, name: str, args: list[Expr], at: int, said: str = "") -> list[Expr]:
        """``args`` as PostgreSQL's function ``name`` takes them (``SIGNATURES``): a literal read as its parameter's
        type (a number's as a double, PostgreSQL's preferred), another type its error (``said``: the name it gives)."""
        fits = {"t": lambda k: k == "text", "i": lambda k: k == "int", "n": lambda k: family(k) == "number",
                "m": lambda k: k == "int" or k.startswith("num")}
        for params in SIGNATURES[name].split():
            if len(params) == len(args) and all(a.type in ("unknown", None) or fits[p](a.type) and not (
                    p == "i" and a.wide) for a, p in zip(args, params, strict=True)):
                return [self.cast(a, {"i": ("int", "int4"), "n": ("float", "float8"), "m": ("num", "numeric")}[p])
                        if a.type == "unknown" and
                        p != "t" else a for a, p in zip(args, params, strict=True)]
        raise no_function(said or name, args, at)

    def stamp(self, e: Expr, kind: str | None) -> Expr:
        """Timestamps and dates compared with each other: each as a timestamptz (a date is its midnight)."""
        return Expr(f"pg_cast({e.sql}, 'timestamptz', '{e.type}')", "timestamptz") if (
            kind is None and e.type in STAMPS) else e

    def text(self, e: Expr) -> str:
        """``e`` as ``||`` reads it: its text as PostgreSQL prints its type."""
        return f"pg_cast({e.sql}, 'text', '{e.type}')" if e.type in ("interval", "bool") else (
            f"pg_exact('t', 0, {e.sql})" if e.type == "float" else f"CAST({e.exact} AS TEXT)" if e.exact else e.sql)

    def part(self, field: str, name: str) -> Expr:
        field = FIELDS.get(field[:10], field)      # PostgreSQL reads 10 letters (TOKMAXLEN)
        e = self.expr(0)
        self.expect(")")
        if e.type == "unknown":
            raise ToolError(f"ERROR:  function {name}(unknown, unknown) is not unique")
        if e.type not in TEMPORAL - {"time", "timetz"} and not self.lenient:    # the first reading learns a type
            raise Refusal(f"drill: {name}() is simulated on timestamps, dates and intervals, not on {e.type or 'this'}")
        # PostgreSQL 14+: extract is a numeric of the field's scale (epoch and second to the microsecond), date_part a
        # double precision
        scale = {"epoch": 6, "second": 6, "milliseconds": 3}.get(field, 0)
        sql = f"pg_part({quote(field)}, {e.sql}, '{e.type}')"
        return Expr(sql, "float8" if name == "date_part" else f"numeric{scale}", name,
                    exact=None if name == "date_part" else f"pg_exact('q', {scale}, {sql})",
                    degree=int(field == "epoch" and e.type in STAMPS))

    def trunc(self, at: int) -> Expr:
        """``date_trunc(unit, value)``: a timestamp, timestamptz or date (read as a timestamptz, PostgreSQL's preferred
        type) cut to the unit, the minute's or hour's buckets of a triage count; an interval cut to a second, minute
        or hour. The unit is read at run time (``pg_trunc``), so one a column holds fails per row as it does there."""
        unit = self.expr(0)
        self.expect(",")
        e = self.expr(0)
        if self.at(","):
            raise Refusal("drill: date_trunc() with a time zone is not simulated (the TaskDB's zone is UTC; "
                          "date_trunc(unit, value) is)")
        self.expect(")")
        kinds = (unit.type or "unknown", e.type or "unknown")
        if kinds[1] == "unknown" and kinds[0] in ("unknown", "text"):
            raise no_function("date_trunc", list(kinds), at, unique=True)
        if kinds[0] not in ("unknown", "text") or kinds[1] not in STAMPS | {"interval"}:
            raise no_function("date_trunc", [unit, e], at)
        kind = "timestamptz" if e.type == "date" else kinds[1]
        value = self.stamp(e, None).sql if e.type == "date" else e.sql
        return Expr(f"pg_trunc({unit.sql}, {value}, '{kind}')", kind, "date_trunc")

    def to_char(self, args: list[Expr], at: int) -> Expr:
        """``to_char(stamp, format)`` of a timestamp, timestamptz or date (read as a timestamp), as PostgreSQL
        formats it (``formatted``); a number's or an interval's format is refused by name."""
        kinds = [a.type or "unknown" for a in args]
        if len(args) != 2 or kinds[1] not in ("text", "unknown"):
            raise no_function("to_char", args, at)
        if kinds[0] in ("int", "float", "float8", "interval") or kinds[0].startswith("num"):
            raise Refusal(f"drill: to_char({pgname(kinds[0])}, text) is not simulated (of a timestamp or a date, "
                          "it is)")
        if kinds[0] not in STAMPS:
            raise no_function("to_char", kinds, at, unique=True)
        kind = "timestamptz" if kinds[0] == "timestamptz" else "timestamp"
        return Expr(f"pg_to_char({args[0].sql}, {args[1].sql}, '{kind}')", "text", "to_char")

    def texts(self, name: str, args: list[Expr], at: int, spread: bool = False) -> Expr:
        """``concat``, ``concat_ws`` (each value's text as PostgreSQL's output prints it, a NULL left out) and
        ``split_part(text, delimiter, n)``, on the argument types PostgreSQL takes (``spread``: VARIADIC's, of any
        number)."""
        if name == "split_part":
            return Expr(f"pg_split({', '.join(a.sql for a in self.signed(name, args, at))})", "text", name)
        if len(args) < (name == "concat_ws") + 1 - spread or name == "concat_ws" and args[0].type not in (
                "text", "unknown", None):
            raise no_function(name, args, at)          # concat_ws's separator is text
        out = [f"CASE WHEN {a.sql} THEN 't' WHEN NOT {a.sql} THEN 'f' END" if a.type == "bool" else self.text(a)
               for a in args]
        return Expr(f"pg_{name}({', '.join(out)})", "text", name)

    def timed(self, op: str, left: Expr, right: Expr, at: int) -> Expr:
        """``left op right`` where a side is a point in time, ``extract(epoch from created_at)``: the wall clock's unix
        time, as the timestamp and ``date +%s`` print it. Two apart are a span, drill seconds as ``now() - created_at``
        is, so at x10 ``extract(epoch from now()) - extract(epoch from max(created_at))`` is the interval's 16 s, not
        1.6 (attack41 A17). Only a value read from the drill's clock is on it: a plain number beside a point (``epoch -
        60``, ``epoch - 1796508609``) may be drill seconds or a unix time, so the point it moves is undecided
        (``pg_moved``, refused at a drill speed) until it meets another point, where it is a span of drill seconds
        (``epoch > epoch - 60`` is ``epoch - epoch > -60``; attack43 A10: a unix time typed in was read by its size).
        ``degree`` follows + and -, and ``*`` or ``/`` by a typed number (``epoch*1000``: milliseconds); any other
        arithmetic on a point in time is not decided, refused at a drill speed (``pg_unsure``), never a wrong number."""
        def typed(e: Expr) -> bool:
            return e.degree == 0 and re.fullmatch(r"-?(\d+\.?\d*|\.\d+)", e.sql) is not None
        kl, kr = left.degree, right.degree
        if kl == kr == 0:
            return self.arith(op, left, right, at)
        if kl is not None and kr is not None and op in "+-":
            if k := kl + kr if op == "+" else kl - kr:       # a time moved by a span: the span on the wall clock
                wall = [e if d else replace(e, sql=f"pg_wall({e.sql})", exact=e.exact and f"pg_wall({e.exact})")
                        for e, d in ((left, kl), (right, kr))]
                e = self.arith(op, *wall, at)
                return replace(e, sql=f"pg_moved({e.sql})", exact=e.exact and f"pg_moved({e.exact})", degree=k) \
                    if 0 in (kl, kr) else replace(e, degree=k)
            e = self.arith(op, settled(left), settled(right), at)
            return replace(e, sql=f"pg_drill({e.sql})", exact=e.exact and f"pg_drill({e.exact})", degree=0)
        e = self.arith(op, left, right, at)
        if op == "*" and (typed(left) or typed(right)) and (kl or kr):
            return replace(e, degree=(kl or kr) * float((left if typed(left) else right).sql))
        if op == "/" and kl and typed(right) and float(right.sql):
            return replace(e, degree=kl / float(right.sql))
        return replace(e, sql=f"pg_unsure({e.sql})", exact=e.exact and f"pg_unsure({e.exact})", degree=None)

    def arith(self, op: str, left: Expr, right: Expr, at: int) -> Expr:
        """``left op right`` as PostgreSQL computes it on its types: timestamps and dates move by an interval (drill
        time), two of them are an interval apart (two dates a number of days), a date moves by days."""
        a, b = left.type, right.type
        if a not in TEMPORAL and b not in TEMPORAL:         # SQLite's x / 0 is NULL, PostgreSQL's an error
            if {a, b} & {"text", "bool"}:          # no arithmetic on text or a boolean (SQLite's reads a number)
                raise no_operator(a, op, b, at)
            if a == b == "unknown":
                raise no_operator(a, op, b, at, unique=True)
            left, right = self.compared(left, op, right, at)    # a literal beside a number is read as one
            a, b = left.type, right.type
            divisor = f"pg_divisor({right.sql}, {left.sql})" if op in "/%" else right.sql
            scales = [0 if k == "int" else int(k[7:]) if k and k.startswith("numeric") else None for k in (a, b)]
            a, b = ("num" if k and k.startswith("numeric") else "float" if k == "float8" else k for k in (a, b))
            dividend = left.sql if a == b == "int" or op != "/" else f"CAST({left.sql} AS REAL)"  # not SQLite's 7/2=3
            digits = (left.digits(), right.digits())
            exact = f"pg_exact('{op}', {digits[0]}, {digits[1]})" if None not in digits and "num" in (a, b) else None
            if op == "^":         # a double's (pow), a numeric's where one side is and neither is a double
                if {a, b} - {"int", "num", "float", None}:
                    raise no_operator(a, op, b, at)
                return Expr(f"CAST({exact} AS REAL)", "num", exact=exact) if exact and "float" not in (a, b) else \
                    Expr(f"pg_pow({left.sql}, {right.sql})", "float")
            if None not in scales and op in "+-*" and "num" in (a, b):  # a numeric's scale: *'s the sum, + -'s max
                return Expr(f"{left.sql} {op} {right.sql}", f"numeric{sum(scales) if op == '*' else max(scales)}",
                            exact=exact)
            if a == b == "int" and op in "+-*":         # PostgreSQL's integer out of range, not SQLite's 64 bits
                wide, small = left.wide or right.wide, left.small and right.small     # int2 + int2 is an int2
                return Expr(f"pg_range({left.sql} {op} {right.sql}, {8 if wide else 2 if small else 4})", "int",
                            wide=wide, small=small)
            if op == "%" and not a == b == "int":     # SQLite's % of a REAL is its integers'
                return Expr(f"pg_mod({left.sql}, {divisor})", "num" if "float" not in (a, b) else "float", exact=exact)
            if "float" in (a, b) and op in "+-*/":     # a double's infinities and range: NaN, overflow (SQLite's NULL)
                return Expr(f"pg_float('{op}', {dividend}, {divisor})", "float")
            return Expr(f"{dividend} {op} {divisor}", a if a == b else "num" if {a, b} <= {"int", "num"} else
                        "float" if {a, b} <= {"int", "num", "float"} else None, exact=exact)
        if a == "unknown" or b == "unknown":          # the literal is read as the other side's type (+: an interval)
            known = b if a == "unknown" else a
            want = "interval" if op == "+" and known in STAMPS else known
            left, right = (self.cast(left, (want, want)), right) if a == "unknown" else (left, self.cast(right, (
                want, want)))
            a, b = left.type, right.type
        sign = "-" if op == "-" else ""
        if a in STAMPS and b == "interval" and op in "+-":
            # the sign outside parentheses: "-" before a negative interval's "-300" was SQLite's "--" comment
            # (attack42 A26)
            return Expr(f"pg_shift({left.sql}, {sign}({right.sql}))", "timestamp" if a == "date" else a)
        if a == "interval" and b in STAMPS and op == "+":
            return Expr(f"pg_shift({right.sql}, {left.sql})", "timestamp" if b == "date" else b)
        if a == b == "date" and op == "-":
            return Expr(f"pg_days({left.sql}, {right.sql})", "int")
        if a in STAMPS and b in STAMPS and op == "-":
            return Expr(f"pg_span({left.sql}, {right.sql})", "interval")
        if a == "date" and b == "int" and op in "+-" or a == "int" and b == "date" and op == "+":
            date_, days = (left, right) if a == "date" else (right, left)
            return Expr(f"pg_dadd({date_.sql}, {sign}({days.sql}))", "date")
        if a == b == "interval" and op in "+-" or {a, b} in ({"interval", "int"}, {"interval", "num"},
                                                             {"interval", "float"}) and (
                op == "*" or op == "/" and a == "interval"):
            return Expr(f"{left.sql} {op} {right.sql}", "interval")
        if a in ("time", "timetz") or b in ("time", "timetz"):
            raise Refusal("drill: arithmetic on a time of day is not simulated (on timestamps, dates and intervals it "
                          "is)")
        if (a is None or b is None) and not self.lenient:
            raise Refusal(f"drill: {op} between {PGNAMES.get(a or b or '', 'this')} and a value whose type the drill "
                          "does not know is not simulated")
        if self.lenient:
            return Expr("NULL", None)
        raise no_operator(a, op, b, at)


def settled(e: Expr) -> Expr:
    """A point moved by a plain number (``pg_moved``) where it meets another point: the number is drill seconds. One
    read through a subquery is left undecided (its own statement may hold another)."""
    if "SELECT" in e.sql:
        return e
    return replace(e, sql=e.sql.replace("pg_moved(", "("), exact=e.exact and e.exact.replace("pg_moved(", "("))


def not_computed(name: str) -> Refusal:
    """A function the drill does not compute: SQLite's own (``sqlite_version()``, ``typeof()``, ``datetime('now')``,
    the real clock) would answer what PostgreSQL cannot, and one PostgreSQL has that SQLite lacks would be said not to
    exist, or its unknown type refused where it meets another: none is PostgreSQL's answer, so it is refused by name,
    where it is read."""
    return Refusal(f"drill: function {name.lower()}() is not simulated: the drill's TaskDB computes "
                   f"{', '.join(sorted(SPELT | COMPUTED))}")


def no_function(name: str, args: list[Expr] | list[str], at: int, unique: bool = False) -> PgError:
    """PostgreSQL's error for a call of ``name`` no function of its takes (``args``: the values, or their types; the
    drill's names), or (``unique``) more than one takes alike."""
    kinds = ", ".join(pgname(a) if isinstance(a, str) else named(a) for a in args)
    return PgError(f"ERROR:  function {name}({kinds}) is not unique{HINT_MANY % 'function'}" if unique else
                   f"ERROR:  function {name}({kinds}) does not exist{HINT_NONE}", at)


def no_operator(left: str | None, op: str, right: str | None, at: int, unique: bool = False) -> PgError:
    """PostgreSQL's error for ``left op right`` (``left`` "": a prefix operator's) where no operator takes the two
    types, or (``unique``) more than one takes alike."""
    said = (pgname(left or "unknown") + " ") * (left != "") + f"{op} {pgname(right or 'unknown')}"
    one = "argument type. You might need to add an explicit type cast." if left == "" else \
        "argument types. You might need to add explicit type casts."
    return PgError(f"ERROR:  operator is not unique: {said}{HINT_MANY % 'operator'}" if unique else
                   f"ERROR:  operator does not exist: {said}\nHINT:  No operator matches the given name and {one}", at)


def family(kind: str | None) -> str | None:
    """A type's kin that compare and mix among themselves: numbers, points in time; None: a literal or NULL."""
    k = str(kind)
    return None if kind in ("unknown", None) else "number" if k.startswith(("int", "num", "float")) else \
        "stamp" if k in STAMPS else k


def castable(was: str, kind: str, wide: bool, to_wide: bool) -> bool:
    """Whether PostgreSQL has a cast from a value of type ``was`` to ``kind`` (both the drill's base names; ``wide``: a
    bigint), for a value not read by an input function (a literal's and a text's are)."""
    numbers, clock = {"int", "num", "float"}, {"timestamptz", "timestamp"}
    return was == kind or {was, kind} <= numbers or {was, kind} == {"int", "bool"} and not wide | to_wide \
        or {was, kind} <= STAMPS \
        or was in clock and kind in ("time", "timetz") or {was, kind} in ({"interval", "time"}, {"time", "timetz"})


def given(text: str, kind: str, now: float) -> object:
    """``text`` read by the input function of ``kind`` (bool, int2/4/8, numeric, float4/8, the clock's types), as
    PostgreSQL reads a literal or a text cast to it: its value as the TaskDB holds it (a numeric's digits, as text)."""
    word = text.strip().lower()
    name = {"bool": "boolean", "int2": "smallint", "int4": "integer", "int8": "bigint", "numeric": "numeric",
            "float4": "real", "float8": "double precision"}.get(kind, PGNAMES.get(kind, kind))
    number = re.fullmatch(r"[-+]?((\d+\.?\d*|\.\d+)(e[-+]?\d+)?|inf|infinity|nan)", word)
    if kind in TEMPORAL:
        return seconds(text) if kind == "interval" else read(text, kind, now)
    if kind == "bool" and boolean(word) is not None:
        return int(bool(boolean(word)))
    if kind.startswith("int") and re.fullmatch(r"[-+]?\d+", word):
        if not -2 ** (8 * int(kind[3:]) - 1) <= int(word) < 2 ** (8 * int(kind[3:]) - 1):
            raise ToolError(f'ERROR:  value "{text}" is out of range for type {name}')
        return int(word)
    if kind in ("numeric", "float4", "float8") and number and (kind != "numeric" or number[1]):
        if math.isnan(value := float(word)):
            raise Refusal("drill: NaN is not simulated (SQLite holds none; Infinity, -Infinity and -0 are)")
        if kind == "numeric":
            return f"{Decimal(word) + 0:f}"                  # -0 is 0
        if math.isinf(value) and "inf" not in word or value == 0 and re.search(r"[1-9]", word.split("e")[0]):
            raise ToolError(f'ERROR:  "{text}" is out of range for type {name}')
        return value
    if kind not in ("bool", "numeric", "float4", "float8") and not kind.startswith("int"):
        return text
    raise ToolError(f'ERROR:  invalid input syntax for type {name}: "{text}"')


def literal(value: object) -> str:
    """A value as SQLite reads it in a statement (an infinity is SQLite's 9e999)."""
    if isinstance(value, float) and math.isinf(value):
        return f"{'-' * (value < 0)}9e999"
    return quote(value) if isinstance(value, str) else repr(value)


def boolean(value: str) -> bool | None:
    """PostgreSQL's parse_bool (and psql's ParseVariableBool): a prefix of true, false, yes or no; on, of(f); 1 or 0;
    None: not one."""
    v = value.lower()
    return next((meaning for word, meaning in (("true", True), ("false", False), ("yes", True), ("no", False))
                 if v and word.startswith(v)), {"on": True, "of": False, "off": False, "1": True, "0": False}.get(v))


def unquote(sql: str) -> str:
    return sql[1:-1].replace("''", "'")


# ------------------------------------------------------------------------------------------------ values
def form(moment: datetime, kind: str) -> str:
    """A moment as PostgreSQL prints a value of ``kind`` (UTC: the TaskDB's time zone): the fraction to the
    microsecond, its trailing zeros dropped; a year before 1000 in four digits (strftime's %Y has no zeros)."""
    frac = f".{moment.microsecond:06d}".rstrip("0").rstrip(".")
    day = f"{moment.year:04d}-{moment:%m-%d}"
    return {"date": day, "timestamp": f"{day} {moment:%H:%M:%S}{frac}",
            "time": f"{moment:%H:%M:%S}{frac}", "timetz": f"{moment:%H:%M:%S}{frac}+00"}.get(
        kind, f"{day} {moment:%H:%M:%S}{frac}+00")


def moment(value: str) -> datetime:
    """A timestamp's or date's text (the TaskDB's) as an aware UTC datetime."""
    try:
        d = datetime.fromisoformat(value)
    except ValueError:
        raise ToolError(f'ERROR:  invalid input syntax for type timestamp with time zone: "{value}"') from None
    return d.replace(tzinfo=UTC) if d.tzinfo is None else d.astimezone(UTC)


def read(text: str, kind: str, now: float) -> str:
    """A literal read as a ``kind`` (PostgreSQL's input: ISO forms, a zone or offset, ``now``, ``today``...)."""
    word = text.strip().lower()
    today = datetime.fromtimestamp(now, UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    special = {"now": datetime.fromtimestamp(now, UTC), "today": today, "yesterday": today - timedelta(days=1),
               "tomorrow": today + timedelta(days=1), "epoch": datetime.fromtimestamp(0, UTC)}
    if word.lstrip("+-") == "infinity":
        raise Refusal(f"drill: {word} as a {PGNAMES[kind]} is not simulated")
    late = timedelta(microseconds=bool(re.search(r"\.\d{6}[5-9]", word)))   # past six digits: rounded, as there
    word = re.sub(r"(\.\d{6})\d+", r"\1", word)
    try:
        if word in special:
            return form(special[word], kind)
        if kind in ("time", "timetz"):
            return form(datetime.combine(date(2000, 1, 1), time.fromisoformat(word.removesuffix("+00"))) + late, kind)
        given = datetime.fromisoformat(re.sub(r"\s*(?:z|utc)$", "+00:00", word)) + late
        if kind == "timestamp":          # PostgreSQL drops a zone given to a timestamp without one
            return form(given.replace(tzinfo=None), kind)
        return form(given.replace(tzinfo=UTC) if given.tzinfo is None else given.astimezone(UTC), kind)
    except ValueError:
        if re.fullmatch(r"\d{4}-\d\d?-\d\d?([ t]\d\d?:\d\d(:\d\d(\.\d*)?)?)?([+-]\d\d?(:?\d\d)?|z|utc)?", word):
            raise ToolError(f'ERROR:  date/time field value out of range: "{text}"' + '\nHINT:  Perhaps you need a '
                            'different "datestyle" setting.' * bool(re.match(r"\d+-(1[3-9]|[2-9]\d)", word))) from None
        said = kind if kind in ("timestamp", "time") else PGNAMES[kind]      # as their input functions say it
        raise ToolError(f'ERROR:  invalid input syntax for type {said}: "{text}"') from None


PIECE = re.compile(r"\s*(?:([-+]?)(\d+):(\d\d)(?::(\d\d(?:\.\d*)?))?|([-+]?(?:\d+\.?\d*|\.\d+))\s*([a-z]*))")


def seconds(text: str) -> float:
    """An interval literal's seconds (``'15 minutes'``, ``'1 hour 30 min'``, ``'1h'``, ``'00:10:00'``, ``'-5 min'``,
    ``'2 days ago'``, ``'90'``); months and years (a calendar's, not a number of seconds) are refused."""
    body = text.strip().lower().removeprefix("@").strip()
    ago = body.endswith(" ago")
    body, total, at = body.removesuffix(" ago").rstrip(), 0.0, 0
    while body and at < len(body):
        if not (m := PIECE.match(body, at)):
            break
        at = m.end()
        if m[2]:
            total += (-1 if m[1] == "-" else 1) * (int(m[2]) * 3600 + int(m[3]) * 60 + float(m[4] or 0))
        elif (m[6] or "s").removesuffix("s") in CALENDAR or m[6] in CALENDAR:
            calendar(f"an interval of {m[6]}")
        elif (unit := UNITS.get(m[6] or "s", UNITS.get(m[6].removesuffix("s")))) is not None:
            total += float(m[5]) * unit
        else:
            break
    else:
        if body:
            return -total if ago else total
    raise ToolError(f'ERROR:  invalid input syntax for type interval: "{text}"')


def interval(secs: float) -> str:
    """Drill seconds as PostgreSQL prints an interval: days apart, then ``HH:MM:SS`` and the fraction it has."""
    micro = round(secs * 1_000_000)
    sign, micro = "-" if micro < 0 else "", abs(micro)
    days, micro = divmod(micro, 86_400_000_000)
    whole, frac = divmod(micro, 1_000_000)
    clock = (f"{sign}{whole // 3600:02d}:{whole // 60 % 60:02d}:{whole % 60:02d}"
             + f".{frac:06d}".rstrip("0").rstrip("."))
    day = f"{sign}{days} day{'s' * (days != 1 or bool(sign))}" if days else ""
    return " ".join(p for p in (day, clock if micro or not days else "") if p)


class Numeric(str):
    """A number's text as PostgreSQL prints its type (psql aligns it right, as a number)."""


def show(value: object, kind: str | None) -> object:
    """A value as psql prints a column of ``kind``: an interval in its form, a boolean ``t`` or ``f``, a numeric to its
    scale, a double precision to its shortest digits (``100``, not ``100.0``)."""
    if value is None or isinstance(value, str | bytes) or kind is None:
        return value
    if kind == "interval":
        return interval(float(value))       # type: ignore[arg-type]
    if kind.startswith("numeric"):
        scale = Decimal(1).scaleb(-int(kind[7:]))            # PostgreSQL rounds a numeric's half away from zero
        return Numeric(Decimal(repr(float(value))).quantize(scale, ROUND_HALF_UP))  # type: ignore[arg-type]
    if kind in ("float8", "float"):
        return Numeric(shortest(value))
    if kind == "int" and isinstance(value, float):       # a point in time moved by a drill span: the wall's second
        return round(value)
    return ("t" if value else "f") if kind == "bool" else value


def ordered(how: str, extra: object, rows: list[tuple[object, tuple[object, ...]]]) -> object:
    """``pg_ordered``'s answer for its rows (each value, its sort keys and their directions), sorted as PostgreSQL
    sorts them (NULLs last ascending, first descending, unless told): ``how`` is the aggregate, ``extra`` its fraction
    or string_agg's delimiter. sum, avg, min and max of numerics (and integers) are numeric's digits: avg the sum
    divided by the count, min and max compare the numbers (SQLite's REAL lost their digits, the digits' text their
    order)."""
    for k in range(len(rows[0][1]) - 2 if rows else 0, -1, -2):            # the last key first: a stable sort
        code = int(rows[0][1][k + 1])                                          # type: ignore[call-overload]
        present = sorted((r for r in rows if r[1][k] is not None), key=lambda r: r[1][k], reverse=bool(code & 1))
        absent = [r for r in rows if r[1][k] is None]
        rows = absent + present if code & 2 else present + absent
    values = [v for v, _ in rows if v is not None]
    if how in ("sum", "avg", "min", "max") and values:
        seen = [decimal(v) for v in values]
        with localcontext(prec=1100):
            total = sum(seen, Decimal(0))
        done = total if how == "sum" else divided(total, Decimal(len(seen))) if how == "avg" else min(
            seen) if how == "min" else max(seen)
        return f"{done:f}"
    if how.startswith("string_agg"):
        if how.endswith("distinct"):
            values = list(dict.fromkeys(values))
        return str(extra or "").join(map(str, values)) if values else None
    if how == "mode":
        return max(values, key=values.count) if values else None   # the first of the most frequent
    if extra is None or not values:
        return None
    if not 0 <= (p := float(extra)) <= 1:                              # type: ignore[arg-type]
        raise ToolError(f"ERROR:  percentile value {p:g} is not between 0 and 1")
    if how == "percentile_disc":
        return values[max(math.ceil(p * len(values)), 1) - 1]
    lo, hi = math.floor(p * (len(values) - 1)), math.ceil(p * (len(values) - 1))
    low, high = float(values[lo]), float(values[hi])                    # type: ignore[arg-type]
    return low + (p * (len(values) - 1) - lo) * (high - low) if lo != hi else low


Row = tuple[object, ...]


def combined(results: list[list[Row]], ops: list[str], width: int, exact: list[int]) -> list[Row]:
    """A set operation's rows from its SELECTs' (``results``: each row's ``width`` values, then the digits of its
    numerics, the columns ``exact``), as PostgreSQL combines them: INTERSECT first, then from the left; two rows are
    one when their values are equal (a numeric's by value: 1.50 is 1.5, -0.0 is 0), as many times as ALL keeps it,
    each the first of its equals (its digits); UNION ALL appends, any other sorts its rows, NULLs last, as
    PostgreSQL's Sort and Unique leave them (without ORDER BY, a hashed plan's order is unspecified: not simulated)."""
    digits = dict(zip(exact, range(width, width + len(exact)), strict=True))

    def key(row: Row) -> Row:
        return tuple(decimal(row[digits[i]]) if row[digits.get(i, i)] is not None and i in digits else v
                     for i, v in enumerate(row[:width]))

    def one(op: str, left: list[Row], right: list[Row]) -> list[Row]:
        if op == "UNION ALL":
            return left + right
        lefts, rights, first = Counter(map(key, left)), Counter(map(key, right)), {}
        for row in left + right * op.startswith("UNION"):
            first.setdefault(key(row), row)
        times = {"UNION": lambda n, m: 1, "INTERSECT": lambda n, m: min(n, m, 1), "EXCEPT": lambda n, m: int(not m),
                 "INTERSECT ALL": min, "EXCEPT ALL": lambda n, m: max(n - m, 0)}[op]
        return [row for k in sorted(first, key=lambda k: [(v is None, 0 if v is None else v) for v in k])
                for row in [first[k]] * times(lefts[k], rights[k])]

    results, ops = list(results), list(ops)
    for binding in (("INTERSECT", "INTERSECT ALL"), ("UNION", "UNION ALL", "EXCEPT", "EXCEPT ALL")):
        k = 0
        while k < len(ops):
            if ops[k] in binding:
                results[k:k + 2] = [one(ops.pop(k), results[k], results[k + 1])]
            else:
                k += 1
    return results[0]


def decimal(value: object) -> Decimal:
    """A number SQLite holds as PostgreSQL's numeric holds it: a REAL (a numeric column's, with its tenths) by its
    shortest digits, text and an integer as they are."""
    return Decimal(repr(value) if isinstance(value, float) else str(value))


def divided(x: Decimal, y: Decimal) -> Decimal:
    """``x / y`` as PostgreSQL's numeric divides (select_div_scale): at least 16 significant digits, never fewer
    decimals than either side shows, rounded half away from zero."""
    def weight(d: Decimal) -> tuple[int, int]:          # its first base-10000 digit: where, and which
        return (0, 0) if d == 0 else ((w := abs(d).adjusted() // 4), int(abs(d).scaleb(-4 * w)))
    if y == 0:
        raise ToolError("ERROR:  division by zero")
    (w1, d1), (w2, d2) = weight(x), weight(y)
    scale = min(max(16 - 4 * (w1 - w2 - (d1 <= d2)), -x.as_tuple().exponent, -y.as_tuple().exponent, 0), 1000)
    with localcontext(prec=1100):
        return (x / y).quantize(Decimal(1).scaleb(-scale), ROUND_HALF_UP)


def shortest(value: object) -> str:
    """A double precision as PostgreSQL prints it: its shortest digits, as an exponent below 1e-4 and from 1e15."""
    d = Decimal(repr(float(value))).normalize()                  # type: ignore[arg-type]
    return f"{d:f}" if -4 <= d.adjusted() < 15 else f"{d.scaleb(-d.adjusted())}e{d.adjusted():+03d}"


def undefined(x: Decimal | float, y: Decimal | float) -> None:
    """PostgreSQL's errors for ``x ^ y`` (a double's and a numeric's)."""
    if x == 0 and y < 0:
        raise ToolError("ERROR:  zero raised to a negative power is undefined")
    if x < 0 and y != math.floor(y):
        raise ToolError("ERROR:  a negative number raised to a non-integer power yields a complex result")


def power(x: Decimal, y: Decimal) -> Decimal:
    """``x ^ y`` as PostgreSQL's numeric computes it (power_var): an integer power to 16 decimals (or the base's), any
    other to 16 significant digits (its weight estimated as PostgreSQL estimates it), and never fewer decimals than
    either side has."""
    undefined(x, y)
    scale = max(-x.as_tuple().exponent, 0)                           # type: ignore[operator]
    if x and (y != y.to_integral_value() or abs(y) >= 2 ** 31):
        with localcontext(prec=40, rounding=ROUND_HALF_UP):
            near = x - 1 if Decimal("0.9") <= x <= Decimal("1.1") else None
            weight = (near.adjusted() if near else 0) if near is not None else int(math.log10(abs(float(x.ln()))))
            lns = Decimal(1).scaleb(weight - 8)
            val = float((x.ln().quantize(lns) * y).quantize(lns)) * 0.434294481903252
        scale = max(16 - int(val), scale, -y.as_tuple().exponent)     # type: ignore[operator]
    else:
        scale = max(16, scale)
    if (magnitude := float(y) * math.log10(abs(float(x))) if x else 0) > 1000:
        raise Refusal("drill: a numeric power past 10^1000 is not simulated (a double precision's is)")
    with localcontext(prec=int(max(magnitude, 0)) + min(scale, 1000) + 20):
        return (x ** y if x or y else Decimal(1)).quantize(Decimal(1).scaleb(-min(scale, 1000)), ROUND_HALF_UP)


def exact(op: str, a: object, b: object) -> str | float | None:
    """``pg_exact``: ``a op b`` in numeric's digits (``f``: the float ``b`` as float8's cast to numeric reads it;
    ``r``: the numeric ``b`` as its cast to float8 reads it)."""
    if b is None:
        return None
    if op == "r":                   # PostgreSQL's float8 input: out of range, not SQLite's 0 or infinity
        if math.isinf(value := float(decimal(b))) or value == 0 and decimal(b):
            raise ToolError(f'ERROR:  "{decimal(b):f}" is out of range for type double precision')
        return value
    if op == "t":                                 # a double precision's text: its shortest digits
        return shortest(b)
    if op == "a":
        return f"{abs(decimal(b)):f}"
    if op == "p":                   # numeric(p, s)'s range: under 10^(p - s)
        digits, scale = map(int, str(a).split(","))
        if abs(decimal(b)) >= Decimal(10) ** (digits - scale):
            under = f"10^{digits - scale}" if digits != scale else "1"      # PostgreSQL writes 10^0 as 1
            raise ToolError(f"ERROR:  numeric field overflow\nDETAIL:  A field with precision {digits}, scale {scale} "
                            f"must round to an absolute value less than {under}.")
        return str(b)
    if op == "^":
        return f"{power(decimal(a), decimal(b)):f}"
    if op in "qz":                  # rounded half away from zero, truncated toward it
        cut = Decimal(1).scaleb(-int(a))                                                       # type: ignore
        return f"{decimal(b).quantize(cut, ROUND_DOWN if op == 'z' else ROUND_HALF_UP):f}"
    if op == "f":
        return f"{Decimal(format(float(b), '.15g')):f}"       # type: ignore[arg-type]
    x, y = decimal(a), decimal(b)
    with localcontext(prec=1100):
        r = x + y if op == "+" else x - y if op == "-" else x * y if op == "*" else divided(x, y) if op == "/" else \
            x % y if y else divided(x, y)
    return f"{r:f}"


def aggregates(raised: list[Exception]) -> dict[str, tuple[int, type]]:
    """The aggregates ``translate`` calls, for the TaskDB's connection: ``pg_ordered(how, extra, value, key,
    direction, ...)`` keeps each row and answers at the end (SQLite 3.40 has no ORDER BY in an aggregate)."""
    class Ordered:
        def __init__(self) -> None:
            self.rows: list[tuple[object, tuple[object, ...]]] = []
            self.how, self.extra = "", None

        def step(self, how: str, extra: object, value: object, *keys: object) -> None:
            self.how, self.extra = how, extra
            self.rows.append((value, keys))

        def inverse(self, how: str, extra: object, value: object, *keys: object) -> None:    # a window's row leaving
            self.rows.remove((value, keys))

        def value(self) -> object:
            try:
                return ordered(self.how, self.extra, self.rows)
            except ToolError as exc:
                raised.append(exc)
                raise
        finalize = value
    return {"pg_ordered": (-1, Ordered)}


def named(e: Expr) -> str:
    """``e``'s type as PostgreSQL's errors name it."""
    return "bigint" if e.wide else pgname(e.type or "unknown")


def pgname(kind: str) -> str:
    """A type as PostgreSQL's errors name it (``unknown``: a literal not yet read as one)."""
    return "numeric" if kind.startswith("num") else PGNAMES.get("float" if kind == "float8" else kind, kind)


def truncated(unit: str, value: str | float, kind: str) -> str | float:
    """``date_trunc``'s answer: ``value`` (a timestamp's text, an interval's seconds) cut to ``unit``."""
    word = str(unit).lower()
    name = FIELDS.get(word[:10])          # its first 10 letters, as PostgreSQL (TOKMAXLEN)
    if kind == "interval":
        cuts = {"microseconds": 1, "milliseconds": 1000, "second": 10 ** 6, "minute": 60 * 10 ** 6,
                "hour": 3600 * 10 ** 6}
        if name == "week":
            raise ToolError('ERROR:  unit "week" not supported for type interval\nDETAIL:  Months usually have '
                            "fractional weeks.")
        if name not in cuts:
            raise Refusal(f"drill: date_trunc({quote(word)}, interval) is not simulated (microseconds to hour are)")
        micro = round(float(value) * 10 ** 6)
        return math.copysign(abs(micro) // cuts[name] * cuts[name], micro) / 10 ** 6
    if name is None:
        how = "not supported" if word in ("timezone", "timezone_h", "timezone_m") else "not recognized"
        raise ToolError(f'ERROR:  unit "{word}" {how} for type {PGNAMES[kind]}')
    d = moment(str(value))
    below = ("microsecond", "second", "minute", "hour")
    fine = {"milliseconds": 0, "second": 1, "minute": 2, "hour": 3, "day": 4}
    if name == "microseconds":
        cut = d
    elif name == "milliseconds":
        cut = d.replace(microsecond=d.microsecond // 1000 * 1000)
    elif name in fine:
        cut = d.replace(**dict.fromkeys(below[:fine[name]], 0))
    elif name == "week":
        cut = d.replace(**dict.fromkeys(below, 0)) - timedelta(days=d.weekday())
    else:
        year = {"decade": d.year - d.year % 10, "century": (d.year + 99) // 100 * 100 - 99,
                "millennium": (d.year + 999) // 1000 * 1000 - 999}.get(name, d.year)
        month = {"month": d.month, "quarter": (d.month - 1) // 3 * 3 + 1}.get(name, 1)
        cut = d.replace(year=year, month=month, day=1, **dict.fromkeys(below, 0))
    return form(cut, kind)


MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")
# to_char's patterns as PostgreSQL reads them: each in capitals or small letters (a name also Capitalised, so
# "Month" is "September"), longest first where one begins another; "Hh24" is no pattern
_NUMBERS = ("HH24 HH12 HH MI SSSSS SSSS SS MS US FF1 FF2 FF3 FF4 FF5 FF6 Y,YYY IYYY IYY IY YYYY YYY YY MM DDD DD D "
            "IDDD ID IW I Y WW W CC J Q TZH TZM").split()
_WORDS = "A.M. P.M. B.C. A.D. AM PM BC AD MONTH MON DAY DY RM TZ OF".split()
PATTERNS = re.compile("|".join(re.escape(w) for w in sorted(
    {*_NUMBERS, *(n.lower() for n in _NUMBERS), *_WORDS, *(w.lower() for w in _WORDS), "Month", "Mon", "Day", "Dy"},
    key=lambda w: (-len(w), w))))


def formatted(stamp: str, fmt: str, kind: str) -> str:
    """``to_char(stamp, fmt)``: PostgreSQL's template patterns (``HH24:MI``, ``FMDay``, ``DDth``, ``"quoted"``),
    names padded to nine letters unless ``FM``, any other character as written."""
    d = moment(stamp)
    iso = d.isocalendar()
    out, i = [], 0
    while i < len(fmt):
        fill = True
        while fmt.startswith(("FM", "fm", "FX", "fx", "TM", "tm"), i):
            fill, i = fill and fmt[i:i + 2].upper() != "FM", i + 2
        if fmt.startswith('\\"', i):         # outside quotes, \" is a double quote (attack41 A11)
            out.append('"')
            i += 2
            continue
        if fmt[i:i + 1] == '"':            # a quoted literal, \" inside it
            end, text = i + 1, []
            while end < len(fmt) and fmt[end] != '"':
                text.append(fmt[end + 1] if fmt[end] == "\\" and end + 1 < len(fmt) else fmt[end])
                end += 2 if fmt[end] == "\\" else 1
            out.append("".join(text))
            i = end + 1
            continue
        m = PATTERNS.match(fmt, i)
        if m is None:
            out.append(fmt[i:i + 1])
            i += 1
            continue
        word, up = m[0], m[0].upper()
        i = m.end()
        i += 2 * fmt.startswith("SP", i)       # spell mode, right after a pattern: read, and nothing of it printed
        suffix = fmt[i:i + 2] if fmt.startswith(("TH", "th"), i) else ""      # an ordinal's: said of a number only
        i += len(suffix)
        am, month = d.hour < 12, MONTHS[d.month - 1]
        said = {"MONTH": month, "MON": month[:3], "DAY": DAYS[d.weekday()], "DY": DAYS[d.weekday()][:3],
                "RM": ROMAN[d.month - 1], "Y,YYY": f"{d.year // 1000},{d.year % 1000:03d}", "OF": "+00", "TZH": "+00",
                "TZM": "00", "TZ": "UTC" * (kind == "timestamptz"),     # a timestamp's zone has no name; its offset
                **dict.fromkeys(("AM", "PM"), "AM" if am else "PM"),  # is the session's (UTC here)
                **dict.fromkeys(("A.M.", "P.M."), "A.M." if am else "P.M."), **dict.fromkeys(("BC", "AD"), "AD"),
                **dict.fromkeys(("B.C.", "A.D."), "A.D.")}
        if up in said:                      # in the pattern's case (Capitalised: as named); names padded unless FM
            text = said[up].upper() if word.isupper() else said[up].lower() if word.islower() else said[up]
            out.append(text.ljust({"MONTH": 9, "DAY": 9, "RM": 4}.get(up, 0) * fill))
            continue
        since = d.hour * 3600 + d.minute * 60 + d.second          # seconds past midnight
        number, width = {
            "HH": (d.hour % 12 or 12, 2), "HH12": (d.hour % 12 or 12, 2), "HH24": (d.hour, 2), "MI": (d.minute, 2),
            "SS": (d.second, 2), "MS": (d.microsecond // 1000, 3), "US": (d.microsecond, 6),
            **{f"FF{n}": (d.microsecond // 10 ** (6 - n), n) for n in range(1, 7)},
            "SSSS": (since, 0), "SSSSS": (since, 0),
            "YYYY": (d.year, 4), "YYY": (d.year % 1000, 3), "YY": (d.year % 100, 2), "Y": (d.year % 10, 1),
            "IYYY": (iso[0], 4), "IYY": (iso[0] % 1000, 3), "IY": (iso[0] % 100, 2), "I": (iso[0] % 10, 1),
            "MM": (d.month, 2), "DD": (d.day, 2), "DDD": (d.timetuple().tm_yday, 3), "D": (d.isoweekday() % 7 + 1, 1),
            "ID": (iso[2], 1), "IDDD": ((iso[1] - 1) * 7 + iso[2], 3), "IW": (iso[1], 2),
            "W": ((d.day - 1) // 7 + 1, 1), "WW": ((d.timetuple().tm_yday - 1) // 7 + 1, 2),
            "CC": ((d.year - 1) // 100 + 1, 2), "J": (d.toordinal() + 1721425, 0), "Q": ((d.month - 1) // 3 + 1, 1)}[up]
        text = str(number).zfill(width if fill or up in ("MS", "US") or up.startswith("FF") else 0)  # FM leaves them
        if suffix:
            th = "th" if number % 100 in (11, 12, 13) else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
            text += th.upper() if suffix == "TH" else th
        out.append(text)
    return "".join(out)


def functions(speed: float, now: float, raised: list[Exception],
              start: float = 0) -> dict[str, tuple[int, Callable[..., object]]]:
    """The functions ``translate`` calls, for the TaskDB's connection: at ``speed`` a drill second is 1/speed wall,
    ``now`` is the drill's clock, ``start`` its beginning (where a drill second and a wall second are one point: a
    point in time rounded is rounded on the drill's clock from there); what one raises is kept in ``raised`` (SQLite
    keeps only that one did)."""
    def shift(stamp: str, by: float) -> str:
        kind = "timestamptz" if stamp.endswith("+00") else "timestamp"
        return form(moment(stamp) + timedelta(seconds=stime.wall_seconds(by, speed)), kind)

    def cast(value: object, kind: str, was: str) -> object:
        if kind == "text":
            return interval(float(value)) if was == "interval" else "true" if value else "false"  # type: ignore
        return form(moment(str(value)), kind) if was in STAMPS else given(str(value), kind, now)

    def at(stamp: str, zone: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError      # here: ~2 ms of every psql's start otherwise

        try:
            where = ZoneInfo("UTC" if zone.upper() in ("Z", "GMT") else zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ToolError(f'ERROR:  time zone "{zone}" not recognized') from None
        if stamp.endswith("+00"):
            return form(moment(stamp).astimezone(where).replace(tzinfo=None), "timestamp")
        return form(datetime.fromisoformat(stamp).replace(tzinfo=where).astimezone(UTC), "timestamptz")

    def part(field: str, value: object, kind: str) -> object:
        if kind == "interval":
            secs = float(value)                 # type: ignore[arg-type]
            whole = {"epoch": secs, "day": secs // 86400, "hour": secs % 86400 // 3600, "minute": secs % 3600 // 60,
                     "second": secs % 60}
            if field not in whole:
                raise Refusal(f"drill: extract({field} from interval) is not simulated (epoch, day, hour, minute, "
                              "second are)")
            return whole[field] if field in ("epoch", "second") else int(whole[field])
        d = moment(str(value))
        fields = {"epoch": d.timestamp(), "year": d.year, "month": d.month, "day": d.day, "hour": d.hour,
                  "minute": d.minute, "second": d.second + d.microsecond / 1e6, "dow": d.isoweekday() % 7,
                  "isodow": d.isoweekday(), "doy": d.timetuple().tm_yday, "week": d.isocalendar()[1],
                  "quarter": (d.month - 1) // 3 + 1, "milliseconds": (d.second + d.microsecond / 1e6) * 1000,
                  "microseconds": d.second * 1_000_000 + d.microsecond}
        if field not in fields:
            raise Refusal(f"drill: extract({field} from ...) is not simulated (it computes {', '.join(fields)})")
        return fields[field]

    def integer(value: object) -> int:
        if isinstance(value, str):
            return given(value, "int4", now)  # type: ignore[return-value]
        number = float(value)                   # type: ignore[arg-type]
        return int(number + (0.5 if number >= 0 else -0.5))     # PostgreSQL rounds half away from zero

    def bounded(value: float, size: int) -> float:
        if not -2 ** (8 * size - 1) <= value < 2 ** (8 * size - 1):
            raise ToolError(f"ERROR:  {({2: 'smallint', 4: 'integer'}).get(size, 'bigint')} out of range")
        return value

    def divisor(value: float, dividend: float) -> float:     # NULL / 0 is NULL (null_safe)
        if value == 0:
            raise ToolError("ERROR:  division by zero")
        return value

    def substr(text: str, start: int, *count: int | None) -> str | None:
        """PostgreSQL's: the characters from ``start`` to before ``start + count``, those before the first none
        (SQLite counts a start below 1 from the end)."""
        if count and count[0] is None:
            return None
        if count and int(count[0]) < 0:
            raise ToolError("ERROR:  negative substring length not allowed")
        return str(text)[max(int(start), 1) - 1:max(int(start) + int(count[0]) - 1, 0) if count else None]

    def match(text: object, pattern: str, how: str, *replacing: str) -> object:
        """``text ~ pattern`` (``~*``), ``substring(text FROM pattern)``: the match, or its first group, or
        ``regexp_replace(text, pattern, replacement[, flags])`` (``how``: replace): the first match, or each (flag g),
        replaced (``\\1`` its group, ``\\&`` all of it; flag i: in any case).

        Whether an ARE matches is Python's answer; which substring is not always: PostgreSQL takes the longest match
        (the shortest if the RE's first quantifier is non-greedy) and gives an alternative the longest match, where
        Python takes the first that matches. So a pattern with no group answers the longest match from Python's
        start (the earliest in both); one with a group answers only if it has no ``|``, no quantified group and no
        back reference, and Python's match is the longest: then Python's first parse in its order (leftmost
        quantifier longest first) is PostgreSQL's. A non-greedy quantifier is refused."""
        if None in replacing:                   # regexp_replace is strict: a NULL in, NULL out
            return None
        flags = str(replacing[1]) if len(replacing) > 1 else ""
        if bad := [c for c in flags if c not in "gic"]:
            raise ToolError(f'ERROR:  invalid regular expression option: "{bad[0]}"') if bad[0] not in "bceimnpqstwx" \
                else Refusal(f"drill: regexp_replace()'s flag {bad[0]} is not simulated (g, i and c are)")
        compiled, text = regex(pattern, "~*" if "i" in flags.rsplit("c", 1)[-1] else how), str(text)
        if how in ("~", "~*"):
            return compiled.search(text) is not None
        said = f"substring(... FROM {quote(pattern)})" if how == "substring" else \
            f"regexp_replace(..., {quote(pattern)}, ...)"
        if re.search(r"[*+?}]\?", pattern) or compiled.groups and re.search(r"\||\)[*+?{]|\\[1-9]", pattern):
            raise Refusal(f"drill: {said} is not simulated: ARE's longest and shortest "
                          "match rules are not Python's (without a non-greedy quantifier, and without | and a repeated "
                          "group beside a (group), it is)")
        out, at = [], 0
        while at <= len(text) and (found := compiled.search(text, at)) is not None:
            end = next((e for e in range(len(text), found.end(), -1) if re.compile(
                f"(?:{compiled.pattern})(?=(?s:.){{{len(text) - e}}}\\Z)", compiled.flags).match(text, found.start())),
                found.end())
            if end > found.end() and compiled.groups:
                raise Refusal(f"drill: {said} is not simulated here: ARE's longest "
                              "match is not Python's first")
            whole = found[int(bool(compiled.groups))] if end == found.end() else text[found.start():end]
            if how == "substring":
                return whole
            out += [text[at:found.start()], re.sub(r"\\([1-9&\\])", lambda r: "\\" if r[1] == "\\" else text[
                found.start():end] if r[1] == "&" else (found[int(r[1])] or "") * (int(r[1]) <= compiled.groups),
                replacing[0])]
            at = end + (end == found.start())                  # past an empty match: the character after it kept
            out += [text[end:at]]
            if "g" not in flags:
                break
        return None if how == "substring" else "".join(out) + text[at:]

    def precise(stamp: str | float, digits: int) -> str | float:     # rounded half up, as PostgreSQL rounds it
        if not isinstance(stamp, str):                 # an interval's seconds: its microseconds, to the digits kept
            micro, step = round(stamp * 1e6), 10 ** (6 - digits)
            return math.copysign((abs(micro) + step // 2) // step * step, micro) / 1e6
        day = "2000-01-01 " * (":" in stamp[:3])            # a time of day: on a day
        d, step = moment(day + stamp), 10 ** (6 - digits)    # microseconds in the last digit kept
        d = d.replace(microsecond=0) + timedelta(microseconds=(d.microsecond + step // 2) // step * step)
        said = form(d, "timestamptz" if stamp.endswith("+00") else "timestamp")
        return said[len(day):] if not day or said.startswith(day) else "24" + said[len(day) + 2:]   # a time's midnight

    def bound(value: object, word: str) -> int:
        if (count := integer(value)) < 0:
            raise ToolError(f"ERROR:  {word} must not be negative")
        return count

    def pow_(x: float, y: float) -> float:
        undefined(x, y)
        try:
            r = math.pow(x, y)
        except OverflowError:
            r = math.inf
        if math.isinf(r) or r == 0 and x:
            raise ToolError(f"ERROR:  value out of range: {'overflow' if r else 'underflow'}")
        return r

    def null_safe(f: Callable[..., object]) -> Callable[..., object]:
        def call(*args: object) -> object:
            if args[0] is None or len(args) > 1 and args[1] is None:
                return None
            try:
                return f(*args)
            except (ToolError, ValueError, OverflowError) as exc:
                raised.append(exc)
                raise
        return call

    def split(text: str, delimiter: str, n: int | None) -> str | None:
        """PostgreSQL's split_part: the n-th field (from the end when negative), '' past the last."""
        if n is None:
            return None
        if int(n) == 0:
            raise ToolError("ERROR:  field position must not be zero")
        fields = str(text).split(str(delimiter)) if delimiter else [str(text)]
        return fields[int(n) - 1 if n > 0 else int(n)] if abs(int(n)) <= len(fields) else ""

    return {"pg_array": (-1, array), "pg_pick": (-1, lambda how, *v: (max if how[0] == "g" else min)(   # greatest,
                (x for x in v if x is not None), default=None, key=decimal if how[-1] == "#" else None)),   # least
            "pg_concat": (-1, lambda *v: "".join(str(x) for x in v if x is not None)),
            "pg_concat_ws": (-1, lambda sep, *v: None if sep is None else str(sep).join(
                str(x) for x in v if x is not None))} | {name: (n, null_safe(f)) for name, (n, f) in {
        "pg_shift": (2, shift),
        "pg_span": (2, lambda a, b: stime.drill_seconds((moment(a) - moment(b)).total_seconds(), speed)),
        "pg_cast": (3, cast), "pg_at": (2, at), "pg_part": (3, lambda field, v, k: part(field, v, k)),
        "pg_days": (2, lambda a, b: (moment(a) - moment(b)).days),
        "pg_dadd": (2, lambda d, n: form(moment(d) + timedelta(days=int(n)), "date")), "pg_int": (1, integer),
        "pg_left": (2, lambda s, n: str(s)[: int(n)]), "pg_substr": (-1, substr), "pg_divisor": (2, divisor),
        "pg_right": (2, lambda s, n: str(s)[-int(n):] * bool(int(n))),
        "pg_range": (2, bounded), "pg_exact": (3, lambda op, a, b: exact(op, a, b)), "pg_pow": (2, pow_),
        "pg_age": (1, lambda x: x if abs(x) < 28 * 86400 else calendar("age() of 28 days or more")),
        "pg_mod": (2, math.fmod), "pg_float": (3, floated), "pg_rint": (1, lambda x: float(round(x))),
        "pg_cut": (2, lambda n, x: float(exact("z", n, x))),  # type: ignore[arg-type]
        "pg_regex": (-1, match),
        "pg_bound": (2, bound), "pg_precise": (2, precise),
        "pg_drill": (1, lambda x: rescaled(x, stime.drill_seconds(1.0, speed))),     # a wall second's drill seconds
        "pg_wall": (1, lambda x: rescaled(x, stime.wall_seconds(1.0, speed))),
        "pg_unsure": (1, lambda x: x if speed == 1 else unsure()),
        "pg_moved": (1, lambda x: x if speed == 1 else moved(speed)),
        "pg_todrill": (2, lambda x, k: x if speed == 1 else start * k + stime.drill_seconds(x - start * k, speed)),
        "pg_towall": (2, lambda x, k: x if speed == 1 else start * k + stime.wall_seconds(x - start * k, speed)),
        "pg_strpos": (2, lambda s, sub: str(s).find(str(sub)) + 1), "pg_trunc": (3, truncated),
        "pg_split": (3, split), "pg_to_char": (3, formatted)}.items()}


def floated(op: str, x: float | None, y: float | None) -> float | None:
    """``x op y`` of double precisions as PostgreSQL's float8 operators check them: out of range is its error, a NaN
    (infinity minus infinity) refused by name as the drill holds none (SQLite's answer was NULL)."""
    if x is None or y is None:
        return None
    r = x + y if op == "+" else x - y if op == "-" else x * y if op == "*" else x / y
    if math.isnan(r):
        raise Refusal("drill: NaN is not simulated (SQLite holds none; Infinity, -Infinity and -0 are)")
    if math.isinf(r) and not (math.isinf(x) or math.isinf(y)) or r == 0 and x and op in "*/" and not (
            math.isinf(y) or op == "*" and not y):
        raise ToolError(f"ERROR:  value out of range: {'overflow' if r else 'underflow'}")
    return r


def calendar(what: str) -> NoReturn:
    """A span of months: the calendar's, which the drill's intervals (drill seconds) do not hold."""
    raise Refusal(f"drill: {what} is not simulated (a calendar's months, not a number of seconds)")


def unsure() -> NoReturn:
    """Arithmetic on a point in time the drill cannot tell a span from (attack42 A1): at a drill speed it would be
    wall seconds where the team reads drill seconds, so it is refused, not answered."""
    raise Refusal("drill: this arithmetic on an epoch is not simulated at a drill speed other than 1 (a difference "
                  "of epochs is, scaled by a typed number too; or use now() - created_at, an interval)")


def moved(speed: float) -> NoReturn:
    """A point in time moved by a plain number, read alone (attack43 A10): the number may be drill seconds or a unix
    time, so at a drill speed the answer would be wrong one way or the other; it is refused, not answered."""
    raise Refusal(f"drill: an epoch plus or minus a plain number is not simulated at drill speed ×{speed:g} (the "
                  "number may be drill seconds or a unix time): compared with another epoch it is drill seconds; "
                  "now() - interval '60 s' and extract(epoch from now() - created_at) are exact")


def rescaled(value: int | float | str, factor: float) -> int | float | str:
    """A span between two points in time (``pg_drill``: wall seconds to drill seconds) or one added to a point
    (``pg_wall``) by ``factor``, one second's as scenario_time converts it, in its own type: an integer a whole,
    a numeric's digits to its scale."""
    if isinstance(value, str):                 # to its scale, unless a drill second's wall share needs more
        digits = decimal(value)
        with localcontext(prec=1100):
            exact = digits * Decimal(repr(factor))
            return f"{exact if exact != exact.quantize(digits, ROUND_HALF_UP) else exact.quantize(digits):f}"
    return round(value * factor) if isinstance(value, int) and value * factor == round(value * factor) else \
        value * factor


def array(*values: object) -> str:
    """An array's text as PostgreSQL prints it: ``{a,"b c",NULL}``, an element quoted if it must be."""
    return "{" + ",".join("NULL" if v is None else str(v) if re.fullmatch(r'[^{}",\\\s]+', str(v)) and str(
        v).upper() != "NULL" else '"' + re.sub(r'(["\\])', r"\\\1", str(v)) + '"' for v in values) + "}"


def regex(pattern: str, how: str) -> re.Pattern[str]:
    """PostgreSQL's regular expression (an ARE) as Python's: ``.`` matches a newline, ``\\y`` is a word's edge, ``\\b``
    a backspace, ``[[:digit:]]`` a class. One Python does not read is refused, where PostgreSQL's words would differ."""
    python = re.sub(r"\\\\|\\[yYmMbB]|\[\[:[<>]:\]\]|\[:(\w*):\]", lambda m: ARE.get(m[1] or m[0], r"\P"), pattern)
    try:
        with warnings.catch_warnings():     # Python's "Possible nested set" would reach the commander's stderr
            warnings.simplefilter("error", FutureWarning)
            return re.compile(python, re.S | re.I * (how == "~*"))
    except FutureWarning:                   # [[.x.]], [[=x=]], a set's -- && ~~ ||: PostgreSQL reads them otherwise
        raise Refusal(f"drill: the regular expression {quote(pattern)} is not simulated") from None
    except re.error as exc:
        if (which := ARE.get(str(exc).split(",")[0].split(" at ")[0])) is not None:
            raise ToolError(f"ERROR:  invalid regular expression: {which} not balanced") from None
        raise Refusal(f"drill: the regular expression {quote(pattern)} is not simulated") from None
