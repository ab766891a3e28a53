"""Moved to :mod:`warroom.syntax.shell_words` (command text is read by the runbook parser and the step
runner alike, so it sits below both). Kept so code written against the old path still imports."""

from warroom.syntax.shell_words import *  # noqa: F403
