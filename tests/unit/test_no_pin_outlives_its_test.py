"""A drill-clock pin set in one test is gone before the next test's module fixtures run (stop 39's ci39b).

``--dist loadfile`` runs this file's tests in order on one worker. The first pins the clock the way
``incident_fixtures.DrillClock`` does (``os.environ`` directly) and then undoes it as
``test_update_after_rollback`` did (``monkeypatch.delenv(…, raising=False)``), which records the pin, so the
monkeypatch's undo put it back. The second test's module fixture is set up before any function fixture of that
test (``_isolated_home`` included), so it sees what the first left behind.
"""

from __future__ import annotations

import os

import pytest

AT = "WARROOM_DRILL_AT"


def test_a_pin_written_directly_then_deleted_through_monkeypatch(monkeypatch: pytest.MonkeyPatch) -> None:
    os.environ[AT] = repr(1_800_000_000.0)
    monkeypatch.delenv(AT, raising=False)
    os.environ[AT] = repr(1_800_000_100.0)      # and one written last, never undone by the test itself


@pytest.fixture(scope="module")
def pin_seen_by_a_later_module_fixture() -> str | None:
    return os.environ.get(AT)


def test_the_next_module_fixture_sees_no_pin(pin_seen_by_a_later_module_fixture: str | None) -> None:
    assert pin_seen_by_a_later_module_fixture is None
