"""One verify gate per step run and one outcome per gate, however many watchers (A24-3).

A step's gate is watched by whoever ran it (``incident run`` waits on it, the dashboard watches
the steps it runs), but the dashboard also follows a run another process started and, when that
run ended ok, opened a gate of its own: one run, two ``verify.started`` and two outcomes in the
journal (seen: "passed at 0.182%" and "passed at 0.178%" a second apart; they could as well have
disagreed), twice in the brief and the PIR. ``warroom.sources.verify`` promises exactly one
outcome per gate.

So every gate event a watcher writes goes through :class:`GateJournal`, which decides under the
journal's lock (``Incident.append_once``: the judgement and the append tied to one journal head,
across processes and hosts): a ``verify.started`` only while the step's latest run has no gate
yet; an outcome only while that gate is open. A second watcher does not open a gate of its own:
it watches the one the journal has (its start and deadline, :meth:`GateJournal.recorded`), and
when the other watcher settles it first, what it reports is the journal's outcome
(:meth:`GateJournal.outcome`), not its own look. A re-run's gate, once journaled, supersedes an older
gate of its step still open (``verify.superseded``): that one is never settled afterwards.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from warroom.incident.gates import GateState, gate_states
from warroom.incident.verify_events import open_gates, superseding
from warroom.journal import events as ev
from warroom.sources.httpjson import parse_time
from warroom.sources.verify import STARTED_SEQ, OpenGate, VerifyCheck

if TYPE_CHECKING:
    from warroom.incident.session import Incident
    from warroom.incident.state import IncidentState

_OUTCOMES = (ev.VERIFY_PASSED, ev.VERIFY_FAILED)


def run_gate(state: IncidentState, runbook_id: str, step_id: str, now: datetime) -> GateState | None:
    """The gate of the step's latest run, as the journal has it (None: that run has none yet).
    An event naming no runbook (older journals) is about the step of that id that ran last.
    Writers judge by its journaled ``status``: a gate open past its window at ``now`` (``lapsed``)
    is still open in the journal, and settling it after the fact writes its outcome."""
    gates = gate_states(state, now)
    gate = gates.get((runbook_id, step_id)) if runbook_id else next(
        (g for key, g in gates.items() if key[1] == step_id), None)
    return gate if gate is not None and gate.latest else None   # an earlier run's, kept after a failed re-run


def _last_run(state: IncidentState, runbook_id: str, step_id: str) -> int | None:
    """The journal seq of the step's latest run (its ``step.started``), None if it never ran."""
    st = state.steps.get((runbook_id, step_id)) if runbook_id else next(
        (v for k, v in state.steps.items() if k[1] == step_id), None)
    run = st.last_run if st is not None else None
    return int(run.seq) if run is not None else None


