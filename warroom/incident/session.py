"""The incident service layer: the one API that both the headless CLI and the TUI call.

An :class:`Incident` wraps one incident directory. Every method that changes the incident is
exactly one journal append (validated first, so a refused call writes nothing, except where the
refusal itself is worth recording: a step refused in a read-only session or without confirmation
is journaled as ``step.refused``). Reading is ``incident.state`` (rebuilt from the journal,
incrementally, so calling it after every action is cheap) and ``incident.runbook()`` (the
snapshot taken when the runbook was attached, so a resumed incident sees exactly the steps it
started with even if the library changed since).

Typical use (CLI and TUI alike)::

    store = IncidentStore.from_config(cfg)
    inc = store.create(title="Quota at 92%", severity="P3", runbook="RB-CORE-003")
    prepared = inc.prepare_step("3", {"namespace": "prod"})   # ParamError if missing/invalid
    if prepared.mutating: ...ask the user...
    handle = inc.run_step(prepared, confirm=True)             # StepRefused / DryRun / a runner handle
    inc.note("root-cause", "retry storm after deploy")
    inc.resolve("quota back under 60%", resolution="circuit breaker enabled")
    result = inc.export("pir")

Threads: methods may be called from worker threads; state refreshes are serialised by a lock.
The journal itself is safe across processes.
"""

from __future__ import annotations

import difflib
import re
import shlex
import shutil
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from warroom.config import Config
from warroom.errors import NotFoundError, WarroomError
from warroom.execute.safety import StepRefused  # one refusal class for the runner and for us
from warroom.incident import events as ev
from warroom.incident import runbook_ref
from warroom.incident.journal import Event, Journal, JournalError, JournalFollower, JournalRead, format_ts
from warroom.incident.state import IncidentState
from warroom.incident.store import FILE_MODE, JOURNAL_NAME, make_private_dir

if TYPE_CHECKING:
    from warroom.incident.pir import ExportResult
    from warroom.runbook.model import Runbook, Step


class ParamError(WarroomError):
    """Parameters missing or not matching their pattern; ``problems`` lists (name, message)."""

    exit_code = 2

    def __init__(self, message: str, problems: list[tuple[str, str]]) -> None:
        super().__init__(message)
        self.problems = problems



class JournalDamaged(WarroomError):
    """The journal has a damaged line: the incident is read-only until someone looks at it."""

    exit_code = 6


def validate_severity(severity: str) -> str:
    if severity not in ev.SEVERITIES:
        raise WarroomError(f"severity must be one of {', '.join(ev.SEVERITIES)}, got {severity!r}")
    return severity


def validate_tag(tag: str) -> str:
    if tag not in ev.NOTE_TAGS:
        close = difflib.get_close_matches(tag, ev.NOTE_TAGS, n=1, cutoff=0.5)
        hint = f" (did you mean {close[0]}?)" if close else ""
        raise WarroomError(f"unknown note tag {tag!r}{hint}; use one of {', '.join(ev.NOTE_TAGS)}")
    return tag


@dataclass(frozen=True)
class ParamPrompt:
    """One parameter a step needs, with the value it would get and where that came from.

    ``source`` is the last layer that supplied ``value``: runbook (front-matter default), config
    (``[params]``), journal (an earlier answer in this incident), given (the caller), or None.
    """

    name: str
    value: str | None
    source: str | None
    help: str | None = None
    pattern: str | None = None
    declared: bool = False
    label: str = ""

    @property
    def display(self) -> str:
        """The name as the runbook writes it (``instance label from alert``)."""
        return self.label or self.name

    @property
    def missing(self) -> bool:
        return self.value is None or self.value == ""


@dataclass
class PreparedStep:
    """A step resolved and ready to run: the exact command, where it acts, whether it mutates."""

    step: Step
    runbook_id: str
    command: str | None
    params: dict[str, str]
    prompts: list[ParamPrompt]
    target: dict[str, str]
    mutating: bool
    timeout: float
    # The literal checked against the output (the step's ``expect=`` attribute), not the prose.
    expect: str | None

    @property
    def number(self) -> int:
        return self.step.number

    @property
    def step_id(self) -> str:
        return self.step.id

    @property
    def label(self) -> str:
        return self.step.label

    @property
    def kind(self) -> str:
        return self.step.kind

    def ref(self) -> dict[str, Any]:
        return {"step": self.step.number, "step_id": self.step.id, "label": self.step.label}


