"""SLO samples from any server speaking the Prometheus HTTP API (Prometheus, Thanos, Mimir, VM).

Every request goes through ``deadline.DeadlineHTTP``: the whole answer (connect, send, every
byte of the response) is due within ``prometheus.timeout``, so a server that trickles its answer
a byte at a time cannot hold a refresh, and a stuck request never keeps the process from
exiting. All queries of one refresh (per pane: the instant value, the sparkline's range query and
the data-age query) start at once and share one deadline, so a refresh costs about one round
trip however many panes there are. A sparkline cannot gain a point before one ``step`` has
passed, so its range query is repeated once per step (default 30 s), not on every refresh.

Data age comes from the samples themselves (``warroom.sources.freshness``): an instant query is
stamped with its evaluation time, which says nothing about whether the exporter behind it is
still alive.

``fetch`` never raises for a source problem: every failure becomes a sample whose ``error`` is
written for a person (Prometheus's own error text for bad queries; "unauthorized (check
bearer_token_env ...)" for a 401; "cannot connect ..." for a dead server) and whose
``error_kind`` says which kind of failure it was.

Reading the API's answers is :mod:`warroom.sources.prom_results`.
"""

from __future__ import annotations

import math
import os
import threading
import time
from typing import Any
from urllib.parse import urlsplit

from warroom import scenario_time as stime
from warroom.config import PrometheusConfig, SloConfig
from warroom.errors import ConfigError
from warroom.sources.freshness import (
    LABEL as AGE_LABEL,
    age_query,
    lookback_query,
    selectors,
    stale_age,
    stale_guard,
)
from warroom.sources.httpjson import SourceError, first_line, load_json
from warroom.sources.model import SloSample
from warroom.sources.prom_results import (
    QueryError,
    _parse_instant,
    _parse_range,
    _pick_range,
    _Ranged,
    _Series,
    format_labels,
)

#: Kept for callers that add it to the timeout: every request now ends by the timeout itself.
GRACE = 0.0


