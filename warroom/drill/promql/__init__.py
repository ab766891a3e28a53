"""A PromQL evaluator over the drill world: in drill mode there is no Prometheus, yet the panes'
queries (``default_slos()`` or a user's own) and the runbooks' ```promql steps must still answer.

``evaluate`` parses them (with ``promql-parser``) and answers at one time or many from the
drill's metrics (``catalog``), as a real Prometheus scraping the drill every 15 s would. Evaluated:
selectors (``= != =~ !~``, ``offset``); ``rate irate increase delta idelta deriv *_over_time``;
``sum min max avg count group stddev stdvar topk bottomk`` by/without; ``histogram_quantile abs
ceil floor round sqrt exp ln log2 log10 clamp clamp_min clamp_max time vector scalar sort
sort_desc timestamp absent``; arithmetic, comparisons (``bool``), ``and or unless``, ``on``/
``ignoring``. Other PromQL (``group_left``, ``@``, subqueries, ``label_replace`` ...) is a
``PromQLError`` naming it, never a wrong number.
"""

from __future__ import annotations

from warroom.drill.promql.catalog import Catalog, MetricSeries, PromQLError
from warroom.drill.promql.evaluate import SCRAPE, Many, Sample, bucket_quantile, evaluate, evaluate_many, parse, shown

__all__ = ["SCRAPE", "Catalog", "Many", "MetricSeries", "PromQLError", "Sample", "bucket_quantile", "evaluate",
           "evaluate_many", "parse", "shown"]
