"""Metric evidence and verify gates, driven from the dashboard (mixed into ``DashboardScreen``).

* before a step runs, the SLO values are journaled (``evidence.recorded`` when=before); the
  "after" values owed by ``execute.evidence_after`` are journaled once due, from a worker that
  runs every ``EVIDENCE_EVERY`` seconds (``warroom.sources.evidence``). The timeline shows both;
* a step that declares ``verify = "quota < 80 within 10m"`` and ends ok opens a gate
  (``warroom.sources.verify``): a worker probes the source every few seconds, the header counts
  down ("verify 6 quota < 80: 84.1 now · 8:12 left"), and ``verify.passed`` / ``verify.failed``
  is journaled. In a drill the window is in scenario time (divided by the drill's speed).

All I/O is in thread workers started on the App (see ``DashboardScreen.poll_metrics`` for why);
they post ``GateProgress`` to the App, which forwards it here.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING


from tui.messages import ActionFailed, GateProgress, IncidentChanged
from warroom.errors import WarroomError

if TYPE_CHECKING:
    from tui.screens.dashboard import DashboardScreen
    from warroom.sources.verify import OpenGate, VerifyCheck

EVIDENCE_EVERY = 15.0   # seconds between looks for owed "after" evidence
VERIFY_EVERY = 2.0      # seconds between probes of an open gate


class EvidenceAndGates:
    def init_gates(self: DashboardScreen) -> None:
        self.gate_text: str = ""
        self._gates: dict[int, threading.Event] = {}
        self._gates_resumed: str | None = None
        self._evidence_next = 0.0

    # ------------------------------------------------------------------ evidence

    def record_before(self: DashboardScreen, number: int, step_id: str) -> None:
        """Blocking (worker): the SLO values just before a step runs."""
        ctx = self.app.ctx
        inc = self.controller.incident
        if inc is None or ctx.source is None:
            return
        from warroom.sources.evidence import record_before

        record_before(inc.journal, number, step_id, ctx.source, ctx.config.slo)

    def maybe_record_due(self: DashboardScreen) -> None:
        now = time.monotonic()
        if self.controller.incident is None or self.app.ctx.source is None or now < self._evidence_next:
            return
        self._evidence_next = now + EVIDENCE_EVERY
        self.app.run_worker(self._record_due, thread=True, group="evidence", exclusive=True,
                            exit_on_error=False)

    def _record_due(self: DashboardScreen) -> None:
        from warroom.sources.evidence import offsets_from, record_due

        ctx = self.app.ctx
        inc = self.controller.incident
        if inc is None:
            return
        try:
            offsets = offsets_from(ctx.config.execute.evidence_after)
            offsets = [o / self._speed() for o in offsets]
            written = record_due(inc.journal, inc.read().events, ctx.source, ctx.config.slo, offsets,
                                 stale_after=ctx.config.prometheus.stale_after)
        except (WarroomError, OSError) as exc:
            self.app.post_message(ActionFailed(f"evidence: {exc}"))
            return
        if written:
            self.post_message(IncidentChanged(inc.id))

    # ------------------------------------------------------------------ verify gates

    def open_gate(self: DashboardScreen, number: int, resume: OpenGate | None = None) -> None:
        """Watch step ``number``'s gate: a new one after the step ended ok, or (``resume``) one
        the journal shows open, e.g. from before the dashboard was closed."""
        step = self.runbook.step(number) if self.runbook is not None else None
        text = resume.text if resume is not None else (step.verify if step is not None else None)
        if not text or number in self._gates or self.app.ctx.source is None:
            return
        step_id = resume.step_id if resume is not None else step.id  # type: ignore[union-attr]
        stop = threading.Event()
        self._gates[number] = stop
        self.app.run_worker(lambda: self._watch_gate(number, step_id, text, stop, resume), thread=True,
                            group=f"gate-{number}", exit_on_error=False)

    def resume_gates(self: DashboardScreen) -> None:
        """Once per incident opened here: settle the gates whose window ended while nobody was
        watching (from the metric history), and go on watching those still inside it."""
        inc = self.controller.incident
        if inc is None or self.app.ctx.source is None or self._gates_resumed == inc.id:
            return
        self._gates_resumed = inc.id
        self.app.run_worker(self._resume_gates, thread=True, group="gates-resume", exit_on_error=False)

    def _resume_gates(self: DashboardScreen) -> None:
        from warroom.sources.verify import settle_open

        ctx = self.app.ctx
        inc = self.controller.incident
        if inc is None:
            return
        try:
            results = settle_open(inc.journal, inc.read().events, ctx.source, ctx.config.slo, speed=self._speed())
        except (WarroomError, OSError) as exc:
            self.app.post_message(ActionFailed(f"verify: {exc}"))
            return
        for gate, check in results:
            if gate.step is None:
                continue
            if check is None:
                self.app.call_from_thread(self.open_gate, int(gate.step), gate)
            else:
                self.app.post_message(GateProgress(int(gate.step), gate.text, check.status, check.value, 0.0,
                                                   check.reason))
        if any(check is not None for _g, check in results):
            self.post_message(IncidentChanged(inc.id))

    def _speed(self: DashboardScreen) -> float:
        """A drill's windows and holds are in scenario time: wall seconds x speed."""
        drill = self.app.ctx.drill
        return drill.speed if drill is not None and drill.speed > 0 else 1.0

    def _watch_gate(self: DashboardScreen, number: int, step_id: str, text: str, stop: threading.Event,
                    resume: OpenGate | None = None) -> None:
        """Probe until passed or failed. Stopping (the app quits, the screen closes) is not an
        outcome: the gate stays open in the journal and the next dashboard settles it."""
        from warroom.sources.verify import VerifyError, parse_verify, run_verify

        ctx = self.app.ctx
        inc = self.controller.incident
        try:
            if inc is None:
                return
            gate = parse_verify(text, ctx.config.slo)
            first = [True]

            def progress(check: VerifyCheck) -> None:
                if first and resume is None:   # verify.started was journaled: show it
                    first.clear()
                    self.post_message(IncidentChanged(inc.id))
                self.app.post_message(GateProgress(number, gate.text, check.status, check.value,
                                                   check.remaining, check.reason))

            check = run_verify(inc.journal, number, step_id, gate, ctx.source, every=VERIFY_EVERY,
                               cancel=stop, on_check=progress, speed=self._speed(), resume=resume,
                               leave_open=True)
        except (VerifyError, WarroomError, OSError) as exc:
            self.app.post_message(ActionFailed(f"step {number}: verify: {exc}"))
            return
        finally:
            self._gates.pop(number, None)
        if check is None:
            return  # left open on purpose (see the docstring)
        self.post_message(IncidentChanged(inc.id))
        self.app.post_message(GateProgress(number, gate.text, check.status, check.value, 0.0, check.reason))

    def on_gate_progress(self: DashboardScreen, message: GateProgress) -> None:
        """Called by the App: the header's countdown for the open gate."""
        if not self.alive():
            return
        from panes.fmt import format_clock

        value = "no value" if message.value is None else f"{message.value:.1f}"
        if message.status == "pending":
            holding = f" · {message.reason}" if message.reason and message.reason.startswith("holding") else ""
            self.gate_text = (f"verify {message.step_number} {message.expr}: {value} now{holding} · "
                              f"{format_clock(message.remaining)} left")
        elif message.status == "passed":
            self.gate_text = f"verify {message.step_number} ✔ passed ({value})"
        else:
            self.gate_text = f"verify {message.step_number} ✖ failed: {message.reason or value}"
        self.render_header()

    def close_gates(self: DashboardScreen) -> None:
        for stop in list(self._gates.values()):
            stop.set()
