"""The SLO panes' part of the configuration: ``[[slo]]``'s dataclass, the severities, units and directions a pane
names, and the built-in panes (the FlowEngine ones the drill's simulator answers).

Its own module so that a process needing only these (a drill stand-in: its scenarios name severities, its world
the built-in panes) imports neither the rest of the schema (a dozen dataclasses, each ~1 ms of generated methods to
compile at every start) nor the TOML loader; ``warroom.config.schema`` holds them all, these among them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Literal

Severity = Literal["P1", "P2", "P3", "P4"]
Unit = Literal["percent", "ratio", "seconds", "count", "bytes"]
Direction = Literal["above", "below"]


def _key(name: str) -> dict[str, Any]:
    """Metadata for a field whose TOML key differs from its Python name (``for`` is a keyword)."""
    return {"key": name}


@dataclass
class SloConfig:
    id: str
    title: str
    query: str
    unit: Unit = "count"
    warn: float | None = None
    crit: float | None = None
    direction: Direction = "above"
    runbook: str | None = None
    severity: Severity | None = None
    for_: float | None = field(default=None, metadata={"duration": True, **_key("for")})
    range_query: str | None = None
    # What an empty answer means: "nodata" (the query matched nothing), or "warn"/"crit" for a
    # pane whose series vanishing IS the problem (an audit exporter that stopped reporting).
    absent: Literal["nodata", "warn", "crit"] = "nodata"
    # An expression whose value is the unix time of the newest underlying sample; None derives
    # it from the query's own selectors (warroom.sources.freshness); "" turns the check off.
    age_query: str | None = None
    # The sparkline's scale starts at zero (false: just below the lower threshold, to see
    # small moves of a value that never nears zero).
    spark_from_zero: bool = True
    # A counter for the PIR's computed impact: evaluated once at the end of the impact window with
    # ``$window`` replaced by its length (e.g. 'sum(increase(flowengine_flow_failures_total[$window]))').
    impact_query: str | None = None
    impact_label: str | None = None


def drill_panes(panes: list[SloConfig], runbook: str | None, severity: Severity | None) -> list[SloConfig]:
    """A drill's panes, each naming the drill's runbook and severity (a scenario's, a replayed
    incident's): the ones a declaration from any breached pane pre-fills in a drill (issue 13, item 3),
    so a breached pane's "→ RUNBOOK SEVERITY" and the declare dialog say the same, read from here
    (the mass-failure drill's panes said "→ RB-CORE-001 P2" while `d` pre-filled RB-LAUNCH-005 P1:
    redteam37 F8). None keeps the pane's own."""
    return [replace(s, runbook=runbook or s.runbook, severity=severity or s.severity) for s in panes]


def default_slos() -> list[SloConfig]:
    """The five FlowEngine SLO panes; metric names match what the drill simulator exports."""
    return [
        SloConfig(
            id="failure_rate",
            title="Flow failure rate",
            query=(
                "100 * sum(rate(flowengine_flow_failures_total[1h]))"
                " / sum(rate(flowengine_flow_executions_total[1h]))"
            ),
            unit="percent", warn=0.5, crit=1.0, direction="above",
            runbook="RB-CORE-001", severity="P2",
            impact_query="sum(increase(flowengine_flow_failures_total[$window]))",
            # what the counter counts: a failed run, so a flow retried and failed again twice
            # ("failed flows: 7" of a drill whose tasks table held 6 failed flows)
            impact_label="flow failures (retries included)",
        ),
        SloConfig(
            id="p95_latency",
            title="P95 flow latency",
            query=(
                "histogram_quantile(0.95, sum by (le) "
                "(rate(flowengine_flow_duration_seconds_bucket[5m])))"
            ),
            unit="seconds", warn=90.0, crit=120.0, direction="above",
            runbook="RB-CORE-002", severity="P3",
        ),
        SloConfig(
            id="quota",
            title="Model API quota used",
            query="100 * max(flowengine_model_quota_used_ratio)",
            unit="percent", warn=70.0, crit=80.0, direction="above",
            runbook="RB-CORE-003", severity="P3",
        ),
        SloConfig(
            id="error_5xx",
            title="Model API 5xx rate",
            query=(
                '100 * sum(rate(flowengine_model_api_requests_total{code=~"5.."}[5m]))'
                " / sum(rate(flowengine_model_api_requests_total[5m]))"
            ),
            unit="percent", warn=2.0, crit=5.0, direction="above",
            runbook="RB-CORE-004", severity="P2",
            impact_query='sum(increase(flowengine_model_api_requests_total{code=~"5.."}[$window]))',
            impact_label="model API 5xx responses",
        ),
        SloConfig(
            id="audit_gap",
            title="Audit-log gap",
            query="time() - max(flowengine_audit_log_last_event_timestamp_seconds)",
            unit="seconds", warn=120.0, crit=300.0, direction="above",
            runbook="RB-CORE-005", severity="P1", absent="crit",
        ),
    ]
