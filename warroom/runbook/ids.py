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
    folded = fold(typed.strip())
    matches = [i for i in known if fold(i) == folded]
    if len(matches) > 1:
        raise AmbiguousRunbookId(f"runbook id {typed!r} matches {len(matches)} runbooks that differ only in"
                                 f" case: {', '.join(sorted(matches))}; type the one you mean exactly")
    return matches[0] if matches else None


def fold(rid: str) -> str:
    """The form two ids share when a typed id would match both (``match_id``'s comparison)."""
    return rid.casefold()


def case_twin_message(rid: str, from_file_name: bool, other: str, where: str) -> str:
    """What to tell an author whose runbook id ``rid`` differs only in case from ``other`` (written
    at ``where``, ``file:line``): each opens only when typed exactly, any other spelling is refused
    as ambiguous (``match_id``), which nobody learns until an incident types it."""
    how = " (from the file name)" if from_file_name else ""
    return (f"runbook id {rid!r}{how} differs only in case from {other!r} at {where}: warroom "
            "matches a typed id ignoring case, so each opens only when typed exactly and any other "
            "spelling is refused as ambiguous between the two; give one of them an id that differs "
            "by more than case")
