"""What the incident API hands back between choosing a step and running it.

A step is first *prepared* (parameters layered and checked, the final command classified) and only
then run, so the dialog can show exactly what will happen; these types carry that in-between
state and the parameter errors that stop it, and are shared by the CLI and the TUI.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from warroom.errors import WarroomError
from warroom.journal.log import Event

if TYPE_CHECKING:
    from warroom.runbook.model import Step


class ParamError(WarroomError):
    """Parameters missing or not matching their pattern; ``problems`` lists (name, message)."""

    exit_code = 2

    def __init__(self, message: str, problems: list[tuple[str, str]], dialog: str | None = None) -> None:
        super().__init__(message)
        self.problems = problems
        # the same said to the run dialog, whose fields take the values (redteam49 F11: its preview said "pass
        # --param task_id=VALUE", the command line's way); the message itself where both read alike
        self.dialog = dialog if dialog is not None else message


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
    required: bool = True        # False: declared ``required = false``, it may run empty

    @property
    def display(self) -> str:
        """The name as the runbook writes it (``instance label from alert``)."""
        return self.label or self.name

    @property
    def missing(self) -> bool:
        """No value, or an empty one where the runbook did not declare the parameter optional."""
        return self.value is None or (self.required and self.value == "")


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
    # Said before running: shell variables the step reads that only an earlier step, not yet
    # run in this incident, sets ("uses $BAD_REV, set by step 2, which has not run").
    notes: tuple[str, ...] = ()
    # ``command`` with every secret redacted (secret parameters, secret env values, key formats):
    # the only form a screen, a terminal or an error message may show.
    command_redacted: str | None = None
    # The prose as written (``# Expected: below 1``): checked as a number when it states one.
    expect_text: str | None = None
    # Each parameter given a value other than the one the runbook (or the config's [params]) gives it: name -> that
    # value. A run so changed is not the runbook's step for a Go/No-Go's ``ran``/``not_ran`` (attack41 A8: the PII
    # redaction step run on the audit shipper lifted "redaction has not run").
    off_default: dict[str, str] = field(default_factory=dict)

    @property
    def shown(self) -> str:
        """The command as people see it (redacted); never ``command``, which may hold secrets."""
        return self.command_redacted if self.command_redacted is not None else ""

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
        return {"step": self.step.number, "step_id": self.step.id, "label": self.step.label,
                "runbook_id": self.runbook_id}


@dataclass
class DryRun:
    """What ``run_step(dry_run=True)`` returns: the command recorded, nothing executed."""

    prepared: PreparedStep
    event: Event
