"""The marks a step can carry, one vocabulary for the dashboard, ``warroom incident show`` and the PIR.

Each state has its own icon (different in shape, never only in colour) and its own word, so a
person reading any of the three sees the same thing. "Ran, expectation not met" is a state of
its own: a command that exited 0 but did not print what the runbook said it would has not done
its job, and must never wear the same ✔ as one that did.

The expectation verdict (``warroom.execute.expectation``) has marks of its own for the fixed
column before each step's label: met, NOT met, not checked (an expectation the output could not
decide), and "has an expectation" for a step not run yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from warroom.execute.expectation import Verdict, verdict_of
from warroom.incident.gate_evidence import HELD
from warroom.incident.gates import SUPERSEDED


@dataclass(frozen=True)
class Mark:
    icon: str
    word: str
    ascii: str          # for terminals without the symbols, and the CLI's bracketed column


STEP_MARKS: dict[str, Mark] = {
    "pending": Mark("○", "pending", "[ ]"),
    "manual": Mark("☐", "to do", "[ ]"),
    "running": Mark("◐", "running", "[..]"),
    "ok": Mark("✔", "ok", "[ok]"),
    "unmet": Mark("≠", "ran, expectation not met", "[UNMET]"),
    "unchecked": Mark("≟", "ran, expectation not checked", "[UNCHECKED]"),
    "verifying": Mark("◔", "ran, verify gate still watching", "[VERIFYING]"),
    "unsettled": Mark("∅", "ran, verify window ended with no outcome", "[UNSETTLED]"),
    "unverified": Mark("⊠", "ran, verify gate FAILED", "[VERIFY-FAIL]"),
    "held_before": Mark("⊜", "ran, verify gate held before it", "[HELD-BEFORE]"),   # no evidence it worked
    # a run's, never a step's: its step ran again before its gate had an outcome (``gates.SUPERSEDED``)
    "superseded": Mark("⇢", "ran, verify gate left to the re-run's", "[RE-RUN]"),
    "failed": Mark("✖", "failed", "[FAIL]"),
    "timed_out": Mark("⧗", "timed out", "[TIMEOUT]"),
    "cancelled": Mark("⊘", "cancelled", "[CANCEL]"),
    "interrupted": Mark("↯", "interrupted", "[INTR]"),
    "skipped": Mark("↷", "skipped", "[skip]"),
    "ticked": Mark("☑", "ticked", "[x]"),
    "dry_run": Mark("◌", "dry run only", "[dry]"),
    "refused": Mark("⊗", "refused", "[REFUSED]"),
    # never begun, in a runbook branch whose condition did not hold (``warroom.incident.branches``): not owed,
    # never a ✔ (it did not run), never "to do"
    "not_needed": Mark("–", "not needed", "[n/a]"),
    # an item nobody ticked that the journal shows done (``warroom.incident.fulfilment``: its ``fulfilled_by``, a
    # root-cause note, the updates due): done, by what the journal holds, never the ✔ of a run nor the ☑ of a tick
    "fulfilled": Mark("◈", "done (journal)", "[journal]"),
    # never begun through warroom, its command typed in the drill shell and credited done by the drill report's rule
    # (``progress.DONE_BY_HAND``): done by hand, never the ✔ of a run (no gate opened, nothing journaled)
    "done_by_hand": Mark("✍", "done by hand (drill shell)", "[hand]"),
    # a Validation step run before the response changed anything (``progress.EARLY``, ``warroom.incident.validation``):
    # it read the breach, not a fix: not done, never a ✔
    "early": Mark("⊝", "ran before any fix: validates nothing", "[EARLY]"),
}
#: states only a run has (the PIR's commands table, a draft): a checklist line, which is a step's, never carries them
RUN_ONLY = frozenset({"superseded"})

# How far a runbook got, one rule for the checklist heading ("4/19 done, 1 FAILED or unmet"), the
# resolve question and the PIR's Rollback line ("4 of 19 steps done, 1 failed or unmet"), judged on
# the states above (``step_state``: an ok run that missed its expectation or failed its gate is not done;
# one whose gate held before it ran is done, but proves nothing: see NOT_CLEAN_MARKS)
DONE_MARKS = frozenset({"ok", "ticked", "skipped", "held_before", "fulfilled"})
TROUBLE_MARKS = frozenset({"failed", "timed_out", "cancelled", "interrupted", "unmet", "unverified", "refused"})
# What the PIR lists among the steps that did not finish cleanly: trouble, a run whose verify gate
# ended with no outcome, and one whose gate passed on a measure that held since before the step
# (nothing confirmed the mitigation: never "finished cleanly", never verified).
# Not trouble for the heading's "1 FAILED or unmet" count: nothing says it failed either.
NOT_CLEAN_MARKS = TROUBLE_MARKS | {"unsettled", "held_before", "early"}

EXPECT_MARKS: dict[str, Mark] = {
    "met": Mark("✓", "expectation met", "="),
    "unmet": Mark("✗", "expectation NOT met", "!"),
    "unchecked": Mark("?", "expectation not checked", "?"),
    "expected": Mark("◇", "has an expectation", "e"),
}
MUTATING_MARK = Mark("⚠", "changes things", "!")

#: Runbook sections whose steps that change things are attempts at mitigating (``## Mitigation: scale``...)
MITIGATING_SECTIONS = ("mitigation", "rollback", "resolution")


def run_kind(mutating: bool, section: str | None, read: str = "read-only", phase: str | None = None) -> str:
    """What a run was, as the PIR and a stakeholder update say it: ``read`` for one that changes nothing; one that
    changes things is a ``mitigation attempt`` when its runbook section is a mitigation's (or is not known: no runbook
    to say otherwise), else the checklist's word for it with its section (``changes things, Communication``): a Slack
    notice and a flow's retry are no attempt at mitigating (redteam43 R14: "Step 15 (Tell #ops-alerts ...,
    mitigation attempt)")."""
    if not mutating:
        return read
    if not section or section.lower().startswith(MITIGATING_SECTIONS):
        return "mitigation attempt"
    from warroom.runbook.phases import phase_for     # a heading's words: most processes marking steps never read one

    if phase == "mitigate" and phase_for(section, leading_only=True) is None:
        # a sub-section naming no phase of its own under a mitigating one, its phase as journaled (``Step.phase``):
        # "### One provider down: make sure traffic avoids it" under "## Mitigation" (attack43 A19)
        return "mitigation attempt"
    return f"{MUTATING_MARK.word}, {section}"


