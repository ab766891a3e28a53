"""A small PromQL evaluator over the drill world, so drill panes run the configured queries.

In drill mode there is no Prometheus, yet the panes' queries (``default_slos()`` or a user's own)
and the runbooks' ```promql steps should still work. This module parses the PromQL subset those
use and evaluates it against the simulated series, with Prometheus' semantics where they matter:
``rate``/``increase`` over a window are the exact windowed increase of the counter (what
Prometheus returns for evenly scraped data), ``histogram_quantile`` interpolates inside buckets
exactly as Prometheus does, aggregations keep the ``by`` labels, arithmetic matches series
one-to-one on their labels, comparisons filter.

Supported: selectors with ``= != =~ !~`` matchers, ``offset``; range functions ``rate irate
increase delta deriv *_over_time``; aggregations ``sum min max avg count topk bottomk`` with
``by``/``without``; functions ``histogram_quantile abs ceil floor round sqrt exp ln log10
clamp clamp_min clamp_max time vector scalar sort sort_desc timestamp``; binary arithmetic and
comparisons (``bool``), ``and or unless``, ``on``/``ignoring``. Anything else is a
``PromQLError`` naming what is not supported, never a wrong number.

The package, one module a stage: ``tokens`` and ``parser`` (text to ``nodes``), ``catalog`` (the
metrics), ``instant`` (one time: the reference semantics), ``batch`` (many times at once, the same
numbers), ``functions`` and ``labels`` (the arithmetic and label rules both evaluators share).
Every name is re-exported here, so ``warroom.drill.promql.X`` works as it always has.
"""

from __future__ import annotations

from warroom.drill.promql.batch import Many, evaluate_many
from warroom.drill.promql.catalog import Catalog, MetricSeries
from warroom.drill.promql.instant import Evaluator, evaluate
from warroom.drill.promql.nodes import Agg, Binary, Call, Neg, Num, Selector
from warroom.drill.promql.parser import Parser, parse
from warroom.drill.promql.tokens import Tok, tokenize
from warroom.drill.promql.values import Column, Columns, Getter, Labels, PromQLError, Sample, Value, Vector

__all__ = [
    "Agg", "Binary", "Call", "Catalog", "Column", "Columns", "Evaluator", "Getter", "Labels", "Many", "MetricSeries",
    "Neg", "Num", "Parser", "PromQLError", "Sample", "Selector", "Tok", "Value", "Vector", "evaluate",
    "evaluate_many", "parse", "tokenize",
]
