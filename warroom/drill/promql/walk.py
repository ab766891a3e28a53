"""Walking a syntax tree over all the times at once. Prometheus sees the drill world only through
scrapes, so the walk does too: samples every ``SCRAPE`` s on the grid the tests' OpenMetrics backfill
uses, none after the drill's now (Prometheus holds no future: ``offset -5m`` or ``@`` at now reads up
to now, never the simulator's later state); an instant selector takes the newest at or before the
time (at most ``LOOKBACK`` old), a range selector those in ``[t - window, t]`` (both ends, as
Prometheus 2.x), and each function does what Prometheus' does."""

from __future__ import annotations

import bisect
import math

from warroom.drill.promql.catalog import Catalog, Labels, MetricSeries, PromQLError
from warroom.drill.promql.columns import Col, Samples, Scalar, Vec, bare, each, kept, present, relabel, unique
from warroom.drill.promql.folds import (FOLDS, OVER_TIME, RANGE_FUNCS, Shape, counter_resets, extrapolated,
                                        histogram_quantile, quantile, regression, shapes)
from warroom.drill.promql.maths import DATE, MATH, go_math
from warroom.drill.promql.operators import aggregate, binary
from warroom.syntax.promql import Aggregate, Binary, Call, Matrix, Node, Number, Selector, String, Subquery, Unary

SCRAPE = 15.0          # scenario seconds between the samples a Prometheus scraping the drill would hold
_MAX_POINTS = 200_000  # samples one range selector may read (a [30d] window is refused, not computed)

LOOKBACK = 300.0       # Prometheus' lookback delta: an instant selector takes no sample older than this
SUBQUERY_STEP = 60.0   # a subquery's default resolution: Prometheus' default evaluation interval
SHIFT = 1e9            # drill-frame seconds every timestamp leaf moves by to find a result's degree: k's error ~5e-16

_OTHER_FUNCS = {"time", "vector", "scalar", "histogram_quantile", "sort", "sort_desc", "timestamp"}
_REFUSED = {
    Matrix: "a range vector (selector[window]) outside a range function such as rate() is not supported in drills",
    Subquery: "a subquery (expr[range:step]) outside a range function such as max_over_time() is not supported in "
              "drills",
    String: "a string literal as a value is not supported in drills",
}


def _refuse(node: Node) -> PromQLError:
    return PromQLError(_REFUSED.get(type(node), f"{type(node).__name__} is not supported in drills"))


def _grid_index(t: float) -> int:
    """The index of the newest scrape at or before ``t``."""
    return math.floor(t / SCRAPE + 1e-9)


def _absent_labels(node: Node) -> Labels:
    """The labels ``absent()`` gives its 1: the selector's ``=`` matchers, as Prometheus'
    createLabelsForAbsentFunction (a label matched twice, or also otherwise, is left out)."""
    sel, out, seen = node.selector if isinstance(node, Matrix) else node, {}, set()
    for name, op, value in sel.matchers if isinstance(sel, Selector) else ():
        if name != "__name__" and op == "=" and name not in seen:
            out[name] = value
            seen.add(name)
        elif name != "__name__":
            out.pop(name, None)
    return tuple(sorted((k, v) for k, v in out.items() if v))