class PrometheusSource:
    """``MetricSource`` over the Prometheus HTTP API; blocking, meant for worker threads."""

    name = "prometheus"

    def __init__(self, cfg: PrometheusConfig, *, max_workers: int = 16) -> None:
        if not cfg.url:
            raise ConfigError("prometheus.url is not set: no Prometheus to query")
        self.cfg = cfg
        self.url = cfg.url.rstrip("/")
        self.host = urlsplit(self.url).netloc or self.url
        self._lock = threading.Lock()
        self._http: Any = None
        self._client_error: str | None = None
        self._max_workers = max_workers
        self._closed = False
        # Range results by expression: re-queried once per sparkline step, not every refresh.
        self._sparklines: dict[str, tuple[float, _Ranged]] = {}

    # ------------------------------------------------------------------ connection

    def _connect(self) -> Any:
        """The shared client, built once; raises QueryError when the config cannot work."""
        with self._lock:
            if self._closed:
                raise QueryError("source closed")
            if self._http is not None:
                return self._http
            if self._client_error is not None:
                raise QueryError(self._client_error)
            try:
                self._http = self._build_client()
            except QueryError as exc:
                # Auth settings come from the environment at start-up; a missing token stays
                # missing, so remember the sentence instead of retrying the build every refresh.
                self._client_error = str(exc)
                raise
            return self._http

    def _build_client(self) -> Any:
        from warroom.sources.deadline import DeadlineHTTP

        cfg = self.cfg
        headers = dict(cfg.headers)
        options: dict[str, Any] = {}
        if cfg.bearer_token_env:
            token = os.environ.get(cfg.bearer_token_env, "").strip()
            if not token:
                raise QueryError(
                    f"prometheus.bearer_token_env names {cfg.bearer_token_env}, which is not set")
            headers["Authorization"] = f"Bearer {token}"
        if cfg.username:
            password = ""
            if cfg.password_env:
                password = os.environ.get(cfg.password_env, "")
                if not password:
                    raise QueryError(
                        f"prometheus.password_env names {cfg.password_env}, which is not set")
            options["auth"] = (cfg.username, password)
        if not cfg.verify_tls:
            options["verify"] = False
        elif cfg.ca_file:
            import ssl

            from warroom.sources import tls

            ca = os.path.expanduser(cfg.ca_file)
            if not os.path.isfile(ca):
                raise QueryError(f"prometheus.ca_file {ca} does not exist")
            try:
                options["verify"] = tls.ca_context(ca)
            except (OSError, ssl.SSLError) as exc:
                raise QueryError(f"prometheus.ca_file {ca} cannot be used: {exc}") from None
        return DeadlineHTTP(cfg.timeout, self.host, max_in_flight=max(4, self._max_workers * 3),
                            headers=headers, **options)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            http, self._http = self._http, None
        if http is not None:
            http.close()

    # ------------------------------------------------------------------ MetricSource

    def fetch(self, slos: list[SloConfig], at: float | None = None) -> list[SloSample]:
        """One sample per pane, all panes concurrently; never raises for a source problem."""
        if not slos:
            return []
        try:
            self._connect()
        except QueryError as exc:
            now = stime.now()
            return [SloSample(s.id, None, fetched_at=now, error=str(exc), error_kind=exc.kind)
                    for s in slos]
        deadline = time.monotonic() + self.cfg.timeout
        window = self.cfg.window
        step = self.cfg.step or max(window / 60.0, 1.0)
        pending: list[tuple[_Pending, _Pending | None, _Pending | None]] = []
        fresh: list[tuple[str, _Pending]] = []
        for slo in slos:
            instant = self._start_instant(slo.query, at)
            spark: _Pending | None = None
            if window > 0:
                expr = slo.range_query or slo.query
                cached = self._cached_sparkline(expr, step) if at is None else None
                if cached is not None:
                    spark = _Pending(value=cached)
                else:
                    spark = self._start_range(expr, at, window, step)
                    if at is None:
                        fresh.append((expr, spark))
            age: _Pending | None = None
            age_expr = self._age_expr(slo)
            if age_expr:
                age = self._start_instant(age_expr, at, parse=_parse_ages)
            pending.append((instant, spark, age))
        for trio in pending:
            for p in trio:
                if p is not None:
                    p.collect(self, deadline)
        self._look_back(slos, [age for _, _, age in pending], at, deadline)
        now = stime.now()
        for expr, p in fresh:
            if p.error is None:
                with self._lock:
                    self._sparklines[expr] = (time.monotonic(), p.value)
        return [self._sample(slo, inst, spark, age, now, at)
                for slo, (inst, spark, age) in zip(slos, pending)]

    def _age_expr(self, slo: SloConfig) -> str | None:
        if slo.age_query is not None:
            return slo.age_query or None
        return age_query(slo.query)

    def _look_back(self, slos: list[SloConfig], ages: list[_Pending | None], at: float | None,
                   deadline: float) -> None:
        """For selectors the age query did not find (their series vanished: stale-marked), read
        their raw samples over the look-back and add the newest one's time to the answer."""
        extra: list[tuple[dict[str, float], str, _Pending]] = []
        for slo, age in zip(slos, ages):
            if age is None or age.error is not None or slo.age_query is not None:
                continue
            found: dict[str, float] = age.value
            for i, sel in enumerate(selectors(slo.query)):
                if str(i) not in found:
                    extra.append((found, str(i), self._start_instant(
                        lookback_query(sel, self.lookback), at, parse=_parse_newest)))
        for found, key, p in extra:
            p.collect(self, deadline)
            if p.error is None and p.value is not None:
                found[key] = p.value

    def staleness(self, expr: str, at: float | None = None, *, slo: SloConfig | None = None) -> float | None:
        """How old ``expr``'s data is at ``at`` (now) when a pane reading it would be STALE, else
        None: the pane's own age (``slo``'s ``age_query`` when it is a pane's query, else the
        selectors' newest samples, a vanished one read over the look-back) judged by the one rule
        (``freshness.stale_age``). Raises ``QueryError`` when the source cannot answer; an age
        query the server refuses is no age (as on a pane: "data age unknown", never STALE)."""
        return self.query_aged(expr, at, slo=slo, value=False)[1]

    def query_aged(self, expr: str, at: float | None = None, *, slo: SloConfig | None = None,
                   value: bool = True) -> tuple[list[tuple[dict[str, str], float, float]], float | None]:
        """``query(expr, at)`` and ``staleness(expr, at, slo=)`` in one round trip: the value, the
        age expression and a look-back read of every selector (used only for one the age query
        misses: its series vanished) all start at once and share one deadline. A Go/No-Go look
        asks this of every criterion query: asked one after the other, the age doubled what
        judging a criterion cost over a slow link (``bench/data_age.py``). ``value=False``: the
        age only (no rows). Raises ``QueryError`` when the value cannot be read."""
        probe = slo if slo is not None else SloConfig(id="expr", title=expr, query=expr)
        self._connect()
        when = stime.now() if at is None else at
        deadline = time.monotonic() + self.cfg.timeout
        asked = self._start_instant(expr, at) if value else None
        age_expr = self._age_expr(probe)
        age = self._start_instant(age_expr, at, parse=_parse_ages) if age_expr else None
        backs = self._start_look_backs(probe, at) if age is not None else {}
        for pending in (asked, age, *backs.values()):
            if pending is not None:
                pending.collect(self, deadline)
        rows = [(s.labels, s.value, s.time) for s in asked.result()] if asked is not None else []
        if age is None or age.error is not None:
            return rows, None
        found = dict(age.value)
        for key, back in backs.items():
            if key not in found and back.error is None and back.value is not None:
                found[key] = back.value
        try:
            data_time, _ = self._data_time(probe, found, when, at, when)
        except QueryError:
            return rows, None
        return rows, stale_age(data_time, when, self.cfg.stale_after)

    def _start_ages(self, probe: SloConfig, age_expr: str | None, first: float, end: float,
                    step: float) -> tuple[_Pending, dict[str, _Pending]]:
        """The age expression's range from ``first`` to ``end`` and the look-back reads at ``first``, started."""
        assert age_expr is not None
        return (self._start_range(age_expr, None, end - first, step, end=end),
                self._start_look_backs(probe, first))

    def _start_look_backs(self, slo: SloConfig, at: float | None) -> dict[str, _Pending]:
        """A look-back read (``lookback_query``) of every selector of ``slo``'s query, started, by
        selector index: what ``_look_back`` asks of the vanished ones, asked up front so that a
        vanished selector costs no second round trip. None for a pane with its own age query."""
        if slo.age_query is not None:
            return {}
        return {str(i): self._start_instant(lookback_query(sel, self.lookback), at, parse=_parse_newest)
                for i, sel in enumerate(selectors(slo.query))}

    def stale_ages(self, expr: str, walls: list[float], step: float, *,
                   slo: SloConfig | None = None) -> list[float | None]:
        """``staleness`` at each of the unix times ``walls`` (``step`` apart) from one range query
        of the age expression (a verify gate judges its instants from the history, so their data
        age must come from it too). A selector missing at an instant (its series vanished) is as
        old as its newest sample, as on a pane: missing at the first instant, its raw samples over
        the look-back are read there (``_look_back``'s query; none: "older than the look-back"),
        and after an instant where the range answered it, its newest sample then (no later one
        arrived, or it would be answered). An age query that fails gives no age (None), as a pane
        says "data age unknown"."""
        try:
            return self.range_aged(expr, walls, step, slo=slo, value=False)[1]
        except QueryError:        # the source cannot answer (closed, misconfigured): no age known
            return [None] * len(walls)

    def range_aged(self, expr: str, walls: list[float], step: float, *, slo: SloConfig | None = None,
                   value: bool = True) -> tuple[list[tuple[dict[str, str], list[tuple[float, float]]]],
                                                list[float | None]]:
        """``query_range(expr, walls[0], walls[-1] + step / 2, step)`` (every series at the grid
        instants ``walls``) and ``stale_ages(expr, walls, step, slo=)`` in one round trip: the
        value range, the age range and the first instant's look-back reads start at once. A gate's
        look and a pane's history read ask this: one after the other, the ages doubled (tripled
        with a vanished selector) what a look cost over a slow link (``bench/data_age.py``).
        ``value=False``: the ages only. Raises ``QueryError`` when the value range cannot be read."""
        probe = slo if slo is not None else SloConfig(id="expr", title=expr, query=expr)
        if not walls:
            return [], []
        self._connect()
        deadline = time.monotonic() + self.cfg.timeout
        end = walls[-1] + step / 2     # half a step past the last instant: rounding never drops it
        asked = self._start_range(expr, None, end - walls[0], step, end=end) if value else None
        age_expr = self._age_expr(probe)
        guard_expr = stale_guard(probe.query, self.cfg.stale_after, self.lookback) \
            if age_expr and probe.age_query is None else None
        guard = self._start_range(guard_expr, None, end - walls[0], step, end=end) if guard_expr else None
        age = backs = None
        if guard is None and age_expr:
            age, backs = self._start_ages(probe, age_expr, walls[0], end, step)
        for pending in (asked, guard, age, *(backs or {}).values()):
            if pending is not None:
                pending.collect(self, deadline)
        series = asked.result() if asked is not None else []
        if guard is not None:
            if guard.error is None and not any(pts for _labels, pts in guard.value):
                return series, [None] * len(walls)     # every series had a sample within stale_after
            age, backs = self._start_ages(probe, age_expr, walls[0], end, step)   # something may be stale
            for pending in (age, *backs.values()):
                pending.collect(self, deadline)
        if age is None or age.error is not None:
            return series, [None] * len(walls)
        backs = backs or {}
        need = None if probe.age_query else len(selectors(probe.query))
        by_index: dict[int, dict[str, float]] = {}
        for labels, pts in age.value:
            key = labels.get(AGE_LABEL, str(id(labels)))
            for t, v in pts:
                by_index.setdefault(round((t - walls[0]) / step), {})[key] = v
        out: list[float | None] = []
        seen: dict[str, float] = {}        # each selector's newest sample as last answered
        if need is not None:
            # missing at the first instant: its newest raw sample over the look-back, else "older
            # than the look-back", as a pane's age is (``_look_back``, ``_data_time``); a read
            # that failed leaves it out (its age is not known)
            seen = dict(by_index.get(0, {}))
            for key, back in backs.items():
                if key not in seen and back.error is None:
                    seen[key] = back.value if back.value is not None else walls[0] - self.lookback
        for i, wall in enumerate(walls):
            found = by_index.get(i, {})
            if need is not None:
                seen.update(found)
                found = dict(seen)
            if not found or (need is not None and len(found) < need):
                out.append(None)
            else:
                out.append(stale_age(min(found.values()), wall, self.cfg.stale_after))
        return series, out

    @property
    def lookback(self) -> float:
        """How far back a vanished series' last sample is looked for (beyond: "older than this")."""
        return max(300.0, self.cfg.stale_after * 3)

    def invalidate_sparklines(self) -> None:
        """Forget cached sparklines (the window changed, or a caller wants them fresh now)."""
        with self._lock:
            self._sparklines.clear()

    def _cached_sparkline(self, expr: str, step: float) -> _Ranged | None:
        """A sparkline fetched less than one step ago: it cannot have a new point yet."""
        with self._lock:
            hit = self._sparklines.get(expr)
        if hit is None or time.monotonic() - hit[0] >= step:
            return None
        return hit[1]

    def instant(self, expr: str, at: float | None = None) -> SloSample:
        """Evaluate any expression once (promql steps, verify gates); the worst series wins."""
        slo = SloConfig(id="expr", title=expr, query=expr)
        try:
            self._connect()
        except QueryError as exc:
            return SloSample("expr", None, fetched_at=stime.now(), error=str(exc), error_kind=exc.kind)
        deadline = time.monotonic() + self.cfg.timeout
        p = self._start_instant(expr, at)
        p.collect(self, deadline)
        return self._sample(slo, p, None, None, stime.now(), at)

    def query(self, expr: str, at: float | None = None) -> list[tuple[dict[str, str], float, float]]:
        """Every series of an instant query as (labels, value, time); raises QueryError."""
        self._connect()
        p = self._start_instant(expr, at)
        p.collect(self, time.monotonic() + self.cfg.timeout)
        return [(s.labels, s.value, s.time) for s in p.result()]

    def query_range(self, expr: str, start: float, end: float,
                    step: float) -> list[tuple[dict[str, str], list[tuple[float, float]]]]:
        """Every series of a range query, values and ±Inf, no NaN (verify gates settled after the
        fact, evidence back-fill); raises QueryError with the pane's sentence."""
        self._connect()
        p = self._start_range(expr, None, end - start, step, end=end)
        p.collect(self, time.monotonic() + self.cfg.timeout)
        return p.result()

    def _sample(self, slo: SloConfig, inst: _Pending, spark: _Pending | None,
                age: _Pending | None, now: float, at: float | None) -> SloSample:
        try:
            series = inst.result()
        except QueryError as exc:
            return SloSample(slo.id, None, fetched_at=now, error=str(exc), error_kind=exc.kind)
        notes: list[str] = []
        chosen: _Series | None = None
        if series:
            finite = [s for s in series if not math.isnan(s.value)]
            if not finite:
                notes.append("query returned NaN (0/0: no traffic in the window?)")
            else:
                worst = max if slo.direction == "above" else min
                chosen = worst(finite, key=lambda s: s.value)
                if len(series) > 1:
                    word = "highest" if slo.direction == "above" else "lowest"
                    notes.append(f"{len(series)} series returned where one was expected;"
                                 f" showing the {word}: {format_labels(chosen.labels)}")
        points: tuple[tuple[float, float], ...] = ()
        if spark is not None:
            try:
                ranged = spark.result()
                points = tuple(_pick_range(ranged, chosen.labels if chosen else None, slo.direction))
            except QueryError as exc:
                notes.append(f"sparkline: {exc}")
        eval_time = chosen.time if chosen else (series[0].time if series else None)
        data_time: float | None = None
        if age is not None:   # also with no series: "stopped reporting" is not "never had data"
            try:
                data_time, age_note = self._data_time(slo, age.result(), eval_time, at, now)
                if age_note:
                    notes.append(age_note)
            except QueryError as exc:
                notes.append(f"data age unknown ({exc})")
        value = chosen.value if chosen else (math.nan if series else None)  # NaN is shown as NaN
        return SloSample(
            slo.id,
            value,
            series=points,
            sample_time=eval_time,
            fetched_at=now,
            note="; ".join(notes) or None,
            data_time=data_time,
        )

    def _data_time(self, slo: SloConfig, ages: dict[str, float], eval_time: float | None,
                   at: float | None, now: float) -> tuple[float | None, str | None]:
        """The newest-sample time of the pane's stalest selector, and a note when one is missing."""
        if slo.age_query:
            return (min(ages.values()) if ages else None), None
        sels = selectors(slo.query)
        missing = [sel for i, sel in enumerate(sels) if str(i) not in ages]
        ref = eval_time if eval_time is not None else (at if at is not None else now)
        if eval_time is None and len(missing) == len(sels):
            return None, None          # no series now and none in the look-back: plain no data
        if missing:
            from warroom.durations import format_duration

            return ref - self.lookback, (f"no sample of {missing[0]} in the last"
                                         f" {format_duration(self.lookback)}")
        return (min(ages.values()) if ages else None), None

    # ------------------------------------------------------------------ requests

    def _start_instant(self, expr: str, at: float | None, parse: Any = None) -> _Pending:
        params = {"query": expr}
        if at is not None:
            params["time"] = _fmt_time(at)
        return self._start("/api/v1/query", params, parse or _parse_instant)

    def _start_range(self, expr: str, at: float | None, window: float, step: float,
                     end: float | None = None) -> _Pending:
        stop = end if end is not None else (at if at is not None else stime.now())
        params = {"query": expr, "start": _fmt_time(stop - window), "end": _fmt_time(stop),
                  "step": f"{step:g}"}
        return self._start("/api/v1/query_range", params, _parse_range)

    def _start(self, path: str, params: dict[str, str], parse: Any) -> _Pending:
        try:
            http = self._connect()
            call = http.start("GET", f"{self.url}{path}", params=params)
        except QueryError as exc:
            return _Pending(error=exc)
        except SourceError as exc:
            return _Pending(error=QueryError(str(exc), kind=exc.kind))
        return _Pending(call=call, parse=parse)

    def _decode(self, status: int, body: bytes) -> Any:
        """The ``data.result`` of an answer, or QueryError worded for a pane."""
        text = body.decode("utf-8", "replace")
        doc: Any = None
        try:
            doc = load_json(text)
        except ValueError:
            pass
        server_error: str | None = None
        if isinstance(doc, dict) and doc.get("status") == "error" and doc.get("error"):
            kind = doc.get("errorType")
            server_error = f"{kind}: {doc['error']}" if kind else str(doc["error"])
        if status == 401:
            if self.cfg.bearer_token_env:
                hint = f"check bearer_token_env {self.cfg.bearer_token_env}"
            elif self.cfg.username:
                hint = "check username / password_env"
            else:
                hint = "the server wants credentials: set bearer_token_env or username/password_env"
            raise QueryError(f"unauthorized (HTTP 401; {hint})", kind="unauthorized")
        if status == 403:
            detail = (doc.get("error") if isinstance(doc, dict) and doc.get("error") else None)
            raise QueryError(f"forbidden (HTTP 403): {detail or first_line(text, 200) or 'no reason given'}",
                             kind="unauthorized")
        if server_error:
            raise QueryError(server_error)
        if status >= 400:
            raise QueryError(f"HTTP {status} from {self.host}: {first_line(text, 200) or 'empty response'}")
        data = doc.get("data") if isinstance(doc, dict) else None
        if not isinstance(data, dict) or "result" not in data:
            # 200 with a body that is not the query API's JSON: wrong URL, a login page, a proxy.
            raise QueryError(f"{self.url} did not answer like the Prometheus API (check prometheus.url)")
        return data["result"]


