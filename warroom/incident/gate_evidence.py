"""Whether a gate's pass is evidence the step mitigated: a pass on a measure that already held when its step
started (``held before``) proves nothing, and a gate that only checks its step took effect (``mitigates=false``)
is no mitigation however it passed.

Its own module because the state (``reducers.monitoring``), every view of a gate (``gates.GateState``) and the
verdicts read these one way, in one set of words.
"""

from __future__ import annotations

from typing import Any

from warroom.incident.verify_events import _own, _text, journaled_words, opened_by
from warroom.journal import events as ev
from warroom.runbook.gate import measure_words

HELD = "held before"
"""A gate's status as a look shows it when it passed (``passed`` in the journal) on a measure that
met its line from its step's start to the pass (``held_before``): no evidence the step worked."""

#: what a pass of a gate that checks only its step (fence ``mitigates=false``) is, in every view's words
CHECK_ONLY = "the step took effect; not the mitigation (the harm is judged by a later step's gate or the panes)"


def passes_mitigate(verifications: list[dict[str, Any]], passed: dict[str, Any]) -> bool:
    """Whether the pass ``passed`` (``verify.passed``'s data) can be the incident's mitigation: not when its gate
    only checks that its step took effect (fence ``mitigates=false``, journaled with the gate's words: redteam51 R1,
    RB-CORE-003's breaker gate passed on the 429 share and every view said MITIGATED while flows kept failing on the
    refusals until the routing step). Read from the pass and from the gate's opening alike, so a pass journaled
    without the words (an older journal, a settle) follows how the gate was opened."""
    opened = opened_by(verifications, passed)
    return passed.get("mitigates") is not False and (opened or {}).get("mitigates") is not False


def held_before(started: dict[str, Any] | None, passed: dict[str, Any] | None) -> dict[str, Any] | None:
    """The measure at its step's start (``verify.started``'s ``before``) when the pass ``passed``
    (``verify.passed``'s data) proves nothing: the measure already met the gate's comparison then
    and no check saw it past the line before the pass (``outside``). Else None: it was past the
    line at the start, or went past it after (the fault arrived) and came back, which is the
    recovery a gate is there to see. One rule for the state (such a pass is not "mitigated",
    ``reducers.monitoring``) and every view of the gate (``GateState.shown``, ``held_words``)."""
    before = (started or {}).get("before")
    if not isinstance(before, dict) or before.get("holds") is not True:
        return None
    return None if isinstance((passed or {}).get("outside"), dict) else before


def streak_start(verifications: list[dict[str, Any]], start: dict[str, Any] | None) -> dict[str, Any] | None:
    """The ``verify.started`` of the first gate of the streak ``start`` ends: each ``verify.superseded`` followed back
    from the gate that took over (``by_seq``) to the one it closed. A re-run while the step's gate still watched is the
    same fix typed again; its gate judges the step from its first run, so whether a pass ``held before`` reads the
    measure when that first run started (attack43 A13: the fix re-run once it had worked, the re-run's gate opened on
    the recovered measure and the record said "held before the step … no evidence the step worked")."""
    if start is None:
        return None
    closed: dict[int, int] = {}       # the gate that took over -> the earliest gate it closed
    starts: dict[int, dict[str, Any]] = {}
    for v in verifications:
        if v.get("type") == ev.VERIFY_STARTED:
            starts[int(v.get("seq") or 0)] = v
        elif v.get("type") == ev.VERIFY_SUPERSEDED and isinstance(by := v.get("by_seq"), int) \
                and (own := _own(v)) is not None:
            closed[by] = min(own, closed.get(by, own))
    for _ in range(len(closed) + 1):       # bounded: each step back goes to an earlier seq
        back = closed.get(int(start.get("seq") or 0))
        if back is None or back not in starts:
            break
        start = starts[back]
    return start


def held_of(verifications: list[dict[str, Any]], started: dict[str, Any] | None,
            passed: dict[str, Any] | None) -> dict[str, Any] | None:
    """``held_before`` of a pass, read from the start of its gate's streak (``streak_start``): the one rule every view
    and the state take."""
    return held_before(streak_start(verifications, started), passed)


