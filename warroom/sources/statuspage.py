"""Model-provider status (Statuspage ``/api/v2/status.json``; Google Cloud's ``incidents.json``).

The provider-outage runbook starts with "is it them or us?"; this answers it in the providers
pane. Every provider is fetched concurrently with its own timeout, and a provider that cannot be
read says why (``indicator = "unknown"`` plus ``error``) without affecting the others.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Literal

from warroom import scenario_time as stime
from warroom.config import ProviderConfig
from warroom.sources.httpjson import SourceError, get_json, host_of, parse_time

Indicator = Literal["none", "minor", "major", "critical", "maintenance", "unknown"]
_ORDER = {"none": 0, "maintenance": 1, "minor": 2, "major": 3, "critical": 4, "unknown": -1}


@dataclass(frozen=True)
class ProviderStatus:
    """One provider's state as the providers pane shows it."""

    name: str
    indicator: Indicator
    description: str
    url: str
    runbook: str | None = None
    error: str | None = None
    incidents: tuple[str, ...] = ()      # titles of ongoing incidents, newest first
    updated_at: float | None = None      # when the provider last changed its page
    fetched_at: float = 0.0

    @property
    def degraded(self) -> bool:
        """Worth opening the provider-outage runbook for."""
        return _ORDER.get(self.indicator, 0) >= _ORDER["minor"]


def fetch_provider(provider: ProviderConfig, timeout: float | None = None,
                   client: Any = None) -> ProviderStatus:
    """Fetch one provider's status; never raises (failures are ``indicator="unknown"``).

    The whole answer must arrive within the timeout (``deadline.DeadlineHTTP``)."""
    from warroom.sources.deadline import DeadlineHTTP

    limit = timeout if timeout is not None else provider.timeout
    what = f"{provider.name} status page ({host_of(provider.url)})"
    own = client is None
    http = client or DeadlineHTTP(limit, what, headers={"Accept": "application/json"})
    try:
        doc = get_json(http, provider.url, what, limit)
        if provider.kind == "google":
            return _google(provider, doc, what)
        return _statuspage(provider, doc, what)
    except SourceError as exc:
        return ProviderStatus(provider.name, "unknown", "status unknown", provider.url,
                              provider.runbook, error=str(exc), fetched_at=stime.now())
    finally:
        if own:
            http.close()


def fetch_providers(providers: list[ProviderConfig], timeout: float | None = None) -> list[ProviderStatus]:
    """Every provider concurrently, in config order."""
    if not providers:
        return []
    with ThreadPoolExecutor(max_workers=min(8, len(providers)), thread_name_prefix="warroom-status") as pool:
        return list(pool.map(lambda p: fetch_provider(p, timeout), providers))


def _statuspage(provider: ProviderConfig, doc: Any, what: str) -> ProviderStatus:
    status = doc.get("status") if isinstance(doc, dict) else None
    if not isinstance(status, dict) or "indicator" not in status:
        raise SourceError(f"{what} did not answer like a Statuspage status.json")
    indicator = str(status.get("indicator") or "none").lower()
    if indicator not in _ORDER:
        indicator = "unknown"
    page = doc.get("page") if isinstance(doc.get("page"), dict) else {}
    incidents = tuple(str(i.get("name")) for i in doc.get("incidents") or []
                      if isinstance(i, dict) and i.get("name"))
    return ProviderStatus(
        provider.name, indicator,  # type: ignore[arg-type]
        str(status.get("description") or indicator), provider.url, provider.runbook,
        incidents=incidents, updated_at=parse_time(page.get("updated_at")), fetched_at=stime.now(),
    )


def _google(provider: ProviderConfig, doc: Any, what: str) -> ProviderStatus:
    """incidents.json: a list of incidents; ongoing ones have no ``end``."""
    if not isinstance(doc, list):
        raise SourceError(f"{what} did not answer like Google Cloud's incidents.json")
    ongoing = [i for i in doc if isinstance(i, dict) and not i.get("end")]
    ongoing.sort(key=lambda i: parse_time(i.get("begin")) or 0.0, reverse=True)
    level = "none"
    for inc in ongoing:
        impact = str(inc.get("status_impact") or "").upper()
        severity = str(inc.get("severity") or "").lower()
        if impact == "SERVICE_OUTAGE" or severity == "high":
            this = "major"
        elif impact == "SERVICE_DISRUPTION" or severity == "medium":
            this = "minor"
        else:
            this = "none"
        if _ORDER[this] > _ORDER[level]:
            level = this
    titles = tuple(_google_title(i) for i in ongoing)
    if ongoing:
        description = f"{len(ongoing)} ongoing incident{'s' if len(ongoing) != 1 else ''}"
    else:
        description = "No ongoing incidents"
    updated = max((parse_time(i.get("modified") or i.get("begin")) or 0.0 for i in doc
                   if isinstance(i, dict)), default=0.0) or None
    return ProviderStatus(provider.name, level, description, provider.url,  # type: ignore[arg-type]
                          provider.runbook, incidents=titles, updated_at=updated,
                          fetched_at=stime.now())


def _google_title(inc: dict[str, Any]) -> str:
    desc = str(inc.get("external_desc") or "").strip().splitlines()
    products = [str(p.get("title")) for p in inc.get("affected_products") or []
                if isinstance(p, dict) and p.get("title")]
    title = desc[0] if desc else "incident"
    return f"{title} ({', '.join(products[:3])})" if products else title
