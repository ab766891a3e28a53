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
Every view takes that status and its sentence (``held_words``) from ``gate_evidence``; the
journal's ``verify.*`` events are read (which start an outcome settles, which gates are open or
superseded) by ``verify_events``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from warroom.incident.gate_evidence import CHECK_ONLY, HELD, held_line, held_of
from warroom.incident.verify_events import (_own, _owner, _text, journaled_words, unsettled, window_end,
                                            window_ended)
from warroom.journal import events as ev
from warroom.runbook.gate import measure_words

GATE_WORDS: dict[str, str] = {ev.VERIFY_STARTED: "pending", ev.VERIFY_PASSED: "passed",
                              ev.VERIFY_FAILED: "failed"}
LAPSED = "lapsed"
"""A gate's status as a look shows it when it is still open (``pending`` in the journal) past its
window: no outcome, nobody watching."""
SUPERSEDED = "superseded"
"""A run's gate as a look shows it when its step ran again, and journaled a gate of its own, before
this one had an outcome: the journal says so (``verify.superseded``, written with the re-run's gate:
:func:`~warroom.incident.verify_events.superseding`), so nobody watches, settles or counts it; the re-run's gate
judges the step from then on. (A journal from before that event: ``sources.verify.open_gates`` keeps the newest of a
step's gates on one expression, and ``run_gates`` infers it.)"""


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