class GateJournal:
    """The incident's journal as a verify gate's watcher writes to it (an ``Appender``): gate
    events are written once per run and once per gate; anything else passes straight through.

    ``key``: the step this watcher watches the gate of. Its latest run now is the run it is about;
    once the step runs again, that gate is history (``gates.gate_states``) and this watcher's
    outcome is not written: it would be read as the new run's."""

    def __init__(self, incident: Incident, key: tuple[str, str] | None = None) -> None:
        self.incident = incident
        self.run_seq = _last_run(incident.state, *key) if key is not None else None
        self.gate_seq: int | None = None    # the ``verify.started`` watched: the one it wrote, or the one it resumes

    def superseded(self) -> dict[str, Any] | None:
        """The ``verify.superseded`` that closed the gate watched (its step's re-run opened its own), else None: the
        watcher has nothing left to watch (attack42 A14: it counted the gate down to an outcome never written)."""
        seq = self.gate_seq
        return None if seq is None else next(
            (v for v in self.incident.refresh().verifications
             if v.get("type") == ev.VERIFY_SUPERSEDED and v.get(STARTED_SEQ) == seq), None)

    def append(self, type_: str, data: dict[str, Any] | None = None) -> Any:
        data = dict(data or {})
        if type_ != ev.VERIFY_STARTED and type_ not in _OUTCOMES:
            return self.incident.append(type_, data)
        self.incident.require_intact(check_tail=False)    # a damaged journal refuses, as any write
        rb, step_id = str(data.get("runbook_id") or ""), str(data.get("step_id") or "")

        own = data.get(STARTED_SEQ)
        if type_ != ev.VERIFY_STARTED and not isinstance(own, int) and self.gate_seq is not None:
            own = data[STARTED_SEQ] = self.gate_seq     # the outcome of the gate it watched, named

        def due(state: IncidentState) -> tuple[str, dict[str, Any]] | None:
            if type_ != ev.VERIFY_STARTED and isinstance(own, int):
                # the gate it names, while that is open: a re-run closes it only by opening a gate of its own
                # (``verify.superseded``); one that failed, or has not opened its gate yet, leaves it to its
                # watcher, whose outcome was seen and must count (attack43 A12: dropped, "still running" forever)
                return (type_, data) if any(v.get("seq") == own for v in open_gates(state)) else None
            if self.run_seq is not None and _last_run(state, rb, step_id) != self.run_seq:
                return None                     # the step ran again since: this run's gate is not to open
            gate = run_gate(state, rb, step_id, self.incident.clock())
            if type_ == ev.VERIFY_STARTED:
                return None if gate is not None else (type_, data)      # this run's gate exists
            return (type_, data) if gate is not None and gate.status == "pending" else None

        written = self.incident.append_once(due)
        if written is not None and type_ == ev.VERIFY_STARTED:
            self.gate_seq = int(written.seq)
            self._supersede(rb, step_id)
        return written

    def _supersede(self, rb: str, step_id: str) -> None:
        """With a re-run's gate journaled, each older gate of the step still open gives way to it
        (``verify_events.superseding``): one ``verify.superseded`` each, judged under the journal's lock as any
        gate event, so two watchers never both write it. Bounded: a step has a handful of gates open at most."""
        for _ in range(16):
            if self.incident.append_once(lambda st: None if (d := superseding(st, rb, step_id)) is None
                                         else (ev.VERIFY_SUPERSEDED, d)) is None:
                return

    def recorded(self, key: tuple[str, str]) -> OpenGate | VerifyCheck | None:
        """What a watcher about to open the gate of step ``key``'s latest run finds: None (no gate
        yet: open one), the open gate to watch instead of a new one, or the outcome another
        watcher already journaled."""
        state = self.incident.refresh()
        gate = run_gate(state, *key, self.incident.clock())
        if gate is None:
            return None
        if gate.status != "pending":
            return self._check(state, gate)
        deadline = parse_time(gate.deadline)
        if deadline is None or gate.at is None:
            return None      # no window journaled: nothing to watch; a start of ours is refused
        return OpenGate(gate.step, gate.step_id, gate.expr, gate.at.timestamp(), deadline, gate.runbook_id or None,
                        gate.started_data(), gate.seq)

    def outcome(self, key: tuple[str, str], mine: VerifyCheck | None) -> VerifyCheck | None:
        """The outcome to report after watching: the journal's, when another watcher settled the
        gate first (``mine`` was then not written); ``mine`` otherwise (None: left open)."""
        if mine is None or mine.status == "pending":
            return mine
        state = self.incident.refresh()
        if self.run_seq is not None and _last_run(state, *key) != self.run_seq:
            return mine                         # the step ran again: the journal's gate is not ours
        gate = run_gate(state, *key, self.incident.clock())
        return self._check(state, gate) if gate is not None and gate.status != "pending" else mine

    @staticmethod
    def _check(state: IncidentState, gate: GateState) -> VerifyCheck:
        """A journaled outcome as the ``VerifyCheck`` a watcher reports."""
        rec = next((v for v in reversed(state.verifications) if int(v.get("seq") or 0) == gate.seq), {})
        value = rec.get("value")
        status = "passed" if gate.status == "passed" else "failed"
        return VerifyCheck(status, float(value) if isinstance(value, (int, float)) else None, 0.0,
                           gate.reason)
