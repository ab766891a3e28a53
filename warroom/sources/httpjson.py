"""Small shared pieces for the httpx-based sources (alerts, provider status, webhooks).

Each source turns every failure into one sentence for a pane or the journal; the sentences are
worded here once so "timed out", "not JSON" and "HTTP 503" read the same everywhere. Sentences
never contain the URL's query or userinfo, since webhook URLs are secrets.
"""

from __future__ import annotations

import os
import re
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlsplit

from warroom.config import PrometheusConfig

_FRACTION = re.compile(r"(\.\d{6})\d+")


#: How a source failed, for the header and the panes: each needs a different fix.
FAILURE_KINDS = ("unauthorized", "slow", "refused", "down", "error")


class SourceError(Exception):
    """A source problem, worded for a person; ``status`` is the HTTP status when there was one.

    ``kind``: unauthorized (401/403: credentials), slow (no whole answer within the timeout),
    refused (nothing listens), down (unreachable, reset, name not found), error (it answered,
    but with an HTTP error or something that is not its API).
    """

    def __init__(self, message: str, status: int | None = None, kind: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        if kind is None:
            kind = "unauthorized" if status in (401, 403) else "error"
        self.kind = kind


def load_json(data: bytes | str) -> Any:
    """``json.loads`` for what a server sent: every way it can fail is a ValueError.

    Python's parser recurses per nesting level, so ``[[[[…`` 200 000 deep raises RecursionError,
    which escaped the sources' "never raises" promise (``warroom status`` printed no JSON and
    exited with the CRIT code). Here it is one more kind of "not JSON".
    """
    import json

    try:
        return json.loads(data)
    except RecursionError:
        raise ValueError("JSON nested too deeply to read") from None


#: OpenSSL's words for "the other side answered, but not with TLS".
_NOT_TLS = ("WRONG_VERSION_NUMBER", "UNKNOWN_PROTOCOL", "record layer failure", "HTTP_REQUEST",
            "PACKET_LENGTH_TOO_LONG")


def host_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.hostname and (f"{parts.hostname}:{parts.port}" if parts.port else parts.hostname) or url


def explain_http_error(exc: BaseException, what: str, timeout: float) -> str:
    """httpx transport failures as sentences ("what" names the server: "Alertmanager at h:p")."""
    import httpx

    if isinstance(exc, httpx.TimeoutException):
        return f"no answer from {what} within {timeout:g}s"
    if isinstance(exc, httpx.ConnectError):
        text = str(exc)
        if "refused" in text.lower():
            return f"cannot connect to {what}: connection refused"
        if "name" in text.lower() and ("resol" in text.lower() or "known" in text.lower()):
            return f"cannot connect to {what}: host name not found"
        if any(m in text for m in _NOT_TLS):
            return (f"TLS handshake with {what} failed: that port does not speak TLS"
                    " (plain HTTP there? use an http:// URL)")
        if "CERTIFICATE_VERIFY_FAILED" in text:
            return f"TLS error talking to {what}: certificate verify failed"
        return f"cannot connect to {what}: {text[:160] or type(exc).__name__}"
    if isinstance(exc, httpx.HTTPError):
        return f"request to {what} failed: {str(exc)[:160] or type(exc).__name__}"
    return f"request to {what} failed: {exc}"


_TAG = re.compile(r"<[^>]*>")
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.I | re.S)
_SCRIPT = re.compile(r"<(script|style)[^>]*>.*?</\1>", re.I | re.S)


def first_line(text: str, limit: int = 160) -> str:
    """The first line of an error body, as words: an HTML error page (a proxy's 502, a login
    page) gives its title or its text, not ``<html><body><h1>``."""
    stripped = text.strip()
    if stripped[:1] == "<" and re.search(r"<(html|body|head|h1|title|!doctype)\b", stripped[:512], re.I):
        title = _TITLE.search(stripped)
        words = title.group(1) if title else _TAG.sub(" ", _SCRIPT.sub(" ", stripped))
        words = " ".join(words.split())
        if words:
            return words[:limit]
    return stripped.splitlines()[0][:limit] if stripped else ""


def get_json(client: Any, url: str, what: str, timeout: float, **kwargs: Any) -> Any:
    """GET ``url`` and return its JSON; raises SourceError with the sentence to show.

    ``client`` is a ``deadline.DeadlineHTTP`` (the whole answer within its timeout), or any
    object with a ``get`` returning something with ``status`` / ``status_code``, ``text`` and
    ``json()``.
    """
    import httpx

    try:
        resp = client.get(url, **kwargs)
    except httpx.HTTPError as exc:
        raise SourceError(explain_http_error(exc, what, timeout), kind="down") from None
    status = getattr(resp, "status", None)
    if status is None:
        status = resp.status_code
    if status == 401:
        raise SourceError(f"unauthorized (HTTP 401 from {what}; check its credentials)", 401)
    if status == 403:
        detail = _error_text(resp.text) or "no reason given"
        raise SourceError(f"forbidden (HTTP 403 from {what}): {detail}", 403)
    if status >= 400:
        detail = _error_text(resp.text) or "no reason given"
        raise SourceError(f"HTTP {status} from {what}: {detail}", status)
    try:
        return load_json(resp.body) if hasattr(resp, "body") else resp.json()
    except RecursionError:
        raise SourceError(f"{what} answered with JSON nested too deeply to read") from None
    except ValueError:
        raise SourceError(f"{what} answered with something that is not JSON"
                          f" ({resp.text.strip()[:60].splitlines()[0] if resp.text.strip() else 'empty body'!r})") from None


def _error_text(body: str) -> str:
    try:
        doc = load_json(body)
    except ValueError:
        return first_line(body)
    if isinstance(doc, dict):
        for key in ("error", "message", "detail"):
            if doc.get(key):
                return str(doc[key])[:200]
    return first_line(body)


def parse_time(text: Any) -> float | None:
    """RFC 3339 timestamps as Go writes them (nanoseconds, ``Z``) to unix seconds; None if absent."""
    if not isinstance(text, str) or not text or text.startswith("0001-01-01"):
        return None
    s = _FRACTION.sub(r"\1", text.strip()).replace("Z", "+00:00")
    try:
        dt = datetime.fromisoformat(s)
    except ValueError:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.timestamp()


def prometheus_http_options(cfg: PrometheusConfig) -> dict[str, Any]:
    """httpx client options carrying the same auth, CA and headers as the Prometheus source.

    Raises SourceError when the CA file cannot be read.
    """
    headers = dict(cfg.headers)
    options: dict[str, Any] = {}
    if cfg.bearer_token_env and os.environ.get(cfg.bearer_token_env, "").strip():
        headers["Authorization"] = f"Bearer {os.environ[cfg.bearer_token_env].strip()}"
    if cfg.username:
        options["auth"] = (cfg.username, os.environ.get(cfg.password_env or "", ""))
    if not cfg.verify_tls:
        options["verify"] = False
    elif cfg.ca_file:
        import ssl

        from warroom.sources import tls

        ca = os.path.expanduser(cfg.ca_file)
        try:
            options["verify"] = tls.ca_context(ca)
        except (OSError, ssl.SSLError) as exc:
            raise SourceError(f"prometheus.ca_file {ca} cannot be used: {exc}") from None
    options["headers"] = headers
    return options
