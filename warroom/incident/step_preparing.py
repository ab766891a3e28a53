"""Preparing runbook steps: a step and its parameters resolved into the exact command that would run.

Its own mixin (of :class:`~warroom.incident.step_running.StepRunning`, so of ``Incident``) because the run dialog
prepares on every keystroke from a snapshot (``live.StepPreparer``), which has no journal to run anything with: it
takes this half alone, and the same rules (parameters layered and checked, a secret never offered, the final command
classified) hold whichever way a step is prepared.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from warroom.config import Config
from warroom.errors import WarroomError
from warroom.incident import after_resolve, observer_seat, runbook_ref
from warroom.incident.prepared import ParamError, ParamPrompt, PreparedStep
from warroom.incident.target import detect_target
from warroom.journal.log import Journal


class StepPreparing:
    """Step preparation; mixed into ``Incident`` (through ``StepRunning``) and ``StepPreparer``, which supply the
    attributes below and ``state``, ``step``, ``runbook``."""

    id: str
    dir: Path
    config: Config
    journal: Journal

    def param_prompts(self, step_ref: str | int, given: dict[str, str] | None = None,
                      runbook_id: str | None = None) -> list[ParamPrompt]:
        """What the run dialog asks: each parameter of the step with its pre-filled value.
        ``runbook_id``: a step of that open runbook (default: the current one).

        Layers, later wins: runbook front-matter default -> config ``[params]`` -> the last value
        used in this incident (journal) -> ``given``.
        """
        step, book = self.step_to_run(step_ref, runbook_id)
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

    def step_to_run(self, step_ref: str | int, runbook_id: str | None = None) -> tuple[Any, Any]:
        """The step and its runbook, for asking its parameters or preparing its command; refused in a replay for
        any step but a query (a replay has the past's metrics and nothing else: no system to run a command on)."""
        step = self.step(step_ref, runbook_id)
        book = self.runbook(runbook_id)
        assert book is not None
        replayed = (self.state.drill or {}).get("replay")
        if replayed and step.kind != "promql":
            raise WarroomError(f"step {step.number} ({step.label}): {self.id} rehearses {replayed}, whose"
                               " recorded metrics are all a replay holds; commands are not run (tick or skip it)")
        return step, book

    def prepare_step(self, step_ref: str | int, params: dict[str, str] | None = None,
                     runbook_id: str | None = None) -> PreparedStep:
        """Resolve a step and its parameters into the exact command that would run; a step of
        the current runbook, or of the open runbook ``runbook_id`` (one a GO opened beside it).

        Raises ``NotFoundError`` (unknown step), ``ParamError`` (missing or invalid parameters,
        every problem listed) or ``WarroomError`` (a parameter given that the step does not use).
        """
        after_resolve.require_open(self.state, self.id, "run a step")   # before anything about the step
        step, book = self.step_to_run(step_ref, runbook_id)
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
                    problems.append((p.name, f"parameter {p.name}: the runbook's pattern {p.pattern!r}"
                                             f" is invalid: {exc}"))
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
