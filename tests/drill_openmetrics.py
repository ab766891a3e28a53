"""The drill's metrics as OpenMetrics (or classic Prometheus) text, for tests with a real Prometheus.

Test infrastructure (no product path serves or writes it): current values for the ``/metrics`` page
``tests/drill_exporter.py`` serves, or with timestamps a backfill for ``promtool tsdb create-blocks-
from openmetrics`` (``tests/drill_backfill.py``). The names are those ``default_slos()`` queries and
the numbers the product's catalogue (``warroom.drill.promql.catalog``, which the drill's PromQL
reads too), so a real Prometheus fed this text answers the SLO queries with the values the drill
panes show: counters never decrease, buckets are cumulative in ``le`` with ``_count`` equal to
``+Inf``, and the audit gauge is a unix time (``time() - max(...)``).
"""

from __future__ import annotations

import math
from collections.abc import Iterator

from warroom.drill.promql import Catalog

# Each metric family the drill exports (the catalogue's names), with its OpenMetrics type and help.
FAMILIES: dict[str, tuple[str, str]] = {
    "flowengine_flow_executions": ("counter", "Flow executions started (a queued one once it starts), by repository."),
    "flowengine_flow_failures": ("counter", "Flow executions that failed, by repository."),
    "flowengine_model_api_requests": ("counter", "Model API calls, by provider and HTTP status code."),
    "flowengine_flow_duration_seconds": ("histogram", "Flow execution duration."),
    "flowengine_model_quota_used_ratio": ("gauge", "Share of the provider's daily token quota used."),
    "flowengine_audit_log_last_event_timestamp_seconds": ("gauge",
                                                          "Unix time of the last event written to the audit log."),
    "flowengine_flows_queued": ("gauge", "Flows waiting for a slot under MAX_CONCURRENT_FLOWS."),
    "flowengine_flows_awaiting_review": ("gauge", "Flows whose plan waits for an operator (MANUAL_REVIEW_MODE)."),
}
CONTENT_TYPE = "application/openmetrics-text; version=1.0.0; charset=utf-8"
TEXT_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def _num(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    return repr(float(value)) if math.isfinite(value) else "+Inf" if value > 0 else "-Inf"


def _labels(labels: tuple[tuple[str, str], ...]) -> str:
    parts = [k + '="' + v.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"') + '"'
             for k, v in labels if k != "__name__"]
    return "{" + ",".join(parts) + "}" if parts else ""


def render_lines(catalog: Catalog, times: list[float], *, timestamps: bool,
                 openmetrics: bool = True) -> Iterator[str]:
    """Exposition lines for every family at the given scenario times.

    Each series' samples come together, in time order; a histogram's buckets, count and sum share
    one label set, so they are one Metric whose samples are grouped per time, as OpenMetrics asks.
    ``openmetrics`` False gives the classic text format (0.0.4, which ``promtool check metrics``
    lints): counter families named with their ``_total`` and no ``# EOF``.
    """
    stamps = [f" {catalog.unix(t):.3f}" if timestamps else "" for t in times]
    assert {ms.family for series in catalog.metrics.values() for ms in series} == set(FAMILIES)
    for family, (kind, help_text) in FAMILIES.items():
        members = [ms for series in catalog.metrics.values() for ms in series if ms.family == family]
        name = family + ("_total" if not openmetrics and kind == "counter" else "")
        yield f"# HELP {name} {help_text}"
        yield f"# TYPE {name} {kind}"
        for group in [members] if kind == "histogram" else [[ms] for ms in members]:
            values = catalog.values(group, times)
            texts = [f"{ms.name}{_labels(ms.labels)} " for ms in group]
            for j, stamp in enumerate(stamps):
                for text, column in zip(texts, values, strict=True):
                    yield f"{text}{_num(column[j])}{stamp}"
    if openmetrics:
        yield "# EOF"


def exposition(catalog: Catalog, t: float, *, openmetrics: bool = True) -> str:
    """The live ``/metrics`` body: current values, no timestamps (Prometheus stamps the scrape)."""
    return "\n".join(render_lines(catalog, [t], timestamps=False, openmetrics=openmetrics)) + "\n"
