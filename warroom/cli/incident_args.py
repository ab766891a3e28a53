"""Reading what the person typed for ``warroom incident``: opening the incident, times, parameters.

Every subcommand starts the same way (config, store, open the journal, warn about damage) and
the same ``--at`` and ``--param`` syntax is accepted everywhere, so it is written once here.
"""

from __future__ import annotations

import argparse
import re
import sys
from datetime import UTC, datetime, timedelta

from warroom.cli.common import config_from_args
from warroom.config import Config
from warroom.durations import parse_duration
from warroom.errors import WarroomError
from warroom.incident.session import Incident
from warroom.incident.store import IncidentStore


def _store(args: argparse.Namespace) -> tuple[Config, IncidentStore]:
    cfg = config_from_args(args)
    return cfg, IncidentStore(cfg.state_dir(), cfg)


def _open(args: argparse.Namespace) -> Incident:
    _, store = _store(args)
    inc = store.open(args.id)
    read = inc.read()
    for warning in read.describe():
        if read.issues:
            print(f"warning: {inc.id}: journal {warning}; working on the {len(read.events)} valid events"
                  f" before it (`warroom incident verify {inc.id}`)", file=sys.stderr)
    return inc


def _now() -> datetime:
    return datetime.now(UTC)


_AGO = re.compile(r"^\s*(.+?)\s+ago\s*$")


def parse_when(text: str, now: datetime) -> datetime:
    """ISO-8601 (naive = UTC), ``HH:MM[:SS]`` (UTC, today), ``10m ago`` / ``-10m``."""
    t = text.strip()
    m = _AGO.match(t)
    if m or t.startswith("-"):
        span = m.group(1) if m else t[1:]
        try:
            seconds = parse_duration(span)
        except ValueError as exc:
            if "too long" in str(exc) or "finite" in str(exc):
                raise WarroomError(f"--at {text!r}: {span.strip()!r} is not a span of time warroom can go back"
                                   " (at most 100 years)") from None
        else:
            return _sane(now - timedelta(seconds=seconds), text, now)
    if re.fullmatch(r"\d{1,2}:\d{2}(:\d{2})?", t):
        parts = [int(x) for x in t.split(":")]
        try:
            return now.replace(hour=parts[0], minute=parts[1], second=parts[2] if len(parts) > 2 else 0,
                               microsecond=0)
        except ValueError:
            raise WarroomError(f"--at {text!r}: not a valid time of day") from None
    try:
        dt = datetime.fromisoformat(t.replace("Z", "+00:00"))
    except ValueError:
        raise WarroomError(f"--at {text!r}: expected an ISO time (2026-11-22T14:30Z), HH:MM (UTC)"
                           " or a span like '10m ago'") from None
    return _sane(dt if dt.tzinfo else dt.replace(tzinfo=UTC), text, now)


def _sane(when: datetime, text: str, now: datetime) -> datetime:
    """A recorded time must be one the PIR can do arithmetic with: not before 1970 (nothing
    happened in an incident then) and not more than a day ahead (clock skew, not the future)."""
    try:
        if when.astimezone(UTC).year < 1970:
            raise WarroomError(f"--at {text!r}: that is before 1970")
        if when - now > timedelta(days=1):
            raise WarroomError(f"--at {text!r}: that is more than a day in the future")
    except OverflowError:
        raise WarroomError(f"--at {text!r}: not a time warroom can record") from None
    return when


def _params(pairs: list[str]) -> dict[str, str]:
    params: dict[str, str] = {}
    for n, pair in enumerate(pairs, 1):
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            # Never echo what was typed: a value whose "=" is missing may well be a secret.
            raise WarroomError(f"--param number {n} ({len(pair)} characters, not shown): expected NAME=VALUE")
        params[name.strip()] = value
    return params


def _env_params(pairs: list[str]) -> dict[str, str]:
    """``--param-env NAME=ENVVAR``: the value from the environment, never from argv."""
    import os

    params: dict[str, str] = {}
    for pair in pairs:
        name, sep, var = pair.partition("=")
        if not sep or not name.strip() or not var.strip():
            raise WarroomError(f"--param-env {pair!r}: expected NAME=ENVVAR")
        if var.strip() not in os.environ:
            raise WarroomError(f"--param-env {name.strip()}: environment variable {var.strip()} is not set")
        params[name.strip()] = os.environ[var.strip()]
    return params


def _when(at: datetime | None) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC") if at else "-"


def _hms(at: datetime | None) -> str:
    return at.astimezone(UTC).strftime("%H:%M:%S") if at else "--:--:--"
