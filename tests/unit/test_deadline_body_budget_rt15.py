"""A server answering endless bodies to several requests at once cannot make warroom hold a
per-request cap times the number of requests in memory (rt15: 15 queries x 64 MiB was ~1 GB RSS).
The bytes all in-flight answers may hold together are bounded; every request is refused with a
sentence, none hangs. The bound is checked on what the client held at its peak, not on what the
server got out: an answer refused gives its bytes back to the next one, so the total sent depends
on how the machine schedules the twelve readers (a loaded CI box sent 259 MiB)."""

from __future__ import annotations

import socket
import threading
import time

from warroom.sources.deadline import MAX_IN_FLIGHT_BYTES, DeadlineHTTP
from warroom.sources.httpjson import SourceError

MiB = 2**20


class Flood:
    """Answers every request with a chunked body that never ends; counts bytes it got out."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(32)
        self.sock.settimeout(0.1)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.sent = 0
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.threads: list[threading.Thread] = []
        self.loop = threading.Thread(target=self._accept, daemon=True)
        self.loop.start()

    def _accept(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            t = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            self.threads.append(t)
            t.start()

    def _serve(self, conn: socket.socket) -> None:
        chunk = b"%x\r\n%s\r\n" % (256 * 1024, b" " * (256 * 1024))
        try:
            conn.settimeout(1.0)
            conn.recv(65536)
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                         b"Transfer-Encoding: chunked\r\n\r\n")
            for _ in range(4096):                  # bounded: at most 1 GiB per connection
                if self.stop.is_set():
                    break
                conn.sendall(chunk)
                with self.lock:
                    self.sent += len(chunk)
        except OSError:
            pass
        finally:
            conn.close()

    def close(self) -> None:
        self.stop.set()
        self.loop.join(5)
        for t in self.threads:
            t.join(5)
        self.sock.close()


class PeakHTTP(DeadlineHTTP):
    """The client, with the most bytes its answers held at once written down."""

    peak = 0

    def _hold(self, n: int) -> bool:
        ok = super()._hold(n)
        with self._lock:
            self.peak = max(self.peak, self._held)
        return ok


def test_endless_bodies_to_many_requests_hold_a_bounded_total() -> None:
    flood = Flood()
    http = PeakHTTP(20.0, "flood", max_in_flight=16)
    try:
        deadline = time.monotonic() + 20.0
        calls = [http.start("GET", f"{flood.url}/q{i}") for i in range(12)]
        errors = []
        for call in calls:
            try:
                http.finish(call, deadline)
            except SourceError as exc:
                errors.append(exc)
        assert len(errors) == 12                      # nobody got an "answer"
    finally:
        http.close()
        flood.close()
    # 12 x 64 MiB held at once would be 768 MiB; the shared budget keeps it at one cap
    assert 0 < http.peak <= MAX_IN_FLIGHT_BYTES, http.peak / MiB
    assert flood.sent > MAX_IN_FLIGHT_BYTES, flood.sent / MiB      # the budget was really reached
    assert all("MiB" in str(e) for e in errors if e.kind == "error"), [str(e) for e in errors]


def test_a_declared_length_past_the_cap_is_refused_before_reading() -> None:
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(4)
    url = f"http://127.0.0.1:{srv.getsockname()[1]}"
    done = threading.Event()

    def serve() -> None:
        conn, _ = srv.accept()
        conn.recv(65536)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 900000000\r\n\r\n{")
        done.wait(10)
        conn.close()

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    http = DeadlineHTTP(10.0, "big")
    try:
        try:
            http.get(url)
            raise AssertionError("a 900 MB answer was accepted")
        except SourceError as exc:
            assert "MiB" in str(exc) and "refused" in str(exc) and exc.kind == "error", str(exc)
    finally:
        done.set()
        http.close()
        t.join(5)
        srv.close()
