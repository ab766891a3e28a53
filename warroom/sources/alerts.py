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
from dataclasses import dataclass, field, replace
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import unquote, urlsplit

from warroom import scenario_time as stime
from warroom.config import AlertsConfig, PrometheusConfig
from warroom.sources.httpjson import SourceError, get_json, host_of, parse_time, prometheus_http_options
from warroom.sources.model import Alert
from warroom.sources.severity import map_severity, rank

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
    """One poll: the firing alerts (most severe first, then longest firing) and, per server, what
    went wrong.

    ``alerts`` holds only what servers answered in this poll. A server that failed is in
    ``errors`` (the sentence) and ``kinds`` (unauthorized / slow / refused / down / error); if it
    ever answered, ``last_good`` holds when and what it said then, so a screen can show the
    failure with the age of the last good answer and never a "none firing" it cannot vouch for.
    """

    alerts: tuple[Alert, ...] = ()
    errors: dict[str, str] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    fetched_at: float = 0.0
    kinds: dict[str, str] = field(default_factory=dict)
    last_good: dict[str, tuple[float, tuple[Alert, ...]]] = field(default_factory=dict)
    servers: tuple[str, ...] = ()
    #: Alerts Alertmanager holds silenced or inhibited: someone decided they need no action now,
    #: so they are not "firing" (not counted, not offered when declaring), but the line says how
    #: many there are and the full view lists them, so a silence never hides an alert unseen.
    silenced: tuple[Alert, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def all_clear(self) -> bool:
        """True only when every configured server answered, none has an alert firing, and
        nothing they sent had to be ignored as malformed (an item we cannot read may be an alert)."""
        return self.ok and not self.alerts and bool(self.servers) and not self.notes

    def counts(self) -> dict[str, int]:
        """Firing alerts per severity (P1..P4, then "?" for unknown spellings), most severe first."""
        out: dict[str, int] = {}
        for a in self.alerts:
            key = a.priority or "?"
            out[key] = out.get(key, 0) + 1
        return dict(sorted(out.items(), key=lambda kv: rank(kv[0] if kv[0] != "?" else None)))


def sort_alerts(alerts: Iterable[Alert]) -> list[Alert]:
    """Most severe first; within a severity the longest firing first; then by name."""
    return sorted(alerts, key=lambda a: (rank(a.priority),
                                         a.since if a.since is not None else float("inf"), a.name))


def _without(labels: Mapping[str, str], drop: Iterable[str]) -> tuple[tuple[str, str], ...]:
    gone = set(drop)
    return tuple(sorted((k, v) for k, v in labels.items() if k not in gone))


class AlertSource:
    """Polls the configured alert servers; blocking, for worker threads. Clients are reused.

    One alert reaches the IC once: Alertmanager's copy carries the Prometheus ``external_labels``
    that Prometheus' own ``/api/v1/alerts`` lacks, so those labels (read from Prometheus'
    ``/api/v1/status/config``, or, when that cannot be read, found by label-set inclusion) and
    ``[alerts].dedup_ignore_labels`` are left out when telling two alerts apart. An alert
    Alertmanager holds silenced or inhibited is not brought back by Prometheus' copy.
    """

    def __init__(self, cfg: AlertsConfig, prometheus: PrometheusConfig | None = None,
                 runbooks: RunbookIndex | Mapping[str, str] | Resolver | None = None) -> None:
        self.cfg = cfg
        self.prometheus = prometheus
        self.index = runbooks if isinstance(runbooks, RunbookIndex) else None
        self.resolver = as_resolver(runbooks)
        self._clients: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._external: dict[str, str] | None = None
        self._external_retry = 0.0
        self._last_good: dict[str, tuple[float, tuple[Alert, ...]]] = {}

    @property
    def configured(self) -> bool:
        return bool(self.cfg.alertmanager_url) or self._prom_url() is not None

    def _prom_url(self) -> str | None:
        if self.cfg.prometheus_alerts and self.prometheus is not None and self.prometheus.url:
            return self.prometheus.url.rstrip("/")
        return None

    def _client(self, key: str, what: str, **options: Any) -> Any:
        from warroom.sources.deadline import DeadlineHTTP

        with self._lock:
            client = self._clients.get(key)
            if client is None:
                client = DeadlineHTTP(self.cfg.timeout, what, max_in_flight=4, **options)
                self._clients[key] = client
            return client

    def fetch(self) -> AlertsResult:
        """Firing alerts from every configured server; never raises for a server problem.

        The servers are asked at the same time, each request with the whole answer due within
        ``alerts.timeout``, so one poll lasts at most about that long.
        """
        errors: dict[str, str] = {}
        kinds: dict[str, str] = {}
        notes: dict[str, str] = {}
        got: dict[str, list[Alert]] = {}
        suppressed: list[Alert] = []
        servers: list[tuple[str, Callable[[], tuple[list[Alert], int, list[Alert]]]]] = []
        if self.cfg.alertmanager_url:
            servers.append(("alertmanager", self._alertmanager))
        if self._prom_url():
            servers.append(("prometheus", self._prometheus))
        results: dict[str, Any] = {}

        def ask(name: str, read: Callable[[], Any]) -> None:
            try:
                results[name] = read()
            except SourceError as exc:
                results[name] = exc
            except (TypeError, AttributeError, KeyError, IndexError, ValueError, RecursionError) as exc:
                # An answer of a shape the reader did not expect: the server answered, wrongly.
                # Said as such (kind error), not left for the join to call it "no answer".
                results[name] = SourceError(f"{name} answered in a shape warroom cannot read"
                                            f" ({type(exc).__name__}: {str(exc)[:120]})")

        jobs: list[tuple[str, Callable[[], Any]]] = list(servers)
        if self._prom_url() and self._external is None and time.monotonic() >= self._external_retry:
            jobs.append(("external_labels", self._read_external))   # once; retried every 5 min
        threads = [threading.Thread(target=ask, args=(n, r), daemon=True, name=f"warroom-alerts-{n}")
                   for n, r in jobs]
        for t in threads:
            t.start()
        for t in threads:
            t.join(self.cfg.timeout + 1.0)   # each request ends by its own deadline; this is a backstop
        now = stime.now()
        for name, _ in servers:
            res = results.get(name)
            if res is None:
                res = SourceError(f"no answer from {name} within {self.cfg.timeout:g}s", kind="slow")
            if isinstance(res, SourceError):
                errors[name] = str(res)
                kinds[name] = res.kind
                continue
            alerts, skipped, quiet = res
            got[name] = alerts
            suppressed.extend(quiet)
            if skipped:
                notes[name] = f"{skipped} malformed alert(s) ignored"
        merged = self._merge(got.get("alertmanager", []), got.get("prometheus", []),
                             [a.labels for a in suppressed])
        for name, alerts in got.items():
            self._last_good[name] = (now, tuple(sort_alerts(alerts)))
        last_good = {n: self._last_good[n] for n in errors if n in self._last_good}
        return AlertsResult(tuple(sort_alerts(merged)), errors, notes, now, kinds, last_good,
                            tuple(n for n, _ in servers), tuple(sort_alerts(suppressed)))

    def failed_result(self, error: str, kind: str = "error") -> AlertsResult:
        """A poll that could not run at all (the reader raised): every configured server is
        unknown, each with the age of its last good answer; never an all-clear."""
        servers = tuple(n for n, on in (("alertmanager", bool(self.cfg.alertmanager_url)),
                                        ("prometheus", self._prom_url() is not None)) if on)
        return AlertsResult((), {s: error for s in servers}, {}, stime.now(), {s: kind for s in servers},
                            {s: self._last_good[s] for s in servers if s in self._last_good}, servers)

    def _merge(self, am: list[Alert], prom: list[Alert], suppressed: list[dict[str, str]]) -> list[Alert]:
        ignore = set(self.cfg.dedup_ignore_labels)
        external = self._external or {}

        def key(labels: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
            ext = [k for k, v in external.items() if labels.get(k) == v]
            return _without(labels, ignore.union(ext))

        out: dict[tuple[tuple[str, str], ...], Alert] = {}
        for a in am:       # Alertmanager first: its copy of an alert wins
            out.setdefault(key(a.labels), a)
        quiet = {key(labels) for labels in suppressed}
        am_sets = [set(k) for k in out] + [set(k) for k in quiet]
        for a in prom:
            k = key(a.labels)
            if k in out or k in quiet:
                continue
            if self._external is None and any(set(k) <= s for s in am_sets):
                continue   # external labels unknown: Alertmanager's copy has extra labels
            out[k] = a
        return list(out.values())

    def close(self) -> None:
        with self._lock:
            clients, self._clients = list(self._clients.values()), {}
        for c in clients:
            c.close()

    # ------------------------------------------------------------------ servers

    def _alertmanager(self) -> tuple[list[Alert], int, list[Alert]]:
        base = str(self.cfg.alertmanager_url).rstrip("/")
        what = f"Alertmanager at {host_of(base)}"
        doc = get_json(self._client("alertmanager", what), f"{base}/api/v2/alerts", what, self.cfg.timeout,
                       params={"active": "true", "silenced": "true", "inhibited": "true"})
        if not isinstance(doc, list):
            raise SourceError(f"{what} did not answer like the Alertmanager API v2"
                              " (expected a list of alerts; is alerts.alertmanager_url right?)")
        out: list[Alert] = []
        quiet: list[Alert] = []
        skipped = 0
        for item in doc:
            alert = self._alert(item, "alertmanager")
            if alert is None:
                skipped += 1
                continue
            status = item.get("status")
            if isinstance(status, dict) and status.get("state") == "suppressed":
                how = [w for w, by in (("silenced", "silencedBy"), ("inhibited", "inhibitedBy"))
                       if status.get(by)]
                quiet.append(replace(alert, state="/".join(how) or "suppressed"))
                continue
            out.append(alert)
        return out, skipped, quiet

    def _prometheus(self) -> tuple[list[Alert], int, list[Alert]]:
        base = self._prom_url()
        assert base is not None
        what = f"Prometheus at {host_of(base)}"
        options = prometheus_http_options(self.prometheus)  # type: ignore[arg-type]
        client = self._client("prometheus", what, **options)
        doc = get_json(client, f"{base}/api/v1/alerts", what, self.cfg.timeout)
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
        return out, skipped, []

    def _read_external(self) -> None:
        base = self._prom_url()
        assert base is not None
        what = f"Prometheus at {host_of(base)}"
        client = self._client("prometheus", what, **prometheus_http_options(self.prometheus))  # type: ignore[arg-type]
        found = self._external_labels(client, base, what)
        if found is None:
            self._external_retry = time.monotonic() + 300.0
        self._external = found

    def _external_labels(self, client: Any, base: str, what: str) -> dict[str, str] | None:
        """Prometheus' ``global.external_labels`` (None when its config cannot be read: Thanos
        and some proxies do not serve it, and then label-set inclusion decides)."""
        import yaml

        try:
            doc = get_json(client, f"{base}/api/v1/status/config", what, self.cfg.timeout)
            text = doc["data"]["yaml"]
            conf = yaml.safe_load(text) or {}
            labels = (conf.get("global") or {}).get("external_labels") or {}
        except (SourceError, KeyError, TypeError, AttributeError, yaml.YAMLError):
            return None
        if not isinstance(labels, dict):
            return None
        return {str(k): str(v) for k, v in labels.items()}

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
            if not labels:
                return None
            # Alertmanager accepts any non-empty label set: an alert without an alertname is
            # still firing, so it is counted and named by its labels, never dropped unseen.
            name = "(no alertname) " + ",".join(f"{k}={v}" for k, v in sorted(labels.items()))[:80]
        since = parse_time(item.get("startsAt") if source == "alertmanager" else item.get("activeAt"))
        # A blank label says nothing: the next configured label is asked.
        raw = next((labels[k].strip() for k in self.cfg.severity_labels if labels.get(k, "").strip()), None)
        return Alert(
            name=name, severity=raw, since=since, labels=labels,
            annotations=annotations,
            runbook=map_runbook(labels, annotations, self.resolver, self.cfg.runbook_map, self.index),
            source=source, priority=map_severity(raw, self.cfg.severity_map),
        )


def alert_event_data(alert: Alert) -> dict[str, Any]:
    """The ``alert.seen`` journal event's data for an alert."""
    from datetime import datetime, timezone

    since = (datetime.fromtimestamp(alert.since, tz=timezone.utc).isoformat()
             if alert.since is not None else None)
    return {"name": alert.name, "severity": alert.severity, "priority": alert.priority,
            "title": alert.title, "runbook": alert.runbook, "since": since,
            "labels": dict(alert.labels), "annotations": dict(alert.annotations),
            "source": alert.source}
