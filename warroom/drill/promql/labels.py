"""Label-set handling the way Prometheus does it: matchers, dropping the metric name, the keys
aggregations group by and binary operators match on.

Kept apart from the evaluator so the catalogue's selector matching and the evaluator's grouping
and matching share one reading of the rules.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from warroom.drill.promql.values import Labels, PromQLError

if TYPE_CHECKING:
    from warroom.drill.promql.nodes import Binary

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


def group_key(labels: Labels, by: tuple[str, ...] | None, without: tuple[str, ...] | None) -> Labels:
    """The group an aggregation puts a series in: its ``by`` labels, or all but ``without``, or one group."""
    d = dict(labels)
    d.pop("__name__", None)
    if by is not None:
        return tuple(sorted((k, d[k]) for k in by if k in d))
    if without is not None:
        return tuple(sorted((k, val) for k, val in d.items() if k not in without))
    return ()