@dataclass
class DryRun:
    """What ``run_step(dry_run=True)`` returns: the command recorded, nothing executed."""

    prepared: PreparedStep
    event: Event


@dataclass
class _Cache:
    follower: JournalFollower
    state: IncidentState = field(default_factory=IncidentState)


class Incident:
    """One incident: its directory, its journal and the operations on it."""

    def __init__(self, inc_id: str, path: Path, config: Config | None = None,
                 clock: Callable[[], datetime] | None = None, actor: str | None = None) -> None:
        self.id = inc_id
        self.dir = Path(path)
        self.config = config or Config()
        self.clock = clock or (lambda: datetime.now(UTC))
        self.journal = Journal(self.dir / JOURNAL_NAME, actor=actor or self.config.incident.commander)
        self._lock = threading.RLock()
        self._cache = _Cache(JournalFollower(self.journal.path))
        self._runbook: tuple[str, Runbook] | None = None
        self._redactor: Any = None

    def __repr__(self) -> str:
        return f"Incident({self.id!r})"

    def redact(self, text: str) -> str:
        """Text typed by people (notes, summaries, reasons) goes through the same redaction as
        command output: a token pasted into a note never reaches the journal or the PIR."""
        if self._redactor is None:
            import os

            from warroom.execute.redact import RedactionSettings, Redactor

            env = dict(os.environ)
            env.update(self.config.execute.env)
            self._redactor = Redactor.from_env(env, RedactionSettings.from_config(self.config.redaction))
        return str(self._redactor.redact_text(text))

    @property
    def outputs_dir(self) -> Path:
        return self.dir / "outputs"

    # ------------------------------------------------------------------ reading

    def refresh(self) -> IncidentState:
        """Read whatever was appended since the last call (by anyone) and fold it in."""
        with self._lock:
            cache = self._cache
            new = cache.follower.poll()
            for e in new:
                cache.state.apply(e)
            if not cache.state.id:
                cache.state.id = self.id
            cache.state.journal_issues = cache.follower.snapshot().describe()
            return cache.state

    @property
    def state(self) -> IncidentState:
        """The current state (refreshed from the journal). Treat it as read-only."""
        return self.refresh()

    def read(self) -> JournalRead:
        """The valid events so far and any problem that stopped the reader."""
        with self._lock:
            self.refresh()
            return self._cache.follower.snapshot()

    def verify(self) -> JournalRead:
        """Check every line, the hash chain and the head pointer; issues name line and seq."""
        return self.journal.verify()

    def runbook(self) -> Runbook | None:
        """The runbook snapshot attached last (parsed once and cached)."""
        ref = self.state.runbook
        if not ref:
            return None
        snap = self.dir / str(ref.get("snapshot") or "runbook.md")
        with self._lock:
            if self._runbook is not None and self._runbook[0] == str(snap):
                return self._runbook[1]
            if not snap.is_file():
                raise NotFoundError(f"{snap}: the incident's runbook snapshot is missing")
            book = runbook_ref.load_file(snap)
            if ref.get("id") and book.id != ref["id"]:
                book.id = str(ref["id"])  # an id derived from the file name: keep the original's
            self._runbook = (str(snap), book)
            return book

    def step(self, ref: str | int) -> Step:
        """A runbook step by number, id or label; unknown refs name the closest ones."""
        book = self.runbook()
        if book is None:
            raise NotFoundError(f"{self.id} has no runbook attached (`warroom incident attach {self.id} REF`)")
        found = book.step(ref)
        if found is None:
            names = [s.id for s in book.steps] + [s.label for s in book.steps]
            close = difflib.get_close_matches(str(ref), names, n=3, cutoff=0.5)
            hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
            count = len(book.steps)
            raise NotFoundError(f"{self.id}: no step {str(ref)!r} in {book.id} (steps 1..{count}){hint}")
        return found

    # ------------------------------------------------------------------ writing

    def _append(self, type_: str, data: dict[str, Any], *, allow_damaged: bool = False) -> Event:
        """The single write path: refuse on a damaged journal, append, fold the event in."""
        with self._lock:
            state = self.refresh()
            if self._cache.follower.issues and not allow_damaged:
                issue = self._cache.follower.issues[0]
                raise JournalDamaged(
                    f"{self.id}: journal {issue}; nothing more can be recorded until it is looked at"
                    f" (`warroom incident verify {self.id}`; show and export still work on the"
                    f" {state.event_count} valid events before it)"
                )
            event = self.journal.append(type_, data, ts=self.clock())
            self.refresh()
            return event

    def declare(self, *, title: str, severity: str, runbook: str | Path | None = None,
                source: dict[str, Any] | None = None, drill: dict[str, Any] | None = None,
                commander: str | None = None) -> Event:
        """Journal the declaration (the first event). The store calls this from ``create``."""
        validate_severity(severity)
        if self.journal.path.exists() and self.journal.path.stat().st_size > 0:
            raise WarroomError(f"{self.id} is already declared")
        make_private_dir(self.dir)
        make_private_dir(self.outputs_dir)
        rb = self._snapshot_runbook(runbook) if runbook else None
        data = {"id": self.id, "title": self.redact(title), "severity": severity, "runbook": rb,
                "source": dict(source or {"kind": "manual"}), "drill": drill,
                "commander": commander or self.journal.actor}
        return self._append(ev.DECLARED, data)

    def _snapshot_runbook(self, ref: str | Path) -> dict[str, Any]:
        """Copy the runbook into the incident dir and describe it (parsing it first)."""
        src = runbook_ref.resolve_ref(ref, self.config)
        book = runbook_ref.load_file(src)
        n = 1
        name = "runbook.md"
        while (self.dir / name).exists():
            n += 1
            name = f"runbook-{n}.md"
        dest = self.dir / name
        tmp = dest.with_name(f".{name}.tmp")
        try:
            shutil.copyfile(src, tmp)
            tmp.chmod(FILE_MODE)
            tmp.replace(dest)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise JournalError(f"{dest}: cannot snapshot runbook: {exc.strerror or exc}") from None
        self._runbook = None
        return {"id": book.id, "title": book.title, "path": str(src),
                "sha256": runbook_ref.sha256_file(dest), "snapshot": name}

    def attach_runbook(self, ref: str | Path) -> Event:
        """Attach (or replace) the runbook; step states of the old one stay in the journal."""
        return self._append(ev.RUNBOOK_ATTACHED, self._snapshot_runbook(ref))

    # ---- steps ---------------------------------------------------------------------------

    def param_prompts(self, step_ref: str | int, given: dict[str, str] | None = None) -> list[ParamPrompt]:
        """What the run dialog asks: each parameter of the step with its pre-filled value.

        Layers, later wins: runbook front-matter default -> config ``[params]`` -> the last value
        used in this incident (journal) -> ``given``.
        """
        step = self.step(step_ref)
        book = self.runbook()
        assert book is not None
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
            ))
        return prompts

    def prepare_step(self, step_ref: str | int, params: dict[str, str] | None = None) -> PreparedStep:
        """Resolve a step and its parameters into the exact command that would run.

        Raises ``NotFoundError`` (unknown step), ``ParamError`` (missing or invalid parameters,
        every problem listed) or ``WarroomError`` (a parameter given that the step does not use).
        """
        step = self.step(step_ref)
        book = self.runbook()
        assert book is not None
        given = {runbook_ref.param_key(k): v for k, v in (params or {}).items()}
        unknown = sorted(set(given) - set(step.params))
        if unknown:
            uses = ", ".join(step.params) or "no parameters"
            raise ParamError(f"step {step.number} ({step.label}) does not take {', '.join(unknown)};"
                             f" it uses {uses}", [(u, "not a parameter of this step") for u in unknown])
        prompts = self.param_prompts(step_ref, given)
        problems: list[tuple[str, str]] = []
        for p in prompts:
            if p.missing:
                why = f" ({p.help})" if p.help else ""
                problems.append((p.name, f"missing required parameter {p.name}{why}: pass --param {p.name}=VALUE"))
            elif p.pattern:
                try:
                    ok = re.fullmatch(p.pattern, p.value or "") is not None
                except re.error as exc:
                    problems.append((p.name, f"parameter {p.name}: the runbook's pattern {p.pattern!r} is invalid: {exc}"))
                    continue
                if not ok:
                    problems.append((p.name, f"parameter {p.name}={p.value!r} does not match {p.pattern!r}"
                                             f" (from {p.source})"))
        if problems:
            head = f"step {step.number} ({step.label}): "
            raise ParamError(head + "; ".join(m for _, m in problems), problems)
        values = {p.name: p.value or "" for p in prompts}
        declared = tuple(k for k, p in book.params.items() if p.declared)
        command = (runbook_ref.substitute(step.command, values, declared=declared, kind=step.kind)
                   if step.command is not None else None)
        mutating = bool(step.mutating)
        explicit = "mutating" in getattr(step, "attrs", {})
        if command is not None and not mutating and not explicit:
            from warroom.execute.safety import classify_mutating

            # The final command decides: a substituted value can turn a read-only-looking
            # template into something else. An author's explicit ``mutating=false`` fence
            # attribute stands (team decision: the prepared verdict, shown to the person, is
            # what the runner honours; it never re-classifies behind the dialog's back).
            mutating = bool(classify_mutating(command, step.kind))
        timeout = float(step.timeout) if step.timeout else float(self.config.execute.timeout)
        return PreparedStep(step=step, runbook_id=book.id, command=command, params=values,
                            prompts=prompts, target=detect_target(command or "", values, self.config),
                            mutating=mutating, timeout=timeout, expect=step.check)

    def run_step(self, prepared: PreparedStep, *, confirm: bool = False, dry_run: bool = False,
                 read_only: bool | None = None, **runner_options: Any) -> Any:
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
        """
        from warroom.execute import safety

        st = self.state
        if prepared.kind in self.NATIVE_KINDS and not dry_run:
            raise WarroomError(f"step {prepared.number} ({prepared.label}) is a {prepared.kind} step:"
                               " it runs in-process (run_native_step), never through a shell")
        if prepared.kind == "manual" or prepared.command is None:
            raise WarroomError(f"step {prepared.number} ({prepared.label}) is a checklist item with nothing"
                               f" to run: tick it (`warroom incident tick {self.id} {prepared.number}`)")
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
        self.refresh()
        return self._start_runner(prepared, confirmed=bool(confirm), read_only=ro, **runner_options)

    def _run_spec(self, prepared: PreparedStep, confirmed: bool, read_only: bool) -> Any:
        from warroom.execute import safety
        from warroom.execute.runner import RunSpec

        command = prepared.command or ""
        return RunSpec.from_config(
            self.config, incident_dir=self.dir, command=command, timeout=prepared.timeout,
            step=prepared.number, step_id=prepared.step_id, label=prepared.label, kind=prepared.kind,
            params=dict(prepared.params), mutating=bool(prepared.mutating),
            confirm=bool(getattr(prepared.step, "confirm", False)),
            confirmation=safety.Confirmation.of(command, via="dialog") if confirmed else None,
            read_only=read_only, target=dict(prepared.target), expect=prepared.expect,
            actor=self.journal.actor,
        )

    def _start_runner(self, prepared: PreparedStep, *, confirmed: bool, **options: Any) -> Any:
        """Hand the step to the execute engine's supervised runner (it journals start and end)."""
        from warroom.execute.runner import start_step

        make_private_dir(self.outputs_dir)
        if self.state.drill is not None:
            options = self._drill_options(options)
        return start_step(self, prepared, confirmed=confirmed, **options)

    def _drill_options(self, options: dict[str, Any]) -> dict[str, Any]:
        """A drill incident's commands only ever reach the drill's stand-ins.

        The dashboard passes the drill's environment itself; a headless ``incident run`` on a
        drill incident gets it from the drill directory recorded at declaration. With neither,
        the step is refused: running a drill's ``kubectl set env`` against whatever cluster the
        shell points at is exactly what a drill must never do.
        """
        from warroom.drill.env import ENV_DIR

        env = dict(options.get("env") or {})
        if env.get(ENV_DIR):
            return options
        return {**options, "env": {**self.open_drill().env(), **env}}

    def open_drill(self) -> Any:
        """The drill this incident belongs to (its simulator and stand-ins).

        Raises when the incident is a drill whose directory is gone: nothing of a drill may
        fall through to real tools or a real Prometheus.
        """
        drill_dir = (self.state.drill or {}).get("dir")
        if not drill_dir or not Path(drill_dir).is_dir():
            raise WarroomError(
                f"{self.id} is a drill incident but its drill directory"
                f" ({drill_dir or 'not recorded'}) is gone; its commands run only against the"
                " drill's stand-ins, so nothing was run (open it with `warroom drill`)")
        from warroom.drill.simulator import open_drill

        return open_drill(Path(drill_dir))

    def reconcile(self) -> tuple[list[Any], list[Any]]:
        """On resume: handles for steps still running (to reattach to their output) and the
        results journaled as ``interrupted`` for steps whose supervisor died without an end."""
        from warroom.execute.runner import reconcile

        with self._lock:
            events = self.read().events
            result = reconcile(self.dir, events, memory_lines=self.config.execute.memory_lines)
            self.refresh()
            return result

    NATIVE_KINDS = ("promql", "k8s")

    def run_native_step(self, prepared: PreparedStep, *, confirm: bool = False, read_only: bool | None = None,
                        metric_source: Any = None, kube: Any = None) -> Any:
        """Run a ``promql`` / ``k8s`` step in this process (no shell) and journal it like a command.

        Blocking: call it from a worker thread. The same refusal rules as :meth:`run_step`
        (``execute.safety.decide``); then ``step.started``, the output file, ``step.finished``
        with the ``NativeResult``'s status and exit code. ``metric_source`` is what ``promql``
        queries (the configured Prometheus, or the drill's simulator); ``kube`` an optional
        ``KubeSource``. Returns the ``warroom.sources.native.NativeResult``.
        """
        from warroom.execute import safety
        from warroom.execute.runner import allocate_output
        from warroom.sources.native import run_native_step

        if prepared.kind not in self.NATIVE_KINDS or prepared.command is None:
            raise WarroomError(f"step {prepared.number} ({prepared.label}) is not a native step")
        ro = self.config.read_only if read_only is None else bool(read_only)
        command = prepared.command
        spec = self._run_spec(prepared, confirm, ro)
        decision = safety.decide(spec)
        if decision.action != "run":
            self._append(ev.STEP_REFUSED, decision.event_data())
            raise safety.StepRefused(f"{decision.reason or 'refused'} (recorded in the journal)")
        make_private_dir(self.outputs_dir)
        output, rel = allocate_output(self.dir, prepared.step_id)
        started = self.clock()
        self._append(ev.STEP_STARTED, {
            **prepared.ref(), "kind": prepared.kind, "command": decision.command_redacted,
            "params": dict(decision.params or {}), "mutating": decision.mutating,
            "confirmed": decision.confirmed, "confirmed_via": "dialog" if decision.confirmed else None,
            "target": dict(prepared.target), "timeout": prepared.timeout, "output": rel,
            "supervisor_pid": None, "pid": None, "pgid": None, "evidence_before": None})
        result = run_native_step(prepared.kind, command, self.config, metric_source=metric_source, kube=kube)
        redactor = spec.redactor()
        lines = [redactor.redact_text(line) for line in result.lines]
        data = "".join(("\x1f" + ln if result.status != "ok" and ln.startswith("error") else ln) + "\n"
                       for ln in lines).encode("utf-8", "replace")
        with open(output, "ab") as f:
            f.write(data)
        ended = self.clock()
        self._append(ev.STEP_FINISHED, {
            **prepared.ref(), "status": result.status, "exit_code": result.exit_code, "signal": None,
            "started_at": format_ts(started), "ended_at": format_ts(ended),
            "duration": round(max(0.0, (ended - started).total_seconds()), 3),
            "expect": prepared.expect, "expect_met": None,
            "excerpt": "\n".join(lines[-10:])[-400:], "output": rel, "lines": len(lines), "bytes": len(data)})
        return result

    def _checklist_ref(self, step_ref: str | int) -> dict[str, Any]:
        step = self.step(step_ref)
        return {"step": step.number, "step_id": step.id, "label": step.label}

    def tick(self, step_ref: str | int) -> Event:
        """Mark a step done by hand (checklist items, or a command run elsewhere)."""
        ref = self._checklist_ref(step_ref)
        cur = self.state.steps.get(ref["step_id"])
        if cur is not None and cur.status == "ticked":
            raise WarroomError(f"step {ref['step']} ({ref['label']}) is already ticked")
        return self._append(ev.STEP_TICKED, ref)

    def untick(self, step_ref: str | int) -> Event:
        ref = self._checklist_ref(step_ref)
        cur = self.state.steps.get(ref["step_id"])
        if cur is None or cur.status != "ticked":
            raise WarroomError(f"step {ref['step']} ({ref['label']}) is not ticked")
        return self._append(ev.STEP_UNTICKED, ref)

    def skip(self, step_ref: str | int, reason: str) -> Event:
        """Skip a step; the reason is required because the PIR lists it."""
        reason = reason.strip()
        if not reason:
            raise WarroomError("skipping a step needs a reason (--reason)")
        ref = self._checklist_ref(step_ref)
        return self._append(ev.STEP_SKIPPED, {**ref, "reason": self.redact(reason)})

    # ---- people ---------------------------------------------------------------------------

    def note(self, tag: str, text: str, *, owner: str | None = None, due: str | None = None) -> Event:
        """A tagged note; root-cause / went-well / went-wrong / action / lesson feed the PIR."""
        validate_tag(tag)
        text = text.strip()
        if not text:
            raise WarroomError("a note needs some text")
        data: dict[str, Any] = {"tag": tag, "text": self.redact(text)}
        if owner:
            data["owner"] = owner
        if due:
            data["due"] = due
        return self._append(ev.NOTE, data)

    def set_severity(self, severity: str, reason: str = "") -> Event:
        validate_severity(severity)
        old = self.state.severity
        if old == severity:
            raise WarroomError(f"{self.id} is already {severity}")
        return self._append(ev.SEVERITY_CHANGED, {"from": old, "to": severity, "reason": self.redact(reason)})

    def set_status(self, status: str) -> Event:
        if status not in ev.STATUSES or status == "resolved":
            allowed = ", ".join(s for s in ev.STATUSES if s != "resolved")
            raise WarroomError(f"status must be one of {allowed} (resolve with `incident resolve`), got {status!r}")
        return self._append(ev.STATUS_CHANGED, {"from": self.state.status, "to": status})

    def mark_phase(self, phase: str, at: datetime | None = None, reason: str = "") -> Event:
        """Set a response-time milestone explicitly (possibly back-dated)."""
        if phase not in ev.PHASES:
            raise WarroomError(f"phase must be one of {', '.join(ev.PHASES)}, got {phase!r}")
        when = at or self.clock()
        data: dict[str, Any] = {"phase": phase, "at": format_ts(when)}
        if reason:
            data["reason"] = self.redact(reason)
        return self._append(ev.PHASE_MARKED, data)

    def add_timeline(self, text: str, at: datetime | None = None) -> Event:
        """A hand-written timeline entry, possibly back-dated."""
        text = text.strip()
        if not text:
            raise WarroomError("a timeline entry needs some text")
        return self._append(ev.TIMELINE_ENTRY, {"at": format_ts(at or self.clock()), "text": self.redact(text)})

    def correct_timeline(self, seq: int, text: str) -> Event:
        """Replace the shown text of an earlier entry or note; the original line stays."""
        text = text.strip()
        if not text:
            raise WarroomError("a correction needs the corrected text")
        st = self.state
        if not any(t.seq == seq for t in st.timeline):
            raise NotFoundError(f"{self.id}: no timeline entry with seq {seq}")
        return self._append(ev.CORRECTION, {"seq": seq, "text": self.redact(text)})

    def record_status_update(self, text: str, channels: list[str] | None = None,
                             webhook: dict[str, Any] | None = None) -> Event:
        text = text.strip()
        if not text:
            raise WarroomError("a status update needs some text")
        return self._append(ev.STATUS_UPDATE, {"text": self.redact(text), "channels": list(channels or []),
                                               "webhook": webhook})

    def record_alert(self, alert: dict[str, Any]) -> Event:
        """An alert seen firing while the incident is open (the sources engine calls this)."""
        return self._append(ev.ALERT_SEEN, dict(alert))

    def record_evidence(self, values: dict[str, Any], *, step: int | None = None, step_id: str | None = None,
                        when: str = "sample", offset: float | None = None) -> Event:
        """SLO values as evidence: ``values`` is {slo_id: {value, unit, state}}."""
        data: dict[str, Any] = {"when": when, "values": values}
        if step is not None:
            data["step"] = step
            data["step_id"] = step_id
        if offset is not None:
            data["offset"] = offset
        return self._append(ev.EVIDENCE, data)

    def resolve(self, summary: str, resolution: str | None = None, rollback: bool = False, *,
                type: str | None = None, affected_repos: str | None = None) -> Event:
        """Close the incident; a second resolve is an error (reopen first)."""
        summary = summary.strip()
        if not summary:
            raise WarroomError("resolving needs a summary (--summary)")
        st = self.state
        if st.resolved:
            raise WarroomError(f"{self.id} is already resolved (at {format_ts(st.resolved_at)})"
                               if st.resolved_at else f"{self.id} is already resolved")
        data: dict[str, Any] = {"summary": self.redact(summary),
                                "resolution": self.redact((resolution or summary).strip()),
                                "rollback": bool(rollback)}
        if type:
            data["type"] = self.redact(type)
        if affected_repos:
            data["affected_repos"] = self.redact(affected_repos)
        return self._append(ev.RESOLVED, data)

    def reopen(self, reason: str) -> Event:
        if not self.state.resolved:
            raise WarroomError(f"{self.id} is not resolved")
        return self._append(ev.REOPENED, {"reason": self.redact(reason.strip())})

    # ---- exports ---------------------------------------------------------------------------

    def render(self, template: str = "pir", now: datetime | None = None) -> str:
        """The PIR draft as markdown (what the PIR pane shows), without writing anything."""
        from warroom.incident.pir import render_pir

        return render_pir(self.state, template, self.config, now=now or self.clock())

    def export(self, template: str = "pir", out_dir: str | Path | None = None,
               now: datetime | None = None, log: bool = True) -> ExportResult:
        """Render, write ``<template>.md`` (never over hand edits), log a CSV row, journal it."""
        from warroom.incident.pir import export_pir

        return export_pir(self, template, out_dir=out_dir, now=now or self.clock(), log=log)


