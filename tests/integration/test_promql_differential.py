"""The drill's PromQL against the real Prometheus, query for query, time for time.

Each scenario's series (with a plan of actions, so curves bend) are backfilled into a real
Prometheus with ``promtool tsdb create-blocks-from openmetrics``. Every query the drill configs
use (the SLO panes, their range queries, every ```promql step of the shipped runbooks) and a set
of edge cases PromQL is easy to get wrong (NaN in min/max, ``ignoring``, a rate window shorter
than a scrape, ``deriv``, ties, ``@``, subqueries, matching ...) are evaluated by both at many
times: one range query (the panes' sparkline path) and instants between scrapes. The drill's now
is the backfill's end, so reading past now is held to Prometheus too. They must agree within a
relative 1e-6 (scrapes every 15 s on the simulator's 5 s grid: exact values, so anything larger
is a bug), return the same label sets (``sort`` in the same order), and where the drill refuses
a query, Prometheus must refuse it too or the drill must say it is not supported in drills.
"""

from __future__ import annotations

import io
import json
import math
import random
import re
import subprocess
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO
from tests.integration.sources_servers import PROMTOOL, PromServer, backfill
from tests.unit.drill_ops import rollout_undo
from tests.unit.standins_corpus import warm_simulator
from warroom.config import default_slos
from warroom.drill.actions import Action
from tests.drill_backfill import write_openmetrics
from warroom.drill.promql import PromQLError, Sample, parse

pytestmark = [pytest.mark.integration, pytest.mark.timeout(600)]

