"""Alert severities as teams write them, mapped to the incident's P1..P4.

Rule files in the wild say ``critical``/``warning``/``info`` (the Prometheus convention), ``page``
(SRE-book style: wake someone), ``s1``..``s4`` (GitLab), ``P1``..``P4``, ``sev1``/``SEV-2``/``sev 3``
(incident.io, PagerDuty) and sometimes a bare number. An unknown spelling is not guessed at: it
ranks below every known one and is shown as written. ``[alerts].severity_map`` overrides or adds
spellings (``{ "disaster" = "P1" }``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

#: Built-in spellings (lower case) → severity.
WORDS: dict[str, str] = {
    "page": "P1", "critical": "P1", "crit": "P1", "emergency": "P1", "fatal": "P1", "disaster": "P1",
    "emerg": "P1", "alert": "P1", "urgent": "P1",      # syslog levels 0-2 (and "urgent")
    "high": "P2", "error": "P2", "major": "P2", "err": "P2",
    "warning": "P3", "warn": "P3", "medium": "P3", "moderate": "P3", "minor": "P3", "average": "P3",
    "info": "P4", "informational": "P4", "information": "P4", "low": "P4", "notice": "P4",
    "none": "P4", "debug": "P4",
}
_NUMBERED = re.compile(r"^(?:p|s|sev|severity|priority)?[\s_-]*([0-9])$")

#: Sort order: most severe first; unknown last.
ORDER = {"P1": 0, "P2": 1, "P3": 2, "P4": 3}
UNKNOWN_RANK = len(ORDER)


def map_severity(value: str | None, overrides: Mapping[str, str] | None = None) -> str | None:
    """``P1``..``P4`` for a severity label's value, or None when it says nothing we know.

    Numbered scales start at 1 (``sev0``/``s0``/``P0`` are the top too); anything past 4 is P4.
    """
    if value is None:
        return None
    text = value.strip().lower()
    if not text:
        return None
    if overrides:
        for key, sev in overrides.items():
            if key.strip().lower() == text:
                return sev
    if text in WORDS:
        return WORDS[text]
    match = _NUMBERED.match(text)
    if match:
        n = int(match.group(1))
        return f"P{min(max(n, 1), 4)}"
    return None


def rank(severity: str | None) -> int:
    """Sort key of a mapped severity (0 = P1); unknown sorts last."""
    return ORDER.get(severity or "", UNKNOWN_RANK)
