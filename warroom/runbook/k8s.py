"""Moved to :mod:`warroom.syntax.k8s` (command text is read by the runbook parser and the step
runner alike, so it sits below both). Kept so code written against the old path still imports."""

from warroom.syntax.k8s import *  # noqa: F403
