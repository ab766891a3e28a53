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


def format_duration(seconds: float) -> str:
    """Compact human form used on screen and in the PIR: 45s, 12m05s, 2h03m."""
    seconds = max(0.0, float(seconds))
    if seconds < 60:
        return f"{seconds:.0f}s" if seconds >= 10 or seconds == int(seconds) else f"{seconds:.1f}s"
    total = int(round(seconds))
    hours, rem = divmod(total, 3600)
    minutes, secs = divmod(rem, 60)
    if hours:
        return f"{hours}h{minutes:02d}m"
    return f"{minutes}m{secs:02d}s"
