"""A PromQL evaluator over the drill world: in drill mode there is no Prometheus, yet the panes'
queries (``default_slos()`` or a user's own) and the runbooks' ```promql steps must still answer.

``evaluate`` parses them with ``warroom.syntax.promql`` (Prometheus 2.42's parser, which runbook lint shares,
so a typo reads alike in both) and answers at one time or many from the drill's metrics (``catalog``), as a real
Prometheus 2 scraping the drill every 15 s would, holding nothing after the drill's now. Evaluated: selectors
(``= != =~ !~``, ``offset``, ``@``), subqueries; every Prometheus 2 range function but ``holt_winters``; every
aggregation; ``histogram_quantile``,
``label_replace``, ``label_join``, ``absent`` and the maths, time and date functions but the
trigonometric ones; arithmetic, comparisons (``bool``), ``and or unless``, ``on``/``ignoring``,
``group_left``/``group_right``. The rest (``holt_winters``, ``sin`` ..., native-histogram and
Prometheus 3 functions, ``or`` inside a selector, and where Prometheus 2 bends its own ``@`` rules:
an ``@`` inside a subquery with an offset, ``predict_linear`` over a subquery with ``@`` or of an
``@`` selector inside a subquery, ``timestamp()`` of a selector with ``@`` and ``offset``) is a
``PromQLError`` saying it is not supported in drills, never a wrong number.

Reading order: ``evaluate`` (the entry), ``walk`` (the tree over all the times: selectors, functions),
``columns`` (a node's value and its labels), ``operators``, ``folds`` and ``maths`` (Prometheus' numbers).
"""

from __future__ import annotations

from warroom.drill.promql.catalog import Catalog, MetricSeries, PromQLError
from warroom.drill.promql.evaluate import Many, Sample, evaluate, evaluate_many, parse, shown
from warroom.drill.promql.folds import bucket_quantile
from warroom.drill.promql.walk import SCRAPE

__all__ = ["SCRAPE", "Catalog", "Many", "MetricSeries", "PromQLError", "Sample", "bucket_quantile", "evaluate",
           "evaluate_many", "parse", "shown"]
