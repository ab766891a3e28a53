"""Label-set handling the way Prometheus does it: matchers, dropping the metric name, the keys
aggregations group by and binary operators match on.

The point-by-point and the batched evaluator must agree on these to the letter, so both use these
functions rather than each its own copy.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, TypeVar

from warroom.drill.promql.values import Labels, PromQLError

if TYPE_CHECKING:
    from warroom.drill.promql.nodes import Binary

T = TypeVar("T")


def drop_name(labels: Labels) -> Labels:
    """Labels without ``__name__``: what any function or arithmetic leaves of a series' labels."""
    return tuple(kv for kv in labels if kv[0] != "__name__")


def match_value(actual: str, op: str, value: str) -> bool:
    """One selector matcher (``= != =~ !~``); regexes are anchored, as in Prometheus."""
    if op == "=":
        return actual == value
    if op == "!=":
        return actual != value
    try:
        hit = re.fullmatch(value, actual) is not None
    except re.error as exc:
        raise PromQLError(f"bad regular expression {value!r}: {exc}") from None
    return hit if op == "=~" else not hit


def match_key(labels: Labels, node: Binary) -> Labels:
    """The labels a binary operator matches series on: ``on``/``ignoring`` applied, name dropped."""
    d = dict(labels)
    d.pop("__name__", None)
    if node.on is not None:
        return tuple(sorted((k, v) for k, v in d.items() if k in node.on))
    if node.ignoring is not None:
        return tuple(sorted((k, v) for k, v in d.items() if k not in node.ignoring))
    return tuple(sorted(d.items()))


def one_to_one(left: Sequence[tuple[Labels, T]], right: Sequence[tuple[Labels, T]],
               node: Binary) -> list[tuple[Labels, Labels, T, T]]:
    """The (match key, left labels, left value, right value) of every pair a vector-vector operator
    joins, in the left side's order; series without a partner drop out.

    Works for a ``Sample`` (labels, value) and for a batched (labels, column) alike. Several series
    on one side with the same key is many-to-many matching, which Prometheus refuses too.
    """
    index: dict[Labels, T] = {}
    for labels, value in right:
        key = match_key(labels, node)
        if key in index:
            raise PromQLError(f"many-to-many matching: several series on the right match {dict(key)}; "
                              "aggregate first (e.g. sum by (...))")
        index[key] = value
    out: list[tuple[Labels, Labels, T, T]] = []
    seen: set[Labels] = set()
    for labels, value in left:
        key = match_key(labels, node)
        if key not in index:
            continue
        if key in seen:
            raise PromQLError(f"many-to-many matching: several series on the left match {dict(key)}")
        seen.add(key)
        out.append((key, labels, value, index[key]))
    return out


def group_key(labels: Labels, by: tuple[str, ...] | None, without: tuple[str, ...] | None) -> Labels:
    """The group an aggregation puts a series in: its ``by`` labels, or all but ``without``, or one group."""
    d = dict(labels)
    d.pop("__name__", None)
    if by is not None:
        return tuple(sorted((k, d[k]) for k in by if k in d))
    if without is not None:
        return tuple(sorted((k, val) for k, val in d.items() if k not in without))
    return ()


def split_le(labels: Labels) -> tuple[Labels, float] | None:
    """A histogram bucket's labels without ``le`` and ``__name__``, and its bound; None for a series
    that is not a bucket (no ``le``, or one that is not a number), which ``histogram_quantile`` skips."""
    d = dict(labels)
    le = d.pop("le", None)
    d.pop("__name__", None)
    if le is None:
        return None
    try:
        bound = float(le)
    except ValueError:
        return None
    return tuple(sorted(d.items())), bound
