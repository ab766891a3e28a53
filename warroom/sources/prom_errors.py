"""Turning a failed request into one sentence for the pane (a dead server, a 401, a bad query).

The Prometheus client reports failures as nested urllib3/requests exceptions or as a status line
with a Python bytes literal in it; digging the useful words out of those is fiddly and has
nothing to do with querying, so it lives here.
"""

from __future__ import annotations

import ast
import re

from warroom.sources.prom_results import _num as _num

_STATUS_RE = re.compile(r"HTTP Status Code (\d+) \((b(['\"]).*\3)\)\s*$", re.S)


def _bytes_literal(text: str) -> bytes:
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text.encode()
    return value if isinstance(value, bytes) else str(value).encode()


def _first_line(text: str, limit: int = 200) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line[:limit]


def _root_reason(exc: BaseException) -> str:
    """The innermost cause, e.g. "connection refused" instead of urllib3's nested repr."""
    text = str(exc)
    for needle, words in (("Connection refused", "connection refused"),
                          ("Name or service not known", "host name not found"),
                          ("nodename nor servname", "host name not found"),
                          ("Temporary failure in name resolution", "host name not found"),
                          ("No route to host", "no route to host"),
                          ("Network is unreachable", "network unreachable"),
                          ("Connection reset", "connection reset"),
                          ("RemoteDisconnected", "server closed the connection"),
                          ("CERTIFICATE_VERIFY_FAILED", "certificate verify failed")):
        if needle in text:
            return words
    return text[:200]
