"""Firing alerts from Alertmanager (API v2) and Prometheus (``/api/v1/alerts``), with runbooks.

An alert names its runbook in one of the ways teams actually write it, tried in this order:
a ``runbook`` label, a ``runbook`` annotation, a ``runbook_url`` annotation, ``[alerts].runbook_map``
(by alert name), then a runbook whose ``triggers`` list the alert name. References are matched
against the runbook library by id, by file name, or by the tail of a URL
(``https://wiki/x/RB-CORE-003.md#triage`` → RB-CORE-003), case-insensitively.

The library is passed in as a ``RunbookIndex`` (built from anything that lists runbooks with an
``id``, a ``path`` and ``triggers``), a plain mapping, or a callable, so this module does not
depend on how the library is loaded. A garbage answer from either server is an error in
``AlertsResult.errors``, never an exception.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import unquote, urlsplit

from warroom.config import AlertsConfig, PrometheusConfig
from warroom.sources.httpjson import SourceError, get_json, host_of, parse_time, prometheus_http_options
from warroom.sources.model import Alert

Resolver = Callable[[str], "str | None"]
_SUFFIXES = (".md", ".markdown", ".html", ".htm", ".txt")


def _stem(name: str) -> str:
    low = name.strip().lower()
    for suffix in _SUFFIXES:
        if low.endswith(suffix):
            return low[: -len(suffix)]
    return low


def reference_candidates(ref: str) -> list[str]:
    """Lower-case strings a runbook reference might match: itself, URL tail, fragment, stem."""
    ref = ref.strip()
    if not ref:
        return []
    out = [ref.lower()]
    parts = urlsplit(ref)
    path = unquote(parts.path or "")
    tail = PurePosixPath(path.rstrip("/")).name if path.strip("/") else ""
    for piece in (tail, parts.fragment):
        if piece:
            out.append(piece.lower())
    out.extend([_stem(c) for c in list(out)])
    seen: list[str] = []
    for c in out:
        if c and c not in seen:
            seen.append(c)
    return seen


class RunbookIndex:
    """Answers "which runbook does this reference mean?" from (id, path, triggers) entries."""

    def __init__(self, entries: Iterable[tuple[str, Any, Iterable[str]]] = ()) -> None:
        self._by_key: dict[str, str] = {}
        self._by_trigger: dict[str, str] = {}
        for rb_id, path, triggers in entries:
            self._add(str(rb_id), path, triggers)

    def _add(self, rb_id: str, path: Any, triggers: Iterable[str]) -> None:
        self._by_key.setdefault(rb_id.lower(), rb_id)
        if path:
            name = PurePosixPath(str(path)).name
            self._by_key.setdefault(name.lower(), rb_id)
            self._by_key.setdefault(_stem(name), rb_id)
        for trig in triggers or ():
            self._by_trigger.setdefault(str(trig).lower(), rb_id)

    @classmethod
    def from_library(cls, library: Any) -> RunbookIndex:
        """From a runbook library object: iterable of runbooks, or with ``.runbooks`` / ``.all()``."""
        items: Any = library
        if hasattr(library, "all") and callable(library.all):
            items = library.all()
        elif hasattr(library, "runbooks"):
            items = library.runbooks
        if isinstance(items, Mapping):
            items = items.values()
        return cls((getattr(rb, "id"), getattr(rb, "path", None), getattr(rb, "triggers", ()) or ())
                   for rb in items)

    def resolve(self, ref: str) -> str | None:
        for cand in reference_candidates(ref):
            hit = self._by_key.get(cand)
            if hit:
                return hit
        return None

    def for_trigger(self, name: str) -> str | None:
        return self._by_trigger.get(name.lower())

    __call__ = resolve


def as_resolver(lib: RunbookIndex | Mapping[str, str] | Resolver | None) -> Resolver:
    """Any of the accepted library forms as a ``ref -> runbook id | None`` callable."""
    if lib is None:
        return lambda ref: None
    if isinstance(lib, RunbookIndex):
        return lib.resolve
    if isinstance(lib, Mapping):
        index = RunbookIndex((v, None, ()) for v in set(lib.values()))
        lowered = {str(k).lower(): v for k, v in lib.items()}

        def resolve(ref: str) -> str | None:
            for cand in reference_candidates(ref):
                if cand in lowered:
                    return lowered[cand]
            return index.resolve(ref)

        return resolve
    return lib


def map_runbook(labels: Mapping[str, str], annotations: Mapping[str, str], resolver: Resolver,
                runbook_map: Mapping[str, str], index: RunbookIndex | None = None) -> str | None:
    """The runbook an alert names, by label, annotation, config map, then triggers."""
    for ref in (labels.get("runbook"), annotations.get("runbook"), annotations.get("runbook_url")):
        if ref:
            hit = resolver(ref)
            if hit:
                return hit
    name = labels.get("alertname", "")
    if name:
        mapped = runbook_map.get(name)
        if mapped:
            return resolver(mapped) or mapped
        if index is not None:
            return index.for_trigger(name)
    return None


@dataclass(frozen=True)
class AlertsResult:
    """One poll: the firing alerts (newest first) and, per server, what went wrong."""

    alerts: tuple[Alert, ...] = ()
    errors: dict[str, str] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    fetched_at: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.errors


class AlertSource:
    """Polls the configured alert servers; blocking, for worker threads. Clients are reused."""

    def __init__(self, cfg: AlertsConfig, prometheus: PrometheusConfig | None = None,
                 runbooks: RunbookIndex | Mapping[str, str] | Resolver | None = None) -> None:
        self.cfg = cfg
        self.prometheus = prometheus
        self.index = runbooks if isinstance(runbooks, RunbookIndex) else None
        self.resolver = as_resolver(runbooks)
        self._clients: dict[str, Any] = {}
        self._lock = threading.Lock()

    @property
    def configured(self) -> bool:
        return bool(self.cfg.alertmanager_url) or self._prom_url() is not None

    def _prom_url(self) -> str | None:
        if self.cfg.prometheus_alerts and self.prometheus is not None and self.prometheus.url:
            return self.prometheus.url.rstrip("/")
        return None

    def _client(self, key: str, **options: Any) -> Any:
        import httpx

        with self._lock:
            client = self._clients.get(key)
            if client is None:
                client = httpx.Client(timeout=self.cfg.timeout, follow_redirects=True, **options)
                self._clients[key] = client
            return client

    def fetch(self) -> AlertsResult:
        """Firing alerts from every configured server; never raises for a server problem."""
        alerts: dict[tuple[tuple[str, str], ...], Alert] = {}
        errors: dict[str, str] = {}
        notes: dict[str, str] = {}
        servers: list[tuple[str, Callable[[], tuple[list[Alert], int]]]] = []
        if self.cfg.alertmanager_url:
            servers.append(("alertmanager", self._alertmanager))
        if self._prom_url():
            servers.append(("prometheus", self._prometheus))
        for name, read in servers:  # Alertmanager first: its copy of an alert wins
            try:
                got, skipped = read()
                for a in got:
                    alerts.setdefault(tuple(sorted(a.labels.items())), a)
                if skipped:
                    notes[name] = f"{skipped} malformed alert(s) ignored"
            except SourceError as exc:
                errors[name] = str(exc)
        ordered = sorted(alerts.values(), key=lambda a: -(a.since or 0.0))
        return AlertsResult(tuple(ordered), errors, notes, time.time())

    def close(self) -> None:
        with self._lock:
            clients, self._clients = list(self._clients.values()), {}
        for c in clients:
            c.close()

    # ------------------------------------------------------------------ servers

    def _alertmanager(self) -> tuple[list[Alert], int]:
        base = str(self.cfg.alertmanager_url).rstrip("/")
        what = f"Alertmanager at {host_of(base)}"
        doc = get_json(self._client("alertmanager"), f"{base}/api/v2/alerts", what, self.cfg.timeout,
                       params={"active": "true", "silenced": "false", "inhibited": "false"})
        if not isinstance(doc, list):
            raise SourceError(f"{what} did not answer like the Alertmanager API v2"
                              " (expected a list of alerts; is alerts.alertmanager_url right?)")
        out: list[Alert] = []
        skipped = 0
        for item in doc:
            alert = self._alert(item, "alertmanager")
            if alert is None:
                skipped += 1
                continue
            status = item.get("status")
            if isinstance(status, dict) and status.get("state") == "suppressed":
                continue
            out.append(alert)
        return out, skipped

    def _prometheus(self) -> tuple[list[Alert], int]:
        base = self._prom_url()
        assert base is not None
        what = f"Prometheus at {host_of(base)}"
        options = prometheus_http_options(self.prometheus)  # type: ignore[arg-type]
        doc = get_json(self._client("prometheus", **options), f"{base}/api/v1/alerts", what,
                       self.cfg.timeout)
        data = doc.get("data") if isinstance(doc, dict) else None
        items = data.get("alerts") if isinstance(data, dict) else None
        if not isinstance(items, list):
            raise SourceError(f"{what} did not answer like the Prometheus alerts API")
        out: list[Alert] = []
        skipped = 0
        for item in items:
            if isinstance(item, dict) and item.get("state") != "firing":
                continue
            alert = self._alert(item, "prometheus")
            if alert is None:
                skipped += 1
            else:
                out.append(alert)
        return out, skipped

    def _alert(self, item: Any, source: str) -> Alert | None:
        if not isinstance(item, dict):
            return None
        labels = item.get("labels")
        annotations = item.get("annotations") or {}
        if not isinstance(labels, dict) or not isinstance(annotations, dict):
            return None
        labels = {str(k): str(v) for k, v in labels.items()}
        annotations = {str(k): str(v) for k, v in annotations.items()}
        name = labels.get("alertname")
        if not name:
            return None
        since = parse_time(item.get("startsAt") if source == "alertmanager" else item.get("activeAt"))
        return Alert(
            name=name, severity=labels.get("severity"), since=since, labels=labels,
            annotations=annotations,
            runbook=map_runbook(labels, annotations, self.resolver, self.cfg.runbook_map, self.index),
            source=source,
        )


def alert_event_data(alert: Alert) -> dict[str, Any]:
    """The ``alert.seen`` journal event's data for an alert."""
    from datetime import datetime, timezone

    since = (datetime.fromtimestamp(alert.since, tz=timezone.utc).isoformat()
             if alert.since is not None else None)
    return {"name": alert.name, "severity": alert.severity, "runbook": alert.runbook, "since": since,
            "labels": dict(alert.labels), "annotations": dict(alert.annotations),
            "source": alert.source}
