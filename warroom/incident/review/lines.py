"""The review's unit of text: a ``Line`` and the journal seqs it rests on, and the few formats
(clock, value, ISO time) every section writes them with, so a time or a value reads the same in
the facts, the timeline and the tables."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from warroom.incident.md_text import Md
from warroom.units import format_stated

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
    step: tuple[str, str] | None = None   # a step run's (runbook id, step id): its runs are one step's story
    checklist: bool = False           # a tick, untick or skip of ``step``: what its checklist row shows changed
    again: str | None = None          # typed in the drill shell: the rows changing one setting share it
    kind: str = ""                    # what it is: the journal event's kind, ``run.acted`` (a step that changes
    #                                   things ran ok), ``run.read``, ``typed.moved``…: what the brief chooses by
    seat: str = ""                    # a read-only seat's line (``observer_seat.lines``): the Full Timeline's only,
    #                                   never a moment of the response's story (``story``)

    @property
    def cite(self) -> str:
        return cite(self.cites)


def _event_ref(text: str) -> Md:
    """warroom's own reference to journal events, as a code span.

    A PIR is pasted into GitHub issues, where a bare ``#3`` (in prose, a cell, a heading, a bold
    run) links that repository's issue 3 and leaves a back-reference on it: one draft would spam
    dozens of issues. GitHub links nothing inside code, and a code span still reads ``#3`` raw
    and rendered, so searching for the seq finds the cite, the appendix and the footer alike.
    ``text`` is warroom's (digits, ``#``, ``[``, ``,``, ``–``): never a backtick."""
    return Md(f"`{text}`")


def cite(seqs: Any) -> Md:
    """The journal events a statement rests on: ``[#3]`` / ``[#3, #7]`` in a code span (see
    :func:`_event_ref`); empty for none. ``seqs`` is one seq or several (``None`` skipped). The one
    writer of a cite: every shipped template draws its cites with it (``|cite``)."""
    if seqs is None:
        return Md("")
    if isinstance(seqs, int):
        seqs = (seqs,)
    seen = sorted({int(s) for s in seqs if s is not None})
    return _event_ref("[" + ", ".join(f"#{s}" for s in seen) + "]") if seen else Md("")


def event_range(first: int, last: int) -> Md:
    """Journal events ``first`` to ``last`` as a reference (``#1–#39`` in a code span), inert like a cite."""
    return _event_ref(f"#{first}–#{last}")


def hms(at: datetime | None) -> str:
    """A moment as ``HH:MM:SS`` UTC; ``n/a`` when it did not happen."""
    return at.astimezone(UTC).strftime("%H:%M:%S") if at is not None else "n/a"


def value_text(value: float | None, unit: str | None) -> str:
    """A metric value in its unit (``count`` when none is known); ``n/a`` when there is none."""
    return format_stated(value, unit or "count") if value is not None else "n/a"


def from_unix(t: float | None) -> datetime | None:
    """A metric sample's unix time as a UTC datetime (the summary stores unix seconds)."""
    return None if t is None else datetime.fromtimestamp(float(t), tz=UTC)


def clock_of(value: Any) -> str:
    """An ISO time as ``HH:MM:SS`` (as written when it cannot be read)."""
    try:
        return f"{datetime.fromisoformat(str(value).replace('Z', '+00:00')):%H:%M:%S}"
    except ValueError:
        return str(value)


@dataclass(frozen=True)
class TypedStep:
    """A runbook step credited done by hand: its command typed in the drill shell, not run through warroom
    (``by_hand``). ``name`` is how the incident names the step ("Step 12"), ``state`` the credit as the report
    says it ("done by hand at +41m47s (drill shell, with task_id=…)"), ``actions`` the drill report's rows of
    what its calls changed. The PIR's timeline lists it as it lists what was typed outside every step."""

    name: str
    label: str
    state: str
    at: float                        # unix: when it was typed (a change: when it acted)
    actions: tuple[Any, ...] = ()    # ``drill_report.rows.ActionRow``

    @property
    def moved(self) -> bool:
        return any(a.moved for a in self.actions)

    @property
    def description(self) -> str:
        return "; ".join(dict.fromkeys(a.description for a in self.actions)) or self.label