STEP = 15.0
# A plan per scenario: every mitigation it knows, spread over the half hour, so every curve bends.
PLANS: dict[str, list[Action]] = {
    "rate-limit": [Action("circuit_breaker", 1200.0), Action("retry", 1400.0)],
    "provider-outage": [Action("fallback_routing", 900.0)],
    "timeout": [Action("context_pruning", 1000.0)],
    "mass-failure": rollout_undo(1300.0),
    "audit-gap": [],
}
EDGE_CASES = [
    # NaN inside min/max: Prometheus ignores it unless every input is NaN
    "max(flowengine_model_quota_used_ratio / (flowengine_model_quota_used_ratio - flowengine_model_quota_used_ratio))",
    "min(sum by (repo) (rate(flowengine_flow_failures_total[5m])) / sum by (repo) (rate(flowengine_flow_executions_total[5m])))",
    "max(sum by (repo) (rate(flowengine_flow_failures_total[5m])) / sum by (repo) (rate(flowengine_flow_executions_total[5m])))",
    # ignoring() drops the ignored labels from the result
    "sum by (repo, code) (rate(flowengine_model_api_requests_total[5m])) / ignoring(code) group_left sum by (repo) (rate(flowengine_model_api_requests_total[5m]))",
    "sum by (code) (rate(flowengine_model_api_requests_total[5m])) / ignoring(code) group_left sum(rate(flowengine_model_api_requests_total[5m]))",
    # a rate window shorter than the scrape interval has at most one sample: no value
    "rate(flowengine_flow_executions_total[10s])",
    "sum(rate(flowengine_flow_failures_total[14s]))",
    # deriv is a least-squares slope, not last-minus-first
    "deriv(flowengine_model_quota_used_ratio[5m])",
    "deriv(flowengine_audit_log_last_event_timestamp_seconds[10m])",
    "delta(flowengine_model_quota_used_ratio[10m])",
    "avg_over_time(flowengine_model_quota_used_ratio[10m])",
    "max_over_time(flowengine_model_quota_used_ratio[30m])",
    "irate(flowengine_flow_executions_total[1m])",
    "topk(3, sum by (repo) (increase(flowengine_flow_failures_total[30m])))",
    "count(flowengine_flow_executions_total)",
    "sum(rate(flowengine_flow_failures_total[5m])) > bool 0.01",
    "sum without (repo) (rate(flowengine_flow_failures_total[5m]))",
    "flowengine_model_quota_used_ratio offset 10m",
    "clamp_max(100 * flowengine_model_quota_used_ratio, 90)",
    "sum(rate(flowengine_flow_failures_total[5m])) or vector(0)",
    # element-wise maths where Python and Go part ways: overflow, the log of 0, rounding to a step
    "round(100 * flowengine_model_quota_used_ratio, 0.1)",
    "round(flowengine_model_quota_used_ratio, 0)",
    "ceil(-1 / (0 * flowengine_model_quota_used_ratio))",
    "ln(0 * flowengine_model_quota_used_ratio)",
    "exp(1000 * flowengine_model_quota_used_ratio)",
    "sqrt(-flowengine_model_quota_used_ratio)",
    "clamp(flowengine_model_quota_used_ratio, 0.9, 0.1)",
    "(10 + flowengine_model_quota_used_ratio) ^ 400",
    "(-10 - flowengine_model_quota_used_ratio) ^ 401",
    "(0 * flowengine_model_quota_used_ratio) ^ -1",
    "(-8 - flowengine_model_quota_used_ratio) ^ 0.5",
    "(1 / (0 * flowengine_model_quota_used_ratio)) % 2",
    # comments and upper-case keywords are PromQL too (the hand-written parser refused both)
    "flowengine_model_quota_used_ratio > 0.3  # over 30%\nAND ON (provider) flowengine_model_quota_used_ratio",
    # q = 0 with an empty first bucket: 0/0 inside bucketQuantile (it raised ZeroDivisionError)
    'histogram_quantile(0, sum by (le) (flowengine_flow_duration_seconds_bucket{le!="5.0"}) '
    'or sum by (le) (0 * flowengine_flow_duration_seconds_bucket{le="5.0"}))',
    "topk(1 / 0, flowengine_model_quota_used_ratio)",        # refused by both: k overflows int64
    # dropping the name of several metrics leaves one label set twice: Prometheus' error (the drill answered)
    'rate({__name__=~"flowengine_flow_.*_total"}[5m])',
    'abs({__name__=~"flowengine_flow_(executions|failures)_total"})',
    '{__name__=~"flowengine_flow_.*_total"} * 2',
    '{__name__=~"flowengine_flow_.*_total"} > bool 0',
    '{__name__=~"flowengine_flow_.*_total"} > 0',                         # a filter keeps the names
    # where the name stays (the drill dropped it): last_over_time, by (__name__)
    "last_over_time(flowengine_model_quota_used_ratio[1m])",
    'max by (__name__) ({__name__=~"flowengine_flow_.*_total"})',
    'sum without (repo) ({__name__=~"flowengine_flow_.*_total"})',
    # more of what the drill accepts, held to Prometheus too
    "stddev by (provider) (flowengine_model_quota_used_ratio)",
    "count_over_time(flowengine_flow_executions_total[1m])",
    'flowengine_model_quota_used_ratio{provider=~"anth.*|open.*"}',
    "scalar(sum(flowengine_model_quota_used_ratio)) * flowengine_model_quota_used_ratio",
    "timestamp(flowengine_model_quota_used_ratio)",
    "bottomk(1, flowengine_model_quota_used_ratio) by (provider)",
    "1 - flowengine_model_quota_used_ratio unless flowengine_model_quota_used_ratio > 0.4",
    "histogram_quantile(0.5, sum by (le, repo) (rate(flowengine_flow_duration_seconds_bucket[5m])))",
    "histogram_quantile(NaN, sum by (le) (rate(flowengine_flow_duration_seconds_bucket[5m])))",
    'absent(flowengine_model_api_requests_total{code="nope"})',
    "sum(rate(flowengine_flow_duration_seconds_sum[5m])) / sum(rate(flowengine_flow_duration_seconds_count[5m]))",
    # now: Prometheus holds no sample after it (the backfill ends at 1800 s, the drill's now here), so a
    # negative offset or an @ at the live edge reads up to now, with the 5-minute lookback (-315 s: the
    # sample at now is exactly 5 minutes old from the moment read, still taken; -316 s: too old)
    "flowengine_model_quota_used_ratio offset -5m",
    "flowengine_model_quota_used_ratio offset -315s",
    "flowengine_model_quota_used_ratio offset -316s",
    "sum(rate(flowengine_flow_failures_total[5m] offset -2m))",
    "max_over_time(flowengine_model_quota_used_ratio[10m] offset -10m)",
    "timestamp(flowengine_model_quota_used_ratio offset -5m)",
    "timestamp(flowengine_model_quota_used_ratio offset 5m)",
    "absent(flowengine_model_quota_used_ratio offset -10m)",
    # @: a unix time (BASE: the scenario's start), before 1970 and after now, start() and end()
    "flowengine_model_quota_used_ratio @ BASE",
    "sum(increase(flowengine_flow_failures_total[10m] @ BASE offset -10m))",
    "timestamp(flowengine_audit_log_last_event_timestamp_seconds @ BASE)",
    "flowengine_model_quota_used_ratio @ -5",
    "flowengine_model_quota_used_ratio @ 99999999999",
    "flowengine_model_quota_used_ratio @ start() offset 5m",
    "rate(flowengine_flow_executions_total[5m] @ end())",
    # absent of a metric that does not exist: 1, labelled by the = matchers (not those matched twice or otherwise)
    "absent(nonexistent_metric)",
    'absent(nonexistent_metric{job="api", job="web", env!="x", team="", tier="1"})',
    "absent(sum(nonexistent_metric))",
    'absent_over_time(nonexistent_metric{job="x"}[5m])',
    'absent_over_time(flowengine_model_quota_used_ratio{provider="nope"}[5m])',
    "absent_over_time(flowengine_model_quota_used_ratio[1m] offset -10m)",
    # topk/bottomk ties: Prometheus' heap, fed in storage order; k truncated, NaN k refused
    *(TIES := [
        "topk(2, 0 * flowengine_model_quota_used_ratio)",
        "bottomk(2, 0 * flowengine_model_quota_used_ratio)",
        "topk(2, round(flowengine_model_api_requests_total / 1e9))",
        "topk(1, sum by (repo) (0 * flowengine_flow_failures_total))",
        "topk(1, flowengine_model_quota_used_ratio * NaN)",           # NaN on top is always replaced
        'bottomk(2, flowengine_model_api_requests_total{code=~"4.."} * NaN)',
    ]),
    "topk(2, flowengine_flow_duration_seconds_bucket)",      # the top buckets are equal once flows stop at 180 s
    'bottomk(3, flowengine_flow_duration_seconds_bucket{le=~"1.*|2.*|3.*|\\+Inf"}) by (__name__)',
    "topk(1.9, flowengine_model_quota_used_ratio)",
    "topk(NaN, flowengine_model_quota_used_ratio)",
    "bottomk(2, sum by (code) (rate(flowengine_model_api_requests_total[5m])))",
    # count_values (Go's decimal text), quantile, quantile_over_time
    'count_values("v", round(10 * flowengine_model_quota_used_ratio))',
    'count_values("v", 0 * flowengine_model_quota_used_ratio) by (provider)',
    "quantile by (code) (0.9, rate(flowengine_model_api_requests_total[5m]))",
    "quantile(2, flowengine_model_quota_used_ratio)",
    "quantile_over_time(0.95, flowengine_model_quota_used_ratio[30m])",
    # label_replace / label_join: Go's $-expansion, an empty value removes the label, duplicates refused
    'label_replace(flowengine_model_quota_used_ratio, "x", "${1}-$2-$$-$9-$01", "provider", "(a)(n)?.*")',
    'label_replace(flowengine_model_quota_used_ratio, "provider", "", "provider", "open.*")',
    'label_replace(flowengine_model_quota_used_ratio, "provider", "same", "provider", ".*")',
    'label_join(flowengine_model_api_requests_total, "pc", "/", "provider", "code")',
    'sum by (team) (label_replace(rate(flowengine_flow_failures_total[5m]), "team", "$1", "repo", "([a-z]+)-.*"))',
    # histogram_quantile: +Inf only, unsorted input, no +Inf, an le that is not a number, two metrics
    'histogram_quantile(0.9, sum by (le) (rate(flowengine_flow_duration_seconds_bucket{le="+Inf"}[5m])))',
    "histogram_quantile(0.5, sort_desc(flowengine_flow_duration_seconds_bucket))",
    'histogram_quantile(0.99, sum by (le) (flowengine_flow_duration_seconds_bucket{le!="+Inf"}))',
    'histogram_quantile(0.5, label_replace(flowengine_flow_duration_seconds_bucket, "le", "x$1", "le", "(.*)"))',
    'histogram_quantile(0.5, flowengine_flow_duration_seconds_bucket or label_replace('
    'flowengine_flow_duration_seconds_bucket, "__name__", "other_bucket", "", ""))',
    # comparisons with bool, set operators with on()/ignoring(), group_left/right
    "0.5 < bool flowengine_model_quota_used_ratio",
    "flowengine_model_quota_used_ratio unless on() (sum(flowengine_model_quota_used_ratio) > 100)",
    'flowengine_model_quota_used_ratio or on(provider) label_replace(vector(5), "provider", "azure", "", "")',
    "sum by (provider, code) (rate(flowengine_model_api_requests_total[5m])) and ignoring(code) "
    "flowengine_model_quota_used_ratio > 0.5",
    "rate(flowengine_flow_failures_total[5m]) / ignoring(repo) group_left sum(rate(flowengine_flow_executions_total[5m]))",
    'flowengine_model_quota_used_ratio / on(provider) group_left(code) flowengine_model_api_requests_total{code="429"}',
    'flowengine_model_api_requests_total{code="429"} > on(provider) group_right(code) flowengine_model_quota_used_ratio',
    # scalar/vector/time/timestamp, predict_linear, changes/resets, sgn, date functions
    "time() - flowengine_audit_log_last_event_timestamp_seconds > 60",
    "timestamp(sum(flowengine_model_quota_used_ratio))",
    "predict_linear(flowengine_model_quota_used_ratio[30m], 3600)",
    "predict_linear(flowengine_model_quota_used_ratio[10m] @ end(), 60)",
    "changes(round(flowengine_model_quota_used_ratio, 0.1)[30m:1m])",
    "resets((flowengine_flow_executions_total % 1000)[30m:15s])",
    "sgn(flowengine_model_quota_used_ratio - 0.5)",
    "hour()",
    "day_of_week(flowengine_audit_log_last_event_timestamp_seconds)",
    # subqueries: default step (the evaluation interval), offset, @, nested
    "max_over_time(sum(rate(flowengine_flow_failures_total[5m]))[30m:])",
    "avg_over_time(flowengine_model_quota_used_ratio[10m:30s] offset 5m)",
    "rate(flowengine_flow_executions_total[5m:1m])",
    "deriv(sum(flowengine_model_quota_used_ratio)[20m:1m])",
    "min_over_time(flowengine_model_quota_used_ratio[10m:1m] @ end())",
    "max_over_time(flowengine_model_quota_used_ratio[10m:1m] offset -5m)",
    "max_over_time(max_over_time(flowengine_model_quota_used_ratio[5m])[15m:5m])",
    # division by zero, empty results
    "sum(rate(flowengine_flow_failures_total[5m])) / sum(rate(flowengine_flow_failures_total{repo=\"nope\"}[5m]))",
    "sum(rate(flowengine_flow_failures_total[5m])) / 0",
    "count(flowengine_model_quota_used_ratio{provider=\"nope\"}) or vector(0)",
    # matchers: an empty regex matches a missing label, (?i), unanchored-looking regexes are anchored
    'flowengine_model_quota_used_ratio{provider=~""}',
    'flowengine_model_quota_used_ratio{nolabel=""}',
    'flowengine_model_quota_used_ratio{provider=~"(?i)OPENAI"}',
    'flowengine_model_quota_used_ratio{provider=~"open"}',
    # histogram buckets of one bound twice (coalesced), absent() of a non-selector, grouping by le
    'histogram_quantile(0.5, sum by (le) (rate(flowengine_flow_duration_seconds_bucket[5m])) or label_replace('
    'sum by (le) (rate(flowengine_flow_duration_seconds_bucket{le="30.0"}[5m])), "le", "3e1", "", ""))',
    'absent(flowengine_model_quota_used_ratio{provider="openai"} > 2)',
    "count by (le) (flowengine_flow_duration_seconds_bucket)",
    # subqueries: a step that does not divide the range, @ start(), nested, of vector(time()), offset < 0
    "max_over_time(flowengine_model_quota_used_ratio[5m:7s])",
    "max_over_time(flowengine_model_quota_used_ratio[10m:1m] @ start())",
    "max_over_time(deriv(flowengine_model_quota_used_ratio[5m:1m])[10m:1m])",
    "max_over_time(vector(time())[5m:1m])",
    "sum_over_time(flowengine_model_quota_used_ratio[5m:1m] offset -3m)",
    'absent_over_time(nonexistent[5m:1m])',
    "predict_linear(flowengine_model_quota_used_ratio[1m:15s], 300)",
    # count_values' text of a value: NaN, huge and tiny numbers; without; its label replacing one
    'count_values without (provider) ("v", 0 * flowengine_model_quota_used_ratio)',
    'count_values("provider", 0 * flowengine_model_quota_used_ratio)',
    'count_values("v", flowengine_model_quota_used_ratio / 0)',
    'count_values("v", 1e21 + 0 * flowengine_model_quota_used_ratio)',
    'count_values("v", 1e-7 + 0 * flowengine_model_quota_used_ratio)',
    "quantile(0.5, flowengine_model_quota_used_ratio / (flowengine_model_quota_used_ratio - flowengine_model_quota_used_ratio))",
    # label_replace: the name, named groups, $1x is the group named "1x", a $ at the end
    'label_replace(flowengine_model_quota_used_ratio, "__name__", "renamed", "", "")',
    'label_replace(flowengine_model_quota_used_ratio, "x", "$name-${name}x", "provider", "(?P<name>o)(.*)")',
    'label_replace(flowengine_model_quota_used_ratio, "x", "$1x", "provider", "(o)(.*)")',
    'label_replace(flowengine_model_quota_used_ratio, "x", "a$", "provider", ".*")',
    'label_join(flowengine_model_quota_used_ratio, "x", "-", "provider", "__name__", "missing")',
    # matching: group_left of a label the one side lacks, on() group_left of vector(), many-to-many refused
    "flowengine_model_api_requests_total / on(provider) group_left(nothere) flowengine_model_quota_used_ratio",
    "vector(1) + on() group_left vector(2)",
    "flowengine_model_quota_used_ratio > on(provider) group_left flowengine_model_api_requests_total",
    "group(flowengine_model_api_requests_total) by (code) * 0 + on(code) group_right "
    "sum by (code, provider) (flowengine_model_api_requests_total)",
    # Prometheus 2 keeps the name through atan2 (not arithmetic to it); NaN powers; date of NaN refused
    "flowengine_model_quota_used_ratio atan2 0.5",
    "flowengine_model_quota_used_ratio ^ NaN",
    "minute(vector(NaN))",
    "day_of_month(vector(-86400.5))",
    "days_in_month()",
    # scalar() of nothing, k from a query, offsets and @ together
    "scalar(sum(flowengine_model_quota_used_ratio) > 100)",
    "topk(scalar(count(flowengine_model_quota_used_ratio)) - 1, flowengine_model_quota_used_ratio)",
    "flowengine_model_quota_used_ratio @ end() - flowengine_model_quota_used_ratio @ start()",
    "present_over_time(flowengine_model_quota_used_ratio[1m] offset -10m)",
    "stddev_over_time(flowengine_model_quota_used_ratio[15s])",
    "increase(flowengine_flow_executions_total[30s])",
    # Go's math.Max/Min: ±Inf wins over NaN; Welford's variance: one NaN sample is 0, a constant is exactly 0
    "clamp(flowengine_model_quota_used_ratio, Inf, NaN)",
    "clamp_min(flowengine_model_quota_used_ratio * NaN, Inf)",
    "stddev by (provider) (flowengine_model_quota_used_ratio * NaN)",
    "stddev_over_time(flowengine_audit_log_last_event_timestamp_seconds[10m:] @ end())",
    # matching per time: a filter before uniqueness, nothing (no error) where a side is empty
    'label_replace(flowengine_flow_duration_seconds_bucket, "provider", "x", "", "") < on(nothere) '
    'flowengine_model_quota_used_ratio{provider="openai"}',
    "(flowengine_flow_duration_seconds_bucket > 1e12) / on() flowengine_model_quota_used_ratio",
    # sort/sort_desc: the order is compared too; ties keep Prometheus' storage order (by label set), NaN last
    "sort(0 * flowengine_model_api_requests_total)",
    "sort_desc(round(flowengine_model_quota_used_ratio) or flowengine_model_quota_used_ratio * NaN)",
    # an le is read as Go's ParseFloat reads it: "1_0" is no bucket, "infinity" is +Inf
    'histogram_quantile(0.5, label_replace(flowengine_flow_duration_seconds_bucket, "le", "1_0", "le", "10.0"))',
    'histogram_quantile(0.5, label_replace(flowengine_flow_duration_seconds_bucket, "le", "infinity", "le", "\\\\+Inf"))',
    # a range vector or a subquery at the top: an instant query answers it in Prometheus (the raw samples, a matrix)
    # and a range query refuses it; a drill that refuses both must say it does not support it, not that PromQL forbids it
    "flowengine_model_quota_used_ratio[5m]",
    "rate(flowengine_flow_executions_total[5m])[10m:1m]",
]


