"""A value with its unit, written one way everywhere: panes, dialogs, the header's verify gate,
the timeline, ``warroom status``, ``incident show`` and the PIR.

There is exactly one formatter on purpose. A pane that says ``2.2m`` next to a threshold of
``crit>2m`` while the PIR says ``130s`` makes the commander convert units in their head during an
incident, and invites the question which of the three is true. Every surface imports
:func:`format_value` (and :func:`format_threshold` for the ``crit>120s`` form) from here; the
tests check that no second formatter exists.

The forms are short enough for a pane's value cell (at most 10 characters up to a million, of
any unit) and exact enough for a review: three significant digits, never scientific
notation for values people meet (1e-3 up to ten trillion), the sign always kept. Past that
(``_HUGE``: a broken exporter's counter, a division by almost zero) three significant digits
in scientific notation, so no value is ever longer than 14 characters: 1e300 percent was a
302-digit figure that no pane, table or PIR cell could hold.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

UNITS = ("percent", "ratio", "seconds", "count", "bytes")
_BYTE_SUFFIXES = ("B", "kB", "MB", "GB", "TB", "PB")
_HUGE = 1e13
"""From here on a number is written in scientific notation (``1.23e+15``)."""
_HUGE_PB = 1e10
"""From here on a count of petabytes is (``1e+10 PB``): eleven digits, a sign and `` PB`` are 15
characters, one past what a cell holds."""


def format_value(value: float | None, unit: str | None, *, against: Iterable[float | None] = ()) -> str:
    """``4.1%``, ``97.5s``, ``130s``, ``12m05s``, ``0.032``, ``1.5 MB``, ``1234``, ``—``.

    * percent: three significant digits and ``%``, never rounded up to ``100%``: 99.95% is ``99.9%``, as
      "100%" says all of it (a quota used up, every flow failed); the one form of a quota's share, on the
      pane, the header, the reports and the drill's stand-ins alike;
    * seconds: seconds below ten minutes (``130s``, as runbooks write "P95 above 120s"), then
      minutes and seconds (``12m05s``), then hours (``1h01m``), days past 99 hours (``5d03h``);
    * bytes: decimal multiples (``1.5 MB``);
    * ratio: three decimals (``0.032``);
    * count and anything else: the integer when it is one, else three significant digits.

    ``None`` (no data) is ``—``; NaN and infinities are written as Prometheus writes them.

    ``against``: the thresholds this value is shown beside (a pane's warn and crit, a breach's
    critical line). A value that differs from one of them never reads as it: ``1.002%`` beside
    ``crit>1%`` is ``1.002%``, not ``1%``, so "1% past its critical threshold 1%" cannot be
    written. Digits are added (up to :data:`_MAX_DIGITS` significant ones) only when the short
    form would equal a threshold's text; every other value reads as above.
    """
    text = _format(value, unit, 3)
    if value is None or not math.isfinite(float(value)):
        return text
    # A clash: the text is the threshold's written with 3 up to as many digits (ratio's "0.1000"
    # is 0.1; 0.00099963 and 0.001 take different forms at different digits).
    clashes = [float(t) for t in against if t is not None and float(t) != float(value)
               and _format(t, unit, 3) == text]
    digits = 3
    while clashes and digits < _MAX_DIGITS:
        digits += 1
        text = _format(value, unit, digits)
        clashes = [t for t in clashes if any(_format(t, unit, d) == text for d in range(3, digits + 1))]
    return text


_MAX_DIGITS = 15
"""The most significant digits :func:`format_value` adds to tell a value from its threshold."""


def _format(value: float | None, unit: str | None, digits: int) -> str:
    """``format_value``'s forms with ``digits`` significant digits (3 is the one for display)."""
    if value is None:
        return "—"
    value = float(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    sign = "-" if value < 0 else ""
    size = abs(value)
    if unit == "percent":
        text = _num(size, digits)
        if size < 100.0 <= float(text):     # never rounded up to the whole: 99.95% of a quota is not used up
            text = f"{math.floor(size * 10 ** (digits - 2)) / 10 ** (digits - 2):.{digits - 2}f}"
        return f"{sign}{text}%"
    if unit == "seconds":
        return sign + _seconds(size, digits)
    if unit == "bytes":
        for suffix in _BYTE_SUFFIXES:
            if suffix == _BYTE_SUFFIXES[-1] and size >= _HUGE_PB - 0.5:
                return f"{sign}{size:.{digits}g} {suffix}"
            if size < 999.5 or suffix == _BYTE_SUFFIXES[-1]:
                whole = f"{size:.0f}" if digits <= 3 else f"{size:.{digits - 3}f}"
                return f"{sign}{whole} {suffix}" if suffix == "B" else f"{sign}{_num(size, digits)} {suffix}"
            size /= 1000
    if unit == "ratio":
        return f"{sign}{size:.{digits}f}" if 0.001 <= size < 1000 or size == 0 else f"{sign}{_num(size, digits)}"
    if size == int(size) and size < _HUGE and digits <= 3:
        return f"{sign}{int(size)}"
    return sign + _num(size, digits)


def format_reading(value: float | None, slo: Any) -> str:
    """A pane's reading as every surface writes it (the pane cell, ``warroom status``'s table and
    ``--json`` value_text): its unit's form, told from the pane's own warn and crit (``slo``: an
    ``SloConfig``). One function, so the pane and the command line never write it two ways."""
    return format_value(value, slo.unit, against=(slo.warn, slo.crit))


INFINITE = "a division by zero?"
"""What a ±Inf reading most likely is (a ratio over zero, a quantile past its top bucket), said
beside it wherever one is stated in words (``warroom.runbook.series`` re-exports it)."""


def format_stated(value: float | None, unit: str | None, *, against: Iterable[float | None] = ()) -> str:
    """A value stated in a sentence or a record (the timeline, the brief, the PIR, a gate's value):
    :func:`format_value`, and for ±Inf what it likely is (``+Inf (a division by zero?)``), as the
    pane's note and a criterion's evidence say it. A pane cell (10 characters) writes the bare form
    and says the words in its note."""
    text = format_value(value, unit, against=against)
    return f"{text} ({INFINITE})" if value is not None and math.isinf(float(value)) else text


def format_comparison(value: float | None, op: str, threshold: float | None, unit: str | None) -> str:
    """``4.996 >= 5``: a value, the comparison and the line it is compared with, the value told from
    the line (:func:`format_value`'s ``against``). Every view that states a comparison (a
    criterion's evidence, a gate) writes it here, so "5 >= 5 is false" is never said of 4.996."""
    return f"{format_value(value, unit, against=(threshold,))} {op} {format_value(threshold, unit)}"


def format_threshold(value: float | None, unit: str | None, direction: str = "above") -> str:
    """A threshold as its comparison: ``>120s``, ``<99.9%`` (``direction``: which side is bad)."""
    return (">" if direction == "above" else "<") + format_value(value, unit)


def _seconds(size: float, digits: int = 3) -> str:
    if size < 599.5 or (digits > 3 and size < _HUGE):   # told from a threshold: seconds, as runbooks write it
        return f"{_num(size, digits)}s"
    if size < 3599.5:
        minutes, secs = divmod(int(round(size)), 60)
        return f"{minutes}m{secs:02d}s"
    if size < 99.5 * 3600:   # each form rounds to its own last unit, never truncates
        hours, minutes = divmod(int(round(size / 60)), 60)
        return f"{hours}h{minutes:02d}m"
    if size >= _HUGE:
        return f"{_num(size)}s"
    days, hours = divmod(int(round(size / 3600)), 24)
    return f"{days}d{hours:02d}h"


def _num(size: float, digits: int = 3) -> str:
    """Three (``digits``) significant digits of a non-negative number, no exponent from 0.001 up
    to ``_HUGE``."""
    if size >= _HUGE:
        return f"{size:.{digits}g}"
    if size >= 999.5:
        return f"{size:.0f}" if digits <= 3 else f"{size:.{digits - 3}f}"
    if size != 0 and size < 0.001:
        return f"{size:.{digits - 1}g}"   # 0.00042, 4.2e-07
    text = f"{size:.{digits}g}"
    if "e" in text:   # .3g of 100 <= x < 999.5 never has one; kept as a guard for rounding edges
        text = f"{size:.0f}"
    return text
