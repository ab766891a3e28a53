"""``kubernetes.enabled = false`` sends nothing, checked on the wire (rt15): a listening socket
that counts every connection stands where the kubeconfig (and $KUBECONFIG) point; the cluster
source, the blast-radius description, a native k8s step (dry run and real) and extra_sources are
all exercised, and the socket sees no connection. The same socket sees one once the switch is on,
so the count can tell."""

from __future__ import annotations

import socket
import threading
from pathlib import Path

import pytest

from tui.launch import extra_sources
from warroom.config import Config
from warroom.sources.kubernetes import KubeSource
from warroom.sources.native import k8s_target, run_native_step

pytestmark = pytest.mark.integration


class CountingSocket:
    """Accepts on 127.0.0.1, counts, closes at once (bounded accept loop, stopped by close())."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.count = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.count += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self.sock.close()


def _kubeconfig(path: Path, port: int) -> Path:
    path.write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: prod\n"
        f"clusters:\n- name: c\n  cluster:\n    server: http://127.0.0.1:{port}\n"
        "contexts:\n- name: prod\n  context:\n    cluster: c\n    user: u\n    namespace: production\n"
        "users:\n- name: u\n  user:\n    token: t\n", encoding="utf-8")
    return path


def test_disabled_kubernetes_opens_no_connection(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    counter = CountingSocket()
    try:
        kubeconfig = _kubeconfig(tmp_path / "kubeconfig", counter.port)
        monkeypatch.setenv("KUBECONFIG", str(kubeconfig))
        cfg = Config()
        cfg.incident.state_dir = str(tmp_path / "state")
        cfg.kubernetes.kubeconfig = str(kubeconfig)
        cfg.kubernetes.timeout = 2.0
        cfg.kubernetes.enabled = False
        assert "cluster" not in extra_sources(cfg, [])
        snap = KubeSource(cfg.kubernetes).snapshot()
        assert snap.error is not None and snap.deployments == ()
        for command in ("scale deployment/flowengine replicas=3", "rollout undo deployment/flowengine",
                        "rollout restart deployment/flowengine", "rollout status deployment/flowengine"):
            for dry in (True, False):
                res = run_native_step("k8s", command, cfg, dry_run=dry)
                assert res.status == "failed" and "kubernetes.enabled = false" in (res.error or ""), res
        k8s_target("scale deployment/flowengine replicas=3", cfg.kubernetes)   # reads the file only
        assert counter.count == 0, "a request reached the cluster although kubernetes.enabled = false"
        # Control: switched on, the same socket is reached (so a zero above means something). Its bound is long:
        # the socket closes at once, so the answer comes as soon as the client connects, but on a loaded box the
        # client's lazy import alone outlasted the 2 s one (no connection made in time: 0 counted).
        cfg.kubernetes.enabled = True
        cfg.kubernetes.timeout = 30.0
        src = KubeSource(cfg.kubernetes)
        try:
            on = src.snapshot()
        finally:
            src.close()
        assert on.error is not None and counter.count >= 1
    finally:
        counter.close()


def test_a_huge_cluster_answer_is_refused_not_held(tmp_path: Path) -> None:
    """An API server announcing a 900 MB answer: refused at once with a sentence (rt15)."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    srv.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = srv.accept()
            except OSError:
                continue
            try:
                conn.settimeout(2)
                conn.recv(65536)
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                             b"Content-Length: 900000000\r\n\r\n{")
            except OSError:
                pass
            finally:
                conn.close()

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    try:
        cfg = Config()
        cfg.kubernetes.kubeconfig = str(_kubeconfig(tmp_path / "kc", srv.getsockname()[1]))
        cfg.kubernetes.timeout = 5.0
        src = KubeSource(cfg.kubernetes)
        try:
            snap = src.snapshot()
        finally:
            src.close()
        assert snap.error_kind == "error" and "MiB; refused" in (snap.error or ""), snap
    finally:
        stop.set()
        t.join(5)
        srv.close()
