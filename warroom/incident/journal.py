"""Moved to :mod:`warroom.journal.log` (the journal is the layer below the incident service
and the step runner). Kept so code written against the old path still imports."""

from warroom.journal.log import *  # noqa: F403
