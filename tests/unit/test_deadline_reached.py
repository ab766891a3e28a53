"""What a request's failure says of its source (``deadline.DeadlineHTTP``), and a caller's cap over its requests.

attack55 F3: an answer cut mid-body, one that is not HTTP, or a reset after the connection was made were kind
``down`` (the README's "no connection at all"), so ``incident list`` took one such answer for its source being down
and asked it nothing more for any incident, never probed. They are the source reached giving no whole answer: kind
``slow``, as a late one. Only a connection refused, not made or to a name not found is ``down``/``refused``.
attack55 F2: a caller with a budget over many requests (``incident list``'s 15 s) caps each one (``capped``): a
request ends by its own deadline or the cap, whichever is sooner, and the cap counts the requests it ended.
Against a raw socket server on 127.0.0.1 driven per connection (no sleep; a held request is ended by the cap).
"""

from __future__ import annotations

import socket
import struct
import threading
from collections.abc import Iterator

import pytest

from warroom.sources.deadline import DeadlineHTTP, capped
from warroom.sources.httpjson import SourceError

IN_HELLO = ("hello-close", "hello-reset")      # ended once the first bytes (a TLS ClientHello) came: dropped, reset
HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n"


def _serve(hows: list[str]) -> Iterator[str]:
    """A server answering its n-th connection as ``hows[n]`` says: ``cut`` (headers, 10 of 500 bytes, closed),
    ``banner`` (an SSH banner, closed: not HTTP), ``reset`` (headers, then a reset), ``hold`` (read until the asker
    shuts the connection), ``hello-close`` / ``hello-reset`` (closed or reset once its first bytes came, as a TLS
    terminator dropping a handshake: not at accept, where the asker's connect itself may see the reset)."""
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]

    def run() -> None:
        for how in hows:
            conn, _ = server.accept()
            with conn:
                data = b""
                while b"\r\n\r\n" not in data and (chunk := conn.recv(4096)):
                    data += chunk
                    if how in IN_HELLO:
                        break
                if how == "cut":
                    conn.sendall(HEAD + b'{"status":')
                elif how == "banner":
                    conn.sendall(b"SSH-2.0-OpenSSH_9.6\r\n")
                elif how == "reset":
                    conn.sendall(HEAD + b"{")
                    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                elif how == "hold":
                    while conn.recv(4096):
                        pass
                elif how == "hello-reset":
                    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.close()
        thread.join(5.0)


@pytest.fixture
def served(request: pytest.FixtureRequest) -> Iterator[str]:
    yield from _serve(list(request.param))


@pytest.mark.parametrize("served", [("cut", "banner", "reset")], indirect=True)
def test_an_answer_broken_on_a_made_connection_is_the_source_reached_not_down(served: str) -> None:
    http = DeadlineHTTP(5.0, served[7:])
    said = []
    try:
        for _ in range(3):
            with pytest.raises(SourceError) as err:
                http.get(f"{served}/api/v1/query")
            said.append((err.value.kind, str(err.value)))
    finally:
        http.close()
    assert [kind for kind, _ in said] == ["slow"] * 3, said
    assert "without sending complete message body" in said[0][1] and "disconnected" in said[1][1], said

    # nothing listens: down at once, as before (refused)
    with socket.create_server(("127.0.0.1", 0)) as closed:
        port = closed.getsockname()[1]
    http = DeadlineHTTP(5.0, f"127.0.0.1:{port}")
    try:
        with pytest.raises(SourceError) as err:
            http.get(f"http://127.0.0.1:{port}/api/v1/query")
    finally:
        http.close()
    assert err.value.kind == "refused", err.value


@pytest.mark.parametrize("served", [("hello-close", "hello-reset")], indirect=True)
def test_a_tls_handshake_dropped_on_a_made_connection_is_the_source_reached_not_down(served: str) -> None:
    """attack56 A3: an https source whose TCP connection was made and then closed or reset in the TLS handshake (a
    terminator or load balancer dropping one handshake) was an httpx ConnectError, kind ``down`` whatever the trace
    said, so ``incident list`` took it for the source down, never probed. Reached: ``slow``. A certificate refused,
    or a port that does not speak TLS, stays that server's answer; not reached stays ``down``."""
    import httpx

    from warroom.sources.deadline import _as_source_error

    https = "https" + served[4:]
    http = DeadlineHTTP(5.0, served[7:])
    said = []
    try:
        for _ in range(2):
            with pytest.raises(SourceError) as err:
                http.get(f"{https}/api/v1/query")
            said.append((err.value.kind, str(err.value)))
    finally:
        http.close()
    assert [kind for kind, _ in said] == ["slow"] * 2, said
    assert all(f"no whole answer from {served[7:]}: the connection was made, then ended in its TLS handshake (" in s
               for _, s in said), said
    verify = httpx.ConnectError("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed (_ssl.c:1)")
    plain = httpx.ConnectError("[SSL: WRONG_VERSION_NUMBER] wrong version number (_ssl.c:1000)")
    eof = httpx.ConnectError("[SSL: UNEXPECTED_EOF_WHILE_READING] EOF occurred in violation of protocol")
    assert [(e.kind, str(e)) for e in (_as_source_error(verify, "x", 5.0, reached=True),
                                       _as_source_error(plain, "x", 5.0, reached=True))] == [
        ("down", "TLS error talking to x: certificate verify failed"),
        ("error", "TLS handshake with x failed: that port does not speak TLS (plain HTTP there? use an http:// URL)")]
    assert _as_source_error(eof, "x", 5.0).kind == "down"     # no connection made: as before


@pytest.mark.parametrize("served", [("hold",)], indirect=True)
def test_a_cap_ends_a_request_before_its_own_deadline_and_counts_it(served: str) -> None:
    http = DeadlineHTTP(30.0, served[7:])
    try:
        with capped(60.0) as outer, capped(0.05) as cap, pytest.raises(SourceError) as err:
            http.get(f"{served}/api/v1/query")            # held: its 30s never waited, the cap's 0.05s is
    finally:
        http.close()
    assert err.value.kind == "slow" and str(err.value) == \
        f"no whole answer from {served[7:]} before its asker's time ran out", err.value
    assert (cap.cut, outer.cut) == (1, 1)
