"""The PIR's local column is the local time of the shell it was drafted in, whatever spelling $TZ has (clock39).

A bastion's $TZ as a POSIX rule (``CET-1CEST,M3.5.0,M10.5.0/3``) or a zone file's path, which no IANA
name spells, gave the machine's zone instead: "Local (Etc/UTC)" with the UTC times again, under a
commander whose shell said 14:00 CEST.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest

from warroom.incident.pir_format import local_zone, zone_name

SUMMER = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
WINTER = datetime(2026, 12, 31, 23, 50, tzinfo=UTC)


@pytest.fixture
def tz(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], None]]:
    """Set $TZ as a shell would (the C library re-reads it); the process's own again afterwards."""
    def set_tz(value: str) -> None:
        monkeypatch.setenv("TZ", value)
        time.tzset()

    yield set_tz
    monkeypatch.undo()
    time.tzset()


def _local(at: datetime) -> str:
    zone = local_zone(None)
    return f"{at.astimezone(zone):%Y-%m-%d %H:%M} {zone_name(zone, at)}"


def test_a_posix_rule_gives_its_own_local_times_summer_and_winter(tz: Callable[[str], None]) -> None:
    tz("CET-1CEST,M3.5.0,M10.5.0/3")
    assert _local(SUMMER) == "2026-07-01 14:00 CEST"
    assert _local(WINTER) == "2027-01-01 00:50 CET"          # past midnight there: the next day


def test_a_fixed_offset_rule(tz: Callable[[str], None]) -> None:
    tz("<+0330>-3:30")
    assert _local(WINTER) == "2027-01-01 03:20 +0330"


@pytest.mark.parametrize("value", ["/usr/share/zoneinfo/Asia/Kolkata", ":/usr/share/zoneinfo/Asia/Kolkata",
                                   "Asia/Kolkata", ":Asia/Kolkata"])
def test_a_zone_files_path_names_its_zone(tz: Callable[[str], None], value: str) -> None:
    tz(value)
    assert _local(WINTER) == "2027-01-01 05:20 Asia/Kolkata"


def test_the_config_still_comes_first(tz: Callable[[str], None]) -> None:
    from warroom.config import Config

    tz("CET-1CEST,M3.5.0,M10.5.0/3")
    cfg = Config()
    cfg.incident.timezone = "America/St_Johns"
    assert f"{WINTER.astimezone(local_zone(cfg)):%H:%M}" == "20:20"