def step_sections(books: Any) -> dict[tuple[str, str], str]:
    """(runbook id, step id) -> the step's runbook section, over ``books`` (``run_kind``'s section)."""
    return {(rb.id, s.id): s.section for rb in books for s in rb.steps}


def step_state(status: str, verdict: Verdict | None, gate: str | None = None) -> str:
    """The state a step is shown in: its journaled status, except that an ``ok`` run whose
    expectation was not met is ``unmet``, and one whose numeric expectation ("below 1") the
    output could not decide is ``unchecked`` — neither wears the ✔ of a run that did its job.
    (A prose expectation, "the revision list", is the reader's to judge: ✔ with a ? beside it.)

    ``gate`` is the status of the step's verify gate for this run as of the look
    (``warroom.incident.gates``): a mitigation whose gate FAILED did not do what the runbook said
    it would, and one whose gate is still watching is not done yet, so neither wears the ✔ either.
    A gate still open past its window (``lapsed``: the ``incident run`` that watched it was killed,
    no outcome journaled) is ``unsettled``: nobody is watching it any more, so it is not
    "verifying", and nothing confirmed the mitigation, so it is not verified either. A gate that
    passed on a measure within its line since before the step ran (``held before``,
    ``gate_evidence.held_before``) is ``held_before``: the step ran, but nothing shows it worked. A run
    whose step ran again before its gate had an outcome (``superseded``) is judged by the re-run's
    gate, never "unsettled": nothing will ever settle it (one gate per step is watched)."""
    if status == "ok" and gate == "failed":
        return "unverified"
    if status == "ok" and verdict is not None and verdict.state == "unmet":
        return "unmet"
    if status == "ok" and verdict is not None and verdict.state == "unchecked" and verdict.kind == "numeric":
        return "unchecked"
    if status == "ok" and gate == "pending":
        return "verifying"
    if status == "ok" and gate == "lapsed":
        return "unsettled"
    if status == "ok" and gate == HELD:
        return "held_before"
    if status == "ok" and gate == SUPERSEDED:
        return "superseded"
    return status


def checklist_state(st: Any, gate: Any = None) -> str:
    """A step record's state as its checklist row shows it: ``step_state`` over its journaled
    status, its latest run's verdict and the status of its verify gate (``gates.gate_states``; a
    ``GateState``, judged as of the look that read it, or its status). ``st`` None: a step nobody
    touched, ``pending``.
    One rule for every view that counts or names a runbook's steps (the checklist, ``incident
    show`` and its --json, the handoff brief, a GO's progress, the PIR's failed steps, the drill
    report's runbook path), so none calls ``ok`` a run the others mark ≠.
    ``tests/unit/test_one_step_rule.py`` fails on any other module judging a step itself."""
    if st is None:
        return "pending"
    return step_state(st.status, run_verdict(st.last_run), getattr(gate, "shown", gate))


def run_state(run: Any, gate: str | None = None) -> str:
    """One journaled run's state (``StepRun``), by the same rule: for the views that list runs, not
    steps (the PIR's commands table, the timeline's mark, a stakeholder draft's actions); ``gate``:
    the status of the verify gate that judged this run (``gates.run_gates``)."""
    return step_state(run.status, run_verdict(run), gate)


def state_word(state: str) -> str:
    """The checklist's word for a state (``ran, expectation not met`` …); one not in the
    vocabulary is said as it is journaled, underscores as spaces."""
    mark = STEP_MARKS.get(state)
    return mark.word if mark is not None else state.replace("_", " ")


def run_word(status: str, verdict: Verdict | None, gate: str | None = None) -> str:
    """How a finished run is named before its exit code: ``ran`` (not ``ok``) when it exited 0 but
    its state says it did not do its job and the verdict's words follow (``expectation NOT met:
    …``), else the checklist's word for its state (``ok``, ``failed``, ``timed out``, and with no
    verdict to follow ``ran, verify gate FAILED``): the timeline's ``Step 3 ran, exit 0, …,
    expectation NOT met``, the PIR's timeline row and ``incident run``'s closing line say the same
    word for the same run. ``gate``: the status of the verify gate that judged it, when known."""
    state = step_state(status, verdict, gate)
    return "ran" if state != status and verdict is not None else state_word(state)


def run_verdict(run: Any) -> Verdict | None:
    """The verdict of a journaled run (``StepRun``), None when it expected nothing."""
    return verdict_of(run) if run is not None else None


def describe_verdict(verdict: Verdict | None) -> str:
    """``expectation NOT met: the output holds 12 (wanted 0)``; '' when nothing was expected."""
    if verdict is None:
        return ""
    word = EXPECT_MARKS[verdict.state].word
    return f"{word}: {verdict.reason}" if verdict.reason else word
