"""A trickling HTTP proxy on 127.0.0.1: it forwards each request to a real server, reads the whole
answer, then sends it back one byte every ``interval`` seconds for at most ``duration`` seconds.

Per-read timeouts never fire against it (a byte always comes within 0.5 s), so it catches any
client that bounds each read but not the whole answer. ``close()`` stops every connection.
``completed`` counts the connections the proxy dripped to the end (the whole answer sent, or its
``duration`` used up): a client with a total deadline hangs up long before, so a test asserts 0
there instead of timing the call (a busy machine stretches the call and the drip alike).
"""

from __future__ import annotations

import socket
import threading
import urllib.request


class TrickleProxy:
    def __init__(self, upstream: str | None = None, *, interval: float = 0.5, duration: float = 60.0,
                 headers_at_once: bool = False) -> None:
        self.headers_at_once = headers_at_once
        self.upstream = upstream.rstrip("/") if upstream else None
        self.interval = interval
        self.duration = duration
        self.stop = threading.Event()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.connections = 0
        self.completed = 0
        self.threads: list[threading.Thread] = []
        self.acceptor = threading.Thread(target=self._accept, daemon=True)

    def __enter__(self) -> TrickleProxy:
        self.acceptor.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.stop.set()
        self.acceptor.join(timeout=5)
        for t in self.threads:
            t.join(timeout=5)
        self.sock.close()

    def _accept(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            t = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            self.threads.append(t)
            t.start()

    def _answer(self, request_line: str) -> bytes:
        if self.upstream is None:
            body = b'{"status":"success","data":{"resultType":"vector","result":[]}}' + b" " * 4000
            return (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                    + str(len(body)).encode() + b"\r\n\r\n" + body)
        path = request_line.split(" ")[1]
        with urllib.request.urlopen(self.upstream + path, timeout=10) as resp:
            body = resp.read()
            ctype = resp.headers.get("Content-Type", "application/json")
        return (b"HTTP/1.1 200 OK\r\nContent-Type: " + ctype.encode() + b"\r\nContent-Length: "
                + str(len(body)).encode() + b"\r\n\r\n" + body)

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(2.0)
            data = b""
            try:
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    data += chunk
                answer = self._answer(data.split(b"\r\n", 1)[0].decode("latin-1"))
            except OSError:
                return
            sent = 0
            waited = 0.0
            if self.headers_at_once:   # the status line and headers at once, then the body drips
                sent = answer.index(b"\r\n\r\n") + 4
                try:
                    conn.sendall(answer[:sent])
                except OSError:
                    return
            while sent < len(answer) and waited < self.duration and not self.stop.is_set():
                try:
                    conn.sendall(answer[sent:sent + 1])
                except OSError:
                    return   # the client gave up: exactly what it should do
                sent += 1
                if self.stop.wait(self.interval):
                    return
                waited += self.interval
            self.completed += 1
