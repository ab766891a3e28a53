"""PromQL text to a syntax tree, and the drill's one PromQL error.

The tree is ``promql-parser``'s (a port of Prometheus' 2.45 grammar and type checks), so a typo
or a type error is refused here with the library's message, and the evaluator only has to refuse,
by name, what is valid PromQL but not evaluated in drills.
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import promql_parser

Labels = tuple[tuple[str, str], ...]


class PromQLError(ValueError):
    """An expression the drill cannot evaluate; the message says why."""


class Sample(NamedTuple):
    labels: Labels
    value: float

    def label_dict(self) -> dict[str, str]:
        return dict(self.labels)


Value = float | list[Sample]
MAX_LENGTH = 4_000   # the parser recurses in native code: nesting far deeper than this would crash the process


@functools.lru_cache(maxsize=512)
def parse(expr: str) -> promql_parser.Expr:
    """The syntax tree of ``expr`` (cached: panes evaluate the same queries every second)."""
    if len(expr) > MAX_LENGTH:
        raise PromQLError(f"the expression is {len(expr)} characters long; the drill reads at most {MAX_LENGTH}")
    try:
        return promql_parser.parse(expr)
    except ValueError as exc:
        why = str(exc)
    if why == "invalid promql query":        # a grammar error, where the library says no more: say where
        n = next((i for i in range(len(expr) - 1, 0, -1) if _parses(expr[:i])), 0)
        why = f"syntax error after {expr[:n].rstrip()!r}" if n else "syntax error at the start"
    raise PromQLError(f"invalid PromQL: {why}")


def _parses(text: str) -> bool:
    try:
        promql_parser.parse(text)
    except ValueError:
        return False
    return True
