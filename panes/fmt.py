"""Numbers, durations and ages the way the panes print them: short, fixed-ish width."""

from __future__ import annotations

import math
import time

UNIT_SUFFIX = {"percent": "%", "seconds": "s", "ratio": "", "count": "", "bytes": "B"}


def format_value(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "∞" if value > 0 else "-∞"
    if unit == "percent":
        return f"{value:.2f}%" if abs(value) < 10 else f"{value:.1f}%"
    if unit == "ratio":
        return f"{value:.3f}"
    if unit == "seconds":
        if abs(value) >= 3600:
            return f"{value / 3600:.1f}h"
        if abs(value) >= 120:
            return f"{value / 60:.1f}m"
        return f"{value:.1f}s" if abs(value) < 100 else f"{value:.0f}s"
    if unit == "bytes":
        for suffix in ("B", "KiB", "MiB", "GiB", "TiB"):
            if abs(value) < 1024 or suffix == "TiB":
                return f"{value:.0f}{suffix}" if suffix == "B" else f"{value:.1f}{suffix}"
            value /= 1024
    if abs(value) >= 1_000_000:
        return f"{value / 1_000_000:.1f}M"
    if abs(value) >= 10_000:
        return f"{value / 1000:.1f}k"
    return f"{value:g}" if value == int(value) else f"{value:.2f}"


def format_threshold(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "percent":
        return f"{value:g}%"
    if unit == "seconds":
        return f"{value / 60:g}m" if value >= 120 and value % 60 == 0 else f"{value:g}s"
    return format_value(value, unit)


def format_age(seconds: float | None) -> str:
    """Data age: "now", "12s", "3m", "2h"; coarse on purpose so it repaints rarely."""
    if seconds is None:
        return "never"
    if seconds < 2:
        return "now"
    if seconds < 60:
        return f"{int(seconds)}s ago"
    if seconds < 3600:
        return f"{int(seconds // 60)}m ago"
    return f"{int(seconds // 3600)}h ago"


def format_clock(seconds: float) -> str:
    """Elapsed / countdown clock: 04:07, 1:02:03."""
    seconds = max(0, int(seconds))
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


def format_time(unix: float, utc: bool = True) -> str:
    """HH:MM:SS for the timeline."""
    return time.strftime("%H:%M:%S", time.gmtime(unix) if utc else time.localtime(unix))


ESCALATION_TIERS = (
    (0, "T0 on-call"),
    (15 * 60, "T1 page TL"),
    (30 * 60, "T2 IC+rollback?"),
    (60 * 60, "T3 stakeholders"),
)


def escalation_tier(elapsed: float) -> str:
    """The escalation tier an incident has reached after ``elapsed`` seconds (DESIGN §2)."""
    label = ESCALATION_TIERS[0][1]
    for start, name in ESCALATION_TIERS:
        if elapsed >= start:
            label = name
    return label
