"""An incident's status as the views that list incidents say it: ``mitigated · RELAPSED since 20:24:21`` where the
header, ``incident show`` and the brief say the mitigation did not hold (redteam51 R8: the resume offer and
``incident list`` said "MITIGATED" of an incident the header called "MITIGATED · RELAPSED", and a responder choosing
which incident to pick up was told it was contained).

One rule (``relapse.holding``), read from the journal alone: a list reads many incidents, so no pane and no gate
measure is read (the header's live values) and no drill shell (a lift typed there, ``IncidentState.hands``, reads the
drill's records): the panes that breached again since the milestone and have not recovered, the harm a lift run
through warroom left past its line, as the brief says them (``relapse.journal_said``), and a gate's measure a look saw
past its line and has not seen back since (``gate.relapsed``, journaled by the watcher: ``gate_relapse``; attack51
A3's other half, the routing undone by hand read "mitigated" here while the header said RELAPSED). One after a lift
typed by hand in the drill shell is said by the views that read it (the header, ``show``, the brief)."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any


@dataclass(frozen=True)
class StatusSaid:
    """The status (``mitigated``) and, while it claims the mitigation and the journal says it did not hold, the
    relapse: ``since`` its first breach again, ``words`` the header's qualifier on journaled values."""

    status: str
    since: datetime | None = None
    words: str = ""
    seen: bool = False          # ``since`` is when a look saw it, its crossing not known (``Holding.since_seen``)

    @property
    def relapse(self) -> str:
        """``RELAPSED since 20:24:21`` (the header's head of it, which an 80-column header never cuts), or ``RELAPSED,
        seen 20:24:21`` when only the look that saw it is known; '' when none."""
        if self.since is None:
            return ""
        return f"RELAPSED{', seen' if self.seen else ' since'} {self.since.astimezone(UTC):%H:%M:%S}"

    def text(self, upper: bool = False) -> str:
        """``mitigated · RELAPSED since 20:24:21`` (``MITIGATED · …`` when ``upper``, as the header and the resume
        offer write the status), else the status alone."""
        status = self.status.upper() if upper else self.status
        return f"{status} · {self.relapse}" if self.relapse else status


def status_said(state: Any, at: datetime) -> StatusSaid:
    """``state``'s status at ``at`` with its relapse as the journal says it (the module docstring's rule)."""
    from warroom.incident.gate_reading import journaled
    from warroom.incident.relapse import CLAIMS_MITIGATED, holding

    if state.status not in CLAIMS_MITIGATED:   # reopened, investigating: no mitigation claimed, none to qualify
        return StatusSaid(state.status)         # (attack52 F7: "investigating · RELAPSED since …" of a past one)
    journal = copy.copy(state)          # a shallow copy: the drill shell's lifts (``hands``) are not read here
    journal.hands = None
    held = holding(journal, at, gates=journaled(journal, at))
    if held is None or not held.relapsed:
        return StatusSaid(state.status)
    return StatusSaid(state.status, held.since, held.qualifier(state.status), held.since_seen)
