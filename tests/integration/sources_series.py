"""A small FlowEngine series generator for the Prometheus tests, with its expected values.

Counters grow linearly (so ``rate()`` is exactly the configured slope whatever the extrapolation
does) and gauges are constant, which lets the test compute every pane's value independently of
warroom's code. Written as OpenMetrics text for ``promtool tsdb create-blocks-from openmetrics``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

STEP = 15  # seconds between samples


@dataclass
class Scenario:
    exec_rate: float = 10.0                      # flows per second
    fail_rate: float = 0.15                      # failed flows per second
    buckets: dict[str, float] = field(default_factory=lambda: {  # cumulative per second, by le
        "10": 5.0, "30": 8.0, "60": 9.0, "120": 9.8, "+Inf": 10.0})
    quota: dict[str, float] = field(default_factory=lambda: {"anthropic": 0.42, "openai": 0.61})
    api_rates: dict[str, float] = field(default_factory=lambda: {"200": 9.7, "503": 0.3})
    audit_gap: float = 400.0                     # seconds the audit log lags behind
    quota_early: dict[str, float] | None = None  # quota values before quota_switch (unix time)
    quota_switch: int | None = None

    # ------------------------------------------------------------------ expected pane values
    def failure_rate(self) -> float:
        return 100.0 * self.fail_rate / self.exec_rate

    def p95(self) -> float:
        """histogram_quantile's linear interpolation, done by hand."""
        bounds = list(self.buckets.items())
        total = bounds[-1][1]
        rank = 0.95 * total
        prev_le, prev_count = 0.0, 0.0
        for le, count in bounds:
            if count >= rank:
                if le == "+Inf":
                    return prev_le
                hi = float(le)
                return prev_le + (hi - prev_le) * (rank - prev_count) / (count - prev_count)
            prev_le, prev_count = float(le), count
        raise AssertionError("unreachable")

    def quota_percent(self) -> float:
        return 100.0 * max(self.quota.values())

    def error_5xx(self) -> float:
        bad = sum(v for k, v in self.api_rates.items() if k.startswith("5"))
        return 100.0 * bad / sum(self.api_rates.values())

    def expected(self) -> dict[str, float]:
        return {"failure_rate": self.failure_rate(), "p95_latency": self.p95(),
                "quota": self.quota_percent(), "error_5xx": self.error_5xx(),
                "audit_gap": self.audit_gap}

    # ------------------------------------------------------------------ OpenMetrics
    def openmetrics(self, start: int, end: int) -> str:
        """Samples every STEP seconds from ``start`` to ``end`` inclusive (unix seconds)."""
        times = list(range(start, end + 1, STEP))
        base = 1_000_000.0  # counters start high so rate() extrapolation is never clamped at zero
        out: list[str] = []

        def counter(family: str, series: list[tuple[str, float]]) -> None:
            out.append(f"# TYPE {family} counter")
            for labels, slope in series:
                for t in times:
                    out.append(f"{family}_total{labels} {base + slope * (t - start):.6f} {t}")

        counter("flowengine_flow_executions", [("", self.exec_rate)])
        counter("flowengine_flow_failures", [("", self.fail_rate)])
        counter("flowengine_model_api_requests",
                [(f'{{code="{code}"}}', rate) for code, rate in self.api_rates.items()])
        out.append("# TYPE flowengine_flow_duration_seconds histogram")
        for le, rate in self.buckets.items():
            for t in times:
                out.append(f'flowengine_flow_duration_seconds_bucket{{le="{le}"}}'
                           f" {base + rate * (t - start):.6f} {t}")
        total = self.buckets["+Inf"]
        for t in times:
            out.append(f"flowengine_flow_duration_seconds_count {base + total * (t - start):.6f} {t}")
        for t in times:
            out.append(f"flowengine_flow_duration_seconds_sum {base * 30 + total * 30 * (t - start):.6f} {t}")
        out.append("# TYPE flowengine_model_quota_used_ratio gauge")
        for provider, value in self.quota.items():
            for t in times:
                v = value
                if self.quota_early is not None and self.quota_switch is not None and t < self.quota_switch:
                    v = self.quota_early[provider]
                out.append(f'flowengine_model_quota_used_ratio{{provider="{provider}"}} {v} {t}')
        out.append("# TYPE flowengine_audit_log_last_event_timestamp_seconds gauge")
        for t in times:
            out.append(f"flowengine_audit_log_last_event_timestamp_seconds {t - self.audit_gap} {t}")
        out.append("# EOF")
        return "\n".join(out) + "\n"
