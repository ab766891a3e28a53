"""Where each step's verify gate stands, read from the journal's ``verify.*`` events.

The dashboard's header shows a gate line (``VERIFY step 22 · now 15.2% · want < 1% …``, then
``✔ passed at 0.8%`` or ``✖ FAILED: …``). ``warroom incident show`` must say the same thing
about the same step, so both read the gate's state from here: the last ``verify.*`` event of a
step, as long as it belongs to the step's latest run (a gate journaled before the step was run
again says nothing about the new run).

A gate is read *as of a moment* (``now``, the look's clock: scenario time in a drill): a gate
still open past its window (``lapsed``) was left by a watcher that stopped (an ``incident run``
killed while it waited); no outcome is journaled and nobody is watching it. Every view that marks
a step asks ``gate_states(state, now)`` / ``run_gates(state, now)`` — ``now`` has no default, so
none can forget it — and ``marks.step_state`` shows such a step as ``unsettled``, never
"verifying" and never verified.

A gate that passed on a measure that already met its line when its step started, and was never
seen past it until the pass (``held_before``: the fault may not have arrived yet), proves nothing
about the step: it is shown ``held before`` (``HELD``), never "passed", and is not mitigation.
Every view takes that status and its sentence (``held_words``) from here.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from warroom.journal import events as ev
from warroom.runbook.gate import measure_words
from warroom.paths import command
from warroom.sources.verify import STARTED_SEQ

GATE_WORDS: dict[str, str] = {ev.VERIFY_STARTED: "pending", ev.VERIFY_PASSED: "passed",
                              ev.VERIFY_FAILED: "failed"}
LAPSED = "lapsed"
"""A gate's status as a look shows it when it is still open (``pending`` in the journal) past its
window: no outcome, nobody watching."""
SUPERSEDED = "superseded"
"""A run's gate as a look shows it when its step ran again, and journaled a gate of its own, before
this one had an outcome: the journal says so (``verify.superseded``, written with the re-run's gate:
:func:`superseding`), so nobody watches, settles or counts it; the re-run's gate judges the step from
then on. (A journal from before that event: ``sources.verify.open_gates`` keeps the newest of a step's
gates on one expression, and ``run_gates`` infers it.)"""
HELD = "held before"
"""A gate's status as a look shows it when it passed (``passed`` in the journal) on a measure that
met its line from its step's start to the pass (``held_before``): no evidence the step worked."""


