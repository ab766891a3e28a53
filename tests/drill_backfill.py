"""A drill scenario's series as an OpenMetrics backfill, for tests and benchmarks with a real Prometheus.

Test infrastructure, kept with the tests (nothing in warroom writes a backfill): the differential
PromQL test, the ``warroom status`` test and ``bench/sources.py`` feed it to ``promtool tsdb
create-blocks-from openmetrics``. The text is ``tests/drill_openmetrics.py``'s, from the product's catalogue.
Scenario second ``t`` is written at unix time ``base + t``: pick ``base`` so the data ends near
"now" and Prometheus will not reject it as too old or from the future.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import TextIO

from warroom.drill.actions import Action
from warroom.drill.model import Signals
from tests.drill_openmetrics import render_lines
from warroom.drill.promql import Catalog
from warroom.drill.scenarios import Scenario, get_scenario
from warroom.drill.series import Series


def scenario_catalog(scenario: Scenario | str, base: float, actions: Iterable[Action] = ()) -> Catalog:
    """The exported metrics of ``scenario`` with scenario second ``t`` at unix time ``base + t``."""
    sc = get_scenario(scenario) if isinstance(scenario, str) else scenario
    return Catalog(Series(Signals(sc, tuple(actions))), lambda t: base + t)


def write_openmetrics(
    out: TextIO,
    scenario: Scenario | str,
    *,
    base: float,
    start: float = -3600.0,
    end: float = 1800.0,
    step: float = 15.0,
    actions: Iterable[Action] = (),
) -> int:
    """Write samples from scenario second ``start`` to ``end`` every ``step`` s; returns lines written.

    ``step`` should be a multiple of the simulator's 5 s grid so every sample is exact. Counters
    are exported from ``start`` on, and Prometheus needs a full window of samples before a
    ``[1h]`` rate is meaningful: begin at least one hour before the first time you query.
    """
    if step <= 0 or end < start:
        raise ValueError("need step > 0 and end >= start")
    catalog = scenario_catalog(scenario, base, actions)
    n = int(math.floor((end - start) / step + 1e-9))
    times = [start + i * step for i in range(n + 1)]
    lines = 0
    for line in render_lines(catalog, times, timestamps=True):
        out.write(line + "\n")
        lines += 1
    return lines


def main(argv: list[str] | None = None) -> int:
    """``python -m tests.drill_backfill SCENARIO``: the series as OpenMetrics on stdout or a file."""
    import argparse
    import sys
    import time

    from warroom.drill.scenarios import list_scenarios

    p = argparse.ArgumentParser(prog="python -m tests.drill_backfill",
                                description="Write a drill scenario as OpenMetrics text for "
                                            "`promtool tsdb create-blocks-from openmetrics`.")
    p.add_argument("scenario", choices=[s.name for s in list_scenarios()])
    p.add_argument("--base", type=float, default=None,
                   help="unix time of drill second 0 (default: so that the data ends now)")
    p.add_argument("--start", type=float, default=-3600.0, help="first drill second (default -3600)")
    p.add_argument("--end", type=float, default=1800.0, help="last drill second (default 1800)")
    p.add_argument("--step", type=float, default=15.0, help="seconds between samples (default 15)")
    p.add_argument("--action", action="append", default=[], metavar="KIND@SECONDS",
                   help="a responder action at a drill second, e.g. circuit_breaker@150 (repeatable)")
    p.add_argument("-o", "--output", default="-", help="file to write (default: stdout)")
    args = p.parse_args(argv)
    actions = []
    for spec in args.action:
        kind, _, when = spec.partition("@")
        try:
            actions.append(Action(kind, float(when)))
        except ValueError:
            p.error(f"--action {spec!r}: expected KIND@SECONDS, e.g. circuit_breaker@150")
    base = args.base if args.base is not None else float(int(time.time() - args.end) // 15 * 15)
    if args.output == "-":
        write_openmetrics(sys.stdout, args.scenario, base=base, start=args.start, end=args.end, step=args.step,
                          actions=actions)
    else:
        with open(args.output, "w", encoding="utf-8") as fh:
            write_openmetrics(fh, args.scenario, base=base, start=args.start, end=args.end, step=args.step,
                              actions=actions)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
