"""The drill's metrics as OpenMetrics (or classic Prometheus) text: what the drill's ``/metrics``
answers (current values), and, with timestamps, a backfill for ``promtool tsdb create-blocks-from
openmetrics`` (``tests/drill_backfill.py`` writes one for the tests that compare with a real
Prometheus).

The metric names are the ones ``warroom.config.default_slos()`` queries, and the numbers are the
simulator's own counters, so a real Prometheus fed with this text answers the SLO queries with
the values the drill panes show: counters are cumulative and never decrease (they are integrals
of non-negative rates), histogram buckets are cumulative in ``le`` and ``_count`` equals the
``+Inf`` bucket, and the audit gauge holds a unix timestamp so ``time() - max(...)`` is the gap.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

from warroom.drill.promql import Catalog
from warroom.drill.promql.catalog import FAMILIES

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


def exposition(catalog: Catalog, t: float, *, openmetrics: bool = True) -> str:
    """The live ``/metrics`` body: current values, no timestamps (Prometheus stamps the scrape)."""
    return "\n".join(render_lines(catalog, [t], timestamps=False, openmetrics=openmetrics)) + "\n"
