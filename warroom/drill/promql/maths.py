"""Numbers as Prometheus' Go computes them where Python's differ: the binary operators, the
element-wise and date functions, and Go's own float formatting and parsing."""

from __future__ import annotations

import decimal
import math
import operator
import time
from collections.abc import Callable


def _pow(a: float, b: float) -> float:
    """Go's ``math.Pow`` where Python's raises: overflow and 0 to a negative power are ±Inf."""
    try:
        return math.pow(a, b)
    except (OverflowError, ValueError):
        if a < 0 and not b.is_integer():
            return math.nan
        return -math.inf if a < 0 and b % 2 == 1 else math.inf


COMPARISONS = ("==", "!=", "<=", "<", ">=", ">")
# Every binary operator on two numbers as Prometheus computes it (comparisons give 1 or 0).
OPS: dict[str, Callable[[float, float], float]] = {
    "+": operator.add, "-": operator.sub, "*": operator.mul, "^": _pow, "atan2": math.atan2,
    "%": lambda a, b: math.nan if b == 0 or math.isinf(a) else math.fmod(a, b),
    "/": lambda a, b: a / b if b != 0 else (math.nan if a == 0 or math.isnan(a) else math.copysign(math.inf, a)),
    "==": lambda a, b: float(a == b), "!=": lambda a, b: float(a != b), "<=": lambda a, b: float(a <= b),
    "<": lambda a, b: float(a < b), ">=": lambda a, b: float(a >= b), ">": lambda a, b: float(a > b),
}


def _clamp(x: float, lo: float = -math.inf, hi: float = math.inf) -> float | None:
    """Prometheus' clamps: Go's ``math.Max(lo, math.Min(hi, x))`` (±Inf there wins over NaN), no sample if hi < lo."""
    if hi < lo:
        return None
    low = -math.inf if -math.inf in (hi, x) else math.nan if math.isnan(hi) or math.isnan(x) else min(hi, x)
    return math.inf if math.inf in (lo, low) else math.nan if math.isnan(lo) or math.isnan(low) else max(lo, low)


# The element-wise functions: the sample's value, then the function's scalar parameters; None drops the sample.
MATH: dict[str, Callable[..., float | None]] = {
    "abs": abs, "ceil": lambda x: float(math.ceil(x)), "floor": lambda x: float(math.floor(x)),
    "sqrt": math.sqrt, "exp": math.exp, "ln": lambda x: math.log(x) if x else -math.inf,
    "log10": lambda x: math.log10(x) if x else -math.inf, "log2": lambda x: math.log2(x) if x else -math.inf,
    "round": lambda x, to=1.0: math.floor(x * (1 / to) + 0.5) / (1 / to),   # Prometheus' order of operations
    "clamp": _clamp, "clamp_min": lambda x, lo: _clamp(x, lo), "clamp_max": lambda x, hi: _clamp(x, hi=hi),
}


DATE = {"minute": "tm_min", "hour": "tm_hour", "day_of_month": "tm_mday", "day_of_year": "tm_yday",
         "month": "tm_mon", "year": "tm_year", "day_of_week": "", "days_in_month": ""}
MATH |= {f: (lambda x, a=a: float(getattr(time.gmtime(math.trunc(x)), a))) for f, a in DATE.items() if a}
MATH |= {"day_of_week": lambda x: float((time.gmtime(math.trunc(x)).tm_wday + 1) % 7),    # Go: Sunday is 0
         "days_in_month": lambda x: float(_days_in_month(*time.gmtime(math.trunc(x))[:2])),
         "sgn": lambda x: 1.0 if x > 0 else -1.0 if x < 0 else x}


def _days_in_month(year: int, month: int) -> int:
    """``calendar`` is imported by the query that asks (it and ``locale`` are ~1.5 ms of every stand-in's start)."""
    import calendar

    return calendar.monthrange(year, month)[1]


def go_math(fn: Callable[..., float | None], x: float, params: list[float]) -> float | None:
    """``fn`` answering as Go's maths does where Python raises: overflow is ±Inf (``exp(1000)``,
    ``ceil(-Inf)``), anything out of its domain NaN (``sqrt(-1)``, ``round(x, 0)``)."""
    try:
        return fn(x, *params)
    except OverflowError:
        return math.copysign(math.inf, x)
    except (ValueError, ZeroDivisionError, OSError):
        return math.nan


def go_float(x: float) -> str:
    """Go's ``strconv.FormatFloat(x, 'f', -1, 64)`` (``count_values``' label): shortest digits, no exponent."""
    if not math.isfinite(x):
        return "NaN" if math.isnan(x) else "+Inf" if x > 0 else "-Inf"
    return format(decimal.Decimal(repr(x)).normalize(), "f")
