"""The syntax tree the parser builds and the evaluators walk.

Plain hashable tuples: selectors are cache keys in the catalogue, and parsed trees are cached.
"""

from __future__ import annotations

from typing import NamedTuple


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
