"""HTTP requests with a total deadline: connect, send and the whole response within ``timeout``.

httpx's timeouts bound each socket operation, so a server that sends a byte every half second
never trips a 2 s read timeout and can hold a poll for minutes. Here every request runs on its
own daemon thread and the caller waits for it until the deadline; when the deadline passes the
request's socket is shut down (the socket is taken from httpx's public ``trace`` extension when
the connection is made), which ends the blocked read at once, and the caller gets a "slow"
failure without waiting for the thread.

Why threads and not an executor: ``concurrent.futures`` joins its workers at interpreter exit, so
one request stuck in a name lookup would keep ``warroom status`` alive after it printed. Daemon
threads never hold the exit. How many may be alive at once is bounded per client, so a server
that stalls even the abort (a hung DNS lookup) cannot make polls pile up threads.

Connections are not kept alive between requests: each request opens its own, so the socket to
shut down is always the request's own.

A caller with a budget over many requests (``incident list``'s 15 s for every incident's gates) caps them
(``capped``): each request its thread finishes within the cap ends by its own deadline or the cap, whichever is
sooner, and the cap counts the ones it ended, so the caller tells its own time running out from the source's.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from warroom.sources.httpjson import SourceError, explain_http_error, load_json

#: Largest answer read (bytes); a bigger one is refused rather than filling memory.
MAX_BODY = 64 * 1024 * 1024
#: Most bytes all of one client's answers still being read may hold together. Without it a
#: refresh's fifteen queries to a server that answers endless bodies held 15 x MAX_BODY (~1 GB
#: measured); with it the total stays near one cap, and whichever answer crosses it is refused.
MAX_IN_FLIGHT_BYTES = MAX_BODY


@dataclass(frozen=True)
class Reply:
    """A whole HTTP answer, read within the deadline."""

    status: int
    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def json(self) -> Any:
        """The body as JSON; raises ValueError when it is not (nesting too deep included)."""
        return load_json(self.body)


class _Call:
    """One request in flight: its thread, its socket (once connected), how it ended."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.reply: Reply | None = None
        self.error: BaseException | None = None
        self.received = 0
        self._lock = threading.Lock()
        self._socks: list[socket.socket] = []
        self._aborted = False

    def trace(self, event: str, info: Mapping[str, Any]) -> None:
        """httpx trace hook: remember the socket as soon as the TCP connection exists."""
        if event not in ("connection.connect_tcp.complete", "connection.start_tls.complete"):
            return
        stream = info.get("return_value")
        sock = stream.get_extra_info("socket") if stream is not None else None
        if sock is None:
            return
        with self._lock:
            self._socks.append(sock)
            late = self._aborted
        if late:
            _shutdown(sock)

    def abort(self) -> None:
        with self._lock:
            self._aborted = True
            socks = list(self._socks)
        for sock in socks:
            _shutdown(sock)

    @property
    def aborted(self) -> bool:
        return self._aborted

    @property
    def connected(self) -> bool:
        with self._lock:
            return bool(self._socks)


class Cap:
    """A monotonic instant (``ends``) no request finished on this thread within ``capped`` waits past; ``cut``: how
    many requests it ended before their own deadline (their time was the caller's, not their source's)."""

    def __init__(self, ends: float) -> None:
        self.ends = ends
        self.cut = 0


_caps = threading.local()


@contextmanager
def capped(seconds: float) -> Iterator[Cap]:
    """Every request this thread finishes (``DeadlineHTTP.finish``) within the block ends by its own deadline or
    ``seconds`` from now, whichever is sooner (an enclosing cap's sooner instant kept): a caller's budget over many
    requests holds by construction, not by checking between them."""
    outer: Cap | None = getattr(_caps, "cap", None)
    cap = Cap(time.monotonic() + max(0.0, seconds))
    if outer is not None and outer.ends < cap.ends:
        cap.ends = outer.ends
    _caps.cap = cap
    try:
        yield cap
    finally:
        _caps.cap = outer
        if outer is not None:
            outer.cut += cap.cut


