"""The words an incident's journal keeps in one spelling: severities and note tags.

People type ``p2`` or `` P2 ``, and a note tag from memory; the journal, the PIR and every view
compare these words as written, so they are checked and made canonical once, before anything is
appended (a declaration, a severity change, a note), and a typo is refused with the list or the
closest word rather than journaled as a severity or tag nothing else recognises.
"""

from __future__ import annotations

import difflib

from warroom.errors import WarroomError
from warroom.journal import events as ev


def validate_severity(severity: str) -> str:
    """``p2``, `` P2 `` and ``P2`` are the same severity; returns the canonical upper-case form."""
    canonical = str(severity).strip().upper()
    if canonical not in ev.SEVERITIES:
        raise WarroomError(f"severity must be one of {', '.join(ev.SEVERITIES)}, got {severity!r}")
    return canonical


def validate_tag(tag: str) -> str:
    """A note tag the PIR files under a heading (``root-cause``, ``action`` …); else refused,
    naming the closest one."""
    if tag not in ev.NOTE_TAGS:
        close = difflib.get_close_matches(tag, ev.NOTE_TAGS, n=1, cutoff=0.5)
        hint = f" (did you mean {close[0]}?)" if close else ""
        raise WarroomError(f"unknown note tag {tag!r}{hint}; use one of {', '.join(ev.NOTE_TAGS)}")
    return tag
