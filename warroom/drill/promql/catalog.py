"""The catalogue: every metric the drill exports, with a way to read it at any scenario time.

The drill's stand-in for Prometheus' storage and the one list of its metrics: the evaluator selects
from it and the tests' OpenMetrics writer (``tests/drill_openmetrics.py``) prints it, so what the drill
evaluates and what the tests feed a real Prometheus cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from warroom.drill import fleet
from warroom.drill.activity import AUDIT_LOOK, Activity
from warroom.drill.series import Series
from warroom.syntax.promql import PromQLError, match_value

Labels = tuple[tuple[str, str], ...]            # sorted, so "__name__" comes first
Matchers = tuple[tuple[str, str, str], ...]     # (label, one of = != =~ !~, value)
AUDIT_LAST = "flowengine_audit_log_last_event_timestamp_seconds"    # the last audit event shipped (``audit_last``)
REVIEW = "flowengine_flows_awaiting_review"     # the flows manual review holds (``Activity.awaiting_review``)
SCRAPED = 200_000   # values a catalogue holds at most (``Catalog.samples``): ~18 MB, 18 drill hours of 45 series
# How FlowEngine exports each kind of ``Series`` counter: (family, suffix, the labels its key's words are).
COUNTERS = {"exec": ("flowengine_flow_executions", "_total", "repo"),
            "fail": ("flowengine_flow_failures", "_total", "repo"),
            "req": ("flowengine_model_api_requests", "_total", "provider", "code"),
            "bucket": ("flowengine_flow_duration_seconds", "_bucket", "le"),
            "count": ("flowengine_flow_duration_seconds", "_count"), "sum": ("flowengine_flow_duration_seconds", "_sum")}


class MetricSeries(NamedTuple):
    labels: Labels
    family: str                                         # its name without a counter's _total or a histogram's _bucket
    col: int | None = None                              # a counter: its column in ``Series``
    get: Callable[[float], float] | None = None         # a gauge: its value at a scenario time

    @property
    def name(self) -> str:
        return self.labels[0][1]                                # "__name__" sorts first


class Catalog:
    """The metrics the drill exports; ``unix`` maps scenario seconds to the unix time they are stamped with."""

    def __init__(self, series: Series, unix: Callable[[float], float]) -> None:
        self.series = series
        self.unix = unix
        self.metrics: dict[str, list[MetricSeries]] = {}
        self._selected: dict[tuple[str | None, Matchers], list[MetricSeries]] = {}
        # each series' value at each scrape read so far (``samples``): the world's, so read once per catalogue
        self._scraped: dict[Labels, dict[int, float]] = {}
        self._held = 0      # values in ``_scraped`` and ``_runs``
        # per series, its run of consecutive scrapes read so far (the first's index, their values): ``_window``'s
        self._runs: dict[Labels, tuple[int, list[float]]] = {}
        self.activity = Activity(series)      # the flows, whose audit events the gap is read from
        sig = series.signals

        def add(family: str, suffix: str, labels: dict[str, str], key: tuple[str, ...] | None = None,
                get: Callable[[float], float] | None = None) -> None:
            name = family + suffix
            lab = tuple(sorted({"__name__": name, **labels}.items()))
            col = None if key is None else series.index[key]
            self.metrics.setdefault(name, []).append(MetricSeries(lab, family, col, get))

        for key in (k for k in series.keys if k[0] in COUNTERS):   # every counter FlowEngine exports, in its order
            family, suffix, *names = COUNTERS[key[0]]
            add(family, suffix, dict(zip(names, key[1:], strict=True)), key)
        add("flowengine_flows_queued", "", {}, get=series.queued)        # asked for, waiting for a slot (``queue``)
        add(REVIEW, "", {}, get=lambda t: float(len(self.activity.awaiting_review(t))))  # held for an operator
        for p in fleet.PROVIDERS:
            add("flowengine_model_quota_used_ratio", "", {"provider": p.name}, get=lambda t, p=p: sig.quota(p, t))
        # a timestamp on the wall clock, psql's max(created_at); ``time() - it`` is drill seconds (``Walk.binary``)
        add(AUDIT_LAST, "", {}, get=lambda t: unix(self.activity.audit_last(t)))

    def select(self, name: str | None, matchers: Matchers) -> list[MetricSeries]:
        """The series a selector matches (label matching done once per selector, then remembered)."""
        hit = self._selected.get((name, matchers))
        if hit is not None:
            return hit
        if name and name not in self.metrics:
            known = ", ".join(sorted(self.metrics))
            raise PromQLError(f"unknown metric {name!r} in the drill (known: {known})")
        out = sorted((ms for n in ([name] if name else self.metrics) for ms in self.metrics[n]
                      if all(match_value(dict(ms.labels).get(lab, ""), op, val) for lab, op, val in matchers)),
                     key=lambda ms: ms.labels)      # Prometheus' storage order: what ties and lists follow
        self._selected[(name, matchers)] = out
        return out

    def samples(self, series: list[MetricSeries], ks: list[int], step: float) -> list[list[float]]:
        """Each series' value at the scrapes ``ks`` (at ``k * step``, ``values``), each scrape read once per catalogue
        (at most ``SCRAPED`` values held: then they are let go and read again).

        A catalogue is one world: the simulator makes a new one whenever the actions recorded change (``Simulator.
        _world``), and a world's value at a moment is the same whenever and with whatever else it is asked (a row is a
        function of its index; the audit trail is walked alike whatever was asked before: ``Activity._walked``). So a
        pane polled every second, whose windows (an hour's rate over a half-hour sparkline) share all but their newest
        scrapes with the last poll's, reads those once, not each poll, as do the three walks of a timestamp query."""
        if ks and ks == list(range(ks[0], ks[0] + len(ks))) and \
                (rows := self._window(series, ks[0], ks[0] + len(ks), step)) is not None:
            return rows
        memos, asked = [self._scraped.setdefault(ms.labels, {}) for ms in series], set(ks)
        fresh = sorted(set().union(*(asked - memo.keys() for memo in memos)))
        if fresh and self._held + len(fresh) * len(series) > SCRAPED:
            for memo in self._scraped.values():
                memo.clear()
            self._runs.clear()
            self._held, fresh = 0, sorted(set(ks))
        if fresh:
            for memo, row in zip(memos, self.values(series, [k * step for k in fresh]), strict=True):
                held = len(memo)
                memo.update(zip(fresh, row, strict=True))
                self._held += len(memo) - held
        return [list(map(memo.__getitem__, ks)) for memo in memos]

    def _window(self, series: list[MetricSeries], lo: int, hi: int, step: float) -> list[list[float]] | None:
        """``samples`` of the scrapes ``lo`` to ``hi - 1``, one after another (a range selector's windows), read from
        each series' run of consecutive scrapes (``_runs``), grown at either end by the scrapes it lacks. A poll a
        second on asks the window it asked, moved by a scrape or none: one slice each, the newest scrapes read, where
        one look-up per scrape and series (and a set of them all, for the scrapes not yet read) was a fifth of a
        drill dashboard's poll. A window ahead of a run, not reaching it, starts the run again there (the drill's now
        moves on); one behind it, not reaching it (a look at the past while the panes poll now), is None: read as
        any other scrapes, so the two never take turns throwing each other's scrapes away."""
        runs = [self._runs.get(ms.labels) for ms in series]
        if any(run is not None and hi < run[0] for run in runs):
            return None
        asks: dict[tuple[int, int], list[int]] = {}     # (first, end) scrapes to read -> the series lacking them
        for i, run in enumerate(runs):
            start, end = (hi, hi) if run is None or lo > run[0] + len(run[1]) else (run[0], run[0] + len(run[1]))
            for a, b in ((lo, min(start, hi)), (max(end, lo), hi)):
                if a < b:
                    asks.setdefault((a, b), []).append(i)
        if (more := sum((b - a) * len(ask) for (a, b), ask in asks.items())) and self._held + more > SCRAPED:
            for memo in self._scraped.values():
                memo.clear()
            self._runs.clear()
            self._held, runs, asks = 0, [None] * len(series), {(lo, hi): list(range(len(series)))}
        read: dict[tuple[int, int, int], list[float]] = {}
        for (a, b), ask in asks.items():
            for i, row in zip(ask, self.values([series[i] for i in ask], [k * step for k in range(a, b)]),
                              strict=True):
                read[(i, a, b)] = row
                self._held += len(row)
        out = []
        for i, run in enumerate(runs):
            if run is None or lo > run[0] + len(run[1]):        # none, or behind the window: it starts here
                self._held -= 0 if run is None else len(run[1])
                run = (lo, read[(i, lo, hi)])
            else:
                first, values = run
                if lo < first:
                    first, values = lo, read[(i, lo, first)] + values
                if (tail := read.get((i, max(first + len(values), lo), hi))) is not None:
                    values.extend(tail)
                run = (first, values)
            self._runs[series[i].labels] = run
            out.append(run[1][lo - run[0]:hi - run[0]])
        return out

    def values(self, series: list[MetricSeries], times: list[float]) -> list[list[float]]:
        """Each series' value at every time in ``times`` (counters read together from ``Series``, plus
        the runs the retries added: ``Series.counter``)."""
        counters = [ms.col for ms in series if ms.col is not None]
        read = iter(self.series.columns(counters, times)) if counters else iter(())
        sig, keys = self.series.signals, self.series.keys
        if times and any(ms.name == AUDIT_LAST for ms in series):
            self.activity.audit_events(min(times) - AUDIT_LOOK, max(times))    # one walk of the flows for them all
        return [([v + sig.retried(keys[ms.col], t) for v, t in zip(next(read), times, strict=True)]  # type: ignore[index]
                 if sig.retries else next(read)) if ms.get is None else [float(ms.get(t)) for t in times]
                for ms in series]