@dataclass(frozen=True)
class GateState:
    """One step's verify gate as the journal has it now."""

    runbook_id: str
    step: int | None
    step_id: str
    expr: str
    status: str                 # pending | passed | failed
    seq: int                    # the journal event that settled (or opened) it
    at: datetime | None
    deadline: str | None        # ISO time the gate gives up (from ``verify.started``)
    value: str | None           # the value it passed or failed at, with the pane's unit
    reason: str | None          # why it failed, or how a pass was confirmed
    lapsed: datetime | None = None   # open past its window at the look's now: when the window ended
    title: str = ""                  # what it watches in words (a named query's or pane's title;
                                     # "" in journals written before gates carried it)
    unit: str | None = None
    wanted: str = ""                 # "< 10%"
    hold: float = 0.0                # seconds (scenario seconds in a drill, as written)
    measure: str | None = None       # the runbook's query name, when it watches one
    query: str | None = None         # the PromQL it evaluates
    held_before: str | None = None   # a pass's measure when the step started, when it met the line
                                     # then and never left it until the pass (``held_before``)
    run_seq: int | None = None       # the run it judges: its step's last run started before it opened
    run_at: datetime | None = None   # when that run started
    latest: bool = True              # that run is its step's latest (False: a later run failed, opening none)
    lifted_by: tuple[str, ...] = ()  # the steps that end what it confirms on purpose (``relapse``), as journaled
    mitigates: bool = True           # False: it checks its step took effect; its pass is no mitigation (fence
                                     # ``mitigates=false``, as journaled: ``passes_mitigate``)

    @property
    def of_run(self) -> str:
        """``run at 22:44:41 UTC`` for a gate of an earlier run than its step's latest (which failed and opened no
        gate of its own, so this one still judges what the step did: ``gate_states``), '' for the latest run's: every
        view says which run the gate line is about, never reads it as the failed run's (attack43 A12)."""
        return f"run at {self.run_at:%H:%M:%S} UTC" if not self.latest and self.run_at is not None else ""

    @property
    def what(self) -> str:
        """What the gate asks, in words: ``429 share (worst provider) < 10% for 2m``; the gate
        as written for a journal from before gates carried their words."""
        return measure_words(self.title, self.wanted, self.hold) if self.title and self.wanted else self.expr

    def started_data(self) -> dict[str, Any]:
        """The ``verify.started`` fields a watcher needs to evaluate this gate as it was opened
        (``warroom.sources.verify.journaled_gate``)."""
        return {"expr": self.expr, "title": self.title, "unit": self.unit, "query": self.query,
                **({"measure": self.measure} if self.measure else {})}

    @property
    def shown(self) -> str:
        """The status as the look shows it: the journal's word, ``lapsed`` (open past its window at
        the look's ``now``) or ``held before`` (a pass that proves nothing: ``held_before``); what
        ``marks.checklist_state`` judges a step by and what the header's gate line says."""
        if self.lapsed is not None:
            return LAPSED
        return HELD if self.status == "passed" and self.held_before is not None else self.status

    def window_ended(self, now: datetime) -> datetime | None:
        """When the window of a gate still open at ``now`` ended, None while it runs (or once it
        has an outcome). A gate open past its window was left by a watcher that stopped (an
        ``incident run`` killed while it waited): it is not pending, nobody is watching it."""
        return window_ended(self.deadline, now) if self.status == "pending" else None

    def describe(self, now: datetime | None = None, incident_id: str = "ID") -> str:
        """``verify pending: failure_rate < 1 within 15m`` / ``verify passed at 0.8%: …`` /
        ``verify FAILED: reason: …`` — the words the header's gate line uses. Given ``now``, a gate
        whose window ended with no outcome journaled says so, and what settles it (the dashboard,
        or the next ``incident run``: ``warroom.sources.verify.settle_open`` over the metric
        history), never "pending"."""
        ended = self.window_ended(now) if now is not None else self.lapsed
        if self.of_run:       # "verify (run at 22:44:41 UTC) passed at 0.1% (…)": never read as the latest run's
            said = replace(self, latest=True).describe(now, incident_id)
            return f"verify ({self.of_run}){said.removeprefix('verify')}"
        if self.shown == HELD:
            return f"verify {held_line(self.held_before, self.value)} ({self.what})"
        if self.status == "passed":
            head = f"verify passed at {self.value}" if self.value else "verify passed"
            if not self.mitigates:
                return f"{head} ({self.what}): {CHECK_ONLY}"
        elif self.status == "failed":
            head = "verify FAILED" + (f": {self.reason}" if self.reason else "")
        elif ended is not None:
            return (f"verify window ended {ended:%H:%M:%S} UTC with no outcome ({self.what}):"
                    f" {unsettled(incident_id)}")
        else:
            end = window_end(self.deadline)
            head = "verify pending" + (f", window ends {end:%H:%M:%S} UTC" if end is not None else "")
        return f"{head} ({self.what})"

    def to_json(self) -> dict[str, Any]:
        return {"runbook_id": self.runbook_id, "step": self.step, "step_id": self.step_id, "expr": self.expr, "status": self.status,
                "seq": self.seq, "at": self.at.isoformat() if self.at else None, "deadline": self.deadline,
                "value": self.value, "reason": self.reason, "what": self.what, "title": self.title or None,
                "unit": self.unit, "wanted": self.wanted or None, "hold": self.hold, "measure": self.measure,
                "query": self.query, "shown": self.shown, "held_before": self.held_before,
                "evidence": self.status == "passed" and self.held_before is None, "run_seq": self.run_seq,
                "run_at": self.run_at.isoformat() if self.run_at else None, "latest_run": self.latest}


