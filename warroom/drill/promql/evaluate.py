"""The evaluator's entry: ``parse``, then ``evaluate_many`` (``walk`` walks the tree over all the times
at once) and what a pane shows of the result (``shown``); ``test_promql_differential`` holds it to Prometheus."""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from typing import NamedTuple

from warroom.drill.promql.catalog import Catalog, Labels, PromQLError
from warroom.drill.promql.columns import Scalar, Vec, bare
from warroom.drill.promql.walk import SHIFT, Walk
from warroom.syntax import promql as syntax
from warroom.syntax.promql import Call, Node, Number, ParseError, String

MAX_LENGTH = 4_000     # query characters: the parser recurses, and far deeper nesting exhausts Python's stack


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
def parse(expr: str) -> Node:
    """The syntax tree of ``expr`` (cached: panes evaluate the same queries every second; the walk only reads it).

    ``syntax`` reads it as Prometheus 2.42 does, so a typo or a type error is refused here, where and as Prometheus
    refuses it, and the evaluator only has to refuse, by name, what is valid PromQL but not evaluated in drills.
    """
    if len(expr) > MAX_LENGTH:
        raise PromQLError(f"the expression is {len(expr)} characters long; the drill reads at most {MAX_LENGTH}")
    try:
        return syntax.parse(expr)
    except ParseError as exc:
        raise PromQLError(f"invalid PromQL: {exc}") from None
    except RecursionError:
        raise PromQLError("the expression nests too deeply for the drill") from None


UNIX_SPAN = 20 * 365 * 86400.0     # seconds from the drill's start within which a number may be a unix time


def _unix_literal(node: Node, u0: float) -> float | None:
    """The first number in ``node`` that may be a unix time (within ``UNIX_SPAN`` of ``u0``, the drill's start). Beside
    a timestamp at a speed other than x1 the drill cannot tell a unix time typed in a query (``time() - $(date +%s)``)
    from a count of that size, so it refuses rather than answer in the wrong frame."""
    if isinstance(node, Number):
        return node.val if math.isfinite(node.val) and abs(node.val - u0) <= UNIX_SPAN else None
    kids = [getattr(node, k, None) for k in ("lhs", "rhs", "expr", "param")] + list(getattr(node, "args", None) or ())
    return next((found for k in kids if isinstance(k, Node) and (found := _unix_literal(k, u0)) is not None), None)


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
    if lenient and isinstance(node, String):
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
    sort = node.func if isinstance(node, Call) else None
    return Many(vector=value, order=sort if sort in ("sort", "sort_desc") else None, speed=speed, unknown=unknown)


def evaluate(catalog: Catalog, expr: str, t: float, now: float | None = None) -> Value:
    """``expr`` at scenario time ``t``: a float or a list of samples; raises ``PromQLError``."""
    return evaluate_many(catalog, expr, [t], now).at(0)
