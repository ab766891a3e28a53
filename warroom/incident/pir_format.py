"""How values look in a PIR: the reader's time zone, numbers with their unit, minutes. How user
text is made to read as itself in the markdown is :mod:`warroom.incident.md_text`.

Templates call these as filters and the context builder uses them too, so one definition decides
how a time or a value reads wherever it appears in the document.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, tzinfo
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
    for candidate in (os.environ.get("TZ", "").lstrip(":"), _etc_localtime_name()):
        if candidate:
            try:
                return ZoneInfo(candidate)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    local = stime.utcnow().astimezone().tzinfo
    return local or UTC


def _etc_localtime_name() -> str | None:
    try:
        target = os.readlink("/etc/localtime")
    except OSError:
        return None
    marker = "zoneinfo/"
    return target.split(marker, 1)[1] if marker in target else None


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
