"""``blocks``, the FlowEngine CLI, for drills: retries, metrics, quota, breaker, test flows, config.

A click-style command line (``Usage:``/``Error: No such command`` and exit code 2 for usage
errors, 1 for failures). Outcomes depend on the drill: retrying while the quota is exhausted
fails with a 429, a test flow succeeds on the fallback model once routing is on, and so on.

One module a command group; ``run`` (in ``cli``) is what ``warroom.drill.standins.main`` calls.
Every public name is re-exported here so ``warroom.drill.standins.blocks.X`` keeps working.
"""

from __future__ import annotations

from warroom.drill.quantile import bucket_quantile
from warroom.drill.standins.blocks.checks import audit_cmd, security_scan, verify_contract
from warroom.drill.standins.blocks.cli import COMMANDS, GROUPS, HELP, VERSION, run
from warroom.drill.standins.blocks.comms import incident_create, notify
from warroom.drill.standins.blocks.flows import flow_retry, retry_outcome, test_flow
from warroom.drill.standins.blocks.metrics import (
    count, healthy_count, latency, metrics_compare, metrics_query, model_latency,
)
from warroom.drill.standins.blocks.options import Failed, Usage, parse_opts, span_label, window
from warroom.drill.standins.blocks.quota import breaker, breaker_state, quota_show
from warroom.drill.standins.blocks.settings import config_cmd
from warroom.drill.standins.blocks.status import status_flows, status_update

__all__ = [
    "COMMANDS", "GROUPS", "HELP", "VERSION", "Failed", "Usage", "audit_cmd", "breaker", "breaker_state",
    "bucket_quantile", "config_cmd", "count", "flow_retry", "healthy_count", "incident_create", "latency",
    "metrics_compare", "metrics_query", "model_latency", "notify", "parse_opts", "quota_show", "retry_outcome", "run",
    "security_scan", "span_label", "status_flows", "status_update", "test_flow", "verify_contract", "window",
]
