"""How often a runbook's prose tells the team to send a stakeholder update, checked against the
cadence the configuration will count down.

The configured cadence (``incident.status_update_cadence`` per severity, else
``incident.status_update_every``; ``IncidentConfig.update_cadence``) is the one source: it drives
the header's countdown and the overdue journal. A runbook that says "send an update every 15
minutes" while its P3 incident counts down 30 tells the IC two different things mid-incident, so
``warroom runbooks lint`` reports the line, against the configuration it loaded (``--config``,
``$WARROOM_CONFIG``, the user's file, else the built-in defaults), never only against defaults.

Only prose is read: a line inside a fenced code block is a command or its output, not an
instruction to the team.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from warroom.runbook.model import Finding, Runbook

if TYPE_CHECKING:
    from warroom.config import Config

_UNIT_SECONDS = {"minute": 60.0, "minutes": 60.0, "min": 60.0, "mins": 60.0, "m": 60.0,
                 "hour": 3600.0, "hours": 3600.0, "hr": 3600.0, "hrs": 3600.0, "h": 3600.0}
EVERY = re.compile(r"(?i)\bevery\s+(?:(\d+)\s*(minutes?|mins?|m|hours?|hrs?|h)|(half\s+(?:an\s+)?hour)"
                   r"|(hour))\b")
HOURLY = re.compile(r"(?i)\bhourly\b")
UPDATE = re.compile(r"(?i)\bupdat(?:e|es|ed|ing)\b")
FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


@dataclass(frozen=True)
class StatedCadence:
    """One "update ... every N minutes" the prose asks for: where, how often, and the words."""

    line: int          # 1-based line in the file
    seconds: float
    words: str         # as written (lower case), e.g. "every 15 minutes"


def stated_cadences(text: str) -> list[StatedCadence]:
    """Every update cadence the prose of ``text`` states, in file order (fenced code skipped)."""
    found: list[StatedCadence] = []
    fence: str | None = None
    for number, line in enumerate(text.splitlines(), 1):
        opener = FENCE.match(line)
        if opener:
            mark = opener.group(1)
            if fence is None:
                fence = mark
                continue
            if mark[0] == fence[0] and len(mark) >= len(fence) and not line.strip()[len(mark):].strip():
                fence = None
                continue
        if fence is not None or not UPDATE.search(line):
            continue
        for m in EVERY.finditer(line):
            if m.group(1):
                seconds = int(m.group(1)) * _UNIT_SECONDS[m.group(2).lower()]
            else:
                seconds = 1800.0 if m.group(3) else 3600.0
            found.append(StatedCadence(number, seconds, " ".join(m.group(0).lower().split())))
        for m in HOURLY.finditer(line):
            found.append(StatedCadence(number, 3600.0, m.group(0).lower()))
    return found


def cadence_findings(rb: Runbook, config: Config) -> list[Finding]:
    """A warning for each stated cadence the configured one for the runbook's severity is not.

    A runbook without a severity runs at whatever severity the IC declares, so its text is
    wrong only when no severity's cadence is the one it states."""
    file = str(rb.path) if rb.path else "<text>"
    def named(key: str) -> str:
        return f"{key} in {config.source}" if config.source else f"{key}, built-in default"

    out: list[Finding] = []
    said: StatedCadence
    for said in rb.update_cadences:
        if rb.severity:
            want, key = config.incident.update_cadence(rb.severity)
            if round(said.seconds) == round(want):
                continue
            out.append(Finding(
                file, said.line, "warning",
                f"says to update {said.words}, but a {rb.severity} incident's update countdown runs "
                f"{_every(want)} ({named(key)}): write {_every(want)}, or change {key}"))
            continue
        table = _cadences(config)
        if any(round(said.seconds) == round(every) for every in table.values()):
            continue
        listed = ", ".join(f"{sev} {_every(every)[6:]}" for sev, every in table.items())
        out.append(Finding(
            file, said.line, "warning",
            f"says to update {said.words}, but no severity's update countdown runs that often "
            f"({listed}; {named('incident.status_update_cadence')}): give the runbook a severity "
            "and write its cadence"))
    return out


def _cadences(config: Config) -> dict[str, float]:
    """Each severity's cadence, P1..P4 (a severity the table omits uses status_update_every)."""
    return {sev: config.incident.update_cadence(sev)[0] for sev in ("P1", "P2", "P3", "P4")}


def _every(seconds: float) -> str:
    """``every 30 minutes`` / ``every 90 seconds``: the words a runbook would write."""
    whole = round(seconds)
    if whole % 60 == 0:
        minutes = whole // 60
        return f"every {minutes} minute{'s' if minutes != 1 else ''}"
    return f"every {whole} seconds"
