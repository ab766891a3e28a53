"""Ages, clocks and escalation tiers the way the panes print them: short, fixed-ish width.

Values with a unit are not formatted here: ``warroom.units.format_value`` is the one formatter.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from collections.abc import Sequence

from warroom.durations import format_clock  # noqa: F401  (the one rule of spans; the panes' name for it)
from warroom.incident.state import ESCALATION_TIERS as CORE_TIERS


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


def format_time(unix: float, utc: bool = True) -> str:
    """HH:MM:SS for the timeline."""
    return time.strftime("%H:%M:%S", time.gmtime(unix) if utc else time.localtime(unix))


_SHORT = ("on-call", "page TL", "IC+rollback?", "stakeholders")   # the header's narrow names
#: (seconds, label): the core's tiers (``warroom.incident.state``), the one table of thresholds
ESCALATION_TIERS = tuple((start * 60, f"T{tier} {_SHORT[tier]}") for start, tier, _, _ in CORE_TIERS)


def tier_name(tier: int) -> str:
    """``T1 page TL``: a tier as the header prints it."""
    return f"T{tier} {_SHORT[tier]}" if 0 <= tier < len(_SHORT) else f"T{tier}"


def escalation_tier(elapsed: float) -> str:
    """The escalation tier an incident has reached after ``elapsed`` seconds (DESIGN §2)."""
    label = ESCALATION_TIERS[0][1]
    for start, name in ESCALATION_TIERS:
        if elapsed >= start:
            label = name
    return label


def reached_by(start: float, at: float) -> bool:
    """Whether unix time ``at`` is at or after the instant ``start``, compared as the core compares
    them (both as UTC datetimes, to the microsecond, as ``datetime.fromtimestamp`` makes them from
    the clock), so the header never turns a tier a microsecond before or after the journal."""
    return datetime.fromtimestamp(at, UTC) >= datetime.fromtimestamp(start, UTC)


def tier_at(schedule: Sequence[tuple[float, int]], at: float) -> str:
    """The tier reached at unix time ``at`` on the core's instants ((instant, tier) pairs from
    ``warroom.incident.escalation.instants``: in the incident's own time, a reopening and a late
    detection already applied)."""
    tier = schedule[0][1] if schedule else 0
    for start, number in schedule:
        if reached_by(start, at):
            tier = number
    return tier_name(tier)
