"""One relative-time syntax everywhere (CLI --at and the dashboard's "when" field), no future
timestamps, real calendar due dates, case-insensitive severities."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from tui.screens.modals.timeline_entry import parse_at
from warroom.errors import WarroomError
from warroom.incident.vocabulary import validate_severity
from warroom.timeparse import parse_due, parse_past, parse_when

NOW = datetime(2026, 11, 22, 14, 30, tzinfo=UTC)


@pytest.mark.parametrize("text", ["15m ago", "-15m", "  15m   AGO ", "-0h15m", "900s ago"])
def test_both_relative_forms_mean_the_same_moment(text: str) -> None:
    assert parse_when(text, NOW) == NOW - timedelta(minutes=15)
    assert parse_at(text, NOW) == NOW - timedelta(minutes=15)        # the dashboard's field


def test_clock_times_and_iso() -> None:
    assert parse_when("14:05", NOW) == NOW.replace(minute=5)
    assert parse_when("16:00", NOW) == NOW.replace(hour=16, minute=0) - timedelta(days=1)  # yesterday's
    assert parse_when("2026-11-22T13:00Z", NOW) == NOW.replace(hour=13, minute=0)
    assert parse_when("2026-11-22T13:00", NOW) == NOW.replace(hour=13, minute=0)            # naive = UTC


@pytest.mark.parametrize("text", ["2030-01-01T00:00Z", "2026-11-22T14:40Z", "+15m"])
def test_future_times_are_refused(text: str) -> None:
    with pytest.raises(WarroomError):
        parse_past(text, NOW, what="--at")
    with pytest.raises(ValueError):
        parse_at(text, NOW)


@pytest.mark.parametrize("text", ["25:00", "14:61", "yesterday", "15x ago", "- m", "", "1969-12-31T00:00Z"])
def test_nonsense_is_refused_naming_the_input(text: str) -> None:
    with pytest.raises(WarroomError, match=r"--at '.*'"):
        parse_past(text, NOW, what="--at")


def test_due_dates_must_exist_and_not_be_past() -> None:
    assert parse_due("2026-12-01", NOW) == date(2026, 12, 1)
    assert parse_due("+7d", NOW) == date(2026, 11, 29)
    for bad in ("2026-13-45", "2026-02-30", "2026-11-21", "next week", "2026-1-5"):
        with pytest.raises(WarroomError):
            parse_due(bad, NOW)


def test_severities_are_case_insensitive() -> None:
    assert validate_severity("p2") == "P2" and validate_severity(" P1 ") == "P1"
    with pytest.raises(WarroomError):
        validate_severity("P5")


def test_the_cli_takes_minus_fifteen_minutes_as_the_value_of_at() -> None:
    from tui.cli import _join_dash_values

    assert _join_dash_values(["incident", "mark", "X", "started", "--at", "-15m"]) == [
        "incident", "mark", "X", "started", "--at=-15m"]
    assert _join_dash_values(["incident", "timeline", "X", "--", "--at", "-1m"]) == [
        "incident", "timeline", "X", "--", "--at", "-1m"]
    assert _join_dash_values(["--at", "15m ago"]) == ["--at", "15m ago"]
