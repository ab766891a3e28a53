"""Preparing and running runbook steps: the half of :class:`~warroom.incident.session.Incident`
that talks to the execute engine.

It is a mixin rather than a helper object because the CLI and the TUI call these as methods of
the incident (``inc.prepare_step``, ``inc.run_step``); keeping them here lets ``session.py`` read
as the journal-facing API and this module as the one place the run rules (read-only sessions,
confirmation, drills reaching only stand-ins) meet the incident.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from warroom.config import Config
from warroom.errors import WarroomError
from warroom.execute.safety import StepRefused
from warroom.journal import events as ev
from warroom.incident import after_resolve, closing, observer_seat, runbook_ref
from warroom.incident.approvals import USE_CHANGERS
from warroom.incident.drill_seat import other_seat
from warroom.journal.log import Journal, JournalError, format_ts
from warroom.incident.prepared import DryRun, ParamError, ParamPrompt, PreparedStep
from warroom.incident.started_since import refuse_started_since
from warroom.incident.files import make_private_dir
from warroom.incident.target import detect_target
from warroom.paths import command


class StepRunning:
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

    # Step kinds run in this process (a query, a Kubernetes API call), never through a shell.
    NATIVE_KINDS = ("promql", "k8s")

    def param_prompts(self, step_ref: str | int, given: dict[str, str] | None = None,
                      runbook_id: str | None = None) -> list[ParamPrompt]:
        """What the run dialog asks: each parameter of the step with its pre-filled value.
        ``runbook_id``: a step of that open runbook (default: the current one).

        Layers, later wins: runbook front-matter default -> config ``[params]`` -> the last value
        used in this incident (journal) -> ``given``.
        """
        step = self.step(step_ref, runbook_id)
        book = self.runbook(runbook_id)
        assert book is not None
        replayed = (self.state.drill or {}).get("replay")
        if replayed and step.kind != "promql":
            # a replay has the past's metrics and nothing else: no system to run a command on
            raise WarroomError(f"step {step.number} ({step.label}): {self.id} rehearses {replayed}, whose"
                               " recorded metrics are all a replay holds; commands are not run (tick or skip it)")
        answers = self.state.param_answers
        given = {runbook_ref.param_key(k): v for k, v in (given or {}).items()}
        prompts = []
        for name in step.params:
            decl = book.params.get(name)
            value: str | None = None
            source: str | None = None
            if decl is not None and decl.default is not None:
                value, source = str(decl.default), "runbook"
            cfg_params = {runbook_ref.param_key(k): v for k, v in self.config.params.items()}
            if name in cfg_params:
                value, source = str(cfg_params[name]), "config"
            if name in answers and "[REDACTED" not in answers[name]:
                # A secret-looking value was journaled redacted: never offer the marker as a value.
                value, source = answers[name], "journal"
            if name in given and given[name] is not None:
                value, source = str(given[name]), "given"
            prompts.append(ParamPrompt(
                name=name, value=value, source=source,
                help=decl.help if decl else None, pattern=decl.pattern if decl else None,
                declared=bool(decl and decl.declared), label=decl.name if decl else name,
                required=not (decl is not None and decl.optional),
            ))
        return prompts

    def prepare_step(self, step_ref: str | int, params: dict[str, str] | None = None,
                     runbook_id: str | None = None) -> PreparedStep:
        """Resolve a step and its parameters into the exact command that would run; a step of
        the current runbook, or of the open runbook ``runbook_id`` (one a GO opened beside it).

        Raises ``NotFoundError`` (unknown step), ``ParamError`` (missing or invalid parameters,
        every problem listed) or ``WarroomError`` (a parameter given that the step does not use).
        """
        after_resolve.require_open(self.state, self.id, "run a step")   # before anything about the step
        step = self.step(step_ref, runbook_id)
        book = self.runbook(runbook_id)
        assert book is not None
        replayed = (self.state.drill or {}).get("replay")
        if replayed and step.kind != "promql":
            # a replay has the past's metrics and nothing else: no system to run a command on
            raise WarroomError(f"step {step.number} ({step.label}): {self.id} rehearses {replayed}, whose"
                               " recorded metrics are all a replay holds; commands are not run (tick or skip it)")
        if step.command is not None and "[REDACTED:" in step.command:
            raise WarroomError(
                f"step {step.number} ({step.label}): its command held a secret, which the incident's"
                " copy of the runbook does not keep (it was redacted when the runbook was attached);"
                " read the secret from an environment variable in the runbook (e.g. \"$API_TOKEN\","
                " set in your shell or [execute].env) and attach the runbook again")
        if step.command is not None and "\ufffd" in step.command:
            # The runbook's bytes were not UTF-8 and were read with replacement characters: the
            # command is not the one written, so it never runs.
            raise WarroomError(
                f"step {step.number} ({step.label}): its command holds bytes that are not valid "
                "UTF-8 (shown as \ufffd); it would not run as written: save the runbook as UTF-8 "
                "and attach it again")
        given = {runbook_ref.param_key(k): v for k, v in (params or {}).items()}
        unknown = sorted(set(given) - set(step.params))
        if unknown:
            uses = ", ".join(step.params) or "no parameters"
            raise ParamError(f"step {step.number} ({step.label}) does not take {', '.join(unknown)};"
                             f" it uses {uses}", [(u, "not a parameter of this step") for u in unknown])
        prompts = self.param_prompts(step_ref, given, runbook_id)
        problems: list[tuple[str, str]] = []
        typed: dict[str, str] = {}      # a missing one as the run dialog says it: where its value is typed there
        for p in prompts:
            if p.missing:
                why = f" ({p.help})" if p.help else ""
                problems.append((p.name, f"missing required parameter {p.name}{why}: pass --param {p.name}=VALUE"))
                typed[p.name] = f"missing required parameter {p.name}{why}: type its value in the {p.name} field"
            elif p.pattern and p.value:       # an optional parameter left empty has nothing to match
                try:
                    ok = re.fullmatch(p.pattern, p.value or "") is not None
                except re.error as exc:
                    problems.append((p.name, f"parameter {p.name}: the runbook's pattern {p.pattern!r} is invalid: {exc}"))
                    continue
                if not ok:
                    problems.append((p.name, f"parameter {p.name}: the value (from {p.source}) does not"
                                             f" match {p.pattern!r}"))
        if problems:
            head = f"step {step.number} ({step.label}): "
            raise ParamError(head + "; ".join(m for _, m in problems), problems,
                             head + "; ".join(typed.get(n, m) for n, m in problems))
        values = {p.name: p.value or "" for p in prompts}
        declared = tuple(k for k, p in book.params.items() if p.declared)
        wide = tuple(k for k, p in book.params.items() if p.pattern)
        try:
            command = (runbook_ref.substitute(step.command, values, declared=declared,
                                              kind=step.kind, wide=wide)
                       if step.command is not None else None)
        except WarroomError as exc:  # a value its placeholder's position does not allow
            raise ParamError(f"step {step.number} ({step.label}): {exc}",
                             [(p.name, str(exc)) for p in prompts if f"'{p.name}'" in str(exc)]
                             ) from None
        mutating = bool(step.mutating)
        explicit = "mutating" in getattr(step, "attrs", {})
        if command is not None and not mutating and (not explicit or self.config.read_only):
            from warroom.execute.safety import classify_mutating

            # The final command decides: a substituted value can turn a read-only-looking
            # template into something else. An author's explicit ``mutating=false`` fence
            # attribute stands (team decision: the prepared verdict, shown to the person, is
            # what the runner honours; it never re-classifies behind the dialog's back) — except
            # in a read-only session, where only the prover counts, so the step is shown as the
            # mutating step the session will refuse.
            mutating = bool(classify_mutating(command, step.kind))
        if mutating and step.command is not None:
            from warroom.runbook.params import empty_inside_word

            widened = empty_inside_word(step.command, values, declared=declared, kind=step.kind)
            if widened:
                names = ", ".join(widened)
                raise ParamError(f"step {step.number} ({step.label}) changes things and {names} is empty inside a"
                                 f" word of its command, which would then name something wider than any value"
                                 f" (`/data/{{{{dir}}}}` would be `/data/`): give {names} a value",
                                 [(n, "empty inside a word of a step that changes things") for n in widened])
        timeout = float(step.timeout) if step.timeout else float(self.config.execute.timeout)
        shown = self.step_redactor(values).redact_text(command) if command is not None else None
        return PreparedStep(step=step, runbook_id=book.id, command=command, params=values,
                            prompts=prompts, target=detect_target(command or "", values, self.config),
                            mutating=mutating, timeout=timeout, expect=step.check, expect_text=step.expect,
                            notes=(*self.unset_variable_notes(step, book), *self.no_go_notes(step, book, mutating)),
                            command_redacted=shown,
                            off_default=self.off_default(book, prompts))

    def off_default(self, book: Any, prompts: list[ParamPrompt]) -> dict[str, str]:
        """The parameters given a value other than the runbook's (or the config's ``[params]``) own, each with that
        own value; a parameter with none (a task id) is the caller's to give, never off it."""
        own = {k: str(p.default) for k, p in book.params.items() if p.default is not None}
        own |= {runbook_ref.param_key(k): str(v) for k, v in self.config.params.items()}
        return {p.name: own[p.name] for p in prompts
                if p.name in own and p.source in ("given", "journal") and p.value is not None
                and p.value != own[p.name]}

    def step_redactor(self, params: dict[str, str]) -> Any:
        """The redactor a step with these parameters runs under: secret env values, configured
        patterns, the built-in formats and the values of secret-named parameters."""
        import os

        from warroom.execute.redact import RedactionSettings, Redactor
        from warroom.execute.redact_rules import looks_secret_name

        settings = RedactionSettings.for_config(self.config)
        secrets = {k: str(v) for k, v in params.items() if looks_secret_name(k, settings.env_names)}
        store_secrets = getattr(self, "store_secrets", None)
        if callable(store_secrets):
            secrets.update(store_secrets())
        env = dict(os.environ)
        env.update(self.config.execute.env)
        return Redactor.from_env(env, settings, secrets)

    def carried_vars(self) -> dict[str, str]:
        """Shell variables earlier steps of this incident set (values, for the next step's env); a read-only seat's
        own earlier runs' too, for its own runs only (``shell_state.carried``)."""
        from warroom.execute import shell_state

        seat = self.journal.actor if observer_seat.observer(self.config) else None
        return shell_state.carried(self.dir, self.read().events, seat)

    def no_go_notes(self, step: Any, book: Any, mutating: bool) -> tuple[str, ...]:
        """What to say before running a step that changes things while the Go/No-Go deciding it stands at NO-GO
        (``decisions.standing_no_go``): the run dialog and ``incident run`` say it before it runs (redteam44 G1)."""
        from warroom.incident.decisions.journal_only import decided_steps, standing_no_go

        said = standing_no_go(self.state, book.id, step, decided_steps([book])) if mutating and book is not None else ""
        return (said,) if said else ()

    def unset_variable_notes(self, step: Any, book: Any = None) -> tuple[str, ...]:
        """What to say before running a step that reads variables only an unrun step sets
        (``book``: the step's runbook; default the current one)."""
        uses = list(getattr(step, "uses_vars", []) or [])
        if not uses:
            return ()
        book = book if book is not None else self.runbook()
        setters: dict[str, Any] = {}
        for s in (book.steps if book else []):
            if s.number < step.number:
                for v in getattr(s, "sets_vars", []):
                    setters[v] = s
        have = self.carried_vars()
        env = set(os.environ) | set(self.config.execute.env) | self.drill_env_names()
        later = {v for s in (book.steps if book else []) if s.number >= step.number
                 for v in getattr(s, "sets_vars", [])}
        notes = []
        for v in uses:
            setter = setters.get(v)
            if setter is not None and v not in have:
                notes.append(f"uses ${v}, which step {setter.number} ({setter.label}) sets; "
                             f"{self._not_set_by(book, setter)}, so the variable is empty unless your "
                             "environment sets it")
            elif setter is None and v not in have and v not in env:
                where = ("only a later step sets it" if v in later else
                         "no step of the runbook sets it")
                notes.append(f"uses ${v}: {where} and your environment does not have it, so it "
                             "is empty when this step runs (export it before starting warroom, or "
                             "set it in [execute].env)")
        return tuple(notes)

    def _not_set_by(self, book: Any, setter: Any) -> str:
        """Why the variable ``setter`` sets is not carried: it has not run in this incident, or it was ticked done (by
        hand, outside warroom: a tick is never "has not run", attack47 Y2's note), or no run of it set it."""
        from warroom.incident.marks import checklist_state

        st = self.state.steps.get((book.id, setter.id)) if book is not None else None
        if st is not None and st.ticked_at is not None and checklist_state(st, None) == "ticked":
            return f"it was ticked done at {st.ticked_at:%H:%M:%S} UTC, not run through warroom"
        if st is not None and st.runs:
            return "no run of it in this incident set it"
        if st is not None and st.observed:
            return "only an observer (read-only seat) ran it, which is not the step's run"
        return "it has not run in this incident"

    def drill_env_names(self) -> set[str]:
        """The variables a drill's step environment sets (its fake API keys, its kubeconfig…), which every step of
        a drill incident runs with (``_drill_options``): none of them is "empty when this step runs" (redteam43 R1:
        the run dialog told the commander to export a real $ANTHROPIC_API_KEY into a drill). None outside a drill,
        in a replay (no command runs) or when the drill's directory is gone (the run is refused, saying so)."""
        drill = self.state.drill or {}
        where = drill.get("dir")
        if drill.get("replay") or not where or not Path(where).is_dir():
            return set()
        from warroom.drill.directory import open_drill

        try:
            return set(open_drill(Path(where), wrappers=False).env(base_path=""))
        except WarroomError:
            return set()        # an unreadable drill: the run itself is refused with the reason (open_drill)

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
                               f" incident recorded (`{replay_command(Path(where)) if where else command('drill', '--replay', replayed)}`)")
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
            use = self.approvals.use_in_start(grant, prepared) if grant is not None else None  # type: ignore[attr-defined]
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
