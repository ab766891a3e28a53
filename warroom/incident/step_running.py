"""Running runbook steps: the half of :class:`~warroom.incident.session.Incident` that talks to the execute engine.

It is a mixin rather than a helper object because the CLI and the TUI call these as methods of
the incident (``inc.prepare_step``, ``inc.run_step``); keeping them here lets ``session.py`` read
as the journal-facing API and this module as the one place the run rules (read-only sessions,
confirmation, drills reaching only stand-ins) meet the incident. Preparing a step is
:class:`~warroom.incident.step_preparing.StepPreparing`'s, a ``promql`` / ``k8s`` step's in-process run
:class:`~warroom.incident.native_steps.NativeStepRunning`'s; both are mixed in here.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from warroom.config import Config
from warroom.errors import WarroomError
from warroom.execute.safety import StepRefused
from warroom.journal import events as ev
from warroom.incident import after_resolve, closing
from warroom.incident.approvals import USE_CHANGERS
from warroom.incident.drill_seat import other_seat
from warroom.incident.native_steps import NativeStepRunning
from warroom.journal.log import Journal, format_ts
from warroom.incident.prepared import DryRun, PreparedStep
from warroom.incident.started_since import refuse_started_since
from warroom.incident.files import make_private_dir
from warroom.incident.step_preparing import StepPreparing
from warroom.paths import command


class StepRunning(StepPreparing, NativeStepRunning):
    """Step preparation and execution; mixed into ``Incident``, which supplies the attributes below."""

    id: str
    dir: Path
    config: Config
    journal: Journal
    clock: Callable[[], datetime]
    clock_held: Callable[[], datetime | None]
    _lock: threading.RLock
    require_intact: Callable[[], Any]
    shared_where: str | None

    def run_step(self, prepared: PreparedStep, *, confirm: bool = False, dry_run: bool = False,
                 read_only: bool | None = None, expect_last_started_seq: int | None = None,
                 **runner_options: Any) -> Any:
        """Run a prepared step under the supervised runner, or record why it did not run.

        * ``dry_run``: journals ``step.dry_run`` with the exact command (secrets redacted) and
          returns ``DryRun``; allowed in read-only sessions, nothing is executed.
        * a mutating step (or one whose fence says ``confirm=true``) without ``confirm``, or a
          mutating step in a read-only session: journals ``step.refused`` and raises
          ``StepRefused`` (exit code 5).
        * otherwise starts the execute engine's supervised runner and returns its ``StepHandle``
          (``wait()``, ``follow()``, ``cancel()``, ``tail``); the supervisor journals
          ``step.started`` / ``step.finished`` itself. ``runner_options`` go to
          ``warroom.execute.runner.start_step`` (e.g. ``stream=sys.stdout``, ``env=``).

        The decision is the execute engine's ``safety.decide``, so the rules (and the redaction
        of what is journaled) are the same whichever way a step is run.

        Judged and started as one step across processes: the supervisor journals ``step.started``
        only if no resolution and no closing was journaled since the state judged here (under the
        journal's lock, before the command is let go); if one was, nothing ran and the run is
        judged again on the new state — refused in the words a resolved incident is refused in.

        ``expect_last_started_seq``: the step's last start (``started_since.last_started_seq``) when the
        run was asked for and confirmed; a start of the step journaled since raises ``StartedSince``,
        nothing run — judged on the state the start line is conditional on, so across processes.
        """
        from warroom.execute.run_spec import StartOvertaken

        for _ in range(self.START_TRIES):
            try:
                return self._run_step_once(prepared, confirm=confirm, dry_run=dry_run, read_only=read_only,
                                           expect_last_started_seq=expect_last_started_seq, **runner_options)
            except StartOvertaken:
                continue          # resolved (or its runbook closed, or reopened) meanwhile: judge again
        raise WarroomError(f"step {prepared.number} ({prepared.label}): {self.id} was resolved and reopened (or"
                           f" its approval's requests moved, or other steps started) {self.START_TRIES} times"
                           " while it was being started; nothing was run (try again)")

    START_TRIES = 5
    """Bound on judging a run again after another process resolved (or reopened) meanwhile."""

    # Lines another process may journal between this process's judgement and the start that would
    # refuse the run: checked again under the journal's lock (the file journal's, by the supervisor:
    # ``start_after``; the shared store's, by this process: ``journal_start``).
    OVERTAKING = after_resolve.ENDS | {ev.RUNBOOK_CLOSED}

    def _run_step_once(self, prepared: PreparedStep, *, confirm: bool, dry_run: bool,
                       read_only: bool | None, expect_last_started_seq: int | None = None,
                       **runner_options: Any) -> Any:
        from warroom.execute import safety

        st = self.require_intact()  # nothing runs on a damaged journal: its record would be lost
        # nor on a resolved incident: the supervisor journals the start itself, so it is asked here
        after_resolve.require_open(st, self.id, "dry-run a step" if dry_run else "run a step")
        closing.refuse_closed(st, prepared.runbook_id, self.id)   # its runbook closed since it was prepared
        expect = None if dry_run else expect_last_started_seq      # a dry run runs nothing
        refuse_started_since(st, (prepared.runbook_id, prepared.step_id), expect, number=prepared.number,
                             me=self.journal.actor)
        if prepared.kind in self.NATIVE_KINDS and not dry_run:
            raise WarroomError(f"step {prepared.number} ({prepared.label}) is a {prepared.kind} step:"
                               " it runs in-process (run_native_step), never through a shell")
        if prepared.kind == "manual" or prepared.command is None:
            raise WarroomError(f"step {prepared.number} ({prepared.label}) is a checklist item with nothing"
                               f" to run: tick it (`{command('incident', 'tick', self.id, str(prepared.number))}`)")
        existing = st.steps.get(prepared.step_id)
        if existing is not None and existing.status == "running" and not dry_run:
            run = existing.last_run
            who = f" by {run.actor} at {format_ts(run.started_at)}" if run else ""
            raise WarroomError(f"step {prepared.number} ({prepared.label}) is already running{who}")
        ro = self.config.read_only if read_only is None else bool(read_only)
        decision = safety.decide(self._run_spec(prepared, confirm, ro), dry_run=dry_run)
        if decision.action == "dry_run":
            event = self._append(ev.STEP_DRY_RUN, {**decision.event_data(), "mutating": decision.mutating,
                                                   "target": prepared.target})
            return DryRun(prepared, event)
        if decision.action != "run":
            self._append(ev.STEP_REFUSED, decision.event_data())
            raise StepRefused(f"{decision.reason or 'refused'} (recorded in the journal)")
        grant = self.approvals.require(prepared)   # type: ignore[attr-defined]  # refused (journaled) without one
        # The judgement above holds only on this state: the start is journaled only if no line that
        # would change it came since (a resolution, its runbook closed; with an approval, anything
        # that spends or withdraws one), and before the approval ends; else it is judged again. An
        # approval is spent by the start line itself (both or neither).
        overtaking = self.OVERTAKING | (USE_CHANGERS if grant is not None else frozenset()) \
            | (frozenset({ev.STEP_STARTED}) if expect is not None else frozenset())   # started since: judged again
        before = grant.expires_at() if grant is not None else None
        if grant is not None:
            runner_options["approval"] = self.approvals.use_in_start(grant, prepared)  # type: ignore[attr-defined]
        if getattr(self, "shared", False):
            # the store's lock is out of the supervisor's reach (its start would go through this
            # host's spool, whose seqs are not the store's): this process journals the start there
            runner_options["journal_start"] = self._start_in_store(st.last_seq, overtaking, before)
        else:
            runner_options["start_after"] = (st.last_seq, tuple(sorted(overtaking)))
            runner_options["start_before"] = before
        self.refresh()
        # Shell state across steps: what earlier steps set is in this step's environment, and
        # what this step sets is captured for the next ones (warroom.execute.shell_state).
        runner_options.setdefault("shell_vars", self.carried_vars())
        runner_options.setdefault("capture_vars", list(getattr(prepared.step, "sets_vars", [])))
        handle = self._start_runner(prepared, confirmed=bool(confirm), read_only=ro, **runner_options)
        if getattr(self, "shared", False):
            self.refresh()
            output = getattr(handle, "output_path", None)
            if output is not None:
                # its end reaches the store even if every warroom here is gone by then
                self.journal.spawn_forwarder(Path(output))
        return handle

    def _start_in_store(self, judged: int, overtaking: frozenset[str], before: datetime | None
                        ) -> Callable[[dict[str, Any]], Any]:
        """How a shared incident's run journals its start (``RunSpec.journal_start``): in the store,
        under its lock, only if no line of ``overtaking`` came after ``judged`` and before ``before``
        (the approval's end), stamped with the incident's clock; else ``HeadMoved``, nothing run."""
        from warroom.journal.encoding import HeadMoved

        def journal_start(data: dict[str, Any]) -> Any:
            at = self.clock()
            if before is not None and at >= before:
                raise HeadMoved(f"the approval this run uses ended at {format_ts(before)}; nothing recorded")
            return self.journal.append(ev.STEP_STARTED, data, ts=at, after=judged, unless=overtaking)

        return journal_start

    def _run_spec(self, prepared: PreparedStep, confirmed: bool, read_only: bool) -> Any:
        from warroom.execute import safety
        from warroom.execute.runner import RunSpec

        command = prepared.command or ""
        return RunSpec.from_config(
            self.config, incident_dir=self.dir, command=command, timeout=prepared.timeout,
            step=prepared.number, step_id=prepared.step_id, runbook_id=prepared.runbook_id,
            label=prepared.label, kind=prepared.kind,
            params=dict(prepared.params), mutating=bool(prepared.mutating),
            off_default=dict(prepared.off_default), section=str(getattr(prepared.step, "section", None) or ""),
            phase=str(getattr(prepared.step, "phase", None) or ""),
            confirm=bool(getattr(prepared.step, "confirm", False)),
            confirmation=safety.Confirmation.of(command, via="dialog") if confirmed else None,
            read_only=read_only, target=dict(prepared.target), expect=prepared.expect,
            expect_text=prepared.expect_text, actor=self.journal.actor,
        )

    def _start_runner(self, prepared: PreparedStep, *, confirmed: bool, **options: Any) -> Any:
        """Hand the step to the execute engine's supervised runner (it journals start and end)."""
        from warroom.execute.runner import start_step

        make_private_dir(self.outputs_dir)
        self._tag_outputs()
        if self.state.drill is not None:
            options = self._drill_options(options)
        return start_step(self, prepared, confirmed=confirmed, **options)

    def _drill_options(self, options: dict[str, Any]) -> dict[str, Any]:
        """A drill incident's commands only ever reach the drill's stand-ins.

        The dashboard passes the drill's environment itself; a headless ``incident run`` on a
        drill incident gets it from the drill directory recorded at declaration. With neither,
        the step is refused: running a drill's ``kubectl set env`` against whatever cluster the
        shell points at is exactly what a drill must never do. A read-only session's steps carry
        ``READ_ONLY_ENV``.
        """
        from warroom.drill.directory import ENV_DIR, READ_ONLY_ENV

        env = dict(options.get("env") or {})
        if not env.get(ENV_DIR):
            env = {**self.open_drill().env(), **env}
        # a read-only session's step cannot change the drill's world even where the classifier let it run (a
        # `kubectl exec … -- curl -X POST`): every stand-in refuses a change under READ_ONLY_ENV (redteam46 R11)
        # the seat is this run's, never the caller's environment's: a responder's `incident run` typed in a read-only
        # drill shell (or a dashboard started there) was refused and marked an observer's (attack48 Z4)
        if options.get("read_only"):
            env[READ_ONLY_ENV] = "1"
        else:
            env.pop(READ_ONLY_ENV, None)
            options = {**options, "unset_env": (*options.get("unset_env", ()), READ_ONLY_ENV)}
        return {**options, "env": env}

    def open_drill(self) -> Any:
        """The drill this incident belongs to (its simulator and stand-ins).

        Raises when the incident is a drill whose directory is gone: nothing of a drill may
        fall through to real tools or a real Prometheus.
        """
        drill_dir = (self.state.drill or {}).get("dir")
        if (self.state.drill or {}).get("replay"):
            from warroom.incident.history import replay_command

            replayed, where = self.state.drill["replay"], self.state.drill.get("recording")
            raise WarroomError(f"{self.id} rehearses {replayed}: it has no drill world, only the metrics that"
                               " incident recorded (`"
                               f"{replay_command(Path(where)) if where else command('drill', '--replay', replayed)}`)")
        if drill_dir and (elsewhere := other_seat(self.id, drill_dir, shared=bool(getattr(self, "shared", False)))):
            raise WarroomError(elsewhere)
        if not drill_dir or not Path(drill_dir).is_dir():
            raise WarroomError(
                f"{self.id} is a drill incident but its drill directory"
                f" ({drill_dir or 'not recorded'}) is gone; its commands run only against the"
                f" drill's stand-ins, so nothing was run (open it with `{command('drill')}`)")
        from warroom.drill.directory import open_drill

        drill = open_drill(Path(drill_dir))
        if drill.incident is None:
            # Declared on it, but the declaration stopped (killed, disk full) between writing the
            # incident and telling its drill: the drill would never end when it is resolved, and
            # the next `warroom drill` reopened the mitigated world. Told now, by whoever opens it.
            try:
                drill.attach_incident(self.id, self.shared_where)
            except OSError:
                pass        # a drill dir this process cannot write: its world still reads, as before
        return drill

    def _tag_outputs(self) -> None:
        """A shared incident: this host's output files carry its tag in their names, so two hosts
        running the same step never journal the same output path (the key that pairs a run's
        start with its end)."""
        if getattr(self, "shared", False):
            from warroom.execute.output_files import write_host_tag

            write_host_tag(self.outputs_dir)

    def reconcile(self) -> tuple[list[Any], list[Any]]:
        """On resume: handles for steps still running (to reattach to their output) and the
        results journaled as ``interrupted`` for steps whose supervisor died without an end."""
        from warroom.execute.runner import reconcile

        with self._lock:
            events = self.read().events
            if getattr(self, "shared", False):
                # A shared incident: only the runs of this host (their output file is here) are
                # ours to reattach or to call interrupted; another host's step runs on there.
                events = [e for e in events if e.type != ev.STEP_STARTED or not e.data.get("output")
                          or (self.dir / str(e.data["output"])).exists()]
            result = reconcile(self.dir, events, memory_lines=self.config.execute.memory_lines,
                               clock_held=self.clock_held())
            self.refresh()
            return result