def runbook_queries() -> list[str]:
    """Every ```promql block of the shipped runbooks without parameters."""
    out: list[str] = []
    for path in sorted((REPO / "runbooks").glob("*.md")):
        for block in re.findall(r"```promql[^\n]*\n(.*?)```", path.read_text(encoding="utf-8"), re.S):
            lines = [ln for ln in block.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
            expr = " ".join(lines).strip()
            if expr and "{{" not in expr:
                out.append(expr)
    return out


def decision_queries() -> list[str]:
    """Every metric criterion of the shipped runbooks' Go/No-Go decisions: the drill judges them
    (met / not met / unknown) from these answers, so they must be real Prometheus's answers."""
    from warroom.runbook.parser import parse_runbook

    out: list[str] = []
    for path in sorted((REPO / "runbooks").glob("*.md")):
        for d in parse_runbook(path.read_text(encoding="utf-8"), path).decisions:
            conditions = (d.applies_when,) if d.applies_when is not None else ()
            out += [c.promql for c in (*d.go, *d.no_go, *conditions) if c.promql and "{{" not in c.promql]
    return out


def gate_queries() -> list[str]:
    """Every ``[queries]`` entry of the shipped runbooks and every verify gate's PromQL: a gate (RB-CORE-003's
    breaker gate reads ``share_429``) passes or fails on these answers, as a Go/No-Go criterion does on its own."""
    from warroom.runbook.gate import parse_gate
    from warroom.runbook.parser import parse_runbook

    panes = {slo.id for slo in default_slos()}
    out: list[str] = []
    for path in sorted((REPO / "runbooks").glob("*.md")):
        rb = parse_runbook(path.read_text(encoding="utf-8"), path)
        out += [q.promql for q in rb.queries.values()]
        lefts = [parse_gate(step.verify).left for step in rb.steps if getattr(step, "verify", None)]
        out += [left for left in lefts if left not in rb.queries and left not in panes and "{{" not in left]
    return [expr for expr in out if "{{" not in expr]


def config_queries() -> list[str]:
    out = []
    for slo in default_slos():
        out.append(slo.query)
        if getattr(slo, "range_query", None):
            out.append(slo.range_query)
    return out


QUERIES = sorted(set(config_queries() + runbook_queries() + decision_queries() + gate_queries() + EDGE_CASES))


def prom_query(url: str, expr: str, at: float, end: float | None = None, step: float = STEP) -> tuple[str, Any]:
    """An instant query at ``at``, or (``end``) a range query from ``at`` to ``end`` every ``step`` s."""
    args = {"time": f"{at:.3f}"} if end is None else {"start": f"{at:.3f}", "end": f"{end:.3f}", "step": str(step)}
    qs = urllib.parse.urlencode({"query": expr, **args})
    try:
        with urllib.request.urlopen(f"{url}/api/v1/query{'' if end is None else '_range'}?{qs}", timeout=30) as resp:
            doc = json.load(resp)
    except urllib.error.HTTPError as exc:
        doc = json.load(exc)
    if doc.get("status") != "success":
        return "error", doc.get("error")
    return doc["data"]["resultType"], doc["data"]["result"]


def as_map(kind: str, result: Any) -> dict[tuple[tuple[str, str], ...], float]:
    """Prometheus' answer as {labels: value} (a scalar under the empty label set)."""
    if kind == "scalar":
        return {(): float(result[1])}
    out = {}
    for item in result:
        labels = tuple(sorted((k, v) for k, v in item["metric"].items()))
        out[labels] = float(item["value"][1])
    return out


def as_maps(result: Any, start: float, step: float, n: int) -> list[dict[tuple[tuple[str, str], ...], float]]:
    """A range query's matrix as one {labels: value} per step."""
    out: list[dict[tuple[tuple[str, str], ...], float]] = [{} for _ in range(n)]
    for item in result:
        labels = tuple(sorted((k, v) for k, v in item["metric"].items()))
        for ts, value in item["values"]:
            out[round((float(ts) - start) / step)][labels] = float(value)
    return out


def drill_map(value: float | list[Sample]) -> dict[tuple[tuple[str, str], ...], float]:
    if isinstance(value, (int, float)):
        return {(): float(value)}
    return {tuple(sorted(s.labels.items() if hasattr(s.labels, "items") else s.labels)): float(s.value)
            for s in value}


def same(a: float, b: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-9)


@pytest.fixture(scope="module", params=sorted(PLANS))
def backfilled(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    name = request.param
    work = tmp_path_factory.mktemp(f"diff-{name}")
    base = math.floor((time.time() - 1800 - 600) / STEP) * STEP
    buf = io.StringIO()
    write_openmetrics(buf, name, base=base, start=-3900, end=1800, step=STEP, actions=PLANS[name])
    server = PromServer(work / "server")
    server.config.write_text("global:\n  evaluation_interval: 1m\n")    # Prometheus' default: a subquery's step
    backfill(buf.getvalue(), server.tsdb, work)
    # now: its end. Warm (nothing here patches the world); Prometheus holds the cold integration's samples
    sim = warm_simulator(name, lambda: list(PLANS[name]), unix=lambda t: base + t, now=lambda: 1800.0)
    with server:
        yield name, server, base, sim


def test_the_drill_answers_every_query_as_prometheus_does(backfilled) -> None:
    name, server, base, sim = backfilled
    # every 2.5 min of the half hour as one range query (the panes' sparklines: start() and end() are
    # its ends), and instant queries between two scrapes (extrapolation, lookback) and just before now
    grid = [i * 150.0 for i in range(12)]
    times: list[str | float] = ["range", 1785.0, 307.5, 1111.1, 1499.9]
    compared = 0
    problems: list[str] = []
    refused: list[tuple[str, str, str]] = []
    for expr in QUERIES:
        query = expr.replace("@ BASE", f"@ {base:.0f}")
        # ties over a computed vector are random in a Prometheus range query (a step's samples come
        # from a Go map), so those are held to its instant queries
        for t in times[expr in TIES:]:
            try:
                if t == "range":
                    kind, result = prom_query(server.url, query, base, base + grid[-1], 150.0)
                    many = sim.evaluate_many(query, grid)
                    pairs = [] if kind == "error" else [(f"{g} (range)", as_maps(result, base, 150.0, len(grid))[j],
                                                         drill_map(many.at(j))) for j, g in enumerate(grid)]
                else:
                    kind, result = prom_query(server.url, query, base + t)
                    mine = None if kind == "error" else sim.evaluate(query, t)
                    pairs = [] if kind == "error" else [(t, as_map(kind, result), drill_map(mine))]
                    if query.startswith("sort") and kind == "vector":       # the order is the answer (NaNs last)
                        want_order = [tuple(sorted(x["metric"].items())) for x in result if x["value"][1] != "NaN"]
                        if want_order != [s.labels for s in mine if not math.isnan(s.value)]:
                            problems.append(f"{expr!r} at t={t}: order differs")
            except PromQLError as exc:
                # Unsupported is allowed only as a clear refusal, never a wrong number — and
                # never for a query the drill's own panes or runbooks use.
                if expr not in EDGE_CASES:
                    problems.append(f"{expr!r}: the drill refuses a query its own config uses: {exc}")
                if kind == "error":      # the range query is refused: is the instant one too?
                    kind, _ = prom_query(server.url, query, base + float(times[1]))
                refused.append((expr, kind, str(exc)))
                break
            if kind == "error":
                problems.append(f"{expr!r} at {t}: Prometheus refused ({result}), the drill answered")
                continue
            for at, want, got in pairs:
                if set(want) != set(got):
                    problems.append(f"{expr!r} at t={at}: labels differ: prometheus {sorted(want)[:3]} "
                                    f"drill {sorted(got)[:3]}")
                    continue
                for labels, w in want.items():
                    if not same(w, got[labels]):
                        problems.append(f"{expr!r} at t={at} {dict(labels)}: prometheus {w!r} drill {got[labels]!r}")
                compared += 1
    import collections
    by_expr = collections.Counter(p.split("' ")[0] for p in problems)
    assert not problems, f"{name}: {len(problems)} disagreements of {compared} comparisons:\n" + "\n".join(f"{n} × {e}" for e, n in by_expr.items()) + "\n" + "\n".join(problems[:25])
    # a refusal is right where Prometheus refuses too; otherwise it must say the drill does not evaluate it
    assert all(kind == "error" or "not supported in drills" in why for _, kind, why in refused), refused
    assert compared >= (len(QUERIES) - len(refused)) * (len(grid) + len(times) - 1) - len(TIES) * len(grid)


def test_every_query_a_shipped_gate_reads_is_compared() -> None:
    """The claim "every query the drill configs use" held to the product's own reading of the runbooks:
    each verify gate as the dashboard resolves it (``parse_verify``: a named query, a pane, or PromQL)
    and each named query. RB-CORE-003's breaker gate (the README's worked example) read ``share_429``,
    a query this test never sent to Prometheus."""
    from warroom.runbook.parser import parse_runbook
    from warroom.sources.verify import parse_verify

    read: list[tuple[str, str]] = []
    for path in sorted((REPO / "runbooks").glob("*.md")):
        rb = parse_runbook(path.read_text(encoding="utf-8"), path)
        read += [(f"{path.name} [queries] {q.name}", q.promql) for q in rb.queries.values()]
        for step in rb.steps:
            if getattr(step, "verify", None):
                gate = parse_verify(step.verify, default_slos(), rb.queries)
                read.append((f"{path.name} step {step.number} verify", gate.expr))
    assert any("share_429" in where for where, _ in read)          # the walk reaches the gate named above
    missing = [f"{where}: {expr}" for where, expr in read if "{{" not in expr and expr not in QUERIES]
    assert not missing, "queries the shipped runbooks read that are never compared with Prometheus:\n" + "\n".join(missing)


#: what a typo or an edit may put into a query (attack45 X5: the parse errors' neighbours)
PIECES = ["(", ")", "[", "]", "{", "}", ",", "=", "==", "!=", "=~", "!~", "!", ":", "@", "+", "-", "*", "/", "^", ">",
          " bool ", " on(a) ", " ignoring(a) ", " group_left ", " group_right(b) ", " by ", " by (a) ", " without ",
          " offset ", " offset 5m ", " @ 100 ", " @ start() ", "[5m]", "[5m:]", "[5m:1m]", " and ", " unless ",
          " atan2 ", "sum", "topk", "count_values", "rate", "abs", "time()", "\"a\"", "'b'", "`c`", "1", "0x1f",
          "1e3", "5m", "1h30m", "NaN", "up", "a:b", "$", "#c\n", "\n", "start", "le", "0s", ".5", "017", "\"\\q\""]


def mutated(rng: random.Random, query: str) -> str:
    """``query`` with one to three random edits: a character or a token deleted, a piece inserted or put for a token."""
    for _ in range(rng.choice((1, 1, 2, 3))):
        tokens = list(re.finditer(r'"(?:\\.|[^"\\])*"|\w+|\S', query)) or [re.match("", query)]
        token, at, edit = rng.choice(tokens), rng.randrange(len(query) + 1), rng.random()
        if edit < 0.25:
            query = query[:at] + query[at + 1:]
        elif edit < 0.55:
            query = query[:at] + rng.choice(PIECES) + query[at:]
        else:
            query = query[:token.start()] + (rng.choice(PIECES) if edit < 0.8 else "") + query[token.end():]
    return query


def promtool_parse(exprs: list[str], work: Path) -> list[str]:
    """Prometheus 2.42's own parse of each expression (``promtool check rules``): "OK" or its error."""
    rules = work / "rules.yml"
    rules.write_text("groups:\n- name: g\n  rules:\n" + "".join(f"  - record: r{i}\n    expr: {json.dumps(e)}\n"
                                                                for i, e in enumerate(exprs)))
    run = subprocess.run([PROMTOOL, "check", "rules", str(rules)], capture_output=True, text=True)
    said = dict(re.findall(r'group "g", rule (\d+), "r\d+": could not parse expression: (.*)', run.stderr))
    return [said.get(str(i + 1), "OK") for i in range(len(exprs))]


def test_parse_errors_are_prometheus_own(tmp_path: Path) -> None:
    """attack45 X5: every random edit of the queries the drill's configs use parses, or fails, as Prometheus 2.42's
    parser does: the same error at the same line and column (the drill's parser keeps each token's position)."""
    if not Path(PROMTOOL).exists():
        pytest.skip("promtool not installed (Debian package prometheus)")
    rng = random.Random(46)
    exprs = [e for e in dict.fromkeys(mutated(rng, rng.choice(QUERIES)) for _ in range(800)) if e.strip()]
    differ = []
    for expr, theirs in zip(exprs, promtool_parse(exprs, tmp_path), strict=True):
        try:
            parse(expr)
            mine = "OK"
        except PromQLError as exc:
            mine = str(exc).removeprefix("invalid PromQL: ")
        if mine != theirs and "\n" not in theirs:
            differ.append(f"{expr!r}\n  drill:      {mine}\n  Prometheus: {theirs}")
    assert not differ, f"{len(differ)} of {len(exprs)} differ:\n" + "\n".join(differ[:20])


_LINTED = re.compile(r"(?:queries\.q(\d+)|step \d+ \(gate (\d+)\)): .*?invalid PromQL at line (\d+), column (\d+) "
                     r"\(the query's (\d+):(\d+)\): (parse error: .*)")


def test_runbook_lint_says_prometheus_own_parse_error(tmp_path: Path) -> None:
    """Runbook lint reads PromQL with the drill's parser: random edits of the queries above (the shipped runbooks' gates
    and criteria among them), written as named queries (a TOML string: its escapes) and, where a fence attribute holds
    one, as bare verify gates, are refused by lint as promtool 2.42 refuses them, in its words, at the place in the file
    of the character promtool names (its line and byte column count from the query); what promtool takes, lint takes."""
    from warroom.runbook.gate import GateSyntaxError, parse_gate
    from warroom.runbook.lint import lint_paths

    if not Path(PROMTOOL).exists():
        pytest.skip("promtool not installed (Debian package prometheus)")
    rng = random.Random(47)
    exprs = [e for e in dict.fromkeys(mutated(rng, rng.choice(QUERIES)) for _ in range(160)) if e and e == e.strip()
             and "{{" not in e]
    gates = []
    for i, e in enumerate(exprs):
        try:
            held = not {"'", "`", "\n"} & set(e)          # in a fence attribute of a ``` fence's info string
            gates.append(i if held and parse_gate(f"{e} < 1 within 5m").left == e else None)
        except GateSyntaxError:
            gates.append(None)
    text = ('+++\nid = "RB-DIFF"\ntitle = "t"\nseverity = "P3"\n'
            + "".join(f'\n[queries.q{i}]\ntitle = "q{i}"\npromql = {json.dumps(e, ensure_ascii=False)}\n'
                      for i, e in enumerate(exprs))
            + "+++\n\n# t\n\n## Steps\n"
            + "".join(f"\n```bash {{name=\"g{i}\" verify='{exprs[i]} < 1 within 5m'}}\n# gate {i}\necho\n```\n"
                      for i in gates if i is not None))
    path = tmp_path / "rb.md"
    path.write_text(text)
    starts = [0] + [m.end() for m in re.finditer("\n", text)]
    said: dict[tuple[str, int], str] = {}
    for finding in lint_paths([path]):
        if (m := _LINTED.search(finding.message)) is None:
            assert "invalid PromQL" not in finding.message, finding
            continue
        kind, i = ("query", int(m[1])) if m[1] else ("gate", int(m[2]))
        expr, (qline, qcol) = exprs[i], (int(m[5]), int(m[6]))
        before = "\n".join(expr.split("\n")[:qline - 1] + [expr.split("\n")[qline - 1].encode()[:qcol - 1].decode()])
        spelled = json.dumps(before, ensure_ascii=False)[1:-1] if kind == "query" else before
        at = starts[int(m[3]) - 1] + int(m[4]) - 1
        assert text[:at].endswith(spelled), (finding, text[at - 20:at + 20])        # the character promtool names
        said[(kind, i)] = f"{qline}:{qcol}: {m[7].removesuffix(')') if kind == 'gate' else m[7]}"
    differ = []
    for i, (expr, theirs) in enumerate(zip(exprs, promtool_parse(exprs, tmp_path), strict=True)):
        for kind in ("query", "gate") if gates[i] is not None else ("query",):
            if said.get((kind, i), "OK") != theirs and "\n" not in theirs:
                differ.append(f"{kind} {expr!r}\n  lint:       {said.get((kind, i), 'OK')}\n  Prometheus: {theirs}")
    assert len(said) > 100, said
    assert not differ, f"{len(differ)} of {len(exprs)} differ:\n" + "\n".join(differ[:20])
