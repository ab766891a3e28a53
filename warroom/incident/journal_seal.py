"""Moved to :mod:`warroom.journal.seal` (the journal is the layer below the incident service
and the step runner). Kept so code written against the old path still imports."""

from warroom.journal.seal import *  # noqa: F403
