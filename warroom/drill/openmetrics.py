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
from dataclasses import dataclass
from typing import TextIO

from warroom.drill.actions import Action
from warroom.drill.model import Signals
from warroom.drill.promql import Catalog, MetricSeries
from warroom.drill.scenarios import Scenario, get_scenario
from warroom.drill.series import GRID, Series


@dataclass(frozen=True)
class Family:
    name: str                      # OpenMetrics family name (counters without _total)
    kind: str                      # counter | gauge | histogram
    help: str
    members: tuple[str, ...]       # the catalogue metric names that belong to it


FAMILIES: tuple[Family, ...] = (
    Family("flowengine_flow_executions", "counter", "Flow executions started, by repository.",
           ("flowengine_flow_executions_total",)),
    Family("flowengine_flow_failures", "counter", "Flow executions that failed, by repository.",
           ("flowengine_flow_failures_total",)),
    Family("flowengine_model_api_requests", "counter", "Model API calls, by provider and HTTP status code.",
           ("flowengine_model_api_requests_total",)),
    Family("flowengine_flow_duration_seconds", "histogram", "Flow execution duration.",
           ("flowengine_flow_duration_seconds_bucket", "flowengine_flow_duration_seconds_count",
            "flowengine_flow_duration_seconds_sum")),
    Family("flowengine_model_quota_used_ratio", "gauge", "Share of the provider's daily token quota used.",
           ("flowengine_model_quota_used_ratio",)),
    Family("flowengine_audit_log_last_event_timestamp_seconds", "gauge",
           "Unix time of the last event written to the audit log.",
           ("flowengine_audit_log_last_event_timestamp_seconds",)),
)


def _labels(ms: MetricSeries) -> str:
    parts = [f'{k}="{_escape(v)}"' for k, v in ms.labels if k != "__name__"]
    return "{" + ",".join(parts) + "}" if parts else ""


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _num(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(float(value))


def _name(ms: MetricSeries) -> str:
    return dict(ms.labels)["__name__"]


def _histogram_groups(catalog: Catalog, family: Family) -> dict[tuple[tuple[str, str], ...], list[MetricSeries]]:
    """Histogram series grouped into one Metric per label set (without ``le``), ordered per spec."""
    groups: dict[tuple[tuple[str, str], ...], list[MetricSeries]] = {}
    for member in family.members:
        for ms in catalog.metrics.get(member, []):
            key = tuple((k, v) for k, v in ms.labels if k not in ("__name__", "le"))
            groups.setdefault(key, []).append(ms)
    for members in groups.values():
        members.sort(key=lambda ms: (
            {"_bucket": 0, "_count": 1, "_sum": 2}[_name(ms)[len(family.name):]],
            float(dict(ms.labels).get("le", "0").replace("+Inf", "inf")),
        ))
    return groups


def render_lines(catalog: Catalog, times: list[float], *, timestamps: bool,
                 openmetrics: bool = True) -> Iterator[str]:
    """Exposition lines for every family at the given scenario times.

    ``openmetrics`` False gives the classic Prometheus text format (0.0.4): counter families are
    named with their ``_total`` suffix and there is no ``# EOF``; ``promtool check metrics``
    lints that format.
    """
    for family in FAMILIES:
        name = family.name
        if not openmetrics and family.kind == "counter":
            name = family.members[0]
        yield f"# HELP {name} {family.help}"
        yield f"# TYPE {name} {family.kind}"
        if family.kind == "histogram":
            for members in _histogram_groups(catalog, family).values():
                for t in times:
                    stamp = f" {catalog.unix(t):.3f}" if timestamps else ""
                    for ms in members:
                        yield f"{_name(ms)}{_labels(ms)} {_num(ms.get(t))}{stamp}"
            continue
        for member in family.members:
            for ms in catalog.metrics.get(member, []):
                for t in times:
                    stamp = f" {catalog.unix(t):.3f}" if timestamps else ""
                    yield f"{_name(ms)}{_labels(ms)} {_num(ms.get(t))}{stamp}"
    if openmetrics:
        yield "# EOF"


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


CONTENT_TYPE = "application/openmetrics-text; version=1.0.0; charset=utf-8"
TEXT_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

__all__ = ["CONTENT_TYPE", "TEXT_CONTENT_TYPE", "FAMILIES", "GRID", "exposition", "render_lines", "scenario_catalog",
           "write_openmetrics"]


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
