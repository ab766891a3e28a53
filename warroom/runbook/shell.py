"""Moved to :mod:`warroom.syntax.shell` (command text is read by the runbook parser and the step
runner alike, so it sits below both). Kept so code written against the old path still imports."""

from warroom.syntax.shell import *  # noqa: F403
