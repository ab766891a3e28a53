"""What a step run is asked to do (:class:`RunSpec`) and what it came to (:class:`StepResult`).

These cross the process boundary: the spec is handed to the supervisor as JSON and the result is
read back from the journal, so both are plain data kept apart from the code that spawns, follows
or recovers runs.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from warroom.errors import WarroomError
from warroom.execute.confirmation import Confirmation
from warroom.execute.seat_mark import OBSERVER_MARK  # noqa: F401  (its home before seat_mark)
from warroom.execute.redact import RedactionSettings, Redactor, looks_secret_name
from warroom.journal.log import Event


class ExecuteError(WarroomError):
    """The step could not be started (supervisor failed, journal not writable, bad spec)."""


class StartOvertaken(ExecuteError):
    """The step was judged on a journal that has since taken a line of a type that may change the
    judgement (``RunSpec.start_after``: a resolution, a runbook closed): its supervisor wrote no
    ``step.started`` and let nothing run. The caller judges again on the new state."""



@dataclass
class RunSpec:
    """Everything needed to run one step. ``command`` is the final command, parameters already
    substituted (shell-quoted) — it runs exactly as given and is journaled redacted."""

    incident_dir: Path
    command: str
    step: int | None = None
    step_id: str = "command"
    runbook_id: str | None = None
    label: str = ""
    kind: str = "shell"
    params: dict[str, str] = field(default_factory=dict)
    off_default: dict[str, str] = field(default_factory=dict)   # params given other than the runbook's own
    section: str = ""                  # the runbook section of the step: what kind of run it is (``marks.run_kind``)
    phase: str = ""                    # that section's phase (``Step.phase``)
    mutating: bool | None = None
    confirm: bool = False
    confirmation: Confirmation | None = None
    read_only: bool = False
    # A read-only seat's run (``Config.observer``; not a replay's read-only world): its lines carry ``OBSERVER_MARK``,
    # so the incident keeps it the observer's, never the response's run of the step (``warroom.incident.observer_seat``)
    observer: bool = False
    target: dict[str, str] = field(default_factory=dict)
    timeout: float | None = 300.0
    kill_grace: float = 5.0
    shell: str = "/bin/bash"
    env: dict[str, str] = field(default_factory=dict)
    # names the step's environment never takes from the caller's (``build_env``): a seat's mark the caller's shell may
    # hold (a read-only drill shell's ``WARROOM_DRILL_READ_ONLY``) is decided per run, never inherited (attack48 Z4)
    unset_env: tuple[str, ...] = ()
    path_prepend: list[str] = field(default_factory=list)
    cwd: str | None = None
    expect: str | None = None          # the literal (or /regex/) the output must hold
    expect_text: str | None = None     # the runbook's expectation as written (numeric prose)
    memory_lines: int = 2000
    max_output: int = 100_000_000
    excerpt_lines: int = 10
    redaction: RedactionSettings = field(default_factory=RedactionSettings)
    evidence_before: dict[str, Any] | None = None
    actor: str | None = None
    # Shell variables earlier steps of the incident set (given literally, never expanded), and
    # the names this step sets, whose values are captured when it ends (issue 14: a runbook is
    # written as one shell session; see warroom.runbook.shellvars and execute.shell_state).
    shell_vars: dict[str, str] = field(default_factory=dict)
    capture_vars: list[str] = field(default_factory=list)
    known_secrets: dict[str, str] = field(default_factory=dict)   # redaction.known_secrets
    # (seq, types): the journal head the caller judged the run on, and the line types that would
    # change its judgement. The supervisor journals ``step.started`` only if none was appended
    # since (under the journal's lock, before the command is let go); else ``StartOvertaken``.
    start_after: tuple[int, tuple[str, ...]] | None = None
    # Where the incident's clock stands when it does not run with the wall (a drill pinned by
    # $WARROOM_DRILL_AT; ``Incident.clock_held``), None for the wall clock: the supervisor stamps
    # ``step.started``/``step.finished`` (and an interrupted end) with it, as every other line is.
    clock_held: datetime | None = None
    # The approval this run spends (``approvals.use_of_run``): journaled in its ``step.started``, so
    # the use and the start are one line, written together under the journal's lock or not at all;
    # ``start_before``: the approval's end — a start stamped at or past it is refused (overtaken).
    approval: dict[str, Any] | None = None
    start_before: datetime | None = None
    # The caller journals ``step.started`` itself (a shared incident: in the shared store, judged
    # under the store's lock, which the supervisor cannot reach): called with the start's data once
    # the command waits at its gate; it returns the event, or raises (``HeadMoved``: overtaken) and
    # the command never runs. Not sent to the supervisor (a callable of this process).
    journal_start: Callable[[dict[str, Any]], Event] | None = field(default=None, repr=False, compare=False)

    @classmethod
    def from_config(cls, cfg: Any, *, incident_dir: str | os.PathLike[str], command: str,
                    timeout: float | None = None, env: Mapping[str, str] | None = None,
                    **kw: Any) -> RunSpec:
        """Defaults from ``warroom.config.Config``: shell, timeout (a step's own ``timeout`` wins),
        kill_grace, memory_lines, execute.env (plus ``env``), redaction, read_only."""
        ex = cfg.execute
        merged = dict(ex.env)
        merged.update(env or {})
        kw.setdefault("read_only", bool(cfg.read_only))
        kw.setdefault("observer", bool(getattr(cfg, "observer", False)))
        return cls(incident_dir=Path(incident_dir), command=command,
                   timeout=timeout if timeout is not None else ex.timeout,
                   kill_grace=ex.kill_grace, shell=ex.shell, env=merged,
                   memory_lines=ex.memory_lines, max_output=ex.max_output,
                   redaction=RedactionSettings.for_config(cfg),
                   known_secrets=dict(getattr(getattr(cfg, "redaction", None), "known_secrets", {}) or {}), **kw)

    def build_env(self) -> dict[str, str]:
        """The step's environment: the user's but ``unset_env``, plus ``env``, with ``path_prepend`` first on PATH."""
        env = {k: v for k, v in os.environ.items() if k not in self.unset_env}
        env.update({k: os.path.expandvars(os.path.expanduser(v)) for k, v in self.env.items()})
        env.update(self.shell_vars)
        if self.path_prepend:
            parts = [str(p) for p in self.path_prepend]
            if env.get("PATH"):
                parts.append(env["PATH"])
            env["PATH"] = os.pathsep.join(parts)
        return env

    def secret_params(self) -> dict[str, str]:
        """Literal secrets for the step's redactor: secret-named parameters' values and the
        config's known secrets (the shared store's password)."""
        out = {k: str(v) for k, v in self.params.items() if looks_secret_name(k, self.redaction.env_names)}
        out.update(self.known_secrets)
        return out

    def redactor(self) -> Redactor:
        return Redactor.from_env(self.build_env(), self.redaction, self.secret_params())


@dataclass(frozen=True)
class StepResult:
    """How a step ended (the ``step.finished`` event's data, typed)."""

    status: str
    exit_code: int | None
    signal: str | None
    started_at: str | None
    ended_at: str | None
    duration: float | None
    expect: str | None
    expect_met: bool | None
    excerpt: str
    output: str
    lines: int
    bytes: int
    seq: int | None = None
    data: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @classmethod
    def from_event(cls, event: Event) -> StepResult:
        d = event.data
        return cls(status=str(d.get("status")), exit_code=d.get("exit_code"), signal=d.get("signal"),
                   started_at=d.get("started_at"), ended_at=d.get("ended_at"),
                   duration=d.get("duration"), expect=d.get("expect"), expect_met=d.get("expect_met"),
                   excerpt=str(d.get("excerpt") or ""), output=str(d.get("output")),
                   lines=int(d.get("lines") or 0), bytes=int(d.get("bytes") or 0),
                   seq=event.seq, data=dict(d))
