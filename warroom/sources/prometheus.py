"""SLO samples from any server speaking the Prometheus HTTP API (Prometheus, Thanos, Mimir, VM).

One ``PrometheusConnect`` per server is built on first use and reused. Its retries are disabled
and every request carries the configured timeout: the library's default retry policy (three tries
with back-off) turns a dead server into a six-second stall, and an incident console must say
"unreachable" within the refresh it is in. All queries of one refresh (an instant query for the
value and a range query for the sparkline, per pane) run concurrently on a small thread pool, so a
refresh costs about one round trip however many panes there are. A sparkline cannot gain a point
before one ``step`` has passed, so its range query is repeated once per step (default 30 s), not
on every refresh; the value is queried every time.

``fetch`` never raises for a source problem: every failure becomes a sample whose ``error`` is
written for a person (Prometheus's own error text for bad queries; "unauthorized (check
bearer_token_env ...)" for a 401; "cannot connect ..." for a dead server).

Reading the API's answers is :mod:`warroom.sources.prom_results`; digging the words out of a
failure :mod:`warroom.sources.prom_errors`.
"""

from __future__ import annotations

import json
import math
import os
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor, wait as wait_futures
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlsplit

from warroom.config import PrometheusConfig, SloConfig
from warroom.errors import ConfigError
from warroom.sources.model import SloSample
from warroom.sources.prom_errors import _STATUS_RE, _bytes_literal, _first_line, _root_reason
from warroom.sources.prom_results import (
    QueryError,
    _parse_instant,
    _parse_range,
    _pick_range,
    _Ranged,
    _Series,
    format_labels,
)

