"""The PromQL lexicon: the tokens, and which words are aggregations, functions and operators.

The parser refuses any function not listed here, which is how unsupported PromQL becomes a clear
error instead of a wrong number.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from warroom.drill.promql.values import PromQLError

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
