"""``warroom status``: every SLO pane evaluated headless, for people, cron and scripts.

Exit codes (README "status"): 0 every pane ok, 1 any warn (or no data / old data), 2 any crit,
3 a source error; when several apply the highest wins, so a script that sees 3 knows it cannot
vouch for anything.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from warroom import scenario_time as stime
from warroom.cli.common import config_from_args
from warroom.cli.terminal import cell, rich_console
from warroom.config import Config
from warroom.durations import format_duration, parse_duration
from warroom.errors import WarroomError
from warroom.journal import numbers
from warroom.units import format_reading, format_value
from warroom.paths import command

if TYPE_CHECKING:       # the table (rich) and the evaluator are the command's, never the parser's (`warroom --help`)
    from warroom.sources.model import SloReading

EXIT_OK, EXIT_WARN, EXIT_CRIT, EXIT_SOURCE = 0, 1, 2, 3
_STATE_STYLE = {"ok": "green", "warn": "yellow", "crit": "bold red", "nodata": "dim",
                "stale": "magenta", "error": "bold magenta"}


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "status", parents=[common],
        help="evaluate every SLO pane once (or repeatedly) and print a table or JSON",
        description="Evaluate every SLO pane against its thresholds. Exit code: 0 all ok, 1 any "
                    "warn/no data, 2 any crit, 3 a source error (highest wins).",
    )
    p.add_argument("--json", action="store_true", help="print JSON (one object per evaluation)")
    p.add_argument("--watch", metavar="SECONDS", type=_positive_seconds,
                   help="evaluate again every SECONDS until Ctrl-C")
    p.add_argument("--count", metavar="N", type=int,
                   help="with --watch: stop after N evaluations")
    p.add_argument("--at", metavar="TIME",
                   help="evaluate as of TIME (unix seconds or ISO-8601) instead of now")
    p.set_defaults(func=cmd_status)


def _positive_seconds(text: str) -> float:
    try:
        value = parse_duration(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    if value <= 0:
        raise argparse.ArgumentTypeError("must be more than 0 seconds")
    return value


def parse_at(text: str) -> float:
    """Unix seconds or an ISO-8601 time (naive means UTC)."""
    try:
        return float(text)
    except ValueError:
        pass
    try:
        dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise WarroomError(f"--at: expected unix seconds or an ISO-8601 time, got {text!r}") from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.timestamp()


def exit_code(readings: list[SloReading]) -> int:
    code = EXIT_OK
    for r in readings:
        if r.state == "error" or (r.state == "stale" and r.error):
            level = EXIT_SOURCE
        elif r.state == "crit":
            level = EXIT_CRIT
        elif r.state in ("warn", "nodata", "stale"):
            level = EXIT_WARN
        else:
            level = EXIT_OK
        code = max(code, level)
    return code


def reading_json(r: SloReading) -> dict[str, Any]:
    """A pane as JSON: ``value`` is the reading as the journal's evidence holds it (``numbers``: one
    codec): a number, or ``"+Inf"``/``"-Inf"`` (the pane's CRIT "+Inf"), null when there is none
    (no sample, NaN: the pane's NO DATA); ``value_text`` says it as the pane does."""
    value = numbers.sample(r.value)
    return {
        "id": r.slo.id, "title": r.slo.title, "state": r.state, "word": r.word,
        "value": value, "value_text": format_reading(r.value, r.slo), "unit": r.slo.unit,
        "warn": r.slo.warn, "crit": r.slo.crit, "direction": r.slo.direction,
        "for": r.slo.for_, "breached": r.breached, "age": r.age,
        "runbook": r.slo.runbook, "severity": r.slo.severity,
        "error": r.error, "error_kind": r.error_kind, "note": r.note,
        "points": len(r.series),
    }


def no_source() -> str:
    """Why a pane has no value when no Prometheus is configured, and the two ways out."""
    return ("no source: prometheus.url is not set (set url under [prometheus] in the config, "
            f"see `{command('config', 'init')}`; `{command('demo')}` needs none)")


def cmd_status(args: argparse.Namespace) -> int:
    from warroom.sources.evaluate import SloTracker
    from warroom.sources.model import SloSample

    cfg = config_from_args(args)
    at = parse_at(args.at) if args.at else None
    if args.count is not None and args.count < 1:
        raise WarroomError("--count: expected an integer >= 1")
    source, label = _open(cfg)
    tracker = SloTracker(cfg.slo, cfg.prometheus.stale_after)
    code = EXIT_OK
    done = 0
    try:
        while True:
            started = time.monotonic()          # paces --watch; what the evaluation is as of is the one clock's
            when = at if at is not None else stime.now()
            if source is None:
                samples = [SloSample(s.id, None, fetched_at=stime.now(),
                                     error=no_source()) for s in cfg.slo]
            else:
                samples = source.fetch(cfg.slo, at=at)
            readings = tracker.update(samples, now=when if at is not None else None)
            code = exit_code(readings)
            _print(args, label, readings, when, code)
            done += 1
            if args.watch is None or (args.count is not None and done >= args.count):
                return code
            time.sleep(max(0.0, args.watch - (time.monotonic() - started)))
    except KeyboardInterrupt:
        return code
    finally:
        if source is not None:
            source.close()


#: The variable a drill's shell sets (``warroom.drill.directory.ENV_DIR``; tests/unit/test_cli_status_imports.py holds
#: the two equal): read here by name, so a status outside a drill never imports the drill's world (~0.05 s CPU a run).
DRILL_DIR_ENV = "WARROOM_DRILL_DIR"


def _open(cfg: Config) -> tuple[Any, str | None]:
    """(source, what it is called) — the configured Prometheus; in a drill's shell (``$WARROOM_DRILL_DIR``, which the
    shell sets) the drill's
    own world, as the dashboard and ``incident run`` read it there: a commander asking for the panes headless in
    the drill got the real, unconfigured source's "no source" on every pane (redteam42 R16)."""
    import os

    from warroom.sources.factory import open_metric_source

    if path := os.environ.get(DRILL_DIR_ENV):
        from pathlib import Path

        from warroom.drill.directory import ENV_DIR, open_drill

        try:
            drill = open_drill(Path(path), wrappers=False)
        except WarroomError as exc:
            raise WarroomError(f"${ENV_DIR} ({path}): {exc}") from None
        # the drill's world is read on its own panes, each naming the scenario's runbook and severity, as the drill's
        # dashboard draws them (``Config.as_drill``; redteam43 R3: the table said RB-CORE-001 where the dashboard's
        # same breached pane said "→ RB-CORE-003 P3")
        cfg.as_drill(runbook=drill.scenario.runbook, severity=drill.scenario.severity)
        return drill.source(cfg.slo, window=cfg.prometheus.window), f"drill {drill.name}"
    return open_metric_source(cfg), cfg.prometheus.url


def _print(args: argparse.Namespace, label: str | None, readings: list[SloReading], when: float,
           code: int) -> None:
    stamp = datetime.fromtimestamp(when, tz=timezone.utc).isoformat(timespec="seconds")
    if args.json:
        doc = {"at": stamp, "source": label, "exit_code": code,
               "panes": [reading_json(r) for r in readings]}
        sys.stdout.write(numbers.dumps(doc) + "\n")
        sys.stdout.flush()
        return

    details = ["; ".join(x for x in (r.error, r.note) if x) for r in readings]
    # One source-wide problem (no source, Prometheus down, a 401) is said once, under the table,
    # rather than folded into a narrow column five times.
    shared = details[0] if readings and details[0] and len(set(details)) == 1 else None
    # Every column stays at any width (FitTable): at 80 columns one long pane id (ids are the
    # config's, any length) made Rich drop state, age and detail whole and cut the figures to "…".
    from warroom.fit_table import FitTable

    table = FitTable(title=cell(f"SLO status at {stamp} ({label or 'no source'})"))
    for col in ("pane", "state"):
        table.add_column(col, "words")
    for col in ("value", "warn", "crit", "age"):
        table.add_column(col, "figure")
    table.add_column("runbook", "words")
    if shared is None:
        table.add_column("detail", "words")
    for r, detail in zip(readings, details, strict=True):
        cells = [
            cell(r.slo.id), cell(r.word, style=_STATE_STYLE[r.state]),
            format_reading(r.value, r.slo),
            _threshold(r.slo.warn, r.slo),
            _threshold(r.slo.crit, r.slo),
            "" if r.age is None else format_duration(r.age),
            cell(r.slo.runbook or ""),
        ]
        if shared is None:
            cells.append(cell(detail, newlines=True))   # Prometheus error text: never markup
        table.add_row(*cells)
    console = rich_console()
    console.print(table)
    if shared is not None:
        console.print(cell(f"every pane: {shared}", newlines=True))


def _threshold(value: float | None, slo: Any) -> str:
    if value is None:
        return ""
    return (">" if slo.direction == "above" else "<") + format_value(value, slo.unit)