def window_end(deadline: Any) -> datetime | None:
    """A gate's journaled ``deadline`` (ISO) as a time, None when none was journaled."""
    if not deadline:
        return None
    try:
        end = datetime.fromisoformat(str(deadline).replace("Z", "+00:00"))
    except ValueError:
        return None
    return end if end.tzinfo is not None else end.replace(tzinfo=UTC)


def window_ended(deadline: Any, now: datetime) -> datetime | None:
    """When a gate's window (its journaled ``deadline``, ISO) ended, if ``now`` is past it; None
    while it runs or when no deadline was journaled."""
    end = window_end(deadline)
    return end if end is not None and now >= end else None


def unsettled(incident_id: str) -> str:
    """What a gate open past its window is, and what settles it (``warroom.sources.verify.
    settle_open``, which the dashboard and ``incident run`` call first): one sentence for every
    view that lists gates."""
    return (f"its watcher stopped; `{command('resume', incident_id)}` or the next"
            f" `{command('incident', 'run', incident_id, 'STEP')}` settles it from the metric history")


def journaled_words(d: dict[str, Any]) -> dict[str, Any]:
    """The words a gate event carries (``VerifyGate.words``; none in older journals) as
    ``GateState`` fields."""
    hold = d.get("hold")
    return {"title": str(d.get("title") or ""), "unit": str(d["unit"]) if d.get("unit") else None,
            "wanted": str(d.get("wanted") or ""),
            "hold": float(hold) if isinstance(hold, (int, float)) and not isinstance(hold, bool) else 0.0,
            "measure": str(d["measure"]) if d.get("measure") else None,
            "query": str(d["query"]) if d.get("query") else None,
            "lifted_by": tuple(str(n) for n in d.get("lifted_by") or () if n) if isinstance(d.get("lifted_by"), list)
            else (),
            "mitigates": d.get("mitigates") is not False}


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


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _own(v: dict[str, Any]) -> int | None:
    """The ``verify.started`` seq an outcome names (:data:`STARTED_SEQ`), None in older journals."""
    own = v.get(STARTED_SEQ)
    return own if isinstance(own, int) and not isinstance(own, bool) else None


def opened_by(verifications: list[dict[str, Any]], outcome: dict[str, Any]) -> dict[str, Any] | None:
    """The ``verify.started`` an outcome settles: the one it names (:data:`STARTED_SEQ`: two gates of one step can
    be open at once, attack42 A14); for an outcome journaled before outcomes named it, the last start of its step
    (and runbook) before it. The one rule the PIR's citations and a pass's ``held_before`` read."""
    own = _own(outcome)
    if own is not None:
        return next((v for v in verifications if v.get("seq") == own and v.get("type") == ev.VERIFY_STARTED), None)
    seq = int(outcome.get("seq") or 2**62)
    key = (str(outcome.get("runbook_id") or ""), str(outcome.get("step_id")))
    return next((v for v in reversed(verifications) if v.get("type") == ev.VERIFY_STARTED
                 and int(v.get("seq") or 0) < seq and (str(v.get("runbook_id") or ""), str(v.get("step_id"))) == key),
                None)


def open_gates(state: Any) -> list[dict[str, Any]]:
    """``verify.started`` events with no outcome yet, from the state (as ``sources.verify.open_gates`` reads
    events): an outcome settles the start it names, an older one the gate of its step and expression."""
    opened: dict[tuple[str, str, str], dict[str, Any]] = {}
    for v in state.verifications:
        key = (str(v.get("runbook_id") or ""), str(v.get("step_id")), str(v.get("expr")))
        if v.get("type") == ev.VERIFY_STARTED:
            opened[key] = v
        elif (own := _own(v)) is not None:
            opened = {k: o for k, o in opened.items() if o.get("seq") != own}
        else:
            opened.pop(key, None)
    return list(opened.values())


