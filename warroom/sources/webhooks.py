"""Status updates posted to a Slack incoming webhook or a generic JSON webhook (opt-in).

``post_status_update`` is blocking (the UI calls it from a worker), tries at most twice (one
retry, only for failures a retry can fix: no connection, timeout, 429, 5xx) and never raises:
it returns a ``WebhookResult`` the caller journals as the ``status_update.sent`` event's
``webhook`` field. Webhook URLs are secrets (anyone holding one can post to the channel), so no
error sentence ever contains the URL.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import Any

from warroom.config import WebhookConfig
from warroom.sources.httpjson import first_line, host_of

#: Pause before the single retry; short, because the IC is waiting to see "sent".
RETRY_DELAY = 0.5


@dataclass(frozen=True)
class WebhookResult:
    ok: bool
    kind: str
    status: int | None = None
    error: str | None = None
    attempts: int = 0
    duration: float = 0.0

    def journal(self) -> dict[str, Any]:
        """The ``webhook`` object of a ``status_update.sent`` event."""
        data: dict[str, Any] = {"kind": self.kind, "ok": self.ok}
        if self.status is not None:
            data["status"] = self.status
        if self.error is not None:
            data["error"] = self.error
        return data


def webhook_url(cfg: WebhookConfig) -> str | None:
    """The configured URL (``url_env`` wins over ``url``), or None when webhooks are off."""
    if cfg.url_env:
        return os.environ.get(cfg.url_env, "").strip() or None
    return cfg.url or None


def webhook_enabled(cfg: WebhookConfig) -> bool:
    return bool(cfg.url_env or cfg.url)


def slack_literal(text: str) -> str:
    """``text`` as Slack shows it literally: ``&``, ``<`` and ``>`` escaped as Slack asks senders to.

    Slack reads ``<...>`` in a message as a control sequence: ``<!channel>``/``<!here>`` page
    everyone, ``<@U123>`` pings a person, ``<https://evil|Grafana>`` is a link that reads
    "Grafana". A status update is what the IC read in the dialog (a drafted line quotes runbook
    titles, step labels and notes that anyone may have typed), so it posts as that text, never as
    a command to Slack. ``&`` first, so the other two escapes are not escaped again."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def payload(cfg: WebhookConfig, text: str, fields: dict[str, Any] | None = None) -> dict[str, Any]:
    """Slack gets the text as written (``slack_literal``, and ``mrkdwn`` off so ``*``, ``_``,
    ``~`` and backticks stay characters); a generic JSON webhook gets the text and the fields
    unchanged (its receiver decides how to show them)."""
    if cfg.kind == "slack":
        return {"text": slack_literal(text), "mrkdwn": False}
    return {"text": text, **(fields or {})}


def post_status_update(cfg: WebhookConfig, text: str, fields: dict[str, Any] | None = None,
                       *, retry_delay: float = RETRY_DELAY) -> WebhookResult:
    """Post one status update; at most two attempts; never raises."""
    import httpx

    from warroom.sources import tls

    started = time.monotonic()
    url = webhook_url(cfg)
    if url is None:
        why = (f"webhook.url_env names {cfg.url_env}, which is not set" if cfg.url_env
               else "no webhook configured (set webhook.url_env)")
        return WebhookResult(False, cfg.kind, error=why)
    if not url.startswith(("http://", "https://")):
        return WebhookResult(False, cfg.kind, error="webhook URL must start with http:// or https://")
    body = payload(cfg, text, fields)
    where = host_of(url)
    status: int | None = None
    error: str | None = None
    attempts = 0
    with httpx.Client(timeout=cfg.timeout, follow_redirects=False, verify=tls.context(True)) as client:
        for attempt in (1, 2):
            attempts = attempt
            try:
                resp = client.post(url, json=body)
            except httpx.TimeoutException:
                status, error = None, f"no answer from {where} within {cfg.timeout:g}s"
            except httpx.HTTPError as exc:
                status, error = None, f"cannot reach {where}: {_reason(exc)}"
            else:
                status = resp.status_code
                if 200 <= status < 300:
                    return WebhookResult(True, cfg.kind, status, None, attempt,
                                         time.monotonic() - started)
                error = f"HTTP {status} from {where}: {first_line(resp.text, 120) or 'no reason given'}"
                if status != 429 and status < 500:
                    break  # the request itself is wrong (bad URL, revoked hook): retrying won't help
            if attempt == 1:
                time.sleep(retry_delay)
    return WebhookResult(False, cfg.kind, status, error, attempts, time.monotonic() - started)


def _reason(exc: BaseException) -> str:
    text = str(exc)
    if "refused" in text.lower():
        return "connection refused"
    # httpx messages can echo the request URL, which is a secret here.
    return type(exc).__name__
