"""The catalogue: every metric the drill exports, with a way to read it at any scenario time.

It is the drill's stand-in for Prometheus' storage: selectors are matched against it once and
remembered, and counters are read from ``Series`` in bulk so a sparkline costs one pass.
"""

from __future__ import annotations

from collections.abc import Callable
import re
from typing import NamedTuple

from warroom.drill import fleet
from warroom.drill.promql.syntax import Getter, Labels, PromQLError, Selector
from warroom.drill.series import BUCKET_LABELS, Series


def match_value(actual: str, op: str, value: str) -> bool:
    """One selector matcher (``= != =~ !~``); regexes are anchored, as in Prometheus."""
    if op == "=":
        return actual == value
    if op == "!=":
        return actual != value
    try:
        hit = re.fullmatch(value, actual) is not None
    except re.error as exc:
        raise PromQLError(f"bad regular expression {value!r}: {exc}") from None
    return hit if op == "=~" else not hit


class MetricSeries(NamedTuple):
    labels: Labels
    get: Getter
    col: int | None = None                    # a counter: its column in ``Series``
    get_many: Callable[[list[float]], list[float]] | None = None


class Catalog:
    """The metrics the drill exports, as (labels, value-at-scenario-time) pairs."""

    def __init__(self, series: Series, unix: Callable[[float], float]) -> None:
        self.series = series
        self.unix = unix
        self.metrics: dict[str, list[MetricSeries]] = {}
        self.kinds: dict[str, str] = {}
        s = series
        sig = s.signals
        self._selected: dict[Selector, list[MetricSeries]] = {}

        def counter(key: tuple[str, ...]) -> Getter:
            return lambda t: s.value(key, t)

        def add(name: str, kind: str, labels: dict[str, str], get: Getter, col: int | None = None,
                get_many: Callable[[list[float]], list[float]] | None = None) -> None:
            self.kinds[name] = kind
            lab = tuple(sorted({"__name__": name, **labels}.items()))
            self.metrics.setdefault(name, []).append(MetricSeries(lab, get, col, get_many))

        def add_counter(name: str, labels: dict[str, str], key: tuple[str, ...]) -> None:
            add(name, "counter", labels, counter(key), s.index[key])

        for r in fleet.REPOS:
            add_counter("flowengine_flow_executions_total", {"repo": r.name}, ("exec", r.name))
        for r in fleet.REPOS:
            add_counter("flowengine_flow_failures_total", {"repo": r.name}, ("fail", r.name))
        for p in fleet.PROVIDERS:
            for c in s.codes:
                add_counter("flowengine_model_api_requests_total", {"provider": p.name, "code": c},
                            ("req", p.name, c))
        for b in BUCKET_LABELS:
            add_counter("flowengine_flow_duration_seconds_bucket", {"le": b}, ("bucket", b))
        add_counter("flowengine_flow_duration_seconds_count", {}, ("count",))
        add_counter("flowengine_flow_duration_seconds_sum", {}, ("sum",))
        for p in fleet.PROVIDERS:
            add("flowengine_model_quota_used_ratio", "gauge", {"provider": p.name},
                (lambda prov: lambda t: sig.quota(prov, t))(p),
                get_many=(lambda prov: lambda ts: [sig.quota(prov, t) for t in ts])(p))
        unix = self.unix
        add("flowengine_audit_log_last_event_timestamp_seconds", "gauge", {},
            lambda t: unix(t) - sig.audit_gap(t),
            get_many=lambda ts: [unix(t) - sig.audit_gap(t) for t in ts])

    def select(self, sel: Selector) -> list[MetricSeries]:
        """The series ``sel`` matches (label matching done once per selector, then remembered)."""
        hit = self._selected.get(sel)
        if hit is not None:
            return hit
        names = [sel.name] if sel.name else list(self.metrics)
        matchers = list(sel.matchers)
        for label, op, value in sel.matchers:
            if label == "__name__" and op == "=":
                names = [value]
        if sel.name and sel.name not in self.metrics:
            known = ", ".join(sorted(self.metrics))
            raise PromQLError(f"unknown metric {sel.name!r} in the drill (known: {known})")
        out = []
        for name in names:
            for ms in self.metrics.get(name, []):
                labels = dict(ms.labels)
                if all(match_value(labels.get(lab, ""), op, val) for lab, op, val in matchers):
                    out.append(ms)
        self._selected[sel] = out
        return out

    def values(self, series: list[MetricSeries], times: list[float]) -> list[list[float]]:
        """Each series' value at every time in ``times`` (counters read together from ``Series``)."""
        counters = [ms.col for ms in series if ms.col is not None]
        read = iter(self.series.columns(counters, times)) if counters else iter(())
        out = []
        for ms in series:
            if ms.col is not None:
                out.append(next(read))
            elif ms.get_many is not None:
                out.append([float(v) for v in ms.get_many(times)])
            else:
                out.append([float(ms.get(t)) for t in times])
        return out