def superseding(state: Any, runbook_id: str, step_id: str) -> dict[str, Any] | None:
    """The ``verify.superseded`` due for step ``(runbook_id, step_id)`` (None: none): an open gate of the step that
    opened before the step ran again, when that re-run has opened a gate of its own. Re-running a gated step while its
    gate still watches hands the verdict to the re-run's gate (attack42 A14: both stayed open, the dashboard watched
    the newer and settled the older on a later view, and nothing said one had given way to the other). Two gates of
    one run (no re-run between them) are each their own, settled by their own start."""
    def mine(v: dict[str, Any]) -> bool:
        return str(v.get("step_id") or "") == step_id and str(v.get("runbook_id") or "") in ("", runbook_id)

    starts = [v for v in state.verifications if v.get("type") == ev.VERIFY_STARTED and mine(v)]
    if len(starts) < 2:
        return None
    newest = max(starts, key=lambda v: int(v.get("seq") or 0))
    st = state.steps.get((runbook_id, step_id)) if runbook_id else next(
        (s for k, s in state.steps.items() if k[1] == step_id), None)
    runs = sorted((r for r in (st.runs if st is not None else ()) if r.seq), key=lambda r: int(r.seq))
    for old in (g for g in _unsettled(state.verifications)
                if mine(g) and int(g.get("seq") or 0) < int(newest.get("seq") or 0)):
        # the re-run that opened the newest gate: the step's last run before it (attack43 A5: the first run after the
        # old gate was named, which had failed and opened none)
        rerun = next((r for r in reversed(runs) if int(old.get("seq") or 0) < int(r.seq) < int(newest.get("seq") or 0)),
                     None)
        if rerun is not None:
            return {"step": old.get("step"), "step_id": step_id, **({"runbook_id": runbook_id} if runbook_id else {}),
                    "expr": old.get("expr"), STARTED_SEQ: int(old.get("seq") or 0), "by_seq": int(newest["seq"]),
                    "rerun_seq": int(rerun.seq), "rerun_at": rerun.started_at.isoformat()}
    return None


def superseded_words(d: dict[str, Any]) -> str:
    """``superseded by the re-run at 14:01:05 UTC``: what a ``verify.superseded`` (its data) says of the gate it
    closed, in every view (the timeline, ``incident run`` watching it, the dashboard)."""
    rerun = window_end(d.get("rerun_at"))
    return f"superseded by the re-run at {rerun:%H:%M:%S} UTC" if rerun is not None else "superseded by the re-run"


