"""Runbook ids as people type them: one rule for every place a user names a runbook.

Ids are written upper-case (``RB-CORE-003``) but typed however the hand falls (``rb-core-003``).
Where a person types an id (``incident new --runbook``, ``attach``, ``close-runbook``, ``--runbook``
on run / tick / untick / skip, ``runbooks show``), the id is matched exactly first, then ignoring
case when exactly one id matches that way; the canonical id (as the runbook writes it) is what is
recorded. Two ids that differ only in case are both meant by such a typing: that is refused,
listing them, never decided by which was loaded first.
"""

from __future__ import annotations

from collections.abc import Iterable

from warroom.errors import WarroomError


class AmbiguousRunbookId(WarroomError):
    """A typed id that matches several runbook ids ignoring case (a usage error, exit 2)."""


def match_id(typed: str, ids: Iterable[str]) -> str | None:
    """The canonical id ``typed`` names among ``ids``: itself when present, else the only id equal
    to it ignoring case; None when none is. Several such ids raise :class:`AmbiguousRunbookId`."""
    known = list(dict.fromkeys(i for i in ids if i))
    if typed in known:
        return typed
    folded = typed.strip().casefold()
    matches = [i for i in known if i.casefold() == folded]
    if len(matches) > 1:
        raise AmbiguousRunbookId(f"runbook id {typed!r} matches {len(matches)} runbooks that differ only in"
                                 f" case: {', '.join(sorted(matches))}; type the one you mean exactly")
    return matches[0] if matches else None