#: Extra time ``fetch`` waits beyond the per-request timeout before it gives up on a request
#: (requests' timeout bounds each socket read, not a whole slowly dripping response).
GRACE = 0.5


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
        self._client: Any = None
        self._client_error: str | None = None
        self._max_workers = max_workers
        self._pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="warroom-prom")
        self._closed = False
        # Range results by expression: re-queried once per sparkline step, not every refresh.
        self._sparklines: dict[str, tuple[float, _Ranged]] = {}

    # ------------------------------------------------------------------ connection

    def _connect(self) -> Any:
        """The shared client, built once; raises QueryError when the config cannot work."""
        with self._lock:
            if self._client is not None:
                return self._client
            if self._client_error is not None:
                raise QueryError(self._client_error)
            try:
                self._client = self._build_client()
            except QueryError as exc:
                # Auth settings come from the environment at start-up; a missing token stays
                # missing, so remember the sentence instead of retrying the build every refresh.
                self._client_error = str(exc)
                raise
            return self._client

    def _build_client(self) -> Any:
        import requests
        from prometheus_api_client.prometheus_connect import PrometheusConnect
        from requests.adapters import HTTPAdapter
        from urllib3.util.retry import Retry

        cfg = self.cfg
        headers = dict(cfg.headers)
        auth: tuple[str, str] | None = None
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
            auth = (cfg.username, password)
        session = requests.Session()
        if not cfg.verify_tls:
            session.verify = False
        elif cfg.ca_file:
            ca = os.path.expanduser(cfg.ca_file)
            if not os.path.isfile(ca):
                raise QueryError(f"prometheus.ca_file {ca} does not exist")
            session.verify = ca
        # read=False: a read timeout surfaces as itself (ReadTimeout), not as a "max retries" error.
        no_retry = Retry(total=0, connect=0, read=False, redirect=0, status=0, raise_on_status=False)
        client = PrometheusConnect(
            url=self.url, headers=headers or None, disable_ssl=not cfg.verify_tls,
            retry=no_retry, auth=auth, session=session, timeout=cfg.timeout,
        )
        # A pool big enough for every concurrent query of a refresh (the default of 10 would
        # discard connections and log a warning to stderr, under the UI). Mounted on the API
        # prefix, which is longer than the library's own mount and therefore wins.
        session.mount(f"{self.url}/api/", HTTPAdapter(
            max_retries=no_retry, pool_connections=4, pool_maxsize=self._max_workers))
        return client

    def close(self) -> None:
        with self._lock:
            self._closed = True
            client, self._client = self._client, None
        self._pool.shutdown(wait=False, cancel_futures=True)
        if client is not None:
            client.close()

    # ------------------------------------------------------------------ MetricSource

    def fetch(self, slos: list[SloConfig], at: float | None = None) -> list[SloSample]:
        """One sample per pane, all panes concurrently; never raises for a source problem."""
        if not slos:
            return []
        try:
            self._connect()
        except QueryError as exc:
            now = time.time()
            return [SloSample(s.id, None, fetched_at=now, error=str(exc)) for s in slos]
        window = self.cfg.window
        step = self.cfg.step or max(window / 60.0, 1.0)
        futures: list[tuple[Future[list[_Series]], Future[_Ranged] | None]] = []
        fresh: list[tuple[str, Future[_Ranged]]] = []
        for slo in slos:
            instant = self._pool.submit(self._instant, slo.query, at)
            spark: Future[_Ranged] | None = None
            if window > 0:
                expr = slo.range_query or slo.query
                cached = self._cached_sparkline(expr, step) if at is None else None
                if cached is not None:
                    spark = Future()
                    spark.set_result(cached)
                else:
                    spark = self._pool.submit(self._range, expr, at, window, step)
                    if at is None:
                        fresh.append((expr, spark))
            futures.append((instant, spark))
        everything = [f for pair in futures for f in pair if f is not None]
        wait_futures(everything, timeout=self.cfg.timeout + GRACE)
        now = time.time()
        for expr, fut in fresh:
            if fut.done() and not fut.cancelled() and fut.exception() is None:
                with self._lock:
                    self._sparklines[expr] = (time.monotonic(), fut.result())
        return [self._sample(slo, inst, spark, now) for slo, (inst, spark) in zip(slos, futures)]

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
            fut = self._pool.submit(self._instant, expr, at)
        except QueryError as exc:
            return SloSample("expr", None, fetched_at=time.time(), error=str(exc))
        except RuntimeError:  # pool shut down: close() was called
            return SloSample("expr", None, fetched_at=time.time(), error="source closed")
        wait_futures([fut], timeout=self.cfg.timeout + GRACE)
        return self._sample(slo, fut, None, time.time())

    def query(self, expr: str, at: float | None = None) -> list[tuple[dict[str, str], float, float]]:
        """Every series of an instant query as (labels, value, time); raises QueryError."""
        self._connect()
        fut = self._pool.submit(self._instant, expr, at)
        wait_futures([fut], timeout=self.cfg.timeout + GRACE)
        return [(s.labels, s.value, s.time) for s in _result(fut, self.cfg.timeout, self.host)]

    def query_range(self, expr: str, start: float, end: float,
                    step: float) -> list[tuple[dict[str, str], list[tuple[float, float]]]]:
        """Every series of a range query, finite points only (verify gates settled after the
        fact, evidence back-fill); raises QueryError with the pane's sentence."""
        self._connect()
        return self._range(expr, None, end - start, step, end=end)

    def _sample(self, slo: SloConfig, inst: Future[list[_Series]],
                spark: Future[Any] | None, now: float) -> SloSample:
        try:
            series = _result(inst, self.cfg.timeout, self.host)
        except QueryError as exc:
            return SloSample(slo.id, None, fetched_at=now, error=str(exc))
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
                if math.isinf(chosen.value):
                    notes.append(f"query returned {'+' if chosen.value > 0 else '-'}Inf (division by zero?)")
        points: tuple[tuple[float, float], ...] = ()
        if spark is not None:
            try:
                ranged = _result(spark, self.cfg.timeout, self.host)
                points = tuple(_pick_range(ranged, chosen.labels if chosen else None, slo.direction))
            except QueryError as exc:
                notes.append(f"sparkline: {exc}")
        return SloSample(
            slo.id,
            chosen.value if chosen else None,
            series=points,
            sample_time=chosen.time if chosen else (series[0].time if series else None),
            fetched_at=now,
            note="; ".join(notes) or None,
        )

    # ------------------------------------------------------------------ queries (pool threads)

    def _instant(self, expr: str, at: float | None) -> list[_Series]:
        client = self._connect()
        params = {"time": _fmt_time(at)} if at is not None else None
        try:
            data = client.custom_query(expr, params=params)
        except Exception as exc:  # every failure becomes a pane's sentence, see _explain
            raise QueryError(self._explain(exc)) from None
        return _parse_instant(data)

    def _range(self, expr: str, at: float | None, window: float, step: float,
               end: float | None = None) -> list[tuple[dict[str, str], list[tuple[float, float]]]]:
        client = self._connect()
        stop = end if end is not None else (at if at is not None else time.time())
        try:
            data = client.custom_query_range(
                expr,
                start_time=datetime.fromtimestamp(stop - window, tz=timezone.utc),
                end_time=datetime.fromtimestamp(stop, tz=timezone.utc),
                step=f"{step:g}",
            )
        except Exception as exc:  # every failure becomes a pane's sentence, see _explain
            raise QueryError(self._explain(exc)) from None
        return _parse_range(data)

    def _explain(self, exc: BaseException) -> str:
        """A sentence for the pane: what went wrong, in the server's words when it gave some."""
        import requests

        t = self.cfg.timeout
        if isinstance(exc, requests.exceptions.ConnectTimeout) or "ConnectTimeoutError" in str(exc):
            return f"timed out connecting to {self.host} after {t:g}s"
        if isinstance(exc, requests.exceptions.ReadTimeout) or "Read timed out" in str(exc):
            return f"no answer from {self.host} within {t:g}s"
        if isinstance(exc, requests.exceptions.SSLError):
            return f"TLS error talking to {self.host} (check ca_file / verify_tls): {_root_reason(exc)}"
        if isinstance(exc, requests.exceptions.ConnectionError):
            return f"cannot connect to {self.host}: {_root_reason(exc)}"
        if isinstance(exc, (ValueError, KeyError, TypeError)):
            # 200 with a body that is not the query API's JSON: wrong URL, a login page, a proxy.
            return f"{self.url} did not answer like the Prometheus API (check prometheus.url)"
        match = _STATUS_RE.match(str(exc))
        if match:
            return self._explain_status(int(match.group(1)), _bytes_literal(match.group(2)))
        return f"query failed: {exc}"

    def _explain_status(self, code: int, body: bytes) -> str:
        text = body.decode("utf-8", "replace").strip()
        server_error: str | None = None
        try:
            doc = json.loads(text)
            if isinstance(doc, dict) and doc.get("error"):
                kind = doc.get("errorType")
                server_error = f"{kind}: {doc['error']}" if kind else str(doc["error"])
        except ValueError:
            pass
        if code == 401:
            if self.cfg.bearer_token_env:
                hint = f"check bearer_token_env {self.cfg.bearer_token_env}"
            elif self.cfg.username:
                hint = "check username / password_env"
            else:
                hint = "the server wants credentials: set bearer_token_env or username/password_env"
            return f"unauthorized (HTTP 401; {hint})"
        if code == 403:
            return f"forbidden (HTTP 403): {server_error or _first_line(text) or 'no reason given'}"
        if server_error:
            return server_error
        return f"HTTP {code} from {self.host}: {_first_line(text) or 'empty response'}"


def _fmt_time(t: float) -> str:
    return f"{t:.3f}"


def _result(fut: Future[Any], timeout: float, host: str) -> Any:
    if not fut.done():
        fut.cancel()
        raise QueryError(f"no answer from {host} within {timeout:g}s")
    exc = fut.exception()
    if exc is not None:
        if isinstance(exc, QueryError):
            raise exc
        raise QueryError(f"query failed: {exc}")
    return fut.result()
