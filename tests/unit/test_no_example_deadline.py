"""Property tests never fail for being slow (tests/conftest.py loads a profile without a deadline).

Hypothesis's default gives each example 200 ms of wall time and fails the test past it; on a busy
CI box an example of test_expectation took 288 ms and the suite went red (DeadlineExceeded, then
FlakyFailure). Slowness is bounded by pytest-timeout, never judged per example."""

from __future__ import annotations

from hypothesis import settings


def test_the_loaded_profile_has_no_deadline() -> None:
    assert settings.default is not None and settings.default.deadline is None