class _Pending:
    """One query of a refresh: started at once, collected by the shared deadline."""

    def __init__(self, *, call: Any = None, parse: Any = None, value: Any = None,
                 error: QueryError | None = None) -> None:
        self.call = call
        self.parse = parse
        self.value = value
        self.error = error

    def collect(self, src: PrometheusSource, deadline: float) -> None:
        if self.call is None:
            return
        call, self.call = self.call, None
        try:
            reply = src._connect().finish(call, deadline)
            result = src._decode(reply.status, reply.body)
            try:
                self.value = self.parse(result)
            except (TypeError, AttributeError, KeyError, IndexError, ValueError) as exc:
                # Valid JSON of the wrong shape ("metric": [1], "values": 7): the parsers check
                # the common shapes; anything else they trip on is the same kind of answer.
                raise QueryError(f"unexpected answer from {src.host}: not the query API's result"
                                 f" shape ({type(exc).__name__})") from None
        except SourceError as exc:
            self.error = QueryError(str(exc), kind=exc.kind)
        except QueryError as exc:
            self.error = exc

    def result(self) -> Any:
        if self.error is not None:
            raise self.error
        return self.value


def _parse_newest(data: Any) -> float | None:
    """Time of the newest raw sample in a matrix answer (None when it holds none)."""
    times = [pts[-1][0] for _, pts in _parse_range(data) if pts]
    return max(times) if times else None


def _parse_ages(data: Any) -> dict[str, float]:
    """The age query's answer: selector index → unix time of its newest sample."""
    out: dict[str, float] = {}
    for s in _parse_instant(data):
        if math.isfinite(s.value):
            out[s.labels.get(AGE_LABEL, str(len(out)))] = s.value
    return out


def _fmt_time(t: float) -> str:
    return f"{t:.3f}"
