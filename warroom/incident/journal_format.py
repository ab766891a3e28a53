"""Moved to :mod:`warroom.journal.encoding` (the journal is the layer below the incident service
and the step runner). Kept so code written against the old path still imports."""

from warroom.journal.encoding import *  # noqa: F403
