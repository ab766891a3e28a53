"""Which metric source a session uses, decided in one place for the dashboard and the CLI."""

from __future__ import annotations

from warroom.config import Config
from warroom.sources.model import MetricSource


def open_metric_source(cfg: Config) -> MetricSource | None:
    """The configured Prometheus-compatible server, or None when ``prometheus.url`` is unset.

    Cheap: no network and no heavy import happens until the first ``fetch``.
    """
    if not cfg.prometheus.url:
        return None
    from warroom.sources.prometheus import PrometheusSource

    return PrometheusSource(cfg.prometheus)
