"""Prometheus' ``time``/``start``/``end``/``step`` parameters read as its Go code reads them (attack43 A1/A2).

Python's ``float()`` took ``" 1796508000"``, ``١٢٣`` and ``1e20`` and the drill then crashed formatting year 33658.
Prometheus 2.42 (``parseTime``, ``parseDuration``) reads a number by ``strconv.ParseFloat`` (ASCII, no spaces,
``_`` between digits, hex with a ``p`` exponent, ``inf``/``nan``; out of range is an error), else RFC 3339 by
``time.Parse`` (1–2 digit hour, ``,`` or ``.`` fraction, offsets ``±hh:mm`` unchecked), else refuses. Its engine
then evaluates at ``UnixNano() / 1e6`` in int64: Go's overflow wraps, so ``time=inf`` or ``nan`` is evaluated at
-9223372036.854 and ``1e20`` at 0, each checked against Debian's prometheus 2.42 (amd64: an out-of-range float to
int64 is MinInt64). A time is held as Go's ``time.Time``: seconds since year 1 (wrapping) and nanoseconds.
"""

from __future__ import annotations

import math
import re
from datetime import date

from warroom.syntax.promql import go_quote as quoted      # Go's %q

I64, TO_INTERNAL, EPOCH = 2**63, 62135596800, date(1970, 1, 1).toordinal()     # year 1 to 1970: seconds, days
D, H = r"[0-9](?:_?[0-9])*", r"[0-9a-fA-F](?:_?[0-9a-fA-F])*"
FLOAT = re.compile(rf"[+-]?(?:(?:{D}(?:\.(?:{D})?)?|\.{D})(?:[eE][+-]?{D})?|0[xX](?:_?{H}(?:\.(?:{H})?)?|\.{H})"
                   rf"[pP][+-]?{D}|(?:inf|infinity)|(?<![+-])nan)", re.I)
RFC3339 = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{1,2}):([0-9]{2}):([0-9]{2})(?:[.,]([0-9]{1,9}))?"
                     r"(?:Z|([+-])([0-9]{2}):([0-9]{2}))")
#: the two bounds Prometheus writes past time.Parse's four-digit years (its minTime, maxTime) and reads back
BOUNDS = {"-292273086-05-16T16:47:06Z": (-(I64 // 1000) + 2 * TO_INTERNAL + 1, 0),
          "292277025-08-18T07:12:54.999999999Z": ((I64 - 1) // 1000 - 1, 999999999)}


def wrap(n: int) -> int:
    """``n`` as Go's int64 arithmetic leaves it."""
    return (n + I64) % (2 * I64) - I64


def quotient(n: int, d: int) -> int:
    """Go's integer division: truncated towards zero."""
    return -(-n // d) if (n < 0) != (d < 0) else n // d


def go_int(x: float) -> int:
    """Go's ``int64(x)`` on amd64: truncated; NaN or out of range is the 'integer indefinite', MinInt64."""
    return int(x) if -2.0**63 <= x < 2.0**63 else -I64


def go_float(text: str) -> float | None:
    """``strconv.ParseFloat(text, 64)``, None where Go returns an error (a syntax error, or out of range)."""
    if not FLOAT.fullmatch(text):
        return None
    try:
        value = float.fromhex(text.replace("_", "")) if "x" in text.lower() else float(text.replace("_", ""))
    except OverflowError:
        return None
    return value if math.isfinite(value) or text.lower().strip("+-").startswith(("inf", "nan")) else None


def unix(sec: int, nsec: int) -> tuple[int, int]:
    """``time.Unix(sec, nsec)``: nanoseconds out of [0, 1e9) carried into the seconds, as Go carries them."""
    if not 0 <= nsec < 10**9:
        n = quotient(nsec, 10**9)
        sec, nsec = wrap(sec + n), nsec - n * 10**9
        if nsec < 0:
            sec, nsec = wrap(sec - 1), nsec + 10**9
    return wrap(sec + TO_INTERNAL), nsec


def parse_time(text: str, exact: bool = False) -> tuple[int, int] | None:
    """Prometheus' ``parseTime``: unix seconds (the fraction rounded to the millisecond, unless ``exact`` as
    promtool's copy reads it) or RFC 3339; None if neither (its error: ``cannot parse "TEXT" to a valid timestamp``)."""
    if (t := go_float(text)) is not None:
        frac, whole = (math.nan, t) if math.isinf(t) else math.modf(t)      # Go's Modf(±Inf) is (±Inf, NaN)
        ms = frac * 1000                                                    # math.Round: half away from zero
        ms = ms if exact or not math.isfinite(ms) else math.copysign(math.trunc(abs(ms)) + 1, ms) if abs(
            ms - math.trunc(ms)) == 0.5 else round(ms)
        return unix(go_int(whole), go_int(ms / 1000 * 1e9))
    if text in BOUNDS:
        return BOUNDS[text]
    if not (m := RFC3339.fullmatch(text)):
        return None
    y, mo, d, h, mi, s = (int(g) for g in m.groups()[:6])
    leap = y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)
    if not (1 <= mo <= 12 and 1 <= d <= (31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)[mo - 1]
            and h < 24 and mi < 60 and s < 60):
        return None
    days = date(y % 400 + 400, mo, d).toordinal() + (y // 400 - 1) * 146097 - EPOCH      # 0000–9999, as Go
    offset = (int(m[9]) * 3600 + int(m[10]) * 60) * (-1 if m[8] == "-" else 1) if m[8] else 0
    return unix(days * 86400 + h * 3600 + mi * 60 + s - offset, int((m[7] or "0").ljust(9, "0")))


def engine_ms(t: tuple[int, int]) -> int:
    """The millisecond Prometheus' engine evaluates ``t`` at (``UnixNano() / 1e6``, wrapping past 1677–2262)."""
    return quotient(wrap((t[0] - TO_INTERNAL) * 10**9 + t[1]), 10**6)


def span(end: tuple[int, int], start: tuple[int, int]) -> int:
    """``end.Sub(start)`` in nanoseconds, saturated at int64's ends as Go's ``Time.Sub`` is."""
    d = (end[0] - start[0]) * 10**9 + end[1] - start[1]
    return max(-I64, min(I64 - 1, d))


def parse_step(text: str) -> int | str:
    """Prometheus' ``parseDuration`` of ``step``: nanoseconds, or its error words."""
    if (d := go_float(text)) is not None:
        if abs(d * 1e9) > 2.0**63 and not math.isnan(d):
            return f"cannot parse {quoted(text)} to a valid duration. It overflows int64"
        return go_int(d * 1e9)
    if m := re.fullmatch(r"(?:([0-9]+)y)?(?:([0-9]+)w)?(?:([0-9]+)d)?(?:([0-9]+)h)?(?:([0-9]+)m)?(?:([0-9]+)s)?"
                         r"(?:([0-9]+)ms)?", text):
        if text and (ms := sum(int(n or 0) * u for n, u in zip(m.groups(), (31536000000, 604800000, 86400000,
                                                                            3600000, 60000, 1000, 1)))) < I64 // 10**6:
            return ms * 10**6
    return f"cannot parse {quoted(text)} to a valid duration"