class Walk:
    """Walks a syntax tree over all the times at once. The parser has checked every type, so
    each node gets the kind of value (``Scalar`` or ``Vec``) it expects."""

    def __init__(self, catalog: Catalog, times: list[float], now: float, start: float, end: float,
                 lenient: bool = False, inside: float | None = None, shift: float = 0.0) -> None:
        self.catalog, self.times, self.n = catalog, times, len(times)
        self.now, self.start, self.end = now, start, end
        self.first = math.ceil(catalog.series.t0 / SCRAPE - 1e-9)   # the oldest scrape the drill keeps
        self.last = _grid_index(now)                                 # the newest: none after now
        self.lenient = lenient      # the API's, or inside absent(): an unknown metric is no series, not a typo
        self.unknown: set[str] = set()      # the unknown metric names read so (the API warns of them)
        self.inside = inside        # inside a subquery: its offset (s); where Prometheus 2 moves an @ (refused)
        self.u0 = catalog.unix(0.0)         # the drill's clock runs at a constant speed: unix = u0 + scale * t
        self.scale = (catalog.unix(1e6) - self.u0) / 1e6
        self.shift = shift          # what ``evaluate`` moves every timestamp leaf by, to find a result's degree
        self.stamped = False        # whether a timestamp leaf was read: only then does the result need mapping back

    @property
    def span_speed(self) -> float | None:
        """The drill's speed when a timestamp leaf was read off a drill faster than the wall (a span between two
        timestamps is then drill seconds: the API says so, ``Many.speed``), else None."""
        return 1.0 / self.scale if self.stamped and self.scale != 1.0 else None

    def stamp(self, w: float) -> float:
        """A timestamp leaf (``time()``, ``timestamp()``, a ``*_timestamp_seconds`` sample: a wall time) in the drill
        frame, ``w0 + (w - w0)·speed`` plus ``shift``: the operators then run unchanged, and a span between two leaves
        or a number in the query is drill seconds, as psql's ``now() - max(created_at)`` and ``interval '5 minutes'``
        (redteam36 F8, redteam38 F11, attack38 F1-F3). w0 is the drill's start, not the time asked: a fixed anchor, so a
        range read in parts (the history memo) gives a read of the whole to the bit."""
        self.stamped = True
        return w if self.scale == 1.0 else self.u0 + (w - self.u0) / self.scale + self.shift

    def to_wall(self, value: Scalar | Vec, up: Scalar | Vec, down: Scalar | Vec) -> Scalar | Vec:
        """The drill-frame result back on the wall clock: a value's timestamp degree k (how far it moved when every
        timestamp leaf moved by ``SHIFT``, or by ``-SHIFT`` where a filter dropped it) says how much of it is a
        timestamp, so ``max(G)`` is G's wall time (psql's ``max(created_at)``), ``max(G)/60`` is G/60 and a span
        (k = 0: ``time() - sum(G)``) stays drill seconds.
        A value with neither twin, or a twin not finite, is taken as k = 0."""
        def back(x: float | None, y: float | None, z: float | None) -> float | None:
            k = (y - x) / SHIFT if x is not None and y is not None else (x - z) / SHIFT if x is not None and \
                z is not None else 0.0
            k = k if math.isfinite(k) else 0.0
            k = round(k) if abs(k - round(k)) < 1e-9 else k          # the common degrees (0, 1, -1) exact
            return x if x is None or k == 0 else k * self.u0 + (x - k * self.u0) * self.scale
        if isinstance(value, Scalar):
            return Scalar(map(back, value, up, down))  # type: ignore[arg-type]
        ups, downs = dict(up), dict(down)  # type: ignore[arg-type]
        return [(lab, list(map(back, col, ups.get(lab, [None] * len(col)), downs.get(lab, [None] * len(col)))))
                for lab, col in value]

    def eval(self, node: Node) -> Scalar | Vec:
        node = bare(node)
        if isinstance(node, Number):
            return Scalar([node.val] * self.n)
        if isinstance(node, Unary):                 # + is the operand itself, its metric name kept
            v = self.eval(node.expr)
            if node.op == "+":
                return v
            return Scalar(-x for x in v) if isinstance(v, Scalar) else each(v, lambda x, j: -x)
        if isinstance(node, Selector):
            return self.instant(node)
        if isinstance(node, Call):
            return self.call(node)
        if isinstance(node, Aggregate):
            return aggregate(node, self.eval, self.n)
        if isinstance(node, Binary):
            return binary(node, self.eval, self.n)
        raise _refuse(node)

    def select(self, sel: Selector) -> list[MetricSeries]:
        if self.lenient and sel.name and sel.name not in self.catalog.metrics:
            self.unknown.add(sel.name)
            return []
        return self.catalog.select(sel.name, sel.matchers)

    def moments(self, node: Selector | Subquery) -> list[float]:
        """The moment ``node`` reads at each time: its ``@`` time, or the time itself, less its offset."""
        if node.at is None:
            return [t - node.offset for t in self.times]
        if self.inside:
            raise PromQLError("@ inside a subquery with an offset is not supported in drills "
                              "(Prometheus 2 moves the @ time by the offset only in some cases)")
        at = self.start if node.at == "start" else self.end if node.at == "end" else \
            (float(node.at) - self.u0) / self.scale
        return [at - node.offset] * self.n

    def read(self, series: list[MetricSeries], ks: list[int]) -> list[list[float]]:
        """Every series' samples at the scrape indexes ``ks``, in one read: only what the windows
        hold, so a few points over a long incident cost their windows, not every scrape between."""
        if len(ks) > _MAX_POINTS // max(1, len(series)):
            raise PromQLError("range too long for the drill's history (it keeps two hours)")
        rows = self.catalog.samples(series, ks, SCRAPE)
        return [[self.stamp(x) for x in row] if ms.name.endswith("_timestamp_seconds") else row
                for ms, row in zip(series, rows, strict=True)]

    def instant(self, sel: Selector, stamps: bool = False) -> Vec:
        """Each series' newest sample at each moment (or, ``stamps``, its unix time: ``timestamp()``)."""
        series = self.select(sel)
        idx = [k if self.first <= (k := min(_grid_index(m), self.last)) and m - k * SCRAPE <= LOOKBACK + 1e-9
               else None for m in self.moments(sel)]
        ks = sorted({k for k in idx if k is not None})
        pos, rows = {k: i for i, k in enumerate(ks)}, self.read(series, ks)
        return [(ms.labels, [None if k is None else self.stamp(self.catalog.unix(k * SCRAPE)) if stamps else row[pos[k]]
                             for k in idx]) for ms, row in zip(series, rows, strict=True)]

    def matrix(self, node: Node, slide: bool = False) -> tuple[Samples, float, list[float]]:
        """A range argument: its series' samples, its window, and the end of each time's window;
        ``slide``: an ``@`` window moved by each time's distance from the start (``predict_linear``)."""
        if isinstance(node, Subquery):
            if slide:
                raise PromQLError("predict_linear over a subquery with @ is not supported in drills (Prometheus 2 "
                                  "slides its window past the @ time, over samples up to it only)")
            return self.subquery(node)
        if not isinstance(node, Matrix) or not isinstance(node.selector, Selector):
            raise _refuse(node)
        series, ends, window = self.select(node.selector), self.moments(node.selector), node.range
        ks: list[int] = []      # the scrapes of every window, each once, in order (a set of them cost a window a time)
        for lo, hi in sorted((max(self.first, math.ceil((m - window) / SCRAPE - 1e-9)),
                              min(self.last, _grid_index(m)) + 1) for m in ends):
            ks += range(max(lo, ks[-1] + 1 if ks else lo), hi)
        ts = [k * SCRAPE for k in ks]        # a selector's samples stop at its @ time, even when the window slides
        return [(ms.labels, ts, row) for ms, row in zip(series, self.read(series, ks), strict=True)], window, \
            [m + t - self.start for m, t in zip(ends, self.times, strict=True)] if slide else ends

    def subquery(self, node: Subquery) -> tuple[Samples, float, list[float]]:
        """``expr[range:step]``: ``expr`` evaluated every step through each window, the steps aligned
        on the unix clock as Prometheus aligns them, then read like a range selector's samples."""
        window, ends, unix = node.range, self.moments(node), self.catalog.unix
        step = (node.step or SUBQUERY_STEP) * self.scale     # in unix seconds
        if (steps := (max(ends) - min(ends) + window) / step) > _MAX_POINTS // 10:
            raise PromQLError(f"a subquery of {steps:.0f} steps is too fine for the drill: use a coarser step")
        ks = {k for m in ends for k in range(math.ceil(unix(m - window) / step - 1e-7),
                                              math.floor(unix(m) / step + 1e-7) + 1)}
        inner = [(k * step - self.u0) / self.scale for k in sorted(ks)]
        walk = Walk(self.catalog, inner, self.now, self.start, self.end, self.lenient,
                    (self.inside or 0.0) + node.offset, self.shift)
        walk.unknown = self.unknown
        cols = walk.eval(node.expr)
        self.stamped |= walk.stamped
        return [(lab, [t for t, x in zip(inner, col) if x is not None], [x for x in col if x is not None])
                for lab, col in cols], window, ends  # type: ignore[union-attr]

    def range_call(self, func: str, args: list[Node]) -> Vec:
        """A range function at every time, over the samples in that time's window ``[end - window, end]``."""
        arg = args[1] if func == "quantile_over_time" else args[0]
        param = self.eval(args[0 if func == "quantile_over_time" else 1]) if len(args) > 1 else None
        # Prometheus 2 evaluates predict_linear (it uses the time) at every step over an @ range read
        # once (samples up to the @ time): the window slides by the step's distance from the start.
        slide = func == "predict_linear" and getattr(getattr(arg, "selector", arg), "at", None) is not None
        if slide and self.inside is not None:     # there it slides from the subquery's own start
            raise PromQLError("predict_linear of a selector with @ inside a subquery is not supported in drills")
        matrix, window, ends = self.matrix(arg, slide)
        counter = func in ("rate", "increase", "irate")
        spans: dict[int, list[tuple[int, int]]] = {}
        windows: dict[int, list[Shape | None]] = {}
        out: Vec = []
        for lab, ts, row in matrix:
            if id(ts) not in spans:         # a selector's series share their times: one search for them all
                spans[id(ts)] = [(bisect.bisect_left(ts, m - window - 1e-9), bisect.bisect_right(ts, m + 1e-9))
                                 for m in ends]
            resets = counter_resets(row) if func in ("rate", "increase") else []     # irate reads its last two
            if func in ("rate", "increase", "delta"):      # the panes' own: each window's shape once for the selector
                if id(ts) not in windows:
                    windows[id(ts)] = shapes(ts, spans[id(ts)], ends, window)
                out.append((kept(lab, None, None), extrapolated(row, resets, windows[id(ts)], counter=counter,
                                                                rate=func == "rate")))
                continue
            col: Col = []
            for j, (a, b) in enumerate(spans[id(ts)]):
                if func in ("irate", "idelta"):
                    a = max(a, b - 2)
                if func in OVER_TIME or func == "quantile_over_time":
                    vs = row[a:b]
                    col.append(None if not vs else quantile(param[j], vs) if param else FOLDS[OVER_TIME[func]](vs))
                elif b - a < 2:
                    col.append(None)
                elif func in ("deriv", "predict_linear"):
                    fit = regression(ts[a:b], row[a:b], self.times[j] if func == "predict_linear" else ts[a])
                    col.append(fit[0] if func == "deriv" else fit[0] * param[j] + fit[1])  # type: ignore[index]
                else:       # irate, idelta: the last two samples
                    change = row[b - 1] if func == "irate" and row[b - 1] < row[a] else row[b - 1] - row[a]
                    col.append(change / (ts[b - 1] - ts[a]) if func == "irate" else change)
            out.append((lab if func == "last_over_time" else kept(lab, None, None), col))
        return unique(out)

    def call(self, node: Call) -> Scalar | Vec:
        f, args = node.func, [bare(a) for a in node.args]
        if f in ("absent", "absent_over_time"):     # 1 when nothing is there, labelled by the selector's = matchers
            lenient, self.lenient = self.lenient, True
            v = self.range_call("last_over_time", args) if f == "absent_over_time" else self.eval(args[0])
            self.lenient = lenient
            return [(_absent_labels(args[0]), [None if p else 1.0 for p in present([c for _, c in v], self.n)])]
        if f in RANGE_FUNCS:
            return self.range_call(f, args)
        if f in ("label_replace", "label_join"):
            return relabel(f, self.eval(args[0]), [a.val for a in args[1:]])  # type: ignore[attr-defined,arg-type]
        if f not in MATH and f not in _OTHER_FUNCS:
            raise PromQLError(f"function {f!r} is not supported in drills")
        if f == "timestamp" and isinstance(args[0], Selector):    # a sample's own time: the data's age
            if args[0].at is not None and args[0].offset:           # Prometheus 2.42 drops the offset there
                raise PromQLError("timestamp() of a selector with both @ and offset is not supported in drills")
            return each(self.instant(args[0], stamps=True), lambda x, j: x)
        stamped, self.stamped = self.stamped, False
        values, unix = [self.eval(a) for a in args], self.catalog.unix
        if f in DATE and self.stamped and self.scale != 1.0:    # the date of a timestamp is its wall clock's
            values[0] = each(values[0], lambda x, j: self.u0 + (x - self.shift - self.u0) * self.scale)  # type: ignore
        self.stamped |= stamped
        stamps = [float(unix(t)) for t in self.times]
        v = values[0] if values else [((), stamps)]   # hour() is hour(vector(time()))
        if f in DATE and not all(abs(x) < 2**63 for _, c in v for x in c if x is not None):  # type: ignore[union-attr]
            raise PromQLError(f"{f}() of NaN, ±Inf or past int64 (Go's date: an artefact) is not supported in drills")
        if f in ("time", "timestamp"):
            return Scalar(map(self.stamp, stamps)) if f == "time" else each(v, lambda x, j: self.stamp(stamps[j]))
        if f == "vector":
            return [((), list(v))]
        if f == "scalar":
            return Scalar(p[0] if len(p) == 1 else math.nan for p in present([c for _, c in v], self.n))
        if f == "histogram_quantile":
            return histogram_quantile(v, values[1], self.n)  # type: ignore[arg-type]
        if f in ("sort", "sort_desc"):
            return v
        return each(v, lambda x, j: go_math(MATH[f], x, [p[j] for p in values[1:]]))  # type: ignore[misc]
