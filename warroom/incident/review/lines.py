"""The review's unit of text: a ``Line`` and the journal seqs it rests on, and the few formats
(clock, value, ISO time) every section writes them with, so a time or a value reads the same in
the facts, the timeline and the tables."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from warroom.incident.md_text import Md
from warroom.units import format_value

#: Needs-a-person marker: templates print it where a section has nothing from the journal.
HUMAN = Md("_Needs a human:_")

#: Sort key for a line without a time: before every timed one.
NO_TIME = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Line:
    """One generated statement and the journal seqs it rests on.

    ``text`` is plain text (what a screen shows; the PIR escapes it where it draws it) or, where
    the review adds markdown of its own (a command in backticks, ``_unassigned_``), an ``Md``
    composed with ``Md(...).format(...)``, which escapes the user text it is given."""

    text: str
    cites: tuple[int, ...] = ()
    at: datetime | None = None
    actor: str = ""
    weight: int = 0
    details: tuple[str, ...] = ()     # sub-points the templates list under it (a decision's criteria)
    corrected: bool = False           # the text was corrected (the original line stays in the journal)

    @property
    def cite(self) -> str:
        return cite(self.cites)


def cite(seqs: Any) -> Md:
    """``[#3]`` / ``[#3, #7]``; empty for none (markdown of warroom's own: drawn as it is)."""
    seen = sorted({int(s) for s in seqs if s is not None})
    return Md("[" + ", ".join(f"#{s}" for s in seen) + "]" if seen else "")


def hms(at: datetime | None) -> str:
    """A moment as ``HH:MM:SS`` UTC; ``n/a`` when it did not happen."""
    return at.astimezone(UTC).strftime("%H:%M:%S") if at is not None else "n/a"


def value_text(value: float | None, unit: str | None) -> str:
    """A metric value in its unit (``count`` when none is known); ``n/a`` when there is none."""
    return format_value(value, unit or "count") if value is not None else "n/a"


def from_unix(t: float | None) -> datetime | None:
    """A metric sample's unix time as a UTC datetime (the summary stores unix seconds)."""
    return None if t is None else datetime.fromtimestamp(float(t), tz=UTC)


def clock_of(value: Any) -> str:
    """An ISO time as ``HH:MM:SS`` (as written when it cannot be read)."""
    try:
        return f"{datetime.fromisoformat(str(value).replace('Z', '+00:00')):%H:%M:%S}"
    except ValueError:
        return str(value)
