"""How a step done by hand is said on a runbook's path, and which checklist states take a typing's credit: the words
``by_hand``'s credits start with (``BY_HAND``, ``TYPED``, ``NOT_VERIFIED``) and the run through warroom said beside
one (``after_run``), which the checklist, the drill report's count and the PIR read back (``typing_of``,
``ended_before``). Kept apart from the matching: a view that only says or counts a credit reads this alone."""

from __future__ import annotations

from typing import Any


BY_HAND = "done by hand at "      # a path state that starts so: the step was typed in the drill shell
TYPED = "typed by hand at "       # … its calls typed there, but what it checks cannot be judged: not done
#: how the credit of a gated change typed by hand ends: it acted, but only its gate, opened by a run through warroom,
#: judges it (attack42 A18)
NOT_VERIFIED = "not verified: its gate opens when the step runs in warroom"
#: the checklist states (``marks.checklist_state``) in which a step takes the credit of its command typed in the drill
#: shell, as one never begun through warroom does: ``pending``, and every way a run through warroom ends without doing
#: the step: ``failed`` (attack52 F5: after a failed run of the restore, the restore typed by hand was credited
#: nowhere, neither on the checklist nor as the containment's lift, until the next run through warroom), ``timed_out``,
#: ``interrupted``, ``cancelled``, ``refused``, ``dry_run`` (attack53 A3: the same false relapse after each). A run that
#: timed out or was interrupted may have acted in part: that is the run's, in the record; what is credited here is the
#: typed command, which did act. The run stays as it ended in the record (the journal, the timeline, the PIR's
#: commands); its row shows the typing "done by hand", never the ✔ of a run. The calls of the run's own process stay
#: the run's (``owner_of``). A step the commander skipped, ticked or said not needed keeps the commander's word on
#: the checklist; its typing, and a typing before a run the checklist shows, still did what it did (a containment's
#: lift, a gate's "before" read it: ``by_hand.Hands.before_runs``).
TAKES_TYPING = frozenset({"pending", "failed", "timed_out", "interrupted", "cancelled", "refused", "dry_run"})
#: where a runbook path's state (the drill report's) says, after the typing's credit, how the step's own run through
#: warroom ended (before or after the typing), when it had one that did not do it (``TAKES_TYPING`` but ``pending``):
#: the path tells both (attack53 A6: "[done by hand at +5m00s …] Bring FlowEngine back", no word of the failed run the
#: journal, timeline and PIR keep). The credit is what precedes it (``typing_of``): what the checklist and the PIR say
#: the typing was.
AFTER_RUN = " — its run through warroom: "


def after_run(credit: str, ended: str, run: Any) -> str:
    """A runbook path's state for a step whose command was typed by hand (``credit``, the typing's) after its run
    through warroom ended without doing it (``ended``: its checklist state, one of ``TAKES_TYPING`` but ``pending``;
    ``run``: that run, None for a refusal, which ran nothing): ``done by hand at +5m00s (drill shell) — its run
    through warroom: failed (exit 1) at 14:05:50 UTC``. The typing may have come before the run (their moments say
    which): the words claim no order."""
    from warroom.incident.marks import state_word

    code = f" (exit {run.exit_code})" if run is not None and getattr(run, "exit_code", None) is not None else ""
    at = f" at {run.started_at:%H:%M:%S} UTC" if run is not None and getattr(run, "started_at", None) else ""
    return f"{credit}{AFTER_RUN}{state_word(ended)}{code}{at}"


def typing_of(state: str) -> str:
    """The typing's credit of a runbook path's state (``after_run``'s ``credit``; any other state as it is)."""
    return state.partition(AFTER_RUN)[0]


def ended_before(state: str) -> str | None:
    """The checklist state of the run through warroom a path's state says ended before the typing (``after_run``),
    else None."""
    from warroom.incident.marks import state_word

    _, said, rest = state.partition(AFTER_RUN)
    return next((k for k in sorted(TAKES_TYPING - {"pending"}) if rest.startswith(state_word(k))), None) \
        if said else None