def _unsettled(verifications: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every ``verify.started`` nothing closed, by its own seq (``open_gates`` keeps one per step and expression):
    an outcome or a superseding closes the start it names, an older outcome the last open start of its step and
    expression."""
    opened: dict[int, dict[str, Any]] = {}

    def key(v: dict[str, Any]) -> tuple[str, str, str]:
        return str(v.get("runbook_id") or ""), str(v.get("step_id")), str(v.get("expr"))

    for v in sorted(verifications, key=lambda v: int(v.get("seq") or 0)):
        if v.get("type") == ev.VERIFY_STARTED:
            opened[int(v.get("seq") or 0)] = v
        elif (own := _own(v)) is not None:
            opened.pop(own, None)
        elif last := [s for s, o in opened.items() if key(o) == key(v)]:
            del opened[max(last)]
    return list(opened.values())


def _owner(state: Any, step_id: str, seq: int) -> tuple[str, Any]:
    """The runbook whose step ``step_id`` ran last before journal event ``seq`` (a gate opens
    after its step ends ok; ``verify.*`` events name the step, not its runbook), and that step's
    state. Two runbooks attached in turn may both have a step with this id."""
    best: tuple[int, str, Any] | None = None
    for (rb, sid), st in state.steps.items():
        if sid != step_id:
            continue
        started = [int(r.seq or 0) for r in st.runs if int(r.seq or 0) < seq]
        if started and (best is None or max(started) > best[0]):
            best = (max(started), rb, st)
    if best is not None:
        return best[1], best[2]
    current = str((state.runbook or {}).get("id") or "")
    return current, state.steps.get((current, step_id))


def gate_states(state: Any, now: datetime) -> dict[tuple[str, str], GateState]:
    """Each step's gate whose outcome counts as of ``now``, by (runbook id, step id): the gate its latest run that
    opened one opened, with that run (``run_seq``, ``run_at``, ``latest``). Steps that never had a gate are absent,
    and so is a gate once a later run of its step ended ok: that run owes a gate of its own (``later_owes``). A later
    run that failed (or still runs) opens none, so the earlier gate still judges what the step did to the world: it is
    watched, settled and counted (``GateJournal``, the ``mitigated`` it backs), and every view shows it, saying its run
    (``of_run``; attack43 A12: the dashboard's gate line left while the journal and the PIR counted it). A gate open
    past its window at ``now`` carries ``lapsed`` (its ``shown`` status)."""
    out: dict[tuple[str, str], GateState] = {}
    started: dict[tuple[str, str], dict[str, Any]] = {}
    keyed: dict[int, tuple[str, str]] = {}     # verify.started seq -> its step
    for v in sorted(state.verifications, key=lambda v: int(v.get("seq") or 0)):
        step_id = str(v.get("step_id") or "")
        kind = str(v.get("type") or "")
        if not step_id or kind not in GATE_WORDS:
            continue
        seq = int(v.get("seq") or 0)
        named = str(v.get("runbook_id") or "")     # gate events name their runbook (older ones did not)
        own = _own(v)
        if kind == ev.VERIFY_STARTED:
            rb = named or _owner(state, step_id, seq)[0]
            started[(rb, step_id)] = v
            keyed[seq] = (rb, step_id)
        elif own is not None and own in keyed:      # the outcome of the gate it names
            rb = keyed[own][0]
            if int(started[keyed[own]].get("seq") or 0) != own:
                continue       # an earlier gate of the step, opened again since: the step's gate is the later one
        elif named:
            rb = named
        else:     # the outcome of the gate of this step opened last
            opened = [k for k in started if k[1] == step_id]
            rb = max(opened, key=lambda k: int(started[k].get("seq") or 0))[0] if opened \
                else _owner(state, step_id, seq)[0]
        key = (rb, step_id)
        first = started.get(key, {})
        step = v.get("step")
        settled = kind != ev.VERIFY_STARTED
        out[key] = GateState(
            runbook_id=rb, step=int(step) if isinstance(step, int) or str(step).isdigit() else None,
            step_id=step_id, expr=str(v.get("expr") or first.get("expr") or ""),
            status=GATE_WORDS[kind], seq=seq, at=v.get("at"), deadline=_text(first.get("deadline")),
            value=_text(v.get("value_text") if v.get("value_text") is not None else v.get("value"))
            if settled else None,
            reason=_text(v.get("reason") or v.get("how")) if settled else None,
            lapsed=None if settled else window_ended(first.get("deadline"), now),
            held_before=_text((held_of(state.verifications, first, v) or {}).get("value_text"))
            if kind == ev.VERIFY_PASSED else None,
            **journaled_words(first or v))
    for key, gate in list(out.items()):
        st = state.steps.get(key)
        runs = [r for r in (st.runs if st is not None else ()) if getattr(r, "seq", None)]
        opened_seq = int(started.get(key, {}).get("seq") or gate.seq)
        later = [r for r in runs if int(r.seq) > opened_seq]
        if later_owes(later):
            del out[key]   # a later run ended ok: its own gate judges the step (opened, or on its way)
            continue
        mine = [r for r in runs if int(r.seq) < opened_seq]
        if mine:
            out[key] = replace(gate, run_seq=int(mine[-1].seq), run_at=mine[-1].started_at, latest=not later)
    return out


def later_owes(later: list[Any]) -> bool:
    """Whether runs of a step after its gate opened (``later``) take the step's verdict from that gate: one that ended
    ok owes a gate of its own (opened, or on its way), so the earlier gate is history; one that failed, timed out or
    was cancelled opens none, and one still running has not ended: the earlier gate judges what the step did."""
    return any(getattr(r, "status", "") == "ok" for r in later)


def run_gates(state: Any, now: datetime, checks: set[int] | None = None) -> dict[int, str]:
    """The status of the verify gate that judged each run as of ``now`` (pending | lapsed |
    passed | held before | failed | superseded: its step ran again before it had an outcome), by
    the run's journal seq: a gate belongs to the run of its step that ended last before it opened,
    so an earlier run keeps its own outcome after the step ran again (the PIR lists every run;
    ``gate_states`` keeps only the latest run's gate, which is what the checklist shows). ``checks``, when given,
    gets the runs whose gate only checks that its step took effect (fence ``mitigates=false``)."""
    out: dict[int, str] = {}
    opened: dict[tuple[str, str], int] = {}   # (runbook, step id) -> the run whose gate opened last
    last: dict[str, tuple[str, str]] = {}     # step id -> the key opened last (events naming no runbook)
    first: dict[tuple[str, str], dict[str, Any]] = {}   # (runbook, step id) -> its gate's ``verify.started``
    runs: dict[int, tuple[int, dict[str, Any]]] = {}    # verify.started seq -> (its run, the start)
    newest: dict[int, int] = {}                          # run -> the seq of its gate opened last
    for v in sorted(state.verifications, key=lambda v: int(v.get("seq") or 0)):
        step_id = str(v.get("step_id") or "")
        kind = str(v.get("type") or "")
        if kind == ev.VERIFY_SUPERSEDED and (own := _own(v)) is not None and own in runs \
                and newest.get(runs[own][0]) == own:
            out[runs[own][0]] = SUPERSEDED      # the journal says it gave way to the re-run's gate
            continue
        if not step_id or kind not in GATE_WORDS:
            continue
        named = str(v.get("runbook_id") or "")
        if kind == ev.VERIFY_STARTED:
            seq = int(v.get("seq") or 0)
            rb, st = (named, state.steps.get((named, step_id))) if named else _owner(state, step_id, seq)
            earlier = [int(r.seq or 0) for r in (st.runs if st is not None else []) if int(r.seq or 0) < seq]
            if not earlier:
                continue
            prev = opened.get((rb, step_id))
            if prev is not None and prev != max(earlier) and out.get(prev) in ("pending", LAPSED):
                out[prev] = SUPERSEDED      # its step ran again: the re-run's gate is the one watched
            opened[(rb, step_id)] = max(earlier)
            last[step_id] = (rb, step_id)
            first[(rb, step_id)] = v
            runs[seq] = (max(earlier), v)
            newest[max(earlier)] = seq
            if checks is not None and v.get("mitigates") is False:
                checks.add(max(earlier))
        elif (own := _own(v)) is not None and own in runs:      # the outcome of the gate it names
            run_seq, start = runs[own]
            if newest.get(run_seq) == own:      # not a gate of the run opened again since: that one judges it
                held = kind == ev.VERIFY_PASSED and held_of(state.verifications, start, v) is not None
                out[run_seq] = HELD if held else GATE_WORDS[kind]
            continue
        key = (named, step_id) if named else last.get(step_id, ("", step_id))
        run_seq = opened.get(key)
        if run_seq is not None:
            lapsed = kind == ev.VERIFY_STARTED and window_ended(v.get("deadline"), now) is not None
            held = kind == ev.VERIFY_PASSED and held_of(state.verifications, first.get(key), v) is not None
            out[run_seq] = LAPSED if lapsed else HELD if held else GATE_WORDS[kind]
    return out
