"""A scenario's series as OpenMetrics text: for ``promtool tsdb create-blocks-from openmetrics``
(backfill, with timestamps) and for the live ``/metrics`` endpoint (current values only).

The metric names are the ones ``warroom.config.default_slos()`` queries, and the numbers are the
simulator's own counters, so a real Prometheus fed with this text answers the SLO queries with
the values the drill panes show: counters are cumulative and never decrease (they are integrals
of non-negative rates), histogram buckets are cumulative in ``le`` and ``_count`` equals the
``+Inf`` bucket, and the audit gauge holds a unix timestamp so ``time() - max(...)`` is the gap.

Scenario second ``t`` is written at unix time ``base + t``: pick ``base`` so the data ends near
"now" and Prometheus will not reject it as too old or from the future.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from typing import TextIO

from warroom.drill.actions import Action
from warroom.drill.model import Signals
from warroom.drill.promql import Catalog
from warroom.drill.promql.catalog import FAMILIES
from warroom.drill.scenarios import Scenario, get_scenario
from warroom.drill.series import Series

CONTENT_TYPE = "application/openmetrics-text; version=1.0.0; charset=utf-8"
TEXT_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def _num(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(float(value))


def render_lines(catalog: Catalog, times: list[float], *, timestamps: bool,
                 openmetrics: bool = True) -> Iterator[str]:
    """Exposition lines for every family at the given scenario times.

    Each series' samples come together, in time order; a histogram's buckets, count and sum share
    one label set, so they are one Metric whose samples are grouped per time, as OpenMetrics asks.
    ``openmetrics`` False gives the classic Prometheus text format (0.0.4): counter families are
    named with their ``_total`` suffix and there is no ``# EOF``; ``promtool check metrics``
    lints that format.
    """
    stamps = [f" {catalog.unix(t):.3f}" if timestamps else "" for t in times]
    for family in FAMILIES:
        members = [ms for series in catalog.metrics.values() for ms in series if ms.family is family]
        name = family.name + ("_total" if not openmetrics and family.kind == "counter" else "")
        yield f"# HELP {name} {family.help}"
        yield f"# TYPE {name} {family.kind}"
        groups = [members] if family.kind == "histogram" else [[ms] for ms in members]
        for group in groups:
            values = catalog.values(group, times)
            texts = [f"{ms.name}{_labels(ms.labels)} " for ms in group]
            for j, stamp in enumerate(stamps):
                for text, column in zip(texts, values, strict=True):
                    yield f"{text}{_num(column[j])}{stamp}"
    if openmetrics:
        yield "# EOF"


def _labels(labels: tuple[tuple[str, str], ...]) -> str:
    parts = [f'{k}="{_escape(v)}"' for k, v in labels if k != "__name__"]
    return "{" + ",".join(parts) + "}" if parts else ""


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


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


def exposition(catalog: Catalog, t: float, *, openmetrics: bool = True) -> str:
    """The live ``/metrics`` body: current values, no timestamps (Prometheus stamps the scrape)."""
    return "\n".join(render_lines(catalog, [t], timestamps=False, openmetrics=openmetrics)) + "\n"



def main(argv: list[str] | None = None) -> int:
    """``python -m warroom.drill.openmetrics SCENARIO``: the series as OpenMetrics on stdout or a file."""
    import argparse
    import sys
    import time

    from warroom.drill.scenarios import SCENARIOS

    p = argparse.ArgumentParser(prog="python -m warroom.drill.openmetrics",
                                description="Write a drill scenario as OpenMetrics text for "
                                            "`promtool tsdb create-blocks-from openmetrics`.")
    p.add_argument("scenario", choices=sorted(SCENARIOS))
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
