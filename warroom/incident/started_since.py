"""A confirmation runs a step once: it was given on the journal as it stood when it was asked for,
and a start of the same step journaled since then makes it a confirmation of something else.

redteam41 X8: two Run dialogs of one step were open at once (a double Enter); after the first ran
the step, the second still asked "Run step 7 …" and its "Yes" ran the step again — a second
``rollout undo`` rolls back to the bad revision. Whoever asks for a confirmation notes the step's
last start then (``last_started_seq``) and hands it to the run (``expect_last_started_seq``); the
run refuses, nothing run or journaled, when the step started since (``refuse_started_since``). The
run judges it on the state its start line is conditional on, so a start by another process in
between is caught under the journal's lock (``step_running``), not only one this process saw.
"""

from __future__ import annotations

from datetime import UTC
from typing import TYPE_CHECKING

from warroom.errors import WarroomError

if TYPE_CHECKING:
    from warroom.incident.records import StepRun
    from warroom.incident.state import IncidentState

StepKey = tuple[str, str]       # (runbook id, step id), as ``IncidentState.steps`` keys them


class StartedSince(WarroomError):
    """The step started after its run was asked for: nothing was run. ``words`` says it in the
    asker's terms (the dashboard: "since this dialog opened … from the checklist")."""

    exit_code = 5       # a refusal, as a run the rules refuse (README: exit 5); nothing was journaled

    def __init__(self, name: str, run: StepRun, by: str | None) -> None:
        self.name, self.run, self.by = name, run, by
        super().__init__(self.words())

    def words(self, since: str = "this run was asked for", again: str = "") -> str:
        """``Step 7 started at 06:54:49 UTC since this dialog opened: look at its output first; run
        it again from the checklist if you mean to`` (``again``: where, with its leading space)."""
        who = f" by {self.by}" if self.by else ""
        at = self.run.started_at.astimezone(UTC).strftime("%H:%M:%S")
        return (f"{self.name} started at {at} UTC{who} since {since}: look at its output first;"
                f" run it again{again} if you mean to (nothing was run)")


def last_started_seq(state: IncidentState, key: StepKey) -> int:
    """The journal seq of the step's last start (0: never started): what a confirmation is given on."""
    st = state.steps.get(key)
    return max((r.seq for r in st.runs), default=0) if st is not None else 0


def refuse_started_since(state: IncidentState, key: StepKey, seen: int | None, *, number: int,
                         me: str | None = None) -> None:
    """Raise ``StartedSince`` when the step ``key`` started after journal seq ``seen`` (its last start
    when the run was asked for); ``seen`` None: the caller asked on nothing, no check. ``me``: this
    writer's actor, left unsaid when it is the one that started it."""
    if seen is None:
        return
    st = state.steps.get(key)
    run = max((r for r in st.runs if r.seq > seen), key=lambda r: r.seq, default=None) if st is not None else None
    if run is not None:
        raise StartedSince(state.step_name(key[0], number, start=True), run,
                           run.actor if run.actor and run.actor != me else None)
