"""How values look in a PIR: the reader's time zone, numbers with their unit, minutes. How user
text is made to read as itself in the markdown is :mod:`warroom.incident.md_text`.

Templates call these as filters and the context builder uses them too, so one definition decides
how a time or a value reads wherever it appears in the document.
"""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any

from warroom import scenario_time as stime
from warroom.errors import ConfigError
from warroom.units import format_stated

if TYPE_CHECKING:
    from warroom.config import Config


def local_zone(config: Config | None) -> tzinfo:
    """The zone named next to UTC: ``incident.timezone``, else $TZ, else the machine's."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    name = config.incident.timezone if config is not None else None
    if name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            where = config.source if config is not None and config.source else "config"
            raise ConfigError(f"{where}: incident.timezone: unknown time zone {name!r}"
                              " (expected an IANA name like \"Europe/Berlin\")") from None
    tz = os.environ.get("TZ")
    # $TZ set is the local time of the shell and of every program in it, whatever /etc/localtime says:
    # a POSIX rule ('CET-1CEST,M3.5.0,M10.5.0/3', '<+0330>-3:30') or a zone file's path, which no IANA
    # name spells, gave the machine's zone (UTC on a bastion) under the heading of the commander's
    candidate = _zone_key(tz.lstrip(":")) if tz is not None else _etc_localtime_name()
    if candidate:
        try:
            return ZoneInfo(candidate)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return LibcLocal()      # as the C library reads $TZ or /etc/localtime (a copied file names no zone)


def _zone_key(path: str) -> str:
    """``Asia/Kolkata`` for a zone file's path (``/usr/share/zoneinfo/Asia/Kolkata``), else the name as given."""
    marker = "zoneinfo/"
    return path.split(marker, 1)[1] if marker in path else path


def _etc_localtime_name() -> str | None:
    try:
        target = os.readlink("/etc/localtime")
    except OSError:
        return None
    return _zone_key(target) if "zoneinfo/" in target else None


class LibcLocal(tzinfo):
    """The C library's local time, moment by moment (a POSIX ``$TZ`` rule, its summer time included): the
    offset at each instant, where one fixed offset read at the render's moment put a winter incident's
    local times an hour off in a PIR drafted in summer."""

    def fromutc(self, dt: datetime) -> datetime:
        at = dt.replace(tzinfo=UTC).timestamp()
        return dt + timedelta(seconds=time.localtime(at).tm_gmtoff)

    def _local(self, dt: datetime | None) -> time.struct_time:
        return time.localtime(time.mktime(dt.timetuple()) if dt is not None else stime.now())

    def utcoffset(self, dt: datetime | None) -> timedelta:
        return timedelta(seconds=self._local(dt).tm_gmtoff)

    def dst(self, dt: datetime | None) -> timedelta | None:
        return None

    def tzname(self, dt: datetime | None) -> str:
        return self._local(dt).tm_zone


def zone_name(zone: tzinfo, at: datetime | None = None) -> str:
    key = getattr(zone, "key", None)
    if key:
        return str(key)
    return (at or stime.utcnow()).astimezone(zone).tzname() or "local"


def fmt_value(value: float | None, unit: str | None, against: tuple[float | None, ...] = ()) -> str:
    """A value in the PIR: the one formatter (``warroom.units``), ``n/a`` where there is none;
    ``against``: the thresholds in the same row, which a different value never reads as."""
    return "n/a" if value is None else format_stated(value, unit, against=against)


def fmt_minutes(minutes: float | None) -> str:
    if minutes is None:
        return "n/a"
    return f"{minutes:.1f} min"
