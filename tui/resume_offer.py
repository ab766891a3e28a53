"""When the dashboard may offer to resume an open incident: once, at the start, and only while
that can still be the commander's first choice.

The look for open incidents runs in a worker after the first frame (it reads every open
incident's journal), so on a busy machine it can answer after the commander has already pressed
``d`` and declared: its list then holds the incident just declared, and a "resume it?" dialog
over the incident one is working on is a false question (seen under load: the offer came up
over the new incident and ate the keys meant for it). The rule, by construction rather than by
timing:

* once the commander declares or resumes an incident (the choice is recorded on the event loop
  when the dialog answers, before the worker that writes it starts), an offer that has not been
  shown is dropped;
* while a dialog is open (or the declare dialog is still deciding) the offer waits, and is shown
  when the dashboard is on top again and nothing has been chosen.
"""

from __future__ import annotations

from typing import Any


class ResumeOfferGate:
    """Holds an offer that arrived until it may be shown; UI-free so its rule is unit-tested."""

    def __init__(self) -> None:
        self.pending: list[Any] | None = None
        self.chosen = False        # an incident was declared or resumed here: no offer any more
        self.holds = 0             # dialogs that may still lead to a choice (the declare dialog)

    def arrived(self, incidents: list[Any]) -> None:
        if not self.chosen and incidents:
            self.pending = list(incidents)

    def hold(self) -> None:
        """A dialog that may choose an incident (declare) opened: the offer waits for its answer."""
        self.holds += 1

    def release(self) -> None:
        """That dialog was cancelled: the offer may come once the dashboard is on top again."""
        self.holds = max(0, self.holds - 1)

    def choose(self) -> None:
        """An incident was declared or resumed: any offer not yet shown is dropped for good."""
        self.holds = max(0, self.holds - 1)
        self.chosen = True
        self.pending = None

    def due(self, *, on_top: bool) -> list[Any] | None:
        """The incidents to offer now (taken: an offer is shown once), or None to keep waiting."""
        if self.chosen or self.holds or not on_top or self.pending is None:
            return None
        offer, self.pending = self.pending, None
        return offer
