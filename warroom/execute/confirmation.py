"""A person's agreement to run one exact command (the confirm dialog, or ``--yes``): what the
runner checks before a step that changes things runs. Kept on its own so the run spec (which
carries it) and the safety rules (which check it) need not import each other."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass


def _digest(command: str) -> str:
    return hashlib.sha256(command.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class Confirmation:
    """Proof that a person agreed to run one exact command.

    Create it only where a person actually confirmed: the UI's confirm dialog, or the ``--yes``
    flag of the headless CLI.
    """

    command_sha256: str
    via: str = "dialog"

    @classmethod
    def of(cls, command: str, via: str = "dialog") -> Confirmation:
        return cls(_digest(command), via)

    def covers(self, command: str) -> bool:
        return hmac.compare_digest(self.command_sha256, _digest(command))
