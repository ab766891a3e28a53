"""Which of a query's series decides a comparison: the one rule for a verify gate and for a
Go/No-Go criterion.

A query can answer several series (one per provider, per repository). A gate asks "every
provider's 429 share under 10%" and a criterion "5 or more repositories failing" the same way:
the comparison holds when it holds for every series, so the series furthest from holding decides
(the worst). A series whose value is NaN (0/0: no traffic in the window) has no reading: the
comparison cannot be said to hold for it, so while every other series holds, nothing is decided
(no value: a gate keeps waiting, a criterion is unknown, never met); a series past the line
decides whatever the others read. No series at all is no data.

+Inf and -Inf are readings, compared as they are: past every finite line on their side, as a
pane judges them (``warroom.sources.evaluate``: CRIT +Inf for a pane bad above), as Prometheus'
own comparison and an alerting rule do, and as the journal, the PIR and the sparkline carry them.
What they are not is a size: a ratio's +Inf is a division by zero (failures counted under no
executions), so every view that states a ±Inf reading says so in the same words (:func:`infinite`):
the pane's note, a gate's value, a criterion's evidence ("+Inf > 5% is true (+Inf: a division by
zero?)"). Before, only the Prometheus pane said it; a criterion read "+Inf > 5% is true" bare, and
a drill or replay pane said nothing.

Before this rule a criterion judged only a query that answered exactly one series ("2 series,
expected one": unknown) while a gate took the worst and set NaN series aside: one expression
read "met" in a gate and "unknown" in a decision, and a gate passed while one provider had no
reading at all.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from warroom.units import INFINITE   # what a ±Inf reading most likely is: one text, said wherever one is stated

OPS: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
    "==": operator.eq, "!=": operator.ne,
}


@dataclass(frozen=True)
class Reading:
    """What a query's series say of one comparison: the deciding value (None when nothing is
    decided), why there is none, and how many series answered."""

    value: float | None
    problem: str | None
    series: int

    @property
    def several(self) -> str:
        """`` (the worst of 3 series)`` when more than one series answered, else ``""``: the words
        a view adds to a value so "7 >= 5" is not read as the only series there was."""
        return f" (the worst of {self.series} series)" if self.series > 1 and self.value is not None else ""

    @property
    def said(self) -> str:
        """Every caveat a view adds after the comparison it states: how many series, what a ±Inf is."""
        inf = infinite(self.value)
        return self.several + (f" ({inf})" if inf else "")




def infinite(value: float | None) -> str | None:
    """``+Inf: a division by zero?`` for a ±Inf reading, else None: the sentence a pane's note and
    a criterion's evidence give beside it (a gate's value: ``+Inf (a division by zero?)``)."""
    if value is None or not math.isinf(value):
        return None
    return f"{'+' if value > 0 else '-'}Inf: {INFINITE}"


def holds(value: float, op: str, threshold: float) -> bool:
    """The comparison on one value; NaN never holds."""
    return not math.isnan(value) and OPS[op](value, threshold)


def worst(values: Iterable[float], op: str, threshold: float) -> float:
    """Of values that all have a reading (no NaN), the one furthest from holding: a failing one
    first, the highest for ``<``/``<=``, the lowest for ``>``/``>=``, the first for ``==``/``!=``."""
    pool = [v for v in values if not math.isnan(v)]
    if not pool:
        return math.nan
    pool = [v for v in pool if not holds(v, op, threshold)] or pool
    return max(pool) if op in ("<", "<=") else min(pool) if op in (">", ">=") else pool[0]


def deciding(values: Iterable[float], op: str, threshold: float) -> Reading:
    """The series that decides the comparison ``series OP threshold`` over every series a query
    answered (see the module's rule): a series past the line decides; else, when any series has
    no reading (NaN), nothing does; else the worst of them."""
    got = [float(v) for v in values]
    if not got:
        return Reading(None, "no data", 0)
    read = [v for v in got if not math.isnan(v)]
    unread = len(got) - len(read)
    if any(not holds(v, op, threshold) for v in read):
        return Reading(worst(read, op, threshold), None, len(got))
    if unread:
        return Reading(None, "no data (NaN)" if not read else f"no data (NaN) in {unread} of {len(got)} series",
                       len(got))
    return Reading(worst(read, op, threshold), None, len(got))
