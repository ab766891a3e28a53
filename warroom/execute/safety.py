"""Whether a step may run: confirmation tokens, read-only sessions, dry runs.

The rule is built so that forgetting something refuses instead of running:

* a step is **mutating** if the spec says so: ``RunSpec.mutating`` carries the prepared step's
  classification (the runbook engine's classifier plus the author's explicit fence attributes,
  e.g. ``mutating=false`` on a ``blocks quota show`` block) and is authoritative, so the person
  is asked about exactly what the dialog showed and never refused afterwards for a verdict they
  were not shown. Only a spec that leaves ``mutating=None`` (a bare command, no runbook) is
  classified here, by :mod:`warroom.execute.classify` on the final command; if no classifier
  is available it counts as mutating;
* a mutating step, or one whose fence says ``confirm=true``, needs a :class:`Confirmation` made
  for that exact final command (``Confirmation.of(command, via="dialog")`` from the UI's dialog,
  ``via="--yes"`` from the headless CLI). A token for another command does not count, so a
  parameter changed after the dialog cannot slip through;
* a read-only session (``--read-only`` / ``read_only = true``) refuses every mutating step, with
  or without a token; there the final command is always classified again and the spec's own
  ``mutating=False`` (e.g. from a runbook's ``mutating=false`` fence) never counts, so a runbook
  cannot loosen ``--read-only``;
* a dry run never runs anything and is always allowed: it returns the exact command.

:func:`decide` returns a :class:`Decision`; callers journal ``step.refused`` / ``step.dry_run``
with :meth:`Decision.event_data`. :func:`warroom.execute.runner.start` calls :func:`check` itself,
so a caller that skips :func:`decide` is refused all the same (``StepRefused``).

Screens show ``Decision.command_redacted``; ``Decision.command`` is the exact command for the
runner (it may hold secrets typed as parameters).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from warroom.errors import WarroomError

if TYPE_CHECKING:
    from warroom.execute.run_spec import RunSpec


class StepRefused(WarroomError):
    """A step that may not run (read-only session, or confirmation missing); message says why."""

    exit_code = 5  # the CLI's documented "refused" status


# Re-exported: the confirmation is the runner's input (``run_spec``); most callers know it from here.
from warroom.execute.confirmation import Confirmation as Confirmation  # noqa: E402


Action = Literal["run", "dry_run", "refuse"]


@dataclass(frozen=True)
class Decision:
    action: Action
    command: str
    command_redacted: str
    mutating: bool
    needs_confirmation: bool
    confirmed: bool
    reason: str | None = None
    step: int | None = None
    step_id: str | None = None
    runbook_id: str | None = None
    label: str = ""
    params: dict[str, str] | None = None

    def _runbook(self) -> dict[str, Any]:
        return {"runbook_id": self.runbook_id} if self.runbook_id else {}

    def event_data(self) -> dict[str, Any]:
        """Data for ``step.refused`` (action "refuse") or ``step.dry_run`` (action "dry_run")."""
        if self.action == "refuse":
            return {"step": self.step, "step_id": self.step_id, **self._runbook(),
                    "command": self.command_redacted,
                    "reason": self.reason}
        return {"step": self.step, "step_id": self.step_id, **self._runbook(), "label": self.label,
                "command": self.command_redacted, "params": dict(self.params or {})}


def classify_mutating(command: str, kind: str = "shell") -> bool | None:
    """Ask :func:`warroom.execute.classify.classify` (anything it cannot vouch for is mutating);
    None when no classifier is installed."""
    try:
        from warroom.execute.classify import classify
    except ImportError:
        return None
    return bool(classify(command, kind).mutating)


def step_is_mutating(spec: RunSpec) -> bool:
    """The spec's own verdict when it has one (the prepared step's, which the person saw);
    otherwise the final command's classification; unclassifiable counts as mutating."""
    if spec.mutating is not None:
        return bool(spec.mutating)
    verdict = classify_mutating(spec.command, spec.kind)
    return True if verdict is None else verdict


def decide(spec: RunSpec, *, dry_run: bool = False) -> Decision:
    redactor = spec.redactor()
    shown = redactor.redact_text(spec.command)
    mutating = step_is_mutating(spec)
    if spec.read_only and not mutating:
        # A read-only session trusts nothing but the classifier on the final command: a
        # runbook's ``mutating=false`` (or a caller's spec) can never loosen --read-only.
        verdict = classify_mutating(spec.command, spec.kind)
        mutating = True if verdict is None else verdict
    needs = mutating or spec.confirm
    confirmed = spec.confirmation is not None and spec.confirmation.covers(spec.command)
    params = {k: redactor.redact_text(str(v)) for k, v in spec.params.items()}
    common = dict(command=spec.command, command_redacted=shown, mutating=mutating,
                  needs_confirmation=needs, confirmed=confirmed, step=spec.step,
                  step_id=spec.step_id, runbook_id=spec.runbook_id, label=spec.label, params=params)
    where = f"step {spec.step}" if spec.step is not None else "this command"
    if dry_run:
        return Decision("dry_run", **common)  # type: ignore[arg-type]
    if mutating and spec.read_only:
        return Decision("refuse", reason=(
            f"read-only session: {where} changes things and was not run ({shown}); "
            "start warroom without --read-only (or set read_only = false) to run it"),
            **common)  # type: ignore[arg-type]
    if needs and not confirmed:
        why = "changes things" if mutating else "asks for confirmation"
        hint = ("a confirmation was given for a different command; confirm again"
                if spec.confirmation is not None else "confirm it in the dialog, or pass --yes")
        return Decision("refuse", reason=f"{where} {why} and was not confirmed ({shown}): {hint}",
                        **common)  # type: ignore[arg-type]
    return Decision("run", **common)  # type: ignore[arg-type]


def check(spec: RunSpec) -> Decision:
    """Raise :class:`StepRefused` unless the spec may run now."""
    d = decide(spec)
    if d.action != "run":
        raise StepRefused(d.reason or "step refused")
    return d
