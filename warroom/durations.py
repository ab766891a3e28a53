"""Durations as people write them in configs and runbooks ("90s", "15m", "1h30m", "250ms")."""

from __future__ import annotations

import math
import re

_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d)")
MAX_SECONDS = 100 * 365.25 * 86400.0
"""Nothing an incident tool times is longer than a century: past it a duration is a typo (or an
attack on everything that adds it to a clock), refused with the text that was given."""


def _bounded(value: float, text: object) -> float:
    if not math.isfinite(value):
        raise ValueError(f"not a duration: {text!r} (not a finite number)")
    if value < 0:
        raise ValueError(f"negative duration: {text!r}")
    if value > MAX_SECONDS:
        raise ValueError(f"duration too long: {text!r} (at most 100 years)")
    return value


def parse_duration(text: str | int | float) -> float:
    """Return seconds; bare numbers are seconds. Raises ValueError with the offending text."""
    if isinstance(text, bool):
        raise ValueError(f"not a duration: {text!r}")
    if isinstance(text, (int, float)):
        return _bounded(float(text), text)
    s = text.strip().lower().replace(" ", "")
    if not s:
        raise ValueError("empty duration")
    try:
        value = float(s)
    except ValueError:
        pass
    else:
        return _bounded(value, text)
    pos = 0
    total = 0.0
    for match in _PART.finditer(s):
        if match.start() != pos:
            break
        total += float(match.group(1)) * _UNITS[match.group(2)]
        pos = match.end()
    if pos != len(s) or pos == 0:
        raise ValueError(f"not a duration: {text!r} (use e.g. 30s, 5m, 1h30m)")
    return _bounded(total, text)


def stated_seconds(seconds: float) -> float:
    """A span as the product states it: the one rule every duration and clock goes through, so the
    same span reads the same in the header, ``incident show``, the PIR, the drill report and every
    notice (redteam29-3: a frozen header clock read "56:56" beside "Time to resolve 56m57s").

    The units a span has completed, as a clock counts them: to the tenth of a second under 10 s (a
    command's 0.4 s run), to the whole second from there; never rounded up. Rounding up would state
    a span past a line it has not reached: "1h00m" beside "< 60 min: met" for 59m59.6s, a header at
    "15:00" still on the tier before 15 minutes. Cut here, a span reads at or past a whole-second
    line exactly when it is; every coarser form (a clock, whole minutes) reads this value."""
    if not math.isfinite(float(seconds)):     # before the clamp: max(0.0, nan) is 0.0, a made-up "0s"
        raise ValueError(f"not a span: {seconds!r}")
    s = max(0.0, float(seconds))
    s = round(s, 6)      # to the journal's microsecond: two float paths to one span state it alike
    return math.floor(round(s * 10, 6)) / 10 if s < 10 else float(math.floor(s))


def format_duration(seconds: float) -> str:
    """Compact human form used on screen and in the PIR: 4.5s, 45s, 12m05s, 2h03m59s. Exact to the
    second at every size (redteam32b: "1h06m drill time" stood for 66m40s beside an exact wall
    figure, so the PIR's and the drill report's numbers disagreed with their own neighbours): every
    figure is :func:`format_clock`'s for the same span (``2:03:59`` is ``2h03m59s``), hours are not
    folded into days (a clock counts ``100:01:00``), and nothing is ever rounded up
    (:func:`stated_seconds`). A negative span is a caller's subtraction the wrong way round, stated
    as none (``0s``) like every clock; a NaN or infinite one is no span and raises."""
    stated = stated_seconds(seconds)
    if stated != int(stated):
        return f"{stated:.1f}s"
    hours, rem = divmod(int(stated), 3600)
    minutes, secs = divmod(rem, 60)
    if hours:
        return f"{hours}h{minutes:02d}m{secs:02d}s"
    return f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"


def stated_minutes(seconds: float) -> int:
    """Whole minutes of a span (the incident log's ``Duration (min)``), completed ones as
    :func:`stated_seconds` counts: 59m59s is 59, the side of a 60-minute target it is on."""
    return int(stated_seconds(seconds) // 60)


def format_clock(seconds: float) -> str:
    """Elapsed / countdown clock: 04:07, 1:02:03: the whole seconds of :func:`stated_seconds`, so a
    clock and a duration of one span state the same figures."""
    whole = int(stated_seconds(seconds))
    hours, rem = divmod(whole, 3600)
    minutes, secs = divmod(rem, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"
