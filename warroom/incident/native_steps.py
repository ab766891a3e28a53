"""Running ``promql`` / ``k8s`` steps in warroom's own process, never through a shell, journaled like a command.

Its own mixin (of :class:`~warroom.incident.step_running.StepRunning`) because such a run has a path of its own:
no supervisor journals its start and end, so this process claims the step, journals the start under the journal's
lock, writes the output file and journals the end (through this host's spool on a shared incident); the refusal
rules are the same ``safety.decide`` a command's are, through ``StepRunning``'s ``_run_spec``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from warroom.config import Config
from warroom.errors import WarroomError
from warroom.incident import after_resolve, closing, observer_seat
from warroom.incident.approvals import USE_CHANGERS
from warroom.incident.files import make_private_dir
from warroom.incident.prepared import PreparedStep
from warroom.incident.started_since import refuse_started_since
from warroom.journal import events as ev
from warroom.journal.log import Journal, JournalError, format_ts


class NativeStepRunning:
    """Native step runs; mixed into ``Incident`` through ``StepRunning``, which supplies the attributes below and
    ``_run_spec``, ``_tag_outputs``, ``_append``, ``approvals``."""

    id: str
    dir: Path
    config: Config
    journal: Journal
    clock: Callable[[], datetime]
    require_intact: Callable[[], Any]

    # Step kinds run in this process (a query, a Kubernetes API call), never through a shell.
    NATIVE_KINDS = ("promql", "k8s")

    def _journal_run(self, type_: str, data: dict[str, Any]) -> Any:
        """A native step's end. On a shared incident it goes through this host's spool, like a
        supervised step's: an end that meets the store down is kept, and appended in order when it
        is back (its start was journaled in the store, judged under its lock)."""
        if not getattr(self, "shared", False):
            return self._append(type_, data)
        from warroom.incident.files import JOURNAL_NAME

        data = {**data, **observer_seat.mark(self.config)}       # a read-only seat's run stays marked as its own
        event = Journal(self.dir / JOURNAL_NAME, actor=self.journal.actor).append(type_, data, ts=self.clock())
        self.refresh()
        return event

    def run_native_step(self, prepared: PreparedStep, *, confirm: bool = False, read_only: bool | None = None,
                        metric_source: Any = None, kube: Any = None,
                        on_started: Callable[[dict[str, Any]], object] | None = None,
                        expect_last_started_seq: int | None = None) -> Any:
        """Run a ``promql`` / ``k8s`` step in this process (no shell) and journal it like a command.

        Blocking: call it from a worker thread. The same refusal rules as :meth:`run_step`
        (``execute.safety.decide``); then ``step.started``, the output file, ``step.finished``
        with the ``NativeResult``'s status and exit code. ``metric_source`` is what ``promql``
        queries (the configured Prometheus, or the drill's simulator); ``kube`` an optional
        ``KubeSource``. Returns the ``warroom.sources.native.NativeResult``. ``expect_last_started_seq``:
        as :meth:`run_step`'s, judged again on the state the start line is appended to.
        """
        from warroom.execute import safety

        if prepared.kind not in self.NATIVE_KINDS or prepared.command is None:
            raise WarroomError(f"step {prepared.number} ({prepared.label}) is not a native step")
        st = self.require_intact()
        after_resolve.require_open(st, self.id, "run a step")
        closing.refuse_closed(st, prepared.runbook_id, self.id)
        refuse_started_since(st, (prepared.runbook_id, prepared.step_id), expect_last_started_seq,
                             number=prepared.number, me=self.journal.actor)
        ro = self.config.read_only if read_only is None else bool(read_only)
        command = prepared.command
        spec = self._run_spec(prepared, confirm, ro)
        decision = safety.decide(spec)
        if decision.action != "run":
            self._append(ev.STEP_REFUSED, decision.event_data())
            raise safety.StepRefused(f"{decision.reason or 'refused'} (recorded in the journal)")
        grant = self.approvals.require(prepared)   # type: ignore[attr-defined]
        make_private_dir(self.outputs_dir)
        self._tag_outputs()
        claim = self._claim_step(prepared, spec.observer)
        try:
            # spent by the run's start line, or not at all
            use = (self.approvals.use_in_start(grant, prepared)  # type: ignore[attr-defined]
                   if grant is not None else None)
            return self._run_native_claimed(prepared, spec, decision, command, metric_source, kube, on_started, use,
                                            expect_last_started_seq)
        finally:
            os.close(claim)

    def _claim_step(self, prepared: PreparedStep, observer: bool = False) -> int:
        """The step's claim, as the supervised runner takes it: one run of a step at a time (a read-only seat's its
        own: ``claim_path``)."""
        from warroom.execute.runner import StepAlreadyRunning
        from warroom.execute.watchdog import claim_path, try_claim

        try:
            fd = try_claim(claim_path(self.dir, prepared.step_id, observer))
        except OSError as exc:
            raise JournalError(f"{self.outputs_dir}: cannot write: {exc.strerror or exc}; nothing was run") from None
        if fd is None:
            raise StepAlreadyRunning(f"step {prepared.number} ({prepared.label}) is already running;"
                                     " nothing was started (wait for it)")
        return fd

    def _run_native_claimed(self, prepared: PreparedStep, spec: Any, decision: Any, command: str,
                            metric_source: Any, kube: Any,
                            on_started: Callable[[dict[str, Any]], object] | None,
                            use: dict[str, Any] | None = None, seen: int | None = None) -> Any:
        from warroom.execute.runner import allocate_output
        from warroom.sources.native import run_native_step

        output, rel = allocate_output(self.dir, prepared.step_id)
        started_data: dict[str, Any] = {
            **prepared.ref(), "kind": prepared.kind, "command": decision.command_redacted,
            "params": dict(decision.params or {}), "mutating": decision.mutating,
            **({"off_default": dict(prepared.off_default)} if prepared.off_default else {}),
            **({"section": str(prepared.step.section)} if getattr(prepared.step, "section", None) else {}),
            **({"phase": str(prepared.step.phase)} if getattr(prepared.step, "phase", None) else {}),
            "confirmed": decision.confirmed, "confirmed_via": "dialog" if decision.confirmed else None,
            "target": dict(prepared.target), "timeout": prepared.timeout, "output": rel,
            "supervisor_pid": None, "pid": None, "pgid": None, "evidence_before": None}
        # The start goes through the single write path, on a shared incident too (to the store, never
        # the spool): judged again under the journal's lock on the state it is appended to — not
        # resolved since; with an approval (spent by this line), nothing that spends or withdraws
        # it since and not past its end. Its end may go through the spool (``_journal_run``).
        # With ``seen``: no start of this step since the run was asked for (a start since: judged again).
        key, again = (prepared.runbook_id, prepared.step_id), frozenset({ev.STEP_STARTED} if seen is not None else ())

        def once(state: Any, at: datetime) -> None:
            refuse_started_since(state, key, seen, number=prepared.number, me=self.journal.actor)

        if use is None:
            started = self._append(ev.STEP_STARTED, started_data, unless_also=again, judge=once).ts
        else:
            def judge(state: Any, at: datetime) -> None:
                once(state, at)
                self.approvals.check_use(use, prepared, state, at)  # type: ignore[attr-defined]

            started = self._append(ev.STEP_STARTED, {**started_data, "approval": use},
                                   unless_also=USE_CHANGERS | again, judge=judge).ts
        if on_started is not None:
            on_started({**started_data, "started_at": format_ts(started)})
        result = run_native_step(prepared.kind, command, self.config, metric_source=metric_source, kube=kube)
        redactor = spec.redactor()
        lines = [redactor.redact_text(line) for line in result.lines]
        data = "".join(("\x1f" + ln if result.status != "ok" and ln.startswith("error") else ln) + "\n"
                       for ln in lines).encode("utf-8", "replace")
        status, problem = result.status, {}
        try:
            with open(output, "ab") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
        except OSError as exc:
            # Disk full: the result is still journaled (never "ok" with its output missing).
            status = "failed"
            problem = {"output_error": f"output not stored: {exc.strerror or exc}",
                       "error": f"the step ended {result.status}, but its output not stored: {exc.strerror or exc}"}
        ended = self.clock()
        self._journal_run(ev.STEP_FINISHED, {
            **problem,
            **prepared.ref(), "status": status, "exit_code": result.exit_code, "signal": None,
            "started_at": format_ts(started), "ended_at": format_ts(ended),
            "duration": round(max(0.0, (ended - started).total_seconds()), 3),
            **_native_expectation(prepared, lines, result.status),
            "excerpt": "\n".join(lines[-10:])[-400:], "output": rel, "lines": len(lines), "bytes": len(data)})
        return result


def _native_expectation(prepared: PreparedStep, lines: list[str], status: str) -> dict[str, Any]:
    """A native step's output checked like a command's (``warroom.execute.expectation``)."""
    from warroom.execute.expectation import OutputExpectation

    if not (prepared.expect or prepared.expect_text):
        return {"expect": None, "expect_met": None}
    exp = OutputExpectation(prepared.expect, prepared.expect_text)
    if status == "ok":   # an error's message is not the answer the step expected
        exp.feed("\n".join(lines) + "\n")
    return exp.event_data()