def before_at(state: Any, key: tuple[str, str], started: float | None) -> float | None:
    """When the "before" of the gate opened by a run of step ``key`` that started at ``started`` (unix) is read
    (``held_before`` judges the gate by it): the run's start or, in a drill, the first moment the step's own action
    took effect typed by hand in the drill shell before that run (``IncidentState.hands``' ``typed``; the credit
    "typed by hand …, not verified" advises running the step through warroom to open its gate). attack51 A7: the
    routing typed by hand, then run through warroom as advised, opened its gate on the measure the typing had already
    brought back ("held before the step"), and Time to mitigate was never met though the fix was this very step's
    action. Only the step's first gate: a later run's gate judges that run from its start (a re-run's gate held
    before adds no evidence, ``gate_reading.counted_gates``). A typing the credit refuses (a look-alike, another step's
    action) moves nothing; a measure already within its line at the typed moment still reads "held before". A typing
    stands for the run only while what it made still stood at the run's start (``Done.until``, the rule of what undoes
    a run, ``reversals.Reversals``): attack52 F1, the routing typed then switched off by hand, a look-alike then
    bringing the rate back, dated the "before" at the undone typing and credited the look-alike's recovery to step 10.
    Typed, undone, typed again: the moment of the typing that still stood."""
    hands = getattr(state, "hands", None)
    if started is None or hands is None:
        return started
    if any(v.get("type") == ev.VERIFY_STARTED and str(v.get("step_id") or "") == key[1]
           and str(v.get("runbook_id") or key[0]) == key[0] for v in state.verifications):
        return started
    return min([started, *(d.at for d in hands.typed(state).get(key, ()) if d.at < started < d.until)])


def held_words(before: Any) -> str:
    """Why a gate ``held before`` is no evidence, in the words every view uses (``before``: the
    measure when the step started, as shown with its unit)."""
    return (f"it already held when the step started ({before}) and never broke since: no evidence the step"
            " worked, not counted as mitigated")


def held_line(before: Any, value: Any = None) -> str:
    """A gate ``held before``, as ``incident show``, the brief and ``incident run`` say its outcome:
    ``held before the step (now 1.5%): it already held when the step started (6.73%) and …``."""
    return f"{HELD} the step{f' (now {value})' if value else ''}: {held_words(before)}"


def held_gates(state: Any) -> list[str]:
    """Every pass in the journal that proves nothing (``held_before``), each as ``the verify gate of
    step 6 (429 share (worst provider) < 10% for 2m) already held when the step started (6.73%) and
    never broke since``: why no gate made the incident mitigated (``verdicts``, the brief). Not a gate that only
    checks its step took effect (``mitigates=false``): even a clean pass of it could not have (attack51 A5: the
    breaker's gate named as why rate-limit was not mitigated, when the routing had not run)."""
    opened: dict[tuple[str, str], dict[str, Any]] = {}
    out: list[str] = []
    for v in sorted(state.verifications, key=lambda v: int(v.get("seq") or 0)):
        key = (str(v.get("runbook_id") or ""), str(v.get("step_id") or ""))
        if v.get("type") == ev.VERIFY_STARTED:
            opened[key] = v
        elif v.get("type") == ev.VERIFY_PASSED and passes_mitigate(state.verifications, v) and \
                (before := held_of(state.verifications, opened.get(key), v)) is not None:
            words = journaled_words(opened.get(key) or v)
            what = measure_words(words["title"], words["wanted"], words["hold"]) \
                if words["title"] and words["wanted"] else str(v.get("expr") or "")
            out.append(f"the verify gate of step {v.get('step') or key[1]} ({what}) already held when the step"
                       f" started ({before.get('value_text') or _text(before.get('value'))}) and never broke since")
    return out


def held_said(held: list[str]) -> str:
    """``held_gates`` as one clause: why a gate passed and the incident is still not mitigated
    (the response verdict's and the catch-up brief's words)."""
    return f"{'; '.join(held)} (no evidence the step worked)"
