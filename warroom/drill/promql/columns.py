"""A node's value: a pane asks for a value and a 60-point sparkline each poll, so a value is a
column per series over all the times asked (``None``: no value then), and label work (narrowing
by ``on``/``by``, relabelling) is done once per node, not once per time."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

from warroom.drill.promql.catalog import Labels
from warroom.syntax.promql import Node, Paren, PromQLError, regex


Cell = float | None
Col = list[Cell]
Vec = list[tuple[Labels, Col]]
Samples = list[tuple[Labels, list[float], list[float]]]     # per series: its sample times and values


class Scalar(list[float]):
    """A scalar's value at every time (a type of its own: an empty vector is not a scalar)."""


def bare(node: Node) -> Node:
    """``node`` without the parentheses around it (they only group)."""
    while isinstance(node, Paren):
        node = node.expr
    return node


def kept(labels: Labels, only: list[str] | None, drop: list[str] | None, *, name: bool = False) -> Labels:
    """A label set narrowed as PromQL narrows it: only the ``only`` labels (``on``, ``by``), or all
    but ``drop`` (``ignoring``, ``without``); the metric name kept only when ``name`` (any function or
    arithmetic drops it: ``kept(labels, None, None)``)."""
    return _kept(labels, None if only is None else tuple(only), None if drop is None else tuple(drop), name)


@functools.lru_cache(maxsize=4096)
def _kept(labels: Labels, only: tuple[str, ...] | None, drop: tuple[str, ...] | None, name: bool) -> Labels:
    """``kept``, remembered: each series of each node of every pane's query is narrowed every poll (a twentieth of an
    idle drill dashboard's poll), and a drill has a few hundred label sets."""
    return tuple(sorted((k, v) for k, v in labels if (name or k != "__name__")
                        and (only is None or k in only) and (drop is None or k not in drop)))


def split(labels: list[str] | None, only: bool) -> tuple[list[str] | None, list[str] | None]:
    """A ``by``/``on`` modifier's labels (``only``) as (its labels, None), a ``without``/``ignoring`` one's as
    (None, its labels); none as (None, None)."""
    return (labels, None) if only and labels is not None else (None, labels)


def present(cols: list[Col], n: int) -> list[list[float]]:
    """For each of the ``n`` times, the values the columns hold then."""
    return [[x for x in at if x is not None] for at in zip(*cols, strict=True)] if cols else [[] for _ in range(n)]


def each(v: Vec, fn: Callable[[float, int], float | None]) -> Vec:
    """An element-wise function of a vector, ``fn(value, time index)``: the metric name goes."""
    return unique([(kept(lab, None, None), [None if x is None else fn(x, j) for j, x in enumerate(col)])
                    for lab, col in v])


def unique(v: Vec) -> Vec:
    """``v``, unless two of its series have one label set at one time: Prometheus' error when a
    function or arithmetic drops the names of several metrics (``rate({__name__=~"a|b"}[5m])``)."""
    seen: dict[Labels, Col] = {}
    for lab, col in v:
        if (other := seen.setdefault(lab, col)) is not col and any(
                a is not None and b is not None for a, b in zip(other, col, strict=True)):
            raise PromQLError("vector cannot contain metrics with the same labelset")
    return v


LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")


def relabelled(labels: Labels, dst: str, value: str) -> Labels:
    """``labels`` with ``dst`` set to ``value`` (removed if empty, as Prometheus' labels builder does)."""
    return tuple(sorted((k, v) for k, v in {**dict(labels), dst: value}.items() if v))


def _expand(template: str, match: object) -> str:
    """Go's ``Regexp.Expand`` (``label_replace``): ``$1``, ``${1}``, ``$name``, ``${name}``, ``$$``; a
    group that did not take part, or does not exist, is empty (``$1x`` is the group named ``1x``)."""
    def one(m: re.Match[str]) -> str:
        name = m.group(1) or m.group(2)
        if name is None:
            return "$"
        number = name.isdigit() and (name == "0" or name[0] != "0")      # Go: no leading zero
        try:
            return match.group(int(name) if number else name) or ""  # type: ignore[attr-defined]
        except (IndexError, KeyError, ValueError):
            return ""
    return re.sub(r"\$(?:\$|\{(\w+)\}|(\w+))", one, template)


def relabel(f: str, v: Vec, params: list[str]) -> Vec:
    """``label_replace(v, dst, replacement, src, regex)``, ``label_join(v, dst, separator, src...)``."""
    dst = params[0]
    for name in [dst, *(params[2:] if f == "label_join" else ())]:
        if not LABEL_NAME.fullmatch(name):
            raise PromQLError(f"invalid {'destination' if name is dst else 'source'} label name in {f}(): {name}")
    if f == "label_join":
        return unique([(relabelled(lab, dst, params[1].join(dict(lab).get(s, "") for s in params[2:])), col)
                        for lab, col in v])
    try:
        rx, out = regex(params[3]), []
    except PromQLError:
        raise PromQLError(f"invalid regular expression in label_replace(): {params[3]}") from None
    for lab, col in v:
        m = rx.fullmatch(dict(lab).get(params[2], ""))
        out.append((lab if m is None else relabelled(lab, dst, _expand(params[1], m)), col))
    return unique(out)
