"""Times people type: one syntax for the CLI and the dashboard, and the rules both enforce.

Accepted everywhere a time is asked for (``--at``, the dashboard's "when" fields):

* ``15m ago`` and ``-15m`` (any duration: ``90s ago``, ``-1h30m``);
* ``HH:MM`` / ``HH:MM:SS``: UTC, today (yesterday when today's would be in the future);
* ISO-8601 (``2026-11-22T14:30Z``; without a zone it is UTC).

A time in the future is refused (a milestone or a timeline entry cannot have happened yet), with
a minute of slack for clocks that disagree. Due dates are calendar dates that exist.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from warroom.durations import parse_duration
from warroom.errors import WarroomError

#: How far ahead of "now" a typed time may be before it is refused (clock skew between hosts).
FUTURE_SLACK = timedelta(seconds=60)

_AGO = re.compile(r"^(.+?)\s+ago$", re.IGNORECASE)
_HHMM = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")
HELP = "a time like 14:30 (UTC), 2026-11-22T14:30Z, '15m ago' or -15m"


def parse_when(text: str, now: datetime, *, what: str = "time", scale: float = 1.0) -> datetime:
    """The moment ``text`` names (aware, UTC); raises WarroomError naming what was expected.
    ``scale``: a drill's speed — ``15m ago`` is fifteen minutes of the incident's (drill) time,
    as every duration it shows; a clock time or an ISO moment is a wall instant as printed."""
    t = " ".join(str(text).split())
    if not t:
        raise WarroomError(f"{what} {text!r}: empty; expected {HELP}")
    m = _AGO.match(t)
    if m or t.startswith("-"):
        span = m.group(1) if m else t[1:]
        try:
            at = now - timedelta(seconds=parse_duration(span) / (scale if scale > 0 else 1.0))
        except (ValueError, OverflowError):
            raise WarroomError(f"{what} {text!r}: not a span of time warroom can go back; expected {HELP}") from None
        return _sane(at, text, what)
    hm = _HHMM.match(t)
    if hm:
        h, mi, s = int(hm.group(1)), int(hm.group(2)), int(hm.group(3) or 0)
        if h > 23 or mi > 59 or s > 59:
            raise WarroomError(f"{what} {text!r}: not a valid time of day")
        at = now.astimezone(UTC).replace(hour=h, minute=mi, second=s, microsecond=0)
        return at - timedelta(days=1) if at > now + FUTURE_SLACK else at
    try:
        dt = datetime.fromisoformat(t.replace("Z", "+00:00").replace("z", "+00:00"))
        dt = (dt if dt.tzinfo else dt.replace(tzinfo=UTC)).astimezone(UTC)
    except (ValueError, OverflowError):
        raise WarroomError(f"{what} {text!r}: expected {HELP}") from None
    return _sane(dt, text, what)


def _sane(when: datetime, text: str, what: str) -> datetime:
    """A recorded time the PIR can do arithmetic with: nothing in an incident happened before 1970."""
    if when.year < 1970:
        raise WarroomError(f"{what} {text!r}: that is before 1970")
    return when


def reject_future(at: datetime, now: datetime, what: str = "time", text: str | None = None) -> datetime:
    """``at`` unless it is in the future (beyond a minute of clock skew)."""
    if at > now + FUTURE_SLACK:
        typed = f" {text!r}" if text is not None else ""
        raise WarroomError(f"{what}{typed}: {at.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC is in the future"
                           f" (now {now.astimezone(UTC):%H:%M:%S} UTC); it cannot have happened yet")
    return at


def parse_past(text: str, now: datetime, *, what: str = "time", scale: float = 1.0) -> datetime:
    """``parse_when`` that refuses a future time."""
    return reject_future(parse_when(text, now, what=what, scale=scale), now, what, text)


def parse_due(text: str, now: datetime) -> date:
    """A due date: ``YYYY-MM-DD`` that exists (no 2026-13-45, no 2026-02-30), or ``+3d``/``in 3d``
    relative to today. A date before the incident's day is refused too: nobody sets a due date in
    the past on purpose."""
    t = str(text).strip().lower()
    rel = re.fullmatch(r"(?:\+|in\s+)(\d+)\s*(d|w)", t)
    if rel:
        days = int(rel.group(1)) * (7 if rel.group(2) == "w" else 1)
        return now.astimezone(UTC).date() + timedelta(days=days)
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", t):
        raise WarroomError(f"due date {text!r}: expected YYYY-MM-DD (e.g. 2026-12-01) or +7d")
    try:
        day = date.fromisoformat(t)
    except ValueError:
        raise WarroomError(f"due date {text!r}: no such day in the calendar") from None
    if day < now.astimezone(UTC).date():
        raise WarroomError(f"due date {text!r} is in the past (today is {now.astimezone(UTC).date()} UTC)")
    return day
