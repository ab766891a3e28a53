"""The end-of-drill report reads the drill's series and signals directly (it counts the flows the
incident failed, it replays the autoscaler), while the dashboard's polls ask the same simulator from
other threads. Reading integrates and evicts rows, so a reader outside the simulator's lock raced a
poll: under load the report failed with ``IndexError: array index out of range`` and never showed
(test_whole_incident_through_the_engine, 2 of 3 runs at load ~10). The report now holds the
simulator while it is built.

Races do not reproduce on demand, so this test checks the rule itself, deterministically: every
read of the series or of the autoscaler's loop during the report happens on a thread that holds the
simulator's lock.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from tests.unit.standins_corpus import warmed
from warroom.drill.autoscale import Capacity
from warroom.drill.directory import create_drill
from warroom.drill.series import Series
from warroom.incident.drill_report import drill_report


class OwnedLock:
    """A re-entrant lock that can say which thread holds it (the simulator's lock, observed)."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self.owner: int | None = None
        self.depth = 0

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        got = self._lock.acquire(blocking, timeout)
        if got:
            self.owner, self.depth = threading.get_ident(), self.depth + 1
        return got

    def release(self) -> None:
        self.depth -= 1
        if self.depth == 0:
            self.owner = None
        self._lock.release()

    def __enter__(self) -> bool:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


@pytest.fixture(autouse=True)
def _unpinned(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WARROOM_DRILL_AT", raising=False)


@pytest.mark.parametrize("scenario", ["mass-failure", "rate-limit"])
def test_every_read_of_the_drill_world_while_the_report_is_built_holds_the_simulator(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, scenario: str) -> None:
    start, speed = 1_800_000_000.0, 60.0
    # started warm (``standins_corpus.warmed``, before anything is patched): the world before any action to
    # ``WARM_UNTIL`` read from the file instead of integrated (~60 % of the rows this report reads, ~half this test's
    # CPU); every read of those rows still goes through ``columns``/``_extend``, each call checked as before
    d = warmed(create_drill(tmp_path / "drills", scenario, speed=speed, start=start))
    lock = OwnedLock()
    d.simulator._lock = lock           # type: ignore[assignment]  # observed, same semantics
    unguarded: list[str] = []

    def guarded(cls: type, name: str) -> None:
        original = getattr(cls, name)

        def check(self: Any, *args: Any, **kwargs: Any) -> Any:
            if lock.owner != threading.get_ident():
                unguarded.append(f"{cls.__name__}.{name}")
            return original(self, *args, **kwargs)

        monkeypatch.setattr(cls, name, check)

    for cls, name in [(Series, "columns"), (Series, "time_of"), (Series, "_extend"), (Capacity, "ready")]:
        guarded(cls, name)
    report = drill_report(d, at=start + 2 * 3600 / speed)     # two drill hours in
    assert report.responses                                   # a real report was built
    assert unguarded == [], sorted(set(unguarded))
