"""State dirs as they were numbered before a state dir and its drills' store (``<state>/drills``)
shared one id sequence (redteam37 F10): then each store numbered its own ``INC-<date>-1`` up, so
the same id can name a real incident and a drill incident in state dirs made before. Every reader
must still tell the two apart; ``numbered_apart`` makes such a pair for the tests of that."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from warroom.paths import id_neighbour


@contextmanager
def numbered_apart(state_dir: str | Path) -> Iterator[None]:
    """Incidents declared in ``state_dir`` inside the block are numbered without its neighbour's ids
    (its neighbour's incidents are out of sight meanwhile), as every store was before."""
    hidden = id_neighbour(state_dir) / "incidents"
    aside = hidden.with_name(".incidents-numbered-apart")
    moved = hidden.is_dir()
    if moved:
        hidden.rename(aside)
    try:
        yield
    finally:
        if moved:
            aside.rename(hidden)
