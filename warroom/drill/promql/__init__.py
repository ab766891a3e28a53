"""A PromQL evaluator over the drill world, so drill panes and runbook steps run their queries.

In drill mode there is no Prometheus, yet the panes' queries (``default_slos()`` or a user's own)
and the runbooks' ```promql steps should still work. ``syntax`` parses them (with
``promql-parser``), ``evaluate`` (the one evaluator, at one time or many) answers them from the
drill's metrics (``catalog``) as a real Prometheus scraping the drill every 15 s would; a
differential test against a real Prometheus holds it to that.

Evaluated: selectors with ``= != =~ !~`` matchers and ``offset``; range functions ``rate irate
increase delta idelta deriv *_over_time``; aggregations ``sum min max avg count group stddev stdvar
topk bottomk`` with ``by``/``without``; functions ``histogram_quantile abs ceil floor round sqrt
exp ln log2 log10 clamp clamp_min clamp_max time vector scalar sort sort_desc timestamp absent``;
arithmetic, comparisons (``bool``), ``and or unless``, ``on``/``ignoring``. Any other PromQL
(``group_left``, ``@``, subqueries, ``label_replace`` ...) is a ``PromQLError`` naming what is not
supported, never a wrong number.
"""

from __future__ import annotations

from warroom.drill.promql.catalog import Catalog, MetricSeries
from warroom.drill.promql.evaluate import SCRAPE, Many, evaluate, evaluate_many, shown
from warroom.drill.promql.syntax import PromQLError, Sample, parse

__all__ = ["SCRAPE", "Catalog", "Many", "MetricSeries", "PromQLError", "Sample", "evaluate", "evaluate_many", "parse",
           "shown"]
