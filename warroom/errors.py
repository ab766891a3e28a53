"""The one exception family the CLI turns into a clear message instead of a traceback."""

from __future__ import annotations


class WarroomError(Exception):
    """A problem the user can act on; ``str(err)`` is the whole message shown to them.

    ``exit_code`` lets the CLI map a failure class to its documented exit status.
    """

    exit_code: int = 2

    def __init__(self, message: str, *, exit_code: int | None = None) -> None:
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code


class ConfigError(WarroomError):
    """A config file that cannot be used; the message names the file and the key path."""


class NotFoundError(WarroomError):
    """An incident, runbook, step or template that does not exist."""

    exit_code = 4