# ---------------------------------------------------------------------------------- targets

_KUBE_TOOLS = ("kubectl", "helm", "kubectx", "oc")
_SSH_ARG_OPTS = set("BbcDEeFIiJLlmOoPpQRSWw")


def _flag_value(words: list[str], names: tuple[str, ...]) -> str | None:
    for i, w in enumerate(words):
        for n in names:
            if w == n and i + 1 < len(words):
                return words[i + 1]
            if n.startswith("--") and w.startswith(n + "="):
                return w[len(n) + 1:]
            if not n.startswith("--") and w.startswith(n) and len(w) > len(n):
                return w[len(n):]
    return None


def detect_target(command: str, params: dict[str, str], config: Config) -> dict[str, str]:
    """Where a command acts, as far as we can tell: kube context/namespace, host.

    Read from the command's own flags first, then well-known parameter names, then the config
    (``[kubernetes]`` context/namespace for kube tools). Unknown stays absent: the UI shows
    what it knows, never a guess dressed as fact.
    """
    try:
        words = shlex.split(command, comments=True)
    except ValueError:
        words = command.split()
    target: dict[str, str] = {}
    tools = {Path(w).name for w in words}
    if tools & set(_KUBE_TOOLS):
        ctx = _flag_value(words, ("--context", "--kube-context")) or params.get("context") \
            or config.kubernetes.context
        ns = _flag_value(words, ("--namespace", "-n")) or params.get("namespace") or config.kubernetes.namespace
        if "--all-namespaces" in words or "-A" in words:
            ns = "(all namespaces)"
        target["context"] = ctx or "(current context)"
        if ns:
            target["namespace"] = ns
    host = None
    if "ssh" in tools:
        i = next(i for i, w in enumerate(words) if Path(w).name == "ssh")
        rest = words[i + 1:]
        while rest and rest[0].startswith("-"):
            opt = rest.pop(0)
            if len(opt) == 2 and opt[1] in _SSH_ARG_OPTS and rest:
                rest.pop(0)
        host = rest[0] if rest else None
    elif tools & {"psql", "redis-cli", "mysql"}:
        host = _flag_value(words, ("-h", "--host"))
    elif tools & {"curl", "wget", "http"}:
        url = next((w for w in words if w.startswith(("http://", "https://"))), None)
        host = urlparse(url).hostname if url else None
    host = host or params.get("host") or params.get("hostname")
    if host:
        target["host"] = host
    return target