def _shutdown(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # already closed: nothing left to end


class DeadlineHTTP:
    """An httpx client whose every request ends within ``timeout`` seconds, whatever the server does.

    ``what`` names the server in failure sentences ("Alertmanager at 127.0.0.1:9093"). Failures
    raise ``SourceError`` with ``kind`` one of unauthorized / slow / refused / down / error.
    """

    def __init__(self, timeout: float, what: str, *, max_in_flight: int = 32,
                 **httpx_options: Any) -> None:
        import httpx

        from warroom.sources import tls

        self.timeout = timeout
        self.what = what
        self.max_in_flight = max_in_flight
        self._live = 0
        self._held = 0          # bytes held by answers still being read (MAX_IN_FLIGHT_BYTES)
        self._lock = threading.Lock()
        options = {"follow_redirects": True, **httpx_options}
        options["verify"] = tls.context(options.get("verify", True))     # shared, not one per client
        self._client = httpx.Client(timeout=httpx.Timeout(timeout), limits=httpx.Limits(
            max_keepalive_connections=0, max_connections=max_in_flight), **options)

    def close(self) -> None:
        self._client.close()

    def start(self, method: str, url: str, *, params: Mapping[str, Any] | None = None,
              headers: Mapping[str, str] | None = None, content: bytes | None = None) -> _Call:
        """Send a request on its own thread now; ``finish`` collects it. Raises SourceError when
        too many earlier requests to this server have still not ended."""
        with self._lock:
            if self._live >= self.max_in_flight:
                raise SourceError(f"{self.what} has {self._live} earlier requests still not ended;"
                                  " not sending more until they do", kind="slow")
            self._live += 1
        call = _Call()
        thread = threading.Thread(target=self._run, args=(call, method, url, params, headers, content),
                                  name="warroom-http", daemon=True)
        try:
            thread.start()
        except RuntimeError:   # interpreter shutting down: no new threads
            self._ended()
            raise SourceError(f"request to {self.what} not sent: shutting down") from None
        return call

    def finish(self, call: _Call, deadline: float) -> Reply:
        """The reply of a started call by monotonic ``deadline`` (or the thread's ``capped`` instant, when sooner),
        else SourceError (kind slow; down when no connection was made by its own deadline)."""
        cap: Cap | None = getattr(_caps, "cap", None)
        ends = deadline if cap is None else min(deadline, cap.ends)
        if not call.done.wait(max(0.0, ends - time.monotonic())):
            connected = call.connected
            call.abort()
            if cap is not None and ends < deadline:     # the caller's time ran out, not this request's
                cap.cut += 1
                raise SourceError(f"no whole answer from {self.what} before its asker's time ran out", kind="slow")
            if not connected:
                raise SourceError(f"cannot connect to {self.what} within {self.timeout:g}s"
                                  " (no answer to the connection: host down or unreachable?)", kind="down")
            if call.received:
                raise SourceError(f"answer from {self.what} still incomplete after {self.timeout:g}s"
                                  f" ({call.received} bytes so far): too slow", kind="slow")
            raise SourceError(f"no answer from {self.what} within {self.timeout:g}s", kind="slow")
        if call.error is not None:
            if isinstance(call.error, SourceError):
                raise call.error
            raise _as_source_error(call.error, self.what, self.timeout, reached=call.connected)
        assert call.reply is not None
        return call.reply

    def request(self, method: str, url: str, **kwargs: Any) -> Reply:
        """Blocking request with the total deadline; raises SourceError."""
        deadline = time.monotonic() + self.timeout
        return self.finish(self.start(method, url, **kwargs), deadline)

    def get(self, url: str, **kwargs: Any) -> Reply:
        return self.request("GET", url, **kwargs)

    def _ended(self) -> None:
        with self._lock:
            self._live -= 1

    def _hold(self, n: int) -> bool:
        """Count ``n`` more bytes against the client-wide budget; False when it would overflow."""
        with self._lock:
            if self._held + n > MAX_IN_FLIGHT_BYTES:
                return False
            self._held += n
            return True

    def _release(self, n: int) -> None:
        with self._lock:
            self._held -= n

    def _run(self, call: _Call, method: str, url: str, params: Mapping[str, Any] | None,
             headers: Mapping[str, str] | None, content: bytes | None) -> None:
        held = 0
        try:
            with self._client.stream(method, url, params=params, headers=headers, content=content,
                                     extensions={"trace": call.trace}) as resp:
                declared = resp.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > MAX_BODY:
                    raise SourceError(f"{self.what} announced a {int(declared) // 2**20} MiB answer"
                                      f" (more than {MAX_BODY // 2**20} MiB); refused")
                chunks: list[bytes] = []
                for chunk in resp.iter_bytes():
                    call.received += len(chunk)
                    if call.received > MAX_BODY:
                        raise SourceError(f"{self.what} sent more than {MAX_BODY // 2**20} MiB; refused")
                    if not self._hold(len(chunk)):
                        raise SourceError(f"{self.what} is sending more than {MAX_IN_FLIGHT_BYTES // 2**20}"
                                          f" MiB across its answers at once (this one {call.received // 2**20}"
                                          " MiB so far); refused")
                    held += len(chunk)
                    chunks.append(chunk)
                call.reply = Reply(resp.status_code, b"".join(chunks), dict(resp.headers))
        except BaseException as exc:  # noqa: BLE001 - handed to the waiting caller, never lost
            call.error = exc
        finally:
            self._release(held)
            self._ended()
            call.done.set()


def _as_source_error(exc: BaseException, what: str, timeout: float, *, reached: bool = False) -> SourceError:
    """``exc`` (httpx's) as the sentence and kind a source says. ``reached``: the request's connection was made, so
    an answer cut mid-body, one that is not HTTP, or a reset after the connection is the source reached and giving no
    whole answer (``slow``, as a late one: attack55 F3, one such answer left a reached Prometheus "down" for every
    incident of a list, never probed); so is a connection made and then dropped or reset in its TLS handshake (attack56
    A3: a TLS terminator dropping one handshake), while a certificate refused, or a port that does not speak TLS, is
    that server's answer as before. Only a connection refused, not made, or to a name not found is ``down``."""
    import httpx

    text = explain_http_error(exc, what, timeout)
    if isinstance(exc, (httpx.ConnectTimeout, httpx.PoolTimeout)):
        return SourceError(f"cannot connect to {what} within {timeout:g}s"
                           " (no answer to the connection: host down or unreachable?)", kind="down")
    if isinstance(exc, httpx.TimeoutException):
        return SourceError(text, kind="slow")
    if isinstance(exc, httpx.ConnectError):
        if text.startswith("TLS handshake"):
            return SourceError(text, kind="error")     # it is up: the URL's scheme is wrong
        if reached and "certificate verify failed" not in text:
            return SourceError(f"no whole answer from {what}: the connection was made, then ended in its TLS"
                               f" handshake ({str(exc)[:160] or type(exc).__name__})", kind="slow")
        return SourceError(text, kind="refused" if "refused" in text else "down")
    if isinstance(exc, (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError)):
        return SourceError(text, kind="slow" if reached else "down")
    return SourceError(text, kind="error")
